/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The two outputs, side by side for each record so they never drift:
 * human-readable lines, or JSON lines (docs/DESIGN.md §3). Data goes to
 * stdout, line-buffered; human warnings go to stderr.
 */
#ifndef __OUTPUT_H
#define __OUTPUT_H

#include <stdint.h>
#include "diag.h"
#include "event.h"
#include "targets.h"

struct output;

struct output *output__new(int json);
void output__free(struct output *o);

void output__ready(struct output *o, const struct targets *t, const char *const *probes);
/* A diagnosis, when new and again when its log line arrives. */
void output__diagnosis(struct output *o, const struct diagnosis *d);
/* The error-log line of a diagnosis already printed from kernel evidence. */
void output__log_attached(struct output *o, const struct diagnosis *d);
/* What clients got from a diagnosis already printed: its first responses, its first recovered. */
void output__outcome(struct output *o, const struct diagnosis *d);
/* More of the same: delta failures in the last window_s seconds. */
void output__burst(struct output *o, const struct diagnosis *d, uint64_t delta,
		   unsigned int window_s);
/* A raw kernel event (--verbose). */
void output__event(struct output *o, const struct event *ev);
void output__warning(struct output *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What the summary counts besides the diagnoses. */
struct output_totals {
	uint64_t events;       /* kernel records received */
	uint64_t lost;	       /* records the kernel could not send, or the buffer lost */
	uint64_t conns_full;   /* upstream connections whose kernel state was not created */
	uint64_t diag_dropped; /* failures not counted: the diagnosis table was full */
};

/* The final counts; on stderr when stdout is gone. */
void output__summary(struct output *o, struct diag_table *t, const struct output_totals *tot);
/*
 * 0 while stdout takes our lines. -EPIPE once its reader is gone (a closed
 * pipe, even before the next write, or a hung-up terminal), -EIO after any
 * other write error. Sticky.
 */
int output__error(struct output *o);

#endif /* __OUTPUT_H */
