/* SPDX-License-Identifier: MIT */
/*
 * pidfile.c - pid files (see pidfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "pidfile.h"
#include "util.h"

static int
dir_writable(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    access(dir, W_OK) == 0;
}

/* dir exists or is made 0700, is ours, no symlink, no one else's. */
static int
private_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

const char *
fx_pidfile_default(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0 && dir_writable("/run"))
		return "/run/fenix.pid";
	if (xdg != NULL && xdg[0] == '/' && dir_writable(xdg) &&
	    (size_t)fx_snprintf(buf, sizeof(buf), "%s/fenix.pid", xdg) <
	    sizeof(buf))
		return buf;
	/* Not in /tmp itself: anyone may plant files there. */
	fx_snprintf(buf, sizeof(buf), "/tmp/fenix-%ld", (long)geteuid());
	if (dir_writable("/tmp") && private_dir(buf) == 0) {
		strcat(buf, "/fenix.pid");
		return buf;
	}
	return "fenix.pid";
}

int
fx_pidfile_write_text(const char *path, const char *text, size_t n)
{
	char tmp[4096 + 16];
	int fd, saved, tries;

	if ((size_t)fx_snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
	    (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A leftover (or planted) entry under that name goes first. */
	for (tries = 0; tries < 2; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd != -1 || errno != EEXIST || unlink(tmp) == -1)
			break;
	}
	if (fd == -1)
		return -1;
	if (fx_write_all(fd, text, n) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int
fx_pidfile_write(const char *path, pid_t pid)
{
	char buf[24];
	int n;

	n = fx_snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	return fx_pidfile_write_text(path, buf, (size_t)n);
}

const char *
fx_pidfile_strerror(int err)
{
	switch (err) {
	case EINVAL:
		return "holds no pid";
	case ELOOP:
		return "is a symbolic link";
	case ENXIO:
		return "is not a regular file";
	default:
		return fx_strerror(err);
	}
}

pid_t
fx_pidfile_read(const char *path)
{
	char buf[32];
	struct stat st;
	long long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = ENXIO;
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (fx_parse_num(buf, 1, 0x7fffffff, &v) == -1) {
		errno = EINVAL;
		return -1;
	}
	return (pid_t)v;
}

int
fx_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int
fx_pidfile_oldbin(const char *path, char *buf, size_t len)
{
	return (size_t)fx_snprintf(buf, len, "%s" FX_OLDBIN, path) < len ? 0 :
	    -1;
}
