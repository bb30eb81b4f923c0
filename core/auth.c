/* SPDX-License-Identifier: MIT */
/*
 * auth.c - basic auth by path prefix (see auth.h).  A rule covers its
 * prefix as a path: "/private" covers "/private" and "/private/x", not
 * "/privateer"; the longest prefix that covers a path decides.  The
 * check runs on the decoded, normalised path, so no encoding of it gets
 * around a rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include "auth.h"
#include "fmt.h"
#include "log.h"
#include "pwhash.h"

#define AUTH_FILE_MAX	(1024 * 1024)
#define CRED_MAX	384		/* "Basic " token bytes remembered */
#define CACHE_SLOTS	8
#define CHALLENGE	\
	"WWW-Authenticate: Basic realm=\"fenix\", charset=\"UTF-8\"\r\n"

struct user {
	const char	*name;
	const char	*hash;
};

struct fx_auth {
	struct fx_auth	*next;
	const char	*prefix;
	size_t		 plen;
	char		*text;		/* the file; users point into it */
	int		 nusers;
	struct user	 users[];
};

struct fx_auth *fx_auth_rules;

static struct {
	const struct fx_auth *rule;
	size_t		 n;
	char		 tok[CRED_MAX];
} cache[CACHE_SLOTS];
static unsigned cache_next;

void
fx_auth_free(struct fx_auth *a)
{
	struct fx_auth *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a->text);
		free(a);
	}
}

/* The whole file, NUL-terminated, in a malloc'd buffer; NULL, errno. */
static char *
slurp(const char *path)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return NULL;
	if ((buf = malloc(AUTH_FILE_MAX + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < AUTH_FILE_MAX &&
	    (n = read(fd, buf + len, AUTH_FILE_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (len == AUTH_FILE_MAX || strlen(buf) != len) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	return buf;
}

/* One rule from "PREFIX FILE"; 0 or -1 with err. */
static int
load_one(const struct fx_conf_ent *e, struct fx_auth **out, char *err,
    size_t errlen)
{
	const char *file = e->argv[1], *why = NULL;
	struct fx_auth *a;
	char *text, *line, *nl, *colon;
	size_t nlines = 1, i;
	int lineno = 0;

	if (e->argv[0][0] != '/') {
		fx_snprintf(err, errlen, "auth %s: a prefix starts with /",
		    e->argv[0]);
		return -1;
	}
	if ((text = slurp(file)) == NULL) {
		fx_snprintf(err, errlen, "%s: %s", file, errno == EFBIG ?
		    "NUL byte, or larger than 1 MiB" : fx_strerror(errno));
		return -1;
	}
	for (i = 0; text[i] != '\0'; i++)
		nlines += text[i] == '\n';
	if ((a = malloc(sizeof(*a) + nlines * sizeof(a->users[0]))) == NULL) {
		free(text);
		return -1;
	}
	memset(a, 0, sizeof(*a));
	a->text = text;
	a->prefix = e->argv[0];
	a->plen = strlen(a->prefix);
	while (a->plen > 1 && a->prefix[a->plen - 1] == '/')
		a->plen--;
	for (line = text; *line != '\0' && why == NULL; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = line + strlen(line);
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			why = "expected user:hash";
		else if ((why = fx_pw_kind(colon + 1)) == NULL) {
			*colon = '\0';
			a->users[a->nusers].name = line;
			a->users[a->nusers++].hash = colon + 1;
		}
	}
	if (why == NULL && a->nusers == 0)
		why = "no users";
	if (why == NULL && fx_pw_prepare() == -1)
		why = "out of memory";
	if (why != NULL) {
		fx_snprintf(err, errlen, "%s:%d: %s", file, lineno, why);
		fx_auth_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

int
fx_auth_load(const struct fx_conf_ent *e, struct fx_auth **out, char *err,
    size_t errlen)
{
	struct fx_auth **pp = out;

	*out = NULL;
	for (; e != NULL; e = e->next, pp = &(*pp)->next)
		if (load_one(e, pp, err, errlen) == -1) {
			fx_auth_free(*out);
			*out = NULL;
			return -1;
		}
	return 0;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 of s[0..n) (padding optional) into out; len or -1. */
static int
b64dec(const char *s, size_t n, char *out, size_t cap)
{
	unsigned acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (char)(acc >> bits);
		}
	}
	return (int)o;
}

/* Equal bytes, in a time that depends on n only; 8 at a time. */
static int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y, d = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

const char *
fx_auth_check(const struct fx_http_req *req, const char *path)
{
	const struct fx_auth *a, *rule = NULL;
	const struct user *u = NULL;
	char cred[CRED_MAX];
	const char *tok, *pw;
	size_t n;
	int i, len;

	for (a = fx_auth_rules; a != NULL; a = a->next)
		if (strncmp(path, a->prefix, a->plen) == 0 &&
		    (path[a->plen] == '/' || path[a->plen] == '\0' ||
		    a->plen == 1) && (rule == NULL || a->plen > rule->plen))
			rule = a;
	if (rule == NULL)
		return NULL;
	tok = req->authorization.p;
	n = req->authorization.n;
	if (tok == NULL || n < 7 || ((tok[0] | 0x20) != 'b' ||
	    (tok[1] | 0x20) != 'a' || (tok[2] | 0x20) != 's' ||
	    (tok[3] | 0x20) != 'i' || (tok[4] | 0x20) != 'c' || tok[5] != ' '))
		return CHALLENGE;
	for (tok += 6, n -= 6; n > 0 && *tok == ' '; tok++, n--)
		;
	if (n == 0 || n > CRED_MAX)
		return CHALLENGE;
	for (i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].rule == rule && cache[i].n == n &&
		    same(cache[i].tok, tok, n))
			return NULL;
	if ((len = b64dec(tok, n, cred, sizeof(cred) - 1)) < 0)
		return CHALLENGE;
	cred[len] = '\0';
	if ((pw = strchr(cred, ':')) == NULL)
		return CHALLENGE;
	cred[pw++ - cred] = '\0';
	for (i = 0; i < rule->nusers; i++)
		if (strcmp(rule->users[i].name, cred) == 0)
			u = &rule->users[i];
	/* An unknown user costs a hash too: no telling users by time. */
	if (fx_pw_verify(pw, (size_t)(cred + len - pw), u != NULL ? u->hash :
	    rule->users[0].hash) != 1 || u == NULL)
		return CHALLENGE;
	i = (int)(cache_next++ % CACHE_SLOTS);
	cache[i].rule = rule;
	cache[i].n = n;
	memcpy(cache[i].tok, tok, n);
	return NULL;
}
