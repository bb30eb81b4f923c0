/* SPDX-License-Identifier: MIT */
/*
 * body.h - request bodies after a parsed head: consumed and discarded,
 * with a size limit.  Pure: bytes in, counts out, no I/O.
 */
#ifndef FX_BODY_H
#define FX_BODY_H

#include "http.h"

/*
 * Consume request body bytes from buf[0..len) to discard them, after a
 * head parsed FX_OK.  Stores in *used how many bytes belong to the body.
 * max bounds the chunk data, extensions and trailers in total.
 * Returns FX_OK when the body is complete, FX_AGAIN when more is needed,
 * FX_ERROR with req->status set (400 bad chunk, 413 past max).
 */
enum fx_rc fx_body_parse(struct fx_http_req *req, const char *buf, size_t len,
	    unsigned long long max, size_t *used);

#endif
