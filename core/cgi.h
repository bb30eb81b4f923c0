/* SPDX-License-Identifier: MIT */
/*
 * cgi.h - CGI/1.1 scripts (RFC 3875) in the worker's epoll loop, for the
 * small admin pages of devices, in the manner of BusyBox httpd.
 */
#ifndef FX_CGI_H
#define FX_CGI_H

#include <stddef.h>

#include "conf.h"
#include "http.h"

/*
 * Set up CGI for conf (its cgi_* settings) in a worker, after
 * fx_ev_init.  Nothing to do when conf->cgi_dir is NULL.  0, or -1 (the
 * directory cannot be opened: logged, and scripts get a 500).
 */
int	fx_cgi_init(const struct fx_conf *conf);

/*
 * Is req (parsed FX_OK, its head at head, with len bytes read from the
 * head on) for a script?  Returns -1 if not (the caller answers it as
 * usual), an HTTP status for the caller to answer and close with (404,
 * 403, 405, 411, 413, 500, 503), or 0: the script runs and the socket fd
 * belongs to this file from now on (the caller forgets it, without
 * closing it).  Never blocks; forks the script.
 */
int	fx_cgi_start(int fd, const struct fx_http_req *req, const char *head,
	    size_t len);

/* Scripts with a client or a process still to finish. */
int	fx_cgi_count(void);

/* Kill every script and close its client (fast shutdown). */
void	fx_cgi_close_all(void);

#endif
