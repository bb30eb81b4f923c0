/* SPDX-License-Identifier: MIT */
/*
 * pidfile.h - the master's pid file and its ".oldbin" twin during an
 * upgrade.  Written atomically (temp file, rename), so a reader never
 * sees it empty or half written.
 */
#ifndef FX_PIDFILE_H
#define FX_PIDFILE_H

#include <sys/types.h>

#define FX_OLDBIN	".oldbin"

/*
 * The default pid file: /run/fenix.pid for root when /run is writable,
 * else $XDG_RUNTIME_DIR/fenix.pid, else /tmp/fenix-UID.pid, else
 * ./fenix.pid.  Returns a static string.
 */
const char *fx_pidfile_default(void);

/* Write pid to path atomically.  0 or -1 with errno. */
int	fx_pidfile_write(const char *path, pid_t pid);

/*
 * Read a pid from path.  Returns the pid (> 0), 0 if the file does not
 * exist, or -1 with errno (EINVAL for junk in the file).
 */
pid_t	fx_pidfile_read(const char *path);

/* Is pid a live process (one we may or may not signal)? */
int	fx_pid_alive(pid_t pid);

/* path + ".oldbin" into buf.  0, or -1 if it does not fit. */
int	fx_pidfile_oldbin(const char *path, char *buf, size_t len);

#endif
