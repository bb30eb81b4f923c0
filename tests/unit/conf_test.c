/* SPDX-License-Identifier: MIT */
/*
 * conf_test.c - settings by name (-o and the config file), listen
 * addresses, the config file.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conf.h"
#include "test.h"

/* Write text to dir/name; the path in path (PATH_MAX). */
static const char *
put(const char *dir, const char *name, const char *text, size_t n,
    char *path)
{
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return NULL;
	fwrite(text, 1, n, f);
	fclose(f);
	return path;
}

/* The config file: "name value" lines, comments, quotes, file:line. */
static void
conf_file(void)
{
	char dir[] = "/tmp/fenix-conf.XXXXXX", path[PATH_MAX], err[512];
	char big[1100];
	static const char good[] =
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "root /srv/www;\n"
	    "\tworkers\t3   # trailing comment\n"
	    "access_log \"/var/log/a b.log\"\n"
	    "listen 127.0.0.1:81\r\n"
	    "listen [::1]:82;\n"
	    "send_timeout 2.5\n"
	    "gzip_static off\n"
	    "body_max 2k";		/* no final newline */
	struct fx_conf c;
	char *over[2];

	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	fx_conf_defaults(&c);
	put(dir, "good.conf", good, sizeof(good) - 1, path);
	CHECKF(fx_conf_file(&c, path, err, sizeof(err)) == 0, "%s", err);
	CHECK(strcmp(c.root, "/srv/www") == 0);
	CHECK(c.workers == 3);
	CHECK(c.access_log != NULL &&
	    strcmp(c.access_log, "/var/log/a b.log") == 0);
	CHECK(c.nlisten == 2 && strcmp(c.listen[0].name, "127.0.0.1:81") == 0 &&
	    strcmp(c.listen[1].name, "[::1]:82") == 0);
	CHECK(c.send_ms == 2500 && c.gzip_static == 0 && c.body_max == 2048);
	fx_conf_free(&c);

	/* The command line wins over the file; the file over defaults. */
	over[0] = "workers=5";
	over[1] = "root=/other";
	CHECKF(fx_conf_load(&c, path, over, 2, err, sizeof(err)) == 0, "%s",
	    err);
	CHECK(c.workers == 5 && strcmp(c.root, "/other") == 0 &&
	    c.send_ms == 2500 && c.nlisten == 2);
	fx_conf_free(&c);
	CHECK(fx_conf_load(&c, path, over + 1, 1, err, sizeof(err)) == 0 &&
	    c.workers == 3);
	fx_conf_free(&c);
	/* No listen anywhere: the default *:PORT. */
	CHECK(fx_conf_load(&c, NULL, NULL, 0, err, sizeof(err)) == 0 &&
	    c.nlisten == 1 && strncmp(c.listen[0].name, "0.0.0.0:", 8) == 0);
	fx_conf_free(&c);
	over[0] = "bogus=1";
	CHECK(fx_conf_load(&c, NULL, over, 1, err, sizeof(err)) == -1 &&
	    strstr(err, "bogus=1") != NULL &&
	    strstr(err, "unknown setting") != NULL);
	fx_conf_free(&c);

	/* Each error names file:line and the reason. */
#define BAD(text, line, reason) do {					\
	fx_conf_defaults(&c);						\
	put(dir, "bad.conf", text, sizeof(text) - 1, path);		\
	CHECKF(fx_conf_file(&c, path, err, sizeof(err)) == -1 &&	\
	    strstr(err, "bad.conf:" line ": ") != NULL &&		\
	    strstr(err, reason) != NULL, "%s", err);			\
	fx_conf_free(&c);						\
} while (0)
	BAD("root /a\nworkers\n", "2", "expected: name value");
	BAD("# x\n\nnosuch 1\n", "3", "unknown setting");
	BAD("root \"/a b\n", "1", "unterminated quote");
	BAD("root \"\n", "1", "unterminated quote");
	BAD("root /a /b\n", "1", "one value per line");
	BAD("workers 3\nworkers many\n", "2", "whole number");
	BAD("listen 1.2.3.4.5:80\n", "1", "IPv4");
	BAD("header_timeout 0\n", "1", "seconds");
#undef BAD
	fx_conf_defaults(&c);
	put(dir, "nul.conf", "root /a\n\0root /b\n", 17, path);
	CHECKF(fx_conf_file(&c, path, err, sizeof(err)) == -1 &&
	    strstr(err, "nul.conf:") != NULL &&
	    strstr(err, "NUL byte") != NULL, "%s", err);
	fx_conf_free(&c);
	memset(big, 'x', sizeof(big) - 2);
	memcpy(big, "root ", 5);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	fx_conf_defaults(&c);
	put(dir, "long.conf", big, sizeof(big) - 1, path);
	CHECKF(fx_conf_file(&c, path, err, sizeof(err)) == -1 &&
	    strstr(err, "long.conf:1: line too long") != NULL, "%s", err);
	fx_conf_free(&c);
	CHECK(fx_conf_file(&c, "/nonexistent/fenix.conf", err,
	    sizeof(err)) == -1 && strstr(err, "/nonexistent/fenix.conf: ") ==
	    err && strstr(err, ENABLE_FEATURE_STRERROR ? "No such file" :
	    "ENOENT") != NULL);
	/* A value of only quotes is empty: refused for a string. */
	fx_conf_defaults(&c);
	put(dir, "empty.conf", "root \"\"\n", 8, path);
	CHECK(fx_conf_file(&c, path, err, sizeof(err)) == -1 &&
	    strstr(err, "needs a value") != NULL);
	fx_conf_free(&c);
	/* Comment only after a value, and a ';' with spaces before it. */
	fx_conf_defaults(&c);
	put(dir, "semi.conf", "root /x ;\nworkers 2;# two\n", 26, path);
	CHECKF(fx_conf_file(&c, path, err, sizeof(err)) == 0 &&
	    strcmp(c.root, "/x") == 0 && c.workers == 2, "%s", err);
	fx_conf_free(&c);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	(void)system(path);
}

/* List settings: words, quotes, append (T_LIST), replace (T_WORDS). */
static void
conf_lists(void)
{
	struct fx_conf c;
	const char *why = NULL;

	if (!ENABLE_FEATURE_HEADERS || !ENABLE_FEATURE_INDEX)
		return;
	fx_conf_defaults(&c);
	CHECK(fx_conf_set(&c, "header",
	    "/a/*  Cache-Control \"public, max-age=60\"", &why) == 0);
	CHECK(c.headers != NULL && c.headers->argc == 3 &&
	    strcmp(c.headers->argv[0], "/a/*") == 0 &&
	    strcmp(c.headers->argv[2], "public, max-age=60") == 0 &&
	    c.headers->argv[3] == NULL);
	CHECK(fx_conf_set(&c, "header", "*.html X-A \"\"", &why) == 0 &&
	    c.headers->next != NULL && c.headers->next->argv[2][0] == '\0');
	CHECK(fx_conf_set(&c, "header", "/x X-A", &why) == -1 &&
	    strcmp(why, "too few values") == 0);
	CHECK(fx_conf_set(&c, "header", "/x X-A b c", &why) == -1 &&
	    strcmp(why, "too many values") == 0);
	CHECK(fx_conf_set(&c, "header", "/x X-A \"b", &why) == -1 &&
	    strcmp(why, "unterminated quote") == 0);
	CHECK(fx_conf_set(&c, "header", "/x X-A \"b\"c", &why) == -1);
	CHECK(fx_conf_set(&c, "header", "/x Content-Length 1", &why) == -1);
	CHECK(fx_conf_set(&c, "header", "x X-A b", &why) == -1);
	CHECK(fx_conf_set(&c, "index", "a.html b.htm", &why) == 0 &&
	    fx_conf_set(&c, "index", "c.html", &why) == 0 &&
	    c.index->argc == 1 && strcmp(c.index->argv[0], "c.html") == 0 &&
	    c.index->next == NULL);
	CHECK(fx_conf_set(&c, "index", "a/b", &why) == -1);
	CHECK(fx_conf_set(&c, "index", "", &why) == -1);
	fx_conf_free(&c);
}

int
main(void)
{
	struct fx_conf c;
	const char *why = NULL;
	size_t i;

	conf_lists();
	fx_conf_defaults(&c);
	CHECK(c.header_ms == 60000 && c.keepalive_ms == 75000 &&
	    c.send_ms == 60000);
	CHECK(fx_conf_set_kv(&c, "header_timeout=1.5", &why) == 0 &&
	    c.header_ms == 1500);
	CHECK(fx_conf_set_kv(&c, "header_timeout=0", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "keepalive_timeout=0", &why) == 0 &&
	    c.keepalive_ms == 0);
	CHECK(fx_conf_set_kv(&c, "send_timeout=abc", &why) == -1 &&
	    why != NULL);
	CHECK(fx_conf_set_kv(&c, "body_max=64k", &why) == 0 &&
	    c.body_max == 65536);
	CHECK(fx_conf_set_kv(&c, "body_max=-1", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "max_conns=0", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "max_conns=100", &why) == 0 &&
	    c.max_conns == 100);
	CHECK(fx_conf_set_kv(&c, "gzip_static=off", &why) == 0 &&
	    c.gzip_static == 0);
	CHECK(fx_conf_set_kv(&c, "gzip_static=maybe", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "root=/srv", &why) == 0 &&
	    strcmp(c.root, "/srv") == 0);
	CHECK(fx_conf_set_kv(&c, "root=", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "nosuch=1", &why) == -1 &&
	    strcmp(why, "unknown setting") == 0);
	CHECK(fx_conf_set_kv(&c, "noequals", &why) == -1);
	CHECK(fx_conf_set_kv(&c, "=1", &why) == -1);

	CHECK(fx_conf_set(&c, "listen", "127.0.0.1:8080", &why) == 0 &&
	    strcmp(c.listen[0].name, "127.0.0.1:8080") == 0);
	CHECK(fx_conf_set(&c, "listen", "[::1]:80", &why) == 0 &&
	    strcmp(c.listen[1].name, "[::1]:80") == 0);
	CHECK(fx_conf_set(&c, "listen", "8081", &why) == 0 &&
	    strcmp(c.listen[2].name, "0.0.0.0:8081") == 0);
	CHECK(fx_conf_set(&c, "listen", "*:0", &why) == 0 &&
	    strcmp(c.listen[3].name, "0.0.0.0:0") == 0);
	CHECK(c.nlisten == 4);
	CHECK(fx_conf_set(&c, "listen", "1.2.3.4.5:80", &why) == -1);
	CHECK(fx_conf_set(&c, "listen", "127.0.0.1:65536", &why) == -1);
	CHECK(fx_conf_set(&c, "listen", "127.0.0.1:", &why) == -1);
	CHECK(fx_conf_set(&c, "listen", "[::1:80", &why) == -1);
	CHECK(fx_conf_set(&c, "listen", "[zz]:80", &why) == -1);
	CHECK(fx_conf_set(&c, "listen", "host:80", &why) == -1);
	CHECK(c.nlisten == 4);

	/* backlog: the kernel's maximum unless set lower. */
	{
		char err[128];
		char *lo[] = { "backlog=100" }, *hi[] = { "backlog=1073741824" };
		char *zero[] = { "backlog=0" };
		int max = fx_listen_somaxconn();

		CHECK(max > 0);
		fx_conf_free(&c);
		CHECK(fx_conf_load(&c, NULL, NULL, 0, err, sizeof(err)) == 0 &&
		    c.backlog == max);
		fx_conf_free(&c);
		CHECK(fx_conf_load(&c, NULL, lo, 1, err, sizeof(err)) == 0 &&
		    c.backlog == (max < 100 ? max : 100));
		fx_conf_free(&c);
		CHECK(fx_conf_load(&c, NULL, hi, 1, err, sizeof(err)) == 0 &&
		    c.backlog == max);
		fx_conf_free(&c);
		CHECK(fx_conf_load(&c, NULL, zero, 1, err, sizeof(err)) == -1);
	}

	/* The keyword table is sorted: bsearch depends on it. */
	T_CASE_BEGIN();
	for (i = 1; fx_conf_keyword(i) != NULL; i++)
		CHECKF(strcmp(fx_conf_keyword(i - 1), fx_conf_keyword(i)) < 0,
		    "%s before %s", fx_conf_keyword(i - 1), fx_conf_keyword(i));
	T_CASE_END();
	fx_conf_free(&c);
	conf_file();
	return T_END();
}
