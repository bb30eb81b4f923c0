/* SPDX-License-Identifier: MIT */
/*
 * http_test.c - tests of the HTTP parser (core/http.c).  Every golden case
 * data/NAME.in (raw request bytes) is parsed at once and compared with the
 * dump in data/NAME.out, then fed again in pieces, which must give the same
 * dump.  The body decoder, the size limits and the reasons are unit-tested.
 */

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "http.h"
#include "test.h"

#define DUMP_MAX	65536

static const char *const method_names[] = {
	"UNKNOWN", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
	"PATCH", "TRACE", "CONNECT"
};

static unsigned long rnd_state = 1;

/* A small LCG, so that the "random" splits are the same on every run. */
static unsigned long
rnd(void)
{
	rnd_state = rnd_state * 1103515245UL + 12345UL;
	return ((rnd_state >> 16) & 0x7fff);
}

/* A parse result as text, as in the .out files. */
struct dump {
	char	buf[DUMP_MAX];
	size_t	len;
};

static void
dprint(struct dump *d, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->len, sizeof(d->buf) - d->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->len += (size_t)n < sizeof(d->buf) - d->len ? (size_t)n :
		    sizeof(d->buf) - d->len - 1;
}

/* "name [value]", with bytes outside 0x20-0x7e and '\' as \xHH. */
static void
dump_str(struct dump *d, const char *name, const struct fx_str *str)
{
	size_t	i;

	if (str->p == NULL)
		return;
	dprint(d, "%s [", name);
	for (i = 0; i < str->n; i++) {
		unsigned char	c = str->p[i];

		if (c < 0x20 || c > 0x7e || c == '\\')
			dprint(d, "\\x%02x", c);
		else
			dprint(d, "%c", c);
	}
	dprint(d, "]\n");
}

static void
dump(struct dump *d, int rc, const struct fx_http_req *r)
{
	d->len = 0;
	d->buf[0] = '\0';
	if (rc == FX_AGAIN) {
		dprint(d, "rc AGAIN\n");
		return;
	}
	if (rc == FX_ERROR) {
		dprint(d, "rc ERROR\nstatus %d\n", r->status);
		return;
	}
	dprint(d, "rc OK\nmethod %s\n", r->method >= 0 &&
	    r->method <= FX_M_CONNECT ? method_names[r->method] : "?");
	dump_str(d, "method_name", &r->method_name);
	dprint(d, "minor %d\n", r->minor);
	dump_str(d, "target", &r->target);
	dump_str(d, "path", &r->path);
	dump_str(d, "query", &r->query);
	dump_str(d, "host", &r->host);
	dprint(d, "keep_alive %d\ncontent_length %lld\nchunked %d\n",
	    r->keep_alive, r->content_length, r->chunked);
	dprint(d, "accept_gzip %d\nhead_len %zu\n", r->accept_gzip,
	    r->head_len);
	dump_str(d, "range", &r->range);
	dump_str(d, "if_range", &r->if_range);
	dump_str(d, "if_none_match", &r->if_none_match);
	dump_str(d, "if_modified_since", &r->if_modified_since);
	dump_str(d, "if_match", &r->if_match);
	dump_str(d, "if_unmodified_since", &r->if_unmodified_since);
	dump_str(d, "user_agent", &r->user_agent);
	dump_str(d, "referer", &r->referer);
	if (r->expect_continue)
		dprint(d, "expect_continue 1\n");
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*p;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n + 1);
	if (p != NULL && fread(p, 1, n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p != NULL) {
		p[n] = '\0';
		*lenp = n;
	}
	return (p);
}

/*
 * Parse in through the cut points cuts[0..ncuts) (increasing, the last
 * one is its length) and dump the result into out.  Each call gets a fresh copy
 * of exactly the bytes so far, so that the sanitizer catches a read past
 * len and a pointer kept from an earlier call.
 */
static void
parse_cuts(const char *in, const size_t *cuts, int ncuts, struct dump *out)
{
	struct fx_http_req	 req;
	char			*b;
	int			 i, rc = FX_AGAIN;

	fx_http_init(&req);
	for (i = 0; i < ncuts; i++) {
		b = malloc(cuts[i] ? cuts[i] : 1);
		memcpy(b, in, cuts[i]);
		rc = fx_http_parse(&req, b, cuts[i]);
		if (rc != FX_AGAIN || i == ncuts - 1) {
			dump(out, rc, &req);
			free(b);
			return;
		}
		free(b);
	}
	dump(out, rc, &req);
}

static void
parse_once(const char *in, size_t len, struct dump *out)
{
	parse_cuts(in, &len, 1, out);
}

/*
 * Feed the head one byte more each time.  Short inputs get a fresh copy
 * of exactly k bytes per call, long ones share one buffer (same start, as
 * in the server) to keep the run quick.
 */
static void
parse_bytes(const char *in, size_t len, struct dump *out)
{
	struct fx_http_req	 req;
	char			*b, *all;
	size_t			 k;
	int			 rc = FX_AGAIN;

	fx_http_init(&req);
	all = malloc(len ? len : 1);
	memcpy(all, in, len);
	if (len == 0)
		rc = fx_http_parse(&req, all, 0);
	for (k = 1; k <= len; k++) {
		b = all;
		if (len <= 4096) {
			b = malloc(k);
			memcpy(b, in, k);
		}
		rc = fx_http_parse(&req, b, k);
		if (rc != FX_AGAIN || k == len)
			dump(out, rc, &req);
		if (b != all)
			free(b);
		if (rc != FX_AGAIN)
			break;
	}
	if (len == 0)
		dump(out, rc, &req);
	free(all);
}

static int
cmp_names(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Run every golden case in dir; returns how many there were. */
static int
golden(const char *dir)
{
	static struct dump got, again;
	char		 path[4096], *names[1024], *in, *want;
	size_t		 cuts[8], len, wlen, n;
	struct dirent	*de;
	DIR		*d;
	int		 i, j, k, nnames = 0;

	if ((d = opendir(dir)) == NULL) {
		CHECKF(0, "cannot open %s", dir);
		return (0);
	}
	while ((de = readdir(d)) != NULL && nnames < 1024) {
		n = strlen(de->d_name);
		if (n > 3 && strcmp(de->d_name + n - 3, ".in") == 0)
			names[nnames++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), cmp_names);

	for (i = 0; i < nnames; i++) {
		T_CASE_BEGIN();
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		in = read_file(path, &len);
		snprintf(path, sizeof(path), "%s/%.*s.out", dir,
		    (int)strlen(names[i]) - 3, names[i]);
		want = read_file(path, &wlen);
		CHECKF(in != NULL && want != NULL, "%s: unreadable", path);
		if (in == NULL || want == NULL)
			goto next;

		parse_once(in, len, &got);
		CHECKF(strcmp(got.buf, want) == 0,
		    "%s\n--- got:\n%s--- want:\n%s", names[i], got.buf, want);

		parse_bytes(in, len, &again);
		CHECKF(strcmp(again.buf, got.buf) == 0,
		    "%s: byte by byte\n--- got:\n%s--- at once:\n%s",
		    names[i], again.buf, got.buf);

		for (j = 0; j < 4 && len > 1; j++) {
			k = 0;
			cuts[k] = 1 + rnd() % (len - 1);
			while (k < 6 && cuts[k] < len - 1) {
				cuts[k + 1] = cuts[k] + 1 +
				    rnd() % (len - cuts[k] - 1);
				k++;
			}
			if (cuts[k] != len)
				cuts[++k] = len;
			parse_cuts(in, cuts, k + 1, &again);
			CHECKF(strcmp(again.buf, got.buf) == 0,
			    "%s: split at %zu (%d cuts)\n--- got:\n%s"
			    "--- at once:\n%s", names[i], cuts[0], k + 1,
			    again.buf, got.buf);
		}
next:
		T_CASE_END();
		free(in);
		free(want);
		free(names[i]);
	}
	return (nnames);
}

/*
 * Limits that must be hit as soon as they are certain: feed a growing
 * buffer and return the length at which the parser first said FX_ERROR
 * (0 if never), with the status in *status.
 */
static size_t
first_error(const char *in, size_t len, int *status)
{
	struct fx_http_req	req;
	size_t			k;

	fx_http_init(&req);
	for (k = 1; k <= len; k++) {
		switch (fx_http_parse(&req, in, k)) {
		case FX_ERROR:
			*status = req.status;
			return (k);
		case FX_OK:
			*status = 200;
			return (0);
		case FX_AGAIN:
			/* The search for the end never goes back. */
			if (k >= 16 && k < FX_HTTP_MAX_HEAD &&
			    req.scanned != k) {
				CHECKF(0, "scanned %zu after %zu bytes",
				    req.scanned, k);
				return (0);
			}
			break;
		}
	}
	*status = 0;
	return (0);
}

static void
test_limits(void)
{
	char	*b;
	size_t	 n, k;
	int	 st;

	b = malloc(3 * FX_HTTP_MAX_HEAD);

	/* Early rejection: one byte is enough. */
	CHECK(first_error("\x16\x03\x01\x00", 4, &st) == 1 && st == 400);
	CHECK(first_error("\0GET", 4, &st) == 1 && st == 400);
	CHECK(first_error("\r\n\x80", 3, &st) == 3 && st == 400);
	CHECK(first_error("\rX", 2, &st) == 2 && st == 400);
	CHECK(first_error(" GET", 4, &st) == 1 && st == 400);

	/* 414: as soon as FX_HTTP_MAX_LINE + 1 bytes hold no line end. */
	memcpy(b, "GET /", 5);
	memset(b + 5, 'a', 2 * FX_HTTP_MAX_LINE);
	CHECK(first_error(b, 2 * FX_HTTP_MAX_LINE, &st) ==
	    FX_HTTP_MAX_LINE + 1 && st == 414);
	/* ... one more when that byte may be the CR of a CR LF */
	b[FX_HTTP_MAX_LINE] = '\r';
	CHECK(first_error(b, 2 * FX_HTTP_MAX_LINE, &st) ==
	    FX_HTTP_MAX_LINE + 2 && st == 414);
	/* ... and after leading empty lines, counted from the method */
	memcpy(b, "\r\n\nGET /", 8);
	memset(b + 8, 'a', 2 * FX_HTTP_MAX_LINE);
	CHECK(first_error(b, 2 * FX_HTTP_MAX_LINE, &st) ==
	    FX_HTTP_MAX_LINE + 4 && st == 414);

	/* 431: as soon as FX_HTTP_MAX_HEAD bytes hold no blank line. */
	n = snprintf(b, 64, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (k = 0; n < 2 * FX_HTTP_MAX_HEAD; k++)
		n += snprintf(b + n, 64, "X-%04zu: %040zu\r\n", k, k);
	CHECK(first_error(b, n, &st) == FX_HTTP_MAX_HEAD && st == 431);

	/* A head of exactly FX_HTTP_MAX_HEAD bytes is fine. */
	n = snprintf(b, 64, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(b + n, 'v', FX_HTTP_MAX_HEAD - n - 4);
	memcpy(b + FX_HTTP_MAX_HEAD - 4, "\r\n\r\n", 4);
	CHECK(first_error(b, FX_HTTP_MAX_HEAD, &st) == 0 && st == 200);
	b[FX_HTTP_MAX_HEAD - 5] = 'w';
	memcpy(b + FX_HTTP_MAX_HEAD - 4, "w\r\n\r\n", 5);
	CHECK(first_error(b, FX_HTTP_MAX_HEAD + 1, &st) ==
	    FX_HTTP_MAX_HEAD && st == 431);

	free(b);
}

/* The contract: same buffer start, growing len, results in the buffer. */
static void
test_same_buffer(void)
{
	static const char	 r[] = "GET /x HTTP/1.1\r\nHost: h\r\n"
	    "Range: bytes=0-1\r\n\r\nNEXT";
	struct fx_http_req	 req;
	size_t			 k;
	int			 rc = FX_AGAIN;

	fx_http_init(&req);
	for (k = 0; k <= sizeof(r) - 1 && rc == FX_AGAIN; k++)
		rc = fx_http_parse(&req, r, k);
	CHECK(rc == FX_OK);
	CHECK(req.head_len == sizeof(r) - 1 - 4);
	CHECK(k == req.head_len + 1);	/* OK with the head's last byte */
	CHECK(req.path.p == r + 4 && req.path.n == 2);
	CHECK(req.range.p != NULL && memcmp(req.range.p, "bytes=0-1", 9) == 0);

	/* What follows is the next request. */
	k = req.head_len;
	fx_http_init(&req);
	CHECK(fx_http_parse(&req, r + k, 4) == FX_AGAIN);
}

/*
 * Feed a body through fx_http_body: at once (split 0), cut in two at
 * split, or byte by byte (split -1).  Returns the final rc, or -1 if
 * *used broke its contract; *usedp gets the body bytes in all, *status
 * the status on FX_ERROR.
 */
static int
body_run(const char *in, size_t len, int chunked, long long cl,
    unsigned long long max, long split, size_t *usedp, int *status)
{
	struct fx_http_req	 req;
	size_t			 off = 0, n, used;
	int			 rc;
	char			*b;

	fx_http_init(&req);
	req.chunked = chunked;
	req.content_length = cl;
	*usedp = 0;
	*status = 0;
	for (;;) {
		if (split == 0)
			n = len - off;
		else if (split > 0)
			n = off == 0 ? (size_t)split : len - off;
		else
			n = off < len ? 1 : 0;
		b = malloc(n ? n : 1);
		memcpy(b, in + off, n);
		used = (size_t)-1;
		rc = fx_body_parse(&req, b, n, max, &used);
		free(b);
		if (rc == FX_ERROR) {
			*status = req.status;
			return (rc);
		}
		/* AGAIN takes all bytes; OK may leave the next request. */
		if (used > n || (rc == FX_AGAIN && used != n))
			return (-1);
		*usedp += used;
		off += used;
		if (rc == FX_OK)
			return (rc);
		if (off == len)
			return (rc);
	}
}

/* Run a body every way and check it ends as expected. */
static void
body_case(const char *name, const char *in, size_t len, int chunked,
    long long cl, unsigned long long max, int want_rc, int want_status,
    size_t want_used)
{
	size_t	used;
	long	split;
	int	rc, st;

	T_CASE_BEGIN();
	for (split = -1; split < (long)len; split++) {
		rc = body_run(in, len, chunked, cl, max, split, &used, &st);
		CHECKF(rc == want_rc && (rc == FX_ERROR ?
		    st == want_status : used == want_used),
		    "%s (split %ld): rc %d status %d used %zu", name, split,
		    rc, st, used);
	}
	T_CASE_END();
}

/* str is the body then tail bytes of what follows it. */
#define BODY(name, str, tail, ch, cl, max, rc, st)			\
	body_case(name, str, sizeof(str) - 1, ch, cl, max, rc, st,	\
	    sizeof(str) - 1 - (tail))

static void
test_body(void)
{
	struct fx_http_req	 req;
	char			 big[8192];
	size_t			 used, n;
	int			 st;

	/* Content-Length */
	BODY("cl", "helloGET", 3, 0, 5, 100, FX_OK, 0);
	BODY("cl short", "hel", 0, 0, 5, 100, FX_AGAIN, 0);
	BODY("cl max", "hello", 0, 0, 5, 5, FX_OK, 0);
	BODY("cl 0", "GET", 3, 0, 0, 100, FX_OK, 0);
	BODY("no body", "GET", 3, 0, -1, 100, FX_OK, 0);
	BODY("cl 413", "", 0, 0, 6, 5, FX_ERROR, 413);
	fx_http_init(&req);
	req.content_length = 1LL << 62;
	CHECK(fx_body_parse(&req, "", 0, 1 << 20, &used) == FX_ERROR &&
	    req.status == 413);
	CHECK(fx_body_parse(&req, "x", 1, 1 << 20, &used) == FX_ERROR);

	/* chunked */
	BODY("chunked", "5\r\nhello\r\n0\r\n\r\nGET", 3, 1, -1, 100, FX_OK, 0);
	BODY("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, 1,
	    -1, 100, FX_OK, 0);
	BODY("hex", "a\r\n0123456789\r\nF\r\n0123456789abcde\r\n0\r\n\r\n",
	    0, 1, -1, 100, FX_OK, 0);
	BODY("leading zeros", "000000000000005\r\nhello\r\n0\r\n\r\n", 0, 1,
	    -1, 100, FX_OK, 0);
	BODY("bare lf", "5\nhello\n0\n\nX", 1, 1, -1, 100, FX_OK, 0);
	BODY("ext", "5;a=b\r\nhello\r\n3 ; x=\"y;z\"\r\nabc\r\n0;last\r\n"
	    "\r\n", 0, 1, -1, 100, FX_OK, 0);
	BODY("ext ws", "5\t;a\r\nhello\r\n0\r\n\r\n", 0, 1, -1, 100, FX_OK,
	    0);
	BODY("trailers", "3\r\nabc\r\n0\r\nX-Sum: 1\r\nY: 2\n\r\nGET /", 5,
	    1, -1, 100, FX_OK, 0);
	BODY("incomplete", "5\r\nhel", 0, 1, -1, 100, FX_AGAIN, 0);
	BODY("incomplete end", "0\r\n\r", 0, 1, -1, 100, FX_AGAIN, 0);
	BODY("max", "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 0, 1, -1, 10,
	    FX_OK, 0);

	/* bad chunk sizes and framing */
	BODY("empty size", "\r\nhello", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("no digits", ";x\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("sign", "-5\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("plus", "+5\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("0x", "0x5\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("lead space", " 5\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("trail space", "5 \r\nhello\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("not hex", "5g\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("16 digits", "0000000000000005\r\nhello\r\n0\r\n\r\n", 0, 1,
	    -1, 100, FX_OK, 0);
	BODY("20 digits", "00000000000000000005\r\nhello\r\n0\r\n\r\n", 0,
	    1, -1, 100, FX_OK, 0);
	BODY("zeros then 60 bits", "00000fffffffffffffff\r\nab", 0, 1, -1,
	    ~0ULL, FX_AGAIN, 0);
	BODY("zeros then 61 bits", "000001000000000000000\r\n", 0, 1, -1,
	    ~0ULL, FX_ERROR, 400);
	BODY("overflow", "10000000000000000\r\n", 0, 1, -1, ~0ULL, FX_ERROR,
	    400);
	BODY("ffff", "ffffffffffffffffffff\r\n", 0, 1, -1, ~0ULL, FX_ERROR,
	    400);
	BODY("cr alone", "5\rhello\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("no crlf", "5\r\nhelloX\r\n0\r\n\r\n", 0, 1, -1, 100, FX_ERROR,
	    400);
	BODY("cr x", "5\r\nhello\rX0\r\n\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("long", "4\r\nhello\r\n0\r\n\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("ext ctl", "5;a\001\r\nhello\r\n", 0, 1, -1, 100, FX_ERROR, 400);
	BODY("trailer cr", "0\r\nX: a\rb\r\n\r\n", 0, 1, -1, 100, FX_ERROR,
	    400);
	BODY("end cr", "0\r\n\rX", 0, 1, -1, 100, FX_ERROR, 400);

	/* 413 past the max */
	BODY("413 first", "b\r\nhello world\r\n0\r\n\r\n", 0, 1, -1, 10,
	    FX_ERROR, 413);
	BODY("413 total", "6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n", 0, 1,
	    -1, 10, FX_ERROR, 413);
	BODY("413 huge", "fffffffffffffff\r\n", 0, 1, -1, ~0ULL >> 5,
	    FX_ERROR, 413);
	BODY("60 bits", "fffffffffffffff\r\nab", 0, 1, -1, ~0ULL, FX_AGAIN, 0);

	/* digits of a chunk size, leading zeros too */
	memset(big, '0', 4096);
	n = 4096;
	n += snprintf(big + n, sizeof(big) - n, "1\r\nx\r\n0\r\n\r\n");
	body_case("4097 digits", big, n, 1, -1, 100, FX_ERROR, 400, 0);
	n = 4095;
	n += snprintf(big + n, sizeof(big) - n, "1\r\nx\r\n0\r\n\r\n");
	body_case("4096 digits", big, n, 1, -1, 100, FX_OK, 0, n);

	/* chunk extension length */
	n = snprintf(big, sizeof(big), "1;");
	memset(big + n, 'e', 4096 - 1);
	n += 4096 - 1;
	n += snprintf(big + n, sizeof(big) - n, "\r\nx\r\n0\r\n\r\n");
	body_case("ext 4096", big, n, 1, -1, 8192, FX_OK, 0, n);
	n = snprintf(big, sizeof(big), "1;");
	memset(big + n, 'e', 4096);
	n += 4096;
	n += snprintf(big + n, sizeof(big) - n, "\r\nx\r\n0\r\n\r\n");
	body_case("ext 4097", big, n, 1, -1, 8192, FX_ERROR, 400, 0);
	body_case("ext 4096 past max", big, n, 1, -1, 100, FX_ERROR, 413, 0);

	/* max bounds extensions and trailers too, in total */
	BODY("ext total", "1;aaaa\r\nx\r\n1;bbbb\r\ny\r\n0\r\n\r\n", 0, 1, -1,
	    9, FX_ERROR, 413);
	BODY("ext total max", "1;aaaa\r\nx\r\n1;bbbb\r\ny\r\n0\r\n\r\n", 0, 1,
	    -1, 10, FX_OK, 0);
	BODY("trailer total", "0\r\nX: 12\r\nY: 34\r\n\r\n", 0, 1, -1, 9,
	    FX_ERROR, 413);
	BODY("trailer total max", "0\r\nX: 12\r\nY: 34\r\n\r\n", 0, 1, -1, 10,
	    FX_OK, 0);

	/* done stays done, an error stays an error */
	fx_http_init(&req);
	req.chunked = 1;
	CHECK(fx_body_parse(&req, "0\r\n\r\nGET", 8, 10, &used) == FX_OK &&
	    used == 5);
	CHECK(fx_body_parse(&req, "GET", 3, 10, &used) == FX_OK && used == 0);
	fx_http_init(&req);
	req.chunked = 1;
	CHECK(fx_body_parse(&req, "z", 1, 10, &used) == FX_ERROR &&
	    req.status == 400);
	CHECK(fx_body_parse(&req, "0\r\n\r\n", 5, 10, &used) == FX_ERROR);
	(void)st;
}

static void
test_reason(void)
{
	static const int	 codes[] = { 100, 101, 200, 204, 206, 301, 302,
	    304, 307, 308, 400, 403, 404, 405, 408, 411, 412, 413, 414, 416,
	    417, 431, 500, 501, 503, 505 };
	size_t			 i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECKF(fx_http_reason(codes[i])[0] != '\0', "%d", codes[i]);
	CHECK(strcmp(fx_http_reason(200), "OK") == 0);
	CHECK(strcmp(fx_http_reason(404), "Not Found") == 0);
	CHECK(strcmp(fx_http_reason(431),
	    "Request Header Fields Too Large") == 0);
	CHECK(fx_http_reason(299)[0] == '\0');
	CHECK(fx_http_reason(-1)[0] == '\0');
}

int
main(int argc, char *argv[])
{
	int	n;

	n = golden(argc > 1 ? argv[1] : "tests/unit/data");
	CHECKF(n >= 60, "only %d golden cases", n);
	test_limits();
	test_same_buffer();
	test_body();
	test_reason();
	printf("http_test: %d golden cases\n", n);
	return (T_END());
}
