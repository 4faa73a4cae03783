// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Why a worker cannot connect to a unix socket: a walk from "/" checking
 * search permission on every directory and write permission on the socket,
 * by mode bits or by POSIX ACL as the kernel would, with owner and group
 * names read from the process's own root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "sockaccess.h"

#define ACL_TAG_USER_OBJ  0x01
#define ACL_TAG_USER	  0x02
#define ACL_TAG_GROUP_OBJ 0x04
#define ACL_TAG_GROUP	  0x08
#define ACL_TAG_MASK	  0x10
#define ACL_TAG_OTHER	  0x20

static int in_group(const struct proc_status *who, unsigned int gid)
{
	int i;

	if (who->gid[3] == gid)
		return 1;
	for (i = 0; i < who->ngroups && i < PROC_STATUS_MAX_GROUPS; i++)
		if (who->groups[i] == gid)
			return 1;
	return 0;
}

static unsigned int le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static unsigned int le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned int)p[3] << 24;
}

/* The POSIX.1e access check, as the kernel's posix_acl_permission() does it. */
int sockaccess__acl_allows(const void *xattr, size_t len, unsigned int owner, unsigned int group,
			   const struct proc_status *who, int want)
{
	const unsigned char *a = xattr;
	int user_obj = -1, group_obj = -1, other = -1, mask = 7, matched = 0;
	size_t i, n;

	if (!a || !who || len < 4 || (len - 4) % 8 || le32(a) != 2)
		return -EINVAL;
	n = (len - 4) / 8;
	for (i = 0; i < n; i++) {
		const unsigned char *e = a + 4 + 8 * i;
		int tag = le16(e), perm = le16(e + 2) & 7;

		if (tag == ACL_TAG_USER_OBJ)
			user_obj = perm;
		else if (tag == ACL_TAG_GROUP_OBJ)
			group_obj = perm;
		else if (tag == ACL_TAG_OTHER)
			other = perm;
		else if (tag == ACL_TAG_MASK)
			mask = perm;
	}
	if (user_obj < 0 || group_obj < 0 || other < 0)
		return -EINVAL;
	if (who->uid[3] == owner)
		return (user_obj & want) == want;
	for (i = 0; i < n; i++) {
		const unsigned char *e = a + 4 + 8 * i;

		if (le16(e) == ACL_TAG_USER && le32(e + 4) == who->uid[3])
			return (int)(le16(e + 2) & mask & want) == want;
	}
	if (in_group(who, group)) {
		matched = 1;
		if ((group_obj & mask & want) == want)
			return 1;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *e = a + 4 + 8 * i;

		if (le16(e) == ACL_TAG_GROUP && in_group(who, le32(e + 4))) {
			matched = 1;
			if ((int)(le16(e + 2) & mask & want) == want)
				return 1;
		}
	}
	if (matched)
		return 0;
	return (other & want) == want;
}

static int mode_allows(const struct stat *st, const struct proc_status *who, int want)
{
	int m = st->st_mode;

	if (who->uid[3] == st->st_uid)
		m >>= 6;
	else if (in_group(who, st->st_gid))
		m >>= 3;
	return (m & want) == want;
}

/* stat and ACL of one path through a single O_PATH descriptor, so both describe the same file. */
static int inspect(const struct rootfs *fs, const char *path, struct stat *st,
		   const struct proc_status *who, int want, int *allowed, int *acl)
{
	unsigned char xattr[4096];
	char fdpath[64];
	ssize_t n;
	int fd, r;

	fd = rootfs__open(fs, path, O_PATH);
	if (fd < 0)
		return fd;
	if (fstat(fd, st)) {
		r = -errno;
		close(fd);
		return r;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	n = getxattr(fdpath, "system.posix_acl_access", xattr, sizeof(xattr));
	close(fd);
	*acl = 0;
	/* CAP_DAC_OVERRIDE: root searches and writes regardless of mode and ACL. */
	if (who->uid[3] == 0) {
		*allowed = 1;
		return 0;
	}
	r = n > 0 ? sockaccess__acl_allows(xattr, n, st->st_uid, st->st_gid, who, want) : -EINVAL;
	if (r >= 0) {
		*acl = 1;
		*allowed = r;
	} else {
		*allowed = mode_allows(st, who, want);
	}
	return 0;
}

/* The decimal id field of a passwd/group line, [s, end): no sign, no overflow. */
static int parse_id(const char *s, const char *end, unsigned int *out)
{
	unsigned int v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (~0U - (*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int sockaccess__parse_id_name(const char *text, size_t len, unsigned int id, char *buf, size_t size)
{
	size_t off = 0, llen;
	const char *line;

	if (!text || !buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	while ((line = procfs__line(text, len, &off, &llen))) {
		const char *c1 = memchr(line, ':', llen), *c2, *idp, *end = line + llen;
		unsigned int v;
		size_t i, nlen;

		if (!c1 || c1 == line || line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue;
		c2 = memchr(c1 + 1, ':', end - c1 - 1);
		if (!c2)
			continue;
		idp = c2 + 1;
		end = memchr(idp, ':', line + llen - idp);
		if (!end || parse_id(idp, end, &v) || v != id)
			continue;
		nlen = c1 - line;
		if (nlen >= size)
			continue;
		for (i = 0; i < nlen; i++)
			if ((unsigned char)line[i] <= 0x20 || line[i] == 0x7f)
				break;
		if (i < nlen)
			continue;
		memcpy(buf, line, nlen);
		buf[nlen] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* Names as the process sees them: its root's /etc files first, the host's NSS only on the host. */
int sockaccess__id_name(const struct rootfs *fs, int is_group, unsigned int id, char *buf,
			size_t size)
{
	char *text = NULL, nss[4096];
	long n;

	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	n = fs ? rootfs__read_file(fs, is_group ? "/etc/group" : "/etc/passwd", 1 << 20, &text)
	       : -EINVAL;
	if (n >= 0)
		sockaccess__parse_id_name(text, n, id, buf, size);
	free(text);
	if (!buf[0] && fs && rootfs__is_host(fs)) {
		if (is_group) {
			struct group gr, *res = NULL;

			if (!getgrgid_r(id, &gr, nss, sizeof(nss), &res) && res)
				snprintf(buf, size, "%s", res->gr_name);
		} else {
			struct passwd pw, *res = NULL;

			if (!getpwuid_r(id, &pw, nss, sizeof(nss), &res) && res)
				snprintf(buf, size, "%s", res->pw_name);
		}
	}
	if (buf[0])
		return 0;
	snprintf(buf, size, "%u", id);
	return -ENOENT;
}

static void set_result(const struct rootfs *fs, struct sock_access *out, int verdict,
		       const char *path, const struct stat *st)
{
	out->verdict = verdict;
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (!st)
		return;
	out->uid = st->st_uid;
	out->gid = st->st_gid;
	out->mode = st->st_mode;
	/* "" where the name is unknown */
	if (sockaccess__id_name(fs, 0, st->st_uid, out->owner, sizeof(out->owner)))
		out->owner[0] = '\0';
	if (sockaccess__id_name(fs, 1, st->st_gid, out->group, sizeof(out->group)))
		out->group[0] = '\0';
}

int sockaccess__unix_access(const struct rootfs *fs, const char *path,
			    const struct proc_status *who, struct sock_access *out)
{
	char cur[sizeof(out->path)] = "/";
	size_t clen = 1;
	const char *p = path;
	struct stat st;
	int allowed, acl, err;

	if (!fs || !path || !who || !out || path[0] != '/')
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strlen(path) >= sizeof(cur))
		return -ENAMETOOLONG;
	p += strspn(p, "/");
	if (!*p)
		return -EINVAL;
	for (;;) {
		size_t n = strcspn(p, "/");
		int last = !p[n + strspn(p + n, "/")];

		/* cur is a directory the kernel must search to reach p. */
		err = inspect(fs, cur, &st, who, 1, &allowed, &acl);
		if (err == -ENOENT || err == -ENOTDIR || (!err && !S_ISDIR(st.st_mode))) {
			set_result(fs, out, SOCK_ACCESS_PARENT_MISSING, cur, err ? NULL : &st);
			return 0;
		}
		if (err)
			return err;
		if (!allowed) {
			set_result(fs, out, SOCK_ACCESS_DIR_NO_SEARCH, cur, &st);
			out->acl = acl;
			return 0;
		}
		if (clen > 1)
			cur[clen++] = '/';
		memcpy(cur + clen, p, n);
		clen += n;
		cur[clen] = '\0';
		if (last)
			break;
		p += n;
		p += strspn(p, "/");
	}
	err = inspect(fs, cur, &st, who, 2, &allowed, &acl);
	if (err == -ENOENT || err == -ENOTDIR) {
		set_result(fs, out, SOCK_ACCESS_MISSING, cur, NULL);
		return 0;
	}
	if (err)
		return err;
	if (!S_ISSOCK(st.st_mode))
		set_result(fs, out, SOCK_ACCESS_NOT_SOCKET, cur, &st);
	else
		set_result(fs, out, allowed ? SOCK_ACCESS_OK : SOCK_ACCESS_NO_WRITE, cur, &st);
	out->acl = acl;
	return 0;
}

const char *sockaccess__owner(const struct sock_access *a, int is_group, char *buf, size_t size)
{
	const char *name = is_group ? a->group : a->owner;

	if (name[0])
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%u", is_group ? a->gid : a->uid);
	return buf;
}

const char *sockaccess__describe_mode(const struct sock_access *a, char *buf, size_t size)
{
	char u[sizeof(a->owner)], g[sizeof(a->group)];

	if (!buf || !size)
		return "";
	if (!a) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, "%04o %s:%s%s", a->mode & 07777, sockaccess__owner(a, 0, u, sizeof(u)),
		 sockaccess__owner(a, 1, g, sizeof(g)), a->acl ? " +acl" : "");
	return buf;
}
