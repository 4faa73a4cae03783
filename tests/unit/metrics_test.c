// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * metrics: the exposition text of a table of diagnoses (every series with
 * its labels and value, label values escaped), and the textfile written
 * whole by rename.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/diag.h"
#include "../../user/metrics.h"

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

UNIT_TEST(diagnoses_responses_and_totals)
{
	struct diag_table *t = diag_table__new();
	const char *probes[] = {"tp_btf/inet_sock_set_state", "uprobe:/usr/sbin/nginx:x", NULL};
	struct diagnosis *d, *e;
	int created;
	char *text;
	size_t len;

	d = diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "127.0.0.1:9000", 4242, 111, 1, &created);
	diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "127.0.0.1:9000", 4242, 111, 2, &created);
	e = diag_table__hit(t, CAUSE_UPSTREAM_SOCKET_PERMISSION, "unix:/run/a\"b\\c.sock", 17, 13,
			    3, &created);
	CHECK(d && e, "hits");
	if (!d || !e)
		return;
	snprintf(d->ct_engine, sizeof(d->ct_engine), "docker");
	snprintf(d->ct_id, sizeof(d->ct_id), "dac998b1777b0123456789abcdef");
	snprintf(e->ct_engine, sizeof(e->ct_engine), "containerd");
	snprintf(e->ct_id, sizeof(e->ct_id), "0123456789abcdef0123");
	snprintf(e->pod_name, sizeof(e->pod_name), "web-1");
	snprintf(e->pod_namespace, sizeof(e->pod_namespace), "shop");
	d->responses[502 - DIAG_STATUS_MIN] = 2;
	d->recovered = 0;
	e->responses[502 - DIAG_STATUS_MIN] = 1;
	e->recovered = 4;
	diag_table__totals(t)->responses[502 - DIAG_STATUS_MIN] = 4;
	diag_table__totals(t)->unexplained[502 - DIAG_STATUS_MIN] = 1;
	CHECK_INT(metrics__render(&(struct metrics_input){.diags = t,
							  .events = 10,
							  .lost = 3,
							  .probes = probes,
							  .masters = 2,
							  .version = "0.1.0"},
				  &text, &len),
		  0);
	CHECK(strlen(text) == len, "len");
	CHECK(has_line(text,
		       "ngx502_failures_total{cause=\"upstream_refused\",upstream=\"127.0.0.1:"
		       "9000\",container=\"dac998b1777b\",pod=\"\",namespace=\"\"} 2"),
	      "refused failures:\n%s", text);
	CHECK(has_line(text,
		       "ngx502_error_responses_total{cause=\"upstream_refused\",upstream="
		       "\"127.0.0.1:9000\",container=\"dac998b1777b\",pod=\"\",namespace=\"\","
		       "status=\"502\"} 2"),
	      "refused 502s");
	/* a label value with a quote and a backslash stays one value */
	CHECK(has_line(text, "ngx502_recovered_total{cause=\"upstream_socket_permission\","
			     "upstream=\"unix:/run/a\\\"b\\\\c.sock\",container=\"0123456789ab\","
			     "pod=\"web-1\",namespace=\"shop\"} 4"),
	      "escaped upstream");
	CHECK(has_line(text, "ngx502_responses_total{status=\"502\"} 4"), "responses");
	CHECK(has_line(text, "ngx502_unexplained_responses_total{status=\"502\"} 1"),
	      "unexplained");
	CHECK(has_line(text, "ngx502_events_total 10"), "events");
	CHECK(has_line(text, "ngx502_events_lost_total 3"), "lost");
	CHECK(has_line(text, "ngx502_targets 2"), "targets");
	CHECK(has_line(text, "ngx502_probe_attached{probe=\"tp_btf/inet_sock_set_state\"} 1"),
	      "probe");
	CHECK(has_line(text, "ngx502_build_info{version=\"0.1.0\"} 1"), "build info");
	CHECK(has_line(text, "# TYPE ngx502_failures_total counter"), "type line");
	/* a 504 nobody got is no series */
	CHECK(!strstr(text, "status=\"504\""), "no 504 series");
	free(text);
	diag_table__free(t);
}

UNIT_TEST(filtered_diagnosis_left_out)
{
	struct diag_table *t = diag_table__new();
	struct diagnosis *d;
	int created;
	char *text;
	size_t len;

	d = diag_table__hit(t, CAUSE_UPSTREAM_REFUSED, "10.0.0.1:80", 5, 111, 1, &created);
	if (d)
		d->filtered = true;
	CHECK_INT(metrics__render(&(struct metrics_input){.diags = t}, &text, &len), 0);
	CHECK(!strstr(text, "10.0.0.1:80"), "a filtered diagnosis is not exported");
	CHECK(has_line(text, "ngx502_events_total 0"), "totals still there");
	free(text);
	diag_table__free(t);
}

UNIT_TEST(textfile_replaced_whole)
{
	char dir[] = "/tmp/ngx502-metrics.XXXXXX", path[128], tmp[160], buf[64];
	FILE *f;
	size_t n;

	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/ngx502.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK_INT(metrics__write_textfile(path, "a 1\n", 4), 0);
	/* a link left at PATH.tmp is replaced, not followed */
	CHECK(!symlink("/etc/passwd-not-here", tmp), "symlink");
	CHECK_INT(metrics__write_textfile(path, "b 2\n", 4), 0);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK_STR(buf, "b 2\n");
	CHECK(access(tmp, F_OK) && errno == ENOENT, "no .tmp left");
	CHECK(access("/etc/passwd-not-here", F_OK), "the link was not followed");
	snprintf(path, sizeof(path), "%s/missing/ngx502.prom", dir);
	CHECK_INT(metrics__write_textfile(path, "c 3\n", 4), -ENOENT);
	snprintf(path, sizeof(path), "%s/ngx502.prom", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	return unit_main();
}
