// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "reorder.h"

struct reorder_item {
	uint64_t ts_ns;
	uint64_t seq;
	size_t size;
	void *data;
};

int reorder__push(struct reorder *r, uint64_t ts_ns, const void *data, size_t size, reorder_fn fn,
		  void *ctx)
{
	struct reorder_item *it;
	void *copy;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		void *v = cap <= REORDER_MAX ? realloc(r->v, cap * sizeof(*r->v)) : NULL;

		if (!v) {
			r->dropped++;
			fn(ctx, data, size);
			return -ENOMEM;
		}
		r->v = v;
		r->cap = cap;
	}
	copy = malloc(size ? size : 1);
	if (!copy) {
		r->dropped++;
		fn(ctx, data, size);
		return -ENOMEM;
	}
	memcpy(copy, data, size);
	it = &r->v[r->n++];
	*it = (struct reorder_item){.ts_ns = ts_ns, .seq = r->seq++, .size = size, .data = copy};
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct reorder_item *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void reorder__release(struct reorder *r, uint64_t upto, reorder_fn fn, void *ctx)
{
	size_t i;

	if (!r->n)
		return;
	qsort(r->v, r->n, sizeof(*r->v), by_time);
	for (i = 0; i < r->n && r->v[i].ts_ns <= upto; i++) {
		fn(ctx, r->v[i].data, r->v[i].size);
		free(r->v[i].data);
	}
	memmove(r->v, r->v + i, (r->n - i) * sizeof(*r->v));
	r->n -= i;
}

size_t reorder__held(const struct reorder *r)
{
	return r->n;
}

void reorder__free(struct reorder *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].data);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
