/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading php-fpm's configuration: php-fpm.conf and the pool files it
 * includes, inside a struct rootfs. The ini dialect is php-fpm's: [global]
 * and one [section] per pool, key = value, ';' and '#' comments, quoted
 * values, include=GLOB, "$pool" replaced by the pool name. "${VAR}" is left
 * as written (the environment is the daemon's, not ours). Every value keeps
 * the file and line that set it, so a fix can say "pool.d/www.conf:41".
 *
 * Hostile input: files capped at FPM_CONF_MAX_FILE, includes nested at most
 * FPM_CONF_MAX_DEPTH deep, FPM_CONF_MAX_FILES files and FPM_CONF_MAX_KEYS
 * settings read in all; problems become warnings.
 */
#ifndef __FPMCONF_H
#define __FPMCONF_H

#include <stddef.h>

#define FPM_CONF_MAX_FILE     (4u << 20)
#define FPM_CONF_MAX_TOTAL    (16u << 20) /* bytes read over all files */
#define FPM_CONF_MAX_MEM      (4u << 20)  /* memory the parsed result may take */
#define FPM_CONF_MAX_DEPTH    16
#define FPM_CONF_MAX_FILES    512
#define FPM_CONF_MAX_KEYS     100000
#define FPM_CONF_MAX_POOLS    1024
#define FPM_CONF_MAX_VALUE    65536 /* longest value after $pool substitution */
#define FPM_CONF_MAX_WARNINGS 64

struct rootfs;
struct fpm_conf;

struct fpm_val {
	const char *value; /* NULL when not set */
	const char *file;
	int line;
};

struct fpm_pool {
	const char *name; /* [www] */
	const char *file; /* where the section starts (first time, if repeated) */
	int line;
	struct fpm_val listen, listen_owner, listen_group, listen_mode, listen_backlog,
		listen_allowed_clients;
	struct fpm_val user, group, pm, pm_max_children, request_terminate_timeout;
};

/*
 * Read php-fpm.conf at path (absolute inside fs) and its includes (globs
 * relative to the directory of path). NULL and errno set when the main file
 * cannot be read.
 */
struct fpm_conf *fpm_conf__load(const struct rootfs *fs, const char *path);
/* One file's text, include= not followed: for fuzzing and tests. */
struct fpm_conf *fpm_conf__parse_text(const char *text, size_t len, const char *file);
void fpm_conf__free(struct fpm_conf *c);

int fpm_conf__npools(const struct fpm_conf *c);
const struct fpm_pool *fpm_conf__pool(const struct fpm_conf *c, int i);
const struct fpm_pool *fpm_conf__pool_by_name(const struct fpm_conf *c, const char *name);
/*
 * The pool listening where an nginx upstream key points: "unix:/run/php/x.sock"
 * matches listen = /run/php/x.sock; "127.0.0.1:9000" matches listen =
 * 127.0.0.1:9000, localhost:9000, 9000 (all addresses), 0.0.0.0:9000 and
 * [::]:9000. A pool on that exact address wins over one on all addresses.
 * NULL if none.
 */
const struct fpm_pool *fpm_conf__pool_by_listen(const struct fpm_conf *c, const char *key);
/*
 * Canonical key of a pool's listen value into buf: "unix:/path", "addr:port",
 * "*:9000" for a port alone. NULL and errno ENOENT when the pool has no
 * listen, ERANGE when buf is too small.
 */
const char *fpm_pool__listen_key(const struct fpm_pool *p, char *buf, size_t size);
/* A [global] setting ("pid", "error_log", "log_level", ...); value NULL when not set. */
struct fpm_val fpm_conf__global(const struct fpm_conf *c, const char *key);

/* The warning of the first limit that stopped the reading, NULL when none. */
const char *fpm_conf__limit(const struct fpm_conf *c);
int fpm_conf__nwarnings(const struct fpm_conf *c);
const char *fpm_conf__warning(const struct fpm_conf *c, int i);
int fpm_conf__nfiles(const struct fpm_conf *c);
const char *fpm_conf__file(const struct fpm_conf *c, int i);

#endif /* __FPMCONF_H */
