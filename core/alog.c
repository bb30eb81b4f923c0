/* SPDX-License-Identifier: MIT */
/*
 * alog.c - the combined-format access log (see alog.h).  Values from the
 * request are escaped as nginx does ("\xHH" for '"', '\' and bytes
 * outside printable ASCII), so a client cannot forge log lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "util.h"

#define ALOG_BUF	65536
#define ALOG_LINE	4096		/* the most one line may take */

static char alog_buf[ALOG_BUF];
static size_t alog_len;
static int alog_fd = -1;
static const char *alog_path;
static time_t alog_t = -1;
static char alog_time[32];		/* "10/Oct/2000:13:55:36 +0000" */

int
fx_alog_open(const char *path)
{
	int fd;

	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0)
		fd = dup(STDOUT_FILENO);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644);
	if (fd == -1)
		return -1;
	(void)fx_fcntl(fd, F_SETFD, FD_CLOEXEC);
	fx_alog_flush();
	if (alog_fd != -1)
		close(alog_fd);
	alog_fd = fd;
	alog_path = path;
	return 0;
}

int
fx_alog_reopen(void)
{
	return alog_path != NULL ? fx_alog_open(alog_path) : 0;
}

int
fx_alog_on(void)
{
	return alog_fd != -1;
}

void
fx_alog_flush(void)
{
	if (alog_len > 0 && alog_fd != -1)
		(void)fx_write_all(alog_fd, alog_buf, alog_len);
	alog_len = 0;
}

static char *
put_esc(char *p, char *end, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t i;

	for (i = 0; i < n && p + 4 < end; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else
			*p++ = (char)c;
	}
	return p;
}

static char *
put_s(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static char *
put_u(char *p, unsigned long long v)
{
	char tmp[24], *t = tmp + sizeof(tmp);

	do
		*--t = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return put_s(p, t, (size_t)(tmp + sizeof(tmp) - t));
}

static void
clock_update(void)
{
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t now = time(NULL);
	char *p = alog_time;

	if (now == alog_t)
		return;
	alog_t = now;
	fx_gmtime(now, &tm);
	*p++ = (char)('0' + tm.tm_mday / 10);
	*p++ = (char)('0' + tm.tm_mday % 10);
	*p++ = '/';
	p = put_s(p, mon[tm.tm_mon % 12], 3);
	*p++ = '/';
	p = put_u(p, (unsigned)(tm.tm_year + 1900));
	*p++ = ':';
	*p++ = (char)('0' + tm.tm_hour / 10);
	*p++ = (char)('0' + tm.tm_hour % 10);
	*p++ = ':';
	*p++ = (char)('0' + tm.tm_min / 10);
	*p++ = (char)('0' + tm.tm_min % 10);
	*p++ = ':';
	*p++ = (char)('0' + tm.tm_sec / 10);
	*p++ = (char)('0' + tm.tm_sec % 10);
	memcpy(p, " +0000", 7);
}

void
fx_alog_write(int family, const unsigned char *addr,
    const struct fx_http_req *req, int status, long long bytes)
{
	char a[64], *p, *end;

	if (alog_fd == -1)
		return;
	if (alog_len + ALOG_LINE > ALOG_BUF)
		fx_alog_flush();
	clock_update();
	p = alog_buf + alog_len;
	end = p + ALOG_LINE - 16;
	if (fx_ntop(family, addr, a, sizeof(a)) == NULL)
		strcpy(a, "-");
	p = put_s(p, a, strlen(a));
	p = put_s(p, " - - [", 6);
	p = put_s(p, alog_time, strlen(alog_time));
	p = put_s(p, "] \"", 3);
	if (req != NULL && req->method_name.p != NULL) {
		p = put_esc(p, end - 1200, req->method_name.p,
		    req->method_name.n);
		*p++ = ' ';
		p = put_esc(p, end - 1200, req->target.p, req->target.n);
		p = put_s(p, req->minor ? " HTTP/1.1" : " HTTP/1.0", 9);
	}
	p = put_s(p, "\" ", 2);
	p = put_u(p, (unsigned)status);
	*p++ = ' ';
	p = put_u(p, (unsigned long long)bytes);
	p = put_s(p, " \"", 2);
	if (req != NULL && req->referer.n > 0)
		p = put_esc(p, end - 600, req->referer.p, req->referer.n);
	else
		*p++ = '-';
	p = put_s(p, "\" \"", 3);
	if (req != NULL && req->user_agent.n > 0)
		p = put_esc(p, end, req->user_agent.p, req->user_agent.n);
	else
		*p++ = '-';
	p = put_s(p, "\"\n", 2);
	alog_len = (size_t)(p - alog_buf);
}
