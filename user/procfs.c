// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "procfs.h"

/* /proc/PID/status is ~1.5 KiB; a cgroup file can be long on deep hierarchies. */
#define STATUS_MAX 16384
#define CGROUP_MAX 65536

const char *procfs__line(const char *text, size_t len, size_t *off, size_t *llen)
{
	const char *start, *nl;

	if (!text || *off >= len)
		return NULL;
	start = text + *off;
	nl = memchr(start, '\n', len - *off);
	if (nl) {
		*llen = nl - start;
		*off += *llen + 1;
	} else {
		*llen = len - *off;
		*off = len;
	}
	return start;
}

static void skip_blank(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* Decimal number no larger than max; 0 or -EINVAL. Leading blanks are skipped. */
static int parse_ulong(const char **p, const char *end, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *s;

	skip_blank(p, end);
	s = *p;
	while (*p < end && **p >= '0' && **p <= '9') {
		unsigned int d = **p - '0';

		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		(*p)++;
	}
	if (*p == s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int key_is(const char *line, size_t klen, const char *key)
{
	return strlen(key) == klen && !memcmp(line, key, klen);
}

/* A whitespace-separated list of numbers; returns how many were stored (at most max). */
static int parse_list(const char *p, const char *end, unsigned long lim, unsigned long *vals,
		      int max, int *overflow)
{
	unsigned long v;
	int n = 0;

	*overflow = 0;
	for (;;) {
		skip_blank(&p, end);
		if (p >= end)
			break;
		if (parse_ulong(&p, end, lim, &v))
			return -EINVAL;
		if (n < max)
			vals[n++] = v;
		else
			*overflow = 1;
	}
	return n;
}

int procfs__parse_status(const char *text, size_t len, struct proc_status *out)
{
	unsigned long vals[PROC_STATUS_MAX_GROUPS];
	size_t off = 0, llen;
	const char *line;
	int have_tgid = 0;

	if (!text || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	while ((line = procfs__line(text, len, &off, &llen))) {
		const char *colon = memchr(line, ':', llen), *p, *end = line + llen;
		size_t klen;
		int n, i, over;

		if (!colon)
			continue;
		klen = colon - line;
		p = colon + 1;
		if (key_is(line, klen, "Name")) {
			skip_blank(&p, end);
			n = end - p < (long)sizeof(out->name) - 1 ? end - p
								  : (int)sizeof(out->name) - 1;
			memcpy(out->name, p, n);
			out->name[n] = '\0';
			for (i = 0; i < n; i++)
				if ((unsigned char)out->name[i] < 0x20)
					out->name[i] = '?';
		} else if (key_is(line, klen, "Tgid") || key_is(line, klen, "PPid")) {
			unsigned long v;

			if (parse_ulong(&p, end, INT_MAX, &v))
				continue;
			if (line[0] == 'T') {
				out->tgid = v;
				have_tgid = 1;
			} else {
				out->ppid = v;
			}
		} else if (key_is(line, klen, "Uid") || key_is(line, klen, "Gid")) {
			unsigned int *ids = line[0] == 'U' ? out->uid : out->gid;

			if (parse_list(p, end, UINT_MAX, vals, 4, &over) != 4 || over)
				continue;
			for (i = 0; i < 4; i++)
				ids[i] = vals[i];
		} else if (key_is(line, klen, "Groups")) {
			n = parse_list(p, end, UINT_MAX, vals, PROC_STATUS_MAX_GROUPS, &over);
			if (n < 0)
				continue;
			for (i = 0; i < n; i++)
				out->groups[i] = vals[i];
			out->ngroups = n;
			out->groups_truncated = over;
		} else if (key_is(line, klen, "NSpid")) {
			unsigned long v;

			/* Keep the host PID first and the innermost last even when nested deeper
			 * than fits. */
			out->nnspid = 0;
			for (;;) {
				skip_blank(&p, end);
				if (p >= end || parse_ulong(&p, end, INT_MAX, &v))
					break;
				if (out->nnspid < PROC_STATUS_MAX_NSPID)
					out->nspid[out->nnspid++] = v;
				else
					out->nspid[PROC_STATUS_MAX_NSPID - 1] = v;
			}
		}
	}
	return have_tgid ? 0 : -EINVAL;
}

int procfs__parse_cmdline(const char *raw, size_t len, char *buf, size_t size)
{
	size_t i, n = 0;

	if (!raw || !buf || !size)
		return -EINVAL;
	/* argv ends with a NUL (or several, after setproctitle): they are not separators. */
	while (len && raw[len - 1] == '\0')
		len--;
	for (i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = raw[i];

		if (c == '\0')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		buf[n++] = c;
	}
	buf[n] = '\0';
	return n;
}

static int copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int procfs__cgroup_for_each(const char *text, size_t len,
			    int (*fn)(const struct cgroup_entry *e, void *arg), void *arg)
{
	struct cgroup_entry e;
	size_t off = 0, llen;
	const char *line;
	int err;

	if (!text || !fn)
		return -EINVAL;
	while ((line = procfs__line(text, len, &off, &llen))) {
		const char *p = line, *end = line + llen, *c1, *c2;
		unsigned long hier;

		if (parse_ulong(&p, end, INT_MAX, &hier) || p >= end || *p != ':')
			continue;
		c1 = p;
		c2 = memchr(c1 + 1, ':', end - c1 - 1);
		if (!c2)
			continue;
		/* The path is the rest of the line: it may itself contain ':'. */
		if (c2 + 1 >= end || c2[1] != '/')
			continue;
		if (copy_field(e.controllers, sizeof(e.controllers), c1 + 1, c2 - c1 - 1) ||
		    copy_field(e.path, sizeof(e.path), c2 + 1, end - c2 - 1))
			continue;
		/* A NUL inside the path would make every later string comparison lie. */
		if (memchr(c2 + 1, '\0', end - c2 - 1))
			continue;
		e.hier = hier;
		err = fn(&e, arg);
		if (err)
			return err;
	}
	return 0;
}

struct cg_paths {
	char *v2, *sd;
	size_t v2size, sdsize;
	int found;
};

static int cg_paths_cb(const struct cgroup_entry *e, void *arg)
{
	struct cg_paths *c = arg;

	if (e->hier == 0 && !e->controllers[0] && c->v2) {
		snprintf(c->v2, c->v2size, "%s", e->path);
		c->found = 1;
	} else if (!strcmp(e->controllers, "name=systemd") && c->sd) {
		snprintf(c->sd, c->sdsize, "%s", e->path);
		c->found = 1;
	}
	return 0;
}

int procfs__parse_cgroup(const char *text, size_t len, char *v2path, size_t size, char *sdpath,
			 size_t sdsize)
{
	struct cg_paths c = {v2path, sdpath, size, sdsize, 0};

	if (v2path && size)
		v2path[0] = '\0';
	else
		c.v2 = NULL;
	if (sdpath && sdsize)
		sdpath[0] = '\0';
	else
		c.sd = NULL;
	procfs__cgroup_for_each(text, len, cg_paths_cb, &c);
	return c.found ? 0 : -ENOENT;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

int procfs__cgroup_unit(const char *cgpath, char *buf, size_t size)
{
	const char *p, *best = NULL;
	size_t blen = 0;

	if (!cgpath || !buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	for (p = cgpath; *p;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (ends_with(p, n, ".service") || ends_with(p, n, ".scope")) {
			best = p;
			blen = n;
		}
		p += n;
		if (*p)
			p++;
	}
	if (!best)
		return -ENOENT;
	return copy_field(buf, size, best, blen);
}

int procfs__parse_socket_link(const char *link, unsigned long *inode)
{
	const char *p;
	size_t len;

	if (!link || !inode || strncmp(link, "socket:[", 8))
		return -EINVAL;
	p = link + 8;
	len = strlen(p);
	if (len < 2 || p[len - 1] != ']')
		return -EINVAL;
	if (parse_ulong(&p, link + 8 + len - 1, ULONG_MAX, inode) || *p != ']')
		return -EINVAL;
	return 0;
}

static int proc_path(char *buf, size_t size, int pid, const char *file)
{
	int n;

	if (pid < 0)
		return -EINVAL;
	if (pid == 0)
		n = snprintf(buf, size, "/proc/self/%s", file);
	else
		n = snprintf(buf, size, "/proc/%d/%s", pid, file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

long procfs__read(int pid, const char *file, char *buf, size_t size)
{
	char path[128];
	size_t n = 0;
	int fd, err;

	if (!file || !buf || !size)
		return -EINVAL;
	err = proc_path(path, sizeof(path), pid, file);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

/* Reads a line-oriented file; a last line cut by the buffer limit is dropped, never half-parsed. */
static long read_lines(int pid, const char *file, char *buf, size_t size)
{
	long n = procfs__read(pid, file, buf, size);

	if (n == (long)size - 1) {
		char *nl = memrchr(buf, '\n', n);

		n = nl ? nl - buf + 1 : 0;
		buf[n] = '\0';
	}
	return n;
}

int procfs__status(int pid, struct proc_status *out)
{
	char *buf = malloc(STATUS_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	n = read_lines(pid, "status", buf, STATUS_MAX);
	if (n >= 0)
		n = procfs__parse_status(buf, n, out);
	free(buf);
	return n;
}

int procfs__cmdline(int pid, char *buf, size_t size)
{
	char *raw;
	long n;

	if (!buf || !size)
		return -EINVAL;
	raw = malloc(size);
	if (!raw)
		return -ENOMEM;
	n = procfs__read(pid, "cmdline", raw, size);
	if (n >= 0)
		n = procfs__parse_cmdline(raw, n, buf, size);
	free(raw);
	return n;
}

int procfs__exe(int pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int err;

	if (!buf || size < 2)
		return -EINVAL;
	err = proc_path(path, sizeof(path), pid, "exe");
	if (err)
		return err;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int procfs__comm(int pid, char *buf, size_t size)
{
	long n, i;

	if (!buf || !size)
		return -EINVAL;
	n = procfs__read(pid, "comm", buf, size);
	if (n < 0)
		return n;
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20)
			buf[i] = '?';
	return n;
}

int procfs__cgroup_v2_path(int pid, char *buf, size_t size)
{
	char *text;
	long n;

	if (!buf || !size)
		return -EINVAL;
	text = malloc(CGROUP_MAX);
	if (!text)
		return -ENOMEM;
	n = read_lines(pid, "cgroup", text, CGROUP_MAX);
	if (n >= 0) {
		n = procfs__parse_cgroup(text, n, buf, size, NULL, 0);
		if (!n && !buf[0])
			n = -ENOENT;
	}
	free(text);
	return n;
}

int procfs__unit(int pid, char *buf, size_t size)
{
	char v2[512], sd[512];
	char *text;
	long n;

	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	text = malloc(CGROUP_MAX);
	if (!text)
		return -ENOMEM;
	n = read_lines(pid, "cgroup", text, CGROUP_MAX);
	if (n >= 0 && !procfs__parse_cgroup(text, n, v2, sizeof(v2), sd, sizeof(sd))) {
		/* On v1 hosts the v2 line is "/" and systemd keeps its tree under name=systemd. */
		if (procfs__cgroup_unit(v2, buf, size))
			procfs__cgroup_unit(sd, buf, size);
	}
	free(text);
	return n < 0 ? n : 0;
}

static int parse_pid_name(const char *name)
{
	long v = 0;
	int i;

	for (i = 0; name[i]; i++) {
		if (name[i] < '0' || name[i] > '9' || i >= 9)
			return 0;
		v = v * 10 + (name[i] - '0');
	}
	return v > 0 && v <= INT_MAX ? (int)v : 0;
}

int procfs__for_each_pid(int (*fn)(int pid, void *arg), void *arg)
{
	struct dirent *de;
	long seen = 0;
	int err = 0;
	DIR *d;

	if (!fn)
		return -EINVAL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!err && seen < PROCFS_MAX_PIDS && (de = readdir(d))) {
		int pid = parse_pid_name(de->d_name);

		if (!pid)
			continue;
		seen++;
		err = fn(pid, arg);
	}
	closedir(d);
	return err;
}

static int ns_stat(int pid, const char *ns, struct stat *st)
{
	char path[64], file[32];
	int err;

	if (strcmp(ns, "net") && strcmp(ns, "pid") && strcmp(ns, "mnt") && strcmp(ns, "user") &&
	    strcmp(ns, "cgroup") && strcmp(ns, "uts") && strcmp(ns, "ipc"))
		return -EINVAL;
	snprintf(file, sizeof(file), "ns/%s", ns);
	err = proc_path(path, sizeof(path), pid, file);
	if (err)
		return err;
	return stat(path, st) ? -errno : 0;
}

int procfs__same_ns(int a, int b, const char *ns)
{
	struct stat sa, sb;
	int err;

	if (!ns)
		return -EINVAL;
	err = ns_stat(a, ns, &sa);
	if (!err)
		err = ns_stat(b, ns, &sb);
	if (err)
		return err;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

struct host_pid_ctx {
	struct stat ns;
	int ns_pid;
	int found;
};

static int host_pid_cb(int pid, void *arg)
{
	struct host_pid_ctx *c = arg;
	struct proc_status s;
	struct stat st;

	if (ns_stat(pid, "pid", &st) || st.st_dev != c->ns.st_dev || st.st_ino != c->ns.st_ino)
		return 0;
	if (procfs__status(pid, &s) || s.nnspid < 1 || s.nspid[s.nnspid - 1] != c->ns_pid)
		return 0;
	c->found = pid;
	return 1;
}

int procfs__host_pid(int ref_pid, int ns_pid)
{
	struct host_pid_ctx c = {.ns_pid = ns_pid};
	char path[64];

	if (ref_pid <= 0 || ns_pid <= 0)
		return 0;
	/* Same namespace as the tool: the number is already ours. */
	if (procfs__same_ns(0, ref_pid, "pid") == 1) {
		snprintf(path, sizeof(path), "/proc/%d", ns_pid);
		return access(path, F_OK) ? 0 : ns_pid;
	}
	if (ns_stat(ref_pid, "pid", &c.ns))
		return 0;
	procfs__for_each_pid(host_pid_cb, &c);
	return c.found;
}

struct owner_key {
	unsigned long inode;
	int idx;
};

struct owners_ctx {
	struct owner_key *keys;
	int n;
	int *pids;
};

static int key_cmp(const void *a, const void *b)
{
	const struct owner_key *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int owners_cb(int pid, void *arg)
{
	struct owners_ctx *c = arg;
	char path[64], link[64];
	struct dirent *de;
	int fd, nfds = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (nfds++ < PROCFS_MAX_FDS_PER_PID && (de = readdir(d))) {
		struct owner_key key, *hit;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (procfs__parse_socket_link(link, &key.inode))
			continue;
		hit = bsearch(&key, c->keys, c->n, sizeof(key), key_cmp);
		if (!hit)
			continue;
		/* Duplicate inodes in the request sit next to each other after sorting. */
		while (hit > c->keys && hit[-1].inode == key.inode)
			hit--;
		for (; hit < c->keys + c->n && hit->inode == key.inode; hit++)
			if (!c->pids[hit->idx] || pid < c->pids[hit->idx])
				c->pids[hit->idx] = pid;
	}
	closedir(d);
	return 0;
}

int procfs__socket_owners(const unsigned long *inodes, int n, int *pids)
{
	struct owners_ctx c;
	int i, found = 0, err;

	if (!inodes || !pids || n < 0)
		return -EINVAL;
	if (!n)
		return 0;
	c.keys = calloc(n, sizeof(*c.keys));
	if (!c.keys)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c.keys[i].inode = inodes[i];
		c.keys[i].idx = i;
		pids[i] = 0;
	}
	qsort(c.keys, n, sizeof(*c.keys), key_cmp);
	c.n = n;
	c.pids = pids;
	err = procfs__for_each_pid(owners_cb, &c);
	free(c.keys);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++)
		found += pids[i] != 0;
	return found;
}

static int sysctl_path(const char *name, char *path, size_t size)
{
	size_t i, n, base = strlen("/proc/sys/");

	if (!name || !name[0] || name[0] == '.')
		return -EINVAL;
	n = strlen(name);
	if (base + n >= size)
		return -ENAMETOOLONG;
	memcpy(path, "/proc/sys/", base);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c == '.') {
			if (name[i + 1] == '.' || !name[i + 1])
				return -EINVAL;
			c = '/';
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			return -EINVAL;
		}
		path[base + i] = c;
	}
	path[base + n] = '\0';
	return 0;
}

static long read_value(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

int procfs__sysctl(int pid, const char *name, char *buf, size_t size)
{
	char path[256], nspath[64];
	int err, nsfd, fds[2], status;
	size_t got = 0;
	pid_t child;

	if (pid < 0 || !buf || size < 2)
		return -EINVAL;
	err = sysctl_path(name, path, sizeof(path));
	if (err)
		return err;
	if (pid == 0 || procfs__same_ns(0, pid, "net") == 1)
		return read_value(path, buf, size);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	if (pipe2(fds, O_CLOEXEC)) {
		err = -errno;
		close(nsfd);
		return err;
	}
	/*
	 * /proc/sys/net shows the namespace of the task that opens it: a child
	 * joins pid's namespace so the tool itself never leaves its own.
	 */
	child = fork();
	if (child == 0) {
		char val[4096];
		ssize_t n;
		int fd;

		close(fds[0]);
		if (setns(nsfd, CLONE_NEWNET))
			_exit(errno & 0xff);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(errno & 0xff);
		n = read(fd, val, sizeof(val));
		if (n < 0)
			_exit(errno & 0xff);
		if (write(fds[1], val, n) != n)
			_exit(EIO);
		_exit(0);
	}
	err = child < 0 ? -errno : 0;
	close(nsfd);
	close(fds[1]);
	while (!err && got + 1 < size) {
		ssize_t n = read(fds[0], buf + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fds[0]);
	if (child > 0 && waitpid(child, &status, 0) == child &&
	    (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = WIFEXITED(status) ? -WEXITSTATUS(status) : -EIO;
	if (err)
		return err;
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		got--;
	buf[got] = '\0';
	return got;
}
