/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bump allocator for the configuration readers: every string they keep
 * (names, values, warnings) lives until the configuration is freed, so one
 * arena freed at once replaces thousands of small frees.
 *
 * A failed allocation returns NULL and sets failed, which stays set: a
 * reader checks it once at the end instead of after every copy.
 */
#ifndef __ARENA_H
#define __ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* newest chunk first */
	size_t bytes;		  /* allocated from the heap, for the readers' budgets */
	int failed;
};

/* n bytes, 8-aligned and not zeroed. */
void *arena__alloc(struct arena *a, size_t n);
/* s[0..n) and a NUL. */
char *arena__strndup(struct arena *a, const char *s, size_t n);
/* "file:line: message" (message alone when file is NULL), cut to 511 bytes. */
char *arena__vwarning(struct arena *a, const char *file, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
/* Frees every chunk; the arena is empty and usable again. */
void arena__free(struct arena *a);

#endif /* __ARENA_H */
