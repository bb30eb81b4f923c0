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
#include "pidfile.h"
#include "util.h"

static int
dir_writable(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    access(dir, W_OK) == 0;
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
	if (dir_writable("/tmp")) {
		fx_snprintf(buf, sizeof(buf), "/tmp/fenix-%ld.pid",
		    (long)geteuid());
		return buf;
	}
	return "fenix.pid";
}

int
fx_pidfile_write(const char *path, pid_t pid)
{
	char tmp[4096 + 16], buf[24];
	int fd, n, saved;

	if ((size_t)fx_snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
	    (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	n = fx_snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	if (fx_write_all(fd, buf, (size_t)n) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

pid_t
fx_pidfile_read(const char *path)
{
	char buf[32];
	long long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
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
