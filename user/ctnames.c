// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "ctnames.h"
#include "dockerapi.h"
#include "rootfs.h"

#define CACHE_MAX  64
#define CONFIG_MAX (4 << 20) /* an engine's record of one container */
#define PODS_SCAN  4096	     /* /var/log/pods entries looked at */

struct ctnames_cache {
	struct ctnames_roots roots;
	int n, next;
	struct ctnames e[CACHE_MAX];
};

static const struct ctnames_roots host_roots = {
	.docker_dir = "/var/lib/docker",
	.containerd_dir = "/run/containerd/io.containerd.runtime.v2.task",
	.crio_dir = "/run/containers/storage/overlay-containers",
	.pods_dir = "/var/log/pods",
};

struct ctnames_cache *ctnames_cache__new(const struct ctnames_roots *roots)
{
	struct ctnames_cache *c = calloc(1, sizeof(*c));

	if (c)
		c->roots = roots ? *roots : host_roots;
	return c;
}

void ctnames_cache__free(struct ctnames_cache *c)
{
	free(c);
}

static void copy_str(json_object *o, const char *key, char *dst, size_t size)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

static json_object *parse(const char *json, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root;

	if (!tok)
		return NULL;
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (root && !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		root = NULL;
	}
	return root;
}

int ctnames__parse_oci_config(const char *json, size_t len, struct ctnames *out)
{
	json_object *root = parse(json, len), *a;

	if (!root)
		return -EINVAL;
	if (json_object_object_get_ex(root, "annotations", &a) &&
	    json_object_is_type(a, json_type_object)) {
		/* containerd's CRI plugin */
		copy_str(a, "io.kubernetes.cri.sandbox-name", out->pod_name, sizeof(out->pod_name));
		copy_str(a, "io.kubernetes.cri.sandbox-namespace", out->pod_namespace,
			 sizeof(out->pod_namespace));
		copy_str(a, "io.kubernetes.cri.sandbox-uid", out->pod_uid, sizeof(out->pod_uid));
		copy_str(a, "io.kubernetes.cri.container-name", out->k8s_container,
			 sizeof(out->k8s_container));
		/* cri-o */
		copy_str(a, "io.kubernetes.pod.name", out->pod_name, sizeof(out->pod_name));
		copy_str(a, "io.kubernetes.pod.namespace", out->pod_namespace,
			 sizeof(out->pod_namespace));
		copy_str(a, "io.kubernetes.pod.uid", out->pod_uid, sizeof(out->pod_uid));
		copy_str(a, "io.kubernetes.container.name", out->k8s_container,
			 sizeof(out->k8s_container));
		/* nerdctl */
		copy_str(a, "nerdctl/name", out->name, sizeof(out->name));
	}
	json_object_put(root);
	return 0;
}

int ctnames__parse_docker_config(const char *json, size_t len, struct ctnames *out)
{
	json_object *root = parse(json, len), *config, *labels = NULL;
	char name[sizeof(out->name)] = "";

	if (!root)
		return -EINVAL;
	copy_str(root, "Name", name, sizeof(name));
	snprintf(out->name, sizeof(out->name), "%s", name[0] == '/' ? name + 1 : name);
	if (json_object_object_get_ex(root, "Config", &config))
		json_object_object_get_ex(config, "Labels", &labels);
	if (labels && json_object_is_type(labels, json_type_object)) {
		copy_str(labels, "io.kubernetes.pod.name", out->pod_name, sizeof(out->pod_name));
		copy_str(labels, "io.kubernetes.pod.namespace", out->pod_namespace,
			 sizeof(out->pod_namespace));
		copy_str(labels, "io.kubernetes.pod.uid", out->pod_uid, sizeof(out->pod_uid));
		copy_str(labels, "io.kubernetes.container.name", out->k8s_container,
			 sizeof(out->k8s_container));
	}
	json_object_put(root);
	return 0;
}

int ctnames__parse_pod_dir(const char *entry, const char *uid, char *ns, size_t nssize, char *name,
			   size_t namesize)
{
	size_t el = strlen(entry), ul = uid ? strlen(uid) : 0;
	const char *sep;

	/* NAMESPACE_NAME_UID: a namespace and a pod name have no '_' (DNS labels) */
	if (!ul || el <= ul + 1 || strcmp(entry + el - ul, uid) || entry[el - ul - 1] != '_')
		return -ENOENT;
	sep = strchr(entry, '_');
	if (!sep || sep >= entry + el - ul - 1 || sep == entry)
		return -EINVAL;
	snprintf(ns, nssize, "%.*s", (int)(sep - entry), entry);
	snprintf(name, namesize, "%.*s", (int)(entry + el - ul - 1 - sep - 1), sep + 1);
	return name[0] ? 0 : -EINVAL;
}

static long read_json(const char *path, char **out)
{
	struct rootfs *fs = rootfs__new("/");
	long n;

	if (!fs)
		return -errno;
	n = rootfs__read_file(fs, path, CONFIG_MAX, out);
	rootfs__free(fs);
	return n;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);

	return n >= 12 && n < 80 && strspn(id, "0123456789abcdef") == n;
}

static void from_docker(struct ctnames_cache *c, struct ctnames *out)
{
	struct dockerapi_container d;
	char path[512], *json = NULL;
	long n;

	if (!c->roots.no_api && !dockerapi__inspect(out->id, &d)) {
		snprintf(out->name, sizeof(out->name), "%s", d.name);
		snprintf(out->pod_name, sizeof(out->pod_name), "%s", d.pod_name);
		snprintf(out->pod_namespace, sizeof(out->pod_namespace), "%s", d.pod_namespace);
		if (d.pod_uid[0])
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", d.pod_uid);
		snprintf(out->k8s_container, sizeof(out->k8s_container), "%s", d.k8s_container);
		return;
	}
	/* the engine is down or slow: its record on disk says the same */
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", c->roots.docker_dir,
		 out->id);
	n = read_json(path, &json);
	if (n > 0)
		ctnames__parse_docker_config(json, n, out);
	free(json);
}

static void from_oci(const char *path, struct ctnames *out)
{
	char *json = NULL;
	long n = read_json(path, &json);

	if (n > 0)
		ctnames__parse_oci_config(json, n, out);
	free(json);
}

static void from_containerd(struct ctnames_cache *c, struct ctnames *out)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(c->roots.containerd_dir);

	/* one directory per containerd namespace: k8s.io, default, moby... */
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", c->roots.containerd_dir,
			 de->d_name, out->id);
		from_oci(path, out);
		if (out->pod_name[0] || out->name[0])
			break;
	}
	if (d)
		closedir(d);
}

/* The container's name in its pod: the one directory kubelet keeps its logs in, if only one. */
static void only_container(const char *dir, struct ctnames *out)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)) && n < 2) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (!n++)
			snprintf(out->k8s_container, sizeof(out->k8s_container), "%.63s",
				 de->d_name);
	}
	if (n != 1)
		out->k8s_container[0] = '\0';
	if (d)
		closedir(d);
}

static void from_pods_dir(struct ctnames_cache *c, struct ctnames *out)
{
	char dir[1024];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!out->pod_uid[0] || out->pod_name[0])
		return;
	d = opendir(c->roots.pods_dir);
	while (d && (de = readdir(d)) && n++ < PODS_SCAN) {
		if (ctnames__parse_pod_dir(de->d_name, out->pod_uid, out->pod_namespace,
					   sizeof(out->pod_namespace), out->pod_name,
					   sizeof(out->pod_name)))
			continue;
		if (!out->k8s_container[0] && snprintf(dir, sizeof(dir), "%s/%s", c->roots.pods_dir,
						       de->d_name) < (int)sizeof(dir))
			only_container(dir, out);
		break;
	}
	if (d)
		closedir(d);
}

static struct ctnames *cached(struct ctnames_cache *c, const struct container_id *cid)
{
	for (int i = 0; i < c->n; i++)
		if (c->e[i].runtime == cid->runtime && !strcmp(c->e[i].id, cid->id) &&
		    !strcmp(c->e[i].pod_uid[0] ? c->e[i].pod_uid : "", cid->pod_uid))
			return &c->e[i];
	return NULL;
}

int ctnames__of_id(struct ctnames_cache *c, const struct container_id *cid, struct ctnames *out)
{
	struct ctnames *hit = cached(c, cid);
	char path[512];

	if (hit) {
		*out = *hit;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->runtime = cid->runtime;
	snprintf(out->id, sizeof(out->id), "%s", cid->id);
	snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", cid->pod_uid);
	if (valid_id(out->id)) {
		switch (cid->runtime) {
		case CT_DOCKER:
			from_docker(c, out);
			break;
		case CT_CONTAINERD:
			from_containerd(c, out);
			break;
		case CT_CRIO:
			snprintf(path, sizeof(path), "%s/%s/userdata/config.json",
				 c->roots.crio_dir, out->id);
			from_oci(path, out);
			break;
		default:
			break;
		}
	}
	from_pods_dir(c, out);
	if (c->n < CACHE_MAX) {
		c->e[c->n++] = *out;
	} else {
		c->e[c->next] = *out;
		c->next = (c->next + 1) % CACHE_MAX;
	}
	return 0;
}

int ctnames__of_pid(struct ctnames_cache *c, int pid, struct ctnames *out)
{
	struct container_id cid;

	if (container__of_pid(pid, &cid))
		return -ENOENT;
	return ctnames__of_id(c, &cid, out);
}
