/* SPDX-License-Identifier: MIT */
/*
 * conf.h - the server's settings, from the command line (and later the
 * config file), with nginx's defaults.
 */
#ifndef FX_CONF_H
#define FX_CONF_H

#include "listen.h"

#define FX_ALLOW_MAX	16

/* An address block of status_allow. */
struct fx_cidr {
	unsigned char	 family;	/* 4 or 6 */
	unsigned char	 bits;
	unsigned char	 addr[16];
};

/*
 * A list setting: each line (or -o, or FENIX_NAME) of a T_LIST keyword
 * appends one entry, a T_WORDS keyword replaces its entry; an entry
 * holds the line's words (a word may be in double quotes).  Owned by
 * the conf.
 */
struct fx_conf_ent {
	struct fx_conf_ent *next;
	int		 argc;
	char		*argv[];	/* argc words, then NULL */
};

struct fx_auth;

struct fx_conf {
	struct fx_listen listen[FX_LISTEN_MAX];
	int		 nlisten;
	const char	*root;		/* document root */
	const char	*access_log;	/* NULL: off; "-": stdout */
	const char	*error_log;	/* NULL: stderr */
	const char	*pidfile;
	int		 workers;	/* 0: one per online CPU */
	int		 max_conns;	/* per worker */
	int		 backlog;	/* listen queue; see fx_conf_load */
	long long	 header_ms;	/* whole request head, body reads */
	long long	 keepalive_ms;	/* idle between requests */
	long long	 send_ms;	/* between two writes that progress */
	long long	 shutdown_ms;	/* graceful drain bound */
	long long	 grace_ms;	/* idle keep-alive kept on drain */
	long long	 delay_ms;	/* init: serve this long after TERM */
	long long	 body_max;	/* request body discarded up to this */
	int		 symlinks;
	int		 dotfiles;
	int		 dirlist;
	int		 gzip_static;
	int		 precompressed;	/* FILE.br, FILE.zst too */
	const char	*user;		/* workers run as this user */
	int		 refuse_root;	/* never serve as root */
	long		 uid, gid;	/* user resolved, -1: stay as we are */
	const char	*status_path;	/* stub_status page; NULL: none */
	const char	*metrics_path;	/* Prometheus page; NULL: none */
	const char	*status_allow;	/* as set, parsed into allow */
	size_t		 status_len, metrics_len;	/* of the paths */
	struct fx_cidr	 allow[FX_ALLOW_MAX];
	int		 nallow;	/* 0: loopback only */
	const char	*cgi_prefix;	/* CGI: URL prefix, NULL: off */
	const char	*cgi_dir;	/* CGI: the scripts' directory */
	long long	 cgi_ms;	/* CGI: script silent this long: kill */
	int		 cgi_max;	/* CGI: scripts at once per worker */
	struct fx_conf_ent *auth;	/* PREFIX FILE */
	struct fx_auth	*auth_rules;	/* auth with its files read */
	int		 security_headers; /* nosniff, Referrer-, Frame- */
	struct fx_conf_ent *fallback;	/* SPA: the file for missing paths */
	struct fx_conf_ent *health_path; /* answered without the disk */
	struct fx_conf_ent *error_pages; /* CODE... FILE */
	struct fx_conf_ent *headers;	/* PATTERN NAME VALUE */
	struct fx_conf_ent *index;	/* index file names */
	struct fx_conf_ent *cors_origins; /* ORIGIN... or "*" */
	struct conf_str	*strs;		/* owned strings */
};

/* Fill c with the defaults (c owns no strings yet: see fx_conf_free). */
void	fx_conf_defaults(struct fx_conf *c);

/*
 * Set one setting by its name (the config file's keyword).  Returns 0,
 * or -1 with a reason in *why (a static string).  Strings are copied.
 */
int	fx_conf_set(struct fx_conf *c, const char *key, const char *val,
	    const char **why);

/* The same from "NAME=VALUE" (the -o option). */
int	fx_conf_set_kv(struct fx_conf *c, const char *kv, const char **why);

/*
 * Read a config file into c: "name value" per line, the names of
 * fx_conf_set.  Returns 0, or -1 with "file:line: reason" in err.
 */
int	fx_conf_file(struct fx_conf *c, const char *path, char *err,
	    size_t errlen);

/*
 * The whole configuration: defaults, then file (may be NULL), then the
 * FENIX_<NAME> environment variables (FEATURE_ENV), then the
 * "NAME=VALUE" overrides of the command line.  0, or -1 with err.
 * An unset backlog, or one above net.core.somaxconn, becomes
 * net.core.somaxconn (the kernel would cap it silently).
 * Does not exit; the master uses it again on HUP.
 */
int	fx_conf_load(struct fx_conf *c, const char *file, char *const *over,
	    int nover, char *err, size_t errlen);

/* Free the strings c owns. */
void	fx_conf_free(struct fx_conf *c);

/* The i-th keyword in sorted order, or NULL past the end. */
const char *fx_conf_keyword(size_t i);

/*
 * The environment variable of the i-th keyword ("FENIX_ROOT") into buf
 * (48 bytes) and returned, or NULL past the end.
 */
const char *fx_conf_env_name(size_t i, char *buf);

#endif
