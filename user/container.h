/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which container a process runs in, from its cgroup path. Runtimes name
 * the cgroup after the container id in a few well-known shapes:
 *
 *	/system.slice/docker-<id>.scope			docker, systemd driver
 *	/docker/<id>					docker, cgroupfs driver
 *	/machine.slice/libpod-<id>.scope		podman (also under user@UID.service)
 *	/system.slice/nerdctl-<id>.scope		containerd via nerdctl
 *	/kubepods.slice/kubepods-burstable.slice/
 *	  kubepods-burstable-pod<uid_with_underscores>.slice/
 *	  cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
 *	/kubepods/burstable/pod<uid>/<id>		kubelet cgroupfs driver (runtime unknown)
 *
 * When containers nest (docker in docker, kind), the innermost one wins: it
 * is the one the process really runs in.
 */
#ifndef __CONTAINER_H
#define __CONTAINER_H

#include <stddef.h>

enum container_runtime {
	CT_NONE,
	CT_DOCKER,
	CT_CONTAINERD,
	CT_CRIO,
	CT_PODMAN,
	CT_K8S_POD, /* a kubernetes pod whose runtime the path does not tell */
};

struct container_id {
	int runtime;
	char id[80];	  /* container id, lowercase hex; "" when only the pod is known */
	char pod_uid[40]; /* kubernetes pod uid with '-' (the slice spells it with '_'), or "" */
	char cgroup_path[512]; /* the cgroup path the id was found in */
	/*
	 * Its prefix up to the innermost container (or pod) directory: the
	 * cgroup that holds every process of it, nested cgroups included.
	 */
	char root_path[512];
};

/* From one cgroup path. 0, or -ENOENT when it names no container. */
int container__parse_path(const char *cgpath, struct container_id *out);
/*
 * From the text of /proc/PID/cgroup (v1 and/or v2 lines): the v2 line is
 * tried first, then name=systemd, then the other v1 hierarchies. 0, or
 * -ENOENT when not in a container.
 */
int container__parse_cgroup(const char *text, size_t len, struct container_id *out);
int container__of_pid(int pid, struct container_id *out);
/*
 * Does query name this container: the full id, an id prefix of at least 4
 * characters, or the pod uid (with '-' or '_'), optionally written as
 * "runtime://id" the way kubectl prints containerID? 1 or 0.
 */
int container__matches(const struct container_id *c, const char *query);
const char *container__runtime_name(int runtime);

#endif /* __CONTAINER_H */
