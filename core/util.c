/* SPDX-License-Identifier: MIT */
/*
 * util.c - x-wrappers for startup, strict number parsing, I/O helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

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
