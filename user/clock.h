/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel timestamps (CLOCK_MONOTONIC) to wall-clock text. */
#ifndef __CLOCK_H
#define __CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Take the monotonic -> realtime offset; call once at start. */
void clock__init(void);
uint64_t clock__mono_ns(void);
/* "2026-11-25T18:22:31.123456Z" (RFC 3339, UTC, microseconds). */
char *clock__rfc3339(uint64_t mono_ns, char *buf, size_t size);
/* "18:22:31.123" local time, for people. */
char *clock__hms(uint64_t mono_ns, char *buf, size_t size);

#endif /* __CLOCK_H */
