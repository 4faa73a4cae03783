// SPDX-License-Identifier: GPL-2.0
/*
 * Keep the target set fresh in the kernel, so nothing is missed between a
 * reload and the loader noticing it: children of a tracked process are
 * tracked from their first instruction, exits are dropped, and (when asked)
 * every exec of nginx or every process of a watched cgroup joins.
 */
#include "common.bpf.h"

static __always_inline void emit_target(void *ctx, __u16 type, struct task_struct *task, __u32 ppid,
					__u32 reason, __s32 exit_code)
{
	struct ngx502_target_event *e = scratch_get();

	if (!e)
		return;
	hdr_fill(&e->hdr, type, sizeof(*e), BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, pid),
		 bpf_get_current_cgroup_id());
	e->ppid = ppid;
	e->reason = reason;
	e->exit_code = exit_code;
	e->reserved = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	emit(ctx, e, sizeof(*e));
	ring_doorbell(ctx);
}

static __always_inline bool comm_is_nginx(const char *comm)
{
	return comm[0] == 'n' && comm[1] == 'g' && comm[2] == 'i' && comm[3] == 'n' &&
	       comm[4] == 'x' && comm[5] == '\0';
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ngx502_target *pt, t = {};
	__u32 ptgid, ctgid;

	/* Threads share the process's entry. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	pt = target_of(ptgid);
	if (!pt)
		return 0;
	ctgid = BPF_CORE_READ(child, tgid);
	t.master = pt->master;
	t.flags = NGX502_TARGET_AUTO;
	bpf_map_update_elem(&targets, &ctgid, &t, BPF_ANY);
	emit_target(ctx, NGX502_EV_TARGET_NEW, child, ptgid, 1, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct ngx502_target t = {.flags = NGX502_TARGET_AUTO};
	__u32 tgid = BPF_CORE_READ(p, tgid);
	char comm[NGX502_COMM_LEN];
	struct ngx502_target *cur = target_of(tgid);
	bool join = false;

	if (cur) {
		BPF_CORE_READ_STR_INTO(&comm, p, comm);
		if (!comm_is_nginx(comm)) {
			/* It is something else now: stop watching it. */
			bpf_map_delete_elem(&targets, &tgid);
			return 0;
		}
		/* A binary upgrade: the forked child of a master execs nginx and is a master now.
		 */
		cur->master = tgid;
		emit_target(ctx, NGX502_EV_TARGET_NEW, p, BPF_CORE_READ(p, real_parent, tgid), 2,
			    0);
		return 0;
	}
	if (!auto_discover && !filter_cgroup)
		return 0;
	BPF_CORE_READ_STR_INTO(&comm, p, comm);
	join = comm_is_nginx(comm);
	/* In a watched cgroup only nginx joins: not the shell or the backend beside it. */
	if (join && filter_cgroup && !auto_discover) {
		__u64 cgid = bpf_get_current_cgroup_id();

		join = bpf_map_lookup_elem(&cgroups, &cgid) != NULL;
	}
	if (!join)
		return 0;
	t.master = tgid;
	bpf_map_update_elem(&targets, &tgid, &t, BPF_ANY);
	emit_target(ctx, NGX502_EV_TARGET_NEW, p, BPF_CORE_READ(p, real_parent, tgid), 2, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_sched_process_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, pid) != tgid || !target_of(tgid))
		return 0;
	bpf_map_delete_elem(&targets, &tgid);
	emit_target(ctx, NGX502_EV_TARGET_EXIT, p, BPF_CORE_READ(p, real_parent, tgid), 3,
		    BPF_CORE_READ(p, exit_code));
	return 0;
}
