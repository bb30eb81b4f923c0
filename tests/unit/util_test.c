/* SPDX-License-Identifier: MIT */
/*
 * util_test.c - strict number parsing (options and config values).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>

#include "test.h"
#include "util.h"

/*
 * fx_pton against libc's inet_pton: named cases, then random strings of
 * address characters (the same seed every run).  1 when all agree.
 */
static int
pton_agrees(void)
{
	static const char *const named[] = {
		"0.0.0.0", "127.0.0.1", "255.255.255.255", "256.0.0.1",
		"1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1..3.4",
		"1.2.3.4 ", "", ".1.2.3", "1.2.3.", "1000.1.1.1", "::", "::1",
		"1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
		"1::8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:::2", ":1::",
		"1::2::3", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "12345::", "fe80::1",
		"FE80::ABCD", "1:", ":", ":::", "::1.2.3.4", "1.2.3.4::",
		"g::", "0:0:0:0:0:0:0:0", "::ffff:01.2.3.4", "1::2:",
		"1:2:3:4:5:6:7::8", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8",
	};
	/* Three alphabets, so that some strings are addresses of each kind. */
	static const char *const alpha[] = {
		"0123456789abcdefABCDEF:.g", "0125aF::..g", "01259..",
	};
	const char *chars;
	unsigned char a[16], b[16];
	char s[24];
	unsigned int seed = 1;
	int i, j, n, fam, x, y, ok = 1;

	for (i = 0; i < 200000; i++) {
		if (i < (int)(sizeof(named) / sizeof(named[0])))
			snprintf(s, sizeof(s), "%s", named[i]);
		else {
			chars = alpha[i % 3];
			seed = seed * 1103515245 + 12345;
			n = (int)(seed >> 16) % 20;
			for (j = 0; j < n; j++) {
				seed = seed * 1103515245 + 12345;
				s[j] = chars[(seed >> 16) % strlen(chars)];
			}
			s[n] = '\0';
		}
		for (fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
			memset(a, 0xaa, sizeof(a));
			memset(b, 0xaa, sizeof(b));
			x = fx_pton(fam, s, a);
			y = inet_pton(fam, s, b);
			if (x != y || (x == 1 && memcmp(a, b,
			    fam == AF_INET ? 4 : 16) != 0)) {
				printf("  pton %d '%s': %d, libc %d\n", fam, s,
				    x, y);
				ok = 0;
			}
		}
	}
	return ok;
}

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

	{
		static const unsigned char v6[][16] = {
			{ 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,1 },
			{ 0,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0 },
			{ 0x20,1,0xd,0xb8, 0,0,0,0, 0,0,0,0, 0,0,0,1 },
			{ 0x20,1,0xd,0xb8, 0,0,0,1, 0,0,0,0, 0,0,0,1 },
			{ 0xfe,0x80,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0 },
			{ 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff, 10,0,0,1 },
			{ 0,1,0,2, 0,3,0,4, 0,5,0,6, 0,7,0,8 },
			{ 0,1,0,0, 0,3,0,0, 0,0,0,6, 0,7,0,8 },
		};
		static const char *want[] = { "::1", "::", "2001:db8::1",
		    "2001:db8:0:1::1", "fe80::", "::ffff:10.0.0.1",
		    "1:2:3:4:5:6:7:8", "1:0:3::6:7:8" };
		unsigned char v4[4] = { 127, 0, 0, 1 };
		char buf[64];
		size_t i;

		CHECK(fx_ntop(AF_INET, v4, buf, sizeof(buf)) != NULL &&
		    strcmp(buf, "127.0.0.1") == 0);
		CHECK(fx_ntop(AF_INET, v4, buf, 5) == NULL);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECKF(fx_ntop(AF_INET6, v6[i], buf, sizeof(buf)) !=
			    NULL && strcmp(buf, want[i]) == 0, "%s != %s", buf,
			    want[i]);
	}
	{
		/* fx_gmtime/fx_timegm against known dates, both ways. */
		static const struct { long long t; int y, m, d, wd; } dates[] = {
			{ 0, 1970, 1, 1, 4 },
			{ 951782400, 2000, 2, 29, 2 },
			{ 4107542400LL, 2100, 3, 1, 1 },
			{ 1795651199, 2026, 11, 25, 3 },
			{ -86400, 1969, 12, 31, 3 },
		};
		struct tm tm;
		size_t i;

		for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
			fx_gmtime(dates[i].t, &tm);
			CHECKF(tm.tm_year + 1900 == dates[i].y &&
			    tm.tm_mon + 1 == dates[i].m &&
			    tm.tm_mday == dates[i].d &&
			    tm.tm_wday == dates[i].wd &&
			    fx_timegm(&tm) == dates[i].t, "%lld -> %d-%d-%d wd %d",
			    dates[i].t, tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_wday);
		}
		fx_gmtime(1795651199, &tm);
		CHECK(tm.tm_hour == 23 && tm.tm_min == 59 && tm.tm_sec == 59);
	}
	{
		long uid = -1, gid = -1;

		CHECK(fx_getpw("root", &uid, &gid) == 0 && uid == 0 &&
		    gid == 0);
		CHECK(fx_getpw("no-such-user-here", &uid, &gid) == -1 &&
		    errno == ENOENT);
		CHECK(fx_getpw("roo", &uid, &gid) == -1);
	}
	CHECK(fx_strstr("/a/.git", "/.") != NULL);
	CHECK(fx_strstr("/a/b", "/.") == NULL);
	CHECK(fx_ncpu() >= 1);
	CHECK(pton_agrees());
	{
		/* Own setenv/unsetenv: a twin with a longer name stays. */
		CHECK(fx_env_set("FX_T", "1") == 0 && fx_env_set("FX_TT", "2")
		    == 0 && strcmp(getenv("FX_T"), "1") == 0);
		CHECK(fx_env_set("FX_T", "33") == 0 &&
		    strcmp(getenv("FX_T"), "33") == 0 &&
		    strcmp(getenv("FX_TT"), "2") == 0);
		fx_env_unset("FX_T");
		CHECK(getenv("FX_T") == NULL && getenv("FX_TT") != NULL &&
		    getenv("PATH") != NULL);
		fx_env_unset("FX_TT");
		fx_env_unset("FX_NONE");
		CHECK(getenv("FX_TT") == NULL && getenv("PATH") != NULL);
	}
	return T_END();
}
