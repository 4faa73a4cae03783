// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/sockaccess.h"
#include "../../user/sockstate.h"

static struct sock_listener ls[64];

static const char *addr_str(const struct sock_listener *l, int remote)
{
	static char buf[INET6_ADDRSTRLEN];

	inet_ntop(l->family, remote ? l->raddr : l->addr, buf, sizeof(buf));
	return buf;
}

UNIT_TEST(tcp_fixture_listeners)
{
	size_t len;
	char *t = fixture__read("net/tcp", &len);

	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, TCP_STATE_LISTEN, ls, 64), 4);
	CHECK_STR(addr_str(&ls[0], 0), "127.0.0.1");
	CHECK_INT(ls[0].port, 9000);
	CHECK_INT(ls[0].inode, 476964);
	CHECK_INT(ls[0].family, AF_INET);
	CHECK_STR(addr_str(&ls[1], 0), "0.0.0.0");
	CHECK_INT(ls[1].port, 2024);
	CHECK_INT(ls[3].port, 18080);
	free(t);
}

UNIT_TEST(tcp_fixture_all_states)
{
	size_t len;
	char *t = fixture__read("net/tcp", &len);

	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, -1, ls, 64), 9);
	CHECK_INT(ls[4].state, TCP_STATE_ESTABLISHED);
	CHECK_INT(ls[4].rport, 46356);
	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, -1, ls, 2), 2);
	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, -1, ls, 0), 0);
	free(t);
}

UNIT_TEST(tcp_fixture_time_wait)
{
	size_t len;
	char *t = fixture__read("net/tcp", &len);
	int i;

	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, TCP_STATE_TIME_WAIT, ls, 64), 3);
	for (i = 0; i < 3; i++) {
		CHECK_INT(ls[i].inode, 0);
		CHECK_INT(ls[i].rport, 9000);
		CHECK_STR(addr_str(&ls[i], 1), "127.0.0.1");
	}
	free(t);
}

UNIT_TEST(tcp6_fixture)
{
	size_t len;
	char *t = fixture__read("net/tcp6", &len);

	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET6, TCP_STATE_LISTEN, ls, 64), 2);
	CHECK_STR(addr_str(&ls[0], 0), "::1");
	CHECK_INT(ls[0].port, 9001);
	CHECK_INT(ls[0].family, AF_INET6);
	CHECK_STR(addr_str(&ls[1], 0), "::");
	CHECK_INT(ls[1].port, 8080);
	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET6, TCP_STATE_ESTABLISHED, ls, 64), 2);
	CHECK_INT(ls[1].rport, 9001);
	/* The tables are not interchangeable. */
	CHECK_INT(sockstate__parse_tcp(t, len, AF_INET, -1, ls, 64), 0);
	free(t);
}

UNIT_TEST(tcp6_v4_mapped_line)
{
	static const char l[] =
		"   3: 0000000000000000FFFF00000100007F:1F90 "
		"00000000000000000000000000000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000    33        0 5555 1 0000000000000000 100 0 0 10 0";
	struct sock_listener s;

	CHECK_INT(sockstate__parse_tcp_line(l, sizeof(l) - 1, AF_INET6, &s), 0);
	CHECK_STR(addr_str(&s, 0), "::ffff:127.0.0.1");
	CHECK_INT(s.uid, 33);
	CHECK_INT(s.inode, 5555);
}

UNIT_TEST(tcp_hostile_lines)
{
	static const char *const bad[] = {
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid",
		"   0: 0100007F:2328 00000000:0000 0A",
		"   0: 0100007G:2328 00000000:0000 0A 0:0 00:0 0 0 0 1",
		"   0: 0100007F:23289 00000000:0000 0A 0:0 00:0 0 0 0 1",
		"   0: 0100007F:2328 00000000:0000 0A0 0:0 00:0 0 0 0 1",
		"   0: 0100007F:2328 00000000:0000 0A 0:0 00:0 0 -1 0 1",
		"   0: 0100007F:2328 00000000:0000 0A 0:0 00:0 0 0 0 999999999999999999999999",
		"   x: 0100007F:2328 00000000:0000 0A 0:0 00:0 0 0 0 1",
		"0100007F:2328 00000000:0000 0A 0:0 00:0 0 0 0 1 2",
		":",
		"",
	};
	struct sock_listener s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(sockstate__parse_tcp_line(bad[i], strlen(bad[i]), AF_INET, &s) == -EINVAL,
		      "accepted bad line %zu", i);
	CHECK_INT(sockstate__parse_tcp_line("0: 0:0 0:0 0A a a a 0 0 1", 25, 3, &s), -EINVAL);
}

UNIT_TEST(unix_fixture_listening)
{
	size_t len;
	char *t = fixture__read("net/unix", &len);

	CHECK_INT(sockstate__parse_unix(t, len, 1, ls, 64), 2);
	CHECK_STR(ls[0].path, "/tmp/capt/php-fpm.sock");
	CHECK_INT(ls[0].inode, 476977);
	CHECK_INT(ls[0].type, 1);
	CHECK_INT(ls[0].family, AF_UNIX);
	CHECK_STR(ls[1].path, "@abstract-name");
	free(t);
}

UNIT_TEST(unix_fixture_all)
{
	size_t len;
	char *t = fixture__read("net/unix", &len);

	CHECK_INT(sockstate__parse_unix(t, len, 0, ls, 64), 9);
	CHECK_INT(ls[1].type, 2);
	CHECK_STR(ls[1].path, "/tmp/capt/dgram.sock");
	CHECK_STR(ls[2].path, "");
	CHECK_INT(ls[2].state, 3);
	CHECK_INT(ls[2].inode, 1072);
	/* The accepted end of a connection shows the listener's path but is not listening. */
	CHECK_STR(ls[6].path, "/tmp/capt/php-fpm.sock");
	CHECK_INT(ls[6].flags & UNIX_FLAG_ACCEPTCON, 0);
	free(t);
}

UNIT_TEST(unix_odd_paths)
{
	static const char sp[] =
		"0000000000000000: 00000002 00000000 00010000 0001 01 77 /run/my php.sock";
	char longl[400];
	struct sock_listener s;

	CHECK_INT(sockstate__parse_unix_line(sp, sizeof(sp) - 1, &s), 0);
	CHECK_STR(s.path, "/run/my php.sock");
	snprintf(longl, sizeof(longl),
		 "0000000000000000: 00000002 00000000 00010000 0001 01 77 /%0200d", 0);
	CHECK_INT(sockstate__parse_unix_line(longl, strlen(longl), &s), -EINVAL);
	CHECK_INT(sockstate__parse_unix_line(
			  "Num       RefCount Protocol Flags    Type St Inode Path", 55, &s),
		  -EINVAL);
	CHECK_INT(sockstate__parse_unix_line("zz: 1 2 3 4 5 6 /x", 18, &s), -EINVAL);
	CHECK_INT(sockstate__parse_unix_line("00: 1 2 3 4 5", 13, &s), -EINVAL);
	CHECK_INT(sockstate__parse_unix_line("00: 1 2 123456789 4 5 6", 23, &s), -EINVAL);
	CHECK_INT(sockstate__parse_unix_line("00: 1 2 3 4 5 6 /nul\0x", 23, &s), -EINVAL);
}

/* A system.posix_acl_access value: version 2, then tag/perm/id entries, little-endian. */
static size_t acl(unsigned char *b, const int (*e)[3], int n)
{
	int i;

	memset(b, 0, 4 + 8 * n);
	b[0] = 2;
	for (i = 0; i < n; i++) {
		unsigned char *p = b + 4 + 8 * i;

		p[0] = e[i][0];
		p[2] = e[i][1];
		p[4] = e[i][2] & 0xff;
		p[5] = e[i][2] >> 8 & 0xff;
	}
	return 4 + 8 * n;
}

static struct proc_status creds(unsigned int uid, unsigned int gid, int ngroups, ...)
{
	struct proc_status s = {.ngroups = 0};
	int i;

	for (i = 0; i < 4; i++) {
		s.uid[i] = uid;
		s.gid[i] = gid;
	}
	if (ngroups)
		s.groups[s.ngroups++] = ngroups;
	return s;
}

UNIT_TEST(acl_evaluation)
{
	/* user::rw- user:www-data(33):rw- group::r-- mask::rw- other::--- */
	static const int e1[][3] = {{1, 6, 0}, {2, 6, 33}, {4, 4, 0}, {0x10, 6, 0}, {0x20, 0, 0}};
	/* the same with mask::r-- : the named entry loses its w */
	static const int e2[][3] = {{1, 6, 0}, {2, 6, 33}, {4, 4, 0}, {0x10, 4, 0}, {0x20, 0, 0}};
	/* group:www-data(33):rw- */
	static const int e3[][3] = {{1, 6, 0}, {4, 0, 0}, {8, 6, 33}, {0x10, 6, 0}, {0x20, 0, 0}};
	unsigned char b[128];
	struct proc_status www = creds(33, 33, 0), other = creds(1000, 1000, 0);
	struct proc_status member = creds(1000, 1000, 33), owner = creds(0, 0, 0);
	size_t n;

	n = acl(b, e1, 5);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 2), 1);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &other, 2), 0);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &owner, 6), 1);
	n = acl(b, e2, 5);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 2), 0);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 4), 1);
	n = acl(b, e3, 5);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 2), 1);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &member, 2), 1);
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &other, 2), 0);
}

UNIT_TEST(acl_malformed)
{
	static const int no_other[][3] = {{1, 6, 0}, {4, 4, 0}};
	unsigned char b[64];
	struct proc_status www = creds(33, 33, 0);
	size_t n = acl(b, no_other, 2);

	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 2), -EINVAL);
	CHECK_INT(sockaccess__acl_allows(b, 3, 0, 0, &www, 2), -EINVAL);
	CHECK_INT(sockaccess__acl_allows(b, n - 1, 0, 0, &www, 2), -EINVAL);
	b[0] = 1;
	CHECK_INT(sockaccess__acl_allows(b, n, 0, 0, &www, 2), -EINVAL);
	CHECK_INT(sockaccess__acl_allows(NULL, 0, 0, 0, &www, 2), -EINVAL);
}

UNIT_TEST(id_name)
{
	static const char pw[] =
		"root:x:0:0:root:/root:/bin/bash\n# comment:x:33:\n"
		"+nis::33:\nbad name:x:33:33::/:/bin/sh\nwww-data:x:33:33:www-data:"
		"/var/www:/usr/sbin/nologin\nnginx:x:101:101::/:/sbin/nologin";
	char buf[16];

	CHECK_INT(sockaccess__parse_id_name(pw, sizeof(pw) - 1, 33, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "www-data");
	CHECK_INT(sockaccess__parse_id_name(pw, sizeof(pw) - 1, 101, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "nginx");
	CHECK_INT(sockaccess__parse_id_name(pw, sizeof(pw) - 1, 0, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "root");
	CHECK_INT(sockaccess__parse_id_name(pw, sizeof(pw) - 1, 5, buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "");
	CHECK_INT(sockaccess__parse_id_name(pw, sizeof(pw) - 1, 33, buf, 4), -ENOENT);
	CHECK_INT(sockaccess__parse_id_name("a:b:4294967296:", 15, 0, buf, sizeof(buf)), -ENOENT);
}

UNIT_TEST(port_range_and_describe)
{
	struct sock_access a = {.mode = 0140600, .uid = 33, .gid = 33};
	char buf[128];
	int lo, hi;

	CHECK_INT(sockstate__parse_port_range("32768\t60999", &lo, &hi), 0);
	CHECK_INT(lo, 32768);
	CHECK_INT(hi, 60999);
	CHECK_INT(sockstate__parse_port_range("2 1", &lo, &hi), -EINVAL);
	CHECK_INT(sockstate__parse_port_range("1 70000", &lo, &hi), -EINVAL);
	CHECK_INT(sockstate__parse_port_range("abc", &lo, &hi), -EINVAL);
	CHECK_STR(sockaccess__describe_mode(&a, buf, sizeof(buf)), "0600 33:33");
	strcpy(a.owner, "www-data");
	a.acl = 1;
	CHECK_STR(sockaccess__describe_mode(&a, buf, sizeof(buf)), "0600 www-data:33 +acl");
	CHECK_STR(sockaccess__owner(&a, 0, buf, sizeof(buf)), "www-data");
	CHECK_STR(sockaccess__owner(&a, 1, buf, sizeof(buf)), "33");
}

static int tcp_listen(int family, const char *addr, int v6only, unsigned short *port)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof(ss);
	int s = socket(family, SOCK_STREAM, 0);

	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (void *)&ss;

		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a->sin_addr);
	}
	if (bind(s, (void *)&ss,
		 family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ||
	    listen(s, 8) || getsockname(s, (void *)&ss, &sl)) {
		close(s);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

UNIT_TEST(live_find_tcp_listener_v4)
{
	unsigned char lo[16] = {127, 0, 0, 1}, other[16] = {127, 0, 0, 2};
	struct sock_listener l;
	unsigned short port;
	struct stat st;
	int s = tcp_listen(AF_INET, "127.0.0.1", 0, &port), n, i, seen = 0;

	CHECK(s >= 0, "listen");
	fstat(s, &st);
	CHECK_INT(sockstate__find_tcp_listener(0, AF_INET, lo, port, &l), 0);
	CHECK_INT(l.inode, st.st_ino);
	CHECK_INT(l.pid, getpid());
	CHECK_STR(l.comm, "sockstate_test");
	CHECK_INT(l.port, port);
	CHECK_INT(sockstate__find_tcp_listener(getpid(), AF_INET, other, port, &l), -ENOENT);
	n = sockstate__tcp_listeners(0, ls, 64);
	CHECK(n > 0, "listeners %d", n);
	for (i = 0; i < n; i++)
		seen |= ls[i].inode == st.st_ino && ls[i].pid == getpid();
	CHECK(seen, "our listener is listed");
	close(s);
	CHECK_INT(sockstate__find_tcp_listener(0, AF_INET, lo, port, &l), -ENOENT);
}

UNIT_TEST(live_find_tcp_listener_v6_wildcard)
{
	unsigned char lo[16] = {127, 0, 0, 1}, lo6[16] = {[15] = 1};
	unsigned char mapped[16] = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1};
	struct sock_listener l;
	unsigned short port;
	int s = tcp_listen(AF_INET6, "::", 0, &port);

	CHECK(s >= 0, "listen");
	CHECK_INT(sockstate__find_tcp_listener(0, AF_INET, lo, port, &l), 0);
	CHECK_INT(l.family, AF_INET6);
	CHECK_INT(l.pid, getpid());
	CHECK_INT(sockstate__find_tcp_listener(0, AF_INET6, mapped, port, &l), 0);
	CHECK_INT(sockstate__find_tcp_listener(0, AF_INET6, lo6, port, &l), 0);
	CHECK_INT(sockstate__find_tcp_listener(0, 3, lo6, port, &l), -EINVAL);
	close(s);
}

UNIT_TEST(live_time_wait_count)
{
	unsigned char lo[16] = {127, 0, 0, 1};
	struct sockaddr_in a = {.sin_family = AF_INET};
	unsigned short port;
	int s = tcp_listen(AF_INET, "127.0.0.1", 0, &port), i;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), srv;

		CHECK_INT(connect(c, (void *)&a, sizeof(a)), 0);
		srv = accept(s, NULL, NULL);
		close(c); /* the side that closes first keeps TIME_WAIT */
		usleep(10000);
		close(srv);
	}
	usleep(50000);
	CHECK_INT(sockstate__time_wait_count(0, AF_INET, lo, port), 3);
	CHECK(sockstate__time_wait_count(0, AF_INET, NULL, 0) >= 3, "any");
	CHECK_INT(sockstate__time_wait_count(0, AF_INET, lo, port == 1 ? 2 : 1), 0);
	CHECK_INT(sockstate__time_wait_count(0, 7, lo, port), -EINVAL);
	close(s);
}

static int unix_listen(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 8)) {
		close(s);
		return -1;
	}
	return s;
}

UNIT_TEST(live_unix_listening)
{
	char dir[] = "/tmp/sockstate_test.XXXXXX", path[128];
	struct sock_listener l;
	int s, n, i, seen = 0;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/php-fpm.sock", dir);
	s = unix_listen(path);
	CHECK(s >= 0, "unix listen");
	CHECK_INT(sockstate__unix_path_listening(0, path, &l), 1);
	CHECK_INT(l.pid, getpid());
	CHECK_STR(l.path, path);
	n = sockstate__unix_listeners(getpid(), ls, 64);
	for (i = 0; i < n; i++)
		seen |= !strcmp(ls[i].path, path);
	CHECK(seen, "listed among %d", n);
	close(s);
	CHECK_INT(sockstate__unix_path_listening(0, path, NULL), 0);
	unlink(path);
	rmdir(dir);
}

UNIT_TEST(live_unix_access)
{
	char dir[] = "/tmp/sockstate_test.XXXXXX", path[128], file[128], deep[160];
	struct proc_status www = creds(33, 33, 0), root = creds(0, 0, 0);
	struct rootfs *fs = rootfs__new("/");
	struct sock_access a;
	char buf[128];
	int s;

	CHECK(fs && mkdtemp(dir), "setup");
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/php-fpm.sock", dir);
	snprintf(file, sizeof(file), "%s/plain", dir);
	snprintf(deep, sizeof(deep), "%s/nope/x.sock", dir);
	s = unix_listen(path);
	CHECK(s >= 0, "unix listen");
	chmod(path, 0600);

	CHECK_INT(sockaccess__unix_access(fs, path, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_NO_WRITE);
	CHECK_STR(a.path, path);
	CHECK_STR(sockaccess__describe_mode(&a, buf, sizeof(buf)), "0600 root:root");
	CHECK_INT(sockaccess__unix_access(fs, path, &root, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_OK);

	chmod(path, 0660);
	CHECK(!chown(path, 0, 33), "chown");
	CHECK_INT(sockaccess__unix_access(fs, path, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_OK);
	CHECK_STR(a.group, "www-data");

	chmod(dir, 0700);
	CHECK_INT(sockaccess__unix_access(fs, path, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_DIR_NO_SEARCH);
	CHECK_STR(a.path, dir);
	CHECK_INT(a.mode & 07777, 0700);
	chmod(dir, 0755);

	close(creat(file, 0666));
	CHECK_INT(sockaccess__unix_access(fs, file, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_NOT_SOCKET);
	CHECK_INT(sockaccess__unix_access(fs, deep, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_PARENT_MISSING);
	snprintf(deep, sizeof(deep), "%s/gone.sock", dir);
	CHECK_INT(sockaccess__unix_access(fs, deep, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_MISSING);
	snprintf(deep, sizeof(deep), "%s/plain/x.sock", dir);
	CHECK_INT(sockaccess__unix_access(fs, deep, &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_PARENT_MISSING);
	CHECK_INT(sockaccess__unix_access(fs, "relative.sock", &www, &a), -EINVAL);
	CHECK_INT(sockaccess__unix_access(fs, "///", &www, &a), -EINVAL);

	close(s);
	unlink(path);
	unlink(file);
	rmdir(dir);
	rootfs__free(fs);
}

/* php-fpm's listen.acl_users: mode 0600 root:root, but user 33 may connect through the ACL. */
UNIT_TEST(live_unix_access_acl)
{
	static const int e[][3] = {{1, 6, 0}, {2, 6, 33}, {4, 0, 0}, {0x10, 6, 0}, {0x20, 0, 0}};
	char dir[] = "/tmp/sockstate_test.XXXXXX", path[128];
	struct proc_status www = creds(33, 33, 0), nobody = creds(65534, 65534, 0);
	struct rootfs *fs = rootfs__new("/");
	struct sock_access a;
	unsigned char b[64];
	size_t n = acl(b, e, 5);
	int s;

	CHECK(fs && mkdtemp(dir), "setup");
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/acl.sock", dir);
	s = unix_listen(path);
	if (setxattr(path, "system.posix_acl_access", b, n, 0)) {
		printf("SKIP live_unix_access_acl: no ACL support: %s\n", strerror(errno));
	} else {
		CHECK_INT(sockaccess__unix_access(fs, path, &www, &a), 0);
		CHECK_INT(a.verdict, SOCK_ACCESS_OK);
		CHECK_INT(a.acl, 1);
		CHECK_INT(sockaccess__unix_access(fs, path, &nobody, &a), 0);
		CHECK_INT(a.verdict, SOCK_ACCESS_NO_WRITE);
	}
	close(s);
	unlink(path);
	rmdir(dir);
	rootfs__free(fs);
}

/* A container root: names come from its /etc files, and a symlink to "/" stays inside it. */
UNIT_TEST(live_unix_access_container_root)
{
	char dir[] = "/tmp/sockstate_root.XXXXXX", p[256], sock[256];
	struct proc_status www = creds(33, 33, 0);
	struct rootfs *fs;
	struct sock_access a;
	char buf[64];
	FILE *f;
	int s;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	chmod(dir, 0755);
	snprintf(p, sizeof(p), "%s/etc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/passwd", dir);
	f = fopen(p, "w");
	fputs("root:x:0:0::/:/bin/sh\nfpm:x:33:33::/:/bin/false\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/etc/group", dir);
	f = fopen(p, "w");
	fputs("web:x:33:\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/run", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/escape", dir);
	CHECK(!symlink("/", p), "symlink");
	snprintf(sock, sizeof(sock), "%s/run/fpm.sock", dir);
	s = unix_listen(sock);
	CHECK(!chown(sock, 33, 33), "chown");
	chmod(sock, 0600);
	fs = rootfs__new(dir);
	CHECK(fs != NULL, "rootfs");
	CHECK_INT(sockaccess__unix_access(fs, "/run/fpm.sock", &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_OK);
	CHECK_STR(sockaccess__describe_mode(&a, buf, sizeof(buf)), "0600 fpm:web");
	/* names as the container's own files give them, numbers where they give none */
	CHECK_INT(sockaccess__id_name(fs, 0, 33, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "fpm");
	CHECK_INT(sockaccess__id_name(fs, 1, 33, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "web");
	CHECK_INT(sockaccess__id_name(fs, 1, 0, buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "0");
	CHECK_INT(sockaccess__id_name(NULL, 0, 33, buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "33");
	CHECK_INT(sockaccess__id_name(fs, 0, 33, NULL, 0), -EINVAL);
	/* "/escape/run/fpm.sock" is "/run/fpm.sock" of the container, not a host path. */
	CHECK_INT(sockaccess__unix_access(fs, "/escape/run/fpm.sock", &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_OK);
	CHECK_INT(sockaccess__unix_access(fs, "/escape/tmp", &www, &a), 0);
	CHECK_INT(a.verdict, SOCK_ACCESS_MISSING);
	close(s);
	rootfs__free(fs);
	unlink(sock);
	unlink(p);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK_INT(system(p), 0);
}

UNIT_TEST(live_sysctls)
{
	char buf[64];
	int lo, hi;

	CHECK(sockstate__sysctl_netns(0, "net.core.somaxconn", buf, sizeof(buf)) > 0, "somaxconn");
	CHECK(atoi(buf) > 0, "somaxconn %s", buf);
	CHECK_INT(sockstate__port_range_netns(0, &lo, &hi), 0);
	CHECK(lo > 0 && lo <= hi && hi <= 65535, "range %d-%d", lo, hi);
	CHECK_INT(sockstate__port_range_netns(getpid(), &lo, &hi), 0);
	CHECK_INT(sockstate__sysctl_netns(0, "kernel/../../x", buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	return unit_main();
}
