// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "ctarget.h"
#include "dockerapi.h"
#include "procfs.h"
#include "targets.h"

#define PODS_DIR "/var/log/pods" /* kubelet: NAMESPACE_POD_UID, one a pod */

#define SHORT_ID 12

int ctarget__v2_mount(char *buf, size_t size)
{
	char line[1024], dev[256], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(buf, size, "%s", dir);
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

int ctarget__path_within(const char *cg, const char *root)
{
	size_t n;

	if (!cg || !root)
		return 0;
	n = strlen(root);
	while (n && root[n - 1] == '/')
		n--;
	if (!n)
		return cg[0] == '/'; /* the root cgroup holds everything */
	return !strncmp(cg, root, n) && (cg[n] == '\0' || cg[n] == '/');
}

static void set_label(struct ctarget *c)
{
	const struct container_id *id = &c->cid;

	if (id->id[0] && c->name[0])
		snprintf(c->label, sizeof(c->label), "%s container %.100s (%.*s)",
			 container__runtime_name(id->runtime), c->name, SHORT_ID, id->id);
	else if (id->id[0])
		snprintf(c->label, sizeof(c->label), "%s container %.*s",
			 container__runtime_name(id->runtime), SHORT_ID, id->id);
	else if (id->pod_uid[0])
		snprintf(c->label, sizeof(c->label), "kubernetes pod %s", id->pod_uid);
	else
		snprintf(c->label, sizeof(c->label), "cgroup %.80s", c->path);
}

/* The cgroup's directory and the ones below it, breadth first, as many as the map holds. */
static void collect_ids(struct ctarget *c, const char *dir, int depth)
{
	struct dirent *de;
	struct stat st;
	char sub[PATH_MAX];
	DIR *d;

	if (stat(dir, &st))
		return;
	if (c->ncgroups >= CTARGET_MAX_CGROUPS) {
		c->truncated = 1;
		return;
	}
	c->cgroup_ids[c->ncgroups++] = st.st_ino;
	if (depth >= CTARGET_MAX_DEPTH)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		collect_ids(c, sub, depth + 1);
	}
	closedir(d);
}

/* c->mount and c->path set: check the directory, fill ids, container and label. */
static int finish(struct ctarget *c, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	struct statfs sfs;

	if (snprintf(dir, sizeof(dir), "%s%s", c->mount, c->path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (statfs(dir, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		if (c->cid.id[0]) {
			/* a container in cgroup v1 only: followed by its id (ctarget.h) */
			c->by_id = 1;
			c->ncgroups = 0;
			set_label(c);
			return 0;
		}
		snprintf(why, whylen, "no cgroup v2 directory %s", dir);
		return -ENOENT;
	}
	/* A container id the user did not give (--cgroup of a container): named all the same. */
	if (c->cid.runtime == CT_NONE)
		container__parse_path(c->path, &c->cid);
	c->ncgroups = 0;
	collect_ids(c, dir, 0);
	set_label(c);
	return 0;
}

static int init(struct ctarget *c, char *why, size_t whylen)
{
	memset(c, 0, sizeof(*c));
	if (ctarget__v2_mount(c->mount, sizeof(c->mount))) {
		snprintf(why, whylen,
			 "no cgroup v2 mount in /proc/self/mounts: --container and "
			 "--cgroup need cgroup v2");
		return -ENOENT;
	}
	return 0;
}

int ctarget__from_cgroup(const char *path, struct ctarget *out, char *why, size_t whylen)
{
	char full[PATH_MAX], real[PATH_MAX], mreal[PATH_MAX];
	size_t mlen;
	int err = init(out, why, whylen);

	if (err)
		return err;
	mlen = strlen(out->mount);
	/* absolute under the mount, or relative to it (with or without a leading '/') */
	if (!strncmp(path, out->mount, mlen) && (path[mlen] == '/' || !path[mlen]))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", out->mount, path + strspn(path, "/"));
	if (!realpath(full, real) || !realpath(out->mount, mreal)) {
		snprintf(why, whylen, "no cgroup %s under the cgroup v2 mount %s", path,
			 out->mount);
		return -ENOENT;
	}
	mlen = strlen(mreal);
	if (strncmp(real, mreal, mlen) || (real[mlen] && real[mlen] != '/')) {
		snprintf(why, whylen, "cgroup %s is not under the cgroup v2 mount %s", path,
			 out->mount);
		return -EINVAL;
	}
	snprintf(out->path, sizeof(out->path), "%s", real[mlen] ? real + mlen : "/");
	return finish(out, why, whylen);
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The cgroup of a process inside: its container's, or its own in a private pid namespace. */
static int from_pid(int pid, struct ctarget *out, char *why, size_t whylen)
{
	char cg[512];

	if (!container__of_pid(pid, &out->cid)) {
		snprintf(out->path, sizeof(out->path), "%s", out->cid.root_path);
		return finish(out, why, whylen);
	}
	memset(&out->cid, 0, sizeof(out->cid));
	if (procfs__cgroup_v2_path(pid, cg, sizeof(cg)) || !strcmp(cg, "/") ||
	    procfs__same_ns(0, pid, "pid") != 0) {
		snprintf(why, whylen,
			 "pid %d is not in a container (no container id in "
			 "/proc/%d/cgroup, and it shares the host's pid namespace)",
			 pid, pid);
		return -ESRCH;
	}
	snprintf(out->path, sizeof(out->path), "%s", cg);
	return finish(out, why, whylen);
}

struct match_ctx {
	const char *query;
	struct container_id first;
	int nmatch;
	int ambiguous;
	int by_pod;
};

static int match_cb(int pid, void *arg)
{
	struct match_ctx *m = arg;
	struct container_id c;

	if (container__of_pid(pid, &c) || !container__matches(&c, m->query))
		return 0;
	if (!m->nmatch++) {
		struct container_id id_only = c;

		/* the query names the pod (all its containers), not one of them */
		id_only.pod_uid[0] = '\0';
		m->first = c;
		m->by_pod = !container__matches(&id_only, m->query);
		return 0;
	}
	if (!m->by_pod && strcmp(c.id, m->first.id))
		m->ambiguous = 1;
	return 0;
}

/* NAMESPACE/POD: its uid from kubelet's log directory, then the pod's cgroup as for a uid. */
static int pod_uid_of(const char *query, char *uid, size_t size)
{
	const char *slash = strchr(query, '/');
	char prefix[256];
	struct dirent *de;
	size_t pl;
	DIR *d;
	int found = 0;

	if (!slash || slash == query || !slash[1] || strchr(slash + 1, '/') ||
	    snprintf(prefix, sizeof(prefix), "%.*s_%s_", (int)(slash - query), query, slash + 1) >=
		    (int)sizeof(prefix))
		return -EINVAL;
	pl = strlen(prefix);
	d = opendir(PODS_DIR);
	while (d && !found && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, pl) && de->d_name[pl] &&
		    !strchr(de->d_name + pl, '_')) {
			snprintf(uid, size, "%s", de->d_name + pl);
			found = 1;
		}
	if (d)
		closedir(d);
	return found ? 0 : -ENOENT;
}

static int match_query(const char *query, struct match_ctx *m)
{
	memset(m, 0, sizeof(*m));
	m->query = query;
	procfs__for_each_pid(match_cb, m);
	return m->nmatch;
}

/* A name the engine knows: docker's, through its API (-ENOENT: not a name anyone knows). */
static int by_docker_name(const char *query, struct ctarget *out, char *why, size_t whylen,
			  int *api_err)
{
	struct dockerapi_container dc;
	int err = dockerapi__inspect(query, &dc);

	*api_err = err;
	if (err)
		return -ENOENT;
	if (!dc.running || dc.pid <= 0) {
		snprintf(why, whylen, "docker container %s (%.12s) is not running", dc.name, dc.id);
		return -ESRCH;
	}
	err = from_pid(dc.pid, out, why, whylen);
	if (!err) {
		snprintf(out->name, sizeof(out->name), "%s", dc.name);
		set_label(out);
	}
	return err;
}

int ctarget__from_container(const char *query, struct ctarget *out, char *why, size_t whylen)
{
	struct match_ctx m = {.query = query};
	char proc[64];
	int err = init(out, why, whylen);

	if (err)
		return err;
	if (all_digits(query) && strlen(query) < 10) {
		snprintf(proc, sizeof(proc), "/proc/%s", query);
		if (!access(proc, F_OK))
			return from_pid(atoi(query), out, why, whylen);
	}
	procfs__for_each_pid(match_cb, &m);
	if (!m.nmatch) {
		char uid[64], sock[320], path[256];
		int api_err = 0;

		if (strchr(query, '/') && !pod_uid_of(query, uid, sizeof(uid)) &&
		    match_query(uid, &m)) {
			m.query = query;
		} else {
			err = strchr(query, '/')
				      ? -ENOENT
				      : by_docker_name(query, out, why, whylen, &api_err);
			if (err != -ENOENT)
				return err;
			init(out, why, whylen);
			if (api_err && api_err != -ENOENT && api_err != -EINVAL)
				snprintf(sock, sizeof(sock), "; no docker engine answers at %s",
					 dockerapi__socket(path, sizeof(path)));
			else
				sock[0] = '\0';
			snprintf(
				why, whylen,
				"no running container matches '%s' (give a container id or prefix, "
				"a docker name, NAMESPACE/POD, a pod uid, or the PID of a process "
				"inside%s)",
				query, sock);
			return -ENOENT;
		}
	}
	if (m.ambiguous) {
		snprintf(why, whylen, "'%s' matches more than one container: give more of the id",
			 query);
		return -EINVAL;
	}
	out->cid = m.first;
	snprintf(out->path, sizeof(out->path), "%s", m.first.root_path);
	if (m.by_pod && m.first.id[0]) {
		/* the container's directory is a child of the pod's */
		char *slash = strrchr(out->path, '/');

		if (slash && slash != out->path)
			*slash = '\0';
		out->cid.id[0] = '\0';
		out->cid.runtime = CT_K8S_POD;
	}
	return finish(out, why, whylen);
}

static int in_cgroup(int pid, void *arg)
{
	const struct ctarget *c = arg;
	char cg[512];

	return !procfs__cgroup_v2_path(pid, cg, sizeof(cg)) && ctarget__path_within(cg, c->path);
}

int ctarget__refresh(struct ctarget *c)
{
	char dir[PATH_MAX];

	if (c->by_id || snprintf(dir, sizeof(dir), "%s%s", c->mount, c->path) >= (int)sizeof(dir))
		return 0;
	c->ncgroups = 0;
	c->truncated = 0;
	collect_ids(c, dir, 0);
	return c->ncgroups;
}

static int in_container(int pid, void *arg)
{
	const struct ctarget *c = arg;
	struct container_id id;

	return !container__of_pid(pid, &id) && !strcmp(id.id, c->cid.id);
}

int ctarget__discover(const struct ctarget *c, struct targets *t)
{
	return targets__discover_in(t, c->by_id ? in_container : in_cgroup, (void *)c);
}
