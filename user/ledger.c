// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Failures in a ring, oldest first, by id (a sequence number; the slot is
 * id % LEDGER_MAX). Responses in a second ring. The request numbers of the
 * failures are indexed by an open-addressed table of (pid, conn) -> newest
 * and first id, each failure linking to the ones before and after it of
 * that number; an entry whose failure left the ring is stale and ignored.
 * A keep-alive client connection makes long chains (thousands of requests
 * while a response is held), so a response remembers where the chain stood
 * when it came and looks only around that point.
 *
 * A response is ordered against the lines of its request number, not the
 * failures: nginx writes a request's line and then makes its response in
 * the same worker thread, so the kernel times of the two (line_ns) are in
 * the worker's own order, whatever the order the per-CPU buffers hand them
 * over in. Which of two concurrent failures of one (worker, upstream) a line
 * was matched to does not matter then: they share the diagnosis.
 */
#include <stdlib.h>
#include <string.h>
#include "ledger.h"

#define LEDGER_MAX    131072 /* failures waiting for their request's end: 3 s at 40k a second */
#define RESP_MAX      32768  /* responses held: 0.5 s at 60k a second */
#define IDX_MAX	      262144
#define IDX_PROBE     8
#define FALLBACK_SCAN 4096 /* failures looked at, newest first, for a response without a line */
#define CHAIN_BACK    64   /* failures of one number looked at before where a response came */
#define CHAIN_AHEAD   1024 /* and after it, */
/*
 * up to this much later than r: records come in time order (user/reorder.h),
 * so a line indexed after r came is later than r but for the few whose
 * failure came after the line (then the line waited for it, microseconds).
 * A keep-alive connection failing thousands of times a second makes the
 * chain after r long: walking all of it cost most of the reader's time.
 */
#define CHAIN_AHEAD_NS (20 * 1000000ull)

enum { L_WAIT = 1, L_DONE };

struct lentry {
	uint64_t ts_ns;
	uint64_t line_ns; /* kernel time of its line, 0 unknown (read from a file: ts_ns) */
	uint64_t conn;
	uint64_t prev;		/* id of the failure before it of the same number, 0 none */
	uint64_t after;		/* id of the failure after it of the same number, 0 none */
	struct diagnosis *d;	/* where it is counted */
	struct diagnosis *next; /* the failure nginx went on to, for the same request */
	int pid;
	int state;
};

struct lidx {
	uint64_t conn;
	uint64_t id;	/* the newest failure of (pid, conn) */
	uint64_t first; /* the oldest of its chain */
	int pid;
};

struct ledger {
	struct diag_table *t;
	ledger_settle_fn settle;
	void *ctx;
	uint64_t head, tail; /* live ids: (tail, head] */
	uint64_t rhead, rtail;
	struct lentry e[LEDGER_MAX];
	struct ledger_response r[RESP_MAX];
	struct lidx idx[IDX_MAX];
};

struct ledger *ledger__new(struct diag_table *t, ledger_settle_fn settle, void *ctx)
{
	struct ledger *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->t = t;
	l->settle = settle;
	l->ctx = ctx;
	return l;
}

void ledger__free(struct ledger *l)
{
	free(l);
}

static struct lentry *entry(struct ledger *l, uint64_t id)
{
	return id && id > l->tail && id <= l->head ? &l->e[id % LEDGER_MAX] : NULL;
}

/* Where a failure stands in its worker's order: its line when the kernel timed it. */
static uint64_t order_ns(const struct lentry *e)
{
	return e->line_ns ? e->line_ns : e->ts_ns;
}

static void recover(struct lentry *e)
{
	e->state = L_DONE;
	e->d->recovered++;
	if (e->next && strcmp(e->next->upstream, e->d->upstream))
		memcpy(e->d->recovered_via, e->next->upstream, sizeof(e->d->recovered_via));
}

static uint64_t idx_hash(int pid, uint64_t conn)
{
	return (conn * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)pid * 0xff51afd7ed558ccdull);
}

/* The newest failure of request (pid, conn), 0 if none is still in the ring; *first the oldest. */
static uint64_t idx_find(struct ledger *l, int pid, uint64_t conn, uint64_t *first)
{
	uint64_t h = idx_hash(pid, conn);
	struct lentry *e;

	for (int i = 0; i < IDX_PROBE; i++) {
		struct lidx *x = &l->idx[(h + i) % IDX_MAX];

		if (x->pid != pid || x->conn != conn)
			continue;
		e = entry(l, x->id);
		if (!e || e->pid != pid || e->conn != conn)
			return 0;
		if (first)
			*first = x->first;
		return x->id;
	}
	return 0;
}

/* Index id under (pid, conn); returns the id it replaces (the request's failure before it). */
static uint64_t idx_put(struct ledger *l, int pid, uint64_t conn, uint64_t id)
{
	uint64_t h = idx_hash(pid, conn), first = id, prev = idx_find(l, pid, conn, &first);
	struct lidx *slot = NULL;

	for (int i = 0; i < IDX_PROBE; i++) {
		struct lidx *x = &l->idx[(h + i) % IDX_MAX];
		struct lentry *e = entry(l, x->id);

		if ((x->pid == pid && x->conn == conn) || !e || e->pid != x->pid ||
		    e->conn != x->conn) {
			slot = x;
			break;
		}
	}
	if (!slot)
		slot = &l->idx[h % IDX_MAX]; /* all taken by live requests: the first one loses */
	*slot = (struct lidx){.conn = conn, .id = id, .first = prev ? first : id, .pid = pid};
	return prev;
}

void ledger__set_conn(struct ledger *l, uint64_t id, uint64_t conn, uint64_t line_ns)
{
	struct lentry *e = entry(l, id), *p;
	uint64_t prev;

	if (!e || e->conn || !conn)
		return;
	e->conn = conn;
	e->line_ns = line_ns;
	prev = idx_put(l, e->pid, conn, id);
	p = entry(l, prev);
	if (!p || prev == id)
		return;
	e->prev = prev;
	p->after = id;
	/* nginx tried another server for the same request: the earlier failure went on to this one
	 */
	if (p->state == L_WAIT)
		p->next = e->d;
}

uint64_t ledger__failure(struct ledger *l, int pid, struct diagnosis *d, uint64_t conn,
			 uint64_t line_ns, uint64_t ts_ns)
{
	struct lentry *e;

	if (!d)
		return 0;
	if (l->head - l->tail >= LEDGER_MAX) {
		/* full: the oldest is judged now */
		e = &l->e[(l->tail + 1) % LEDGER_MAX];
		if (e->state == L_WAIT)
			recover(e);
		l->tail++;
	}
	e = &l->e[++l->head % LEDGER_MAX];
	*e = (struct lentry){.ts_ns = ts_ns, .d = d, .pid = pid, .state = L_WAIT};
	ledger__set_conn(l, l->head, conn, line_ns);
	return l->head;
}

void ledger__response(struct ledger *l, int pid, uint64_t conn, int status, uint64_t ts_ns)
{
	struct diag_totals *tot = diag_table__totals(l->t);

	if (status < DIAG_STATUS_MIN || status >= DIAG_STATUS_MIN + DIAG_STATUS_N)
		return;
	tot->responses[status - DIAG_STATUS_MIN]++;
	if (l->rhead - l->rtail >= RESP_MAX) {
		/* full: the oldest is settled now */
		struct ledger_response old = l->r[l->rtail++ % RESP_MAX];

		l->settle(l->ctx, &old);
	}
	l->r[l->rhead++ % RESP_MAX] =
		(struct ledger_response){.ts_ns = ts_ns,
					 .conn = conn,
					 .from = conn ? idx_find(l, pid, conn, NULL) : 0,
					 .pid = pid,
					 .status = status};
}

static int in_window(uint64_t fail_ns, uint64_t resp_ns)
{
	/* the failure comes first; its time may be a read time a little after the response */
	return fail_ns <= resp_ns + LEDGER_HOLD_NS && fail_ns + LEDGER_TIE_NS >= resp_ns;
}

/* Take e (id i) as *b when its line came before r, and later than *b's. */
static void consider(struct lentry *e, uint64_t i, const struct ledger_response *r,
		     struct lentry **b, uint64_t *id)
{
	if (order_ns(e) <= r->ts_ns && (!*b || order_ns(e) > order_ns(*b))) {
		*b = e;
		*id = i;
	}
}

/*
 * Of the chain of r's number: the failure whose line came last before r. The
 * chain is in the order the lines were read, near the order they were
 * written, so the answer is near where the chain stood when r came
 * (r->from): a little before it (lines of later requests read before r), or
 * a little after (lines read late from another CPU's buffer).
 */
static struct lentry *chain_find(struct ledger *l, const struct ledger_response *r, uint64_t *id)
{
	uint64_t first = 0, head = idx_find(l, r->pid, r->conn, &first), i, ahead;
	struct lentry *from = entry(l, r->from), *b = NULL, *e;
	int n;

	if (from && (from->pid != r->pid || from->conn != r->conn))
		from = NULL;
	if (from) {
		i = r->from;
		ahead = from->after;
	} else if (!r->from) {
		i = 0; /* no chain when r came: it began after r */
		ahead = first;
	} else {
		i = head; /* where r came left the ring: from the newest back */
		ahead = 0;
	}
	for (n = 0, e = entry(l, i); e && n < CHAIN_BACK; n++, e = entry(l, i = e->prev)) {
		consider(e, i, r, &b, id);
		if (b && order_ns(e) + LEDGER_HOLD_NS < order_ns(b))
			break;
	}
	for (n = 0, e = entry(l, i = ahead);
	     e && n < CHAIN_AHEAD && order_ns(e) <= r->ts_ns + CHAIN_AHEAD_NS;
	     n++, e = entry(l, i = e->after))
		consider(e, i, r, &b, id);
	return b;
}

uint64_t ledger__find(struct ledger *l, const struct ledger_response *r, uint64_t *ts_ns,
		      int *exact)
{
	uint64_t id = 0, best = 0, n;
	struct lentry *e, *b = r->conn ? chain_find(l, r, &best) : NULL;

	*exact = 0;
	if (b && b->state == L_WAIT) {
		*ts_ns = b->ts_ns;
		*exact = 1;
		return best;
	}
	/* no line named the request: the worker's latest failure that has none either */
	for (id = l->head, n = 0; id > l->tail && n < FALLBACK_SCAN; id--, n++) {
		e = &l->e[id % LEDGER_MAX];
		if (e->pid == r->pid && e->state == L_WAIT && !e->conn &&
		    in_window(e->ts_ns, r->ts_ns)) {
			*ts_ns = e->ts_ns;
			return id;
		}
	}
	return 0;
}

/* Did failure p's request already try the upstream of one of tried[0..n)? */
static int tried_before(const struct lentry *p, struct diagnosis *const *tried, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(p->d->upstream, tried[i]->upstream))
			return 1;
	return 0;
}

void ledger__tie(struct ledger *l, uint64_t id, const struct ledger_response *r)
{
	struct lentry *e = entry(l, id), *p;
	struct diagnosis *tried[64];
	uint64_t at;
	int n = 0;

	if (!e) {
		ledger__unexplained(l, r);
		return;
	}
	e->d->responses[r->status - DIAG_STATUS_MIN]++;
	e->state = L_DONE;
	at = order_ns(e);
	tried[n++] = e->d;
	/*
	 * The request's earlier failures led to this one: neither recovered nor
	 * what it got. nginx tries each server of a group once per request
	 * (the round robin's "tried" bitmap), so a failure on a server already
	 * met is an earlier request of a keep-alive connection: it stays to be
	 * judged. A later request's failure indexed before this one is skipped.
	 */
	for (p = entry(l, e->prev); p && n < 64; p = entry(l, p->prev)) {
		if (p->state != L_WAIT || tried_before(p, tried, n))
			break;
		if (order_ns(p) > at)
			continue;
		p->state = L_DONE;
		tried[n++] = p->d;
	}
}

void ledger__unexplained(struct ledger *l, const struct ledger_response *r)
{
	diag_table__totals(l->t)->unexplained[r->status - DIAG_STATUS_MIN]++;
}

void ledger__tick(struct ledger *l, uint64_t now_ns, int final)
{
	while (l->rtail < l->rhead) {
		struct ledger_response r = l->r[l->rtail % RESP_MAX];

		if (!final && now_ns - r.ts_ns < LEDGER_HOLD_NS && r.ts_ns <= now_ns)
			break;
		l->rtail++;
		l->settle(l->ctx, &r);
	}
	/* at the stop, a failure that has not waited its time yet is neither: leave it */
	while (!final && l->tail < l->head) {
		struct lentry *e = &l->e[(l->tail + 1) % LEDGER_MAX];

		if (e->state == L_WAIT &&
		    (e->ts_ns > now_ns || now_ns - e->ts_ns < LEDGER_RECOVER_NS))
			break;
		if (e->state == L_WAIT)
			recover(e);
		l->tail++;
	}
}
