/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Diagnoses: one per (cause, upstream), with the count of failures behind
 * it. The table decides what is news (the first failure of a kind is
 * printed at once) and what is a burst (aggregated into "+N in the last
 * 5 s" lines), so a flood stays readable.
 */
#ifndef __DIAG_H
#define __DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "cause.h"
#include "event.h"

#define DIAG_MAX	  1024
#define DIAG_EVIDENCE_MAX 10
#define DIAG_TEXT_MAX	  512
#define DIAG_FIX_MAX	  2048
#define DIAG_SOCK_RING	  4096
#define DIAG_CMDS_MAX	  6 /* shell commands named by one fix */
#define DIAG_CMD_MAX	  768
#define DIAG_STATUS_MIN	  500 /* error responses counted: 500..599 */
#define DIAG_STATUS_N	  100

#define DIAG_ID_LEN 16 /* hex digits of diagnosis.id */

struct diagnosis {
	char id[DIAG_ID_LEN + 1]; /* stable on every line of this diagnosis (JSON "id") */
	enum cause cause;
	char upstream[EVENT_UPSTREAM_MAX];
	int nginx_pid; /* host pid of the first worker seen failing */
	int master;    /* host pid of its master, 0 unknown */
	/* where nginx_pid runs, when in a container (user/ctnames.h); "" each when unknown */
	char ct_engine[16]; /* docker, containerd, cri-o, podman, kubernetes */
	char ct_id[80];
	char ct_name[128];
	char pod_name[128];
	char pod_namespace[64];
	char k8s_container[64];
	int err; /* errno of the first failure, 0 for none */
	uint64_t count;
	uint64_t first_ts_ns; /* CLOCK_MONOTONIC */
	uint64_t last_ts_ns;
	int nevidence;
	char evidence[DIAG_EVIDENCE_MAX][DIAG_TEXT_MAX];
	char fix[DIAG_FIX_MAX];
	/* every shell command in fix, verbatim and in its order: see diagnosis__command() */
	int ncmds;
	char cmds[DIAG_CMDS_MAX][DIAG_CMD_MAX];
	char *log; /* the nginx error-log line it explains, once seen */
	int from_kernel, from_log;
	bool filtered; /* --cause/--upstream leave it out: never printed, not in the summary */
	/* what clients got: nginx's error responses this failure ended in, by status - 500 */
	uint64_t responses[DIAG_STATUS_N];
	/* failures after which nginx went on and no error response followed */
	uint64_t recovered;
	char recovered_via[EVENT_UPSTREAM_MAX]; /* where nginx retried, when known */
	/* what was last printed, for aggregation */
	uint64_t reported_count;
	uint64_t reported_ns;
	uint64_t reported_responses[DIAG_STATUS_N];
	uint64_t reported_recovered;
};

/* What the summary counts besides the diagnoses: the error responses nginx sent. */
struct diag_totals {
	uint64_t responses[DIAG_STATUS_N];   /* every one seen, by status - 500 */
	uint64_t unexplained[DIAG_STATUS_N]; /* no failure found behind it */
	uint64_t disagreements; /* the kernel's and the log's cause of one request differ */
};

struct diag_table;

struct diag_table *diag_table__new(void);
void diag_table__free(struct diag_table *t);
/*
 * Count one failure. *created is set when this (cause, upstream) is new:
 * the caller fills evidence and fix and prints it. NULL when the table is
 * full (DIAG_MAX distinct pairs): the failure is still counted in
 * diag_table__overflow().
 */
struct diagnosis *diag_table__hit(struct diag_table *t, enum cause cause, const char *upstream,
				  int pid, int err, uint64_t ts_ns, int *created);
struct diagnosis *diag_table__find(struct diag_table *t, enum cause cause, const char *upstream);
int diag_table__count(const struct diag_table *t);
struct diagnosis *diag_table__get(struct diag_table *t, int i);
uint64_t diag_table__overflow(const struct diag_table *t);
/* The response counts of the summary, for the correlator to fill. */
struct diag_totals *diag_table__totals(struct diag_table *t);
/* Error responses tied to d in all, and since it was last printed. */
uint64_t diagnosis__responses(const struct diagnosis *d);
uint64_t diagnosis__responses_new(const struct diagnosis *d);
/* 1 when sock was already counted (a SYN retransmit and the close that follows). */
int diag_table__sock_seen(struct diag_table *t, uint64_t sock);

/* Add a line of evidence (printf-style, truncated to DIAG_TEXT_MAX). */
void diagnosis__evidence(struct diagnosis *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Record a shell command that the fix text will hold, each value in it
 * already quoted with shquote(), and return it to be put in the text with
 * "%s". A command too long for DIAG_CMD_MAX, or one more than DIAG_CMDS_MAX,
 * is not recorded: the text returned then says so, it is no cut command.
 */
const char *diagnosis__command(struct diagnosis *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Once d->fix is written: keep the recorded commands that it holds verbatim,
 * in the order it names them (a cut text or an earlier fix loses its own).
 */
void diagnosis__sync_commands(struct diagnosis *d);
void diagnosis__set_log(struct diagnosis *d, const char *line, size_t len);
/* "kernel", "log" or "kernel+log". */
const char *diagnosis__source(const struct diagnosis *d);

#endif /* __DIAG_H */
