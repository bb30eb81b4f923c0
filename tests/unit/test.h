/* SPDX-License-Identifier: MIT */
/*
 * test.h - the one assert macro of the unit tests.  Each CHECK is one
 * case; a failure prints "FAIL: file:line: expr" and the run goes on.
 * Between T_CASE_BEGIN() and T_CASE_END() the CHECKs are the assertions of
 * one case (a golden input fed at every split point is one case, however
 * many checks it makes): it counts once, failed if any of them failed.
 * T_END() prints "TOTAL passed failed" (cases) for tests/run.sh to add up
 * and returns the exit status.
 */
#ifndef FX_TEST_H
#define FX_TEST_H

#include <stdio.h>

static int t_passed, t_failed, t_in_case, t_case_failed;

/* One outcome: a case of its own, or an assertion of the open case. */
static void
t_count(int ok)
{
	if (t_in_case)
		t_case_failed |= !ok;
	else if (ok)
		t_passed++;
	else
		t_failed++;
}

#define T_CASE_BEGIN() (t_in_case = 1, t_case_failed = 0)
#define T_CASE_END() (t_in_case = 0, t_count(!t_case_failed))

#define CHECK(cond) do {						\
	if (cond)							\
		t_count(1);						\
	else {								\
		t_count(0);						\
		printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	}								\
} while (0)

/* CHECK with a printf-style note printed on failure. */
#define CHECKF(cond, ...) do {						\
	if (cond)							\
		t_count(1);						\
	else {								\
		t_count(0);						\
		printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define T_END() (printf("TOTAL %d %d\n", t_passed, t_failed), fflush(stdout), \
	t_failed != 0)

#endif
