// SPDX-License-Identifier: GPL-2.0
/*
 * Upstream TCP connects of tracked workers, followed through socket
 * tracepoints only (no syscall tracepoint: those would slow every syscall
 * on the host).
 *
 * nginx connects non-blocking, so connect() returns EINPROGRESS and the
 * outcome arrives later, in softirq context of whatever task happens to
 * run (often the peer). The socket is therefore claimed for a worker when
 * the worker itself moves it to SYN_SENT, and every later event is
 * attributed through the socket, never through the current task.
 */
#include "common.bpf.h"

static __always_inline void addr_from_sock(const struct sock *sk, __u16 family, __u8 *daddr)
{
	/* sizes spelled out: BPF_CORE_READ_INTO would copy sizeof(*daddr), one byte */
	if (family == NGX502_AF_INET6)
		bpf_core_read(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	else
		bpf_core_read(daddr, 4, &sk->__sk_common.skc_daddr);
}

static __always_inline void emit_conn(void *ctx, __u16 type, const struct sock *sk, struct conn *c,
				      __s32 err, int oldstate, int newstate)
{
	struct ngx502_conn_event *e = scratch_get();

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill(&e->hdr, type, sizeof(*e), c->tgid, c->tid, c->cgroup_id);
	e->sock = (__u64)sk;
	e->duration_ns = e->hdr.ts_ns - c->start_ns;
	e->err = err;
	e->source = NGX502_SRC_SOCK_TP;
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->old_state = oldstate;
	e->new_state = newstate;
	e->retrans = c->retrans;
	e->daddr.family = c->family;
	e->daddr.port = c->dport;
	__builtin_memcpy(e->daddr.addr, c->daddr, sizeof(e->daddr.addr));
	emit(ctx, e, sizeof(*e));
}

static __always_inline int on_syn_sent(const struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid(), key = (__u64)sk;
	struct conn c = {};

	/* Process context: the task is the one calling connect(). */
	if (!target_of(id >> 32))
		return 0;
	c.start_ns = bpf_ktime_get_ns();
	c.cgroup_id = bpf_get_current_cgroup_id();
	c.tgid = id >> 32;
	c.tid = (__u32)id;
	c.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	c.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	c.state = TCP_SYN_SENT_;
	addr_from_sock(sk, c.family, c.daddr);
	if (bpf_map_update_elem(&conns, &key, &c, BPF_ANY))
		stat_inc(NGX502_STAT_CONNS_FULL);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	struct conn *c;
	__s32 err;

	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP_)
		return 0;
	if (newstate == TCP_SYN_SENT_)
		return on_syn_sent(sk);

	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	if (oldstate == TCP_SYN_SENT_ && newstate == TCP_ESTABLISHED_) {
		c->state = TCP_ESTABLISHED_;
		/* Issue 3 follows established connections; until then, forget it. */
		bpf_map_delete_elem(&conns, &key);
		return 0;
	}
	if (newstate != TCP_CLOSE_) {
		c->state = newstate;
		return 0;
	}
	if (oldstate == TCP_SYN_SENT_) {
		/*
		 * A failed connect. The kernel sets sk_err before the state
		 * change (tcp_done_with_error, tcp_v4_err): RST in answer to
		 * the SYN -> ECONNREFUSED, ICMP -> EHOSTUNREACH/ENETUNREACH,
		 * SYN retries used up -> ETIMEDOUT. No error and no local port
		 * means tcp_v4_connect() could not pick one: EADDRNOTAVAIL.
		 * No error otherwise: nginx closed it itself (connect timeout
		 * or the client went away).
		 */
		err = BPF_CORE_READ(sk, sk_err);
		if (err)
			emit_conn(ctx, NGX502_EV_TCP_CONNECT_ERR, sk, c, err, oldstate, newstate);
		else if (!BPF_CORE_READ(sk, __sk_common.skc_num))
			emit_conn(ctx, NGX502_EV_CONNECT_ERR, sk, c, EADDRNOTAVAIL_, oldstate, newstate);
		else
			emit_conn(ctx, NGX502_EV_CONNECT_ABORT, sk, c, 0, oldstate, newstate);
	}
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(handle_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	__u64 key = (__u64)sk;
	struct conn *c;

	c = bpf_map_lookup_elem(&conns, &key);
	if (!c || c->state != TCP_SYN_SENT_)
		return 0;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_SYN_SENT_)
		return 0;
	c->retrans++;
	/* The first retransmit is the news (SYN unanswered for ~1 s); later ones add little. */
	if (c->retrans == 1)
		emit_conn(ctx, NGX502_EV_SYN_RETRANS, sk, c, 0, TCP_SYN_SENT_, TCP_SYN_SENT_);
	return 0;
}
