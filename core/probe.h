/* SPDX-License-Identifier: MIT */
/*
 * probe.h - a tiny HTTP/1.1 client for health checks, so that a FROM
 * scratch image needs no curl: GET a URL, return the status code.
 */
#ifndef FX_PROBE_H
#define FX_PROBE_H

#include <sys/types.h>

#include "listen.h"

/*
 * Parse "http://HOST:PORT/PATH" (HOST an IPv4 address, [IPv6] or
 * localhost, which is 127.0.0.1 without a resolver; the
 * port defaults to 80, the path to "/") into l and path (cap bytes).
 * 0, or -1 with *why.
 */
int	fx_probe_parse(const char *url, struct fx_listen *l, char *path,
	    size_t cap, const char **why);

/* The URL for the listener l ("http://127.0.0.1:PORT/" for 0.0.0.0). */
void	fx_probe_url(const struct fx_listen *l, char *buf, size_t len);

/*
 * GET url within timeout_ms.  Returns the HTTP status (100-599), or -1
 * with a reason in *why (connection refused, timeout, bad answer).
 */
int	fx_probe_get(const char *url, int timeout_ms, const char **why);

/*
 * The same GET (Host and path from url) through the private probe
 * socket of master pid (psock.h), so that its own workers answer.
 */
int	fx_probe_get_pid(const char *url, pid_t pid, int timeout_ms,
	    const char **why);

#endif
