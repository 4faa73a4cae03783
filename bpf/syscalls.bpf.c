// SPDX-License-Identifier: GPL-2.0
/*
 * Fallback for an nginx without the ngx_log_error_core symbol: connect()
 * and socket() failures from the syscall tracepoints. Loaded only when the
 * uprobe cannot be used (or --syscall-probes asks for it), because enabling
 * any syscall tracepoint sends every syscall on the host through the slow
 * path.
 */
#include "common.bpf.h"

#define AF_UNIX_  1
#define AF_INET_  2
#define AF_INET6_ 10

SEC("tracepoint/syscalls/sys_enter_connect")
int handle_sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), uaddr;

	if (!target_of(id >> 32))
		return 0;
	uaddr = BPF_CORE_READ(ctx, args[1]);
	bpf_map_update_elem(&pending, &id, &uaddr, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int handle_sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), *uaddrp, uaddr;
	struct ngx502_conn_event *e;
	long ret = BPF_CORE_READ(ctx, ret);
	__u16 family;

	uaddrp = bpf_map_lookup_elem(&pending, &id);
	if (!uaddrp)
		return 0;
	uaddr = *uaddrp;
	bpf_map_delete_elem(&pending, &id);
	if (ret >= 0 || ret == -EINPROGRESS_)
		return 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uaddr))
		return 0;
	if (family != AF_UNIX_ && -ret == EADDRNOTAVAIL_ && sock_probes)
		return 0; /* reported by the SYN_SENT -> CLOSE tracepoint */
	e = scratch_get();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill_current(&e->hdr, NGX502_EV_CONNECT_ERR, sizeof(*e));
	e->err = -ret;
	e->source = NGX502_SRC_SYSCALL;
	e->daddr.family = family;
	if (family == AF_UNIX_) {
		struct sockaddr_un *sun = (void *)uaddr;

		bpf_probe_read_user_str(e->daddr.path, sizeof(e->daddr.path), sun->sun_path);
	} else if (family == AF_INET_) {
		struct sockaddr_in *sin = (void *)uaddr;
		__u16 port;

		bpf_probe_read_user(&port, sizeof(port), &sin->sin_port);
		e->daddr.port = bpf_ntohs(port);
		bpf_probe_read_user(e->daddr.addr, 4, &sin->sin_addr);
	} else if (family == AF_INET6_) {
		struct sockaddr_in6 *sin6 = (void *)uaddr;
		__u16 port;

		bpf_probe_read_user(&port, sizeof(port), &sin6->sin6_port);
		e->daddr.port = bpf_ntohs(port);
		bpf_probe_read_user(e->daddr.addr, 16, &sin6->sin6_addr);
	} else {
		return 0;
	}
	emit(ctx, e, sizeof(*e));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socket")
int handle_sys_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	long ret = BPF_CORE_READ(ctx, ret);
	struct ngx502_conn_event *e;

	if (ret != -EMFILE_ && ret != -ENFILE_)
		return 0;
	if (!current_is_target())
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill_current(&e->hdr, NGX502_EV_SOCKET_ERR, sizeof(*e));
	e->err = -ret;
	e->source = NGX502_SRC_SYSCALL;
	emit(ctx, e, sizeof(*e));
	return 0;
}
