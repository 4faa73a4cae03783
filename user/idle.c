// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "idle.h"

struct idle_upstream {
	char key[EVENT_UPSTREAM_MAX];
	unsigned int count; /* closes seen */
	unsigned int ms[IDLE_SAMPLES];
};

struct idle_table {
	struct idle_upstream up[IDLE_UPSTREAMS];
	int n;
};

struct idle_table *idle_table__new(void)
{
	return calloc(1, sizeof(struct idle_table));
}

void idle_table__free(struct idle_table *t)
{
	free(t);
}

static const struct idle_upstream *find(const struct idle_table *t, const char *upstream)
{
	int i;

	for (i = 0; t && upstream && i < t->n; i++)
		if (!strcmp(t->up[i].key, upstream))
			return &t->up[i];
	return NULL;
}

void idle_table__add(struct idle_table *t, const char *upstream, unsigned int idle_ms)
{
	struct idle_upstream *u = (struct idle_upstream *)find(t, upstream);

	if (!t || !upstream || !upstream[0] || !idle_ms)
		return;
	if (!u) {
		/* a full table keeps what it learned: a host has a few upstreams, not hundreds */
		if (t->n == IDLE_UPSTREAMS || strlen(upstream) >= sizeof(u->key))
			return;
		u = &t->up[t->n++];
		strcpy(u->key, upstream);
	}
	u->ms[u->count++ % IDLE_SAMPLES] = idle_ms;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

unsigned int idle_table__timeout(const struct idle_table *t, const char *upstream,
				 unsigned int *count)
{
	const struct idle_upstream *u = find(t, upstream);
	unsigned int s[IDLE_SAMPLES], n;

	if (count)
		*count = u ? u->count : 0;
	if (!u || !u->count)
		return 0;
	n = u->count < IDLE_SAMPLES ? u->count : IDLE_SAMPLES;
	memcpy(s, u->ms, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_uint);
	/*
	 * The 10th percentile: a backend's timer fires at its timeout plus its own tick
	 * (Node.js checks every second or so), so the low end is the timeout itself.
	 */
	return s[n / 10];
}
