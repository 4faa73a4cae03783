// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "text.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static char *convert(const char *in, size_t len, char *out, size_t size, int visible)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, n;

	if (!size)
		return out;
	while (i < len) {
		n = utf8_seq(s + i, len - i);
		if (n == 1 && s[i] != 0 && !(visible && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 >= size)
				break;
			out[o++] = s[i++];
		} else if (n > 1 && !(visible && n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			if (o + n >= size)
				break;
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			/* invalid byte, NUL or (visible) a control character */
			if (o + 4 >= size)
				break;
			snprintf(out + o, 5, "\\x%02x", s[i]);
			o += 4;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

char *text__utf8(const char *in, size_t len, char *out, size_t size)
{
	return convert(in, len, out, size, 0);
}

char *text__visible(const char *in, size_t len, char *out, size_t size)
{
	return convert(in, len, out, size, 1);
}

/* Columns of s[0..len): UTF-8 characters, not bytes. */
static int columns(const char *s, size_t len)
{
	int n = 0;

	while (len--)
		n += ((unsigned char)*s++ & 0xc0) != 0x80;
	return n;
}

char *text__wrap(const char *in, int width, int indent, char *out, size_t size)
{
	int room = width - indent, col = 0;
	size_t o = 0;

	if (!size)
		return NULL;
	if (room < 20) /* a terminal this narrow: one long line reads better */
		room = 1 << 30;
	while (*in) {
		size_t sp = strspn(in, " "), wl = strcspn(in + sp, " ");
		int wc = columns(in + sp, wl);

		/* a break instead of the spaces when the word would pass the edge */
		if (col && wl && col + (int)sp + wc > room) {
			if (o + 1 + (size_t)indent >= size)
				return NULL;
			out[o++] = '\n';
			memset(out + o, ' ', indent);
			o += indent;
			col = 0;
		} else {
			if (o + sp >= size)
				return NULL;
			memset(out + o, ' ', sp);
			o += sp;
			col += (int)sp;
		}
		if (o + wl >= size)
			return NULL;
		memcpy(out + o, in + sp, wl);
		o += wl;
		col += wc;
		in += sp + wl;
	}
	out[o] = '\0';
	return out;
}
