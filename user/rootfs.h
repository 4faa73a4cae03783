/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading files as a given process sees them. On the host the root is "/";
 * for a container it is /proc/PID/root, and every path is resolved inside it
 * (openat2 RESOLVE_IN_ROOT): an absolute symlink in the container never
 * leads to a host file.
 */
#ifndef __ROOTFS_H
#define __ROOTFS_H

#include <stddef.h>
#include <sys/stat.h>

struct rootfs;

/* root: "/" or "/proc/PID/root". NULL and errno set on failure. */
struct rootfs *rootfs__new(const char *root);
void rootfs__free(struct rootfs *fs);
/* True when the root is the host's own "/". */
int rootfs__is_host(const struct rootfs *fs);
const char *rootfs__root(const struct rootfs *fs);

/* open(2) of an absolute or root-relative path, resolved inside the root. */
int rootfs__open(const struct rootfs *fs, const char *path, int flags);
/* stat(2) / lstat(2) inside the root. 0 or -errno. */
int rootfs__stat(const struct rootfs *fs, const char *path, struct stat *st, int nofollow);
/*
 * Read a whole file of at most max bytes into a NUL-terminated malloc'd
 * buffer. Returns the length or -errno (-EFBIG when larger than max).
 */
long rootfs__read_file(const struct rootfs *fs, const char *path, size_t max, char **out);
/* glob(3)-like expansion of a pattern whose directory part has no wildcards
 * (sites-enabled/STAR, conf.d/STAR.conf where STAR is a wildcard), inside the root, sorted.
 * Returns the count (at most max) or -errno; free with rootfs__free_list. */
int rootfs__glob(const struct rootfs *fs, const char *pattern, char ***out, int max);
void rootfs__free_list(char **list, int n);

#endif /* __ROOTFS_H */
