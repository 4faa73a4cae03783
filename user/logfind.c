// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nginx resolves its paths in this order, and so do we: the prefix is -p or
 * the compiled-in one; the config is -c or the compiled-in one, relative to
 * the prefix; error_log paths are relative to the prefix; when the main
 * context (config or -g) sets no error_log, nginx opens -e or its compiled-in
 * error log. The compiled-in values are in the binary as the text of its -h
 * help. Reading that text is safe inside a container, where running the
 * binary (nginx -V) is not (docs/DESIGN.md §8), so it is done the same way everywhere.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "logfind.h"
#include "ngxconf.h"
#include "procfs.h"
#include "rootfs.h"

#define CMDLINE_MAX 8192
#define MAX_ARGS    256
#define EXE_CHUNK   (1u << 20)
#define EXE_OVERLAP 1024 /* longer than marker + value: a match across chunks is seen whole */

/* Fallbacks when the binary cannot be read: Debian's and the official image's. */
#define DEF_CONF      "/etc/nginx/nginx.conf"
#define DEF_PREFIX    "/usr/share/nginx/"
#define DEF_ERROR_LOG "/var/log/nginx/error.log"

static void copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* A cut path would name another file: refuse it instead. */
static int join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * In the title form a -g value was split at its spaces: it runs to a piece
 * ending in ';' that is followed by an option or the end (nginx rejects a -g
 * whose last directive lacks its ';').
 */
static void take_globals(struct logfind_args *a, char **argv, int argc, int *i, const char *first,
			 int title)
{
	size_t len = 0;
	const char *piece = first;

	a->globals[0] = '\0';
	for (;;) {
		len += snprintf(a->globals + len, sizeof(a->globals) - len, "%s%s", len ? " " : "",
				piece);
		if (len >= sizeof(a->globals))
			len = sizeof(a->globals) - 1;
		if (!title || *i + 1 >= argc)
			break;
		if (ends_with(piece, ";") && argv[*i + 1][0] == '-')
			break;
		piece = argv[++*i];
	}
}

/* nginx's own option syntax: "-c FILE" or "-cFILE", flags may be grouped ("-tq"). */
static void parse_argv(struct logfind_args *a, char **argv, int argc, int title)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *p = argv[i];

		if (*p++ != '-')
			continue;
		for (; *p; p++) {
			const char *val;
			char opt = *p;

			if (!strchr("cpegs", opt))
				continue;
			if (p[1])
				val = p + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				break;
			if (opt == 'c')
				copy(a->conf, sizeof(a->conf), val, strlen(val));
			else if (opt == 'p')
				copy(a->prefix, sizeof(a->prefix), val, strlen(val));
			else if (opt == 'e')
				copy(a->error_log, sizeof(a->error_log), val, strlen(val));
			else if (opt == 'g')
				take_globals(a, argv, argc, &i, val, title);
			break;
		}
	}
}

int logfind__parse_cmdline(const char *raw, size_t len, struct logfind_args *a)
{
	static const char title_prefix[] = "nginx: ";
	static const char master[] = "master process ";
	char *buf, *argv[MAX_ARGS], *p, *end;
	int argc = 0, title;

	memset(a, 0, sizeof(*a));
	if (!raw || !len)
		return -EINVAL;
	if (len > CMDLINE_MAX)
		len = CMDLINE_MAX;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, raw, len);
	buf[len] = '\0';
	p = buf;
	end = buf + len;
	title = !strncmp(buf, title_prefix, sizeof(title_prefix) - 1);
	if (title) {
		/* The title ends at the first NUL: the rest of the old argv area is padding. */
		end = buf + strlen(buf);
		p += sizeof(title_prefix) - 1;
		if (strncmp(p, master, sizeof(master) - 1)) {
			free(buf);
			return -EINVAL; /* worker, cache manager, ... */
		}
		p += sizeof(master) - 1;
	}
	while (p < end && argc < MAX_ARGS) {
		char *sep = memchr(p, title ? ' ' : '\0', end - p);

		if (!sep)
			sep = end;
		*sep = '\0';
		if (*p)
			argv[argc++] = p;
		p = sep + 1;
	}
	parse_argv(a, argv, argc, title);
	a->master = 1;
	free(buf);
	return 0;
}

static int scan_one(const char *data, size_t len, const char *marker, char *out, size_t size)
{
	const char *m = memmem(data, len, marker, strlen(marker));
	const char *v, *e;

	if (!m)
		return 0;
	v = m + strlen(marker);
	for (e = v; e < data + len && *e != ')' && isprint((unsigned char)*e); e++)
		;
	/* A value cut by the end of the window or by a non-text byte is no value. */
	if (e == data + len || *e != ')' || e == v || (size_t)(e - v) >= size)
		return 0;
	copy(out, size, v, e - v);
	return 1;
}

int logfind__scan_defaults(const char *data, size_t len, char *conf, char *prefix, char *error_log,
			   size_t size)
{
	int n = 0;

	if (!data || !size)
		return 0;
	n += scan_one(data, len, "set configuration file (default: ", conf, size);
	n += scan_one(data, len, "set prefix path (default: ", prefix, size);
	n += scan_one(data, len, "set error log file (default: ", error_log, size);
	return n;
}

/* The compiled-in defaults from the master's binary, read (never run) through /proc/PID/exe. */
static void exe_defaults(int pid, char *conf, char *prefix, char *error_log, size_t size)
{
	char path[64], *buf;
	size_t have = 0, total = 0;
	int fd, found[3] = {0};

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(EXE_CHUNK + EXE_OVERLAP);
	while (buf && total < LOGFIND_MAX_EXE && !(found[0] && found[1] && found[2])) {
		ssize_t r = read(fd, buf + have, EXE_CHUNK + EXE_OVERLAP - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += r;
		total += r;
		if (!found[0])
			found[0] = scan_one(buf, have, "set configuration file (default: ", conf,
					    size);
		if (!found[1])
			found[1] = scan_one(buf, have, "set prefix path (default: ", prefix, size);
		if (!found[2])
			found[2] = scan_one(buf, have, "set error log file (default: ", error_log,
					    size);
		if (have > EXE_OVERLAP) {
			memmove(buf, buf + have - EXE_OVERLAP, EXE_OVERLAP);
			have = EXE_OVERLAP;
		}
	}
	free(buf);
	close(fd);
}

/* nginx adds the '/'; a relative -p is relative to the directory nginx was started in. */
static void set_prefix(int pid, const char *p, char *out, size_t size)
{
	char link[64], cwd[LOGFIND_PATH_MAX] = "";
	ssize_t n;

	if (p[0] != '/') {
		snprintf(link, sizeof(link), "/proc/%d/cwd", pid);
		n = readlink(link, cwd, sizeof(cwd) - 1);
		cwd[n > 0 ? n : 0] = '\0';
	}
	snprintf(out, size, "%s%s%s%s", cwd, cwd[0] && !ends_with(cwd, "/") ? "/" : "", p,
		 ends_with(p, "/") ? "" : "/");
}

static int is_special(const char *path)
{
	return !strcmp(path, "stderr") || !strncmp(path, "syslog:", 7) ||
	       !strncmp(path, "memory:", 7);
}

static int find_log(const struct logfind_result *out, const char *path)
{
	int i;

	for (i = 0; i < out->n; i++)
		if (!strcmp(out->logs[i].path, path))
			return i;
	return -1;
}

static int add_log(struct logfind_result *out, const struct rootfs *fs, const char *path,
		   const char *level)
{
	char full[LOGFIND_PATH_MAX];
	struct stat st;
	int i, err;

	if (!path || !*path)
		return -1;
	if (join(full, sizeof(full), is_special(path) || path[0] == '/' ? "" : out->prefix, path))
		return -1;
	i = find_log(out, full);
	if (i >= 0 || out->n >= LOGFIND_MAX_LOGS)
		return i;
	i = out->n++;
	strcpy(out->logs[i].path, full);
	snprintf(out->logs[i].level, sizeof(out->logs[i].level), "%s", level ? level : "error");
	out->logs[i].is_file = !is_special(full);
	if (out->logs[i].is_file && fs) {
		/* /dev/stderr, /dev/null, a FIFO: nothing a file follower can read. */
		err = rootfs__stat(fs, full, &st, 0);
		if ((!err && !S_ISREG(st.st_mode)) || err == -ELOOP)
			out->logs[i].is_file = 0;
	}
	return i;
}

static void add_conf_logs(struct logfind_result *out, const struct rootfs *fs,
			  const struct ngx_conf *c)
{
	const char *paths[LOGFIND_MAX_LOGS * 4], *levels[LOGFIND_MAX_LOGS * 4];
	int i, n = ngx_conf__error_logs(c, paths, levels, LOGFIND_MAX_LOGS * 4);

	for (i = 0; i < n; i++)
		add_log(out, fs, paths[i], levels[i]);
}

static int looks_like_error_log(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && ends_with(base + 1, "error.log");
}

/* The master's open files: confirms configured logs and finds the ones the config hides. */
static void scan_fds(int pid, struct logfind_result *out)
{
	char dir[64], fdpath[96], link[LOGFIND_PATH_MAX];
	struct dirent *de;
	int nfds = 0, i;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && nfds++ < PROCFS_MAX_FDS_PER_PID) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		ssize_t n;

		if (*end || end == de->d_name)
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%ld", dir, fd);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0 || n >= (ssize_t)sizeof(link) - 1)
			continue;
		link[n] = '\0';
		if (fd == 2 && (!strncmp(link, "pipe:", 5) || !strncmp(link, "socket:", 7))) {
			i = add_log(out, NULL, "stderr", "");
			if (i >= 0)
				out->logs[i].from_fd = 1;
			continue;
		}
		/* A deleted file is not at its path any more: nothing there to follow. */
		if (link[0] != '/' || ends_with(link, " (deleted)"))
			continue;
		i = find_log(out, link);
		if (i < 0 && looks_like_error_log(link))
			i = add_log(out, NULL, link, "");
		if (i >= 0)
			out->logs[i].from_fd = 1;
	}
	closedir(d);
}

/* A worker's title has no arguments: its parent is the master that has them. */
static int read_args(int *pid, struct logfind_args *a)
{
	struct proc_status st;
	char *raw;
	int tries, err = -EINVAL;
	long n;

	raw = malloc(CMDLINE_MAX);
	if (!raw)
		return -ENOMEM;
	for (tries = 0; tries < 2; tries++) {
		n = procfs__read(*pid, "cmdline", raw, CMDLINE_MAX);
		if (n < 0) {
			err = n;
			break;
		}
		err = logfind__parse_cmdline(raw, n, a);
		if (!err || tries || procfs__status(*pid, &st) || st.ppid <= 1)
			break;
		*pid = st.ppid;
	}
	free(raw);
	return err == -ENOENT ? -ESRCH : err;
}

int logfind__find(int master_pid, struct logfind_result *out)
{
	char def_conf[LOGFIND_PATH_MAX] = DEF_CONF, def_prefix[LOGFIND_PATH_MAX] = DEF_PREFIX;
	char def_log[LOGFIND_PATH_MAX] = DEF_ERROR_LOG;
	struct ngx_conf *c = NULL, *g = NULL;
	struct rootfs *fs = NULL;
	struct logfind_args a;
	int pid = master_pid, err;

	if (!out || master_pid <= 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = read_args(&pid, &a);
	if (err)
		return err;
	exe_defaults(pid, def_conf, def_prefix, def_log, sizeof(def_conf));
	set_prefix(pid, a.prefix[0] ? a.prefix : def_prefix, out->prefix, sizeof(out->prefix));
	if (!a.conf[0])
		strcpy(a.conf, def_conf);
	err = join(out->conf, sizeof(out->conf), a.conf[0] == '/' ? "" : out->prefix, a.conf);
	if (err)
		return err;

	/* with the master's rights: never read for it what its owner could not */
	fs = rootfs__of_pid(pid);
	if (!fs) {
		err = -errno;
		goto out;
	}
	/* -g is parsed before the config file, in the main context. */
	if (a.globals[0]) {
		g = ngx_conf__parse_text(a.globals, strlen(a.globals), "-g");
		add_conf_logs(out, fs, g);
	}
	c = ngx_conf__load(fs, out->conf);
	if (!c)
		err = errno ? -errno : -ENOENT;
	add_conf_logs(out, fs, c);
	/* Only a config we could read tells that its main context sets no log. */
	if (c && !ngx_conf__effective(g, NULL, "error_log", NULL, NULL) &&
	    !ngx_conf__effective(c, NULL, "error_log", NULL, NULL))
		add_log(out, fs, a.error_log[0] ? a.error_log : def_log, "error");
	scan_fds(pid, out);
out:
	ngx_conf__free(g);
	ngx_conf__free(c);
	rootfs__free(fs);
	return out->n ? 0 : err ? err : -ENOENT;
}
