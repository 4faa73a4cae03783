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
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ngxconf_int.h"
#include "rootfs.h"

enum { MODE_TEXT, MODE_FS };

static void warn(struct ngx_conf *c, int file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct ngx_conf *c, int file, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->nwarnings >= NGX_CONF_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	c->warnings[c->nwarnings] =
		arena__vwarning(&c->arena, file >= 0 ? c->files[file] : NULL, line, fmt, ap);
	va_end(ap);
	if (c->warnings[c->nwarnings])
		c->nwarnings++;
}

/* A warning that says a limit stopped the reading; the first one is kept apart. */
static void limit(struct ngx_conf *c, int file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void limit(struct ngx_conf *c, int file, int line, const char *fmt, ...)
{
	va_list ap;
	const char *w;

	va_start(ap, fmt);
	w = arena__vwarning(&c->arena, file >= 0 ? c->files[file] : NULL, line, fmt, ap);
	va_end(ap);
	if (w && !c->limit)
		c->limit = w;
	if (w && c->nwarnings < NGX_CONF_MAX_WARNINGS)
		c->warnings[c->nwarnings++] = w;
}

size_t ngx_conf__memory(const struct ngx_conf *c)
{
	return c ? sizeof(*c) + c->arena.bytes + (size_t)c->capdirs * sizeof(struct ndir) +
			       NGX_CONF_MAX_FILES * sizeof(*c->files)
		 : 0;
}

const char *ngx_conf__limit(const struct ngx_conf *c)
{
	return c ? c->limit : NULL;
}

static int add_file(struct ngx_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i], name))
			return i;
	if (c->nfiles >= NGX_CONF_MAX_FILES)
		return -E2BIG;
	c->files[c->nfiles] = arena__strndup(&c->arena, name, strlen(name));
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
	char *out = arena__alloc(&c->arena, n + 1), *o = out;
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
		limit(c, file, line, "more than %d directives, the rest is ignored",
		      NGX_CONF_MAX_DIRECTIVES);
		c->stop = 1;
		return -1;
	}
	if (ngx_conf__memory(c) > NGX_CONF_MAX_MEM) {
		limit(c, file, line,
		      "the configuration takes more than %u MiB, the rest is ignored",
		      NGX_CONF_MAX_MEM >> 20);
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
	d->args = arena__alloc(&c->arena, nargs * sizeof(*args));
	for (i = 1; i < nargs; i++)
		len += strlen(args[i]) + 1;
	v = arena__alloc(&c->arena, len + 1);
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
			limit(c, from, from_line,
			      "too many or too large files (over %u files or %u MiB), %s and more "
			      "not read",
			      NGX_CONF_MAX_FILES, NGX_CONF_MAX_TOTAL >> 20, name);
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
	n = rootfs__glob(c->fs, full, &list, NGX_CONF_MAX_FILES);
	if (n < 0) {
		warn(c, file, line, "include %s: %s", full, strerror(-n));
		return;
	}
	if (!n && !has_glob(full))
		warn(c, file, line, "cannot read include %s: %s", full, strerror(ENOENT));
	for (i = 0; i < n && !c->stop && !c->arena.failed; i++) {
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

	while (!c->stop && !c->arena.failed) {
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

	c->fs = NULL;
	for (i = 0; i < c->ndirs; i++)
		if (c->dirs[i].block && c->dirs[i].nargs >= 2 &&
		    !strcmp(c->dirs[i].args[0], "upstream"))
			n++;
	c->upstreams = n ? arena__alloc(&c->arena, n * sizeof(int)) : NULL;
	if (c->oom || c->arena.failed) {
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
	if (!c)
		return;
	arena__free(&c->arena);
	free(c->files);
	free(c->dirs);
	free(c);
}
