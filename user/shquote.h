/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * POSIX shell quoting for every value the tool prints into a command that a
 * person may paste: a path from a user's config must never become a command.
 */
#ifndef __SHQUOTE_H
#define __SHQUOTE_H

#include <stddef.h>

/* Bytes that always hold a string from a char array of n bytes, quoted. */
#define SHQUOTE_SIZE(n) (4 * (n) + 3)

/*
 * s as one shell word: unchanged when it holds only [A-Za-z0-9_@%+=:,./-]
 * (and is not empty), else in single quotes with each ' written '\''.
 * Returns buf; a value that does not fit gives '' (an empty word, never a
 * cut one).
 */
const char *shquote(const char *s, char *buf, size_t size);

#endif /* __SHQUOTE_H */
