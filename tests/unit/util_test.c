/* SPDX-License-Identifier: MIT */
/*
 * util_test.c - strict number parsing (options and config values).
 */
#include <errno.h>

#include "test.h"
#include "util.h"

int
main(void)
{
	long long v = -7;

	CHECK(fx_parse_num("0", 0, 10, &v) == 0 && v == 0);
	CHECK(fx_parse_num("10", 0, 10, &v) == 0 && v == 10);
	CHECK(fx_parse_num("11", 0, 10, &v) == -1 && errno == ERANGE);
	CHECK(fx_parse_num("", 0, 10, &v) == -1 && errno == EINVAL);
	CHECK(fx_parse_num("-1", 0, 10, &v) == -1 && errno == EINVAL);
	CHECK(fx_parse_num("+1", 0, 10, &v) == -1);
	CHECK(fx_parse_num(" 1", 0, 10, &v) == -1);
	CHECK(fx_parse_num("1x", 0, 10, &v) == -1);
	CHECK(fx_parse_num("99999999999999999999999", 0, 1LL << 62, &v) == -1 &&
	    errno == ERANGE);
	CHECK(fx_parse_num("9223372036854775807", 0, 9223372036854775807LL,
	    &v) == 0 && v == 9223372036854775807LL);
	CHECK(fx_parse_num("3", 5, 10, &v) == -1 && errno == ERANGE);

	CHECK(fx_parse_msec("60", 3600000, &v) == 0 && v == 60000);
	CHECK(fx_parse_msec("1.5", 3600000, &v) == 0 && v == 1500);
	CHECK(fx_parse_msec("0.25s", 3600000, &v) == 0 && v == 250);
	CHECK(fx_parse_msec("2s", 3600000, &v) == 0 && v == 2000);
	CHECK(fx_parse_msec("1.", 3600000, &v) == -1);
	CHECK(fx_parse_msec(".5", 3600000, &v) == -1);
	CHECK(fx_parse_msec("5m", 3600000, &v) == -1);
	CHECK(fx_parse_msec("3601", 3600000, &v) == -1 && errno == ERANGE);
	CHECK(fx_parse_msec("99999999999999999999", 3600000, &v) == -1);
	return T_END();
}
