/* SPDX-License-Identifier: MIT */
/*
 * alog.h - the access log in nginx's combined format, buffered in memory
 * and written in large blocks (when full, once a second, and at exit).
 */
#ifndef FX_ALOG_H
#define FX_ALOG_H

#include <sys/socket.h>

#include "http.h"

/* Open path for appending ("-": stdout).  0 or -1 with errno. */
int	fx_alog_open(const char *path);

/* Reopen the same path (USR1, after logrotate moved it).  0 or -1. */
int	fx_alog_reopen(void);

/* Is the access log on? */
int	fx_alog_on(void);

/*
 * Log one request.  addr is the client's (AF_INET or AF_INET6, 16 bytes
 * of address); req may be NULL when the request did not parse.
 */
void	fx_alog_write(int family, const unsigned char *addr,
	    const struct fx_http_req *req, int status, long long bytes);

void	fx_alog_flush(void);

#endif
