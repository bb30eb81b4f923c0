/* SPDX-License-Identifier: MIT */
/*
 * log.c - the error log.  Messages go to fd 2 (stderr, or the file that
 * fx_log_open put there) as whole lines, "applet[pid]: func: text: error".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "config.h"
#include "log.h"

int fx_log_level = FX_LOG_INFO;

static const char *log_applet = "fenix";
static char log_prefix[48];

void
fx_log_init(const char *applet)
{
	if (applet != NULL)
		log_applet = applet;
	fx_snprintf(log_prefix, sizeof(log_prefix), "%s[%ld]: ", log_applet,
	    (long)getpid());
}

int
fx_log_open(const char *path)
{
	int fd, saved;

	if (path == NULL || strcmp(path, "-") == 0 ||
	    strcmp(path, "stderr") == 0)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		close(fd);
	}
	return 0;
}

/*
 * Without FEATURE_STRERROR: the names of the errors fenix can meet (files,
 * sockets, processes), in err_nums' order, instead of libc's 2 KiB of
 * texts.  Any other error is "error N".
 */
static const unsigned char err_nums[] = {
	EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF,
	ECHILD, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV,
	ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY, ETXTBSY, EFBIG,
	ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, ERANGE, ENAMETOOLONG, ENOSYS,
	ENOTEMPTY, ELOOP, EOVERFLOW, ENOTSOCK, EMSGSIZE, ENOPROTOOPT,
	EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL,
	ENETDOWN, ENETUNREACH, ECONNABORTED, ECONNRESET, ENOBUFS, ENOTCONN,
	ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH, EDQUOT,
};
static const char err_names[] =
    "EPERM\0ENOENT\0ESRCH\0EINTR\0EIO\0ENXIO\0E2BIG\0ENOEXEC\0EBADF\0ECHILD\0"
    "EAGAIN\0ENOMEM\0EACCES\0EFAULT\0EBUSY\0EEXIST\0EXDEV\0ENODEV\0ENOTDIR\0"
    "EISDIR\0EINVAL\0ENFILE\0EMFILE\0ENOTTY\0ETXTBSY\0EFBIG\0ENOSPC\0ESPIPE\0"
    "EROFS\0EMLINK\0EPIPE\0ERANGE\0ENAMETOOLONG\0ENOSYS\0ENOTEMPTY\0ELOOP\0"
    "EOVERFLOW\0ENOTSOCK\0EMSGSIZE\0ENOPROTOOPT\0EPROTONOSUPPORT\0EOPNOTSUPP\0"
    "EAFNOSUPPORT\0EADDRINUSE\0EADDRNOTAVAIL\0ENETDOWN\0ENETUNREACH\0"
    "ECONNABORTED\0ECONNRESET\0ENOBUFS\0ENOTCONN\0ETIMEDOUT\0ECONNREFUSED\0"
    "EHOSTUNREACH\0EDQUOT";

const char *
fx_strerror(int err)
{
	static char other[24];
	const char *s = err_names;
	size_t i;

	if (ENABLE_FEATURE_STRERROR)
		return strerror(err);
	for (i = 0; i < sizeof(err_nums); i++, s += strlen(s) + 1)
		if (err_nums[i] == err)
			return s;
	fx_snprintf(other, sizeof(other), "error %d", err);
	return other;
}

void
fx_log_vmsg(int level, const char *func, int with_errno, const char *fmt,
    va_list ap)
{
	char buf[1024];
	size_t n, len;
	int saved = errno;

	if (level > fx_log_level) {
		errno = saved;
		return;
	}
	if (log_prefix[0] == '\0')
		fx_log_init(NULL);
	len = sizeof(buf) - 1;		/* room for the newline */
	n = strlen(log_prefix);
	memcpy(buf, log_prefix, n);
	if (func != NULL && level >= FX_LOG_DEBUG)
		n += fx_snprintf(buf + n, len - n, "%s: ", func);
	if (n < len)
		n += fx_vsnprintf(buf + n, len - n, fmt, ap);
	if (with_errno && n < len)
		n += fx_snprintf(buf + n, len - n, ": %s", fx_strerror(saved));
	if (n > len)
		n = len;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
	errno = saved;
}

void
fx_log_msg(int level, const char *func, int with_errno, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fx_log_vmsg(level, func, with_errno, fmt, ap);
	va_end(ap);
}

void
fx_fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fx_log_vmsg(FX_LOG_ERR, NULL, 1, fmt, ap);
	va_end(ap);
	exit(code);
}

void
fx_fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fx_log_vmsg(FX_LOG_ERR, NULL, 0, fmt, ap);
	va_end(ap);
	exit(code);
}
