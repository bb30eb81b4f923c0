/* SPDX-License-Identifier: MIT */
/*
 * test.h - the one assert macro of the unit tests.  Each CHECK is one
 * test; a failure prints "FAIL: file:line: expr" and the run goes on.
 * T_END() prints "TOTAL passed failed" for tests/run.sh to add up and
 * returns the exit status.
 */
#ifndef FX_TEST_H
#define FX_TEST_H

#include <stdio.h>

static int t_passed, t_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		t_passed++;						\
	else {								\
		t_failed++;						\
		printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	}								\
} while (0)

/* CHECK with a printf-style note printed on failure. */
#define CHECKF(cond, ...) do {						\
	if (cond)							\
		t_passed++;						\
	else {								\
		t_failed++;						\
		printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define T_END() (printf("TOTAL %d %d\n", t_passed, t_failed), fflush(stdout), \
	t_failed != 0)

#endif
