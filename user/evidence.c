// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Evidence lines, written from the host facts gathered for a diagnosis
 * (facts.c), and the fix for its cause (fix_*.c). The kernel path and the
 * log-only path share every text: a log line whose cause the kernel could
 * have seen is looked at on the host exactly as a kernel event would be.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <limits.h>
#include <unistd.h>
#include <linux/types.h>
#include "ngx502.h"
#include "evidence.h"
#include "facts.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "idle.h"
#include "logparse.h"
#include "memcg.h"
#include "upstream.h"

static void unix_evidence(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
			  struct fix_ctx *fx)
{
	const char *path = ev->upstream + 5; /* "unix:" */
	const struct sock_access *acc = &f->access;
	char who[200], alt[128] = "";
	int i;

	switch (d->cause) {
	case CAUSE_UPSTREAM_SOCKET_MISSING:
		if (acc->verdict == SOCK_ACCESS_PARENT_MISSING)
			diagnosis__evidence(d, "directory %s does not exist", acc->path);
		else
			diagnosis__evidence(d, "no file at %s", path);
		for (i = 0; i < f->nalt; i++)
			diagnosis__evidence(d, "%s listens on unix:%s",
					    host_facts__owner(&f->alt[i], who, sizeof(who)),
					    f->alt[i].path);
		if (f->nalt)
			snprintf(alt, sizeof(alt), "%s", f->alt[0].path);
		fix__socket_missing(d, fx, path, alt);
		break;
	case CAUSE_UPSTREAM_SOCKET_PERMISSION:
		if (acc->verdict == SOCK_ACCESS_DIR_NO_SEARCH) {
			diagnosis__evidence(d,
					    "directory %s is %s: nginx workers run as %s and "
					    "cannot search it",
					    acc->path, f->mode, f->creds);
		} else if (acc->verdict == SOCK_ACCESS_NO_WRITE) {
			diagnosis__evidence(d, "socket %s is %s and nginx workers run as %s", path,
					    f->mode, f->creds);
		} else {
			diagnosis__evidence(d,
					    "socket %s is %s and the file modes allow %s: a "
					    "security module (AppArmor/SELinux) denied the connect",
					    path, f->mode, f->creds);
			fix__socket_denied(d, fx, path);
			break;
		}
		fix__socket_permission(d, fx, path, acc, f->user, f->group);
		break;
	case CAUSE_UPSTREAM_SOCKET_STALE:
		if (acc->verdict == SOCK_ACCESS_NOT_SOCKET)
			diagnosis__evidence(d, "%s is not a socket (%s)", path, f->mode);
		else
			diagnosis__evidence(d,
					    "socket file %s exists (%s) but no process listens "
					    "on it: the backend that created it is gone",
					    path, f->mode);
		fix__socket_stale(d, fx, path);
		break;
	case CAUSE_UPSTREAM_BACKLOG_FULL:
		if (f->listening)
			diagnosis__evidence(d, "%s listens on %s and its accept queue is full",
					    host_facts__owner(&f->listener, who, sizeof(who)),
					    path);
		if (f->have_queue)
			diagnosis__evidence(d,
					    "%u connections waiting in its listen queue now "
					    "(backlog %u)",
					    f->queue.queued, f->queue.backlog);
		fix__backlog(d, fx, path, f->somaxconn);
		break;
	default:
		break;
	}
}

static void tcp_evidence(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
			 struct fix_ctx *fx)
{
	char who[200], addr[64], alt[64] = "", ip[INET6_ADDRSTRLEN] = "";
	int i;

	switch (d->cause) {
	case CAUSE_UPSTREAM_REFUSED:
		if (f->listening) {
			diagnosis__evidence(d,
					    "%s listens on port %d now: the backend was down and "
					    "may be restarting",
					    host_facts__owner(&f->listener, who, sizeof(who)),
					    ev->port);
		} else {
			diagnosis__evidence(d, "nothing listens on %s in nginx's network namespace",
					    ev->upstream);
			for (i = 0; i < f->nalt; i++) {
				event__format_addr(f->alt[i].family, f->alt[i].addr, f->alt[i].port,
						   NULL, addr, sizeof(addr));
				diagnosis__evidence(d, "nearby: %s listens on %s",
						    host_facts__owner(&f->alt[i], who, sizeof(who)),
						    addr);
				if (!alt[0])
					snprintf(alt, sizeof(alt), "%s", addr);
			}
		}
		fix__refused(d, fx, alt);
		break;
	case CAUSE_UPSTREAM_CONNECT_DENIED:
		diagnosis__evidence(d, "connect() to %s failed with %s before any packet was sent",
				    ev->upstream, ev->err == EPERM ? "EPERM" : "EACCES");
		fix__connect_denied(d, fx);
		break;
	case CAUSE_UPSTREAM_UNREACHABLE:
		diagnosis__evidence(d, "the kernel has no route to %s (%s)", ev->upstream,
				    ev->err == ENETUNREACH ? "ENETUNREACH" : "EHOSTUNREACH");
		/* an address from the kernel: digits, dots, colons only */
		if (!inet_ntop(ev->family, ev->addr, ip, sizeof(ip)))
			ip[0] = '\0';
		fix__unreachable(d, fx, ip);
		break;
	case CAUSE_UPSTREAM_CONNECT_TIMEOUT:
		if (ev->retrans)
			diagnosis__evidence(d,
					    "SYN to %s went unanswered, retransmitted %d time%s "
					    "over %llu ms",
					    ev->upstream, ev->retrans, ev->retrans == 1 ? "" : "s",
					    (unsigned long long)(ev->duration_ns / 1000000));
		if (ev->type == NGX502_EV_CONNECT_ABORT && !ev->retrans)
			diagnosis__evidence(d,
					    "SYN to %s went unanswered for %llu ms, then nginx "
					    "closed the socket (its connect timeout, shorter than "
					    "the kernel's first SYN retransmit)",
					    ev->upstream,
					    (unsigned long long)(ev->duration_ns / 1000000));
		if (ev->type == NGX502_EV_TCP_CONNECT_ERR)
			diagnosis__evidence(d, "the kernel gave up on the SYN (ETIMEDOUT): nginx "
					       "answers 502");
		fix__connect_timeout(d, fx, ev->port);
		break;
	case CAUSE_LOCAL_PORTS_EXHAUSTED:
		diagnosis__evidence(d,
				    "net.ipv4.ip_local_port_range is %d-%d (%d ports) and %d "
				    "sockets toward %s are in TIME_WAIT",
				    f->port_lo, f->port_hi,
				    f->port_hi >= f->port_lo ? f->port_hi - f->port_lo + 1 : 0,
				    f->time_wait < 0 ? 0 : f->time_wait, ev->upstream);
		fix__ports_exhausted(d, fx, f->port_lo, f->port_hi, f->time_wait);
		break;
	case CAUSE_FD_EXHAUSTED:
		if (f->nofile[0])
			diagnosis__evidence(d, "worker %u: %s", ev->pid, f->nofile);
		fix__fd_exhausted(d, fx);
		break;
	default:
		break;
	}
}

/*
 * nginx gave up waiting: on a slow backend, or on one that never got to the request because
 * every worker was busy and it waited in the listen queue (saturation, the same cause).
 */
static void read_timeout(struct diagnosis *d, const struct host_facts *f, struct fix_ctx *fx,
			 unsigned long long ms)
{
	if (f && f->have_queue && f->queue.queued) {
		fix__saturated(d, fx, &f->queue, ms);
		return;
	}
	if (f && f->have_queue)
		diagnosis__evidence(d,
				    "no connection waits in the listen queue of %s (backlog %u): "
				    "the backend is slow, not saturated",
				    d->upstream, f->queue.backlog);
	fix__read_timeout(d, fx, ms);
}

/* "4.99 s" (decimals 2) or "5.0 s" (decimals 1) from ms. */
static const char *secs(unsigned int ms, int decimals, char *buf, size_t size)
{
	if (decimals == 2)
		snprintf(buf, size, "%u.%02u s", ms / 1000, ms % 1000 / 10);
	else
		snprintf(buf, size, "%u.%u s", (ms + 50) / 1000, (ms + 50) % 1000 / 100);
	return buf;
}

/*
 * A reset or early FIN on a reused keep-alive connection (ev->idle_ms): the
 * backend closing it for being idle as nginx sends on it, when it sat idle
 * about as long as the backend keeps idle connections (or, none learned yet,
 * the close came at once). 1 when the fix is written for that race.
 */
static int keepalive_race(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
			  struct fix_ctx *fx)
{
	unsigned int learned = f->idle_timeout_ms, slack = learned / 10 > 50 ? learned / 10 : 50;
	char idle[32], tmo[32], seen[EVENT_UPSTREAM_MAX + 128];

	if (!ev->idle_ms)
		return 0;
	if (learned)
		snprintf(seen, sizeof(seen),
			 "%s closes idle connections after ~%s (seen %u time%s)", ev->upstream,
			 secs(learned, 1, tmo, sizeof(tmo)), f->idle_seen,
			 f->idle_seen == 1 ? "" : "s");
	else
		snprintf(seen, sizeof(seen), "no idle close by %s seen yet", ev->upstream);
	diagnosis__evidence(d,
			    "the connection had carried a response and sat idle %s before nginx "
			    "reused it; %s",
			    secs(ev->idle_ms, 2, idle, sizeof(idle)), seen);
	if (learned ? ev->idle_ms + slack < learned : ev->duration_ns > 1000000000ull)
		return 0;
	fix__keepalive_race(d, fx, learned, ev->idle_ms);
	return 1;
}

/* After the connect: resets, early FINs, nginx giving up. */
static void lifecycle_evidence(struct diagnosis *d, const struct event *ev,
			       const struct host_facts *f, struct fix_ctx *fx)
{
	unsigned long long ms = ev->duration_ns / 1000000;

	switch (d->cause) {
	case CAUSE_UPSTREAM_RESET:
		diagnosis__evidence(d,
				    "%s reset the connection (RST) %llu ms after nginx sent its "
				    "request (%llu bytes sent, %llu received)",
				    ev->upstream, ms, (unsigned long long)ev->bytes_sent,
				    (unsigned long long)ev->bytes_received);
		if (!keepalive_race(d, ev, f, fx))
			fix__reset(d, fx);
		break;
	case CAUSE_UPSTREAM_PREMATURE_CLOSE:
		diagnosis__evidence(d,
				    "%s closed the connection (FIN) %llu ms after nginx sent its "
				    "request, before any response byte",
				    ev->upstream, ms);
		if (!keepalive_race(d, ev, f, fx))
			fix__premature_close(d, fx);
		break;
	case CAUSE_UPSTREAM_READ_TIMEOUT:
		diagnosis__evidence(d,
				    "nginx sent its request to %s and closed the connection "
				    "after waiting %llu ms without a response byte",
				    ev->upstream, ms);
		read_timeout(d, f, fx, ms);
		break;
	case CAUSE_UPSTREAM_HEADER_TOO_BIG:
		diagnosis__evidence(d,
				    "%s answered %llu bytes and nginx gave up on the response "
				    "header with %u bytes still unread",
				    ev->upstream, (unsigned long long)ev->bytes_received,
				    ev->unread);
		fix__header_too_big(d, fx, ev->bytes_received);
		break;
	default:
		diagnosis__evidence(d,
				    "nginx dropped the connection to %s after %llu bytes of "
				    "response",
				    ev->upstream, (unsigned long long)ev->bytes_received);
		fix__dropped(d);
		break;
	}
}

static const char *signal_name(int sig)
{
	const char *n = sigabbrev_np(sig);

	return n ? n : "?";
}

/* The OOM killer's victim record joined to this kill: its memory cgroup and the numbers. */
static void oom_evidence(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
			 struct fix_ctx *fx)
{
	const struct event_oom *o = &ev->oom;
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	char path[512], lim[32], use[32], peak[32], rss[32];
	struct fix_oom fo = {.unit = f->unit, .v2 = !!(o->flags & NGX502_OOM_MEMCG_V2)};

	if (memcg__path(o->memcg_id, fo.v2, path, sizeof(path)))
		snprintf(path, sizeof(path), "(id %llu, gone)", (unsigned long long)o->memcg_id);
	fo.cgroup = path;
	fo.rss = o->rss_pages * page;
	/* PAGE_COUNTER_MAX is LONG_MAX / PAGE_SIZE: no limit at this level */
	if (o->limit_pages && o->limit_pages < (unsigned long long)LONG_MAX / page)
		fo.limit = o->limit_pages * page;
	memcg__format_bytes(fo.rss, rss, sizeof(rss));
	memcg__format_bytes(o->usage_pages * page, use, sizeof(use));
	memcg__format_bytes(o->peak_pages * page, peak, sizeof(peak));
	if (fo.limit)
		diagnosis__evidence(d,
				    "%s (pid %u) was killed by the OOM killer: memory cgroup %s: "
				    "limit %s, usage %s (peak %s); the victim's RSS %s",
				    ev->comm, ev->pid, path,
				    memcg__format_bytes(fo.limit, lim, sizeof(lim)), use, peak,
				    rss);
	else
		diagnosis__evidence(
			d,
			"%s (pid %u) was killed by the OOM killer: memory cgroup %s "
			"has no limit of its own (usage %s): the host or a parent cgroup "
			"ran out; the victim's RSS %s",
			ev->comm, ev->pid, path, use, rss);
	fix__oom(d, fx, &fo);
}

static void signal_evidence(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
			    struct fix_ctx *fx)
{
	diagnosis__evidence(d,
			    "%s (pid %u%s%s) got SIG%s (%d) while serving nginx worker %u's "
			    "upstream connection to %s",
			    ev->comm, ev->pid, f->unit[0] ? ", " : "", f->unit,
			    signal_name(ev->sig), ev->sig, ev->nginx_pid, ev->upstream);
	if ((ev->sig_flags & 1) && ev->oom.ts_ns) {
		oom_evidence(d, ev, f, fx);
		return;
	}
	if (ev->sig_flags & 1)
		diagnosis__evidence(d, "the kernel itself sent it: the OOM killer or a cgroup "
				       "memory limit (see journalctl -k | grep -i oom)");
	else if (ev->sig_flags & 2)
		diagnosis__evidence(d, "the process crashed: the signal comes from its own fault");
	else
		diagnosis__evidence(d, "sent by %s (pid %u)", ev->sender_comm, ev->sender_pid);

	if (ev->sig_flags & 1)
		fix__oom(d, fx, &(struct fix_oom){.unit = f->unit});
	else if (ev->sig_flags & 2)
		fix__crashed(d, ev->comm, signal_name(ev->sig));
	else if (ev->sig == 15 && strstr(ev->sender_comm, "php-fpm"))
		fix__fpm_terminated(d, fx, f->unit);
	else
		fix__killed(d, ev->sender_comm, ev->sender_pid);
}

static void describe_failure(struct diagnosis *d, const struct event *ev)
{
	switch (ev->type) {
	case NGX502_EV_TCP_CONNECT_ERR:
		diagnosis__evidence(d, "nginx worker %u: connect to %s failed later with %s (%s)",
				    ev->pid, ev->upstream, strerrorname_np(ev->err) ?: "?",
				    ev->err == ECONNREFUSED ? "RST in answer to the SYN" :
				    strerrordesc_np(ev->err) ?: "?");
		break;
	case NGX502_EV_CONNECT_ERR:
		diagnosis__evidence(d, "nginx worker %u: connect() to %s failed: %s (%s)", ev->pid,
				    ev->upstream, strerrordesc_np(ev->err) ?: "?",
				    strerrorname_np(ev->err) ?: "?");
		break;
	case NGX502_EV_SOCKET_ERR:
		diagnosis__evidence(d, "nginx worker %u: socket() failed: %s (%s)", ev->pid,
				    strerrordesc_np(ev->err) ?: "?",
				    strerrorname_np(ev->err) ?: "?");
		break;
	default:
		break;
	}
}

void evidence__write(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
		     struct fix_ctx *fx)
{
	if (ev->type == NGX502_EV_SIGNAL)
		signal_evidence(d, ev, f, fx);
	else if (ev->type == NGX502_EV_CONN_RESET || ev->type == NGX502_EV_CONN_FIN ||
		 ev->type == NGX502_EV_CONN_ABANDON)
		lifecycle_evidence(d, ev, f, fx);
	else if (ev->family == AF_UNIX && f->creds[0] && d->cause != CAUSE_FD_EXHAUSTED)
		unix_evidence(d, ev, f, fx);
	else
		tcp_evidence(d, ev, f, fx);
	if (!d->fix[0])
		fix__write(d, "see the evidence; then %s", fix__reload(d, fx));
}

/*
 * Where the config names the upstream. Inside a container the paths are the
 * container's; the first file is also given as the host reaches it.
 */
static void config_evidence(struct diagnosis *d, const struct fix_ctx *fx)
{
	if (!fx->where[0])
		return;
	if (!fx->ngx || fx->ngx->host || !fx->nrefs || !fx->refs[0].file)
		diagnosis__evidence(d, "nginx config: %s", fx->where);
	else
		diagnosis__evidence(d,
				    "nginx config: %s (paths inside the container; from the host: "
				    "/proc/%d/root%s)",
				    fx->where, fx->ngx->pid, fx->refs[0].file);
}

void evidence__fill(struct diagnosis *d, const struct event *ev, struct hostconf *hc,
		    const struct idle_table *idle)
{
	struct host_facts *f = malloc(sizeof(*f));
	struct fix_ctx *fx = malloc(sizeof(*fx));

	describe_failure(d, ev);
	if (!f || !fx)
		goto out;
	/* for a killed backend the event's pid is the backend's */
	fix__init(fx, hc, ev->type == NGX502_EV_SIGNAL ? (int)ev->nginx_pid : (int)ev->pid,
		  ev->upstream);
	fix__container(fx, d);
	config_evidence(d, fx);
	host_facts__gather(f, d->cause, ev);
	f->idle_timeout_ms = idle_table__timeout(idle, ev->upstream, &f->idle_seen);
	evidence__write(d, ev, f, fx);
out:
	free(f);
	free(fx);
}

/* The event a kernel probe would have sent for this key, for the same host checks. */
static int event_of_key(struct event *ev, int pid, const char *key)
{
	struct upstream_key k;

	memset(ev, 0, sizeof(*ev));
	ev->pid = pid;
	snprintf(ev->upstream, sizeof(ev->upstream), "%s", key);
	if (upstream__parse(key, &k))
		return -EINVAL;
	if (k.family == AF_UNIX && k.path[0] == '/') {
		ev->family = AF_UNIX;
		return 0;
	}
	if (k.family != AF_INET && k.family != AF_INET6)
		return -EINVAL;
	ev->family = k.family;
	ev->port = k.port;
	memcpy(ev->addr, k.addr, sizeof(ev->addr));
	return 0;
}

/* A kernel-visible cause seen in the log only: look at the host as the kernel path does. */
static int host_checks(struct diagnosis *d, struct fix_ctx *fx)
{
	struct host_facts *f;
	struct event ev;
	int unix_cause;

	switch (d->cause) {
	case CAUSE_UPSTREAM_SOCKET_MISSING:
	case CAUSE_UPSTREAM_SOCKET_PERMISSION:
	case CAUSE_UPSTREAM_SOCKET_STALE:
	case CAUSE_UPSTREAM_BACKLOG_FULL:
		unix_cause = 1;
		break;
	case CAUSE_UPSTREAM_REFUSED:
	case CAUSE_LOCAL_PORTS_EXHAUSTED:
		unix_cause = 0;
		break;
	default:
		return 0;
	}
	if (d->nginx_pid <= 0 || event_of_key(&ev, d->nginx_pid, d->upstream) ||
	    (ev.family == AF_UNIX) != unix_cause)
		return 0;
	f = malloc(sizeof(*f));
	if (!f)
		return 0;
	if (host_facts__gather(f, d->cause, &ev) ||
	    (unix_cause && !f->have_access && !f->creds[0])) {
		free(f);
		return 0;
	}
	evidence__write(d, &ev, f, fx);
	free(f);
	return 1;
}

/* A read timeout seen in the log only (a unix socket): its listen queue, as for the kernel's. */
static void read_timeout_from_log(struct diagnosis *d, struct fix_ctx *fx)
{
	struct host_facts *f = NULL;
	struct event ev;

	if (d->nginx_pid > 0 && !event_of_key(&ev, d->nginx_pid, d->upstream)) {
		f = malloc(sizeof(*f));
		if (f)
			host_facts__gather(f, d->cause, &ev);
	}
	read_timeout(d, f, fx, 0);
	free(f);
}

/* The upstream failures before "no live upstreams": the real cause, named as evidence. */
static void failures_before(struct diagnosis *d, struct diag_table *t)
{
	int i, n;

	for (i = 0, n = 0; i < diag_table__count(t) && n < 4; i++) {
		const struct diagnosis *o = diag_table__get(t, i);

		if (o == d || o->cause == CAUSE_NO_LIVE_UPSTREAMS)
			continue;
		diagnosis__evidence(d, "before it: %s on %s (%llu)", cause__name(o->cause),
				    o->upstream, (unsigned long long)o->count);
		n++;
	}
}

/* For a diagnosis from the log alone: what nginx said, and the fix for that cause. */
void evidence__fill_from_log(struct diagnosis *d, const struct ngx_log_line *l,
			     struct diag_table *t, struct hostconf *hc)
{
	struct event ev = {};
	char err[128] = "";
	struct fix_ctx *fx;

	if (l->err)
		snprintf(err, sizeof(err), " (%d: %s)", l->err, l->errtext);
	diagnosis__evidence(d, "nginx worker %u logged [%s] %s%s%s%s", l->pid,
			    ngx_log_level__name(l->level) ?: "?", l->message, err,
			    l->action[0] ? " while " : "", l->action);
	if (l->request[0])
		diagnosis__evidence(d, "request \"%s\" from %s", l->request, l->client);
	fx = malloc(sizeof(*fx));
	if (!fx)
		return;
	fix__init(fx, hc, d->nginx_pid, d->upstream);
	fix__container(fx, d);
	config_evidence(d, fx);
	if (host_checks(d, fx))
		goto out;

	switch (d->cause) {
	case CAUSE_NO_LIVE_UPSTREAMS:
		failures_before(d, t);
		fix__no_live_upstreams(d, fx);
		break;
	case CAUSE_UPSTREAM_INVALID_HEADER:
		fix__invalid_header(d, fx, strstr(l->upstream, "fastcgi") != NULL);
		break;
	case CAUSE_UPSTREAM_UNRESOLVED:
		fix__unresolved(d, fx, l->target);
		break;
	case CAUSE_UPSTREAM_SSL_FAILED:
		fix__ssl_failed(d, fx);
		break;
	case CAUSE_UPSTREAM_HEADER_TOO_BIG:
		fix__header_too_big(d, fx, 0);
		break;
	case CAUSE_UPSTREAM_READ_TIMEOUT:
		read_timeout_from_log(d, fx);
		break;
	case CAUSE_UPSTREAM_CONNECT_TIMEOUT:
		fix__connect_timeout(d, fx,
				     event_of_key(&ev, d->nginx_pid, d->upstream) ? 0 : ev.port);
		break;
	case CAUSE_UPSTREAM_RESET:
		fix__reset(d, fx);
		break;
	case CAUSE_UPSTREAM_PREMATURE_CLOSE:
		fix__premature_close(d, fx);
		break;
	case CAUSE_FD_EXHAUSTED:
		fix__fd_exhausted(d, fx);
		break;
	case CAUSE_UNKNOWN:
		fix__unknown(d, fx);
		break;
	default:
		fix__generic(d, fx);
		break;
	}
out:
	free(fx);
}
