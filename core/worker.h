/* SPDX-License-Identifier: MIT */
/*
 * worker.h - a worker process: one epoll loop serving the listeners.
 */
#ifndef FX_WORKER_H
#define FX_WORKER_H

#include "conf.h"

/*
 * Serve until told to stop: TERM/INT stop at once, QUIT (and WINCH, HUP
 * from a master) drain gracefully within conf->shutdown_ms, USR1 reopens
 * the logs.  Once it serves it writes a byte to ready_fd (if not -1).
 * Returns the exit status for the process.
 */
int	fx_worker_run(const struct fx_conf *conf, int ready_fd);

#endif
