// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nginx configuration reader. The file is read into a flat array of
 * directives in document order; each knows its enclosing block (a directive
 * that opened one) so inheritance is a walk up the parent chain. Included
 * files are parsed in place: their directives get the block holding the
 * include as parent, exactly as nginx sees them. All strings live in one
 * arena freed with the configuration.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ngxconf.h"
#include "rootfs.h"

#define ARENA_CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct ndir {
	const char **args; /* args[0] is the directive name */
	const char *value; /* args[1..] joined by one space */
	int nargs;
	int file; /* index into files */
	int line;
	int parent; /* index of the enclosing block, -1 for main */
	int block;  /* opened a block */
};

struct section { /* one file of an `nginx -T` dump */
	const char *name;
	const char *text;
	size_t len;
};

enum { MODE_TEXT, MODE_FS, MODE_DUMP };

struct ngx_conf {
	struct chunk *arena;
	struct ndir *dirs;
	int ndirs, capdirs;
	const char **files;
	int nfiles;
	const char *warnings[NGX_CONF_MAX_WARNINGS];
	int nwarnings;
	int *upstreams; /* indices of upstream{} blocks sorted by name */
	int nupstreams;
	/* while loading */
	int active[NGX_CONF_MAX_DEPTH + 1]; /* files being read, outermost first */
	int mode, reads, limited, stop, oom;
	size_t total;
	const struct rootfs *fs;
	char prefix[4096];
	struct section *sections;
	int nsections;
};

static void *arena_alloc(struct ngx_conf *c, size_t n)
{
	struct chunk *ch = c->arena;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!ch || ch->size - ch->used < n) {
		/* start small: most inputs are a few lines */
		size = ch && ch->size < ARENA_CHUNK ? ch->size * 2 : ch ? ARENA_CHUNK : 4096;
		if (size < n)
			size = n;
		ch = malloc(sizeof(*ch) + size);
		if (!ch) {
			c->oom = c->stop = 1;
			return NULL;
		}
		ch->size = size;
		ch->used = 0;
		ch->next = c->arena;
		c->arena = ch;
	}
	p = ch->data + ch->used;
	ch->used += n;
	return p;
}

static char *arena_strndup(struct ngx_conf *c, const char *s, size_t n)
{
	char *p = arena_alloc(c, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void warn(struct ngx_conf *c, int file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct ngx_conf *c, int file, int line, const char *fmt, ...)
{
	char buf[512];
	int n = 0;
	va_list ap;

	if (c->nwarnings >= NGX_CONF_MAX_WARNINGS)
		return;
	if (file >= 0)
		n = snprintf(buf, sizeof(buf), "%s:%d: ", c->files[file], line);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	c->warnings[c->nwarnings] = arena_strndup(c, buf, strlen(buf));
	if (c->warnings[c->nwarnings])
		c->nwarnings++;
}

static int add_file(struct ngx_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i], name))
			return i;
	if (c->nfiles >= NGX_CONF_MAX_FILES)
		return -E2BIG;
	c->files[c->nfiles] = arena_strndup(c, name, strlen(name));
	if (!c->files[c->nfiles])
		return -ENOMEM;
	return c->nfiles++;
}

/* ---- lexer ---------------------------------------------------------------- */

enum { TOK_WORD, TOK_SEMI, TOK_OPEN, TOK_CLOSE, TOK_EOF, TOK_ERR };

struct lexer {
	const char *p, *end;
	int line;
};

/* Copy a raw token, undoing the escapes nginx undoes (\" \' \\ \t \r \n). */
static char *unescape(struct ngx_conf *c, const char *s, size_t n)
{
	char *out = arena_alloc(c, n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			*o++ = s[i];
			continue;
		}
		switch (s[++i]) {
		case '"':
		case '\'':
		case '\\':
			*o++ = s[i];
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'n':
			*o++ = '\n';
			break;
		default:
			*o++ = '\\';
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int lex(struct ngx_conf *c, struct lexer *lx, const char **word, int *line)
{
	const char *s;
	int var = 0;
	char q;

	for (;;) {
		if (lx->p >= lx->end)
			return TOK_EOF;
		if (*lx->p == '\n')
			lx->line++;
		if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		if (!isspace((unsigned char)*lx->p))
			break;
		lx->p++;
	}
	*line = lx->line;
	switch (*lx->p) {
	case ';':
		lx->p++;
		return TOK_SEMI;
	case '{':
		lx->p++;
		return TOK_OPEN;
	case '}':
		lx->p++;
		return TOK_CLOSE;
	case '"':
	case '\'':
		q = *lx->p++;
		for (s = lx->p; lx->p < lx->end && *lx->p != q; lx->p++) {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			if (*lx->p == '\n')
				lx->line++;
		}
		if (lx->p >= lx->end)
			return TOK_ERR;
		*word = unescape(c, s, lx->p++ - s);
		return *word ? TOK_WORD : TOK_ERR;
	}
	/* A word ends at space, ';' or '{' except the '{' of "${name}". */
	for (s = lx->p; lx->p < lx->end; lx->p++) {
		char ch = *lx->p;

		if (ch == '{' && var)
			continue;
		var = 0;
		if (isspace((unsigned char)ch) || ch == ';' || ch == '{')
			break;
		if (ch == '$')
			var = 1;
		else if (ch == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
			lx->p++;
	}
	*word = unescape(c, s, lx->p - s);
	return *word ? TOK_WORD : TOK_ERR;
}

/* ---- parser --------------------------------------------------------------- */

static int add_dir(struct ngx_conf *c, const char **args, int nargs, int file, int line, int parent,
		   int block)
{
	struct ndir *d;
	size_t len = 0;
	char *v;
	int i;

	if (c->ndirs >= NGX_CONF_MAX_DIRECTIVES) {
		warn(c, file, line, "more than %d directives, the rest is ignored",
		     NGX_CONF_MAX_DIRECTIVES);
		c->stop = 1;
		return -1;
	}
	if (c->ndirs == c->capdirs) {
		int cap = c->capdirs ? c->capdirs * 2 : 256;

		if (cap > NGX_CONF_MAX_DIRECTIVES)
			cap = NGX_CONF_MAX_DIRECTIVES;
		d = realloc(c->dirs, cap * sizeof(*d));
		if (!d) {
			c->oom = c->stop = 1;
			return -1;
		}
		c->dirs = d;
		c->capdirs = cap;
	}
	d = &c->dirs[c->ndirs];
	d->args = arena_alloc(c, nargs * sizeof(*args));
	for (i = 1; i < nargs; i++)
		len += strlen(args[i]) + 1;
	v = arena_alloc(c, len + 1);
	if (!d->args || !v)
		return -1;
	memcpy(d->args, args, nargs * sizeof(*args));
	d->value = v;
	*v = '\0';
	for (i = 1; i < nargs; i++)
		v += sprintf(v, "%s%s", i > 1 ? " " : "", args[i]);
	d->nargs = nargs;
	d->file = file;
	d->line = line;
	d->parent = parent;
	d->block = block;
	return c->ndirs++;
}

static void parse(struct ngx_conf *c, const char *text, size_t len, int file, int parent,
		  int depth);

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void parse_file(struct ngx_conf *c, const char *name, const char *text, size_t len,
		       int parent, int depth, int from, int from_line)
{
	int file, i;

	if (c->reads >= NGX_CONF_MAX_FILES || c->total + len > NGX_CONF_MAX_TOTAL) {
		if (!c->limited++)
			warn(c, from, from_line,
			     "too many or too large files, %s and more not read", name);
		return;
	}
	c->reads++;
	c->total += len;
	file = add_file(c, name);
	if (file < 0)
		return;
	for (i = 0; i < depth; i++) {
		if (c->active[i] == file) {
			warn(c, from, from_line, "include loop: %s is already being read", name);
			return;
		}
	}
	c->active[depth] = file;
	parse(c, text, len, file, parent, depth);
}

static void include(struct ngx_conf *c, const char *pattern, int file, int line, int parent,
		    int depth)
{
	char full[4096], **list = NULL;
	int i, n = 0;

	if (c->mode == MODE_TEXT)
		return;
	if (depth >= NGX_CONF_MAX_DEPTH) {
		warn(c, file, line, "include %s: nesting deeper than %d, not read", pattern,
		     NGX_CONF_MAX_DEPTH);
		return;
	}
	if (snprintf(full, sizeof(full), "%s%s%s", pattern[0] == '/' ? "" : c->prefix,
		     pattern[0] == '/' ? "" : "/", pattern) >= (int)sizeof(full)) {
		warn(c, file, line, "include: name too long");
		return;
	}
	if (c->mode == MODE_DUMP) {
		for (i = 0; i < c->nsections && !c->stop; i++) {
			struct section *s = &c->sections[i];

			if (has_glob(full) ? fnmatch(full, s->name, FNM_PATHNAME | FNM_PERIOD)
					   : strcmp(full, s->name))
				continue;
			n++;
			parse_file(c, s->name, s->text, s->len, parent, depth + 1, file, line);
		}
		if (!n && !has_glob(full))
			warn(c, file, line, "include %s: not in the dump", full);
		return;
	}
	n = rootfs__glob(c->fs, full, &list, NGX_CONF_MAX_FILES);
	if (n < 0) {
		warn(c, file, line, "include %s: %s", full, strerror(-n));
		return;
	}
	if (!n && !has_glob(full))
		warn(c, file, line, "cannot read include %s: %s", full, strerror(ENOENT));
	for (i = 0; i < n && !c->stop; i++) {
		char *buf;
		long r = rootfs__read_file(c->fs, list[i], NGX_CONF_MAX_FILE, &buf);

		if (r < 0) {
			warn(c, file, line, "cannot read include %s: %s", list[i], strerror(-r));
			continue;
		}
		parse_file(c, list[i], buf, r, parent, depth + 1, file, line);
		free(buf);
	}
	rootfs__free_list(list, n);
}

static void parse(struct ngx_conf *c, const char *text, size_t len, int file, int parent, int depth)
{
	struct lexer lx = {text, text + len, 1};
	const char *args[NGX_CONF_MAX_ARGS], *w = NULL;
	int stack[NGX_CONF_MAX_BLOCKS], sp = 0;
	int nargs = 0, first = 0, line, t, idx, cur;

	while (!c->stop) {
		cur = sp ? stack[sp - 1] : parent;
		t = lex(c, &lx, &w, &line);
		switch (t) {
		case TOK_WORD:
			if (!nargs)
				first = line;
			if (nargs < NGX_CONF_MAX_ARGS)
				args[nargs++] = w;
			break;
		case TOK_SEMI:
			if (!nargs) {
				warn(c, file, line, "unexpected \";\"");
				break;
			}
			idx = add_dir(c, args, nargs, file, first, cur, 0);
			if (idx >= 0 && nargs == 2 && !strcmp(args[0], "include"))
				include(c, args[1], file, first, cur, depth);
			nargs = 0;
			break;
		case TOK_OPEN:
			if (!nargs) {
				warn(c, file, line, "unexpected \"{\"");
				args[nargs++] = "";
				first = line;
			}
			if (sp == NGX_CONF_MAX_BLOCKS) {
				warn(c, file, line, "blocks nested deeper than %d", sp);
				return;
			}
			idx = add_dir(c, args, nargs, file, first, cur, 1);
			if (idx < 0)
				return;
			stack[sp++] = idx;
			nargs = 0;
			break;
		case TOK_CLOSE:
			if (nargs)
				warn(c, file, first, "directive \"%s\" is not terminated by \";\"",
				     args[0]);
			nargs = 0;
			if (!sp)
				warn(c, file, line, "unexpected \"}\"");
			else
				sp--;
			break;
		case TOK_EOF:
			if (nargs)
				warn(c, file, lx.line, "unexpected end of file, expecting \";\"");
			else if (sp)
				warn(c, file, lx.line, "unexpected end of file, expecting \"}\"");
			return;
		default:
			warn(c, file, line, "unexpected end of file in a quoted string");
			return;
		}
	}
}

/* ---- loading -------------------------------------------------------------- */

static int cmp_upstream(const void *a, const void *b, void *arg)
{
	const struct ngx_conf *c = arg;

	return strcasecmp(c->dirs[*(const int *)a].args[1], c->dirs[*(const int *)b].args[1]);
}

static struct ngx_conf *conf_new(int mode)
{
	struct ngx_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->mode = mode;
	c->files = calloc(NGX_CONF_MAX_FILES, sizeof(*c->files));
	if (!c->files) {
		free(c);
		return NULL;
	}
	return c;
}

/* Index the upstream{} blocks; drop what only loading needed. */
static struct ngx_conf *conf_done(struct ngx_conf *c)
{
	int i, n = 0;

	free(c->sections);
	c->sections = NULL;
	c->fs = NULL;
	for (i = 0; i < c->ndirs; i++)
		if (c->dirs[i].block && c->dirs[i].nargs >= 2 &&
		    !strcmp(c->dirs[i].args[0], "upstream"))
			n++;
	c->upstreams = n ? arena_alloc(c, n * sizeof(int)) : NULL;
	if (c->oom) {
		ngx_conf__free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < c->ndirs; i++)
		if (c->dirs[i].block && c->dirs[i].nargs >= 2 &&
		    !strcmp(c->dirs[i].args[0], "upstream"))
			c->upstreams[c->nupstreams++] = i;
	if (c->nupstreams > 1)
		qsort_r(c->upstreams, c->nupstreams, sizeof(int), cmp_upstream, c);
	return c;
}

static void set_prefix(struct ngx_conf *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= sizeof(c->prefix))
		n = 0;
	memcpy(c->prefix, path, n);
	c->prefix[n] = '\0';
}

struct ngx_conf *ngx_conf__load(const struct rootfs *fs, const char *path)
{
	struct ngx_conf *c;
	char *buf;
	long n;

	if (!fs || !path || path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	n = rootfs__read_file(fs, path, NGX_CONF_MAX_FILE, &buf);
	if (n < 0) {
		errno = -n;
		return NULL;
	}
	c = conf_new(MODE_FS);
	if (!c) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	c->fs = fs;
	set_prefix(c, path);
	parse_file(c, path, buf, n, -1, 0, -1, 0);
	free(buf);
	return conf_done(c);
}

static const char dump_header[] = "# configuration file ";

struct ngx_conf *ngx_conf__parse_dump(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *eol, *colon;
	size_t hlen = sizeof(dump_header) - 1;
	struct section *s = NULL;
	struct ngx_conf *c;

	if (!text) {
		errno = EINVAL;
		return NULL;
	}
	c = conf_new(MODE_DUMP);
	if (!c)
		return NULL;
	c->sections = calloc(NGX_CONF_MAX_FILES, sizeof(*c->sections));
	if (!c->sections) {
		ngx_conf__free(c);
		errno = ENOMEM;
		return NULL;
	}
	while (p < end) {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		colon = eol > p && eol[-1] == '\r' ? eol - 2 : eol - 1;
		if ((size_t)(eol - p) > hlen + 2 && !memcmp(p, dump_header, hlen) &&
		    p[hlen] == '/' && *colon == ':') {
			if (s)
				s->len = p - s->text;
			if (c->nsections == NGX_CONF_MAX_FILES) {
				s = NULL;
				break;
			}
			s = &c->sections[c->nsections++];
			s->name = arena_strndup(c, p + hlen, colon - p - hlen);
			s->text = eol < end ? eol + 1 : end;
			if (!s->name) {
				ngx_conf__free(c);
				errno = ENOMEM;
				return NULL;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	if (s)
		s->len = p - s->text;
	if (!c->nsections) {
		ngx_conf__free(c);
		errno = EINVAL;
		return NULL;
	}
	set_prefix(c, c->sections[0].name);
	s = &c->sections[0];
	parse_file(c, s->name, s->text, s->len, -1, 0, -1, 0);
	return conf_done(c);
}

struct ngx_conf *ngx_conf__parse_text(const char *text, size_t len, const char *file)
{
	struct ngx_conf *c;

	if (!text) {
		errno = EINVAL;
		return NULL;
	}
	c = conf_new(MODE_TEXT);
	if (!c)
		return NULL;
	parse_file(c, file ? file : "-", text, len, -1, 0, -1, 0);
	return conf_done(c);
}

void ngx_conf__free(struct ngx_conf *c)
{
	struct chunk *ch, *next;

	if (!c)
		return;
	for (ch = c->arena; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(c->sections);
	free(c->files);
	free(c->dirs);
	free(c);
}

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
 */
static int addr_parse(const char *s, int default_port, struct addr *a)
{
	const char *h, *e, *scheme = strstr(s, "://");
	size_t n, i;
	long port;

	memset(a, 0, sizeof(*a));
	if (strchr(s, '$'))
		return -EINVAL;
	if (scheme && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
			      (size_t)(scheme - s)) {
		n = scheme - s;
		default_port = n && (s[n - 1] == 's' || s[n - 1] == 'S') ? 443 : 80;
		s = scheme + 3;
	}
	if (!strncmp(s, "unix:", 5)) {
		s += 5;
		e = strchr(s, ':');
		n = e ? (size_t)(e - s) : strlen(s);
		if (!n || n >= sizeof(a->host))
			return -EINVAL;
		memcpy(a->host, s, n);
		a->kind = ADDR_UNIX;
		return 0;
	}
	if (*s == '[') {
		h = s + 1;
		e = strchr(h, ']');
		if (!e)
			return -EINVAL;
		n = e - h;
		s = e + 1;
		if (*s && *s != ':' && *s != '/' && *s != '?')
			return -EINVAL;
	} else {
		h = s;
		n = strcspn(s, ":/?");
		s += n;
	}
	if (!n || n >= sizeof(a->host))
		return -EINVAL;
	for (i = 0; i < n; i++)
		a->host[i] = tolower((unsigned char)h[i]);
	a->port = default_port;
	if (*s == ':') {
		char *end;

		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		port = strtol(s, &end, 10);
		if (errno || port < 1 || port > 65535 || (*end && *end != '/' && *end != '?'))
			return -EINVAL;
		a->port = port;
		a->explicit_port = 1;
	}
	if (inet_pton(AF_INET, a->host, a->bin) == 1)
		a->af = AF_INET;
	else if (inet_pton(AF_INET6, a->host, a->bin) == 1)
		a->af = AF_INET6;
	a->kind = a->port < 0 ? ADDR_NAME : ADDR_INET;
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

int ngx_conf__user(const struct ngx_conf *c, const char **user, const char **group,
		   const char **file, int *line)
{
	const struct ndir *d = c ? child(c, -1, "user") : NULL;

	if (user)
		*user = d && d->nargs > 1 ? d->args[1] : NULL;
	if (group)
		*group = d && d->nargs > 2 ? d->args[2] : NULL;
	if (file)
		*file = d ? c->files[d->file] : NULL;
	if (line)
		*line = d ? d->line : 0;
	return d && d->nargs > 1 ? 0 : -ENOENT;
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
