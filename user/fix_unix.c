// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixes for unix-socket upstreams, which are php-fpm pools nearly always:
 * the pool that listens (or should), its file and the keys to change, and
 * the command that makes php-fpm read them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "diag.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "shquote.h"
#include "sockaccess.h"
#include "sockstate.h"

/* "php8.2-fpm" or "php-fpm (master pid N)" */
static const char *fpm_name(const struct hostconf_fpm *f, char *buf, size_t size)
{
	if (f->service[0])
		snprintf(buf, size, "%s", f->service);
	else if (f->pid)
		snprintf(buf, size, "php-fpm (master pid %d)", f->pid);
	else
		snprintf(buf, size, "php-fpm (%s)", f->conf_path);
	return buf;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/*
 * The running php-fpm pool on another unix socket that nginx most likely
 * meant: one that listens, then the longest path in common with path.
 */
int fix__fpm_alternative(struct fix_ctx *fx, const char *path, char *text, size_t size, char *alt,
			 size_t altsize)
{
	const struct fpm_pool *best = NULL;
	const struct hostconf_fpm *bestf = NULL;
	char key[256], name[600];
	const struct fpm_val *at;
	long score, best_score = -1;
	int i, j, n = hostconf__fpm_count(fx->hc);

	for (i = 0; i < n; i++) {
		const struct hostconf_fpm *f = hostconf__fpm_get(fx->hc, i);

		if (!f->pid || !hostconf__fpm_visible(f, fx->nginx_pid, 1))
			continue;
		for (j = 0; j < fpm_conf__npools(f->conf); j++) {
			const struct fpm_pool *p = fpm_conf__pool(f->conf, j);

			if (!fpm_pool__listen_key(p, key, sizeof(key)) ||
			    strncmp(key, "unix:/", 6) || !strcmp(key + 5, path))
				continue;
			score = common_prefix(key + 5, path);
			if (sockstate__unix_path_listening(fx->nginx_pid, key + 5, NULL) == 1)
				score += 100000;
			if (score > best_score) {
				best_score = score;
				best = p;
				bestf = f;
			}
		}
	}
	if (!best)
		return 0;
	fpm_pool__listen_key(best, key, sizeof(key));
	at = best->listen.file ? &best->listen : NULL;
	snprintf(text, size, "%s pool %s listens on %s (%s:%d)",
		 fpm_name(bestf, name, sizeof(name)), best->name, key + 5,
		 at ? at->file : best->file, at ? at->line : best->line);
	snprintf(alt, altsize, "%s", key + 5);
	return 1;
}

void fix__socket_missing(struct diagnosis *d, struct fix_ctx *fx, const char *path,
			 const char *listener_alt)
{
	char h[FIX_WHERE_MAX], cmd[FIX_CMD_MAX], alt_text[1024], alt[256] = "", svc[64], pw[600];
	char start[SHQUOTE_SIZE(64) + 32] = "", q[SHQUOTE_SIZE(64)];

	fix__head(fx, h, sizeof(h));
	if (fx->pool && fx->fpm) {
		fix__pool_where(fx->pool, pw, sizeof(pw));
		fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd));
		if (!fx->fpm->pid)
			fix__write(d,
				   "%s: no such socket; %s is installed and its %s listens there, "
				   "but it is not running: %s",
				   h, fx->fpm->service[0] ? fx->fpm->service : "php-fpm", pw, cmd);
		else
			fix__write(
				d,
				"%s: no such socket, although php-fpm master %d has %s there (the "
				"file was removed while it ran?): %s",
				h, fx->fpm->pid, pw, cmd);
		return;
	}
	fix__service_from_socket(path, svc, sizeof(svc));
	if (fix__fpm_alternative(fx, path, alt_text, sizeof(alt_text), alt, sizeof(alt))) {
		fix__write(d, "point %s_pass at unix:%s (now %s)%s%s: no such socket; %s; then %s",
			   fx->module, alt, h, svc[0] ? " or start " : "", svc, alt_text,
			   fix__reload(d, fx));
		return;
	}
	if (svc[0])
		snprintf(start, sizeof(start), " (%s)",
			 diagnosis__command(d, "systemctl start %s", shquote(svc, q, sizeof(q))));
	if (listener_alt && listener_alt[0]) {
		fix__write(
			d,
			"%s: no such socket; unix:%s exists and listens: point %s_pass there, or "
			"start the backend that should create %s%s; then %s",
			h, listener_alt, fx->module, path, start, fix__reload(d, fx));
		return;
	}
	fix__write(d,
		   "%s: no such socket: start the backend that should create it%s, or fix the "
		   "path %s; then %s",
		   h, start, fx->where[0] ? "in that line" : "in the nginx config",
		   fix__reload(d, fx));
}

void fix__socket_permission(struct diagnosis *d, struct fix_ctx *fx, const char *path,
			    const struct sock_access *acc, const char *user, const char *group)
{
	const struct fpm_pool *p = fx->pool;
	char cmd[FIX_CMD_MAX], pw[600], o[600], g[600], m[600], who[64], grp[64];
	char qp[SHQUOTE_SIZE(sizeof(acc->path))], qg[SHQUOTE_SIZE(64)];
	const struct fpm_val *at;

	fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd));
	if (acc->verdict == SOCK_ACCESS_DIR_NO_SEARCH) {
		shquote(acc->path, qp, sizeof(qp));
		shquote(group, qg, sizeof(qg));
		fix__write(d,
			   "the directory %s, not the socket, blocks nginx: give the nginx user "
			   "search permission on it (%s, or %s), or move the socket to a directory "
			   "nginx can reach%s%s; then %s",
			   acc->path, diagnosis__command(d, "chmod o+x %s", qp),
			   diagnosis__command(d, "chgrp %s %s && chmod g+x %s", qg, qp, qp),
			   p ? ": listen in " : "", p ? fix__pool_where(p, pw, sizeof(pw)) : "",
			   cmd);
		return;
	}
	if (!p) {
		fix__write(d,
			   "let the nginx user (%s) write to %s: in the php-fpm pool that listens "
			   "there set listen.owner = %s and listen.group = %s (and listen.mode = "
			   "0660); then %s",
			   user, path, user, group, cmd);
		return;
	}
	at = p->listen_owner.value ? &p->listen_owner : &p->listen;
	/* the change first, then why */
	fix__write(d,
		   "set listen.owner = %s and listen.group = %s (and listen.mode = 0660) at %s:%d "
		   "in %s; now %s, %s, %s: socket %s is %s:%s mode %04o and nginx workers run as "
		   "%s:%s; then %s",
		   user, group, at->file ? at->file : p->file, at->file ? at->line : p->line,
		   fix__pool_where(p, pw, sizeof(pw)),
		   fix__fpm_val("listen.owner", &p->listen_owner, "the pool user", o, sizeof(o)),
		   fix__fpm_val("listen.group", &p->listen_group, "the pool group", g, sizeof(g)),
		   fix__fpm_val("listen.mode", &p->listen_mode, "0660", m, sizeof(m)), path,
		   sockaccess__owner(acc, 0, who, sizeof(who)),
		   sockaccess__owner(acc, 1, grp, sizeof(grp)), acc->mode & 07777, user, group,
		   cmd);
}

void fix__socket_denied(struct diagnosis *d, struct fix_ctx *fx, const char *path)
{
	(void)fx;
	fix__write(d,
		   "look for the denial in the kernel log (%s) and allow nginx to "
		   "connect to %s in that policy",
		   diagnosis__command(d, "journalctl -k | grep -i denied"), path);
}

void fix__socket_stale(struct diagnosis *d, struct fix_ctx *fx, const char *path)
{
	char h[FIX_WHERE_MAX], cmd[FIX_CMD_MAX], pw[600], svc[64], name[600], q[SHQUOTE_SIZE(64)];

	fix__head(fx, h, sizeof(h));
	if (fx->pool && fx->fpm) {
		fix__write(d,
			   "%s: the socket file is there but nothing listens; %s listens there "
			   "per its %s and %s: %s",
			   h, fpm_name(fx->fpm, name, sizeof(name)),
			   fix__pool_where(fx->pool, pw, sizeof(pw)),
			   fx->fpm->pid ? "does not answer" : "is not running",
			   fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
		return;
	}
	fix__service_from_socket(path, svc, sizeof(svc));
	fix__write(d,
		   "%s: the socket file is left from a backend that is gone: restart the backend "
		   "that listens on %s (%s%s); it recreates the socket",
		   h, path, svc[0] ? "" : "e.g. ",
		   diagnosis__command(d, "systemctl restart %s",
				      svc[0] ? shquote(svc, q, sizeof(q)) : "php8.2-fpm"));
}

void fix__backlog(struct diagnosis *d, struct fix_ctx *fx, const char *path, const char *somax)
{
	char h[FIX_WHERE_MAX], cmd[FIX_CMD_MAX], pw[600], mc[600], bl[600];
	const struct fpm_pool *p = fx->pool;
	int total, busy = -1;

	fix__head(fx, h, sizeof(h));
	if (!p) {
		fix__write(d,
			   "%s: the backend on %s accepts slower than requests arrive: raise "
			   "pm.max_children in its php-fpm pool (and listen.backlog, capped by "
			   "net.core.somaxconn = %s), or find what makes requests slow; then %s",
			   h, path, somax, fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
		return;
	}
	total = hostconf__fpm_children(fx->fpm, p->name, &busy);
	if (total >= 0 && busy >= 0)
		diagnosis__evidence(d, "php-fpm %s: %d of %d children busy", p->name, busy, total);
	fix__fpm_val("pm.max_children", &p->pm_max_children, "5", mc, sizeof(mc));
	fix__fpm_val("listen.backlog", &p->listen_backlog, "511", bl, sizeof(bl));
	diagnosis__evidence(d, "%s; %s; net.core.somaxconn = %s", mc, bl, somax);
	fix__write(d,
		   "raise %s if memory allows, and %s, which the kernel caps at net.core.somaxconn "
		   "= %s: every child of %s is busy and its accept queue is full (%s); or find "
		   "what makes requests slow (request_slowlog_timeout); then %s",
		   mc, bl, somax, fix__pool_where(p, pw, sizeof(pw)), h,
		   fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
}
