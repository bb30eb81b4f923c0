/* SPDX-License-Identifier: MIT */
/*
 * precomp.h - precompressed variants beside a file (FILE.gz, FILE.br,
 * FILE.zst), chosen by the client's Accept-Encoding.
 */
#ifndef FX_PRECOMP_H
#define FX_PRECOMP_H

#include "http.h"

enum fx_enc { FX_ENC_NONE = 0, FX_ENC_GZIP, FX_ENC_BR, FX_ENC_ZSTD };

#define FX_ENC_BIT(e)	(1u << (e))

/* ".gz", ".br", ".zst" by enum fx_enc ("" for none). */
extern const char fx_enc_ext[4][5];

/* "gzip", "br", "zstd" by enum fx_enc ("" for none). */
extern const char fx_enc_name[4][5];

/*
 * The variant to serve of those in have (FX_ENC_BIT set) for req: the
 * one with the highest q of Accept-Encoding, br before zstd before gzip
 * at equal q, none when identity has a higher q or nothing is
 * acceptable.  With gzip alone in have, what the parser decided
 * (req->accept_gzip), as gzip_static always did.
 */
int	fx_enc_pick(const struct fx_http_req *req, unsigned have);

/* The ETag suffix of a variant file by its name (".br"), else "". */
const char *fx_enc_etag(const char *path);

#endif
