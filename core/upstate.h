/* SPDX-License-Identifier: MIT */
/*
 * upstate.h - what `fenix upgrade` leaves beside the pid file: the lock
 * that keeps one driver at a time (PIDFILE.lock, flock, released by the
 * kernel when the driver dies) and the state of the upgrade it drives
 * (PIDFILE.upgrade), so that a later run or `fenix status` can see an
 * interrupted upgrade and its phase.
 */
#ifndef FX_UPSTATE_H
#define FX_UPSTATE_H

#include <limits.h>
#include <sys/types.h>

struct fx_upstate {
	char	phase[16];	/* install start probe drain bake quit */
	pid_t	old;		/* the master being replaced */
	pid_t	new_master;	/* its successor, 0 until known */
	pid_t	driver;		/* the `fenix upgrade` that wrote this */
	char	binary[PATH_MAX]; /* the path -b replaced, or "" */
};

/*
 * Take the driver's lock on pidfile.lock without waiting.  Returns the
 * fd (keep it open for the whole run), or -1: errno EWOULDBLOCK when
 * another driver holds it.
 */
int	fx_upstate_lock(const char *pidfile);

/* Does a live driver hold the lock?  1 yes, 0 no, -1 cannot tell. */
int	fx_upstate_locked(const char *pidfile);

/* Write s as pidfile.upgrade (atomically).  0 or -1. */
int	fx_upstate_write(const char *pidfile, const struct fx_upstate *s);

/* Read pidfile.upgrade into s: 1 read, 0 none, -1 unreadable or junk. */
int	fx_upstate_read(const char *pidfile, struct fx_upstate *s);

/* Remove pidfile.upgrade. */
void	fx_upstate_clear(const char *pidfile);

#endif
