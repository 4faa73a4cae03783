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

void fix__oom(struct diagnosis *d, struct fix_ctx *fx)
{
	char mc[600] = "pm.max_children";

	if (fx->pool)
		fix__fpm_val("pm.max_children", &fx->pool->pm_max_children, "5", mc, sizeof(mc));
	fix__write(d,
		   "the backend ran out of memory: lower %s or PHP's memory_limit so that all "
		   "children fit, or raise the memory limit of its service/cgroup; nginx "
		   "answered 502 for the request it was serving",
		   mc);
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
