// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

#define NGX502_VERSION "0.1.0"

enum {
	OPT_CGROUP = 256,
	OPT_PIN,
	OPT_UNPIN,
	OPT_VERSION,
	OPT_SYSCALLS,
	OPT_BUFFER_PAGES,
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
	{"help", 'h', NULL, 0, "show this help", 0},
	{"version", OPT_VERSION, NULL, 0, "show the version", 0},
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
	case 'h':
		/* argp_state_help() is silent under ARGP_NO_ERRS: print it directly. */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_EXIT_OK,
			  (char *)"ngx502-trace");
		env->exit_now = 1;
		break;
	case OPT_VERSION:
		printf("ngx502-trace " NGX502_VERSION "\n");
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
