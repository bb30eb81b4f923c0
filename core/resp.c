/* SPDX-License-Identifier: MIT */
/*
 * resp.c - static-file answers: methods, paths, conditionals (RFC 9110
 * 13.2.2 order), ranges, gzip_static, error pages.  The header block is
 * built with memcpy, not printf: this runs once per request.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "auth.h"
#include "precomp.h"
#include "resp.h"
#include "site.h"

#define LOCATION_MAX	700		/* longer Locations: on the heap */
#define PRECOMP		ENABLE_FEATURE_PRECOMPRESSED

char fx_resp_date[32] = "Thu, 01 Jan 1970 00:00:00 GMT";

static time_t resp_date_t = -1;

void
fx_resp_clock(time_t now)
{
	if (now != resp_date_t) {
		resp_date_t = now;
		fx_http_date(now, fx_resp_date);
	}
}

static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUTS(p, lit)	put(p, lit, sizeof(lit) - 1)

static char *
put_num(char *p, unsigned long long v)
{
	char tmp[24], *t = tmp + sizeof(tmp);

	do
		*--t = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return put(p, t, (size_t)(tmp + sizeof(tmp) - t));
}

static char *
put_str(char *p, const char *s)
{
	return put(p, s, strlen(s));
}

/* Status line, Server, Date. */
static char *
start(struct fx_resp *r, int status)
{
	char *p = r->hdr;

	r->status = status;
	if (status == 200)
		p = PUTS(p, "HTTP/1.1 200 OK\r\nServer: fenix\r\nDate: ");
	else {
		p = PUTS(p, "HTTP/1.1 ");
		p = put_num(p, (unsigned)status);
		*p++ = ' ';
		p = put_str(p, fx_http_reason(status));
		p = PUTS(p, "\r\nServer: fenix\r\nDate: ");
	}
	p = put(p, fx_resp_date, 29);
	return PUTS(p, "\r\n");
}

static char *
finish(struct fx_resp *r, char *p, int keep_alive_10)
{
	if (r->close)
		p = PUTS(p, "Connection: close\r\n");
	else if (keep_alive_10)
		p = PUTS(p, "Connection: keep-alive\r\n");
	p = PUTS(p, "\r\n");
	r->hdr_len = (size_t)(p - r->hdr);
	return p;
}

static void
reset(struct fx_resp *r, int close)
{
	r->close = close;
	r->file = NULL;
	r->off = r->len = 0;
	r->mem = NULL;
	r->mem_len = 0;
	r->owned = NULL;
}

char *
fx_resp_start(struct fx_resp *r, int status)
{
	return start(r, status);
}

void
fx_resp_finish(struct fx_resp *r, char *p, int ka10)
{
	finish(r, p, ka10);
}

/* The small HTML page of an error or redirect, into r->page. */
static size_t
page(struct fx_resp *r, int status)
{
	const char *reason = fx_http_reason(status);
	char *p = r->page;

	p = PUTS(p, "<html><head><title>");
	p = put_num(p, (unsigned)status);
	*p++ = ' ';
	p = put_str(p, reason);
	p = PUTS(p, "</title></head><body><h1>");
	p = put_num(p, (unsigned)status);
	*p++ = ' ';
	p = put_str(p, reason);
	p = PUTS(p, "</h1><hr>fenix</body></html>\n");
	return (size_t)(p - r->page);
}

static void
error_ka(struct fx_resp *r, int status, int close, int head_only, int ka10,
    const char *extra, size_t extra_len)
{
	char *p;
	size_t n;

	reset(r, close);
	if (ENABLE_FEATURE_ERROR_PAGE && fx_site.error_pages != NULL &&
	    fx_site_error(r, status, head_only, ka10, extra, extra_len))
		return;
	n = page(r, status);
	p = start(r, status);
	p = PUTS(p, "Content-Type: text/html\r\nContent-Length: ");
	p = put_num(p, n);
	p = PUTS(p, "\r\n");
	if (extra != NULL)
		p = put(p, extra, extra_len);
	finish(r, p, ka10);
	if (!head_only) {
		r->mem = r->page;
		r->mem_len = n;
	}
}

void
fx_resp_error(struct fx_resp *r, int status, int close, int head_only)
{
	error_ka(r, status, close, head_only, 0, NULL, 0);
}

void
fx_resp_done(struct fx_resp *r)
{
	if (r->file != NULL)
		fx_file_put(r->file);
	free(r->owned);
	r->file = NULL;
	r->owned = NULL;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * Parse digits at s[*i..n) into *v.  A value past 2^62 saturates there:
 * it is past the end of any file, so a first-pos is unsatisfiable (416,
 * as nginx) and a last-pos or suffix means "to the end".  0 or -1.
 */
static int
digits(const char *s, size_t n, size_t *i, long long *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (*v >= (1LL << 62) / 10)
			*v = 1LL << 62;
		else
			*v = *v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return *i > start ? 0 : -1;
}

int
fx_range_parse(const char *s, size_t n, long long size, long long *off,
    long long *len)
{
	long long first, last;
	size_t i = 6;
	int have_last;

	if (n < 7 || lower(s[0]) != 'b' || lower(s[1]) != 'y' ||
	    lower(s[2]) != 't' || lower(s[3]) != 'e' || lower(s[4]) != 's' ||
	    s[5] != '=')
		return FX_RANGE_NONE;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '-') {		/* suffix: last N bytes */
		i++;
		if (digits(s, n, &i, &last) == -1)
			return FX_RANGE_NONE;
		first = -1;
		have_last = 1;
	} else {
		if (digits(s, n, &i, &first) == -1 || i >= n || s[i] != '-')
			return FX_RANGE_NONE;
		i++;
		have_last = digits(s, n, &i, &last) == 0;
		if (have_last && last < first)
			return FX_RANGE_NONE;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n)			/* several ranges, or junk: 200 */
		return FX_RANGE_NONE;
	if (size == 0)			/* nothing to cut: 200, as nginx */
		return FX_RANGE_NONE;
	if (first == -1) {
		if (last == 0)
			return FX_RANGE_UNSAT;
		*off = last >= size ? 0 : size - last;
		*len = size - *off;
		return FX_RANGE_OK;
	}
	if (first >= size)
		return FX_RANGE_UNSAT;
	if (!have_last || last >= size)
		last = size - 1;
	*off = first;
	*len = last - first + 1;
	return FX_RANGE_OK;
}

int
fx_etag_match(const char *s, size_t n, const char *etag, int weak)
{
	size_t i = 0, j, elen = strlen(etag);
	int w;

	/* "*" OR a list of tags (RFC 9110 13.1.1-2): "*" only alone. */
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i == 1 && s[i] == '*')
		return 1;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		if (i == n)
			break;
		w = n - i >= 2 && s[i] == 'W' && s[i + 1] == '/';
		if (w)
			i += 2;
		if (i >= n || s[i] != '"')
			return 0;	/* malformed list: no match */
		for (j = i + 1; j < n && s[j] != '"'; j++)
			;
		if (j == n)
			return 0;
		if ((weak || !w) && j + 1 - i == elen &&
		    memcmp(s + i, etag, elen) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

/* Is the condition of If-Range still true for f (RFC 9110 13.1.5)? */
static int
if_range_holds(const struct fx_str *v, const struct fx_file *f)
{
	time_t t;

	if (v->n >= 1 && v->p[0] == '"')
		return v->n == strlen(f->etag) &&
		    memcmp(v->p, f->etag, v->n) == 0;
	if (v->n >= 2 && v->p[0] == 'W' && v->p[1] == '/')
		return 0;		/* weak tags never match here */
	return fx_http_date_parse(v->p, v->n, &t) == 0 && t == f->mtime;
}

/* The 304 carries the validators and Vary of its 200 (RFC 9110 15.4.5). */
static void
not_modified(struct fx_resp *r, const struct fx_http_req *req,
    struct fx_file *f, int vary, int enc, int ka10)
{
	char *p;

	p = start(r, 304);
	if (FX_SITE_HDRS && fx_site.extra)
		p = fx_site_headers(p, r->hdr + FX_RESP_HDR_MAX - 64, req, f,
		    enc);
	p = PUTS(p, "ETag: ");
	p = put(p, f->etag, f->etag_len);
	p = PUTS(p, "\r\nLast-Modified: ");
	p = put(p, f->lastmod, 29);	/* IMF-fixdate */
	p = PUTS(p, "\r\n");
	if (vary)
		p = PUTS(p, "Vary: Accept-Encoding\r\n");
	finish(r, p, ka10);
}

/* A date field as sent: 1 if valid (into *t), 0 if absent or invalid. */
static int
date_field(const struct fx_str *v, time_t *t)
{
	return v->p != NULL && fx_http_date_parse(v->p, v->n, t) == 0;
}

/*
 * The preconditions of RFC 9110 13.2.2 for a GET or HEAD of f: 412, 304,
 * or 0 to go on to the Range.
 */
static int
preconditions(const struct fx_http_req *req, const struct fx_file *f)
{
	time_t t;

	if (req->if_match.p != NULL) {
		if (!fx_etag_match(req->if_match.p, req->if_match.n, f->etag,
		    0))
			return 412;
	} else if (date_field(&req->if_unmodified_since, &t) &&
	    f->mtime > t)
		return 412;
	if (req->if_none_match.p != NULL) {
		if (fx_etag_match(req->if_none_match.p, req->if_none_match.n,
		    f->etag, 1))
			return 304;
	} else if (date_field(&req->if_modified_since, &t) && f->mtime <= t &&
	    (resp_date_t < 0 || t <= resp_date_t))
		return 304;	/* a date in the future is no valid date */
	return 0;
}

static void
serve_file(struct fx_resp *r, const struct fx_http_req *req,
    struct fx_file *f, const char *type, int vary, int enc, int ka10)
{
	long long off = 0, len = f->size;
	int range = FX_RANGE_NONE, head = req->method == FX_M_HEAD;
	char *p;

	switch (preconditions(req, f)) {
	case 412:
		error_ka(r, 412, r->close, head, ka10, NULL, 0);
		fx_file_put(f);
		return;
	case 304:
		not_modified(r, req, f, vary, enc, ka10);
		fx_file_put(f);
		return;
	}
	if (req->range.p != NULL && (req->if_range.p == NULL ||
	    if_range_holds(&req->if_range, f)))
		range = fx_range_parse(req->range.p, req->range.n, f->size,
		    &off, &len);
	if (range == FX_RANGE_UNSAT) {
		char cr[64], *q = cr;

		q = PUTS(q, "Content-Range: bytes */");
		q = put_num(q, (unsigned long long)f->size);
		q = PUTS(q, "\r\n");
		error_ka(r, 416, r->close, head, ka10, cr, (size_t)(q - cr));
		fx_file_put(f);
		return;
	}
	p = start(r, range == FX_RANGE_OK ? 206 : 200);
	p = PUTS(p, "Content-Type: ");
	p = put(p, type, type == f->type ? f->type_len : strlen(type));
	p = PUTS(p, "\r\nContent-Length: ");
	p = put_num(p, (unsigned long long)len);
	p = PUTS(p, "\r\nLast-Modified: ");
	p = put(p, f->lastmod, 29);	/* IMF-fixdate */
	p = PUTS(p, "\r\nETag: ");
	p = put(p, f->etag, f->etag_len);
	p = PUTS(p, "\r\nAccept-Ranges: bytes\r\n");
	if (range == FX_RANGE_OK) {
		p = PUTS(p, "Content-Range: bytes ");
		p = put_num(p, (unsigned long long)off);
		*p++ = '-';
		p = put_num(p, (unsigned long long)(off + len - 1));
		*p++ = '/';
		p = put_num(p, (unsigned long long)f->size);
		p = PUTS(p, "\r\n");
	}
	if (FX_SITE_HDRS && fx_site.extra)
		p = fx_site_headers(p, r->hdr + FX_RESP_HDR_MAX - 80, req, f,
		    enc);
	if (enc != FX_ENC_NONE && !ENABLE_FEATURE_PRECOMPRESSED)
		p = PUTS(p, "Content-Encoding: gzip\r\n");
	else if (enc != FX_ENC_NONE) {
		p = PUTS(p, "Content-Encoding: ");
		p = put_str(p, fx_enc_name[enc]);
		p = PUTS(p, "\r\n");
	}
	if (vary)
		p = PUTS(p, "Vary: Accept-Encoding\r\n");
	finish(r, p, ka10);
	if (head || len == 0) {
		fx_file_put(f);
		return;
	}
	if (f->data != NULL) {
		r->mem = f->data + off;
		r->mem_len = (size_t)len;
	}
	r->file = f;		/* keeps f->data alive too */
	r->off = off;
	r->len = len;
}

/*
 * Percent-encode s[0..n) for a Location: in a path (query 0) all but
 * unreserved, sub-delims, ':', '@' and '/' (RFC 3986 3.3), so that '?',
 * '#' and '%' of a decoded name stay in the path; in a query (as sent,
 * no '#') only the bytes that are no VCHAR.
 */
static char *
put_uri(char *p, const char *s, size_t n, int query)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7f && (query ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '&' && c <= ';') || c == '!' || c == '$' ||
		    c == '=' || c == '@' || c == '_' || c == '~')) {
			*p++ = (char)c;
			continue;
		}
		*p++ = '%';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 15];
	}
	return p;
}

/*
 * 301 to path (decoded and normalised: it starts with one '/', never
 * "//", so the Location cannot name another host) plus '/' and the
 * query.  A Location too long for r->hdr goes with the whole answer in a
 * malloc'd buffer.
 */
static void
redirect(struct fx_resp *r, const struct fx_http_req *req, const char *path,
    int ka10)
{
	char loc[LOCATION_MAX + 32], *q, *buf;
	size_t pn = strlen(path), max = 3 * (pn + req->query.n) + 16;
	int head = req->method == FX_M_HEAD;

	buf = NULL;
	q = loc;
	if (max > LOCATION_MAX + 32) {
		buf = malloc(FX_RESP_HDR_MAX + max + sizeof(r->page));
		if (buf == NULL) {
			error_ka(r, 500, r->close, head, ka10, NULL, 0);
			return;
		}
		q = buf;
	}
	q = PUTS(q, "Location: ");
	q = put_uri(q, path, pn, 0);
	*q++ = '/';
	if (req->query.n > 0) {
		*q++ = '?';
		q = put_uri(q, req->query.p, req->query.n, 1);
	}
	q = PUTS(q, "\r\n");
	if (buf == NULL) {
		error_ka(r, 301, r->close, head, ka10, loc, (size_t)(q - loc));
		return;
	}
	/* The header block but its blank line, Location, the page. */
	error_ka(r, 301, r->close, head, ka10, NULL, 0);
	memmove(buf + r->hdr_len - 2, buf, (size_t)(q - buf));
	memcpy(buf, r->hdr, r->hdr_len - 2);
	q += r->hdr_len - 2;
	q = PUTS(q, "\r\n");
	if (r->mem != NULL)
		q = put(q, r->mem, r->mem_len);
	r->hdr_len = 0;
	r->owned = buf;
	r->mem = buf;
	r->mem_len = (size_t)(q - buf);
}

static void
listing(struct fx_resp *r, const struct fx_http_req *req, const char *path,
    int ka10)
{
	size_t n;
	char *body, *p;

	if ((body = fx_file_dirlist(path, &n)) == NULL) {
		error_ka(r, 500, r->close, req->method == FX_M_HEAD, ka10,
		    NULL, 0);
		return;
	}
	p = start(r, 200);
	p = PUTS(p, "Content-Type: text/html\r\nContent-Length: ");
	p = put_num(p, n);
	p = PUTS(p, "\r\n");
	finish(r, p, ka10);
	r->owned = body;
	if (req->method != FX_M_HEAD) {
		r->mem = body;
		r->mem_len = n;
	}
}

void
fx_resp_build(struct fx_resp *r, const struct fx_http_req *req, int keep)
{
	char path[FX_PATH_MAX + 16];
	const char *why;
	struct fx_file *f, *gz;
	size_t n;
	int status, enc, head = req->method == FX_M_HEAD;
	int ka10 = keep && req->minor == 0;

	reset(r, !keep);
	if (FX_SITE_EARLY && fx_site.early && fx_site_early(r, req, ka10))
		return;
	if (req->method != FX_M_GET && req->method != FX_M_HEAD) {
		if (req->method == FX_M_UNKNOWN)
			error_ka(r, 501, r->close, 0, ka10, NULL, 0);
		else
			error_ka(r, 405, r->close, 0, ka10,
			    "Allow: GET, HEAD\r\n", 18);
		return;
	}
	if (fx_path_decode(req->path.p, req->path.n, path, FX_PATH_MAX) ==
	    -1) {
		error_ka(r, 400, r->close, head, ka10, NULL, 0);
		return;
	}
	if (ENABLE_FEATURE_AUTH && fx_auth_rules != NULL &&
	    (why = fx_auth_check(req, path)) != NULL) {
		error_ka(r, 401, r->close, head, ka10, why, strlen(why));
		return;
	}
	if (!fx_file_conf.dotfiles && fx_path_is_hidden(path)) {
		error_ka(r, 404, r->close, head, ka10, NULL, 0);
		return;
	}
	if ((status = fx_file_get(path, &f)) != 0 &&
	    ENABLE_FEATURE_FALLBACK && status == 404 && fx_site_fallback(path))
		status = fx_file_get(path, &f);
	if (status != 0) {
		error_ka(r, status, r->close, head, ka10, NULL, 0);
		return;
	}
	if (f->kind == FX_FILE_DIR) {
		fx_file_put(f);
		n = strlen(path);
		if (path[n - 1] != '/') {
			redirect(r, req, path, ka10);
			return;
		}
		if (ENABLE_FEATURE_INDEX && fx_site.index != NULL)
			status = fx_site_index(path, n, sizeof(path), &f);
		else {
			memcpy(path + n, "index.html", 11);
			status = fx_file_get(path, &f);
		}
		if (status == 0 && f->kind != FX_FILE_REG) {
			fx_file_put(f);
			status = 403;
		}
		if (status != 0) {
			path[n] = '\0';
			if (status == 404 && ENABLE_FEATURE_DIRLIST &&
			    fx_file_conf.dirlist)
				listing(r, req, path, ka10);
			else
				error_ka(r, status == 404 ? 403 : status,
				    r->close, head, ka10, NULL, 0);
			return;
		}
	}
	if (f->variants != 0 && (enc = PRECOMP ? fx_enc_pick(req,
	    f->variants) : req->accept_gzip) != FX_ENC_NONE) {
		n = strlen(path);
		memcpy(path + n, PRECOMP ? fx_enc_ext[enc] : ".gz",
		    PRECOMP ? 5 : 4);
		if (fx_file_get(path, &gz) == 0) {
			if (gz->kind == FX_FILE_REG) {
				serve_file(r, req, gz, f->type, 1,
				    PRECOMP ? enc : 1, ka10);
				fx_file_put(f);
				return;
			}
			fx_file_put(gz);
		}
	}
	serve_file(r, req, f, f->type, f->variants != 0, 0, ka10);
}
