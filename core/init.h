/* SPDX-License-Identifier: MIT */
/*
 * init.h - fenix as a container's PID 1 (or, with -s, a child subreaper):
 * a small init above the master that reaps every orphan, forwards
 * signals to the masters and outlives an upgrade's old master, which
 * tini and dumb-init do not.
 */
#ifndef FX_INIT_H
#define FX_INIT_H

/*
 * Fork: the child returns and goes on to be the master; the parent stays
 * init and never returns.  Init forwards HUP, USR1, USR2 and WINCH to the
 * current master (the pid in pidfile, else its child), QUIT to every
 * master (pidfile and pidfile.oldbin), INT as TERM; TERM keeps serving
 * for delay_ms, then QUITs every master, and TERMs them if they are not
 * gone stop_ms later.  It exits when no child is left, with the status of
 * the last master to exit (128+signal if killed).  subreaper: set
 * PR_SET_CHILD_SUBREAPER first (not needed as PID 1).
 */
void	fx_init_start(const char *pidfile, int subreaper, long long delay_ms,
	    long long stop_ms);

#endif
