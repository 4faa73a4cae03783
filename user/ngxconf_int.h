/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The nginx configuration reader's own structures, shared by its two
 * halves: ngxconf.c builds them (lexer, parser, includes) and
 * ngxconf_query.c answers questions from them. Nothing else includes this.
 */
#ifndef __NGXCONF_INT_H
#define __NGXCONF_INT_H

#include <stddef.h>
#include "arena.h"
#include "ngxconf.h"

struct ndir {
	const char **args; /* args[0] is the directive name */
	const char *value; /* args[1..] joined by one space */
	int nargs;
	int file; /* index into files */
	int line;
	int parent; /* index of the enclosing block, -1 for main */
	int block;  /* opened a block */
};

struct ngx_conf {
	struct arena arena;
	struct ndir *dirs;
	int ndirs, capdirs;
	const char **files;
	int nfiles;
	const char *warnings[NGX_CONF_MAX_WARNINGS];
	int nwarnings;
	const char *limit; /* the warning of the limit that stopped the reading */
	int *upstreams;	   /* indices of upstream{} blocks sorted by name */
	int nupstreams;
	/* while loading */
	int active[NGX_CONF_MAX_DEPTH + 1]; /* files being read, outermost first */
	int mode, reads, limited, stop, oom;
	size_t total;
	const struct rootfs *fs;
	char prefix[4096];
};

#endif /* __NGXCONF_INT_H */
