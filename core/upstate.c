/* SPDX-License-Identifier: MIT */
/*
 * upstate.c - the upgrade driver's lock and state file (see upstate.h).
 * The state file is lines "name value": phase, old, new, driver, binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "pidfile.h"
#include "upstate.h"
#include "util.h"

static int
side(const char *pidfile, const char *ext, char *buf, size_t len)
{
	if ((size_t)fx_snprintf(buf, len, "%s%s", pidfile, ext) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Open pidfile.lock: a regular file, never through a symlink. */
static int
open_lock(const char *pidfile, int flags)
{
	char path[PATH_MAX + 8];
	struct stat st;
	int fd;

	if (side(pidfile, ".lock", path, sizeof(path)) == -1 ||
	    (fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
fx_upstate_lock(const char *pidfile)
{
	int fd;

	if ((fd = open_lock(pidfile, O_RDWR | O_CREAT)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		errno = EWOULDBLOCK;
		return -1;
	}
	return fd;
}

int
fx_upstate_locked(const char *pidfile)
{
	int fd, r;

	if ((fd = open_lock(pidfile, O_RDONLY)) == -1)
		return errno == ENOENT ? 0 : -1;
	r = flock(fd, LOCK_SH | LOCK_NB) == -1 ? errno == EWOULDBLOCK ? 1 :
	    -1 : 0;
	close(fd);
	return r;
}

int
fx_upstate_write(const char *pidfile, const struct fx_upstate *s)
{
	char path[PATH_MAX + 16], buf[PATH_MAX + 256];
	int n;

	if (side(pidfile, ".upgrade", path, sizeof(path)) == -1)
		return -1;
	n = fx_snprintf(buf, sizeof(buf), "phase %s\nold %ld\nnew %ld\n"
	    "driver %ld\nbinary %s\n", s->phase, (long)s->old,
	    (long)s->new_master, (long)s->driver, s->binary);
	return fx_pidfile_write_text(path, buf, (size_t)n);
}

int
fx_upstate_read(const char *pidfile, struct fx_upstate *s)
{
	char path[PATH_MAX + 16], buf[PATH_MAX + 256], *line, *nl, *v;
	long long num;
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	if (side(pidfile, ".upgrade", path, sizeof(path)) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if ((v = strchr(line, ' ')) == NULL)
			return -1;
		*v++ = '\0';
		if (strcmp(line, "phase") == 0) {
			if (strlen(v) >= sizeof(s->phase))
				return -1;
			strcpy(s->phase, v);
		} else if (strcmp(line, "binary") == 0)
			fx_snprintf(s->binary, sizeof(s->binary), "%s", v);
		else if (fx_parse_num(v, 0, 0x7fffffff, &num) == -1)
			return -1;
		else if (strcmp(line, "old") == 0)
			s->old = (pid_t)num;
		else if (strcmp(line, "new") == 0)
			s->new_master = (pid_t)num;
		else if (strcmp(line, "driver") == 0)
			s->driver = (pid_t)num;
	}
	return s->phase[0] != '\0' && s->old > 0 ? 1 : -1;
}

void
fx_upstate_clear(const char *pidfile)
{
	char path[PATH_MAX + 16];

	if (side(pidfile, ".upgrade", path, sizeof(path)) == 0)
		(void)unlink(path);
}
