/* SPDX-License-Identifier: MIT */
/*
 * resp_test.c - range math, ETag lists, HTTP dates.
 */
#include <string.h>

#include "resp.h"
#include "test.h"

static int
range(const char *s, long long size, int want, long long woff, long long wlen)
{
	long long off = -1, len = -1;
	int rc = fx_range_parse(s, strlen(s), size, &off, &len);

	if (rc != want || (rc == FX_RANGE_OK && (off != woff || len != wlen))) {
		printf("  range(%s, %lld) = %d %lld+%lld\n", s, size, rc, off,
		    len);
		return 0;
	}
	return 1;
}

/* fx_http_date_parse of s: the time, or -1 if it fails. */
static long long
date(const char *s)
{
	time_t t;

	return fx_http_date_parse(s, strlen(s), &t) == 0 ? (long long)t : -1;
}

int
main(void)
{
	char buf[32];
	time_t t;

	CHECK(range("bytes=0-9", 100, FX_RANGE_OK, 0, 10));
	CHECK(range("bytes=10-", 100, FX_RANGE_OK, 10, 90));
	CHECK(range("bytes=-5", 100, FX_RANGE_OK, 95, 5));
	CHECK(range("bytes=-500", 100, FX_RANGE_OK, 0, 100));
	CHECK(range("bytes=90-200", 100, FX_RANGE_OK, 90, 10));
	CHECK(range("bytes=99-99", 100, FX_RANGE_OK, 99, 1));
	CHECK(range("BYTES=0-0", 100, FX_RANGE_OK, 0, 1));
	CHECK(range("bytes=100-", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=100-200", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=-0", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=0-", 0, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=-5", 0, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=5-4", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=0-1,4-5", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=a-b", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=-", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("items=0-1", 100, FX_RANGE_NONE, 0, 0));
	CHECK(range("bytes=99999999999999999999-", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=9223372036854775807-", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=4611686018427387904-", 100, FX_RANGE_UNSAT, 0, 0));
	CHECK(range("bytes=0-99999999999999999999", 100, FX_RANGE_OK, 0, 100));
	CHECK(range("bytes=7-9223372036854775807", 100, FX_RANGE_OK, 7, 93));
	CHECK(range("bytes=-99999999999999999999", 100, FX_RANGE_OK, 0, 100));
	CHECK(range("bytes=99999999999999999999-99999999999999999999", 100,
	    FX_RANGE_UNSAT, 0, 0));

	CHECK(fx_etag_match("\"a-1\"", 5, "\"a-1\"", 1));
	CHECK(fx_etag_match("W/\"a-1\"", 7, "\"a-1\"", 1));
	CHECK(fx_etag_match("\"x\", \"a-1\"", 10, "\"a-1\"", 1));
	CHECK(fx_etag_match("*", 1, "\"a-1\"", 1));
	CHECK(!fx_etag_match("\"a-2\"", 5, "\"a-1\"", 1));
	CHECK(!fx_etag_match("\"a-1", 4, "\"a-1\"", 1));
	CHECK(!fx_etag_match("a-1", 3, "\"a-1\"", 1));
	CHECK(!fx_etag_match("", 0, "\"a-1\"", 1));
	CHECK(fx_etag_match("\"a-1\"", 5, "\"a-1\"", 0));
	CHECK(!fx_etag_match("W/\"a-1\"", 7, "\"a-1\"", 0));
	CHECK(fx_etag_match("W/\"a-1\", \"a-1\"", 14, "\"a-1\"", 0));
	CHECK(fx_etag_match("*", 1, "\"a-1\"", 0));
	/* "*" counts only alone (RFC 9110 13.1.2); in a list: malformed. */
	CHECK(fx_etag_match(" * ", 3, "\"a-1\"", 1));
	CHECK(!fx_etag_match("\"a\", *", 7, "\"a-1\"", 1));
	CHECK(!fx_etag_match("W/\"6\"*", 6, "\"a-1\"", 1));
	CHECK(!fx_etag_match("\"\"\"\"*", 5, "\"a-1\"", 1));
	CHECK(!fx_etag_match("*, \"a-1\"", 8, "\"b-1\"", 0));

	fx_http_date(784111777, buf);
	CHECK(strcmp(buf, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK(fx_http_date_parse(buf, strlen(buf), &t) == 0 && t == 784111777);
	CHECK(fx_http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", 29, &t) == -1);
	CHECK(fx_http_date_parse("Sun, 06 Foo 1994 08:49:37 GMT", 29, &t) == -1);
	CHECK(fx_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", 29, &t) == -1);
	CHECK(date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
	CHECK(date("Sun Nov  6 08:49:37 1994") == 784111777);
	CHECK(date("Wednesday, 01-Jan-70 00:00:00 GMT") == 0);
	CHECK(date("Sat, 01-Jan-00 00:00:00 GMT") == -1);
	CHECK(date("Saturday, 01-Jan-00 00:00:00 GMT") == 946684800);
	CHECK(date("Sun Nov 16 08:49:37 1994") == 784111777 + 864000);
	CHECK(date("Sun Nov 6 08:49:37 1994") == -1);
	CHECK(date("Sun Nov  6 08:49:37 1994 ") == -1);
	CHECK(date("Sun,  6 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sunday, 06 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06-Nov-94 08:49:37 GMT") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:49:37 gmt") == -1);
	CHECK(date("Sun, 06 Nov 1994 08:60:37 GMT") == -1);
	CHECK(date("Sun, 00 Nov 1994 08:49:37 GMT") == -1);
	CHECK(date("1, 06 Nov 1994 08:49:37 GMT") == -1);
	CHECK(fx_http_date_parse("", 0, &t) == -1);
	return T_END();
}
