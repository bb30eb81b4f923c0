/* SPDX-License-Identifier: MIT */
/*
 * file_test.c - request path decoding and normalisation: every way of
 * writing ".." must stay inside the root or be refused.
 */
#include <string.h>

#include "file.h"
#include "test.h"

static int
dec(const char *raw, const char *want)
{
	char out[FX_PATH_MAX];
	int rc = fx_path_decode(raw, strlen(raw), out, sizeof(out));

	if (want == NULL)
		return rc == -1;
	if (rc != 0 || strcmp(out, want) != 0) {
		printf("  decode(%s) = %d '%s', want '%s'\n", raw, rc,
		    rc == 0 ? out : "", want);
		return 0;
	}
	return 1;
}

int
main(void)
{
	char small[8];
	char big[FX_PATH_MAX + 10];

	CHECK(dec("/", "/"));
	CHECK(dec("/a", "/a"));
	CHECK(dec("/a/", "/a/"));
	CHECK(dec("/a//b", "/a/b"));
	CHECK(dec("//a", "/a"));
	CHECK(dec("/a/./b", "/a/b"));
	CHECK(dec("/a/.", "/a/"));
	CHECK(dec("/a/b/..", "/a/"));
	CHECK(dec("/a/b/../c", "/a/c"));
	CHECK(dec("/a/../index.html", "/index.html"));
	CHECK(dec("/%41%62", "/Ab"));
	CHECK(dec("/a%20b", "/a b"));
	CHECK(dec("/%e2%82%ac", "/\xe2\x82\xac"));	/* euro sign */
	CHECK(dec("/...", "/..."));
	CHECK(dec("/..a", "/..a"));
	CHECK(dec("/%252e%252e/x", "/%2e%2e/x"));	/* a name, not .. */

	CHECK(dec("/..", NULL));
	CHECK(dec("/../etc/passwd", NULL));
	CHECK(dec("/a/../../etc", NULL));
	CHECK(dec("/%2e%2e/etc", NULL));
	CHECK(dec("/%2E%2E/etc", NULL));
	CHECK(dec("/.%2e/etc", NULL));
	CHECK(dec("/a/%2e%2e/%2e%2e/x", NULL));
	CHECK(dec("/%c0%ae%c0%ae/etc", NULL));		/* overlong '.' */
	CHECK(dec("/%e0%80%ae", NULL));			/* overlong, 3 bytes */
	CHECK(dec("/%ed%a0%80", NULL));			/* surrogate */
	CHECK(dec("/%f4%90%80%80", NULL));		/* past U+10FFFF */
	CHECK(dec("/%ff", NULL));
	CHECK(dec("/%e2%82", NULL));			/* truncated */
	CHECK(dec("/..%5c..%5cetc", NULL));		/* backslash */
	CHECK(dec("/a\\b", NULL));
	CHECK(dec("/a%00b", NULL));
	CHECK(dec("/a%0ab", NULL));
	CHECK(dec("/a%2fb", NULL));			/* encoded '/' */
	CHECK(dec("/a%", NULL));
	CHECK(dec("/a%4", NULL));
	CHECK(dec("/a%zz", NULL));
	CHECK(dec("a", NULL));
	CHECK(dec("", NULL));
	CHECK(fx_path_decode("/abcdefghij", 11, small, sizeof(small)) == -1);
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	CHECK(fx_path_decode(big, sizeof(big), small, sizeof(small)) == -1);

	CHECK(fx_path_is_hidden("/.env"));
	CHECK(fx_path_is_hidden("/a/.git/config"));
	CHECK(fx_path_is_hidden("/.well-known/.x"));
	CHECK(!fx_path_is_hidden("/.well-known/acme"));
	CHECK(!fx_path_is_hidden("/.well-known"));
	CHECK(fx_path_is_hidden("/.well-knownx"));
	CHECK(fx_path_is_hidden("/a/.well-known"));
	CHECK(!fx_path_is_hidden("/a.b/c"));
	CHECK(!fx_path_is_hidden("/"));

	CHECK(strcmp(fx_file_type("/a.html"), "text/html") == 0);
	CHECK(strcmp(fx_file_type("/a.HTML"), "text/html") == 0);
	CHECK(strcmp(fx_file_type("/a.txt"), "text/plain; charset=utf-8") == 0);
	CHECK(strcmp(fx_file_type("/a.woff2"), "font/woff2") == 0);
	CHECK(strcmp(fx_file_type("/x.d/a"), "application/octet-stream") == 0);
	CHECK(strcmp(fx_file_type("/a"), "application/octet-stream") == 0);
	return T_END();
}
