/* SPDX-License-Identifier: MIT */
/*
 * upgrade.h - the master's side of a hot upgrade (nginx's USR2): the pid
 * file moves to PIDFILE.oldbin, and a child execs the new binary with the
 * listening fds in NGINX="fd;fd;"; when the old master reaps that child
 * while still running, it moves the pid file back (rollback).
 */
#ifndef FX_UPGRADE_H
#define FX_UPGRADE_H

#include <sys/types.h>

#include "conf.h"

#define FX_EXIT_EXEC	111	/* the child's status when execve fails */

/* This master's generation: FENIX_GENERATION, else 1. */
int	fx_upgrade_generation(void);

/*
 * The pid of the master that exec'd this one (FENIX_OLD_MASTER), or 0.
 * That master still runs while getppid() returns it.
 */
pid_t	fx_upgrade_parent(void);

/*
 * Start the new binary: rename pidfile (if any) to pidfile.oldbin, fork,
 * and in the child clear FD_CLOEXEC on c's listening fds only and execve
 * exe with argv and the whole environment plus NGINX,
 * FENIX_GENERATION=generation+1 and FENIX_OLD_MASTER=getpid().  Returns
 * the child's pid, or -1 with the pid file back in place.
 */
pid_t	fx_upgrade_exec(const char *exe, char *const argv[],
	    const struct fx_conf *c, int generation, const char *pidfile);

/* Rollback: rename pidfile.oldbin back to pidfile.  0 or -1. */
int	fx_upgrade_restore(const char *pidfile);

#endif
