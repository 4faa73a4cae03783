// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The files of a process as it sees them, with its owner's rights: the one
 * way the tool reads a target's configuration and logs (docs/DESIGN.md §8,
 * "What the tool reads, and as whom").
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include "procfs.h"
#include "rootfs.h"

int rootfs__same_root(int pid)
{
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	if (stat(path, &a) || stat("/proc/self/root", &b))
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

struct rootfs *rootfs__of_pid(int pid)
{
	struct rootfs_cred cred = {};
	struct proc_status st;
	char root[64];
	int i, err;

	if (pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	err = procfs__status(pid, &st);
	if (err) {
		errno = -err;
		return NULL;
	}
	cred.uid = st.uid[3];
	cred.gid = st.gid[3];
	for (i = 0; i < st.ngroups && i < ROOTFS_MAX_GROUPS; i++)
		cred.groups[cred.ngroups++] = st.groups[i];
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	return rootfs__new_as(rootfs__same_root(pid) ? "/" : root, &cred);
}
