// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>
#include <sys/socket.h>
#include "unit.h"
#include "ngx502.h"
#include "event.h"

static struct ngx502_conn_event conn_rec(__u16 type)
{
	struct ngx502_conn_event e = {};

	e.hdr.type = type;
	e.hdr.version = NGX502_EVENT_VERSION;
	e.hdr.size = sizeof(e);
	e.hdr.pid = 42;
	e.hdr.tid = 43;
	e.hdr.ts_ns = 1000;
	return e;
}

UNIT_TEST(decode_tcp_v4)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_TCP_CONNECT_ERR);
	struct event ev;

	e.err = 111;
	e.daddr.family = NGX502_AF_INET;
	e.daddr.port = 9000;
	e.daddr.addr[0] = 127;
	e.daddr.addr[3] = 1;
	e.retrans = 2;
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.type, NGX502_EV_TCP_CONNECT_ERR);
	CHECK_INT(ev.err, 111);
	CHECK_INT(ev.pid, 42);
	CHECK_INT(ev.family, AF_INET);
	CHECK_INT(ev.retrans, 2);
	CHECK_STR(ev.upstream, "127.0.0.1:9000");
}

UNIT_TEST(decode_tcp_v6)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_TCP_CONNECT_ERR);
	struct event ev;

	e.daddr.family = NGX502_AF_INET6;
	e.daddr.port = 8080;
	e.daddr.addr[15] = 1;
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_STR(ev.upstream, "[::1]:8080");
}

UNIT_TEST(decode_unix_path)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_CONNECT_ERR);
	struct event ev;

	e.err = EACCES;
	e.daddr.family = NGX502_AF_UNIX;
	strcpy(e.daddr.path, "/run/php/php8.2-fpm.sock");
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.family, AF_UNIX);
	CHECK_STR(ev.upstream, "unix:/run/php/php8.2-fpm.sock");
}

UNIT_TEST(decode_unix_path_full_length_not_terminated)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_CONNECT_ERR);
	struct event ev;

	e.daddr.family = NGX502_AF_UNIX;
	memset(e.daddr.path, 'a', sizeof(e.daddr.path));
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(strlen(ev.upstream), 5 + NGX502_PATH_MAX);
}

UNIT_TEST(decode_text_names_from_uprobe)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_CONNECT_ERR);
	struct event ev;

	strcpy(e.daddr.path, "10.1.2.3:8080");
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.family, AF_INET);
	CHECK_INT(ev.port, 8080);
	CHECK_STR(ev.upstream, "10.1.2.3:8080");

	strcpy(e.daddr.path, "[2001:db8::5]:443");
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.family, AF_INET6);
	CHECK_STR(ev.upstream, "[2001:db8::5]:443");

	/* a name nginx could not resolve to an address stays as text */
	strcpy(e.daddr.path, "backend:notaport");
	CHECK_INT(event__decode(&e, sizeof(e), &ev), 0);
	CHECK_INT(ev.family, 0);
	CHECK_STR(ev.upstream, "backend:notaport");
}

UNIT_TEST(decode_rejects_short_and_bad)
{
	struct ngx502_conn_event e = conn_rec(NGX502_EV_CONNECT_ERR);
	struct event ev;

	CHECK_INT(event__decode(NULL, 0, &ev), -EINVAL);
	CHECK_INT(event__decode(&e, 10, &ev), -EINVAL);
	CHECK_INT(event__decode(&e, sizeof(e) - 1, &ev), -EINVAL);
	e.hdr.version = 99;
	CHECK_INT(event__decode(&e, sizeof(e), &ev), -EPROTO);
	e = conn_rec(NGX502_EV_CONNECT_ERR);
	e.hdr.size = 40;
	CHECK_INT(event__decode(&e, sizeof(e), &ev), -EINVAL);
	e = conn_rec(250);
	CHECK_INT(event__decode(&e, sizeof(e), &ev), -EINVAL);
	e = conn_rec(NGX502_EV_CONNECT_ERR);
	e.daddr.family = 77;
	CHECK_INT(event__decode(&e, sizeof(e), &ev), -EINVAL);
}

UNIT_TEST(decode_accepts_perf_padding)
{
	unsigned char buf[sizeof(struct ngx502_conn_event) + 8] = {};
	struct ngx502_conn_event e = conn_rec(NGX502_EV_CONNECT_ERR);
	struct event ev;

	memcpy(buf, &e, sizeof(e));
	CHECK_INT(event__decode(buf, sizeof(buf), &ev), 0);
}

UNIT_TEST(decode_target_and_log)
{
	struct ngx502_target_event t = {};
	struct ngx502_log_event *l;
	struct event ev;

	t.hdr = (struct ngx502_hdr){.type = NGX502_EV_TARGET_NEW,
				    .version = NGX502_EVENT_VERSION,
				    .size = sizeof(t),
				    .pid = 7};
	t.ppid = 6;
	t.reason = 1;
	memcpy(t.comm, "nginxnginxnginxX", 16); /* no NUL */
	CHECK_INT(event__decode(&t, sizeof(t), &ev), 0);
	CHECK_INT(ev.ppid, 6);
	CHECK_STR(ev.comm, "nginxnginxnginx");

	l = calloc(1, sizeof(*l));
	l->hdr = (struct ngx502_hdr){.type = NGX502_EV_LOG_LINE,
				     .version = NGX502_EVENT_VERSION,
				     .size = NGX502_LOG_HDR_SIZE + 5};
	l->len = 5;
	memcpy(l->line, "hello", 5);
	CHECK_INT(event__decode(l, NGX502_LOG_HDR_SIZE + 8, &ev), 0);
	CHECK_INT(ev.line_len, 5);
	CHECK(!memcmp(ev.line, "hello", 5), "line");
	l->len = NGX502_LOG_MAX + 1;
	CHECK_INT(event__decode(l, sizeof(*l), &ev), -EINVAL);
	l->len = 100; /* longer than the record */
	CHECK_INT(event__decode(l, NGX502_LOG_HDR_SIZE + 8, &ev), -EINVAL);
	free(l);
}

UNIT_TEST(decode_at_perf_alignment)
{
	/* perf puts a sample 4 bytes past 8-byte alignment; UBSan flags any in-place read */
	uint64_t buf[(sizeof(struct ngx502_conn_event) + 16) / 8];
	struct ngx502_conn_event e = conn_rec(NGX502_EV_TCP_CONNECT_ERR);
	struct event ev;

	e.err = 111;
	e.daddr.family = NGX502_AF_INET;
	e.daddr.port = 80;
	memcpy((char *)buf + 4, &e, sizeof(e));
	CHECK_INT(event__decode((char *)buf + 4, sizeof(e), &ev), 0);
	CHECK_INT(ev.err, 111);
	CHECK_INT(ev.port, 80);
}

int main(void)
{
	return unit_main();
}
