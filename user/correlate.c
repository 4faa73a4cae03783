// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Matching by key: per (worker pid, upstream) the number of kernel failures
 * still waiting for their line, and the lines still waiting for their
 * kernel failure. Each side settles the other one for one, so a burst of
 * thousands, read out of order from per-CPU buffers, is neither lost nor
 * counted twice; a line that waits longer than HOLD_NS is a failure the
 * kernel did not see, counted from the log alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "clock.h"
#include "correlate.h"
#include "ledger.h"
#include "ngx502.h"

#define NKEYS	    1024		/* (pid, upstream) pairs followed at once */
#define MATCH_NS    (5 * 1000000000ull) /* a line follows its failure within this */
#define HOLD_NS	    (300 * 1000000ull)	/* how long a line waits for its kernel event */
#define DEDUP	    8192		/* one line seen twice (two logs, kernel + file) is one */
#define DEDUP_PROBE 16
#define DEDUP_NS    (10 * 1000000000ull)
#define KCOPY_NS    (50 * 1000ull) /* one line written to two logs: the two writes, this close */
#define KEY_FIFO    64		   /* request numbers / failure ids remembered per key */
#define NOPEN	    256		   /* connects whose SYN went unanswered, still open */
#define OPEN_NS	    (90 * 1000000000ull) /* longer than any usual proxy_connect_timeout */
#define NABORT	    256			 /* connects nginx closed before a SYN retransmit */

/*
 * A small FIFO of numbers: request numbers of waiting lines with the kernel
 * time of each line (0: read from a file), ledger ids of unmatched failures.
 */
struct fifo {
	uint64_t v[KEY_FIFO];
	uint64_t ns[KEY_FIFO];
	unsigned int head, n;
};

struct key {
	int used;
	int pid;
	char upstream[EVENT_UPSTREAM_MAX];
	struct diagnosis *d; /* the kernel's diagnosis for this key */
	uint64_t unmatched;  /* kernel failures without their line yet */
	uint64_t kernel_ns;  /* newest of them */
	uint64_t waiting;    /* lines without their kernel failure yet */
	uint64_t waiting_ns; /* oldest of them */
	char *line;	     /* the newest waiting line, for the diagnosis */
	size_t len;
	struct ngx_log_line *parsed; /* and its parse */
	struct fifo conns;	     /* "*N" of the waiting lines, oldest first */
	struct fifo fails;	     /* ledger ids of the unmatched kernel failures, oldest first */
};

/* A SYN retransmitted: its request's end comes when nginx closes the socket (kernel_again). */
struct open_connect {
	uint64_t sock;
	uint64_t ts_ns;
	struct diagnosis *d;
	int pid;
};

/*
 * nginx closed a SYN_SENT socket before any SYN retransmit: a connect
 * timeout shorter than a second, or a client that left. Its line ("upstream
 * timed out ... while connecting") or a 504 of the worker says which.
 */
struct abort_wait {
	int used;
	struct event ev;
};

/*
 * A kernel failure that names no upstream (socket() failed before nginx
 * picked a peer): held until the worker's line says which upstream, so the
 * diagnosis names it; after HOLD_NS without a line, "*" (any upstream).
 */
struct keyless {
	int pid;
	enum cause cause;
	uint64_t count;
	uint64_t ts_ns;
	struct event ev; /* the first one, for the evidence */
};

#define NKEYLESS 16

/*
 * The copies of one text seen lately. A keep-alive client connection makes
 * the same text again (same "*N", same second) for each request that fails
 * the same way: kernel copies are distinct lines unless two come from one
 * call (nginx writing to two logs), and the k-th copy read from a file is
 * the k-th kernel copy.
 */
struct seen_line {
	uint64_t hash;
	uint64_t ts_ns;	  /* first seen */
	uint64_t kern_ns; /* kernel time of the latest kernel copy */
	uint32_t nkern, nfile;
	int kern_fd; /* where the latest kernel copy was written */
	int pid;
};

struct correlator {
	struct diag_table *t;
	struct correlator_ops ops;
	struct key keys[NKEYS];
	struct keyless keyless[NKEYLESS];
	struct seen_line seen[DEDUP]; /* open addressing on the line's hash */
	struct ledger *ledger;	      /* what clients got */
	struct open_connect opens[NOPEN];
	unsigned int nopen;
	struct abort_wait aborts[NABORT];
	unsigned int nabort;
};

static void fifo_push(struct fifo *f, uint64_t v, uint64_t ns)
{
	unsigned int i;

	if (f->n == KEY_FIFO) {
		f->head = (f->head + 1) % KEY_FIFO;
		f->n--;
	}
	i = (f->head + f->n++) % KEY_FIFO;
	f->v[i] = v;
	f->ns[i] = ns;
}

/* The oldest number, 0 when none; *ns (when not NULL) its time. */
static uint64_t fifo_pop(struct fifo *f, uint64_t *ns)
{
	uint64_t v;

	if (ns)
		*ns = 0;
	if (!f->n)
		return 0;
	v = f->v[f->head];
	if (ns)
		*ns = f->ns[f->head];
	f->head = (f->head + 1) % KEY_FIFO;
	f->n--;
	return v;
}

/*
 * The kernel's cause and the log line's for one request: the same failure
 * seen from two sides, or a disagreement (docs/DESIGN.md §4.2). "unknown" on
 * either side is no opinion.
 */
int correlator__same_failure(enum cause kernel, enum cause log)
{
	if (kernel == log || kernel == CAUSE_UNKNOWN || log == CAUSE_UNKNOWN)
		return 1;
	switch (kernel) {
	case CAUSE_BACKEND_KILLED:
		/* the dead backend's socket: a FIN or a RST is what nginx read */
		return log == CAUSE_UPSTREAM_PREMATURE_CLOSE || log == CAUSE_UPSTREAM_RESET;
	case CAUSE_UPSTREAM_RESET:
	case CAUSE_UPSTREAM_PREMATURE_CLOSE:
		/* FIN then RST (or the other way) before nginx read; or during TLS */
		return log == CAUSE_UPSTREAM_PREMATURE_CLOSE || log == CAUSE_UPSTREAM_RESET ||
		       log == CAUSE_UPSTREAM_SSL_FAILED;
	case CAUSE_UPSTREAM_CONNECT_TIMEOUT:
		/* the first SYN went unanswered, a later one got a RST or an ICMP error */
		return log == CAUSE_UPSTREAM_REFUSED || log == CAUSE_UPSTREAM_UNREACHABLE;
	default:
		return 0;
	}
}

static void check_agree(struct correlator *c, enum cause kernel, const struct ngx_log_line *l)
{
	if (l && !correlator__same_failure(kernel, ngx_log_line__cause(l)))
		diag_table__totals(c->t)->disagreements++;
}

/*
 * Follow a failure to its request's end, when that worker's responses are
 * seen; conn and line_ns: its line's request number and kernel time.
 */
static uint64_t track(struct correlator *c, int pid, struct diagnosis *d, uint64_t conn,
		      uint64_t line_ns, uint64_t ts_ns)
{
	if (!c->ledger || !d || !c->ops.sees_responses || !c->ops.sees_responses(c->ops.ctx, pid))
		return 0;
	return ledger__failure(c->ledger, pid, d, conn, line_ns, ts_ns);
}

/* Lines carry kernel times or read times: either may be the later one. */
static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull; /* FNV-1a */
	return h;
}

static void settle_response(void *ctx, const struct ledger_response *r);

struct correlator *correlator__new(struct diag_table *t, const struct correlator_ops *ops)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->ops = *ops;
	c->ledger = ledger__new(t, settle_response, c);
	if (!c->ledger) {
		free(c);
		return NULL;
	}
	return c;
}

static void key_drop_line(struct key *k)
{
	free(k->line);
	free(k->parsed);
	k->line = NULL;
	k->parsed = NULL;
	k->len = 0;
}

void correlator__free(struct correlator *c)
{
	if (!c)
		return;
	for (int i = 0; i < NKEYS; i++)
		key_drop_line(&c->keys[i]);
	ledger__free(c->ledger);
	free(c);
}

/*
 * The slot of (pid, upstream), made when create is set. Open addressing; a
 * full table reuses the slot of the key whose last activity is oldest.
 */
static struct key *key_get(struct correlator *c, int pid, const char *up, int create)
{
	uint64_t h = hash_bytes(up, strlen(up), 1469598103934665603ull ^ (uint64_t)pid);
	struct key *k, *oldest = NULL;
	unsigned int i, idx;

	for (i = 0; i < 32; i++) {
		idx = (h + i) % NKEYS;
		k = &c->keys[idx];
		if (k->used && k->pid == pid && !strcmp(k->upstream, up))
			return k;
		if (!k->used) {
			if (!create)
				return NULL;
			oldest = k;
			break;
		}
		if (!oldest ||
		    (k->kernel_ns > k->waiting_ns ? k->kernel_ns : k->waiting_ns) <
			    (oldest->kernel_ns > oldest->waiting_ns ? oldest->kernel_ns
								    : oldest->waiting_ns))
			oldest = k;
	}
	if (!create || !oldest)
		return NULL;
	key_drop_line(oldest);
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = 1;
	oldest->pid = pid;
	snprintf(oldest->upstream, sizeof(oldest->upstream), "%s", up);
	return oldest;
}

/* Attach a line to the diagnosis it explains; printed again the first time. */
static void attach(struct correlator *c, struct diagnosis *d, const char *text, size_t len)
{
	int first = !d->log;

	if (len && text[len - 1] == '\n')
		len--;
	diagnosis__set_log(d, text, len);
	if (first && c->ops.on_log_attached)
		c->ops.on_log_attached(c->ops.ctx, d);
}

/* Lines no kernel event explained: failures counted from the log alone. */
static void log_only(struct correlator *c, struct key *k)
{
	enum cause cause = ngx_log_line__cause(k->parsed);
	struct diagnosis *d;
	size_t len = k->len;
	uint64_t n, conn, line_ns;
	int created;

	for (n = 0; n < k->waiting; n++) {
		d = diag_table__hit(c->t, cause, k->upstream, k->pid, k->parsed->err, k->waiting_ns,
				    &created);
		if (!d)
			break;
		conn = fifo_pop(&k->conns, &line_ns);
		track(c, k->pid, d, conn, line_ns, k->waiting_ns);
		if (len && k->line[len - 1] == '\n')
			len--;
		if (created) {
			diagnosis__set_log(d, k->line, len);
			if (c->ops.on_new_log)
				c->ops.on_new_log(c->ops.ctx, d, k->parsed);
		} else if (!d->log) {
			attach(c, d, k->line, len);
		}
	}
	k->waiting = 0;
	k->conns.n = 0;
	key_drop_line(k);
}

/* Count held keyless failures under upstream up: a diagnosis like any other. */
static struct diagnosis *keyless_settle(struct correlator *c, struct keyless *h, const char *up)
{
	struct diagnosis *d = NULL;
	int created;

	snprintf(h->ev.upstream, sizeof(h->ev.upstream), "%s", up);
	for (uint64_t n = 0; n < h->count; n++) {
		d = diag_table__hit(c->t, h->cause, up, h->pid, h->ev.err, h->ts_ns, &created);
		if (!d)
			break;
		d->from_kernel = 1;
		track(c, h->pid, d, 0, 0, h->ts_ns);
		if (created && c->ops.on_new_kernel)
			c->ops.on_new_kernel(c->ops.ctx, d, &h->ev);
	}
	h->count = 0;
	return d;
}

static void keyless_hold(struct correlator *c, enum cause cause, int pid, const struct event *ev)
{
	struct keyless *h, *free_slot = NULL;
	int i;

	for (i = 0; i < NKEYLESS; i++) {
		h = &c->keyless[i];
		if (h->count && h->pid == pid && h->cause == cause) {
			h->count++;
			return;
		}
		if (!h->count && !free_slot)
			free_slot = h;
	}
	if (!free_slot) {
		free_slot = &c->keyless[0];
		keyless_settle(c, free_slot, "*");
	}
	*free_slot = (struct keyless){
		.pid = pid, .cause = cause, .count = 1, .ts_ns = ev->ts_ns, .ev = *ev};
	free_slot->ev.line = NULL;
}

/*
 * A keyless failure whose line came first: that line waits under the
 * upstream it names (or "" for none). Settle the failure there, one for
 * one, as the other order does; holding it too would count it twice.
 */
static int keyless_take_line(struct correlator *c, enum cause cause, int pid,
			     const struct event *ev)
{
	struct keyless h = {.pid = pid, .cause = cause, .count = 1, .ts_ns = ev->ts_ns, .ev = *ev};
	struct diagnosis *d;
	struct key *k;

	for (int i = 0; i < NKEYS; i++) {
		k = &c->keys[i];
		if (!k->used || k->pid != pid || !k->waiting ||
		    ngx_log_line__cause(k->parsed) != cause)
			continue;
		h.ev.line = NULL;
		d = keyless_settle(c, &h, k->upstream[0] ? k->upstream : "*");
		if (d)
			attach(c, d, k->line, k->len);
		fifo_pop(&k->conns, NULL);
		if (!--k->waiting)
			key_drop_line(k);
		return 1;
	}
	return 0;
}

/* Remember a SYN that went unanswered: the failure's end is nginx's close of the socket. */
static void open_connect(struct correlator *c, int pid, struct diagnosis *d, const struct event *ev)
{
	struct open_connect *o = &c->opens[c->nopen++ % NOPEN];

	/* a full table: the oldest one is taken as a connect that went through after all */
	if (o->d)
		o->d->recovered++;
	*o = (struct open_connect){.sock = ev->sock, .ts_ns = ev->ts_ns, .d = d, .pid = pid};
}

/* Count a kernel failure; the ledger id of it, 0 when not followed. */
static uint64_t kernel_hit(struct correlator *c, enum cause cause, int pid, const struct event *ev)
{
	struct diagnosis *d;
	struct key *k;
	uint64_t id, conn, line_ns;
	int created;

	if (!ev->upstream[0]) {
		if (!keyless_take_line(c, cause, pid, ev))
			keyless_hold(c, cause, pid, ev);
		return 0;
	}
	d = diag_table__hit(c->t, cause, ev->upstream, pid, ev->err, ev->ts_ns, &created);
	if (!d)
		return 0;
	d->from_kernel = 1;
	if (created && c->ops.on_new_kernel)
		c->ops.on_new_kernel(c->ops.ctx, d, ev);
	k = key_get(c, pid, ev->upstream, 1);
	if (!k)
		return track(c, pid, d, 0, 0, ev->ts_ns);
	k->d = d;
	if (k->waiting) {
		/* its line came first */
		check_agree(c, cause, k->parsed);
		conn = fifo_pop(&k->conns, &line_ns);
		id = track(c, pid, d, conn, line_ns, ev->ts_ns);
		attach(c, d, k->line, k->len);
		if (!--k->waiting)
			key_drop_line(k);
		return id;
	}
	if (absdiff(ev->ts_ns, k->kernel_ns) > MATCH_NS) {
		k->unmatched = 0; /* failures whose lines never came (level, filtered) */
		k->fails.n = 0;
	}
	k->unmatched++;
	k->kernel_ns = ev->ts_ns;
	if (ev->type == NGX502_EV_SYN_RETRANS && ev->sock) {
		open_connect(c, pid, d, ev);
		id = 0;
	} else {
		id = track(c, pid, d, 0, 0, ev->ts_ns);
	}
	fifo_push(&k->fails, id, 0);
	return id;
}

void correlator__kernel(struct correlator *c, enum cause cause, int pid, const struct event *ev)
{
	kernel_hit(c, cause, pid, ev);
}

void correlator__abort(struct correlator *c, int pid, const struct event *ev)
{
	struct key *k = ev->upstream[0] ? key_get(c, pid, ev->upstream, 0) : NULL;
	struct abort_wait *a;

	/* nginx's line came first: it timed out connecting */
	if (k && k->waiting && ngx_log_line__cause(k->parsed) == CAUSE_UPSTREAM_CONNECT_TIMEOUT) {
		kernel_hit(c, CAUSE_UPSTREAM_CONNECT_TIMEOUT, pid, ev);
		return;
	}
	a = &c->aborts[c->nabort++ % NABORT];
	a->used = 1;
	a->ev = *ev;
	a->ev.line = NULL;
	a->ev.pid = pid;
}

/* The newest abort of worker pid (upstream up, or any when NULL) within the window before ts. */
static struct abort_wait *abort_find(struct correlator *c, int pid, const char *up, uint64_t ts)
{
	struct abort_wait *best = NULL;

	for (int i = 0; i < NABORT; i++) {
		struct abort_wait *a = &c->aborts[i];

		if (!a->used || (int)a->ev.pid != pid || (up && strcmp(a->ev.upstream, up)) ||
		    a->ev.ts_ns > ts + LEDGER_HOLD_NS || a->ev.ts_ns + LEDGER_TIE_NS < ts)
			continue;
		if (!best || a->ev.ts_ns > best->ev.ts_ns)
			best = a;
	}
	return best;
}

/* A held response is due: tie it to its failure, or call it unexplained. */
static void settle_response(void *ctx, const struct ledger_response *r)
{
	struct correlator *c = ctx;
	struct abort_wait *a;
	uint64_t id, ts = 0;
	int exact;

	id = ledger__find(c->ledger, r, &ts, &exact);
	/* a 504 after nginx closed a connect before any SYN retransmit: its connect timeout */
	a = r->status == 504 && !exact ? abort_find(c, r->pid, NULL, r->ts_ns) : NULL;
	if (a && (!id || a->ev.ts_ns > ts)) {
		a->used = 0;
		id = kernel_hit(c, CAUSE_UPSTREAM_CONNECT_TIMEOUT, r->pid, &a->ev);
	}
	if (id)
		ledger__tie(c->ledger, id, r);
	else
		ledger__unexplained(c->ledger, r);
}

void correlator__response(struct correlator *c, int pid, uint64_t conn, int status, uint64_t ts_ns)
{
	ledger__response(c->ledger, pid, conn, status, ts_ns);
}

void correlator__kernel_again(struct correlator *c, int pid, const struct event *ev)
{
	struct key *k = ev->upstream[0] ? key_get(c, pid, ev->upstream, 0) : NULL;
	struct diagnosis *d = NULL;
	uint64_t id = 0, conn, line_ns;

	/* the request's end: what its client gets is decided now */
	for (int i = 0; ev->sock && i < NOPEN; i++) {
		struct open_connect *o = &c->opens[i];

		if (o->d && o->sock == ev->sock && o->pid == pid) {
			d = o->d;
			o->d = NULL;
			id = track(c, pid, d, 0, 0, ev->ts_ns);
			break;
		}
	}
	if (!k)
		return;
	if (k->waiting && k->d) {
		/* its line came before the close did */
		check_agree(c, k->d->cause, k->parsed);
		conn = fifo_pop(&k->conns, &line_ns);
		ledger__set_conn(c->ledger, id, conn, line_ns);
		if (k->unmatched)
			k->unmatched--;
		attach(c, k->d, k->line, k->len);
		if (!--k->waiting)
			key_drop_line(k);
		return;
	}
	/* its line may come long after the first sign (nginx's connect timeout, 60 s) */
	if (k->unmatched && ev->ts_ns > k->kernel_ns)
		k->kernel_ns = ev->ts_ns;
	if (id)
		fifo_push(&k->fails, id, 0);
}

/*
 * Seen within DEDUP_NS, from the same worker? kernel: the copy the kernel
 * captured (now is its kernel time), else one read from a file. The set is
 * open-addressed on the line's hash; an expired slot, or the oldest one
 * probed, takes a new line.
 */
static int duplicate(struct correlator *c, const char *line, size_t len, int pid, int kernel,
		     int fd, uint64_t now)
{
	uint64_t h = hash_bytes(line, len, 1469598103934665603ull) | 1, age, best = UINT64_MAX;
	struct seen_line *slot = NULL, *e;
	int i;

	for (i = 0; i < DEDUP_PROBE; i++) {
		e = &c->seen[(h + i) % DEDUP];
		if (e->hash == h && e->pid == pid && absdiff(now, e->ts_ns) < DEDUP_NS) {
			if (!kernel) {
				/* a file repeats the kernel's copies, or another file's */
				if (e->nkern > e->nfile || e->nfile) {
					e->nfile++;
					return 1;
				}
				e->nfile++;
				return 0;
			}
			/*
			 * the same call wrote it to another log: another fd, right after; the
			 * same fd again is the next request of a keep-alive connection
			 */
			if (e->nkern && absdiff(now, e->kern_ns) < KCOPY_NS && fd != e->kern_fd)
				return 1;
			e->nkern++;
			e->kern_ns = now;
			e->kern_fd = fd;
			return e->nfile >= e->nkern; /* a file's copy of it came first */
		}
		/* 0 for a free or expired slot, else its time: the oldest goes first */
		age = !e->hash || absdiff(now, e->ts_ns) >= DEDUP_NS ? 0 : e->ts_ns;
		if (age < best) {
			best = age;
			slot = e;
		}
	}
	*slot = (struct seen_line){.hash = h,
				   .ts_ns = now,
				   .kern_ns = now,
				   .nkern = !!kernel,
				   .nfile = !kernel,
				   .kern_fd = fd,
				   .pid = pid};
	return 0;
}

static void log_line(struct correlator *c, const char *line, size_t len, int pid, int fd,
		     uint64_t now_ns, int kernel);

void correlator__log(struct correlator *c, const char *line, size_t len, int pid, int fd,
		     uint64_t now_ns)
{
	log_line(c, line, len, pid, fd, now_ns, pid != 0);
}

void correlator__log_file(struct correlator *c, const char *line, size_t len, int pid,
			  uint64_t now_ns)
{
	log_line(c, line, len, pid, -1, now_ns, 0);
}

/* kernel: the kernel captured it at nginx's write(); else a file gave it. */
static void log_line(struct correlator *c, const char *line, size_t len, int pid, int fd,
		     uint64_t now_ns, int kernel)
{
	char up[EVENT_UPSTREAM_MAX];
	struct ngx_log_line *l;
	struct key *k;
	/* a line the kernel captured carries the kernel time of nginx's write (§4.1) */
	uint64_t line_ns = kernel ? now_ns : 0;

	/* the kernel hands the bytes of write(), '\n' included; a file reader does not */
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	l = malloc(sizeof(*l));
	if (!l)
		return;
	if (ngx_log_line__parse(line, len, l) || ngx_log_line__cause(l) == CAUSE_NONE) {
		free(l);
		return;
	}
	/* nginx wrote its pid as its own pid namespace numbers it: the host's is the caller's */
	if (!pid)
		pid = l->pid;
	else
		l->pid = pid;
	if (duplicate(c, line, len, pid, kernel, fd, now_ns)) {
		free(l);
		return;
	}
	ngx_log_line__upstream(l, up, sizeof(up));
	if (ngx_log_line__cause(l) == CAUSE_UPSTREAM_CONNECT_TIMEOUT) {
		/* nginx timed out connecting: the socket it closed is the kernel's side of it */
		struct abort_wait *a = abort_find(c, pid, up, now_ns);

		if (a) {
			a->used = 0;
			kernel_hit(c, CAUSE_UPSTREAM_CONNECT_TIMEOUT, pid, &a->ev);
		}
	}
	for (int i = 0; i < NKEYLESS; i++) {
		struct keyless *h = &c->keyless[i];
		struct diagnosis *d;

		if (!h->count || h->pid != pid || h->cause != ngx_log_line__cause(l))
			continue;
		/* the line names the upstream the kernel could not see */
		h->count--;
		d = keyless_settle(c,
				   &(struct keyless){.pid = h->pid,
						     .cause = h->cause,
						     .count = 1,
						     .ts_ns = h->ts_ns,
						     .ev = h->ev},
				   up[0] ? up : "*");
		if (d)
			attach(c, d, line, len);
		free(l);
		return;
	}
	k = key_get(c, pid, up, 1);
	if (!k) {
		free(l);
		return;
	}
	if (k->unmatched && absdiff(now_ns, k->kernel_ns) <= MATCH_NS && k->d) {
		/* the kernel event came first */
		k->unmatched--;
		check_agree(c, k->d->cause, l);
		ledger__set_conn(c->ledger, fifo_pop(&k->fails, NULL), l->conn, line_ns);
		attach(c, k->d, line, len);
		free(l);
		return;
	}
	/* wait for it; keep the newest text, count them all */
	if (!k->waiting)
		k->waiting_ns = now_ns;
	k->waiting++;
	fifo_push(&k->conns, l->conn, line_ns);
	key_drop_line(k);
	k->line = malloc(len ? len : 1);
	if (!k->line) {
		free(l);
		k->waiting--;
		return;
	}
	memcpy(k->line, line, len);
	k->len = len;
	k->parsed = l;
}

void correlator__tick(struct correlator *c, uint64_t now_ns)
{
	for (int i = 0; i < NKEYLESS; i++) {
		struct keyless *h = &c->keyless[i];

		if (h->count && clock__since(now_ns, h->ts_ns) >= HOLD_NS)
			keyless_settle(c, h, h->ev.upstream[0] ? h->ev.upstream : "*");
	}
	for (int i = 0; i < NKEYS; i++) {
		struct key *k = &c->keys[i];

		if (k->used && k->waiting && clock__since(now_ns, k->waiting_ns) >= HOLD_NS)
			log_only(c, k);
	}
	for (int i = 0; i < NOPEN; i++) {
		struct open_connect *o = &c->opens[i];

		/* never closed by nginx within its timeout: the SYN was answered after all */
		if (o->d && now_ns != UINT64_MAX && clock__since(now_ns, o->ts_ns) >= OPEN_NS) {
			o->d->recovered++;
			o->d = NULL;
		}
	}
	for (int i = 0; i < NABORT; i++) {
		struct abort_wait *a = &c->aborts[i];

		/* no line and no 504 followed: the client left, nginx gave up for it */
		if (a->used && now_ns != UINT64_MAX &&
		    clock__since(now_ns, a->ev.ts_ns) >= LEDGER_RECOVER_NS)
			a->used = 0;
	}
	ledger__tick(c->ledger, now_ns, now_ns == UINT64_MAX);
}
