// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ctnames: pod and container names from the engines' own records
 * (tests/fixtures/engines), kubelet's /var/log/pods layout (made in a
 * scratch directory), and the whole lookup from a container id with the
 * records laid out as the engines do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/ctnames.h"

UNIT_TEST(containerd_annotations)
{
	struct ctnames n = {};
	size_t len;
	char *b = fixture__read("../engines/containerd-config.json", &len);

	if (!b)
		return;
	CHECK_INT(ctnames__parse_oci_config(b, len, &n), 0);
	CHECK_STR(n.pod_name, "web-7d9c6b5f4-x2x7q");
	CHECK_STR(n.pod_namespace, "shop");
	CHECK_STR(n.k8s_container, "nginx");
	CHECK_STR(n.pod_uid, "8c1f3a52-2b6e-4e4a-9d4e-5b1a2f3c4d5e");
	free(b);
}

UNIT_TEST(crio_annotations)
{
	struct ctnames n = {};
	size_t len;
	char *b = fixture__read("../engines/crio-config.json", &len);

	if (!b)
		return;
	CHECK_INT(ctnames__parse_oci_config(b, len, &n), 0);
	CHECK_STR(n.pod_name, "api-0");
	CHECK_STR(n.pod_namespace, "backend");
	CHECK_STR(n.k8s_container, "php-fpm");
	free(b);
}

UNIT_TEST(docker_record)
{
	struct ctnames n = {};
	size_t len;
	char *b = fixture__read("../engines/docker-config.v2.json", &len);

	if (!b)
		return;
	CHECK_INT(ctnames__parse_docker_config(b, len, &n), 0);
	CHECK_STR(n.name, "k8s_nginx_web-0_default_0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f_0");
	CHECK_STR(n.pod_name, "web-0");
	CHECK_STR(n.pod_namespace, "default");
	CHECK_STR(n.k8s_container, "nginx");
	free(b);
}

UNIT_TEST(garbage_records)
{
	struct ctnames n = {};

	CHECK_INT(ctnames__parse_oci_config("not json", 8, &n), -EINVAL);
	CHECK_INT(ctnames__parse_oci_config("[1,2]", 5, &n), -EINVAL);
	CHECK_INT(ctnames__parse_docker_config("{\"Name\":", 8, &n), -EINVAL);
	/* wrong types are ignored, not trusted */
	CHECK_INT(ctnames__parse_oci_config("{\"annotations\":{\"io.kubernetes.pod.name\":7}}", 44,
					    &n),
		  0);
	CHECK_STR(n.pod_name, "");
}

UNIT_TEST(pod_dir_entries)
{
	char ns[64], name[128];
	const char *uid = "0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f";

	CHECK_INT(ctnames__parse_pod_dir("default_web-0_0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f", uid,
					 ns, sizeof(ns), name, sizeof(name)),
		  0);
	CHECK_STR(ns, "default");
	CHECK_STR(name, "web-0");
	CHECK_INT(ctnames__parse_pod_dir("kube-system_coredns-5d78c9869d-abcde_"
					 "0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f",
					 uid, ns, sizeof(ns), name, sizeof(name)),
		  0);
	CHECK_STR(ns, "kube-system");
	CHECK_STR(name, "coredns-5d78c9869d-abcde");
	CHECK_INT(ctnames__parse_pod_dir("default_web-1_11111111-4b5a-4697-8871-9a0b1c2d3e4f", uid,
					 ns, sizeof(ns), name, sizeof(name)),
		  -ENOENT);
	CHECK_INT(ctnames__parse_pod_dir("_0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f", uid, ns,
					 sizeof(ns), name, sizeof(name)),
		  -ENOENT);
	CHECK_INT(ctnames__parse_pod_dir("x_0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f", uid, ns,
					 sizeof(ns), name, sizeof(name)),
		  -EINVAL);
}

static int put(const char *path, const char *fixture)
{
	size_t len;
	char *b = fixture__read(fixture, &len);
	FILE *f = b ? fopen(path, "w") : NULL;

	if (f) {
		fwrite(b, 1, len, f);
		fclose(f);
	}
	free(b);
	return f ? 0 : -1;
}

/* The lookup as on a node: records where the engines keep them, no Engine API. */
UNIT_TEST(lookup_on_a_node)
{
	char root[] = "/tmp/ngx502-ctnames.XXXXXX", p[1024], docker[64], ctrd[64], pods[64];
	const char *did = "dac998b1777b4f1e8a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";
	const char *cid = "3b5d0f6a7c8e9d1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";
	struct container_id id = {};
	struct ctnames_cache *c;
	struct ctnames n;

	CHECK(mkdtemp(root), "mkdtemp");
	snprintf(docker, sizeof(docker), "%s/docker", root);
	snprintf(ctrd, sizeof(ctrd), "%s/ctrd", root);
	snprintf(pods, sizeof(pods), "%s/pods", root);
	snprintf(p, sizeof(p),
		 "mkdir -p %s/containers/%s %s/k8s.io/%s %s/moby "
		 "%s/shop_web-7d9c6b5f4-x2x7q_8c1f3a52-2b6e-4e4a-9d4e-5b1a2f3c4d5e/nginx "
		 "%s/other_db-0_99999999-2b6e-4e4a-9d4e-5b1a2f3c4d5e",
		 docker, did, ctrd, cid, ctrd, pods, pods);
	CHECK(!system(p), "%s", p);
	snprintf(p, sizeof(p), "%s/containers/%s/config.v2.json", docker, did);
	CHECK(!put(p, "../engines/docker-config.v2.json"), "docker record");
	snprintf(p, sizeof(p), "%s/k8s.io/%s/config.json", ctrd, cid);
	CHECK(!put(p, "../engines/containerd-config.json"), "containerd record");
	c = ctnames_cache__new(&(struct ctnames_roots){.docker_dir = docker,
						       .containerd_dir = ctrd,
						       .crio_dir = root,
						       .pods_dir = pods,
						       .no_api = 1});
	CHECK(c, "cache");
	if (!c)
		return;
	id.runtime = CT_DOCKER;
	snprintf(id.id, sizeof(id.id), "%s", did);
	CHECK_INT(ctnames__of_id(c, &id, &n), 0);
	CHECK_STR(n.pod_name, "web-0");
	CHECK_STR(n.name, "k8s_nginx_web-0_default_0f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f_0");
	id.runtime = CT_CONTAINERD;
	snprintf(id.id, sizeof(id.id), "%s", cid);
	CHECK_INT(ctnames__of_id(c, &id, &n), 0);
	CHECK_STR(n.pod_namespace, "shop");
	CHECK_STR(n.k8s_container, "nginx");
	/* a pod whose runtime the cgroup does not tell: its names from kubelet's log directory */
	memset(&id, 0, sizeof(id));
	id.runtime = CT_K8S_POD;
	snprintf(id.pod_uid, sizeof(id.pod_uid), "99999999-2b6e-4e4a-9d4e-5b1a2f3c4d5e");
	CHECK_INT(ctnames__of_id(c, &id, &n), 0);
	CHECK_STR(n.pod_name, "db-0");
	CHECK_STR(n.pod_namespace, "other");
	/* an id with no record anywhere: no names, no error */
	id.runtime = CT_CRIO;
	snprintf(id.id, sizeof(id.id), "%s", "0123456789abcdef0123");
	id.pod_uid[0] = '\0';
	CHECK_INT(ctnames__of_id(c, &id, &n), 0);
	CHECK_STR(n.pod_name, "");
	CHECK_STR(n.name, "");
	ctnames_cache__free(c);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	CHECK(!system(p), "cleanup");
}

int main(void)
{
	return unit_main();
}
