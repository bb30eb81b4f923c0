/* SPDX-License-Identifier: MIT */
/*
 * conf_test.c - settings by name (-o and the config file), listen
 * addresses.
 */
#include <string.h>

#include "conf.h"
#include "test.h"

int
main(void)
{
	struct fx_conf c;
	const char *why = NULL;
	size_t i;

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
	return T_END();
}
