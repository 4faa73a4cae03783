// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "unit.h"
#include "../../user/cause.h"

UNIT_TEST(cause_names_round_trip)
{
	int c;

	for (c = CAUSE_NONE + 1; c < CAUSE__COUNT; c++) {
		CHECK(cause__name(c) != NULL, "cause %d has no name", c);
		CHECK(cause__summary(c) != NULL, "cause %d has no summary", c);
		CHECK_INT(cause__from_name(cause__name(c)), c);
	}
	CHECK(cause__name(CAUSE_NONE) == NULL, "CAUSE_NONE has a name");
	CHECK(cause__name(CAUSE__COUNT) == NULL, "out of range has a name");
	CHECK_INT(cause__from_name("no_such_cause"), CAUSE_NONE);
	CHECK_INT(cause__from_name(NULL), CAUSE_NONE);
}

UNIT_TEST(cause_catalogue_is_the_contract)
{
	CHECK_STR(cause__name(CAUSE_UPSTREAM_REFUSED), "upstream_refused");
	CHECK_STR(cause__name(CAUSE_UPSTREAM_SOCKET_PERMISSION), "upstream_socket_permission");
	CHECK_STR(cause__name(CAUSE_LOCAL_PORTS_EXHAUSTED), "local_ports_exhausted");
	CHECK_STR(cause__name(CAUSE_UNKNOWN), "unknown");
}

int main(void)
{
	return unit_main();
}
