// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ngx502-trace: attach to the running nginx, watch its upstream failures in
 * the kernel, name the cause and print the fix.
 *
 * Data flows one way: perf records -> event__decode -> rules__cause_of ->
 * diag_table (aggregation) -> evidence -> output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "check.h"
#include "clock.h"
#include "ctarget.h"
#include "diag.h"
#include "event.h"
#include "evidence.h"
#include "hostconf.h"
#include "logparse.h"
#include "logs.h"
#include "ngx502.h"
#include "options.h"
#include "output.h"
#include "pin.h"
#include "privs.h"
#include "ctnames.h"
#include "metrics.h"
#include "metrics_http.h"
#include "reorder.h"
#include "report.h"
#include "targets.h"
#include "timing.h"
#include "tracer.h"

#define POLL_MS	       100
#define PIN_RESCAN_NS  1000000000ull
#define CAP_SYS_ADMIN_ 21
#define CAP_PERFMON_   38
#define CAP_BPF_       39

struct app {
	struct env env;
	struct targets *targets;
	struct tracer *tracer;
	struct output *out;
	struct diag_table *diags;
	struct report *report;
	bool usage_error; /* exit 2: the command line named something that is not there */
	struct logs *logs;
	struct reorder file_lines;	  /* read from files: they wait for the kernel's copies */
	struct metrics_http *metrics;	  /* --metrics */
	struct ctnames_cache *names;	  /* container and pod names */
	uint64_t metrics_ns, textfile_ns; /* when they were last renewed */
	uint64_t rescan_ns;		  /* a container followed by id: last look */
	struct hostconf *hostconf;
	struct ctarget *ct; /* --container/--cgroup: the cgroup watched, NULL otherwise */
	uint64_t records;
	uint64_t lost;
	uint64_t bad_records;
	/* a table of fixed size was full: said once per table */
	bool warned_bins, warned_user_bins, warned_procs, warned_kernel, warned_textfile;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("NGX502_LIBBPF_DEBUG") != NULL;
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* One line naming what is missing, before libbpf says something obscure. */
static int check_privileges(void)
{
	unsigned long long eff = privs__cap_eff();

	if (eff & (1ull << CAP_SYS_ADMIN_))
		return 0;
	if ((eff & (1ull << CAP_BPF_)) && (eff & (1ull << CAP_PERFMON_)))
		return 0;
	fprintf(stderr, "ngx502-trace: needs root, or CAP_BPF and CAP_PERFMON (missing:%s%s)\n",
		eff & (1ull << CAP_BPF_) ? "" : " CAP_BPF",
		eff & (1ull << CAP_PERFMON_) ? "" : " CAP_PERFMON");
	return -EPERM;
}

static void attach_binary_of(struct app *app, int pid)
{
	char exe[64];
	struct stat st;
	bool trusted;
	int err;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	if (stat(exe, &st))
		return;
	/* root's and written by nobody else, or a process the operator named */
	trusted = (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH))) || app->env.npids > 0;
	err = tracer__attach_nginx(app->tracer, exe, st.st_dev, st.st_ino, trusted);
	if (err == -ENOSPC && trusted && !app->warned_bins) {
		app->warned_bins = true;
		output__warning(app->out,
				"the table of nginx binaries is full: the binary of "
				"nginx %d gets no uprobe; syscall tracepoints see its connect "
				"failures",
				pid);
	} else if (err == -ENOSPC && !trusted && !app->warned_user_bins) {
		app->warned_user_bins = true;
		output__warning(app->out,
				"the table of nginx binaries is full for binaries "
				"that are not root's: nginx %d and others like it are not traced "
				"(the last slots are kept for root's; name a master with --pid to "
				"trace it)",
				pid);
	} else if (err && err != -ENOSPC) {
		output__warning(app->out, "cannot watch nginx binary of pid %d", pid);
	}
}

/* The kernel's target set is full: what it refuses is not traced at all. */
static void kernel_targets_full(struct app *app, int pid)
{
	if (app->warned_kernel)
		return;
	app->warned_kernel = true;
	output__warning(app->out,
			"the kernel's target set is full (too many processes named "
			"nginx): nginx %d and any later ones are not traced",
			pid);
}

/* The tool's own table of processes is full: those left out are traced, with less evidence. */
static void check_tables(struct app *app)
{
	int first;

	if (app->warned_procs || !targets__dropped(app->targets, &first))
		return;
	app->warned_procs = true;
	output__warning(app->out,
			"more than %d live processes named nginx: nginx %d and later "
			"ones are traced, but their diagnoses may lack container and worker "
			"evidence",
			TARGETS_MAX, first);
}

static void on_target_exit(struct app *app, unsigned int pid)
{
	const struct target_proc *p = targets__find(app->targets, pid);
	char where[160] = "", left[320] = "";

	if (p && p->container[0])
		snprintf(where, sizeof(where), " in container %.12s", p->container);
	if (!targets__on_exit(app->targets, pid))
		return;
	if (!targets__nmasters_alive(app->targets))
		snprintf(left, sizeof(left), "; no nginx left%s%s, watching for one to start",
			 app->ct ? " in " : "", app->ct ? app->ct->label : "");
	if (where[0])
		output__warning(app->out, "target nginx %u%s exited%s", pid, where, left);
	else
		output__warning(app->out, "nginx master %u exited%s", pid, left);
}

static void on_event(void *ctx, const void *data, size_t size)
{
	struct app *app = ctx;
	struct event ev;
	int err;

	app->records++;
	err = event__decode(data, size, &ev);
	if (err) {
		if (!app->bad_records++)
			output__warning(app->out, "undecodable kernel record (%zu bytes): %s", size,
					strerror(-err));
		return;
	}
	if (app->env.verbose)
		output__event(app->out, &ev);

	switch (ev.type) {
	case NGX502_EV_TARGET_NEW:
		targets__on_new(app->targets, ev.pid, ev.ppid, ev.reason == 2);
		if (!app->warned_kernel && tracer__target_refused(app->tracer, ev.pid))
			kernel_targets_full(app, ev.pid);
		if (ev.reason == 2)
			attach_binary_of(app, ev.pid);
		break;
	case NGX502_EV_RESPONSE:
		report__response(app->report, &ev);
		break;
	case NGX502_EV_CONN_IDLE_CLOSE:
		report__idle_close(app->report, &ev);
		break;
	case NGX502_EV_OOM_VICTIM:
		report__oom(app->report, &ev);
		break;
	case NGX502_EV_LOG_LINE:
		report__log_line(app->report, ev.line, ev.line_len, ev.pid, ev.log_fd, ev.ts_ns);
		break;
	case NGX502_EV_TARGET_EXIT:
		on_target_exit(app, ev.pid);
		break;
	default:
		report__failure(app->report, &ev);
		break;
	}
}

/*
 * A line from a followed file: the worker's pid comes from the text, numbered
 * in nginx's own pid namespace; kernel events carry host pids. root_pid: the
 * master whose file it is (0 for --error-log).
 */
struct file_line {
	uint64_t read_ns;
	int pid;
	char text[];
};

static void deliver_file_line(void *ctx, const void *data, size_t size)
{
	struct app *app = ctx;
	const struct file_line *f = data;

	report__file_line(app->report, f->text, size - sizeof(*f), f->pid, f->read_ns);
}

/*
 * A line nginx wrote before it was read was also captured by the kernel, if at
 * all, before then: it goes to the report once every record up to the read
 * is in, so the kernel's copy (with its time and request number) comes first.
 */
static void on_file_line(void *ctx, const char *line, size_t len, int root_pid)
{
	struct app *app = ctx;
	int pid = logparse__pid(line, len);
	struct file_line *f = malloc(sizeof(*f) + len);

	if (pid)
		pid = targets__host_pid(app->targets, root_pid, pid);
	if (!f) {
		report__file_line(app->report, line, len, pid, clock__mono_ns());
		return;
	}
	f->read_ns = clock__mono_ns();
	f->pid = pid;
	memcpy(f->text, line, len);
	reorder__push(&app->file_lines, f->read_ns, f, sizeof(*f) + len, deliver_file_line, app);
	free(f);
}

/* Are the error responses of worker pid seen? Its binary got the response uprobe. */
static int sees_responses(void *ctx, int pid)
{
	struct app *app = ctx;
	const struct target_proc *p = targets__find(app->targets, pid);

	if (p && !p->exe_dev && !p->exe_ino && p->master)
		p = targets__find(app->targets, p->master);
	return app->tracer && p && tracer__sees_responses(app->tracer, p->exe_dev, p->exe_ino);
}

/*
 * Lines come from the kernel when nginx's binary lets us capture them;
 * otherwise, and for a --error-log the user named, from the files.
 */
static void follow_logs(struct app *app)
{
	int i, err;

	if (app->env.error_log) {
		err = logs__follow(app->logs, app->env.error_log, 0);
		if (err)
			output__warning(app->out, "cannot follow %s: %s", app->env.error_log,
					strerror(-err));
	}
	for (i = 0; i < targets__count(app->targets); i++) {
		const struct target_proc *p = targets__get(app->targets, i);

		if (!p->alive || p->role != ROLE_MASTER ||
		    tracer__captures_log(app->tracer, p->exe_dev, p->exe_ino))
			continue;
		if (logs__follow_master(app->logs, p->pid) <= 0)
			output__warning(app->out,
					"no error-log lines from nginx %d: its binary "
					"cannot be probed and no log file was found",
					p->pid);
	}
}

static void on_lost(void *ctx, uint64_t count)
{
	struct app *app = ctx;

	if (!app->lost)
		output__warning(app->out, "the perf buffer overflowed: kernel events were lost "
					  "(raise --buffer-pages)");
	app->lost += count;
}

/* No --pid: every nginx master, or those inside the --container/--cgroup cgroup. */
static void discover(struct app *app)
{
	if (app->ct)
		ctarget__discover(app->ct, app->targets);
	else
		targets__discover(app->targets);
}

static int find_targets(struct app *app)
{
	char why[512];
	int i, err;

	if (app->env.container || app->env.cgroup) {
		app->ct = calloc(1, sizeof(*app->ct));
		if (!app->ct)
			return -ENOMEM;
		err = app->env.container
			      ? ctarget__from_container(app->env.container, app->ct, why,
							sizeof(why))
			      : ctarget__from_cgroup(app->env.cgroup, app->ct, why, sizeof(why));
		if (err) {
			fprintf(stderr, "ngx502-trace: %s\n", why);
			return err;
		}
	}
	for (i = 0; i < app->env.npids; i++) {
		err = targets__add_pid(app->targets, app->env.pids[i], why, sizeof(why));
		if (err) {
			fprintf(stderr, "ngx502-trace: %s\n", why);
			/* a --pid that names no nginx is bad input, like a bad flag */
			app->usage_error = err == -ESRCH || err == -EINVAL;
			return err;
		}
	}
	if (!app->env.npids)
		discover(app);
	return 0;
}

/* Tell the kernel every live target, and attach the binaries of the masters. */
static void kernel_add_targets(struct app *app)
{
	for (int i = 0; i < targets__count(app->targets); i++) {
		const struct target_proc *p = targets__get(app->targets, i);

		if (!p->alive)
			continue;
		if (tracer__add_target(app->tracer, p->pid, p->master) == -E2BIG)
			kernel_targets_full(app, p->pid);
		if (p->role == ROLE_MASTER)
			attach_binary_of(app, p->pid);
	}
}

/* Fill the kernel's target set, then look again for anything born meanwhile. */
static void publish_targets(struct app *app)
{
	int i;

	for (int pass = 0; pass < 2; pass++) {
		kernel_add_targets(app);
		if (pass == 0) {
			if (app->env.npids) {
				for (i = 0; i < app->env.npids; i++) {
					char why[256];

					targets__add_pid(app->targets, app->env.pids[i], why,
							 sizeof(why));
				}
			} else {
				discover(app);
			}
		}
	}
}

#define RESCAN_NS (1000000000ull)

/*
 * --container/--cgroup, every second: a restarted container has a new cgroup
 * at the same path (the kernel is told its id), and its nginx may have
 * started before that: looked for and added here. A container followed by
 * its id (no cgroup of its own) is only ever found this way.
 */
static void rescan_container(struct app *app)
{
	uint64_t now = clock__mono_ns();

	if (!app->ct || now - app->rescan_ns < RESCAN_NS)
		return;
	app->rescan_ns = now;
	if (!app->ct->by_id && ctarget__refresh(app->ct) > 0)
		tracer__set_cgroups(app->tracer, app->ct->cgroup_ids, app->ct->ncgroups);
	if (ctarget__discover(app->ct, app->targets) <= 0)
		return;
	kernel_add_targets(app);
}

/* Without the perf buffer nobody sees exits: forget what died (or is no longer nginx). */
static void forget_dead(struct app *app)
{
	for (int i = 0; i < targets__count(app->targets); i++) {
		const struct target_proc *p = targets__get(app->targets, i);

		if (p->alive && !targets__is_nginx(p->pid))
			targets__on_exit(app->targets, p->pid);
	}
}

/*
 * Loaded, attached, the perf buffer open: from here on only what privs.c
 * keeps. What could not be dropped stays, which works as before.
 */
static void drop_privileges(struct app *app)
{
	char caps[512];
	int err = privs__drop();

	if (err)
		output__warning(app->out,
				"failed to drop every capability the tool no longer "
				"needs: %s (it goes on, with what it could not drop)",
				strerror(-err));
	if (app->env.verbose && !privs__describe(caps, sizeof(caps)))
		fprintf(stderr, "ngx502-trace: after load: %s\n", caps);
}

#define METRICS_NS  (1000000000ull)	/* /metrics renewed every second */
#define TEXTFILE_NS (5 * 1000000000ull) /* the textfile every 5 s */

/* Renew what --metrics serves and --metrics-textfile holds, when due (always when final). */
static void publish_metrics(struct app *app, bool final)
{
	uint64_t now = clock__mono_ns();
	bool serve = app->metrics && (final || now - app->metrics_ns >= METRICS_NS);
	bool file = app->env.metrics_textfile && (final || now - app->textfile_ns >= TEXTFILE_NS);
	struct tracer_counters kc = {};
	struct metrics_input in;
	size_t len;
	char *text;
	int err;

	if (!serve && !file)
		return;
	if (app->tracer)
		tracer__counters(app->tracer, &kc);
	in = (struct metrics_input){
		.diags = app->diags,
		.events = app->records,
		.lost = app->lost + kc.drops,
		.conns_full = kc.conns_full,
		.probes = app->tracer ? tracer__probes(app->tracer) : NULL,
		.masters = targets__nmasters_alive(app->targets),
		.version = options__version(),
	};
	if (metrics__render(&in, &text, &len))
		return;
	if (serve) {
		metrics_http__publish(app->metrics, text, len);
		app->metrics_ns = now;
	}
	if (file) {
		err = metrics__write_textfile(app->env.metrics_textfile, text, len);
		if (err && !app->warned_textfile)
			output__warning(app->out, "cannot write the metrics to %s: %s",
					app->env.metrics_textfile, strerror(-err));
		app->warned_textfile = err != 0;
		app->textfile_ns = now;
	}
	free(text);
}

/* Why the loop ended, as far as stdout goes: a reader that went away is a normal stop. */
static int stdout_status(struct app *app)
{
	int err = output__error(app->out);

	if (!err || err == -EPIPE)
		return 0;
	fprintf(stderr, "ngx502-trace: failed to write to stdout: %s\n", strerror(-err));
	return err;
}

/* The ready line; -q leaves out the human start-up lines (JSON keeps "ready"). */
static void ready(struct app *app)
{
	if (app->env.json || !app->env.quiet)
		output__ready(app->out, app->targets, tracer__probes(app->tracer));
}

/*
 * --pin: `events` belongs to an outside reader (scripts/ngx502-events), so no
 * event loop here. The kernel adds forks of targets itself; once a second
 * /proc is scanned for new masters (and their binaries' uprobes are pinned).
 * The stop unpins everything, which detaches the programs.
 */
static int run_pinned(struct app *app)
{
	uint64_t start = clock__mono_ns(), last = start;
	struct tracer_counters kc;
	int err;

	err = pin__all(app->tracer, app->env.pin);
	if (err)
		return err;
	ready(app);
	while (!exiting && !err) {
		usleep(POLL_MS * 1000);
		if (output__error(app->out))
			break;
		check_tables(app);
		if (clock__mono_ns() - last >= PIN_RESCAN_NS) {
			last = clock__mono_ns();
			forget_dead(app);
			publish_targets(app);
			err = pin__all(app->tracer, app->env.pin);
		}
		if (app->env.duration &&
		    clock__mono_ns() - start >= (uint64_t)(app->env.duration * 1e9))
			break;
	}
	pin__remove(app->env.pin);
	tracer__counters(app->tracer, &kc);
	output__summary(app->out, app->diags,
			&(struct output_totals){
				.events = kc.events,
				.lost = kc.drops,
				.conns_full = kc.conns_full,
				.diag_dropped = diag_table__overflow(app->diags),
			});
	return err ? err : stdout_status(app);
}

/* What the kernel side could not do (a probe missing, a binary without symbols): the warning path.
 */
static void on_tracer_warning(void *ctx, const char *msg)
{
	struct app *app = ctx;

	output__warning(app->out, "%s", msg);
}

static int run(struct app *app)
{
	struct tracer_opts topts = {
		.auto_discover = app->env.npids == 0 && !app->ct,
		.cgroup_ids = app->ct ? app->ct->cgroup_ids : NULL,
		.ncgroup_ids = app->ct ? app->ct->ncgroups : 0,
		.syscall_probes = app->env.syscall_probes,
		.buffer_pages = app->env.buffer_pages,
		.no_perf_buffer = app->env.pin != NULL,
		.on_event = on_event,
		.on_lost = on_lost,
		.on_warning = on_tracer_warning,
		.ctx = app,
	};
	struct tracer_counters kc;
	uint64_t start;
	int err;

	app->tracer = tracer__new(&topts);
	if (!app->tracer)
		return -errno;
	drop_privileges(app);
	/* the metrics thread starts with what the tool keeps, not before */
	if (app->metrics && metrics_http__start(app->metrics)) {
		fprintf(stderr, "ngx502-trace: failed to start serving --metrics %s\n",
			app->env.metrics);
		return -EIO;
	}
	publish_targets(app);
	follow_logs(app);
	if (app->ct && !targets__nmasters_alive(app->targets))
		output__warning(app->out, "no nginx is running in %s; watching for one to start",
				app->ct->label);
	if (app->ct && app->ct->truncated)
		output__warning(app->out,
				"%s has more than %d cgroups: nginx started in the others "
				"is not seen",
				app->ct->label, CTARGET_MAX_CGROUPS);
	timing__phase("targets+uprobes");
	if (app->env.pin)
		return run_pinned(app);
	ready(app);
	timing__phase("ready");

	start = clock__mono_ns();
	while (!exiting) {
		err = tracer__poll(app->tracer, POLL_MS);
		if (err < 0) {
			fprintf(stderr, "ngx502-trace: failed to read the perf buffer: %s\n",
				strerror(-err));
			return err;
		}
		logs__poll(app->logs);
		reorder__release(&app->file_lines, tracer__watermark(app->tracer),
				 deliver_file_line, app);
		report__tick(app->report, tracer__watermark(app->tracer));
		check_tables(app);
		rescan_container(app);
		publish_metrics(app, false);
		/* `ngx502-trace --json | head -1`: head is gone, so are we (like Ctrl-C) */
		if (output__error(app->out))
			break;
		if (app->env.duration &&
		    clock__mono_ns() - start >= (uint64_t)(app->env.duration * 1e9))
			break;
	}
	/* Drain what the kernel sent before the stop; lines still waiting decide now. */
	tracer__drain(app->tracer);
	logs__poll(app->logs);
	reorder__release(&app->file_lines, UINT64_MAX, deliver_file_line, app);
	report__finish(app->report);
	tracer__counters(app->tracer, &kc);
	output__summary(app->out, app->diags,
			&(struct output_totals){
				.events = app->records,
				.lost = app->lost + kc.drops,
				.conns_full = kc.conns_full,
				.diag_dropped = diag_table__overflow(app->diags),
			});
	publish_metrics(app, true);
	return stdout_status(app);
}

/* A limit cut a target's configuration short: the fix may miss a line of it. */
static void on_conf_warning(void *ctx, const char *msg)
{
	struct app *app = ctx;

	output__warning(app->out, "%s", msg);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal}, old;
	struct app app = {};
	int err, fd;

	if (options__parse(argc, argv, &app.env))
		return 2;
	if (app.env.exit_now)
		return 0;
	if (app.env.check)
		return check__run();
	if (app.env.unpin) {
		if (access(app.env.unpin, F_OK)) {
			fprintf(stderr, "ngx502-trace: cannot unpin %s: %s\n", app.env.unpin,
				strerror(errno));
			return 1;
		}
		return pin__remove(app.env.unpin) < 0 ? 1 : 0;
	}
	if (app.env.pin && pin__busy(app.env.pin)) {
		fprintf(stderr,
			"ngx502-trace: %s/events is pinned already: another ngx502-trace "
			"--pin owns it (ngx502-trace --unpin %s if it is gone)\n",
			app.env.pin, app.env.pin);
		return 1;
	}
	if (app.env.error_log) {
		fd = open(app.env.error_log, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "ngx502-trace: cannot read error log %s: %s\n",
				app.env.error_log, strerror(errno));
			return 1;
		}
		close(fd);
	}
	if (check_privileges())
		return 1;
	if (app.env.metrics) {
		char why[256];

		/* bound now, while a port below 1024 is still allowed */
		app.metrics = metrics_http__listen(app.env.metrics, why, sizeof(why));
		if (!app.metrics) {
			fprintf(stderr, "ngx502-trace: %s\n", why);
			return errno == EINVAL ? 2 : 1;
		}
	}

	libbpf_set_print(libbpf_print);
	clock__init();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a dropped ssh session stops it as SIGTERM does (--pin unpins); nohup keeps it running */
	if (!sigaction(SIGHUP, NULL, &old) && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	/* a closed stdout is seen as EPIPE by output__error, then stops the loop cleanly */
	signal(SIGPIPE, SIG_IGN);

	err = -ENOMEM;
	app.targets = targets__new();
	app.diags = diag_table__new();
	app.out = output__new(app.env.json);
	app.logs = logs__new(on_file_line, &app);
	app.names = ctnames_cache__new(NULL);
	app.hostconf = hostconf__new(&(struct hostconf_opts){
		.warn = on_conf_warning,
		.ctx = &app,
	});
	if (!app.targets || !app.diags || !app.out || !app.logs || !app.hostconf || !app.names)
		goto cleanup;
	app.report = report__new(&(struct report_opts){
		.out = app.out,
		.diags = app.diags,
		.hc = app.hostconf,
		.targets = app.targets,
		.names = app.names,
		.sees_responses = sees_responses,
		.ctx = &app,
		.causes = app.env.causes,
		.upstreams = app.env.upstreams,
		.nupstreams = app.env.nupstreams,
	});
	if (!app.report)
		goto cleanup;
	timing__phase("start");
	err = find_targets(&app);
	timing__phase("find targets");
	if (err)
		goto cleanup;
	err = run(&app);

cleanup:
	timing__phase("stop");
	metrics_http__free(app.metrics);
	tracer__free(app.tracer);
	timing__phase("detach");
	output__free(app.out);
	logs__free(app.logs);
	reorder__free(&app.file_lines);
	hostconf__free(app.hostconf);
	ctnames_cache__free(app.names);
	report__free(app.report);
	diag_table__free(app.diags);
	targets__free(app.targets);
	free(app.ct);
	return app.usage_error ? 2 : err ? 1 : 0;
}
