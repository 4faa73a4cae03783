// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry for the /proc text parsers (procfs, sockstate, container):
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser tests/fuzz/procfs_fuzz.c \
 *		user/procfs.c user/sockstate.c user/container.c user/rootfs.c -o /tmp/pf
 *	/tmp/pf -max_total_time=60 tests/fixtures/proc
 * Every parser sees every input, both as a length-bounded text without a NUL
 * (what a read() of /proc gives) and, for the string APIs, NUL-terminated.
 * Results must come back NUL-terminated inside their arrays and within bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "container.h"
#include "procfs.h"
#include "sockstate.h"

#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static struct sock_listener ls[32];

static int count_cb(const struct cgroup_entry *e, void *arg)
{
	if (!FIELD_OK(e->controllers) || !FIELD_OK(e->path) || e->path[0] != '/' || e->hier < 0)
		abort();
	(*(int *)arg)++;
	return 0;
}

static void fuzz_procfs(const char *p, size_t n, const char *str)
{
	struct proc_status s;
	char buf[64], v2[128], sd[128];
	unsigned long ino;
	int i, cnt = 0;

	if (!procfs__parse_status(p, n, &s)) {
		if (!FIELD_OK(s.name) || s.ngroups < 0 || s.ngroups > PROC_STATUS_MAX_GROUPS ||
		    s.nnspid < 0 || s.nnspid > PROC_STATUS_MAX_NSPID || s.tgid < 0 || s.ppid < 0)
			abort();
		for (i = 0; i < s.nnspid; i++)
			if (s.nspid[i] < 0)
				abort();
	}
	i = procfs__parse_cmdline(p, n, buf, sizeof(buf));
	if (i < 0 || (size_t)i != strlen(buf))
		abort();
	procfs__cgroup_for_each(p, n, count_cb, &cnt);
	if (!procfs__parse_cgroup(p, n, v2, sizeof(v2), sd, sizeof(sd)) &&
	    (!FIELD_OK(v2) || !FIELD_OK(sd)))
		abort();
	if (!procfs__cgroup_unit(str, buf, sizeof(buf)) && !FIELD_OK(buf))
		abort();
	procfs__parse_socket_link(str, &ino);
}

static void fuzz_container(const char *p, size_t n, const char *str)
{
	struct container_id c;

	if (!container__parse_cgroup(p, n, &c)) {
		if (c.runtime <= CT_NONE || c.runtime > CT_K8S_POD || !FIELD_OK(c.id) ||
		    !FIELD_OK(c.pod_uid) || !FIELD_OK(c.cgroup_path) || (!c.id[0] && !c.pod_uid[0]))
			abort();
		container__matches(&c, str);
		container__matches(&c, c.id);
	}
	if (!container__parse_path(str, &c) && (!FIELD_OK(c.id) || !FIELD_OK(c.cgroup_path)))
		abort();
	container__runtime_name(c.runtime);
}

static void check_listeners(int n, int max)
{
	int i;

	if (n < 0 || n > max)
		abort();
	for (i = 0; i < n; i++)
		if (!FIELD_OK(ls[i].path) || !FIELD_OK(ls[i].comm) || !FIELD_OK(ls[i].unit))
			abort();
}

static void fuzz_sockstate(const char *p, size_t n, const char *str)
{
	struct proc_status who = {.uid = {1, 1, 1, 1}, .ngroups = 2, .groups = {2, 3}};
	char name[32];
	int lo, hi, r;

	check_listeners(sockstate__parse_tcp(p, n, AF_INET, -1, ls, 32), 32);
	check_listeners(sockstate__parse_tcp(p, n, AF_INET6, TCP_STATE_LISTEN, ls, 32), 32);
	check_listeners(sockstate__parse_unix(p, n, 0, ls, 32), 32);
	check_listeners(sockstate__parse_unix(p, n, 1, ls, 4), 4);
	r = sockaccess__acl_allows(p, n, 0, 2, &who, 2);
	if (r < -EINVAL || r > 1)
		abort();
	if (!sockaccess__parse_id_name(p, n, 33, name, sizeof(name)) && !FIELD_OK(name))
		abort();
	if (!sockstate__parse_port_range(str, &lo, &hi) && (lo > hi || hi > 65535 || lo < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1), *str = malloc(size + 1);

	memcpy(p, data, size);
	memcpy(str, data, size);
	str[size] = '\0';
	fuzz_procfs(p, size, str);
	fuzz_container(p, size, str);
	fuzz_sockstate(p, size, str);
	free(p);
	free(str);
	return 0;
}
