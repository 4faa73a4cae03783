// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "logfind.h"
#include "logfollow.h"
#include "logs.h"
#include "rootfs.h"

struct followed {
	struct logs *owner;
	struct logfollow *lf;
	struct rootfs *fs;
	int root_pid;
	char path[LOGFIND_PATH_MAX];
};

struct logs {
	void (*on_line)(void *ctx, const char *line, size_t len, int root_pid);
	void *ctx;
	int n;
	struct followed f[LOGS_MAX];
};

struct logs *logs__new(void (*on_line)(void *ctx, const char *line, size_t len, int root_pid),
		       void *ctx)
{
	struct logs *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->on_line = on_line;
	l->ctx = ctx;
	return l;
}

void logs__free(struct logs *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++) {
		logfollow__free(l->f[i].lf);
		rootfs__free(l->f[i].fs);
	}
	free(l);
}

static void line_cb(void *ctx, const char *line, size_t len, int truncated)
{
	struct followed *f = ctx;

	(void)truncated; /* a cut line is still a line; the parser copes */
	f->owner->on_line(f->owner->ctx, line, len, f->root_pid);
}

int logs__follow(struct logs *l, const char *path, int root_pid)
{
	struct logfollow_opts opts = {.on_line = line_cb};
	struct followed *f;

	for (int i = 0; i < l->n; i++)
		if (l->f[i].root_pid == root_pid && !strcmp(l->f[i].path, path))
			return 0;
	if (l->n >= LOGS_MAX)
		return -ENOSPC;
	f = &l->f[l->n];
	memset(f, 0, sizeof(*f));
	f->owner = l;
	f->root_pid = root_pid;
	opts.ctx = f;
	if (root_pid) {
		/* the master's root and its owner's rights */
		f->fs = rootfs__of_pid(root_pid);
		if (!f->fs)
			return -errno;
		opts.fs = f->fs;
	}
	f->lf = logfollow__new(path, &opts);
	if (!f->lf) {
		int err = -errno;

		rootfs__free(f->fs);
		return err;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	l->n++;
	return 0;
}

int logs__follow_master(struct logs *l, int master_pid)
{
	struct logfind_result *r = calloc(1, sizeof(*r));
	int i, n = 0;

	if (!r)
		return -ENOMEM;
	if (!logfind__find(master_pid, r))
		for (i = 0; i < r->n; i++)
			if (r->logs[i].is_file && !logs__follow(l, r->logs[i].path, master_pid))
				n++;
	free(r);
	return n;
}

void logs__poll(struct logs *l)
{
	for (int i = 0; i < l->n; i++)
		logfollow__poll(l->f[i].lf);
}

int logs__count(const struct logs *l)
{
	return l->n;
}

const char *logs__path(const struct logs *l, int i)
{
	return i >= 0 && i < l->n ? l->f[i].path : NULL;
}
