/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side as one object: skeleton lifecycle open -> configure -> load
 * -> attach, the target map, per-binary uprobes on nginx, the perf buffer
 * and the kernel counters.
 */
#ifndef __TRACER_H
#define __TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tracer_opts {
	bool auto_discover;  /* the kernel adds every exec of nginx */
	bool syscall_probes; /* force the syscall tracepoints instead of the nginx uprobe */
	int buffer_pages;    /* perf buffer pages per CPU (power of two) */
	bool no_perf_buffer; /* --pin: `events` belongs to an outside reader, open nothing on it */
	/* --container/--cgroup: an exec of nginx in one of these cgroups joins the target set */
	const uint64_t *cgroup_ids;
	int ncgroup_ids;
	void (*on_event)(void *ctx, const void *data, size_t size);
	void (*on_lost)(void *ctx, uint64_t count);
	/*
	 * A warning once the BPF object is open (a tracepoint or helper the kernel
	 * lacks, a probe that did not attach, an nginx binary without its symbol),
	 * from tracer__new as well: msg has no "warning: " and no newline. NULL:
	 * "warning: MSG" on stderr. Errors that make tracer__new fail stay on stderr.
	 */
	void (*on_warning)(void *ctx, const char *msg);
	void *ctx;
};

struct tracer;
struct ngx502_bpf;
struct bpf_link;

/* NULL and errno set on failure; the reason was printed on stderr. */
struct tracer *tracer__new(const struct tracer_opts *opts);
void tracer__free(struct tracer *tr);

int tracer__add_target(struct tracer *tr, int pid, int master);
/*
 * The cgroups whose exec of nginx joins the target set are now these (ids:
 * cgroup v2 inode numbers): a restarted container's new cgroup in, its old one
 * out. Only when the tool was started with some (--container, --cgroup). 0 or -errno.
 */
int tracer__set_cgroups(struct tracer *tr, const uint64_t *ids, int n);
/*
 * True when the kernel was told of pid as a new target (NGX502_EV_TARGET_NEW)
 * but its target set is full and refused it. Costs a count of the set, only
 * when pid is not in it.
 */
bool tracer__target_refused(const struct tracer *tr, int pid);
/*
 * Make sure nginx's binary at exe (a /proc/PID/exe path is fine) has its
 * uprobe; binaries are told apart by dev/ino. -ENOSPC when the table of
 * binaries is full (its last slots are for trusted binaries only); a trusted
 * one then gets the syscall tracepoints instead. Falls back to the syscall
 * tracepoints when the binary has no ngx_log_error_core symbol, and only
 * when trusted: they run for every process of the host, so a binary that any
 * local user can make (not root's, or writable by others) must not switch
 * them on unless the operator named its process with --pid.
 */
int tracer__attach_nginx(struct tracer *tr, const char *exe, uint64_t dev, uint64_t ino,
			 bool trusted);
/* True when lines of that binary's error log are captured in the kernel. */
bool tracer__captures_log(const struct tracer *tr, uint64_t dev, uint64_t ino);
/* True when the error responses of that binary are seen (ngx_http_special_response_handler). */
bool tracer__sees_responses(const struct tracer *tr, uint64_t dev, uint64_t ino);
/*
 * Wait up to timeout_ms for records, read every CPU's buffer and hand to
 * on_event, in kernel time order, the records stamped before the watermark.
 * 0 or -errno.
 */
int tracer__poll(struct tracer *tr, int timeout_ms);
/* Read and hand on everything the buffers hold (at the stop). 0 or -errno. */
int tracer__drain(struct tracer *tr);
/*
 * A kernel time (CLOCK_MONOTONIC) before which every record has been handed
 * to on_event: what timers that wait for records go by. The clock when there
 * is no perf buffer.
 */
uint64_t tracer__watermark(const struct tracer *tr);

/* The skeleton, for pinning its maps (user/pin.c). */
struct ngx502_bpf *tracer__skel(const struct tracer *tr);
/* The i-th attached link (tracepoints first, then nginx uprobes); NULL past the last. */
struct bpf_link *tracer__link(const struct tracer *tr, int i);

/* Names of the attached probes, NULL-terminated. */
const char *const *tracer__probes(const struct tracer *tr);
struct tracer_counters {
	uint64_t events;     /* records sent */
	uint64_t drops;	     /* records the kernel could not send (perf buffer full) */
	uint64_t conns_full; /* upstream connections whose state could not be created */
};

void tracer__counters(const struct tracer *tr, struct tracer_counters *c);

#endif /* __TRACER_H */
