/* SPDX-License-Identifier: MIT */
/*
 * listen.c - parse listen addresses and open listening sockets.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "fmt.h"
#include "listen.h"
#include "log.h"
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
		if (fx_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
		l->addrlen = sizeof(*in6);
	} else {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)p);
		if (n == 0 || strcmp(host, "*") == 0)	/* as nginx */
			in->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (fx_pton(AF_INET, host, &in->sin_addr) != 1) {
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

		fx_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		fx_snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		fx_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		fx_snprintf(buf, len, "%s:%u", a, ntohs(in->sin_port));
	} else
		fx_snprintf(buf, len, "(family %d)", sa->sa_family);
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

int
fx_listen_backlog(const struct fx_listen *l, int backlog)
{
	return listen(l->fd, backlog);
}

#define SOMAXCONN_FILE	"/proc/sys/net/core/somaxconn"

int
fx_listen_somaxconn(void)
{
	char buf[32];
	ssize_t n;
	long long v;
	int fd;

	if ((fd = open(SOMAXCONN_FILE, O_RDONLY | O_CLOEXEC)) == -1)
		return 4096;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 4096;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (fx_parse_num(buf, 1, 1 << 30, &v) == -1)
		return 4096;
	return (int)v;
}

int
fx_listen_parse_fds(const char *s, int *fds, int max,
    void (*bad)(const char *text, size_t n))
{
	const char *end;
	char num[16];
	long long v;
	size_t n;
	int cnt = 0;

	while (*s != '\0') {
		end = s + strcspn(s, ";:");
		n = (size_t)(end - s);
		if (n > 0) {
			if (n < sizeof(num)) {
				memcpy(num, s, n);
				num[n] = '\0';
			}
			if (n >= sizeof(num) ||
			    fx_parse_num(num, 0, 65535, &v) == -1)
				bad(s, n);
			else if (cnt < max)
				fds[cnt++] = (int)v;
		}
		s = *end != '\0' ? end + 1 : end;
	}
	return cnt;
}

static void
bad_entry(const char *text, size_t n)
{
	fx_log_warnx("inherited fd '%.*s': not a number, skipped", (int)n,
	    text);
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
    int any_port)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr &&
		    (any_port || a4->sin_port == b4->sin_port);
	if (a->ss_family == AF_INET6)
		return memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0 &&
		    (any_port || a6->sin6_port == b6->sin6_port);
	return 0;
}

/* Adopt fd into the first listen entry it matches, else close it. */
static int
adopt(struct fx_listen *l, int n, int fd, const char *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char name[FX_ADDRSTRLEN];
	int type, acc, i, pass;
	socklen_t ol = sizeof(int);

	if (fx_fcntl(fd, F_GETFD, 0) == -1) {
		fx_log_warnx("%s fd %d: not open, skipped", from, fd);
		return 0;
	}
	/* Named twice (NGINX="3;3;", or in NGINX and LISTEN_FDS): keep it. */
	for (i = 0; i < n; i++) {
		if (l[i].fd == fd) {
			fx_log_warnx("%s fd %d: named twice, skipped", from,
			    fd);
			return 0;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol) == -1 ||
	    type != SOCK_STREAM) {
		fx_log_warnx("%s fd %d: not a stream socket, skipped", from,
		    fd);
		return 0;	/* not ours to close: it may be anything */
	}
	ol = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &ol) == -1 ||
	    !acc || getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		fx_log_warnx("%s fd %d: not a listening socket, skipped",
		    from, fd);
		return 0;
	}
	fx_listen_name((struct sockaddr *)&ss, name, sizeof(name));
	/* Exact address first; then a configured port 0 takes any port. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (l[i].fd != -1 || !same_addr(&l[i].addr, &ss, pass))
				continue;
			if (pass == 1 && ((struct sockaddr_in *)&l[i].addr)->
			    sin_port != 0)
				continue;
			l[i].fd = fd;
			l[i].addr = ss;
			l[i].addrlen = sl;
			memcpy(l[i].name, name, sizeof(name));
			(void)fx_fcntl(fd, F_SETFD, FD_CLOEXEC);
			(void)fx_fcntl(fd, F_SETFL, fx_fcntl(fd, F_GETFL, 0) |
			    O_NONBLOCK);
			fx_log_info("adopted %s from %s fd %d", name, from, fd);
			return 1;
		}
	}
	fx_log_warnx("%s fd %d: %s is not configured, closed", from, fd, name);
	close(fd);
	return 0;
}

/* Is fd adopted already (named twice: "3;3;", or by NGINX and LISTEN_FDS)? */
static int
taken(const struct fx_listen *l, int n, int fd)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i].fd == fd)
			return 1;
	return 0;
}

int
fx_listen_inherit(struct fx_listen *l, int n)
{
	const char *s;
	int fds[FX_LISTEN_MAX * 4], cnt, i, adopted = 0;
	long long v;

	if ((s = getenv("NGINX")) != NULL) {
		cnt = fx_listen_parse_fds(s, fds, (int)FX_NELEM(fds),
		    bad_entry);
		for (i = 0; i < cnt; i++)
			if (!taken(l, n, fds[i]))
				adopted += adopt(l, n, fds[i], "NGINX");
	}
	s = getenv("LISTEN_PID");
	if (s != NULL && fx_parse_num(s, 1, 1 << 30, &v) == 0 &&
	    v == getpid() && (s = getenv("LISTEN_FDS")) != NULL) {
		if (fx_parse_num(s, 0, FX_NELEM(fds), &v) == -1)
			fx_log_warnx("LISTEN_FDS '%s': not a count, ignored",
			    s);
		else
			for (i = 0; i < (int)v; i++)
				if (!taken(l, n, 3 + i))
					adopted += adopt(l, n, 3 + i,
					    "LISTEN_FDS");
	}
	fx_env_unset("NGINX");
	fx_env_unset("LISTEN_FDS");
	fx_env_unset("LISTEN_PID");
	fx_env_unset("LISTEN_FDNAMES");
	return adopted;
}

void
fx_listen_close_others(const struct fx_listen *l, int nl)
{
	int fds[1024], n = 0, fd, i, j;
	struct dirent *de;
	long long v;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL && n < (int)FX_NELEM(fds))
			if (fx_parse_num(de->d_name, 3, INT_MAX, &v) == 0 &&
			    v != dirfd(d))
				fds[n++] = (int)v;
		closedir(d);
	} else
		for (fd = 3; fd < (int)FX_NELEM(fds); fd++)
			if (fx_fcntl(fd, F_GETFD, 0) != -1)
				fds[n++] = fd;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nl && l[j].fd != fds[i]; j++)
			;
		if (j == nl && !(ENABLE_FEATURE_COUNTERS &&
		    fds[i] == fx_ctr_fd)) {
			fx_log_info("inherited fd %d: not a listener, closed",
			    fds[i]);
			close(fds[i]);
		}
	}
}
