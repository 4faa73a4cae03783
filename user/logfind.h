/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a running nginx master writes its error logs, found without asking
 * the user and without running anything that belongs to a container: its
 * command line (-c, -p, -e, -g), the compiled-in defaults read as text out
 * of its binary (the "(default: ...)" strings of its -h help), its config
 * files read inside its root, and the files it holds open.
 */
#ifndef __LOGFIND_H
#define __LOGFIND_H

#include <stddef.h>

#define LOGFIND_MAX_LOGS 16
#define LOGFIND_PATH_MAX 512
/* Bytes of the nginx binary searched for its compiled-in defaults. */
#define LOGFIND_MAX_EXE (64u << 20)

struct logfind_result {
	int n;
	struct {
		/*
		 * As nginx opens it, absolute inside the process's root; "stderr",
		 * "syslog:server=..." or "memory:SIZE" as written.
		 */
		char path[LOGFIND_PATH_MAX];
		/* "error" when not written; "" for a log only seen among the fds */
		char level[16];
		int is_file; /* 0 for stderr/syslog/memory, and a path that is no regular file */
		int from_fd; /* also found open among the master's fds */
	} logs[LOGFIND_MAX_LOGS];
	char conf[LOGFIND_PATH_MAX];   /* main config file used */
	char prefix[LOGFIND_PATH_MAX]; /* with its trailing '/' */
};

/* What the master's command line says; "" for what it does not say. */
struct logfind_args {
	char conf[LOGFIND_PATH_MAX];	  /* -c */
	char prefix[LOGFIND_PATH_MAX];	  /* -p */
	char error_log[LOGFIND_PATH_MAX]; /* -e */
	char globals[1024];		  /* -g */
	int master;			  /* the text is a master's (or a lone nginx's) */
};

/*
 * Parse /proc/PID/cmdline of nginx: either argv (NUL-separated) or the title
 * nginx writes over it, "nginx: master process ARGV joined by spaces", where
 * a -g value with spaces is told apart by its closing ';'. 0, or -EINVAL when
 * it is no nginx master text ("nginx: worker process").
 */
int logfind__parse_cmdline(const char *raw, size_t len, struct logfind_args *a);
/*
 * The compiled-in defaults printed by `nginx -h` ("set configuration file
 * (default: X)", prefix, error log) found in data[0..len) (a binary's bytes).
 * Outputs not found are left untouched. Returns how many were found.
 */
int logfind__scan_defaults(const char *data, size_t len, char *conf, char *prefix, char *error_log,
			   size_t size);
/*
 * Find the error logs of master_pid (a worker's pid leads to its master).
 * Every error_log directive at every level (one entry per distinct path, the
 * level of its first directive), the default log when the main context sets
 * none, and the files open among its fds that look like error logs; fd 2 as
 * a pipe or socket is "stderr". 0, or -errno when no log at all was found
 * (-ESRCH: no such process; else why the config could not be read).
 */
int logfind__find(int master_pid, struct logfind_result *out);

#endif /* __LOGFIND_H */
