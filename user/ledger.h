/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What clients got: each failure waits here to learn whether its request
 * ended in an error response nginx made (ngx_http_special_response_handler,
 * bpf/nginx.bpf.c) or not. A response is tied to the failure of the same
 * request, (worker pid, "*N" from the failure's log line, ordered by the
 * line's kernel time against the response's), else to the most
 * recent failure of that worker that has no line and no response yet. A
 * failure that no error response follows within LEDGER_RECOVER_NS is
 * recovered: nginx went on to another server and the client got no error
 * (docs/DESIGN.md §4.1). Responses are held LEDGER_HOLD_NS first, as the
 * failure may be read later from another CPU's buffer.
 */
#ifndef __LEDGER_H
#define __LEDGER_H

#include <stdint.h>
#include "diag.h"

#define LEDGER_HOLD_NS	  (500 * 1000000ull)  /* a response waits this long for its failure */
#define LEDGER_TIE_NS	  (2 * 1000000000ull) /* without a line: a failure this recent */
#define LEDGER_RECOVER_NS (3 * 1000000000ull) /* no error response after this: recovered */

struct ledger;

/* A held response, handed back when due: the caller ties it (ledger__find, ledger__tie). */
struct ledger_response {
	uint64_t ts_ns;
	uint64_t conn; /* "*N", 0 if unknown */
	uint64_t from; /* the newest failure of its request number when it came, 0 none */
	int pid;
	int status;
};

typedef void (*ledger_settle_fn)(void *ctx, const struct ledger_response *r);

struct ledger *ledger__new(struct diag_table *t, ledger_settle_fn settle, void *ctx);
void ledger__free(struct ledger *l);

/*
 * A failure counted in d at ts_ns; conn: its request's number when its line
 * is known, else 0, and line_ns the kernel time of that line (0 when it was
 * read from a file). Its id.
 */
uint64_t ledger__failure(struct ledger *l, int pid, struct diagnosis *d, uint64_t conn,
			 uint64_t line_ns, uint64_t ts_ns);
/* The line of failure id came: the number of its request, and the line's kernel time or 0. */
void ledger__set_conn(struct ledger *l, uint64_t id, uint64_t conn, uint64_t line_ns);
/* An error response of worker pid: counted in the totals, held until due. */
void ledger__response(struct ledger *l, int pid, uint64_t conn, int status, uint64_t ts_ns);
/*
 * The failure behind response r: the one of its request whose line came last
 * before r (line_ns, else the failure's time), else the newest of its worker
 * without a line or a response within LEDGER_TIE_NS. 0 if none;
 * *ts_ns is its time, *exact 1 when its line named the request.
 */
uint64_t ledger__find(struct ledger *l, const struct ledger_response *r, uint64_t *ts_ns,
		      int *exact);
/* Count r on failure id's diagnosis; earlier failures of the same request are settled too. */
void ledger__tie(struct ledger *l, uint64_t id, const struct ledger_response *r);
/* r has no failure behind it. */
void ledger__unexplained(struct ledger *l, const struct ledger_response *r);
/*
 * Hand due responses to settle, then count as recovered the failures that
 * waited LEDGER_RECOVER_NS before now without a response. final: every held
 * response is due (the stop); failures still waiting are left uncounted.
 */
void ledger__tick(struct ledger *l, uint64_t now_ns, int final);

#endif /* __LEDGER_H */
