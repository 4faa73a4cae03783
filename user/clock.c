// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <time.h>
#include "clock.h"

static int64_t offset_ns;

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void clock__init(void)
{
	offset_ns = (int64_t)now_ns(CLOCK_REALTIME) - (int64_t)now_ns(CLOCK_MONOTONIC);
}

uint64_t clock__mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

/* A kernel time as wall-clock seconds and nanoseconds. */
static time_t to_real(uint64_t mono_ns, unsigned int *nsec)
{
	uint64_t real = mono_ns + offset_ns;

	*nsec = real % 1000000000ull;
	return real / 1000000000ull;
}

char *clock__rfc3339(uint64_t mono_ns, char *buf, size_t size)
{
	unsigned int nsec;
	time_t sec = to_real(mono_ns, &nsec);
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06uZ", base, nsec / 1000);
	return buf;
}

char *clock__hms(uint64_t mono_ns, char *buf, size_t size)
{
	unsigned int nsec;
	time_t sec = to_real(mono_ns, &nsec);
	struct tm tm;
	char base[16];

	localtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03u", base, nsec / 1000000);
	return buf;
}
