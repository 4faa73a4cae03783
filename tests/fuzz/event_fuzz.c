// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry for the perf-buffer record decoder and the text
 * sanitizers behind both outputs: any bytes, any size, as a hostile or
 * broken kernel side (or a script writing into a pinned map) could send.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngx502.h"
#include "event.h"
#include "rules.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* at 4 bytes past 8-byte alignment, as perf hands a sample over */
	uint64_t *buf = malloc(size + 8);
	uint8_t *copy = (uint8_t *)buf + 4;
	char out[4 * NGX502_LOG_MAX + 16];
	struct event ev;

	if (!buf)
		return 0;
	memcpy(copy, data, size);
	if (!event__decode(copy, size, &ev)) {
		if (strnlen(ev.upstream, sizeof(ev.upstream)) == sizeof(ev.upstream))
			abort();
		if (ev.line &&
		    (ev.line_len > NGX502_LOG_MAX ||
		     (const uint8_t *)ev.line + ev.line_len > (const uint8_t *)copy + size))
			abort();
		rules__cause_of(&ev);
		if (ev.line)
			text__visible(ev.line, ev.line_len, out, sizeof(out));
	}
	text__utf8((const char *)data, size, out, sizeof(out));
	text__visible((const char *)data, size, out, sizeof(out));
	free(buf);
	return 0;
}
