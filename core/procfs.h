/* SPDX-License-Identifier: MIT */
/*
 * procfs.h - what /proc says about a running master: alive or a zombie,
 * children, generation, executable, uptime, listening addresses.  Used
 * by the status and upgrade applets, which have no other way to ask.
 */
#ifndef FX_PROCFS_H
#define FX_PROCFS_H

#include <sys/types.h>

#include "listen.h"

/* 1 if pid runs (exists and is not a zombie), 0 if not, -1 unknown. */
int	fx_procfs_running(pid_t pid);

/*
 * Is pid a live fenix master of pidfile?  1 yes; 0 no (gone, a zombie,
 * or another program, or a fenix server whose -p names another file);
 * -1 cannot tell (/proc hides it: hidepid, another user).  Reads
 * /proc/pid/cmdline: the server applet, and its -p (or -o pidfile=)
 * naming pidfile, compared by directory (dev, inode) and basename; a
 * master started without -p (pid file from -c or the default) passes.
 * Never blocks.
 */
int	fx_procfs_master(pid_t pid, const char *pidfile);

/* Children of pid into out (at most max).  Returns the count, or -1. */
int	fx_procfs_children(pid_t pid, pid_t *out, int max);

/* FENIX_GENERATION from pid's environment: N, 1 if unset, -1 unknown. */
int	fx_procfs_generation(pid_t pid);

/*
 * readlink of /proc/pid/exe into buf; under qemu-user, where that is the
 * emulator, the binary's path from the command line.  0 or -1.
 */
int	fx_procfs_exe(pid_t pid, char *buf, size_t len);

/*
 * A name that opens the binary pid runs, into buf: "/proc/PID/exe", or
 * under qemu-user the binary's path.  0 or -1.
 */
int	fx_procfs_exe_file(pid_t pid, char *buf, size_t len);

/* Seconds since pid started, or -1. */
long long fx_procfs_uptime(pid_t pid);

/* Is signal sig pending for pid (not yet taken by its signalfd)? */
int	fx_procfs_sig_pending(pid_t pid, int sig);

/*
 * TCP sockets that pid holds and that listen, into out (at most max),
 * read from its fds and /proc/pid/net/tcp{,6}.  Returns the count, or -1.
 */
int	fx_procfs_listeners(pid_t pid, struct fx_listen *out, int max);

#endif
