/* SPDX-License-Identifier: MIT */
/*
 * stats.h - the counters as pages a worker answers from memory:
 * status_path in nginx's stub_status format, metrics_path in the
 * Prometheus text format (0.0.4), both for status_allow's clients only.
 */
#ifndef FX_STATS_H
#define FX_STATS_H

#include <string.h>

#include "conf.h"
#include "counters.h"
#include "resp.h"

/*
 * Check (and for status_allow parse into c->allow) a string setting of
 * the counters before fx_conf_set stores it; other keys pass.  0, or -1
 * with a reason in *why.
 */
int	fx_stats_conf(struct fx_conf *c, const char *key, const char *val,
	    const char **why);

/*
 * Answer req into r if its path is c's status_path or metrics_path (a
 * GET or HEAD): 200 with the page, or 403 to a client (family 6, else
 * IPv4; addr in network order) outside status_allow.  self is the gauge
 * (FX_CTR_*) the asking connection is counted in: the page shows it
 * writing, as nginx's does.  Returns 1 if it answered, 0 if
 * fx_resp_build must.  Never blocks.
 */
int	fx_stats_answer(const struct fx_conf *c, struct fx_resp *r,
	    const struct fx_http_req *req, int keep, int family,
	    const unsigned char *addr, int self);

/*
 * Is path one of c's pages?  A few instructions for any other request:
 * the lengths first, then the last byte, then memcmp.
 */
static inline int
fx_stats_page(const struct fx_conf *c, const struct fx_str *path)
{
	size_t n = path->n;

	return n != 0 && ((n == c->status_len &&
	    path->p[n - 1] == c->status_path[n - 1] &&
	    memcmp(path->p, c->status_path, n) == 0) ||
	    (n == c->metrics_len &&
	    path->p[n - 1] == c->metrics_path[n - 1] &&
	    memcmp(path->p, c->metrics_path, n) == 0));
}

/*
 * The sums s as the Prometheus page (json 0) or one JSON object, every
 * metric by its name less "fenix_" (json 1), into buf.  Returns the
 * length, or len when buf was too small.
 */
size_t	fx_stats_format(char *buf, size_t len, const struct fx_ctr_sum *s,
	    int json);

#endif
