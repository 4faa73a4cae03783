/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parts of a fix that name this host's configuration: the nginx lines
 * that point at the failing upstream, what is in force there, the php-fpm
 * pool that listens there and its keys, and the command that applies a
 * change. Built by evidence.c for every new diagnosis; text only, nothing
 * here changes the host.
 */
#ifndef __FIX_H
#define __FIX_H

#include <stddef.h>
#include "ngxconf.h"
#include "shquote.h"

#define FIX_MAX_REFS  8
#define FIX_SHOWN     3 /* config lines named in a fix */
#define FIX_WHERE_MAX 1024
#define FIX_CMD_MAX   1280
/* nginx -t -p P -c C && systemctl reload U, each quoted: never cut */
#define FIX_RELOAD_MAX (2 * SHQUOTE_SIZE(512) + SHQUOTE_SIZE(128) + 64)

struct hostconf;
struct hostconf_nginx;
struct hostconf_fpm;
struct fpm_pool;
struct fpm_val;

struct fix_ctx {
	struct hostconf *hc;
	const char *key; /* upstream key of the diagnosis */
	int nginx_pid;	 /* a worker (or master), host pid; 0 when unknown */
	int master;
	const struct hostconf_nginx *ngx; /* NULL when its config is unknown */
	struct ngx_conf_ref refs[FIX_MAX_REFS];
	int nrefs;
	/* the *_pass behind refs[0] (itself, or the first one naming its group) */
	struct ngx_conf_ref pass;
	int have_pass;
	char module[16]; /* "proxy", "fastcgi", "uwsgi", "scgi", "grpc" ("proxy" if unknown) */
	/* "fastcgi_pass unix:/x.sock (/etc/nginx/sites-enabled/default:42)"; "" if unknown */
	char where[FIX_WHERE_MAX];
	/*
	 * The command that applies an nginx change, its values quoted:
	 * "nginx -t && systemctl reload nginx"; put it in a fix with fix__reload().
	 */
	char reload[FIX_RELOAD_MAX];
	char reload_in[64]; /* " (inside the container of nginx pid N)", or "" */
	char reload_text[FIX_RELOAD_MAX + 64];
	/* nginx runs in a container (fix__container): the host pid whose namespaces it uses */
	int ctr_pid;
	const struct fpm_pool *pool; /* the php-fpm pool configured on key, if any */
	const struct hostconf_fpm *fpm;
};

struct diagnosis;

/* hc may be NULL: then every text is the generic one. */
void fix__init(struct fix_ctx *fx, struct hostconf *hc, int nginx_pid, const char *key);
/*
 * d's nginx runs in a container (d->ct_engine): the reload goes through its
 * engine, `docker exec ID nginx -t && docker exec ID nginx -s reload`, or
 * `kubectl -n NS exec POD -c C -- ...` for a pod, never the host's
 * systemctl. Call after fix__init; nothing changes for nginx on the host.
 */
void fix__container(struct fix_ctx *fx, const struct diagnosis *d);

/*
 * fx->reload recorded as a command of d (diagnosis__command), and the text
 * that names it in a fix (with where it runs, for a container).
 */
const char *fix__reload(struct diagnosis *d, struct fix_ctx *fx);

/*
 * d->fix from a printf format. Too long a text is cut in its middle, never
 * at its end: the end is the command that applies the fix. A cut never
 * splits a command recorded with diagnosis__command(); the commands the text
 * does not hold in the end are dropped from d (diagnosis__sync_commands).
 */
void fix__write(struct diagnosis *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "pool www (/etc/php/8.2/fpm/pool.d/www.conf:12)" */
const char *fix__pool_where(const struct fpm_pool *p, char *buf, size_t size);
/*
 * "pm.max_children = 5 (/etc/php/8.2/fpm/pool.d/www.conf:113)", or
 * "pm.max_children (not set: DFLT)"
 */
const char *fix__fpm_val(const char *key, const struct fpm_val *v, const char *dflt, char *buf,
			 size_t size);
/*
 * The command that makes f read its config again: "systemctl restart
 * php8.2-fpm", "systemctl start php8.1-fpm" for one installed but not running,
 * else "restart php-fpm (master pid N, php-fpm -t -y CONF first)". verb:
 * "restart"/"start". The command in it is recorded in d (diagnosis__command).
 */
const char *fix__fpm_cmd(struct diagnosis *d, const struct hostconf_fpm *f, const char *verb,
			 char *buf, size_t size);
/*
 * directive in force at the *_pass: "proxy_read_timeout 5s (/etc/nginx/x:3)"
 * or "proxy_read_timeout (not set: DFLT)". *value gets the value, or
 * NULL when not set (value may be NULL).
 */
const char *fix__directive(struct fix_ctx *fx, const char *directive, const char *dflt,
			   const char **value, char *buf, size_t size);

/* "fastcgi_pass unix:/x.sock (/etc/nginx/sites-enabled/default:42)", or the key alone. */
const char *fix__head(const struct fix_ctx *fx, char *buf, size_t size);
/* " of the proxy_pass at FILE:LINE": where a directive for it goes; "" if unknown. */
const char *fix__at_pass(const struct fix_ctx *fx, char *buf, size_t size);
/* The upstream key, or "the upstream" when the failure has none. */
const char *fix__upstream_name(const struct fix_ctx *fx);

/* "8k" -> 8192, "1m", "512": bytes, or -1 when it is no size. */
long long fix__parse_size(const char *s);
/* 16384 -> "16k", 2097152 -> "2m", 1000 -> "1000". */
const char *fix__format_size(long long n, char *buf, size_t size);
/* The smallest power of two strictly above n (at least 1024). */
long long fix__pow2_above(long long n);
/* "php8.1-fpm" from a socket path ".../php8.1-fpm.sock"; "" if it names no php-fpm. */
const char *fix__service_from_socket(const char *path, char *buf, size_t size);

/* fix_unix.c: unix-socket upstreams and their php-fpm pools; each writes d->fix. */
struct sock_access;
/*
 * The running php-fpm pool on another unix socket nginx most likely meant:
 * 1 with text ("php8.2-fpm pool www listens on /x.sock (/file:41)") and alt
 * (the path), 0 when there is none.
 */
int fix__fpm_alternative(struct fix_ctx *fx, const char *path, char *text, size_t size, char *alt,
			 size_t altsize);
void fix__socket_missing(struct diagnosis *d, struct fix_ctx *fx, const char *path,
			 const char *listener_alt);
/* user/group: the names (or numbers) the workers run as. */
void fix__socket_permission(struct diagnosis *d, struct fix_ctx *fx, const char *path,
			    const struct sock_access *acc, const char *user, const char *group);
/* The file modes allow the worker: a security module (AppArmor, SELinux) denied it. */
void fix__socket_denied(struct diagnosis *d, struct fix_ctx *fx, const char *path);
void fix__socket_stale(struct diagnosis *d, struct fix_ctx *fx, const char *path);
/* Adds the pool's children and limits as evidence. */
void fix__backlog(struct diagnosis *d, struct fix_ctx *fx, const char *path, const char *somax);

/*
 * fix_conn.c: the connect failed; each writes d->fix and may add evidence.
 * nearby: "127.0.0.1:8081" where something else listens, or NULL.
 */
void fix__refused(struct diagnosis *d, struct fix_ctx *fx, const char *nearby);
void fix__connect_denied(struct diagnosis *d, struct fix_ctx *fx);
/* ip: the upstream's address as text, "" when unknown. */
void fix__unreachable(struct diagnosis *d, struct fix_ctx *fx, const char *ip);
/* port: the upstream's port, 0 when unknown. */
void fix__connect_timeout(struct diagnosis *d, struct fix_ctx *fx, int port);
void fix__ports_exhausted(struct diagnosis *d, struct fix_ctx *fx, int lo, int hi, int tw);
void fix__fd_exhausted(struct diagnosis *d, struct fix_ctx *fx);

/* fix_resp.c: connected, then it went wrong, and the causes only the log names. */
/* observed: bytes the upstream sent before nginx gave up, 0 when unknown. */
void fix__header_too_big(struct diagnosis *d, struct fix_ctx *fx, unsigned long long observed);
void fix__read_timeout(struct diagnosis *d, struct fix_ctx *fx, unsigned long long waited_ms);
/*
 * fix_capacity.c: a read timeout while connections waited in the upstream's listen queue (q):
 * the pool's pm.max_children to raise, or the backend's capacity. Adds the numbers as evidence.
 */
struct sockdiag_queue;
void fix__saturated(struct diagnosis *d, struct fix_ctx *fx, const struct sockdiag_queue *q,
		    unsigned long long waited_ms);
void fix__reset(struct diagnosis *d, struct fix_ctx *fx);
void fix__premature_close(struct diagnosis *d, struct fix_ctx *fx);
/*
 * The keep-alive race: a backend closed a pooled connection for being idle
 * as nginx sent a request on it. timeout_ms: the backend's learned idle
 * timeout, 0 when unknown; idle_ms: how long the connection sat idle.
 */
void fix__keepalive_race(struct diagnosis *d, struct fix_ctx *fx, unsigned int timeout_ms,
			 unsigned int idle_ms);
/* nginx dropped the connection for a reason of its own: its log line says which. */
void fix__dropped(struct diagnosis *d);
void fix__no_live_upstreams(struct diagnosis *d, struct fix_ctx *fx);
/* fastcgi: the module is FastCGI (else HTTP). */
void fix__invalid_header(struct diagnosis *d, struct fix_ctx *fx, int fastcgi);
/* name: the host name nginx could not resolve, "" when the line does not say. */
void fix__unresolved(struct diagnosis *d, struct fix_ctx *fx, const char *name);
void fix__ssl_failed(struct diagnosis *d, struct fix_ctx *fx);
void fix__unknown(struct diagnosis *d, struct fix_ctx *fx);
/* Any other cause: its summary, and the backend's own log. */
void fix__generic(struct diagnosis *d, struct fix_ctx *fx);

/* fix_backend.c: a backend killed mid-request. */
/* unit: the systemd unit of the killed child ("" if none). */
void fix__fpm_terminated(struct diagnosis *d, struct fix_ctx *fx, const char *unit);
/* What is known of an OOM kill: bytes (0 unknown), the memory cgroup's path ("" unknown). */
struct fix_oom {
	unsigned long long limit, rss;
	const char *cgroup;
	const char *unit; /* the victim's systemd unit, "" when none */
	int v2;		  /* the cgroup is on cgroup v2 (memory.max), else v1 */
};
void fix__oom(struct diagnosis *d, struct fix_ctx *fx, const struct fix_oom *o);
void fix__crashed(struct diagnosis *d, const char *comm, const char *sig);
void fix__killed(struct diagnosis *d, const char *sender, unsigned int sender_pid);

#endif /* __FIX_H */
