/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The start-up profiler: with NGX502_TIMING=1 in the environment, each phase
 * of the start prints how long it took on stderr; without it, nothing.
 */
#ifndef __TIMING_H
#define __TIMING_H

/* "timing: NAME +N.N ms" on stderr: the time since the last phase (0 for the first). */
void timing__phase(const char *name);

#endif /* __TIMING_H */
