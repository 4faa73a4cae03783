// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include "ngx502.skel.h"
#include "pin.h"
#include "tracer.h"

#define BPFFS	    "/sys/fs/bpf"
#define MAX_CREATED 8 /* directories of DIR made by pin__all */
#define MAX_PROGS   64
#define MAX_DUPS    64 /* link_<prog>_1 .. _63: one program on many sites */

/* What this process did to the host besides pinning, undone by pin__remove. */
static bool mounted_bpffs;
static char *created[MAX_CREATED];
static int ncreated;
static bool maps_pinned;

struct prog_ids {
	__u32 id[MAX_PROGS];
	const char *name[MAX_PROGS];
	int n;
};

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

static bool under_bpffs_root(const char *dir)
{
	size_t n = strlen(BPFFS);

	return !strncmp(dir, BPFFS, n) && (dir[n] == '/' || !dir[n]);
}

/* mkdir -p, remembering what was made so that pin__remove leaves no trace. */
static int make_dir(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir), i;

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i])
			continue;
		path[i] = '\0';
		if (!mkdir(path, 0700)) {
			if (ncreated < MAX_CREATED)
				created[ncreated++] = strdup(path);
		} else if (errno != EEXIST) {
			return -errno;
		}
		path[i] = dir[i];
	}
	return 0;
}

static int mount_bpffs_for(const char *dir)
{
	if (!under_bpffs_root(dir) || on_bpffs(BPFFS))
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, NULL))
		return -errno;
	mounted_bpffs = true;
	return 0;
}

/* bpf_preload's iterators, present in every fresh bpffs mount */
static bool is_preload(const char *name)
{
	return !strcmp(name, "maps.debug") || !strcmp(name, "progs.debug");
}

static void undo_host_changes(void)
{
	DIR *d;
	struct dirent *de;
	bool empty = true;

	/* innermost first; rmdir refuses what is not empty, which is what we want */
	while (ncreated > 0) {
		ncreated--;
		rmdir(created[ncreated]);
		free(created[ncreated]);
	}
	if (!mounted_bpffs)
		return;
	/* someone else may have pinned there meanwhile: unmounting would drop their objects */
	d = opendir(BPFFS);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && !is_preload(de->d_name))
			empty = false;
	if (d)
		closedir(d);
	if (empty && !umount2(BPFFS, 0))
		mounted_bpffs = false;
}

static int pin_map(struct bpf_map *map, const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (bpf_obj_pin(bpf_map__fd(map), path))
		return -errno;
	return 0;
}

static void load_prog_ids(struct tracer *tr, struct prog_ids *ids)
{
	struct bpf_program *prog;

	ids->n = 0;
	bpf_object__for_each_program(prog, tracer__skel(tr)->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || ids->n >= MAX_PROGS || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		ids->id[ids->n] = info.id;
		ids->name[ids->n++] = bpf_program__name(prog);
	}
}

/* The full C name of the link's program (the kernel keeps only 15 bytes of it). */
static const char *link_prog_name(struct bpf_link *link, const struct prog_ids *ids)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return NULL;
	for (int i = 0; i < ids->n; i++)
		if (ids->id[i] == info.prog_id)
			return ids->name[i];
	return NULL;
}

/*
 * link_<prog>, or link_<prog>_N when that program is attached at several
 * places (bpffs refuses dots in names).
 */
static int pin_link(struct bpf_link *link, const char *dir, const char *prog)
{
	char path[PATH_MAX];
	int n, err = -EEXIST;

	for (n = 0; n < MAX_DUPS && err == -EEXIST; n++) {
		if ((n ? snprintf(path, sizeof(path), "%s/link_%s_%d", dir, prog, n)
		       : snprintf(path, sizeof(path), "%s/link_%s", dir, prog)) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		if (!access(path, F_OK))
			continue;
		err = bpf_link__pin(link, path);
	}
	return err;
}

static int pin_links(struct tracer *tr, const char *dir)
{
	struct prog_ids ids;
	struct bpf_link *link;
	const char *prog;
	int i, err;

	load_prog_ids(tr, &ids);
	for (i = 0; (link = tracer__link(tr, i)); i++) {
		if (bpf_link__pin_path(link))
			continue;
		prog = link_prog_name(link, &ids);
		err = pin_link(link, dir, prog ? prog : "unknown");
		if (err) {
			fprintf(stderr, "ngx502-trace: failed to pin the link of %s under %s: %s\n",
				prog ? prog : "a program", dir, strerror(-err));
			return err;
		}
	}
	return 0;
}

int pin__busy(const char *dir)
{
	char path[PATH_MAX];

	if (!on_bpffs(dir) || snprintf(path, sizeof(path), "%s/events", dir) >= (int)sizeof(path))
		return 0;
	return !access(path, F_OK);
}

static int pin_maps(struct tracer *tr, const char *dir)
{
	struct ngx502_bpf *s = tracer__skel(tr);
	int err;

	err = mount_bpffs_for(dir);
	if (err) {
		fprintf(stderr, "ngx502-trace: failed to mount bpffs at " BPFFS ": %s\n",
			strerror(-err));
		return err;
	}
	err = make_dir(dir);
	if (err) {
		fprintf(stderr, "ngx502-trace: failed to create %s: %s\n", dir, strerror(-err));
		return err;
	}
	if (!on_bpffs(dir)) {
		fprintf(stderr,
			"ngx502-trace: %s is not on a bpf filesystem "
			"(mount -t bpf bpf DIR, or use a DIR under " BPFFS ")\n",
			dir);
		return -EINVAL;
	}
	/* events first: it is the claim on DIR, and the kernel refuses a second one */
	err = pin_map(s->maps.events, dir, "events");
	if (err == -EEXIST) {
		fprintf(stderr,
			"ngx502-trace: %s/events is pinned already: another ngx502-trace "
			"--pin owns %s (ngx502-trace --unpin %s if it is gone)\n",
			dir, dir, dir);
		return -EBUSY;
	}
	if (err) {
		fprintf(stderr, "ngx502-trace: failed to pin %s/events: %s\n", dir, strerror(-err));
		return err;
	}
	maps_pinned = true;
	err = pin_map(s->maps.targets, dir, "targets");
	if (!err)
		err = pin_map(s->maps.stats, dir, "stats");
	if (err)
		fprintf(stderr, "ngx502-trace: failed to pin the maps under %s: %s\n", dir,
			strerror(-err));
	return err;
}

int pin__all(struct tracer *tr, const char *dir)
{
	bool first = !maps_pinned;
	int err = 0;

	if (first)
		err = pin_maps(tr, dir);
	if (!err)
		err = pin_links(tr, dir);
	if (err && first) {
		/* leave nothing half-pinned; another owner's DIR is not ours to touch */
		if (maps_pinned)
			pin__remove(dir);
		else
			undo_host_changes();
	}
	return err;
}

static bool is_ours(const char *name)
{
	return !strcmp(name, "events") || !strcmp(name, "targets") || !strcmp(name, "stats") ||
	       !strncmp(name, "link_", 5);
}

int pin__remove(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0, err = 0;

	d = opendir(dir);
	if (!d) {
		err = errno == ENOENT ? 0 : -errno;
		if (err)
			fprintf(stderr, "ngx502-trace: failed to open %s: %s\n", dir,
				strerror(-err));
		goto out;
	}
	/* never unlink anything outside a bpf filesystem, whatever DIR names */
	if (!on_bpffs(dir)) {
		fprintf(stderr, "ngx502-trace: %s is not on a bpf filesystem: nothing to unpin\n",
			dir);
		err = -EINVAL;
		goto out;
	}
	while ((de = readdir(d))) {
		if (!is_ours(de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0)) {
			err = -errno;
			fprintf(stderr, "ngx502-trace: failed to unpin %s/%s: %s\n", dir,
				de->d_name, strerror(-err));
			continue;
		}
		n++;
	}
out:
	if (d)
		closedir(d);
	maps_pinned = false;
	undo_host_changes();
	return err ? err : n;
}
