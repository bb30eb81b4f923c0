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
 * else $XDG_RUNTIME_DIR/fenix.pid, else /tmp/fenix-UID/fenix.pid (that
 * directory made 0700 and checked to be ours), else ./fenix.pid.
 * Returns a static string.
 */
const char *fx_pidfile_default(void);

/* Write pid to path atomically.  0 or -1 with errno. */
int	fx_pidfile_write(const char *path, pid_t pid);

/*
 * Write n bytes of text to path atomically: a temp file beside it,
 * created O_EXCL|O_NOFOLLOW (never through a planted symlink), renamed
 * over path.  0 or -1 with errno.
 */
int	fx_pidfile_write_text(const char *path, const char *text, size_t n);

/* What fx_pidfile_read's errno means, for messages. */
const char *fx_pidfile_strerror(int err);

/*
 * Read a pid from path, opened O_NOFOLLOW|O_NONBLOCK (a FIFO cannot
 * hang us).  Returns the pid (> 0), 0 if the file does not exist, or -1
 * with errno: EINVAL for junk in the file, ELOOP for a symlink, ENXIO
 * for anything but a regular file.
 */
pid_t	fx_pidfile_read(const char *path);

/* Is pid a live process (one we may or may not signal)? */
int	fx_pid_alive(pid_t pid);

/* path + ".oldbin" into buf.  0, or -1 if it does not fit. */
int	fx_pidfile_oldbin(const char *path, char *buf, size_t len);

#endif
