/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Error-log files followed from user space: the --error-log the user named,
 * and the logs of an nginx whose binary gives no kernel-side capture. Lines
 * go to one callback, like the lines captured in the kernel.
 */
#ifndef __LOGS_H
#define __LOGS_H

#include <stddef.h>

#define LOGS_MAX 16

struct logs;

/* on_line's root_pid: the master whose log the line is from, 0 for a path the user named. */
struct logs *logs__new(void (*on_line)(void *ctx, const char *line, size_t len, int root_pid),
		       void *ctx);
void logs__free(struct logs *l);
/* Follow path (inside /proc/PID/root when root_pid is not 0) from its end. 0 or -errno. */
int logs__follow(struct logs *l, const char *path, int root_pid);
/* Follow every file error log of this nginx master (logfind). Returns how many. */
int logs__follow_master(struct logs *l, int master_pid);
/* Read what is new in every followed file. */
void logs__poll(struct logs *l);
int logs__count(const struct logs *l);
const char *logs__path(const struct logs *l, int i);

#endif /* __LOGS_H */
