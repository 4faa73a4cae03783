// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "event.h"
#include "facts.h"
#include "ngx502.h"
#include "rootfs.h"

#define LISTENERS_MAX 4096

/* "www-data (uid 33, gid 33, groups 33,44)"; without the name when it has none. */
static void describe_creds(struct host_facts *f, int named)
{
	const struct proc_status *st = &f->worker;
	size_t off, size = sizeof(f->creds);
	int i;

	off = snprintf(f->creds, size, "%s%suid %u, gid %u", named ? f->user : "",
		       named ? " (" : "", st->uid[3], st->gid[3]);
	for (i = 0; i < st->ngroups && off < size; i++)
		off += snprintf(f->creds + off, size - off, "%s%u", i ? "," : ", groups ",
				st->groups[i]);
	if (named && off < size)
		snprintf(f->creds + off, size - off, ")");
}

const char *host_facts__owner(const struct sock_listener *l, char *buf, size_t size)
{
	if (!l->pid)
		snprintf(buf, size, "an unknown process");
	else if (l->unit[0])
		snprintf(buf, size, "%s (pid %d, %s)", l->comm, l->pid, l->unit);
	else
		snprintf(buf, size, "%s (pid %d)", l->comm, l->pid);
	return buf;
}

/* Other unix sockets that look like the one nginx wants (same directory or same stem). */
static void unix_alternatives(struct host_facts *f, int netns_pid, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	struct sock_listener *ls = calloc(LISTENERS_MAX, sizeof(*ls));
	int n, i;

	if (!ls)
		return;
	n = sockstate__unix_listeners(netns_pid, ls, LISTENERS_MAX);
	for (i = 0; i < n && f->nalt < FACTS_ALTERNATIVES; i++) {
		if (ls[i].path[0] != '/' || !strcmp(ls[i].path, path))
			continue;
		if (!(dirlen && !strncmp(ls[i].path, path, dirlen) && ls[i].path[dirlen] == '/') &&
		    !(strstr(ls[i].path, "fpm") && strstr(path, "fpm")))
			continue;
		f->alt[f->nalt++] = ls[i];
	}
	free(ls);
}

/* TCP listeners within FACTS_NEARBY_PORTS of the upstream's port, nginx's own left out. */
static void nearby_tcp(struct host_facts *f, const struct event *ev)
{
	struct sock_listener *ls = calloc(LISTENERS_MAX, sizeof(*ls));
	int n, i;

	if (!ls)
		return;
	n = sockstate__tcp_listeners(ev->pid, ls, LISTENERS_MAX);
	for (i = 0; i < n && f->nalt < FACTS_ALTERNATIVES; i++) {
		if (abs((int)ls[i].port - ev->port) > FACTS_NEARBY_PORTS ||
		    !strcmp(ls[i].comm, "nginx"))
			continue;
		f->alt[f->nalt++] = ls[i];
	}
	free(ls);
}

static void gather_unix(struct host_facts *f, enum cause cause, const struct event *ev)
{
	const char *path = ev->upstream + 5; /* "unix:" */
	struct rootfs *fs;
	char root[64];
	int named;

	/* metadata along the path and the names of the worker's root, as the tool sees them */
	snprintf(root, sizeof(root), "/proc/%u/root", ev->pid);
	fs = rootfs__new(root);
	if (!fs)
		return;
	named = !sockaccess__id_name(fs, 0, f->worker.uid[3], f->user, sizeof(f->user));
	sockaccess__id_name(fs, 1, f->worker.gid[3], f->group, sizeof(f->group));
	describe_creds(f, named);
	f->have_access = !sockaccess__unix_access(fs, path, &f->worker, &f->access);
	if (!f->have_access)
		f->access.verdict = -1;
	sockaccess__describe_mode(&f->access, f->mode, sizeof(f->mode));
	f->listening = sockstate__unix_path_listening(ev->pid, path, &f->listener) == 1;
	if (cause == CAUSE_UPSTREAM_SOCKET_MISSING)
		unix_alternatives(f, ev->pid, path);
	if (cause == CAUSE_UPSTREAM_BACKLOG_FULL)
		sockstate__sysctl_netns(ev->pid, "net.core.somaxconn", f->somaxconn,
					sizeof(f->somaxconn));
	rootfs__free(fs);
}

static void gather_fd(struct host_facts *f, const struct event *ev)
{
	char limits[4096], *line, *nl;
	long n = procfs__read(ev->pid, "limits", limits, sizeof(limits));

	line = n > 0 ? strstr(limits, "Max open files") : NULL;
	if (!line)
		return;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	snprintf(f->nofile, sizeof(f->nofile), "%s", line);
}

/*
 * Connections waiting to be accepted by the upstream: a pool too small for its load keeps
 * them there while its children are busy, and nginx's timer runs from the connect on.
 */
static void gather_queue(struct host_facts *f, const struct event *ev)
{
	if (ev->family == AF_UNIX && !strncmp(ev->upstream, "unix:", 5))
		f->have_queue = sockdiag__unix_queue(ev->pid, ev->upstream + 5, &f->queue) == 1;
	else if (ev->family == AF_INET || ev->family == AF_INET6)
		f->have_queue = sockdiag__tcp_queue(ev->pid, ev->family, ev->addr, ev->port,
						    &f->queue) == 1;
}

int host_facts__gather(struct host_facts *f, enum cause cause, const struct event *ev)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->somaxconn, sizeof(f->somaxconn), "?");
	f->time_wait = -1;
	if (cause == CAUSE_UPSTREAM_READ_TIMEOUT || cause == CAUSE_UPSTREAM_BACKLOG_FULL)
		gather_queue(f, ev);
	if (ev->type == NGX502_EV_SIGNAL) {
		procfs__unit(ev->pid, f->unit, sizeof(f->unit));
		return 0;
	}
	if (ev->type == NGX502_EV_CONN_RESET || ev->type == NGX502_EV_CONN_FIN ||
	    ev->type == NGX502_EV_CONN_ABANDON)
		return 0;
	f->have_worker = !procfs__status(ev->pid, &f->worker) && f->worker.tgid;
	if (!f->have_worker)
		return -ESRCH;
	if (ev->family == AF_UNIX) {
		gather_unix(f, cause, ev);
		return 0;
	}
	switch (cause) {
	case CAUSE_UPSTREAM_REFUSED:
		f->listening = !sockstate__find_tcp_listener(ev->pid, ev->family, ev->addr,
							     ev->port, &f->listener);
		if (!f->listening)
			nearby_tcp(f, ev);
		break;
	case CAUSE_LOCAL_PORTS_EXHAUSTED:
		sockstate__port_range_netns(ev->pid, &f->port_lo, &f->port_hi);
		f->time_wait = sockstate__time_wait_count(ev->pid, ev->family, ev->addr, ev->port);
		break;
	case CAUSE_FD_EXHAUSTED:
		gather_fd(f, ev);
		break;
	default:
		break;
	}
	return 0;
}
