/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the running kernel offers, asked without loading anything: its BTF
 * (the tp_btf tracepoints it names), the uprobe PMU, the syscall
 * tracepoints, lockdown, bpffs and tracefs. tracer.c asks before it loads;
 * check.c (--check) prints it all.
 */
#ifndef __PROBE_H
#define __PROBE_H

#include <stdbool.h>
#include <stddef.h>

#define PROBE_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* The kernel's BTF, mapped read-only. */
struct probe_btf {
	void *data;
	size_t size;
};

/* 0 or -errno. */
int probe_btf__open(struct probe_btf *f, const char *path);
/* Accepts a file that was never opened. */
void probe_btf__close(struct probe_btf *f);
/*
 * Does the kernel have this tracepoint for tp_btf? Its BTF then names a
 * typedef btf_trace_<tp>. A search of the raw string table answers that in
 * a millisecond, where parsing all of vmlinux BTF takes ~50 ms of the time
 * to ready (libbpf parses it once more to load anyway).
 */
bool probe_btf__has_tracepoint(const struct probe_btf *f, const char *tp);

/* The uprobe PMU (/sys/bus/event_source/devices/uprobe). */
bool probe__uprobes(void);
/*
 * The syscall tracepoints (CONFIG_FTRACE_SYSCALLS): 1 there, 0 not in this
 * kernel, -ENOENT when no tracefs is mounted to ask.
 */
int probe__syscall_tracepoints(void);
/* "none", "integrity", "confidentiality" (the one in brackets), or NULL without the LSM. */
const char *probe__lockdown(char *buf, size_t size);
/* A filesystem of this magic (linux/magic.h) is mounted at path. */
bool probe__mounted(const char *path, long magic);

#endif /* __PROBE_H */
