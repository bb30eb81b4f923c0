/* SPDX-License-Identifier: MIT */
/*
 * conn.h - one worker's HTTP connections: accept, read, parse, answer,
 * keep-alive, pipelining, timeouts, lingering close and graceful drain.
 */
#ifndef FX_CONN_H
#define FX_CONN_H

#include "conf.h"

/*
 * Set up the worker's connection machinery for conf and register the
 * listening sockets (EPOLLEXCLUSIVE).  Call after fx_ev_init.  0 or -1.
 */
int	fx_conn_init(const struct fx_conf *conf);

/*
 * Start draining: close the listeners, answer what is pending with
 * Connection: close, close idle connections after the grace.
 */
void	fx_conn_drain(void);

/* Close every connection now (fast shutdown). */
void	fx_conn_close_all(void);

/* Connections open in this worker. */
int	fx_conn_count(void);

#endif
