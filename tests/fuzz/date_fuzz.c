/* SPDX-License-Identifier: MIT */
/*
 * date_fuzz.c - libFuzzer target for the HTTP dates of core/file.c: any
 * input goes through fx_http_date_parse, a date it accepts is formatted
 * and parsed again to the same time, and the first 8 bytes as a time_t
 * are formatted (any value: a file's mtime can be anything) and, for the
 * years 1 to 9999, parsed back to the same time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define YEAR1		(-62135596800LL)	/* 0001-01-01 */
#define YEAR10000	253402300800LL		/* 10000-01-01 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[40];
	unsigned long long u = 0;
	time_t t, t2;
	size_t i;

	if ((s = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	if (fx_http_date_parse(s, size, &t) == 0) {
		memset(buf, 0, sizeof(buf));
		fx_http_date(t, buf);
		if (strlen(buf) != 29)
			abort();
		if ((long long)t >= YEAR1 && (long long)t < YEAR10000 &&
		    (fx_http_date_parse(buf, 29, &t2) != 0 || t2 != t))
			abort();
	}
	free(s);

	for (i = 0; i < 8 && i < size; i++)
		u = u << 8 | data[i];
	t = (time_t)u;
	memset(buf, 0, sizeof(buf));
	fx_http_date(t, buf);
	if (strlen(buf) != 29)
		abort();
	if ((long long)t >= YEAR1 && (long long)t < YEAR10000 &&
	    (fx_http_date_parse(buf, 29, &t2) != 0 || t2 != t))
		abort();
	return 0;
}
