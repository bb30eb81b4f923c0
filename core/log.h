/* SPDX-License-Identifier: MIT */
/*
 * log.h - the error log: one line per message, "applet[pid]: ", written
 * with a single write(2) so that lines of several processes never mix.
 * Every function here saves and restores errno.
 */
#ifndef FX_LOG_H
#define FX_LOG_H

#include <stdarg.h>

enum fx_log_level {
	FX_LOG_ERR = 0,
	FX_LOG_WARN,
	FX_LOG_INFO,
	FX_LOG_DEBUG
};

/* Exit codes (s6): the README documents them. */
#define FX_EXIT_OK	0
#define FX_EXIT_USAGE	100	/* usage or config error */
#define FX_EXIT_SYS	111	/* system failure */

extern int fx_log_level;

/* Name the applet for the prefix; call again after fork (new pid). */
void	fx_log_init(const char *applet);

/*
 * Send the log to path (appending), or back to stderr if path is NULL or
 * "-".  Returns 0, or -1 with errno (the old target stays).
 */
int	fx_log_open(const char *path);

void	fx_log_msg(int level, const char *func, int with_errno,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	fx_log_vmsg(int level, const char *func, int with_errno,
	    const char *fmt, va_list ap);

/*
 * The text of errno value err: libc's strerror, or with FEATURE_STRERROR
 * off its name ("ENOENT", else "error N", in a static buffer).
 */
const char	*fx_strerror(int err);

/* Exit with code after logging; fx_fatal adds strerror(errno). */
void	fx_fatal(int code, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));
void	fx_fatalx(int code, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

#define fx_log_warn(...)  fx_log_msg(FX_LOG_WARN, __func__, 1, __VA_ARGS__)
#define fx_log_warnx(...) fx_log_msg(FX_LOG_WARN, __func__, 0, __VA_ARGS__)
#define fx_log_info(...)  fx_log_msg(FX_LOG_INFO, NULL, 0, __VA_ARGS__)
#define fx_log_debug(...) do {						\
	if (fx_log_level >= FX_LOG_DEBUG)				\
		fx_log_msg(FX_LOG_DEBUG, __func__, 0, __VA_ARGS__);	\
} while (0)

#endif
