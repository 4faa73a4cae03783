// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "correlate.h"

#define RING		512		/* recent kernel failures and waiting lines */
#define MATCH_NS	(3 * 1000000000ull)	/* a line follows its failure within this */
#define HOLD_NS		(300 * 1000000ull)	/* how long a line waits for its kernel event */
#define DEDUP		64		/* one line written to two logs is one line */
#define DEDUP_NS	(2 * 1000000000ull)

struct kernel_hit {
	struct diagnosis *d;
	uint64_t ts_ns;
	int pid;
	int matched;
	char upstream[EVENT_UPSTREAM_MAX];
};

struct pending_line {
	int used;
	int pid;
	uint64_t ts_ns;
	char *text;
	size_t len;
	struct ngx_log_line *parsed;
};

struct seen_line {
	uint64_t hash;
	uint64_t ts_ns;
	int pid;
};

struct correlator {
	struct diag_table *t;
	struct correlator_ops ops;
	struct kernel_hit hits[RING];
	unsigned int nhits;
	struct pending_line pending[RING];
	struct seen_line seen[DEDUP];
	unsigned int nseen;
	uint64_t lines, failures;
};

struct correlator *correlator__new(struct diag_table *t, const struct correlator_ops *ops)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->ops = *ops;
	return c;
}

static void pending_drop(struct pending_line *p)
{
	free(p->text);
	free(p->parsed);
	memset(p, 0, sizeof(*p));
}

void correlator__free(struct correlator *c)
{
	if (!c)
		return;
	for (int i = 0; i < RING; i++)
		pending_drop(&c->pending[i]);
	free(c);
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

static int same_upstream(const char *kernel, const char *log)
{
	return kernel[0] && log[0] && !strcmp(kernel, log);
}

void correlator__kernel(struct correlator *c, enum cause cause, int pid, const struct event *ev)
{
	struct kernel_hit *h;
	struct diagnosis *d;
	char up[EVENT_UPSTREAM_MAX];
	int created, i;

	d = diag_table__hit(c->t, cause, ev->upstream, pid, ev->err, ev->ts_ns, &created);
	if (!d)
		return;
	d->from_kernel = 1;
	if (created && c->ops.on_new_kernel)
		c->ops.on_new_kernel(c->ops.ctx, d, ev);

	/* A line that came first waits in pending. */
	for (i = 0; i < RING; i++) {
		struct pending_line *p = &c->pending[i];

		if (!p->used || p->pid != pid)
			continue;
		ngx_log_line__upstream(p->parsed, up, sizeof(up));
		if (!same_upstream(ev->upstream, up))
			continue;
		attach(c, d, p->text, p->len);
		pending_drop(p);
		return;
	}
	h = &c->hits[c->nhits++ % RING];
	h->d = d;
	h->ts_ns = ev->ts_ns;
	h->pid = pid;
	h->matched = 0;
	memcpy(h->upstream, ev->upstream, sizeof(h->upstream));
}

static uint64_t hash_line(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int duplicate(struct correlator *c, const char *line, size_t len, int pid, uint64_t now)
{
	uint64_t h = hash_line(line, len);
	int i;

	for (i = 0; i < DEDUP; i++)
		if (c->seen[i].hash == h && c->seen[i].pid == pid && now - c->seen[i].ts_ns < DEDUP_NS)
			return 1;
	c->seen[c->nseen++ % DEDUP] = (struct seen_line){ h, now, pid };
	return 0;
}

/* A line no kernel event explains: a diagnosis from the log alone. */
static void log_only(struct correlator *c, const struct ngx_log_line *l, const char *text,
		     size_t len, int pid, uint64_t ts)
{
	enum cause cause = ngx_log_line__cause(l);
	char up[EVENT_UPSTREAM_MAX];
	struct diagnosis *d;
	int created;

	ngx_log_line__upstream(l, up, sizeof(up));
	d = diag_table__hit(c->t, cause, up, pid, l->err, ts, &created);
	if (!d)
		return;
	if (len && text[len - 1] == '\n')
		len--;
	if (created) {
		diagnosis__set_log(d, text, len);
		if (c->ops.on_new_log)
			c->ops.on_new_log(c->ops.ctx, d, l);
	} else if (!d->log) {
		attach(c, d, text, len);
	}
}

void correlator__log(struct correlator *c, const char *line, size_t len, int pid, uint64_t now_ns)
{
	struct ngx_log_line *l;
	char up[EVENT_UPSTREAM_MAX];
	int i;

	c->lines++;
	l = malloc(sizeof(*l));
	if (!l)
		return;
	if (ngx_log_line__parse(line, len, l) || ngx_log_line__cause(l) == CAUSE_NONE) {
		free(l);
		return;
	}
	if (!pid)
		pid = l->pid;
	if (duplicate(c, line, len, pid, now_ns)) {
		free(l);
		return;
	}
	c->failures++;
	ngx_log_line__upstream(l, up, sizeof(up));

	/* The kernel event came first: the newest unmatched one of this worker and upstream. */
	for (i = 0; i < RING; i++) {
		struct kernel_hit *h = &c->hits[(c->nhits - 1 - i) % RING];

		if (!h->d || h->matched || h->pid != pid || now_ns - h->ts_ns > MATCH_NS)
			continue;
		if (!same_upstream(h->upstream, up))
			continue;
		h->matched = 1;
		attach(c, h->d, line, len);
		free(l);
		return;
	}
	/* Else wait a little for it; a full queue decides at once. */
	for (i = 0; i < RING; i++) {
		struct pending_line *p = &c->pending[i];

		if (p->used)
			continue;
		p->text = malloc(len ? len : 1);
		if (!p->text)
			break;
		memcpy(p->text, line, len);
		p->len = len;
		p->used = 1;
		p->pid = pid;
		p->ts_ns = now_ns;
		p->parsed = l;
		return;
	}
	log_only(c, l, line, len, pid, now_ns);
	free(l);
}

void correlator__tick(struct correlator *c, uint64_t now_ns)
{
	for (int i = 0; i < RING; i++) {
		struct pending_line *p = &c->pending[i];

		if (!p->used || now_ns - p->ts_ns < HOLD_NS)
			continue;
		log_only(c, p->parsed, p->text, p->len, p->pid, p->ts_ns);
		pending_drop(p);
	}
}

void correlator__counts(const struct correlator *c, uint64_t *lines, uint64_t *failures)
{
	*lines = c->lines;
	*failures = c->failures;
}
