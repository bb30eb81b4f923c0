/* SPDX-License-Identifier: MIT */
/*
 * site.c - SPA fallback, error pages, headers by path, index names, CORS
 * and the health path (see site.h).  resp.c calls in only where one of
 * these is set, so that a server without them does the same work per
 * request as before.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file.h"
#include "fmt.h"
#include "log.h"
#include "site.h"
#include "util.h"

struct fx_site fx_site;
int fx_site_unready;

/* A header setting made ready for the hot path at fx_site_init. */
struct site_hdr {
	const char	*pat;		/* the glob, or its fixed part */
	size_t		 fix;		/* length of the fixed part */
	int		 how;		/* HOW_* */
	size_t		 len;
	char		*line;		/* "Name: value\r\n" */
};
enum { HOW_GLOB, HOW_EXACT, HOW_PREFIX, HOW_SUFFIX };

static struct site_hdr *hdrs;
static int nhdrs;
static size_t hdrs_len;		/* of all lines, and security_headers */

#define SECURITY	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: strict-origin-when-cross-origin\r\n" \
	"X-Frame-Options: SAMEORIGIN\r\n"
#define CORS_PRE	"Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n" \
	"Access-Control-Allow-Headers: Authorization, Range\r\n" \
	"Access-Control-Max-Age: 86400\r\n"
#define CORS_EXPOSE	"Access-Control-Expose-Headers: ETag, Content-Range\r\n"

/* Header names that frame the answer: a second copy would break it. */
static const char own[][18] = {
	"connection", "content-length", "content-type", "transfer-encoding"
};

static char *
put(char *p, char *end, const char *s, size_t n)
{
	if (n > (size_t)(end - p))
		return p;	/* no room: left out, the answer stays valid */
	memcpy(p, s, n);
	return p + n;
}

#define PUTS(p, end, lit)	put(p, end, lit, sizeof(lit) - 1)

/* A normalised path under the root, as fx_path_decode would give. */
static int
plain_path(const char *s)
{
	char buf[FX_PATH_MAX];

	return fx_path_decode(s, strlen(s), buf, sizeof(buf)) == 0 &&
	    strcmp(buf, s) == 0;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
ieq(const char *a, const char *b)
{
	while (*a != '\0' && lower(*a) == *b)
		a++, b++;
	return *a == '\0' && *b == '\0';
}

/* Header name: a token (RFC 9110 5.6.2) the server does not set itself. */
static int
check_name(const char *s)
{
	const char *p;
	int i;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}",
		    *p) != NULL)
			return -1;
	for (i = 0; i < (int)FX_NELEM(own); i++)
		if (ieq(s, own[i]))
			return -1;
	return 0;
}

/* No control bytes but HTAB (no CR or LF: no header of our own). */
static int
check_value(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < ' ' && *s != '\t') || *s == 0x7f)
			return -1;
	return 0;
}

int
fx_site_check(const char *key, int argc, char **argv, const char **why)
{
	long long v;
	int i;

	(void)argc;
	if (strcmp(key, "header") == 0) {
		*why = "expected PATTERN NAME VALUE";
		return (argv[0][0] != '/' && argv[0][0] != '*') ||
		    check_name(argv[1]) == -1 || check_value(argv[2]) == -1 ?
		    -1 : 0;
	}
	if (strcmp(key, "error_page") == 0) {
		*why = "expected CODE... /FILE (400-599)";
		for (i = 0; i < argc - 1; i++)
			if (fx_parse_num(argv[i], 400, 599, &v) == -1)
				return -1;
		return plain_path(argv[argc - 1]) ? 0 : -1;
	}
	if (strcmp(key, "fallback") == 0 || strcmp(key, "health_path") ==
	    0) {
		*why = "needs a file's path (/name)";
		return plain_path(argv[0]) && argv[0][strlen(argv[0]) - 1] !=
		    '/' ? 0 : -1;
	}
	if (strcmp(key, "index") == 0) {
		*why = "needs names without '/'";
		for (i = 0; i < argc; i++)
			if (argv[i][0] == '.' || argv[i][0] == '\0' ||
			    strchr(argv[i], '/') != NULL || strlen(argv[i]) >
			    255 || check_value(argv[i]) == -1)
				return -1;
		return 0;
	}
	if (strcmp(key, "cors_origins") == 0) {
		*why = "needs origins or a lone *";
		for (i = 0; i < argc; i++)
			if (check_value(argv[i]) == -1 || argv[i][0] == '\0' ||
			    (strcmp(argv[i], "*") == 0 && argc > 1))
				return -1;
		return 0;
	}
	return 0;
}

/*
 * The header settings as matchers (a pattern ending in its only '*' is
 * a prefix, one starting with its only '*' a suffix, one without '*' or
 * '?' exact, the rest a glob), each header line formatted once.
 */
static void
headers_init(const struct fx_conf_ent *list)
{
	const struct fx_conf_ent *e;
	struct site_hdr *h;
	const char *w;
	size_t k;
	int n = 0;

	for (e = list; e != NULL; e = e->next)
		n++;
	if (n == 0 || (hdrs = calloc((size_t)n, sizeof(*hdrs))) == NULL)
		return;
	for (e = list, h = hdrs; e != NULL; e = e->next, h++) {
		w = e->argv[0];
		k = strlen(w);
		h->pat = w;
		h->fix = k;
		if (strpbrk(w, "*?") == NULL)
			h->how = HOW_EXACT;
		else if (strchr(w, '?') == NULL && strchr(w, '*') == w + k - 1)
			h->how = HOW_PREFIX, h->fix--;
		else if (*w == '*' && strpbrk(w + 1, "*?") == NULL)
			h->how = HOW_SUFFIX, h->pat++, h->fix--;
		h->len = strlen(e->argv[1]) + strlen(e->argv[2]) + 4;
		if ((h->line = calloc(1, (h->len + 8) & ~(size_t)7)) == NULL) {
			fx_log_warnx("header: out of memory, some left out");
			break;
		}
		fx_snprintf(h->line, h->len + 1, "%s: %s\r\n", e->argv[1],
		    e->argv[2]);
		hdrs_len += h->len;
		nhdrs++;
	}
}

void
fx_site_init(const struct fx_conf *c)
{
	memset(&fx_site, 0, sizeof(fx_site));
	if (ENABLE_FEATURE_FALLBACK && c->fallback != NULL)
		fx_site.fallback = c->fallback->argv[0];
	if (ENABLE_FEATURE_HEALTH && c->health_path != NULL) {
		fx_site.health = c->health_path->argv[0];
		fx_site.health_len = strlen(fx_site.health);
	}
	if (ENABLE_FEATURE_ERROR_PAGE)
		fx_site.error_pages = c->error_pages;
	if (ENABLE_FEATURE_HEADERS) {
		headers_init(c->headers);
		fx_site.security = c->security_headers;
	}
	if (ENABLE_FEATURE_INDEX)
		fx_site.index = c->index;
	if (ENABLE_FEATURE_CORS && c->cors_origins != NULL) {
		fx_site.cors = c->cors_origins;
		fx_site.cors_any = strcmp(c->cors_origins->argv[0], "*") == 0;
	}
	fx_site.early = fx_site.health != NULL || fx_site.cors != NULL;
	fx_site.extra = nhdrs > 0 || fx_site.security ||
	    fx_site.cors != NULL;
}

/*
 * The value of the Origin field of req's head, found by a scan: the
 * parser keeps no slot for it, since its struct is cleared per request.
 */
static struct fx_str
origin(const struct fx_http_req *req)
{
	struct fx_str o = { NULL, 0 };
	const char *p = req->method_name.p;

	for (;;) {
		while (*p++ != '\n')
			;
		if (*p == '\r' || *p == '\n')
			return o;	/* the blank line: no Origin */
		if (strncasecmp(p, "origin:", 7) == 0)
			break;
	}
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	o.p = p;
	while (*p != '\r' && *p != '\n')
		p++;
	while (p > o.p && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	o.n = (size_t)(p - o.p);
	return o;
}

/*
 * The CORS headers for req's Origin: Access-Control-Allow-Origin when
 * the origin is allowed (with the preflight's, pre), and Vary: Origin
 * when the answer depends on it.
 */
static char *
cors(char *p, char *end, const struct fx_http_req *req, int pre)
{
	const struct fx_conf_ent *e = fx_site.cors;
	struct fx_str org = origin(req);
	const struct fx_str *o = &org;
	int i, ok = 0;

	if (!fx_site.cors_any) {
		p = PUTS(p, end, "Vary: Origin\r\n");
		for (i = 0; o->p != NULL && i < e->argc && !ok; i++)
			ok = strlen(e->argv[i]) == o->n &&
			    memcmp(e->argv[i], o->p, o->n) == 0;
	}
	if (o->p == NULL || (!ok && !fx_site.cors_any))
		return p;
	p = PUTS(p, end, "Access-Control-Allow-Origin: ");
	if (fx_site.cors_any)
		p = PUTS(p, end, "*");
	else
		p = put(p, end, o->p, o->n);
	p = PUTS(p, end, "\r\n");
	if (pre)
		return PUTS(p, end, CORS_PRE);
	return PUTS(p, end, CORS_EXPOSE);
}

int
fx_site_early(struct fx_resp *r, const struct fx_http_req *req, int ka10)
{
	char *p, *end = r->hdr + FX_RESP_HDR_MAX - 32;
	int head = req->method == FX_M_HEAD;

	if (ENABLE_FEATURE_HEALTH && fx_site.health != NULL &&
	    (req->method == FX_M_GET || head) &&
	    req->path.n == fx_site.health_len &&
	    memcmp(req->path.p, fx_site.health, req->path.n) == 0) {
		r->mem = fx_site_unready ? "draining\n" : "ok\n";
		r->mem_len = strlen(r->mem);
		p = fx_resp_start(r, fx_site_unready ? 503 : 200);
		p += fx_snprintf(p, 128, "Content-Type: text/plain\r\n"
		    "Cache-Control: no-store\r\nContent-Length: %zu\r\n",
		    r->mem_len);
		fx_resp_finish(r, p, ka10);
		if (head)
			r->mem = NULL;
		return 1;
	}
	if (ENABLE_FEATURE_CORS && fx_site.cors != NULL &&
	    req->method == FX_M_OPTIONS) {
		p = fx_resp_start(r, 204);
		p = PUTS(p, end, "Allow: GET, HEAD, OPTIONS\r\n");
		p = cors(p, end, req, 1);
		fx_resp_finish(r, p, ka10);
		return 1;
	}
	return 0;
}

int
fx_site_fallback(char *path)
{
	const char *slash = strrchr(path, '/');

	if (!ENABLE_FEATURE_FALLBACK || fx_site.fallback == NULL ||
	    strchr(slash, '.') != NULL)
		return 0;
	memcpy(path, fx_site.fallback, strlen(fx_site.fallback) + 1);
	return 1;
}

int
fx_site_index(char *path, size_t n, size_t cap, struct fx_file **out)
{
	const struct fx_conf_ent *e = fx_site.index;
	size_t len;
	int i, status = 404;

	for (i = 0; i < e->argc && status == 404; i++) {
		len = strlen(e->argv[i]);
		if (n + len + 4 > cap)
			continue;
		memcpy(path + n, e->argv[i], len + 1);
		status = fx_file_get(path, out);
	}
	return status;
}

/* fnmatch without flags: '*' any bytes ('/' too), '?' one byte. */
static int
glob(const char *g, const char *s, size_t n)
{
	const char *star = NULL;
	size_t i = 0, back = 0;

	while (i < n) {
		if (*g == '*') {
			star = ++g;
			back = i;
		} else if (*g != '\0' && (*g == '?' || *g == s[i])) {
			g++;
			i++;
		} else if (star != NULL) {
			g = star;
			i = ++back;
		} else
			return 0;
	}
	while (*g == '*')
		g++;
	return *g == '\0';
}

/* Does path s[0..n) match h?  Per request: no calls for the fixed part. */
static int
hdr_match(const struct site_hdr *h, const char *s, size_t n)
{
	const char *p = h->pat;
	size_t k = h->fix;

	if (h->how == HOW_GLOB)
		return glob(p, s, n);
	if (n < k || (h->how == HOW_EXACT && n != k))
		return 0;
	if (h->how == HOW_SUFFIX)
		s += n - k;
	while (k > 0 && *s == *p)
		s++, p++, k--;
	return k == 0;
}

/*
 * Copy s[0..n) a word at a time: s is padded to 8 bytes, and the 8
 * bytes of slack past the copy are checked against end.
 */
static char *
put_words(char *p, char *end, const char *s, size_t n)
{
	uint64_t w;
	size_t i;

	if (n + 8 > (size_t)(end - p))
		return p;
	for (i = 0; i < n; i += 8) {
		memcpy(&w, s + i, 8);
		memcpy(p + i, &w, 8);
	}
	return p + n;
}

/*
 * The header lines for f (those of the patterns its path matches, and
 * security_headers), put together once per cached file.  0 or -1.
 */
static int
file_lines(struct fx_file *f, int gz)
{
	size_t n = gz ? (size_t)(strrchr(f->path, '.') - f->path) :
	    strlen(f->path), len = 0;
	char *b;
	int i;

	if ((b = calloc(1, hdrs_len + sizeof(SECURITY) + 8)) == NULL)
		return -1;
	for (i = 0; i < nhdrs; i++)
		if (hdr_match(&hdrs[i], f->path, n)) {
			memcpy(b + len, hdrs[i].line, hdrs[i].len);
			len += hdrs[i].len;
		}
	if (fx_site.security) {
		memcpy(b + len, SECURITY, sizeof(SECURITY) - 1);
		len += sizeof(SECURITY) - 1;
	}
	free(f->site_hdrs);
	f->site_hdrs = b;
	f->site_len = len;
	f->site_gz = gz;
	return 0;
}

char *
fx_site_headers(char *p, char *end, const struct fx_http_req *req,
    struct fx_file *f, int gz)
{
	if ((f->site_hdrs != NULL && f->site_gz == gz) ||
	    file_lines(f, gz) == 0)
		p = put_words(p, end, f->site_hdrs, f->site_len);
	if (ENABLE_FEATURE_CORS && fx_site.cors != NULL)
		p = cors(p, end, req, 0);
	return p;
}

int
fx_site_error(struct fx_resp *r, int status, int head_only, int ka10,
    const char *extra, size_t extra_len)
{
	const struct fx_conf_ent *e;
	struct fx_file *f = NULL;
	char *p;
	long long code;
	int i;

	for (e = fx_site.error_pages; e != NULL && f == NULL; e = e->next)
		for (i = 0; i < e->argc - 1; i++) {
			if (fx_parse_num(e->argv[i], 400, 599, &code) == -1 ||
			    code != status)
				continue;
			if (fx_file_get(e->argv[e->argc - 1], &f) == 0 &&
			    f->kind != FX_FILE_REG) {
				fx_file_put(f);
				f = NULL;
			}
			break;
		}
	if (f == NULL)
		return 0;
	p = fx_resp_start(r, status);
	p += fx_snprintf(p, 256, "Content-Type: %s\r\nContent-Length: %lld"
	    "\r\n%.*s", f->type, f->size, (int)extra_len,
	    extra != NULL ? extra : "");
	fx_resp_finish(r, p, ka10);
	if (head_only || f->size == 0) {
		fx_file_put(f);
		return 1;
	}
	r->file = f;
	r->off = 0;
	r->len = f->size;
	if (f->data != NULL) {
		r->mem = f->data;
		r->mem_len = (size_t)f->size;
	}
	return 1;
}
