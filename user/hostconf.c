// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Config of the nginx masters and php-fpm masters of this host, cached. No
 * process is ever started: every file is read by our own readers, with the
 * credentials of the master it belongs to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "clock.h"
#include "fpmconf.h"
#include "hostconf.h"
#include "logfind.h"
#include "ngxconf.h"
#include "procfs.h"
#include "rootfs.h"

#define CMDLINE_MAX	 8192
#define CHILDREN_MAX	 (512u << 10)
#define FPM_MASTER_TITLE "php-fpm: master process ("
#define FPM_POOL_TITLE	 "php-fpm: pool "
#define MAX_INSTALLED	 16

struct hostconf {
	struct hostconf_opts opts;
	struct hostconf_nginx ngx[HOSTCONF_MAX_NGINX];
	uint64_t ngx_ts[HOSTCONF_MAX_NGINX]; /* when loaded; 0 for a seeded entry */
	int nngx;
	struct hostconf_fpm fpm[HOSTCONF_MAX_FPM];
	int nfpm, nseeded;
	int trimmed; /* the total cap was hit */
	int fpm_warned[HOSTCONF_MAX_FPM], nfpm_warned;
	uint64_t fpm_ts; /* last scan, 0 for never */
};

struct hostconf *hostconf__new(const struct hostconf_opts *opts)
{
	struct hostconf *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	if (opts)
		hc->opts = *opts;
	return hc;
}

static void fpm_clear(struct hostconf_fpm *f)
{
	fpm_conf__free(f->conf);
	memset(f, 0, sizeof(*f));
}

void hostconf__free(struct hostconf *hc)
{
	int i;

	if (!hc)
		return;
	for (i = 0; i < hc->nngx; i++)
		ngx_conf__free(hc->ngx[i].conf);
	for (i = 0; i < hc->nfpm; i++)
		fpm_clear(&hc->fpm[i]);
	free(hc);
}

static int proc_stat(int pid, const char *what, struct stat *st)
{
	char path[64];

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", what);
	return stat(path, st) ? -errno : 0;
}

/* Where running its binary is what the host admin would do: our root, our mounts. */
static int on_host(int pid)
{
	return rootfs__same_root(pid) && procfs__same_ns(pid, 0, "mnt") == 1;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* --- nginx ---------------------------------------------------------------- */

static void warn(struct hostconf *hc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct hostconf *hc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!hc->opts.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hc->opts.warn(hc->opts.ctx, msg);
}

/*
 * Keep all parsed nginx configurations under HOSTCONF_MAX_MEM: drop the
 * oldest others (they are read again when a diagnosis needs them).
 */
static void nginx_trim(struct hostconf *hc, const struct hostconf_nginx *keep)
{
	size_t total;
	int i, victim;

	for (;;) {
		uint64_t oldest = UINT64_MAX;

		total = 0;
		victim = -1;
		for (i = 0; i < hc->nngx; i++) {
			total += ngx_conf__memory(hc->ngx[i].conf);
			if (&hc->ngx[i] != keep && hc->ngx[i].conf && hc->ngx_ts[i] &&
			    hc->ngx_ts[i] < oldest) {
				oldest = hc->ngx_ts[i];
				victim = i;
			}
		}
		if (total <= HOSTCONF_MAX_MEM || victim < 0)
			return;
		if (!hc->trimmed++)
			warn(hc,
			     "nginx configurations take more than %u MiB together: the oldest "
			     "are dropped and read again when needed",
			     HOSTCONF_MAX_MEM >> 20);
		ngx_conf__free(hc->ngx[victim].conf);
		hc->ngx[victim].conf = NULL;
		hc->ngx_ts[victim] = 1; /* stale: read again on the next use */
	}
}

/* 1 when a limit on php-fpm master pid's configuration was already told. */
static int fpm_warned(struct hostconf *hc, int pid)
{
	int i;

	for (i = 0; i < hc->nfpm_warned; i++)
		if (hc->fpm_warned[i] == pid)
			return 1;
	if (hc->nfpm_warned < HOSTCONF_MAX_FPM)
		hc->fpm_warned[hc->nfpm_warned++] = pid;
	return 0;
}

static void nginx_load(struct hostconf *hc, struct hostconf_nginx *n, int pid)
{
	struct logfind_result *lf = malloc(sizeof(*lf));
	struct logfind_args a = {};
	struct rootfs *fs;
	char *raw = malloc(CMDLINE_MAX);
	long len;

	int warned = n->pid == pid && n->warned;

	ngx_conf__free(n->conf);
	memset(n, 0, sizeof(*n));
	n->pid = pid;
	n->warned = warned;
	n->host = on_host(pid);
	procfs__unit(pid, n->unit, sizeof(n->unit));
	len = raw ? procfs__read(pid, "cmdline", raw, CMDLINE_MAX) : -ENOMEM;
	if (len < 0 || logfind__parse_cmdline(raw, len, &a))
		memset(&a, 0, sizeof(a));
	snprintf(n->arg_prefix, sizeof(n->arg_prefix), "%s", a.prefix);
	snprintf(n->arg_conf, sizeof(n->arg_conf), "%s", a.conf);
	/* the main file as nginx finds it: -p, -c, the defaults compiled into its binary */
	if (lf && (logfind__find(pid, lf) >= 0 || lf->conf[0]))
		snprintf(n->conf_path, sizeof(n->conf_path), "%s", lf->conf);
	if (n->conf_path[0]) {
		fs = rootfs__of_pid(pid);
		n->conf = fs ? ngx_conf__load(fs, n->conf_path) : NULL;
		rootfs__free(fs);
	}
	if (ngx_conf__limit(n->conf) && !n->warned++)
		warn(hc, "nginx master %d: configuration %s read in part: %s", pid, n->conf_path,
		     ngx_conf__limit(n->conf));
	free(raw);
	free(lf);
}

static struct hostconf_nginx *nginx_slot(struct hostconf *hc, int pid, int *fresh)
{
	uint64_t oldest = UINT64_MAX;
	int i, victim = -1;

	*fresh = 0;
	for (i = 0; i < hc->nngx; i++)
		if (hc->ngx[i].pid == pid)
			return &hc->ngx[i];
	*fresh = 1;
	if (hc->nngx < HOSTCONF_MAX_NGINX)
		return &hc->ngx[hc->nngx++];
	for (i = 0; i < hc->nngx; i++)
		if (hc->ngx_ts[i] && hc->ngx_ts[i] < oldest) {
			oldest = hc->ngx_ts[i];
			victim = i;
		}
	return victim >= 0 ? &hc->ngx[victim] : NULL;
}

const struct hostconf_nginx *hostconf__nginx(struct hostconf *hc, int master_pid)
{
	struct hostconf_nginx *n;
	uint64_t now = clock__mono_ns();
	int fresh, i;

	if (!hc || master_pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	n = nginx_slot(hc, master_pid, &fresh);
	if (!n) {
		errno = ENOSPC;
		return NULL;
	}
	i = n - hc->ngx;
	if (fresh || (hc->ngx_ts[i] && now - hc->ngx_ts[i] >= HOSTCONF_TTL_NS)) {
		nginx_load(hc, n, master_pid);
		hc->ngx_ts[i] = now > 1 ? now : 2;
		nginx_trim(hc, n);
	}
	if (!n->conf) {
		errno = ENOENT;
		return NULL;
	}
	return n;
}

int hostconf__master_of(struct hostconf *hc, int pid)
{
	struct proc_status st;
	char title[64];
	long n;
	int i;

	for (i = 0; hc && i < hc->nngx; i++)
		if (hc->ngx[i].pid == pid)
			return pid;
	n = procfs__read(pid, "cmdline", title, sizeof(title));
	if (n <= 0)
		return pid;
	if (!starts_with(title, "nginx: worker process") &&
	    !starts_with(title, "nginx: cache manager process") &&
	    !starts_with(title, "nginx: cache loader process"))
		return pid;
	if (procfs__status(pid, &st) || st.ppid <= 1)
		return pid;
	return st.ppid;
}

int hostconf__nginx_refs(struct hostconf *hc, int master_pid, const char *key,
			 struct ngx_conf_ref *out, int max)
{
	const struct hostconf_nginx *n = hostconf__nginx(hc, master_pid);

	return n ? ngx_conf__find_upstream(n->conf, key, out, max) : 0;
}

const char *hostconf__nginx_effective(struct hostconf *hc, int master_pid,
				      const struct ngx_conf_ref *ref, const char *directive,
				      const char **file, int *line)
{
	const struct hostconf_nginx *n = hostconf__nginx(hc, master_pid);

	if (!n) {
		if (file)
			*file = NULL;
		if (line)
			*line = 0;
		return NULL;
	}
	return ngx_conf__effective(n->conf, ref, directive, file, line);
}

int hostconf__add_nginx(struct hostconf *hc, int master_pid, const char *root, const char *conf)
{
	struct hostconf_nginx *n;
	struct rootfs *fs;
	int fresh, err = 0;

	if (!hc || master_pid <= 0 || !root || !conf)
		return -EINVAL;
	n = nginx_slot(hc, master_pid, &fresh);
	if (!n)
		return -ENOSPC;
	ngx_conf__free(n->conf);
	memset(n, 0, sizeof(*n));
	n->pid = master_pid;
	snprintf(n->conf_path, sizeof(n->conf_path), "%s", conf);
	fs = rootfs__new(root);
	if (!fs)
		return -errno;
	n->conf = ngx_conf__load(fs, conf);
	if (!n->conf)
		err = errno ? -errno : -ENOENT;
	rootfs__free(fs);
	hc->ngx_ts[n - hc->ngx] = 0;
	return err;
}

/* --- php-fpm -------------------------------------------------------------- */

const char *hostconf__fpm_service_from_path(const char *conf, char *buf, size_t size)
{
	const char *v, *end;

	buf[0] = '\0';
	/* Debian and Ubuntu: /etc/php/8.2/fpm/... belongs to php8.2-fpm.service */
	if (!conf || !starts_with(conf, "/etc/php/"))
		return buf;
	v = conf + strlen("/etc/php/");
	end = strchr(v, '/');
	if (!end || end == v || end - v > 8 || !starts_with(end, "/fpm/") || *v < '0' || *v > '9' ||
	    strspn(v, "0123456789.") != (size_t)(end - v))
		return buf;
	snprintf(buf, size, "php%.*s-fpm", (int)(end - v), v);
	return buf;
}

static void fpm_identity(struct hostconf_fpm *f, int pid)
{
	struct stat st;

	if (!proc_stat(pid, "root", &st)) {
		f->root_dev = st.st_dev;
		f->root_ino = st.st_ino;
	}
	if (!proc_stat(pid, "ns/net", &st))
		f->net_ino = st.st_ino;
}

static void fpm_service(struct hostconf_fpm *f)
{
	char unit[128] = "";
	size_t n;

	if (f->pid)
		procfs__unit(f->pid, unit, sizeof(unit));
	n = strlen(unit);
	if (n > 8 && !strcmp(unit + n - 8, ".service"))
		snprintf(f->service, sizeof(f->service), "%.*s", (int)(n - 8), unit);
	else if (!f->pid || rootfs__same_root(f->pid))
		hostconf__fpm_service_from_path(f->conf_path, f->service, sizeof(f->service));
}

/* The config file of a php-fpm master: its title, or -y/--fpm-config in its argv. */
static int fpm_conf_path(int pid, const char *comm, char *out, size_t size)
{
	char *raw = malloc(CMDLINE_MAX), *p, *end, ver[16];
	long n = raw ? procfs__read(pid, "cmdline", raw, CMDLINE_MAX) : -ENOMEM;
	int err = -ENOENT;

	if (n <= 0)
		goto out;
	raw[n] = '\0';
	if (starts_with(raw, FPM_MASTER_TITLE)) {
		p = raw + strlen(FPM_MASTER_TITLE);
		end = strrchr(p, ')');
		if (end && end > p && (size_t)(end - p) < size && *p == '/') {
			snprintf(out, size, "%.*s", (int)(end - p), p);
			err = 0;
		}
		goto out;
	}
	if (starts_with(raw, "php-fpm: "))
		goto out; /* a child, or a title we do not know */
	for (p = raw; p < raw + n; p += strlen(p) + 1) {
		const char *v = NULL;

		if (!strcmp(p, "-y") || !strcmp(p, "--fpm-config"))
			v = p + strlen(p) + 1 < raw + n ? p + strlen(p) + 1 : NULL;
		else if (starts_with(p, "--fpm-config="))
			v = p + strlen("--fpm-config=");
		if (v && *v == '/') {
			snprintf(out, size, "%s", v);
			err = 0;
			goto out;
		}
	}
	/* php-fpm8.2 without -y reads its compiled-in /etc/php/8.2/fpm/php-fpm.conf */
	if (sscanf(comm, "php-fpm%15[0-9.]", ver) == 1) {
		snprintf(out, size, "/etc/php/%s/fpm/php-fpm.conf", ver);
		err = 0;
	}
out:
	free(raw);
	return err;
}

static int fpm_scan_cb(int pid, void *arg)
{
	struct hostconf *hc = arg;
	struct hostconf_fpm *f;
	struct rootfs *fs;
	char comm[32];

	if (hc->nfpm >= HOSTCONF_MAX_FPM)
		return 1;
	if (procfs__comm(pid, comm, sizeof(comm)) < 0 || !starts_with(comm, "php-fpm"))
		return 0;
	f = &hc->fpm[hc->nfpm];
	if (fpm_conf_path(pid, comm, f->conf_path, sizeof(f->conf_path)))
		return 0;
	f->pid = pid;
	fpm_identity(f, pid);
	fs = rootfs__of_pid(pid);
	f->conf = fs ? fpm_conf__load(fs, f->conf_path) : NULL;
	rootfs__free(fs);
	if (fpm_conf__limit(f->conf) && !fpm_warned(hc, pid))
		warn(hc, "php-fpm master %d: configuration %s read in part: %s", pid, f->conf_path,
		     fpm_conf__limit(f->conf));
	fpm_service(f);
	hc->nfpm++;
	return 0;
}

/* php-fpm versions installed on the host (Debian layout) whose master does not run. */
static void fpm_installed(struct hostconf *hc)
{
	struct rootfs *fs = rootfs__new("/");
	char **list = NULL, path[HOSTCONF_PATH_MAX];
	struct stat st;
	int n, i, j, dup;

	if (!fs)
		return;
	n = rootfs__glob(fs, "/etc/php/*", &list, MAX_INSTALLED);
	for (i = 0; i < n && hc->nfpm < HOSTCONF_MAX_FPM; i++) {
		struct hostconf_fpm *f = &hc->fpm[hc->nfpm];

		if (snprintf(path, sizeof(path), "%s/fpm/php-fpm.conf", list[i]) >=
			    (int)sizeof(path) ||
		    rootfs__stat(fs, path, &st, 0) || !S_ISREG(st.st_mode))
			continue;
		for (j = hc->nseeded, dup = 0; j < hc->nfpm && !dup; j++)
			dup = !strcmp(hc->fpm[j].conf_path, path) &&
			      rootfs__same_root(hc->fpm[j].pid);
		if (dup)
			continue;
		snprintf(f->conf_path, sizeof(f->conf_path), "%s", path);
		fpm_identity(f, 0);
		f->conf = fpm_conf__load(fs, path);
		if (!f->conf)
			continue;
		fpm_service(f);
		hc->nfpm++;
	}
	rootfs__free_list(list, n > 0 ? n : 0);
	rootfs__free(fs);
}

static void fpm_refresh(struct hostconf *hc)
{
	uint64_t now = clock__mono_ns();
	int i;

	if (hc->opts.no_discover || (hc->fpm_ts && now - hc->fpm_ts < HOSTCONF_TTL_NS))
		return;
	for (i = hc->nseeded; i < hc->nfpm; i++)
		fpm_clear(&hc->fpm[i]);
	hc->nfpm = hc->nseeded;
	procfs__for_each_pid(fpm_scan_cb, hc);
	fpm_installed(hc);
	hc->fpm_ts = now ? now : 1;
}

int hostconf__fpm_count(struct hostconf *hc)
{
	if (!hc)
		return 0;
	fpm_refresh(hc);
	return hc->nfpm;
}

const struct hostconf_fpm *hostconf__fpm_get(struct hostconf *hc, int i)
{
	return hc && i >= 0 && i < hc->nfpm ? &hc->fpm[i] : NULL;
}

int hostconf__fpm_visible(const struct hostconf_fpm *f, int nginx_pid, int unix_path)
{
	struct stat st;

	if (!f || f->any_view || nginx_pid <= 0)
		return 1;
	if (unix_path)
		return !proc_stat(nginx_pid, "root", &st) && st.st_dev == f->root_dev &&
		       st.st_ino == f->root_ino;
	return !proc_stat(nginx_pid, "ns/net", &st) && st.st_ino == f->net_ino;
}

const struct fpm_pool *hostconf__fpm_pool(struct hostconf *hc, int nginx_pid, const char *key,
					  const struct hostconf_fpm **fpm)
{
	const struct fpm_pool *p;
	int i, n = hostconf__fpm_count(hc);

	if (fpm)
		*fpm = NULL;
	for (i = 0; key && i < n; i++) {
		const struct hostconf_fpm *f = &hc->fpm[i];

		p = fpm_conf__pool_by_listen(f->conf, key);
		if (!p || !hostconf__fpm_visible(f, nginx_pid, starts_with(key, "unix:")))
			continue;
		if (fpm)
			*fpm = f;
		return p;
	}
	return NULL;
}

/* A php-fpm child waits for its next request in accept(): anything else is busy. */
static int child_busy(int pid)
{
	char text[64];
	long nr;

	if (procfs__read(pid, "syscall", text, sizeof(text)) <= 0)
		return 0;
	if (sscanf(text, "%ld", &nr) != 1)
		return 1; /* "running" */
#ifdef SYS_accept
	if (nr == SYS_accept)
		return 0;
#endif
	return nr != SYS_accept4;
}

static int child_in_pool(int pid, const char *pool)
{
	char title[128];
	size_t plen = strlen(FPM_POOL_TITLE), n;
	long len;

	if (!pool)
		return 1;
	len = procfs__read(pid, "cmdline", title, sizeof(title));
	if (len <= (long)plen || !starts_with(title, FPM_POOL_TITLE))
		return 0;
	n = strlen(pool);
	return !strncmp(title + plen, pool, n) &&
	       (title[plen + n] == '\0' || title[plen + n] == ' ');
}

int hostconf__fpm_children(const struct hostconf_fpm *f, const char *pool, int *busy)
{
	char file[64], *text, *p, *end;
	int total = 0, nbusy = 0;
	long n;

	if (busy)
		*busy = -1;
	if (!f || f->pid <= 0)
		return -ESRCH;
	text = malloc(CHILDREN_MAX);
	if (!text)
		return -ENOMEM;
	snprintf(file, sizeof(file), "task/%d/children", f->pid);
	n = procfs__read(f->pid, file, text, CHILDREN_MAX);
	if (n < 0) {
		free(text);
		return n;
	}
	for (p = text; p < text + n && total < HOSTCONF_MAX_CHILDREN; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p) {
			end = p + 1;
			continue;
		}
		if (pid <= 0 || pid > (1 << 22) || !child_in_pool(pid, pool))
			continue;
		total++;
		nbusy += child_busy(pid);
	}
	free(text);
	if (busy)
		*busy = nbusy;
	return total;
}

int hostconf__add_fpm(struct hostconf *hc, int pid, const char *root, const char *conf,
		      const char *service)
{
	struct hostconf_fpm *f, tmp = {};
	struct rootfs *fs;

	if (!hc || !root || !conf)
		return -EINVAL;
	if (hc->nfpm >= HOSTCONF_MAX_FPM || hc->nfpm > hc->nseeded)
		return -ENOSPC; /* seeded entries stay in front of discovered ones */
	fs = rootfs__new(root);
	if (!fs)
		return -errno;
	tmp.conf = fpm_conf__load(fs, conf);
	rootfs__free(fs);
	if (!tmp.conf)
		return errno ? -errno : -ENOENT;
	tmp.pid = pid;
	tmp.any_view = 1;
	snprintf(tmp.conf_path, sizeof(tmp.conf_path), "%s", conf);
	if (service)
		snprintf(tmp.service, sizeof(tmp.service), "%s", service);
	else
		hostconf__fpm_service_from_path(conf, tmp.service, sizeof(tmp.service));
	f = &hc->fpm[hc->nfpm++];
	*f = tmp;
	hc->nseeded = hc->nfpm;
	return 0;
}
