/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Docker Engine API on its unix socket (libcurl's unix-socket support,
 * json-c): what `docker inspect` tells of one container, by id, id prefix
 * or name. Only GET requests, each bounded in time and size. The socket is
 * $DOCKER_HOST when it is a unix:// address, else /var/run/docker.sock.
 */
#ifndef __DOCKERAPI_H
#define __DOCKERAPI_H

#include <stddef.h>

struct dockerapi_container {
	char id[80];	/* full id, lowercase hex */
	char name[128]; /* without docker's leading '/' */
	int pid;	/* host pid of its first process, 0 when not running */
	int running;
	/* set when kubelet (dockershim, cri-dockerd) made it */
	char pod_name[128];
	char pod_namespace[64];
	char pod_uid[40];
	char k8s_container[64];
};

/*
 * GET /containers/REF/json. REF: an id, id prefix or name ([A-Za-z0-9_.-],
 * up to 127 characters). 0; -ENOENT when the engine knows no such
 * container; -ECONNREFUSED/-ENOENT... when no engine answers; -EINVAL for a
 * REF that is no name.
 */
int dockerapi__inspect(const char *ref, struct dockerapi_container *out);
/* The same for the bytes of a reply (pure, for the unit tests). 0 or -EINVAL. */
int dockerapi__parse_inspect(const char *json, size_t len, struct dockerapi_container *out);
/* The engine's socket path, into buf. */
const char *dockerapi__socket(char *buf, size_t size);

#endif /* __DOCKERAPI_H */
