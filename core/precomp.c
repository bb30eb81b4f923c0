/* SPDX-License-Identifier: MIT */
/*
 * precomp.c - which precompressed variant to serve (see precomp.h).
 * Accept-Encoding is parsed here in full, q-values and all, only for a
 * file that has a .br or .zst beside it; the parser's quick gzip verdict
 * serves every other request.
 */
#include <string.h>

#include "config.h"
#include "precomp.h"

const char fx_enc_ext[4][5] = { "", ".gz", ".br", ".zst" };
const char fx_enc_name[4][5] = { "", "gzip", "br", "zstd" };

#define Q_UNLISTED	(-1)
#define Q_STAR		4		/* index of "*" in q[] */

/* Is s[0..e) name, in any case? */
static int
lc_is(const char *s, const char *e, const char *name)
{
	while (s < e && *name != '\0' && (*s | 0x20) == *name)
		s++, name++;
	return s == e && *name == '\0';
}

/* A qvalue ("0", "0.5", "1.000") in thousandths; junk counts as 1. */
static int
qvalue(const char *s, const char *e)
{
	int q, i;

	if (s == e || (*s != '0' && *s != '1'))
		return 1000;
	q = (*s++ - '0') * 1000;
	if (s < e && *s == '.')
		for (s++, i = 100; s < e && i > 0 && *s >= '0' && *s <= '9';
		    s++, i /= 10)
			q += (*s - '0') * i;
	return q > 1000 ? 1000 : q;
}

int
fx_enc_pick(const struct fx_http_req *req, unsigned have)
{
	static const char order[3] = { FX_ENC_BR, FX_ENC_ZSTD, FX_ENC_GZIP };
	static const char names[6][9] = { "identity", "gzip", "br", "zstd",
	    "*", "x-gzip" };
	int q[5] = { Q_UNLISTED, Q_UNLISTED, Q_UNLISTED, Q_UNLISTED,
	    Q_UNLISTED };
	const char *s = req->accept_encoding.p, *e, *t, *c;
	int i, k, v, best = FX_ENC_NONE, bq = 0;

	if (!ENABLE_FEATURE_PRECOMPRESSED ||
	    (have & (FX_ENC_BIT(FX_ENC_BR) | FX_ENC_BIT(FX_ENC_ZSTD))) == 0)
		return (have & FX_ENC_BIT(FX_ENC_GZIP)) && req->accept_gzip ?
		    FX_ENC_GZIP : FX_ENC_NONE;
	if (s == NULL)
		return FX_ENC_NONE;
	for (e = s + req->accept_encoding.n; s < e; s = c + 1) {
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		for (t = s; t < e && *t != ',' && *t != ';' && *t != ' ' &&
		    *t != '\t'; t++)
			;
		for (k = 0; k < 6 && !lc_is(s, t, names[k]); k++)
			;
		if (k == 5)
			k = FX_ENC_GZIP;	/* x-gzip */
		v = 1000;
		for (c = t; c < e && *c != ','; c++) {
			if (*c != ';')
				continue;
			while (c + 1 < e && (c[1] == ' ' || c[1] == '\t'))
				c++;
			if (e - c > 2 && (c[1] | 0x20) == 'q' && c[2] == '=')
				v = qvalue(c + 3, e);
		}
		/* Listed twice: the higher q counts. */
		if (k < 5 && v > q[k])
			q[k] = v;
	}
	for (i = 0; i < 3; i++) {
		k = order[i];
		v = q[k] != Q_UNLISTED ? q[k] : q[Q_STAR];
		if ((have & FX_ENC_BIT(k)) && v > bq) {
			best = k;
			bq = v;
		}
	}
	/* Identity unlisted is acceptable, but below any listed coding. */
	v = q[0] != Q_UNLISTED ? q[0] : q[Q_STAR] != Q_UNLISTED ?
	    q[Q_STAR] : 0;
	return bq >= v ? best : FX_ENC_NONE;
}

const char *
fx_enc_etag(const char *path)
{
	const char *dot = strrchr(path, '.');
	int i;

	for (i = FX_ENC_GZIP; ENABLE_FEATURE_PRECOMPRESSED && dot != NULL &&
	    i <= FX_ENC_ZSTD; i++)
		if (strcmp(dot, fx_enc_ext[i]) == 0)
			return dot;
	return "";
}
