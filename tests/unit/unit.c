// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "unit.h"

int unit_case_failed;
const char *unit_case_name;
struct unit_case unit_cases[UNIT_MAX_CASES];
int unit_ncases;

int unit_main(void)
{
	int i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < unit_ncases; i++) {
		unit_case_name = unit_cases[i].name;
		unit_case_failed = 0;
		unit_cases[i].fn();
		if (unit_case_failed) {
			failed++;
		} else {
			passed++;
			printf("PASS %s\n", unit_case_name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
