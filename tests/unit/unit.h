/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal named-check harness for the unit tests. Every test binary prints
 * one line per test case ("PASS name" / "FAIL name: why") and ends with
 * "N passed, N failed"; tests/run adds them up.
 *
 *	UNIT_TEST(parse_basic) { CHECK(x == 1, "x is %d", x); }
 *	int main(void) { return unit_main(); }
 */
#ifndef __UNIT_H
#define __UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

extern int unit_case_failed;
extern const char *unit_case_name;

#define UNIT_MAX_CASES 512
extern struct unit_case unit_cases[UNIT_MAX_CASES];
extern int unit_ncases;

#define UNIT_TEST(name)                                                                            \
	static void unit_##name(void);                                                             \
	__attribute__((constructor)) static void unit_reg_##name(void)                             \
	{                                                                                          \
		if (unit_ncases < UNIT_MAX_CASES)                                                  \
			unit_cases[unit_ncases++] = (struct unit_case){#name, unit_##name};        \
	}                                                                                          \
	static void unit_##name(void)

/* A failed CHECK marks the case failed, says why, and goes on. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			if (!unit_case_failed)                                                     \
				printf("FAIL %s: ", unit_case_name);                               \
			else                                                                       \
				printf("     %s: ", unit_case_name);                               \
			printf("%s:%d: ", __FILE__, __LINE__);                                     \
			printf(__VA_ARGS__);                                                       \
			printf("\n");                                                              \
			unit_case_failed = 1;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		CHECK(g_ &&w_ ? !strcmp(g_, w_) : g_ == w_, "got \"%s\", want \"%s\"",             \
		      g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                     \
	} while (0)

#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (got), w_ = (want);                                                 \
		CHECK(g_ == w_, "%s is %lld, want %lld", #got, g_, w_);                            \
	} while (0)

int unit_main(void);

#endif /* __UNIT_H */
