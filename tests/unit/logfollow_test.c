// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * logfollow against real files in a temporary directory, doing to them what
 * logrotate and nginx do: rename + create + late writes to the old file,
 * copytruncate, delete + recreate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/logfollow.h"
#include "../../user/rootfs.h"

#define MAX_LINES 128

struct got {
	int n;
	char line[MAX_LINES][64];
	size_t len[MAX_LINES];
	int trunc[MAX_LINES];
};

static void on_line(void *ctx, const char *line, size_t len, int truncated)
{
	struct got *g = ctx;

	if (g->n >= MAX_LINES)
		return;
	memcpy(g->line[g->n], line, len < 63 ? len : 63);
	g->line[g->n][len < 63 ? len : 63] = '\0';
	g->len[g->n] = len;
	g->trunc[g->n] = truncated;
	g->n++;
}

/* How many reported lines equal s: every line must come exactly once. */
static int count(const struct got *g, const char *s)
{
	int i, c = 0;

	for (i = 0; i < g->n; i++)
		c += !strcmp(g->line[i], s);
	return c;
}

static char tmpdir[256];

static const char *mkpath(char *buf, const char *name)
{
	snprintf(buf, 512, "%s/%s", tmpdir, name);
	return buf;
}

static void put(const char *path, const char *data, size_t len, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("     cannot write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void append(const char *path, const char *s)
{
	put(path, s, strlen(s), O_APPEND);
}

static void setup(const char *name)
{
	char cmd[300];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			printf("     cannot clean %s\n", tmpdir);
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/logfollow_%s_XXXXXX", name);
	if (!mkdtemp(tmpdir))
		printf("     mkdtemp: %s\n", strerror(errno));
}

static struct logfollow *follow(const char *path, struct got *g, size_t max_line)
{
	struct logfollow_opts o = {.on_line = on_line, .ctx = g, .max_line = max_line};

	memset(g, 0, sizeof(*g));
	return logfollow__new(path, &o);
}

UNIT_TEST(appended_lines_reported_once)
{
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("append");
	append(mkpath(p, "error.log"), "old 1\nold 2\n");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	CHECK_INT(logfollow__poll(lf), 0);
	append(p, "one\ntwo\n");
	CHECK_INT(logfollow__poll(lf), 2);
	CHECK_INT(logfollow__poll(lf), 0);
	append(p, "three\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.line[0], "one");
	CHECK_STR(g.line[1], "two");
	CHECK_STR(g.line[2], "three");
	CHECK_INT(count(&g, "old 1"), 0);
	logfollow__free(lf);
}

UNIT_TEST(start_mid_line_skips_its_rest)
{
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("midline");
	append(mkpath(p, "error.log"), "old\nhalf of an old li");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	append(p, "ne\nnew\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_STR(g.line[0], "new");
	logfollow__free(lf);
}

UNIT_TEST(partial_line_waits_for_its_end)
{
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("partial");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	append(p, "2024/01/01 00:00:00 [error] 1#1: con");
	CHECK_INT(logfollow__poll(lf), 0);
	append(p, "nect() failed\nsecond");
	CHECK_INT(logfollow__poll(lf), 1);
	append(p, "\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.len[0], strlen("2024/01/01 00:00:00 [error] 1#1: connect() failed"));
	CHECK_STR(g.line[1], "second");
	logfollow__free(lf);
}

UNIT_TEST(inotify_fd_wakes_up)
{
	struct pollfd pfd;
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("wake");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	pfd = (struct pollfd){.fd = logfollow__fd(lf), .events = POLLIN};
	CHECK_INT(poll(&pfd, 1, 0), 0);
	append(p, "x\n");
	CHECK_INT(poll(&pfd, 1, 1000), 1);
	CHECK_INT(logfollow__poll(lf), 1);
	logfollow__free(lf);
}

UNIT_TEST(rename_rotation_then_new_file)
{
	char p[512], old[512];
	struct logfollow *lf;
	struct got g;

	setup("rename");
	append(mkpath(p, "error.log"), "before start\n");
	mkpath(old, "error.log.1");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	append(p, "a1\n");
	CHECK_INT(logfollow__poll(lf), 1);
	/* logrotate: rename; nginx still writes to the old file until USR1. */
	CHECK_INT(rename(p, old), 0);
	append(old, "a2\n");
	CHECK_INT(logfollow__poll(lf), 1);
	append(p, "b1\n");	   /* "create" + the first writer after reopening */
	append(old, "a3 partial"); /* a worker that has not reopened yet */
	CHECK_INT(logfollow__poll(lf), 1);
	append(old, " done\n");
	append(p, "b2\n");
	CHECK_INT(logfollow__poll(lf), 2);
	CHECK_INT(logfollow__poll(lf), 0);
	CHECK_INT(g.n, 5);
	CHECK_INT(count(&g, "a1") + count(&g, "a2") + count(&g, "b1") + count(&g, "b2"), 4);
	CHECK_INT(count(&g, "a3 partial done"), 1);
	CHECK_INT(count(&g, "before start"), 0);
	logfollow__free(lf);
}

UNIT_TEST(rotation_seen_only_on_timer)
{
	char p[512], old[512];
	struct logfollow *lf;
	struct got g;

	/* The switch happens in one poll even when the events were read by another. */
	setup("timer");
	append(mkpath(p, "error.log"), "");
	mkpath(old, "error.log.1");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	CHECK_INT(rename(p, old), 0);
	CHECK_INT(logfollow__poll(lf), 0); /* renamed, nothing at the path yet */
	append(old, "late\n");
	append(p, "new\n");
	CHECK_INT(logfollow__poll(lf), 2);
	CHECK_INT(count(&g, "late"), 1);
	CHECK_INT(count(&g, "new"), 1);
	logfollow__free(lf);
}

UNIT_TEST(copytruncate_restarts_from_zero)
{
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("copytrunc");
	append(mkpath(p, "error.log"), "old old old old\n");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	append(p, "first\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(truncate(p, 0), 0);
	append(p, "after\n"); /* shorter than what we had read */
	CHECK_INT(logfollow__poll(lf), 1);
	append(p, "more\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.line[1], "after");
	CHECK_STR(g.line[2], "more");
	logfollow__free(lf);
}

UNIT_TEST(delete_and_recreate)
{
	char p[512];
	struct logfollow *lf;
	struct got g;
	int wfd;

	setup("delete");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	wfd = open(p, O_WRONLY | O_APPEND); /* nginx's fd survives the unlink */
	CHECK_INT(unlink(p), 0);
	CHECK_INT(write(wfd, "orphan\n", 7), 7);
	CHECK_INT(logfollow__poll(lf), 1);
	append(p, "reborn\n");
	CHECK_INT(write(wfd, "orphan 2\n", 9), 9);
	CHECK_INT(logfollow__poll(lf), 2);
	close(wfd);
	append(p, "reborn 2\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 4);
	CHECK_INT(count(&g, "orphan") + count(&g, "orphan 2"), 2);
	CHECK_INT(count(&g, "reborn") + count(&g, "reborn 2"), 2);
	logfollow__free(lf);
}

UNIT_TEST(megabyte_line_is_cut_and_flagged)
{
	size_t big = 1u << 20;
	char p[512], *buf;
	struct logfollow *lf;
	struct got g;

	setup("long");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	buf = malloc(big);
	if (!lf || !buf)
		goto out;
	memset(buf, 'A', big);
	put(p, buf, big / 2, O_APPEND);
	CHECK_INT(logfollow__poll(lf), 1); /* reported at the cap, not held to the end */
	put(p, buf, big / 2, O_APPEND);
	append(p, "\nshort\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.len[0], LOGFOLLOW_DEF_LINE);
	CHECK_INT(g.trunc[0], 1);
	CHECK_STR(g.line[1], "short");
	CHECK_INT(g.trunc[1], 0);
out:
	free(buf);
	logfollow__free(lf);
}

UNIT_TEST(line_of_exactly_max_line_is_whole)
{
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("exact");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 8);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	append(p, "12345678\n123456789\n1234");
	CHECK_INT(logfollow__poll(lf), 2);
	append(p, "5678");
	CHECK_INT(logfollow__poll(lf), 0);
	append(p, "\n");
	CHECK_INT(logfollow__poll(lf), 1);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.line[0], "12345678");
	CHECK_INT(g.trunc[0], 0);
	CHECK_STR(g.line[1], "12345678");
	CHECK_INT(g.trunc[1], 1);
	CHECK_STR(g.line[2], "12345678");
	CHECK_INT(g.trunc[2], 0);
	logfollow__free(lf);
}

UNIT_TEST(nul_and_binary_bytes_pass_through)
{
	static const char data[] = "a\0b\xff\x01\x7f\r\nnext\n";
	char p[512];
	struct logfollow *lf;
	struct got g;

	setup("binary");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	put(p, data, sizeof(data) - 1, O_APPEND);
	CHECK_INT(logfollow__poll(lf), 2);
	CHECK_INT(g.len[0], 7);
	CHECK(!memcmp(g.line[0], "a\0b\xff\x01\x7f\r", 7), "bytes changed");
	CHECK_STR(g.line[1], "next");
	logfollow__free(lf);
}

UNIT_TEST(many_rotations_in_a_row)
{
	char p[512], old[512], s[64];
	struct logfollow *lf;
	struct got g;
	int i, ok = 1;

	setup("many");
	append(mkpath(p, "error.log"), "");
	lf = follow(p, &g, 0);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (!lf)
		return;
	for (i = 0; i < 30; i++) {
		snprintf(s, sizeof(s), "in %d\n", i);
		append(p, s);
		snprintf(s, sizeof(s), "error.log.%d", i);
		CHECK_INT(rename(p, mkpath(old, s)), 0);
		snprintf(s, sizeof(s), "late %d\n", i);
		append(old, s);
		append(p, "");
		logfollow__poll(lf);
	}
	append(p, "last\n");
	logfollow__poll(lf);
	for (i = 0; i < 30; i++) {
		snprintf(s, sizeof(s), "in %d", i);
		ok &= count(&g, s) == 1;
		snprintf(s, sizeof(s), "late %d", i);
		ok &= count(&g, s) == 1;
	}
	CHECK(ok, "a line was lost or doubled");
	CHECK_INT(count(&g, "last"), 1);
	CHECK_INT(g.n, 61);
	logfollow__free(lf);
}

UNIT_TEST(open_errors_allocate_nothing)
{
	char p[512];
	struct got g;

	setup("errors");
	errno = 0;
	CHECK(follow(mkpath(p, "missing.log"), &g, 0) == NULL, "missing file opened");
	CHECK_INT(errno, ENOENT);
	CHECK(follow(tmpdir, &g, 0) == NULL, "directory opened");
	CHECK_INT(errno, EINVAL);
	CHECK(mkfifo(mkpath(p, "fifo"), 0600) == 0, "mkfifo: %s", strerror(errno));
	CHECK(follow(p, &g, 0) == NULL, "fifo opened");
	CHECK_INT(errno, EINVAL);
	CHECK(follow("", &g, 0) == NULL, "empty path opened");
	CHECK_INT(errno, EINVAL);
}

UNIT_TEST(container_root_is_a_jail)
{
	struct logfollow_opts o = {.on_line = on_line};
	char p[512], old[512];
	struct logfollow *lf;
	struct pollfd pfd;
	struct rootfs *fs;
	struct got g;

	setup("root");
	memset(&g, 0, sizeof(g));
	o.ctx = &g;
	CHECK_INT(mkdir(mkpath(p, "log"), 0755), 0);
	append(mkpath(p, "log/error.log"), "");
	CHECK_INT(symlink("/etc/hostname", mkpath(p, "log/escape.log")), 0);
	fs = rootfs__new(tmpdir);
	CHECK(fs != NULL, "rootfs: %s", strerror(errno));
	if (!fs)
		return;
	o.fs = fs;
	/* An absolute symlink inside the root points inside the root, where there is nothing. */
	CHECK(logfollow__new("/log/escape.log", &o) == NULL, "followed a host file");
	CHECK_INT(errno, ENOENT);
	lf = logfollow__new("/log/error.log", &o);
	CHECK(lf != NULL, "new: %s", strerror(errno));
	if (lf) {
		mkpath(p, "log/error.log");
		append(p, "in container\n");
		CHECK_INT(logfollow__poll(lf), 1);
		CHECK_INT(rename(p, mkpath(old, "log/error.log.1")), 0);
		CHECK_INT(logfollow__poll(lf), 0);
		/* Only the directory watch (set through /proc/self/fd) can report the new file. */
		pfd = (struct pollfd){.fd = logfollow__fd(lf), .events = POLLIN};
		CHECK_INT(poll(&pfd, 1, 0), 0);
		append(p, "rotated\n");
		CHECK_INT(poll(&pfd, 1, 1000), 1);
		CHECK_INT(logfollow__poll(lf), 1);
		CHECK_INT(count(&g, "in container"), 1);
		CHECK_INT(count(&g, "rotated"), 1);
		logfollow__free(lf);
	}
	rootfs__free(fs);
}

int main(void)
{
	char cmd[300];
	int ret = unit_main();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (tmpdir[0] && system(cmd))
		printf("cannot remove %s\n", tmpdir);
	return ret;
}
