// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "fixture.h"
#include "unit.h"

const char *fixture__path(const char *name)
{
	static char path[1024];
#ifdef FIXTURES
	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
#else
	/* tests/unit/../fixtures/proc, wherever the tests are run from */
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash ? (int)(slash - __FILE__) : 1;

	snprintf(path, sizeof(path), "%.*s/../fixtures/proc/%s", dirlen, slash ? __FILE__ : ".",
		 name);
#endif
	return path;
}

char *fixture__read(const char *name, size_t *len)
{
	static char tmp[1 << 16];
	FILE *f = fopen(fixture__path(name), "r");
	char *copy;

	*len = 0;
	if (!f) {
		CHECK(0, "cannot open fixture %s", fixture__path(name));
		return NULL;
	}
	*len = fread(tmp, 1, sizeof(tmp), f);
	fclose(f);
	copy = malloc(*len ? *len : 1);
	memcpy(copy, tmp, *len);
	return copy;
}
