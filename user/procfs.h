/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readers of /proc/PID state. Each format has a pure text parser (fed by the
 * unit tests and the fuzzer) and a thin wrapper that reads the live file with
 * a bounded buffer. Everything here may describe a process inside a
 * container, so all text is treated as hostile: parsers never trust a length
 * or a count found in the input, skip lines they do not understand and never
 * read past len (the text need not be NUL-terminated).
 *
 * pid 0 everywhere means the tool itself (/proc/self).
 */
#ifndef __PROCFS_H
#define __PROCFS_H

#include <stddef.h>

#define PROC_STATUS_MAX_GROUPS 64
#define PROC_STATUS_MAX_NSPID  8
/* Bounds of the whole-/proc scans: no host has more, a hostile one must not loop us forever. */
#define PROCFS_MAX_PIDS	       (4 * 1024 * 1024)
#define PROCFS_MAX_FDS_PER_PID 65536

struct proc_status {
	char name[16]; /* as printed by the kernel (escaped), truncated */
	int tgid, ppid;
	unsigned int uid[4], gid[4]; /* real, effective, saved, fs */
	int ngroups;		     /* entries valid in groups[] */
	unsigned int groups[PROC_STATUS_MAX_GROUPS];
	int groups_truncated;		  /* more supplementary groups than fit */
	int nspid[PROC_STATUS_MAX_NSPID]; /* NSpid: host first, innermost last */
	int nnspid;
};

/* One line of /proc/PID/cgroup: "hierarchy-ID:controller-list:path". */
struct cgroup_entry {
	int hier;	       /* 0 for the v2 unified line */
	char controllers[128]; /* "" for v2, "memory", "cpu,cpuacct", "name=systemd" */
	char path[512];
};

/*
 * Next line of text[0..len) starting at *off: returns its start and sets
 * *llen (without the '\n'), advancing *off; NULL at the end.
 */
const char *procfs__line(const char *text, size_t len, size_t *off, size_t *llen);

/* Pure parsers. 0 or -errno (-EINVAL: nothing usable in the text). */
int procfs__parse_status(const char *text, size_t len, struct proc_status *out);
/* NUL-separated argv -> one line joined by ' ', control bytes shown as '?'. Returns the length. */
int procfs__parse_cmdline(const char *raw, size_t len, char *buf, size_t size);
/* Calls fn for every well-formed line; stops and returns fn's value when it is non-zero. */
int procfs__cgroup_for_each(const char *text, size_t len,
			    int (*fn)(const struct cgroup_entry *e, void *arg), void *arg);
/*
 * The v2 path (the "0::" line) into v2path and the v1 name=systemd path into
 * sdpath (either buffer may be NULL). 0 when at least one was found, else -ENOENT.
 */
int procfs__parse_cgroup(const char *text, size_t len, char *v2path, size_t size, char *sdpath,
			 size_t sdsize);
/* The systemd unit a cgroup path belongs to: its last component ending in .service or .scope. */
int procfs__cgroup_unit(const char *cgpath, char *buf, size_t size);
/* "socket:[12345]" -> 12345. 0 or -EINVAL. */
int procfs__parse_socket_link(const char *link, unsigned long *inode);

/* Live readers. */
/* Reads /proc/PID/<file> into buf (NUL-terminated, at most size-1 bytes). Returns the length. */
long procfs__read(int pid, const char *file, char *buf, size_t size);
int procfs__status(int pid, struct proc_status *out);
int procfs__cmdline(int pid, char *buf, size_t size); /* returns the length */
int procfs__exe(int pid, char *buf, size_t size);     /* readlink /proc/PID/exe */
int procfs__comm(int pid, char *buf, size_t size);
int procfs__cgroup_v2_path(int pid, char *buf, size_t size);
/* The .service/.scope unit of pid, "" (and 0) when it has none. */
int procfs__unit(int pid, char *buf, size_t size);

/* Iterate all numeric /proc entries: calls fn(pid, arg); stops when fn returns non-zero (returned).
 */
int procfs__for_each_pid(int (*fn)(int pid, void *arg), void *arg);
/* 1 when pids a and b share the namespace ns ("net", "pid", "mnt"), 0 if not, or -errno. */
int procfs__same_ns(int a, int b, const char *ns);
/*
 * Host PID of ns_pid as seen inside the pid namespace of ref_pid (a scan of
 * the NSpid lines of processes sharing that namespace); 0 if not found.
 */
int procfs__host_pid(int ref_pid, int ns_pid);
/*
 * For each socket inode in inodes[0..n), the lowest PID holding it in an fd
 * (usually the master of a pre-forking server), 0 when none was found.
 * Returns how many were found.
 */
int procfs__socket_owners(const unsigned long *inodes, int n, int *pids);
/*
 * sysctl by dotted name ("net.core.somaxconn") from /proc/sys as seen in the
 * network namespace of pid (0: the tool's own). net.* sysctls are per
 * namespace and /proc/sys/net shows the namespace of the task that opens
 * it, so for another namespace a short-lived child joins it to read the
 * value: the tool itself never leaves its own. The value without its
 * trailing newline; returns the length or -errno.
 */
int procfs__sysctl(int pid, const char *name, char *buf, size_t size);

#endif /* __PROCFS_H */
