// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cause.h"
#include "options.h"

#define NGX502_VERSION "0.1.0"

/* argp's -V/--version; its usage errors exit 2 (we print ours and return 2 too). */
const char *argp_program_version = "ngx502-trace " NGX502_VERSION;
error_t argp_err_exit_status = 2;

enum {
	OPT_CGROUP = 256,
	OPT_PIN,
	OPT_UNPIN,
	OPT_SYSCALLS,
	OPT_BUFFER_PAGES,
	OPT_USAGE,
	OPT_CAUSE,
	OPT_UPSTREAM,
	OPT_CHECK,
	OPT_METRICS,
	OPT_METRICS_TEXTFILE,
};

static const char doc[] =
	"Explain nginx 502/504s as they happen: watch the nginx workers' upstream connections "
	"in the kernel, name the cause and print the fix for this host.\v"
	"EXAMPLES:\n"
	"  ngx502-trace                      every nginx on the host\n"
	"  ngx502-trace -p 1234              nginx master 1234 and all its workers\n"
	"  ngx502-trace -p 1234 -d 30 --json 30 seconds of JSON lines for a script\n"
	"  ngx502-trace -l /var/log/nginx/error.log   correlate with this error log\n"
	"  ngx502-trace -C 4f3c2b1a0e9d              nginx in that container (id prefix, pod uid "
	"or a PID inside)\n"
	"  ngx502-trace --cgroup /system.slice/docker-4f3c.scope   every nginx in that cgroup\n"
	"  ngx502-trace --pin /sys/fs/bpf/ngx502     events for scripts/ngx502-events\n"
	"  ngx502-trace --cause upstream_refused,upstream_reset --upstream 127.0.0.1:9000\n"
	"                                    only those causes on that upstream\n"
	"  ngx502-trace --check              what this kernel supports, per cause\n"
	"\nExit status: 0 on a normal stop (Ctrl-C, SIGTERM, --duration), 1 on a runtime "
	"failure, 2 on a usage error.";

static const struct argp_option options[] = {
	{"pid", 'p', "PID[,PID...]", 0,
	 "nginx master or worker PIDs (a master brings all its "
	 "workers, also those started later)",
	 0},
	{"container", 'C', "ID|NAME", 0,
	 "nginx inside a container: docker/containerd/cri-o/podman "
	 "id or prefix, kubernetes pod uid, or the PID of a process inside",
	 0},
	{"cgroup", OPT_CGROUP, "PATH", 0,
	 "every nginx in this cgroup (v2 path, absolute or relative "
	 "to the cgroup2 mount), also those started later",
	 0},
	{"error-log", 'l', "PATH", 0, "the error log to correlate (default: found from nginx)", 0},
	{"json", 'j', NULL, 0, "JSON lines on stdout", 0},
	{"duration", 'd', "SEC", 0, "stop after SEC seconds", 0},
	{"verbose", 'v', NULL, 0, "also print each raw kernel event", 0},
	{"pin", OPT_PIN, "DIR", 0, "pin the event perf buffer and programs under DIR (bpffs)", 0},
	{"unpin", OPT_UNPIN, "DIR", 0, "remove what --pin left under DIR, then exit", 0},
	{"syscall-probes", OPT_SYSCALLS, NULL, 0,
	 "use syscall tracepoints instead of the nginx "
	 "uprobe (costs every process on the host a little)",
	 0},
	{"buffer-pages", OPT_BUFFER_PAGES, "N", 0,
	 "perf buffer pages per CPU (power of two, "
	 "default 512)",
	 0},
	{"cause", OPT_CAUSE, "CAUSE[,CAUSE...]", 0,
	 "print only these causes (names of the catalogue; repeatable)", 0},
	{"upstream", OPT_UPSTREAM, "UPSTREAM", 0,
	 "print only diagnoses of this upstream, as printed: 127.0.0.1:9000, [::1]:9000, "
	 "unix:/run/php/php8.2-fpm.sock, an upstream group name (repeatable)",
	 0},
	{"quiet", 'q', NULL, 0,
	 "human output without the tool's own lines (watching.../probes attached, the summary "
	 "when empty); diagnoses and warnings are still printed",
	 0},
	{"check", OPT_CHECK, NULL, 0,
	 "print what this kernel supports and which causes it can see, then exit (0: all, "
	 "1: something missing)",
	 0},
	{"metrics", OPT_METRICS, "ADDR:PORT", 0,
	 "serve Prometheus metrics at http://ADDR:PORT/metrics (127.0.0.1:9502, [::1]:9502, "
	 ":9502 for every address)",
	 0},
	{"metrics-textfile", OPT_METRICS_TEXTFILE, "PATH", 0,
	 "write the same metrics to PATH every 5 s and at the stop (node_exporter's textfile "
	 "collector: PATH ends in .prom)",
	 0},
	/* ARGP_SILENT turns argp's own help off (its help is silent under ARGP_NO_ERRS, which
	 * keeps our usage errors to one line): the same options, printed with argp_help() */
	{"help", 'h', NULL, 0, "show this help", -1},
	{NULL, '?', NULL, OPTION_ALIAS, NULL, -1},
	{"usage", OPT_USAGE, NULL, 0, "show a short usage message", -1},
	{"version", 'V', NULL, 0, "show the version", -1},
	{},
};

/* One line, then the usage error (exit 2) is decided by the caller. */
static void usage_error(struct argp_state *state, const char *fmt, const char *arg)
{
	struct env *env = state->input;

	if (env->usage_error)
		return;
	fprintf(stderr, "ngx502-trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see --help)\n");
	env->usage_error = 1;
}

static int parse_pids(const char *arg, struct env *env)
{
	const char *p = arg;
	char *end;
	long v;

	while (*p) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > INT_MAX || (*end && *end != ','))
			return -EINVAL;
		if (env->npids >= OPT_MAX_PIDS)
			return -E2BIG;
		env->pids[env->npids++] = (int)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -EINVAL;
	}
	return env->npids ? 0 : -EINVAL;
}

_Static_assert(CAUSE__COUNT <= 64, "env.causes is a 64-bit set");

/* --cause a,b: names of user/cause.c's catalogue, into a bit set. */
static int parse_causes(const char *arg, struct env *env)
{
	char name[64];
	const char *p = arg, *e;
	enum cause c;

	do {
		e = strchrnul(p, ',');
		if (e == p || (size_t)(e - p) >= sizeof(name))
			return -EINVAL;
		memcpy(name, p, e - p);
		name[e - p] = '\0';
		c = cause__from_name(name);
		if (c == CAUSE_NONE)
			return -EINVAL;
		env->causes |= 1ull << c;
		p = e + 1;
	} while (*e);
	return 0;
}

static int parse_upstreams(char *arg, struct env *env)
{
	if (!*arg || env->nupstreams >= OPT_MAX_UPSTREAMS)
		return -EINVAL;
	env->upstreams[env->nupstreams++] = arg;
	return 0;
}

/* A bad cause name: one line that lists the names it may be. */
static void cause_error(struct argp_state *state, const char *arg)
{
	char msg[1024];
	size_t len;
	int c;

	len = snprintf(msg, sizeof(msg), "invalid --cause '%.64s': want names among ", arg);
	for (c = CAUSE_NONE + 1; c < CAUSE__COUNT && len < sizeof(msg); c++)
		len += snprintf(msg + len, sizeof(msg) - len, "%s%s", c > CAUSE_NONE + 1 ? "," : "",
				cause__name(c));
	usage_error(state, "%s", msg);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	char *end;
	double d;
	long v;

	switch (key) {
	case 'p':
		if (parse_pids(arg, env))
			usage_error(state, "invalid --pid '%s': want PID[,PID...], at most 64",
				    arg);
		break;
	case 'C':
		env->container = arg;
		break;
	case OPT_CGROUP:
		env->cgroup = arg;
		break;
	case 'l':
		env->error_log = arg;
		break;
	case 'j':
		env->json = true;
		break;
	case 'd':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d <= 0 || d > 31536000)
			usage_error(state, "invalid --duration '%s': want seconds > 0", arg);
		env->duration = d;
		break;
	case 'v':
		env->verbose = true;
		break;
	case OPT_PIN:
		env->pin = arg;
		break;
	case OPT_UNPIN:
		env->unpin = arg;
		break;
	case OPT_SYSCALLS:
		env->syscall_probes = true;
		break;
	case OPT_BUFFER_PAGES:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 65536 || (v & (v - 1)))
			usage_error(state, "invalid --buffer-pages '%s': want a power of two", arg);
		env->buffer_pages = (int)v;
		break;
	case OPT_CAUSE:
		if (parse_causes(arg, env))
			cause_error(state, arg);
		break;
	case OPT_UPSTREAM:
		if (parse_upstreams(arg, env))
			usage_error(state,
				    "invalid --upstream '%s': want one to eight non-empty names",
				    arg);
		break;
	case 'q':
		env->quiet = true;
		break;
	case OPT_CHECK:
		env->check = true;
		break;
	case OPT_METRICS:
		if (!*arg)
			usage_error(state, "invalid --metrics '%s': want ADDR:PORT", arg);
		env->metrics = arg;
		break;
	case OPT_METRICS_TEXTFILE:
		if (!*arg)
			usage_error(state, "invalid --metrics-textfile '%s': want a file path",
				    arg);
		env->metrics_textfile = arg;
		break;
	case 'h':
	case '?':
		/* argp_state_help() is silent under ARGP_NO_ERRS: print it directly. */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK,
			  (char *)"ngx502-trace");
		env->exit_now = 1;
		break;
	case OPT_USAGE:
		argp_help(state->root_argp, stdout, ARGP_HELP_USAGE, (char *)"ngx502-trace");
		env->exit_now = 1;
		break;
	case 'V':
		printf("%s\n", argp_program_version);
		env->exit_now = 1;
		break;
	case ARGP_KEY_ARG:
		usage_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_ERROR:
		/* getopt rejected argv[next - 1]: unknown option or missing value */
		usage_error(state, "invalid option or missing value: '%s'",
			    state->next > 0 && state->next <= state->argc
				    ? state->argv[state->next - 1]
				    : "?");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int options__parse(int argc, char **argv, struct env *env)
{
	static const struct argp argp = {options, parse_arg, NULL, doc, NULL, NULL, NULL};
	int err;

	memset(env, 0, sizeof(*env));
	env->buffer_pages = 512;
	err = argp_parse(&argp, argc, argv, ARGP_SILENT, NULL, env);
	if (err || env->usage_error) {
		if (!env->usage_error)
			fprintf(stderr, "ngx502-trace: invalid command line (see --help)\n");
		return -EINVAL;
	}
	if (!env->exit_now && env->pin && (env->metrics || env->metrics_textfile)) {
		fprintf(stderr,
			"ngx502-trace: --metrics and --metrics-textfile need the tool to read "
			"the events: not with --pin\n");
		return -EINVAL;
	}
	if (!env->exit_now && env->pin && env->unpin) {
		fprintf(stderr, "ngx502-trace: --pin and --unpin exclude each other\n");
		return -EINVAL;
	}
	if (!env->exit_now && !!env->npids + !!env->container + !!env->cgroup > 1) {
		fprintf(stderr,
			"ngx502-trace: --pid, --container and --cgroup exclude each other\n");
		return -EINVAL;
	}
	return 0;
}

const char *options__version(void)
{
	return NGX502_VERSION;
}
