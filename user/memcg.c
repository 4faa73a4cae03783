// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "memcg.h"

#define WALK_DEPTH 8
#define WALK_DIRS  4096 /* directories looked at, in all */

/* The mount point of the cgroup2 tree, or of the v1 hierarchy holding "memory". */
static int mount_of(bool v2, char *buf, size_t size)
{
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (v2 ? strcmp(m->mnt_type, "cgroup2")
		       : strcmp(m->mnt_type, "cgroup") || !hasmntopt(m, "memory"))
			continue;
		if ((size_t)snprintf(buf, size, "%s", m->mnt_dir) < size)
			err = 0;
		break;
	}
	endmntent(f);
	return err;
}

/* Depth-first under dirfd; path[len..] gets "/name" on the way down. */
static int walk(int dir, uint64_t id, int depth, char *path, size_t len, size_t size, int *budget)
{
	DIR *d;
	struct dirent *e;
	int found = -ENOENT;

	if (depth > WALK_DEPTH)
		return -ENOENT;
	d = fdopendir(dir);
	if (!d) {
		close(dir);
		return -ENOENT;
	}
	while (found && (e = readdir(d))) {
		int fd, n;

		if (e->d_type != DT_DIR || e->d_name[0] == '.' || --*budget < 0)
			continue;
		n = snprintf(path + len, size - len, "/%s", e->d_name);
		if (n < 0 || (size_t)n >= size - len)
			continue;
		if (e->d_ino == id) {
			found = 0;
			break;
		}
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			found = walk(fd, id, depth + 1, path, len + n, size, budget);
	}
	if (found)
		path[len] = '\0';
	closedir(d);
	return found;
}

int memcg__path(uint64_t id, bool v2, char *buf, size_t size)
{
	char mnt[256];
	struct stat st;
	int fd, budget = WALK_DIRS, err;

	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	err = mount_of(v2, mnt, sizeof(mnt));
	if (err)
		return err;
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && st.st_ino == id) {
		close(fd);
		snprintf(buf, size, "/");
		return 0;
	}
	return walk(fd, id, 1, buf, 0, size, &budget);
}

const char *memcg__format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (!u || v >= 100 || v == (double)(uint64_t)v)
		snprintf(buf, size, "%.0f %s", v, units[u]);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}
