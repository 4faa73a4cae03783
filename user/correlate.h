/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel failures and nginx's error-log lines, matched: by worker pid, by
 * upstream and by time. The kernel names the cause first; the line that
 * explains the same failure is attached to that diagnosis (printed again as
 * kernel+log), and a line no kernel event explains becomes a diagnosis of
 * its own, from the log alone. Either may arrive first: per-CPU perf
 * buffers do not keep order, and a file is read after it is flushed.
 */
#ifndef __CORRELATE_H
#define __CORRELATE_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "event.h"
#include "logparse.h"

struct correlator;

/* Called when a diagnosis is new (fill evidence and fix, print it) or got its log line (print it
 * again). */
struct correlator_ops {
	void (*on_new_kernel)(void *ctx, struct diagnosis *d, const struct event *ev);
	void (*on_new_log)(void *ctx, struct diagnosis *d, const struct ngx_log_line *l);
	void (*on_log_attached)(void *ctx, struct diagnosis *d);
	/* 1 when the error responses of worker pid are seen: its failures then wait for them */
	int (*sees_responses)(void *ctx, int pid);
	void *ctx;
};

/*
 * 1 when the kernel's cause and the log line's for one request are the same
 * failure seen from two sides (docs/DESIGN.md §4.2); 0 is a disagreement.
 */
int correlator__same_failure(enum cause kernel, enum cause log);

struct correlator *correlator__new(struct diag_table *t, const struct correlator_ops *ops);
void correlator__free(struct correlator *c);

/* A kernel failure of this cause (rules__cause_of), from worker pid. */
void correlator__kernel(struct correlator *c, enum cause cause, int pid, const struct event *ev);
/*
 * The same failure, counted already, shows again (nginx closes the socket
 * whose SYN was retransmitted): its log line, written now, still belongs to
 * it, even past the usual match window.
 */
void correlator__kernel_again(struct correlator *c, int pid, const struct event *ev);
/*
 * nginx closed a connect still in SYN_SENT before any SYN retransmit: a
 * connect timeout when its line or a 504 of the worker follows, else a
 * client that left (no cause).
 */
void correlator__abort(struct correlator *c, int pid, const struct event *ev);
/* An error response (status >= 500) of worker pid for request conn ("*N", 0 unknown). */
void correlator__response(struct correlator *c, int pid, uint64_t conn, int status, uint64_t ts_ns);
/*
 * An error-log line the kernel captured. pid is the host pid of the worker
 * that wrote it, 0 to take it from the text; fd: the file descriptor it was
 * written to (-1 syslog); now_ns: its kernel time (CLOCK_MONOTONIC).
 */
void correlator__log(struct correlator *c, const char *line, size_t len, int pid, int fd,
		     uint64_t now_ns);
/*
 * A line read from a file: pid is the writer's host pid when the caller
 * translated it from the text (a container's numbers), 0 to take the text's.
 * A file repeats lines the kernel captured: those count once.
 */
void correlator__log_file(struct correlator *c, const char *line, size_t len, int pid,
			  uint64_t now_ns);
/*
 * Lines that waited long enough for a kernel event become log-only diagnoses;
 * responses that waited long enough are tied to their failure; failures no
 * error response followed are recovered. UINT64_MAX: the stop, all decide.
 */
void correlator__tick(struct correlator *c, uint64_t now_ns);

#endif /* __CORRELATE_H */
