// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "unit.h"
#include "diag.h"

UNIT_TEST(first_failure_creates_then_counts)
{
	struct diag_table *t = diag_table__new();
	struct diagnosis *d, *d2;
	int created;

	d = diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "127.0.0.1:9000", 10, 111, 5, &created);
	CHECK(d && created, "first hit creates");
	d2 = diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "127.0.0.1:9000", 11, 111, 9, &created);
	CHECK(d2 == d && !created, "second hit aggregates");
	CHECK_INT(d->count, 2);
	CHECK_INT(d->nginx_pid, 10);
	CHECK_INT(d->first_ts_ns, 5);
	CHECK_INT(d->last_ts_ns, 9);
	diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "127.0.0.1:9001", 10, 111, 9, &created);
	CHECK(created, "another upstream is another diagnosis");
	diag_table__hit(t, CAUSE_UPSTREAM_RESET, "127.0.0.1:9000", 10, 104, 9, &created);
	CHECK(created, "another cause is another diagnosis");
	CHECK_INT(diag_table__count(t), 3);
	diag_table__free(t);
}

UNIT_TEST(table_is_bounded)
{
	struct diag_table *t = diag_table__new();
	char up[32];
	int i, created;

	for (i = 0; i < DIAG_MAX + 10; i++) {
		snprintf(up, sizeof(up), "10.0.0.1:%d", i);
		diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, up, 1, 111, i, &created);
	}
	CHECK_INT(diag_table__count(t), DIAG_MAX);
	CHECK_INT(diag_table__overflow(t), 10);
	diag_table__free(t);
}

UNIT_TEST(evidence_and_source)
{
	struct diag_table *t = diag_table__new();
	struct diagnosis *d;
	char big[DIAG_TEXT_MAX * 2];
	int created, i;

	d = diag_table__hit(t, CAUSE_UPSTREAM_SOCKET_STALE, "unix:/x.sock", 1, 111, 1, &created);
	d->from_kernel = 1;
	CHECK_STR(diagnosis__source(d), "kernel");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < DIAG_EVIDENCE_MAX + 3; i++)
		diagnosis__evidence(d, "%s", big);
	CHECK_INT(d->nevidence, DIAG_EVIDENCE_MAX);
	CHECK_INT(strlen(d->evidence[0]), DIAG_TEXT_MAX - 1);
	diagnosis__set_log(d, "line", 4);
	CHECK_STR(d->log, "line");
	CHECK_STR(diagnosis__source(d), "kernel+log");
	diag_table__free(t);
}

UNIT_TEST(sock_seen_once)
{
	struct diag_table *t = diag_table__new();

	CHECK_INT(diag_table__sock_seen(t, 0xffff1234), 0);
	CHECK_INT(diag_table__sock_seen(t, 0xffff1234), 1);
	CHECK_INT(diag_table__sock_seen(t, 0xffff9999), 0);
	diag_table__free(t);
}

int main(void)
{
	return unit_main();
}
