/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reporting policy: what a failure becomes on the output. A kernel failure
 * is named (rules), deduplicated (the FIN or RST after a backend's death,
 * the close after a SYN retransmit), matched with its log line
 * (correlate), and printed when it is news; evidence and fix are written
 * then (evidence.c, fix_*.c). Repeats are told as bursts, one line per
 * diagnosis and window.
 *
 * Data flows one way: decode (main) -> report__failure/report__log_line ->
 * rules -> correlate -> the callbacks here -> evidence/fix -> output.
 */
#ifndef __REPORT_H
#define __REPORT_H

#include <stddef.h>
#include <stdint.h>

#define REPORT_BURST_WINDOW_S 5

struct diag_table;
struct event;
struct hostconf;
struct output;
struct targets;

struct report_opts {
	struct output *out;
	struct diag_table *diags;
	struct hostconf *hc;	       /* may be NULL: generic fixes */
	const struct targets *targets; /* where a worker runs (containers) */
	struct ctnames_cache *names;   /* what the engines call them; NULL: ids only */
	/*
	 * --cause/--upstream: only these diagnoses are printed and summed up;
	 * causes is a set of bits (1 << enum cause), 0 and nupstreams 0 for all.
	 */
	uint64_t causes;
	const char *const *upstreams;
	int nupstreams;
	/* 1 when the error responses of worker pid are seen; NULL: never */
	int (*sees_responses)(void *ctx, int pid);
	void *ctx;
};

struct report;
struct ctnames_cache;

/* NULL and errno set on failure. */
struct report *report__new(const struct report_opts *opts);
void report__free(struct report *r);

/* A decoded kernel failure event. */
void report__failure(struct report *r, const struct event *ev);
/* An idle keep-alive connection its upstream closed (NGX502_EV_CONN_IDLE_CLOSE): no failure. */
void report__idle_close(struct report *r, const struct event *ev);
/* An error response nginx made (NGX502_EV_RESPONSE). */
void report__response(struct report *r, const struct event *ev);
/* An oom_victim record: joined to the kernel SIGKILL of the same pid (held for it). */
void report__oom(struct report *r, const struct event *ev);
/* An error-log line the kernel captured; pid: the writer's host pid; fd: where it went. */
void report__log_line(struct report *r, const char *line, size_t len, int pid, int fd,
		      uint64_t now_ns);
/* A line read from a followed file; pid: the writer's host pid, 0 to take it from the text. */
void report__file_line(struct report *r, const char *line, size_t len, int pid, uint64_t now_ns);
/* Once a loop pass: log lines that waited long enough, and bursts due. */
void report__tick(struct report *r, uint64_t now_ns);
/* At the end: every burst not told yet. */
void report__finish(struct report *r);

#endif /* __REPORT_H */
