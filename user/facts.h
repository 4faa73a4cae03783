/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this host shows about one failure, gathered once when its diagnosis
 * is new: the worker's credentials and their names, the socket file and its
 * mode, who listens on the upstream or near it, and the sysctls that bound
 * the failure. evidence.c writes its lines from these facts and fix_*.c its
 * fix, so both can be tested from recorded facts without a host.
 */
#ifndef __FACTS_H
#define __FACTS_H

#include "cause.h"
#include "procfs.h"
#include "sockaccess.h"
#include "sockdiag.h"
#include "sockstate.h"

#define FACTS_ALTERNATIVES 3
#define FACTS_NEARBY_PORTS 16 /* how far from the upstream port a listener is "nearby" */

struct event;

struct host_facts {
	/* the nginx worker that failed */
	int have_worker;
	struct proc_status worker;
	char user[64], group[64]; /* names in the worker's root, numbers when unknown */
	char creds[256];	  /* "www-data (uid 33, gid 33, groups 33)" */

	/* a unix-socket upstream: why the worker may not connect (have_access) */
	int have_access;
	struct sock_access access;
	char mode[128]; /* "0600 root:root" */

	/* a listener on the upstream itself (path or port), when listening */
	int listening;
	struct sock_listener listener;
	/* other unix sockets like the one nginx wants, or TCP listeners near the port */
	int nalt;
	struct sock_listener alt[FACTS_ALTERNATIVES];

	char somaxconn[32];   /* "?" when unknown */
	int port_lo, port_hi; /* net.ipv4.ip_local_port_range, 0 when unknown */
	int time_wait;	      /* sockets toward the upstream in TIME_WAIT, -1 when unknown */
	char nofile[256];     /* the worker's "Max open files" line of /proc/PID/limits, "" */
	char unit[128];	      /* systemd unit of the process the event names, "" */

	/*
	 * The upstream's listen queue in nginx's network namespace when the failure was seen
	 * (read timeouts, a full backlog): have_queue when a listener was found.
	 */
	int have_queue;
	struct sockdiag_queue queue;
	/*
	 * The upstream's keep-alive idle timeout learned from its idle closes
	 * (user/idle.c), in ms; 0 when none was seen. idle_seen: how many.
	 */
	unsigned int idle_timeout_ms, idle_seen;
};

/*
 * Gather what cause needs about ev (a kernel event, or one made from a log
 * line's upstream key) from the host. Facts that cannot be read stay empty;
 * returns 0, or -errno when the worker is gone.
 */
int host_facts__gather(struct host_facts *f, enum cause cause, const struct event *ev);

/* "an unknown process", "php-fpm8.2 (pid 12, php8.2-fpm.service)" */
const char *host_facts__owner(const struct sock_listener *l, char *buf, size_t size);

#endif /* __FACTS_H */
