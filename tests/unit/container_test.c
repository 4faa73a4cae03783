// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/container.h"

#define DOCKER_ID "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
#define CTR_ID	  "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
#define POD_UID	  "7e1c2a9b-3d4f-4e5a-8b6c-0d1e2f3a4b5c"

/* Parses tests/fixtures/proc/cgroup/<name> from an exact-length, NUL-less heap copy. */
static int parse_fixture(const char *name, struct container_id *c)
{
	char path[128], *copy;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "cgroup/%s", name);
	copy = fixture__read(path, &len);
	if (!copy)
		return -ENOENT;
	err = container__parse_cgroup(copy, len, c);
	free(copy);
	return err;
}

UNIT_TEST(docker_systemd_driver)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-docker-systemd", &c), 0);
	CHECK_INT(c.runtime, CT_DOCKER);
	CHECK_STR(c.id, DOCKER_ID);
	CHECK_STR(c.pod_uid, "");
	CHECK_STR(c.cgroup_path, "/system.slice/docker-" DOCKER_ID ".scope");
}

UNIT_TEST(docker_cgroupfs_v1)
{
	struct container_id c;

	/* The v2 line names containerd.service, not a container: the v1 lines decide. */
	CHECK_INT(parse_fixture("v1-docker-cgroupfs", &c), 0);
	CHECK_INT(c.runtime, CT_DOCKER);
	CHECK_STR(c.id, DOCKER_ID);
	CHECK_STR(c.cgroup_path, "/docker/" DOCKER_ID);
}

UNIT_TEST(k8s_containerd_burstable)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-containerd-burstable", &c), 0);
	CHECK_INT(c.runtime, CT_CONTAINERD);
	CHECK_STR(c.id, CTR_ID);
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(k8s_crio_besteffort)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-crio-besteffort", &c), 0);
	CHECK_INT(c.runtime, CT_CRIO);
	CHECK_STR(c.id, CTR_ID);
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(k8s_crio_conmon_is_not_the_container)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-crio-conmon", &c), 0);
	CHECK_INT(c.runtime, CT_K8S_POD);
	CHECK_STR(c.id, "");
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(k8s_guaranteed_pod)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-guaranteed", &c), 0);
	CHECK_INT(c.runtime, CT_CONTAINERD);
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(k8s_cgroupfs_v1)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v1-k8s-cgroupfs", &c), 0);
	CHECK_INT(c.runtime, CT_K8S_POD);
	CHECK_STR(c.id, CTR_ID);
	CHECK_STR(c.pod_uid, POD_UID);
	/* name=systemd is tried before the other v1 hierarchies */
	CHECK_STR(c.cgroup_path, "/kubepods/burstable/pod" POD_UID "/" CTR_ID);
}

UNIT_TEST(k8s_cgroupfs_v2)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-cgroupfs", &c), 0);
	CHECK_INT(c.runtime, CT_K8S_POD);
	CHECK_STR(c.id, CTR_ID);
	CHECK_INT(parse_fixture("v2-k8s-cgroupfs-crio", &c), 0);
	CHECK_INT(c.runtime, CT_CRIO);
	CHECK_STR(c.id, CTR_ID);
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(k8s_pod_without_container)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-pod-only", &c), 0);
	CHECK_INT(c.runtime, CT_K8S_POD);
	CHECK_STR(c.id, "");
	CHECK_STR(c.pod_uid, POD_UID);
}

UNIT_TEST(podman)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-podman", &c), 0);
	CHECK_INT(c.runtime, CT_PODMAN);
	CHECK_STR(c.id, DOCKER_ID);
	CHECK_INT(parse_fixture("v2-podman-rootless", &c), 0);
	CHECK_INT(c.runtime, CT_PODMAN);
	CHECK_INT(parse_fixture("v2-podman-conmon", &c), -ENOENT);
	CHECK_INT(c.runtime, CT_NONE);
}

UNIT_TEST(nerdctl)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-nerdctl", &c), 0);
	CHECK_INT(c.runtime, CT_CONTAINERD);
	CHECK_STR(c.id, CTR_ID);
}

UNIT_TEST(nested_innermost_wins)
{
	struct container_id c;

	/* kind: a pod inside a docker container that is the kubernetes node */
	CHECK_INT(parse_fixture("v2-kind-nested", &c), 0);
	CHECK_INT(c.runtime, CT_CONTAINERD);
	CHECK_STR(c.id, CTR_ID);
	CHECK_STR(c.pod_uid, POD_UID);
	CHECK_INT(parse_fixture("v2-docker-in-docker", &c), 0);
	CHECK_INT(c.runtime, CT_DOCKER);
	CHECK_STR(c.id, CTR_ID);
}

UNIT_TEST(host_processes)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-host-service", &c), -ENOENT);
	CHECK_INT(parse_fixture("v2-host-session", &c), -ENOENT);
	CHECK_INT(parse_fixture("v2-root", &c), -ENOENT);
	CHECK_INT(parse_fixture("v1-host-nginx", &c), -ENOENT);
	CHECK_INT(parse_fixture("hybrid-sandbox", &c), -ENOENT);
	CHECK_INT(c.runtime, CT_NONE);
}

UNIT_TEST(lookalikes)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-lookalikes", &c), -ENOENT);
	/* "pod<hex>" outside kubepods is some user's cgroup, not a pod */
	CHECK_INT(container__parse_path("/user.slice/pod12345678/" CTR_ID, &c), -ENOENT);
	/* an id must be hex, 12 to 64 digits */
	CHECK_INT(container__parse_path("/system.slice/docker-abcdef12345.scope", &c), -ENOENT);
	CHECK_INT(container__parse_path("/system.slice/docker-" DOCKER_ID "0.scope", &c), -ENOENT);
	CHECK_INT(container__parse_path("/system.slice/docker-abcdef123456.scope", &c), 0);
	CHECK_STR(c.id, "abcdef123456");
	CHECK_INT(container__parse_path("/system.slice/docker.service", &c), -ENOENT);
	CHECK_INT(container__parse_path("", &c), -ENOENT);
	CHECK_INT(container__parse_path(NULL, &c), -EINVAL);
}

UNIT_TEST(uppercase_and_slashes)
{
	struct container_id c;

	CHECK_INT(container__parse_path("//docker//ABCDEF0123456789ABCDEF//", &c), 0);
	CHECK_INT(c.runtime, CT_DOCKER);
	CHECK_STR(c.id, "abcdef0123456789abcdef");
}

UNIT_TEST(cgroup_text_garbage)
{
	static const char g[] = "0::/docker/\n::\n0::/system.slice/crio-" CTR_ID;
	struct container_id c;

	/* The last line has no newline: still a complete line of the given length. */
	CHECK_INT(container__parse_cgroup(g, sizeof(g) - 1, &c), 0);
	CHECK_INT(c.runtime, CT_CRIO);
	CHECK_INT(container__parse_cgroup(g, sizeof(g) - 1 - 60, &c), -ENOENT);
	CHECK_INT(container__parse_cgroup("", 0, &c), -ENOENT);
	CHECK_INT(container__parse_cgroup(NULL, 0, &c), -EINVAL);
}

UNIT_TEST(v2_line_preferred)
{
	static const char t[] =
		"1:name=systemd:/docker/" CTR_ID "\n0::/system.slice/docker-" DOCKER_ID ".scope\n";
	struct container_id c;

	CHECK_INT(container__parse_cgroup(t, sizeof(t) - 1, &c), 0);
	CHECK_STR(c.id, DOCKER_ID);
}

UNIT_TEST(long_paths)
{
	char path[2048];
	struct container_id c;
	int n;

	/* A deep path: the id is still found, the recorded path is cut to its buffer. */
	n = snprintf(path, sizeof(path), "/system.slice/docker-%s.scope", DOCKER_ID);
	while (n < 1500)
		n += snprintf(path + n, sizeof(path) - n, "/deeper");
	CHECK_INT(container__parse_path(path, &c), 0);
	CHECK_STR(c.id, DOCKER_ID);
	CHECK_INT(strlen(c.cgroup_path), sizeof(c.cgroup_path) - 1);
}

UNIT_TEST(matches)
{
	struct container_id c;

	CHECK_INT(parse_fixture("v2-k8s-containerd-burstable", &c), 0);
	CHECK_INT(container__matches(&c, CTR_ID), 1);
	CHECK_INT(container__matches(&c, "9a8b"), 1);
	CHECK_INT(container__matches(&c, "9A8B7C"), 1);
	CHECK_INT(container__matches(&c, "9a8"), 0);
	CHECK_INT(container__matches(&c, "9a8c"), 0);
	CHECK_INT(container__matches(&c, "containerd://" CTR_ID), 1);
	CHECK_INT(container__matches(&c, POD_UID), 1);
	CHECK_INT(container__matches(&c, "7e1c2a9b_3d4f_4e5a_8b6c_0d1e2f3a4b5c"), 1);
	CHECK_INT(container__matches(&c, CTR_ID "00"), 0);
	CHECK_INT(container__matches(&c, ""), 0);
	CHECK_INT(container__matches(&c, NULL), 0);
	CHECK_INT(container__matches(NULL, "9a8b"), 0);
	memset(&c, 0, sizeof(c));
	CHECK_INT(container__matches(&c, "9a8b"), 0);
}

UNIT_TEST(root_path_is_the_innermost_container)
{
	struct container_id c;

	/* the cgroup that holds every process of the container, nested cgroups included */
	CHECK_INT(container__parse_path("/system.slice/docker-" DOCKER_ID ".scope/init.scope", &c),
		  0);
	CHECK_STR(c.root_path, "/system.slice/docker-" DOCKER_ID ".scope");
	CHECK_INT(parse_fixture("v2-k8s-containerd-burstable", &c), 0);
	CHECK_STR(c.root_path, c.cgroup_path);
	CHECK_INT(parse_fixture("v2-docker-in-docker", &c), 0);
	CHECK_STR(c.root_path, "/docker/" DOCKER_ID "/docker/" CTR_ID);
	/* conmon beside the container: only the pod is known, its directory is the root */
	CHECK_INT(parse_fixture("v2-k8s-crio-conmon", &c), 0);
	CHECK_STR(c.root_path,
		  "/kubepods.slice/kubepods-pod7e1c2a9b_3d4f_4e5a_8b6c_0d1e2f3a4b5c.slice");
	CHECK_INT(parse_fixture("v1-k8s-cgroupfs", &c), 0);
	CHECK_STR(c.root_path, "/kubepods/burstable/pod" POD_UID "/" CTR_ID);
	CHECK_INT(container__parse_path("//docker//ABCDEF0123456789ABCDEF//x", &c), 0);
	CHECK_STR(c.root_path, "//docker//ABCDEF0123456789ABCDEF");
	CHECK_INT(container__parse_path("/system.slice/docker.service", &c), -ENOENT);
	CHECK_STR(c.root_path, "");
}

UNIT_TEST(runtime_names)
{
	CHECK_STR(container__runtime_name(CT_NONE), "none");
	CHECK_STR(container__runtime_name(CT_DOCKER), "docker");
	CHECK_STR(container__runtime_name(CT_CONTAINERD), "containerd");
	CHECK_STR(container__runtime_name(CT_CRIO), "cri-o");
	CHECK_STR(container__runtime_name(CT_PODMAN), "podman");
	CHECK_STR(container__runtime_name(CT_K8S_POD), "kubernetes");
	CHECK_STR(container__runtime_name(42), "unknown");
}

UNIT_TEST(live_of_pid)
{
	struct container_id c;
	int err = container__of_pid(getpid(), &c);

	/* This test runs on a host or in a sandbox: either answer is fine, garbage is not. */
	CHECK(err == 0 || err == -ENOENT, "err %d", err);
	if (!err)
		CHECK(c.runtime != CT_NONE && c.cgroup_path[0] == '/', "runtime %d", c.runtime);
	CHECK_INT(container__of_pid(0x7ffffff0, &c), -ENOENT);
	CHECK_INT(container__of_pid(-3, &c), -EINVAL);
}

int main(void)
{
	return unit_main();
}
