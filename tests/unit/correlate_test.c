// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The correlator fed by hand: kernel failures built as struct event values
 * (their cause from rules.c, as the tool does) and nginx error-log lines
 * written like those of tests/fixtures/nginx-error/, in every arrival
 * order. Each case records the callbacks it gets, in order, and checks
 * them and the diagnosis table against exactly what it fed.
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
#include "rules.h"

#define US   1000ull
#define MS   1000000ull
#define S    1000000000ull
#define T0   (1000 * S) /* CLOCK_MONOTONIC, some time after boot */
#define HOLD (300 * MS) /* correlate.c: a line waits this long for its event */

#define W1	2817 /* two workers of one master */
#define W2	2818
#define UP_TCP	"10.0.0.12:8080"
#define UP_TCP2 "10.0.0.13:8080"
#define UP_FPM	"unix:/run/php/php8.2-fpm.sock"

#define CALLS_MAX 32
#define CALL_LEN  256

struct fx {
	struct diag_table *t;
	struct correlator *c;
	int ncalls; /* every callback, even past CALLS_MAX */
	char calls[CALLS_MAX][CALL_LEN];
	int bad_ev;   /* on_new_kernel with an event naming another upstream */
	int bad_line; /* on_new_log with a line of another cause */
};

static void record(struct fx *f, const char *what, const struct diagnosis *d)
{
	if (f->ncalls < CALLS_MAX)
		snprintf(f->calls[f->ncalls], CALL_LEN, "%s %s %s pid %d", what,
			 cause__name(d->cause), d->upstream, d->nginx_pid);
	f->ncalls++;
}

static void on_new_kernel(void *ctx, struct diagnosis *d, const struct event *ev)
{
	struct fx *f = ctx;

	/* evidence is read from the event: it must name the diagnosis' upstream */
	if (!ev || strcmp(ev->upstream, d->upstream))
		f->bad_ev++;
	record(f, "new_kernel", d);
}

static void on_new_log(void *ctx, struct diagnosis *d, const struct ngx_log_line *l)
{
	struct fx *f = ctx;

	if (!l || ngx_log_line__cause(l) != d->cause || !d->log)
		f->bad_line++;
	record(f, "new_log", d);
}

static void on_log_attached(void *ctx, struct diagnosis *d)
{
	struct fx *f = ctx;

	if (!d->log)
		f->bad_line++;
	record(f, "log_attached", d);
}

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->t = diag_table__new();
	f->c = correlator__new(f->t, &(struct correlator_ops){
					     .on_new_kernel = on_new_kernel,
					     .on_new_log = on_new_log,
					     .on_log_attached = on_log_attached,
					     .ctx = f,
				     });
	CHECK(f->t && f->c, "cannot make a correlator");
	return f;
}

static void fx_free(struct fx *f)
{
	CHECK_INT(f->bad_ev, 0);
	CHECK_INT(f->bad_line, 0);
	correlator__free(f->c);
	diag_table__free(f->t);
	free(f);
}

/* The callbacks so far are exactly want[] (NULL-terminated), in that order. */
static void calls_are(struct fx *f, const char *const *want, int line)
{
	int n = 0, same;

	while (want[n])
		n++;
	same = n == f->ncalls;
	for (int i = 0; same && i < n; i++)
		same = !strcmp(f->calls[i], want[i]);
	CHECK(same, "line %d: other callbacks (%d, want %d):", line, f->ncalls, n);
	if (same)
		return;
	for (int i = 0; i < f->ncalls && i < CALLS_MAX; i++)
		printf("       got  %s\n", f->calls[i]);
	for (int i = 0; i < n; i++)
		printf("       want %s\n", want[i]);
}

#define CALLS(f, ...)                                                                              \
	do {                                                                                       \
		const char *const w_[] = {__VA_ARGS__};                                            \
		calls_are(f, w_, __LINE__);                                                        \
	} while (0)
#define NO_CALLS(f) CALLS(f, NULL)
/* The callbacks of one failure seen by both: the diagnosis, then its line. */
#define KERNEL_THEN_LOG(f, cause, up, pid)                                                         \
	CALLS(f, "new_kernel " cause " " up " pid " pid, "log_attached " cause " " up " pid " pid, \
	      NULL)

/* ---- kernel failures, as event.c decodes them ---- */

static struct event ev_tcp_refused(int pid, const char *up, uint64_t ts)
{
	struct event ev = {
		.type = NGX502_EV_TCP_CONNECT_ERR,
		.source = NGX502_SRC_SOCK_TP,
		.ts_ns = ts,
		.pid = pid,
		.tid = pid,
		.err = ECONNREFUSED,
		.family = AF_INET,
		.addr = {10, 0, 0, 12},
		.port = 8080,
	};

	snprintf(ev.upstream, sizeof(ev.upstream), "%s", up);
	return ev;
}

static struct event ev_fpm_denied(int pid, uint64_t ts)
{
	return (struct event){
		.type = NGX502_EV_CONNECT_ERR,
		.source = NGX502_SRC_UPROBE,
		.ts_ns = ts,
		.pid = pid,
		.tid = pid,
		.err = EACCES,
		.family = AF_UNIX,
		.upstream = UP_FPM,
	};
}

/* socket() failed: nginx had picked no socket yet, the kernel sees no upstream */
static struct event ev_emfile(int pid, uint64_t ts)
{
	return (struct event){
		.type = NGX502_EV_SOCKET_ERR,
		.source = NGX502_SRC_UPROBE,
		.ts_ns = ts,
		.pid = pid,
		.tid = pid,
		.err = EMFILE,
	};
}

/* What the tool does with a decoded failure: its cause from rules.c, then the correlator. */
static void kernel(struct fx *f, struct event ev)
{
	enum cause cause = rules__cause_of(&ev);

	CHECK(cause != CAUSE_NONE, "event type %d is no failure", ev.type);
	correlator__kernel(f->c, cause, ev.pid, &ev);
}

/* ---- nginx error-log lines ---- */

/* each names upstream up, but L_EMFILE_NOUP which names none */
enum line_kind {
	L_REFUSED,
	L_FPM_DENIED,
	L_EMFILE,
	L_EMFILE_NOUP,
	L_READ_TIMEOUT,
	L_NO_LIVE,
	L_CLIENT_CLOSED,
	L_DISABLED, /* [info] and [warn]: no failure */
	L_CONNECT_TIMEOUT,
};

static const char *const templates[] = {
	[L_REFUSED] = "2025/03/14 10:22:31 [error] %d#%d: *%d connect() failed (111: Connection "
		      "refused) while connecting to upstream, client: 203.0.113.7, server: "
		      "api.example.com, request: \"GET /v1/items?page=2 HTTP/1.1\", upstream: "
		      "\"http://%s/v1/items?page=2\", host: \"api.example.com\"",
	[L_FPM_DENIED] = "2025/03/14 10:22:35 [crit] %d#%d: *%d connect() to "
			 "unix:/run/php/php8.2-fpm.sock failed (13: Permission denied) while "
			 "connecting to upstream, client: 198.51.100.25, server: shop.example.com, "
			 "request: \"GET /info.php HTTP/1.1\", upstream: \"fastcgi://%s:\", host: "
			 "\"shop.example.com\"",
	[L_EMFILE] = "2025/03/14 10:22:31 [alert] %d#%d: *%d socket() failed (24: Too many open "
		     "files) while connecting to upstream, client: 203.0.113.7, server: "
		     "api.example.com, request: \"GET /v1/items HTTP/1.1\", upstream: "
		     "\"http://%s/v1/items\", host: \"api.example.com\"",
	[L_EMFILE_NOUP] = "2025/03/14 10:22:31 [alert] %d#%d: *%d socket() failed (24: Too many "
			  "open files) while connecting to upstream, client: 203.0.113.7, server: "
			  "api.example.com, request: \"GET /v1/users HTTP/1.1\", host: "
			  "\"api.example.com\"%s",
	[L_READ_TIMEOUT] = "2025/03/14 10:23:40 [error] %d#%d: *%d upstream timed out (110: "
			   "Connection timed out) while reading response header from upstream, "
			   "client: 192.0.2.30, server: app.example.com, request: \"GET /report "
			   "HTTP/1.1\", upstream: \"http://%s/report\", host: \"app.example.com\"",
	[L_NO_LIVE] = "2025/03/14 10:23:32 [error] %d#%d: *%d no live upstreams while connecting "
		      "to upstream, client: 192.0.2.19, server: app.example.com, request: \"GET "
		      "/api HTTP/1.1\", upstream: \"http://%s/api\", host: \"app.example.com\"",
	[L_CLIENT_CLOSED] = "2025/03/14 10:45:01 [info] %d#%d: *%d client prematurely closed "
			    "connection, so upstream connection is closed too while reading "
			    "response header from upstream, client: 203.0.113.50, server: "
			    "api.example.com, request: \"GET /slow HTTP/1.1\", upstream: "
			    "\"http://%s/slow\", host: \"api.example.com\"",
	[L_CONNECT_TIMEOUT] = "2025/03/14 10:24:40 [error] %d#%d: *%d upstream timed out (110: "
			      "Connection timed out) while connecting to upstream, client: "
			      "192.0.2.31, server: app.example.com, request: \"GET / HTTP/1.1\", "
			      "upstream: \"http://%s/\", host: \"app.example.com\"",
	[L_DISABLED] = "2025/03/14 10:23:33 [warn] %d#%d: *%d upstream server temporarily "
		       "disabled while connecting to upstream, client: 192.0.2.20, server: "
		       "app.example.com, request: \"GET /api HTTP/1.1\", upstream: "
		       "\"http://%s/api\", host: \"app.example.com\"",
};

struct line {
	char s[1024];
	size_t len;
};

/* The line worker pid writes for its connection conn (distinct conns, distinct lines). */
static struct line mkline(enum line_kind kind, int pid, int conn, const char *up)
{
	struct line l;

	l.len = snprintf(l.s, sizeof(l.s), templates[kind], pid, pid, conn,
			 kind == L_EMFILE_NOUP ? "" : up);
	return l;
}

/* Hand the correlator exactly len bytes, so a read past them is caught by ASan. */
static void feed(struct fx *f, const char *s, size_t len, int pid, int fd, uint64_t now)
{
	char *copy = malloc(len ? len : 1);

	memcpy(copy, s, len);
	if (pid)
		correlator__log(f->c, copy, len, pid, fd, now);
	else
		correlator__log_file(f->c, copy, len, 0, now);
	free(copy);
}

/* The kernel's copy of a write() to fd: the bytes, '\n' included, with the host pid. */
static void klog_fd(struct fx *f, struct line l, int pid, int fd, uint64_t ts)
{
	char buf[sizeof(l.s) + 1];

	memcpy(buf, l.s, l.len);
	buf[l.len] = '\n';
	feed(f, buf, l.len + 1, pid, fd, ts);
}

/* ... to the error log (nginx's fd 2 after start-up) */
static void klog(struct fx *f, struct line l, int pid, uint64_t ts)
{
	klog_fd(f, l, pid, 2, ts);
}

/* A followed file's copy: no '\n', pid 0 (taken from the text), read time. */
static void flog(struct fx *f, struct line l, uint64_t now)
{
	feed(f, l.s, l.len, 0, -1, now);
}

/* ---- the diagnosis table ---- */

struct want {
	enum cause cause;
	const char *upstream;
	uint64_t count;
	const char *source;
};

/* The table holds exactly these diagnoses (any order), with these counts. */
static void table_is(struct fx *f, const struct want *w, int n, int line)
{
	int i;

	CHECK(diag_table__count(f->t) == n, "line %d: %d diagnoses, want %d", line,
	      diag_table__count(f->t), n);
	for (i = 0; i < n; i++) {
		struct diagnosis *d = diag_table__find(f->t, w[i].cause, w[i].upstream);

		CHECK(d, "line %d: no diagnosis %s %s", line, cause__name(w[i].cause),
		      w[i].upstream);
		if (!d)
			continue;
		CHECK(d->count == w[i].count, "line %d: %s %s counted %llu, want %llu", line,
		      cause__name(w[i].cause), w[i].upstream, (unsigned long long)d->count,
		      (unsigned long long)w[i].count);
		CHECK(!strcmp(diagnosis__source(d), w[i].source), "line %d: %s %s from %s, want %s",
		      line, cause__name(w[i].cause), w[i].upstream, diagnosis__source(d),
		      w[i].source);
	}
	CHECK_INT(diag_table__overflow(f->t), 0);
}

#define TABLE(f, ...)                                                                              \
	do {                                                                                       \
		const struct want w_[] = {__VA_ARGS__};                                            \
		table_is(f, w_, sizeof(w_) / sizeof(w_[0]), __LINE__);                             \
	} while (0)

static const char *log_of(struct fx *f, enum cause cause, const char *up)
{
	struct diagnosis *d = diag_table__find(f->t, cause, up);

	return d ? d->log : NULL;
}

/* ---- one failure, both orders ---- */

UNIT_TEST(kernel_then_line)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_REFUSED, W1, 1043, UP_TCP);

	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817", NULL);
	klog(f, l, W1, T0 + 20 * US);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	/* the line is attached as nginx wrote it, without the '\n' of write() */
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), l.s);
	correlator__tick(f->c, T0 + 10 * S);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 1, "kernel+log"});
	fx_free(f);
}

/*
 * The line first (read from another CPU's buffer, or the file before the
 * perf buffer): it waits; its kernel event makes the diagnosis and attaches
 * it at once. The same two callbacks as the other order, never new_log.
 */
UNIT_TEST(line_then_kernel)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_FPM_DENIED, W2, 1054, UP_FPM);

	klog(f, l, W2, T0 + 20 * US);
	correlator__tick(f->c, T0 + 20 * US + HOLD - 1);
	NO_CALLS(f);
	kernel(f, ev_fpm_denied(W2, T0));
	KERNEL_THEN_LOG(f, "upstream_socket_permission", UP_FPM, "2818");
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM), l.s);
	correlator__tick(f->c, T0 + 10 * S);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_socket_permission", UP_FPM, "2818");
	TABLE(f, {CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM, 1, "kernel+log"});
	fx_free(f);

	/* the same with the line from a followed file: its pid is read from the text */
	f = fx_new();
	flog(f, mkline(L_REFUSED, W1, 1043, UP_TCP), T0 + 5 * MS);
	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 1, "kernel+log"});
	fx_free(f);
}

/* ---- correlator__tick ---- */

UNIT_TEST(line_alone_becomes_log_only_after_hold)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_READ_TIMEOUT, W1, 1201, UP_TCP);

	flog(f, l, T0);
	correlator__tick(f->c, T0);
	correlator__tick(f->c, T0 + HOLD - 1);
	NO_CALLS(f);
	CHECK_INT(diag_table__count(f->t), 0);
	correlator__tick(f->c, T0 + HOLD);
	CALLS(f, "new_log upstream_read_timeout " UP_TCP " pid 2817", NULL);
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_READ_TIMEOUT, UP_TCP), l.s);
	correlator__tick(f->c, T0 + 10 * S);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_log upstream_read_timeout " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_UPSTREAM_READ_TIMEOUT, UP_TCP, 1, "log"});
	fx_free(f);

	/* at the stop (tick UINT64_MAX) a waiting line decides at once */
	f = fx_new();
	klog(f, mkline(L_NO_LIVE, W2, 1064, "backend"), W2, T0);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_log no_live_upstreams backend pid 2818", NULL);
	TABLE(f, {CAUSE_NO_LIVE_UPSTREAMS, "backend", 1, "log"});
	fx_free(f);
}

UNIT_TEST(kernel_alone_stays_kernel_only)
{
	struct fx *f = fx_new();

	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	correlator__tick(f->c, T0 + HOLD);
	correlator__tick(f->c, T0 + 6 * S);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817", NULL);
	CHECK(!log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), "no line was fed");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 1, "kernel"});
	fx_free(f);
}

/*
 * The windows as designed: a line more than 5 s after the kernel failure is
 * another failure (the kernel's went unlogged); a kernel event after a line
 * already settled from the log alone is counted again.
 */
UNIT_TEST(match_windows)
{
	struct fx *f = fx_new();

	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	flog(f, mkline(L_REFUSED, W1, 1043, UP_TCP), T0 + 5 * S + 1);
	correlator__tick(f->c, T0 + 5 * S + 1 + HOLD);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 2, "kernel+log"});
	fx_free(f);

	f = fx_new();
	flog(f, mkline(L_REFUSED, W1, 1043, UP_TCP), T0);
	correlator__tick(f->c, T0 + HOLD);
	kernel(f, ev_tcp_refused(W1, UP_TCP, T0 + HOLD + 1));
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_log upstream_refused " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 2, "kernel+log"});
	fx_free(f);
}

/*
 * nginx logs a connect timeout at proxy_connect_timeout (60 s by default),
 * the kernel tells its first SYN retransmit after 1 s: the close of that
 * socket (counted already) keeps the failure open for its line.
 */
UNIT_TEST(long_connect_timeout_counts_once)
{
	struct fx *f = fx_new();
	struct event syn = ev_tcp_refused(W1, UP_TCP, T0 + S);

	syn.type = NGX502_EV_SYN_RETRANS;
	syn.err = 0;
	syn.retrans = 1;
	kernel(f, syn);
	syn.ts_ns = T0 + 60 * S;
	correlator__kernel_again(f->c, W1, &syn);
	klog(f, mkline(L_CONNECT_TIMEOUT, W1, 77, UP_TCP), W1, T0 + 60 * S);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_connect_timeout", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_CONNECT_TIMEOUT, UP_TCP, 1, "kernel+log"});
	fx_free(f);
}

/* ---- bursts ---- */

#define BURST 200

UNIT_TEST(burst_kernel_first)
{
	struct fx *f = fx_new();
	int i;

	for (i = 0; i < BURST; i++)
		kernel(f, ev_tcp_refused(W1, UP_TCP, T0 + i * US));
	for (i = 0; i < BURST; i++)
		klog(f, mkline(L_REFUSED, W1, 5000 + i, UP_TCP), W1, T0 + i * US + 20 * US);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST, "kernel+log"});
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST, "kernel+log"});
	/* the newest line is the one shown */
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP),
		  mkline(L_REFUSED, W1, 5000 + BURST - 1, UP_TCP).s);
	fx_free(f);
}

UNIT_TEST(burst_line_first)
{
	struct fx *f = fx_new();
	int i;

	for (i = 0; i < BURST; i++)
		flog(f, mkline(L_FPM_DENIED, W2, 6000 + i, UP_FPM), T0 + i * US);
	correlator__tick(f->c, T0 + HOLD - 1);
	NO_CALLS(f);
	for (i = 0; i < BURST; i++)
		kernel(f, ev_fpm_denied(W2, T0 + i * US));
	TABLE(f, {CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM, BURST, "kernel+log"});
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_socket_permission", UP_FPM, "2818");
	TABLE(f, {CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM, BURST, "kernel+log"});
	fx_free(f);
}

/* Events and lines shuffled as per-CPU buffers hand them over, ticks in between. */
UNIT_TEST(burst_shuffled)
{
	struct fx *f = fx_new();
	int order[2 * BURST], i, j, tmp, nk = 0, nl = 0;
	unsigned int seed = 12345;
	uint64_t now = T0;

	for (i = 0; i < 2 * BURST; i++)
		order[i] = i < BURST; /* 1: a kernel event, 0: a line */
	for (i = 2 * BURST - 1; i > 0; i--) {
		seed = seed * 1103515245 + 12345;
		j = (seed >> 16) % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < 2 * BURST; i++) {
		now += 100 * US;
		if (order[i])
			kernel(f, ev_tcp_refused(W1, UP_TCP, now));
		else
			klog(f, mkline(L_REFUSED, W1, 7000 + nl++, UP_TCP), W1, now);
		nk += order[i];
		if (i % 50 == 49) /* the main loop's 100 ms tick: nothing has waited 300 ms */
			correlator__tick(f->c, now);
	}
	CHECK_INT(nk, BURST);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST, "kernel+log"});
	fx_free(f);
}

/* Some lines have no kernel event: the rest is counted from the log, never doubled. */
UNIT_TEST(burst_some_unseen_by_kernel)
{
	struct fx *f = fx_new();
	int i;

	for (i = 0; i < BURST; i++)
		flog(f, mkline(L_REFUSED, W1, 8000 + i, UP_TCP), T0 + i * US);
	for (i = 0; i < BURST - 3; i++)
		kernel(f, ev_tcp_refused(W1, UP_TCP, T0 + i * US));
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST - 3, "kernel+log"});
	correlator__tick(f->c, T0 + HOLD);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST, "kernel+log"});
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, BURST, "kernel+log"});
	fx_free(f);
}

/* ---- socket() failures: the kernel sees no upstream ---- */

UNIT_TEST(keyless_kernel_first)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_EMFILE, W1, 1001, UP_TCP);

	kernel(f, ev_emfile(W1, T0));
	NO_CALLS(f); /* held until the line names the upstream */
	klog(f, l, W1, T0 + 20 * US);
	KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP, "2817");
	CHECK_STR(log_of(f, CAUSE_FD_EXHAUSTED, UP_TCP), l.s);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP, "2817");
	TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP, 1, "kernel+log"});
	fx_free(f);
}

/* A line that names no upstream either: "*". */
UNIT_TEST(keyless_line_without_upstream)
{
	struct fx *f = fx_new();

	kernel(f, ev_emfile(W1, T0));
	flog(f, mkline(L_EMFILE_NOUP, W1, 1002, NULL), T0 + 5 * MS);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", "*", "2817");
	TABLE(f, {CAUSE_FD_EXHAUSTED, "*", 1, "kernel+log"});
	fx_free(f);
}

UNIT_TEST(keyless_kernel_only)
{
	struct fx *f = fx_new();

	kernel(f, ev_emfile(W1, T0));
	kernel(f, ev_emfile(W1, T0 + MS));
	correlator__tick(f->c, T0 + HOLD - 1);
	NO_CALLS(f);
	correlator__tick(f->c, T0 + HOLD);
	CALLS(f, "new_kernel fd_exhausted * pid 2817", NULL);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_kernel fd_exhausted * pid 2817", NULL);
	TABLE(f, {CAUSE_FD_EXHAUSTED, "*", 2, "kernel"});
	fx_free(f);
}

/* The line first: one failure, named after the line's upstream, as in the other order. */
UNIT_TEST(keyless_line_first)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_EMFILE, W1, 1001, UP_TCP);

	klog(f, l, W1, T0 + 20 * US);
	kernel(f, ev_emfile(W1, T0));
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP, "2817");
	CHECK_STR(log_of(f, CAUSE_FD_EXHAUSTED, UP_TCP), l.s);
	TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP, 1, "kernel+log"});
	fx_free(f);

	f = fx_new();
	flog(f, mkline(L_EMFILE_NOUP, W1, 1002, NULL), T0 + 5 * MS);
	kernel(f, ev_emfile(W1, T0));
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", "*", "2817");
	TABLE(f, {CAUSE_FD_EXHAUSTED, "*", 1, "kernel+log"});
	fx_free(f);
}

UNIT_TEST(keyless_bursts)
{
	struct fx *f = fx_new();
	int i;

	for (i = 0; i < BURST; i++)
		kernel(f, ev_emfile(W1, T0 + i * US));
	for (i = 0; i < BURST; i++)
		klog(f, mkline(L_EMFILE, W1, 9000 + i, UP_TCP), W1, T0 + i * US + 20 * US);
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP, "2817");
	TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP, BURST, "kernel+log"});
	fx_free(f);

	f = fx_new();
	for (i = 0; i < BURST; i++)
		klog(f, mkline(L_EMFILE, W2, 9000 + i, UP_TCP2), W2, T0 + i * US + 20 * US);
	for (i = 0; i < BURST; i++)
		kernel(f, ev_emfile(W2, T0 + i * US));
	correlator__tick(f->c, UINT64_MAX);
	KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP2, "2818");
	TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP2, BURST, "kernel+log"});
	fx_free(f);
}

/* No kernel event at all (probes off): from the log alone, under the line's upstream. */
UNIT_TEST(keyless_log_only)
{
	struct fx *f = fx_new();

	flog(f, mkline(L_EMFILE, W1, 1001, UP_TCP), T0);
	flog(f, mkline(L_EMFILE, W1, 1002, UP_TCP), T0 + MS);
	correlator__tick(f->c, T0 + HOLD);
	CALLS(f, "new_log fd_exhausted " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP, 2, "log"});
	fx_free(f);
}

/* ---- the kernel's copy of a line and the file's copy count once ---- */

enum { K_EV, K_COPY, F_COPY };

static const int dedup_orders[][3] = {
	{K_EV, K_COPY, F_COPY}, {K_EV, F_COPY, K_COPY}, {K_COPY, K_EV, F_COPY},
	{F_COPY, K_EV, K_COPY}, {K_COPY, F_COPY, K_EV}, {F_COPY, K_COPY, K_EV},
};

/* One failure: its kernel event, the kernel's copy and the file's copy in this order. */
static void dedup_order(const int *steps, int tick_after, int keyless)
{
	struct fx *f = fx_new();
	struct line l = mkline(keyless ? L_EMFILE : L_REFUSED, W1, 1043, UP_TCP);
	uint64_t now = T0;

	for (int i = 0; i < 3; i++) {
		now += 2 * MS;
		if (steps[i] == K_EV)
			kernel(f, keyless ? ev_emfile(W1, T0) : ev_tcp_refused(W1, UP_TCP, T0));
		else if (steps[i] == K_COPY)
			klog(f, l, W1, T0 + 20 * US);
		else
			flog(f, l, now);
		if (i == tick_after)
			correlator__tick(f->c, now + HOLD);
	}
	correlator__tick(f->c, UINT64_MAX);
	CHECK(f->ncalls == 2 && diag_table__count(f->t) == 1,
	      "order %d %d %d (tick after %d):", steps[0], steps[1], steps[2], tick_after);
	if (keyless) {
		KERNEL_THEN_LOG(f, "fd_exhausted", UP_TCP, "2817");
		TABLE(f, {CAUSE_FD_EXHAUSTED, UP_TCP, 1, "kernel+log"});
	} else {
		KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
		TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 1, "kernel+log"});
	}
	fx_free(f);
}

UNIT_TEST(dedup_kernel_and_file_copy)
{
	for (int i = 0; i < 6; i++)
		dedup_order(dedup_orders[i], -1, 0);
	/* the event first, a tick between any two of the rest */
	dedup_order(dedup_orders[0], 1, 0);
	dedup_order(dedup_orders[1], 1, 0);
}

/*
 * One text twice in the kernel: nginx's one call writing it to two logs (two
 * fds, microseconds apart) is one line; the same fd again is the next request
 * of a keep-alive connection, however close (thousands a second).
 */
UNIT_TEST(kernel_copies_two_logs_or_two_requests)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_REFUSED, W1, 4242, UP_TCP);

	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	klog_fd(f, l, W1, 2, T0 + 20 * US);
	klog_fd(f, l, W1, 7, T0 + 25 * US); /* error_log /var/log/nginx/error.log + another */
	kernel(f, ev_tcp_refused(W1, UP_TCP, T0 + 40 * US));
	klog_fd(f, l, W1, 2, T0 + 45 * US); /* the next request, 25 us later */
	klog_fd(f, l, W1, 7, T0 + 50 * US);
	correlator__tick(f->c, UINT64_MAX);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 2, "kernel+log"});
	CHECK(diag_table__totals(f->t)->disagreements == 0, "disagreements");
	fx_free(f);
}

/* socket() failures: the copies are matched to the held event (or it to them) once. */
UNIT_TEST(dedup_keyless)
{
	for (int i = 0; i < 6; i++)
		dedup_order(dedup_orders[i], -1, 1);
}

/* No kernel event: one log-only failure, even when the second copy comes after the hold. */
UNIT_TEST(dedup_log_only)
{
	struct fx *f = fx_new();
	struct line l = mkline(L_READ_TIMEOUT, W1, 1201, UP_TCP);

	klog(f, l, W1, T0);
	flog(f, l, T0 + 5 * MS);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_log upstream_read_timeout " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_UPSTREAM_READ_TIMEOUT, UP_TCP, 1, "log"});
	fx_free(f);

	f = fx_new();
	flog(f, l, T0);
	correlator__tick(f->c, T0 + HOLD);
	klog(f, l, W1, T0 + HOLD + 50 * MS);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_log upstream_read_timeout " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_UPSTREAM_READ_TIMEOUT, UP_TCP, 1, "log"});
	fx_free(f);
}

/* ---- several workers and upstreams ---- */

UNIT_TEST(two_workers_two_upstreams)
{
	struct fx *f = fx_new();
	struct line a1 = mkline(L_REFUSED, W1, 101, UP_TCP);
	struct line a2 = mkline(L_REFUSED, W2, 201, UP_TCP);
	struct line b1 = mkline(L_FPM_DENIED, W1, 102, UP_FPM);
	struct line b2 = mkline(L_FPM_DENIED, W2, 202, UP_FPM);
	struct line a1b = mkline(L_REFUSED, W1, 103, UP_TCP);
	uint64_t t = T0;

	kernel(f, ev_tcp_refused(W1, UP_TCP, t += MS)); /* W1/tcp: kernel first */
	klog(f, b2, W2, t += MS);			/* W2/fpm: line first */
	klog(f, a2, W2, t += MS);			/* W2/tcp: W1's event is not its own */
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817", NULL);
	kernel(f, ev_fpm_denied(W1, t += MS)); /* W1/fpm: kernel first */
	kernel(f, ev_fpm_denied(W2, t += MS)); /* takes b2 */
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817",
	      "new_kernel upstream_socket_permission " UP_FPM " pid 2817",
	      "log_attached upstream_socket_permission " UP_FPM " pid 2817", NULL);
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM), b2.s);
	flog(f, a1, t += MS); /* takes W1's tcp event */
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), a1.s);
	kernel(f, ev_tcp_refused(W2, UP_TCP, t += MS)); /* takes a2 */
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), a2.s);
	flog(f, b1, t += MS); /* takes W1's fpm event */
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM), b1.s);
	klog(f, a1b, W1, t += MS); /* W1/tcp again, line first */
	kernel(f, ev_tcp_refused(W1, UP_TCP, t += MS));
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), a1b.s);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817",
	      "new_kernel upstream_socket_permission " UP_FPM " pid 2817",
	      "log_attached upstream_socket_permission " UP_FPM " pid 2817",
	      "log_attached upstream_refused " UP_TCP " pid 2817", NULL);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 3, "kernel+log"},
	      {CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM, 2, "kernel+log"});
	fx_free(f);
}

/* Worker 2818 logs a failure the kernel saw only for 2817: they are two failures. */
UNIT_TEST(line_for_worker_without_event)
{
	struct fx *f = fx_new();
	struct line mine = mkline(L_REFUSED, W1, 1043, UP_TCP);
	struct line other = mkline(L_REFUSED, W2, 2043, UP_TCP);

	kernel(f, ev_tcp_refused(W1, UP_TCP, T0));
	flog(f, other, T0 + 5 * MS);
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817", NULL);
	correlator__tick(f->c, T0 + 5 * MS + HOLD);
	KERNEL_THEN_LOG(f, "upstream_refused", UP_TCP, "2817");
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), other.s);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 2, "kernel+log"});
	/* 2817's own line still finds its event */
	flog(f, mine, T0 + 400 * MS);
	correlator__tick(f->c, UINT64_MAX);
	CHECK_STR(log_of(f, CAUSE_UPSTREAM_REFUSED, UP_TCP), mine.s);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 2, "kernel+log"});
	CHECK_INT(f->ncalls, 2);
	fx_free(f);

	/* a keyless failure of 2817 is not named by a line of 2818 */
	f = fx_new();
	kernel(f, ev_emfile(W1, T0));
	flog(f, mkline(L_EMFILE, W2, 2001, UP_TCP), T0 + 5 * MS);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_kernel fd_exhausted * pid 2817", "new_log fd_exhausted " UP_TCP " pid 2818",
	      NULL);
	TABLE(f, {CAUSE_FD_EXHAUSTED, "*", 1, "kernel"}, {CAUSE_FD_EXHAUSTED, UP_TCP, 1, "log"});
	fx_free(f);
}

/* A mixed feed: the table holds what was fed, per (cause, upstream), nothing else. */
UNIT_TEST(counts_per_cause_and_upstream)
{
	struct fx *f = fx_new();
	struct line junk;
	uint64_t t = T0, t_rt;
	int i;

	for (i = 0; i < 3; i++) { /* refused, W1: kernel then line */
		kernel(f, ev_tcp_refused(W1, UP_TCP, t += MS));
		klog(f, mkline(L_REFUSED, W1, 100 + i, UP_TCP), W1, t += US);
	}
	for (i = 0; i < 2; i++) /* permission, W2: the kernel only */
		kernel(f, ev_fpm_denied(W2, t += MS));
	for (i = 0; i < 2; i++) { /* fd, W2: line, then its event */
		flog(f, mkline(L_EMFILE, W2, 200 + i, UP_TCP2), t += MS);
		kernel(f, ev_emfile(W2, t += US));
	}
	t_rt = t + MS;
	for (i = 0; i < 4; i++) /* read timeouts, W1: the log only */
		flog(f, mkline(L_READ_TIMEOUT, W1, 300 + i, UP_TCP), t += MS);
	flog(f, mkline(L_NO_LIVE, W2, 400, "backend"), t += MS);
	/* not failures: no diagnosis, no callback */
	flog(f, mkline(L_CLIENT_CLOSED, W1, 500, UP_TCP), t += MS);
	klog(f, mkline(L_DISABLED, W2, 501, UP_TCP), W2, t += MS);
	junk.len = snprintf(junk.s, sizeof(junk.s), "nginx: [emerg] unexpected end of file");
	flog(f, junk, t += MS);
	/* the read timeouts waited long enough, the later no live upstreams not yet */
	correlator__tick(f->c, t_rt + HOLD);
	CHECK_INT(diag_table__count(f->t), 4);
	correlator__tick(f->c, t + HOLD);
	correlator__tick(f->c, UINT64_MAX);
	CALLS(f, "new_kernel upstream_refused " UP_TCP " pid 2817",
	      "log_attached upstream_refused " UP_TCP " pid 2817",
	      "new_kernel upstream_socket_permission " UP_FPM " pid 2818",
	      "new_kernel fd_exhausted " UP_TCP2 " pid 2818",
	      "log_attached fd_exhausted " UP_TCP2 " pid 2818",
	      "new_log upstream_read_timeout " UP_TCP " pid 2817",
	      "new_log no_live_upstreams backend pid 2818", NULL);
	TABLE(f, {CAUSE_UPSTREAM_REFUSED, UP_TCP, 3, "kernel+log"},
	      {CAUSE_UPSTREAM_SOCKET_PERMISSION, UP_FPM, 2, "kernel"},
	      {CAUSE_FD_EXHAUSTED, UP_TCP2, 2, "kernel+log"},
	      {CAUSE_UPSTREAM_READ_TIMEOUT, UP_TCP, 4, "log"},
	      {CAUSE_NO_LIVE_UPSTREAMS, "backend", 1, "log"});
	fx_free(f);
}

int main(void)
{
	return unit_main();
}
