// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixes for failures once connected: the backend resets, closes early or
 * answers too slowly, too much, or in another protocol; and the causes
 * only nginx's log names (no live upstreams, DNS, TLS). One function per
 * cause, for the kernel and the log-only paths alike.
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
	fix__head(fx, h, sizeof(h));
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
	/* the change first, then why */
	fix__write(d,
		   "set %s %s;%s in the block%s: the response header from %s is larger than %s "
		   "(%s); %sthen %s",
		   dir, want, more, fix__at_pass(fx, pass, sizeof(pass)), fx->key, cur_text, h, obs,
		   fix__reload(d, fx));
}

void fix__read_timeout(struct diagnosis *d, struct fix_ctx *fx, unsigned long long waited_ms)
{
	char dir[48], cur[600], h[FIX_WHERE_MAX], rtt[600] = "", pass[600], waited[64] = "";

	fix__head(fx, h, sizeof(h));
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
		   h, waited, cur, dir, fix__at_pass(fx, pass, sizeof(pass)),
		   rtt[0] ? "; php-fpm ends requests at " : "", rtt, fix__reload(d, fx));
}

void fix__reset(struct diagnosis *d, struct fix_ctx *fx)
{
	char h[FIX_WHERE_MAX];

	fix__head(fx, h, sizeof(h));
	fix__write(d,
		   "%s: the backend aborts requests: look in its own log at this time for a "
		   "crash or a restart, and check that it speaks the protocol nginx sends "
		   "(proxy_pass vs fastcgi_pass, http vs https)",
		   h);
}

void fix__premature_close(struct diagnosis *d, struct fix_ctx *fx)
{
	char h[FIX_WHERE_MAX];

	fix__head(fx, h, sizeof(h));
	fix__write(d,
		   "%s: the backend closes without answering: look in its log at this time "
		   "(a worker that died, a request it rejected, a protocol mismatch such as "
		   "proxy_pass to a FastCGI port)",
		   h);
}

void fix__dropped(struct diagnosis *d)
{
	fix__write(d, "see nginx's error log line for this request");
}

void fix__no_live_upstreams(struct diagnosis *d, struct fix_ctx *fx)
{
	fix__write(d,
		   "every server of upstream %s is marked down after failing (max_fails, 1 by "
		   "default, within fail_timeout, 10s): fix the failures listed as evidence; "
		   "add a backup server or tune max_fails/fail_timeout in the upstream "
		   "block%s%s; then %s",
		   fix__upstream_name(fx), fx->nrefs ? " at " : "", fx->nrefs ? fx->where : "",
		   fix__reload(d, fx));
}

void fix__invalid_header(struct diagnosis *d, struct fix_ctx *fx, int fastcgi)
{
	fix__write(d,
		   "%s answers something that is not a valid %s response: check that the "
		   "directive%s%s matches the backend's protocol (proxy_pass for HTTP, "
		   "fastcgi_pass for FastCGI, https:// for TLS) and fix the backend's "
		   "headers; then %s",
		   fix__upstream_name(fx), fastcgi ? "FastCGI" : "HTTP", fx->where[0] ? " " : "",
		   fx->where, fix__reload(d, fx));
}

void fix__unresolved(struct diagnosis *d, struct fix_ctx *fx, const char *name)
{
	const char *n = name && name[0] ? name : fix__upstream_name(fx);
	char q[SHQUOTE_SIZE(256)];

	/* a template (<resolver> is for a person to fill), its name quoted all the same */
	fix__write(d,
		   "nginx cannot resolve %s: check the name and the DNS server in the "
		   "resolver directive (dig @<resolver> %s), or use an address; then %s",
		   n, shquote(n, q, sizeof(q)), fix__reload(d, fx));
}

void fix__ssl_failed(struct diagnosis *d, struct fix_ctx *fx)
{
	fix__write(d,
		   "the TLS handshake with %s fails: 'wrong version number' means https:// "
		   "to a plain-HTTP port; an alert 40/112 means SNI is needed "
		   "(proxy_ssl_server_name on; proxy_ssl_name <host>); a verify error needs "
		   "proxy_ssl_trusted_certificate; then %s",
		   fix__upstream_name(fx), fix__reload(d, fx));
}

void fix__unknown(struct diagnosis *d, struct fix_ctx *fx)
{
	fix__write(d,
		   "outside the catalogue: the log line is the evidence; check %s's own log "
		   "at this time",
		   fix__upstream_name(fx));
}

void fix__generic(struct diagnosis *d, struct fix_ctx *fx)
{
	fix__write(d, "%s; see the evidence and %s's own log at this time",
		   cause__summary(d->cause), fix__upstream_name(fx));
}

/* An nginx time ("60s", "60", "500ms", "1m30s") in ms; -1 when it is none. */
static long long parse_msec(const char *v)
{
	long long total = 0, n;
	char *end;

	if (!v || !*v)
		return -1;
	while (*v) {
		if (*v < '0' || *v > '9')
			return -1;
		n = strtoll(v, &end, 10);
		if (!strncmp(end, "ms", 2))
			end += 2;
		else if (*end == 's' || !*end || *end == ' ')
			n *= 1000, end += *end == 's';
		else if (*end == 'm')
			n *= 60000, end++;
		else if (*end == 'h')
			n *= 3600000, end++;
		else if (*end == 'd')
			n *= 86400000, end++;
		else
			return -1;
		total += n;
		v = end + (*end == ' ');
	}
	return total;
}

void fix__keepalive_race(struct diagnosis *d, struct fix_ctx *fx, unsigned int timeout_ms,
			 unsigned int idle_ms)
{
	unsigned int base = timeout_ms ? timeout_ms : idle_ms;
	long long want = base * 4ull / 5, now = 60000;
	char cur[600], up[600], w[32], b[48], was[300];
	const char *v = NULL, *file = NULL, *group = fx->nrefs ? fx->refs[0].group : NULL;
	int line = 0;

	if (group && fx->ngx) {
		/* the upstream block only: a keepalive_timeout around the *_pass is the clients' */
		struct ngx_conf_ref r = fx->refs[0];

		r.ctx = NULL;
		v = ngx_conf__effective(fx->ngx->conf, &r, "keepalive_timeout", &file, &line);
	}
	if (v) {
		snprintf(cur, sizeof(cur), "keepalive_timeout %s (%s:%d)", v, file, line);
		snprintf(was, sizeof(was), "%s", v);
		now = parse_msec(v);
	} else {
		snprintf(cur, sizeof(cur), "keepalive_timeout (not set: 60s)");
		snprintf(was, sizeof(was), "60s, the default");
	}
	diagnosis__evidence(d, "in force in upstream %s: %s", group ? group : fx->key, cur);
	if (group)
		snprintf(up, sizeof(up), "upstream %s (%s:%d)", group, v ? file : fx->refs[0].file,
			 v ? line : fx->refs[0].line);
	else
		snprintf(up, sizeof(up), "the upstream block for %s", fx->key);
	/* whole seconds from 2 s on (5 s -> 4s, 2 s -> 1s), else tenths (1 s -> 800ms) */
	if (want >= 1000 && base >= 2000)
		snprintf(w, sizeof(w), "%llds", want / 1000);
	else
		snprintf(w, sizeof(w), "%lldms", want >= 200 ? want / 100 * 100 : 100);
	snprintf(b, sizeof(b), "%s%u.%u s", timeout_ms ? "~" : "under ", (base + 50) / 1000,
		 (base + 50) % 1000 / 100);
	if (now >= 0 && now < base) {
		fix__write(
			d,
			"raise the backend's keep-alive idle timeout well above nginx's %s in "
			"%s (Node.js server.keepAliveTimeout, gunicorn --keep-alive): the backend "
			"closes connections idle for %s, earlier than nginx's own; then %s",
			cur, up, b, fix__reload(d, fx));
		return;
	}
	fix__write(d,
		   "set keepalive_timeout %s; in %s, below the backend's idle timeout (%s), so "
		   "nginx drops idle connections before the backend does (now %s); a request sent "
		   "as the backend closes is not retried when it is not idempotent (POST); "
		   "then %s",
		   w, up, b, was, fix__reload(d, fx));
}
