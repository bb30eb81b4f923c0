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
 * Fork: the child returns and goes on to be the master (LISTEN_PID, if
 * it named init, now names it); the parent closes its inherited fds,
 * stays init and never returns.  Init forwards HUP, USR1 and USR2 to the
 * current master (the pid in pidfile, else its child); WINCH and QUIT go
 * to the old master during an upgrade (pidfile.oldbin names a live one),
 * else WINCH to the current master and QUIT to every master (a stop);
 * INT goes as TERM; TERM keeps serving for delay_ms, then QUITs every
 * master, and TERMs them if they are not gone stop_ms later.  Once no
 * master is left, init TERMs (then KILLs) whatever else runs in the
 * namespace (as a subreaper: its children) and exits with the status of
 * the last master to exit (128+signal if killed).  subreaper: set
 * PR_SET_CHILD_SUBREAPER first (not needed as PID 1).
 */
void	fx_init_start(const char *pidfile, int subreaper, long long delay_ms,
	    long long stop_ms);

#endif
