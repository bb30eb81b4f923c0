/* SPDX-License-Identifier: MIT */
/*
 * file.h - the document root: request paths decoded and normalised, then
 * opened beneath the root and never outside it, and a small cache of open
 * files (fd, stat, ETag, Last-Modified, and the bytes of small files)
 * revalidated with one stat at most once a second per file.
 */
#ifndef FX_FILE_H
#define FX_FILE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define FX_PATH_MAX	4096		/* decoded request path */

struct fx_file_conf {
	const char	*root;		/* document root as given */
	int		 root_fd;	/* O_PATH|O_DIRECTORY of root */
	int		 symlinks;	/* follow symlinks out of the root */
	int		 dotfiles;	/* serve dotfiles too */
	int		 dirlist;	/* list directories with no index */
	int		 gzip_static;	/* 1: look for FILE.gz; 2: .br, .zst */
	int		 cache_sec;	/* revalidate cached files this often */
};

enum fx_file_kind { FX_FILE_REG = 1, FX_FILE_DIR };

struct fx_file {
	char		*path;		/* decoded, normalised, "/..." */
	char		*site_hdrs;	/* site.c: its header lines, or NULL */
	size_t		 site_len;
	int		 site_gz;	/* site_hdrs for it as a .gz variant */
	char		*data;		/* whole content if small, else NULL */
	const char	*type;		/* Content-Type */
	size_t		 type_len;	/* strlen(type) */
	long long	 size;
	time_t		 mtime;
	long		 mtime_ns;
	dev_t		 dev;
	ino_t		 ino;
	long long	 checked;	/* fx_file_clock when last stat'd */
	int		 fd;
	int		 kind;		/* enum fx_file_kind */
	int		 refs;		/* fx_file_get minus fx_file_put */
	int		 cached;	/* held by the cache table */
	unsigned	 variants;	/* FX_ENC_BIT of FILE.gz ... beside */
	unsigned	 hash;
	char		 etag[40];	/* "\"mtime-size\"" in hex, as nginx */
	size_t		 etag_len;
	char		 lastmod[32];	/* IMF-fixdate of mtime */
};

extern struct fx_file_conf fx_file_conf;
extern long long fx_file_clock;		/* seconds; set by the caller */

/* Open the root (fills fx_file_conf.root_fd).  0 or -1 with errno. */
int	fx_file_init(const char *root);

/*
 * Percent-decode and normalise raw[0..n) (a request path that starts with
 * '/') into out (cap bytes, NUL-terminated).  Removes "." and empty
 * segments and resolves ".." inside the path; a trailing '/' is kept.
 * Returns 0, or -1 for a bad request: bad escape, NUL, '\', a control
 * byte, invalid or overlong UTF-8, ".." above the root, or too long.
 */
int	fx_path_decode(const char *raw, size_t n, char *out, size_t cap);

/* 1 if path has a segment starting with '.' other than /.well-known. */
int	fx_path_is_hidden(const char *path);

/*
 * Find path (decoded) beneath the root.  On success returns 0 and a
 * referenced file in *out (release it with fx_file_put).  Else returns
 * the HTTP status: 403 (outside the root, not a regular file or
 * directory, permission), 404, or 500.  Never blocks on a FIFO.
 */
int	fx_file_get(const char *path, struct fx_file **out);
void	fx_file_put(struct fx_file *f);

/*
 * Open rel (relative, no leading '/') beneath the directory dirfd whose
 * real path is dir_real, read-only and non-blocking, by the rules of the
 * root: no "..", no symlink out of it unless symlinks is on.  Returns
 * the fd, or -1 with errno (EXDEV: it leads out).
 */
int	fx_file_open_beneath(int dirfd, const char *dir_real, const char *rel);

/* Format t as an IMF-fixdate (29 bytes and a NUL) into buf. */
void	fx_http_date(time_t t, char *buf);

/*
 * Parse an HTTP-date in any of the three formats of RFC 9110 5.6.7
 * (IMF-fixdate, RFC 850 with its year taken as 1970-2069, asctime), the
 * whole of s[0..n).  Returns 0 and *t, or -1.
 */
int	fx_http_date_parse(const char *s, size_t n, time_t *t);

/*
 * An HTML listing of directory path (with its trailing '/') into a
 * malloc'd buffer; returns it and its length in *len, or NULL.
 */
char	*fx_file_dirlist(const char *path, size_t *len);

#endif
