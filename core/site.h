/* SPDX-License-Identifier: MIT */
/*
 * site.h - what container sites ask of a static server beyond files: an
 * SPA fallback, error pages from the root, headers by path, several index
 * names, CORS, and a health path that turns 503 once a drain is coming.
 * Each is a setting (off by default) and a Kconfig switch.
 */
#ifndef FX_SITE_H
#define FX_SITE_H

#include <stddef.h>

#include "config.h"
#include "conf.h"
#include "resp.h"

/* Some site setting is built in. */
#define FX_SITE_ANY	(ENABLE_FEATURE_FALLBACK || ENABLE_FEATURE_ERROR_PAGE \
	|| ENABLE_FEATURE_HEADERS || ENABLE_FEATURE_INDEX || \
	ENABLE_FEATURE_CORS || ENABLE_FEATURE_HEALTH)
/* fx_site_early or fx_site_headers may have work. */
#define FX_SITE_EARLY	(ENABLE_FEATURE_CORS || ENABLE_FEATURE_HEALTH)
#define FX_SITE_HDRS	(ENABLE_FEATURE_HEADERS || ENABLE_FEATURE_CORS)

struct fx_site {
	const char		 *fallback;	/* NULL: none */
	const char		 *health;	/* NULL: none */
	size_t			  health_len;
	const struct fx_conf_ent *error_pages;
	const struct fx_conf_ent *index;	/* NULL: index.html */
	const struct fx_conf_ent *cors;		/* NULL: no CORS */
	int			  cors_any;	/* cors_origins * */
	int			  security;	/* security_headers on */
	int			  early;	/* health or CORS set */
	int			  extra;	/* headers, security or CORS */
};

extern struct fx_site fx_site;

/*
 * 1 once a drain is coming: init got TERM (it sends SIGURG down), or
 * this worker drains (QUIT, WINCH).  Set in the master too, so that a
 * worker forked later inherits it.
 */
extern int fx_site_unready;

/*
 * Check one line of a site setting (key and its words) when it is read.
 * 0, or -1 with a reason in *why (a static string).
 */
int	fx_site_check(const char *key, int argc, char **argv,
	    const char **why);

/* Take the settings of c (which must outlive their use). */
void	fx_site_init(const struct fx_conf *c);

/*
 * Answer what needs no file: the health path, a CORS preflight.
 * Returns 1 with r filled, else 0 and r untouched.
 */
int	fx_site_early(struct fx_resp *r, const struct fx_http_req *req,
	    int ka10);

/*
 * The SPA fallback for the missing path (a buffer of FX_PATH_MAX
 * bytes): 1 with the fallback's path copied into it, or 0 when there is
 * none or the path's last segment has a '.' (a missing asset).
 */
int	fx_site_fallback(char *path);

/*
 * Look for the index files in directory path[0..n) (which ends in '/'),
 * appending each name in turn (cap is the buffer's size; room for
 * ".gz" is kept).  Returns 0 and a referenced file in *out, or the
 * status of the last try (404 when none exists).
 */
int	fx_site_index(char *path, size_t n, size_t cap, struct fx_file **out);

/*
 * Append the configured headers for file f (enc: f is a precompressed
 * variant, whose last extension is not matched; the lines are put
 * together at its first answer and kept with it), security and CORS
 * headers, to the header block at p, none past end.  Returns the new
 * end of the block.
 */
char	*fx_site_headers(char *p, char *end, const struct fx_http_req *req,
	    struct fx_file *f, int enc);

/*
 * The error page of status from the root, if one is set and readable:
 * 1 with r filled (status, extra headers, the file as body unless
 * head_only), else 0.
 */
int	fx_site_error(struct fx_resp *r, int status, int head_only, int ka10,
	    const char *extra, size_t extra_len);

#endif
