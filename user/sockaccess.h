/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unix socket access: why a worker with given credentials can or cannot
 * connect to a socket path. Part of the sockstate API (sockstate.h includes
 * this header, hence the sockstate__ names); it lives apart because it looks
 * at files and permissions, not at the kernel's socket tables.
 */
#ifndef __SOCKACCESS_H
#define __SOCKACCESS_H

#include <stddef.h>
#include "procfs.h"
#include "rootfs.h"

enum sock_access_verdict {
	SOCK_ACCESS_OK,
	SOCK_ACCESS_MISSING,		/* the socket path does not exist */
	SOCK_ACCESS_NOT_SOCKET,		/* it exists but is no socket */
	SOCK_ACCESS_NO_WRITE,		/* the socket lacks write permission for the worker */
	SOCK_ACCESS_DIR_NO_SEARCH,	/* a parent directory lacks search ('x') permission */
	SOCK_ACCESS_PARENT_MISSING,	/* a parent directory does not exist (or is no directory) */
};

struct sock_access {
	int verdict;
	char path[256];			/* the socket, or the blocking directory */
	unsigned int uid, gid;		/* owner of path */
	unsigned int mode;		/* st_mode of path */
	char owner[64], group[64];	/* names from the root's /etc/passwd, /etc/group; "" if unknown */
	int acl;			/* path carries a POSIX ACL, which was used for the verdict */
};

/*
 * Why would a process with these credentials (fsuid/fsgid and groups) fail
 * to connect to the unix socket at path inside fs? Walks every directory
 * from "/" (search permission) then the socket (write permission), honouring
 * POSIX ACLs (php-fpm's listen.acl_users sets them); uid 0 has
 * CAP_DAC_OVERRIDE. 0 with out filled, or -errno when the walk itself failed.
 */
int sockstate__unix_access(const struct rootfs *fs, const char *path, const struct proc_status *who,
			   struct sock_access *out);
/* "0600 root:root" (numbers where names are unknown). */
const char *sockstate__describe_mode(const struct sock_access *a, char *buf, size_t size);
const char *sockstate__verdict_name(int verdict);

/*
 * Pure helpers of unix_access. acl_allows: 1 when the system.posix_acl_access
 * value grants want (a mask of 4 r, 2 w, 1 x) to who, 0 if not, -EINVAL on a
 * malformed value. id_name: the name of id in /etc/passwd or /etc/group text.
 */
int sockstate__acl_allows(const void *xattr, size_t len, unsigned int owner, unsigned int group,
			  const struct proc_status *who, int want);
int sockstate__id_name(const char *text, size_t len, unsigned int id, char *buf, size_t size);

#endif /* __SOCKACCESS_H */
