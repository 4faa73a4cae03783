// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A backend too small for its load: requests that nginx gave up on had waited
 * in the backend's listen queue behind busy workers, not in a slow script.
 * The cause stays upstream_read_timeout (or upstream_backlog_full); the fix
 * names the capacity to raise, with the numbers seen (docs/DESIGN.md §4).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "diag.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "sockdiag.h"

#define SATURATED_MAX_SUGGEST 4096

/* "1 connection", "5 connections" */
static const char *conns(unsigned int n, char *buf, size_t size)
{
	snprintf(buf, size, "%u connection%s", n, n == 1 ? "" : "s");
	return buf;
}

void fix__saturated(struct diagnosis *d, struct fix_ctx *fx, const struct sockdiag_queue *q,
		    unsigned long long waited_ms)
{
	char h[FIX_WHERE_MAX], dir[48], cur[600], mc[600], pw[600], cmd[FIX_CMD_MAX], n[48];
	char waited[64] = "";
	const struct fpm_pool *p = fx->pool;
	int total = -1, busy = -1;
	long want, now = -1;

	fix__head(fx, h, sizeof(h));
	snprintf(dir, sizeof(dir), "%s_read_timeout", fx->module);
	fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
	if (waited_ms)
		snprintf(waited, sizeof(waited), " after %llu ms", waited_ms);
	if (!p) {
		diagnosis__evidence(d,
				    "%s waiting in the listen queue of %s (backlog %u): the "
				    "backend accepts slower than requests arrive",
				    conns(q->queued, n, sizeof(n)), fx->key, q->backlog);
		fix__write(
			d,
			"add capacity to the backend on %s (more worker processes or threads, or "
			"another server in the upstream group); it is saturated, not slow: "
			"%s were waiting to be accepted when nginx gave up%s (%s); then %s",
			fix__upstream_name(fx), conns(q->queued, n, sizeof(n)), waited, cur,
			fix__reload(d, fx));
		return;
	}
	total = hostconf__fpm_children(fx->fpm, p->name, &busy);
	if (p->pm_max_children.value)
		now = strtol(p->pm_max_children.value, NULL, 10);
	if (now <= 0)
		now = total > 0 ? total : 5;
	want = now + q->queued;
	if (want > SATURATED_MAX_SUGGEST)
		want = SATURATED_MAX_SUGGEST;
	fix__fpm_val("pm.max_children", &p->pm_max_children, "5", mc, sizeof(mc));
	if (total >= 0 && busy >= 0)
		diagnosis__evidence(d,
				    "pool %s: %d of %d children busy, %s waiting in the listen "
				    "queue (backlog %u)",
				    p->name, busy, total, conns(q->queued, n, sizeof(n)),
				    q->backlog);
	else
		diagnosis__evidence(d, "pool %s: %s waiting in the listen queue (backlog %u)",
				    p->name, conns(q->queued, n, sizeof(n)), q->backlog);
	fix__write(d,
		   "raise %s to %ld (one child more for each request that waited), if memory "
		   "allows: each child holds its own memory_limit; the pool is saturated, not "
		   "slow: requests waited in the listen queue of %s behind busy children, and "
		   "nginx gave up on them%s (%s), counting the wait; then %s",
		   mc, want, fix__pool_where(p, pw, sizeof(pw)), waited, cur,
		   fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
}
