/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading nginx's configuration as nginx would: the main file and its
 * includes (from a struct rootfs, so a container's files are read inside
 * its root). The result answers the questions the fix text needs: which
 * *_pass / upstream server points at an address, which timeout or buffer
 * size is in force there, and where the error log goes. Every string keeps
 * the file and line it came from.
 *
 * The files are hostile input: each is capped at NGX_CONF_MAX_FILE bytes,
 * includes nest at most NGX_CONF_MAX_DEPTH deep and NGX_CONF_MAX_FILES files
 * are read in all. Problems (unreadable include, syntax error) become
 * warnings; what was read before them is kept.
 */
#ifndef __NGXCONF_H
#define __NGXCONF_H

#include <stddef.h>

#define NGX_CONF_MAX_FILE	(4u << 20)
#define NGX_CONF_MAX_TOTAL	(16u << 20) /* bytes read over all files */
#define NGX_CONF_MAX_MEM	(4u << 20)  /* memory the parsed result may take */
#define NGX_CONF_MAX_DEPTH	16	    /* include nesting */
#define NGX_CONF_MAX_FILES	512
#define NGX_CONF_MAX_DIRECTIVES 50000
#define NGX_CONF_MAX_ARGS	256 /* more are dropped */
#define NGX_CONF_MAX_BLOCKS	64  /* block nesting inside one file */
#define NGX_CONF_MAX_WARNINGS	64

struct rootfs;
struct ngx_conf;

struct ngx_conf_ref {
	/* "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass",
	 * "memcached_pass", or "server" (inside upstream{}) */
	const char *directive;
	const char *value; /* first argument as written */
	const char *file;
	int line;
	const char *group;     /* upstream{} name for a match through a group, else NULL */
	const char *pass_file; /* the first *_pass naming the group, else file/line */
	int pass_line;
	const void *ctx; /* opaque: the block of the *_pass, for ngx_conf__effective */
};

/*
 * Read the configuration at path (absolute inside fs), following include
 * (globs sorted; relative names are relative to the directory of path, like
 * nginx's conf prefix). NULL and errno set when the main file cannot be read.
 */
struct ngx_conf *ngx_conf__load(const struct rootfs *fs, const char *path);
/* Parse one file's text; include directives are recorded but not followed. */
struct ngx_conf *ngx_conf__parse_text(const char *text, size_t len, const char *file);
void ngx_conf__free(struct ngx_conf *c);

/*
 * All *_pass directives and upstream{} server entries pointing at key:
 * "127.0.0.1:9000", "[::1]:9000", "localhost:80", "unix:/run/php/x.sock", or
 * an upstream group name "backend". "localhost" matches 127.0.0.1 and ::1.
 * A pass that goes through a group is reported once per matching server line
 * (directive "server", group set, pass_file/pass_line the first *_pass naming
 * the group). Values with variables never match an address. Fills at most max
 * refs and returns their number.
 */
int ngx_conf__find_upstream(const struct ngx_conf *c, const char *key, struct ngx_conf_ref *out,
			    int max);
/*
 * Value (the arguments joined by one space) of directive in force at the
 * block of ref->ctx, inherited from enclosing blocks; when ref->group is set
 * the upstream{} block of that group is searched first ("keepalive"). NULL
 * when not set anywhere. file and line may be NULL. With ref NULL, only the
 * main (top level) context is searched.
 */
const char *ngx_conf__effective(const struct ngx_conf *c, const struct ngx_conf_ref *ref,
				const char *directive, const char **file, int *line);
/*
 * Every error_log directive, in file order: its path as written ("stderr",
 * "syslog:server=...", "/var/log/nginx/error.log") and level ("error" when
 * absent). Either array may be NULL. Returns the count (at most max).
 */
int ngx_conf__error_logs(const struct ngx_conf *c, const char **paths, const char **levels,
			 int max);

/*
 * The warning of the first limit that stopped the reading (too many or too
 * large files, NGX_CONF_MAX_MEM of memory, too many directives); NULL when
 * everything was read. What was read before it is kept.
 */
const char *ngx_conf__limit(const struct ngx_conf *c);
/* Heap memory the parsed configuration takes. */
size_t ngx_conf__memory(const struct ngx_conf *c);
int ngx_conf__nwarnings(const struct ngx_conf *c);
const char *ngx_conf__warning(const struct ngx_conf *c, int i);
/* Number of files read and the i-th name, in the order they were read. */
int ngx_conf__nfiles(const struct ngx_conf *c);
const char *ngx_conf__file(const struct ngx_conf *c, int i);
/* Number of directives kept (blocks count as one each). */
int ngx_conf__ndirectives(const struct ngx_conf *c);

#endif /* __NGXCONF_H */
