/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The listen queue of an upstream, as the kernel counts it: netlink
 * sock_diag (libmnl) in the network namespace of a process. For a listener
 * the kernel reports the connections waiting to be accepted (unix
 * UNIX_DIAG_RQLEN rqueue, inet idiag_rqueue) and its backlog, the most it
 * queues (wqueue). /proc/net/unix and /proc/net/tcp do not show either.
 *
 * The netlink socket is opened by a short-lived child that joins the
 * namespace and hands it back (SCM_RIGHTS): a netlink socket answers for the
 * namespace it was created in, and the tool itself never leaves its own.
 * The parsers work on the bytes of one recv() and are pure.
 */
#ifndef __SOCKDIAG_H
#define __SOCKDIAG_H

#include <stddef.h>

struct sockdiag_queue {
	int found;	      /* listeners matched */
	unsigned int queued;  /* connections waiting to be accepted, summed */
	unsigned int backlog; /* their backlogs, summed (the most they queue) */
	unsigned long inode;  /* of the first one */
	int exact;	      /* TCP: matched on its address, not a wildcard */
};

/*
 * Walk one recv() of a sock_diag dump. Listeners that match are added to q.
 * Returns 1 at the end of the dump (NLMSG_DONE), 0 when more is to come, or
 * -errno for an error message or bytes that are no netlink messages.
 */
int sockdiag__parse_unix(const void *buf, size_t len, const char *path, struct sockdiag_queue *q);
/* addr: network order (IPv4 in the first 4 bytes); a 0.0.0.0 or :: listener matches any. */
int sockdiag__parse_inet(const void *buf, size_t len, int family, const unsigned char *addr,
			 int port, struct sockdiag_queue *q);

/*
 * The stream listener(s) bound at path, or on addr:port (TCP, with the
 * wildcard "::" ones for an IPv4 address), in the network namespace of pid (0:
 * the tool's own). 1 when found, 0 when none listens, or -errno.
 */
int sockdiag__unix_queue(int pid, const char *path, struct sockdiag_queue *q);
int sockdiag__tcp_queue(int pid, int family, const unsigned char *addr, int port,
			struct sockdiag_queue *q);

struct sock_listener;

/*
 * Every TCP socket of family (AF_INET or AF_INET6) in one of the states of
 * states_mask (1 << TCP_STATE_*) in the network namespace of pid, as a
 * struct sock_listener (family, addr, port, raddr, rport, state, uid,
 * inode; no owner). The kernel picks them: a LISTEN walk never looks at the
 * established and TIME_WAIT ones, which /proc/net/tcp reads all of, over and
 * over (its seq_file restarts its walk for every read: a host with 100k
 * TIME_WAIT sockets takes seconds). fn returning non-zero stops. 0 or -errno.
 */
int sockdiag__tcp_walk(int pid, int family, unsigned int states_mask,
		       int (*fn)(const struct sock_listener *s, void *arg), void *arg);
/* The same over the bytes of one recv() (pure): 1 at the end or when fn stopped, 0 more, -errno. */
int sockdiag__parse_walk(const void *buf, size_t len,
			 int (*fn)(const struct sock_listener *s, void *arg), void *arg);

#endif /* __SOCKDIAG_H */
