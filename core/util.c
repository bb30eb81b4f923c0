/* SPDX-License-Identifier: MIT */
/*
 * util.c - x-wrappers for startup, strict number parsing, I/O helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "util.h"

/* 32-bit arm (and i386): the calls for 32-bit ids have their own numbers. */
#ifdef SYS_setuid32
#define FX_SYS_SETUID		SYS_setuid32
#define FX_SYS_SETGID		SYS_setgid32
#define FX_SYS_SETGROUPS	SYS_setgroups32
#else
#define FX_SYS_SETUID		SYS_setuid
#define FX_SYS_SETGID		SYS_setgid
#define FX_SYS_SETGROUPS	SYS_setgroups
#endif

char **fx_argv;

void *
fx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fx_fatal(FX_EXIT_SYS, "malloc %zu", n);
	return p;
}

void *
fx_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fx_fatal(FX_EXIT_SYS, "calloc %zu", n * size);
	return p;
}

char *
fx_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(fx_xmalloc(n), s, n);
}

int
fx_parse_num(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;

	if (s == NULL || *s == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			errno = EINVAL;
			return -1;
		}
		if (v > (max - (*s - '0')) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int
fx_parse_msec(const char *s, long long max_ms, long long *out)
{
	long long ms = 0, scale = 100;
	const char *p;

	if (s == NULL || *s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (*p - '0');
		if (ms > max_ms / 1000 + 1) {
			errno = ERANGE;
			return -1;
		}
	}
	ms *= 1000;
	if (*p == '.') {
		if (p[1] == '\0') {
			errno = EINVAL;
			return -1;
		}
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 's' && p[1] == '\0')
		p++;
	if (*p != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (ms > max_ms) {
		errno = ERANGE;
		return -1;
	}
	*out = ms;
	return 0;
}

/*
 * The raw system calls: fenix runs one thread, so musl's wrappers, which
 * stop every thread to change its ids too (__synccall, 1.5 KiB of the
 * binary), buy it nothing.
 */
int
fx_setuid(uid_t uid)
{
	return (int)syscall(FX_SYS_SETUID, uid);
}

int
fx_setids(uid_t uid, gid_t gid)
{
	if (syscall(FX_SYS_SETGROUPS, 1, &gid) == -1 ||
	    syscall(FX_SYS_SETGID, gid) == -1)
		return -1;
	return fx_setuid(uid);
}

int
fx_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

long long
fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

void
fx_gmtime(long long t, struct tm *tm)
{
	long long days = t / 86400, era, y;
	long long secs = t % 86400;
	unsigned doe, yoe, doy, mp;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	memset(tm, 0, sizeof(*tm));
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01: Thu */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_year = (int)(y + (tm->tm_mon <= 1) - 1900);
}

long long
fx_timegm(const struct tm *tm)
{
	return days_from_civil((long long)tm->tm_year + 1900,
	    (unsigned)tm->tm_mon + 1, (unsigned)tm->tm_mday) * 86400 +
	    tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

char *
fx_ntop(int family, const void *addr, char *buf, size_t len)
{
	const unsigned char *b = addr;
	char tmp[48];
	int i, best = -1, bestlen = 0, run, n = 0;

	if (family == AF_INET) {
		n = fx_snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", b[0], b[1],
		    b[2], b[3]);
	} else if (family == AF_INET6) {
		if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			n = fx_snprintf(tmp, sizeof(tmp), "::ffff:%u.%u.%u.%u",
			    b[12], b[13], b[14], b[15]);
			goto out;
		}
		/* The longest run of two or more zero words becomes "::". */
		for (i = 0; i < 8; i += run ? run : 1) {
			for (run = 0; i + run < 8 && b[2 * (i + run)] == 0 &&
			    b[2 * (i + run) + 1] == 0; run++)
				;
			if (run > bestlen && run >= 2) {
				best = i;
				bestlen = run;
			}
		}
		for (i = 0; i < 8; i++) {
			if (i == best) {
				n += fx_snprintf(tmp + n,
				    sizeof(tmp) - (size_t)n,
				    "::");
				i += bestlen - 1;
				continue;
			}
			n += fx_snprintf(tmp + n, sizeof(tmp) - (size_t)n,
			    "%s%x", i > 0 && i != best + bestlen ? ":" : "",
			    (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
		}
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
out:
	if ((size_t)n >= len) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(buf, tmp, (size_t)n + 1);
	return buf;
}

int
fx_getpw(const char *name, long *uid, long *gid)
{
	char buf[8192], *line, *nl, *f[4];
	size_t nlen = strlen(name), len = 0;
	long long v[2];
	ssize_t r;
	int fd, i;

	if ((fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		for (line = buf; (nl = strchr(line, '\n')) != NULL;
		    line = nl + 1) {
			*nl = '\0';
			/* name:password:uid:gid:... */
			if (strncmp(line, name, nlen) != 0 || line[nlen] != ':')
				continue;
			f[0] = line + nlen + 1;
			for (i = 1; i < 4; i++) {
				f[i] = strchr(f[i - 1], ':');
				if (f[i] == NULL)
					break;
				*f[i]++ = '\0';
			}
			if (i < 3 || fx_parse_num(f[1], 0, 0x7fffffff,
			    &v[0]) == -1 || fx_parse_num(f[2], 0, 0x7fffffff,
			    &v[1]) == -1)
				continue;
			close(fd);
			*uid = (long)v[0];
			*gid = (long)v[1];
			return 0;
		}
		len = strlen(line);
		if (len == sizeof(buf) - 1)
			len = 0;	/* a line this long: skip it */
		memmove(buf, line, len);
	}
	close(fd);
	errno = ENOENT;
	return -1;
}

int
fx_sig_open(const int *sigs, sigset_t *set)
{
	sigemptyset(set);
	for (; *sigs != 0; sigs++)
		sigaddset(set, *sigs);
	sigprocmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
fx_ncpu(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == -1)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

char *
fx_strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (*hay == *needle && strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return n == 0 ? (char *)hay : NULL;
}

void
fx_env_unset(const char *name)
{
	size_t n = strlen(name);
	char **r, **w;

	if (environ == NULL)
		return;
	for (r = w = environ; *r != NULL; r++)
		if (strncmp(*r, name, n) != 0 || (*r)[n] != '=')
			*w++ = *r;
	*w = NULL;
}

int
fx_env_set(const char *name, const char *val)
{
	size_t n, len = strlen(name) + strlen(val) + 2;
	char **e, *s;

	fx_env_unset(name);
	for (n = 0; environ != NULL && environ[n] != NULL; n++)
		;
	s = malloc(len);
	e = malloc((n + 2) * sizeof(*e));
	if (s == NULL || e == NULL) {
		free(s);
		free(e);
		return -1;
	}
	fx_snprintf(s, len, "%s=%s", name, val);
	if (n > 0)
		memcpy(e, environ, n * sizeof(*e));
	e[n] = s;
	e[n + 1] = NULL;
	environ = e;
	return 0;
}

/* Dotted decimal, four parts, no leading zeros (as musl): 1, or 0. */
static int
pton4(const char *s, unsigned char *a)
{
	int i, j, v;

	for (i = 0; i < 4; i++, s++) {
		for (v = 0, j = 0; j < 3 && s[j] >= '0' && s[j] <= '9'; j++)
			v = v * 10 + s[j] - '0';
		if (j == 0 || (j > 1 && s[0] == '0') || v > 255)
			return 0;
		a[i] = (unsigned char)v;
		s += j;
		if (*s != (i == 3 ? '\0' : '.'))
			return 0;
	}
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 4291 2.2: groups, one "::", an IPv4 tail.  1, or 0. */
static int
pton6(const char *s, unsigned char *a)
{
	unsigned char v4[4];
	unsigned int g[8];
	int n = 0, gap = -1, i, j, d;
	unsigned int v;

	if (s[0] == ':' && *++s != ':')
		return 0;
	for (;;) {
		if (*s == ':') {
			if (gap >= 0)
				return 0;
			gap = n;
			if (*++s == '\0')
				break;
		}
		if (n == 8)
			return 0;
		for (v = 0, i = 0; i < 4 && (d = hexval(s[i])) >= 0; i++)
			v = v * 16 + (unsigned int)d;
		if (i == 0)
			return 0;
		if (s[i] == '.') {
			if (n > 6 || !pton4(s, v4))
				return 0;
			g[n++] = (unsigned int)v4[0] << 8 | v4[1];
			g[n++] = (unsigned int)v4[2] << 8 | v4[3];
			break;
		}
		g[n++] = v;
		s += i;
		if (*s == '\0')
			break;
		if (*s++ != ':' || *s == '\0')
			return 0;
	}
	if (gap >= 0 ? n == 8 : n != 8)
		return 0;
	memset(a, 0, 16);
	for (i = 0; i < n; i++) {
		j = gap >= 0 && i >= gap ? i + 8 - n : i;
		a[2 * j] = (unsigned char)(g[i] >> 8);
		a[2 * j + 1] = (unsigned char)g[i];
	}
	return 1;
}

int
fx_pton(int family, const char *s, void *addr)
{
	return family == AF_INET6 ? pton6(s, addr) : pton4(s, addr);
}

int
fx_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}
