/* SPDX-License-Identifier: MIT */
/*
 * pwhash_test.c - bcrypt and SHA-crypt against hashes made by Debian's
 * htpasswd (apache2-utils) and Python's crypt module (glibc).
 */
#include <string.h>

#include "config.h"
#include "pwhash.h"
#include "test.h"

static const struct {
	const char	*pw;
	const char	*hash;
	int		 sha;		/* needs FEATURE_AUTH_SHA */
} good[] = {
	{ "hello",
	    "$2y$05$x3VgNzsWowMmJRSMWX.vcunylMNuxI40T3g/8bbn53gh/5DC9I1tK", 0 },
	{ "", "$2y$04$atKQiNn6zJpZ0S2mfG2SHuExa0hX6/RxK8g7NMy8swH.wb582Wmm.",
	    0 },
	/* 80 bytes: bcrypt reads 72 */
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxx",
	    "$2y$04$ZmdPTGKztM5NGsajMXGDU.Yo8XdPUv/Ucn10lRE03tKojKqkQsZTe", 0 },
	{ "hello", "$5$saltstring$4mLzDd7PmpYGnmV6HHYAR6tJydOUyhkrRSQDy8q2eK8",
	    1 },
	{ "hello", "$6$saltstring$FAGYDyoYriJZZozrqxKlj3e8sB/i7oiBKr0IsSILeeFj"
	    "OstTzTN7VBrJXtFNTHuRzUnhy.z43X6Jd3KbHZ.me/", 1 },
	{ "hello", "$6$rounds=1234$Xp7p3EPq6.H7uqoa$2mhv5JArwx7gvj8OM3jr5N9Hb"
	    "lyNZ/xrV5PlKcky9XQL5DUtVXOamEtVOBh5hN6Y.ZnPdCTFPsVGmUiqitcdS1", 1 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxx",
	    "$5$rounds=1000$0123456789abcdef$/dCp9LPGWNQnaqOLVFXD78NbP.nu4oxp"
	    "ONC2DHYH6PA", 1 },
	{ "p\xc3\xa4ssw\xc3\xb6rd",
	    "$5$MdAomdUpKjFNndMB$kalQH90kZmFu4RkO.kZU/h4CBIY7drO3ENmy6ZafL.9",
	    1 },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (good[i].sha && !ENABLE_FEATURE_AUTH_SHA) {
			CHECK(fx_pw_kind(good[i].hash) != NULL);
			CHECK(fx_pw_verify(good[i].pw, strlen(good[i].pw),
			    good[i].hash) == 0);
			continue;
		}
		CHECK(fx_pw_kind(good[i].hash) == NULL);
		CHECK(fx_pw_verify(good[i].pw, strlen(good[i].pw),
		    good[i].hash) == 1);
		/* One byte off, at the end: no. */
		CHECK(fx_pw_verify("hellO", 5, good[i].hash) == 0);
	}
	CHECK(fx_pw_verify("hello", 4, good[0].hash) == 0);
	CHECK(fx_pw_kind("$apr1$abc$def") != NULL);
	CHECK(fx_pw_kind("$2y$03$x3VgNzsWowMmJRSMWX.vcunylMNuxI40T3g/8bbn53gh"
	    "/5DC9I1tK") != NULL);
	CHECK(fx_pw_kind("$2y$05$short") != NULL);
	CHECK(fx_pw_kind("plain") != NULL);
	CHECK(fx_pw_verify("he\0lo", 5, good[0].hash) == 0);
	return T_END();
}
