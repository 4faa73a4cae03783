// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "shquote.h"

static int is_plain(const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_@%+=:,./-";

	return *s && strspn(s, safe) == strlen(s);
}

const char *shquote(const char *s, char *buf, size_t size)
{
	size_t off = 0;

	if (!buf || size < 3)
		return "''";
	if (!s)
		s = "";
	if (is_plain(s) && strlen(s) < size) {
		memcpy(buf, s, strlen(s) + 1);
		return buf;
	}
	buf[off++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t n = piece ? 4 : 1;

		if (off + n + 2 > size) {
			strcpy(buf, "''");
			return buf;
		}
		memcpy(buf + off, piece ? piece : s, n);
		off += n;
	}
	buf[off++] = '\'';
	buf[off] = '\0';
	return buf;
}
