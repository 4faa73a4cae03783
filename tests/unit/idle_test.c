// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The keep-alive idle timeout learned per upstream from its idle closes (user/idle.c). */
#include <stdio.h>
#include "idle.h"
#include "unit.h"

UNIT_TEST(nothing_seen_is_zero)
{
	struct idle_table *t = idle_table__new();
	unsigned int n = 99;

	CHECK(t != NULL, "no table");
	CHECK(idle_table__timeout(t, "127.0.0.1:9000", &n) == 0, "a timeout from nothing");
	CHECK(n == 0, "count %u", n);
	CHECK(idle_table__timeout(NULL, "127.0.0.1:9000", NULL) == 0, "a timeout from NULL");
	/* 0 ms and empty keys teach nothing */
	idle_table__add(t, "127.0.0.1:9000", 0);
	idle_table__add(t, "", 5000);
	idle_table__add(NULL, "127.0.0.1:9000", 5000);
	CHECK(idle_table__timeout(t, "127.0.0.1:9000", &n) == 0 && n == 0, "learned from nothing");
	idle_table__free(t);
	idle_table__free(NULL);
}

/* A Node.js backend (5 s, its timer checks late by up to a second) and a gunicorn one (2 s). */
UNIT_TEST(low_end_per_upstream)
{
	struct idle_table *t = idle_table__new();
	unsigned int n, i;

	for (i = 0; i < 12; i++)
		idle_table__add(t, "127.0.0.1:9000", 5000 + i * 80);
	for (i = 0; i < 3; i++)
		idle_table__add(t, "[::1]:8000", 2100 - i * 40);
	CHECK(idle_table__timeout(t, "127.0.0.1:9000", &n) == 5080, "node: %u",
	      idle_table__timeout(t, "127.0.0.1:9000", NULL));
	CHECK(n == 12, "node count %u", n);
	CHECK(idle_table__timeout(t, "[::1]:8000", &n) == 2020, "gunicorn: %u",
	      idle_table__timeout(t, "[::1]:8000", NULL));
	CHECK(n == 3, "gunicorn count %u", n);
	CHECK(idle_table__timeout(t, "127.0.0.1:9001", &n) == 0 && n == 0, "another upstream");
	idle_table__free(t);
}

/* One early close (a backend restarted, a max-requests limit) does not decide. */
UNIT_TEST(one_outlier_does_not_decide)
{
	struct idle_table *t = idle_table__new();
	unsigned int i;

	idle_table__add(t, "127.0.0.1:9000", 150);
	for (i = 0; i < 20; i++)
		idle_table__add(t, "127.0.0.1:9000", 5000 + i);
	CHECK(idle_table__timeout(t, "127.0.0.1:9000", NULL) == 5001, "timeout %u",
	      idle_table__timeout(t, "127.0.0.1:9000", NULL));
	idle_table__free(t);
}

/* The latest closes decide: a backend whose timeout was lowered is learned again. */
UNIT_TEST(latest_closes_decide)
{
	struct idle_table *t = idle_table__new();
	unsigned int n, i;

	for (i = 0; i < IDLE_SAMPLES; i++)
		idle_table__add(t, "127.0.0.1:9000", 1000);
	for (i = 0; i < IDLE_SAMPLES; i++)
		idle_table__add(t, "127.0.0.1:9000", 5000);
	CHECK(idle_table__timeout(t, "127.0.0.1:9000", &n) == 5000, "timeout %u",
	      idle_table__timeout(t, "127.0.0.1:9000", NULL));
	CHECK(n == 2 * IDLE_SAMPLES, "count %u", n);
	idle_table__free(t);
}

/* A full table keeps what it learned and ignores newcomers. */
UNIT_TEST(full_table)
{
	struct idle_table *t = idle_table__new();
	char key[32];
	int i;

	for (i = 0; i <= IDLE_UPSTREAMS; i++) {
		snprintf(key, sizeof(key), "127.0.0.1:%d", 1000 + i);
		idle_table__add(t, key, 1000 + i);
	}
	CHECK(idle_table__timeout(t, "127.0.0.1:1000", NULL) == 1000, "first lost");
	snprintf(key, sizeof(key), "127.0.0.1:%d", 1000 + IDLE_UPSTREAMS);
	CHECK(idle_table__timeout(t, key, NULL) == 0, "learned past the end");
	idle_table__free(t);
}

int main(void)
{
	return unit_main();
}
