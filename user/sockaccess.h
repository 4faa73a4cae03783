/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unix socket access: why a worker with given credentials can or cannot
 * connect to a socket path, and the names of the ids that own it, as the
 * worker's root names them. It looks at files and permissions; the kernel's
 * socket tables are sockstate.h.
 */
#ifndef __SOCKACCESS_H
#define __SOCKACCESS_H

#include <stddef.h>
#include "procfs.h"
#include "rootfs.h"

enum sock_access_verdict {
	SOCK_ACCESS_OK,
	SOCK_ACCESS_MISSING,	    /* the socket path does not exist */
	SOCK_ACCESS_NOT_SOCKET,	    /* it exists but is no socket */
	SOCK_ACCESS_NO_WRITE,	    /* the socket lacks write permission for the worker */
	SOCK_ACCESS_DIR_NO_SEARCH,  /* a parent directory lacks search ('x') permission */
	SOCK_ACCESS_PARENT_MISSING, /* a parent directory does not exist (or is no directory) */
};

struct sock_access {
	int verdict;
	char path[256];	       /* the socket, or the blocking directory */
	unsigned int uid, gid; /* owner of path */
	unsigned int mode;     /* st_mode of path */
	char owner[64],
		group[64]; /* names from the root's /etc/passwd, /etc/group; "" if unknown */
	int acl;	   /* path carries a POSIX ACL, which was used for the verdict */
};

/*
 * Why would a process with these credentials (fsuid/fsgid and groups) fail
 * to connect to the unix socket at path inside fs? Walks every directory
 * from "/" (search permission) then the socket (write permission), honouring
 * POSIX ACLs (php-fpm's listen.acl_users sets them); uid 0 has
 * CAP_DAC_OVERRIDE. 0 with out filled, or -errno when the walk itself failed.
 */
int sockaccess__unix_access(const struct rootfs *fs, const char *path,
			    const struct proc_status *who, struct sock_access *out);
/* "0600 root:root" (numbers where names are unknown). */
const char *sockaccess__describe_mode(const struct sock_access *a, char *buf, size_t size);
/* The owner (is_group: the group) of a->path by name, or its number when the name is unknown. */
const char *sockaccess__owner(const struct sock_access *a, int is_group, char *buf, size_t size);

/*
 * The name of uid (is_group: gid) id as a process in fs sees it: fs's
 * /etc/passwd (/etc/group), then, when fs is the host's root, the host's NSS.
 * 0 with the name in buf; -ENOENT with the number in buf when no name is
 * known (or fs is NULL); -EINVAL when buf is NULL or size 0.
 */
int sockaccess__id_name(const struct rootfs *fs, int is_group, unsigned int id, char *buf,
			size_t size);

/*
 * Pure helpers of unix_access. acl_allows: 1 when the system.posix_acl_access
 * value grants want (a mask of 4 r, 2 w, 1 x) to who, 0 if not, -EINVAL on a
 * malformed value. parse_id_name: the name of id in /etc/passwd or /etc/group
 * text, 0 or -ENOENT.
 */
int sockaccess__acl_allows(const void *xattr, size_t len, unsigned int owner, unsigned int group,
			   const struct proc_status *who, int want);
int sockaccess__parse_id_name(const char *text, size_t len, unsigned int id, char *buf,
			      size_t size);

#endif /* __SOCKACCESS_H */
