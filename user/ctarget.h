/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What --container and --cgroup select: one cgroup v2 directory (a
 * container's, a pod's, or the one the user named), the ids of it and its
 * descendants for the kernel's `cgroups` map (an exec of nginx there joins
 * the target set), and the container it names, if any.
 *
 * The cgroup id the kernel reports (bpf_get_current_cgroup_id()) is the
 * inode number of the cgroup's directory in the v2 mount.
 */
#ifndef __CTARGET_H
#define __CTARGET_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

#define CTARGET_MAX_CGROUPS 64 /* = MAX_CGROUPS of the BPF side */
#define CTARGET_MAX_DEPTH   8

struct targets;

struct ctarget {
	char mount[256];	 /* the cgroup v2 mount point */
	char path[512];		 /* the cgroup, relative to the mount: "/system.slice/x.scope" */
	struct container_id cid; /* runtime CT_NONE when the cgroup names no container */
	char name[128];		 /* the engine's name for it, when given by name; "" */
	char label[240];	 /* "docker container web1 (0123456789ab)", "cgroup /x" */
	int ncgroups;
	uint64_t cgroup_ids[CTARGET_MAX_CGROUPS];
	int truncated; /* more descendant cgroups than fit in the map */
	/*
	 * The container has no cgroup v2 directory of its own (docker's cgroupfs
	 * driver on a host whose controllers are v1: its processes sit in the v2
	 * root). It is followed by its id instead: ctarget__discover() finds its
	 * nginx by /proc/PID/cgroup, and the caller looks again every second.
	 */
	int by_id;
};

/* The cgroup v2 mount point into buf. 0 or -ENOENT. */
int ctarget__v2_mount(char *buf, size_t size);
/*
 * --container QUERY: a container id or prefix, a pod uid, "runtime://id", the
 * PID of a process inside, a docker container name (the Engine API), or a
 * kubernetes pod as NAMESPACE/POD (kubelet's /var/log/pods). 0, or -errno
 * with one line for the user in why.
 */
int ctarget__from_container(const char *query, struct ctarget *out, char *why, size_t whylen);
/* --cgroup PATH: absolute under the v2 mount, or relative to it. 0 or -errno (why). */
int ctarget__from_cgroup(const char *path, struct ctarget *out, char *why, size_t whylen);
/*
 * Add every nginx master inside the cgroup (or below it), or of the container
 * (by_id), with its workers. Masters added.
 */
int ctarget__discover(const struct ctarget *c, struct targets *t);

/*
 * Collect the ids of the cgroup and its descendants again (a container
 * restarted has a new cgroup at the same path). The count, 0 while the
 * cgroup is gone.
 */
int ctarget__refresh(struct ctarget *c);

/* Pure helpers (unit-tested). */
/* 1 when the cgroup path cg ("/a/b") is root or lies below it. */
int ctarget__path_within(const char *cg, const char *root);

#endif /* __CTARGET_H */
