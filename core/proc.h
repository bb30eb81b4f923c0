/* SPDX-License-Identifier: MIT */
/*
 * proc.h - the master: opens the listening sockets, forks the workers,
 * then only supervises them and acts on nginx's signals.
 */
#ifndef FX_PROC_H
#define FX_PROC_H

#include "conf.h"

/*
 * Run the master cycle with conf (listeners already open) until a TERM,
 * INT or QUIT has stopped every worker.  Returns the exit status.
 */
int	fx_proc_master(struct fx_conf *conf);

#endif
