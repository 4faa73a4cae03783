// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sockdiag.h"
#include "sockstate.h"

#define LINE_BUF   65536
#define MAX_TOKENS 12

/* Splits on blanks; returns how many tokens were found (at most max). */
static int tokenize(const char *line, size_t len, const char **tok, size_t *tlen, int max)
{
	const char *p = line, *end = line + len;
	int n = 0;

	while (n < max) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		tok[n] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		tlen[n] = p - tok[n];
		n++;
	}
	return n;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int d = hex_val(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (max - (s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * "0100007F:1F90": the kernel prints each 32-bit word of the address as it
 * sits in memory, so storing the parsed word back in host order gives the
 * network-order bytes.
 */
static int parse_endpoint(const char *s, size_t n, int family, unsigned char *addr,
			  unsigned short *port)
{
	size_t alen = family == AF_INET ? 8 : 32, i;
	unsigned long w;

	if (n != alen + 5 || s[alen] != ':')
		return -EINVAL;
	memset(addr, 0, 16);
	for (i = 0; i < alen / 8; i++) {
		unsigned int word;

		if (parse_hex(s + 8 * i, 8, &w))
			return -EINVAL;
		word = w;
		memcpy(addr + 4 * i, &word, 4);
	}
	if (parse_hex(s + alen + 1, 4, &w))
		return -EINVAL;
	*port = w;
	return 0;
}

int sockstate__parse_tcp_line(const char *line, size_t len, int family, struct sock_listener *out)
{
	const char *tok[MAX_TOKENS];
	size_t tlen[MAX_TOKENS];
	unsigned long v;

	if (!line || !out || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (tokenize(line, len, tok, tlen, MAX_TOKENS) < 10)
		return -EINVAL;
	/* "  12: ..." -- the slot number proves this is no header line. */
	if (tlen[0] < 2 || tok[0][tlen[0] - 1] != ':' || parse_dec(tok[0], tlen[0] - 1, ~0UL, &v))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = family;
	if (parse_endpoint(tok[1], tlen[1], family, out->addr, &out->port) ||
	    parse_endpoint(tok[2], tlen[2], family, out->raddr, &out->rport))
		return -EINVAL;
	if (tlen[3] != 2 || parse_hex(tok[3], 2, &v))
		return -EINVAL;
	out->state = v;
	if (parse_dec(tok[7], tlen[7], ~0U, &v))
		return -EINVAL;
	out->uid = v;
	if (parse_dec(tok[9], tlen[9], ~0UL, &v))
		return -EINVAL;
	out->inode = v;
	return 0;
}

int sockstate__parse_unix_line(const char *line, size_t len, struct sock_listener *out)
{
	const char *tok[7], *path, *end = line + len;
	size_t tlen[7], i;
	unsigned long v;

	if (!line || !out || tokenize(line, len, tok, tlen, 7) < 7)
		return -EINVAL;
	/* "000000006a1b2c3d:" (a hashed kernel pointer) marks a socket line, not the header. */
	if (tlen[0] < 2 || tok[0][tlen[0] - 1] != ':')
		return -EINVAL;
	for (i = 0; i + 1 < tlen[0]; i++)
		if (hex_val(tok[0][i]) < 0)
			return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = AF_UNIX;
	if (parse_hex(tok[3], tlen[3], &v))
		return -EINVAL;
	out->flags = v;
	if (parse_hex(tok[4], tlen[4], &v))
		return -EINVAL;
	out->type = v;
	if (parse_hex(tok[5], tlen[5], &v))
		return -EINVAL;
	out->state = v;
	if (parse_dec(tok[6], tlen[6], ~0UL, &v))
		return -EINVAL;
	out->inode = v;
	/* The path is everything after the single space that follows the inode. */
	path = tok[6] + tlen[6];
	if (path < end && *path == ' ' && path + 1 < end) {
		path++;
		if ((size_t)(end - path) >= sizeof(out->path) || memchr(path, '\0', end - path))
			return -EINVAL;
		memcpy(out->path, path, end - path);
	}
	return 0;
}

int sockstate__parse_tcp(const char *text, size_t len, int family, int state_filter,
			 struct sock_listener *out, int max)
{
	size_t off = 0, llen;
	const char *line;
	int n = 0;

	if (!text || !out || max < 0)
		return -EINVAL;
	while (n < max && (line = procfs__line(text, len, &off, &llen))) {
		if (sockstate__parse_tcp_line(line, llen, family, &out[n]))
			continue;
		if (state_filter < 0 || out[n].state == state_filter)
			n++;
	}
	return n;
}

int sockstate__parse_unix(const char *text, size_t len, int listening_only,
			  struct sock_listener *out, int max)
{
	size_t off = 0, llen;
	const char *line;
	int n = 0;

	if (!text || !out || max < 0)
		return -EINVAL;
	while (n < max && (line = procfs__line(text, len, &off, &llen))) {
		if (sockstate__parse_unix_line(line, llen, &out[n]))
			continue;
		if (!listening_only || (out[n].flags & UNIX_FLAG_ACCEPTCON))
			n++;
	}
	return n;
}

typedef int (*line_fn)(const char *line, size_t len, void *arg);

/*
 * Streams /proc/PID/net/<table> line by line through one fixed buffer. A line
 * longer than the buffer is skipped whole. fn returning non-zero stops.
 */
static int net_table_lines(int pid, const char *table, line_fn fn, void *arg)
{
	size_t have = 0, start;
	long lines = 0;
	int fd, skipping = 0, stop = 0;
	char path[64], *buf;

	if (pid < 0)
		return -EINVAL;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table);
	else
		snprintf(path, sizeof(path), "/proc/self/net/%s", table);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(LINE_BUF);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (!stop && lines < SOCKSTATE_MAX_LINES) {
		ssize_t r = read(fd, buf + have, LINE_BUF - have);
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += r;
		start = 0;
		while (!stop && (nl = memchr(buf + start, '\n', have - start))) {
			if (!skipping)
				stop = fn(buf + start, nl - (buf + start), arg);
			skipping = 0;
			start = nl - buf + 1;
			lines++;
		}
		if (start == 0 && have == LINE_BUF) {
			skipping = 1;
			have = 0;
		} else {
			memmove(buf, buf + start, have - start);
			have -= start;
		}
	}
	if (!stop && have && !skipping)
		fn(buf, have, arg);
	free(buf);
	close(fd);
	return 0;
}

typedef int (*sock_fn)(const struct sock_listener *s, void *arg);

struct sock_walk {
	int family;
	unsigned int states;
	sock_fn fn;
	void *arg;
	long seen;
};

static int walk_sock(const struct sock_listener *s, void *arg)
{
	struct sock_walk *w = arg;

	w->seen++;
	return w->fn(s, w->arg);
}

static int walk_line(const char *line, size_t len, void *arg)
{
	struct sock_walk *w = arg;
	struct sock_listener s;

	if (sockstate__parse_tcp_line(line, len, w->family, &s) || s.state < 0 || s.state > 31 ||
	    !(w->states & (1u << s.state)))
		return 0;
	return w->fn(&s, w->arg);
}

/*
 * The TCP sockets of family in one of states (1 << TCP_STATE_*) in pid's
 * network namespace: asked of the kernel by sock_diag (it walks only those
 * states), else read from /proc/PID/net/tcp{,6} when sock_diag is not there.
 */
static int tcp_sockets(int pid, int family, unsigned int states, sock_fn fn, void *arg)
{
	struct sock_walk w = {.family = family, .states = states, .fn = fn, .arg = arg};

	if (!sockdiag__tcp_walk(pid, family, states, walk_sock, &w) || w.seen)
		return 0;
	return net_table_lines(pid, family == AF_INET ? "tcp" : "tcp6", walk_line, &w);
}

static void fill_owners(struct sock_listener *ls, int n)
{
	unsigned long *inodes;
	int *pids, i;

	if (n <= 0)
		return;
	inodes = calloc(n, sizeof(*inodes));
	pids = calloc(n, sizeof(*pids));
	if (inodes && pids) {
		for (i = 0; i < n; i++)
			inodes[i] = ls[i].inode;
		if (procfs__socket_owners(inodes, n, pids) > 0) {
			for (i = 0; i < n; i++) {
				ls[i].pid = pids[i];
				if (!pids[i])
					continue;
				procfs__comm(pids[i], ls[i].comm, sizeof(ls[i].comm));
				procfs__unit(pids[i], ls[i].unit, sizeof(ls[i].unit));
			}
		}
	}
	free(inodes);
	free(pids);
}

struct collect_ctx {
	struct sock_listener *out;
	int max, n, family, state, listening_only;
};

static int collect_tcp(const struct sock_listener *s, void *arg)
{
	struct collect_ctx *c = arg;

	c->out[c->n++] = *s;
	return c->n >= c->max;
}

static int collect_unix(const char *line, size_t len, void *arg)
{
	struct collect_ctx *c = arg;

	if (!sockstate__parse_unix_line(line, len, &c->out[c->n]) &&
	    (!c->listening_only || (c->out[c->n].flags & UNIX_FLAG_ACCEPTCON)))
		c->n++;
	return c->n >= c->max;
}

int sockstate__tcp_listeners(int netns_pid, struct sock_listener *out, int max)
{
	struct collect_ctx c = {.out = out, .state = TCP_STATE_LISTEN};
	int err;

	if (!out || max < 0)
		return -EINVAL;
	c.max = max < SOCKSTATE_MAX_SOCKETS ? max : SOCKSTATE_MAX_SOCKETS;
	if (!c.max)
		return 0;
	err = tcp_sockets(netns_pid, AF_INET, 1u << TCP_STATE_LISTEN, collect_tcp, &c);
	if (err)
		return err;
	/* no IPv6 (disabled): that only means no IPv6 listeners */
	if (c.n < c.max)
		tcp_sockets(netns_pid, AF_INET6, 1u << TCP_STATE_LISTEN, collect_tcp, &c);
	fill_owners(out, c.n);
	return c.n;
}

int sockstate__unix_listeners(int netns_pid, struct sock_listener *out, int max)
{
	struct collect_ctx c = {.out = out, .listening_only = 1};
	int err;

	if (!out || max < 0)
		return -EINVAL;
	c.max = max < SOCKSTATE_MAX_SOCKETS ? max : SOCKSTATE_MAX_SOCKETS;
	if (!c.max)
		return 0;
	err = net_table_lines(netns_pid, "unix", collect_unix, &c);
	if (err)
		return err;
	fill_owners(out, c.n);
	return c.n;
}

static const unsigned char v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const unsigned char any_addr[16];

struct find_ctx {
	int family; /* of the target, after unmapping */
	unsigned char addr[16];
	unsigned short port;
	int v6_takes_v4;
	int best;
	struct sock_listener found;
};

static int listener_score(const struct find_ctx *c, const struct sock_listener *l)
{
	if (l->state != TCP_STATE_LISTEN || l->port != c->port)
		return 0;
	if (c->family == AF_INET) {
		if (l->family == AF_INET)
			return !memcmp(l->addr, c->addr, 4)    ? 4
			       : !memcmp(l->addr, any_addr, 4) ? 3
							       : 0;
		if (!memcmp(l->addr, v4mapped_prefix, 12) && !memcmp(l->addr + 12, c->addr, 4))
			return 4;
		return !memcmp(l->addr, any_addr, 16) && c->v6_takes_v4 ? 2 : 0;
	}
	if (l->family != AF_INET6)
		return 0;
	return !memcmp(l->addr, c->addr, 16) ? 4 : !memcmp(l->addr, any_addr, 16) ? 3 : 0;
}

static int find_cb(const struct sock_listener *l, void *arg)
{
	struct find_ctx *c = arg;
	int s = listener_score(c, l);

	if (s > c->best) {
		c->best = s;
		c->found = *l;
	}
	return c->best == 4;
}

int sockstate__find_tcp_listener(int netns_pid, int family, const unsigned char *addr,
				 unsigned short port, struct sock_listener *out)
{
	struct find_ctx *c;
	char val[16];
	int err = 0;

	if (!addr || !out || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->family = family;
	c->port = port;
	if (family == AF_INET6 && !memcmp(addr, v4mapped_prefix, 12)) {
		/* connect() to ::ffff:a.b.c.d goes through the IPv4 stack. */
		c->family = AF_INET;
		memcpy(c->addr, addr + 12, 4);
	} else {
		memcpy(c->addr, addr, family == AF_INET ? 4 : 16);
	}
	c->v6_takes_v4 =
		!(sockstate__sysctl_netns(netns_pid, "net.ipv6.bindv6only", val, sizeof(val)) > 0 &&
		  val[0] == '1');
	if (c->family == AF_INET)
		err = tcp_sockets(netns_pid, AF_INET, 1u << TCP_STATE_LISTEN, find_cb, c);
	if (!err && c->best < 4)
		tcp_sockets(netns_pid, AF_INET6, 1u << TCP_STATE_LISTEN, find_cb, c);
	if (err) {
		free(c);
		return err;
	}
	if (!c->best) {
		free(c);
		return -ENOENT;
	}
	*out = c->found;
	free(c);
	fill_owners(out, 1);
	return 0;
}

struct unix_find_ctx {
	const char *path;
	struct sock_listener cur;
	int found;
};

static int unix_find_cb(const char *line, size_t len, void *arg)
{
	struct unix_find_ctx *c = arg;

	if (sockstate__parse_unix_line(line, len, &c->cur) || !(c->cur.flags & UNIX_FLAG_ACCEPTCON))
		return 0;
	c->found = !strcmp(c->cur.path, c->path);
	return c->found;
}

int sockstate__unix_path_listening(int netns_pid, const char *path, struct sock_listener *out)
{
	struct unix_find_ctx c = {.path = path};

	if (!path || !path[0])
		return 0;
	if (net_table_lines(netns_pid, "unix", unix_find_cb, &c) || !c.found)
		return 0;
	if (out) {
		*out = c.cur;
		fill_owners(out, 1);
	}
	return 1;
}

struct tw_ctx {
	int family;
	unsigned char addr[16];
	int any_addr;
	unsigned short port;
	int count;
};

static int tw_cb(const struct sock_listener *s, void *arg)
{
	struct tw_ctx *c = arg;
	const unsigned char *ra = s->raddr;

	if (s->state != TCP_STATE_TIME_WAIT || (c->port && s->rport != c->port))
		return 0;
	if (c->family == AF_INET && s->family == AF_INET6) {
		if (memcmp(ra, v4mapped_prefix, 12))
			return 0;
		ra += 12;
	} else if (c->family != s->family) {
		return 0;
	}
	if (c->any_addr || !memcmp(ra, c->addr, c->family == AF_INET ? 4 : 16))
		c->count++;
	return 0;
}

int sockstate__time_wait_count(int netns_pid, int family, const unsigned char *addr,
			       unsigned short port)
{
	struct tw_ctx c = {.family = family, .port = port, .any_addr = !addr};
	int err;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (addr && family == AF_INET6 && !memcmp(addr, v4mapped_prefix, 12)) {
		c.family = AF_INET;
		memcpy(c.addr, addr + 12, 4);
	} else if (addr) {
		memcpy(c.addr, addr, family == AF_INET ? 4 : 16);
	}
	if (c.family == AF_INET) {
		err = tcp_sockets(netns_pid, AF_INET, 1u << TCP_STATE_TIME_WAIT, tw_cb, &c);
		if (err)
			return err;
	}
	tcp_sockets(netns_pid, AF_INET6, 1u << TCP_STATE_TIME_WAIT, tw_cb, &c);
	return c.count;
}

/* ---- sysctls: read by procfs, named here for the callers that look at sockets ---- */

int sockstate__sysctl_netns(int pid, const char *name, char *buf, size_t size)
{
	return procfs__sysctl(pid, name, buf, size);
}

int sockstate__parse_port_range(const char *text, int *lo, int *hi)
{
	unsigned long a, b;
	const char *p = text, *s;

	if (!text || !lo || !hi)
		return -EINVAL;
	p += strspn(p, " \t");
	s = p;
	p += strspn(p, "0123456789");
	if (parse_dec(s, p - s, 65535, &a))
		return -EINVAL;
	p += strspn(p, " \t");
	s = p;
	p += strspn(p, "0123456789");
	if (parse_dec(s, p - s, 65535, &b) || a > b)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

int sockstate__port_range_netns(int pid, int *lo, int *hi)
{
	char val[64];
	int n = sockstate__sysctl_netns(pid, "net.ipv4.ip_local_port_range", val, sizeof(val));

	return n < 0 ? n : sockstate__parse_port_range(val, lo, hi);
}
