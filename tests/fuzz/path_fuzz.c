/* SPDX-License-Identifier: MIT */
/*
 * path_fuzz.c - libFuzzer target for the path decoder and the resolver of
 * core/file.c: whatever fx_path_decode accepts is normalised (no empty,
 * "." or ".." segment, no control byte, NUL-terminated within cap), and
 * fx_file_get on it answers a file beneath a scratch root or 403/404/500.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "mime.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
put_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		abort();
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* A small tree: files, a directory, a dotfile, a FIFO, links in and out. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char root[] = "/tmp/fenix-path-fuzz.XXXXXX";
	char p[512];

	(void)argc;
	(void)argv;
	fx_log_level = FX_LOG_ERR;
	if (mkdtemp(root) == NULL)
		abort();
	put_file(root, "a.txt", "hello\n");
	put_file(root, ".hidden", "secret\n");
	snprintf(p, sizeof(p), "%s/dir", root);
	(void)mkdir(p, 0755);
	put_file(root, "dir/index.html", "<p>index</p>\n");
	put_file(root, "dir/b.css", "p{}\n");
	snprintf(p, sizeof(p), "%s/fifo", root);
	(void)mkfifo(p, 0644);
	snprintf(p, sizeof(p), "%s/in", root);
	(void)symlink("a.txt", p);
	snprintf(p, sizeof(p), "%s/out", root);
	(void)symlink("/etc", p);
	snprintf(p, sizeof(p), "%s/noperm", root);
	(void)mkdir(p, 0);
	if (fx_file_init(root) == -1)
		abort();
	fx_file_conf.gzip_static = 1;
	fx_file_conf.dirlist = 1;
	return 0;
}

static void
check_normal(const char *out, size_t cap)
{
	size_t n = strlen(out), i;

	if (n >= cap || out[0] != '/')
		abort();
	for (i = 0; i < n; i++) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
		    out[i] == '\\')
			abort();
		if (out[i] != '/')
			continue;
		/* A segment after this '/' is neither empty, "." nor "..". */
		if (out[i + 1] == '/')
			abort();
		if (out[i + 1] == '.' && (out[i + 2] == '/' ||
		    out[i + 2] == '\0'))
			abort();
		if (out[i + 1] == '.' && out[i + 2] == '.' &&
		    (out[i + 3] == '/' || out[i + 3] == '\0'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[FX_PATH_MAX];
	struct fx_file *f;
	char *raw;
	size_t cap;
	int st;

	/* The parser hands over paths that start with '/'. */
	if ((raw = malloc(size + 1)) == NULL)
		return 0;
	raw[0] = '/';
	memcpy(raw + 1, data, size);
	cap = sizeof(out);
	if (size > 0 && data[0] == '~')		/* a small output buffer */
		cap = 1 + size % 40;
	fx_file_clock++;
	if (fx_path_decode(raw, size + 1, out, cap) == 0) {
		check_normal(out, cap);
		(void)fx_path_is_hidden(out);
		if (fx_mime_type(out) == NULL)
			abort();
		st = fx_file_get(out, &f);
		if (st == 0) {
			if (f->kind != FX_FILE_REG && f->kind != FX_FILE_DIR)
				abort();
			fx_file_put(f);
		} else if (st != 403 && st != 404 && st != 500)
			abort();
	}
	free(raw);
	return 0;
}
