/* SPDX-License-Identifier: MIT */
/*
 * listen_test.c - listen addresses, the NGINX / LISTEN_FDS fd lists, and
 * adopting inherited sockets (real sockets on 127.0.0.1).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "test.h"

static int nbad;
static char lastbad[64];

static void
bad(const char *text, size_t n)
{
	nbad++;
	snprintf(lastbad, sizeof(lastbad), "%.*s", (int)n, text);
}

static void
parse(void)
{
	struct fx_listen l;
	const char *why = NULL;
	struct sockaddr_in *in = (struct sockaddr_in *)&l.addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l.addr;

	CHECK(fx_listen_parse(&l, "127.0.0.1:8080", &why) == 0 &&
	    in->sin_family == AF_INET && ntohs(in->sin_port) == 8080 &&
	    in->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && l.fd == -1 &&
	    l.addrlen == sizeof(*in));
	CHECK(fx_listen_parse(&l, "80", &why) == 0 &&
	    in->sin_addr.s_addr == htonl(INADDR_ANY) &&
	    ntohs(in->sin_port) == 80 && strcmp(l.name, "0.0.0.0:80") == 0);
	CHECK(fx_listen_parse(&l, "*:443", &why) == 0 &&
	    in->sin_addr.s_addr == htonl(INADDR_ANY) &&
	    ntohs(in->sin_port) == 443);
	CHECK(fx_listen_parse(&l, "[::1]:8081", &why) == 0 &&
	    in6->sin6_family == AF_INET6 && ntohs(in6->sin6_port) == 8081 &&
	    IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) &&
	    l.addrlen == sizeof(*in6) && strcmp(l.name, "[::1]:8081") == 0);
	CHECK(fx_listen_parse(&l, "[::]:0", &why) == 0 &&
	    IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) && in6->sin6_port == 0);
	CHECK(fx_listen_parse(&l, "0", &why) == 0 && in->sin_port == 0);
	CHECK(fx_listen_parse(&l, "65535", &why) == 0 &&
	    ntohs(in->sin_port) == 65535);
	why = NULL;
	CHECK(fx_listen_parse(&l, "65536", &why) == -1 && why != NULL);
	CHECK(fx_listen_parse(&l, "", &why) == -1);
	CHECK(fx_listen_parse(&l, "[::1]80", &why) == -1);
	CHECK(fx_listen_parse(&l, "[::1]:", &why) == -1);
	CHECK(fx_listen_parse(&l, "[127.0.0.1]:80", &why) == -1);
	CHECK(fx_listen_parse(&l, "127.0.0.1:-1", &why) == -1);
	CHECK(fx_listen_parse(&l, "127.0.0.1:8o", &why) == -1);
	CHECK(fx_listen_parse(&l, "localhost:80", &why) == -1);
	CHECK(fx_listen_parse(&l, "[1111:2222:3333:4444:5555:6666:7777:8888:"
	    "9999:aaaa:bbbb:cccc:dddd:eeee]:80", &why) == -1 && strcmp(why,
	    "address too long") == 0);
}

static void
fds(void)
{
	int f[4];

	nbad = 0;
	CHECK(fx_listen_parse_fds("3;4;", f, 4, bad) == 2 && f[0] == 3 &&
	    f[1] == 4 && nbad == 0);
	CHECK(fx_listen_parse_fds("5:6", f, 4, bad) == 2 && f[0] == 5 &&
	    f[1] == 6 && nbad == 0);
	CHECK(fx_listen_parse_fds("", f, 4, bad) == 0 && nbad == 0);
	CHECK(fx_listen_parse_fds(";;:;", f, 4, bad) == 0 && nbad == 0);
	CHECK(fx_listen_parse_fds("7", f, 4, bad) == 1 && f[0] == 7);
	CHECK(fx_listen_parse_fds("x;8;", f, 4, bad) == 1 && f[0] == 8 &&
	    nbad == 1 && strcmp(lastbad, "x") == 0);
	nbad = 0;
	CHECK(fx_listen_parse_fds("3;65536;-1;4x;0;", f, 4, bad) == 2 &&
	    f[0] == 3 && f[1] == 0 && nbad == 3 &&
	    strcmp(lastbad, "4x") == 0);
	nbad = 0;
	CHECK(fx_listen_parse_fds("12345678901234567890;9", f, 4, bad) == 1 &&
	    f[0] == 9 && nbad == 1);
	nbad = 0;
	CHECK(fx_listen_parse_fds("1;2;3;4;5;6;", f, 4, bad) == 4 &&
	    f[3] == 4 && nbad == 0);
	CHECK(fx_listen_parse_fds("3;4", f, 0, bad) == 0);
}

/* A listening socket on 127.0.0.1, kernel's port; its port in *port. */
static int
listener(int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 8) == -1 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) == -1)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static void
inherit(void)
{
	struct fx_listen l[3];
	const char *why;
	char buf[64], name[32];
	int a, b, p, pa, pb, pp[2];

	a = listener(&pa);
	b = listener(&pb);
	CHECK(a >= 0 && b >= 0 && pipe(pp) == 0);
	snprintf(name, sizeof(name), "127.0.0.1:%d", pa);
	fx_listen_parse(&l[0], name, &why);
	fx_listen_parse(&l[1], "127.0.0.1:0", &why);
	/* a matches l[0] exactly, b takes the port-0 entry; a pipe is
	 * skipped and left open, junk and a closed fd are skipped. */
	snprintf(buf, sizeof(buf), "%d;junk;%d;%d;999;", pp[0], b, a);
	setenv("NGINX", buf, 1);
	CHECK(fx_listen_inherit(l, 2) == 2);
	CHECK(l[0].fd == a && l[1].fd == b);
	snprintf(name, sizeof(name), "127.0.0.1:%d", pb);
	CHECK(strcmp(l[1].name, name) == 0);
	CHECK((fcntl(a, F_GETFD) & FD_CLOEXEC) && (fcntl(b, F_GETFL) &
	    O_NONBLOCK));
	CHECK(fcntl(pp[0], F_GETFD) != -1);
	CHECK(getenv("NGINX") == NULL);

	/* Not configured: closed. */
	p = listener(&pa);
	fx_listen_parse(&l[0], "127.0.0.2:1", &why);
	snprintf(buf, sizeof(buf), "%d;", p);
	setenv("NGINX", buf, 1);
	CHECK(fx_listen_inherit(l, 1) == 0 && l[0].fd == -1 &&
	    fcntl(p, F_GETFD) == -1);

	/* LISTEN_FDS: fds from 3 on, only when LISTEN_PID is ours. */
	close(a);
	close(b);
	p = listener(&pa);
	if (p != 3) {
		CHECK(dup2(p, 3) == 3);
		close(p);
	}
	snprintf(name, sizeof(name), "127.0.0.1:%d", pa);
	fx_listen_parse(&l[0], name, &why);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDNAMES", "web", 1);
	CHECK(fx_listen_inherit(l, 1) == 0 && l[0].fd == -1 &&
	    fcntl(3, F_GETFD) != -1);
	CHECK(getenv("LISTEN_FDS") == NULL && getenv("LISTEN_PID") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL);
	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", "many", 1);
	CHECK(fx_listen_inherit(l, 1) == 0 && l[0].fd == -1);
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", "1", 1);
	CHECK(fx_listen_inherit(l, 1) == 1 && l[0].fd == 3);
	close(3);
	close(pp[0]);
	close(pp[1]);
}

int
main(void)
{
	int null = open("/dev/null", O_WRONLY);

	/* What adopt() logs about the bad entries is expected: not shown. */
	if (null != -1 && null != 2) {
		dup2(null, 2);
		close(null);
	}
	parse();
	fds();
	inherit();
	return T_END();
}
