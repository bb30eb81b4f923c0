/* SPDX-License-Identifier: MIT */
/*
 * http.c - the HTTP/1.1 request parser (RFC 9112).  fx_http_parse() finds
 * the blank line that ends the head with memchr(), keeping its place
 * across calls, then parses the whole head in one pass (a head that came
 * whole is parsed at once).  Bodies are body.c's.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "http.h"

#define MAX_EMPTY_LINES		8	/* skipped before a request line */
#define MAX_CONTENT_LENGTH	(1LL << 62)

/* Byte classes. */
#define C_TOKEN		0x01	/* tchar (RFC 9110 5.6.2) */
#define C_PATH		0x02	/* request-target byte but '?' and '#' */
#define C_QUERY		0x04	/* request-target byte but '#' */
#define C_VALUE		0x08	/* field-value byte: HT, SP, VCHAR, obs-text */
#define C_HOST		0x10	/* Host value byte: no HT, SP, '/' or '@' */

#define NO	0
#define WS	C_VALUE					/* HT, SP */
#define VA	(C_PATH | C_QUERY | C_VALUE | C_HOST)	/* obs-text */
#define SL	(C_PATH | C_QUERY | C_VALUE)		/* '/', '@' */
#define PQ	(C_PATH | C_QUERY | C_VALUE | C_HOST)
#define QV	(C_QUERY | C_VALUE | C_HOST)		/* '?' */
#define TV	(C_TOKEN | C_VALUE | C_HOST)		/* '#' */
#define TK	(C_TOKEN | C_PATH | C_QUERY | C_VALUE | C_HOST)

static const unsigned char cls[256] = {
	NO, NO, NO, NO, NO, NO, NO, NO, NO, WS, NO, NO, NO, NO, NO, NO,	/* 00 */
	NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,	/* 10 */
	WS, TK, PQ, TV, TK, TK, TK, TK, PQ, PQ, TK, TK, PQ, TK, TK, SL,	/* 20 */
	TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, PQ, PQ, PQ, PQ, PQ, QV,	/* 30 */
	SL, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK,	/* 40 */
	TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, PQ, PQ, PQ, TK, TK,	/* 50 */
	TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK,	/* 60 */
	TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, TK, PQ, TK, PQ, TK, NO,	/* 70 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* 80 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* 90 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* a0 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* b0 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* c0 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* d0 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA,	/* e0 */
	VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA, VA	/* f0 */
};

/* Header fields we act on, found by name. */
enum {
	F_OTHER = 0,
	F_HOST,
	F_RANGE,
	F_REFERER,
	F_IF_RANGE,
	F_CONNECTION,
	F_USER_AGENT,
	F_IF_NONE_MATCH,
	F_CONTENT_LENGTH,
	F_ACCEPT_ENCODING,
	F_TRANSFER_ENCODING,
	F_IF_MODIFIED_SINCE,
	F_IF_MATCH,
	F_IF_UNMODIFIED_SINCE,
	F_EXPECT,
	F_AUTHORIZATION
};

/*
 * Word-at-a-time scanning, where the first flagged byte of a mask is the
 * lowest one: little-endian GCC and clang.  Elsewhere WORDS is 0 and the
 * byte loops do all the work.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDS		1
#define FIRST_BYTE(m)	((size_t)__builtin_ctzll(m) >> 3)
#else
#define WORDS		0
#define FIRST_BYTE(m)	((size_t)0)
#endif

/* -Os would not inline the hot helpers; tell it to. */
#if defined(__GNUC__)
#define HOT	inline __attribute__((__always_inline__))
#else
#define HOT	inline
#endif

#define ONES		0x0101010101010101ULL
#define HIGHS		0x8080808080808080ULL

/*
 * Flag the bytes of w below 0x20 or equal to 0x7f (CTL_BYTES), or equal
 * to ':' (COLON_BYTES).  Borrows may flag bytes above a true hit, never
 * below one, so the lowest flag is exact.
 */
#define CTL_BYTES(w)	\
	((((w) - ONES * 0x20) | (((w) ^ ONES * 0x7f) - ONES)) & ~(w) & HIGHS)
#define ZERO_BYTES(x)	(((x) - ONES) & ~(x) & HIGHS)
#define COLON_BYTES(w)	ZERO_BYTES((w) ^ ONES * ':')

/* What the header fields told us; folded into req at the end. */
struct fields {
	unsigned char	 host;		/* a Host field was seen */
	unsigned char	 has_cl;
	unsigned char	 te;		/* a Transfer-Encoding field was seen */
	unsigned char	 te_chunked;	/* the last coding so far is chunked */
	unsigned char	 te_bad;	/* chunked applied twice */
	unsigned char	 te_other;	/* a coding we do not implement */
	unsigned char	 close;
	unsigned char	 keep_alive;
	unsigned char	 gzip;		/* AE_* for gzip */
	unsigned char	 star;		/* AE_* for "*" */
};

/* What Accept-Encoding says of a coding. */
#define AE_UNLISTED	0
#define AE_REFUSED	1	/* q=0 */
#define AE_ACCEPTED	2

static enum fx_rc
fail(struct fx_http_req *req, int status)
{
	req->status = status;
	return (FX_ERROR);
}

static HOT uint64_t
load8(const void *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof(w));
	return (w);
}

static HOT uint32_t
load4(const void *p)
{
	uint32_t	w;

	memcpy(&w, p, sizeof(w));
	return (w);
}

/*
 * The case bit (0x20) of each letter of lowercase lc, 0 for its other
 * bytes: letters are the bytes with bit 6 set.  OR-ing this into the
 * input folds only where lc has a letter, so '-' and digits must match
 * exactly (a CR does not fold onto '-', "Content\rLength").
 */
static HOT uint32_t
letters4(const char *lc)
{
	return ((load4(lc) >> 1) & 0x20202020U);
}

static HOT uint64_t
letters8(const char *lc)
{
	return ((load8(lc) >> 1) & ONES * 0x20);
}

/*
 * Compare n >= 4 bytes with a lowercase name of letters, digits and '-',
 * ASCII case-folded a word at a time.
 */
static HOT int
lc_eq(const unsigned char *p, const char *lc, size_t n)
{
	size_t	i;

	if (n < 8)
		return ((load4(p) | letters4(lc)) == load4(lc) &&
		    (load4(p + n - 4) | letters4(lc + n - 4)) ==
		    load4(lc + n - 4));
	for (i = 0; i + 8 < n; i += 8)
		if ((load8(p + i) | letters8(lc + i)) != load8(lc + i))
			return (0);
	return ((load8(p + n - 8) | letters8(lc + n - 8)) ==
	    load8(lc + n - 8));
}

/* Does the line at s start with name (lowercase, n >= 4 bytes) and ':'? */
static HOT int
name_is(const unsigned char *s, const unsigned char *end, const char *name,
    size_t n)
{
	return ((size_t)(end - s) > n && s[n] == ':' && lc_eq(s, name, n));
}

/*
 * The field we act on whose name and ':' start the line at s, with the
 * name's length in *np; F_OTHER for any other line.  Our names are
 * letters and '-', so a match is a valid token too.
 */
static int
field_id(const unsigned char *s, const unsigned char *end, size_t *np)
{
#define NAME(str, id)	do {						\
	if (name_is(s, end, str, sizeof(str) - 1)) {			\
		*np = sizeof(str) - 1;					\
		return (id);						\
	}								\
} while (0)

	switch (*s | 0x20) {
	case 'a':
		NAME("accept-encoding", F_ACCEPT_ENCODING);
		if (ENABLE_FEATURE_AUTH)
			NAME("authorization", F_AUTHORIZATION);
		break;
	case 'c':
		NAME("connection", F_CONNECTION);
		NAME("content-length", F_CONTENT_LENGTH);
		break;
	case 'e':
		NAME("expect", F_EXPECT);
		break;
	case 'h':
		NAME("host", F_HOST);
		break;
	case 'i':
		NAME("if-none-match", F_IF_NONE_MATCH);
		NAME("if-modified-since", F_IF_MODIFIED_SINCE);
		NAME("if-range", F_IF_RANGE);
		NAME("if-match", F_IF_MATCH);
		NAME("if-unmodified-since", F_IF_UNMODIFIED_SINCE);
		break;
	case 'r':
		NAME("range", F_RANGE);
		NAME("referer", F_REFERER);
		break;
	case 't':
		NAME("transfer-encoding", F_TRANSFER_ENCODING);
		break;
	case 'u':
		NAME("user-agent", F_USER_AGENT);
		break;
	}
	return (F_OTHER);
#undef NAME
}

static int
method_id(const unsigned char *m, size_t n)
{
	switch (n) {
	case 3:
		if (memcmp(m, "GET", 3) == 0)
			return (FX_M_GET);
		if (memcmp(m, "PUT", 3) == 0)
			return (FX_M_PUT);
		break;
	case 4:
		if (memcmp(m, "HEAD", 4) == 0)
			return (FX_M_HEAD);
		if (memcmp(m, "POST", 4) == 0)
			return (FX_M_POST);
		break;
	case 5:
		if (memcmp(m, "PATCH", 5) == 0)
			return (FX_M_PATCH);
		if (memcmp(m, "TRACE", 5) == 0)
			return (FX_M_TRACE);
		break;
	case 6:
		if (memcmp(m, "DELETE", 6) == 0)
			return (FX_M_DELETE);
		break;
	case 7:
		if (memcmp(m, "OPTIONS", 7) == 0)
			return (FX_M_OPTIONS);
		if (memcmp(m, "CONNECT", 7) == 0)
			return (FX_M_CONNECT);
		break;
	}
	return (FX_M_UNKNOWN);
}

/*
 * The first byte at or after s that cannot be in a field value: a CTL
 * but HT, or DEL.  The line's LF stops the scan; end only bounds the
 * word loads.
 */
static HOT const unsigned char *
value_end(const unsigned char *s, const unsigned char *end)
{
	uint64_t	m;

	while (WORDS && end - s >= 8) {
		m = CTL_BYTES(load8(s));
		if (m == 0) {
			s += 8;
			continue;
		}
		s += FIRST_BYTE(m);
		if (*s != '\t')
			return (s);
		s++;
	}
	while (cls[*s] & C_VALUE)
		s++;
	return (s);
}

/* The first ':' in s..end, or end. */
static const unsigned char *
find_colon(const unsigned char *s, const unsigned char *end)
{
	uint64_t	m;

	while (WORDS && end - s >= 8) {
		m = COLON_BYTES(load8(s));
		if (m != 0)
			return (s + FIRST_BYTE(m));
		s += 8;
	}
	while (s < end && *s != ':')
		s++;
	return (s);
}

/* Are the bytes s..e all tchar?  Four at a time, as names are long. */
static int
is_token(const unsigned char *s, const unsigned char *e)
{
	unsigned int	acc = C_TOKEN;

	for (; e - s >= 4; s += 4)
		acc &= cls[s[0]] & cls[s[1]] & cls[s[2]] & cls[s[3]];
	for (; s < e; s++)
		acc &= cls[*s];
	return (acc & C_TOKEN);
}

/*
 * Step to the next element of a comma-separated list in [*pp, e), with
 * OWS trimmed; empty elements are skipped (RFC 9110 5.6.1).  Returns 0
 * at the end of the list.
 */
static int
list_next(const unsigned char **pp, const unsigned char *e,
    const unsigned char **sp, const unsigned char **ep)
{
	const unsigned char	*p = *pp, *t;

	while (p < e && (*p == ',' || *p == ' ' || *p == '\t'))
		p++;
	if (p == e)
		return (0);
	*sp = p;
	while (p < e && *p != ',')
		p++;
	for (t = p; t[-1] == ' ' || t[-1] == '\t'; t--)
		;
	*ep = t;
	*pp = p;
	return (1);
}

/* Content-Length: 1*DIGIT, or a list of equal values ("5, 5"). */
static int
content_length(const unsigned char *p, const unsigned char *e, long long *out)
{
	long long	v, first = -1;
	unsigned int	d;

	for (;;) {
		if (p == e || (unsigned int)(*p - '0') > 9)
			return (-1);
		v = 0;
		do {
			d = *p++ - '0';
			if (v > (MAX_CONTENT_LENGTH - d) / 10)
				return (-1);
			v = v * 10 + d;
		} while (p < e && (unsigned int)(*p - '0') <= 9);
		if (first != -1 && v != first)
			return (-1);
		first = v;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			break;
		if (*p++ != ',')
			return (-1);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
	}
	*out = first;
	return (0);
}

/* Is the qvalue at p (up to e, ';' or OWS) zero: "0", "0." or "0.000"? */
static int
qzero(const unsigned char *p, const unsigned char *e)
{
	if (p == e || *p++ != '0')
		return (0);
	if (p < e && *p == '.')
		for (p++; p < e && *p == '0'; p++)
			;
	return (p == e || *p == ';' || *p == ' ' || *p == '\t');
}

static void
accept_encoding(struct fields *f, const unsigned char *p,
    const unsigned char *e)
{
	const unsigned char	*s, *t, *c, *ce;
	int			 ok;

	/* Browsers send "gzip, deflate, br": decided by the first coding. */
	if (e - p >= 4 && lc_eq(p, "gzip", 4) && (e - p == 4 || p[4] == ',')) {
		f->gzip = AE_ACCEPTED;
		return;
	}
	while (list_next(&p, e, &s, &t)) {
		for (ce = s; ce < t && *ce != ';' && *ce != ' ' &&
		    *ce != '\t'; ce++)
			;
		ok = 1;
		for (c = ce; c < t; ) {
			if (*c++ != ';')
				continue;
			while (c < t && (*c == ' ' || *c == '\t'))
				c++;
			if (t - c >= 2 && (c[0] | 0x20) == 'q' && c[1] == '=')
				ok = !qzero(c + 2, t);
		}
		/* A gzip with q > 0 wins over one with q = 0. */
		if ((ce - s == 4 && lc_eq(s, "gzip", 4)) ||
		    (ce - s == 6 && lc_eq(s, "x-gzip", 6))) {
			if (ok)
				f->gzip = AE_ACCEPTED;
			else if (f->gzip == AE_UNLISTED)
				f->gzip = AE_REFUSED;
		} else if (ce - s == 1 && *s == '*') {
			if (ok)
				f->star = AE_ACCEPTED;
			else if (f->star == AE_UNLISTED)
				f->star = AE_REFUSED;
		}
	}
}

static void
connection(struct fields *f, const unsigned char *p, const unsigned char *e)
{
	const unsigned char	*s, *t;

	if (e - p == 10 && lc_eq(p, "keep-alive", 10)) {
		f->keep_alive = 1;
		return;
	}
	while (list_next(&p, e, &s, &t)) {
		if (t - s == 5 && lc_eq(s, "close", 5))
			f->close = 1;
		else if (t - s == 10 && lc_eq(s, "keep-alive", 10))
			f->keep_alive = 1;
	}
}

static void
transfer_encoding(struct fields *f, const unsigned char *p,
    const unsigned char *e)
{
	const unsigned char	*s, *t;

	f->te = 1;
	while (list_next(&p, e, &s, &t)) {
		/* RFC 9112 6.1: chunked is applied once, and last. */
		if (f->te_chunked)
			f->te_bad = 1;
		f->te_chunked = t - s == 7 && lc_eq(s, "chunked", 7);
		if (!f->te_chunked)
			f->te_other = 1;
	}
}

static void
keep_first(struct fx_str *str, const unsigned char *v, const unsigned char *e)
{
	if (str->p == NULL) {
		str->p = (const char *)v;
		str->n = e - v;
	}
}

/*
 * A date field sent twice is a list, which no HTTP-date is: an empty
 * value marks it present and invalid, to be ignored (RFC 9110 13.1.3).
 */
static void
one_date(struct fx_str *str, const unsigned char *v, const unsigned char *e)
{
	if (str->p != NULL)
		str->n = 0;
	else {
		str->p = (const char *)v;
		str->n = e - v;
	}
}

/* Act on the value v..e of a field we know. */
static int
field(struct fx_http_req *req, struct fields *f, int id,
    const unsigned char *v, const unsigned char *e)
{
	long long	cl;

	switch (id) {
	case F_HOST:
		if (f->host)
			return (-1);
		f->host = 1;
		req->host.p = (const char *)v;
		req->host.n = e - v;
		break;
	case F_RANGE:
		keep_first(&req->range, v, e);
		break;
	case F_REFERER:
		keep_first(&req->referer, v, e);
		break;
	case F_IF_RANGE:
		keep_first(&req->if_range, v, e);
		break;
	case F_CONNECTION:
		connection(f, v, e);
		break;
	case F_USER_AGENT:
		keep_first(&req->user_agent, v, e);
		break;
	case F_IF_NONE_MATCH:
		keep_first(&req->if_none_match, v, e);
		break;
	case F_CONTENT_LENGTH:
		if (content_length(v, e, &cl) == -1 ||
		    (f->has_cl && cl != req->content_length))
			return (-1);
		f->has_cl = 1;
		req->content_length = cl;
		break;
	case F_ACCEPT_ENCODING:
		if (ENABLE_FEATURE_PRECOMPRESSED)
			keep_first(&req->accept_encoding, v, e);
		accept_encoding(f, v, e);
		break;
	case F_TRANSFER_ENCODING:
		transfer_encoding(f, v, e);
		break;
	case F_IF_MODIFIED_SINCE:
		one_date(&req->if_modified_since, v, e);
		break;
	case F_IF_MATCH:
		keep_first(&req->if_match, v, e);
		break;
	case F_IF_UNMODIFIED_SINCE:
		one_date(&req->if_unmodified_since, v, e);
		break;
	case F_AUTHORIZATION:
		keep_first(&req->authorization, v, e);
		break;
	case F_EXPECT:
		/* RFC 9110 10.1.1; other expectations are ignored. */
		if (e - v == 12 && lc_eq(v, "100-continue", 12))
			req->expect_continue = 1;
		break;
	}
	return (0);
}

/* absolute-form: http://authority[/path], or https; pe ends the path. */
static int
absolute(struct fx_http_req *req, const unsigned char *t,
    const unsigned char *pe, struct fx_str *host)
{
	const unsigned char	*a, *ae;

	if (pe - t < 7 || !lc_eq(t, "http", 4))
		return (-1);
	a = t + 4;
	if ((*a | 0x20) == 's')
		a++;
	if (pe - a < 3 || a[0] != ':' || a[1] != '/' || a[2] != '/')
		return (-1);
	a += 3;
	for (ae = a; ae < pe && *ae != '/'; ae++)
		if (*ae == '@')		/* userinfo: RFC 9110 4.2.4 */
			return (-1);
	if (ae == a)
		return (-1);
	host->p = (const char *)a;
	host->n = ae - a;
	if (ae < pe) {
		req->path.p = (const char *)ae;
		req->path.n = pe - ae;
	} else {
		/* No path means "/": point at the last '/' of "//". */
		req->path.p = (const char *)a - 1;
		req->path.n = 1;
	}
	return (0);
}

/*
 * Split the request-target t..te ('?' at q or NULL) into path, query and
 * host by its form (RFC 9112 3.2); host is set for absolute-form and
 * authority-form only.
 */
static int
target(struct fx_http_req *req, const unsigned char *t,
    const unsigned char *q, const unsigned char *te, struct fx_str *host)
{
	const unsigned char	*a, *pe, *c;

	pe = q != NULL ? q : te;
	if (req->method == FX_M_CONNECT) {
		/* authority-form: uri-host ":" port */
		if (q != NULL)
			return (-1);
		for (c = te - 1; c > t && *c != ':'; c--)
			if ((unsigned int)(*c - '0') > 9)
				return (-1);
		if (c == t || c == te - 1)
			return (-1);
		for (a = t; a < c; a++)
			if (*a == '/' || *a == '@')
				return (-1);
		host->p = (const char *)t;
		host->n = te - t;
		req->path.p = (const char *)t;
		req->path.n = 0;
		return (0);
	}
	if (*t == '*') {
		if (te - t != 1 || req->method != FX_M_OPTIONS)
			return (-1);
		req->path.p = (const char *)t;
		req->path.n = 1;
		return (0);
	}
	if (*t == '/') {
		req->path.p = (const char *)t;
		req->path.n = pe - t;
	} else if (absolute(req, t, pe, host) == -1)
		return (-1);
	if (q != NULL) {
		req->query.p = (const char *)q + 1;
		req->query.n = te - q - 1;
	}
	return (0);
}

/*
 * Parse a head from its request line at buf + start.  The bytes before
 * end hold whole lines: the last byte is a LF, so a scan that stops at a
 * CTL never runs past end, and a CR is never the last byte.  end bounds
 * the word loads.  Returns FX_AGAIN if end comes before the blank line.
 */
static enum fx_rc
parse_head(struct fx_http_req *req, const unsigned char *buf, size_t start,
    const unsigned char *end)
{
	struct fields		 f;
	struct fx_str		 thost = { NULL, 0 };
	const unsigned char	*s, *m, *t, *q, *te, *v, *ve, *c, *f_start;
	size_t			 nfields, n;
	int			 id, major, minor;

	/* request-line = method SP request-target SP HTTP-version */
	s = m = buf + start;
	if (end - s >= 4 && load4(s) == load4("GET ")) {
		req->method = FX_M_GET;
		s += 3;
	} else {
		while (cls[*s] & C_TOKEN)
			s++;
		if (*s != ' ')
			return (fail(req, 400));
		req->method = method_id(m, s - m);
	}
	req->method_name.p = (const char *)m;
	req->method_name.n = s - m;

	t = ++s;
	while (cls[*s] & C_PATH)
		s++;
	q = NULL;
	if (*s == '?') {
		q = s;
		do
			s++;
		while (cls[*s] & C_QUERY);
	}
	/*
	 * A fragment is no part of a request-target, but nginx ignores
	 * one: so do we.  Raw obs-text (UTF-8) is taken as nginx does too;
	 * the path decoder checks it.
	 */
	f_start = s;
	if (*s == '#')
		do
			s++;
		while (cls[*s] & C_QUERY);
	if (*s != ' ' || s == t)
		return (fail(req, 400));
	te = s++;
	req->target.p = (const char *)t;
	req->target.n = te - t;

	/* Compared byte by byte so that nothing past the LF is read. */
	if (s[0] != 'H' || s[1] != 'T' || s[2] != 'T' || s[3] != 'P' ||
	    s[4] != '/' || (unsigned int)(s[5] - '0') > 9 || s[6] != '.' ||
	    (unsigned int)(s[7] - '0') > 9)
		return (fail(req, 400));
	major = s[5] - '0';
	minor = s[7] - '0';
	s += 8;
	if ((size_t)(s - m) > FX_HTTP_MAX_LINE)
		return (fail(req, 414));
	if (*s == '\r')
		s++;
	if (*s++ != '\n')
		return (fail(req, 400));
	req->line_end = s - buf;
	if (major != 1) {
		/* An HTTP/2 preface ("PRI * HTTP/2.0") is no request. */
		if (major == 2 && minor == 0)
			return (fail(req, 400));
		return (fail(req, 505));
	}
	req->minor = minor != 0;
	if ((f_start != te && (f_start == t || *t == '*' ||
	    req->method == FX_M_CONNECT)) ||
	    target(req, t, q, f_start, &thost) == -1)
		return (fail(req, 400));

	memset(&f, 0, sizeof(f));
	req->content_length = -1;
	for (nfields = 0;; nfields++) {
		if (s == end)
			return (FX_AGAIN);
		if (*s <= '\r')
			break;		/* CR, LF or junk, sorted out below */
		if (nfields == FX_HTTP_MAX_HEADERS)
			return (fail(req, 431));

		/*
		 * field-name ":" OWS field-value OWS.  Any other name must
		 * be a token right before the ':', which also refuses
		 * obs-fold and "name :".
		 */
		id = field_id(s, end, &n);
		if (id == F_OTHER) {
			c = find_colon(s, end);
			if (c == end || c == s || !is_token(s, c))
				return (fail(req, 400));
			v = c + 1;
		} else {
			v = s + n + 1;
			if (*v == ' ')
				v++;
			while (cls[*v] == WS)
				v++;
		}
		if (id == F_HOST) {
			/* Host bytes, then only OWS: no SP, '/' or '@'. */
			for (s = v; cls[*s] & C_HOST; s++)
				;
			for (ve = s; cls[*s] == WS; s++)
				;
		} else
			s = ve = value_end(v, end);
		if (*s == '\r')
			s++;
		if (*s++ != '\n')
			return (fail(req, 400));
		if (id != F_OTHER) {
			while (ve > v && cls[ve[-1]] == WS)
				ve--;
			if (field(req, &f, id, v, ve) == -1)
				return (fail(req, 400));
		}
	}
	if (*s == '\r')
		s++;
	if (*s++ != '\n')
		return (fail(req, 400));
	req->head_len = s - buf;

	/* RFC 9112 3.2: HTTP/1.1 requires exactly one Host. */
	if (req->minor == 1 && !f.host)
		return (fail(req, 400));
	if (thost.p != NULL)
		req->host = thost;	/* RFC 9112 3.2.2 */
	if (f.te) {
		/* RFC 9112 6.1, 6.3: TE with CL is a smuggling attempt. */
		if (req->minor == 0 || f.has_cl || f.te_bad || !f.te_chunked)
			return (fail(req, 400));
		if (f.te_other)
			return (fail(req, 501));
		req->chunked = 1;
	}
	if (f.close)
		req->keep_alive = 0;
	else
		req->keep_alive = req->minor == 1 || f.keep_alive;
	if (f.gzip != AE_UNLISTED)
		req->accept_gzip = f.gzip == AE_ACCEPTED;
	else
		req->accept_gzip = f.star == AE_ACCEPTED;
	return (FX_OK);
}

/* Reset req for a new request: no string set, no Content-Length. */
void
fx_http_init(struct fx_http_req *req)
{
	memset(req, 0, sizeof(*req));
	req->content_length = -1;
}

/*
 * Parse the head at the start of buf[0..len), called again with the same
 * buf and a longer len after FX_AGAIN.  Between calls only offsets are
 * kept (scanned, line_end); on FX_OK the strings point into buf.  Junk
 * at the start, 414 and 431 fail as soon as they are certain, other
 * errors once the head is whole; the status is in req->status.
 */
enum fx_rc
fx_http_parse(struct fx_http_req *req, const char *buf, size_t len)
{
	const unsigned char	*b = (const unsigned char *)buf;
	const unsigned char	*nl;
	size_t			 start, lim, i, n;
	int			 empty;
	enum fx_rc		 rc;

	/* Skip the empty lines some clients send before a request. */
	for (start = 0, empty = 0; start == len || b[start] <= '\r'; empty++) {
		if (empty == MAX_EMPTY_LINES || start == len)
			return (start == len ? FX_AGAIN : fail(req, 400));
		if (b[start] == '\n')
			start++;
		else if (b[start] == '\r') {
			if (start + 1 == len)
				return (FX_AGAIN);
			if (b[start + 1] != '\n')
				return (fail(req, 400));
			start += 2;
		} else
			return (fail(req, 400));
	}
	/* A method starts with a tchar: refuse TLS or binary junk at once. */
	if (!(cls[b[start]] & C_TOKEN))
		return (fail(req, 400));

	/*
	 * Fast path: the first read ends with a LF, as a whole head in one
	 * segment does.  Parse it at once; an incomplete head just leaves
	 * the end search where the parse stopped.  A bad head goes the slow
	 * way, which finds its end first and reports errors in order.
	 */
	if (req->scanned == 0 && len <= FX_HTTP_MAX_HEAD &&
	    b[len - 1] == '\n') {
		rc = parse_head(req, b, start, b + len);
		if (rc == FX_OK)
			return (rc);
		n = req->line_end;
		fx_http_init(req);
		if (rc == FX_AGAIN) {
			req->line_end = n;
			req->scanned = len;
			if (len == FX_HTTP_MAX_HEAD)
				return (fail(req, 431));
			return (FX_AGAIN);
		}
	}

	lim = len < FX_HTTP_MAX_HEAD ? len : FX_HTTP_MAX_HEAD;
	i = req->scanned > start ? req->scanned : start;
	while (i < lim && (nl = memchr(b + i, '\n', lim - i)) != NULL) {
		i = nl - b;
		if (req->line_end == 0) {
			/* b[start] is no LF, so i > start. */
			n = i - start - (b[i - 1] == '\r');
			if (n > FX_HTTP_MAX_LINE)
				return (fail(req, 414));
			req->line_end = i + 1;
		} else if (b[i - 1] == '\n' ||
		    (b[i - 1] == '\r' && b[i - 2] == '\n')) {
			req->scanned = i + 1;
			rc = parse_head(req, b, start, b + len);
			assert(rc != FX_AGAIN && (rc == FX_ERROR ||
			    req->head_len == i + 1));
			return (rc);
		}
		i++;
	}
	req->scanned = lim;

	/* Fail as soon as the line or head cannot fit any more. */
	if (req->line_end == 0) {
		n = lim - start;
		if (n > FX_HTTP_MAX_LINE + 1 || (n == FX_HTTP_MAX_LINE + 1 &&
		    b[start + FX_HTTP_MAX_LINE] != '\r'))
			return (fail(req, 414));
	}
	if (len >= FX_HTTP_MAX_HEAD)
		return (fail(req, 431));
	return (FX_AGAIN);
}

/* The RFC 9110 reason phrase of status, or "". */
const char *
fx_http_reason(int status)
{
	switch (status) {
	case 100: return ("Continue");
	case 101: return ("Switching Protocols");
	case 200: return ("OK");
	case 204: return ("No Content");
	case 206: return ("Partial Content");
	case 301: return ("Moved Permanently");
	case 302: return ("Found");
	case 304: return ("Not Modified");
	case 307: return ("Temporary Redirect");
	case 308: return ("Permanent Redirect");
	case 400: return ("Bad Request");
	case 401: return (ENABLE_FEATURE_AUTH ? "Unauthorized" : "");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 411: return ("Length Required");
	case 412: return ("Precondition Failed");
	case 413: return ("Content Too Large");
	case 414: return ("URI Too Long");
	case 416: return ("Range Not Satisfiable");
	case 417: return ("Expectation Failed");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 503: return ("Service Unavailable");
	case 505: return ("HTTP Version Not Supported");
	}
	return ("");
}
