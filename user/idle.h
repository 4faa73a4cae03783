/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What each upstream does with idle keep-alive connections: the kernel sends
 * NGX502_EV_CONN_IDLE_CLOSE when a backend closes one of nginx's pooled
 * connections for being idle, with how long it sat idle. From those this
 * learns, per upstream, the idle time at which the backend closes them (a
 * low percentile of the latest closes, so one early close does not decide),
 * which a premature close or reset on a reused connection is compared with
 * (docs/DESIGN.md §4, the keep-alive race).
 */
#ifndef __IDLE_H
#define __IDLE_H

#define IDLE_UPSTREAMS 256 /* upstreams learned; more are not */
#define IDLE_SAMPLES   32  /* latest closes kept per upstream */

struct idle_table;

/* NULL and errno set on failure. */
struct idle_table *idle_table__new(void);
void idle_table__free(struct idle_table *t);
/* upstream closed a connection that had been idle for idle_ms. */
void idle_table__add(struct idle_table *t, const char *upstream, unsigned int idle_ms);
/*
 * The idle time (ms) after which upstream closes idle connections: the 10th
 * percentile of its latest closes; 0 when none was seen. *count (may be NULL):
 * the closes seen since the start.
 */
unsigned int idle_table__timeout(const struct idle_table *t, const char *upstream,
				 unsigned int *count);

#endif /* __IDLE_H */
