/* SPDX-License-Identifier: MIT */
/*
 * pwhash.h - checking a password against an htpasswd hash: bcrypt
 * ($2y$, $2b$, $2a$) and SHA-crypt ($5$, $6$).
 */
#ifndef FX_PWHASH_H
#define FX_PWHASH_H

#include <stddef.h>

/* NULL if hash is of a kind fx_pw_verify checks, else why not. */
const char *fx_pw_kind(const char *hash);

/*
 * 1 if pw[0..pl) (NUL-terminated at pl) is the password of hash, else 0
 * (also for a hash of a kind fx_pw_kind refuses, a password with a NUL
 * or over 256 bytes).
 * The result is compared in constant time.  bcrypt costs 2^cost
 * rounds: tens of milliseconds at htpasswd's default 5... callers cache.
 */
int	fx_pw_verify(const char *pw, size_t pl, const char *hash);

/* Compute bcrypt's initial state now (else on the first use).  0 or -1. */
int	fx_pw_prepare(void);

#endif
