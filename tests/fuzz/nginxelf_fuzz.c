// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry for the nginx ELF reader: any bytes, as a local user's
 * crafted binary named nginx would give root's tracer.
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser tests/fuzz/nginxelf_fuzz.c \
 *		user/nginxelf.c -o /tmp/ne
 *	/tmp/ne -max_total_time=60 tests/fuzz/corpus/nginxelf
 * Results must be file offsets inside the input, and errors leave them zero.
 *
 * The seeds are a tiny "nginx" with both symbols and two write() calls, built
 * as PIE with a PLT, PIE with -fno-plt, non-PIE, and unstripped (.symtab):
 *	void ngx_syslog_writer(const char *m) { write(3, m, 1); }
 *	void ngx_log_error_core(int lvl, const char *m, int n)
 *	{ write(2, m, n); if (lvl > 1) write(1, m, n); ngx_syslog_writer(m); }
 *	int main(int argc, char **argv) { ngx_log_error_core(argc, argv[0], 1); return 0; }
 * with cc -O1 -rdynamic -Wl,-z,noseparate-code -Wl,--build-id=none
 * -fno-asynchronous-unwind-tables (noinline on both functions), plus -s for the
 * stripped ones, -fno-plt, or -no-pie -fcf-protection=none.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nginxelf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct nginx_sites zero;
	struct nginx_sites s;
	int err, i;

	memset(&s, 0xa5, sizeof(s));
	err = nginxelf__find_mem(data, size, &s);
	if (err) {
		if (err != -ENOENT && err != -ENOEXEC && err != -EINVAL && err != -EFBIG &&
		    err != -ENOMEM)
			abort();
		if (memcmp(&s, &zero, sizeof(s)))
			abort();
		return 0;
	}
	if (!s.log_core || s.log_core >= size || s.syslog_writer >= size || s.nwrite < 0 ||
	    s.nwrite > NGINXELF_MAX_SITES)
		abort();
	/* a call instruction is at least 5 bytes, all of them in the file */
	for (i = 0; i < s.nwrite; i++)
		if (s.write_calls[i] > size || size - s.write_calls[i] < 5)
			abort();
	return 0;
}
