/* SPDX-License-Identifier: MIT */
/*
 * listen.c - parse listen addresses and open listening sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "util.h"

int
fx_listen_parse(struct fx_listen *l, const char *s, const char **why)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->addr;
	char host[64];
	const char *h, *port, *end;
	long long p;
	size_t n;
	int v6 = 0;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':') {
			*why = "expected [IPV6]:PORT";
			return -1;
		}
		h = s + 1;
		n = (size_t)(end - h);
		port = end + 2;
		v6 = 1;
	} else if ((end = strrchr(s, ':')) != NULL) {
		h = s;
		n = (size_t)(end - s);
		port = end + 1;
	} else {
		h = s;
		n = 0;
		port = s;
	}
	if (n >= sizeof(host)) {
		*why = "address too long";
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (fx_parse_num(port, 0, 65535, &p) == -1) {
		*why = "port must be a number from 0 to 65535";
		return -1;
	}
	if (v6 || strchr(host, ':') != NULL) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
		l->addrlen = sizeof(*in6);
	} else {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)p);
		if (n == 0 || strcmp(host, "*") == 0)	/* as nginx */
			in->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			*why = "not an IPv4 address (use [..] for IPv6)";
			return -1;
		}
		l->addrlen = sizeof(*in);
	}
	fx_listen_name((struct sockaddr *)&l->addr, l->name, sizeof(l->name));
	return 0;
}

void
fx_listen_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(in->sin_port));
	} else
		snprintf(buf, len, "(family %d)", sa->sa_family);
}

int
fx_listen_open(struct fx_listen *l, int backlog)
{
	int fd, on = 1, defer = 1, saved;

	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (l->addr.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) == -1 ||
	    listen(fd, backlog) == -1)
		goto fail;
	/* Wake a worker only when the request's first bytes are there. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer));
	l->addrlen = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) == -1)
		goto fail;
	fx_listen_name((struct sockaddr *)&l->addr, l->name, sizeof(l->name));
	l->fd = fd;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
