// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "container.h"
#include "procfs.h"
#include "targets.h"

struct targets {
	int n;
	int dropped; /* processes left out: the table was full of live ones */
	int first_dropped;
	struct target_proc procs[TARGETS_MAX];
};

struct targets *targets__new(void)
{
	return calloc(1, sizeof(struct targets));
}

void targets__free(struct targets *t)
{
	free(t);
}

int targets__is_nginx(int pid)
{
	char comm[32];

	if (procfs__comm(pid, comm, sizeof(comm)) < 0)
		return 0;
	return !strcmp(comm, "nginx");
}

/* nginx retitles its processes: "nginx: master process ...", "nginx: worker process". */
static int role_of(int pid)
{
	char cmd[128];
	struct proc_status st;

	if (procfs__cmdline(pid, cmd, sizeof(cmd)) > 0) {
		if (!strncmp(cmd, "nginx: master process", 21))
			return ROLE_MASTER;
		if (!strncmp(cmd, "nginx: worker process", 21))
			return ROLE_WORKER;
	}
	/* A plain "nginx" (not yet retitled) whose parent is not nginx is a master. */
	if (procfs__status(pid, &st) == 0 && !targets__is_nginx(st.ppid))
		return ROLE_MASTER;
	return ROLE_OTHER;
}

static struct target_proc *find(struct targets *t, int pid)
{
	for (int i = 0; i < t->n; i++)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	return NULL;
}

static struct target_proc *add(struct targets *t, int pid, int master, int role)
{
	struct target_proc *p = find(t, pid);
	struct container_id cid;
	struct proc_status ps;
	struct stat st;
	char link[64];

	if (!p) {
		if (t->n >= TARGETS_MAX) {
			/* Reuse a dead slot: long incidents with many reloads must not fill up. */
			for (int i = 0; i < t->n; i++)
				if (!t->procs[i].alive) {
					p = &t->procs[i];
					break;
				}
			if (!p) {
				if (!t->dropped++)
					t->first_dropped = pid;
				return NULL;
			}
		} else {
			p = &t->procs[t->n++];
		}
	}
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->master = master;
	p->role = role;
	p->alive = 1;
	if (procfs__exe(pid, p->exe, sizeof(p->exe)) < 0)
		p->exe[0] = '\0';
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (!stat(link, &st)) {
		p->exe_ino = st.st_ino;
		p->exe_dev = st.st_dev;
	}
	if (!procfs__status(pid, &ps) && ps.nnspid > 1)
		p->ns_pid = ps.nspid[ps.nnspid - 1];
	if (!container__of_pid(pid, &cid)) {
		p->runtime = cid.runtime;
		snprintf(p->container, sizeof(p->container), "%s",
			 cid.id[0] ? cid.id : cid.pod_uid);
	}
	return p;
}

struct children_ctx {
	struct targets *t;
	int master;
};

static int add_child(int pid, void *arg)
{
	struct children_ctx *c = arg;
	struct proc_status st;

	if (procfs__status(pid, &st) || st.ppid != c->master || !targets__is_nginx(pid))
		return 0;
	add(c->t, pid, c->master, role_of(pid) == ROLE_WORKER ? ROLE_WORKER : ROLE_OTHER);
	return 0;
}

/* /proc/PID/task/PID/children lists them at once; a scan of /proc is the fallback. */
static int add_children(struct children_ctx *c)
{
	char file[64], buf[8192], *p, *end;
	long n, child;

	snprintf(file, sizeof(file), "task/%d/children", c->master);
	n = procfs__read(c->master, file, buf, sizeof(buf));
	if (n < 0 || n >= (long)sizeof(buf) - 1)
		return procfs__for_each_pid(add_child, c) < 0 ? -EIO : 0;
	for (p = buf; *p; p = end) {
		child = strtol(p, &end, 10);
		if (end == p)
			break;
		if (child > 0)
			add_child((int)child, c);
	}
	return 0;
}

static int add_family(struct targets *t, int master)
{
	struct children_ctx c = {t, master};

	if (!add(t, master, master, ROLE_MASTER))
		return -ENOSPC;
	return add_children(&c);
}

int targets__add_pid(struct targets *t, int pid, char *err, size_t errlen)
{
	struct proc_status st;
	char comm[32] = "";

	if (procfs__status(pid, &st)) {
		snprintf(err, errlen, "no process with pid %d", pid);
		return -ESRCH;
	}
	if (!targets__is_nginx(pid)) {
		procfs__comm(pid, comm, sizeof(comm));
		snprintf(err, errlen, "pid %d is not nginx (it is '%s')", pid, comm);
		return -EINVAL;
	}
	if (role_of(pid) != ROLE_MASTER && targets__is_nginx(st.ppid))
		return add_family(t, st.ppid);
	return add_family(t, pid);
}

struct discover_ctx {
	struct targets *t;
	int (*keep)(int pid, void *arg);
	void *arg;
};

static int add_if_master(int pid, void *arg)
{
	struct discover_ctx *c = arg;

	if (!targets__is_nginx(pid) || role_of(pid) != ROLE_MASTER || find(c->t, pid))
		return 0;
	if (c->keep && !c->keep(pid, c->arg))
		return 0;
	add_family(c->t, pid);
	return 0;
}

int targets__discover(struct targets *t)
{
	return targets__discover_in(t, NULL, NULL);
}

int targets__discover_in(struct targets *t, int (*keep)(int pid, void *arg), void *arg)
{
	struct discover_ctx c = {t, keep, arg};

	procfs__for_each_pid(add_if_master, &c);
	return targets__nmasters_alive(t);
}

int targets__host_pid(const struct targets *t, int master, int ns_pid)
{
	const struct target_proc *m = master ? find((struct targets *)t, master) : NULL;
	int i, found = 0, host;

	if (ns_pid <= 0 || (m && !m->ns_pid))
		return ns_pid;
	for (i = 0; i < t->n; i++) {
		const struct target_proc *p = &t->procs[i];

		if (!p->alive || (master && p->master != master))
			continue;
		if (!p->ns_pid && p->pid == ns_pid)
			return ns_pid; /* a host nginx: its number is the host's */
		if (p->ns_pid == ns_pid) {
			if (found && found != p->pid)
				return ns_pid; /* two containers have it: cannot tell */
			found = p->pid;
		}
	}
	if (found)
		return found;
	/* a worker the table does not know yet: ask /proc through the master's namespace */
	host = m ? procfs__host_pid(master, ns_pid) : 0;
	return host > 0 ? host : ns_pid;
}

void targets__on_new(struct targets *t, int pid, int ppid, int exec)
{
	const struct target_proc *parent = find(t, ppid);

	/* A fresh fork still carries the parent's title: trust the event, not cmdline. */
	if (!exec && parent && parent->alive)
		add(t, pid, parent->master, ROLE_WORKER);
	else
		add(t, pid, pid, ROLE_MASTER);
}

int targets__on_exit(struct targets *t, int pid)
{
	struct target_proc *p = find(t, pid);

	if (!p || !p->alive)
		return 0;
	p->alive = 0;
	return p->role == ROLE_MASTER;
}

int targets__count(const struct targets *t)
{
	return t->n;
}

const struct target_proc *targets__get(const struct targets *t, int i)
{
	return i >= 0 && i < t->n ? &t->procs[i] : NULL;
}

const struct target_proc *targets__find(const struct targets *t, int pid)
{
	return find((struct targets *)t, pid);
}

int targets__dropped(const struct targets *t, int *first_pid)
{
	if (first_pid)
		*first_pid = t->first_dropped;
	return t->dropped;
}

int targets__nmasters_alive(const struct targets *t)
{
	int n = 0;

	for (int i = 0; i < t->n; i++)
		n += t->procs[i].alive && t->procs[i].role == ROLE_MASTER;
	return n;
}
