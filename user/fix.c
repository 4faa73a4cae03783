// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "ngxconf.h"
#include "shquote.h"

#define RELOAD_GENERIC "nginx -t && systemctl reload nginx"

static size_t add(char *buf, size_t size, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* snprintf at buf+off that never moves off past the end. */
static size_t add(char *buf, size_t size, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= size)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	return off + n < size ? off + n : size - 1;
}

static void set_module(struct fix_ctx *fx, const char *directive)
{
	const char *end = directive ? strstr(directive, "_pass") : NULL;

	if (end && end > directive && (size_t)(end - directive) < sizeof(fx->module))
		snprintf(fx->module, sizeof(fx->module), "%.*s", (int)(end - directive), directive);
}

/* The *_pass that sends requests to refs[0]: itself, or the first naming its group. */
static void find_pass(struct fix_ctx *fx)
{
	struct ngx_conf_ref g[1];

	if (!fx->nrefs)
		return;
	if (!fx->refs[0].group) {
		fx->pass = fx->refs[0];
		fx->have_pass = 1;
	} else if (fx->ngx &&
		   ngx_conf__find_upstream(fx->ngx->conf, fx->refs[0].group, g, 1) == 1) {
		fx->pass = g[0];
		fx->have_pass = 1;
	}
	if (fx->have_pass)
		set_module(fx, fx->pass.directive);
}

static void describe_refs(struct fix_ctx *fx)
{
	size_t off = 0, size = sizeof(fx->where);
	int i;

	for (i = 0; i < fx->nrefs && i < FIX_SHOWN; i++) {
		const struct ngx_conf_ref *r = &fx->refs[i];

		off = add(fx->where, size, off, "%s", i ? "; " : "");
		if (!r->group) {
			off = add(fx->where, size, off, "%s %s (%s:%d)", r->directive, r->value,
				  r->file, r->line);
			continue;
		}
		off = add(fx->where, size, off, "server %s in upstream %s (%s:%d)", r->value,
			  r->group, r->file, r->line);
		if (r->pass_file != r->file || r->pass_line != r->line)
			off = add(fx->where, size, off, ", used at %s:%d", r->pass_file,
				  r->pass_line);
	}
	if (fx->nrefs > FIX_SHOWN)
		add(fx->where, size, off, "; and %d more", fx->nrefs - FIX_SHOWN);
}

_Static_assert(
	SHQUOTE_SIZE(sizeof(((struct hostconf_nginx *)0)->arg_prefix)) <= SHQUOTE_SIZE(512) &&
		SHQUOTE_SIZE(sizeof(((struct hostconf_nginx *)0)->arg_conf)) <= SHQUOTE_SIZE(512) &&
		SHQUOTE_SIZE(sizeof(((struct hostconf_nginx *)0)->unit)) <= SHQUOTE_SIZE(128),
	"FIX_RELOAD_MAX must hold -p, -c and the unit, each quoted");

/* Every value in it quoted: -p and -c come from the master's command line. */
static void reload_cmd(struct fix_ctx *fx)
{
	const struct hostconf_nginx *n = fx->ngx;
	char p[SHQUOTE_SIZE(sizeof(n->arg_prefix))], c[SHQUOTE_SIZE(sizeof(n->arg_conf))];
	char u[sizeof(n->unit)], qu[SHQUOTE_SIZE(sizeof(n->unit))];
	size_t len;

	snprintf(fx->reload, sizeof(fx->reload), RELOAD_GENERIC);
	fx->reload_in[0] = '\0';
	if (!n)
		return;
	p[0] = c[0] = '\0';
	if (n->arg_prefix[0])
		shquote(n->arg_prefix, p, sizeof(p));
	if (n->arg_conf[0])
		shquote(n->arg_conf, c, sizeof(c));
	len = strlen(n->unit);
	if (len > 8 && !strcmp(n->unit + len - 8, ".service")) {
		snprintf(u, sizeof(u), "%.*s", (int)(len - 8), n->unit);
		snprintf(fx->reload, sizeof(fx->reload), "nginx -t%s%s%s%s && systemctl reload %s",
			 p[0] ? " -p " : "", p, c[0] ? " -c " : "", c, shquote(u, qu, sizeof(qu)));
	} else if (n->host) {
		snprintf(fx->reload, sizeof(fx->reload), "nginx -t%s%s%s%s && kill -HUP %d",
			 p[0] ? " -p " : "", p, c[0] ? " -c " : "", c, n->pid);
	} else {
		snprintf(fx->reload, sizeof(fx->reload), "nginx -t && nginx -s reload");
		snprintf(fx->reload_in, sizeof(fx->reload_in),
			 " (inside the container of nginx pid %d)", n->pid);
	}
}

/* "A && A'": the engine's exec prefix (quoted words), then nginx -t, then the reload. */
static void exec_reload(struct fix_ctx *fx, const char *prefix)
{
	snprintf(fx->reload, sizeof(fx->reload), "%s nginx -t && %s nginx -s reload", prefix,
		 prefix);
	fx->reload_in[0] = '\0';
}

void fix__container(struct fix_ctx *fx, const struct diagnosis *d)
{
	char id[SHQUOTE_SIZE(16)], ns[SHQUOTE_SIZE(sizeof(d->pod_namespace))];
	char pod[SHQUOTE_SIZE(sizeof(d->pod_name))], c[SHQUOTE_SIZE(sizeof(d->k8s_container))];
	char prefix[FIX_RELOAD_MAX / 2 - 32], shortid[16];

	if (!d->ct_engine[0] || (fx->ngx && fx->ngx->host))
		return;
	fx->ctr_pid = d->master > 0 ? d->master : d->nginx_pid;
	snprintf(shortid, sizeof(shortid), "%.12s", d->ct_id);
	shquote(shortid, id, sizeof(id));
	if (d->pod_name[0] && d->pod_namespace[0]) {
		shquote(d->pod_namespace, ns, sizeof(ns));
		shquote(d->pod_name, pod, sizeof(pod));
		if (d->k8s_container[0])
			snprintf(prefix, sizeof(prefix), "kubectl -n %s exec %s -c %s --", ns, pod,
				 shquote(d->k8s_container, c, sizeof(c)));
		else
			snprintf(prefix, sizeof(prefix), "kubectl -n %s exec %s --", ns, pod);
	} else if (!shortid[0]) {
		return;
	} else if (!strcmp(d->ct_engine, "docker")) {
		snprintf(prefix, sizeof(prefix), "docker exec %s", id);
	} else if (!strcmp(d->ct_engine, "podman")) {
		snprintf(prefix, sizeof(prefix), "podman exec %s", id);
	} else if (!strcmp(d->ct_engine, "cri-o")) {
		snprintf(prefix, sizeof(prefix), "crictl exec %s", id);
	} else if (!strcmp(d->ct_engine, "containerd")) {
		snprintf(prefix, sizeof(prefix), "nerdctl exec %s", id);
	} else {
		return;
	}
	exec_reload(fx, prefix);
}

const char *fix__reload(struct diagnosis *d, struct fix_ctx *fx)
{
	const char *cmd = diagnosis__command(d, "%s", fx->reload);

	if (!fx->reload_in[0])
		return cmd;
	snprintf(fx->reload_text, sizeof(fx->reload_text), "%s%s", cmd, fx->reload_in);
	return fx->reload_text;
}

#define FIX_TAIL 480 /* bytes kept at the end of a cut fix: its command */

/*
 * Move a cut point at off out of any recorded command of d found in buf:
 * back to the command's start (or forward to its end with forward set).
 */
static size_t cut_point(const struct diagnosis *d, const char *buf, size_t off, int forward)
{
	int i, moved = 1;

	while (moved) {
		moved = 0;
		for (i = 0; i < d->ncmds; i++) {
			const char *at = strstr(buf, d->cmds[i]);
			size_t s, e;

			if (!at)
				continue;
			s = at - buf;
			e = s + strlen(d->cmds[i]);
			if (s < off && off < e) {
				off = forward ? e : s;
				moved = 1;
			}
		}
	}
	return off;
}

void fix__write(struct diagnosis *d, const char *fmt, ...)
{
	static const char cut[] = " [...] ";
	size_t size = sizeof(d->fix), head, tail, keep;
	char *buf = malloc(4 * DIAG_FIX_MAX);
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (!buf) {
		vsnprintf(d->fix, size, fmt, ap);
		va_end(ap);
		diagnosis__sync_commands(d);
		return;
	}
	n = vsnprintf(buf, 4 * DIAG_FIX_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= 4 * DIAG_FIX_MAX)
		n = 4 * DIAG_FIX_MAX - 1;
	buf[n] = '\0';
	if ((size_t)n < size) {
		memcpy(d->fix, buf, n + 1);
	} else {
		/* the tail keeps whole commands: start it at one, or after one too long */
		keep = size - 1 - (sizeof(cut) - 1);
		tail = cut_point(d, buf, n - FIX_TAIL, 0);
		if (n - tail > keep - 64)
			tail = cut_point(d, buf, n - FIX_TAIL, 1);
		head = cut_point(d, buf, keep - (n - tail), 0);
		memcpy(d->fix, buf, head);
		memcpy(d->fix + head, cut, sizeof(cut) - 1);
		memcpy(d->fix + head + sizeof(cut) - 1, buf + tail, n - tail);
		d->fix[head + sizeof(cut) - 1 + n - tail] = '\0';
	}
	free(buf);
	diagnosis__sync_commands(d);
}

void fix__init(struct fix_ctx *fx, struct hostconf *hc, int nginx_pid, const char *key)
{
	memset(fx, 0, sizeof(*fx));
	fx->hc = hc;
	fx->key = key ? key : "";
	fx->nginx_pid = nginx_pid;
	snprintf(fx->module, sizeof(fx->module), "proxy");
	snprintf(fx->reload, sizeof(fx->reload), RELOAD_GENERIC);
	if (!hc || nginx_pid <= 0)
		return;
	fx->master = hostconf__master_of(hc, nginx_pid);
	fx->ngx = hostconf__nginx(hc, fx->master);
	if (fx->ngx && key && *key)
		fx->nrefs = ngx_conf__find_upstream(fx->ngx->conf, key, fx->refs, FIX_MAX_REFS);
	find_pass(fx);
	describe_refs(fx);
	reload_cmd(fx);
	if (key && *key)
		fx->pool = hostconf__fpm_pool(hc, nginx_pid, key, &fx->fpm);
	/* a FastCGI backend behind a proxy_pass is a protocol mismatch, not our guess */
	if (!fx->have_pass && fx->pool)
		snprintf(fx->module, sizeof(fx->module), "fastcgi");
}

const char *fix__pool_where(const struct fpm_pool *p, char *buf, size_t size)
{
	const struct fpm_val *l = &p->listen;

	if (l->value && l->file)
		snprintf(buf, size, "pool %s (%s:%d)", p->name, l->file, l->line);
	else
		snprintf(buf, size, "pool %s (%s:%d)", p->name, p->file ? p->file : "?", p->line);
	return buf;
}

const char *fix__fpm_val(const char *key, const struct fpm_val *v, const char *dflt, char *buf,
			 size_t size)
{
	if (v && v->value)
		snprintf(buf, size, "%s = %s (%s:%d)", key, v->value, v->file ? v->file : "?",
			 v->line);
	else
		snprintf(buf, size, "%s (not set: %s)", key, dflt ? dflt : "php-fpm's default");
	return buf;
}

const char *fix__fpm_cmd(struct diagnosis *d, const struct hostconf_fpm *f, const char *verb,
			 char *buf, size_t size)
{
	char q[SHQUOTE_SIZE(HOSTCONF_PATH_MAX)];

	if (f && f->service[0])
		snprintf(buf, size, "%s",
			 diagnosis__command(d, "systemctl %s %s", f->pid ? verb : "start",
					    shquote(f->service, q, sizeof(q))));
	else if (f && f->pid)
		snprintf(buf, size, "restart php-fpm (master pid %d, %s first)", f->pid,
			 diagnosis__command(d, "php-fpm -t -y %s",
					    shquote(f->conf_path, q, sizeof(q))));
	else if (f)
		snprintf(buf, size, "start php-fpm (%s)",
			 diagnosis__command(d, "php-fpm -y %s",
					    shquote(f->conf_path, q, sizeof(q))));
	else
		snprintf(buf, size, "%s (the unit that runs this pool)",
			 diagnosis__command(d, "systemctl %s php-fpm", verb));
	return buf;
}

const char *fix__directive(struct fix_ctx *fx, const char *directive, const char *dflt,
			   const char **value, char *buf, size_t size)
{
	const char *v = NULL, *file = NULL;
	int line = 0;

	if (fx->ngx && fx->have_pass)
		v = ngx_conf__effective(fx->ngx->conf, &fx->pass, directive, &file, &line);
	if (value)
		*value = v;
	if (v)
		snprintf(buf, size, "%s %s (%s:%d)", directive, v, file ? file : "?", line);
	else
		snprintf(buf, size, "%s (not set: %s)", directive, dflt);
	return buf;
}

const char *fix__head(const struct fix_ctx *fx, char *buf, size_t size)
{
	snprintf(buf, size, "%s", fx->where[0] ? fx->where : fx->key);
	return buf;
}

const char *fix__at_pass(const struct fix_ctx *fx, char *buf, size_t size)
{
	buf[0] = '\0';
	if (fx->have_pass)
		snprintf(buf, size, " of the %s at %s:%d", fx->pass.directive, fx->pass.file,
			 fx->pass.line);
	return buf;
}

const char *fix__upstream_name(const struct fix_ctx *fx)
{
	return fx->key && fx->key[0] ? fx->key : "the upstream";
}

long long fix__parse_size(const char *s)
{
	long long n = 0, mult = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > LLONG_MAX / 10 / (1 << 30))
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (*p == 'k' || *p == 'K')
		mult = 1024;
	else if (*p == 'm' || *p == 'M')
		mult = 1024 * 1024;
	else if (*p == 'g' || *p == 'G')
		mult = 1024ll * 1024 * 1024;
	else if (*p)
		return -1;
	if (mult > 1 && p[1])
		return -1;
	return n * mult;
}

const char *fix__format_size(long long n, char *buf, size_t size)
{
	if (n > 0 && n % (1024 * 1024) == 0)
		snprintf(buf, size, "%lldm", n / (1024 * 1024));
	else if (n > 0 && n % 1024 == 0)
		snprintf(buf, size, "%lldk", n / 1024);
	else
		snprintf(buf, size, "%lld", n);
	return buf;
}

long long fix__pow2_above(long long n)
{
	long long p = 1024;

	while (p <= n && p < (1ll << 40))
		p <<= 1;
	return p;
}

const char *fix__service_from_socket(const char *path, char *buf, size_t size)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	size_t n;

	buf[0] = '\0';
	base = base ? base + 1 : path;
	if (!base)
		return buf;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".sock"))
		n -= 5;
	/* php8.1-fpm.sock, php-fpm.sock, php7.4-fpm-www.sock: the unit is up to "-fpm" */
	if (strncmp(base, "php", 3) || !memmem(base, n, "fpm", 3))
		return buf;
	n = (const char *)memmem(base, n, "fpm", 3) - base + 3;
	if (n < size && strspn(base, "php0123456789.-f") >= n - 3)
		snprintf(buf, size, "%.*s", (int)n, base);
	return buf;
}
