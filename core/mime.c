/* SPDX-License-Identifier: MIT */
/*
 * mime.c - Content-Type by file name extension: what nginx's mime.types
 * maps, plus mjs, gz and a charset for txt.  One sorted table of
 * "ext\0type" strings, searched by halves.
 */
#include <string.h>

#include "mime.h"

#define EXT_MAX		7		/* the longest extension */

/* Sorted by extension (strcmp order); the type follows its NUL. */
static const char *const mime_table[] = {
	"3gp\0video/3gpp",
	"3gpp\0video/3gpp",
	"7z\0application/x-7z-compressed",
	"ai\0application/postscript",
	"asf\0video/x-ms-asf",
	"asx\0video/x-ms-asf",
	"atom\0application/atom+xml",
	"avi\0video/x-msvideo",
	"avif\0image/avif",
	"bmp\0image/x-ms-bmp",
	"cco\0application/x-cocoa",
	"crt\0application/x-x509-ca-cert",
	"css\0text/css",
	"der\0application/x-x509-ca-cert",
	"doc\0application/msword",
	"docx\0application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document",
	"ear\0application/java-archive",
	"eot\0application/vnd.ms-fontobject",
	"eps\0application/postscript",
	"flv\0video/x-flv",
	"gif\0image/gif",
	"gz\0application/gzip",
	"hqx\0application/mac-binhex40",
	"htc\0text/x-component",
	"htm\0text/html",
	"html\0text/html",
	"ico\0image/x-icon",
	"jad\0text/vnd.sun.j2me.app-descriptor",
	"jar\0application/java-archive",
	"jardiff\0application/x-java-archive-diff",
	"jng\0image/x-jng",
	"jnlp\0application/x-java-jnlp-file",
	"jpeg\0image/jpeg",
	"jpg\0image/jpeg",
	"js\0application/javascript",
	"json\0application/json",
	"kar\0audio/midi",
	"kml\0application/vnd.google-earth.kml+xml",
	"kmz\0application/vnd.google-earth.kmz",
	"m3u8\0application/vnd.apple.mpegurl",
	"m4a\0audio/x-m4a",
	"m4v\0video/x-m4v",
	"mid\0audio/midi",
	"midi\0audio/midi",
	"mjs\0application/javascript",
	"mml\0text/mathml",
	"mng\0video/x-mng",
	"mov\0video/quicktime",
	"mp3\0audio/mpeg",
	"mp4\0video/mp4",
	"mpeg\0video/mpeg",
	"mpg\0video/mpeg",
	"odg\0application/vnd.oasis.opendocument.graphics",
	"odp\0application/vnd.oasis.opendocument.presentation",
	"ods\0application/vnd.oasis.opendocument.spreadsheet",
	"odt\0application/vnd.oasis.opendocument.text",
	"ogg\0audio/ogg",
	"pdb\0application/x-pilot",
	"pdf\0application/pdf",
	"pem\0application/x-x509-ca-cert",
	"pl\0application/x-perl",
	"pm\0application/x-perl",
	"png\0image/png",
	"ppt\0application/vnd.ms-powerpoint",
	"pptx\0application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation",
	"prc\0application/x-pilot",
	"ps\0application/postscript",
	"ra\0audio/x-realaudio",
	"rar\0application/x-rar-compressed",
	"rpm\0application/x-redhat-package-manager",
	"rss\0application/rss+xml",
	"rtf\0application/rtf",
	"run\0application/x-makeself",
	"sea\0application/x-sea",
	"shtml\0text/html",
	"sit\0application/x-stuffit",
	"svg\0image/svg+xml",
	"svgz\0image/svg+xml",
	"swf\0application/x-shockwave-flash",
	"tcl\0application/x-tcl",
	"tif\0image/tiff",
	"tiff\0image/tiff",
	"tk\0application/x-tcl",
	"ts\0video/mp2t",
	"txt\0text/plain; charset=utf-8",
	"war\0application/java-archive",
	"wasm\0application/wasm",
	"wbmp\0image/vnd.wap.wbmp",
	"webm\0video/webm",
	"webp\0image/webp",
	"wml\0text/vnd.wap.wml",
	"wmlc\0application/vnd.wap.wmlc",
	"wmv\0video/x-ms-wmv",
	"woff\0font/woff",
	"woff2\0font/woff2",
	"xhtml\0application/xhtml+xml",
	"xls\0application/vnd.ms-excel",
	"xlsx\0application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet",
	"xml\0text/xml",
	"xpi\0application/x-xpinstall",
	"xspf\0application/xspf+xml",
	"zip\0application/zip",
};

const char *
fx_mime_type(const char *path)
{
	const char *dot, *e;
	char ext[EXT_MAX + 1];
	size_t lo = 0, hi = sizeof(mime_table) / sizeof(mime_table[0]), mid;
	size_t i;
	int c;

	if ((dot = strrchr(path, '.')) == NULL || strchr(dot, '/') != NULL)
		return FX_MIME_DEFAULT;
	for (i = 0; dot[i + 1] != '\0'; i++) {
		if (i == EXT_MAX)
			return FX_MIME_DEFAULT;
		c = (unsigned char)dot[i + 1];
		ext[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	ext[i] = '\0';
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = mime_table[mid];
		if ((c = strcmp(ext, e)) == 0)
			return e + strlen(e) + 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return FX_MIME_DEFAULT;
}
