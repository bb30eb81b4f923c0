/* SPDX-License-Identifier: MIT */
/*
 * etag_fuzz.c - libFuzzer target for fx_etag_match (core/resp.c): the
 * input up to the first newline is the ETag, the rest the If-None-Match
 * list, compared weakly (If-None-Match) and strongly (If-Match).  A
 * strong match is a weak one too; "*" alone, or the ETag itself alone or
 * among others, matches both ways; W/ and the ETag matches only weakly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* "\"...\"" with no quote or NUL inside: an ETag as fenix makes them. */
static int
well_formed(const char *e, size_t n)
{
	size_t i;

	if (n < 2 || e[0] != '"' || e[n - 1] != '"')
		return 0;
	for (i = 1; i < n - 1; i++)
		if (e[i] == '"' || e[i] == '\0')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	char *etag, *list, *two;
	size_t en, ln;
	int m, s;

	nl = memchr(data, '\n', size);
	en = nl != NULL ? (size_t)(nl - data) : size;
	ln = nl != NULL ? size - en - 1 : 0;
	etag = malloc(en + 1);
	list = malloc(ln ? ln : 1);
	two = malloc(en * 2 + 8);
	if (etag == NULL || list == NULL || two == NULL)
		abort();
	memcpy(etag, data, en);
	etag[en] = '\0';
	if (ln)
		memcpy(list, nl + 1, ln);
	/* Weak comparison (If-None-Match) and strong (If-Match). */
	m = fx_etag_match(list, ln, etag, 1);
	s = fx_etag_match(list, ln, etag, 0);
	if ((m != 0 && m != 1) || (s != 0 && s != 1) || s > m)
		abort();
	if (ln == 1 && list[0] == '*' && (!m || !s))
		abort();
	if (well_formed(etag, en) && strlen(etag) == en) {
		if (fx_etag_match(etag, en, etag, 1) != 1 ||
		    fx_etag_match(etag, en, etag, 0) != 1)
			abort();
		/* W/ matches weakly only; the plain one after it both ways. */
		memcpy(two, "W/", 2);
		memcpy(two + 2, etag, en);
		if (fx_etag_match(two, en + 2, etag, 1) != 1 ||
		    fx_etag_match(two, en + 2, etag, 0) != 0)
			abort();
		memcpy(two + 2 + en, ", ", 2);
		memcpy(two + 4 + en, etag, en);
		if (fx_etag_match(two, en * 2 + 4, etag, 1) != 1 ||
		    fx_etag_match(two, en * 2 + 4, etag, 0) != 1)
			abort();
	}
	free(etag);
	free(list);
	free(two);
	return 0;
}
