/* SPDX-License-Identifier: MIT */
/*
 * listen_fuzz.c - libFuzzer target for the parsers of core/listen.c: a
 * listen address, the NGINX fd list, and LISTEN_FDS through
 * fx_listen_inherit.  The input is split at its first newline: the
 * address (also the NGINX value), then LISTEN_FDS.  A listening socket
 * of our own is named first in NGINX (the list is cut after 64 entries)
 * when the first byte is odd, so that the adopt path runs too; it must be
 * adopted, and stay open whatever else the lists name.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t nbad;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fx_log_level = FX_LOG_ERR;
	return 0;
}

static void
bad(const char *text, size_t n)
{
	(void)text;
	if (n == 0)
		abort();
	nbad++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_listen l[2], own;
	char *a, *b, *env, pid[24];
	const uint8_t *nl;
	int fds[8], cnt, i, max, own_fd = -1, adopted;
	size_t an;
	const char *why = NULL;

	nl = memchr(data, '\n', size);
	an = nl != NULL ? (size_t)(nl - data) : size;
	a = strndup((const char *)data, an);
	b = nl != NULL ? strndup((const char *)nl + 1, size - an - 1) :
	    strdup("");
	env = malloc(an + 32);
	if (a == NULL || b == NULL || env == NULL)
		abort();

	if (fx_listen_parse(&l[0], a, &why) == 0) {
		if ((l[0].addr.ss_family != AF_INET &&
		    l[0].addr.ss_family != AF_INET6) || l[0].addrlen == 0 ||
		    l[0].fd != -1 || memchr(l[0].name, '\0',
		    sizeof(l[0].name)) == NULL || l[0].name[0] == '\0')
			abort();
	} else if (why == NULL)
		abort();

	max = size > 0 ? data[0] % 9 : 8;
	nbad = 0;
	cnt = fx_listen_parse_fds(a, fds, max, bad);
	if (cnt < 0 || cnt > max)
		abort();
	for (i = 0; i < cnt; i++)
		if (fds[i] < 0 || fds[i] > 65535)
			abort();

	/* NGINX and LISTEN_FDS as the master reads them at startup. */
	if (fx_listen_parse(&l[0], "127.0.0.1:0", &why) == -1 ||
	    fx_listen_parse(&l[1], "[::1]:0", &why) == -1 ||
	    fx_listen_parse(&own, "127.0.0.1:0", &why) == -1)
		abort();
	if (size > 0 && data[0] & 1) {
		if (fx_listen_open(&own, 1) == 0)
			own_fd = own.fd;
		snprintf(env, an + 32, "%d;%s", own_fd, a);
	} else
		snprintf(env, an + 32, "%s", a);
	setenv("NGINX", env, 1);
	setenv("LISTEN_FDS", b, 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	adopted = fx_listen_inherit(l, 2);
	if (adopted < 0 || adopted > 2 || getenv("NGINX") != NULL ||
	    getenv("LISTEN_FDS") != NULL)
		abort();
	if (own_fd != -1) {
		/* Adopted, and still open whatever else was named. */
		if (l[0].fd != own_fd || adopted != 1 ||
		    fcntl(own_fd, F_GETFD) == -1)
			abort();
		close(own_fd);
	}
	if (l[1].fd != -1)
		abort();
	free(a);
	free(b);
	free(env);
	return 0;
}
