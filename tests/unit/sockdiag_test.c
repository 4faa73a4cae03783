// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sock_diag replies recorded in a scratch network namespace
 * (tests/fixtures/sockdiag/README): a unix listener with backlog 5 and 2
 * connections queued, another with backlog 3, 127.0.0.1:9000 (backlog 7, 3
 * queued), 0.0.0.0:8081 (16) and [::]:8080 (4, 1 queued).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/sockdiag.h"
#include "../../user/sockstate.h"

static const unsigned char lo4[16] = {127, 0, 0, 1};
static const unsigned char any4[16];

static int parse_unix(const char *name, const char *path, struct sockdiag_queue *q)
{
	size_t len;
	char *b = fixture__read(name, &len);
	int ret = b ? sockdiag__parse_unix(b, len, path, q) : -ENOENT;

	free(b);
	return ret;
}

static int parse_inet(const char *name, int family, const unsigned char *addr, int port,
		      struct sockdiag_queue *q)
{
	size_t len;
	char *b = fixture__read(name, &len);
	int ret = b ? sockdiag__parse_inet(b, len, family, addr, port, q) : -ENOENT;

	free(b);
	return ret;
}

UNIT_TEST(unix_listener_queue)
{
	struct sockdiag_queue q = {};

	CHECK_INT(parse_unix("../sockdiag/unix.0", "/tmp/ngx502-rec/php-fpm.sock", &q), 0);
	CHECK_INT(q.found, 1);
	CHECK_INT(q.queued, 2);
	CHECK_INT(q.backlog, 5);
	CHECK(q.inode != 0, "no inode");
	/* the second recv holds NLMSG_DONE */
	CHECK_INT(parse_unix("../sockdiag/unix.1", "/tmp/ngx502-rec/php-fpm.sock", &q), 1);
	CHECK_INT(q.found, 1);
}

UNIT_TEST(unix_other_and_missing)
{
	struct sockdiag_queue q = {};

	CHECK_INT(parse_unix("../sockdiag/unix.0", "/tmp/ngx502-rec/other.sock", &q), 0);
	CHECK_INT(q.found, 1);
	CHECK_INT(q.queued, 0);
	CHECK_INT(q.backlog, 3);
	q = (struct sockdiag_queue){};
	/* a prefix of a bound path is not that path */
	CHECK_INT(parse_unix("../sockdiag/unix.0", "/tmp/ngx502-rec/php-fpm", &q), 0);
	CHECK_INT(q.found, 0);
}

UNIT_TEST(inet_exact_and_wildcard)
{
	struct sockdiag_queue q = {};

	CHECK_INT(parse_inet("../sockdiag/inet.0", AF_INET, lo4, 9000, &q), 0);
	CHECK_INT(q.found, 1);
	CHECK_INT(q.exact, 1);
	CHECK_INT(q.queued, 3);
	CHECK_INT(q.backlog, 7);
	q = (struct sockdiag_queue){};
	/* 127.0.0.1:8081 is served by the 0.0.0.0:8081 listener */
	CHECK_INT(parse_inet("../sockdiag/inet.0", AF_INET, lo4, 8081, &q), 0);
	CHECK_INT(q.found, 1);
	CHECK_INT(q.exact, 0);
	CHECK_INT(q.backlog, 16);
	q = (struct sockdiag_queue){};
	CHECK_INT(parse_inet("../sockdiag/inet.0", AF_INET, any4, 9000, &q), 0);
	CHECK_INT(q.found, 0);
	CHECK_INT(parse_inet("../sockdiag/inet.1", AF_INET, lo4, 9000, &q), 1);
}

UNIT_TEST(inet6_wildcard_takes_ipv4)
{
	struct sockdiag_queue q = {};

	CHECK_INT(parse_inet("../sockdiag/inet6.0", AF_INET, lo4, 8080, &q), 0);
	CHECK_INT(q.found, 1);
	CHECK_INT(q.queued, 1);
	CHECK_INT(q.backlog, 4);
	q = (struct sockdiag_queue){};
	CHECK_INT(parse_inet("../sockdiag/inet6.0", AF_INET, lo4, 9000, &q), 0);
	CHECK_INT(q.found, 0);
}

UNIT_TEST(garbage_and_errors)
{
	struct sockdiag_queue q = {};
	/* NLMSG_ERROR carrying -EPERM (a 16-byte header, then the error and the request's header)
	 */
	unsigned int err[9] = {36, 2, 1, 0, (unsigned int)-EPERM, 16, 20, 1, 0};
	char junk[7] = "abcdefg";

	CHECK_INT(sockdiag__parse_unix(err, sizeof(err), "/x", &q), -EPERM);
	CHECK_INT(sockdiag__parse_unix(junk, sizeof(junk), "/x", &q), -EINVAL);
	CHECK_INT(sockdiag__parse_inet(junk, sizeof(junk), AF_UNIX, lo4, 1, &q), -EINVAL);
	CHECK_INT(q.found, 0);
}

struct walked {
	int n, listen, port8081;
};

static int count_walk(const struct sock_listener *s, void *arg)
{
	struct walked *w = arg;

	w->n++;
	w->listen += s->state == TCP_STATE_LISTEN;
	if (s->port == 8081 && s->family == AF_INET && !memcmp(s->addr, any4, 4))
		w->port8081++;
	return 0;
}

static int stop_first(const struct sock_listener *s, void *arg)
{
	(void)s;
	return ++*(int *)arg;
}

/* The same recorded reply walked socket by socket: every listener, as sock_listener. */
UNIT_TEST(walk_recorded_listeners)
{
	struct walked w = {};
	size_t len;
	char *b = fixture__read("../sockdiag/inet.0", &len);
	int first = 0;

	CHECK(b, "no fixture");
	if (!b)
		return;
	CHECK(sockdiag__parse_walk(b, len, count_walk, &w) >= 0, "walk");
	CHECK(w.n == 2 && w.listen == 2, "walked %d sockets, %d listening", w.n, w.listen);
	CHECK_INT(w.port8081, 1);
	CHECK_INT(sockdiag__parse_walk(b, len, stop_first, &first), 1);
	CHECK_INT(first, 1);
	free(b);
}

int main(void)
{
	return unit_main();
}
