// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fixes for failures of the connect itself, before nginx sent a byte:
 * nothing listens, a policy denies it, no route, no answer to the SYN, no
 * local port or descriptor left. One function per cause, for the kernel
 * and the log-only paths alike.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diag.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "ngxconf.h"
#include "shquote.h"

void fix__refused(struct diagnosis *d, struct fix_ctx *fx, const char *nearby)
{
	char h[FIX_WHERE_MAX], cmd[FIX_CMD_MAX], pw[600], svc[800] = "";

	fix__head(fx, h, sizeof(h));
	if (fx->pool && fx->fpm) {
		fix__pool_where(fx->pool, pw, sizeof(pw));
		diagnosis__evidence(d, "php-fpm %s is configured on %s (%s)", pw, fx->key,
				    fx->fpm->pid ? "its master runs" : "installed, not running");
		fix__write(d, "%s: nothing listens on %s; %s should: %s", h, fx->key, pw,
			   fix__fpm_cmd(d, fx->fpm, "restart", cmd, sizeof(cmd)));
		return;
	}
	if (nearby && nearby[0])
		snprintf(svc, sizeof(svc), ", or point it at %s where something listens", nearby);
	if (fx->ctr_pid > 0) {
		/* 127.0.0.1 there is the container's (or its pod's) own: not the host's services */
		fix__write(
			d,
			"%s: nothing listens on %s in nginx's network namespace (its container "
			"or pod): start what should listen there (%s shows who listens there)%s; "
			"then %s",
			h, fx->key, diagnosis__command(d, "nsenter -t %d -n ss -ltnp", fx->ctr_pid),
			svc, fix__reload(d, fx));
		return;
	}
	/* "systemctl start <service>" is a template, no command: <service> is for a person */
	fix__write(d,
		   "%s: nothing listens on %s: start the service that should (systemctl start "
		   "<service>; %s shows who listens where)%s; then %s",
		   h, fx->key, diagnosis__command(d, "ss -ltnp"), svc, fix__reload(d, fx));
}

void fix__ports_exhausted(struct diagnosis *d, struct fix_ctx *fx, int lo, int hi, int tw)
{
	char h[FIX_WHERE_MAX], reuse[1024] = "", conn[400];
	const char *ka = NULL, *file = NULL;
	int line = 0, fcgi = !strcmp(fx->module, "fastcgi");

	fix__head(fx, h, sizeof(h));
	if (fcgi)
		snprintf(conn, sizeof(conn), "fastcgi_keep_conn on;");
	else
		snprintf(conn, sizeof(conn),
			 "%s_http_version 1.1; and %s_set_header Connection "
			 "\"\";",
			 fx->module, fx->module);
	if (fx->nrefs && fx->refs[0].group && fx->ngx)
		ka = ngx_conf__effective(fx->ngx->conf, &fx->refs[0], "keepalive", &file, &line);
	if (ka) {
		diagnosis__evidence(d, "upstream %s has keepalive %s (%s:%d)", fx->refs[0].group,
				    ka, file, line);
		snprintf(reuse, sizeof(reuse),
			 "upstream %s keeps idle connections already (keepalive %s at %s:%d): "
			 "check that the %s_pass block sets %s so that they are reused, and raise "
			 "keepalive",
			 fx->refs[0].group, ka, file, line, fx->module, conn);
	} else if (fx->nrefs && fx->refs[0].group) {
		diagnosis__evidence(d,
				    "upstream %s has no keepalive: one new connection per "
				    "request",
				    fx->refs[0].group);
		snprintf(reuse, sizeof(reuse),
			 "add keepalive 32; to upstream %s (its server line is %s:%d) and %s in "
			 "the "
			 "block of the %s_pass (%s:%d)",
			 fx->refs[0].group, fx->refs[0].file, fx->refs[0].line, conn, fx->module,
			 fx->refs[0].pass_file, fx->refs[0].pass_line);
	} else if (fx->nrefs) {
		diagnosis__evidence(d,
				    "%s goes straight to the address: no upstream block, no "
				    "keepalive, one new connection per request",
				    fx->where);
		snprintf(reuse, sizeof(reuse),
			 "declare upstream backend { server %s; keepalive 32; }, point the %s at "
			 "%s:%d to it (%s_pass %sbackend) and add %s there",
			 fx->key, fx->refs[0].directive, fx->refs[0].file, fx->refs[0].line,
			 fx->module, fcgi ? "" : "http://", conn);
	} else {
		snprintf(reuse, sizeof(reuse),
			 "add keepalive 32; to the upstream block for %s, with %s", fx->key, conn);
	}
	fix__write(
		d,
		"%s: %d local ports (%d-%d) for %d sockets in TIME_WAIT toward %s: reuse upstream "
		"connections: %s; and widen net.ipv4.ip_local_port_range (%s); then %s",
		h, hi >= lo ? hi - lo + 1 : 0, lo, hi, tw < 0 ? 0 : tw, fx->key, reuse,
		diagnosis__command(d, "sysctl -w net.ipv4.ip_local_port_range=\"10240 65535\""),
		fix__reload(d, fx));
}

void fix__connect_denied(struct diagnosis *d, struct fix_ctx *fx)
{
	fix__write(d,
		   "a policy denies nginx this connection%s%s: check the LSM log "
		   "(%s; SELinux: %s), cgroup BPF programs (%s) and OUTPUT firewall "
		   "rules (%s) for %s",
		   fx->where[0] ? " made by " : "", fx->where,
		   diagnosis__command(d, "journalctl -k | grep -i denied"),
		   diagnosis__command(d, "setsebool -P httpd_can_network_connect 1"),
		   diagnosis__command(d, "bpftool cgroup tree"),
		   diagnosis__command(d, "nft list ruleset"), fx->key);
}

void fix__unreachable(struct diagnosis *d, struct fix_ctx *fx, const char *ip)
{
	char h[FIX_WHERE_MAX], q[SHQUOTE_SIZE(64)];

	fix__head(fx, h, sizeof(h));
	fix__write(d,
		   "%s: check the route and the host (%s; is the upstream host up, is a "
		   "firewall sending ICMP unreachable?), or fix the address in that line; "
		   "then %s",
		   h,
		   ip && ip[0] ? diagnosis__command(d, "ip route get %s", shquote(ip, q, sizeof(q)))
			       : "ip route get <address>",
		   fix__reload(d, fx));
}

void fix__connect_timeout(struct diagnosis *d, struct fix_ctx *fx, int port)
{
	char h[FIX_WHERE_MAX], cur[600], dir[48], ss[64] = "ss -ltn on the backend";

	fix__head(fx, h, sizeof(h));
	snprintf(dir, sizeof(dir), "%s_connect_timeout", fx->module);
	fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
	if (port > 0 && port <= 65535)
		snprintf(ss, sizeof(ss), "%s on the backend",
			 diagnosis__command(d, "ss -ltn sport = :%d", port));
	fix__write(d,
		   "%s: nothing answers SYNs to %s: check that the host is up, that no "
		   "firewall DROPs the port, and that the backend's accept queue is not full "
		   "(%s); %s bounds how long each request waits",
		   h, fx->key, ss, cur);
}

void fix__fd_exhausted(struct diagnosis *d, struct fix_ctx *fx)
{
	const char *v = NULL, *file = NULL;
	char where[600] = "";
	int lno = 0;

	if (fx->ngx)
		v = ngx_conf__effective(fx->ngx->conf, NULL, "worker_rlimit_nofile", &file, &lno);
	if (v)
		snprintf(where, sizeof(where), " (now worker_rlimit_nofile %s at %s:%d)", v, file,
			 lno);
	else if (fx->ngx)
		snprintf(where, sizeof(where), " (not set; the main file is %s)",
			 fx->ngx->conf_path);
	fix__write(d,
		   "raise the workers' descriptor limit: worker_rlimit_nofile in nginx.conf%s, "
		   "LimitNOFILE= in the nginx unit; and look for descriptor leaks; nginx answers "
		   "500 here, not 502; then %s",
		   where, fix__reload(d, fx));
}
