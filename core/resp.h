/* SPDX-License-Identifier: MIT */
/*
 * resp.h - the answer to a parsed request: status, header block and where
 * the body comes from (memory or a file fd for sendfile).  No I/O but the
 * file lookups of file.c; the connection code does the sending.
 */
#ifndef FX_RESP_H
#define FX_RESP_H

#include <stddef.h>
#include <time.h>

#include "file.h"
#include "http.h"

#define FX_RESP_HDR_MAX	1024

struct fx_resp {
	int		 status;
	int		 close;		/* send Connection: close, then close */
	size_t		 hdr_len;
	struct fx_file	*file;		/* referenced; body from its fd */
	long long	 off;		/* file body: offset and length */
	long long	 len;
	const char	*mem;		/* body in memory instead */
	size_t		 mem_len;
	char		*owned;		/* malloc'd body to free (listing) */
	char		 hdr[FX_RESP_HDR_MAX];
	char		 page[256];	/* error page body */
};

/* Range header outcomes of fx_range_parse. */
#define FX_RANGE_NONE		0	/* absent, invalid or several: 200 */
#define FX_RANGE_OK		1	/* one satisfiable range: 206 */
#define FX_RANGE_UNSAT		2	/* 416 */

/* The current Date header value; fx_resp_clock refreshes it. */
extern char fx_resp_date[32];
void	fx_resp_clock(time_t now);

/*
 * Answer req (parsed FX_OK).  keep is 1 if the connection may stay open
 * (the request's keep-alive, and the server not draining).  Fills r;
 * release it with fx_resp_done.  Never blocks.
 */
void	fx_resp_build(struct fx_resp *r, const struct fx_http_req *req,
	    int keep);

/* An error answer with a small HTML page; head_only drops the page. */
void	fx_resp_error(struct fx_resp *r, int status, int close,
	    int head_only);

void	fx_resp_done(struct fx_resp *r);

/*
 * For other answers built elsewhere (site.c): the status line, Server and
 * Date into r->hdr, returning where the next header goes; then the
 * Connection header and blank line after p, setting r->hdr_len.
 */
char	*fx_resp_start(struct fx_resp *r, int status);
void	fx_resp_finish(struct fx_resp *r, char *p, int ka10);

/*
 * Parse a Range value for a representation of size bytes.  Returns an
 * FX_RANGE_* outcome; with FX_RANGE_OK, *off and *len are the range.
 */
int	fx_range_parse(const char *s, size_t n, long long size, long long *off,
	    long long *len);

/*
 * Does an If-Match or If-None-Match list match etag, or is it "*" alone
 * ("*" inside a list is malformed: no match)?  With weak 0 (If-Match) a
 * W/ tag never matches (RFC 9110 8.8.3.2).
 */
int	fx_etag_match(const char *list, size_t n, const char *etag,
	    int weak);

#endif
