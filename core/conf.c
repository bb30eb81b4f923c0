/* SPDX-License-Identifier: MIT */
/*
 * conf.c - server settings: nginx's defaults, and one sorted keyword
 * table that both `-o key=value` and the config file go through, so that
 * every setting has one name, one parser and one error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "config.h"
#include "conf.h"
#include "log.h"
#include "auth.h"
#include "stats.h"
#include "site.h"
#include "util.h"

#define MAX_MS		(24LL * 3600 * 1000)	/* a day */

void
fx_conf_defaults(struct fx_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->root = "www";
	c->workers = 0;
	c->max_conns = CONFIG_MAX_CONNS;
	c->header_ms = 60000;		/* client_header_timeout */
	c->keepalive_ms = 75000;	/* keepalive_timeout */
	c->send_ms = 60000;		/* send_timeout */
	c->shutdown_ms = 8000;		/* below docker stop's 10 s */
	c->grace_ms = 1000;
	c->body_max = 1024 * 1024;	/* client_max_body_size */
	c->gzip_static = 1;
	if (ENABLE_FEATURE_CGI) {
		c->cgi_ms = 60000;
		c->cgi_max = 16;
	}
}

enum { T_STR, T_MS, T_INT, T_BOOL, T_LISTEN, T_SIZE, T_CGI, T_LIST, T_WORDS };

/* A list setting is built in (its code is left out of tiny builds). */
#define CONF_LISTS	(FX_SITE_ANY || ENABLE_FEATURE_AUTH)

/*
 * The names inline (no pointers, no relocations): 28 bytes an entry.
 * T_SIZE's max is in MiB.
 */
static const struct kw {
	char		 name[18];	/* the longest name + its NUL */
	unsigned char	 type;
	unsigned short	 off;
	unsigned char	 min;
	unsigned int	 max;
} kws[] = {			/* sorted by name: bsearch */
	{ "access_log",		T_STR,	offsetof(struct fx_conf, access_log),
	    0, 0 },
	IF_FEATURE_AUTH({ "auth", T_LIST, offsetof(struct fx_conf, auth),
	    2, 2 },)
	{ "backlog",		T_INT,	offsetof(struct fx_conf, backlog),
	    1, 1 << 30 },
	{ "body_max",		T_SIZE,	offsetof(struct fx_conf, body_max),
	    0, 1 << 20 },
IF_FEATURE_CGI(
	{ "cgi",		T_CGI,	0, 0, 0 },
	{ "cgi_max",		T_INT,	offsetof(struct fx_conf, cgi_max),
	    1, 1 << 16 },
	{ "cgi_timeout",	T_MS,	offsetof(struct fx_conf, cgi_ms),
	    1, MAX_MS },
)
	IF_FEATURE_CORS({ "cors_origins", T_WORDS,
	    offsetof(struct fx_conf, cors_origins), 1, 64 },)
	{ "dirlist",		T_BOOL,	offsetof(struct fx_conf, dirlist),
	    0, 1 },
	{ "dotfiles",		T_BOOL,	offsetof(struct fx_conf, dotfiles),
	    0, 1 },
	{ "error_log",		T_STR,	offsetof(struct fx_conf, error_log),
	    0, 0 },
	IF_FEATURE_ERROR_PAGE({ "error_page", T_LIST,
	    offsetof(struct fx_conf, error_pages), 2, 32 },)
	IF_FEATURE_FALLBACK({ "fallback", T_WORDS,
	    offsetof(struct fx_conf, fallback), 1, 1 },)
	{ "grace_timeout",	T_MS,	offsetof(struct fx_conf, grace_ms),
	    0, MAX_MS },
	{ "gzip_static",	T_BOOL,	offsetof(struct fx_conf, gzip_static),
	    0, 1 },
	IF_FEATURE_HEADERS({ "header", T_LIST,
	    offsetof(struct fx_conf, headers), 3, 3 },)
	{ "header_timeout",	T_MS,	offsetof(struct fx_conf, header_ms),
	    1, MAX_MS },
	IF_FEATURE_HEALTH({ "health_path", T_WORDS,
	    offsetof(struct fx_conf, health_path), 1, 1 },)
	IF_FEATURE_INDEX({ "index", T_WORDS,
	    offsetof(struct fx_conf, index), 1, 16 },)
	{ "keepalive_timeout",	T_MS,	offsetof(struct fx_conf, keepalive_ms),
	    0, MAX_MS },
	{ "listen",		T_LISTEN, 0, 0, 0 },
	{ "max_conns",		T_INT,	offsetof(struct fx_conf, max_conns),
	    1, 1 << 20 },
	IF_FEATURE_COUNTERS({ "metrics_path", T_STR,
	    offsetof(struct fx_conf, metrics_path), 0, 0 },)
	{ "pidfile",		T_STR,	offsetof(struct fx_conf, pidfile),
	    0, 0 },
	IF_FEATURE_PRECOMPRESSED({ "precompressed", T_BOOL,
	    offsetof(struct fx_conf, precompressed), 0, 1 },)
	{ "refuse_root",	T_BOOL,	offsetof(struct fx_conf, refuse_root),
	    0, 1 },
	{ "root",		T_STR,	offsetof(struct fx_conf, root), 0, 0 },
	IF_FEATURE_HEADERS({ "security_headers", T_BOOL,
	    offsetof(struct fx_conf, security_headers), 0, 1 },)
	{ "send_timeout",	T_MS,	offsetof(struct fx_conf, send_ms),
	    1, MAX_MS },
	{ "shutdown_delay",	T_MS,	offsetof(struct fx_conf, delay_ms),
	    0, MAX_MS },
	{ "shutdown_timeout",	T_MS,	offsetof(struct fx_conf, shutdown_ms),
	    0, MAX_MS },
	IF_FEATURE_COUNTERS({ "status_allow", T_STR,
	    offsetof(struct fx_conf, status_allow), 0, 0 },)
	IF_FEATURE_COUNTERS({ "status_path", T_STR,
	    offsetof(struct fx_conf, status_path), 0, 0 },)
	{ "symlinks",		T_BOOL,	offsetof(struct fx_conf, symlinks),
	    0, 1 },
	{ "user",		T_STR,	offsetof(struct fx_conf, user), 0, 0 },
	{ "workers",		T_INT,	offsetof(struct fx_conf, workers),
	    0, 1024 },
};

/* Strings of a conf live in its own list, freed by fx_conf_free. */
struct conf_str {
	struct conf_str	*next;
	char		 s[];
};

/* n bytes owned by c, or NULL. */
static void *
conf_alloc(struct fx_conf *c, size_t n)
{
	struct conf_str *cs = malloc(sizeof(*cs) + n);

	if (cs == NULL)
		return NULL;
	cs->next = c->strs;
	c->strs = cs;
	return cs->s;
}

static char *
conf_strdup(struct fx_conf *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = conf_alloc(c, n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/*
 * A list setting: val split into words (a word may be in double
 * quotes), k->min to k->max of them, as one entry appended to the list
 * (T_LIST) or put in place of it (T_WORDS).  0, or -1 with *why.
 */
static int
conf_list(struct fx_conf *c, const struct kw *k, const char *val,
    const char **why)
{
	struct fx_conf_ent *e, **pp;
	const char *bad;
	size_t n = strlen(val), max = n / 2 + 2;
	char *s, *w;
	int argc = 0;

	e = conf_alloc(c, sizeof(*e) + max * sizeof(char *) + n + 1);
	if (e == NULL) {
		*why = "out of memory";
		return -1;
	}
	s = memcpy((char *)(e->argv + max), val, n + 1);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (*s == '"') {
			w = ++s;
			if ((s = strchr(s, '"')) == NULL ||
			    (s[1] != '\0' && s[1] != ' ' && s[1] != '\t')) {
				*why = "unterminated quote";
				return -1;
			}
		} else
			for (w = s; *s != '\0' && *s != ' ' && *s != '\t'; s++)
				;
		if (*s != '\0')
			*s++ = '\0';
		if ((unsigned int)argc == k->max) {
			*why = "too many values";
			return -1;
		}
		e->argv[argc++] = w;
	}
	e->argv[argc] = NULL;
	e->argc = argc;
	e->next = NULL;
	if (argc < k->min) {
		*why = "too few values";
		return -1;
	}
	if (fx_site_check(k->name, argc, e->argv, &bad) == -1) {
		*why = bad;
		return -1;
	}
	pp = (struct fx_conf_ent **)((char *)c + k->off);
	if (k->type == T_LIST)
		while (*pp != NULL)
			pp = &(*pp)->next;
	*pp = e;
	return 0;
}

void
fx_conf_free(struct fx_conf *c)
{
	struct conf_str *cs, *next;

	if (ENABLE_FEATURE_AUTH) {
		fx_auth_free(c->auth_rules);
		c->auth_rules = NULL;
	}
	for (cs = c->strs; cs != NULL; cs = next) {
		next = cs->next;
		free(cs);
	}
	c->strs = NULL;
}

static int
kw_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kw *)elem)->name);
}

/* "1024", "64k", "1m", "1g" into bytes. */
static int
parse_size(const char *s, long long max, long long *out)
{
	char num[32];
	size_t n = strlen(s);
	long long mul = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': mul = 1024; break;
	case 'm': case 'M': mul = 1024 * 1024; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; break;
	}
	if (mul != 1)
		num[n - 1] = '\0';
	if (fx_parse_num(num, 0, max / mul, out) == -1)
		return -1;
	*out *= mul;
	return 0;
}

/* "cgi PREFIX DIR": PREFIX a URL path, DIR the scripts' directory. */
static int
conf_cgi(struct fx_conf *c, const char *val, const char **why)
{
	char *s, *dir;

	if ((s = conf_strdup(c, val)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	dir = s + strcspn(s, " \t");
	if (*dir != '\0')
		*dir++ = '\0';
	dir += strspn(dir, " \t");
	if (*s != '/' || *dir == '\0' || dir[strcspn(dir, " \t")] != '\0') {
		*why = "needs a URL prefix and a directory "
		    "(\"/cgi-bin /srv/cgi\")";
		return -1;
	}
	c->cgi_prefix = s;
	c->cgi_dir = dir;
	return 0;
}

int
fx_conf_set(struct fx_conf *c, const char *key, const char *val,
    const char **why)
{
	const struct kw *k;
	long long v;
	char *base = (char *)c, *str;

	k = bsearch(key, kws, FX_NELEM(kws), sizeof(kws[0]), kw_cmp);
	if (k == NULL) {
		*why = "unknown setting";
		return -1;
	}
	if (ENABLE_FEATURE_CGI && k->type == T_CGI)
		return conf_cgi(c, val, why);
	switch (k->type) {
	case T_STR:
		if (*val == '\0') {
			*why = "needs a value";
			return -1;
		}
		if (ENABLE_FEATURE_COUNTERS && fx_stats_conf(c, key, val,
		    why) == -1)
			return -1;
		if ((str = conf_strdup(c, val)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		*(const char **)(base + k->off) = str;
		return 0;
	case T_MS:
		if (fx_parse_msec(val, k->max, &v) == -1 || v < k->min) {
			*why = "needs seconds (\"60\", \"0.5\", \"2s\")";
			return -1;
		}
		*(long long *)(base + k->off) = v;
		return 0;
	case T_SIZE:
		if (parse_size(val, (long long)k->max << 20, &v) == -1) {
			*why = "needs a size (\"1048576\", \"64k\", \"1m\")";
			return -1;
		}
		*(long long *)(base + k->off) = v;
		return 0;
	case T_INT:
		if (fx_parse_num(val, k->min, k->max, &v) == -1) {
			*why = "needs a whole number in range";
			return -1;
		}
		*(int *)(base + k->off) = (int)v;
		return 0;
	case T_BOOL:
		if (strcmp(val, "on") == 0 || strcmp(val, "1") == 0)
			*(int *)(base + k->off) = 1;
		else if (strcmp(val, "off") == 0 || strcmp(val, "0") == 0)
			*(int *)(base + k->off) = 0;
		else {
			*why = "needs on or off";
			return -1;
		}
		if (strcmp(key, "dirlist") == 0 && !ENABLE_FEATURE_DIRLIST &&
		    c->dirlist) {
			*why = "directory listings are not built in "
			    "(FEATURE_DIRLIST)";
			return -1;
		}
		return 0;
	case T_LIST:
	case T_WORDS:
		if (CONF_LISTS)
			return conf_list(c, k, val, why);
		break;
	case T_LISTEN:
		if (c->nlisten == FX_LISTEN_MAX) {
			*why = "too many listen addresses";
			return -1;
		}
		if (fx_listen_parse(&c->listen[c->nlisten], val, why) == -1)
			return -1;
		c->nlisten++;
		return 0;
	}
	*why = "internal error";
	return -1;
}

int
fx_conf_set_kv(struct fx_conf *c, const char *kv, const char **why)
{
	char key[32];
	const char *eq = strchr(kv, '=');

	if (eq == NULL || (size_t)(eq - kv) >= sizeof(key) || eq == kv) {
		*why = "expected NAME=VALUE";
		return -1;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return fx_conf_set(c, key, eq + 1, why);
}

const char *
fx_conf_keyword(size_t i)
{
	return i < FX_NELEM(kws) ? kws[i].name : NULL;
}

/*
 * One line: "name value", '#' starts a comment, a ';' may end it (nginx
 * habit), a value may be in double quotes.  0, or -1 with *why.
 */
static int
conf_line(struct fx_conf *c, char *line, const char **why)
{
	const struct kw *k;
	char *key, *val, *end;

	if ((end = strchr(line, '#')) != NULL)
		*end = '\0';
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	if (end > line && end[-1] == ';')
		*--end = '\0';
	for (key = line; *key == ' ' || *key == '\t'; key++)
		;
	if (*key == '\0')
		return 0;
	for (val = key; *val != '\0' && *val != ' ' && *val != '\t'; val++)
		;
	if (*val == '\0') {
		*why = "expected: name value";
		return -1;
	}
	*val++ = '\0';
	while (*val == ' ' || *val == '\t')
		val++;
	end = val + strlen(val);
	while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	/* A list setting splits its words itself. */
	if (CONF_LISTS && (k = bsearch(key, kws, FX_NELEM(kws),
	    sizeof(kws[0]), kw_cmp)) != NULL && k->type >= T_LIST)
		return fx_conf_set(c, key, val, why);
	if (*val == '"') {
		if (end - val < 2 || end[-1] != '"') {
			*why = "unterminated quote";
			return -1;
		}
		*--end = '\0';
		val++;
	} else if (strpbrk(val, " \t") != NULL &&
	    (!ENABLE_FEATURE_CGI || strcmp(key, "cgi") != 0)) {
		*why = "one value per line (quote it if it has spaces)";
		return -1;
	}
	return fx_conf_set(c, key, val, why);
}

#define CONF_MAX	(256 * 1024)	/* a config file is small */

int
fx_conf_file(struct fx_conf *c, const char *path, char *err, size_t errlen)
{
	char *buf, *line, *nl;
	const char *why = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, lineno = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fx_snprintf(err, errlen, "%s: %s", path, fx_strerror(errno));
		return -1;
	}
	if ((buf = malloc(CONF_MAX + 1)) == NULL) {
		close(fd);
		fx_snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (len < CONF_MAX && (n = read(fd, buf + len, CONF_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (len == CONF_MAX)
		why = "file too large";
	else if (strlen(buf) != len)
		why = "NUL byte";
	for (line = buf; why == NULL && *line != '\0'; line = nl + 1) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		else
			nl = line + strlen(line) - 1;
		if (strlen(line) > 1023)
			why = "line too long";
		else if (conf_line(c, line, &why) == -1)
			break;
	}
	free(buf);
	if (why != NULL) {
		fx_snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
		return -1;
	}
	return 0;
}

const char *
fx_conf_env_name(size_t i, char *buf)
{
	const char *s;
	char *d = buf + 6;

	if (i >= FX_NELEM(kws))
		return NULL;
	memcpy(buf, "FENIX_", 6);
	for (s = kws[i].name; *s != '\0'; s++)
		*d++ = *s >= 'a' && *s <= 'z' ? *s - 32 : *s;
	*d = '\0';
	return buf;
}

/*
 * FENIX_<NAME> for every keyword.  FENIX_LISTEN replaces the file's
 * addresses and may hold several, separated by spaces or commas.
 */
static int
conf_env(struct fx_conf *c, char *err, size_t errlen)
{
	char name[48], one[128];
	const char *val = NULL, *why = NULL, *p;
	size_t i, n;

	for (i = 0; fx_conf_env_name(i, name) != NULL; i++) {
		if ((val = getenv(name)) == NULL)
			continue;
		if (kws[i].type != T_LISTEN) {
			if (fx_conf_set(c, kws[i].name, val, &why) == -1)
				break;
			continue;
		}
		c->nlisten = 0;
		for (p = val; *p != '\0'; p += n) {
			for (n = 0; p[n] != '\0' && p[n] != ' ' && p[n] != ',';
			    n++)
				;
			if (n == 0) {
				n = 1;
				continue;
			}
			why = "address too long";
			if (n >= sizeof(one))
				break;
			memcpy(one, p, n);
			one[n] = '\0';
			if (fx_conf_set(c, "listen", one, &why) == -1)
				break;
			why = NULL;
		}
		if (why == NULL && c->nlisten == 0)
			why = "needs an address";
		if (why != NULL)
			break;
	}
	if (why == NULL)
		return 0;
	fx_snprintf(err, errlen, "environment %s=%s: %s", name, val, why);
	return -1;
}

int
fx_conf_load(struct fx_conf *c, const char *file, char *const *over,
    int nover, char *err, size_t errlen)
{
	const char *why;
	int i, somax;

	fx_conf_defaults(c);
	if (file != NULL && fx_conf_file(c, file, err, errlen) == -1)
		return -1;
	if (ENABLE_FEATURE_ENV && conf_env(c, err, errlen) == -1)
		return -1;
	for (i = 0; i < nover; i++) {
		if (fx_conf_set_kv(c, over[i], &why) == -1) {
			fx_snprintf(err, errlen, "option %s: %s", over[i], why);
			return -1;
		}
	}
	/* Unset or above what the kernel allows: the kernel's maximum. */
	somax = fx_listen_somaxconn();
	if (c->backlog == 0 || c->backlog > somax)
		c->backlog = somax;
	if (c->nlisten == 0 && fx_conf_set(c, "listen",
	    "*:" FX_STR(CONFIG_DEFAULT_PORT), &why) == -1) {
		fx_snprintf(err, errlen, "default listen: %s", why);
		return -1;
	}
	if (ENABLE_FEATURE_AUTH && fx_auth_load(c->auth, &c->auth_rules, err,
	    errlen) == -1)
		return -1;
	return 0;
}
