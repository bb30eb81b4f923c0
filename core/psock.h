/* SPDX-License-Identifier: MIT */
/*
 * psock.h - each master's private probe socket: an abstract unix socket
 * named after the master's pid ("@fenix-probe/PID"), opened by the
 * master and served by its workers like a listener, never passed on to
 * a new binary.  `fenix upgrade` GETs through it to test one generation
 * itself: on the shared TCP listeners the oldest waiter (an old worker)
 * would answer.
 */
#ifndef FX_PSOCK_H
#define FX_PSOCK_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

extern int fx_psock_fd;		/* the listening socket, or -1 */

/*
 * Open this process's probe socket into fx_psock_fd (non-blocking,
 * close-on-exec).  0, or -1 with errno: the master serves on without it.
 */
int	fx_psock_open(void);

/* The address of pid's probe socket into sun; returns its length. */
socklen_t fx_psock_addr(pid_t pid, struct sockaddr_un *sun);

#endif
