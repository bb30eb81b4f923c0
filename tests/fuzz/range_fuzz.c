/* SPDX-License-Identifier: MIT */
/*
 * range_fuzz.c - libFuzzer target for fx_range_parse (core/resp.c): the
 * first 8 bytes pick the representation size, the rest is the Range
 * value; a satisfiable range must lie inside the representation.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long sizes[] = { 0, 1, 2, 10, 4096, 1LL << 31,
	    (1LL << 62), 0x7fffffffffffffffLL };
	unsigned long long u = 0;
	long long fsize, off = -1, len = -1;
	char *s;
	size_t i, n;
	int rc;

	if (size < 1)
		return 0;
	if (data[0] < 8) {			/* a common size */
		fsize = sizes[data[0]];
		data++;
		size--;
	} else {
		for (i = 0; i < 8 && i < size; i++)
			u = u << 8 | data[i];
		fsize = (long long)(u >> 1);
		data += i;
		size -= i;
	}
	n = size;
	if ((s = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(s, data, n);		/* exactly n bytes: overreads show */
	rc = fx_range_parse(s, n, fsize, &off, &len);
	switch (rc) {
	case FX_RANGE_OK:
		if (off < 0 || len < 1 || off >= fsize || len > fsize - off)
			abort();
		break;
	case FX_RANGE_NONE:
	case FX_RANGE_UNSAT:
		break;
	default:
		abort();
	}
	free(s);
	return 0;
}
