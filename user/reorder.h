/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records of the per-CPU perf buffers put back in kernel time order (and the
 * lines read from error-log files put behind the kernel's copies of them).
 *
 * Each CPU's buffer is in its own order; read one after the other they are
 * not in the order things happened (a worker's line on one CPU, its error
 * response on the other). The reader copies what it read into a reorder
 * buffer and releases, sorted by the records' kernel time (struct
 * ngx502_hdr ts_ns), those stamped up to a watermark: a time before which
 * every record has been read (docs/DESIGN.md, "Reading the perf buffer").
 */
#ifndef __REORDER_H
#define __REORDER_H

#include <stddef.h>
#include <stdint.h>

#define REORDER_MAX (1u << 18) /* records held; past it everything is released */

struct reorder_item;

struct reorder {
	struct reorder_item *v;
	size_t n, cap;
	uint64_t seq;	  /* arrival number: equal times keep the order they came in */
	uint64_t dropped; /* records that could not be held (no memory): released at once */
};

typedef void (*reorder_fn)(void *ctx, const void *data, size_t size);

/*
 * Hold a copy of a record stamped ts_ns. When no copy can be made it goes to
 * fn at once (and counts in dropped). Returns 0 or -errno.
 */
int reorder__push(struct reorder *r, uint64_t ts_ns, const void *data, size_t size, reorder_fn fn,
		  void *ctx);
/* Hand the records stamped at or before upto to fn, oldest first; keep the rest. */
void reorder__release(struct reorder *r, uint64_t upto, reorder_fn fn, void *ctx);
size_t reorder__held(const struct reorder *r);
void reorder__free(struct reorder *r);

#endif /* __REORDER_H */
