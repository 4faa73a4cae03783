// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/procfs.h"

static int parse_status_fixture(const char *name, struct proc_status *s)
{
	size_t len;
	char *t = fixture__read(name, &len);
	int err;

	if (!t)
		return -ENOENT;
	err = procfs__parse_status(t, len, s);
	free(t);
	return err;
}

UNIT_TEST(status_self_root)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/self-root", &s), 0);
	CHECK_STR(s.name, "cat");
	CHECK_INT(s.tgid, 12942);
	CHECK_INT(s.ppid, 12936);
	CHECK_INT(s.uid[0], 0);
	CHECK_INT(s.gid[3], 0);
	CHECK_INT(s.ngroups, 0);
	CHECK_INT(s.nnspid, 1);
	CHECK_INT(s.nspid[0], 12942);
}

UNIT_TEST(status_worker_with_groups)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/worker-www-data", &s), 0);
	CHECK_STR(s.name, "nginx");
	CHECK_INT(s.uid[0], 33);
	CHECK_INT(s.uid[1], 33);
	CHECK_INT(s.uid[3], 33);
	CHECK_INT(s.gid[3], 33);
	CHECK_INT(s.ngroups, 5);
	CHECK_INT(s.groups[0], 4);
	CHECK_INT(s.groups[4], 100);
	CHECK_INT(s.groups_truncated, 0);
}

UNIT_TEST(status_container_worker_nspid)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/container-nginx-worker", &s), 0);
	CHECK_INT(s.nnspid, 2);
	CHECK_INT(s.nspid[0], 48213);
	CHECK_INT(s.nspid[1], 7);
	CHECK_INT(s.uid[2], 101);
	CHECK_INT(s.ngroups, 1);
	CHECK_INT(s.ppid, 48190);
}

UNIT_TEST(status_deep_nesting_keeps_host_and_innermost)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/nested-10-levels", &s), 0);
	CHECK_INT(s.nnspid, PROC_STATUS_MAX_NSPID);
	CHECK_INT(s.nspid[0], 9001);
	CHECK_INT(s.nspid[PROC_STATUS_MAX_NSPID - 1], 5);
}

UNIT_TEST(status_many_groups_truncated)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/many-groups", &s), 0);
	CHECK_INT(s.ngroups, PROC_STATUS_MAX_GROUPS);
	CHECK_INT(s.groups_truncated, 1);
	CHECK_INT(s.groups[63], 1063);
}

UNIT_TEST(status_escaped_long_name_and_max_uid)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/odd-name-nobody", &s), 0);
	CHECK_INT(strlen(s.name), 15);
	CHECK_STR(s.name, "php-fpm: pool\\n");
	CHECK_INT(s.uid[0], 4294967294u);
}

UNIT_TEST(status_kernel_thread)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/kthread", &s), 0);
	CHECK_STR(s.name, "kworker/0:1-eve");
	CHECK_INT(s.tgid, 42);
	CHECK_INT(s.ppid, 2);
	CHECK_INT(s.ngroups, 0);
}

UNIT_TEST(status_truncated_file)
{
	struct proc_status s;

	/* Cut inside the Gid line: what came before still counts, the half line does not. */
	CHECK_INT(parse_status_fixture("status/truncated", &s), 0);
	CHECK_INT(s.tgid, 12942);
	CHECK_INT(s.gid[0], 0);
}

UNIT_TEST(status_garbage)
{
	struct proc_status s;

	CHECK_INT(parse_status_fixture("status/garbage", &s), -EINVAL);
	CHECK_INT(s.nnspid, 0);
	CHECK_INT(s.ngroups, 0);
	CHECK_INT(s.uid[0], 0);
	CHECK_INT(procfs__parse_status("", 0, &s), -EINVAL);
	CHECK_INT(procfs__parse_status(NULL, 0, &s), -EINVAL);
}

UNIT_TEST(status_respects_len)
{
	const char *t = "Tgid:\t12\nPPid:\t34\nUid:\t1\t1\t1\t1\n";
	struct proc_status s;

	/* len stops inside "PPid": that line must not be read past len. */
	CHECK_INT(procfs__parse_status(t, 12, &s), 0);
	CHECK_INT(s.tgid, 12);
	CHECK_INT(s.ppid, 0);
	CHECK_INT(procfs__parse_status("Tgid:\t4294967296\n", 17, &s), -EINVAL);
}

UNIT_TEST(cmdline_join)
{
	char buf[128];
	static const char raw[] = "php-fpm: pool www\0\0\0\0";
	static const char argv[] = "nginx\0-c\0/etc/nginx/nginx.conf\0";

	CHECK_INT(procfs__parse_cmdline(argv, sizeof(argv) - 1, buf, sizeof(buf)), 30);
	CHECK_STR(buf, "nginx -c /etc/nginx/nginx.conf");
	CHECK_INT(procfs__parse_cmdline(raw, sizeof(raw) - 1, buf, sizeof(buf)), 17);
	CHECK_STR(buf, "php-fpm: pool www");
	CHECK_INT(procfs__parse_cmdline("", 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
}

UNIT_TEST(cmdline_hostile)
{
	char buf[8];

	CHECK_INT(procfs__parse_cmdline("\x1b[31mred\n", 9, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "?[31mre");
	CHECK_INT(procfs__parse_cmdline("abc", 3, buf, 1), 0);
	CHECK_STR(buf, "");
	CHECK_INT(procfs__parse_cmdline("abc", 3, buf, 0), -EINVAL);
}

UNIT_TEST(cgroup_v1_host_paths)
{
	char v2[64], sd[64];
	size_t len;
	char *t = fixture__read("cgroup/v1-host-nginx", &len);

	CHECK_INT(procfs__parse_cgroup(t, len, v2, sizeof(v2), sd, sizeof(sd)), 0);
	CHECK_STR(v2, "/system.slice/nginx.service");
	CHECK_STR(sd, "/system.slice/nginx.service");
	free(t);
}

UNIT_TEST(cgroup_hybrid_sandbox)
{
	char v2[64], sd[64];
	size_t len;
	char *t = fixture__read("cgroup/hybrid-sandbox", &len);

	CHECK_INT(procfs__parse_cgroup(t, len, v2, sizeof(v2), sd, sizeof(sd)), 0);
	CHECK_STR(v2, "/");
	CHECK_STR(sd, "/");
	CHECK_INT(procfs__parse_cgroup(t, len, NULL, 0, NULL, 0), -ENOENT);
	free(t);
}

static int count_cb(const struct cgroup_entry *e, void *arg)
{
	int *n = arg;

	(*n)++;
	return e->hier == 777;
}

UNIT_TEST(cgroup_for_each)
{
	size_t len;
	char *t = fixture__read("cgroup/v1-docker-cgroupfs", &len);
	int n = 0;

	CHECK_INT(procfs__cgroup_for_each(t, len, count_cb, &n), 0);
	CHECK_INT(n, 6);
	n = 0;
	CHECK_INT(procfs__cgroup_for_each("777:x:/a\n1:y:/b\n", 16, count_cb, &n), 1);
	CHECK_INT(n, 1);
	free(t);
}

static int path_cb(const struct cgroup_entry *e, void *arg)
{
	snprintf(arg, 700, "%d|%s|%s", e->hier, e->controllers, e->path);
	return 1;
}

UNIT_TEST(cgroup_path_with_colon)
{
	char got[700] = "";

	CHECK_INT(procfs__cgroup_for_each("0::/a:b:c\n", 10, path_cb, got), 1);
	CHECK_STR(got, "0||/a:b:c");
	CHECK_INT(procfs__cgroup_for_each("5:cpu,cpuacct:/x", 16, path_cb, got), 1);
	CHECK_STR(got, "5|cpu,cpuacct|/x");
}

UNIT_TEST(cgroup_garbage)
{
	static const char g[] = "x::/a\n0:/nope\n0::relative\n:::\n0::\n-1::/neg\n0::/nul\0byte\n";
	char v2[64], sd[64], big[2048];
	int n = 0;

	CHECK_INT(procfs__parse_cgroup(g, sizeof(g) - 1, v2, sizeof(v2), sd, sizeof(sd)), -ENOENT);
	CHECK_STR(v2, "");
	/* A path longer than the entry buffer is dropped, never truncated into another path. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "0::/", 4);
	CHECK_INT(procfs__cgroup_for_each(big, sizeof(big), count_cb, &n), 0);
	CHECK_INT(n, 0);
}

UNIT_TEST(cgroup_unit)
{
	char buf[64];

	CHECK_INT(procfs__cgroup_unit("/system.slice/php8.2-fpm.service", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "php8.2-fpm.service");
	CHECK_INT(procfs__cgroup_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/"
				      "foo.scope",
				      buf, sizeof(buf)),
		  0);
	CHECK_STR(buf, "foo.scope");
	CHECK_INT(
		procfs__cgroup_unit("/system.slice/docker-ab.scope/init.scope/x", buf, sizeof(buf)),
		0);
	CHECK_STR(buf, "init.scope");
	CHECK_INT(procfs__cgroup_unit("/", buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "");
	CHECK_INT(procfs__cgroup_unit("/.service", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(procfs__cgroup_unit("/a/verylongname.service", buf, 8), -ENAMETOOLONG);
}

UNIT_TEST(socket_link)
{
	unsigned long ino = 0;

	CHECK_INT(procfs__parse_socket_link("socket:[476964]", &ino), 0);
	CHECK_INT(ino, 476964);
	CHECK_INT(procfs__parse_socket_link("pipe:[476964]", &ino), -EINVAL);
	CHECK_INT(procfs__parse_socket_link("socket:[]", &ino), -EINVAL);
	CHECK_INT(procfs__parse_socket_link("socket:[12a]", &ino), -EINVAL);
	CHECK_INT(procfs__parse_socket_link("socket:[12", &ino), -EINVAL);
	CHECK_INT(procfs__parse_socket_link("socket:[99999999999999999999999]", &ino), -EINVAL);
	CHECK_INT(procfs__parse_socket_link("/dev/null", &ino), -EINVAL);
}

UNIT_TEST(line_iterator)
{
	size_t off = 0, len;
	const char *l;

	l = procfs__line("ab\n\ncd", 6, &off, &len);
	CHECK(l && len == 2 && !memcmp(l, "ab", 2), "first line");
	l = procfs__line("ab\n\ncd", 6, &off, &len);
	CHECK(l && len == 0, "empty line");
	l = procfs__line("ab\n\ncd", 6, &off, &len);
	CHECK(l && len == 2 && !memcmp(l, "cd", 2), "last line without newline");
	CHECK(!procfs__line("ab\n\ncd", 6, &off, &len), "end");
	off = 0;
	CHECK(!procfs__line("", 0, &off, &len), "empty text");
}

UNIT_TEST(live_status_self)
{
	struct proc_status s;
	char comm[16];

	CHECK_INT(procfs__status(getpid(), &s), 0);
	CHECK_INT(s.tgid, getpid());
	CHECK_INT(s.ppid, getppid());
	CHECK_INT(s.uid[0], getuid());
	CHECK_INT(s.gid[1], getegid());
	CHECK(s.nnspid >= 1 && s.nspid[0] == getpid(), "NSpid %d", s.nspid[0]);
	CHECK(procfs__comm(0, comm, sizeof(comm)) > 0, "comm");
	CHECK_STR(comm, s.name);
	CHECK_INT(procfs__status(-1, &s), -EINVAL);
	CHECK(procfs__status(0x7ffffff0, &s) == -ENOENT, "no such pid");
}

UNIT_TEST(live_cmdline_exe)
{
	char buf[4096];

	CHECK(procfs__cmdline(getpid(), buf, sizeof(buf)) > 0, "cmdline");
	CHECK(strstr(buf, "procfs_test") != NULL, "cmdline is \"%s\"", buf);
	CHECK(procfs__exe(0, buf, sizeof(buf)) > 0 && buf[0] == '/', "exe \"%s\"", buf);
	/* pid 2 is kthreadd: no executable, empty command line. */
	CHECK_INT(procfs__cmdline(2, buf, sizeof(buf)), 0);
	CHECK_INT(procfs__exe(2, buf, sizeof(buf)), -ENOENT);
}

UNIT_TEST(live_cgroup_and_unit)
{
	char path[512], unit[128];

	CHECK_INT(procfs__cgroup_v2_path(0, path, sizeof(path)), 0);
	CHECK(path[0] == '/', "v2 path \"%s\"", path);
	CHECK_INT(procfs__unit(0, unit, sizeof(unit)), 0);
	CHECK(procfs__unit(0x7ffffff0, unit, sizeof(unit)) == -ENOENT, "no such pid");
}

static int find_cb(int pid, void *arg)
{
	int *want = arg;

	if (pid == want[0])
		want[1] = 1;
	return 0;
}

UNIT_TEST(live_for_each_pid_and_ns)
{
	int want[2] = {getpid(), 0};

	CHECK_INT(procfs__for_each_pid(find_cb, want), 0);
	CHECK_INT(want[1], 1);
	CHECK_INT(procfs__same_ns(0, getpid(), "net"), 1);
	CHECK_INT(procfs__same_ns(0, getpid(), "../x"), -EINVAL);
	CHECK_INT(procfs__host_pid(getpid(), getpid()), getpid());
	CHECK_INT(procfs__host_pid(getpid(), 0x7ffffff0), 0);
}

/* A child in a new pid namespace: its own child is pid 1 there. Needs root. */
UNIT_TEST(live_host_pid_in_new_pidns)
{
	int p[2], inner = 0, status;
	pid_t outer;

	if (geteuid() != 0) {
		printf("SKIP live_host_pid_in_new_pidns: not root\n");
		return;
	}
	CHECK_INT(pipe(p), 0);
	outer = fork();
	if (outer == 0) {
		pid_t c;

		if (unshare(CLONE_NEWPID))
			_exit(1);
		c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		waitpid(c, NULL, 0);
		_exit(0);
	}
	CHECK_INT(read(p[0], &inner, sizeof(inner)), sizeof(inner));
	/* inner is the host pid the outer child saw from its (the host's) namespace */
	CHECK(inner > 0, "inner pid %d", inner);
	if (inner > 0) {
		CHECK_INT(procfs__host_pid(inner, 1), inner);
		CHECK_INT(procfs__host_pid(inner, 2), 0);
		CHECK_INT(procfs__same_ns(0, inner, "pid"), 0);
		kill(inner, SIGKILL);
	}
	waitpid(outer, &status, 0);
	close(p[0]);
	close(p[1]);
}

UNIT_TEST(live_socket_owners)
{
	unsigned long inodes[3];
	int pids[3], s = socket(AF_INET, SOCK_STREAM, 0);
	struct stat st;

	CHECK_INT(fstat(s, &st), 0);
	inodes[0] = st.st_ino;
	inodes[1] = 1; /* no socket has inode 1 */
	inodes[2] = st.st_ino;
	CHECK_INT(procfs__socket_owners(inodes, 3, pids), 2);
	CHECK_INT(pids[0], getpid());
	CHECK_INT(pids[1], 0);
	CHECK_INT(pids[2], getpid());
	CHECK_INT(procfs__socket_owners(inodes, 0, pids), 0);
	close(s);
}

UNIT_TEST(live_sysctl)
{
	char buf[64], raw[64] = "";
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");

	CHECK(f && fgets(raw, sizeof(raw), f), "read somaxconn");
	if (f)
		fclose(f);
	raw[strcspn(raw, "\n")] = '\0';
	CHECK(procfs__sysctl(0, "net.core.somaxconn", buf, sizeof(buf)) > 0, "sysctl");
	CHECK_STR(buf, raw);
	CHECK_INT(procfs__sysctl(0, "net..core", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(procfs__sysctl(0, "../../etc/passwd", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(procfs__sysctl(0, "net/core/somaxconn", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(procfs__sysctl(0, "net.core.", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(procfs__sysctl(0, "net.core.no_such_knob", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(procfs__sysctl(getpid(), "net.core.somaxconn", buf, sizeof(buf)), strlen(raw));
}

/* A child with its own network namespace and its own somaxconn. Needs root. */
UNIT_TEST(live_sysctl_other_netns)
{
	int p[2], status;
	char buf[64], c = 0;
	pid_t child;

	if (geteuid() != 0) {
		printf("SKIP live_sysctl_other_netns: not root\n");
		return;
	}
	CHECK_INT(pipe(p), 0);
	child = fork();
	if (child == 0) {
		int fd;

		if (unshare(CLONE_NEWNET))
			_exit(1);
		fd = open("/proc/sys/net/core/somaxconn", O_WRONLY);
		if (fd < 0 || write(fd, "1234", 4) != 4)
			_exit(1);
		close(fd);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK_INT(read(p[0], &c, 1), 1);
	CHECK_INT(procfs__same_ns(0, child, "net"), 0);
	CHECK_INT(procfs__sysctl(child, "net.core.somaxconn", buf, sizeof(buf)), 4);
	CHECK_STR(buf, "1234");
	CHECK_INT(procfs__sysctl(child, "net.core.no_such_knob", buf, sizeof(buf)), -ENOENT);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	return unit_main();
}
