/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The command line of docs/DESIGN.md §2. */
#ifndef __OPTIONS_H
#define __OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define OPT_MAX_PIDS	  64
#define OPT_MAX_UPSTREAMS 8

struct env {
	int pids[OPT_MAX_PIDS];
	int npids;
	const char *container;
	const char *cgroup;
	const char *error_log;
	const char *pin;
	const char *unpin;	      /* --unpin DIR: remove what --pin left there, then exit */
	const char *metrics;	      /* --metrics ADDR:PORT: serve /metrics */
	const char *metrics_textfile; /* --metrics-textfile PATH: write them there */
	bool json;
	bool verbose;
	bool syscall_probes;
	bool quiet; /* -q: human output without the tool's own lines (docs/DESIGN.md §3.3) */
	bool check; /* --check: print what the kernel supports, then exit */
	/* --cause/--upstream: what is printed; 0 causes / 0 upstreams: everything */
	uint64_t causes; /* bit (1 << enum cause) */
	const char *upstreams[OPT_MAX_UPSTREAMS];
	int nupstreams;
	double duration;  /* seconds; 0: until Ctrl-C */
	int buffer_pages; /* per CPU, power of two */
	int exit_now;	  /* --help/--version printed: exit 0 */
	int usage_error;  /* a usage error was printed */
};

/*
 * Parse argv into env. 0 on success (check env->exit_now), -EINVAL on a
 * usage error (one line already printed on stderr: exit 2).
 */
int options__parse(int argc, char **argv, struct env *env);
/* "0.1.0" */
const char *options__version(void);

#endif /* __OPTIONS_H */
