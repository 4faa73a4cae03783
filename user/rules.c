// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "ngx502.h"
#include "rules.h"

#define RULES_PAGE 4096

/* A connect() that failed at once: the errno and the family say it all. */
static enum cause connect_err(int family, int err)
{
	if (family == AF_UNIX) {
		switch (err) {
		case ENOENT:
		case ENOTDIR:
			return CAUSE_UPSTREAM_SOCKET_MISSING;
		case EACCES:
		case EPERM:
			return CAUSE_UPSTREAM_SOCKET_PERMISSION;
		case ECONNREFUSED:
			return CAUSE_UPSTREAM_SOCKET_STALE;
		case EAGAIN:
			return CAUSE_UPSTREAM_BACKLOG_FULL;
		default:
			return CAUSE_UNKNOWN;
		}
	}
	switch (err) {
	case ECONNREFUSED:
		return CAUSE_UPSTREAM_REFUSED;
	case EACCES:
	case EPERM:
		return CAUSE_UPSTREAM_CONNECT_DENIED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return CAUSE_UPSTREAM_UNREACHABLE;
	case ETIMEDOUT:
		return CAUSE_UPSTREAM_CONNECT_TIMEOUT;
	case EADDRNOTAVAIL:
		return CAUSE_LOCAL_PORTS_EXHAUSTED;
	case EMFILE:
	case ENFILE:
		return CAUSE_FD_EXHAUSTED;
	default:
		return CAUSE_UNKNOWN;
	}
}

enum cause rules__cause_of(const struct event *ev)
{
	switch (ev->type) {
	case NGX502_EV_CONNECT_ERR:
	case NGX502_EV_TCP_CONNECT_ERR:
		return ev->err ? connect_err(ev->family, ev->err) : CAUSE_NONE;
	case NGX502_EV_SYN_RETRANS:
		/* A SYN unanswered for a second: nginx will give up on its timer (504). */
		return CAUSE_UPSTREAM_CONNECT_TIMEOUT;
	case NGX502_EV_CONNECT_ABORT:
		/* nginx closed a socket still in SYN_SENT: its timer fired only if SYNs went
		 * unanswered. */
		return ev->retrans > 0 ? CAUSE_UPSTREAM_CONNECT_TIMEOUT : CAUSE_NONE;
	case NGX502_EV_SOCKET_ERR:
		return (ev->err == EMFILE || ev->err == ENFILE) ? CAUSE_FD_EXHAUSTED : CAUSE_NONE;
	case NGX502_EV_CONN_RESET:
		return CAUSE_UPSTREAM_RESET;
	case NGX502_EV_CONN_FIN:
		return CAUSE_UPSTREAM_PREMATURE_CLOSE;
	case NGX502_EV_CONN_ABANDON:
		/*
		 * nginx closed an upstream connection itself. Nothing came back
		 * since its request: its read timer fired. Bytes lie unread
		 * and what nginx took fills whole pages: it stopped at its
		 * header buffer (proxy_buffer_size is a page or a few). Any
		 * other unread remainder is a client that went away (499).
		 */
		if (ev->duration_ns)
			return CAUSE_UPSTREAM_READ_TIMEOUT;
		if (ev->unread && ev->bytes_received > ev->unread) {
			uint64_t taken = ev->bytes_received - ev->unread;

			if (taken >= RULES_PAGE && taken % RULES_PAGE == 0)
				return CAUSE_UPSTREAM_HEADER_TOO_BIG;
		}
		return CAUSE_NONE;
	case NGX502_EV_SIGNAL:
		return CAUSE_BACKEND_KILLED;
	default:
		return CAUSE_NONE;
	}
}
