/* SPDX-License-Identifier: MIT */
/*
 * psock.c - the master's private probe socket (see psock.h).
 */
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "psock.h"

int fx_psock_fd = -1;

socklen_t
fx_psock_addr(pid_t pid, struct sockaddr_un *sun)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Abstract: a leading NUL, no file to plant or to clean up. */
	n = fx_snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
	    "fenix-probe/%ld", (long)pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
}

int
fx_psock_open(void)
{
	struct sockaddr_un sun;
	socklen_t len = fx_psock_addr(getpid(), &sun);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	fx_psock_fd = fd;
	return 0;
}
