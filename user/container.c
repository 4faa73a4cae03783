// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "container.h"
#include "procfs.h"

#define CGROUP_TEXT_MAX 65536
#define ID_MIN_LEN	12 /* docker's short form; full ids are 64 hex digits */
#define ID_MAX_LEN	64
#define UID_MIN_LEN	8

/* Scope prefixes of runtimes that create one transient unit per container. */
static const struct {
	const char *prefix;
	int runtime;
} scope_prefixes[] = {
	{"docker-", CT_DOCKER},	     {"cri-containerd-", CT_CONTAINERD},
	{"nerdctl-", CT_CONTAINERD}, {"crio-", CT_CRIO},
	{"libpod-", CT_PODMAN},
};

static int is_hex_id(const char *s, size_t n)
{
	size_t i;

	if (n < ID_MIN_LEN || n > ID_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static void set_id(struct container_id *out, int runtime, const char *s, size_t n)
{
	size_t i;

	out->runtime = runtime;
	for (i = 0; i < n && i < sizeof(out->id) - 1; i++)
		out->id[i] = s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i];
	out->id[i] = '\0';
}

/* "1234abcd_5678_..." or "1234abcd-5678-..." -> pod_uid with dashes. */
static int set_pod_uid(struct container_id *out, const char *s, size_t n)
{
	size_t i;

	if (n < UID_MIN_LEN || n >= sizeof(out->pod_uid))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-' || s[i] == '_'))
			return 0;
	for (i = 0; i < n; i++)
		out->pod_uid[i] = s[i] == '_'		       ? '-'
				  : s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a'
							       : s[i];
	out->pod_uid[n] = '\0';
	/* Entering a pod: any container seen further out (the kind node) is not this one. */
	out->runtime = CT_K8S_POD;
	out->id[0] = '\0';
	return 1;
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && !memcmp(s, prefix, p);
}

/*
 * A pod component below a kubepods one: "pod<uid>" (cgroupfs driver) or
 * "kubepods-<qos>-pod<uid>.slice" (systemd driver; kind adds "kubelet-").
 */
static int match_pod(struct container_id *out, const char *s, size_t n, int in_kubepods)
{
	const char *p;

	if (!in_kubepods)
		return 0;
	if (starts_with(s, n, "pod"))
		return set_pod_uid(out, s + 3, n - 3);
	if (n < 6 || memcmp(s + n - 6, ".slice", 6) || !memmem(s, n, "kubepods", 8))
		return 0;
	n -= 6;
	for (p = s + n - 4; p >= s; p--)
		if (!memcmp(p, "-pod", 4))
			return set_pod_uid(out, p + 4, s + n - p - 4);
	return 0;
}

static int match_scope(struct container_id *out, const char *s, size_t n)
{
	size_t i, p;

	/* conmon runs beside the container and is not in it. */
	if (starts_with(s, n, "crio-conmon-") || starts_with(s, n, "libpod-conmon-"))
		return 0;
	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	for (i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		p = strlen(scope_prefixes[i].prefix);
		if (!starts_with(s, n, scope_prefixes[i].prefix) || !is_hex_id(s + p, n - p))
			continue;
		set_id(out, scope_prefixes[i].runtime, s + p, n - p);
		return 1;
	}
	return 0;
}

int container__parse_path(const char *cgpath, struct container_id *out)
{
	const char *p, *prev = NULL;
	size_t prevlen = 0, root_len = 0;
	int in_kubepods = 0;

	if (!cgpath || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (p = cgpath; *p;) {
		size_t n = strcspn(p, "/");
		int hit = 0;

		if (n && memmem(p, n, "kubepods", 8))
			in_kubepods = 1;
		if (n)
			hit = match_scope(out, p, n) || match_pod(out, p, n, in_kubepods);
		if (n && !hit && prev && is_hex_id(p, n)) {
			/* A bare id under /docker, or under a pod directory of the cgroupfs driver.
			 */
			if (prevlen == 6 && !memcmp(prev, "docker", 6)) {
				set_id(out, CT_DOCKER, p, n);
				hit = 1;
			} else if (starts_with(prev, prevlen, "pod") && out->pod_uid[0]) {
				set_id(out, CT_K8S_POD, p, n);
				hit = 1;
			}
		}
		/* The innermost container (or pod) directory: what --container watches. */
		if (hit)
			root_len = p + n - cgpath;
		if (n) {
			prev = p;
			prevlen = n;
		}
		p += n;
		p += strspn(p, "/");
	}
	if (out->runtime == CT_NONE) {
		memset(out, 0, sizeof(*out));
		return -ENOENT;
	}
	snprintf(out->cgroup_path, sizeof(out->cgroup_path), "%s", cgpath);
	snprintf(out->root_path, sizeof(out->root_path), "%.*s", (int)root_len, cgpath);
	return 0;
}

struct pick_ctx {
	int pass; /* 0: the v2 line, 1: name=systemd, 2: any other v1 hierarchy */
	struct container_id *out;
};

static int pick_cb(const struct cgroup_entry *e, void *arg)
{
	struct pick_ctx *c = arg;
	int is_v2 = e->hier == 0 && !e->controllers[0];
	int is_sd = !strcmp(e->controllers, "name=systemd");

	if ((c->pass == 0 && !is_v2) || (c->pass == 1 && !is_sd) ||
	    (c->pass == 2 && (is_v2 || is_sd)))
		return 0;
	return container__parse_path(e->path, c->out) == 0;
}

int container__parse_cgroup(const char *text, size_t len, struct container_id *out)
{
	struct pick_ctx c = {.out = out};

	if (!text || !out)
		return -EINVAL;
	for (c.pass = 0; c.pass < 3; c.pass++)
		if (procfs__cgroup_for_each(text, len, pick_cb, &c) > 0)
			return 0;
	memset(out, 0, sizeof(*out));
	return -ENOENT;
}

int container__of_pid(int pid, struct container_id *out)
{
	char *text;
	long n;

	if (!out)
		return -EINVAL;
	text = malloc(CGROUP_TEXT_MAX);
	if (!text)
		return -ENOMEM;
	n = procfs__read(pid, "cgroup", text, CGROUP_TEXT_MAX);
	if (n == CGROUP_TEXT_MAX - 1) {
		/* Cut by our limit: never parse half a path. */
		char *nl = memrchr(text, '\n', n);

		n = nl ? nl - text + 1 : 0;
	}
	if (n >= 0)
		n = container__parse_cgroup(text, n, out);
	free(text);
	return n;
}

/* query is a prefix (>= 4 characters) of s, with '_' and '-' the same and case ignored. */
static int prefix_match(const char *s, const char *q)
{
	size_t i, n = strlen(q);

	if (n < 4 || n > strlen(s))
		return 0;
	for (i = 0; i < n; i++) {
		int a = s[i] == '_' ? '-' : tolower((unsigned char)s[i]);
		int b = q[i] == '_' ? '-' : tolower((unsigned char)q[i]);

		if (a != b)
			return 0;
	}
	return 1;
}

int container__matches(const struct container_id *c, const char *query)
{
	const char *scheme;

	if (!c || !query || c->runtime == CT_NONE)
		return 0;
	/* kubectl prints containerID as "containerd://<id>", "cri-o://<id>", "docker://<id>". */
	scheme = strstr(query, "://");
	if (scheme)
		query = scheme + 3;
	if (c->id[0] && prefix_match(c->id, query))
		return 1;
	return c->pod_uid[0] && prefix_match(c->pod_uid, query);
}

const char *container__runtime_name(int runtime)
{
	switch (runtime) {
	case CT_NONE:
		return "none";
	case CT_DOCKER:
		return "docker";
	case CT_CONTAINERD:
		return "containerd";
	case CT_CRIO:
		return "cri-o";
	case CT_PODMAN:
		return "podman";
	case CT_K8S_POD:
		return "kubernetes";
	}
	return "unknown";
}
