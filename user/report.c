// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "clock.h"
#include "container.h"
#include "ctnames.h"
#include "correlate.h"
#include "diag.h"
#include "event.h"
#include "evidence.h"
#include "idle.h"
#include "ngx502.h"
#include "output.h"
#include "report.h"
#include "rules.h"
#include "targets.h"

#define KILLED_RING	 64
#define KILLED_WINDOW_NS (5 * 1000000000ull)

struct killed {
	uint64_t sock;
	uint64_t ts_ns;
	unsigned int backend_pid;
};

/*
 * The OOM killer sends its SIGKILL, then marks the victim (oom:mark_victim): a signal from the
 * kernel itself waits up to OOM_HOLD_NS for the victim's record of the same pid, so that its
 * evidence names the memory cgroup. Both come from the same CPU, one after the other.
 */
#define OOM_RING    16
#define OOM_HOLD_NS (300 * 1000000ull)
#define OOM_JOIN_NS (3 * 1000000000ull)

struct held_kill {
	struct event ev;
	uint64_t held_ns; /* monotonic time it was held; 0: free */
};

struct report {
	struct report_opts opts;
	struct correlator *corr;
	struct idle_table *idle; /* the upstreams' keep-alive idle timeouts, learned */
	struct killed killed[KILLED_RING];
	unsigned int nkilled;
	struct held_kill held[OOM_RING];
	struct event_oom oom[OOM_RING];
	unsigned int oom_pid[OOM_RING];
	unsigned int noom;
};

/*
 * The FIN or RST that follows a backend's death is the same failure, not another. nginx's
 * socket address is only an id while the socket lives: the slab hands it to the next
 * connection at once (a unix socket to the next php-fpm child, seconds later), so a kill
 * matches only the same backend process, and a FIN or RST only a connection that was
 * already open when the signal came.
 */
static int after_kill(struct report *r, const struct event *ev)
{
	int i;

	if (ev->type != NGX502_EV_SIGNAL && ev->type != NGX502_EV_CONN_RESET &&
	    ev->type != NGX502_EV_CONN_FIN && ev->type != NGX502_EV_CONN_ABANDON)
		return 0;
	for (i = 0; i < KILLED_RING; i++) {
		const struct killed *k = &r->killed[i];

		if (!k->sock || k->sock != ev->sock || ev->ts_ns - k->ts_ns >= KILLED_WINDOW_NS)
			continue;
		/* a second signal to the same backend mid-death (SIGTERM, then SIGKILL) */
		if (ev->type == NGX502_EV_SIGNAL && ev->pid == k->backend_pid)
			return 1;
		if (ev->type != NGX502_EV_SIGNAL &&
		    (!ev->duration_ns || ev->ts_ns - ev->duration_ns <= k->ts_ns))
			return 1;
	}
	if (ev->type == NGX502_EV_SIGNAL)
		r->killed[r->nkilled++ % KILLED_RING] =
			(struct killed){ev->sock, ev->ts_ns, ev->pid};
	return 0;
}

/*
 * --cause/--upstream, decided once when a diagnosis is made, before its
 * evidence is gathered: one left out is counted but never printed (new, log
 * or burst) and is not in the summary.
 */
static bool filtered(const struct report *r, const struct diagnosis *d)
{
	int i;

	if (r->opts.causes && !(r->opts.causes & (1ull << d->cause)))
		return true;
	for (i = 0; i < r->opts.nupstreams; i++)
		if (!strcmp(r->opts.upstreams[i], d->upstream))
			return false;
	return r->opts.nupstreams > 0;
}

/* What was printed of d: its count, and what its clients got. */
static void mark_reported(struct diagnosis *d, uint64_t now)
{
	d->reported_count = d->count;
	d->reported_ns = now;
	memcpy(d->reported_responses, d->responses, sizeof(d->responses));
	d->reported_recovered = d->recovered;
}

static void print_new(struct report *r, struct diagnosis *d)
{
	output__diagnosis(r->opts.out, d);
	mark_reported(d, clock__mono_ns());
}

/* Its master, and the container it runs in with the names its engine gave it. */
static void identify(struct report *r, struct diagnosis *d)
{
	const struct target_proc *p =
		r->opts.targets ? targets__find(r->opts.targets, d->nginx_pid) : NULL;
	struct ctnames n;

	d->master = p ? p->master : 0;
	if (!p || !p->runtime)
		return;
	snprintf(d->ct_engine, sizeof(d->ct_engine), "%s", container__runtime_name(p->runtime));
	if (!r->opts.names || ctnames__of_pid(r->opts.names, d->nginx_pid, &n)) {
		/* gone already: what the targets table kept */
		if (!strchr(p->container, '-'))
			snprintf(d->ct_id, sizeof(d->ct_id), "%s", p->container);
		return;
	}
	snprintf(d->ct_id, sizeof(d->ct_id), "%s", n.id);
	snprintf(d->ct_name, sizeof(d->ct_name), "%s", n.name);
	snprintf(d->pod_name, sizeof(d->pod_name), "%s", n.pod_name);
	snprintf(d->pod_namespace, sizeof(d->pod_namespace), "%s", n.pod_namespace);
	snprintf(d->k8s_container, sizeof(d->k8s_container), "%s", n.k8s_container);
}

/* Where the worker runs, first, when that is a container: host and in-container pid. */
static void container_evidence(struct report *r, struct diagnosis *d)
{
	const struct target_proc *p =
		r->opts.targets ? targets__find(r->opts.targets, d->nginx_pid) : NULL;
	int ns_pid = p && p->ns_pid ? p->ns_pid : d->nginx_pid;
	char what[400];

	identify(r, d);
	if (!p || (!p->ns_pid && !p->container[0]))
		return;
	if (d->pod_name[0])
		snprintf(what, sizeof(what), "kubernetes pod %s/%s%s%s%s", d->pod_namespace,
			 d->pod_name, d->k8s_container[0] ? " (container " : "", d->k8s_container,
			 d->k8s_container[0] ? ")" : "");
	else if (p->container[0] && strchr(p->container, '-'))
		snprintf(what, sizeof(what), "kubernetes pod %s", p->container);
	else if (d->ct_name[0])
		snprintf(what, sizeof(what), "%s container %s (%.12s)", d->ct_engine, d->ct_name,
			 d->ct_id);
	else if (p->container[0])
		snprintf(what, sizeof(what), "%s container %.12s",
			 container__runtime_name(p->runtime), p->container);
	else
		snprintf(what, sizeof(what), "its own pid namespace");
	diagnosis__evidence(d, "nginx worker %d (pid %d in its container) runs in %s", p->pid,
			    ns_pid, what);
}

static void on_new_kernel(void *ctx, struct diagnosis *d, const struct event *ev)
{
	struct report *r = ctx;

	d->filtered = filtered(r, d);
	if (d->filtered)
		return;
	container_evidence(r, d);
	evidence__fill(d, ev, r->opts.hc, r->idle);
	print_new(r, d);
}

static void on_new_log(void *ctx, struct diagnosis *d, const struct ngx_log_line *l)
{
	struct report *r = ctx;

	d->filtered = filtered(r, d);
	if (d->filtered)
		return;
	container_evidence(r, d);
	evidence__fill_from_log(d, l, r->opts.diags, r->opts.hc);
	print_new(r, d);
}

static void on_log_attached(void *ctx, struct diagnosis *d)
{
	struct report *r = ctx;

	/* the same diagnosis again, now with the line it explains: kernel+log */
	if (!d->filtered)
		output__log_attached(r->opts.out, d);
}

static int sees_responses(void *ctx, int pid)
{
	struct report *r = ctx;

	return r->opts.sees_responses && r->opts.sees_responses(r->opts.ctx, pid);
}

struct report *report__new(const struct report_opts *opts)
{
	struct report *r;

	if (!opts || !opts->out || !opts->diags) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->opts = *opts;
	r->idle = idle_table__new();
	if (!r->idle) {
		free(r);
		return NULL;
	}
	r->corr = correlator__new(opts->diags, &(struct correlator_ops){
						       .on_new_kernel = on_new_kernel,
						       .on_new_log = on_new_log,
						       .on_log_attached = on_log_attached,
						       .sees_responses = sees_responses,
						       .ctx = r,
					       });
	if (!r->corr) {
		idle_table__free(r->idle);
		free(r);
		return NULL;
	}
	return r;
}

void report__free(struct report *r)
{
	if (!r)
		return;
	correlator__free(r->corr);
	idle_table__free(r->idle);
	free(r);
}

static void failure(struct report *r, const struct event *ev);

/* The OOM record of this pid, seen within OOM_JOIN_NS of ts_ns, into ev. */
static void join_oom(struct report *r, struct event *ev)
{
	int i;

	for (i = 0; i < OOM_RING; i++) {
		const struct event_oom *o = &r->oom[i];
		uint64_t gap;

		if (!o->ts_ns || r->oom_pid[i] != ev->pid)
			continue;
		gap = o->ts_ns > ev->ts_ns ? o->ts_ns - ev->ts_ns : ev->ts_ns - o->ts_ns;
		if (gap < OOM_JOIN_NS)
			ev->oom = *o;
	}
}

/* Held kills whose OOM record came, or that waited long enough (now_ns 0: all of them). */
static void release_held(struct report *r, uint64_t now_ns)
{
	int i;

	for (i = 0; i < OOM_RING; i++) {
		struct held_kill *h = &r->held[i];

		if (!h->held_ns)
			continue;
		join_oom(r, &h->ev);
		if (h->ev.oom.ts_ns || !now_ns || clock__since(now_ns, h->held_ns) >= OOM_HOLD_NS) {
			h->held_ns = 0;
			failure(r, &h->ev);
		}
	}
}

void report__oom(struct report *r, const struct event *ev)
{
	unsigned int slot = r->noom++ % OOM_RING;

	r->oom[slot] = ev->oom;
	r->oom_pid[slot] = ev->pid;
	release_held(r, clock__mono_ns());
}

void report__failure(struct report *r, const struct event *ev)
{
	int i;

	/* a SIGKILL from the kernel itself: wait for the OOM killer's victim record */
	if (ev->type == NGX502_EV_SIGNAL && (ev->sig_flags & NGX502_SIG_KERNEL) && ev->sig == 9) {
		for (i = 0; i < OOM_RING; i++) {
			if (r->held[i].held_ns)
				continue;
			r->held[i].ev = *ev;
			r->held[i].held_ns = clock__mono_ns() ?: 1;
			release_held(r, r->held[i].held_ns);
			return;
		}
	}
	/* the close that follows a held kill is told after it (a kernel without mark_victim) */
	for (i = 0; ev->sock && i < OOM_RING; i++) {
		if (r->held[i].held_ns && r->held[i].ev.sock == ev->sock) {
			r->held[i].held_ns = 0;
			join_oom(r, &r->held[i].ev);
			failure(r, &r->held[i].ev);
		}
	}
	failure(r, ev);
}

static void failure(struct report *r, const struct event *ev)
{
	enum cause cause = rules__cause_of(ev);
	int pid;

	/* nginx gave up on a connect before any SYN retransmit: its line or a 504 decides */
	if (ev->type == NGX502_EV_CONNECT_ABORT && !ev->retrans) {
		correlator__abort(r->corr, (int)ev->pid, ev);
		return;
	}
	if (cause == CAUSE_NONE || after_kill(r, ev))
		return;
	/* for a killed backend the event's pid is the backend's; the diagnosis names nginx's */
	pid = ev->type == NGX502_EV_SIGNAL ? (int)ev->nginx_pid : (int)ev->pid;
	/*
	 * A SYN retransmit and the close after it are one failed connect; nginx
	 * logs it at the close, proxy_connect_timeout (60 s) after the SYN.
	 */
	if (cause == CAUSE_UPSTREAM_CONNECT_TIMEOUT && ev->sock &&
	    diag_table__sock_seen(r->opts.diags, ev->sock) && ev->type != NGX502_EV_SYN_RETRANS) {
		/* (a retransmit is always a first sign: the kernel reuses a closed socket's
		 * address) */
		correlator__kernel_again(r->corr, pid, ev);
		return;
	}
	correlator__kernel(r->corr, cause, pid, ev);
}

void report__idle_close(struct report *r, const struct event *ev)
{
	idle_table__add(r->idle, ev->upstream, ev->idle_ms);
}

void report__response(struct report *r, const struct event *ev)
{
	correlator__response(r->corr, (int)ev->pid, ev->conn, ev->status, ev->ts_ns);
}

void report__log_line(struct report *r, const char *line, size_t len, int pid, int fd,
		      uint64_t now_ns)
{
	correlator__log(r->corr, line, len, pid, fd, now_ns);
}

void report__file_line(struct report *r, const char *line, size_t len, int pid, uint64_t now_ns)
{
	correlator__log_file(r->corr, line, len, pid, now_ns);
}

/*
 * Repeat failures are told as "+N in the last 5 s", at most once a window per
 * diagnosis, with what their clients got. The first error response tied to a
 * diagnosis, and its first recovered failure, are told at once: its block was
 * printed when the failure happened, before nginx answered.
 */
static void flush_bursts(struct report *r, uint64_t now, int final)
{
	int i;

	for (i = 0; i < diag_table__count(r->opts.diags); i++) {
		struct diagnosis *d = diag_table__get(r->opts.diags, i);
		uint64_t fresh = diagnosis__responses_new(d);
		int first = (fresh && fresh == diagnosis__responses(d)) ||
			    (d->recovered && !d->reported_recovered);

		if (d->filtered || (d->count == d->reported_count && !fresh &&
				    d->recovered == d->reported_recovered))
			continue;
		if (first && d->count == d->reported_count) {
			output__outcome(r->opts.out, d);
			mark_reported(d, d->reported_ns);
			continue;
		}
		if (!final &&
		    clock__since(now, d->reported_ns) < REPORT_BURST_WINDOW_S * 1000000000ull)
			continue;
		output__burst(r->opts.out, d, d->count - d->reported_count, REPORT_BURST_WINDOW_S);
		mark_reported(d, now);
	}
}

void report__tick(struct report *r, uint64_t now_ns)
{
	release_held(r, now_ns ?: 1);
	correlator__tick(r->corr, now_ns);
	flush_bursts(r, now_ns, 0);
}

void report__finish(struct report *r)
{
	release_held(r, 0);
	/* every line still waiting for its kernel event is told now */
	correlator__tick(r->corr, UINT64_MAX);
	flush_bursts(r, clock__mono_ns(), 1);
}
