// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tail -F for one error log. Two files may be open at once: "cur", the file
 * now at the path, and "prev", the one rotated away from it, which nginx keeps
 * writing to until its processes reopen their logs (USR1 after logrotate's
 * "create", or never for a deleted file). prev is read until it has been
 * quiet for LOGFOLLOW_LINGER_MS, so the lines written in that window are not
 * lost. Each file has its own partial-line buffer: a line is assembled only
 * from the bytes of the file it was written to.
 *
 * inotify only says *when* to look; every poll re-checks the state itself
 * (offsets, sizes, which inode is at the path), so a lost or coalesced event,
 * a queue overflow or a timer-driven call all end in the same right answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "logfollow.h"
#include "rootfs.h"

#define CHUNK_SIZE  (64u << 10)
#define FILE_EVENTS (IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)
#define DIR_EVENTS  (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_ONLYDIR)

struct lf_file {
	int fd;	   /* -1: not open */
	int wd;	   /* inotify watch, -1 when none */
	off_t off; /* next byte to read */
	dev_t dev;
	ino_t ino;
	unsigned long long grown_ms; /* last time it had new bytes (or became prev) */
	char *pend;		     /* partial line, max_line + 1 bytes */
	size_t plen;
	int skip; /* inside an over-long line already reported: drop to '\n' */
};

struct logfollow {
	const struct rootfs *fs;
	void (*on_line)(void *ctx, const char *line, size_t len, int truncated);
	void *ctx;
	size_t max_line;
	int ifd;
	int wd_dir;
	int check_path; /* something may have happened at the path: look there */
	struct lf_file cur, prev;
	char *chunk;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_in_root(const struct logfollow *lf, const char *path, int flags)
{
	int fd;

	if (lf->fs)
		return rootfs__open(lf->fs, path, flags);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Watch what fd refers to through /proc/self/fd: inotify_add_watch takes a
 * path, and re-resolving the container path from the host would escape its
 * root. On the host, fall back to the path itself when /proc is missing.
 */
static int watch_fd(const struct logfollow *lf, int fd, const char *path, unsigned int mask)
{
	char link[64];
	int wd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(lf->ifd, link, mask);
	if (wd < 0 && (!lf->fs || rootfs__is_host(lf->fs)))
		wd = inotify_add_watch(lf->ifd, path, mask);
	return wd;
}

static void emit(struct logfollow *lf, const char *line, size_t len, int truncated)
{
	if (lf->on_line)
		lf->on_line(lf->ctx, line, len, truncated);
}

/* Split data into lines; data must have one writable byte past len. Returns the lines reported. */
static int file_feed(struct logfollow *lf, struct lf_file *f, char *data, size_t len)
{
	int n = 0;

	while (len) {
		char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;

		if (f->skip) {
			if (nl)
				f->skip = 0;
		} else if (!f->plen && nl && seg <= lf->max_line) {
			/* The common case: a whole line inside the chunk, no copy. */
			*nl = '\0';
			emit(lf, data, seg, 0);
			n++;
		} else {
			size_t room = lf->max_line - f->plen;
			size_t take = seg < room ? seg : room;

			memcpy(f->pend + f->plen, data, take);
			f->plen += take;
			if (seg > room) {
				/* Report the head now: holding the line until its end would be
				 * unbounded. */
				f->pend[f->plen] = '\0';
				emit(lf, f->pend, f->plen, 1);
				n++;
				f->plen = 0;
				f->skip = !nl;
			} else if (nl) {
				f->pend[f->plen] = '\0';
				emit(lf, f->pend, f->plen, 0);
				n++;
				f->plen = 0;
			}
		}
		if (!nl)
			break;
		len -= seg + 1;
		data = nl + 1;
	}
	return n;
}

/* A partial line that can never be completed (file closed or truncated) is still a line. */
static int file_flush(struct logfollow *lf, struct lf_file *f)
{
	int n = 0;

	if (f->plen) {
		f->pend[f->plen] = '\0';
		emit(lf, f->pend, f->plen, 0);
		n = 1;
	}
	f->plen = 0;
	f->skip = 0;
	return n;
}

/* Read f from its offset to its end (at most LOGFOLLOW_MAX_READ). *eof: the end was reached. */
static int file_drain(struct logfollow *lf, struct lf_file *f, int *eof)
{
	size_t total = 0;
	struct stat st;
	int n = 0;

	*eof = 0;
	if (fstat(f->fd, &st))
		return -errno;
	if (st.st_size < f->off) {
		/* copytruncate: what was left of the file is gone, its new content starts at 0. */
		n += file_flush(lf, f);
		f->off = 0;
	}
	while (total < LOGFOLLOW_MAX_READ) {
		ssize_t r = pread(f->fd, lf->chunk, CHUNK_SIZE, f->off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			*eof = 1;
			break;
		}
		f->off += r;
		total += r;
		f->grown_ms = now_ms();
		n += file_feed(lf, f, lf->chunk, r);
	}
	return n;
}

static int file_close(struct logfollow *lf, struct lf_file *f)
{
	int n = 0;

	if (f->fd < 0)
		return 0;
	n = file_flush(lf, f);
	if (f->wd >= 0)
		inotify_rm_watch(lf->ifd, f->wd);
	close(f->fd);
	f->fd = -1;
	f->wd = -1;
	return n;
}

/* Open the path as a file to follow; -EINVAL when it is not a regular file. */
static int open_log(struct logfollow *lf, struct stat *st)
{
	int fd = open_in_root(lf, lf->path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return fd;
	if (fstat(fd, st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* A FIFO or device at the path is not a log we may read: it would steal nginx's data. */
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static void file_attach(struct logfollow *lf, struct lf_file *f, int fd, const struct stat *st)
{
	f->fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->off = 0;
	f->plen = 0;
	f->skip = 0;
	f->grown_ms = now_ms();
	f->wd = watch_fd(lf, fd, lf->path, FILE_EVENTS);
}

/* A different file at the path: finish the old one's data, then read the new one from 0. */
static int check_path(struct logfollow *lf)
{
	struct lf_file *c = &lf->cur, *p = &lf->prev, tmp;
	struct stat st;
	int fd, n = 0, r, eof;

	fd = open_log(lf, &st);
	if (fd < 0)
		return 0; /* gone or replaced by a non-file: keep reading what nginx still has open
			   */
	if ((st.st_dev == c->dev && st.st_ino == c->ino) ||
	    (p->fd >= 0 && st.st_dev == p->dev && st.st_ino == p->ino)) {
		close(fd);
		return 0;
	}
	if (p->fd >= 0) {
		/* Two rotations inside the linger time: the oldest file cannot get new lines now.
		 */
		r = file_drain(lf, p, &eof);
		n += r > 0 ? r : 0;
		n += file_close(lf, p);
	}
	tmp = *p;
	*p = *c;
	p->grown_ms = now_ms();
	*c = tmp;
	file_attach(lf, c, fd, &st);
	r = file_drain(lf, c, &eof);
	if (r < 0)
		return r;
	return n + r;
}

static void read_events(struct logfollow *lf)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int got = 0;

	for (;;) {
		ssize_t len = read(lf->ifd, buf, sizeof(buf));
		char *p;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		got = 1;
		for (p = buf; p + sizeof(*ev) <= buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				lf->check_path = 1;
			else if (ev->wd == lf->wd_dir)
				lf->check_path |= ev->len && !strcmp(ev->name, lf->base);
			else if (ev->mask & ~IN_MODIFY)
				lf->check_path = 1;
		}
	}
	/* Called with no event: a timer tick, or watches could not be set. Look at everything. */
	if (!got)
		lf->check_path = 1;
}

int logfollow__poll(struct logfollow *lf)
{
	int n = 0, r, eof;

	if (!lf)
		return -EINVAL;
	read_events(lf);
	if (lf->prev.fd >= 0) {
		r = file_drain(lf, &lf->prev, &eof);
		/* A read error on a file rotated away only ends it early. */
		if (r < 0 || now_ms() - lf->prev.grown_ms >= LOGFOLLOW_LINGER_MS)
			n += file_close(lf, &lf->prev);
		n += r > 0 ? r : 0;
	}
	r = file_drain(lf, &lf->cur, &eof);
	if (r < 0)
		return r;
	n += r;
	/* Only switch once the current file is read to its end: its last lines come first. */
	if (eof && lf->check_path) {
		lf->check_path = 0;
		r = check_path(lf);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static int split_path(struct logfollow *lf, const char *path)
{
	const char *slash;
	size_t dlen;

	if (!path || !*path || strlen(path) >= sizeof(lf->path))
		return -EINVAL;
	strcpy(lf->path, path);
	slash = strrchr(path, '/');
	if (!slash) {
		strcpy(lf->dir, ".");
		slash = path - 1;
	} else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		memcpy(lf->dir, path, dlen);
		lf->dir[dlen] = '\0';
	}
	if (strlen(slash + 1) >= sizeof(lf->base))
		return -ENAMETOOLONG;
	strcpy(lf->base, slash + 1);
	return 0;
}

/* Start at the end, and if that is mid-line, skip the rest of it: its head was old. */
static int seek_end(struct logfollow *lf, const struct stat *st)
{
	struct lf_file *f = &lf->cur;
	char last;
	ssize_t r;

	f->off = st->st_size;
	if (!f->off)
		return 0;
	r = pread(f->fd, &last, 1, f->off - 1);
	if (r < 0)
		return -errno;
	f->skip = r == 1 && last != '\n';
	return 0;
}

struct logfollow *logfollow__new(const char *path, const struct logfollow_opts *opts)
{
	struct logfollow *lf;
	struct stat st;
	int err, fd, dfd;

	lf = calloc(1, sizeof(*lf));
	if (!lf) {
		errno = ENOMEM;
		return NULL;
	}
	lf->ifd = lf->wd_dir = -1;
	lf->cur.fd = lf->cur.wd = lf->prev.fd = lf->prev.wd = -1;
	if (opts) {
		lf->fs = opts->fs;
		lf->on_line = opts->on_line;
		lf->ctx = opts->ctx;
		lf->max_line = opts->max_line;
	}
	if (!lf->max_line)
		lf->max_line = LOGFOLLOW_DEF_LINE;
	if (lf->max_line > LOGFOLLOW_MAX_LINE)
		lf->max_line = LOGFOLLOW_MAX_LINE;
	err = split_path(lf, path);
	if (err)
		goto fail;
	lf->chunk = malloc(CHUNK_SIZE + 1);
	lf->cur.pend = malloc(lf->max_line + 1);
	lf->prev.pend = malloc(lf->max_line + 1);
	if (!lf->chunk || !lf->cur.pend || !lf->prev.pend) {
		err = -ENOMEM;
		goto fail;
	}
	lf->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (lf->ifd < 0) {
		err = -errno;
		goto fail;
	}
	fd = open_log(lf, &st);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	file_attach(lf, &lf->cur, fd, &st);
	err = seek_end(lf, &st);
	if (err)
		goto fail;
	/* Without watches (inotify limits) the caller's timer still drives us: not fatal. */
	dfd = open_in_root(lf, lf->dir, O_PATH | O_DIRECTORY);
	if (dfd >= 0) {
		lf->wd_dir = watch_fd(lf, dfd, lf->dir, DIR_EVENTS);
		close(dfd);
	}
	return lf;
fail:
	logfollow__free(lf);
	errno = -err;
	return NULL;
}

void logfollow__free(struct logfollow *lf)
{
	if (!lf)
		return;
	/* Closing reports no partial line: the caller is going away. */
	if (lf->prev.fd >= 0)
		close(lf->prev.fd);
	if (lf->cur.fd >= 0)
		close(lf->cur.fd);
	if (lf->ifd >= 0)
		close(lf->ifd);
	free(lf->prev.pend);
	free(lf->cur.pend);
	free(lf->chunk);
	free(lf);
}

int logfollow__fd(const struct logfollow *lf)
{
	return lf ? lf->ifd : -EINVAL;
}
