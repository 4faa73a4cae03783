/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence and fix for a new diagnosis, written from what this host shows
 * right now: the socket file and its owner and mode against the worker's
 * credentials, who listens where, the sysctls that bound the failure, and
 * (through hostconf and fix*.c) the config lines of this host to change.
 */
#ifndef __EVIDENCE_H
#define __EVIDENCE_H

#include "diag.h"
#include "event.h"

struct fix_ctx;
struct host_facts;
struct hostconf;
struct idle_table;
struct ngx_log_line;

/*
 * Evidence lines and fix for ev from facts already gathered: pure, so that
 * recorded facts give the texts in tests. fx: from fix__init.
 */
void evidence__write(struct diagnosis *d, const struct event *ev, const struct host_facts *f,
		     struct fix_ctx *fx);

/*
 * Fill d->evidence and d->fix for the failure ev that created d. hc (may be
 * NULL: generic texts) gives the nginx and php-fpm config lines to name; idle
 * (may be NULL) the upstreams' learned keep-alive idle timeouts.
 */
void evidence__fill(struct diagnosis *d, const struct event *ev, struct hostconf *hc,
		    const struct idle_table *idle);
/* Fill d->evidence and d->fix for a diagnosis made from an error-log line alone. */
void evidence__fill_from_log(struct diagnosis *d, const struct ngx_log_line *l,
			     struct diag_table *t, struct hostconf *hc);

#endif /* __EVIDENCE_H */
