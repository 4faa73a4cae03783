// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include "cause.h"
#include "check.h"
#include "privs.h"
#include "probe.h"

#define CAP_SYS_ADMIN_ 21
#define CAP_PERFMON_   38
#define CAP_BPF_       39

/* What a cause needs; one bit per feature below. */
enum feat {
	F_BASE = 1 << 0,    /* BTF, inet_sock_set_state, sched_process_*, privileges, lockdown */
	F_CONNECT = 1 << 1, /* uprobes on nginx, or the syscall tracepoints */
	F_RETRANS = 1 << 2, /* tcp_retransmit_skb */
	F_RESET = 1 << 3,   /* tcp_receive_reset */
	F_SIGNAL = 1 << 4,  /* signal_generate and bpf_loop */
	F_LOG = 1 << 5,	    /* error-log lines: the uprobe, or the file (always) */
};

static const struct {
	enum cause cause;
	unsigned int needs;
	const char *without; /* what is left when a need is missing */
} catalogue[] = {
	{CAUSE_UPSTREAM_REFUSED, F_BASE, "from the error log only"},
	{CAUSE_UPSTREAM_SOCKET_MISSING, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_SOCKET_PERMISSION, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_SOCKET_STALE, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_BACKLOG_FULL, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_CONNECT_DENIED, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_UNREACHABLE, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_CONNECT_TIMEOUT, F_BASE | F_RETRANS,
	 "only when nginx gives up (proxy_connect_timeout), not at the first SYN retransmit"},
	{CAUSE_LOCAL_PORTS_EXHAUSTED, F_BASE, "from the error log only"},
	{CAUSE_FD_EXHAUSTED, F_BASE | F_CONNECT, "from the error log only"},
	{CAUSE_UPSTREAM_RESET, F_BASE | F_RESET, "from the error log only"},
	{CAUSE_UPSTREAM_PREMATURE_CLOSE, F_BASE, "from the error log only"},
	{CAUSE_BACKEND_KILLED, F_BASE | F_SIGNAL,
	 "not seen: its failures show as upstream_reset or upstream_premature_close"},
	{CAUSE_UPSTREAM_READ_TIMEOUT, F_BASE, "from the error log only"},
	{CAUSE_UPSTREAM_HEADER_TOO_BIG, F_BASE, "from the error log only"},
	{CAUSE_UPSTREAM_INVALID_HEADER, F_LOG, NULL},
	{CAUSE_NO_LIVE_UPSTREAMS, F_LOG, NULL},
	{CAUSE_UPSTREAM_UNRESOLVED, F_LOG, NULL},
	{CAUSE_UPSTREAM_SSL_FAILED, F_LOG, NULL},
	{CAUSE_UNKNOWN, F_LOG, NULL},
};

_Static_assert(sizeof(catalogue) / sizeof(catalogue[0]) == CAUSE__COUNT - 1,
	       "--check: every cause of user/cause.c has its needs");

static void row(const char *what, const char *state, const char *note)
{
	if (note)
		printf("  %-30s %-8s %s\n", what, state, note);
	else
		printf("  %-30s %s\n", what, state);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

int check__run(void)
{
	static const char *const base_tps[] = {"inet_sock_set_state", "sched_process_fork",
					       "sched_process_exec", "sched_process_exit"};
	static const struct {
		const char *tp;
		unsigned int feat;
		const char *use;
	} opt_tps[] = {
		{"tcp_retransmit_skb", F_RETRANS, "unanswered SYNs at the first retransmit"},
		{"tcp_receive_reset", F_RESET, "resets of upstream connections"},
		{"signal_generate", F_SIGNAL, "killed backends"},
		/* no cause needs it: an OOM kill is told without its cgroup's numbers */
		{"mark_victim", 0, "OOM kills: memory cgroup, limit and RSS"},
	};
	unsigned long long eff = privs__cap_eff();
	unsigned int have = F_LOG;
	struct probe_btf btf = {};
	libbpf_print_fn_t old;
	struct utsname u;
	char lock[32];
	bool base = true, priv, uprobes, missing = false;
	int sys, loop = -1;
	size_t i;

	if (!uname(&u))
		printf("kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	printf("features:\n");
	if (probe_btf__open(&btf, PROBE_VMLINUX_BTF)) {
		row("BTF " PROBE_VMLINUX_BTF, "no",
		    "needed for everything (CONFIG_DEBUG_INFO_BTF=y)");
		base = false;
	} else {
		row("BTF " PROBE_VMLINUX_BTF, "yes", NULL);
	}
	for (i = 0; i < sizeof(base_tps) / sizeof(base_tps[0]); i++) {
		char name[64];
		bool ok = probe_btf__has_tracepoint(&btf, base_tps[i]);

		snprintf(name, sizeof(name), "tp_btf/%s", base_tps[i]);
		row(name, ok ? "yes" : "no", ok ? NULL : "needed for every kernel cause");
		base = base && ok;
	}
	for (i = 0; i < sizeof(opt_tps) / sizeof(opt_tps[0]); i++) {
		char name[64];
		bool ok = probe_btf__has_tracepoint(&btf, opt_tps[i].tp);

		snprintf(name, sizeof(name), "tp_btf/%s", opt_tps[i].tp);
		row(name, ok ? "yes" : "no", opt_tps[i].use);
		if (ok)
			have |= opt_tps[i].feat;
	}
	probe_btf__close(&btf);

	old = libbpf_set_print(libbpf_quiet);
	loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL);
	libbpf_set_print(old);
	row("bpf_loop() helper",
	    loop > 0	? "yes"
	    : loop == 0 ? "no"
			: "unknown",
	    loop < 0 ? "killed backends (asking needs root)" : "killed backends (Linux >= 5.17)");
	if (loop <= 0)
		have &= ~F_SIGNAL;

	uprobes = probe__uprobes();
	row("uprobes", uprobes ? "yes" : "no", "nginx's connect()/socket() errors and log lines");
	sys = probe__syscall_tracepoints();
	row("syscall tracepoints",
	    sys > 0    ? "yes"
	    : sys == 0 ? "no"
		       : "unknown",
	    sys < 0 ? "fallback for an nginx without symbols (tracefs not mounted to ask)"
		    : "fallback for an nginx without symbols");
	if (uprobes || sys > 0)
		have |= F_CONNECT;

	if (!probe__lockdown(lock, sizeof(lock))) {
		row("lockdown", "none", "(no lockdown LSM)");
	} else {
		bool ok = strcmp(lock, "confidentiality") != 0;

		row("lockdown", lock,
		    ok ? "tracepoints and uprobes work"
		       : "confidentiality forbids reading kernel "
			 "memory: the tool cannot run");
		base = base && ok;
	}
	priv = (eff & (1ull << CAP_SYS_ADMIN_)) ||
	       ((eff & (1ull << CAP_BPF_)) && (eff & (1ull << CAP_PERFMON_)));
	row("privileges", priv ? "yes" : "no", "root, or CAP_BPF and CAP_PERFMON");
	base = base && priv;
	row("bpffs /sys/fs/bpf", probe__mounted("/sys/fs/bpf", BPF_FS_MAGIC) ? "yes" : "no",
	    "--pin (mounted on demand)");
	row("tracefs /sys/kernel/tracing",
	    probe__mounted("/sys/kernel/tracing", TRACEFS_MAGIC) ? "yes" : "no",
	    "syscall tracepoints (mounted on demand)");
	if (base)
		have |= F_BASE;

	printf("causes:\n");
	for (i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		bool ok = (catalogue[i].needs & have) == catalogue[i].needs;

		if (!catalogue[i].without) {
			row(cause__name(catalogue[i].cause), "yes", "from the error log");
			continue;
		}
		if (!ok && !(have & F_BASE))
			row(cause__name(catalogue[i].cause), "no",
			    "from the error log only, and only if the tool can run at all");
		else
			row(cause__name(catalogue[i].cause), ok ? "yes" : "partly",
			    ok ? "from the kernel" : catalogue[i].without);
		missing = missing || !ok;
	}
	printf("%s\n", missing ? "result: something this tool uses is missing (see above)"
			       : "result: everything this tool uses is there");
	return missing ? 1 : 0;
}
