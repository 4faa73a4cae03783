// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include "procfs.h"
#include "sockdiag.h"
#include "sockstate.h"

#define TCP_LISTEN_    10
#define DIAG_MAX_RECVS 4096  /* replies of one dump read, at most (LISTEN sockets only) */
#define DIAG_RECV_SIZE 32768 /* the kernel fills at most this much of one reply */

struct unix_match {
	const char *path;
	size_t pathlen;
	struct sockdiag_queue *q;
};

struct inet_match {
	int family;
	const unsigned char *addr;
	int port;
	struct sockdiag_queue *q;
};

static void add(struct sockdiag_queue *q, unsigned int queued, unsigned int backlog,
		unsigned long inode)
{
	if (!q->found++)
		q->inode = inode;
	q->queued += queued;
	q->backlog += backlog;
}

static int unix_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct unix_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	const struct unix_diag_rqlen *rq = NULL;
	struct unix_match *um = data;
	const char *name = NULL;
	const struct nlattr *a;
	size_t nlen = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || m->udiag_state != TCP_LISTEN_)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*m))
	{
		if (mnl_attr_get_type(a) == UNIX_DIAG_NAME) {
			name = mnl_attr_get_payload(a);
			nlen = mnl_attr_get_payload_len(a);
		} else if (mnl_attr_get_type(a) == UNIX_DIAG_RQLEN &&
			   mnl_attr_get_payload_len(a) >= sizeof(*rq)) {
			rq = mnl_attr_get_payload(a);
		}
	}
	/* the name is sun_path as bound: with or without its NUL */
	while (nlen && name[nlen - 1] == '\0')
		nlen--;
	if (rq && name && nlen == um->pathlen && !memcmp(name, um->path, nlen))
		add(um->q, rq->udiag_rqueue, rq->udiag_wqueue, m->udiag_ino);
	return MNL_CB_OK;
}

static int wildcard(int family, const uint32_t *a)
{
	return family == AF_INET ? !a[0] : !(a[0] | a[1] | a[2] | a[3]);
}

static int inet_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct inet_match *im = data;
	size_t alen = im->family == AF_INET ? 4 : 16;
	int exact;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || m->idiag_state != TCP_LISTEN_ ||
	    ntohs(m->id.idiag_sport) != im->port)
		return MNL_CB_OK;
	if (m->idiag_family == im->family) {
		exact = !memcmp(m->id.idiag_src, im->addr, alen);
		if (!exact && !wildcard(m->idiag_family, m->id.idiag_src))
			return MNL_CB_OK;
	} else if (m->idiag_family == AF_INET6 && im->family == AF_INET) {
		/* "::" takes IPv4 too unless IPV6_V6ONLY, which the dump does not show */
		if (!wildcard(AF_INET6, m->id.idiag_src))
			return MNL_CB_OK;
		exact = 0;
	} else {
		return MNL_CB_OK;
	}
	add(im->q, m->idiag_rqueue, m->idiag_wqueue, m->idiag_inode);
	im->q->exact |= exact;
	return MNL_CB_OK;
}

/* mnl_cb_run's answer as 1 (done), 0 (more) or -errno. */
static int run(const void *buf, size_t len, mnl_cb_t cb, void *data)
{
	int ret;

	if (!buf || len < sizeof(struct nlmsghdr))
		return -EINVAL;
	errno = 0;
	ret = mnl_cb_run(buf, len, 0, 0, cb, data);
	if (ret == MNL_CB_ERROR)
		return errno ? -errno : -EPROTO;
	return ret == MNL_CB_STOP;
}

int sockdiag__parse_unix(const void *buf, size_t len, const char *path, struct sockdiag_queue *q)
{
	struct unix_match um = {path, path ? strlen(path) : 0, q};

	if (!path || !q)
		return -EINVAL;
	return run(buf, len, unix_cb, &um);
}

int sockdiag__parse_inet(const void *buf, size_t len, int family, const unsigned char *addr,
			 int port, struct sockdiag_queue *q)
{
	struct inet_match im = {family, addr, port, q};

	if (!addr || !q || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	return run(buf, len, inet_cb, &im);
}

/* A NETLINK_SOCK_DIAG socket of the tool's own namespace. */
static int diag_socket_here(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/*
 * One made in pid's network namespace: a child joins it, opens the socket and
 * passes it back; the socket keeps answering for that namespace.
 */
static int diag_socket_of(int pid)
{
	char nspath[64], cbuf[CMSG_SPACE(sizeof(int))] = {0}, byte = 0;
	struct iovec iov = {&byte, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	int nsfd, sv[2], fd = -EIO, status;
	pid_t child;

	if (pid == 0 || procfs__same_ns(0, pid, "net") == 1)
		return diag_socket_here();
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) {
		fd = -errno;
		close(nsfd);
		return fd;
	}
	child = fork();
	if (child == 0) {
		int s;

		close(sv[0]);
		if (setns(nsfd, CLONE_NEWNET))
			_exit(1);
		s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (s < 0)
			_exit(1);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &s, sizeof(int));
		_exit(sendmsg(sv[1], &mh, 0) == 1 ? 0 : 1);
	}
	close(nsfd);
	close(sv[1]);
	if (child < 0) {
		fd = -errno;
		close(sv[0]);
		return fd;
	}
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) == 1) {
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	close(sv[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* Send one dump request (its family header req) and feed every reply to parse. */
static int dump(int pid, const void *req, size_t reqlen, int (*parse)(const void *, size_t, void *),
		void *match)
{
	char buf[DIAG_RECV_SIZE];
	struct timeval tv = {.tv_sec = 1};
	struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	int fd, ret = -EIO, i;
	ssize_t n;

	fd = diag_socket_of(pid);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl = mnl_socket_fdopen(fd);
	if (!nl) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	memcpy(mnl_nlmsg_put_extra_header(nlh, reqlen), req, reqlen);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (i = 0; i < DIAG_MAX_RECVS; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = parse(buf, n, match);
		if (ret)
			break;
	}
	if (i == DIAG_MAX_RECVS)
		ret = -E2BIG;
out:
	mnl_socket_close(nl);
	return ret;
}

static int parse_unix(const void *buf, size_t len, void *match)
{
	struct unix_match *um = match;

	return run(buf, len, unix_cb, um);
}

static int parse_inet(const void *buf, size_t len, void *match)
{
	struct inet_match *im = match;

	return run(buf, len, inet_cb, im);
}

int sockdiag__unix_queue(int pid, const char *path, struct sockdiag_queue *q)
{
	struct unix_diag_req req = {
		.sdiag_family = AF_UNIX,
		.udiag_states = 1u << TCP_LISTEN_,
		.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN,
	};
	struct unix_match um = {path, path ? strlen(path) : 0, q};
	int ret;

	if (!path || !q || pid < 0)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	ret = dump(pid, &req, sizeof(req), parse_unix, &um);
	return ret < 0 ? ret : q->found > 0;
}

int sockdiag__tcp_queue(int pid, int family, const unsigned char *addr, int port,
			struct sockdiag_queue *q)
{
	struct inet_diag_req_v2 req = {
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = 1u << TCP_LISTEN_,
	};
	struct inet_match im = {family, addr, port, q};
	int ret;

	if (!addr || !q || pid < 0 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	req.sdiag_family = family;
	ret = dump(pid, &req, sizeof(req), parse_inet, &im);
	if (ret >= 0 && family == AF_INET && !q->found) {
		req.sdiag_family = AF_INET6;
		ret = dump(pid, &req, sizeof(req), parse_inet, &im);
	}
	return ret < 0 ? ret : q->found > 0;
}

struct walk {
	int (*fn)(const struct sock_listener *s, void *arg);
	void *arg;
};

static int walk_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct walk *w = data;
	struct sock_listener s;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) ||
	    (m->idiag_family != AF_INET && m->idiag_family != AF_INET6))
		return MNL_CB_OK;
	memset(&s, 0, sizeof(s));
	s.family = m->idiag_family;
	memcpy(s.addr, m->id.idiag_src, sizeof(s.addr));
	memcpy(s.raddr, m->id.idiag_dst, sizeof(s.raddr));
	s.port = ntohs(m->id.idiag_sport);
	s.rport = ntohs(m->id.idiag_dport);
	s.state = m->idiag_state;
	s.uid = m->idiag_uid;
	s.inode = m->idiag_inode;
	return w->fn(&s, w->arg) ? MNL_CB_STOP : MNL_CB_OK;
}

int sockdiag__parse_walk(const void *buf, size_t len,
			 int (*fn)(const struct sock_listener *s, void *arg), void *arg)
{
	struct walk w = {fn, arg};

	return run(buf, len, walk_cb, &w);
}

static int parse_walk(const void *buf, size_t len, void *match)
{
	struct walk *w = match;

	return run(buf, len, walk_cb, w);
}

int sockdiag__tcp_walk(int pid, int family, unsigned int states_mask,
		       int (*fn)(const struct sock_listener *s, void *arg), void *arg)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = family,
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = states_mask,
	};
	struct walk w = {fn, arg};
	int ret;

	if (!fn || pid < 0 || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	ret = dump(pid, &req, sizeof(req), parse_walk, &w);
	return ret < 0 ? ret : 0;
}
