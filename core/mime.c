/* SPDX-License-Identifier: MIT */
/*
 * mime.c - Content-Type by file name extension: what nginx's mime.types
 * maps, plus mjs, gz and a charset for txt.  One sorted table of
 * "ext\0type" strings, searched by halves.
 */
#include <string.h>

#include "mime.h"
#include "util.h"

#define EXT_MAX		7		/* the longest extension */

/*
 * Sorted by extension (strcmp order): "ext\0type\0" after each other,
 * an empty extension last.  One string rather than an array of pointers
 * (0.8 KiB); mime_type() indexes it the first time.
 */
static const char mime_table[] =
	"3gp\0video/3gpp\0"
	"3gpp\0video/3gpp\0"
	"7z\0application/x-7z-compressed\0"
	"ai\0application/postscript\0"
	"asf\0video/x-ms-asf\0"
	"asx\0video/x-ms-asf\0"
	"atom\0application/atom+xml\0"
	"avi\0video/x-msvideo\0"
	"avif\0image/avif\0"
	"bmp\0image/x-ms-bmp\0"
	"cco\0application/x-cocoa\0"
	"crt\0application/x-x509-ca-cert\0"
	"css\0text/css\0"
	"der\0application/x-x509-ca-cert\0"
	"doc\0application/msword\0"
	"docx\0application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document\0"
	"ear\0application/java-archive\0"
	"eot\0application/vnd.ms-fontobject\0"
	"eps\0application/postscript\0"
	"flv\0video/x-flv\0"
	"gif\0image/gif\0"
	"gz\0application/gzip\0"
	"hqx\0application/mac-binhex40\0"
	"htc\0text/x-component\0"
	"htm\0text/html\0"
	"html\0text/html\0"
	"ico\0image/x-icon\0"
	"jad\0text/vnd.sun.j2me.app-descriptor\0"
	"jar\0application/java-archive\0"
	"jardiff\0application/x-java-archive-diff\0"
	"jng\0image/x-jng\0"
	"jnlp\0application/x-java-jnlp-file\0"
	"jpeg\0image/jpeg\0"
	"jpg\0image/jpeg\0"
	"js\0application/javascript\0"
	"json\0application/json\0"
	"kar\0audio/midi\0"
	"kml\0application/vnd.google-earth.kml+xml\0"
	"kmz\0application/vnd.google-earth.kmz\0"
	"m3u8\0application/vnd.apple.mpegurl\0"
	"m4a\0audio/x-m4a\0"
	"m4v\0video/x-m4v\0"
	"mid\0audio/midi\0"
	"midi\0audio/midi\0"
	"mjs\0application/javascript\0"
	"mml\0text/mathml\0"
	"mng\0video/x-mng\0"
	"mov\0video/quicktime\0"
	"mp3\0audio/mpeg\0"
	"mp4\0video/mp4\0"
	"mpeg\0video/mpeg\0"
	"mpg\0video/mpeg\0"
	"odg\0application/vnd.oasis.opendocument.graphics\0"
	"odp\0application/vnd.oasis.opendocument.presentation\0"
	"ods\0application/vnd.oasis.opendocument.spreadsheet\0"
	"odt\0application/vnd.oasis.opendocument.text\0"
	"ogg\0audio/ogg\0"
	"pdb\0application/x-pilot\0"
	"pdf\0application/pdf\0"
	"pem\0application/x-x509-ca-cert\0"
	"pl\0application/x-perl\0"
	"pm\0application/x-perl\0"
	"png\0image/png\0"
	"ppt\0application/vnd.ms-powerpoint\0"
	"pptx\0application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation\0"
	"prc\0application/x-pilot\0"
	"ps\0application/postscript\0"
	"ra\0audio/x-realaudio\0"
	"rar\0application/x-rar-compressed\0"
	"rpm\0application/x-redhat-package-manager\0"
	"rss\0application/rss+xml\0"
	"rtf\0application/rtf\0"
	"run\0application/x-makeself\0"
	"sea\0application/x-sea\0"
	"shtml\0text/html\0"
	"sit\0application/x-stuffit\0"
	"svg\0image/svg+xml\0"
	"svgz\0image/svg+xml\0"
	"swf\0application/x-shockwave-flash\0"
	"tcl\0application/x-tcl\0"
	"tif\0image/tiff\0"
	"tiff\0image/tiff\0"
	"tk\0application/x-tcl\0"
	"ts\0video/mp2t\0"
	"txt\0text/plain; charset=utf-8\0"
	"war\0application/java-archive\0"
	"wasm\0application/wasm\0"
	"wbmp\0image/vnd.wap.wbmp\0"
	"webm\0video/webm\0"
	"webp\0image/webp\0"
	"wml\0text/vnd.wap.wml\0"
	"wmlc\0application/vnd.wap.wmlc\0"
	"wmv\0video/x-ms-wmv\0"
	"woff\0font/woff\0"
	"woff2\0font/woff2\0"
	"xhtml\0application/xhtml+xml\0"
	"xls\0application/vnd.ms-excel\0"
	"xlsx\0application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet\0"
	"xml\0text/xml\0"
	"xpi\0application/x-xpinstall\0"
	"xspf\0application/xspf+xml\0"
	"zip\0application/zip\0"
	"";

/* The offset of each entry of mime_table, found once. */
static unsigned short mime_off[128];
static size_t mime_n;

static void
mime_index(void)
{
	const char *e = mime_table;

	while (*e != '\0' && mime_n < FX_NELEM(mime_off)) {
		mime_off[mime_n++] = (unsigned short)(e - mime_table);
		e += strlen(e) + 1;
		e += strlen(e) + 1;
	}
}

const char *
fx_mime_type(const char *path)
{
	const char *dot, *e;
	char ext[EXT_MAX + 1];
	size_t lo = 0, hi, mid;
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
	if (mime_n == 0)
		mime_index();
	hi = mime_n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = mime_table + mime_off[mid];
		if ((c = strcmp(ext, e)) == 0)
			return e + strlen(e) + 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return FX_MIME_DEFAULT;
}
