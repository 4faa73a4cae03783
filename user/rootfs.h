/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading files as a given process sees them. On the host the root is "/";
 * for a container it is /proc/PID/root, and every path is resolved inside it
 * (openat2 RESOLVE_IN_ROOT): an absolute symlink in the container never
 * leads to a host file.
 *
 * A rootfs made for a process carries that process's credentials: every
 * path is resolved and opened with its fsuid, fsgid and supplementary
 * groups (setfsuid/setfsgid/setgroups on this thread, around the open
 * alone), so the tool, root as it is, never reads for a target what the
 * target's owner could not read. Only regular files are read.
 */
#ifndef __ROOTFS_H
#define __ROOTFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ROOTFS_MAX_GROUPS 64

/* Whose rights the files are opened with. */
struct rootfs_cred {
	uid_t uid; /* fsuid */
	gid_t gid; /* fsgid */
	int ngroups;
	gid_t groups[ROOTFS_MAX_GROUPS];
};

struct rootfs;

/* root: "/" or "/proc/PID/root". NULL and errno set on failure. */
struct rootfs *rootfs__new(const char *root);
/* The same, opening files with cred's rights (NULL: the tool's own). */
struct rootfs *rootfs__new_as(const char *root, const struct rootfs_cred *cred);
/*
 * The files as process pid sees them and with its owner's rights: its root
 * ("/" when it is the tool's) and the fs credentials of /proc/PID/status.
 * NULL and errno set when the process is gone.
 */
struct rootfs *rootfs__of_pid(int pid);
/* 1 when pid's root directory is the tool's own. */
int rootfs__same_root(int pid);
void rootfs__free(struct rootfs *fs);
/* The credentials files are opened with, NULL for the tool's own. */
const struct rootfs_cred *rootfs__cred(const struct rootfs *fs);
/* True when the root is the host's own "/". */
int rootfs__is_host(const struct rootfs *fs);
const char *rootfs__root(const struct rootfs *fs);

/* open(2) of an absolute or root-relative path, resolved inside the root. */
int rootfs__open(const struct rootfs *fs, const char *path, int flags);
/*
 * A regular file for reading: opened O_NONBLOCK (a FIFO never blocks) and
 * checked with fstat; -EISDIR for a directory, -EINVAL for anything else
 * (FIFO, device, socket).
 */
int rootfs__open_file(const struct rootfs *fs, const char *path);
/* stat(2) / lstat(2) inside the root. 0 or -errno. */
int rootfs__stat(const struct rootfs *fs, const char *path, struct stat *st, int nofollow);
/*
 * Read a whole file of at most max bytes into a NUL-terminated malloc'd
 * buffer; only a regular file (rootfs__open_file). Returns the length or
 * -errno (-EFBIG when larger than max).
 */
long rootfs__read_file(const struct rootfs *fs, const char *path, size_t max, char **out);
/* glob(3)-like expansion of a pattern whose directory part has no wildcards
 * (sites-enabled/STAR, conf.d/STAR.conf where STAR is a wildcard), inside the root, sorted.
 * Returns the count (at most max) or -errno; free with rootfs__free_list. */
int rootfs__glob(const struct rootfs *fs, const char *pattern, char ***out, int max);
void rootfs__free_list(char **list, int n);

#endif /* __ROOTFS_H */
