/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hostile bytes (client-chosen request lines, Host headers, container file
 * names) made safe for the two outputs, never dropped: invalid UTF-8 turns
 * into the text "\xNN" for JSON, and for a terminal control characters and
 * escape sequences turn visible too.
 */
#ifndef __TEXT_H
#define __TEXT_H

#include <stddef.h>

/* Valid UTF-8 copy of in[0..len) (invalid bytes and NUL as "\xNN"). Returns out. */
char *text__utf8(const char *in, size_t len, char *out, size_t size);
/* Like text__utf8, and control characters (C0, DEL, C1) as "\xNN" too. */
char *text__visible(const char *in, size_t len, char *out, size_t size);

/*
 * in (NUL-terminated, already visible) wrapped for a terminal of width columns whose first
 * line starts after indent columns of label: breaks at spaces, continuation lines start with
 * indent spaces; a word longer than a line stays whole (a path is never cut). Columns are
 * counted in UTF-8 characters. Returns out, or NULL when it does not fit in size.
 */
char *text__wrap(const char *in, int width, int indent, char *out, size_t size);

#endif /* __TEXT_H */
