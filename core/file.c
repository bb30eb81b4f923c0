/* SPDX-License-Identifier: MIT */
/*
 * file.c - request paths onto the document root (see file.h).  Files are
 * opened with openat2(RESOLVE_BENEATH), so that neither ".." nor a
 * symlink leads out of the root; kernels without openat2 get the same
 * check from /proc/self/fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "config.h"
#include "file.h"
#include "mime.h"
#include "precomp.h"
#include "util.h"

#define FILE_SLOTS	64		/* cache table size, a power of two */
#define FILE_DATA_MAX	16384		/* files up to this kept in memory */

/* The kernel's struct open_how (linux/openat2.h), not in musl. */
struct open_how_k {
	uint64_t	flags;
	uint64_t	mode;
	uint64_t	resolve;
};
#define RESOLVE_NO_MAGICLINKS_K	0x02
#define RESOLVE_BENEATH_K	0x08

struct fx_file_conf fx_file_conf = { .root_fd = -1, .cache_sec = 1 };
long long fx_file_clock;

static struct fx_file *file_table[FILE_SLOTS];
static char root_real[PATH_MAX];
static int have_openat2 = 1;

int
fx_file_init(const char *root)
{
	char link[64];
	ssize_t n;
	int fd;

	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	/* The root's real path, for the check of open_checked. */
	fx_snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, root_real, sizeof(root_real) - 1)) == -1) {
		close(fd);
		return -1;
	}
	root_real[n] = '\0';
	if (fx_file_conf.root_fd != -1)
		close(fx_file_conf.root_fd);
	fx_file_conf.root = root;
	fx_file_conf.root_fd = fd;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	unsigned c, lo, hi;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if (n - i <= k)
			return 0;	/* truncated */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (i += 2; --k > 0; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
	}
	return 1;
}

int
fx_path_decode(const char *raw, size_t n, char *out, size_t cap)
{
	size_t i, o = 0, seg = 0;
	int c, h, l, named = 0;

	if (n == 0 || raw[0] != '/' || cap < 2)
		return -1;
	for (i = 0; i <= n; i++) {
		if (i == n)
			c = '/';	/* ends the last segment */
		else if ((c = (unsigned char)raw[i]) == '%') {
			if (i + 2 >= n)
				return -1;
			h = hexval(raw[i + 1]);
			l = hexval(raw[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h << 4 | l;
			i += 2;
			if (c == '/')	/* %2F is a name byte,
			    not a separator */
				return -1;
		}
		if (c == '\0' || c == '\\' || c < 0x20 || c == 0x7f)
			return -1;
		if (c != '/') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
			continue;
		}
		/* End of the segment out[seg..o). */
		if (i == 0) {
			out[o++] = '/';
			seg = o;
			continue;
		}
		named = 0;
		if (o - seg == 1 && out[seg] == '.')
			o = seg;
		else if (o - seg == 2 && out[seg] == '.' &&
		    out[seg + 1] == '.') {
			if (seg <= 1)
				return -1;	/* above the root */
			o = seg - 1;
			while (o > 0 && out[o - 1] != '/')
				o--;
		} else if (o > seg) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '/';
			named = 1;
		}
		seg = o;
	}
	/*
	 * The last segment was a name: drop the '/' that ended it.  After
	 * "/", "." or ".." the path names a directory and keeps its '/'.
	 */
	if (named)
		o--;
	out[o] = '\0';
	return utf8_valid((unsigned char *)out, o) ? 0 : -1;
}

int
fx_path_is_hidden(const char *path)
{
	const char *p;

	/* A byte loop: paths are short, and strchr's setup costs more. */
	for (p = path; *p != '\0'; p++) {
		if (p[0] != '/' || p[1] != '.')
			continue;
		if (p == path && strncmp(p, "/.well-known", 12) == 0 &&
		    (p[12] == '/' || p[12] == '\0'))
			continue;	/* and "/.well-known" gets its 301 */
		return 1;
	}
	return 0;
}

static const char wdays[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

void
fx_http_date(time_t t, char *buf)
{
	struct tm tm;

	int y;

	fx_gmtime(t, &tm);
	y = tm.tm_year + 1900;
	if (y < 0 || y > 9999)
		y = 9999;
	memcpy(buf, wdays[tm.tm_wday % 7], 3);
	memcpy(buf + 3, ", 00 ", 5);
	buf[5] = (char)('0' + tm.tm_mday / 10);
	buf[6] = (char)('0' + tm.tm_mday % 10);
	memcpy(buf + 8, months[tm.tm_mon % 12], 3);
	buf[11] = ' ';
	buf[12] = (char)('0' + y / 1000);
	buf[13] = (char)('0' + y / 100 % 10);
	buf[14] = (char)('0' + y / 10 % 10);
	buf[15] = (char)('0' + y % 10);
	memcpy(buf + 16, " 00:00:00 GMT", 14);
	buf[17] = (char)('0' + tm.tm_hour / 10);
	buf[18] = (char)('0' + tm.tm_hour % 10);
	buf[20] = (char)('0' + tm.tm_min / 10);
	buf[21] = (char)('0' + tm.tm_min % 10);
	buf[23] = (char)('0' + tm.tm_sec / 10);
	buf[24] = (char)('0' + tm.tm_sec % 10);
}

/*
 * Match s[0..n) with a template: 'D' a digit, '_' a digit or a space,
 * '@' the first of a month's three letters, other bytes themselves.
 * The numbers go to v[] in order, a month as its index.  Returns how
 * many, or -1.
 */
static int
date_scan(const char *s, size_t n, const char *tpl, int *v)
{
	size_t i;
	int k = 0, m;

	if (n != strlen(tpl))
		return -1;
	for (i = 0; i < n; i++) {
		if (tpl[i] == '@') {
			for (m = 0; m < 12; m++)
				if (memcmp(s + i, months[m], 3) == 0)
					break;
			if (m == 12)
				return -1;
			v[k++] = m;
			i += 2;
		} else if (tpl[i] == 'D' || tpl[i] == '_') {
			if (i == 0 || (tpl[i - 1] != 'D' && tpl[i - 1] != '_'))
				v[k++] = 0;
			if (tpl[i] == '_' && s[i] == ' ')
				continue;
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v[k - 1] = v[k - 1] * 10 + s[i] - '0';
		} else if (s[i] != tpl[i])
			return -1;
	}
	return k;
}

int
fx_http_date_parse(const char *s, size_t n, time_t *t)
{
	struct tm tm;
	size_t w;
	int v[6], y;

	/* The day name: checked for letters only, as nginx does. */
	for (w = 0; w < n && ((s[w] | 0x20) >= 'a' && (s[w] | 0x20) <= 'z');
	    w++)
		;
	memset(&tm, 0, sizeof(tm));
	if (w == 3 && date_scan(s + 3, n - 3, ", DD @   DDDD DD:DD:DD GMT",
	    v) == 6) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		tm.tm_mday = v[0], tm.tm_mon = v[1], y = v[2];
	} else if (w >= 6 && w <= 9 && date_scan(s + w, n - w,
	    ", DD-@  -DD DD:DD:DD GMT", v) == 6) {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT", 1970-2069 */
		tm.tm_mday = v[0], tm.tm_mon = v[1];
		y = v[2] + (v[2] < 70 ? 2000 : 1900);
	} else if (w == 3 && date_scan(s + 3, n - 3,
	    " @   _D DD:DD:DD DDDD", v) == 6) {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		tm.tm_mon = v[0], tm.tm_mday = v[1], y = v[5];
		memmove(v + 3, v + 2, 3 * sizeof(v[0]));
	} else
		return -1;
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	*t = (time_t)fx_timegm(&tm);
	return 0;
}

static unsigned
hash_path(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void
file_free(struct fx_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	free(f->data);
	free(f->site_hdrs);
	free(f);
}

void
fx_file_put(struct fx_file *f)
{
	if (--f->refs == 0 && !f->cached)
		file_free(f);
}

/* Take f out of the table; it is freed when its last user lets go. */
static void
uncache(unsigned slot)
{
	struct fx_file *f = file_table[slot];

	file_table[slot] = NULL;
	f->cached = 0;
	if (f->refs == 0)
		file_free(f);
}

/* Map errno of an open beneath the root to an HTTP status. */
static int
open_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:		/* RESOLVE_BENEATH: leaves the root */
	case ELOOP:
		return 403;
	default:
		return 500;
	}
}

/* The old-kernel path: open, then make sure the file is inside dir. */
static int
open_checked(int dirfd, const char *dir_real, const char *rel, int flags)
{
	char link[64], real[PATH_MAX];
	size_t rn = strlen(dir_real);
	ssize_t n;
	int fd;

	fd = openat(dirfd, rel, flags);
	if (fd == -1 || fx_file_conf.symlinks)
		return fd;
	fx_snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n == -1) {
		close(fd);
		return -1;
	}
	real[n] = '\0';
	if (strncmp(real, dir_real, rn) != 0 ||
	    (real[rn] != '/' && real[rn] != '\0' &&
	    !(rn == 1 && dir_real[0] == '/'))) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

int
fx_file_open_beneath(int dirfd, const char *dir_real, const char *rel)
{
	struct open_how_k how;
	int fd, flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

	if (fx_file_conf.symlinks || !have_openat2)
		return open_checked(dirfd, dir_real, rel, flags);
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve = RESOLVE_BENEATH_K | RESOLVE_NO_MAGICLINKS_K;
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd == -1 && errno == ENOSYS) {
		have_openat2 = 0;
		return open_checked(dirfd, dir_real, rel, flags);
	}
	/*
	 * RESOLVE_BENEATH refuses every absolute symlink, even one that
	 * points inside the root: judge those by where they end up.
	 */
	if (fd == -1 && errno == EXDEV)
		return open_checked(dirfd, dir_real, rel, flags);
	return fd;
}

static int
same_file(const struct fx_file *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino &&
	    f->size == (long long)st->st_size &&
	    f->mtime == st->st_mtim.tv_sec &&
	    f->mtime_ns == st->st_mtim.tv_nsec;
}

/* gzip_static, precompressed: the regular FILE.gz ... beside f. */
static unsigned
variants(const struct fx_file *f)
{
	char rel[FX_PATH_MAX + 8];
	struct stat st;
	unsigned v = 0;
	int i;

	if (!ENABLE_FEATURE_GZIP_STATIC || f->kind != FX_FILE_REG)
		return 0;
	for (i = FX_ENC_GZIP; i <= (ENABLE_FEATURE_PRECOMPRESSED ? FX_ENC_ZSTD :
	    FX_ENC_GZIP); i++) {
		if (!(fx_file_conf.gzip_static & (i == FX_ENC_GZIP ? 1 : 2)))
			continue;
		fx_snprintf(rel, sizeof(rel), "%s%s", f->path + 1,
		    fx_enc_ext[i]);
		if (fstatat(fx_file_conf.root_fd, rel, &st, 0) == 0 &&
		    S_ISREG(st.st_mode))
			v |= FX_ENC_BIT(i);
	}
	return v;
}

/* Open path and fill a new, unreferenced file; NULL and *status. */
static struct fx_file *
file_open(const char *path, int *status)
{
	struct fx_file *f;
	struct stat st;
	const char *rel = path[1] != '\0' ? path + 1 : ".";
	size_t plen = strlen(path);
	ssize_t n;
	int fd;

	if ((fd = fx_file_open_beneath(fx_file_conf.root_fd, root_real,
	    rel)) == -1) {
		*status = open_status(errno);
		return NULL;
	}
	if (fstat(fd, &st) == -1 ||
	    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) ||
	    (f = calloc(1, sizeof(*f) + plen + 1)) == NULL) {
		*status = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? 500 :
		    403;
		close(fd);
		return NULL;
	}
	f->path = (char *)(f + 1);
	memcpy(f->path, path, plen + 1);
	f->fd = fd;
	f->kind = S_ISDIR(st.st_mode) ? FX_FILE_DIR : FX_FILE_REG;
	f->size = st.st_size;
	f->mtime = st.st_mtim.tv_sec;
	f->mtime_ns = st.st_mtim.tv_nsec;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->checked = fx_file_clock;
	f->type = fx_mime_type(path);
	f->type_len = strlen(f->type);
	if (ENABLE_FEATURE_PRECOMPRESSED)	/* "mtime-size.br" */
		fx_snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx%s\"",
		    (unsigned long long)f->mtime, (unsigned long long)f->size,
		    fx_enc_etag(path));
	else
		fx_snprintf(f->etag, sizeof(f->etag), "\"%llx-%llx\"",
		    (unsigned long long)f->mtime, (unsigned long long)f->size);
	f->etag_len = strlen(f->etag);
	fx_http_date(f->mtime, f->lastmod);
	if (f->kind == FX_FILE_REG && f->size <= FILE_DATA_MAX &&
	    (f->data = malloc(f->size ? f->size : 1)) != NULL) {
		n = pread(fd, f->data, f->size, 0);
		if (n != f->size) {	/* changed under us: serve from fd */
			free(f->data);
			f->data = NULL;
		}
	}
	f->variants = variants(f);
	return f;
}

/* Still the same file on disk?  One stat, at most once per cache_sec. */
static int
file_fresh(struct fx_file *f)
{
	struct stat st;

	if (fx_file_clock - f->checked < fx_file_conf.cache_sec)
		return 1;
	if (fstatat(fx_file_conf.root_fd, f->path[1] ? f->path + 1 : ".",
	    &st, 0) == -1 || !same_file(f, &st))
		return 0;
	f->variants = variants(f);
	f->checked = fx_file_clock;
	return 1;
}

int
fx_file_get(const char *path, struct fx_file **out)
{
	struct fx_file *f;
	unsigned h = hash_path(path), slot = h & (FILE_SLOTS - 1);
	int status;

	f = file_table[slot];
	if (f != NULL && f->hash == h && strcmp(f->path, path) == 0) {
		if (file_fresh(f)) {
			f->refs++;
			*out = f;
			return 0;
		}
		uncache(slot);
	}
	if ((f = file_open(path, &status)) == NULL)
		return status;
	f->hash = h;
	f->refs = 1;
	if (file_table[slot] != NULL)
		uncache(slot);
	file_table[slot] = f;
	f->cached = 1;
	*out = f;
	return 0;
}

/* Shell sort (Ciura's gaps): qsort would add 2 KiB to the binary. */
static void
sort_names(char **v, size_t n)
{
	static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	size_t g, i, j, k;
	char *t;

	for (k = 0; k < sizeof(gaps) / sizeof(gaps[0]); k++) {
		g = gaps[k];
		for (i = g; i < n; i++) {
			t = v[i];
			for (j = i; j >= g && strcmp(v[j - g], t) > 0; j -= g)
				v[j] = v[j - g];
			v[j] = t;
		}
	}
}

#define EMIT_RAW	0
#define EMIT_HTML	1		/* escape <>&"' */
#define EMIT_URL	2		/* percent-encode all but unreserved */

/* Append s to the growing buffer, escaped as esc says.  0 or -1. */
static int
emit(char **buf, size_t *len, size_t *cap, const char *s, int esc)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *r;
	char pct[4];
	size_t n;
	char *nb;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (esc == EMIT_URL && !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/')) {
			pct[0] = '%';
			pct[1] = hex[c >> 4];
			pct[2] = hex[c & 15];
			pct[3] = '\0';
			r = pct;
		} else switch (esc == EMIT_HTML ? c : 0) {
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '&': r = "&amp;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		default: r = NULL; break;
		}
		n = r != NULL ? strlen(r) : 1;
		if (*len + n + 1 > *cap) {
			*cap = *cap * 2 + n + 256;
			if ((nb = realloc(*buf, *cap)) == NULL)
				return -1;
			*buf = nb;
		}
		memcpy(*buf + *len, r != NULL ? r : s, n);
		*len += n;
	}
	return 0;
}

char *
fx_file_dirlist(const char *path, size_t *len)
{
	struct dirent *de;
	DIR *d;
	char **names = NULL, **nn, *buf = NULL;
	size_t i, n = 0, cap = 0, bcap = 0;
	int fd, bad = 0;

	fd = fx_file_open_beneath(fx_file_conf.root_fd, root_real,
	    path[1] != '\0' ? path + 1 : ".");
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && !fx_file_conf.dotfiles)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name,
		    "..") == 0)
			continue;
		if (n == cap) {
			cap = cap * 2 + 32;
			if ((nn = realloc(names,
			    cap * sizeof(*names))) == NULL) {
				bad = 1;
				break;
			}
			names = nn;
		}
		i = strlen(de->d_name);
		if ((names[n] = malloc(i + 2)) == NULL) {
			bad = 1;
			break;
		}
		memcpy(names[n], de->d_name, i);
		names[n][i] = de->d_type == DT_DIR ? '/' : '\0';
		names[n][i + 1] = '\0';
		n++;
	}
	closedir(d);
	sort_names(names, n);
	*len = 0;
	bad |= emit(&buf, len, &bcap, "<!DOCTYPE html>\n<html><head><title>"
	    "Index of ", 0) | emit(&buf, len, &bcap, path, 1) |
	    emit(&buf, len, &bcap, "</title></head>\n<body><h1>Index of ", 0) |
	    emit(&buf, len, &bcap, path, 1) |
	    emit(&buf, len, &bcap, "</h1><hr><pre>\n<a href=\"../\">../</a>\n",
	    0);
	for (i = 0; i < n; i++) {
		bad |= emit(&buf, len, &bcap, "<a href=\"", 0) |
		    emit(&buf, len, &bcap, names[i], EMIT_URL) |
		    emit(&buf, len, &bcap, "\">", 0) |
		    emit(&buf, len, &bcap, names[i], 1) |
		    emit(&buf, len, &bcap, "</a>\n", 0);
		free(names[i]);
	}
	free(names);
	bad |= emit(&buf, len, &bcap, "</pre><hr></body></html>\n", 0);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}
