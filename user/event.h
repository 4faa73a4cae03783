/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Decoding of the records the BPF side sends (bpf/ngx502.h) into one plain
 * struct. The bytes come from a perf buffer: every size and version is
 * checked before a field is read.
 */
#ifndef __EVENT_H
#define __EVENT_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_UPSTREAM_MAX 160

struct event {
	int type;	/* NGX502_EV_* */
	int source;	/* NGX502_SRC_*, 0 when not applicable */
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	uint64_t cgroup_id;
	unsigned int pid, tid; /* host ids of the nginx process */
	int err;	       /* positive errno, 0 if none */

	/* connection records */
	uint64_t sock;
	uint64_t duration_ns;
	uint64_t bytes_sent, bytes_received;
	int retrans;
	int sport;
	int old_state, new_state;
	unsigned int peer_pid;
	unsigned int unread; /* bytes nginx never read */
	/* reset/fin/abandon: idle ms before nginx reused it (0: first request); idle_close */
	unsigned int idle_ms;
	int family; /* AF_UNIX, AF_INET, AF_INET6; 0 when none */
	unsigned char addr[16];
	int port;
	char upstream[EVENT_UPSTREAM_MAX]; /* "127.0.0.1:9000", "[::1]:9000", "unix:/x.sock" */

	/* target records */
	unsigned int ppid;
	int reason;
	int exit_code;
	char comm[16];

	/* signal records */
	int sig;
	unsigned int sender_pid, nginx_pid;
	int sig_flags;
	char sender_comm[16];

	/* response records */
	uint64_t conn; /* nginx's connection number ("*N"), 0 if unknown */
	int status;    /* the status nginx answered with, >= 500 */

	/*
	 * oom_victim records; also set on the signal record of a backend the OOM killer
	 * chose, joined by user/report.c (memcg_id 0 and ts_ns 0: no OOM record joined)
	 */
	struct event_oom {
		uint64_t ts_ns; /* of the oom_victim record */
		uint64_t memcg_id;
		uint64_t limit_pages, usage_pages, peak_pages;
		uint64_t rss_pages; /* anon + file + shmem */
		int flags;	    /* NGX502_OOM_* */
	} oom;

	/* log records: line points into the record, not NUL-terminated */
	const char *line;
	size_t line_len;
	int log_flags;
	int log_fd;
};

/* 0, -EINVAL for a short or inconsistent record, -EPROTO for another version. */
int event__decode(const void *data, size_t size, struct event *out);
const char *event__type_name(int type);
const char *event__source_name(int source);
/* "127.0.0.1:9000" / "[::1]:9000" / "unix:/path" into buf. */
const char *event__format_addr(int family, const unsigned char *addr, int port, const char *path,
			       char *buf, size_t size);

#endif /* __EVENT_H */
