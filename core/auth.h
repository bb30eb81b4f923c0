/* SPDX-License-Identifier: MIT */
/*
 * auth.h - HTTP basic auth (RFC 7617) by path prefix, against htpasswd
 * files of bcrypt and SHA-crypt hashes: `auth PREFIX FILE`.
 */
#ifndef FX_AUTH_H
#define FX_AUTH_H

#include <stddef.h>

#include "conf.h"
#include "http.h"

struct fx_auth;

/* The rules of the running configuration (set before the fork). */
extern struct fx_auth *fx_auth_rules;

/*
 * Read the htpasswd file of every `auth` entry of list into rules
 * (*out, NULL if none).  0, or -1 with "FILE:LINE: reason" (or
 * "auth PREFIX: reason") in err.  Called on start, -t and HUP.
 */
int	fx_auth_load(const struct fx_conf_ent *list, struct fx_auth **out,
	    char *err, size_t errlen);

void	fx_auth_free(struct fx_auth *rules);

/*
 * May req have the decoded path?  NULL if so (no rule covers it, or its
 * credentials are right), else the WWW-Authenticate header line of the
 * 401 (with its CRLF).  Right credentials are remembered (8 per worker)
 * so that a client that sends them on every request costs one compare.
 */
const char *fx_auth_check(const struct fx_http_req *req, const char *path);

#endif
