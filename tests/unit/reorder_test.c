// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reorder: records of two CPU buffers read one after the other come out in
 * kernel time order, only up to the watermark, equal times in arrival order.
 */
#include <stdint.h>
#include <string.h>
#include <linux/types.h>
#include "unit.h"
#include "../../bpf/ngx502.h"
#include "../../user/reorder.h"

struct seen {
	uint64_t ts[64];
	uint32_t tag[64];
	int n;
};

struct rec {
	struct ngx502_hdr hdr;
	uint32_t tag;
};

static void collect(void *ctx, const void *data, size_t size)
{
	struct seen *s = ctx;
	const struct rec *r = data;

	if (s->n >= 64 || size != sizeof(*r))
		return;
	s->ts[s->n] = r->hdr.ts_ns;
	s->tag[s->n++] = r->tag;
}

static void push(struct reorder *r, uint64_t ts, uint32_t tag, struct seen *s)
{
	struct rec x = {.hdr = {.ts_ns = ts, .size = sizeof(x)}, .tag = tag};

	CHECK(!reorder__push(r, ts, &x, sizeof(x), collect, s), "push %u", tag);
}

UNIT_TEST(two_buffers_in_time_order)
{
	struct reorder r = {};
	struct seen s = {};

	/* CPU 0's buffer, then CPU 1's: a line at 20 on CPU 1, its response at 25 on CPU 0 */
	push(&r, 10, 1, &s);
	push(&r, 25, 2, &s);
	push(&r, 40, 3, &s);
	push(&r, 20, 4, &s);
	push(&r, 30, 5, &s);
	reorder__release(&r, 30, collect, &s);
	CHECK(s.n == 4, "released %d", s.n);
	CHECK(s.tag[0] == 1 && s.tag[1] == 4 && s.tag[2] == 2 && s.tag[3] == 5, "order %u %u %u %u",
	      s.tag[0], s.tag[1], s.tag[2], s.tag[3]);
	CHECK(reorder__held(&r) == 1, "held %zu", reorder__held(&r));
	/* a later read brings one from before what is held */
	push(&r, 35, 6, &s);
	reorder__release(&r, UINT64_MAX, collect, &s);
	CHECK(s.n == 6 && s.tag[4] == 6 && s.tag[5] == 3, "then %u %u", s.tag[4], s.tag[5]);
	CHECK(!reorder__held(&r), "left %zu", reorder__held(&r));
	reorder__free(&r);
}

UNIT_TEST(equal_times_keep_arrival_order)
{
	struct reorder r = {};
	struct seen s = {};

	for (uint32_t i = 0; i < 20; i++)
		push(&r, 7, i, &s);
	reorder__release(&r, 7, collect, &s);
	CHECK(s.n == 20, "released %d", s.n);
	for (int i = 0; i < s.n; i++)
		CHECK(s.tag[i] == (uint32_t)i, "at %d: %u", i, s.tag[i]);
	reorder__free(&r);
}

UNIT_TEST(free_drops_what_is_held)
{
	struct reorder r = {};
	struct seen s = {};

	push(&r, 5, 1, &s);
	push(&r, 6, 2, &s);
	reorder__release(&r, 0, collect, &s);
	CHECK(reorder__held(&r) == 2 && s.n == 0, "held %zu seen %d", reorder__held(&r), s.n);
	reorder__free(&r);
	CHECK(!reorder__held(&r) && s.n == 0, "free empties, hands on nothing");
}

UNIT_TEST(many_records_grow)
{
	struct reorder r = {};
	struct seen s = {};

	for (uint32_t i = 0; i < 5000; i++)
		push(&r, 5000 - i, i, &s);
	CHECK(reorder__held(&r) == 5000, "held %zu", reorder__held(&r));
	reorder__release(&r, 64, collect, &s);
	CHECK(s.n == 64 && s.ts[0] == 1 && s.ts[63] == 64, "first %llu last %llu",
	      (unsigned long long)s.ts[0], (unsigned long long)s.ts[s.n ? s.n - 1 : 0]);
	reorder__free(&r);
}

int main(void)
{
	return unit_main();
}
