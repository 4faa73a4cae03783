// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What clients got (docs/DESIGN.md §4.1): the ledger fed by hand (failures,
 * their lines' request numbers, error responses, in every arrival order),
 * then the correlator fed as the tool feeds it (kernel failures, captured
 * lines, responses) for concurrent and keep-alive requests of one worker,
 * and the cause pairs that are one failure seen from two sides (§4.2).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "unit.h"
#include "ngx502.h"
#include "correlate.h"
#include "ledger.h"
#include "rules.h"

#define US (1000ull)
#define MS (1000000ull)
#define S  (1000000000ull)
#define T0 (1000 * S)

#define W1     2817
#define W2     2818
#define UP_A   "10.0.0.12:8080"
#define UP_B   "10.0.0.13:8080"
#define ST_502 (502 - DIAG_STATUS_MIN)
#define ST_504 (504 - DIAG_STATUS_MIN)

/* ---- the ledger alone, settled as correlate.c settles it (without connect aborts) ---- */

struct lfx {
	struct diag_table *t;
	struct ledger *l;
	struct diagnosis *a, *b; /* two diagnoses, to see which failure a response went to */
};

static void settle(void *ctx, const struct ledger_response *r)
{
	struct lfx *f = ctx;
	uint64_t ts = 0, id;
	int exact;

	id = ledger__find(f->l, r, &ts, &exact);
	if (id)
		ledger__tie(f->l, id, r);
	else
		ledger__unexplained(f->l, r);
}

static struct lfx *lfx_new(void)
{
	struct lfx *f = calloc(1, sizeof(*f));
	int created;

	f->t = diag_table__new();
	f->l = ledger__new(f->t, settle, f);
	f->a = diag_table__hit(f->t, CAUSE_UPSTREAM_REFUSED, UP_A, W1, ECONNREFUSED, T0, &created);
	f->b = diag_table__hit(f->t, CAUSE_UPSTREAM_RESET, UP_B, W1, ECONNRESET, T0, &created);
	CHECK(f->t && f->l && f->a && f->b, "cannot make a ledger");
	return f;
}

static void lfx_free(struct lfx *f)
{
	ledger__free(f->l);
	diag_table__free(f->t);
	free(f);
}

static uint64_t unexplained(struct lfx *f)
{
	return diag_table__totals(f->t)->unexplained[ST_502];
}

/* After every held response is due, and the failures had time to recover. */
static void settle_all(struct lfx *f, uint64_t now)
{
	ledger__tick(f->l, now, 0);
}

UNIT_TEST(response_after_its_line)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 12, T0 + 1 * MS, T0);
	ledger__response(f->l, W1, 12, 502, T0 + 2 * MS);
	/* held: not tied before LEDGER_HOLD_NS */
	ledger__tick(f->l, T0 + 100 * MS, 0);
	CHECK_INT(f->a->responses[ST_502], 0);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 1);
	CHECK_INT(f->a->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	CHECK_INT(diag_table__totals(f->t)->responses[ST_502], 1);
	lfx_free(f);
}

/* The response is read first (another CPU's buffer): it waits for its failure and line. */
UNIT_TEST(response_before_failure_and_line)
{
	struct lfx *f = lfx_new();
	uint64_t id;

	ledger__response(f->l, W1, 12, 502, T0 + 2 * MS);
	ledger__tick(f->l, T0 + 50 * MS, 0);
	id = ledger__failure(f->l, W1, f->a, 0, 0, T0);
	ledger__tick(f->l, T0 + 60 * MS, 0);
	ledger__set_conn(f->l, id, 12, T0 + 1 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 1);
	CHECK_INT(f->a->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/* The failure first, its line after the response was read: still in time. */
UNIT_TEST(response_before_line)
{
	struct lfx *f = lfx_new();
	uint64_t id;

	id = ledger__failure(f->l, W1, f->a, 0, 0, T0);
	ledger__response(f->l, W1, 12, 502, T0 + 2 * MS);
	ledger__set_conn(f->l, id, 12, T0 + 1 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 1);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/*
 * Four requests of one worker in flight at once, their failures counted in
 * one order, their lines (and numbers) in another, their responses in a
 * third: each response goes to the diagnosis of its own request.
 */
UNIT_TEST(concurrent_requests_interleaved)
{
	struct lfx *f = lfx_new();
	uint64_t id[4];

	/* requests *21 and *23 fail on A, *22 and *24 on B */
	id[0] = ledger__failure(f->l, W1, f->a, 0, 0, T0 + 1 * MS);
	id[1] = ledger__failure(f->l, W1, f->b, 0, 0, T0 + 2 * MS);
	id[2] = ledger__failure(f->l, W1, f->a, 0, 0, T0 + 3 * MS);
	id[3] = ledger__failure(f->l, W1, f->b, 0, 0, T0 + 4 * MS);
	ledger__set_conn(f->l, id[3], 24, T0 + 5 * MS);
	ledger__set_conn(f->l, id[0], 21, T0 + 8 * MS);
	ledger__set_conn(f->l, id[2], 23, T0 + 6 * MS);
	ledger__set_conn(f->l, id[1], 22, T0 + 7 * MS);
	ledger__response(f->l, W1, 23, 502, T0 + 9 * MS);
	ledger__response(f->l, W1, 22, 504, T0 + 10 * MS);
	ledger__response(f->l, W1, 24, 502, T0 + 11 * MS);
	ledger__response(f->l, W1, 21, 502, T0 + 12 * MS);
	/* another worker's request of the same number is another request */
	ledger__response(f->l, W2, 21, 502, T0 + 12 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 2);
	CHECK_INT(f->b->responses[ST_502], 1);
	CHECK_INT(f->b->responses[ST_504], 1);
	CHECK_INT(f->a->recovered + f->b->recovered, 0);
	CHECK_INT(unexplained(f), 1);
	lfx_free(f);
}

/*
 * Keep-alive: one client connection (*5) carries request after request. The
 * second request's line is indexed before the first's response is due; each
 * response goes to the failure whose line came last before it.
 */
UNIT_TEST(keepalive_number_reused)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 5, T0 + 1 * MS, T0);
	ledger__response(f->l, W1, 5, 502, T0 + 2 * MS);
	ledger__failure(f->l, W1, f->b, 5, T0 + 4 * MS, T0 + 3 * MS);
	ledger__response(f->l, W1, 5, 504, T0 + 5 * MS);
	ledger__failure(f->l, W1, f->a, 5, T0 + 7 * MS, T0 + 6 * MS);
	ledger__response(f->l, W1, 5, 502, T0 + 8 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 2);
	CHECK_INT(f->b->responses[ST_504], 1);
	CHECK_INT(f->b->responses[ST_502], 0);
	CHECK_INT(f->a->recovered + f->b->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/* Keep-alive, lines indexed in the other order (read from two CPUs' buffers). */
UNIT_TEST(keepalive_lines_out_of_order)
{
	struct lfx *f = lfx_new();
	uint64_t a, b;

	a = ledger__failure(f->l, W1, f->a, 0, 0, T0);
	b = ledger__failure(f->l, W1, f->b, 0, 0, T0 + 3 * MS);
	ledger__set_conn(f->l, b, 5, T0 + 4 * MS);
	ledger__set_conn(f->l, a, 5, T0 + 1 * MS);
	ledger__response(f->l, W1, 5, 504, T0 + 5 * MS);
	ledger__response(f->l, W1, 5, 502, T0 + 2 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 1);
	CHECK_INT(f->b->responses[ST_504], 1);
	CHECK_INT(f->a->recovered + f->b->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/*
 * Keep-alive at load: 2,500 requests a second on one connection, each
 * failing; while a response is held, over a thousand later requests of its
 * number are indexed. Each still goes to its own failure.
 */
UNIT_TEST(keepalive_long_chain)
{
	struct lfx *f = lfx_new();
	uint64_t t = T0, want_a = 0, want_b = 0;

	for (int i = 0; i < 5000; i++, t += 400 * US) {
		struct diagnosis *d = i % 3 ? f->a : f->b;

		ledger__failure(f->l, W1, d, 5, t + 10 * US, t);
		ledger__response(f->l, W1, 5, 502, t + 20 * US);
		if (d == f->a)
			want_a++;
		else
			want_b++;
		if (i % 250 == 0)
			ledger__tick(f->l, t, 0); /* the tool's 100 ms tick */
	}
	settle_all(f, t + 10 * S);
	CHECK_INT(f->a->responses[ST_502], want_a);
	CHECK_INT(f->b->responses[ST_502], want_b);
	CHECK_INT(f->a->recovered + f->b->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/* A keep-alive request that recovered, then one that failed: the 502 is the second one's. */
UNIT_TEST(keepalive_recovered_then_failed)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 5, T0 + 1 * MS, T0);
	ledger__tick(f->l, T0 + 4 * S, 0);
	CHECK_INT(f->a->recovered, 1);
	ledger__failure(f->l, W1, f->b, 5, T0 + 5 * S + 1 * MS, T0 + 5 * S);
	ledger__response(f->l, W1, 5, 502, T0 + 5 * S + 2 * MS);
	settle_all(f, T0 + 20 * S);
	CHECK_INT(f->a->responses[ST_502], 0);
	CHECK_INT(f->b->responses[ST_502], 1);
	CHECK_INT(f->b->recovered, 0);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/* nginx tried A, then B, for one request: the response is B's, A is neither. */
UNIT_TEST(retry_then_error)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 9, T0 + 1 * MS, T0);
	ledger__failure(f->l, W1, f->b, 9, T0 + 3 * MS, T0 + 2 * MS);
	ledger__response(f->l, W1, 9, 502, T0 + 4 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 0);
	CHECK_INT(f->b->responses[ST_502], 1);
	CHECK_INT(f->a->recovered, 0);
	CHECK_INT(f->b->recovered, 0);
	lfx_free(f);
}

/* nginx tried A, then B answered: A is recovered, via B, once 3 s passed. */
UNIT_TEST(recovered_timing)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 9, T0 + 1 * MS, T0);
	ledger__failure(f->l, W1, f->b, 9, T0 + 3 * MS, T0 + 2 * MS);
	ledger__tick(f->l, T0 + LEDGER_RECOVER_NS - 1, 0);
	CHECK_INT(f->a->recovered, 0);
	ledger__tick(f->l, T0 + LEDGER_RECOVER_NS, 0);
	CHECK_INT(f->a->recovered, 1);
	CHECK_STR(f->a->recovered_via, UP_B);
	CHECK_INT(f->b->recovered, 0);
	ledger__tick(f->l, T0 + 2 * MS + LEDGER_RECOVER_NS, 0);
	CHECK_INT(f->b->recovered, 1);
	/* at the stop a failure younger than 3 s is neither */
	ledger__failure(f->l, W1, f->a, 10, T0 + 11 * S, T0 + 10 * S);
	ledger__tick(f->l, UINT64_MAX, 1);
	CHECK_INT(f->a->recovered, 1);
	CHECK_INT(unexplained(f), 0);
	lfx_free(f);
}

/* A response with no failure behind it, and one of a number no line named. */
UNIT_TEST(response_without_failure)
{
	struct lfx *f = lfx_new();

	ledger__response(f->l, W1, 40, 502, T0);
	ledger__response(f->l, W1, 0, 502, T0 + 1 * MS);
	ledger__response(f->l, W1, 41, 499, T0 + 2 * MS); /* not an error nginx made: ignored */
	settle_all(f, T0 + 10 * S);
	CHECK_INT(unexplained(f), 2);
	CHECK_INT(diag_table__totals(f->t)->responses[ST_502], 2);
	lfx_free(f);
}

/* error_log at crit: no line, no number; the worker's latest failure within 2 s. */
UNIT_TEST(crit_level_fallback)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 0, 0, T0);
	ledger__failure(f->l, W2, f->b, 0, 0, T0 + 1 * MS); /* another worker's */
	ledger__response(f->l, W1, 30, 502, T0 + 2 * MS);
	ledger__tick(f->l, T0 + 2 * MS + LEDGER_HOLD_NS, 0);
	CHECK_INT(f->a->responses[ST_502], 1);
	/* too old for the fallback */
	ledger__failure(f->l, W1, f->b, 0, 0, T0 + 3 * MS);
	ledger__response(f->l, W1, 31, 502, T0 + 3 * MS + LEDGER_TIE_NS + 1);
	ledger__tick(f->l, UINT64_MAX, 1);
	CHECK_INT(f->b->responses[ST_502], 0);
	CHECK_INT(unexplained(f), 1);
	lfx_free(f);
}

/* A failure with a line is its request's: a response of another number does not take it. */
UNIT_TEST(fallback_skips_failures_with_a_line)
{
	struct lfx *f = lfx_new();

	ledger__failure(f->l, W1, f->a, 7, T0 + 1 * MS, T0);
	ledger__response(f->l, W1, 8, 502, T0 + 2 * MS);
	settle_all(f, T0 + 10 * S);
	CHECK_INT(f->a->responses[ST_502], 0);
	CHECK_INT(f->a->recovered, 1);
	CHECK_INT(unexplained(f), 1);
	lfx_free(f);
}

/* ---- through the correlator: kernel failures, captured lines, responses ---- */

struct cfx {
	struct diag_table *t;
	struct correlator *c;
};

static int sees_responses(void *ctx, int pid)
{
	(void)ctx;
	(void)pid;
	return 1;
}

static struct cfx *cfx_new(void)
{
	struct cfx *f = calloc(1, sizeof(*f));

	f->t = diag_table__new();
	f->c = correlator__new(f->t, &(struct correlator_ops){.sees_responses = sees_responses});
	CHECK(f->t && f->c, "cannot make a correlator");
	return f;
}

static void cfx_free(struct cfx *f)
{
	correlator__free(f->c);
	diag_table__free(f->t);
	free(f);
}

static void refused(struct cfx *f, int pid, const char *up, uint64_t ts)
{
	struct event ev = {
		.type = NGX502_EV_TCP_CONNECT_ERR,
		.source = NGX502_SRC_SOCK_TP,
		.ts_ns = ts,
		.pid = pid,
		.tid = pid,
		.err = ECONNREFUSED,
		.family = AF_INET,
		.port = 8080,
	};

	snprintf(ev.upstream, sizeof(ev.upstream), "%s", up);
	correlator__kernel(f->c, rules__cause_of(&ev), pid, &ev);
}

/* The line nginx writes for request *conn, as the kernel captures it (pid, kernel time). */
/* The kernel's copy of the line written to fd (2: nginx's error log). */
static void line_fd(struct cfx *f, int pid, int conn, const char *up, int fd, uint64_t ts)
{
	char s[1024];
	int n = snprintf(s, sizeof(s),
			 "2025/03/14 10:22:31 [error] %d#%d: *%d connect() failed (111: "
			 "Connection refused) while connecting to upstream, client: 203.0.113.7, "
			 "server: api.example.com, request: \"GET /bad HTTP/1.1\", upstream: "
			 "\"http://%s/bad\", host: \"api.example.com\"\n",
			 pid, pid, conn, up);

	correlator__log(f->c, s, (size_t)n, pid, fd, ts);
}

static void line(struct cfx *f, int pid, int conn, const char *up, uint64_t ts)
{
	line_fd(f, pid, conn, up, 2, ts);
}

static uint64_t resp(struct cfx *f, const char *up)
{
	struct diagnosis *d = diag_table__find(f->t, CAUSE_UPSTREAM_REFUSED, up);

	return d ? d->responses[ST_502] : 0;
}

static uint64_t recovered(struct cfx *f, const char *up)
{
	struct diagnosis *d = diag_table__find(f->t, CAUSE_UPSTREAM_REFUSED, up);

	return d ? d->recovered : 0;
}

/*
 * Two requests of one worker fail on one upstream; the kernel's records are
 * read in the other order (two CPUs' buffers) than the lines, so the lines
 * are matched to each other's failure. Request *11 ended before *12 failed:
 * its response must still find its failure (this was issue #14's 18%).
 */
UNIT_TEST(correlator_failures_read_out_of_order)
{
	struct cfx *f = cfx_new();

	refused(f, W1, UP_A, T0 + 3 * MS); /* *12's, read first */
	refused(f, W1, UP_A, T0);	   /* *11's */
	line(f, W1, 11, UP_A, T0 + 1 * MS);
	line(f, W1, 12, UP_A, T0 + 4 * MS);
	correlator__response(f->c, W1, 11, 502, T0 + 2 * MS);
	correlator__response(f->c, W1, 12, 502, T0 + 5 * MS);
	correlator__tick(f->c, T0 + 10 * S);
	CHECK_INT(resp(f, UP_A), 2);
	CHECK_INT(recovered(f, UP_A), 0);
	CHECK_INT(diag_table__totals(f->t)->unexplained[ST_502], 0);
	correlator__tick(f->c, UINT64_MAX);
	cfx_free(f);
}

/* The same, lines before the kernel's records, responses before both. */
UNIT_TEST(correlator_lines_first_responses_first)
{
	struct cfx *f = cfx_new();

	correlator__response(f->c, W1, 12, 502, T0 + 5 * MS);
	correlator__response(f->c, W1, 11, 502, T0 + 2 * MS);
	line(f, W1, 12, UP_A, T0 + 4 * MS);
	line(f, W1, 11, UP_A, T0 + 1 * MS);
	refused(f, W1, UP_A, T0);
	refused(f, W1, UP_A, T0 + 3 * MS);
	correlator__tick(f->c, T0 + 10 * S);
	CHECK_INT(resp(f, UP_A), 2);
	CHECK_INT(recovered(f, UP_A), 0);
	CHECK_INT(diag_table__totals(f->t)->unexplained[ST_502], 0);
	correlator__tick(f->c, UINT64_MAX);
	cfx_free(f);
}

/*
 * Load: four keep-alive client connections of one worker (*1..*4), 200
 * rounds of one request each, served in another order each round. *1 and
 * *2 go to A, where every other request recovers (no response), *3 and *4
 * fail on B. The kernel's records of a round are read last first, the lines
 * in order, the responses odd ones first.
 */
UNIT_TEST(correlator_keepalive_load)
{
	struct cfx *f = cfx_new();
	uint64_t t = T0, want_a = 0, want_b = 0, want_rec = 0;
	unsigned int seed = 7;

	for (int round = 0; round < 200; round++) {
		struct {
			int conn, fail, on_b;
			const char *up;
			uint64_t kt, lt, rt;
		} q[4];

		for (int i = 0; i < 4; i++) {
			q[i].conn =
				1 +
				(i + round) % 4; /* nginx serves them in another order each round */
			q[i].on_b = q[i].conn >= 3;
			q[i].up = q[i].on_b ? UP_B : UP_A;
			q[i].fail = q[i].on_b || (rand_r(&seed) & 1);
			q[i].kt = t + (uint64_t)i * 10 * US;
			q[i].lt = t + 100 * US + (uint64_t)i * 10 * US;
			q[i].rt = t + 200 * US + (uint64_t)i * 10 * US;
			if (!q[i].fail)
				want_rec++;
			else if (!q[i].on_b)
				want_a++;
			else
				want_b++;
		}
		/* kernel records of the round read last first, lines in order, responses odd first
		 */
		for (int i = 3; i >= 0; i--)
			refused(f, W1, q[i].up, q[i].kt);
		for (int i = 0; i < 4; i++)
			line(f, W1, q[i].conn, q[i].up, q[i].lt);
		for (int i = 1; i < 4; i += 2)
			if (q[i].fail)
				correlator__response(f->c, W1, q[i].conn, 502, q[i].rt);
		for (int i = 0; i < 4; i += 2)
			if (q[i].fail)
				correlator__response(f->c, W1, q[i].conn, 502, q[i].rt);
		t += 1 * MS;
		correlator__tick(f->c, t);
	}
	correlator__tick(f->c, t + 10 * S);
	CHECK_INT(diag_table__totals(f->t)->unexplained[ST_502], 0);
	CHECK_INT(resp(f, UP_A), want_a);
	CHECK_INT(resp(f, UP_B), want_b);
	CHECK_INT(recovered(f, UP_A) + recovered(f, UP_B), want_rec);
	correlator__tick(f->c, UINT64_MAX);
	cfx_free(f);
}

/*
 * A keep-alive connection's requests that fail alike within one second get
 * byte-identical lines: each is a line of its own. One line written to two
 * logs (two writes of one call) and a file's copy of a captured line are one.
 */
UNIT_TEST(correlator_identical_lines)
{
	struct cfx *f = cfx_new();
	struct diagnosis *d;

	refused(f, W1, UP_A, T0);
	line(f, W1, 5, UP_A, T0 + 1 * MS);
	line_fd(f, W1, 5, UP_A, 9, T0 + 1 * MS + 5 * US); /* its second log */
	correlator__response(f->c, W1, 5, 502, T0 + 2 * MS);
	refused(f, W1, UP_A, T0 + 3 * MS);
	line(f, W1, 5, UP_A, T0 + 3 * MS + 10 * US);
	correlator__response(f->c, W1, 5, 502, T0 + 3 * MS + 15 * US);
	/* under load the next request's line follows within microseconds, on the same fd */
	refused(f, W1, UP_A, T0 + 3 * MS + 20 * US);
	line(f, W1, 5, UP_A, T0 + 3 * MS + 30 * US);
	correlator__response(f->c, W1, 5, 502, T0 + 3 * MS + 40 * US);
	correlator__tick(f->c, T0 + 10 * S);
	correlator__tick(f->c, UINT64_MAX);
	d = diag_table__find(f->t, CAUSE_UPSTREAM_REFUSED, UP_A);
	CHECK(d, "no diagnosis");
	if (d) {
		CHECK_INT(d->count, 3);
		CHECK_INT(d->responses[ST_502], 3);
		CHECK_INT(d->recovered, 0);
		CHECK_STR(diagnosis__source(d), "kernel+log");
	}
	CHECK_INT(diag_table__count(f->t), 1);
	CHECK_INT(diag_table__totals(f->t)->unexplained[ST_502], 0);
	cfx_free(f);
}

/* ---- §4.2: the kernel's cause and the log's, one failure ---- */

UNIT_TEST(same_failure_pairs)
{
	static const enum cause agree[][2] = {
		{CAUSE_BACKEND_KILLED, CAUSE_UPSTREAM_PREMATURE_CLOSE},
		{CAUSE_BACKEND_KILLED, CAUSE_UPSTREAM_RESET},
		{CAUSE_UPSTREAM_RESET, CAUSE_UPSTREAM_PREMATURE_CLOSE},
		{CAUSE_UPSTREAM_PREMATURE_CLOSE, CAUSE_UPSTREAM_RESET},
		{CAUSE_UPSTREAM_RESET, CAUSE_UPSTREAM_SSL_FAILED},
		{CAUSE_UPSTREAM_PREMATURE_CLOSE, CAUSE_UPSTREAM_SSL_FAILED},
		{CAUSE_UPSTREAM_CONNECT_TIMEOUT, CAUSE_UPSTREAM_REFUSED},
		{CAUSE_UPSTREAM_CONNECT_TIMEOUT, CAUSE_UPSTREAM_UNREACHABLE},
		{CAUSE_UPSTREAM_REFUSED, CAUSE_UNKNOWN},
		{CAUSE_UNKNOWN, CAUSE_UPSTREAM_READ_TIMEOUT},
		{CAUSE_UPSTREAM_READ_TIMEOUT, CAUSE_UPSTREAM_READ_TIMEOUT},
	};
	static const enum cause disagree[][2] = {
		{CAUSE_UPSTREAM_REFUSED, CAUSE_UPSTREAM_CONNECT_TIMEOUT},
		{CAUSE_UPSTREAM_PREMATURE_CLOSE, CAUSE_BACKEND_KILLED},
		{CAUSE_UPSTREAM_SSL_FAILED, CAUSE_UPSTREAM_RESET},
		{CAUSE_BACKEND_KILLED, CAUSE_UPSTREAM_SSL_FAILED},
		{CAUSE_UPSTREAM_REFUSED, CAUSE_UPSTREAM_SOCKET_PERMISSION},
		{CAUSE_UPSTREAM_READ_TIMEOUT, CAUSE_UPSTREAM_RESET},
	};

	for (size_t i = 0; i < sizeof(agree) / sizeof(agree[0]); i++)
		CHECK(correlator__same_failure(agree[i][0], agree[i][1]), "%s / %s disagree",
		      cause__name(agree[i][0]), cause__name(agree[i][1]));
	for (size_t i = 0; i < sizeof(disagree) / sizeof(disagree[0]); i++)
		CHECK(!correlator__same_failure(disagree[i][0], disagree[i][1]), "%s / %s agree",
		      cause__name(disagree[i][0]), cause__name(disagree[i][1]));
}

/* Through the correlator: an agreeing pair counts no disagreement, another pair one. */
UNIT_TEST(disagreements_counted)
{
	static const char timeout[] =
		"2025/03/14 10:23:40 [error] 2817#2817: *4 upstream timed out (110: Connection "
		"timed out) while reading response header from upstream, client: 192.0.2.30, "
		"server: a, request: \"GET / HTTP/1.1\", upstream: \"http://" UP_B "/\", host: "
		"\"a\"";
	struct cfx *f = cfx_new();

	refused(f, W1, UP_A, T0);
	line(f, W1, 3, UP_A, T0 + 1 * MS);
	CHECK_INT(diag_table__totals(f->t)->disagreements, 0);
	refused(f, W1, UP_B, T0 + 2 * MS);
	correlator__log(f->c, timeout, sizeof(timeout) - 1, W1, 2, T0 + 3 * MS);
	CHECK_INT(diag_table__totals(f->t)->disagreements, 1);
	correlator__tick(f->c, UINT64_MAX);
	cfx_free(f);
}

int main(void)
{
	return unit_main();
}
