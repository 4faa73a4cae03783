// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "diag.h"

struct diag_table {
	int n;
	uint64_t seed; /* the tool's start and pid: ids differ between runs */
	uint64_t overflow;
	struct diag_totals totals;
	struct diagnosis *d[DIAG_MAX];
	uint64_t socks[DIAG_SOCK_RING];
	unsigned int sock_next;
};

struct diag_table *diag_table__new(void)
{
	struct diag_table *t = calloc(1, sizeof(struct diag_table));
	struct timespec now;

	if (!t)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	t->seed = ((uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec) ^ ((uint64_t)getpid() << 40);
	return t;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

/*
 * docs/DESIGN.md §3.2 "id": the same on every line of one diagnosis, another
 * for any other diagnosis of this run or of another run.
 */
static void set_id(const struct diag_table *t, struct diagnosis *d)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ull, &t->seed, sizeof(t->seed));

	h = fnv1a(h, &d->cause, sizeof(d->cause));
	h = fnv1a(h, d->upstream, strlen(d->upstream));
	h = fnv1a(h, &d->first_ts_ns, sizeof(d->first_ts_ns));
	snprintf(d->id, sizeof(d->id), "%016llx", (unsigned long long)h);
}

void diag_table__free(struct diag_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		free(t->d[i]->log);
		free(t->d[i]);
	}
	free(t);
}

struct diagnosis *diag_table__find(struct diag_table *t, enum cause cause, const char *upstream)
{
	for (int i = 0; i < t->n; i++)
		if (t->d[i]->cause == cause && !strcmp(t->d[i]->upstream, upstream))
			return t->d[i];
	return NULL;
}

struct diagnosis *diag_table__hit(struct diag_table *t, enum cause cause, const char *upstream,
				  int pid, int err, uint64_t ts_ns, int *created)
{
	struct diagnosis *d = diag_table__find(t, cause, upstream ? upstream : "");

	*created = 0;
	if (!d) {
		if (t->n >= DIAG_MAX) {
			t->overflow++;
			return NULL;
		}
		d = calloc(1, sizeof(*d));
		if (!d) {
			t->overflow++;
			return NULL;
		}
		d->cause = cause;
		snprintf(d->upstream, sizeof(d->upstream), "%s", upstream ? upstream : "");
		d->nginx_pid = pid;
		d->err = err;
		d->first_ts_ns = ts_ns;
		set_id(t, d);
		t->d[t->n++] = d;
		*created = 1;
	}
	d->count++;
	if (ts_ns > d->last_ts_ns)
		d->last_ts_ns = ts_ns;
	return d;
}

int diag_table__count(const struct diag_table *t)
{
	return t->n;
}

struct diagnosis *diag_table__get(struct diag_table *t, int i)
{
	return i >= 0 && i < t->n ? t->d[i] : NULL;
}

uint64_t diag_table__overflow(const struct diag_table *t)
{
	return t->overflow;
}

struct diag_totals *diag_table__totals(struct diag_table *t)
{
	return &t->totals;
}

uint64_t diagnosis__responses(const struct diagnosis *d)
{
	uint64_t n = 0;

	for (int i = 0; i < DIAG_STATUS_N; i++)
		n += d->responses[i];
	return n;
}

uint64_t diagnosis__responses_new(const struct diagnosis *d)
{
	uint64_t n = 0;

	for (int i = 0; i < DIAG_STATUS_N; i++)
		n += d->responses[i] - d->reported_responses[i];
	return n;
}

int diag_table__sock_seen(struct diag_table *t, uint64_t sock)
{
	for (int i = 0; i < DIAG_SOCK_RING; i++)
		if (t->socks[i] == sock)
			return 1;
	t->socks[t->sock_next++ % DIAG_SOCK_RING] = sock;
	return 0;
}

void diagnosis__evidence(struct diagnosis *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nevidence >= DIAG_EVIDENCE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(d->evidence[d->nevidence++], DIAG_TEXT_MAX, fmt, ap);
	va_end(ap);
}

const char *diagnosis__command(struct diagnosis *d, const char *fmt, ...)
{
	char buf[DIAG_CMD_MAX];
	va_list ap;
	int i, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* a cut command would be another command: name none instead */
	if (n < 0 || (size_t)n >= sizeof(buf))
		return "(a command too long to print)";
	if (!n)
		return "";
	for (i = 0; i < d->ncmds; i++)
		if (!strcmp(d->cmds[i], buf))
			return d->cmds[i];
	if (d->ncmds >= DIAG_CMDS_MAX)
		return "(more commands than can be printed)";
	memcpy(d->cmds[d->ncmds], buf, n + 1);
	return d->cmds[d->ncmds++];
}

void diagnosis__sync_commands(struct diagnosis *d)
{
	long pos[DIAG_CMDS_MAX];
	char tmp[DIAG_CMD_MAX];
	int i, j, n = 0;

	for (i = 0; i < d->ncmds; i++) {
		const char *at = strstr(d->fix, d->cmds[i]);

		if (!at)
			continue;
		if (n != i)
			memcpy(d->cmds[n], d->cmds[i], sizeof(d->cmds[n]));
		pos[n++] = at - d->fix;
	}
	d->ncmds = n;
	/* a handful of entries: insertion sort by where the text names them */
	for (i = 1; i < n; i++) {
		long p = pos[i];

		memcpy(tmp, d->cmds[i], sizeof(tmp));
		for (j = i; j > 0 && pos[j - 1] > p; j--) {
			memcpy(d->cmds[j], d->cmds[j - 1], sizeof(tmp));
			pos[j] = pos[j - 1];
		}
		memcpy(d->cmds[j], tmp, sizeof(tmp));
		pos[j] = p;
	}
}

void diagnosis__set_log(struct diagnosis *d, const char *line, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return;
	memcpy(s, line, len);
	s[len] = '\0';
	free(d->log);
	d->log = s;
	d->from_log = 1;
}

const char *diagnosis__source(const struct diagnosis *d)
{
	if (d->from_kernel && d->from_log)
		return "kernel+log";
	return d->from_log ? "log" : "kernel";
}
