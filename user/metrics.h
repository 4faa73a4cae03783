/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the tool has seen, as Prometheus metrics (text exposition format
 * 0.0.4): failures, error responses and recovered failures per diagnosis
 * (cause, upstream, container), the error responses nginx sent and those
 * left unexplained, events read and lost, the probes attached. Served by
 * metrics_http.h (--metrics) or written for node_exporter's textfile
 * collector (--metrics-textfile). docs/DESIGN.md §3.4 lists every metric.
 */
#ifndef __METRICS_H
#define __METRICS_H

#include <stddef.h>
#include <stdint.h>

struct diag_table;

struct metrics_input {
	struct diag_table *diags;
	uint64_t events, lost, conns_full;
	const char *const *probes; /* attached, NULL-terminated; NULL: none */
	int masters;		   /* nginx masters traced, alive */
	const char *version;	   /* of the tool, for ngx502_build_info */
};

/* The exposition text, malloc'd into *text (NUL-terminated, *len bytes). 0 or -errno. */
int metrics__render(const struct metrics_input *in, char **text, size_t *len);
/*
 * Write text to path as node_exporter's textfile collector wants it: to
 * PATH.tmp in the same directory, then rename() over path, so a scrape never
 * reads half a file. 0 or -errno.
 */
int metrics__write_textfile(const char *path, const char *text, size_t len);

#endif /* __METRICS_H */
