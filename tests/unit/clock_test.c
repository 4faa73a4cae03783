// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <regex.h>
#include "unit.h"
#include "clock.h"

static int matches(const char *s, const char *re)
{
	regex_t r;
	int ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB))
		return 0;
	ok = !regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	return ok;
}

UNIT_TEST(rfc3339_with_microseconds_utc)
{
	char buf[40];

	clock__init();
	clock__rfc3339(clock__mono_ns(), buf, sizeof(buf));
	CHECK(matches(buf, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"),
	      "not RFC 3339 with microseconds: %s", buf);
	clock__hms(clock__mono_ns(), buf, sizeof(buf));
	CHECK(matches(buf, "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}$"), "not HH:MM:SS.mmm: %s", buf);
}

UNIT_TEST(order_and_resolution_kept)
{
	char a[40], b[40];
	uint64_t t = clock__mono_ns();

	clock__init();
	clock__rfc3339(t, a, sizeof(a));
	clock__rfc3339(t + 1000, b, sizeof(b)); /* one microsecond later */
	CHECK(strcmp(a, b) < 0, "%s is not before %s", a, b);
	clock__rfc3339(t, b, sizeof(b));
	CHECK_STR(a, b);
}

int main(void)
{
	return unit_main();
}
