// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * backend - a deliberately misbehaving HTTP upstream for the end-to-end tests.
 *
 *	backend [-t LIFETIME_S] [-b BACKLOG] MODE [N] ADDR
 *
 * ADDR is PORT, 127.0.0.1:PORT, [::1]:PORT or unix:/path. Only loopback and
 * unix addresses are accepted: the tests must never touch another network.
 * Once listening it prints "ready" on stdout. It exits on SIGTERM/SIGINT and
 * by itself after LIFETIME_S seconds (default 120), so a lost test never
 * leaves it running for long.
 *
 * MODE, applied once a request header ("\r\n\r\n") has been read:
 *	ok		HTTP/1.0 200, then close
 *	reset		close with SO_LINGER 0, which sends an RST
 *	close		close without answering (FIN before any response byte)
 *	hang		keep the connection open and never answer
 *	bigheader N	200 with an N-byte X-Big header
 *	keepalive K	HTTP/1.1 200 with keep-alive; close a connection idle for K ms
 *	keepalive-race K
 *			as keepalive, but idle connections are closed on a 100 ms tick
 *			of the clock, and a connection whose idle time is up when a
 *			request arrives is closed before the request is read (timers
 *			first, as in Node.js's event loop): the request gets an RST.
 *			This widens the keep-alive race (nginx reusing a connection
 *			the backend is closing) from microseconds to up to 100 ms.
 *	garbage		as soon as a connection is accepted (before any request: also
 *			what a TLS client gets as its ServerHello), a status line
 *			and a header line holding a NUL byte, then keep it open
 *			until the peer closes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <fcntl.h>

#define MAX_CONNS 1024
#define REQ_MAX	  16384
#define BIG_MAX	  (1 << 20)

enum mode {
	M_OK,
	M_RESET,
	M_CLOSE,
	M_HANG,
	M_BIGHEADER,
	M_KEEPALIVE,
	M_GARBAGE,
	M_KEEPALIVE_RACE,
};

struct conn {
	int fd;
	size_t len;	   /* bytes of the current request read so far */
	long long last_ms; /* last activity, for keepalive idle closing */
	char buf[REQ_MAX];
};

static volatile sig_atomic_t stop;
static enum mode mode;
static long mode_arg;
static struct conn *conns[MAX_CONNS];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_mode(const char *s)
{
	static const char *const names[] = {
		[M_OK] = "ok",
		[M_RESET] = "reset",
		[M_CLOSE] = "close",
		[M_HANG] = "hang",
		[M_BIGHEADER] = "bigheader",
		[M_KEEPALIVE] = "keepalive",
		[M_GARBAGE] = "garbage",
		[M_KEEPALIVE_RACE] = "keepalive-race",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* Build the listening socket; refuse anything that is not loopback or unix. */
static int open_listener(const char *addr, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;
	long port;

	memset(&ss, 0, sizeof(ss));
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(addr + 5) >= sizeof(sun->sun_path))
			return -ENAMETOOLONG;
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, addr + 5);
		unlink(sun->sun_path);
		sl = sizeof(*sun);
	} else if (!strncmp(addr, "[::1]:", 6)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if (parse_long(addr + 6, 1, 65535, &port))
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons(port);
		sl = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		const char *p = addr;

		if (!strncmp(addr, "127.0.0.1:", 10))
			p = addr + 10;
		if (parse_long(p, 1, 65535, &port))
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		sl = sizeof(*sin);
	}

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ss.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void conn_close(int i, int rst)
{
	struct conn *c = conns[i];

	if (rst) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->fd);
	free(c);
	conns[i] = NULL;
}

/* Write all of buf, waiting up to 2 s for room: the peer is a local nginx. */
static int write_all(int fd, const char *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (poll(&p, 1, 2000) <= 0)
			return -ETIMEDOUT;
	}
	return 0;
}

static int send_big(int fd, long n)
{
	static const char head[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nX-Big: ";
	static const char tail[] = "\r\n\r\nok\n";
	size_t len = sizeof(head) - 1 + n + sizeof(tail) - 1;
	char *r = malloc(len);
	int err;

	if (!r)
		return -ENOMEM;
	memcpy(r, head, sizeof(head) - 1);
	memset(r + sizeof(head) - 1, 'a', n);
	memcpy(r + sizeof(head) - 1 + n, tail, sizeof(tail) - 1);
	err = write_all(fd, r, len);
	free(r);
	return err;
}

/* A complete request header arrived on conns[i]: misbehave as asked. */
static void answer(int i)
{
	static const char ok10[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n"
				   "Connection: close\r\n\r\nok\n";
	static const char ok11[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
				   "Connection: keep-alive\r\n\r\nok\n";
	struct conn *c = conns[i];

	switch (mode) {
	case M_OK:
		write_all(c->fd, ok10, sizeof(ok10) - 1);
		conn_close(i, 0);
		break;
	case M_RESET:
		conn_close(i, 1);
		break;
	case M_CLOSE:
		conn_close(i, 0);
		break;
	case M_HANG:
	case M_GARBAGE:
		break;
	case M_BIGHEADER:
		send_big(c->fd, mode_arg);
		conn_close(i, 0);
		break;
	case M_KEEPALIVE:
	case M_KEEPALIVE_RACE:
		if (write_all(c->fd, ok11, sizeof(ok11) - 1))
			conn_close(i, 0);
		else
			c->len = 0;
		break;
	}
}

static void on_readable(int i)
{
	struct conn *c = conns[i];
	ssize_t n;

	if (c->len >= sizeof(c->buf) - 1) {
		/* hang mode keeps oversized or finished requests: drain them */
		char sink[4096];

		n = recv(c->fd, sink, sizeof(sink), 0);
	} else {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(i, 0);
		return;
	}
	if (n < 0)
		return;
	c->last_ms = now_ms();
	if (c->len >= sizeof(c->buf) - 1)
		return;
	c->len += n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") || mode == M_GARBAGE) {
		if (mode == M_HANG || mode == M_GARBAGE)
			c->len = sizeof(c->buf) - 1;
		else
			answer(i);
	}
}

static void on_accept(int lfd)
{
	struct conn *c;
	int fd, i;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_CONNS && conns[i]; i++)
		;
	c = i < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->last_ms = now_ms();
	conns[i] = c;
	if (mode == M_GARBAGE) {
		/* sizeof - 1: the NUL inside the header line is sent, the final one not */
		static const char junk[] = "HTTP/1.0 200 OK\r\nX-Bad\0Header: 1\r\n\r\n";

		write_all(fd, junk, sizeof(junk) - 1);
	}
}

static void close_idle(long long now)
{
	int i;

	if (mode != M_KEEPALIVE && mode != M_KEEPALIVE_RACE)
		return;
	for (i = 0; i < MAX_CONNS; i++)
		if (conns[i] && conns[i]->len == 0 && now - conns[i]->last_ms >= mode_arg)
			conn_close(i, 0);
}

static int serve(int lfd, long lifetime_s)
{
	static struct pollfd pfd[MAX_CONNS + 1];
	static int idx[MAX_CONNS + 1];
	long long deadline = now_ms() + lifetime_s * 1000;
	int i, n, r;

	while (!stop && now_ms() < deadline) {
		pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (i = 0, n = 1; i < MAX_CONNS; i++) {
			if (!conns[i])
				continue;
			pfd[n] = (struct pollfd){.fd = conns[i]->fd, .events = POLLIN};
			idx[n++] = i;
		}
		/* keepalive-race wakes on the clock's 100 ms ticks */
		r = poll(pfd, n, mode == M_KEEPALIVE_RACE ? 100 - (int)(now_ms() % 100) : 100);
		if (r < 0 && errno != EINTR)
			return -errno;
		/* timers first: a request that arrived on a connection whose time is up is not read
		 */
		if (mode == M_KEEPALIVE_RACE)
			close_idle(now_ms());
		for (i = 1; r > 0 && i < n; i++)
			if (pfd[i].revents && conns[idx[i]])
				on_readable(idx[i]);
		if (r > 0 && (pfd[0].revents & POLLIN))
			on_accept(lfd);
		close_idle(now_ms());
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: backend [-t LIFETIME_S] [-b BACKLOG] "
		"ok|reset|close|hang|garbage|bigheader N|keepalive MS|keepalive-race MS ADDR\n"
		"  ADDR: PORT, 127.0.0.1:PORT, [::1]:PORT or unix:/path\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	long lifetime = 120, backlog = 128;
	const char *addr;
	int opt, lfd, m, err;

	while ((opt = getopt(argc, argv, "t:b:")) != -1) {
		if (opt == 't' && !parse_long(optarg, 1, 3600, &lifetime))
			continue;
		if (opt == 'b' && !parse_long(optarg, 0, 65535, &backlog))
			continue;
		usage();
	}
	if (argc - optind < 2)
		usage();
	m = parse_mode(argv[optind]);
	if (m < 0)
		usage();
	mode = m;
	if (mode == M_BIGHEADER || mode == M_KEEPALIVE || mode == M_KEEPALIVE_RACE) {
		if (argc - optind != 3 || parse_long(argv[optind + 1], 1, BIG_MAX, &mode_arg))
			usage();
	} else if (argc - optind != 2) {
		usage();
	}
	addr = argv[argc - 1];

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = open_listener(addr, backlog);
	if (lfd < 0) {
		fprintf(stderr, "backend: failed to listen on %s: %s\n", addr, strerror(-lfd));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	err = serve(lfd, lifetime);
	if (!strncmp(addr, "unix:", 5))
		unlink(addr + 5);
	if (err) {
		fprintf(stderr, "backend: failed to poll: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
