// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry for the nginx error-log parser:
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser tests/fuzz/logparse_fuzz.c \
 *		user/logparse.c user/cause.c -o /tmp/lpf
 *	/tmp/lpf -max_total_time=60 tests/fixtures/nginx-error
 * Each input is parsed whole and line by line (the corpus files hold many lines),
 * and every field must come back NUL-terminated inside its array.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "logparse.h"

#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void check(const char *p, size_t n)
{
	struct ngx_log_line l;
	char key[NGXLOG_FIELD_MAX], tiny[4];
	int cause, status;

	if (ngx_log_line__parse(p, n, &l))
		return;
	if (!FIELD_OK(l.errtext) || !FIELD_OK(l.message) || !FIELD_OK(l.action) ||
	    !FIELD_OK(l.client) || !FIELD_OK(l.server) || !FIELD_OK(l.request) ||
	    !FIELD_OK(l.subrequest) || !FIELD_OK(l.upstream) || !FIELD_OK(l.host) ||
	    !FIELD_OK(l.referrer) || !FIELD_OK(l.target) || !FIELD_OK(l.resolver))
		abort();
	if (!ngx_log_level__name(l.level))
		abort();
	cause = ngx_log_line__cause(&l);
	status = ngx_log_line__status(&l);
	if (cause < CAUSE_NONE || cause >= CAUSE__COUNT)
		abort();
	if (status && status != 500 && status != 502 && status != 504)
		abort();
	/* Every line that ends a request with an error names a cause. */
	if (status && cause == CAUSE_NONE)
		abort();
	ngx_log_line__upstream(&l, key, sizeof(key));
	ngx_log_line__upstream(&l, tiny, sizeof(tiny));
	ngx_log_line__upstream(&l, tiny, 1);
	if (strlen(key) >= sizeof(key) || strlen(tiny))
		abort();
	ngx_log_line__body_phase(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *nl;
	char *copy;

	/* An exact-size heap copy, so ASan sees any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	check(copy, size);
	ngx_log_level__from_name(copy, size < 8 ? size : 8);
	free(copy);
	for (; p < e; p = nl + 1) {
		nl = memchr(p, '\n', e - p);
		if (!nl)
			nl = e;
		check(p, nl - p);
	}
	return 0;
}
