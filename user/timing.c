// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "clock.h"
#include "timing.h"

void timing__phase(const char *name)
{
	static int enabled = -1;
	static uint64_t last;
	uint64_t now;

	if (enabled < 0)
		enabled = getenv("NGX502_TIMING") != NULL;
	if (!enabled)
		return;
	now = clock__mono_ns();
	fprintf(stderr, "timing: %-14s +%.1f ms\n", name, last ? (now - last) / 1e6 : 0.0);
	last = now;
}
