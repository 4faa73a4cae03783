/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Socket state that turns a failed upstream connect into evidence: who
 * listens where (TCP: sock_diag, the kernel walking only the sockets of the
 * states asked for; /proc/PID/net/{tcp,tcp6} where sock_diag is missing;
 * unix: /proc/PID/net/unix), how many TIME_WAIT sockets point at an
 * upstream, and the sysctls that bound queues and ports. Why a worker can or
 * cannot connect to a unix socket path is sockaccess.h.
 *
 * Parsers work on one line or on a whole text and are pure; the /proc
 * readers stream the tables through a fixed buffer (tens of thousands of
 * TIME_WAIT lines must not cost megabytes). netns_pid 0 means the tool's own
 * network namespace.
 *
 * Limits the caller should know:
 *  - neither shows IPV6_V6ONLY, so a "::" listener is assumed
 *    to accept IPv4 unless net.ipv6.bindv6only is 1 in that namespace.
 *  - /proc/net/unix prints the path as bound, in the binder's mount
 *    namespace, and a hostile process can bind a path containing a newline
 *    to forge a line of that table: treat unix listener data as a hint about
 *    that namespace, never as proof.
 */
#ifndef __SOCKSTATE_H
#define __SOCKSTATE_H

#include <stddef.h>
#include "procfs.h"
#include "rootfs.h"
/* struct sock_access users that include only this header: facts.h, fix_unix.c, tests. */
#include "sockaccess.h"

#define SOCKSTATE_MAX_SOCKETS 65536
#define SOCKSTATE_MAX_LINES   (4 * 1024 * 1024)

/* TCP states as numbered in /proc/net/tcp (include/net/tcp_states.h). */
#define TCP_STATE_ESTABLISHED 0x01
#define TCP_STATE_TIME_WAIT   0x06
#define TCP_STATE_LISTEN      0x0A
/* /proc/net/unix Flags bit of a listening socket (__SO_ACCEPTCON). */
#define UNIX_FLAG_ACCEPTCON 0x10000

struct sock_listener {
	int family;		/* 2 (AF_INET), 10 (AF_INET6), 1 (AF_UNIX) */
	unsigned char addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	unsigned short port;	/* host byte order */
	unsigned long inode;
	char path[108]; /* unix: as bound ("@name" for abstract) */
	int pid;	/* lowest PID holding it, 0 if unknown */
	char comm[16];
	char unit[128]; /* systemd .service/.scope of pid, "" if none */
	/* Filled by the parsers, for callers that look at more than listeners: */
	int state;		 /* TCP_STATE_*, or the unix St column */
	unsigned int uid;	 /* tcp: owner uid column */
	unsigned char raddr[16]; /* tcp: remote address and port */
	unsigned short rport;
	int type;	    /* unix: 1 stream, 2 dgram, 5 seqpacket */
	unsigned int flags; /* unix: Flags column */
};

/* One line of /proc/net/tcp (family 2) or tcp6 (family 10) / unix. 0, or -EINVAL (header, garbage).
 */
int sockstate__parse_tcp_line(const char *line, size_t len, int family, struct sock_listener *out);
int sockstate__parse_unix_line(const char *line, size_t len, struct sock_listener *out);
/* Whole tables: fills up to max entries, returns how many. state_filter -1 takes all states. */
int sockstate__parse_tcp(const char *text, size_t len, int family, int state_filter,
			 struct sock_listener *out, int max);
int sockstate__parse_unix(const char *text, size_t len, int listening_only,
			  struct sock_listener *out, int max);

/* LISTEN sockets of the network namespace of netns_pid, with owners. Returns the count. */
int sockstate__tcp_listeners(int netns_pid, struct sock_listener *out, int max);
int sockstate__unix_listeners(int netns_pid, struct sock_listener *out, int max);
/*
 * The listener that would accept a connect to family/addr/port: an exact
 * address beats a wildcard, and a "::" listener takes IPv4 (see above); an
 * IPv4-mapped IPv6 target is looked up as IPv4. 0 or -ENOENT.
 */
int sockstate__find_tcp_listener(int netns_pid, int family, const unsigned char *addr,
				 unsigned short port, struct sock_listener *out);
/* Is a listening unix socket bound at path (in netns of pid)? 1 yes (out filled if not NULL), 0 no.
 */
int sockstate__unix_path_listening(int netns_pid, const char *path, struct sock_listener *out);
/* TIME_WAIT sockets whose remote end is family/addr/port (addr NULL or port 0: any). */
int sockstate__time_wait_count(int netns_pid, int family, const unsigned char *addr,
			       unsigned short port);

/*
 * sysctl by dotted name ("net.core.somaxconn") as seen in the network
 * namespace of pid (net.* sysctls are per namespace; 0: the tool's own). The
 * value without its trailing newline; returns the length or -errno.
 */
int sockstate__sysctl_netns(int pid, const char *name, char *buf, size_t size);
/* net.ipv4.ip_local_port_range of pid's network namespace (0: the tool's). */
int sockstate__port_range_netns(int pid, int *lo, int *hi);
int sockstate__parse_port_range(const char *text, int *lo, int *hi);

#endif /* __SOCKSTATE_H */
