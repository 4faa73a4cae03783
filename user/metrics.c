// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cause.h"
#include "diag.h"
#include "metrics.h"

/* A label value: backslash, double quote and newline escaped (the format's only escapes). */
static void label(FILE *f, const char *name, const char *v)
{
	fprintf(f, "%s=\"", name);
	for (; v && *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * name{cause,upstream,container,pod,namespace[,status]}: the container by its
 * engine's name, else its short id; "" on the host.
 */
static void diag_labels(FILE *f, const struct diagnosis *d)
{
	char id[16];

	snprintf(id, sizeof(id), "%.12s", d->ct_id);
	fputc('{', f);
	label(f, "cause", cause__name(d->cause));
	fputc(',', f);
	label(f, "upstream", d->upstream);
	fputc(',', f);
	label(f, "container", d->ct_name[0] ? d->ct_name : id);
	fputc(',', f);
	label(f, "pod", d->pod_name);
	fputc(',', f);
	label(f, "namespace", d->pod_namespace);
}

static int shown(const struct diagnosis *d)
{
	return d && !d->filtered;
}

static void per_diagnosis(FILE *f, const struct metrics_input *in)
{
	int n = in->diags ? diag_table__count(in->diags) : 0, i, s;
	struct diagnosis *d;

	head(f, "ngx502_failures_total", "counter",
	     "Upstream failures of nginx workers, by the cause named and the upstream.");
	for (i = 0; i < n; i++) {
		d = diag_table__get(in->diags, i);
		if (!shown(d))
			continue;
		fputs("ngx502_failures_total", f);
		diag_labels(f, d);
		fprintf(f, "} %llu\n", (unsigned long long)d->count);
	}
	head(f, "ngx502_error_responses_total", "counter",
	     "Error responses nginx sent to clients, tied to the failure behind them.");
	for (i = 0; i < n; i++) {
		d = diag_table__get(in->diags, i);
		if (!shown(d))
			continue;
		for (s = 0; s < DIAG_STATUS_N; s++) {
			char st[8];

			if (!d->responses[s])
				continue;
			snprintf(st, sizeof(st), "%d", DIAG_STATUS_MIN + s);
			fputs("ngx502_error_responses_total", f);
			diag_labels(f, d);
			fputc(',', f);
			label(f, "status", st);
			fprintf(f, "} %llu\n", (unsigned long long)d->responses[s]);
		}
	}
	head(f, "ngx502_recovered_total", "counter",
	     "Failures after which nginx went on (another server) and the client got no error.");
	for (i = 0; i < n; i++) {
		d = diag_table__get(in->diags, i);
		if (!shown(d))
			continue;
		fputs("ngx502_recovered_total", f);
		diag_labels(f, d);
		fprintf(f, "} %llu\n", (unsigned long long)d->recovered);
	}
}

static void by_status(FILE *f, const char *name, const char *help, const uint64_t *v)
{
	head(f, name, "counter", help);
	for (int s = 0; s < DIAG_STATUS_N; s++) {
		if (!v[s])
			continue;
		fprintf(f, "%s{status=\"%d\"} %llu\n", name, DIAG_STATUS_MIN + s,
			(unsigned long long)v[s]);
	}
}

int metrics__render(const struct metrics_input *in, char **text, size_t *len)
{
	struct diag_totals none = {}, *tot = in->diags ? diag_table__totals(in->diags) : &none;
	FILE *f;

	*text = NULL;
	*len = 0;
	f = open_memstream(text, len);
	if (!f)
		return -errno;
	per_diagnosis(f, in);
	by_status(f, "ngx502_responses_total", "Error responses (5xx) nginx made itself.",
		  tot->responses);
	by_status(f, "ngx502_unexplained_responses_total",
		  "Error responses no failure seen by the tool explains.", tot->unexplained);
	head(f, "ngx502_disagreements_total", "counter",
	     "Failures where the kernel's cause and nginx's log line differ.");
	fprintf(f, "ngx502_disagreements_total %llu\n", (unsigned long long)tot->disagreements);
	head(f, "ngx502_diagnoses_dropped_total", "counter",
	     "Failures not counted in a diagnosis: the table of diagnoses was full.");
	fprintf(f, "ngx502_diagnoses_dropped_total %llu\n",
		(unsigned long long)(in->diags ? diag_table__overflow(in->diags) : 0));
	head(f, "ngx502_events_total", "counter", "Records read from the kernel.");
	fprintf(f, "ngx502_events_total %llu\n", (unsigned long long)in->events);
	head(f, "ngx502_events_lost_total", "counter",
	     "Records the kernel could not hand over (perf buffer full).");
	fprintf(f, "ngx502_events_lost_total %llu\n", (unsigned long long)in->lost);
	head(f, "ngx502_conns_full_total", "counter",
	     "Upstream connections the kernel side could not follow (its table was full).");
	fprintf(f, "ngx502_conns_full_total %llu\n", (unsigned long long)in->conns_full);
	head(f, "ngx502_targets", "gauge", "nginx masters traced that are alive.");
	fprintf(f, "ngx502_targets %d\n", in->masters);
	head(f, "ngx502_probe_attached", "gauge", "Kernel probes attached (1), by name.");
	for (const char *const *p = in->probes; p && *p; p++) {
		fputs("ngx502_probe_attached{", f);
		label(f, "probe", *p);
		fputs("} 1\n", f);
	}
	head(f, "ngx502_build_info", "gauge", "The version of ngx502-trace.");
	fputs("ngx502_build_info{", f);
	label(f, "version", in->version ? in->version : "");
	fputs("} 1\n", f);
	if (fclose(f)) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int metrics__write_textfile(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* not through a link someone left at PATH.tmp */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		off += w;
	}
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
