/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following an nginx error log file like `tail -F`: the fallback when the
 * kernel-side capture of log writes is unavailable, or when the user names
 * the log with --error-log. Only lines written after logfollow__new are
 * reported, each exactly once, across logrotate's "create" (rename, new
 * file, nginx reopens on USR1), "copytruncate" and delete + recreate.
 *
 * The log is hostile input: a line longer than max_line is cut and flagged,
 * never buffered without bound, and bytes (NUL included) are passed as they
 * are with their length.
 */
#ifndef __LOGFOLLOW_H
#define __LOGFOLLOW_H

#include <stddef.h>

#define LOGFOLLOW_DEF_LINE 4096
#define LOGFOLLOW_MAX_LINE (1u << 20) /* larger max_line values are clamped */
/* Bytes read from one file in one logfollow__poll; the rest waits for the next call. */
#define LOGFOLLOW_MAX_READ (4u << 20)
/*
 * How long a rotated-away file stays open after its last growth: nginx keeps
 * writing to it until every process has reopened its logs.
 */
#define LOGFOLLOW_LINGER_MS 5000

struct rootfs;
struct logfollow;

struct logfollow_opts {
	const struct rootfs *fs; /* NULL: the host; else path is resolved inside it */
	/*
	 * One line without its '\n'. line[len] is '\0' for convenience but the
	 * line may hold NUL bytes itself: trust len. truncated: the line was
	 * longer than max_line and these are its first max_line bytes; the rest
	 * is skipped. Must not call logfollow__free.
	 */
	void (*on_line)(void *ctx, const char *line, size_t len, int truncated);
	void *ctx;
	size_t max_line; /* 0: LOGFOLLOW_DEF_LINE */
};

/*
 * Open path and start at its current end. NULL and errno set on failure
 * (ENOENT, EACCES, EINVAL when it is not a regular file), nothing allocated.
 */
struct logfollow *logfollow__new(const char *path, const struct logfollow_opts *opts);
void logfollow__free(struct logfollow *lf);
/* Non-blocking inotify fd: readable when logfollow__poll has something to do. */
int logfollow__fd(const struct logfollow *lf);
/*
 * Report what is new, switching files on rotation. Safe to call at any time
 * (also on a timer: without inotify events it still notices rotations).
 * Returns the number of lines reported or -errno.
 */
int logfollow__poll(struct logfollow *lf);

#endif /* __LOGFOLLOW_H */
