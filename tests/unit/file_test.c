/* SPDX-License-Identifier: MIT */
/*
 * file_test.c - request path decoding and normalisation: every way of
 * writing ".." must stay inside the root or be refused.
 */
#include <string.h>

#include "file.h"
#include "mime.h"
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

/* Every extension of the MIME table: "EXT TYPE" (ext case ignored). */
static const char *const mime_want[] = {
	"3gp video/3gpp",
	"3gpp video/3gpp",
	"7z application/x-7z-compressed",
	"ai application/postscript",
	"asf video/x-ms-asf",
	"asx video/x-ms-asf",
	"atom application/atom+xml",
	"avi video/x-msvideo",
	"avif image/avif",
	"bmp image/x-ms-bmp",
	"cco application/x-cocoa",
	"crt application/x-x509-ca-cert",
	"css text/css",
	"der application/x-x509-ca-cert",
	"doc application/msword",
	"docx application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document",
	"ear application/java-archive",
	"eot application/vnd.ms-fontobject",
	"eps application/postscript",
	"flv video/x-flv",
	"gif image/gif",
	"gz application/gzip",
	"hqx application/mac-binhex40",
	"htc text/x-component",
	"htm text/html",
	"html text/html",
	"ico image/x-icon",
	"jad text/vnd.sun.j2me.app-descriptor",
	"jar application/java-archive",
	"jardiff application/x-java-archive-diff",
	"jng image/x-jng",
	"jnlp application/x-java-jnlp-file",
	"jpeg image/jpeg",
	"JPG image/jpeg",
	"js application/javascript",
	"json application/json",
	"kar audio/midi",
	"kml application/vnd.google-earth.kml+xml",
	"kmz application/vnd.google-earth.kmz",
	"m3u8 application/vnd.apple.mpegurl",
	"m4a audio/x-m4a",
	"m4v video/x-m4v",
	"mid audio/midi",
	"midi audio/midi",
	"mjs application/javascript",
	"mml text/mathml",
	"mng video/x-mng",
	"mov video/quicktime",
	"mp3 audio/mpeg",
	"mp4 video/mp4",
	"mpeg video/mpeg",
	"mpg video/mpeg",
	"odg application/vnd.oasis.opendocument.graphics",
	"odp application/vnd.oasis.opendocument.presentation",
	"ods application/vnd.oasis.opendocument.spreadsheet",
	"odt application/vnd.oasis.opendocument.text",
	"ogg audio/ogg",
	"pdb application/x-pilot",
	"pdf application/pdf",
	"pem application/x-x509-ca-cert",
	"pl application/x-perl",
	"pm application/x-perl",
	"png image/png",
	"ppt application/vnd.ms-powerpoint",
	"pptx application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation",
	"prc application/x-pilot",
	"ps application/postscript",
	"ra audio/x-realaudio",
	"rar application/x-rar-compressed",
	"rpm application/x-redhat-package-manager",
	"rss application/rss+xml",
	"rtf application/rtf",
	"run application/x-makeself",
	"sea application/x-sea",
	"shtml text/html",
	"sit application/x-stuffit",
	"svg image/svg+xml",
	"svgz image/svg+xml",
	"swf application/x-shockwave-flash",
	"tcl application/x-tcl",
	"tif image/tiff",
	"tiff image/tiff",
	"tk application/x-tcl",
	"ts video/mp2t",
	"txt text/plain; charset=utf-8",
	"war application/java-archive",
	"wasm application/wasm",
	"wbmp image/vnd.wap.wbmp",
	"webm video/webm",
	"webp image/webp",
	"wml text/vnd.wap.wml",
	"wmlc application/vnd.wap.wmlc",
	"wmv video/x-ms-wmv",
	"woff font/woff",
	"woff2 font/woff2",
	"xhtml application/xhtml+xml",
	"xls application/vnd.ms-excel",
	"xlsx application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet",
	"xml text/xml",
	"xpi application/x-xpinstall",
	"xspf application/xspf+xml",
	"zip application/zip",
};

/* fx_mime_type of "/dir.x/name.EXT" for each "EXT TYPE" of mime_want. */
static int
mime_all(void)
{
	char path[32];
	const char *sp, *got;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(mime_want) / sizeof(mime_want[0]); i++) {
		sp = strchr(mime_want[i], ' ');
		snprintf(path, sizeof(path), "/dir.x/name.%.*s",
		    (int)(sp - mime_want[i]), mime_want[i]);
		got = fx_mime_type(path);
		if (strcmp(got, sp + 1) != 0) {
			printf("  %s: %s\n", path, got);
			ok = 0;
		}
	}
	return ok;
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

	CHECK(strcmp(fx_mime_type("/a.html"), "text/html") == 0);
	CHECK(strcmp(fx_mime_type("/a.HTML"), "text/html") == 0);
	CHECK(strcmp(fx_mime_type("/a.txt"), "text/plain; charset=utf-8") == 0);
	CHECK(strcmp(fx_mime_type("/a.woff2"), "font/woff2") == 0);
	CHECK(strcmp(fx_mime_type("/x.d/a"), "application/octet-stream") == 0);
	CHECK(strcmp(fx_mime_type("/a"), "application/octet-stream") == 0);
	CHECK(strcmp(fx_mime_type("/a.exe"), "application/octet-stream") == 0);
	CHECK(strcmp(fx_mime_type("/a.jardiffx"), "application/octet-stream") ==
	    0);
	CHECK(strcmp(fx_mime_type("/a."), "application/octet-stream") == 0);
	CHECK(strcmp(fx_mime_type("/.woff"), "font/woff") == 0);
	CHECK(strcmp(fx_mime_type("/a.Mp3"), "audio/mpeg") == 0);
	CHECK(mime_all());
	return T_END();
}
