/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What people call a container: its engine's name for it, and the pod and
 * namespace kubernetes gave it. The id comes from the cgroup path
 * (container.h); the names from, in order:
 *
 *  - docker: the Engine API (dockerapi.h), else the engine's own record
 *    /var/lib/docker/containers/ID/config.v2.json;
 *  - containerd (CRI): the OCI spec it wrote, annotations
 *    io.kubernetes.cri.sandbox-name/-namespace and container-name, in
 *    /run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json;
 *  - cri-o: /run/containers/storage/overlay-containers/ID/userdata/config.json,
 *    annotations io.kubernetes.pod.name/.namespace, io.kubernetes.container.name;
 *  - any pod whose uid is known: kubelet's /var/log/pods/NAMESPACE_NAME_UID/,
 *    with no API server.
 *
 * Nothing is executed; the files are the engines' own, in root-only
 * directories. Answers are kept per id (a container's names do not change).
 */
#ifndef __CTNAMES_H
#define __CTNAMES_H

#include <stddef.h>
#include "container.h"

struct ctnames {
	int runtime;	    /* enum container_runtime */
	char id[80];	    /* container id, "" when only the pod is known */
	char name[128];	    /* the engine's name, "" unknown */
	char pod_name[128]; /* kubernetes, "" when not a pod or unknown */
	char pod_namespace[64];
	char pod_uid[40];
	char k8s_container[64]; /* the container's name in its pod */
};

struct ctnames_cache;

/* Roots of the engines' files ("" each for the host's own): tests point them elsewhere. */
struct ctnames_roots {
	const char *docker_dir;	    /* /var/lib/docker */
	const char *containerd_dir; /* /run/containerd/io.containerd.runtime.v2.task */
	const char *crio_dir;	    /* /run/containers/storage/overlay-containers */
	const char *pods_dir;	    /* /var/log/pods */
	int no_api;		    /* do not ask the Docker Engine API */
};

/* roots NULL: the host's. */
struct ctnames_cache *ctnames_cache__new(const struct ctnames_roots *roots);
void ctnames_cache__free(struct ctnames_cache *c);
/* Names of the container pid runs in. 0, or -ENOENT when it runs in none. */
int ctnames__of_pid(struct ctnames_cache *c, int pid, struct ctnames *out);
/* Names of the container of cid. 0 (fields it could not learn stay ""). */
int ctnames__of_id(struct ctnames_cache *c, const struct container_id *cid, struct ctnames *out);

/* Pure helpers, unit-tested. */
/* A /var/log/pods entry "NAMESPACE_NAME_UID": 0 when its uid is uid, names filled. */
int ctnames__parse_pod_dir(const char *entry, const char *uid, char *ns, size_t nssize, char *name,
			   size_t namesize);
/* The kubernetes annotations of an OCI config.json (containerd's or cri-o's). 0 or -EINVAL. */
int ctnames__parse_oci_config(const char *json, size_t len, struct ctnames *out);
/* docker's config.v2.json: "Name" and the kubelet labels. 0 or -EINVAL. */
int ctnames__parse_docker_config(const char *json, size_t len, struct ctnames *out);

#endif /* __CTNAMES_H */
