/* SPDX-License-Identifier: MIT */
/*
 * procfs.c - reading /proc about another process (see procfs.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/* Read a whole small /proc file into buf (NUL-terminated).  len or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The fields of /proc/pid/stat after the command's ")". */
static char *
stat_fields(pid_t pid, char *buf, size_t len)
{
	char path[64], *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (slurp(path, buf, len) <= 0 || (p = strrchr(buf, ')')) == NULL)
		return NULL;
	return p + 2;
}

int
fx_procfs_running(pid_t pid)
{
	char buf[1024], *f;

	if (pid <= 0)
		return 0;
	if ((f = stat_fields(pid, buf, sizeof(buf))) == NULL)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	return *f != 'Z' && *f != 'X' && *f != 'x';
}

int
fx_procfs_children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[8192], *p, *end;
	long v;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	    (long)pid, (long)pid);
	if (slurp(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; n < max; p = end) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		out[n++] = (pid_t)v;
	}
	return n;
}

int
fx_procfs_generation(pid_t pid)
{
	char path[64], buf[65536];
	ssize_t n, i;
	long long v;

	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((n = slurp(path, buf, sizeof(buf))) < 0)
		return -1;
	for (i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (strncmp(buf + i, "FENIX_GENERATION=", 17) == 0)
			return fx_parse_num(buf + i + 17, 1, 1000000000,
			    &v) == 0 ? (int)v : -1;
	return 1;
}

int
fx_procfs_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, buf, len - 1)) == -1)
		return -1;
	buf[n] = '\0';
	return 0;
}

long long
fx_procfs_uptime(pid_t pid)
{
	char buf[1024], *f;
	unsigned long long start = 0;
	double up;
	long hz = sysconf(_SC_CLK_TCK);
	int i;

	if ((f = stat_fields(pid, buf, sizeof(buf))) == NULL)
		return -1;
	/* starttime is field 22; f begins at field 3. */
	for (i = 3; i < 22 && f != NULL; i++)
		if ((f = strchr(f, ' ')) != NULL)
			f++;
	if (f == NULL || sscanf(f, "%llu", &start) != 1 ||
	    slurp("/proc/uptime", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%lf", &up) != 1 || hz <= 0)
		return -1;
	return (long long)up - (long long)(start / (unsigned long long)hz);
}

int
fx_procfs_sig_pending(pid_t pid, int sig)
{
	char path[64], buf[4096], *p;
	unsigned long long m;
	const char *keys[] = { "\nSigPnd:", "\nShdPnd:" };
	int i, pending = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (i = 0; i < 2; i++)
		if ((p = strstr(buf, keys[i])) != NULL &&
		    sscanf(p + strlen(keys[i]), "%llx", &m) == 1 &&
		    (m >> (sig - 1) & 1))
			pending = 1;
	return pending;
}

/* Socket inodes of pid's fds into inodes.  Count or -1. */
static int
socket_inodes(pid_t pid, unsigned long *inodes, int max)
{
	char path[320], link[64];
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int cnt = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && cnt < max) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inodes[cnt]) == 1)
			cnt++;
	}
	closedir(d);
	return cnt;
}

int
fx_procfs_listeners(pid_t pid, struct fx_listen *out, int max)
{
	static const char *files[] = { "tcp", "tcp6" };
	unsigned long inodes[256], ino;
	char path[64], line[512], addr[40];
	unsigned port, st, i, k;
	int nino, cnt = 0, f, j;
	FILE *fp;

	if ((nino = socket_inodes(pid, inodes, (int)FX_NELEM(inodes))) < 0)
		return -1;
	for (f = 0; f < 2; f++) {
		snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid,
		    files[f]);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL && cnt < max) {
			if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*s %x %*s "
			    "%*s %*s %*s %*s %lu", addr, &port, &st, &ino) != 4 ||
			    st != 0x0a)	/* TCP_LISTEN */
				continue;
			for (j = 0; j < nino && inodes[j] != ino; j++)
				;
			if (j == nino)
				continue;
			memset(&out[cnt], 0, sizeof(out[cnt]));
			out[cnt].fd = -1;
			if (f == 0) {
				struct sockaddr_in *in = (void *)&out[cnt].addr;

				in->sin_family = AF_INET;
				in->sin_port = htons((unsigned short)port);
				sscanf(addr, "%x", &in->sin_addr.s_addr);
			} else {
				struct sockaddr_in6 *in6 =
				    (void *)&out[cnt].addr;
				unsigned char *b = in6->sin6_addr.s6_addr;

				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons((unsigned short)port);
				/* four host-order 32-bit words */
				for (i = 0; i < 4; i++) {
					unsigned w = 0;

					sscanf(addr + i * 8, "%8x", &w);
					for (k = 0; k < 4; k++)
						b[i * 4 + k] = (unsigned char)
						    (w >> (8 * k));
				}
			}
			fx_listen_name((struct sockaddr *)&out[cnt].addr,
			    out[cnt].name, sizeof(out[cnt].name));
			cnt++;
		}
		fclose(fp);
	}
	return cnt;
}
