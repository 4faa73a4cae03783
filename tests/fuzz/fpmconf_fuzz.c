// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry point for the php-fpm config text parser and the listen
 * matching on its result.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser \
 *		tests/fuzz/fpmconf_fuzz.c user/fpmconf.c user/rootfs.c -o fpmconf_fuzz
 *	./fpmconf_fuzz -max_total_time=60 tests/fixtures/fpm-conf
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fpmconf.h"

static const char *const keys[] = {
	"127.0.0.1:9000", "[::1]:9000",		  "localhost:9001",
	"*:9000",	  "unix:/run/php/x.sock", "10.0.0.1:80",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fpm_pool *p;
	struct fpm_conf *c;
	char buf[128];
	size_t k;
	int i;

	c = fpm_conf__parse_text((const char *)data, size, "/fuzz.conf");
	if (!c)
		return 0;
	for (i = 0; i < fpm_conf__npools(c); i++) {
		p = fpm_conf__pool(c, i);
		fpm_pool__listen_key(p, buf, sizeof(buf));
		(void)strlen(p->name);
		if (p->listen.value)
			(void)strlen(p->listen.value);
		/* its own key always finds a pool */
		if (fpm_pool__listen_key(p, buf, sizeof(buf)) && strncmp(buf, "unix:", 5) &&
		    !strchr(buf, ' '))
			fpm_conf__pool_by_listen(c, buf);
	}
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		fpm_conf__pool_by_listen(c, keys[k]);
	fpm_conf__global(c, "error_log");
	for (i = 0; i < fpm_conf__nwarnings(c); i++)
		(void)strlen(fpm_conf__warning(c, i));
	fpm_conf__free(c);
	return 0;
}
