/* SPDX-License-Identifier: MIT */
/*
 * probe.c - a GET over a non-blocking socket with one deadline (see
 * probe.h).  Only the status line is read; the body is not needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "probe.h"
#include "psock.h"
#include "util.h"

int
fx_probe_parse(const char *url, struct fx_listen *l, char *path, size_t cap,
    const char **why)
{
	char hostport[80];
	const char *p, *slash;
	size_t n;

	if (strncmp(url, "http://", 7) != 0) {
		*why = "only http://HOST:PORT/PATH URLs";
		return -1;
	}
	p = url + 7;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n + 4 >= sizeof(hostport)) {
		*why = "bad host";
		return -1;
	}
	memcpy(hostport, p, n);
	hostport[n] = '\0';
	/* No resolver (a scratch image has no /etc/hosts): same length. */
	if (strncasecmp(hostport, "localhost", 9) == 0 &&
	    (hostport[9] == '\0' || hostport[9] == ':')) {
		memcpy(hostport, "127.0.0.1", 9);
	}
	/* No port: 80. */
	if (hostport[n - 1] == ']' || strchr(hostport, ':') == NULL ||
	    (hostport[0] == '[' && fx_strstr(hostport, "]:") == NULL))
		strcat(hostport, ":80");
	if (fx_listen_parse(l, hostport, why) == -1)
		return -1;
	if (slash == NULL)
		slash = "/";
	if (strlen(slash) >= cap || strpbrk(slash, " \r\n") != NULL) {
		*why = "bad path";
		return -1;
	}
	strcpy(path, slash);
	return 0;
}

void
fx_probe_url(const struct fx_listen *l, char *buf, size_t len)
{
	const struct sockaddr_in *in = (const void *)&l->addr;
	const struct sockaddr_in6 *in6 = (const void *)&l->addr;

	if (l->addr.ss_family == AF_INET &&
	    in->sin_addr.s_addr == htonl(INADDR_ANY))
		fx_snprintf(buf, len, "http://127.0.0.1:%u/",
		    ntohs(in->sin_port));
	else if (l->addr.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
		fx_snprintf(buf, len, "http://[::1]:%u/",
		    ntohs(in6->sin6_port));
	else
		fx_snprintf(buf, len, "http://%s/", l->name);
}

/* Wait for events on fd until deadline.  0 ready, -1 timeout/error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		left = deadline - fx_now_ms();
		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

int
fx_probe_get(const char *url, int timeout_ms, const char **why)
{
	return fx_probe_get_pid(url, 0, timeout_ms, why);
}

int
fx_probe_get_pid(const char *url, pid_t pid, int timeout_ms,
    const char **why)
{
	struct fx_listen l;
	struct sockaddr_un sun;
	struct sockaddr *sa;
	char path[1024], req[1200], buf[256];
	long long deadline = fx_now_ms() + timeout_ms;
	size_t got = 0, n;
	ssize_t r;
	socklen_t sl, alen;
	int fd, err = 0, status;

	if (fx_probe_parse(url, &l, path, sizeof(path), why) == -1)
		return -1;
	sa = (struct sockaddr *)&l.addr;
	alen = l.addrlen;
	if (pid > 0) {
		alen = fx_psock_addr(pid, &sun);
		sa = (struct sockaddr *)&sun;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*why = fx_strerror(errno);
		return -1;
	}
	if (connect(fd, sa, alen) == -1 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		*why = fx_strerror(errno);
		close(fd);
		return -1;
	}
	sl = sizeof(err);
	if (wait_fd(fd, POLLOUT, deadline) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1 || err) {
		*why = err ? fx_strerror(err) : "connect timed out";
		close(fd);
		return -1;
	}
	n = (size_t)fx_snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\nUser-Agent: fenix-probe\r\nConnection: close\r\n\r\n",
	    path, l.name);
	if (send(fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
		*why = "send failed";
		close(fd);
		return -1;
	}
	while (got < 12) {
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			*why = "no answer in time";
			close(fd);
			return -1;
		}
		r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r <= 0) {
			if (r == -1 && errno == EAGAIN)
				continue;
			*why = "connection closed before an answer";
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';
	if (strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9') {
		*why = "not an HTTP answer";
		return -1;
	}
	return status;
}
