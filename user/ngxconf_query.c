// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Questions asked of a loaded nginx configuration: which *_pass or upstream
 * server{} names an upstream key, the value a directive takes where that
 * pass is (inheritance up the block chain), error logs, and the loader's
 * warnings and files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "ngxconf_int.h"
#include "upstream.h"

/* ---- addresses ------------------------------------------------------------ */

enum { ADDR_NAME, ADDR_UNIX, ADDR_INET };

struct addr {
	int kind;
	int port; /* -1: none given and no default */
	int explicit_port;
	int af; /* AF_INET/AF_INET6 for a numeric host, else 0 */
	unsigned char bin[16];
	char host[512]; /* lowercased name, numeric address, or socket path */
};

/*
 * Parse "[scheme://]host[:port][/uri]", "[scheme://]unix:/path[:/uri]" or
 * "[v6]:port". default_port applies when no port is given; with -1 a bare
 * name is an ADDR_NAME (a group, or nothing). Variables cannot be parsed.
 * The URL is taken apart here; its key-shaped part ("host:port",
 * "unix:/path") is read by upstream.c.
 */
static int addr_parse(const char *s, int default_port, struct addr *a)
{
	const char *h, *e, *scheme = strstr(s, "://");
	struct upstream_key k;
	size_t n, i;

	memset(a, 0, sizeof(*a));
	memset(&k, 0, sizeof(k));
	if (strchr(s, '$'))
		return -EINVAL;
	if (scheme && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
			      (size_t)(scheme - s)) {
		n = scheme - s;
		default_port = n && (s[n - 1] == 's' || s[n - 1] == 'S') ? 443 : 80;
		s = scheme + 3;
	}
	if (!strncmp(s, "unix:", 5)) {
		/* the path ends at the ':' before the URI */
		if (upstream__parse_n(s, 5 + strcspn(s + 5, ":"), &k))
			return -EINVAL;
		memcpy(a->host, k.path, sizeof(k.path));
		a->kind = ADDR_UNIX;
		return 0;
	}
	if (*s == '[') {
		h = s + 1;
		e = strchr(h, ']');
		if (!e)
			return -EINVAL;
		n = e++ - h;
	} else {
		h = s;
		n = strcspn(s, ":/?");
		e = s + n;
	}
	if (*e == ':') {
		if (upstream__parse_n(s, e + 1 + strcspn(e + 1, "/?") - s, &k))
			return -EINVAL;
		a->explicit_port = 1;
	} else if (*e && *e != '/' && *e != '?') {
		return -EINVAL;
	} else if (!n || n >= sizeof(a->host)) {
		return -EINVAL;
	} else if (default_port < 0) {
		for (i = 0; i < n; i++)
			a->host[i] = tolower((unsigned char)h[i]);
		a->port = -1;
		a->kind = ADDR_NAME;
		return 0;
	} else if (upstream__set_host(&k, h, n)) {
		return -EINVAL;
	} else {
		k.port = default_port;
	}
	for (i = 0; k.host[i]; i++)
		a->host[i] = tolower((unsigned char)k.host[i]);
	a->port = k.port;
	a->af = k.family;
	memcpy(a->bin, k.addr, sizeof(a->bin));
	a->kind = ADDR_INET;
	return 0;
}

static int is_loopback(const struct addr *a)
{
	static const unsigned char v4[4] = {127, 0, 0, 1};
	static const unsigned char v6[16] = {[15] = 1};

	if (a->af == AF_INET)
		return !memcmp(a->bin, v4, 4);
	if (a->af == AF_INET6)
		return !memcmp(a->bin, v6, 16);
	return !strcmp(a->host, "localhost");
}

static int addr_match(const struct addr *a, const struct addr *key)
{
	if (a->kind != key->kind)
		return 0;
	if (a->kind == ADDR_UNIX)
		return !strcmp(a->host, key->host);
	if (a->port != key->port)
		return 0;
	if (a->af && key->af)
		return a->af == key->af && !memcmp(a->bin, key->bin, a->af == AF_INET ? 4 : 16);
	if (!strcmp(a->host, "localhost") || !strcmp(key->host, "localhost"))
		return is_loopback(a) && is_loopback(key);
	return !a->af && !key->af && !strcmp(a->host, key->host);
}

/* ---- queries -------------------------------------------------------------- */

static int cmp_name(const void *key, const void *elem, void *arg)
{
	const struct ngx_conf *c = arg;

	return strcasecmp(key, c->dirs[*(const int *)elem].args[1]);
}

/* Index of the upstream{} block of that name, or -1. */
static int find_group(const struct ngx_conf *c, const char *name)
{
	const int *lo = c->upstreams;
	int n = c->nupstreams;

	/* A hand-made bsearch: glibc has no bsearch_r. */
	while (n > 0) {
		const int *mid = lo + n / 2;
		int r = cmp_name(name, mid, (void *)c);

		if (!r)
			return *mid;
		if (r > 0) {
			lo = mid + 1;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return -1;
}

static int is_pass(const char *name)
{
	static const char *const passes[] = {
		"proxy_pass", "fastcgi_pass", "uwsgi_pass",
		"scgi_pass",  "grpc_pass",    "memcached_pass",
	};
	size_t i;

	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++)
		if (!strcmp(name, passes[i]))
			return 1;
	return 0;
}

static const void *block_ctx(const struct ngx_conf *c, int b)
{
	return b >= 0 ? (const void *)&c->dirs[b] : (const void *)c;
}

/* The first *_pass naming group g (an upstream name), or -1. */
static int first_pass(const struct ngx_conf *c, const char *g)
{
	struct addr a;
	int i;

	for (i = 0; i < c->ndirs; i++) {
		const struct ndir *d = &c->dirs[i];

		if (!d->block && d->nargs >= 2 && is_pass(d->args[0]) &&
		    !addr_parse(d->args[1], -1, &a) && !a.explicit_port && a.kind != ADDR_UNIX &&
		    !strcasecmp(a.host, g))
			return i;
	}
	return -1;
}

static void fill_ref(const struct ngx_conf *c, const struct ndir *d, const char *group,
		     const struct ndir *pass, struct ngx_conf_ref *r)
{
	r->directive = d->args[0];
	r->value = d->args[1];
	r->file = c->files[d->file];
	r->line = d->line;
	r->group = group;
	if (!pass)
		pass = d;
	r->pass_file = c->files[pass->file];
	r->pass_line = pass->line;
	r->ctx = block_ctx(c, pass->parent);
}

int ngx_conf__find_upstream(const struct ngx_conf *c, const char *key, struct ngx_conf_ref *out,
			    int max)
{
	struct addr k, a;
	int i, n = 0, g, p;

	if (!c || !key || !out || max <= 0 || addr_parse(key, -1, &k))
		return 0;
	for (i = 0; i < c->ndirs && n < max; i++) {
		const struct ndir *d = &c->dirs[i];

		if (d->block || d->nargs < 2 || !is_pass(d->args[0]) ||
		    addr_parse(d->args[1], -1, &a))
			continue;
		g = a.kind != ADDR_UNIX && !a.explicit_port ? find_group(c, a.host) : -1;
		if (k.kind == ADDR_NAME) {
			if (a.kind == ADDR_UNIX || a.explicit_port || strcmp(a.host, k.host))
				continue;
			fill_ref(c, d, g >= 0 ? c->dirs[g].args[1] : NULL, NULL, &out[n++]);
		} else if (g < 0 && addr_match(&a, &k)) {
			fill_ref(c, d, NULL, NULL, &out[n++]);
		}
	}
	if (k.kind == ADDR_NAME)
		return n;
	for (i = 0; i < c->ndirs && n < max; i++) {
		const struct ndir *d = &c->dirs[i], *u;

		if (d->block || d->nargs < 2 || d->parent < 0 || strcmp(d->args[0], "server"))
			continue;
		u = &c->dirs[d->parent];
		if (!u->block || u->nargs < 2 || strcmp(u->args[0], "upstream"))
			continue;
		if (addr_parse(d->args[1], 80, &a) || !addr_match(&a, &k))
			continue;
		p = first_pass(c, u->args[1]);
		fill_ref(c, d, u->args[1], p >= 0 ? &c->dirs[p] : u, &out[n]);
		if (p < 0) {
			out[n].pass_file = out[n].file;
			out[n].pass_line = out[n].line;
		}
		n++;
	}
	return n;
}

/* The first plain directive called name directly inside block b (-1: main). */
static const struct ndir *child(const struct ngx_conf *c, int b, const char *name)
{
	int i;

	for (i = b + 1; i < c->ndirs; i++) {
		const struct ndir *d = &c->dirs[i];

		if (d->parent == b && !d->block && !strcmp(d->args[0], name))
			return d;
	}
	return NULL;
}

static const char *found(const struct ngx_conf *c, const struct ndir *d, const char **file,
			 int *line)
{
	if (file)
		*file = c->files[d->file];
	if (line)
		*line = d->line;
	return d->value;
}

const char *ngx_conf__effective(const struct ngx_conf *c, const struct ngx_conf_ref *ref,
				const char *directive, const char **file, int *line)
{
	const struct ndir *d;
	int b = -1, g;

	if (file)
		*file = NULL;
	if (line)
		*line = 0;
	if (!c || !directive)
		return NULL;
	if (ref && ref->group && (g = find_group(c, ref->group)) >= 0 &&
	    (d = child(c, g, directive)))
		return found(c, d, file, line);
	if (ref && ref->ctx) {
		const struct ndir *x = ref->ctx;

		/* Only a pointer into our own array names a block. */
		if ((uintptr_t)x >= (uintptr_t)c->dirs &&
		    (uintptr_t)x < (uintptr_t)(c->dirs + c->ndirs) &&
		    ((uintptr_t)x - (uintptr_t)c->dirs) % sizeof(*x) == 0)
			b = x - c->dirs;
	}
	for (;;) {
		d = child(c, b, directive);
		if (d)
			return found(c, d, file, line);
		if (b < 0)
			return NULL;
		b = c->dirs[b].parent;
	}
}

int ngx_conf__error_logs(const struct ngx_conf *c, const char **paths, const char **levels, int max)
{
	int i, n = 0;

	for (i = 0; c && i < c->ndirs && n < max; i++) {
		const struct ndir *d = &c->dirs[i];

		if (d->block || d->nargs < 2 || strcmp(d->args[0], "error_log"))
			continue;
		if (paths)
			paths[n] = d->args[1];
		if (levels)
			levels[n] = d->nargs > 2 ? d->args[2] : "error";
		n++;
	}
	return n;
}

int ngx_conf__nwarnings(const struct ngx_conf *c)
{
	return c ? c->nwarnings : 0;
}

const char *ngx_conf__warning(const struct ngx_conf *c, int i)
{
	return c && i >= 0 && i < c->nwarnings ? c->warnings[i] : NULL;
}

int ngx_conf__nfiles(const struct ngx_conf *c)
{
	return c ? c->nfiles : 0;
}

const char *ngx_conf__file(const struct ngx_conf *c, int i)
{
	return c && i >= 0 && i < c->nfiles ? c->files[i] : NULL;
}

int ngx_conf__ndirectives(const struct ngx_conf *c)
{
	return c ? c->ndirs : 0;
}
