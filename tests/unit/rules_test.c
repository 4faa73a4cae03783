// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <linux/types.h>
#include <sys/socket.h>
#include "unit.h"
#include "ngx502.h"
#include "rules.h"

static enum cause cause(int type, int family, int err, int retrans)
{
	struct event ev = {.type = type, .family = family, .err = err, .retrans = retrans};

	return rules__cause_of(&ev);
}

UNIT_TEST(unix_connect_errnos)
{
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_UNIX, ENOENT, 0), CAUSE_UPSTREAM_SOCKET_MISSING);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_UNIX, EACCES, 0),
		  CAUSE_UPSTREAM_SOCKET_PERMISSION);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_UNIX, ECONNREFUSED, 0),
		  CAUSE_UPSTREAM_SOCKET_STALE);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_UNIX, EAGAIN, 0), CAUSE_UPSTREAM_BACKLOG_FULL);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_UNIX, EIO, 0), CAUSE_UNKNOWN);
}

UNIT_TEST(tcp_connect_errnos)
{
	CHECK_INT(cause(NGX502_EV_TCP_CONNECT_ERR, AF_INET, ECONNREFUSED, 0),
		  CAUSE_UPSTREAM_REFUSED);
	CHECK_INT(cause(NGX502_EV_TCP_CONNECT_ERR, AF_INET6, EHOSTUNREACH, 0),
		  CAUSE_UPSTREAM_UNREACHABLE);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_INET, ENETUNREACH, 0),
		  CAUSE_UPSTREAM_UNREACHABLE);
	CHECK_INT(cause(NGX502_EV_TCP_CONNECT_ERR, AF_INET, ETIMEDOUT, 0),
		  CAUSE_UPSTREAM_CONNECT_TIMEOUT);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_INET, EACCES, 0), CAUSE_UPSTREAM_CONNECT_DENIED);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_INET, EPERM, 0), CAUSE_UPSTREAM_CONNECT_DENIED);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_INET, EADDRNOTAVAIL, 0),
		  CAUSE_LOCAL_PORTS_EXHAUSTED);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, 0, ECONNREFUSED, 0), CAUSE_UPSTREAM_REFUSED);
	CHECK_INT(cause(NGX502_EV_CONNECT_ERR, AF_INET, 0, 0), CAUSE_NONE);
}

UNIT_TEST(syn_timeouts)
{
	CHECK_INT(cause(NGX502_EV_SYN_RETRANS, AF_INET, 0, 1), CAUSE_UPSTREAM_CONNECT_TIMEOUT);
	CHECK_INT(cause(NGX502_EV_CONNECT_ABORT, AF_INET, 0, 3), CAUSE_UPSTREAM_CONNECT_TIMEOUT);
	/* closed in SYN_SENT without a lost SYN: the client went away, not a failure */
	CHECK_INT(cause(NGX502_EV_CONNECT_ABORT, AF_INET, 0, 0), CAUSE_NONE);
}

UNIT_TEST(socket_and_lifecycle)
{
	CHECK_INT(cause(NGX502_EV_SOCKET_ERR, 0, EMFILE, 0), CAUSE_FD_EXHAUSTED);
	CHECK_INT(cause(NGX502_EV_SOCKET_ERR, 0, ENFILE, 0), CAUSE_FD_EXHAUSTED);
	CHECK_INT(cause(NGX502_EV_SOCKET_ERR, 0, EAFNOSUPPORT, 0), CAUSE_NONE);
	CHECK_INT(cause(NGX502_EV_CONN_RESET, AF_INET, ECONNRESET, 0), CAUSE_UPSTREAM_RESET);
	CHECK_INT(cause(NGX502_EV_CONN_FIN, AF_INET, 0, 0), CAUSE_UPSTREAM_PREMATURE_CLOSE);
	CHECK_INT(cause(NGX502_EV_CONN_ABANDON, AF_INET, 0, 0), CAUSE_NONE);
	CHECK_INT(cause(NGX502_EV_SIGNAL, 0, 0, 0), CAUSE_BACKEND_KILLED);
	CHECK_INT(cause(NGX502_EV_TARGET_NEW, 0, 0, 0), CAUSE_NONE);
	CHECK_INT(cause(NGX502_EV_LOG_LINE, 0, 0, 0), CAUSE_NONE);
}

UNIT_TEST(abandoned_connections)
{
	struct event ev = {.type = NGX502_EV_CONN_ABANDON, .family = AF_INET};

	ev.duration_ns = 1000000000; /* waited a second after the request */
	CHECK_INT(rules__cause_of(&ev), CAUSE_UPSTREAM_READ_TIMEOUT);
	ev.duration_ns = 0;
	ev.bytes_received = 20000; /* nginx took its 4k buffer and dropped the rest */
	ev.unread = 20000 - 4096;
	CHECK_INT(rules__cause_of(&ev), CAUSE_UPSTREAM_HEADER_TOO_BIG);
	ev.unread = 20000 - 8192; /* an 8k buffer */
	CHECK_INT(rules__cause_of(&ev), CAUSE_UPSTREAM_HEADER_TOO_BIG);
	ev.unread = 20000 - 2081; /* a client went away mid-response: not ours */
	CHECK_INT(rules__cause_of(&ev), CAUSE_NONE);
	ev.unread = 0;
	CHECK_INT(rules__cause_of(&ev), CAUSE_NONE);
}

int main(void)
{
	return unit_main();
}
