/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this host's configuration says, for the fix texts: the nginx config of
 * each traced master and the php-fpm pools of every php-fpm master running
 * (and of every php-fpm installed under /etc/php but not running). Loaded
 * lazily, on the first diagnosis that needs it, and cached; an entry older
 * than HOSTCONF_TTL_NS is read again so that a reload is seen.
 *
 * nginx: the files are read by the project's own reader, never by running
 * anything: the main file from the master's -p/-c (or the defaults compiled
 * into its binary, read as bytes), its includes and globs, inside the
 * master's root and with the master's credentials (rootfs__of_pid).
 *
 * php-fpm: masters are found by a /proc scan (comm "php-fpm*", title
 * "php-fpm: master process (CONF)") and CONF is read inside their root, with
 * their credentials.
 *
 * Memory: each configuration is capped by its reader (NGX_CONF_MAX_MEM,
 * FPM_CONF_MAX_MEM) and all nginx configurations together by
 * HOSTCONF_MAX_MEM (the oldest are dropped, read again when needed); every
 * cap that is hit is reported through opts->warn, once per master.
 */
#ifndef __HOSTCONF_H
#define __HOSTCONF_H

#include <stddef.h>
#include <stdint.h>

#define HOSTCONF_MAX_NGINX    32
#define HOSTCONF_MAX_FPM      32
#define HOSTCONF_PATH_MAX     512
#define HOSTCONF_MAX_MEM      (12u << 20) /* parsed nginx configurations, all masters */
#define HOSTCONF_TTL_NS	      (5 * 1000000000ull)
#define HOSTCONF_MAX_CHILDREN 65536 /* php-fpm children counted per master */

struct ngx_conf;
struct ngx_conf_ref;
struct fpm_conf;
struct fpm_pool;
struct hostconf;

struct hostconf_opts {
	/* Do not scan /proc for php-fpm nor /etc/php for installed ones (unit tests). */
	int no_discover;
	/* A limit cut a configuration short: told once per master (may be NULL). */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

/* One nginx master's configuration. */
struct hostconf_nginx {
	int pid;
	int host;			   /* runs in the tool's root and mount namespace */
	char conf_path[HOSTCONF_PATH_MAX]; /* main file, absolute inside its root */
	/* -p and -c as the master's command line gave them, raw: quote before printing */
	char arg_prefix[HOSTCONF_PATH_MAX];
	char arg_conf[HOSTCONF_PATH_MAX];
	char unit[128];	       /* systemd .service/.scope, "" if none */
	int warned;	       /* a limit on its configuration was told */
	struct ngx_conf *conf; /* NULL when it could not be read */
};

/* One php-fpm master (or an installed php-fpm that is not running: pid 0). */
struct hostconf_fpm {
	int pid;
	char conf_path[HOSTCONF_PATH_MAX]; /* php-fpm.conf, absolute inside its root */
	char service[128];		   /* "php8.2-fpm": its .service unit, or from the path */
	struct fpm_conf *conf;
	/* where its paths and addresses mean something */
	uint64_t root_dev, root_ino, net_ino;
	int any_view; /* added by hostconf__add_fpm: matches every nginx */
};

struct hostconf *hostconf__new(const struct hostconf_opts *opts);
void hostconf__free(struct hostconf *hc);

/*
 * The nginx master of pid: itself for a master (or a known one), its parent
 * for a worker, cache manager or cache loader. pid when /proc cannot tell.
 */
int hostconf__master_of(struct hostconf *hc, int pid);
/* The configuration of master_pid, loaded if needed. NULL and errno set when none. */
const struct hostconf_nginx *hostconf__nginx(struct hostconf *hc, int master_pid);
/* ngx_conf__find_upstream on master_pid's configuration; 0 when it has none. */
int hostconf__nginx_refs(struct hostconf *hc, int master_pid, const char *key,
			 struct ngx_conf_ref *out, int max);
/* ngx_conf__effective on master_pid's configuration. */
const char *hostconf__nginx_effective(struct hostconf *hc, int master_pid,
				      const struct ngx_conf_ref *ref, const char *directive,
				      const char **file, int *line);

/* php-fpm masters known (running first, then installed ones), scanning if stale. */
int hostconf__fpm_count(struct hostconf *hc);
const struct hostconf_fpm *hostconf__fpm_get(struct hostconf *hc, int i);
/*
 * The pool listening where key points ("unix:/x.sock", "127.0.0.1:9000") as
 * nginx_pid sees it (same root for a unix path, same network namespace for
 * an address; nginx_pid <= 0: anywhere). Running masters win over installed
 * ones. NULL when none; *fpm (may be NULL) is set to its master.
 */
const struct fpm_pool *hostconf__fpm_pool(struct hostconf *hc, int nginx_pid, const char *key,
					  const struct hostconf_fpm **fpm);
/* 1 when f's paths (unix 1) or addresses (unix 0) are those nginx_pid sees. */
int hostconf__fpm_visible(const struct hostconf_fpm *f, int nginx_pid, int unix_path);
/*
 * Children of master f serving pool (NULL: any): returns their number or
 * -errno; *busy (may be NULL) gets how many are not waiting in accept().
 */
int hostconf__fpm_children(const struct hostconf_fpm *f, const char *pool, int *busy);

/* Seed an entry from files under root (a directory standing for "/"); for tests. 0 or -errno. */
int hostconf__add_nginx(struct hostconf *hc, int master_pid, const char *root, const char *conf);
int hostconf__add_fpm(struct hostconf *hc, int pid, const char *root, const char *conf,
		      const char *service);

/* "php8.2-fpm" from "/etc/php/8.2/fpm/php-fpm.conf"; "" when the path says nothing. */
const char *hostconf__fpm_service_from_path(const char *conf, char *buf, size_t size);

#endif /* __HOSTCONF_H */
