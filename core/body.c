/* SPDX-License-Identifier: MIT */
/*
 * body.c - request bodies, read to be discarded: Content-Length counted
 * down, chunked coding decoded (RFC 9112 7.1) by a byte-at-a-time state
 * machine that any split of the input leaves in the same place.  The
 * size limit counts chunk data, chunk extensions and trailer fields.
 */
#include <stddef.h>

#include "body.h"

#define MAX_CHUNK_SIZE		(1ULL << 60)	/* a chunk size is below */
#define MAX_CHUNK_DIGITS	4096	/* hex digits, leading zeros too */
#define MAX_CHUNK_EXT		4096	/* chunk-ext bytes from the ';' */

/* Body decoder states (b_state). */
enum {
	BS_START = 0,
	BS_LENGTH,		/* Content-Length bytes left in b_left */
	BS_SIZE,		/* chunk-size hex digits */
	BS_SIZE_END,		/* after the digits: OWS ';', CR or LF */
	BS_SIZE_WS,		/* OWS after the digits: ';' must follow */
	BS_EXT,			/* chunk-ext, skipped to the line end */
	BS_SIZE_LF,		/* CR seen on the size line */
	BS_DATA,		/* chunk data, b_left bytes left */
	BS_DATA_END,		/* CR LF after the data */
	BS_DATA_LF,
	BS_TRAILER_START,	/* start of a trailer line or the end */
	BS_TRAILER,		/* inside a trailer field line */
	BS_TRAILER_LF,		/* CR seen in a trailer line */
	BS_END_LF,		/* CR of the final empty line seen */
	BS_DONE,
	BS_ERROR
};

static enum fx_rc
fail(struct fx_http_req *req, int status)
{
	req->status = status;
	return FX_ERROR;
}

/* Value of a hex digit, or 16. */
static unsigned int
hexval(unsigned int c)
{
	if (c - '0' < 10)
		return (c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (c - 'a' + 10);
	return (16);
}

static enum fx_rc
body_chunked(struct fx_http_req *req, const unsigned char *s, size_t len,
    unsigned long long max, size_t *used)
{
	unsigned long long	 n;
	unsigned int		 c, d;
	size_t			 i;
	int			 st;

	st = req->b_state;
	for (i = 0; i < len; ) {
		c = s[i];
		switch (st) {
		case BS_SIZE:
			d = hexval(c);
			if (d < 16) {
				/* The value counts, not the digits (nginx). */
				if (++req->b_count > MAX_CHUNK_DIGITS ||
				    req->b_left >= MAX_CHUNK_SIZE >> 4)
					goto bad;
				req->b_left = req->b_left << 4 | d;
				i++;
				break;
			}
			if (req->b_count == 0)
				goto bad;
			if (req->b_left > max - req->b_total)
				goto too_large;
			st = BS_SIZE_END;
			break;			/* look at c again */
		case BS_SIZE_END:
			i++;
			if (c == '\r')
				st = BS_SIZE_LF;
			else if (c == '\n')
				goto size_done;
			else if (c == ';') {
				req->b_count = 1;	/* the ';' */
				st = BS_EXT;
			} else if (c == ' ' || c == '\t')
				st = BS_SIZE_WS;
			else
				goto bad;
			break;
		case BS_SIZE_WS:
			i++;
			if (c == ';') {
				req->b_count = 1;	/* the ';' */
				st = BS_EXT;
			} else if (c != ' ' && c != '\t')
				goto bad;
			break;
		case BS_EXT:
			i++;
			if (c == '\r')
				st = BS_SIZE_LF;
			else if (c == '\n')
				goto size_done;
			else if ((c < 0x20 && c != '\t') || c == 0x7f)
				goto bad;
			else if (++req->b_count > MAX_CHUNK_EXT)
				goto bad;
			else if (++req->b_total > max)
				goto too_large;
			break;
		case BS_SIZE_LF:
			i++;
			if (c != '\n')
				goto bad;
		size_done:
			if (req->b_left > max - req->b_total)
				goto too_large;	/* after its extensions */
			st = req->b_left == 0 ? BS_TRAILER_START : BS_DATA;
			break;
		case BS_DATA:
			n = len - i;
			if (n > req->b_left)
				n = req->b_left;
			i += n;
			req->b_left -= n;
			req->b_total += n;
			if (req->b_left == 0)
				st = BS_DATA_END;
			break;
		case BS_DATA_END:
		case BS_DATA_LF:
			i++;
			if (c == '\r' && st == BS_DATA_END)
				st = BS_DATA_LF;
			else if (c == '\n') {
				req->b_count = 0;
				st = BS_SIZE;
			} else
				goto bad;
			break;
		case BS_TRAILER_START:
			i++;
			if (c == '\r')
				st = BS_END_LF;
			else if (c == '\n')
				goto done;
			else if (++req->b_total > max)
				goto too_large;
			else
				st = BS_TRAILER;
			break;
		case BS_TRAILER:
			i++;
			if (c == '\r')
				st = BS_TRAILER_LF;
			else if (c == '\n')
				st = BS_TRAILER_START;
			else if (++req->b_total > max)
				goto too_large;
			break;
		case BS_TRAILER_LF:
		case BS_END_LF:
			i++;
			if (c != '\n')
				goto bad;
			if (st == BS_END_LF)
				goto done;
			st = BS_TRAILER_START;
			break;
		default:
			goto bad;	/* NOTREACHED */
		}
	}
	req->b_state = st;
	*used = len;
	return (FX_AGAIN);
done:
	req->b_state = BS_DONE;
	*used = i;
	return (FX_OK);
bad:
	req->b_state = BS_ERROR;
	*used = i;
	return (fail(req, 400));
too_large:
	req->b_state = BS_ERROR;
	*used = i;
	return (fail(req, 413));
}

/*
 * Skip the body of a parsed request.  buf holds the bytes that follow what
 * earlier calls used; *used is how many of them are body, so what follows
 * is the next request.  FX_AGAIN uses all len bytes.  max bounds the body
 * (413); a bad chunk is a 400.
 */
enum fx_rc
fx_body_parse(struct fx_http_req *req, const char *buf, size_t len,
    unsigned long long max, size_t *used)
{
	size_t	n;

	*used = 0;
	if (req->b_state == BS_START) {
		if (req->chunked) {
			req->b_state = BS_SIZE;
			req->b_left = 0;
			req->b_count = 0;
		} else if (req->content_length > 0) {
			if ((unsigned long long)req->content_length > max)
				return (fail(req, 413));
			req->b_state = BS_LENGTH;
			req->b_left = req->content_length;
		} else
			req->b_state = BS_DONE;
	}
	switch (req->b_state) {
	case BS_DONE:
		return (FX_OK);
	case BS_ERROR:
		return (FX_ERROR);
	case BS_LENGTH:
		n = len < req->b_left ? len : req->b_left;
		req->b_left -= n;
		req->b_total += n;
		*used = n;
		if (req->b_left != 0)
			return (FX_AGAIN);
		req->b_state = BS_DONE;
		return (FX_OK);
	}
	return (body_chunked(req, (const unsigned char *)buf, len, max, used));
}

