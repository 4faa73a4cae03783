// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <json-c/json.h>
#include <linux/types.h>
#include "cause.h"
#include "ngx502.h"
#include "clock.h"
#include "output.h"
#include "text.h"

#define TEXT_MAX     8192
#define WRAP_DEFAULT 100    /* columns when stdout is no terminal */
#define LABEL_COLS   12	    /* "  evidence: ", "  fix:      " */
#define CMD_SPACE    '\x01' /* a space inside a command while wrapping: never a break */

struct output {
	int json;
	int err;   /* stdout is gone (-EPIPE) or failed (-EIO): see output__error */
	int width; /* human output wraps evidence and fix at this many columns */
	char buf[TEXT_MAX * 4 + 16];
	char wrapped[TEXT_MAX * 8];
};

struct output *output__new(int json)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->json = json;
	o->width = WRAP_DEFAULT;
	if (isatty(STDOUT_FILENO)) {
		struct winsize ws;

		if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 0)
			o->width = ws.ws_col;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o;
}

void output__free(struct output *o)
{
	free(o);
}

/* JSON string from hostile bytes: valid UTF-8 always, nothing dropped. */
static json_object *jstr(struct output *o, const char *s)
{
	if (!s)
		return NULL;
	return json_object_new_string(text__utf8(s, strlen(s), o->buf, sizeof(o->buf)));
}

static json_object *jrecord(const char *type, uint64_t mono_ns)
{
	json_object *j = json_object_new_object();
	char ts[40];

	json_object_object_add(j, "type", json_object_new_string(type));
	json_object_object_add(j, "ts",
			       json_object_new_string(clock__rfc3339(mono_ns, ts, sizeof(ts))));
	return j;
}

static void jprint(json_object *j)
{
	fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	fputc('\n', stdout);
	json_object_put(j);
}

/* For a terminal: control characters and escape sequences made visible. */
static const char *vis(struct output *o, const char *s)
{
	return text__visible(s, strlen(s), o->buf, sizeof(o->buf));
}

/*
 * vis(s) wrapped at the width under its label: a command of d that it quotes is never broken
 * (a pasted command must stay one line), and s is printed unwrapped when it does not fit.
 */
static const char *wrapped(struct output *o, const struct diagnosis *d, const char *s)
{
	char *v = (char *)vis(o, s), *p, *w;
	int i;

	for (i = 0; d && i < d->ncmds; i++)
		for (p = strstr(v, d->cmds[i]); p && d->cmds[i][0]; p = strstr(p + 1, d->cmds[i]))
			for (w = p; w < p + strlen(d->cmds[i]); w++)
				if (*w == ' ')
					*w = CMD_SPACE;
	if (!text__wrap(v, o->width, LABEL_COLS, o->wrapped, sizeof(o->wrapped)))
		snprintf(o->wrapped, sizeof(o->wrapped), "%s", v);
	for (w = o->wrapped; (w = strchr(w, CMD_SPACE));)
		*w = ' ';
	return o->wrapped;
}

static const char *errno_name(int err)
{
	static char buf[16];
	const char *n = strerrorname_np(err);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void output__ready(struct output *o, const struct targets *t, const char *const *probes)
{
	int i, k, n = targets__count(t);

	if (o->json) {
		json_object *j = jrecord("ready", clock__mono_ns()), *arr = json_object_new_array();
		json_object *pr = json_object_new_array();

		for (i = 0; i < n; i++) {
			const struct target_proc *m = targets__get(t, i);
			json_object *tj, *w;

			if (!m->alive || m->role != ROLE_MASTER)
				continue;
			tj = json_object_new_object();
			w = json_object_new_array();
			for (k = 0; k < n; k++) {
				const struct target_proc *p = targets__get(t, k);

				if (p->alive && p->master == m->pid && p->pid != m->pid)
					json_object_array_add(w, json_object_new_int(p->pid));
			}
			json_object_object_add(tj, "master", json_object_new_int(m->pid));
			json_object_object_add(tj, "workers", w);
			json_object_object_add(tj, "container",
					       m->container[0] ? jstr(o, m->container) : NULL);
			json_object_array_add(arr, tj);
		}
		for (i = 0; probes && probes[i]; i++)
			json_object_array_add(pr, jstr(o, probes[i]));
		json_object_object_add(j, "targets", arr);
		json_object_object_add(j, "probes", pr);
		jprint(j);
		return;
	}
	if (!targets__nmasters_alive(t))
		printf("ngx502-trace: no nginx is running; watching for one to start (Ctrl-C to "
		       "stop)\n");
	for (i = 0; i < n; i++) {
		const struct target_proc *m = targets__get(t, i);

		if (!m->alive || m->role != ROLE_MASTER)
			continue;
		printf("ngx502-trace: watching nginx master %d (%s)", m->pid, vis(o, m->exe));
		if (m->container[0])
			printf(" in container %.12s (pid %d there)", vis(o, m->container),
			       m->ns_pid ? m->ns_pid : m->pid);
		printf(", workers");
		for (k = 0; k < n; k++) {
			const struct target_proc *p = targets__get(t, k);

			if (p->alive && p->master == m->pid && p->pid != m->pid)
				printf(" %d", p->pid);
		}
		printf("\n");
	}
	for (i = 0; probes && probes[i]; i++)
		;
	printf("ngx502-trace: %d probes attached; waiting for upstream failures (Ctrl-C to stop)\n",
	       i);
}

/* {"502": n, ...} of the statuses that are not 0; {} when none. */
static json_object *jstatuses(const uint64_t *by_status)
{
	json_object *j = json_object_new_object();
	char k[8];

	for (int i = 0; i < DIAG_STATUS_N; i++) {
		if (!by_status[i])
			continue;
		snprintf(k, sizeof(k), "%d", DIAG_STATUS_MIN + i);
		json_object_object_add(j, k, json_object_new_int64(by_status[i]));
	}
	return j;
}

/* "37 × 502, 2 × 504" (of a - b when b is given): "" when none. */
static const char *statuses_text(const uint64_t *a, const uint64_t *b, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < DIAG_STATUS_N && n < size; i++) {
		uint64_t v = a[i] - (b ? b[i] : 0);

		if (v)
			n += snprintf(buf + n, size - n, "%s%llu \u00d7 %d", n ? ", " : "",
				      (unsigned long long)v, DIAG_STATUS_MIN + i);
	}
	return buf;
}

/*
 * kind (JSON "kind"): "new" the first print, "log" again when its log line
 * arrives, "burst" again while its count grows (and at exit).
 */
/* {"id","name","engine"} of the container d's nginx runs in, NULL (JSON null) for none. */
static json_object *jcontainer(struct output *o, const struct diagnosis *d)
{
	json_object *c;

	if (!d->ct_engine[0])
		return NULL;
	c = json_object_new_object();
	json_object_object_add(c, "id", d->ct_id[0] ? jstr(o, d->ct_id) : NULL);
	json_object_object_add(c, "name", d->ct_name[0] ? jstr(o, d->ct_name) : NULL);
	json_object_object_add(c, "engine", json_object_new_string(d->ct_engine));
	return c;
}

/* {"name","namespace","container"} of its kubernetes pod, NULL when not known to be one. */
static json_object *jpod(struct output *o, const struct diagnosis *d)
{
	json_object *p;

	if (!d->pod_name[0])
		return NULL;
	p = json_object_new_object();
	json_object_object_add(p, "name", jstr(o, d->pod_name));
	json_object_object_add(p, "namespace", jstr(o, d->pod_namespace));
	json_object_object_add(p, "container",
			       d->k8s_container[0] ? jstr(o, d->k8s_container) : NULL);
	return p;
}

/* "docker web1 (dac998b1777b)", "pod default/web-1", for the human header; "" on the host */
static const char *where_text(const struct diagnosis *d, char *buf, size_t size)
{
	char a[sizeof(d->pod_name) * 4], b[sizeof(d->pod_namespace) * 4];

	buf[0] = '\0';
	if (d->pod_name[0])
		snprintf(buf, size, " in pod %s/%s",
			 text__visible(d->pod_namespace, strlen(d->pod_namespace), b, sizeof(b)),
			 text__visible(d->pod_name, strlen(d->pod_name), a, sizeof(a)));
	else if (d->ct_name[0])
		snprintf(buf, size, " in %s %s (%.12s)", d->ct_engine,
			 text__visible(d->ct_name, strlen(d->ct_name), a, sizeof(a)), d->ct_id);
	else if (d->ct_id[0])
		snprintf(buf, size, " in %s %.12s", d->ct_engine, d->ct_id);
	return buf;
}

static void diagnosis_print(struct output *o, const struct diagnosis *d, const char *kind)
{
	char where[1200];
	char ts[40];
	int i;

	if (o->json) {
		json_object *j = jrecord("diagnosis", clock__mono_ns()),
			    *ev = json_object_new_array();
		json_object *cmds;

		json_object_object_add(j, "id", json_object_new_string(d->id));
		json_object_object_add(j, "kind", json_object_new_string(kind));
		json_object_object_add(j, "cause", json_object_new_string(cause__name(d->cause)));
		json_object_object_add(j, "upstream", jstr(o, d->upstream));
		json_object_object_add(j, "nginx_pid", json_object_new_int(d->nginx_pid));
		json_object_object_add(j, "master",
				       d->master ? json_object_new_int(d->master) : NULL);
		json_object_object_add(j, "container", jcontainer(o, d));
		json_object_object_add(j, "pod", jpod(o, d));
		json_object_object_add(j, "errno", d->err ? json_object_new_int(d->err) : NULL);
		json_object_object_add(j, "count", json_object_new_int64(d->count));
		json_object_object_add(
			j, "first_ts",
			json_object_new_string(clock__rfc3339(d->first_ts_ns, ts, sizeof(ts))));
		for (i = 0; i < d->nevidence; i++)
			json_object_array_add(ev, jstr(o, d->evidence[i]));
		json_object_object_add(j, "evidence", ev);
		json_object_object_add(j, "fix", jstr(o, d->fix));
		cmds = json_object_new_array();
		for (i = 0; i < d->ncmds; i++)
			json_object_array_add(cmds, jstr(o, d->cmds[i]));
		json_object_object_add(j, "commands", cmds);
		json_object_object_add(j, "log", d->log ? jstr(o, d->log) : NULL);
		json_object_object_add(j, "source", json_object_new_string(diagnosis__source(d)));
		json_object_object_add(j, "responses", jstatuses(d->responses));
		json_object_object_add(j, "recovered", json_object_new_int64(d->recovered));
		jprint(j);
		return;
	}
	printf("%s %s %s worker %d", clock__hms(d->first_ts_ns, ts, sizeof(ts)),
	       cause__name(d->cause), vis(o, d->upstream), d->nginx_pid);
	if (d->master > 0 && d->master != d->nginx_pid)
		printf(" (master %d)", d->master);
	printf("%s", where_text(d, where, sizeof(where)));
	if (d->err)
		printf(" errno %d (%s)", d->err, errno_name(d->err));
	printf("%s\n", d->log ? " [log line seen]" : "");
	printf("  cause:    %s\n", cause__summary(d->cause));
	for (i = 0; i < d->nevidence; i++)
		printf("  evidence: %s\n", wrapped(o, d, d->evidence[i]));
	if (d->log)
		printf("  log:      %s\n", vis(o, d->log));
	if (diagnosis__responses(d)) {
		char st[256];

		printf("  clients:  %s\n", statuses_text(d->responses, NULL, st, sizeof(st)));
	}
	if (d->recovered)
		printf("  recovered: %llu (nginx retried elsewhere, no client error)\n",
		       (unsigned long long)d->recovered);
	printf("  fix:      %s\n", wrapped(o, d, d->fix));
}

void output__diagnosis(struct output *o, const struct diagnosis *d)
{
	diagnosis_print(o, d, "new");
}

/* What clients got from a diagnosis printed before nginx answered: told once it is known. */
void output__outcome(struct output *o, const struct diagnosis *d)
{
	char ts[40], st[256];

	if (o->json) {
		/* the same diagnosis again, its responses or recovered count now known */
		diagnosis_print(o, d, "burst");
		return;
	}
	clock__hms(clock__mono_ns(), ts, sizeof(ts));
	if (diagnosis__responses(d))
		printf("%s %s %s: clients got %s\n", ts, cause__name(d->cause), vis(o, d->upstream),
		       statuses_text(d->responses, NULL, st, sizeof(st)));
	if (d->recovered && !d->reported_recovered) {
		printf("%s %s %s: recovered: ", ts, cause__name(d->cause), vis(o, d->upstream));
		if (d->recovered_via[0])
			printf("nginx retried on %s, no client error\n", vis(o, d->recovered_via));
		else
			printf("nginx went on without an error response, no client error\n");
	}
}

void output__log_attached(struct output *o, const struct diagnosis *d)
{
	char ts[40];

	if (o->json) {
		/* the contract: the same diagnosis again, now with log and source kernel+log */
		diagnosis_print(o, d, "log");
		return;
	}
	/* people saw the evidence already: the line nginx wrote is what is new */
	/* one vis() a printf: it returns the one shared buffer */
	printf("%s %s %s: nginx logged it\n", clock__hms(clock__mono_ns(), ts, sizeof(ts)),
	       cause__name(d->cause), vis(o, d->upstream));
	printf("  log:      %s\n", vis(o, d->log ? d->log : ""));
}

void output__burst(struct output *o, const struct diagnosis *d, uint64_t delta,
		   unsigned int window_s)
{
	char ts[40];

	if (o->json) {
		/* The same diagnosis with its running count; kind says it is not new. */
		diagnosis_print(o, d, "burst");
		return;
	}
	printf("%s %s %s +%llu in the last %u s (%llu in all)",
	       clock__hms(clock__mono_ns(), ts, sizeof(ts)), cause__name(d->cause),
	       vis(o, d->upstream), (unsigned long long)delta, window_s,
	       (unsigned long long)d->count);
	if (diagnosis__responses_new(d)) {
		char st[256];

		printf(", clients got +%s",
		       statuses_text(d->responses, d->reported_responses, st, sizeof(st)));
	}
	if (d->recovered != d->reported_recovered)
		printf(", +%llu recovered",
		       (unsigned long long)(d->recovered - d->reported_recovered));
	printf("\n");
}

void output__event(struct output *o, const struct event *ev)
{
	char ts[40];

	if (o->json) {
		json_object *j = jrecord("event", ev->ts_ns);

		json_object_object_add(j, "event",
				       json_object_new_string(event__type_name(ev->type)));
		json_object_object_add(j, "pid", json_object_new_int(ev->pid));
		json_object_object_add(j, "tid", json_object_new_int(ev->tid));
		json_object_object_add(j, "errno", ev->err ? json_object_new_int(ev->err) : NULL);
		json_object_object_add(j, "upstream",
				       ev->upstream[0] ? jstr(o, ev->upstream) : NULL);
		json_object_object_add(j, "source",
				       json_object_new_string(event__source_name(ev->source)));
		if (ev->sock)
			json_object_object_add(j, "sock", json_object_new_int64((int64_t)ev->sock));
		if (ev->retrans)
			json_object_object_add(j, "retrans", json_object_new_int(ev->retrans));
		if (ev->duration_ns)
			json_object_object_add(j, "duration_us",
					       json_object_new_int64(ev->duration_ns / 1000));
		if (ev->comm[0])
			json_object_object_add(j, "comm", jstr(o, ev->comm));
		if (ev->type == NGX502_EV_SIGNAL) {
			json_object_object_add(j, "signal", json_object_new_int(ev->sig));
			json_object_object_add(j, "sender_pid",
					       json_object_new_int(ev->sender_pid));
			json_object_object_add(j, "nginx_pid", json_object_new_int(ev->nginx_pid));
		}
		if (ev->type == NGX502_EV_LOG_LINE)
			json_object_object_add(
				j, "line",
				json_object_new_string(text__utf8(ev->line, ev->line_len, o->buf,
								  sizeof(o->buf))));
		jprint(j);
		return;
	}
	printf("%s event %s pid %u", clock__hms(ev->ts_ns, ts, sizeof(ts)),
	       event__type_name(ev->type), ev->pid);
	if (ev->upstream[0])
		printf(" upstream %s", vis(o, ev->upstream));
	if (ev->err)
		printf(" errno %d (%s)", ev->err, errno_name(ev->err));
	if (ev->retrans)
		printf(" retrans %d", ev->retrans);
	if (ev->comm[0])
		printf(" comm %s", vis(o, ev->comm));
	printf(" via %s\n", event__source_name(ev->source));
}

void output__warning(struct output *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->json) {
		json_object *j = jrecord("warning", clock__mono_ns());

		json_object_object_add(j, "message", jstr(o, msg));
		jprint(j);
		return;
	}
	fprintf(stderr, "ngx502-trace: warning: %s\n", vis(o, msg));
}

int output__error(struct output *o)
{
	struct pollfd p = {.fd = STDOUT_FILENO};

	if (o->err)
		return o->err;
	/*
	 * The reader may be gone before we write again: a pipe whose reader exited
	 * polls POLLERR, a socket or terminal that hung up POLLHUP.
	 */
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)))
		o->err = -EPIPE;
	else if (ferror(stdout))
		o->err = -EIO;
	return o->err;
}

/* Diagnoses that --cause/--upstream let through. */
static int shown(struct diag_table *t)
{
	int i, k = 0;

	for (i = 0; i < diag_table__count(t); i++)
		k += !diag_table__get(t, i)->filtered;
	return k;
}

/* "N × 502, N × 504 sent: all explained" / "...: M unexplained"; the disagreements. */
static void summary_responses(FILE *f, const struct diag_totals *tot)
{
	uint64_t unexplained = 0;
	char st[512];

	for (int i = 0; i < DIAG_STATUS_N; i++)
		unexplained += tot->unexplained[i];
	if (statuses_text(tot->responses, NULL, st, sizeof(st))[0])
		fprintf(f, "  %s sent: %s", st, unexplained ? "" : "all explained\n");
	else
		fprintf(f, "  no error responses sent by nginx%s", unexplained ? ": " : "\n");
	if (unexplained)
		fprintf(f, "%llu unexplained (%s)\n", (unsigned long long)unexplained,
			statuses_text(tot->unexplained, NULL, st, sizeof(st)));
	if (tot->disagreements)
		fprintf(f,
			"  %llu requests where the kernel and nginx's log named different "
			"causes\n",
			(unsigned long long)tot->disagreements);
}

/* stdout is gone: the counts go where the person who started the tool still looks. */
/* The human summary, on stdout, or on stderr once stdout is gone. */
static void summary_human(struct output *o, FILE *f, struct diag_table *t,
			  const struct output_totals *tot)
{
	int i, n = diag_table__count(t);

	fprintf(f, "%sngx502-trace summary: %llu kernel events, %llu lost\n",
		f == stdout ? "\n" : "", (unsigned long long)tot->events,
		(unsigned long long)tot->lost);
	if (!shown(t))
		fprintf(f, "  no upstream failures seen\n");
	for (i = 0; i < n; i++) {
		const struct diagnosis *d = diag_table__get(t, i);

		if (d->filtered)
			continue;
		fprintf(f, "  %8llu  %-28s %s", (unsigned long long)d->count, cause__name(d->cause),
			vis(o, d->upstream));
		if (diagnosis__responses(d)) {
			char st[256];

			fprintf(f, "  clients got %s",
				statuses_text(d->responses, NULL, st, sizeof(st)));
		}
		if (d->recovered)
			fprintf(f, "  %llu recovered", (unsigned long long)d->recovered);
		fprintf(f, "\n");
	}
	summary_responses(f, diag_table__totals(t));
	if (tot->conns_full)
		fprintf(f,
			"  %llu upstream connections were not followed: the kernel's connection "
			"state could not be created\n",
			(unsigned long long)tot->conns_full);
	if (tot->diag_dropped)
		fprintf(f,
			"  %llu failures were not shown: %d distinct diagnoses is the most kept\n",
			(unsigned long long)tot->diag_dropped, DIAG_MAX);
}

void output__summary(struct output *o, struct diag_table *t, const struct output_totals *tot)
{
	int i, n = diag_table__count(t);

	if (output__error(o)) {
		summary_human(o, stderr, t, tot);
		return;
	}
	if (!o->json) {
		summary_human(o, stdout, t, tot);
		return;
	}
	json_object *j = jrecord("summary", clock__mono_ns()), *arr = json_object_new_array();

	for (i = 0; i < n; i++) {
		const struct diagnosis *d = diag_table__get(t, i);
		json_object *dj;

		if (d->filtered)
			continue;
		dj = json_object_new_object();
		json_object_object_add(dj, "id", json_object_new_string(d->id));

		json_object_object_add(dj, "cause", json_object_new_string(cause__name(d->cause)));
		json_object_object_add(dj, "upstream", jstr(o, d->upstream));
		json_object_object_add(dj, "count", json_object_new_int64(d->count));
		json_object_object_add(dj, "responses", jstatuses(d->responses));
		json_object_object_add(dj, "recovered", json_object_new_int64(d->recovered));
		json_object_array_add(arr, dj);
	}
	json_object_object_add(j, "diagnoses", arr);
	json_object_object_add(j, "events", json_object_new_int64(tot->events));
	json_object_object_add(j, "lost", json_object_new_int64(tot->lost));
	json_object_object_add(j, "conns_full", json_object_new_int64(tot->conns_full));
	json_object_object_add(j, "diagnoses_dropped", json_object_new_int64(tot->diag_dropped));
	json_object_object_add(j, "responses", jstatuses(diag_table__totals(t)->responses));
	json_object_object_add(j, "unexplained", jstatuses(diag_table__totals(t)->unexplained));
	json_object_object_add(j, "disagreements",
			       json_object_new_int64(diag_table__totals(t)->disagreements));
	jprint(j);
}
