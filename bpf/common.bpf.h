/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by every BPF object of ngx502-trace: the maps (defined once in
 * maps.bpf.c, declared extern here so the static linker joins them), the
 * settings the loader fills before load, and small helpers.
 */
#ifndef __COMMON_BPF_H
#define __COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ngx502.h"

#define MAX_TARGETS 8192
#define MAX_CGROUPS 64
#define MAX_CONNS   16384 /* upstream connections in flight at once */
#define MAX_PENDING 4096

#define IPPROTO_TCP_   6
#define EINPROGRESS_   115
#define EADDRNOTAVAIL_ 99
#define EMFILE_	       24
#define ECONNRESET_    104
#define ENFILE_	       23
#define EEXIST_	       17

/* include/net/tcp_states.h */
enum {
	TCP_ESTABLISHED_ = 1,
	TCP_SYN_SENT_ = 2,
	TCP_FIN_WAIT1_ = 4,
	TCP_CLOSE_ = 7,
	TCP_CLOSE_WAIT_ = 8,
	TCP_LAST_ACK_ = 9,
};

/* An upstream TCP socket of a tracked worker, keyed by its struct sock address. */
struct conn {
	__u64 start_ns; /* entered SYN_SENT */
	__u64 cgroup_id;
	__u32 tgid;
	__u32 tid;
	__u16 family;
	__u16 dport;
	__u16 retrans;
	__u16 sport;
	__u8 state;
	__u8 reported; /* a failure of this connection was sent already */
	__u8 pad[6];
	__u8 daddr[16];
};

/* What a backend's peer port leads to: nginx's socket (0: none), its worker and the upstream port.
 */
struct conn_port {
	__u64 sock;
	__u32 tgid;
	__u16 dport;
	__u16 pad;
};

#define CONN_PORTS (2 * 65536) /* IPv4 and IPv6 local ports */

/*
 * Local port of an established upstream connection -> its socket: finds our
 * end from the peer's. An array indexed by port (2 MB): setting and clearing
 * an entry on the hot path is a plain store, no hash.
 */
struct conn_ports_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CONN_PORTS);
	__type(key, __u32); /* conn_port_idx() */
	__type(value, struct conn_port);
};

static __always_inline __u32 conn_port_idx(__u16 family, __u16 port)
{
	return (family == NGX502_AF_INET6 ? 65536u : 0) | port;
}

#define CONN_FILTER_BITS 12

/*
 * A counting filter over `conns`: slot conn_filter_idx(sk) counts the sockets
 * of that slot in the map. Every TCP state change of the host asks it (an
 * array load the verifier inlines); 0 means "not nginx's" with no hash
 * lookup, so only nginx's own sockets, and the few that share their slot,
 * pay for one. The slot comes from the peer's address and port, which are
 * set before SYN_SENT and never change (the local port is not chosen yet
 * then, and the verifier allows no arithmetic on the socket's address).
 */
struct conn_filter_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1u << CONN_FILTER_BITS);
	__type(key, __u32);
	__type(value, __u32);
};

static __always_inline __u32 conn_filter_idx(const struct sock *sk)
{
	__u64 peer =
		(__u64)(sk->__sk_common.skc_daddr ^ sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3])
			<< 16 |
		sk->__sk_common.skc_dport;

	/* Fibonacci hashing: nearby addresses and ports land far apart */
	return (peer * 0x9E3779B97F4A7C15ull) >> (64 - CONN_FILTER_BITS);
}

struct targets_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ngx502_target);
};

struct cgroups_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
};

/*
 * Preallocated (an insert on the hot path allocates nothing: socket-local
 * storage was tried and costs ~500 ns to create per connection) but not
 * LRU. Entries are deleted when nginx closes its end or the socket reaches
 * CLOSE, which every TCP socket does before it is freed; a full map refuses
 * new entries and counts them (NGX502_STAT_CONNS_FULL).
 */
struct conns_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CONNS);
	__type(key, __u64);
	__type(value, struct conn);
};

struct events_map {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
};

/* Per-CPU room to build records too large for the 512-byte stack. */
union scratch_rec {
	struct ngx502_conn_event conn;
	struct ngx502_log_event log;
	struct ngx502_signal_event sig;
	struct ngx502_target_event tgt;
};

struct scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union scratch_rec);
};

struct stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NGX502_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
};

/* connect() arguments between sys_enter and sys_exit (fallback probes). */
struct pending_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PENDING);
	__type(key, __u64);
	__type(value, __u64);
};

extern struct targets_map targets SEC(".maps");
extern struct cgroups_map cgroups SEC(".maps");
extern struct conns_map conns SEC(".maps");
extern struct conn_ports_map conn_ports SEC(".maps");
extern struct conn_filter_map conn_filter SEC(".maps");
extern struct events_map events SEC(".maps");
/*
 * The reader is woken once per 64 records of `events`; a change of the target
 * set must reach it at once (a new nginx binary gets its uprobes before it
 * serves requests): one byte here wakes it for every such record.
 */
extern struct events_map doorbell SEC(".maps");
extern struct scratch_map scratch SEC(".maps");
extern struct stats_map stats SEC(".maps");
extern struct pending_map pending SEC(".maps");

/* Settings: written by the loader between open and load. */
extern const volatile bool auto_discover;   /* exec of "nginx" joins the target set */
extern const volatile bool filter_cgroup;   /* processes in `cgroups` join the target set */
extern const volatile bool sock_probes;	    /* sock/tcp tracepoints attached */
extern const volatile __u32 abandon_min_ms; /* NGX502_ABANDON_MIN_MS, set by the loader */

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline struct ngx502_target *target_of(__u32 tgid)
{
	return bpf_map_lookup_elem(&targets, &tgid);
}

/* Is the current task one we watch? Cheap: one hash lookup. */
static __always_inline bool current_is_target(void)
{
	return target_of(bpf_get_current_pid_tgid() >> 32) != NULL;
}

static __always_inline void *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void hdr_fill(struct ngx502_hdr *h, __u16 type, __u32 size, __u32 pid,
				     __u32 tid, __u64 cgroup_id)
{
	h->type = type;
	h->version = NGX502_EVENT_VERSION;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = cgroup_id;
	h->pid = pid;
	h->tid = tid;
}

static __always_inline void hdr_fill_current(struct ngx502_hdr *h, __u16 type, __u32 size)
{
	__u64 id = bpf_get_current_pid_tgid();

	hdr_fill(h, type, size, id >> 32, (__u32)id, bpf_get_current_cgroup_id());
}

static __always_inline void emit(void *ctx, void *rec, __u64 size)
{
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, rec, size))
		stat_inc(NGX502_STAT_DROPS);
	else
		stat_inc(NGX502_STAT_EVENTS);
}

/* Wake the reader now: what was just emitted must not wait for the batch. */
static __always_inline void ring_doorbell(void *ctx)
{
	__u8 ring = 1;

	bpf_perf_event_output(ctx, &doorbell, BPF_F_CURRENT_CPU, &ring, sizeof(ring));
}

#endif /* __COMMON_BPF_H */
