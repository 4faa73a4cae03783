// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "ngx502.h"
#include "event.h"
#include "upstream.h"

_Static_assert(sizeof(struct ngx502_hdr) == 32, "ngx502_hdr layout changed: bump the version");
_Static_assert(sizeof(struct ngx502_addr) == 136, "ngx502_addr layout changed: bump the version");
_Static_assert(sizeof(struct ngx502_conn_event) == 224,
	       "conn_event layout changed: bump the version");
_Static_assert(sizeof(struct ngx502_target_event) == 64, "target_event layout changed");
_Static_assert(sizeof(struct ngx502_signal_event) == 224, "signal_event layout changed");
_Static_assert(sizeof(struct ngx502_log_event) == NGX502_LOG_HDR_SIZE + NGX502_LOG_MAX,
	       "log_event layout changed");
_Static_assert(sizeof(struct ngx502_response_event) == 48, "response_event layout changed");
_Static_assert(sizeof(struct ngx502_oom_event) == 112, "oom_event layout changed");

static const char *const type_names[NGX502_EV_MAX] = {
	[NGX502_EV_CONNECT_ERR] = "connect_error",
	[NGX502_EV_TCP_CONNECT_ERR] = "tcp_connect_error",
	[NGX502_EV_SYN_RETRANS] = "syn_retransmit",
	[NGX502_EV_CONNECT_ABORT] = "connect_abort",
	[NGX502_EV_SOCKET_ERR] = "socket_error",
	[NGX502_EV_TARGET_NEW] = "target_new",
	[NGX502_EV_TARGET_EXIT] = "target_exit",
	[NGX502_EV_CONN_RESET] = "conn_reset",
	[NGX502_EV_CONN_FIN] = "conn_fin",
	[NGX502_EV_CONN_ABANDON] = "conn_abandon",
	[NGX502_EV_SIGNAL] = "signal",
	[NGX502_EV_LOG_LINE] = "log_line",
	[NGX502_EV_RESPONSE] = "response",
	[NGX502_EV_OOM_VICTIM] = "oom_victim",
	[NGX502_EV_CONN_IDLE_CLOSE] = "conn_idle_close",
};

const char *event__type_name(int type)
{
	if (type <= 0 || type >= NGX502_EV_MAX || !type_names[type])
		return "unknown";
	return type_names[type];
}

const char *event__source_name(int source)
{
	switch (source) {
	case NGX502_SRC_SOCK_TP:
		return "sock_tracepoint";
	case NGX502_SRC_UPROBE:
		return "nginx_uprobe";
	case NGX502_SRC_SYSCALL:
		return "syscall_tracepoint";
	default:
		return "none";
	}
}

/* Copy a fixed-size kernel char array as a C string, never past its end. */
static void copy_fixed(char *dst, size_t dsize, const char *src, size_t ssize)
{
	size_t n = strnlen(src, ssize);

	if (n >= dsize)
		n = dsize - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *event__format_addr(int family, const unsigned char *addr, int port, const char *path,
			       char *buf, size_t size)
{
	struct upstream_key k = {.family = family, .port = port};

	if (family == AF_INET || family == AF_INET6) {
		memcpy(k.addr, addr, family == AF_INET ? 4 : 16);
	} else if (family == AF_UNIX) {
		snprintf(k.path, sizeof(k.path), "%s", path);
	} else {
		snprintf(buf, size, "%s", path ? path : "");
		return buf;
	}
	upstream__format(&k, buf, size);
	return buf;
}

/* nginx's text name of a TCP peer ("10.0.0.5:8080", "[::1]:9000") into family/addr/port. */
static void parse_text_name(struct event *ev, const char *name)
{
	struct upstream_key k;

	if (upstream__parse(name, &k) || (k.family != AF_INET && k.family != AF_INET6))
		return;
	ev->family = k.family;
	memcpy(ev->addr, k.addr, sizeof(ev->addr));
	ev->port = k.port;
}

static int decode_addr(const struct ngx502_addr *a, struct event *ev)
{
	char path[NGX502_PATH_MAX + 1];

	copy_fixed(path, sizeof(path), a->path, sizeof(a->path));
	switch (a->family) {
	case NGX502_AF_UNIX:
		ev->family = AF_UNIX;
		break;
	case NGX502_AF_INET:
		ev->family = AF_INET;
		memcpy(ev->addr, a->addr, 4);
		ev->port = a->port;
		break;
	case NGX502_AF_INET6:
		ev->family = AF_INET6;
		memcpy(ev->addr, a->addr, 16);
		ev->port = a->port;
		break;
	case 0:
		/* nginx's own name of the peer, from the uprobe */
		parse_text_name(ev, path);
		break;
	default:
		return -EINVAL;
	}
	if (ev->family || path[0])
		event__format_addr(ev->family, ev->addr, ev->port, path, ev->upstream,
				   sizeof(ev->upstream));
	return 0;
}

static int decode_conn(const struct ngx502_conn_event *e, struct event *ev)
{
	ev->sock = e->sock;
	ev->duration_ns = e->duration_ns;
	ev->bytes_sent = e->bytes_sent;
	ev->bytes_received = e->bytes_received;
	ev->err = e->err;
	ev->source = e->source;
	ev->sport = e->sport;
	ev->old_state = e->old_state;
	ev->new_state = e->new_state;
	ev->retrans = e->retrans;
	ev->peer_pid = e->peer_pid;
	ev->unread = e->unread;
	ev->idle_ms = e->idle_ms;
	return decode_addr(&e->daddr, ev);
}

/*
 * perf hands a sample over at 4-byte alignment (after its u32 size), and the
 * records hold u64 fields: every fixed part is copied to an aligned local
 * before a field is read. A log line's text is read in place.
 */
int event__decode(const void *data, size_t size, struct event *ev)
{
	struct ngx502_hdr h;

	memset(ev, 0, sizeof(*ev));
	if (!data || size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.version != NGX502_EVENT_VERSION)
		return -EPROTO;
	/* perf pads records to 8 bytes: the record may be shorter than what arrived, never longer
	 */
	if (h.size < sizeof(h) || h.size > size)
		return -EINVAL;
	size = h.size;
	ev->type = h.type;
	ev->ts_ns = h.ts_ns;
	ev->cgroup_id = h.cgroup_id;
	ev->pid = h.pid;
	ev->tid = h.tid;

	switch (h.type) {
	case NGX502_EV_CONNECT_ERR:
	case NGX502_EV_TCP_CONNECT_ERR:
	case NGX502_EV_SYN_RETRANS:
	case NGX502_EV_CONNECT_ABORT:
	case NGX502_EV_SOCKET_ERR:
	case NGX502_EV_CONN_RESET:
	case NGX502_EV_CONN_FIN:
	case NGX502_EV_CONN_ABANDON:
	case NGX502_EV_CONN_IDLE_CLOSE: {
		struct ngx502_conn_event e;

		if (size != sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		return decode_conn(&e, ev);
	}
	case NGX502_EV_TARGET_NEW:
	case NGX502_EV_TARGET_EXIT: {
		struct ngx502_target_event e;

		if (size != sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		ev->ppid = e.ppid;
		ev->reason = e.reason;
		ev->exit_code = e.exit_code;
		copy_fixed(ev->comm, sizeof(ev->comm), e.comm, sizeof(e.comm));
		return 0;
	}
	case NGX502_EV_SIGNAL: {
		struct ngx502_signal_event e;

		if (size != sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		ev->sock = e.sock;
		ev->sig = e.sig;
		ev->sender_pid = e.sender_pid;
		ev->nginx_pid = e.nginx_pid;
		ev->sig_flags = e.flags;
		copy_fixed(ev->comm, sizeof(ev->comm), e.comm, sizeof(e.comm));
		copy_fixed(ev->sender_comm, sizeof(ev->sender_comm), e.sender_comm,
			   sizeof(e.sender_comm));
		return decode_addr(&e.daddr, ev);
	}
	case NGX502_EV_LOG_LINE: {
		struct ngx502_log_event_head {
			struct ngx502_hdr hdr;
			__u32 len, flags;
			__s32 fd;
			__u32 reserved;
		} e;

		_Static_assert(sizeof(e) == NGX502_LOG_HDR_SIZE, "log record header");
		if (size < sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		if (e.len > NGX502_LOG_MAX || size < NGX502_LOG_HDR_SIZE + (size_t)e.len)
			return -EINVAL;
		ev->log_flags = e.flags;
		ev->log_fd = e.fd;
		ev->line = (const char *)data + NGX502_LOG_HDR_SIZE;
		ev->line_len = e.len;
		return 0;
	}
	case NGX502_EV_RESPONSE: {
		struct ngx502_response_event e;

		if (size != sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		ev->conn = e.conn;
		ev->status = e.status;
		return 0;
	}
	case NGX502_EV_OOM_VICTIM: {
		struct ngx502_oom_event e;

		if (size != sizeof(e))
			return -EINVAL;
		memcpy(&e, data, sizeof(e));
		ev->oom.memcg_id = e.memcg_id;
		ev->oom.limit_pages = e.limit_pages;
		ev->oom.usage_pages = e.usage_pages;
		ev->oom.peak_pages = e.peak_pages;
		ev->oom.rss_pages = e.anon_pages + e.file_pages + e.shmem_pages;
		ev->oom.flags = e.flags;
		ev->oom.ts_ns = e.hdr.ts_ns;
		copy_fixed(ev->comm, sizeof(ev->comm), e.comm, sizeof(e.comm));
		return 0;
	}
	default:
		return -EINVAL;
	}
}
