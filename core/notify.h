/* SPDX-License-Identifier: MIT */
/*
 * notify.h - the service manager's readiness protocol (sd_notify): one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET, no library.
 */
#ifndef FX_NOTIFY_H
#define FX_NOTIFY_H

/*
 * Send state ("READY=1", "RELOADING=1", "STOPPING=1", lines joined by
 * '\n') to $NOTIFY_SOCKET, a path or, with a leading '@', an abstract
 * name.  Does nothing without the variable.  Never blocks.  Returns 0,
 * or -1 with errno (the caller logs; a missing manager is no error).
 */
int	fx_notify(const char *state);

/* RELOADING=1 with MONOTONIC_USEC, as systemd's notify-reload wants. */
int	fx_notify_reloading(void);

#endif
