// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include "ngx502.h"
#include "ngx502.skel.h"
#include "nginxelf.h"
#include "probe.h"
#include "reorder.h"
#include "timing.h"
#include "tracer.h"

#define MAX_BINARIES  16
#define ROOT_BINARIES 4 /* of them, for trusted ones: a user's copies can't take all */
#define MAX_PROBES    32
#define TRACEFS	      "/sys/kernel/tracing"
#define UPROBE_FUNC   "ngx_log_error_core"
#define RESPONSE_FUNC "ngx_http_special_response_handler"
/*
 * A CPU's buffer wakes the reader once this many records wait in it (one
 * wakeup per record costs the sender an irq_work and the reader a context
 * switch each); quieter buffers are read when the poll times out.
 */
#define WAKEUP_EVENTS 64
/* a record's time is taken a little before it is written: released this much behind */
#define REORDER_SLACK_NS (2 * 1000000ull)

_Static_assert(sizeof(struct ngx502_target) == 8, "ngx502_target layout changed: DIR/targets too");

#define LINKS_PER_BINARY (3 + NGINXELF_MAX_SITES)

struct binary {
	uint64_t dev, ino;
	int nlinks;
	bool captures_log;
	bool sees_responses; /* ngx_http_special_response_handler has its uprobe */
	struct bpf_link *links[LINKS_PER_BINARY];
};

struct tracer {
	struct ngx502_bpf *skel;
	struct perf_buffer *pb;
	struct perf_buffer *bell; /* `doorbell`: wakes the poll for a change of the target set */
	int epfd;		  /* both buffers' epoll fds */
	uint64_t bell_rings;	  /* doorbell records read */
	struct reorder pending;	  /* read, not yet handed on: kernel time order */
	uint64_t watermark;	  /* every record stamped before it has been handed on */
	struct tracer_opts opts;
	struct bpf_link *links[MAX_PROBES];
	int nlinks;
	struct binary bins[MAX_BINARIES];
	int nbins;
	bool syscalls_attached;
	bool mounted_tracefs;
	bool warned_responses; /* a binary without the error-response hook: said once */
	const char *probes[MAX_PROBES + MAX_BINARIES * LINKS_PER_BINARY + 1];
	char *probe_names[MAX_PROBES + MAX_BINARIES * LINKS_PER_BINARY];
	int nprobes;
};

/* A warning: to the caller's on_warning, else on stderr. */
static void warn(const struct tracer *tr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(const struct tracer *tr, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (tr->opts.on_warning)
		tr->opts.on_warning(tr->opts.ctx, msg);
	else
		fprintf(stderr, "warning: %s\n", msg);
	free(msg);
}

static void add_probe_name(struct tracer *tr, const char *fmt, const char *arg)
{
	char *s;

	if (tr->nprobes >= MAX_PROBES + MAX_BINARIES * LINKS_PER_BINARY)
		return;
	/* the same probe on another site of one binary is listed once */
	if (asprintf(&s, fmt, arg) < 0)
		return;
	for (int i = 0; i < tr->nprobes; i++)
		if (!strcmp(tr->probe_names[i], s)) {
			free(s);
			return;
		}
	tr->probe_names[tr->nprobes] = s;
	tr->probes[tr->nprobes++] = s;
	tr->probes[tr->nprobes] = NULL;
}

/* tracefs holds the ids of the syscall tracepoints; mount it when nobody did. */
static int ensure_tracefs(struct tracer *tr)
{
	struct statfs sfs;

	if (!statfs(TRACEFS, &sfs) && sfs.f_type == TRACEFS_MAGIC)
		return 0;
	if (!access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	tr->mounted_tracefs = true;
	return 0;
}

static int attach_prog(struct tracer *tr, struct bpf_program *prog, const char *what, bool required)
{
	struct bpf_link *link;
	int err;

	if (tr->nlinks >= MAX_PROBES)
		return -ENOSPC;
	link = bpf_program__attach(prog);
	if (!link) {
		err = -errno;
		if (!required) {
			warn(tr, "failed to attach %s: %s", what, strerror(-err));
			return 0;
		}
		fprintf(stderr, "error: failed to attach %s: %s\n", what, strerror(-err));
		return err;
	}
	tr->links[tr->nlinks++] = link;
	add_probe_name(tr, "%s", what);
	return 0;
}

static int attach_syscalls(struct tracer *tr)
{
	struct ngx502_bpf *s = tr->skel;
	int err;

	if (tr->syscalls_attached)
		return 0;
	err = ensure_tracefs(tr);
	if (err) {
		fprintf(stderr, "error: failed to mount tracefs at %s: %s\n", TRACEFS,
			strerror(-err));
		return err;
	}
	err = attach_prog(tr, s->progs.handle_sys_enter_connect,
			  "tracepoint/syscalls/sys_enter_connect", true);
	if (!err)
		err = attach_prog(tr, s->progs.handle_sys_exit_connect,
				  "tracepoint/syscalls/sys_exit_connect", true);
	if (!err)
		err = attach_prog(tr, s->progs.handle_sys_exit_socket,
				  "tracepoint/syscalls/sys_exit_socket", true);
	if (!err)
		tr->syscalls_attached = true;
	return err;
}

static void deliver(void *ctx, const void *data, size_t size)
{
	struct tracer *tr = ctx;

	tr->opts.on_event(tr->opts.ctx, data, size);
}

/* PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW, and PERF_RECORD_LOST, as the kernel writes them */
struct raw_sample {
	struct perf_event_header header;
	uint32_t size;
	char data[];
};

struct raw_lost {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

static enum bpf_perf_event_ret handle_record(void *ctx, int cpu, struct perf_event_header *h)
{
	struct tracer *tr = ctx;

	(void)cpu;
	if (h->type == PERF_RECORD_SAMPLE && h->size >= sizeof(struct raw_sample)) {
		struct raw_sample *s = (struct raw_sample *)h;
		uint64_t ts = 0;

		/*
		 * The sample sits 4 bytes past an 8-byte boundary: its time is copied out, the
		 * record is copied whole. One too short for its header goes first (event__decode
		 * says what is wrong with it).
		 */
		if (s->size >= sizeof(struct ngx502_hdr))
			memcpy(&ts, s->data + offsetof(struct ngx502_hdr, ts_ns), sizeof(ts));
		if (s->size <= h->size - sizeof(*s))
			reorder__push(&tr->pending, ts, s->data, s->size, deliver, tr);
	} else if (h->type == PERF_RECORD_LOST && h->size >= sizeof(struct raw_lost)) {
		if (tr->opts.on_lost)
			tr->opts.on_lost(tr->opts.ctx, ((struct raw_lost *)h)->lost);
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* One CPU buffer per CPU, each waking the reader every WAKEUP_EVENTS records. */
static struct perf_buffer *open_buffers(struct tracer *tr, int map_fd, int pages)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = WAKEUP_EVENTS,
	};

	return perf_buffer__new_raw(map_fd, pages, &attr, handle_record, tr, NULL);
}

static void count_ring(void *ctx, int cpu, void *data, __u32 size)
{
	struct tracer *tr = ctx;

	tr->bell_rings++;
	(void)cpu;
	(void)data;
	(void)size;
}

/* One epoll set for the batched `events` and the `doorbell` that wakes it at once. */
static int open_poll(struct tracer *tr, int bell_fd)
{
	struct epoll_event ev = {.events = EPOLLIN};

	tr->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (tr->epfd < 0)
		return -errno;
	ev.data.u32 = 0;
	if (epoll_ctl(tr->epfd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(tr->pb), &ev))
		return -errno;
	/* without it (no memory for one page a CPU) new binaries wait for the poll's timeout */
	tr->bell = perf_buffer__new(bell_fd, 1, count_ring, NULL, tr, NULL);
	if (!tr->bell)
		return 0;
	ev.data.u32 = 1;
	if (epoll_ctl(tr->epfd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(tr->bell), &ev))
		return -errno;
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *opts)
{
	struct probe_btf vmlinux = {};
	struct tracer *tr;
	struct ngx502_bpf *s;
	bool have_retrans, have_reset, have_signal, have_oom;
	int err;

	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->opts = *opts;

	if (probe_btf__open(&vmlinux, PROBE_VMLINUX_BTF)) {
		fprintf(stderr, "error: the kernel exposes no BTF (/sys/kernel/btf/vmlinux): "
				"ngx502-trace needs CONFIG_DEBUG_INFO_BTF=y\n");
		err = -ENOTSUP;
		goto cleanup;
	}
	if (!probe_btf__has_tracepoint(&vmlinux, "inet_sock_set_state") ||
	    !probe_btf__has_tracepoint(&vmlinux, "sched_process_fork")) {
		fprintf(stderr, "error: the kernel lacks the sock:inet_sock_set_state or "
				"sched:sched_process_fork tracepoint (needs Linux >= 4.16)\n");
		err = -ENOTSUP;
		goto cleanup;
	}
	have_retrans = probe_btf__has_tracepoint(&vmlinux, "tcp_retransmit_skb");
	have_reset = probe_btf__has_tracepoint(&vmlinux, "tcp_receive_reset");
	have_signal = probe_btf__has_tracepoint(&vmlinux, "signal_generate");
	have_oom = probe_btf__has_tracepoint(&vmlinux, "mark_victim");

	timing__phase("probe kernel");
	/* open */
	s = ngx502_bpf__open();
	if (!s) {
		err = -errno;
		fprintf(stderr, "error: failed to open the BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	tr->skel = s;

	/* configure */
	s->rodata->auto_discover = opts->auto_discover;
	s->rodata->filter_cgroup = opts->ncgroup_ids > 0;
	s->rodata->sock_probes = true;
	s->rodata->abandon_min_ms = NGX502_ABANDON_MIN_MS;
	if (!have_retrans) {
		bpf_program__set_autoload(s->progs.handle_tcp_retransmit_skb, false);
		warn(tr, "the kernel has no tcp:tcp_retransmit_skb tracepoint: unanswered SYNs are "
			 "seen only when nginx gives up");
	}
	if (!have_reset) {
		bpf_program__set_autoload(s->progs.handle_tcp_receive_reset, false);
		warn(tr, "the kernel has no tcp:tcp_receive_reset tracepoint (Linux < 4.15): "
			 "upstream resets come from the error log only");
	}
	if (have_signal &&
	    libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL) <= 0) {
		have_signal = false;
		warn(tr, "the kernel has no bpf_loop() helper (Linux < 5.17): killed backends are "
			 "not seen");
	} else if (!have_signal) {
		bpf_program__set_autoload(s->progs.handle_signal_generate, false);
		warn(tr, "the kernel has no signal:signal_generate tracepoint: killed backends are "
			 "not seen");
	}
	if (!have_signal || !have_oom) {
		have_oom = false;
		bpf_program__set_autoload(s->progs.handle_mark_victim, false);
		if (have_signal)
			warn(tr,
			     "the kernel has no oom:mark_victim tracepoint: an OOM kill is told "
			     "without its memory cgroup, limit and RSS");
	}

	timing__phase("open");
	/* load */
	err = ngx502_bpf__load(s);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr,
				"error: failed to load BPF programs: %s: run as root "
				"(needs CAP_BPF and CAP_PERFMON)\n",
				strerror(-err));
		else
			fprintf(stderr,
				"error: failed to load BPF programs: %s "
				"(run with -v for the verifier log)\n",
				strerror(-err));
		goto cleanup;
	}

	timing__phase("load");
	for (int i = 0; i < opts->ncgroup_ids; i++) {
		__u8 one = 1;

		if (bpf_map__update_elem(s->maps.cgroups, &opts->cgroup_ids[i],
					 sizeof(opts->cgroup_ids[i]), &one, sizeof(one), BPF_ANY)) {
			err = -errno;
			fprintf(stderr, "error: failed to fill the cgroups map: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	/* attach: the target set first, so no fork is missed */
	err = attach_prog(tr, s->progs.handle_sched_process_fork, "tp_btf/sched_process_fork",
			  true);
	if (!err)
		err = attach_prog(tr, s->progs.handle_sched_process_exec,
				  "tp_btf/sched_process_exec", true);
	if (!err)
		err = attach_prog(tr, s->progs.handle_sched_process_exit,
				  "tp_btf/sched_process_exit", true);
	if (!err)
		err = attach_prog(tr, s->progs.handle_inet_sock_set_state,
				  "tp_btf/inet_sock_set_state", true);
	if (!err && have_retrans)
		err = attach_prog(tr, s->progs.handle_tcp_retransmit_skb,
				  "tp_btf/tcp_retransmit_skb", false);
	if (!err && have_reset)
		err = attach_prog(tr, s->progs.handle_tcp_receive_reset, "tp_btf/tcp_receive_reset",
				  false);
	if (!err && have_signal)
		err = attach_prog(tr, s->progs.handle_signal_generate, "tp_btf/signal_generate",
				  false);
	if (!err && have_oom)
		err = attach_prog(tr, s->progs.handle_mark_victim, "tp_btf/mark_victim", false);
	if (!err && opts->syscall_probes)
		err = attach_syscalls(tr);
	if (err)
		goto cleanup;

	if (opts->no_perf_buffer) {
		probe_btf__close(&vmlinux);
		return tr;
	}
	timing__phase("attach");
	tr->pb = open_buffers(tr, bpf_map__fd(s->maps.events), opts->buffer_pages);
	if (tr->pb) {
		err = open_poll(tr, bpf_map__fd(s->maps.doorbell));
		if (err) {
			fprintf(stderr, "error: failed to poll the perf buffer: %s\n",
				strerror(-err));
			goto cleanup;
		}
	}
	if (!tr->pb) {
		err = -errno;
		fprintf(stderr, "error: failed to create the perf buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	probe_btf__close(&vmlinux);
	return tr;

cleanup:
	probe_btf__close(&vmlinux);
	tracer__free(tr);
	errno = -err;
	return NULL;
}

void tracer__free(struct tracer *tr)
{
	int i;

	if (!tr)
		return;
	perf_buffer__free(tr->pb);
	perf_buffer__free(tr->bell);
	if (tr->epfd > 0)
		close(tr->epfd);
	reorder__free(&tr->pending);
	for (i = 0; i < tr->nbins; i++)
		for (int k = 0; k < tr->bins[i].nlinks; k++)
			bpf_link__destroy(tr->bins[i].links[k]);
	for (i = 0; i < tr->nlinks; i++)
		bpf_link__destroy(tr->links[i]);
	ngx502_bpf__destroy(tr->skel);
	if (tr->mounted_tracefs)
		umount2(TRACEFS, MNT_DETACH);
	for (i = 0; i < tr->nprobes; i++)
		free(tr->probe_names[i]);
	free(tr);
}

int tracer__add_target(struct tracer *tr, int pid, int master)
{
	struct ngx502_target t = {.master = master};
	__u32 key = pid;

	if (bpf_map__update_elem(tr->skel->maps.targets, &key, sizeof(key), &t, sizeof(t), BPF_ANY))
		return -errno;
	return 0;
}

int tracer__set_cgroups(struct tracer *tr, const uint64_t *ids, int n)
{
	int fd = bpf_map__fd(tr->skel->maps.cgroups), i, err = 0;
	__u64 key, next, *prev = NULL;
	__u8 one = 1;

	if (!bpf_map__max_entries(tr->skel->maps.cgroups))
		return -ENOTSUP;
	/* the cgroups that are gone first (a restarted container leaves its old one) */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		for (i = 0; i < n && ids[i] != next; i++)
			;
		key = next;
		if (i == n && !bpf_map_delete_elem(fd, &key))
			continue; /* deleted: start again from the key before */
		prev = &key;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &ids[i], &one, BPF_ANY) && !err)
			err = -errno;
	return err;
}

bool tracer__target_refused(const struct tracer *tr, int pid)
{
	int fd = bpf_map__fd(tr->skel->maps.targets);
	unsigned int max = bpf_map__max_entries(tr->skel->maps.targets), n = 0;
	__u32 key = pid, next;
	struct ngx502_target t;

	if (!bpf_map_lookup_elem(fd, &key, &t))
		return false;
	/* gone again already (nginx -t exits at once), or refused: only a full map refuses */
	if (bpf_map_get_next_key(fd, NULL, &key))
		return false;
	for (n = 1; n < 2 * max && !bpf_map_get_next_key(fd, &key, &next); n++)
		key = next;
	return n >= max;
}

static int attach_at(struct tracer *tr, struct binary *b, struct bpf_program *prog, const char *exe,
		     unsigned long off, const char *what)
{
	struct bpf_link *link;

	if (b->nlinks >= LINKS_PER_BINARY)
		return -ENOSPC;
	/* pid -1: every process running this binary; the BPF side filters on the target set. */
	link = bpf_program__attach_uprobe(prog, false, -1, exe, off);
	if (!link)
		return -errno;
	b->links[b->nlinks++] = link;
	add_probe_name(tr, what, exe);
	return 0;
}

int tracer__attach_nginx(struct tracer *tr, const char *exe, uint64_t dev, uint64_t ino,
			 bool trusted)
{
	struct ngx502_bpf *s = tr->skel;
	struct nginx_sites sites;
	struct binary *b;
	int i, err;

	for (i = 0; i < tr->nbins; i++)
		if (tr->bins[i].dev == dev && tr->bins[i].ino == ino)
			return 0;
	if (tr->nbins >= MAX_BINARIES - (trusted ? 0 : ROOT_BINARIES)) {
		/* no uprobe: a trusted nginx still has its connect failures seen, host-wide */
		if (trusted && !tr->opts.syscall_probes)
			attach_syscalls(tr);
		return -ENOSPC;
	}
	b = &tr->bins[tr->nbins++];
	*b = (struct binary){.dev = dev, .ino = ino};

	err = nginxelf__find(exe, &sites);
	if (err && !trusted) {
		warn(tr,
		     "no %s in %s (%s), a binary that is not root's or that others may write: "
		     "host-wide syscall tracepoints stay off for it (name its process with "
		     "--pid to trace it anyway)",
		     UPROBE_FUNC, exe, strerror(-err));
		return 0;
	}
	if (err) {
		warn(tr,
		     "no %s in %s (%s): using syscall tracepoints for connect failures, and "
		     "the error log file for its lines",
		     UPROBE_FUNC, exe, strerror(-err));
		return tr->opts.syscall_probes ? 0 : attach_syscalls(tr);
	}
	if (!tr->opts.syscall_probes) {
		err = attach_at(tr, b, s->progs.handle_ngx_log_error_core, exe, sites.log_core,
				"uprobe:%s:" UPROBE_FUNC);
		if (err) {
			warn(tr, "failed to attach a uprobe to %s: %s: using syscall tracepoints",
			     exe, strerror(-err));
			attach_syscalls(tr);
		}
	}
	/* The log lines themselves: optional, the loader falls back to following the file. */
	for (i = 0; i < sites.nwrite; i++)
		if (!attach_at(tr, b, s->progs.handle_ngx_log_write, exe, sites.write_calls[i],
			       "uprobe:%s:" UPROBE_FUNC "+write"))
			b->captures_log = true;
	if (sites.syslog_writer)
		attach_at(tr, b, s->progs.handle_ngx_syslog_writer, exe, sites.syslog_writer,
			  "uprobe:%s:ngx_syslog_writer");
	/* What clients got: optional, without it diagnoses carry no response counts. */
	if (sites.special_response &&
	    !attach_at(tr, b, s->progs.handle_ngx_special_response, exe, sites.special_response,
		       "uprobe:%s:" RESPONSE_FUNC))
		b->sees_responses = true;
	else if (!tr->warned_responses) {
		tr->warned_responses = true;
		warn(tr,
		     "no %s uprobe on %s: the error responses its workers send are not "
		     "counted",
		     RESPONSE_FUNC, exe);
	}
	return 0;
}

bool tracer__sees_responses(const struct tracer *tr, uint64_t dev, uint64_t ino)
{
	for (int i = 0; i < tr->nbins; i++)
		if (tr->bins[i].dev == dev && tr->bins[i].ino == ino)
			return tr->bins[i].sees_responses;
	return false;
}

bool tracer__captures_log(const struct tracer *tr, uint64_t dev, uint64_t ino)
{
	for (int i = 0; i < tr->nbins; i++)
		if (tr->bins[i].dev == dev && tr->bins[i].ino == ino)
			return tr->bins[i].captures_log;
	return false;
}

int tracer__poll(struct tracer *tr, int timeout_ms)
{
	struct epoll_event evs[2];
	uint64_t read_from, rings;
	bool rang;
	int n;

	if (!tr->pb)
		return -ENOTCONN;
	n = epoll_wait(tr->epfd, evs, 2, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	/* the doorbell rang: a change of the target set is waiting (see the end) */
	rings = tr->bell_rings;
	if (tr->bell)
		perf_buffer__consume(tr->bell);
	rang = tr->bell_rings != rings;
	/*
	 * Every record stamped before now is in its buffer: read them all, the
	 * buffers that did not wake us too, and hand on those, in time order.
	 */
	read_from = mono_ns();
	n = perf_buffer__consume(tr->pb);
	if (n < 0)
		return n;
	if (read_from > REORDER_SLACK_NS && read_from - REORDER_SLACK_NS > tr->watermark)
		tr->watermark = read_from - REORDER_SLACK_NS;
	if (reorder__held(&tr->pending) >= REORDER_MAX)
		tr->watermark = mono_ns(); /* too far behind to wait: all of it now */
	reorder__release(&tr->pending, tr->watermark, deliver, tr);
	/*
	 * What rang was stamped within the slack, so it is still held: read again
	 * once the slack has passed rather than at the next wakeup (up to a poll's
	 * timeout later), so a new nginx gets its uprobes in milliseconds.
	 */
	if (rang && reorder__held(&tr->pending)) {
		usleep(REORDER_SLACK_NS / 1000 + 200);
		read_from = mono_ns();
		perf_buffer__consume(tr->pb);
		tr->watermark = read_from - REORDER_SLACK_NS;
		reorder__release(&tr->pending, tr->watermark, deliver, tr);
	}
	return 0;
}

int tracer__drain(struct tracer *tr)
{
	int err;

	if (!tr->pb)
		return -ENOTCONN;
	err = perf_buffer__consume(tr->pb);
	tr->watermark = mono_ns();
	reorder__release(&tr->pending, UINT64_MAX, deliver, tr);
	return err < 0 ? err : 0;
}

uint64_t tracer__watermark(const struct tracer *tr)
{
	return tr->pb ? tr->watermark : mono_ns();
}

struct ngx502_bpf *tracer__skel(const struct tracer *tr)
{
	return tr->skel;
}

struct bpf_link *tracer__link(const struct tracer *tr, int i)
{
	int b;

	if (i < 0)
		return NULL;
	if (i < tr->nlinks)
		return tr->links[i];
	i -= tr->nlinks;
	for (b = 0; b < tr->nbins; i -= tr->bins[b].nlinks, b++)
		if (i < tr->bins[b].nlinks)
			return tr->bins[b].links[i];
	return NULL;
}

const char *const *tracer__probes(const struct tracer *tr)
{
	return tr->probes;
}

/* The sum over CPUs of one per-CPU kernel counter (NGX502_STAT_*). */
static uint64_t stat_sum(const struct tracer *tr, __u32 key, uint64_t *vals, int ncpu)
{
	uint64_t sum = 0;

	if (!bpf_map_lookup_elem(bpf_map__fd(tr->skel->maps.stats), &key, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	return sum;
}

void tracer__counters(const struct tracer *tr, struct tracer_counters *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	memset(c, 0, sizeof(*c));
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	c->events = stat_sum(tr, NGX502_STAT_EVENTS, vals, ncpu);
	c->drops = stat_sum(tr, NGX502_STAT_DROPS, vals, ncpu);
	c->conns_full = stat_sum(tr, NGX502_STAT_CONNS_FULL, vals, ncpu);
	free(vals);
}
