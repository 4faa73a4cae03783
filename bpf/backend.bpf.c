// SPDX-License-Identifier: GPL-2.0
/*
 * Backends killed mid-request: a fatal signal to a process that holds the
 * other end of an upstream connection of a tracked nginx worker (a php-fpm
 * child ended by request_terminate_timeout, an OOM kill, a crash).
 *
 * The peer is found through its sockets, not its name: a unix socket
 * accepted from nginx carries nginx's pid as its peer credentials
 * (sk_peer_pid); a TCP socket on this host has nginx's local port as its
 * remote port, which conn_ports maps back to nginx's socket. Signals are
 * rare, so walking the receiver's descriptor table here costs nothing.
 */
#include "common.bpf.h"

#define MAX_FDS_SCAN   1024 /* php-fpm children hold a handful */
#define S_IFMT_	       00170000
#define S_IFSOCK_      0140000
#define SEND_SIG_PRIV_ ((struct kernel_siginfo *)1)

static __always_inline bool fatal_signal(int sig)
{
	/* SIGQUIT, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGSEGV, SIGTERM */
	return sig == 3 || sig == 4 || sig == 6 || sig == 7 || sig == 8 || sig == 9 || sig == 11 ||
	       sig == 15;
}

struct match {
	__u64 nginx_sock;
	__u32 nginx_pid;
	__u16 family;
	__u16 port;
	const struct sock *sk; /* the backend's socket */
};

static __always_inline bool match_unix(const struct sock *sk, struct match *m)
{
	struct pid *pp = BPF_CORE_READ(sk, sk_peer_pid);
	__u32 peer;

	if (!pp)
		return false;
	peer = BPF_CORE_READ(pp, numbers[0].nr);
	if (!target_of(peer))
		return false;
	m->nginx_pid = peer;
	m->nginx_sock = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
	m->family = NGX502_AF_UNIX;
	m->sk = sk;
	return true;
}

static __always_inline bool match_tcp(const struct sock *sk, __u16 family, struct match *m)
{
	__u32 pk = conn_port_idx(family, bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	struct conn_port *cp;

	cp = bpf_map_lookup_elem(&conn_ports, &pk);
	if (!cp || !cp->sock || cp->dport != lport)
		return false;
	m->nginx_pid = cp->tgid;
	m->nginx_sock = cp->sock;
	m->family = family;
	m->port = lport;
	m->sk = sk;
	return true;
}

struct fd_scan {
	struct file **fds;
	unsigned int max;
	struct match *m;
};

/* One descriptor of the receiver; bpf_loop() has the verifier check this once, not per fd. */
static long scan_fd(__u32 i, void *data)
{
	struct fd_scan *fs = data;
	struct file *f = NULL;
	struct socket *so;
	struct sock *sk;
	__u16 family;

	if (i >= fs->max)
		return 1;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fs->fds[i]) || !f)
		return 0;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) != S_IFSOCK_)
		return 0;
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == NGX502_AF_UNIX)
		return match_unix(sk, fs->m);
	if ((family == NGX502_AF_INET || family == NGX502_AF_INET6) &&
	    BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP_)
		return match_tcp(sk, family, fs->m);
	return 0;
}

static __always_inline bool find_nginx_peer(struct task_struct *task, struct match *m)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct fd_scan fs = {.m = m};

	if (!fdt)
		return false;
	fs.fds = BPF_CORE_READ(fdt, fd);
	fs.max = BPF_CORE_READ(fdt, max_fds);
	bpf_loop(MAX_FDS_SCAN, scan_fd, &fs, 0);
	return m->sk != NULL;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct ngx502_signal_event *e;
	const struct sock *sk;
	struct match m = {};
	__u32 tgid;

	/* result 0: TRACE_SIGNAL_DELIVERED */
	if (!fatal_signal(sig) || result != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	if (target_of(tgid) || !find_nginx_peer(task, &m))
		return 0;
	e = scratch_get();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	hdr_fill(&e->hdr, NGX502_EV_SIGNAL, sizeof(*e), tgid, BPF_CORE_READ(task, pid),
		 bpf_get_current_cgroup_id());
	e->sock = m.nginx_sock;
	e->sig = sig;
	e->sender_pid = bpf_get_current_pid_tgid() >> 32;
	e->nginx_pid = m.nginx_pid;
	if (info == SEND_SIG_PRIV_)
		e->flags |= NGX502_SIG_KERNEL;
	else if (info && BPF_CORE_READ(info, si_code) > 0)
		e->flags |= NGX502_SIG_FAULT;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
	e->daddr.family = m.family;
	e->daddr.port = m.port;
	/* the upstream is the backend's own address: its accepted socket's local end */
	sk = m.sk;
	if (m.family == NGX502_AF_UNIX) {
		const struct unix_sock *us = (const void *)sk;
		struct unix_address *ua = BPF_CORE_READ(us, addr);

		if (ua)
			bpf_probe_read_kernel_str(e->daddr.path, sizeof(e->daddr.path),
						  ua->name[0].sun_path);
	} else if (m.family == NGX502_AF_INET6) {
		bpf_core_read(e->daddr.addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	} else {
		bpf_core_read(e->daddr.addr, 4, &sk->__sk_common.skc_rcv_saddr);
	}
	emit(ctx, e, sizeof(*e));
	return 0;
}

/* include/linux/mm_types_task.h: the rss_stat counters */
#define MM_FILEPAGES_  0
#define MM_ANONPAGES_  1
#define MM_SHMEMPAGES_ 3

/*
 * The OOM killer chose a victim (after its SIGKILL, which signal_generate saw). Runs in the
 * killer's context, so everything is read from the victim's task: its rss counters, and its
 * memory cgroup's page counter (css is the first member of struct mem_cgroup). OOM kills are
 * rare: every victim is sent, user space joins it to a killed backend by pid.
 */
SEC("tp_btf/mark_victim")
int BPF_PROG(handle_mark_victim, struct task_struct *task, __u32 uid)
{
	int memcg_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css;
	struct ngx502_oom_event *e;
	struct mem_cgroup *memcg;
	struct css_set *cset;
	struct mm_struct *mm;

	e = scratch_get();
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	cset = BPF_CORE_READ(task, cgroups);
	hdr_fill(&e->hdr, NGX502_EV_OOM_VICTIM, sizeof(*e), BPF_CORE_READ(task, tgid),
		 BPF_CORE_READ(task, pid), BPF_CORE_READ(cset, dfl_cgrp, kn, id));
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	mm = BPF_CORE_READ(task, mm);
	/* rss_stat is an array of percpu_counter since 6.2: older kernels leave it 0 */
	if (mm && bpf_core_field_exists(mm->rss_stat[0].count)) {
		e->file_pages = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES_].count);
		e->anon_pages = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES_].count);
		e->shmem_pages = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES_].count);
	}
	if (memcg_id >= 0 && memcg_id < 12) {
		css = BPF_CORE_READ(cset, subsys[memcg_id]);
		memcg = (struct mem_cgroup *)css;
		if (css && bpf_core_field_exists(memcg->memory.max) &&
		    bpf_core_field_exists(memcg->memory.watermark)) {
			e->memcg_id = BPF_CORE_READ(css, cgroup, kn, id);
			e->limit_pages = BPF_CORE_READ(memcg, memory.max);
			e->usage_pages = BPF_CORE_READ(memcg, memory.usage.counter);
			e->peak_pages = BPF_CORE_READ(memcg, memory.watermark);
			if (BPF_CORE_READ(css, cgroup, root) == BPF_CORE_READ(cset, dfl_cgrp, root))
				e->flags |= NGX502_OOM_MEMCG_V2;
		}
	}
	emit(ctx, e, sizeof(*e));
	return 0;
}
