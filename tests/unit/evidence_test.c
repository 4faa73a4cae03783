// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Evidence lines and fixes from recorded host facts: what evidence__write
 * says for each cause, without a host (no hostconf: the generic fix texts;
 * tests/unit/fix_test.c covers the texts that name this host's config).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "diag.h"
#include "event.h"
#include "evidence.h"
#include "facts.h"
#include "fix.h"
#include "ngx502.h"
#include "unit.h"

struct run {
	struct diagnosis d;
	struct host_facts f;
	struct event ev;
	struct fix_ctx fx;
};

static struct run *run_new(enum cause cause, int type, const char *key)
{
	struct run *r = calloc(1, sizeof(*r));

	r->d.cause = cause;
	snprintf(r->d.upstream, sizeof(r->d.upstream), "%s", key);
	r->ev.type = type;
	r->ev.pid = 4242;
	snprintf(r->ev.upstream, sizeof(r->ev.upstream), "%s", key);
	if (!strncmp(key, "unix:", 5)) {
		r->ev.family = AF_UNIX;
	} else {
		const char *colon = strrchr(key, ':');
		char host[64];

		snprintf(host, sizeof(host), "%.*s", (int)(colon - key), key);
		r->ev.family = AF_INET;
		r->ev.port = atoi(colon + 1);
		inet_pton(AF_INET, host, r->ev.addr);
	}
	r->f.have_worker = 1;
	r->f.time_wait = -1;
	snprintf(r->f.somaxconn, sizeof(r->f.somaxconn), "4096");
	fix__init(&r->fx, NULL, 0, key);
	return r;
}

/* The facts of a worker that runs as www-data, for unix sockets. */
static void www_data(struct host_facts *f)
{
	snprintf(f->user, sizeof(f->user), "www-data");
	snprintf(f->group, sizeof(f->group), "www-data");
	snprintf(f->creds, sizeof(f->creds), "www-data (uid 33, gid 33, groups 33)");
	f->worker.uid[3] = f->worker.gid[3] = 33;
	f->have_access = 1;
}

static int has_evidence(const struct diagnosis *d, const char *text)
{
	for (int i = 0; i < d->nevidence; i++)
		if (strstr(d->evidence[i], text))
			return 1;
	return 0;
}

static int has_command(const struct diagnosis *d, const char *cmd)
{
	for (int i = 0; i < d->ncmds; i++)
		if (!strcmp(d->cmds[i], cmd))
			return 1;
	return 0;
}

#define CHECK_EVIDENCE(r, text)                                                                    \
	CHECK(has_evidence(&(r)->d, text), "no evidence with \"%s\" (first: \"%s\")", text,        \
	      (r)->d.nevidence ? (r)->d.evidence[0] : "")
#define CHECK_FIX(r, text)                                                                         \
	CHECK(strstr((r)->d.fix, text), "fix without \"%s\": %s", text, (r)->d.fix)

static void write_it(struct run *r)
{
	evidence__write(&r->d, &r->ev, &r->f, &r->fx);
	CHECK(r->d.fix[0], "no fix written");
}

UNIT_TEST(socket_mode_denies_the_worker)
{
	struct run *r = run_new(CAUSE_UPSTREAM_SOCKET_PERMISSION, NGX502_EV_CONNECT_ERR,
				"unix:/run/php/php8.2-fpm.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_NO_WRITE;
	snprintf(r->f.access.path, sizeof(r->f.access.path), "/run/php/php8.2-fpm.sock");
	snprintf(r->f.mode, sizeof(r->f.mode), "0600 root:root");
	write_it(r);
	CHECK_EVIDENCE(r, "socket /run/php/php8.2-fpm.sock is 0600 root:root and nginx workers "
			  "run as www-data (uid 33, gid 33, groups 33)");
	CHECK_FIX(r, "listen.owner");
	CHECK_FIX(r, "www-data");
	free(r);
}

UNIT_TEST(directory_without_search_permission)
{
	struct run *r = run_new(CAUSE_UPSTREAM_SOCKET_PERMISSION, NGX502_EV_CONNECT_ERR,
				"unix:/srv/sock/app.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_DIR_NO_SEARCH;
	snprintf(r->f.access.path, sizeof(r->f.access.path), "/srv/sock");
	snprintf(r->f.mode, sizeof(r->f.mode), "0700 root:root");
	write_it(r);
	CHECK_EVIDENCE(r, "directory /srv/sock is 0700 root:root: nginx workers run as www-data "
			  "(uid 33, gid 33, groups 33) and cannot search it");
	CHECK(has_command(&r->d, "chmod o+x /srv/sock"), "no chmod command: %s", r->d.fix);
	free(r);
}

UNIT_TEST(modes_allow_so_a_security_module_denied)
{
	struct run *r = run_new(CAUSE_UPSTREAM_SOCKET_PERMISSION, NGX502_EV_CONNECT_ERR,
				"unix:/run/app.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_OK;
	snprintf(r->f.mode, sizeof(r->f.mode), "0666 root:root");
	write_it(r);
	CHECK_EVIDENCE(r, "a security module (AppArmor/SELinux) denied the connect");
	CHECK(has_command(&r->d, "journalctl -k | grep -i denied"), "no journalctl command");
	free(r);
}

UNIT_TEST(missing_socket_names_the_listener_nearby)
{
	struct run *r = run_new(CAUSE_UPSTREAM_SOCKET_MISSING, NGX502_EV_CONNECT_ERR,
				"unix:/run/php/php8.1-fpm.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_MISSING;
	r->f.nalt = 1;
	r->f.alt[0].pid = 812;
	snprintf(r->f.alt[0].comm, sizeof(r->f.alt[0].comm), "php-fpm8.2");
	snprintf(r->f.alt[0].unit, sizeof(r->f.alt[0].unit), "php8.2-fpm.service");
	snprintf(r->f.alt[0].path, sizeof(r->f.alt[0].path), "/run/php/php8.2-fpm.sock");
	write_it(r);
	CHECK_EVIDENCE(r, "no file at /run/php/php8.1-fpm.sock");
	CHECK_EVIDENCE(r, "php-fpm8.2 (pid 812, php8.2-fpm.service) listens on "
			  "unix:/run/php/php8.2-fpm.sock");
	CHECK_FIX(r, "/run/php/php8.2-fpm.sock");
	free(r);
}

UNIT_TEST(missing_directory)
{
	struct run *r = run_new(CAUSE_UPSTREAM_SOCKET_MISSING, NGX502_EV_CONNECT_ERR,
				"unix:/run/gone/x.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_PARENT_MISSING;
	snprintf(r->f.access.path, sizeof(r->f.access.path), "/run/gone");
	write_it(r);
	CHECK_EVIDENCE(r, "directory /run/gone does not exist");
	free(r);
}

UNIT_TEST(stale_socket)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_SOCKET_STALE, NGX502_EV_CONNECT_ERR, "unix:/run/x.sock");

	www_data(&r->f);
	r->f.access.verdict = SOCK_ACCESS_OK;
	snprintf(r->f.mode, sizeof(r->f.mode), "0660 www-data:www-data");
	write_it(r);
	CHECK_EVIDENCE(r, "socket file /run/x.sock exists (0660 www-data:www-data) but no process "
			  "listens on it");
	free(r);
}

UNIT_TEST(backlog_full_names_the_listener)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_BACKLOG_FULL, NGX502_EV_CONNECT_ERR, "unix:/run/x.sock");

	www_data(&r->f);
	r->f.listening = 1;
	r->f.listener.pid = 77;
	snprintf(r->f.listener.comm, sizeof(r->f.listener.comm), "php-fpm8.2");
	write_it(r);
	CHECK_EVIDENCE(r,
		       "php-fpm8.2 (pid 77) listens on /run/x.sock and its accept queue is full");
	free(r);
}

UNIT_TEST(refused_with_a_listener_nearby)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_REFUSED, NGX502_EV_TCP_CONNECT_ERR, "127.0.0.1:8080");

	r->f.nalt = 1;
	r->f.alt[0].family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", r->f.alt[0].addr);
	r->f.alt[0].port = 8081;
	r->f.alt[0].pid = 99;
	snprintf(r->f.alt[0].comm, sizeof(r->f.alt[0].comm), "node");
	write_it(r);
	CHECK_EVIDENCE(r, "nothing listens on 127.0.0.1:8080 in nginx's network namespace");
	CHECK_EVIDENCE(r, "nearby: node (pid 99) listens on 127.0.0.1:8081");
	CHECK_FIX(r, "point it at 127.0.0.1:8081");
	CHECK(has_command(&r->d, "ss -ltnp"), "no ss command");
	free(r);
}

UNIT_TEST(refused_but_listening_now)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_REFUSED, NGX502_EV_TCP_CONNECT_ERR, "127.0.0.1:8080");

	r->f.listening = 1;
	r->f.listener.pid = 5;
	snprintf(r->f.listener.comm, sizeof(r->f.listener.comm), "gunicorn");
	write_it(r);
	CHECK_EVIDENCE(r, "gunicorn (pid 5) listens on port 8080 now: the backend was down");
	free(r);
}

UNIT_TEST(ports_exhausted_counts)
{
	struct run *r =
		run_new(CAUSE_LOCAL_PORTS_EXHAUSTED, NGX502_EV_CONNECT_ERR, "127.0.0.1:9000");

	r->f.port_lo = 40000;
	r->f.port_hi = 40001;
	r->f.time_wait = 2;
	write_it(r);
	CHECK_EVIDENCE(r, "net.ipv4.ip_local_port_range is 40000-40001 (2 ports) and 2 sockets "
			  "toward 127.0.0.1:9000 are in TIME_WAIT");
	CHECK_FIX(r, "keepalive");
	free(r);
}

UNIT_TEST(descriptors_exhausted)
{
	struct run *r = run_new(CAUSE_FD_EXHAUSTED, NGX502_EV_SOCKET_ERR, "127.0.0.1:9000");

	snprintf(r->f.nofile, sizeof(r->f.nofile),
		 "Max open files            64                   64                   files");
	write_it(r);
	CHECK_EVIDENCE(r, "worker 4242: Max open files            64");
	CHECK_FIX(r, "worker_rlimit_nofile");
	free(r);
}

UNIT_TEST(connect_timeout_kernel_and_log_share_the_fix)
{
	struct run *k =
		run_new(CAUSE_UPSTREAM_CONNECT_TIMEOUT, NGX502_EV_SYN_RETRANS, "10.9.9.9:80");
	struct diagnosis *l = calloc(1, sizeof(*l));

	k->ev.retrans = 2;
	k->ev.duration_ns = 3000000000ull;
	write_it(k);
	CHECK_EVIDENCE(k, "SYN to 10.9.9.9:80 went unanswered, retransmitted 2 times over 3000 ms");
	CHECK(has_command(&k->d, "ss -ltn sport = :80"), "no ss command: %s", k->d.fix);
	/* the log-only path writes the same text for the same upstream */
	l->cause = CAUSE_UPSTREAM_CONNECT_TIMEOUT;
	fix__connect_timeout(l, &k->fx, 80);
	CHECK_STR(l->fix, k->d.fix);
	free(l);
	free(k);
}

UNIT_TEST(unreachable_routes_the_address)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_UNREACHABLE, NGX502_EV_TCP_CONNECT_ERR, "10.1.2.3:80");

	r->ev.err = 113;
	write_it(r);
	CHECK_EVIDENCE(r, "the kernel has no route to 10.1.2.3:80 (EHOSTUNREACH)");
	CHECK(has_command(&r->d, "ip route get 10.1.2.3"), "no ip route command: %s", r->d.fix);
	free(r);
}

UNIT_TEST(killed_backends)
{
	struct run *oom = run_new(CAUSE_BACKEND_KILLED, NGX502_EV_SIGNAL, "unix:/run/x.sock");
	struct run *crash = run_new(CAUSE_BACKEND_KILLED, NGX502_EV_SIGNAL, "unix:/run/x.sock");
	struct run *term = run_new(CAUSE_BACKEND_KILLED, NGX502_EV_SIGNAL, "unix:/run/x.sock");
	struct run *other = run_new(CAUSE_BACKEND_KILLED, NGX502_EV_SIGNAL, "unix:/run/x.sock");
	struct run *all[] = {oom, crash, term, other};

	for (int i = 0; i < 4; i++) {
		all[i]->ev.nginx_pid = 10;
		snprintf(all[i]->ev.comm, sizeof(all[i]->ev.comm), "php-fpm8.2");
		snprintf(all[i]->f.unit, sizeof(all[i]->f.unit), "php8.2-fpm.service");
	}
	oom->ev.sig = 9;
	oom->ev.sig_flags = 1;
	crash->ev.sig = 11;
	crash->ev.sig_flags = 2;
	term->ev.sig = 15;
	snprintf(term->ev.sender_comm, sizeof(term->ev.sender_comm), "php-fpm8.2");
	other->ev.sig = 9;
	other->ev.sender_pid = 31;
	snprintf(other->ev.sender_comm, sizeof(other->ev.sender_comm), "deploy.sh");
	for (int i = 0; i < 4; i++)
		write_it(all[i]);
	CHECK_EVIDENCE(oom, "php-fpm8.2 (pid 4242, php8.2-fpm.service) got SIGKILL (9) while "
			    "serving nginx worker 10's upstream connection to unix:/run/x.sock");
	CHECK_EVIDENCE(oom, "the kernel itself sent it");
	CHECK_FIX(oom, "ran out of memory");
	CHECK_FIX(crash, "crashed with SIGSEGV");
	CHECK(has_command(&crash->d, "coredumpctl list"), "no coredumpctl command");
	CHECK_FIX(term, "request_terminate_timeout");
	CHECK_EVIDENCE(other, "sent by deploy.sh (pid 31)");
	CHECK_FIX(other, "deploy.sh (pid 31) killed the backend");
	for (int i = 0; i < 4; i++)
		free(all[i]);
}

UNIT_TEST(after_the_connect)
{
	struct run *rst = run_new(CAUSE_UPSTREAM_RESET, NGX502_EV_CONN_RESET, "127.0.0.1:9000");
	struct run *fin =
		run_new(CAUSE_UPSTREAM_PREMATURE_CLOSE, NGX502_EV_CONN_FIN, "127.0.0.1:9000");
	struct run *slow =
		run_new(CAUSE_UPSTREAM_READ_TIMEOUT, NGX502_EV_CONN_ABANDON, "127.0.0.1:9000");

	rst->ev.duration_ns = 12000000;
	rst->ev.bytes_sent = 100;
	write_it(rst);
	CHECK_EVIDENCE(rst, "127.0.0.1:9000 reset the connection (RST) 12 ms after nginx sent its "
			    "request (100 bytes sent, 0 received)");
	CHECK_FIX(rst, "the backend aborts requests");
	fin->ev.duration_ns = 5000000;
	write_it(fin);
	CHECK_EVIDENCE(fin, "closed the connection (FIN) 5 ms after nginx sent its request");
	CHECK_FIX(fin, "closes without answering");
	slow->ev.duration_ns = 2000000000ull;
	write_it(slow);
	CHECK_EVIDENCE(slow, "after waiting 2000 ms without a response byte");
	CHECK_FIX(slow, "proxy_read_timeout");
	free(rst);
	free(fin);
	free(slow);
}

/*
 * The keep-alive race: a reset or an early FIN on a connection that had carried a response and
 * sat idle about as long as the backend keeps idle connections (issue #15).
 */
UNIT_TEST(keepalive_race_on_reused_connection)
{
	struct run *fin =
		run_new(CAUSE_UPSTREAM_PREMATURE_CLOSE, NGX502_EV_CONN_FIN, "127.0.0.1:9000");
	struct run *rst = run_new(CAUSE_UPSTREAM_RESET, NGX502_EV_CONN_RESET, "127.0.0.1:9000");
	struct run *early =
		run_new(CAUSE_UPSTREAM_PREMATURE_CLOSE, NGX502_EV_CONN_FIN, "127.0.0.1:9000");
	struct run *unknown = run_new(CAUSE_UPSTREAM_RESET, NGX502_EV_CONN_RESET, "127.0.0.1:9000");

	fin->ev.duration_ns = 1000000;
	fin->ev.idle_ms = 4990;
	fin->f.idle_timeout_ms = 5004;
	fin->f.idle_seen = 12;
	write_it(fin);
	CHECK_EVIDENCE(fin, "the connection had carried a response and sat idle 4.99 s before "
			    "nginx reused it; 127.0.0.1:9000 closes idle connections after ~5.0 s "
			    "(seen 12 times)");
	CHECK_EVIDENCE(fin, "in force in upstream 127.0.0.1:9000: keepalive_timeout (not set: "
			    "60s)");
	CHECK(!strncmp(fin->d.fix,
		       "set keepalive_timeout 4s; in the upstream block for "
		       "127.0.0.1:9000, below the backend's idle timeout (~5.0 s), so "
		       "nginx drops idle connections before the backend does",
		       160),
	      "fix: %s", fin->d.fix);

	/* gunicorn's 2 s, reset: a request that arrived as it closed, unread */
	rst->ev.duration_ns = 300000;
	rst->ev.idle_ms = 2003;
	rst->f.idle_timeout_ms = 2010;
	rst->f.idle_seen = 1;
	write_it(rst);
	CHECK_EVIDENCE(rst, "reset the connection (RST) 0 ms after nginx sent its request");
	CHECK_EVIDENCE(rst, "sat idle 2.00 s before nginx reused it; 127.0.0.1:9000 closes idle "
			    "connections after ~2.0 s (seen 1 time)");
	CHECK(!strncmp(rst->d.fix, "set keepalive_timeout 1s;", 25), "fix: %s", rst->d.fix);

	/* reused after 0.3 s by a backend that keeps idle connections 5 s: not the race */
	early->ev.duration_ns = 1000000;
	early->ev.idle_ms = 300;
	early->f.idle_timeout_ms = 5000;
	early->f.idle_seen = 3;
	write_it(early);
	CHECK_EVIDENCE(early, "sat idle 0.30 s before nginx reused it");
	CHECK_FIX(early, "closes without answering");

	/* no idle close seen yet: the reset came at once on a reused connection */
	unknown->ev.duration_ns = 200000;
	unknown->ev.idle_ms = 1005;
	write_it(unknown);
	CHECK_EVIDENCE(unknown, "sat idle 1.00 s before nginx reused it; no idle close by "
				"127.0.0.1:9000 seen yet");
	CHECK(!strncmp(unknown->d.fix, "set keepalive_timeout 800ms;", 28), "fix: %s",
	      unknown->d.fix);
	CHECK_FIX(unknown, "(under 1.0 s)");
	free(fin);
	free(rst);
	free(early);
	free(unknown);
}

/* A read timeout with connections in the listen queue: saturation, a fix of capacity. */
UNIT_TEST(read_timeout_saturated_tcp)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_READ_TIMEOUT, NGX502_EV_CONN_ABANDON, "127.0.0.1:8080");

	r->ev.duration_ns = 2000 * 1000000ull;
	r->f.have_queue = 1;
	r->f.queue = (struct sockdiag_queue){.found = 1, .queued = 5, .backlog = 511};
	evidence__write(&r->d, &r->ev, &r->f, &r->fx);
	CHECK(has_evidence(&r->d, "5 connections waiting in the listen queue of 127.0.0.1:8080 "
				  "(backlog 511)"),
	      "no queue evidence: %s", r->d.nevidence ? r->d.evidence[r->d.nevidence - 1] : "");
	CHECK(!strncmp(r->d.fix, "add capacity to the backend on 127.0.0.1:8080", 45), "fix: %s",
	      r->d.fix);
	CHECK(strstr(r->d.fix, "saturated, not slow"), "fix: %s", r->d.fix);
	free(r);
}

/* An empty listen queue: the backend is slow; the fix stays the read-timeout one. */
UNIT_TEST(read_timeout_slow_tcp)
{
	struct run *r =
		run_new(CAUSE_UPSTREAM_READ_TIMEOUT, NGX502_EV_CONN_ABANDON, "127.0.0.1:8080");

	r->f.have_queue = 1;
	r->f.queue = (struct sockdiag_queue){.found = 1, .queued = 0, .backlog = 511};
	evidence__write(&r->d, &r->ev, &r->f, &r->fx);
	CHECK(has_evidence(&r->d, "no connection waits in the listen queue"), "evidence missing");
	CHECK(strstr(r->d.fix, "find what makes the backend slow"), "fix: %s", r->d.fix);
	free(r);
}

int main(void)
{
	return unit_main();
}
