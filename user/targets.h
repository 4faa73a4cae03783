/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The nginx processes being traced, as the loader knows them: families of a
 * master and its workers. The kernel keeps its own copy fresh (fork, exec,
 * exit); this one follows it through target events and serves the `ready`
 * line, evidence (worker uid/gids) and the summary.
 */
#ifndef __TARGETS_H
#define __TARGETS_H

#include <stddef.h>

#define TARGETS_MAX 1024

enum target_role { ROLE_MASTER = 1, ROLE_WORKER, ROLE_OTHER };

struct target_proc {
	int pid;    /* host pid */
	int master; /* host pid of its master (itself for a master) */
	int role;
	int alive;
	char exe[256]; /* /proc/PID/exe at the time it was found */
	unsigned long long exe_ino, exe_dev;
	int ns_pid;	    /* its pid in its own pid namespace; 0 when that is the host's */
	int runtime;	    /* enum container_runtime; 0 when in no container */
	char container[80]; /* container id, or the pod uid when only the pod is known; "" */
};

struct targets;

struct targets *targets__new(void);
void targets__free(struct targets *t);

/*
 * Add the family of pid: a master brings its workers, a worker brings its
 * master and siblings. -ESRCH when pid does not exist, -EINVAL when it is
 * not nginx (why is written to err).
 */
int targets__add_pid(struct targets *t, int pid, char *err, size_t errlen);
/* Add every nginx master of the host with its workers. Returns the count of masters. */
int targets__discover(struct targets *t);
/* The same, for the masters for which keep(pid, arg) is true. */
int targets__discover_in(struct targets *t, int (*keep)(int pid, void *arg), void *arg);
/*
 * A process the kernel added: forked by a target (exec 0: a worker, or a
 * master-to-be of a binary upgrade) or an exec of nginx (exec 1: a master).
 */
void targets__on_new(struct targets *t, int pid, int ppid, int exec);
/* A tracked process exited. Returns 1 when it was a master. */
int targets__on_exit(struct targets *t, int pid);

int targets__count(const struct targets *t);
const struct target_proc *targets__get(const struct targets *t, int i);
const struct target_proc *targets__find(const struct targets *t, int pid);
int targets__nmasters_alive(const struct targets *t);
/*
 * Processes not recorded because all TARGETS_MAX slots held live ones (the
 * kernel still traces them), and the first of them. Never resets.
 */
int targets__dropped(const struct targets *t, int *first_pid);

/*
 * The host pid of ns_pid, a pid nginx wrote in its log as its own pid
 * namespace numbers it. master: the master whose log it is (0 when not
 * known: a unique match among the targets is taken). ns_pid itself when
 * that namespace is the host's or nothing matches.
 */
int targets__host_pid(const struct targets *t, int master, int ns_pid);

/* True when pid's comm is "nginx". */
int targets__is_nginx(int pid);

#endif /* __TARGETS_H */
