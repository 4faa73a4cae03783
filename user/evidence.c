// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "ngx502.h"
#include "evidence.h"
#include "fix.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "logparse.h"
#include "procfs.h"
#include "rootfs.h"
#include "shquote.h"
#include "sockstate.h"

#define NEARBY_PORTS 16

/* Name of id in the root's /etc/passwd or /etc/group, else the number. */
static const char *id_name(const struct rootfs *fs, const char *file, unsigned int id, char *buf,
			   size_t size)
{
	char *text = NULL;

	buf[0] = '\0';
	if (fs && rootfs__read_file(fs, file, 1 << 20, &text) >= 0)
		sockstate__id_name(text, strlen(text), id, buf, size);
	free(text);
	if (!buf[0])
		snprintf(buf, size, "%u", id);
	return buf;
}

/* "www-data (uid 33, gid 33, groups 33,44)" */
static const char *describe_creds(const struct rootfs *fs, const struct proc_status *st, char *buf,
				  size_t size)
{
	char name[64] = "", *etc = NULL;
	size_t off;
	int i;

	if (rootfs__read_file(fs, "/etc/passwd", 1 << 20, &etc) >= 0)
		sockstate__id_name(etc, strlen(etc), st->uid[3], name, sizeof(name));
	free(etc);
	off = snprintf(buf, size, "%s%suid %u, gid %u", name, name[0] ? " (" : "", st->uid[3],
		       st->gid[3]);
	for (i = 0; i < st->ngroups && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%u", i ? "," : ", groups ", st->groups[i]);
	if (name[0] && off < size)
		snprintf(buf + off, size - off, ")");
	return buf;
}

static const char *listener_owner(const struct sock_listener *l, char *buf, size_t size)
{
	if (!l->pid)
		snprintf(buf, size, "an unknown process");
	else if (l->unit[0])
		snprintf(buf, size, "%s (pid %d, %s)", l->comm, l->pid, l->unit);
	else
		snprintf(buf, size, "%s (pid %d)", l->comm, l->pid);
	return buf;
}

/* Other unix sockets that look like the one nginx wants (same directory or same stem). */
static int unix_alternatives(struct diagnosis *d, int netns_pid, const char *path, char *alt,
			     size_t altsize)
{
	struct sock_listener *ls;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	char who[200];
	int n, i, found = 0;

	ls = calloc(4096, sizeof(*ls));
	if (!ls)
		return 0;
	n = sockstate__unix_listeners(netns_pid, ls, 4096);
	for (i = 0; i < n && found < 3; i++) {
		if (ls[i].path[0] != '/' || !strcmp(ls[i].path, path))
			continue;
		if (!(dirlen && !strncmp(ls[i].path, path, dirlen) && ls[i].path[dirlen] == '/') &&
		    !(strstr(ls[i].path, "fpm") && strstr(path, "fpm")))
			continue;
		diagnosis__evidence(d, "%s listens on unix:%s", listener_owner(&ls[i], who, sizeof(who)),
				    ls[i].path);
		if (!found)
			snprintf(alt, altsize, "%s", ls[i].path);
		found++;
	}
	free(ls);
	return found;
}

static void unix_cause(struct diagnosis *d, const struct event *ev, const struct rootfs *fs,
		       const struct proc_status *worker, struct fix_ctx *fx)
{
	const char *path = ev->upstream + 5; /* "unix:" */
	struct sock_access acc = {};
	struct sock_listener l = {};
	char creds[256], mode[128], alt[128] = "", hint[160], user[64], group[64];
	int listening;

	describe_creds(fs, worker, creds, sizeof(creds));
	if (sockstate__unix_access(fs, path, worker, &acc))
		acc.verdict = -1;
	listening = sockstate__unix_path_listening(ev->pid, path, &l) == 1;
	sockstate__describe_mode(&acc, mode, sizeof(mode));

	switch (d->cause) {
	case CAUSE_UPSTREAM_SOCKET_MISSING:
		if (acc.verdict == SOCK_ACCESS_PARENT_MISSING)
			diagnosis__evidence(d, "directory %s does not exist", acc.path);
		else
			diagnosis__evidence(d, "no file at %s", path);
		unix_alternatives(d, ev->pid, path, alt, sizeof(alt));
		fix__socket_missing(d, fx, path, alt);
		break;
	case CAUSE_UPSTREAM_SOCKET_PERMISSION:
		if (acc.verdict == SOCK_ACCESS_DIR_NO_SEARCH) {
			diagnosis__evidence(d, "directory %s is %s: nginx workers run as %s and "
					    "cannot search it", acc.path, mode, creds);
		} else if (acc.verdict == SOCK_ACCESS_NO_WRITE) {
			diagnosis__evidence(d, "socket %s is %s and nginx workers run as %s", path,
					    mode, creds);
		} else {
			diagnosis__evidence(d, "socket %s is %s and the file modes allow %s: a "
					    "security module (AppArmor/SELinux) denied the connect",
					    path, mode, creds);
			fix__write(d,
				   "look for the denial in the kernel log (%s) and allow nginx to "
				   "connect to %s in that policy",
				   diagnosis__command(d, "journalctl -k | grep -i denied"), path);
			break;
		}
		id_name(fs, "/etc/passwd", worker->uid[3], user, sizeof(user));
		id_name(fs, "/etc/group", worker->gid[3], group, sizeof(group));
		fix__socket_permission(d, fx, path, &acc, user, group);
		break;
	case CAUSE_UPSTREAM_SOCKET_STALE:
		if (acc.verdict == SOCK_ACCESS_NOT_SOCKET)
			diagnosis__evidence(d, "%s is not a socket (%s)", path, mode);
		else
			diagnosis__evidence(d, "socket file %s exists (%s) but no process listens "
					    "on it: the backend that created it is gone", path, mode);
		fix__socket_stale(d, fx, path);
		break;
	case CAUSE_UPSTREAM_BACKLOG_FULL: {
		char somax[32] = "?";

		sockstate__sysctl_netns(ev->pid, "net.core.somaxconn", somax, sizeof(somax));
		if (listening)
			diagnosis__evidence(d, "%s listens on %s and its accept queue is full",
					    listener_owner(&l, hint, sizeof(hint)), path);
		fix__backlog(d, fx, path, somax);
		break;
	}
	default:
		break;
	}
}

static void nearby_tcp(struct diagnosis *d, const struct event *ev, char *alt, size_t altsize)
{
	struct sock_listener *ls;
	char who[200], addr[64];
	int n, i, found = 0;

	ls = calloc(4096, sizeof(*ls));
	if (!ls)
		return;
	n = sockstate__tcp_listeners(ev->pid, ls, 4096);
	for (i = 0; i < n && found < 3; i++) {
		/* nginx's own listeners are not where its upstream went */
		if (abs((int)ls[i].port - ev->port) > NEARBY_PORTS || !strcmp(ls[i].comm, "nginx"))
			continue;
		event__format_addr(ls[i].family, ls[i].addr, ls[i].port, NULL, addr, sizeof(addr));
		diagnosis__evidence(d, "nearby: %s listens on %s",
				    listener_owner(&ls[i], who, sizeof(who)), addr);
		if (!found)
			snprintf(alt, altsize, "%s", addr);
		found++;
	}
	free(ls);
}

static void tcp_cause(struct diagnosis *d, const struct event *ev, struct fix_ctx *fx)
{
	struct sock_listener l = {};
	char who[200], alt[64] = "";
	int lo = 0, hi = 0, tw;

	switch (d->cause) {
	case CAUSE_UPSTREAM_REFUSED:
		if (!sockstate__find_tcp_listener(ev->pid, ev->family, ev->addr, ev->port, &l)) {
			diagnosis__evidence(d, "%s listens on port %d now: the backend was down and "
					    "may be restarting", listener_owner(&l, who, sizeof(who)),
					    ev->port);
		} else {
			diagnosis__evidence(d, "nothing listens on %s in nginx's network namespace",
					    ev->upstream);
			nearby_tcp(d, ev, alt, sizeof(alt));
		}
		fix__refused(d, fx, alt);
		break;
	case CAUSE_UPSTREAM_CONNECT_DENIED:
		diagnosis__evidence(d, "connect() to %s failed with %s before any packet was sent",
				    ev->upstream, ev->err == EPERM ? "EPERM" : "EACCES");
		fix__write(d,
			   "a policy denies nginx this connection%s%s: check the LSM log "
			   "(%s; SELinux: %s), cgroup BPF programs (%s) and OUTPUT firewall "
			   "rules (%s) for %s",
			   fx->where[0] ? " made by " : "", fx->where,
			   diagnosis__command(d, "journalctl -k | grep -i denied"),
			   diagnosis__command(d, "setsebool -P httpd_can_network_connect 1"),
			   diagnosis__command(d, "bpftool cgroup tree"),
			   diagnosis__command(d, "nft list ruleset"), ev->upstream);
		break;
	case CAUSE_UPSTREAM_UNREACHABLE: {
		char ip[INET6_ADDRSTRLEN] = "";

		diagnosis__evidence(d, "the kernel has no route to %s (%s)", ev->upstream,
				    ev->err == ENETUNREACH ? "ENETUNREACH" : "EHOSTUNREACH");
		/* an address from the kernel: digits, dots, colons only */
		if (!inet_ntop(ev->family, ev->addr, ip, sizeof(ip)))
			ip[0] = '\0';
		fix__write(d,
			   "%s: check the route and the host (%s; is the upstream host up, is a "
			   "firewall sending ICMP unreachable?), or fix the address in that line; "
			   "then %s",
			   fx->where[0] ? fx->where : ev->upstream,
			   ip[0] ? diagnosis__command(d, "ip route get %s", ip)
				 : "ip route get <address>",
			   fix__reload(d, fx));
		break;
	}
	case CAUSE_UPSTREAM_CONNECT_TIMEOUT: {
		char cur[600], dir[48];

		if (ev->retrans)
			diagnosis__evidence(d, "SYN to %s went unanswered, retransmitted %d time%s "
					    "over %llu ms", ev->upstream, ev->retrans,
					    ev->retrans == 1 ? "" : "s",
					    (unsigned long long)(ev->duration_ns / 1000000));
		if (ev->type == NGX502_EV_TCP_CONNECT_ERR)
			diagnosis__evidence(d, "the kernel gave up on the SYN (ETIMEDOUT): nginx "
					    "answers 502");
		snprintf(dir, sizeof(dir), "%s_connect_timeout", fx->module);
		fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
		fix__write(
			d,
			"%s: nothing answers SYNs to %s: check that the host is up, that no "
			"firewall DROPs the port, and that the backend's accept queue is not full "
			"(%s on the backend); %s bounds how long each request waits",
			fx->where[0] ? fx->where : ev->upstream, ev->upstream,
			diagnosis__command(d, "ss -ltn sport = :%d", ev->port), cur);
		break;
	}
	case CAUSE_LOCAL_PORTS_EXHAUSTED:
		sockstate__port_range_netns(ev->pid, &lo, &hi);
		tw = sockstate__time_wait_count(ev->pid, ev->family, ev->addr, ev->port);
		diagnosis__evidence(d, "net.ipv4.ip_local_port_range is %d-%d (%d ports) and %d "
				    "sockets toward %s are in TIME_WAIT", lo, hi,
				    hi >= lo ? hi - lo + 1 : 0, tw < 0 ? 0 : tw, ev->upstream);
		fix__ports_exhausted(d, fx, lo, hi, tw);
		break;
	default:
		break;
	}
}

static void fd_cause(struct diagnosis *d, const struct event *ev, struct fix_ctx *fx)
{
	char limits[4096], *line, where[600] = "";
	long n = procfs__read(ev->pid, "limits", limits, sizeof(limits));
	const char *v = NULL, *file = NULL;
	int lno = 0;

	line = n > 0 ? strstr(limits, "Max open files") : NULL;
	if (line) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		diagnosis__evidence(d, "worker %u: %s", ev->pid, line);
	}
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

static const char *signal_name(int sig)
{
	const char *n = sigabbrev_np(sig);

	return n ? n : "?";
}

/* After the connect: resets, early FINs, nginx giving up. */
static void lifecycle_cause(struct diagnosis *d, const struct event *ev, struct fix_ctx *fx)
{
	unsigned long long ms = ev->duration_ns / 1000000;
	const char *h = fx->where[0] ? fx->where : ev->upstream;

	switch (d->cause) {
	case CAUSE_UPSTREAM_RESET:
		diagnosis__evidence(d, "%s reset the connection (RST) %llu ms after nginx sent its "
				    "request (%llu bytes sent, %llu received)", ev->upstream, ms,
				    (unsigned long long)ev->bytes_sent,
				    (unsigned long long)ev->bytes_received);
		fix__write(d,
			 "%s: the backend aborts requests: look in its own log at this time for a "
			 "crash or a restart, and check that it speaks the protocol nginx sends "
			 "(proxy_pass vs fastcgi_pass, http vs https)", h);
		break;
	case CAUSE_UPSTREAM_PREMATURE_CLOSE:
		diagnosis__evidence(d, "%s closed the connection (FIN) %llu ms after nginx sent its "
				    "request, before any response byte", ev->upstream, ms);
		fix__write(d,
			 "%s: the backend closes without answering: look in its log at this time "
			 "(a worker that died, a request it rejected, a protocol mismatch such as "
			 "proxy_pass to a FastCGI port)", h);
		break;
	case CAUSE_UPSTREAM_READ_TIMEOUT:
		diagnosis__evidence(d, "nginx sent its request to %s and closed the connection "
				    "after waiting %llu ms without a response byte", ev->upstream, ms);
		fix__read_timeout(d, fx, ms);
		break;
	case CAUSE_UPSTREAM_HEADER_TOO_BIG:
		diagnosis__evidence(d, "%s answered %llu bytes and nginx gave up on the response "
				    "header with %u bytes still unread", ev->upstream,
				    (unsigned long long)ev->bytes_received, ev->unread);
		fix__header_too_big(d, fx, ev->bytes_received);
		break;
	default:
		diagnosis__evidence(d, "nginx dropped the connection to %s after %llu bytes of "
				    "response", ev->upstream, (unsigned long long)ev->bytes_received);
		fix__write(d, "see nginx's error log line for this request");
		break;
	}
}

static void signal_cause(struct diagnosis *d, const struct event *ev, struct fix_ctx *fx)
{
	char unit[128] = "";

	procfs__unit(ev->pid, unit, sizeof(unit));
	diagnosis__evidence(d, "%s (pid %u%s%s) got SIG%s (%d) while serving nginx worker %u's "
			    "upstream connection to %s", ev->comm, ev->pid, unit[0] ? ", " : "",
			    unit, signal_name(ev->sig), ev->sig, ev->nginx_pid, ev->upstream);
	if (ev->sig_flags & 1)
		diagnosis__evidence(d, "the kernel itself sent it: the OOM killer or a cgroup "
				    "memory limit (see journalctl -k | grep -i oom)");
	else if (ev->sig_flags & 2)
		diagnosis__evidence(d, "the process crashed: the signal comes from its own fault");
	else
		diagnosis__evidence(d, "sent by %s (pid %u)", ev->sender_comm, ev->sender_pid);

	if (ev->sig_flags & 1) {
		char mc[600] = "pm.max_children";

		if (fx->pool)
			fix__fpm_val("pm.max_children", &fx->pool->pm_max_children, "5", mc,
				     sizeof(mc));
		fix__write(d,
			 "the backend ran out of memory: lower %s or PHP's memory_limit so that all "
			 "children fit, or raise the memory limit of its service/cgroup; nginx "
			 "answered 502 for the request it was serving", mc);
	} else if (ev->sig_flags & 2) {
		fix__write(
			d,
			"%s crashed with SIG%s: find the core dump (%s) and the script it ran "
			"(php-fpm log: 'exited on signal'); disable the extension that crashes or "
			"fix the code",
			ev->comm, signal_name(ev->sig), diagnosis__command(d, "coredumpctl list"));
	} else if (ev->sig == 15 && strstr(ev->sender_comm, "php-fpm")) {
		fix__fpm_terminated(d, fx, unit);
	} else {
		fix__write(d,
			 "%s (pid %u) killed the backend mid-request: find out why (a deploy, a "
			 "watchdog, a manual kill) and stop it from killing busy workers",
			 ev->sender_comm, ev->sender_pid);
	}
}

static void describe_failure(struct diagnosis *d, const struct event *ev)
{
	switch (ev->type) {
	case NGX502_EV_TCP_CONNECT_ERR:
		diagnosis__evidence(d, "nginx worker %u: connect to %s failed later with %s (%s)",
				    ev->pid, ev->upstream, strerrorname_np(ev->err) ?: "?",
				    ev->err == ECONNREFUSED ? "RST in answer to the SYN" :
				    strerrordesc_np(ev->err) ?: "?");
		break;
	case NGX502_EV_CONNECT_ERR:
		diagnosis__evidence(d, "nginx worker %u: connect() to %s failed: %s (%s)", ev->pid,
				    ev->upstream, strerrordesc_np(ev->err) ?: "?",
				    strerrorname_np(ev->err) ?: "?");
		break;
	case NGX502_EV_SOCKET_ERR:
		diagnosis__evidence(d, "nginx worker %u: socket() failed: %s (%s)", ev->pid,
				    strerrordesc_np(ev->err) ?: "?", strerrorname_np(ev->err) ?: "?");
		break;
	default:
		break;
	}
}

void evidence__fill(struct diagnosis *d, const struct event *ev, struct hostconf *hc)
{
	struct proc_status worker = {};
	struct fix_ctx *fx;
	struct rootfs *fs;
	char root[64];

	describe_failure(d, ev);
	/* for a killed backend the event's pid is the backend's */
	fx = malloc(sizeof(*fx));
	if (!fx)
		return;
	fix__init(fx, hc, ev->type == NGX502_EV_SIGNAL ? (int)ev->nginx_pid : (int)ev->pid,
		  ev->upstream);
	if (fx->where[0])
		diagnosis__evidence(d, "nginx config: %s", fx->where);
	if (ev->type == NGX502_EV_SIGNAL) {
		signal_cause(d, ev, fx);
		goto out;
	}
	if (ev->type == NGX502_EV_CONN_RESET || ev->type == NGX502_EV_CONN_FIN ||
	    ev->type == NGX502_EV_CONN_ABANDON) {
		lifecycle_cause(d, ev, fx);
		goto out;
	}
	snprintf(root, sizeof(root), "/proc/%u/root", ev->pid);
	fs = rootfs__new(root);
	if (procfs__status(ev->pid, &worker))
		worker.tgid = 0;

	if (ev->family == AF_UNIX && fs && worker.tgid)
		unix_cause(d, ev, fs, &worker, fx);
	else if (d->cause == CAUSE_FD_EXHAUSTED)
		fd_cause(d, ev, fx);
	else
		tcp_cause(d, ev, fx);
	rootfs__free(fs);
out:
	if (!d->fix[0])
		fix__write(d, "see the evidence; then %s", fix__reload(d, fx));
	free(fx);
}

/* The event a kernel probe would have sent for this key, for the same host checks. */
static int event_of_key(struct event *ev, int pid, const char *key)
{
	char host[64];
	const char *colon;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	ev->pid = pid;
	snprintf(ev->upstream, sizeof(ev->upstream), "%s", key);
	if (!strncmp(key, "unix:/", 6)) {
		ev->family = AF_UNIX;
		return 0;
	}
	colon = strrchr(key, ':');
	if (!colon || colon == key)
		return -EINVAL;
	ev->port = atoi(colon + 1);
	n = colon - key;
	if (key[0] == '[' && n >= 2 && key[n - 1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), key + 1);
		ev->family = AF_INET6;
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)n, key);
		ev->family = AF_INET;
	}
	if (ev->port <= 0 || ev->port > 65535 || inet_pton(ev->family, host, ev->addr) != 1)
		return -EINVAL;
	return 0;
}

/* A kernel-visible cause seen in the log only: look at the host as the kernel path does. */
static int host_checks(struct diagnosis *d, struct fix_ctx *fx)
{
	struct proc_status worker = {};
	struct event ev;
	struct rootfs *fs;
	char root[64];

	if (d->nginx_pid <= 0 || event_of_key(&ev, d->nginx_pid, d->upstream) ||
	    procfs__status(d->nginx_pid, &worker))
		return 0;
	switch (d->cause) {
	case CAUSE_UPSTREAM_SOCKET_MISSING:
	case CAUSE_UPSTREAM_SOCKET_PERMISSION:
	case CAUSE_UPSTREAM_SOCKET_STALE:
	case CAUSE_UPSTREAM_BACKLOG_FULL:
		if (ev.family != AF_UNIX)
			return 0;
		snprintf(root, sizeof(root), "/proc/%d/root", d->nginx_pid);
		fs = rootfs__new(root);
		if (fs)
			unix_cause(d, &ev, fs, &worker, fx);
		rootfs__free(fs);
		return fs != NULL;
	case CAUSE_UPSTREAM_REFUSED:
	case CAUSE_LOCAL_PORTS_EXHAUSTED:
		if (ev.family == AF_UNIX)
			return 0;
		tcp_cause(d, &ev, fx);
		return 1;
	default:
		return 0;
	}
}

/* For a diagnosis from the log alone: what nginx said, and the fix for that cause. */
void evidence__fill_from_log(struct diagnosis *d, const struct ngx_log_line *l,
			     struct diag_table *t, struct hostconf *hc)
{
	const char *up = d->upstream[0] ? d->upstream : "the upstream";
	char err[128] = "";
	struct fix_ctx *fx;
	int i, n;

	if (l->err)
		snprintf(err, sizeof(err), " (%d: %s)", l->err, l->errtext);
	diagnosis__evidence(d, "nginx worker %u logged [%s] %s%s%s%s", l->pid,
			    ngx_log_level__name(l->level) ?: "?", l->message, err,
			    l->action[0] ? " while " : "", l->action);
	if (l->request[0])
		diagnosis__evidence(d, "request \"%s\" from %s", l->request, l->client);
	fx = malloc(sizeof(*fx));
	if (!fx)
		return;
	fix__init(fx, hc, d->nginx_pid, d->upstream);
	if (fx->where[0])
		diagnosis__evidence(d, "nginx config: %s", fx->where);
	if (host_checks(d, fx))
		goto out;

	switch (d->cause) {
	case CAUSE_NO_LIVE_UPSTREAMS:
		/* The failures that marked the peers down are the real cause: name them. */
		for (i = 0, n = 0; i < diag_table__count(t) && n < 4; i++) {
			const struct diagnosis *o = diag_table__get(t, i);

			if (o == d || o->cause == CAUSE_NO_LIVE_UPSTREAMS)
				continue;
			diagnosis__evidence(d, "before it: %s on %s (%llu)", cause__name(o->cause),
					    o->upstream, (unsigned long long)o->count);
			n++;
		}
		fix__write(
			d,
			"every server of upstream %s is marked down after failing (max_fails, 1 by "
			"default, within fail_timeout, 10s): fix the failures listed as evidence; "
			"add a backup server or tune max_fails/fail_timeout in the upstream "
			"block%s%s; then %s",
			up, fx->nrefs ? " at " : "", fx->nrefs ? fx->where : "",
			fix__reload(d, fx));
		break;
	case CAUSE_UPSTREAM_INVALID_HEADER:
		fix__write(d,
			   "%s answers something that is not a valid %s response: check that the "
			   "directive%s%s matches the backend's protocol (proxy_pass for HTTP, "
			   "fastcgi_pass for FastCGI, https:// for TLS) and fix the backend's "
			   "headers; then %s",
			   up, strstr(l->upstream, "fastcgi") ? "FastCGI" : "HTTP",
			   fx->where[0] ? " " : "", fx->where, fix__reload(d, fx));
		break;
	case CAUSE_UPSTREAM_UNRESOLVED: {
		char q[SHQUOTE_SIZE(sizeof(l->target))];

		/* a template (<resolver> is for a person to fill), its name quoted all the same */
		fix__write(d,
			   "nginx cannot resolve %s: check the name and the DNS server in the "
			   "resolver directive (dig @<resolver> %s), or use an address; then %s",
			   l->target[0] ? l->target : up,
			   shquote(l->target[0] ? l->target : up, q, sizeof(q)),
			   fix__reload(d, fx));
		break;
	}
	case CAUSE_UPSTREAM_SSL_FAILED:
		fix__write(
			d,
			"the TLS handshake with %s fails: 'wrong version number' means https:// "
			"to a plain-HTTP port; an alert 40/112 means SNI is needed "
			"(proxy_ssl_server_name on; proxy_ssl_name <host>); a verify error needs "
			"proxy_ssl_trusted_certificate; then %s",
			up, fix__reload(d, fx));
		break;
	case CAUSE_UPSTREAM_HEADER_TOO_BIG:
		fix__header_too_big(d, fx, 0);
		break;
	case CAUSE_UPSTREAM_READ_TIMEOUT:
		fix__read_timeout(d, fx, 0);
		break;
	case CAUSE_UPSTREAM_CONNECT_TIMEOUT: {
		char cur[600], dir[48];

		snprintf(dir, sizeof(dir), "%s_connect_timeout", fx->module);
		fix__directive(fx, dir, "60s", NULL, cur, sizeof(cur));
		fix__write(d,
			 "%s did not accept the connection within %s: check that it is up, not "
			 "behind a DROP rule, and that its accept queue is not full", up, cur);
		break;
	}
	case CAUSE_UNKNOWN:
		fix__write(d,
			 "outside the catalogue: the log line is the evidence; check %s's own log "
			 "at this time", up);
		break;
	default:
		fix__write(d, "%s; see the evidence and %s's own log at this "
			 "time", cause__summary(d->cause), up);
		break;
	}
out:
	free(fx);
}
