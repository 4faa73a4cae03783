/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Recorded /proc files for the unit tests, from tests/fixtures/proc (found
 * beside this source, or under -DFIXTURES=DIR).
 */
#ifndef __FIXTURE_H
#define __FIXTURE_H

#include <stddef.h>

/* The path of fixture name ("net/tcp", "cgroup/docker"); a static buffer. */
const char *fixture__path(const char *name);
/*
 * The fixture as an exact-length heap copy with NO terminating NUL, so ASan
 * sees any read past *len. NULL (and a failed CHECK) when it cannot be
 * opened; free() the result.
 */
char *fixture__read(const char *name, size_t *len);

#endif /* __FIXTURE_H */
