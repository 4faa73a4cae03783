// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * php-fpm configuration reader. One pass over each file, line by line; the
 * current section survives an include, as in php-fpm, where the ini parser's
 * current pool is global state. A section seen twice continues the same
 * pool, and a later key overrides an earlier one. Strings live in an arena
 * freed with the configuration.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "arena.h"
#include "fpmconf.h"
#include "rootfs.h"
#include "upstream.h"

#define MAX_GLOBALS 64

struct global {
	const char *key;
	struct fpm_val v;
};

struct fpm_conf {
	struct arena arena;
	struct fpm_pool *pools;
	int npools, cappools;
	struct global globals[MAX_GLOBALS];
	int nglobals;
	const char **files;
	int nfiles;
	const char *warnings[FPM_CONF_MAX_WARNINGS];
	int nwarnings;
	/* while loading */
	const char *active[FPM_CONF_MAX_DEPTH + 1]; /* files being read, outermost first */
	const struct rootfs *fs;
	char prefix[4096];
	int cur; /* current pool, -1 for [global] */
	size_t total;
	int reads, limited, keys, stop, oom;
	const char *limit; /* the first limit that stopped the reading */
};

static void warn(struct fpm_conf *c, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct fpm_conf *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarnings >= FPM_CONF_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	c->warnings[c->nwarnings] = arena__vwarning(&c->arena, file, line, fmt, ap);
	va_end(ap);
	if (c->warnings[c->nwarnings])
		c->nwarnings++;
}

static const char *add_file(struct fpm_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i], name))
			return c->files[i];
	if (c->nfiles >= FPM_CONF_MAX_FILES)
		return NULL;
	c->files[c->nfiles] = arena__strndup(&c->arena, name, strlen(name));
	return c->files[c->nfiles] ? c->files[c->nfiles++] : NULL;
}

/* ---- settings ------------------------------------------------------------- */

static int start_pool(struct fpm_conf *c, const char *name, const char *file, int line)
{
	struct fpm_pool *p;
	int i;

	for (i = 0; i < c->npools; i++)
		if (!strcmp(c->pools[i].name, name))
			return i;
	if (c->npools >= FPM_CONF_MAX_POOLS) {
		warn(c, file, line, "more than %d pools, [%s] is ignored", FPM_CONF_MAX_POOLS,
		     name);
		return -2;
	}
	if (c->npools == c->cappools) {
		int cap = c->cappools ? c->cappools * 2 : 8;

		p = realloc(c->pools, cap * sizeof(*p));
		if (!p) {
			c->oom = c->stop = 1;
			return -2;
		}
		c->pools = p;
		c->cappools = cap;
	}
	p = &c->pools[c->npools];
	memset(p, 0, sizeof(*p));
	p->name = arena__strndup(&c->arena, name, strlen(name));
	p->file = file;
	p->line = line;
	return p->name ? c->npools++ : -2;
}

/* Replace every "$pool" by the pool name, within FPM_CONF_MAX_VALUE bytes. */
static const char *expand_pool(struct fpm_conf *c, const char *v, const char *name,
			       const char *file, int line)
{
	size_t vlen = strlen(v), nlen = strlen(name), n = 0, len = vlen;
	const char *s;
	char *out, *o;

	for (s = strstr(v, "$pool"); s; s = strstr(s + 5, "$pool")) {
		n++;
		len += nlen;
		if (len > FPM_CONF_MAX_VALUE) {
			warn(c, file, line, "value too long after $pool substitution");
			return v;
		}
	}
	if (!n)
		return v;
	out = o = arena__alloc(&c->arena, len + 1);
	if (!out)
		return v;
	for (s = v; *s;) {
		if (!strncmp(s, "$pool", 5)) {
			memcpy(o, name, nlen);
			o += nlen;
			s += 5;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static struct fpm_val *pool_field(struct fpm_pool *p, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
#define F(k, f) {k, offsetof(struct fpm_pool, f)}
		F("listen", listen),
		F("listen.owner", listen_owner),
		F("listen.group", listen_group),
		F("listen.mode", listen_mode),
		F("listen.backlog", listen_backlog),
		F("listen.allowed_clients", listen_allowed_clients),
		F("user", user),
		F("group", group),
		F("pm", pm),
		F("pm.max_children", pm_max_children),
		F("request_terminate_timeout", request_terminate_timeout),
#undef F
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i].key))
			return (struct fpm_val *)((char *)p + fields[i].off);
	return NULL;
}

static void set_value(struct fpm_conf *c, const char *key, const char *value, const char *file,
		      int line)
{
	struct fpm_val *v = NULL;
	int i;

	if (c->cur >= 0) {
		v = pool_field(&c->pools[c->cur], key);
		if (!v)
			return;
		value = expand_pool(c, value, c->pools[c->cur].name, file, line);
	} else if (c->cur == -1) {
		for (i = 0; i < c->nglobals && !v; i++)
			if (!strcmp(c->globals[i].key, key))
				v = &c->globals[i].v;
		if (!v) {
			if (c->nglobals == MAX_GLOBALS)
				return;
			c->globals[c->nglobals].key = arena__strndup(&c->arena, key, strlen(key));
			if (!c->globals[c->nglobals].key)
				return;
			v = &c->globals[c->nglobals++].v;
		}
	} else {
		return; /* inside a pool that was refused */
	}
	v->value = value;
	v->file = file;
	v->line = line;
}

/* ---- parser --------------------------------------------------------------- */

/* The warning just written is the limit that stopped the reading. */
static void keep_limit(struct fpm_conf *c)
{
	if (!c->limit && c->nwarnings)
		c->limit = c->warnings[c->nwarnings - 1];
}

const char *fpm_conf__limit(const struct fpm_conf *c)
{
	return c ? c->limit : NULL;
}

static void parse(struct fpm_conf *c, const char *text, size_t len, const char *file, int depth);

static void include(struct fpm_conf *c, const char *pattern, const char *file, int line, int depth)
{
	char full[4096], **list = NULL;
	int i, j, n;

	if (!c->fs)
		return;
	if (depth >= FPM_CONF_MAX_DEPTH) {
		warn(c, file, line, "include %s: nesting deeper than %d, not read", pattern,
		     FPM_CONF_MAX_DEPTH);
		return;
	}
	if (snprintf(full, sizeof(full), "%s%s%s", pattern[0] == '/' ? "" : c->prefix,
		     pattern[0] == '/' ? "" : "/", pattern) >= (int)sizeof(full)) {
		warn(c, file, line, "include: name too long");
		return;
	}
	n = rootfs__glob(c->fs, full, &list, FPM_CONF_MAX_FILES);
	if (n < 0) {
		warn(c, file, line, "include %s: %s", full, strerror(-n));
		return;
	}
	if (!n && !strpbrk(full, "*?["))
		warn(c, file, line, "cannot read include %s: %s", full, strerror(ENOENT));
	for (i = 0; i < n && !c->stop && !c->arena.failed; i++) {
		const char *name;
		char *buf;
		long r;

		if (c->reads >= FPM_CONF_MAX_FILES || c->total >= FPM_CONF_MAX_TOTAL) {
			if (!c->limited++) {
				warn(c, file, line,
				     "too many or too large files (over %u files or %u MiB), %s "
				     "and more not read",
				     FPM_CONF_MAX_FILES, FPM_CONF_MAX_TOTAL >> 20, list[i]);
				keep_limit(c);
			}
			break;
		}
		r = rootfs__read_file(c->fs, list[i], FPM_CONF_MAX_FILE, &buf);
		if (r < 0) {
			warn(c, file, line, "cannot read include %s: %s", list[i], strerror(-r));
			continue;
		}
		c->reads++;
		c->total += r;
		name = add_file(c, list[i]);
		for (j = 0; name && j <= depth; j++) {
			if (c->active[j] == name) {
				warn(c, file, line, "include loop: %s is already being read", name);
				name = NULL;
			}
		}
		if (name) {
			c->active[depth + 1] = name;
			parse(c, buf, r, name, depth + 1);
		}
		free(buf);
	}
	rootfs__free_list(list, n);
}

static const char *trim(const char *s, const char *e, size_t *n)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*n = e - s;
	return s;
}

/* The value part of "key = value": quoted, or up to a ';' comment. */
static char *parse_value(struct fpm_conf *c, const char *s, const char *e, const char *file,
			 int line)
{
	const char *q;
	char *out, *o;
	size_t n;

	s = trim(s, e, &n);
	e = s + n;
	if (s < e && (*s == '"' || *s == '\'')) {
		out = o = arena__alloc(&c->arena, e - s + 1);
		if (!out)
			return NULL;
		for (q = s + 1; q < e && *q != *s; q++) {
			if (*s == '"' && *q == '\\' && q + 1 < e && (q[1] == '"' || q[1] == '\\'))
				q++;
			*o++ = *q;
		}
		if (q == e)
			warn(c, file, line, "unterminated quoted value");
		*o = '\0';
		return out;
	}
	q = memchr(s, ';', e - s);
	if (q)
		e = q;
	s = trim(s, e, &n);
	return arena__strndup(&c->arena, s, n);
}

static void parse_line(struct fpm_conf *c, const char *s, const char *e, const char *file, int line,
		       int depth)
{
	const char *eq, *k;
	char key[256], *v;
	size_t n;

	s = trim(s, e, &n);
	e = s + n;
	if (s == e || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		const char *close = memchr(s, ']', e - s);
		char *name;

		if (!close) {
			warn(c, file, line, "section without \"]\"");
			return;
		}
		k = trim(s + 1, close, &n);
		name = arena__strndup(&c->arena, k, n);
		if (!name)
			return;
		if (!n) {
			warn(c, file, line, "empty section name");
			c->cur = -2;
		} else if (!strcasecmp(name, "global")) {
			c->cur = -1;
		} else {
			c->cur = start_pool(c, name, file, line);
		}
		return;
	}
	eq = memchr(s, '=', e - s);
	if (!eq) {
		warn(c, file, line, "syntax error, no \"=\"");
		return;
	}
	k = trim(s, eq, &n);
	if (!n || n >= sizeof(key)) {
		warn(c, file, line, "bad key");
		return;
	}
	if (++c->keys > FPM_CONF_MAX_KEYS) {
		warn(c, file, line, "more than %d settings, the rest is ignored",
		     FPM_CONF_MAX_KEYS);
		keep_limit(c);
		c->stop = 1;
		return;
	}
	memcpy(key, k, n);
	key[n] = '\0';
	v = parse_value(c, eq + 1, e, file, line);
	if (!v)
		return;
	if (!strcmp(key, "include"))
		include(c, v, file, line, depth);
	else
		set_value(c, key, v, file, line);
}

static void parse(struct fpm_conf *c, const char *text, size_t len, const char *file, int depth)
{
	const char *p = text, *end = text + len, *eol;
	int line = 0;

	while (p < end && !c->stop && !c->arena.failed) {
		if (c->arena.bytes + (size_t)c->cappools * sizeof(*c->pools) > FPM_CONF_MAX_MEM) {
			warn(c, file, line,
			     "the configuration takes more than %u MiB, the rest is "
			     "ignored",
			     FPM_CONF_MAX_MEM >> 20);
			keep_limit(c);
			c->stop = 1;
			break;
		}
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		parse_line(c, p, eol, file, ++line, depth);
		p = eol + 1;
	}
}

/* ---- loading -------------------------------------------------------------- */

static struct fpm_conf *conf_new(void)
{
	struct fpm_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cur = -1; /* settings before any section are global */
	c->files = calloc(FPM_CONF_MAX_FILES, sizeof(*c->files));
	if (!c->files) {
		free(c);
		return NULL;
	}
	return c;
}

static struct fpm_conf *conf_done(struct fpm_conf *c)
{
	c->fs = NULL;
	if (c->oom || c->arena.failed) {
		fpm_conf__free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

struct fpm_conf *fpm_conf__load(const struct rootfs *fs, const char *path)
{
	const char *slash, *name;
	struct fpm_conf *c;
	char *buf;
	long n;

	if (!fs || !path || path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	n = rootfs__read_file(fs, path, FPM_CONF_MAX_FILE, &buf);
	if (n < 0) {
		errno = -n;
		return NULL;
	}
	c = conf_new();
	if (!c) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	c->fs = fs;
	slash = strrchr(path, '/');
	if ((size_t)(slash - path) < sizeof(c->prefix)) {
		memcpy(c->prefix, path, slash - path);
		c->prefix[slash - path] = '\0';
	}
	c->reads = 1;
	name = add_file(c, path);
	c->active[0] = name;
	if (name)
		parse(c, buf, n, name, 0);
	free(buf);
	return conf_done(c);
}

struct fpm_conf *fpm_conf__parse_text(const char *text, size_t len, const char *file)
{
	struct fpm_conf *c;
	const char *name;

	if (!text) {
		errno = EINVAL;
		return NULL;
	}
	c = conf_new();
	if (!c)
		return NULL;
	name = add_file(c, file ? file : "-");
	if (name)
		parse(c, text, len, name, 0);
	return conf_done(c);
}

void fpm_conf__free(struct fpm_conf *c)
{
	if (!c)
		return;
	arena__free(&c->arena);
	free(c->files);
	free(c->pools);
	free(c);
}

/* ---- queries -------------------------------------------------------------- */

int fpm_conf__npools(const struct fpm_conf *c)
{
	return c ? c->npools : 0;
}

const struct fpm_pool *fpm_conf__pool(const struct fpm_conf *c, int i)
{
	return c && i >= 0 && i < c->npools ? &c->pools[i] : NULL;
}

const struct fpm_pool *fpm_conf__pool_by_name(const struct fpm_conf *c, const char *name)
{
	int i;

	for (i = 0; c && name && i < c->npools; i++)
		if (!strcmp(c->pools[i].name, name))
			return &c->pools[i];
	return NULL;
}

enum { HOST_NAME, HOST_ANY, HOST_ANY4, HOST_V4, HOST_V6 };

/* Where a pool listens, or where a key points: the key, and how its host matches. */
struct laddr {
	struct upstream_key k;
	int kind; /* HOST_*, for TCP */
};

/* "*" takes every address, and so does [::] with php-fpm's IPV6_V6ONLY=0. */
static int host_kind(const struct upstream_key *k)
{
	static const unsigned char zero[16];

	if (!strcmp(k->host, "*"))
		return HOST_ANY;
	if (k->family == AF_INET)
		return memcmp(k->addr, zero, 4) ? HOST_V4 : HOST_ANY4;
	if (k->family == AF_INET6)
		return memcmp(k->addr, zero, 16) ? HOST_V6 : HOST_ANY;
	return HOST_NAME;
}

static int key_parse(const char *key, struct laddr *a)
{
	memset(a, 0, sizeof(*a));
	if (upstream__parse(key, &a->k))
		return -EINVAL;
	a->kind = host_kind(&a->k);
	return 0;
}

/*
 * A listen value as its key, by php-fpm's rule: a ':' makes it TCP (the last
 * one starts the port; brackets around the host are dropped, an IPv6 address
 * needs none, an empty host is every address), digits alone are a port on
 * every address, anything else a socket path.
 */
static int listen_parse(const char *v, struct laddr *a)
{
	const char *colon = strrchr(v, ':'), *h = v;
	char key[UPSTREAM_KEY_MAX + 2];
	int n, hlen;

	if (colon) {
		hlen = colon - v;
		if (hlen >= 2 && v[0] == '[' && v[hlen - 1] == ']') {
			h++;
			hlen -= 2;
		}
		if (!hlen) {
			h = "*";
			hlen = 1;
		}
		n = snprintf(key, sizeof(key), memchr(h, ':', hlen) ? "[%.*s]%s" : "%.*s%s", hlen,
			     h, colon);
	} else if (*v && strspn(v, "0123456789") == strlen(v)) {
		n = snprintf(key, sizeof(key), "*:%s", v);
	} else {
		n = snprintf(key, sizeof(key), "unix:%s", v);
	}
	/* "unix:/x" is TCP to php-fpm (a host "unix"): never a path here */
	if (n < 0 || (size_t)n >= sizeof(key) || key_parse(key, a) ||
	    (colon && a->k.family == AF_UNIX)) {
		memset(a, 0, sizeof(*a));
		return -EINVAL;
	}
	return 0;
}

static int is_loopback(const struct laddr *a)
{
	static const unsigned char v4[4] = {127, 0, 0, 1};
	static const unsigned char v6[16] = {[15] = 1};

	return (a->kind == HOST_V4 && !memcmp(a->k.addr, v4, 4)) ||
	       (a->kind == HOST_V6 && !memcmp(a->k.addr, v6, 16)) ||
	       (a->kind == HOST_NAME && !strcasecmp(a->k.host, "localhost"));
}

/* 2: the same address, 1: the pool listens on all addresses, 0: no. */
static int laddr_match(const struct laddr *pool, const struct laddr *key)
{
	if (pool->k.family == AF_UNIX || key->k.family == AF_UNIX) {
		if (pool->k.family != key->k.family)
			return 0;
		return strcmp(pool->k.path, key->k.path) ? 0 : 2;
	}
	if (pool->k.port != key->k.port)
		return 0;
	if (key->kind == HOST_ANY)
		return 2;
	if (pool->kind == HOST_ANY)
		return 1;
	if (pool->kind == HOST_ANY4)
		return key->kind == HOST_V4 || key->kind == HOST_ANY4 ||
		       (key->kind == HOST_NAME && is_loopback(key));
	if (pool->kind == key->kind && pool->kind != HOST_NAME)
		return !memcmp(pool->k.addr, key->k.addr, pool->kind == HOST_V4 ? 4 : 16) ? 2 : 0;
	if (pool->kind == HOST_NAME && key->kind == HOST_NAME &&
	    !strcasecmp(pool->k.host, key->k.host))
		return 2;
	if ((pool->kind == HOST_NAME || key->kind == HOST_NAME) && is_loopback(pool) &&
	    is_loopback(key))
		return 2;
	return 0;
}

const struct fpm_pool *fpm_conf__pool_by_listen(const struct fpm_conf *c, const char *key)
{
	const struct fpm_pool *any = NULL;
	struct laddr k, a;
	int i, m;

	if (!c || !key || key_parse(key, &k))
		return NULL;
	for (i = 0; i < c->npools; i++) {
		const struct fpm_pool *p = &c->pools[i];

		if (!p->listen.value || listen_parse(p->listen.value, &a))
			continue;
		m = laddr_match(&a, &k);
		if (m == 2)
			return p;
		if (m == 1 && !any)
			any = p;
	}
	return any;
}

const char *fpm_pool__listen_key(const struct fpm_pool *p, char *buf, size_t size)
{
	struct laddr a;
	int n, err;

	if (!p || !p->listen.value) {
		errno = ENOENT;
		return NULL;
	}
	err = listen_parse(p->listen.value, &a) ? -EINVAL : upstream__format(&a.k, buf, size);
	if (err == -EINVAL) {
		/* not a key: as written */
		n = snprintf(buf, size, "%s", p->listen.value);
		err = n < 0 || (size_t)n >= size ? -ERANGE : 0;
	}
	if (err) {
		errno = -err;
		return NULL;
	}
	return buf;
}

struct fpm_val fpm_conf__global(const struct fpm_conf *c, const char *key)
{
	struct fpm_val none = {NULL, NULL, 0};
	int i;

	for (i = 0; c && key && i < c->nglobals; i++)
		if (!strcmp(c->globals[i].key, key))
			return c->globals[i].v;
	return none;
}

int fpm_conf__nwarnings(const struct fpm_conf *c)
{
	return c ? c->nwarnings : 0;
}

const char *fpm_conf__warning(const struct fpm_conf *c, int i)
{
	return c && i >= 0 && i < c->nwarnings ? c->warnings[i] : NULL;
}

int fpm_conf__nfiles(const struct fpm_conf *c)
{
	return c ? c->nfiles : 0;
}

const char *fpm_conf__file(const struct fpm_conf *c, int i)
{
	return c && i >= 0 && i < c->nfiles ? c->files[i] : NULL;
}
