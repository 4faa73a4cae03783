// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixes for a backend killed while it served nginx: php-fpm's own
 * request_terminate_timeout, the OOM killer or a cgroup limit, a crash, or
 * another process's signal.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diag.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "memcg.h"
#include "ngxconf.h"
#include "shquote.h"

/* php-fpm's master ended a child mid-request: request_terminate_timeout. */
void fix__fpm_terminated(struct diagnosis *d, struct fix_ctx *fx, const char *unit)
{
	char rtt[600], cmd[FIX_CMD_MAX], dir[48], cur[600], q[SHQUOTE_SIZE(128)];
	const struct fpm_val *v = fx->pool ? &fx->pool->request_terminate_timeout : NULL;

	snprintf(dir, sizeof(dir), "%s_read_timeout", fx->module);
	fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
	if (v && v->value) {
		fix__fpm_val("request_terminate_timeout", v, "", rtt, sizeof(rtt));
		diagnosis__evidence(d, "pool %s: %s; nginx: %s", fx->pool->name, rtt, cur);
	} else {
		snprintf(rtt, sizeof(rtt), "request_terminate_timeout in the pool");
	}
	/* unit comes from the killed process's cgroup: quoted like any value */
	if (fx->fpm)
		fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd));
	else
		snprintf(cmd, sizeof(cmd), "%s",
			 diagnosis__command(d, "systemctl restart %s",
					    unit && unit[0] ? shquote(unit, q, sizeof(q))
							    : "php8.2-fpm"));
	fix__write(d,
		   "php-fpm's master ended a request that ran past %s: find the slow script "
		   "(request_slowlog_timeout + slowlog in the pool), or raise it (keep it at or "
		   "above "
		   "nginx's %s); then %s",
		   rtt, cur, cmd);
}

/* The command that restarts the pool's php-fpm, recorded in d. */
static const char *fpm_restart(struct diagnosis *d, struct fix_ctx *fx, const char *unit, char *buf,
			       size_t size)
{
	char q[SHQUOTE_SIZE(128)];

	if (fx->fpm)
		return fix__fpm_cmd(d, fx->fpm, "restart", buf, size);
	if (unit && unit[0])
		snprintf(
			buf, size, "%s",
			diagnosis__command(d, "systemctl restart %s", shquote(unit, q, sizeof(q))));
	else
		snprintf(buf, size, "restart php-fpm");
	return buf;
}

/*
 * The OOM killer chose a child. With the numbers of its memory cgroup (o->limit, o->rss known)
 * the fix is the pool size that fits: children x the victim's RSS against the limit, with a
 * tenth kept for the master and the page cache; when one child alone fills the limit, PHP's
 * memory_limit is what to lower.
 */
void fix__oom(struct diagnosis *d, struct fix_ctx *fx, const struct fix_oom *o)
{
	char mc[600] = "pm.max_children", cmd[FIX_CMD_MAX], lim[32], rss[32], tot[32], ml[32];
	char where[600];
	unsigned long long each;
	const struct fpm_val *v = fx->pool ? &fx->pool->pm_max_children : NULL;
	long long n = v && v->value ? strtoll(v->value, NULL, 10) : 0, fit;
	const char *cg = o && o->cgroup && o->cgroup[0] ? o->cgroup : "of php-fpm";
	const char *knob = o && o->v2 ? "memory.max" : "memory.limit_in_bytes";

	if (fx->pool)
		fix__fpm_val("pm.max_children", v, "5", mc, sizeof(mc));
	fpm_restart(d, fx, o ? o->unit : NULL, cmd, sizeof(cmd));
	if (!o || !o->limit || !o->rss) {
		fix__write(d,
			   "lower %s or PHP's memory_limit so that all children fit, or raise the "
			   "memory limit of its service/cgroup: the backend ran out of memory and "
			   "nginx answered 502 for the request it was serving; then %s",
			   mc, cmd);
		return;
	}
	memcg__format_bytes(o->limit, lim, sizeof(lim));
	memcg__format_bytes(o->rss, rss, sizeof(rss));
	fit = (long long)(o->limit / 10 * 9 / o->rss);
	if (n > 0 && fit >= 1 && fit < n && v->file) {
		memcg__format_bytes((uint64_t)n * o->rss, tot, sizeof(tot));
		fix__write(d,
			   "set pm.max_children = %lld in %s:%d (now %lld): %lld children x %s "
			   "(the victim's RSS) = %s, more than the %s limit of memory cgroup %s; "
			   "%lld of them fit. Or raise %s of that cgroup, or lower PHP's "
			   "memory_limit; then %s",
			   fit, v->file, v->line, n, n, rss, tot, lim, cg, fit, knob, cmd);
		return;
	}
	/* one child alone fills the limit (or the children fit): a script's memory */
	each = o->limit / 10 * 9 / (unsigned long long)(n > 0 ? n : 1);
	memcg__format_bytes(each, ml, sizeof(ml));
	fix__write(d,
		   "set php_admin_value[memory_limit] = %lluM in %s: one child reached %s (RSS) "
		   "against the %s limit of memory cgroup %s, where all children of %s must fit "
		   "(%s each). Or raise %s of that cgroup; then %s",
		   each >> 20,
		   fx->pool ? fix__pool_where(fx->pool, where, sizeof(where)) : "the pool", rss,
		   lim, cg, mc, ml, knob, cmd);
}

void fix__crashed(struct diagnosis *d, const char *comm, const char *sig)
{
	fix__write(d,
		   "%s crashed with SIG%s: find the core dump (%s) and the script it ran "
		   "(php-fpm log: 'exited on signal'); disable the extension that crashes or "
		   "fix the code",
		   comm, sig, diagnosis__command(d, "coredumpctl list"));
}

void fix__killed(struct diagnosis *d, const char *sender, unsigned int sender_pid)
{
	fix__write(d,
		   "%s (pid %u) killed the backend mid-request: find out why (a deploy, a "
		   "watchdog, a manual kill) and stop it from killing busy workers",
		   sender, sender_pid);
}
