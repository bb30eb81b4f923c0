/* SPDX-License-Identifier: MIT */
/*
 * pwhash.c - the password hashes of htpasswd files (see pwhash.h):
 * SHA-crypt ($5$, $6$; U. Drepper, "Unix crypt using SHA-256 and
 * SHA-512") and bcrypt ($2a$, $2b$, $2y$; N. Provos and D. Mazieres,
 * "A Future-Adaptable Password Scheme"), written from those texts and
 * FIPS 180-4.  One SHA-2 serves both widths (SHA-256's constants are the
 * high halves of SHA-512's).  Blowfish's initial state, the first 8,336
 * hex digits of pi, is computed once (Machin's formula) instead of
 * stored: 4 KiB less in the binary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pwhash.h"

/*
 * The fractional parts of the cube roots of the first 80 primes and of
 * the square roots of the first 8, 64 bits each (FIPS 180-4 4.2.3,
 * 5.3.5); made with Python: isqrt(p << 128), integer cube root of
 * p << 192, low 64 bits.
 */
static const uint64_t sha_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
	0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
	0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
	0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
	0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
	0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
	0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
	0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
	0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
	0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
	0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
	0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
	0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
	0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};
static const uint64_t sha_h[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
	0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* Rotations and shifts: Sigma0, Sigma1, sigma0, sigma1 (FIPS 180-4). */
static const unsigned char sha_rot[2][12] = {
	{ 2, 13, 22, 6, 11, 25, 7, 18, 3, 17, 19, 10 },
	{ 28, 34, 39, 14, 18, 41, 1, 8, 7, 19, 61, 6 }
};

struct sha {
	uint64_t	 h[8];
	uint64_t	 mask;		/* 2^32-1 or 2^64-1 */
	uint64_t	 len;		/* bytes hashed */
	int		 big;		/* SHA-512, else SHA-256 */
	unsigned char	 buf[128];
};

static const char b64c[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static uint64_t
rotr(const struct sha *s, uint64_t x, int n)
{
	return (x >> n | x << ((s->big ? 64 : 32) - n)) & s->mask;
}

static void
sha_init(struct sha *s, int big)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->big = big;
	s->mask = big ? ~0ULL : 0xffffffffULL;
	for (i = 0; i < 8; i++)
		s->h[i] = big ? sha_h[i] : sha_h[i] >> 32;
}

static void
sha_block(struct sha *s, const unsigned char *p)
{
	const unsigned char *r = sha_rot[s->big];
	uint64_t w[80], v[8], t1, t2, x, y;
	int i, j, wb = s->big ? 8 : 4, n = s->big ? 80 : 64;

	for (i = 0; i < 16; i++)
		for (w[i] = 0, j = 0; j < wb; j++)
			w[i] = w[i] << 8 | *p++;
	for (; i < n; i++) {
		x = w[i - 15];
		y = w[i - 2];
		w[i] = (w[i - 16] + w[i - 7] + (rotr(s, x, r[6]) ^
		    rotr(s, x, r[7]) ^ x >> r[8]) + (rotr(s, y, r[9]) ^
		    rotr(s, y, r[10]) ^ y >> r[11])) & s->mask;
	}
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < n; i++) {
		t1 = v[7] + (rotr(s, v[4], r[3]) ^ rotr(s, v[4], r[4]) ^
		    rotr(s, v[4], r[5])) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
		    (s->big ? sha_k[i] : sha_k[i] >> 32) + w[i];
		t2 = (rotr(s, v[0], r[0]) ^ rotr(s, v[0], r[1]) ^
		    rotr(s, v[0], r[2])) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^
		    (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] = (v[4] + t1) & s->mask;
		v[0] = (t1 + t2) & s->mask;
	}
	for (i = 0; i < 8; i++)
		s->h[i] = (s->h[i] + v[i]) & s->mask;
}

static void
sha_add(struct sha *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t bl = s->big ? 128 : 64, have, k;

	while (n > 0) {
		have = (size_t)(s->len % bl);
		k = bl - have < n ? bl - have : n;
		memcpy(s->buf + have, p, k);
		s->len += k;
		p += k;
		n -= k;
		if (have + k == bl)
			sha_block(s, s->buf);
	}
}

/* The digest (32 or 64 bytes) into out. */
static void
sha_end(struct sha *s, unsigned char *out)
{
	size_t bl = s->big ? 128 : 64, wb = s->big ? 8 : 4, i;
	uint64_t bits = s->len * 8;
	unsigned char pad[16];

	sha_add(s, "\x80", 1);
	while (s->len % bl != bl - 2 * wb)
		sha_add(s, "", 1);
	memset(pad, 0, sizeof(pad));
	for (i = 0; i < 8; i++)
		pad[2 * wb - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha_add(s, pad, 2 * wb);
	for (i = 0; i < 8 * wb; i++)
		out[i] = (unsigned char)(s->h[i / wb] >>
		    (8 * (wb - 1 - i % wb)));
}

/* n characters of crypt's base64 from w, low 6 bits first. */
static char *
b64_crypt(char *o, uint32_t w, int n)
{
	while (n-- > 0) {
		*o++ = b64c[w & 63];
		w >>= 6;
	}
	return o;
}

#define PW_MAX		256		/* longer passwords never match */

/* SHA-crypt of pw with the setting of hash ("$5$[rounds=N$]salt"). */
static int
sha_crypt(const char *pw, size_t pl, const char *hash, char *out)
{
	struct sha c;
	unsigned char a[64], b[64], pseq[PW_MAX], sseq[16];
	const char *salt = hash + 3;
	char *o;
	unsigned long rounds = 5000, r;
	size_t hl, sl, n, step, j, m;
	int big = hash[1] == '6', k;

	if (strncmp(salt, "rounds=", 7) == 0) {
		for (rounds = 0, salt += 7; *salt >= '0' && *salt <= '9';
		    salt++)
			if ((rounds = rounds * 10 + (unsigned long)(*salt -
			    '0')) > 999999999)
				rounds = 999999999;
		if (*salt++ != '$')
			return -1;
		if (rounds < 1000)
			rounds = 1000;
	}
	for (sl = 0; sl < 16 && salt[sl] != '\0' && salt[sl] != '$'; sl++)
		;
	hl = big ? 64 : 32;
	sha_init(&c, big);
	sha_add(&c, pw, pl);
	sha_add(&c, salt, sl);
	sha_add(&c, pw, pl);
	sha_end(&c, b);
	sha_init(&c, big);
	sha_add(&c, pw, pl);
	sha_add(&c, salt, sl);
	for (n = pl; n > hl; n -= hl)
		sha_add(&c, b, hl);
	sha_add(&c, b, n);
	for (n = pl; n > 0; n >>= 1)
		if (n & 1)
			sha_add(&c, b, hl);
		else
			sha_add(&c, pw, pl);
	sha_end(&c, a);
	sha_init(&c, big);
	for (n = 0; n < pl; n++)
		sha_add(&c, pw, pl);
	sha_end(&c, b);
	for (n = 0; n < pl; n++)
		pseq[n] = b[n % hl];
	sha_init(&c, big);
	for (n = 0; n < 16u + a[0]; n++)
		sha_add(&c, salt, sl);
	sha_end(&c, b);
	memcpy(sseq, b, sl);
	for (r = 0; r < rounds; r++) {
		sha_init(&c, big);
		if (r & 1)
			sha_add(&c, pseq, pl);
		else
			sha_add(&c, a, hl);
		if (r % 3)
			sha_add(&c, sseq, sl);
		if (r % 7)
			sha_add(&c, pseq, pl);
		if (r & 1)
			sha_add(&c, a, hl);
		else
			sha_add(&c, pseq, pl);
		sha_end(&c, a);
	}
	o = out + (size_t)(salt - hash) + sl;
	memcpy(out, hash, (size_t)(o - out));
	*o++ = '$';
	/* Bytes j, j+step, j+2*step, in an order that turns with j. */
	step = big ? 21 : 10;
	for (j = 0; j < step; j++) {
		m = j % 3;
		if (big)
			m = (3 - m) % 3;
		k = a[j + step * ((3 - m) % 3)] << 16 |
		    a[j + step * ((4 - m) % 3)] << 8 |
		    a[j + step * ((5 - m) % 3)];
		o = b64_crypt(o, (uint32_t)k, 4);
	}
	o = big ? b64_crypt(o, a[63], 2) :
	    b64_crypt(o, (uint32_t)(a[31] << 8 | a[30]), 3);
	*o = '\0';
	return 0;
}

/* Blowfish: P (18 words), then the four S-boxes (256 each). */
#define BF_WORDS	(18 + 1024)
#define PI_LIMBS	(BF_WORDS + 3)	/* [0] the integer part, 2 guard */

static uint32_t bf_pi[BF_WORDS];
static int bf_ready;

/* t = t / d, from limb z on (those before are 0); the new first limb. */
static size_t
big_div(uint32_t *t, uint32_t d, size_t z)
{
	uint64_t rem = 0, cur;
	size_t i;

	for (i = z; i < PI_LIMBS; i++) {
		cur = rem << 32 | t[i];
		t[i] = (uint32_t)(cur / d);
		rem = cur % d;
	}
	while (z < PI_LIMBS && t[z] == 0)
		z++;
	return z;
}

/* acc += sign * coef * atan(1/x), by its series. */
static void
pi_atan(uint32_t *acc, uint32_t *t, uint32_t *u, uint32_t coef, uint32_t x,
    int sign)
{
	uint64_t c;
	size_t z, i;
	uint32_t k;
	int s;

	memset(t, 0, PI_LIMBS * sizeof(*t));
	t[0] = coef;
	z = big_div(t, x, 0);
	for (k = 1, s = sign; z < PI_LIMBS; k += 2, s = -s) {
		memcpy(u, t, PI_LIMBS * sizeof(*t));
		big_div(u, k, z);
		for (c = 0, i = PI_LIMBS; i-- > 0; ) {
			c = s > 0 ? (uint64_t)acc[i] + u[i] + c :
			    (uint64_t)acc[i] - u[i] - c;
			acc[i] = (uint32_t)c;
			c = c >> 32 & 1;
		}
		z = big_div(t, x * x, z);
	}
}

/* pi = 16 atan(1/5) - 4 atan(1/239); its fraction's words to bf_pi. */
static int
bf_init(void)
{
	uint32_t *acc = malloc(3 * PI_LIMBS * sizeof(uint32_t));

	if (acc == NULL)
		return -1;
	memset(acc, 0, PI_LIMBS * sizeof(uint32_t));
	pi_atan(acc, acc + PI_LIMBS, acc + 2 * PI_LIMBS, 16, 5, 1);
	pi_atan(acc, acc + PI_LIMBS, acc + 2 * PI_LIMBS, 4, 239, -1);
	memcpy(bf_pi, acc + 1, sizeof(bf_pi));
	free(acc);
	bf_ready = bf_pi[0] == 0x243f6a88 && bf_pi[BF_WORDS - 1] == 0x3ac372e6;
	return bf_ready ? 0 : -1;
}

static uint32_t
bf_f(const uint32_t *s, uint32_t x)
{
	return ((s[x >> 24] + s[256 + (x >> 16 & 255)]) ^
	    s[512 + (x >> 8 & 255)]) + s[768 + (x & 255)];
}

static void
bf_enc(const uint32_t *st, uint32_t *lr)
{
	uint32_t l = lr[0], r = lr[1], t;
	int i;

	for (i = 0; i < 16; i++) {
		l ^= st[i];
		r ^= bf_f(st + 18, l);
		t = l;
		l = r;
		r = t;
	}
	lr[0] = r ^ st[17];
	lr[1] = l ^ st[16];
}

/*
 * Eksblowfish's ExpandKey: key (kl bytes, cyclic) into P, then the
 * whole state encrypted anew, salt (4 words, cyclic) mixed in if any.
 */
static void
bf_expand(uint32_t *st, const unsigned char *key, size_t kl,
    const uint32_t *salt)
{
	uint32_t lr[2] = { 0, 0 }, w;
	size_t i, j, k = 0;

	for (i = 0; i < 18; i++) {
		for (w = 0, j = 0; j < 4; j++, k = (k + 1) % kl)
			w = w << 8 | key[k];
		st[i] ^= w;
	}
	for (i = 0; i < BF_WORDS; i += 2) {
		if (salt != NULL) {
			lr[0] ^= salt[i % 4];
			lr[1] ^= salt[(i + 1) % 4];
		}
		bf_enc(st, lr);
		st[i] = lr[0];
		st[i + 1] = lr[1];
	}
}

static const char b64b[] =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* bcrypt's base64 (big-endian bits, no padding) of in[0..n). */
static char *
b64_bf(char *o, const unsigned char *in, size_t n)
{
	uint32_t acc = 0;
	size_t i;
	int bits = 0;

	for (i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		for (bits += 8; bits >= 6; bits -= 6)
			*o++ = b64b[acc >> (bits - 6) & 63];
	}
	if (bits > 0)
		*o++ = b64b[acc << (6 - bits) & 63];
	return o;
}

/* bcrypt of pw with the setting of hash ("$2b$CC$" and 22 of salt). */
static int
bf_crypt(const char *pw, size_t pl, const char *hash, char *out)
{
	static const char magic[] = "OrpheanBeholderScryDoubt";
	uint32_t *st, salt[4], ct[6];
	unsigned char key[72], sb[24];
	const char *p;
	size_t kl, i;
	uint32_t acc = 0, n;
	int bits = 0, cost, j;

	if (!bf_ready && bf_init() == -1)
		return -1;
	cost = (hash[4] - '0') * 10 + hash[5] - '0';
	/* 22 characters: 16 bytes and 4 bits that are not used. */
	for (i = 0, p = hash + 7; i < 16; p++) {
		if ((p = p, strchr(b64b, *p)) == NULL || *p == '\0')
			return -1;
		acc = acc << 6 | (uint32_t)(strchr(b64b, *p) - b64b);
		if ((bits += 6) >= 8) {
			bits -= 8;
			sb[i++] = (unsigned char)(acc >> bits);
		}
	}
	for (i = 0; i < 4; i++)
		salt[i] = (uint32_t)sb[4 * i] << 24 | sb[4 * i + 1] << 16 |
		    sb[4 * i + 2] << 8 | sb[4 * i + 3];
	kl = pl + 1 < sizeof(key) ? pl + 1 : sizeof(key);
	memcpy(key, pw, kl < pl ? kl : pl);
	if (kl > pl)
		key[pl] = '\0';
	if ((st = malloc(sizeof(bf_pi))) == NULL)
		return -1;
	memcpy(st, bf_pi, sizeof(bf_pi));
	bf_expand(st, key, kl, salt);
	for (n = 1u << cost; n > 0; n--) {
		bf_expand(st, key, kl, NULL);
		bf_expand(st, sb, 16, NULL);
	}
	for (i = 0; i < 6; i++)
		ct[i] = (uint32_t)magic[4 * i] << 24 | magic[4 * i + 1] << 16 |
		    magic[4 * i + 2] << 8 | (uint32_t)magic[4 * i + 3];
	for (j = 0; j < 64; j++)
		for (i = 0; i < 6; i += 2)
			bf_enc(st, ct + i);
	free(st);
	for (i = 0; i < 24; i++)
		sb[i] = (unsigned char)(ct[i / 4] >> (24 - 8 * (i % 4)));
	memcpy(out, hash, 29);
	*b64_bf(out + 29, sb, 23) = '\0';
	return 0;
}

const char *
fx_pw_kind(const char *hash)
{
	size_t n = strlen(hash), i;

	if (ENABLE_FEATURE_AUTH_SHA && hash[0] == '$' && (hash[1] == '5' ||
	    hash[1] == '6') && hash[2] == '$')
		return n < 200 && n > 4 ? NULL : "malformed SHA-crypt hash";
	if (hash[0] == '$' && hash[1] == '2' && strchr("aby", hash[2]) &&
	    hash[2] != '\0' && hash[3] == '$') {
		if (n != 60 || hash[6] != '$' || hash[4] < '0' ||
		    hash[4] > '3' || hash[5] < '0' || hash[5] > '9')
			return "malformed bcrypt hash";
		i = (size_t)((hash[4] - '0') * 10 + hash[5] - '0');
		if (i < 4 || i > 17)
			return "bcrypt cost out of 4-17";
		for (i = 7; i < n; i++)
			if (strchr(b64b, hash[i]) == NULL)
				return "malformed bcrypt hash";
		return NULL;
	}
	return ENABLE_FEATURE_AUTH_SHA ? "unsupported hash (supported: "
	    "bcrypt $2y$ $2b$ $2a$ of htpasswd -B, SHA-crypt $5$ $6$ of "
	    "htpasswd -2 -5)" : "unsupported hash (supported: bcrypt $2y$ "
	    "$2b$ $2a$ of htpasswd -B; SHA-crypt needs FEATURE_AUTH_SHA)";
}

int
fx_pw_verify(const char *pw, size_t pl, const char *hash)
{
	char out[256];
	size_t n, i;
	unsigned char d = 0;

	if (fx_pw_kind(hash) != NULL || pl > PW_MAX || strlen(pw) != pl)
		return 0;
	if ((hash[1] == '2' ? bf_crypt(pw, pl, hash, out) :
	    !ENABLE_FEATURE_AUTH_SHA ? -1 : sha_crypt(pw, pl, hash, out)) == -1)
		return 0;
	/* Constant time in what matches: every byte is compared. */
	if ((n = strlen(out)) != strlen(hash))
		return 0;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(out[i] ^ hash[i]);
	return d == 0;
}

int
fx_pw_prepare(void)
{
	return bf_ready || bf_init() == 0 ? 0 : -1;
}
