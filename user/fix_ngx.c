// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixes that are nginx config changes: which directive is in force at the
 * *_pass that failed, where it is set, and what to set it to.
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

static const char *head(const struct fix_ctx *fx, char *buf, size_t size)
{
	snprintf(buf, size, "%s", fx->where[0] ? fx->where : fx->key);
	return buf;
}

/* " (file:line)" of the *_pass, where a directive for it goes; "" if unknown. */
static const char *at_pass(const struct fix_ctx *fx, char *buf, size_t size)
{
	buf[0] = '\0';
	if (fx->have_pass)
		snprintf(buf, size, " of the %s at %s:%d", fx->pass.directive, fx->pass.file,
			 fx->pass.line);
	return buf;
}

void fix__refused(struct diagnosis *d, struct fix_ctx *fx, const char *nearby)
{
	char h[FIX_WHERE_MAX], cmd[FIX_CMD_MAX], pw[600], svc[800] = "";

	head(fx, h, sizeof(h));
	if (fx->pool && fx->fpm) {
		fix__pool_where(fx->pool, pw, sizeof(pw));
		diagnosis__evidence(d, "php-fpm %s is configured on %s (%s)", pw, fx->key,
				    fx->fpm->pid ? "its master runs" : "installed, not running");
		fix__write(d, "%s: nothing listens on %s; %s should: %s", h, fx->key, pw,
			   fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
		return;
	}
	if (nearby && nearby[0])
		snprintf(svc, sizeof(svc), ", or point it at %s where something listens", nearby);
	/* "systemctl start <service>" is a template, no command: <service> is for a person */
	fix__write(d,
		   "%s: nothing listens on %s: start the service that should (systemctl start "
		   "<service>; %s shows who listens where)%s; then %s",
		   h, fx->key, diagnosis__command(d, "ss -ltnp"), svc, fix__reload(d, fx));
}

void fix__ports_exhausted(struct diagnosis *d, struct fix_ctx *fx, int lo, int hi, int tw)
{
	char h[FIX_WHERE_MAX], reuse[1024] = "", conn[400];
	const char *ka = NULL, *file = NULL;
	int line = 0, fcgi = !strcmp(fx->module, "fastcgi");

	head(fx, h, sizeof(h));
	if (fcgi)
		snprintf(conn, sizeof(conn), "fastcgi_keep_conn on;");
	else
		snprintf(conn, sizeof(conn), "%s_http_version 1.1; and %s_set_header Connection "
			 "\"\";", fx->module, fx->module);
	if (fx->nrefs && fx->refs[0].group && fx->ngx)
		ka = ngx_conf__effective(fx->ngx->conf, &fx->refs[0], "keepalive", &file, &line);
	if (ka) {
		diagnosis__evidence(d, "upstream %s has keepalive %s (%s:%d)", fx->refs[0].group,
				    ka, file, line);
		snprintf(reuse, sizeof(reuse),
			 "upstream %s keeps idle connections already (keepalive %s at %s:%d): "
			 "check that the %s_pass block sets %s so that they are reused, and raise "
			 "keepalive", fx->refs[0].group, ka, file, line, fx->module, conn);
	} else if (fx->nrefs && fx->refs[0].group) {
		diagnosis__evidence(d, "upstream %s has no keepalive: one new connection per "
				    "request", fx->refs[0].group);
		snprintf(reuse, sizeof(reuse),
			 "add keepalive 32; to upstream %s (its server line is %s:%d) and %s in "
			 "the "
			 "block of the %s_pass (%s:%d)", fx->refs[0].group, fx->refs[0].file,
			 fx->refs[0].line, conn, fx->module, fx->refs[0].pass_file,
			 fx->refs[0].pass_line);
	} else if (fx->nrefs) {
		diagnosis__evidence(d, "%s goes straight to the address: no upstream block, no "
				    "keepalive, one new connection per request", fx->where);
		snprintf(reuse, sizeof(reuse),
			 "declare upstream backend { server %s; keepalive 32; }, point the %s at "
			 "%s:%d to it (%s_pass %sbackend) and add %s there", fx->key,
			 fx->refs[0].directive, fx->refs[0].file, fx->refs[0].line, fx->module,
			 fcgi ? "" : "http://", conn);
	} else {
		snprintf(reuse, sizeof(reuse),
			 "add keepalive 32; to the upstream block for %s, with %s", fx->key, conn);
	}
	fix__write(
		d,
		"%s: %d local ports (%d-%d) for %d sockets in TIME_WAIT toward %s: reuse upstream "
		"connections: %s; and widen net.ipv4.ip_local_port_range (%s); then %s",
		h, hi >= lo ? hi - lo + 1 : 0, lo, hi, tw < 0 ? 0 : tw, fx->key, reuse,
		diagnosis__command(d, "sysctl -w net.ipv4.ip_local_port_range=\"10240 65535\""),
		fix__reload(d, fx));
}

/* "8 4k" -> count and size; 0 on success. */
static int parse_buffers(const char *v, long long *count, long long *size)
{
	char num[32], sz[32];

	if (!v || sscanf(v, "%31s %31s", num, sz) != 2)
		return -1;
	*count = fix__parse_size(num);
	*size = fix__parse_size(sz);
	return *count > 0 && *size > 0 ? 0 : -1;
}

void fix__header_too_big(struct diagnosis *d, struct fix_ctx *fx, unsigned long long observed)
{
	char dir[48], bdir[48], busy[64], cur_text[600], buf_text[600], h[FIX_WHERE_MAX];
	char want[32], more[1400] = "", obs[160] = "", pass[600];
	long long page = sysconf(_SC_PAGESIZE), cur, count = 8, bsize = page, target;
	const char *v, *bv, *bb;
	int has_buffers = strcmp(fx->module, "grpc") && strcmp(fx->module, "memcached");

	if (page <= 0)
		page = 4096;
	head(fx, h, sizeof(h));
	snprintf(dir, sizeof(dir), "%s_buffer_size", fx->module);
	snprintf(bdir, sizeof(bdir), "%s_buffers", fx->module);
	snprintf(busy, sizeof(busy), "%s_busy_buffers_size", fx->module);
	snprintf(want, sizeof(want), "%lldk (one page)", page / 1024);
	fix__directive(fx, dir, want, &v, cur_text, sizeof(cur_text));
	cur = v ? fix__parse_size(v) : page;
	if (cur <= 0)
		cur = page;
	diagnosis__evidence(d, "in force there: %s", cur_text);
	if (observed) {
		target = fix__pow2_above((long long)observed > cur ? (long long)observed : cur);
		snprintf(obs, sizeof(obs), "nginx read %llu bytes of it without finding its end; ",
			 observed);
	} else {
		target = fix__pow2_above(cur) * 2;
	}
	fix__format_size(target, want, sizeof(want));
	if (has_buffers) {
		char dflt[32];

		snprintf(dflt, sizeof(dflt), "8 %lldk", page / 1024);
		fix__directive(fx, bdir, dflt, &bv, buf_text, sizeof(buf_text));
		if (bv && parse_buffers(bv, &count, &bsize))
			count = 8, bsize = page;
		if (bsize < target) {
			char sz[32];

			fix__format_size(target, sz, sizeof(sz));
			snprintf(more, sizeof(more), " %s %lld %s; (now %s)", bdir, count, sz,
				 buf_text);
		}
		fix__directive(fx, busy, "", &bb, buf_text, sizeof(buf_text));
		if (bb)
			snprintf(more + strlen(more), sizeof(more) - strlen(more),
				 " and keep %s below %lld x %s", buf_text, count - 1, want);
	}
	fix__write(d,
		   "%s: the response header from %s is larger than %s; %sset %s %s;%s in the "
		   "block%s; "
		   "then %s",
		   h, fx->key, cur_text, obs, dir, want, more, at_pass(fx, pass, sizeof(pass)),
		   fix__reload(d, fx));
}

void fix__read_timeout(struct diagnosis *d, struct fix_ctx *fx, unsigned long long waited_ms)
{
	char dir[48], cur[600], h[FIX_WHERE_MAX], rtt[600] = "", pass[600], waited[64] = "";

	head(fx, h, sizeof(h));
	snprintf(dir, sizeof(dir), "%s_read_timeout", fx->module);
	fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
	diagnosis__evidence(d, "in force there: %s", cur);
	if (fx->pool) {
		fix__fpm_val("request_terminate_timeout", &fx->pool->request_terminate_timeout,
			     "0, off", rtt, sizeof(rtt));
		diagnosis__evidence(d, "php-fpm pool %s: %s", fx->pool->name, rtt);
	}
	if (waited_ms)
		snprintf(waited, sizeof(waited), " after %llu ms", waited_ms);
	fix__write(d,
		   "%s: nginx gave up%s waiting for the response header (%s): find what makes the "
		   "backend slow (its slow log, database), add capacity, or raise %s in the block%s"
		   "%s%s; then %s",
		   h, waited, cur, dir, at_pass(fx, pass, sizeof(pass)),
		   rtt[0] ? "; php-fpm ends requests at " : "", rtt, fix__reload(d, fx));
}

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
		 "nginx's %s); then %s", rtt, cur, cmd);
}
