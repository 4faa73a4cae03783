// SPDX-License-Identifier: GPL-2.0
/*
 * A uprobe on nginx's own ngx_log_error_core(level, log, err, fmt, ...).
 *
 * nginx reports every failed upstream connect() and socket() through it,
 * with the errno of the syscall and the peer's name (pc->name) as the first
 * variadic argument. Reading them here gives the synchronous unix-socket
 * failures (ENOENT, EACCES, ECONNREFUSED, EAGAIN) and the TCP ones that
 * never reach SYN_SENT (EACCES/EPERM, ENETUNREACH) at the moment nginx sees
 * them, before the line is written anywhere, and costs nothing while nginx
 * is healthy: the function runs only when nginx logs.
 */
#include "common.bpf.h"

/* nginx's ngx_str_t: { size_t len; u_char *data; } */
struct ngx_str {
	__u64 len;
	__u64 data;
};

#define FMT_LEN 24

static __always_inline bool has_prefix(const char *s, const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != p[i])
			return false;
	return true;
}

static __always_inline int report_connect(struct pt_regs *ctx, int err, const void *namep)
{
	struct ngx502_conn_event *e;
	struct ngx_str name;
	__u64 off = 0, n;
	char head[5];

	if (bpf_probe_read_user(&name, sizeof(name), namep) || !name.data)
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	if (name.len > 5 && !bpf_probe_read_user(head, sizeof(head), (void *)name.data) &&
	    has_prefix(head, "unix:", 5)) {
		e->daddr.family = NGX502_AF_UNIX;
		off = 5;
	} else if (err == EADDRNOTAVAIL_ && sock_probes) {
		/* The SYN_SENT -> CLOSE tracepoint reports this one already. */
		return 0;
	}
	/* family 0: path[] holds nginx's text name of a TCP peer ("[::1]:9000"). */
	n = name.len - off;
	if (n > sizeof(e->daddr.path) - 1)
		n = sizeof(e->daddr.path) - 1;
	if (bpf_probe_read_user(e->daddr.path, n & 127, (void *)(name.data + off)))
		return 0;
	hdr_fill_current(&e->hdr, NGX502_EV_CONNECT_ERR, sizeof(*e));
	e->err = err;
	e->source = NGX502_SRC_UPROBE;
	emit(ctx, e, sizeof(*e));
	return 0;
}

static __always_inline int report_socket(struct pt_regs *ctx, int err)
{
	struct ngx502_conn_event *e = scratch_get();

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill_current(&e->hdr, NGX502_EV_SOCKET_ERR, sizeof(*e));
	e->err = err;
	e->source = NGX502_SRC_UPROBE;
	emit(ctx, e, sizeof(*e));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(handle_ngx_log_error_core, __u64 level, void *log, int err, const char *fmt)
{
	char f[FMT_LEN];

	if (!err || !current_is_target())
		return 0;
	if (bpf_probe_read_user_str(f, sizeof(f), fmt) < 0)
		return 0;
	/* ngx_event_connect_peer(): "connect() to %V failed", pc->name */
	if (has_prefix(f, "connect() to %V failed", 22))
		return report_connect(ctx, err, (void *)PT_REGS_PARM5(ctx));
	/* ngx_event_connect_peer(): ngx_socket_n " failed" */
	if (has_prefix(f, "socket() failed", 15) && (err == EMFILE_ || err == ENFILE_))
		return report_socket(ctx, err);
	return 0;
}

/*
 * The finished error-log line: the same bytes nginx hands to write(2) or
 * to its syslog writer. Sent with the line only (48 + len bytes).
 */
static __always_inline int capture_line(struct pt_regs *ctx, const void *buf, __u64 len, __s32 fd,
					__u32 flags)
{
	struct ngx502_log_event *e;
	__u32 n;

	if (!current_is_target())
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	if (len > NGX502_LOG_MAX) {
		flags |= NGX502_LOG_TRUNCATED;
		len = NGX502_LOG_MAX;
	}
	n = len;
	if (n > NGX502_LOG_MAX)
		return 0; /* for the verifier: n is bounded */
	if (bpf_probe_read_user(e->line, n, buf))
		return 0;
	hdr_fill_current(&e->hdr, NGX502_EV_LOG_LINE, NGX502_LOG_HDR_SIZE + n);
	e->len = n;
	e->flags = flags;
	e->fd = fd;
	e->reserved = 0;
	emit(ctx, e, NGX502_LOG_HDR_SIZE + n);
	return 0;
}

/* Attached at each `call write` inside ngx_log_error_core: write(fd, errstr, p - errstr). */
SEC("uprobe")
int BPF_KPROBE(handle_ngx_log_write, int fd, const void *buf, __u64 len)
{
	return capture_line(ctx, buf, len, fd, 0);
}

/* ngx_syslog_writer(ngx_log_t *log, ngx_uint_t level, u_char *buf, size_t len) */
SEC("uprobe")
int BPF_KPROBE(handle_ngx_syslog_writer, void *log, __u64 level, const void *buf, __u64 len)
{
	return capture_line(ctx, buf, len, -1, NGX502_LOG_SYSLOG);
}

/*
 * ngx_http_special_response_handler(ngx_http_request_t *r, ngx_int_t error):
 * nginx runs it only when it answers with a response of its own making
 * (ngx_http_finalize_request with a status >= 300, also when error_page then
 * redirects), never for a response an upstream sent. A 5xx here is what the
 * client got. The connection number, "*N" in the error log, is
 * r->connection->log->connection; the offsets come before any #if in nginx's
 * structs, the same in every nginx 1.x on x86-64 (docs/DESIGN.md §5.2).
 */
#define NGX_R_CONNECTION 8 /* ngx_http_request_t: signature (u32), connection */
#define NGX_C_LOG                                                                                  \
	80 /* ngx_connection_t: data, read, write, fd, 4 handlers, listening, sent, log            \
	    */
#define NGX_LOG_CONNECTION 16 /* ngx_log_t: log_level, file, connection */

SEC("uprobe")
int BPF_KPROBE(handle_ngx_special_response, const void *r, __s64 status)
{
	struct ngx502_response_event e = {};
	__u64 c = 0, log = 0;

	if (status < 500 || status > 599 || !current_is_target())
		return 0;
	/* a number nginx did not give (a read failed) stays 0: the response still counts */
	if (!bpf_probe_read_user(&c, sizeof(c), r + NGX_R_CONNECTION) && c &&
	    !bpf_probe_read_user(&log, sizeof(log), (void *)(c + NGX_C_LOG)) && log)
		bpf_probe_read_user(&e.conn, sizeof(e.conn), (void *)(log + NGX_LOG_CONNECTION));
	hdr_fill_current(&e.hdr, NGX502_EV_RESPONSE, sizeof(e));
	e.status = status;
	emit(ctx, &e, sizeof(e));
	return 0;
}
