// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

#define ARENA_CHUNK (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

void *arena__alloc(struct arena *a, size_t n)
{
	struct arena_chunk *ch = a->head;
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
			a->failed = 1;
			return NULL;
		}
		ch->size = size;
		ch->used = 0;
		a->bytes += sizeof(*ch) + size;
		ch->next = a->head;
		a->head = ch;
	}
	p = ch->data + ch->used;
	ch->used += n;
	return p;
}

char *arena__strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena__alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena__vwarning(struct arena *a, const char *file, int line, const char *fmt, va_list ap)
{
	char buf[512];
	int n = 0;

	if (file)
		n = snprintf(buf, sizeof(buf), "%s:%d: ", file, line);
	/* a path near PATH_MAX fills buf: the message must not start past its end */
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = n < 0 ? 0 : sizeof(buf) - 1;
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	return arena__strndup(a, buf, strlen(buf));
}

void arena__free(struct arena *a)
{
	struct arena_chunk *ch, *next;

	for (ch = a->head; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	a->head = NULL;
	a->bytes = 0;
}
