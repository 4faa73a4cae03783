// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry point for the nginx config text parser: the input is one
 * file's text, and every query runs on the result so the lookups see
 * garbage too.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser \
 *		tests/fuzz/ngxconf_fuzz.c user/ngxconf.c user/ngxconf_query.c user/upstream.c \
 *		user/arena.c user/rootfs.c -o ngxconf_fuzz
 *	./ngxconf_fuzz -max_total_time=60 tests/fixtures/nginx-conf
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ngxconf.h"

static const char *const keys[] = {
	"127.0.0.1:80",		"127.0.0.1:9000", "[::1]:8080", "localhost:80",
	"unix:/run/php/x.sock", "backend",	  "php",	"a",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[8], *levels[8], *s, *f;
	struct ngx_conf_ref refs[16];
	struct ngx_conf *c;
	size_t k;
	int i, n, line;

	c = ngx_conf__parse_text((const char *)data, size, "/fuzz.conf");
	if (!c)
		return 0;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		n = ngx_conf__find_upstream(c, keys[k], refs, 16);
		for (i = 0; i < n; i++) {
			s = ngx_conf__effective(c, &refs[i], "proxy_read_timeout", &f, &line);
			if (s)
				(void)strlen(s);
			ngx_conf__effective(c, &refs[i], "keepalive", NULL, NULL);
			(void)strlen(refs[i].value);
			(void)strlen(refs[i].file);
			(void)strlen(refs[i].pass_file);
		}
	}
	n = ngx_conf__error_logs(c, paths, levels, 8);
	for (i = 0; i < n; i++)
		(void)(strlen(paths[i]) + strlen(levels[i]));
	for (i = 0; i < ngx_conf__nwarnings(c); i++)
		(void)strlen(ngx_conf__warning(c, i));
	ngx_conf__free(c);
	return 0;
}
