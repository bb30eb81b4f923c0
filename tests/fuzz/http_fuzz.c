/* SPDX-License-Identifier: MIT */
/*
 * http_fuzz.c - libFuzzer target for core/http.c: the input is parsed at
 * once and in pieces (both must agree; strings must lie in the head), and
 * the rest, then the whole input, go through the body decoder likewise.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore
 * core/http.c tests/fuzz/http_fuzz.c -o /tmp/http_fuzz
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A string is unset, or lies inside the head buf[0..head_len). */
static void
check_str(const struct fx_str *s, const char *buf, size_t head_len)
{
	if (s->p == NULL) {
		if (s->n != 0)
			abort();
		return;
	}
	if (s->p < buf || s->n > head_len ||
	    (size_t)(s->p - buf) > head_len - s->n)
		abort();
}

/* Bases of the buffers that the two parses returned pointers into. */
static const char	*base_a, *base_b;

static int
same_str(const struct fx_str *a, const struct fx_str *b)
{
	if (a->p == NULL || b->p == NULL)
		return (a->p == b->p && a->n == b->n);
	return (a->p - base_a == b->p - base_b && a->n == b->n);
}

static void
check_same(const struct fx_http_req *a, const struct fx_http_req *b,
    int rc)
{
	if (rc == FX_ERROR) {
		if (a->status != b->status)
			abort();
		return;
	}
	if (rc != FX_OK)
		return;
	if (a->head_len != b->head_len || a->method != b->method ||
	    a->minor != b->minor || a->keep_alive != b->keep_alive ||
	    a->chunked != b->chunked ||
	    a->content_length != b->content_length ||
	    a->accept_gzip != b->accept_gzip ||
	    !same_str(&a->method_name, &b->method_name) ||
	    !same_str(&a->target, &b->target) ||
	    !same_str(&a->path, &b->path) ||
	    !same_str(&a->query, &b->query) ||
	    !same_str(&a->host, &b->host) ||
	    !same_str(&a->if_none_match, &b->if_none_match) ||
	    !same_str(&a->if_modified_since, &b->if_modified_since) ||
	    !same_str(&a->if_range, &b->if_range) ||
	    !same_str(&a->range, &b->range) ||
	    !same_str(&a->user_agent, &b->user_agent) ||
	    !same_str(&a->referer, &b->referer))
		abort();
}

/*
 * Parse buf[0..cut) from a copy of exactly those bytes, so that a read
 * past cut or a pointer kept from an earlier call is caught.  The copy
 * lives until the next call, as the results point into it.
 */
static int
parse_prefix(struct fx_http_req *req, const char *buf, size_t cut)
{
	static char	*b;

	free(b);
	b = malloc(cut ? cut : 1);
	memcpy(b, buf, cut);
	base_b = b;
	return (fx_http_parse(req, b, cut));
}

/*
 * Run the body decoder over buf[0..len) from req as parsed, at once and
 * cut in two at cut; both ways must end alike.
 */
static void
body(const struct fx_http_req *parsed, const char *buf, size_t len,
    size_t cut, unsigned long long max)
{
	struct fx_http_req	 a, b;
	size_t			 used, used2, more;
	char			*copy;
	int			 rc, rc2;

	a = *parsed;
	rc = fx_body_parse(&a, buf, len, max, &used);
	if (rc != FX_ERROR && (used > len || (rc == FX_AGAIN && used != len)))
		abort();
	if (rc == FX_OK && a.content_length >= 0 && !a.chunked &&
	    used != (size_t)a.content_length)
		abort();

	b = *parsed;
	copy = malloc(cut ? cut : 1);
	memcpy(copy, buf, cut);
	rc2 = fx_body_parse(&b, copy, cut, max, &used2);
	free(copy);
	if (rc2 != FX_ERROR && (used2 > cut ||
	    (rc2 == FX_AGAIN && used2 != cut)))
		abort();
	if (rc2 == FX_AGAIN) {
		rc2 = fx_body_parse(&b, buf + cut, len - cut, max, &more);
		if (rc2 != FX_ERROR && (more > len - cut ||
		    (rc2 == FX_AGAIN && more != len - cut)))
			abort();
		used2 += more;
	}
	if (rc != rc2)
		abort();
	if (rc == FX_ERROR && a.status != b.status)
		abort();
	if (rc == FX_OK && (used != used2 || a.b_total != b.b_total))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_http_req	 one, two, ch;
	const char		*buf = (const char *)data;
	size_t			 k1, k2, h, rest;
	unsigned long long	 max;
	int			 rc, rc2;

	/* Cut points and a body limit taken from the input itself. */
	h = size;
	if (size > 0)
		h = h * 31 + data[0] * 257 + data[size - 1] * 65599 +
		    data[size / 2];
	k1 = h % (size + 1);
	k2 = k1 + (h / 7) % (size - k1 + 1);
	max = size > 1 ? (unsigned long long)data[1] * 4 : 100;

	/* libFuzzer's data is exactly size bytes: reads past it are seen. */
	fx_http_init(&one);
	rc = fx_http_parse(&one, buf, size);
	if (rc == FX_OK) {
		if (one.head_len == 0 || one.head_len > size ||
		    one.head_len > FX_HTTP_MAX_HEAD)
			abort();
		check_str(&one.method_name, buf, one.head_len);
		check_str(&one.target, buf, one.head_len);
		check_str(&one.path, buf, one.head_len);
		check_str(&one.query, buf, one.head_len);
		check_str(&one.host, buf, one.head_len);
		check_str(&one.if_none_match, buf, one.head_len);
		check_str(&one.if_modified_since, buf, one.head_len);
		check_str(&one.if_range, buf, one.head_len);
		check_str(&one.range, buf, one.head_len);
		check_str(&one.user_agent, buf, one.head_len);
		check_str(&one.referer, buf, one.head_len);
		if (one.method_name.n == 0 || one.target.p == NULL ||
		    one.path.p == NULL || one.target.p <= one.method_name.p)
			abort();
		if (one.chunked && one.content_length != -1)
			abort();
		/* The head ends with its blank line; HTTP/1.1 has a Host. */
		if (buf[one.head_len - 1] != '\n' || (buf[one.head_len - 2] !=
		    '\n' && (buf[one.head_len - 2] != '\r' ||
		    buf[one.head_len - 3] != '\n')))
			abort();
		if (one.minor == 1 && one.host.p == NULL)
			abort();
	} else if (rc == FX_ERROR) {
		if (one.status < 400 || one.status > 599)
			abort();
	}

	/* The same input in up to three pieces. */
	fx_http_init(&two);
	rc2 = FX_AGAIN;
	if (k1 < size)
		rc2 = parse_prefix(&two, buf, k1);
	if (rc2 == FX_AGAIN && k2 < size)
		rc2 = parse_prefix(&two, buf, k2);
	if (rc2 == FX_AGAIN) {
		base_b = buf;
		rc2 = fx_http_parse(&two, buf, size);
	}
	base_a = buf;
	if (rc != rc2)
		abort();
	check_same(&one, &two, rc);

	if (rc == FX_OK) {
		rest = size - one.head_len;
		body(&one, buf + one.head_len, rest,
		    rest ? k1 % (rest + 1) : 0, max);
	}

	/* The chunked decoder over the whole input. */
	fx_http_init(&ch);
	ch.chunked = 1;
	body(&ch, buf, size, k1, max ? max : ~0ULL);
	return (0);
}
