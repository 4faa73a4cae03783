// SPDX-License-Identifier: GPL-2.0
/*
 * Upstream TCP connections of tracked workers, from connect to close,
 * followed through socket tracepoints only (no syscall tracepoint: those
 * would slow every syscall on the host).
 *
 * nginx connects non-blocking, so connect() returns EINPROGRESS and the
 * outcome arrives later, in softirq context of whatever task happens to
 * run (often the peer). The socket is therefore claimed for a worker when
 * the worker itself moves it to SYN_SENT, and every later event is
 * attributed through the socket, never through the current task.
 *
 * Once established, a connection is news only when it ends badly while a
 * request is in flight: nginx sent bytes after the last bytes it received.
 * The kernel stamps both (tcp_sock.lsndtime, icsk_ack.lrcvtime), so idle
 * keep-alive connections that the backend closes are no failure: they are
 * sent as NGX502_EV_CONN_IDLE_CLOSE with how long they sat idle, from which
 * user space learns the backend's idle timeout (docs/DESIGN.md §4).
 */
#include "common.bpf.h"

extern unsigned int CONFIG_HZ __kconfig __weak;

static __always_inline void addr_from_sock(const struct sock *sk, __u16 family, __u8 *daddr)
{
	if (family == NGX502_AF_INET6)
		__builtin_memcpy(daddr, &sk->__sk_common.skc_v6_daddr, 16);
	else
		__builtin_memcpy(daddr, &sk->__sk_common.skc_daddr, 4);
}

static __always_inline __u32 port_key(const struct conn *c)
{
	return conn_port_idx(c->family, c->sport);
}

/*
 * Milliseconds since nginx last sent data on sk; 0 when nothing is in
 * flight. tp is the typed tcp_sock (bpf_skc_to_tcp_sock): plain loads.
 */
static __always_inline __u64 in_flight_ms(const struct tcp_sock *tp)
{
	__u32 lsnd = tp->lsndtime, lrcv = tp->inet_conn.icsk_ack.lrcvtime;
	__u32 hz = CONFIG_HZ ? CONFIG_HZ : 250, now = (__u32)bpf_jiffies64();

	if (!tp->bytes_sent)
		return 0;
	/* data segments, not bytes_received: that one counts the FIN's sequence number too */
	if (tp->data_segs_in && (__s32)(lsnd - lrcv) <= 0)
		return 0;
	/* at least 1: in flight, even when the wait is shorter than a jiffy */
	return (__u64)(now - lsnd) * 1000 / hz + 1;
}

static __always_inline __u32 jiffies_ms(__u32 j)
{
	__u32 hz = CONFIG_HZ ? CONFIG_HZ : 250;

	return (__u64)j * 1000 / hz;
}

/*
 * A reused keep-alive connection: response data had come in before nginx's
 * latest send (lrcvtime stamps data only, not a bare FIN). How long it sat
 * idle before that send, in ms, at least 1; 0 on its first request, when
 * nothing but the handshake came before (a TLS handshake counts as data).
 */
static __always_inline __u32 reuse_idle_ms(const struct tcp_sock *tp)
{
	__s32 idle = tp->lsndtime - tp->inet_conn.icsk_ack.lrcvtime;
	__u32 ms;

	if (!tp->data_segs_in || idle < 0)
		return 0;
	ms = jiffies_ms(idle);
	return ms ? ms : 1;
}

/* How long a connection with nothing in flight has been idle: since its last byte either way. */
static __always_inline __u32 idle_now_ms(const struct tcp_sock *tp)
{
	__u32 lsnd = tp->lsndtime, last = tp->inet_conn.icsk_ack.lrcvtime;

	if ((__s32)(lsnd - last) > 0)
		last = lsnd;
	return jiffies_ms((__u32)bpf_jiffies64() - last);
}

/* The peer's FIN takes a sequence number and counts in bytes_received, but is no byte. */
static __always_inline __u32 fin_seen(const struct tcp_sock *tp)
{
	const struct sock *sk = &tp->inet_conn.icsk_inet.sk;

	return (sk->sk_shutdown & 1 /* RCV_SHUTDOWN */) &&
	       sk->__sk_common.skc_state != TCP_ESTABLISHED_;
}

/* Bytes that arrived and nginx never read. */
static __always_inline __u32 unread_bytes(const struct tcp_sock *tp)
{
	__u32 n = tp->rcv_nxt - tp->copied_seq;

	return n ? n - fin_seen(tp) : 0;
}

static __always_inline void emit_conn(void *ctx, __u16 type, const struct sock *sk, struct conn *c,
				      __s32 err, int oldstate, int newstate, __u64 duration_ns)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	struct ngx502_conn_event *e = scratch_get();

	if (!e || !tp)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill(&e->hdr, type, sizeof(*e), c->tgid, c->tid, c->cgroup_id);
	e->sock = (__u64)sk;
	e->duration_ns = duration_ns;
	e->bytes_sent = tp->bytes_sent;
	e->bytes_received = tp->bytes_received;
	if (e->bytes_received)
		e->bytes_received -= fin_seen(tp);
	e->err = err;
	e->source = NGX502_SRC_SOCK_TP;
	e->sport = sk->__sk_common.skc_num;
	e->old_state = oldstate;
	e->new_state = newstate;
	e->retrans = c->retrans;
	e->daddr.family = c->family;
	e->daddr.port = c->dport;
	__builtin_memcpy(e->daddr.addr, c->daddr, sizeof(e->daddr.addr));
	/* unread: what arrived and nginx never read (a header too big to take, for one) */
	e->unread = unread_bytes(tp);
	if (type == NGX502_EV_CONN_IDLE_CLOSE)
		e->idle_ms = idle_now_ms(tp);
	else if (type == NGX502_EV_CONN_RESET || type == NGX502_EV_CONN_FIN ||
		 type == NGX502_EV_CONN_ABANDON)
		e->idle_ms = reuse_idle_ms(tp);
	emit(ctx, e, sizeof(*e));
}

/*
 * nginx's state for sk, NULL for every socket that is not an upstream socket
 * of a target: the counting filter answers for nearly all of those with one
 * inlined array load, before any hash lookup.
 */
static __always_inline struct conn *conn_of(const struct sock *sk)
{
	__u32 slot = conn_filter_idx(sk);
	__u64 key = (__u64)sk;
	__u32 *n = bpf_map_lookup_elem(&conn_filter, &slot);

	if (!n || !*n)
		return NULL;
	return bpf_map_lookup_elem(&conns, &key);
}

static __always_inline int on_syn_sent(const struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid(), key = (__u64)sk;
	__u32 slot = conn_filter_idx(sk), *n;
	struct conn c = {};
	long err;

	/* Process context: the task is the one calling connect(). */
	if (!target_of(id >> 32))
		return 0;
	c.start_ns = bpf_ktime_get_ns();
	c.cgroup_id = bpf_get_current_cgroup_id();
	c.tgid = id >> 32;
	c.tid = (__u32)id;
	c.family = sk->__sk_common.skc_family;
	c.dport = bpf_ntohs(sk->__sk_common.skc_dport);
	c.state = TCP_SYN_SENT_;
	addr_from_sock(sk, c.family, c.daddr);
	err = bpf_map_update_elem(&conns, &key, &c, BPF_NOEXIST);
	if (err == -EEXIST_) {
		/* the same socket connects again after a failed connect: it starts afresh */
		bpf_map_update_elem(&conns, &key, &c, BPF_EXIST);
		return 0;
	}
	if (err) {
		stat_inc(NGX502_STAT_CONNS_FULL);
		return 0;
	}
	n = bpf_map_lookup_elem(&conn_filter, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

/* SYN_SENT -> CLOSE: a connect that failed. */
static __always_inline void on_connect_failed(void *ctx, const struct sock *sk, struct conn *c)
{
	__u64 dur = bpf_ktime_get_ns() - c->start_ns;
	__s32 err = sk->sk_err;

	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

	/*
	 * The kernel sets sk_err before the state change (tcp_done_with_error,
	 * tcp_v4_err): RST in answer to the SYN -> ECONNREFUSED, ICMP ->
	 * EHOSTUNREACH/ENETUNREACH, SYN retries used up -> ETIMEDOUT. No error:
	 * either tcp_v4_connect() found no local port (it sets SYN_SENT before
	 * picking one, and no SYN ever left: EADDRNOTAVAIL), or nginx closed it
	 * itself after its SYN went out (its connect timer, or the client went
	 * away). The local port tells neither: tcp_set_state(CLOSE) releases
	 * it before this tracepoint runs. The socket's own count of segments
	 * sent does: the SYN is one.
	 */
	if (!tp)
		return;
	if (err)
		emit_conn(ctx, NGX502_EV_TCP_CONNECT_ERR, sk, c, err, TCP_SYN_SENT_, TCP_CLOSE_,
			  dur);
	else if (!tp->segs_out)
		emit_conn(ctx, NGX502_EV_CONNECT_ERR, sk, c, EADDRNOTAVAIL_, TCP_SYN_SENT_,
			  TCP_CLOSE_, dur);
	else
		emit_conn(ctx, NGX502_EV_CONNECT_ABORT, sk, c, 0, TCP_SYN_SENT_, TCP_CLOSE_, dur);
}

/* An established connection changes state: FIN from the peer, or nginx closing it. */
static __always_inline void on_established_change(void *ctx, const struct sock *sk, struct conn *c,
						  int oldstate, int newstate)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	__u64 waited;

	if (!tp)
		return;
	waited = in_flight_ms(tp);

	if (c->reported)
		return;
	if (oldstate == TCP_ESTABLISHED_ && newstate == TCP_CLOSE_WAIT_) {
		/* The peer's FIN, in softirq. Normal after a response; not before one. */
		if (waited) {
			c->reported = 1;
			emit_conn(ctx, NGX502_EV_CONN_FIN, sk, c, 0, oldstate, newstate,
				  waited * 1000000);
		} else if (tp->data_segs_in && idle_now_ms(tp) >= NGX502_IDLE_CLOSE_MIN_MS) {
			/*
			 * A keep-alive connection the backend closed for being idle: no
			 * failure, but its idle timeout, which user space learns per
			 * upstream. One per connection: ESTABLISHED -> CLOSE_WAIT happens once.
			 */
			emit_conn(ctx, NGX502_EV_CONN_IDLE_CLOSE, sk, c, 0, oldstate, newstate, 0);
		}
		return;
	}
	if (newstate != TCP_FIN_WAIT1_ && newstate != TCP_CLOSE_ && newstate != TCP_LAST_ACK_)
		return;
	/* Our side closes. Only nginx's own close() counts here, in its process context. */
	if ((bpf_get_current_pid_tgid() >> 32) != c->tgid)
		return;
	if ((waited > abandon_min_ms && oldstate == TCP_ESTABLISHED_) || unread_bytes(tp)) {
		c->reported = 1;
		emit_conn(ctx, NGX502_EV_CONN_ABANDON, sk, c, 0, oldstate, newstate,
			  waited * 1000000);
	}
}

/* Forget a connection: nginx closed it, or it is gone. */
static __always_inline void conn_forget(const struct sock *sk, struct conn *c)
{
	__u32 pk = port_key(c), slot = conn_filter_idx(sk), *n;
	__u64 key = (__u64)sk;
	struct conn_port *cp;

	if (c->sport) {
		cp = bpf_map_lookup_elem(&conn_ports, &pk);
		if (cp && cp->sock == key)
			cp->sock = 0;
	}
	if (bpf_map_delete_elem(&conns, &key))
		return;
	n = bpf_map_lookup_elem(&conn_filter, &slot);
	if (n && *n)
		__sync_fetch_and_add(n, -1);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	struct conn_port *cp;
	struct conn *c;
	__u32 pk;

	/*
	 * Hot path: every TCP state change on the host runs this, ~10 per
	 * proxied request. What matters is decided from the two states first:
	 * a connect (SYN_SENT, one hash lookup of the current task), or a
	 * change out of SYN_SENT/ESTABLISHED/CLOSE_WAIT (the counting filter,
	 * then the hash for nginx's own). Every other transition leaves after
	 * two compares.
	 */
	if (newstate == TCP_SYN_SENT_)
		return sk->sk_protocol == IPPROTO_TCP_ ? on_syn_sent(sk) : 0;
	if (oldstate != TCP_SYN_SENT_ && oldstate != TCP_ESTABLISHED_ &&
	    oldstate != TCP_CLOSE_WAIT_)
		return 0;
	c = conn_of(sk);
	if (!c)
		return 0;
	if (oldstate == TCP_SYN_SENT_ && newstate == TCP_ESTABLISHED_) {
		c->state = TCP_ESTABLISHED_;
		c->sport = sk->__sk_common.skc_num;
		pk = port_key(c);
		cp = bpf_map_lookup_elem(&conn_ports, &pk);
		if (cp) {
			cp->sock = (__u64)sk;
			cp->tgid = c->tgid;
			cp->dport = c->dport;
		}
		return 0;
	}
	if (oldstate == TCP_SYN_SENT_ && newstate == TCP_CLOSE_)
		on_connect_failed(ctx, sk, c);
	else if (oldstate == TCP_ESTABLISHED_ || oldstate == TCP_CLOSE_WAIT_)
		on_established_change(ctx, sk, c, oldstate, newstate);
	c->state = newstate;
	/*
	 * Once nginx closes its end (FIN_WAIT1, LAST_ACK) nothing more can go
	 * wrong for its request: forget the socket now, so the transitions that
	 * follow cost a lookup miss, not updates.
	 */
	if (newstate == TCP_CLOSE_ || newstate == TCP_FIN_WAIT1_ || newstate == TCP_LAST_ACK_)
		conn_forget(sk, c);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(handle_tcp_receive_reset, struct sock *sk)
{
	struct tcp_sock *tp;
	struct conn *c;
	__u64 waited;

	c = conn_of(sk);
	if (!c || c->reported)
		return 0;
	/* In SYN_SENT the close that follows reports it, as ECONNREFUSED. */
	if (c->state != TCP_ESTABLISHED_ && c->state != TCP_CLOSE_WAIT_)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	waited = in_flight_ms(tp);
	if (!waited)
		return 0;
	c->reported = 1;
	emit_conn(ctx, NGX502_EV_CONN_RESET, sk, c, ECONNRESET_, c->state, TCP_CLOSE_,
		  waited * 1000000);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(handle_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	struct conn *c;

	/* only a SYN retransmit matters: a socket still in SYN_SENT */
	if (sk->__sk_common.skc_state != TCP_SYN_SENT_)
		return 0;
	c = conn_of(sk);
	if (!c || c->state != TCP_SYN_SENT_)
		return 0;
	if (sk->__sk_common.skc_state != TCP_SYN_SENT_)
		return 0;
	c->retrans++;
	/* The first retransmit is the news (SYN unanswered for ~1 s); later ones add little. */
	if (c->retrans == 1)
		emit_conn(ctx, NGX502_EV_SYN_RETRANS, sk, c, 0, TCP_SYN_SENT_, TCP_SYN_SENT_,
			  bpf_ktime_get_ns() - c->start_ns);
	return 0;
}
