/* SPDX-License-Identifier: MIT */
/*
 * http.h - the pure HTTP/1.1 request parser (RFC 9112): bytes in, struct
 * out, no I/O, no allocation.  The parser keeps pointers into the caller's
 * buffer, so the buffer must not move while the request is in use.
 */
#ifndef FX_HTTP_H
#define FX_HTTP_H

#include <stddef.h>

enum fx_rc {
	FX_OK = 0,		/* a whole request head (or body) is parsed */
	FX_AGAIN,		/* need more bytes */
	FX_ERROR		/* malformed: answer req->status and close */
};

enum fx_http_method {
	FX_M_UNKNOWN = 0,	/* a token we do not implement: 501 */
	FX_M_GET,
	FX_M_HEAD,
	FX_M_POST,
	FX_M_PUT,
	FX_M_DELETE,
	FX_M_OPTIONS,
	FX_M_PATCH,
	FX_M_TRACE,
	FX_M_CONNECT
};

#define FX_HTTP_MAX_LINE	8192	/* request line past this: 414 */
#define FX_HTTP_MAX_HEAD	16384	/* whole head past this: 431 */
#define FX_HTTP_MAX_HEADERS	100	/* header fields past this: 431 */

struct fx_str {
	const char	*p;
	size_t		 n;
};

/* Header fields the server acts on; others are checked and skipped. */
struct fx_http_req {
	/* parser state: zero the struct (fx_http_init) before a request */
	size_t		 scanned;	/* bytes already searched for the end */
	size_t		 line_end;	/* offset past the request line, or 0 */

	/* results, valid after FX_OK */
	size_t		 head_len;	/* bytes of the head incl. blank line */
	int		 method;	/* enum fx_http_method */
	int		 minor;		/* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	int		 keep_alive;	/* 1 if the connection may persist */
	int		 chunked;	/* Transfer-Encoding ends in chunked */
	long long	 content_length; /* -1 when absent */
	struct fx_str	 method_name;	/* the method token as sent */
	struct fx_str	 target;	/* request-target as sent */
	struct fx_str	 path;		/* target up to '?' or '#', raw */
	struct fx_str	 query;		/* after '?', raw, may be empty */
	struct fx_str	 host;
	struct fx_str	 if_none_match;
	struct fx_str	 if_modified_since; /* "" when sent twice */
	struct fx_str	 if_match;	/* the first line only */
	struct fx_str	 if_unmodified_since; /* "" when sent twice */
	struct fx_str	 if_range;
	struct fx_str	 range;
	struct fx_str	 user_agent;	/* for the access log */
	struct fx_str	 referer;	/* for the access log */
	struct fx_str	 accept_encoding; /* the first line, for precomp.c */
	struct fx_str	 authorization;	/* the first line, for auth.c */
	int		 accept_gzip;	/* Accept-Encoding allows gzip */
	int		 expect_continue; /* Expect: 100-continue */

	/* on FX_ERROR: the status to answer with (400, 414, 431, 501 ...) */
	int		 status;

	/* chunked body decoder state (fx_http_body) */
	int		 b_state;
	unsigned int	 b_count;	/* size digits or extension bytes */
	unsigned long long b_left;	/* bytes left in chunk / body */
	unsigned long long b_total;	/* body, extension, trailer bytes */
};

/*
 * Reset req for a new request.
 */
void	fx_http_init(struct fx_http_req *req);

/*
 * Parse a request head from buf[0..len).  buf always starts at the first
 * byte of the request; call again with the same start and a longer len
 * after FX_AGAIN (work already done is not repeated).  Returns FX_OK with
 * req filled in and req->head_len set, FX_AGAIN when the head is not yet
 * complete, or FX_ERROR with req->status set.  Never blocks.
 */
enum fx_rc fx_http_parse(struct fx_http_req *req, const char *buf, size_t len);

/* The reason phrase for a status code ("Not Found"); "" if unknown. */
const char *fx_http_reason(int status);

#endif
