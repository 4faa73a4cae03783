/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel timestamps (CLOCK_MONOTONIC) to wall-clock text. */
#ifndef __CLOCK_H
#define __CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Take the monotonic -> realtime offset; call once at start. */
void clock__init(void);
uint64_t clock__mono_ns(void);

/*
 * Time from since to now, 0 when since is the later: timers go by the perf
 * reader's watermark, which may be behind a time read off the clock.
 */
static inline uint64_t clock__since(uint64_t now_ns, uint64_t since_ns)
{
	return now_ns > since_ns ? now_ns - since_ns : 0;
}
/* "2026-11-25T18:22:31.123456Z" (RFC 3339, UTC, microseconds). */
char *clock__rfc3339(uint64_t mono_ns, char *buf, size_t size);
/* "18:22:31.123" local time, for people. */
char *clock__hms(uint64_t mono_ns, char *buf, size_t size);

#endif /* __CLOCK_H */
