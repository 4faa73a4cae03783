// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "rootfs.h"

#define SAVED_GROUPS_MAX 1024

struct rootfs {
	int dirfd; /* O_PATH fd of the root */
	int host;
	int has_cred;
	struct rootfs_cred cred;
	char root[256];
};

/* The tool's own fs credentials while a target's are in force. */
struct saved_cred {
	int active;
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[SAVED_GROUPS_MAX];
};

static void cred_leave(struct saved_cred *sv)
{
	if (!sv->active)
		return;
	/* back to the tool's own: its fs capabilities return with fsuid 0 */
	setfsuid(sv->fsuid);
	setfsgid(sv->fsgid);
	syscall(SYS_setgroups, sv->ngroups, sv->groups);
	sv->active = 0;
}

/*
 * Take the target's fs credentials on this thread (the raw setgroups system
 * call changes the calling thread alone, unlike glibc's). A root target
 * needs no switch. Fails closed: -EPERM when any part did not take.
 */
static int cred_enter(const struct rootfs *fs, struct saved_cred *sv)
{
	const struct rootfs_cred *c = &fs->cred;

	sv->active = 0;
	if (!fs->has_cred || c->uid == 0)
		return 0;
	sv->ngroups = getgroups(SAVED_GROUPS_MAX, sv->groups);
	if (sv->ngroups < 0)
		return -errno;
	sv->fsuid = setfsuid((uid_t)-1);
	sv->fsgid = setfsgid((gid_t)-1);
	sv->active = 1;
	if (syscall(SYS_setgroups, c->ngroups, c->groups)) {
		int err = -errno;

		cred_leave(sv);
		return err;
	}
	setfsgid(c->gid);
	setfsuid(c->uid);
	if ((gid_t)setfsgid((gid_t)-1) != c->gid || (uid_t)setfsuid((uid_t)-1) != c->uid) {
		cred_leave(sv);
		return -EPERM;
	}
	return 0;
}

struct rootfs *rootfs__new_as(const char *root, const struct rootfs_cred *cred)
{
	struct rootfs *fs = rootfs__new(root);

	if (fs && cred) {
		fs->cred = *cred;
		if (fs->cred.ngroups < 0 || fs->cred.ngroups > ROOTFS_MAX_GROUPS)
			fs->cred.ngroups = 0; /* fewer groups: fewer rights, never more */
		fs->has_cred = 1;
	}
	return fs;
}

const struct rootfs_cred *rootfs__cred(const struct rootfs *fs)
{
	return fs && fs->has_cred ? &fs->cred : NULL;
}

struct rootfs *rootfs__new(const char *root)
{
	struct rootfs *fs;

	if (!root || strlen(root) >= sizeof(fs->root)) {
		errno = EINVAL;
		return NULL;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->host = !strcmp(root, "/");
	snprintf(fs->root, sizeof(fs->root), "%s", root);
	fs->dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		free(fs);
		return NULL;
	}
	return fs;
}

void rootfs__free(struct rootfs *fs)
{
	if (!fs)
		return;
	close(fs->dirfd);
	free(fs);
}

int rootfs__is_host(const struct rootfs *fs)
{
	return fs && fs->host;
}

const char *rootfs__root(const struct rootfs *fs)
{
	return fs ? fs->root : "/";
}

static int resolve_open(const struct rootfs *fs, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct saved_cred sv;
	int fd, err;

	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	err = cred_enter(fs, &sv);
	if (err)
		return err;
	fd = syscall(SYS_openat2, fs->dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS && fs->host) {
		/* openat2 needs 5.6; on the host a plain open is the same thing. */
		fd = openat(fs->dirfd, path, flags | O_CLOEXEC);
	}
	err = fd < 0 ? -errno : fd;
	cred_leave(&sv);
	return err;
}

int rootfs__open(const struct rootfs *fs, const char *path, int flags)
{
	if (!fs || !path)
		return -EINVAL;
	return resolve_open(fs, path, flags);
}

int rootfs__open_file(const struct rootfs *fs, const char *path)
{
	struct stat st;
	int fd;

	if (!fs || !path)
		return -EINVAL;
	fd = resolve_open(fs, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

int rootfs__stat(const struct rootfs *fs, const char *path, struct stat *st, int nofollow)
{
	int fd, err = 0;

	if (!fs || !path || !st)
		return -EINVAL;
	fd = resolve_open(fs, path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return fd;
	if (fstat(fd, st))
		err = -errno;
	close(fd);
	return err;
}

long rootfs__read_file(const struct rootfs *fs, const char *path, size_t max, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf, *nbuf;
	ssize_t n;
	int fd;

	*out = NULL;
	fd = rootfs__open_file(fs, path);
	if (fd < 0)
		return fd;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return (long)len;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rootfs__glob(const struct rootfs *fs, const char *pattern, char ***out, int max)
{
	char dir[4096], **list;
	const char *slash, *base;
	struct dirent *de;
	int fd, n = 0;
	DIR *d;

	*out = NULL;
	if (!fs || !pattern || max <= 0)
		return -EINVAL;
	if (!strpbrk(pattern, "*?[")) {
		struct stat st;

		if (rootfs__stat(fs, pattern, &st, 0))
			return 0;
		list = calloc(1, sizeof(*list));
		if (!list || !(list[0] = strdup(pattern))) {
			free(list);
			return -ENOMEM;
		}
		*out = list;
		return 1;
	}
	slash = strrchr(pattern, '/');
	base = slash ? slash + 1 : pattern;
	if (slash) {
		if ((size_t)(slash - pattern) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, pattern, slash - pattern);
		dir[slash - pattern] = '\0';
		if (!dir[0])
			strcpy(dir, "/");
	} else {
		strcpy(dir, ".");
	}
	if (strpbrk(dir, "*?["))
		return -EINVAL;
	fd = rootfs__open(fs, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	list = calloc(max, sizeof(*list));
	if (!list) {
		closedir(d);
		return -ENOMEM;
	}
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		if (fnmatch(base, de->d_name, FNM_PERIOD))
			continue;
		if (asprintf(&list[n], "%s%s%s", slash ? dir : "",
			     slash && strcmp(dir, "/") ? "/" : "", de->d_name) < 0) {
			list[n] = NULL;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(list, n, sizeof(*list), cmp_str);
	*out = list;
	return n;
}

void rootfs__free_list(char **list, int n)
{
	int i;

	if (!list)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
