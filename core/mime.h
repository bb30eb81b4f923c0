/* SPDX-License-Identifier: MIT */
/*
 * mime.h - the Content-Type of a file from its name (mime.c).
 */
#ifndef FX_MIME_H
#define FX_MIME_H

#define FX_MIME_DEFAULT	"application/octet-stream"

/*
 * The Content-Type for the extension of path's last segment (ASCII case
 * ignored), or FX_MIME_DEFAULT.  Returns a static string; never fails.
 */
const char	*fx_mime_type(const char *path);

#endif
