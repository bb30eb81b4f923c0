/* SPDX-License-Identifier: MIT */
/*
 * stats_test.c - status_allow parsing and matching, the path settings,
 * and the Prometheus and JSON forms of the counters.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf.h"
#include "stats.h"
#include "test.h"

/* fx_stats_conf of status_allow=val: 0 or -1. */
static int
allow(struct fx_conf *c, const char *val)
{
	const char *why;

	fx_conf_defaults(c);
	return fx_stats_conf(c, "status_allow", val, &why);
}

/* The status fx_stats_answer gives GET /s from addr (v4 or v6 text). */
static int
ask(struct fx_conf *c, const char *addr)
{
	struct fx_http_req req;
	struct fx_resp r;
	unsigned char a[16];
	int family = strchr(addr, ':') != NULL ? 6 : 4, status;
	const char *why;

	CHECK(fx_stats_conf(c, "status_path", "/s", &why) == 0);
	c->status_path = "/s";
	memset(&req, 0, sizeof(req));
	req.method = FX_M_GET;
	req.minor = 1;
	req.path.p = "/s";
	req.path.n = 2;
	memset(&r, 0, sizeof(r));
	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, addr, a) != 1)
		return -1;
	if (fx_stats_answer(c, &r, &req, 1, family, a, FX_CTR_WAITING) != 1)
		return 0;
	status = r.status;
	fx_resp_done(&r);
	return status;
}

int
main(void)
{
	static const char *const bad[] = { "", " , ", "x", "10.0.0.0/33",
	    "::1/129", "1.2.3.4/", "1.2.3.4/x", "1.2.3", "300.1.1.1",
	    "127.0.0.1/-1", "all" };
	struct fx_conf c;
	struct fx_ctr_sum s;
	const char *why;
	char buf[4096];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(allow(&c, bad[i]) == -1, "status_allow=%s", bad[i]);
	CHECK(allow(&c, "127.0.0.1") == 0 && c.nallow == 1);
	CHECK(allow(&c, "10.0.0.0/8, ::1") == 0 && c.nallow == 2);
	for (buf[0] = '\0', i = 0; i < 16; i++)
		strcat(buf, "10.0.0.1, ");
	CHECK(allow(&c, buf) == 0 && c.nallow == 16);
	strcat(buf, "::1");
	CHECK(allow(&c, buf) == -1);
	fx_conf_defaults(&c);
	CHECK(fx_stats_conf(&c, "status_path", "status", &why) == -1);
	CHECK(fx_stats_conf(&c, "metrics_path", "/m", &why) == 0 &&
	    c.metrics_len == 2);
	CHECK(fx_stats_conf(&c, "root", "anything", &why) == 0);

	/* The default: loopback only. */
	fx_conf_defaults(&c);
	CHECK(ask(&c, "127.0.0.1") == 200);
	CHECK(ask(&c, "127.9.9.9") == 200);
	CHECK(ask(&c, "::1") == 200);
	CHECK(ask(&c, "::ffff:127.0.0.1") == 200);
	CHECK(ask(&c, "10.1.2.3") == 403);
	CHECK(ask(&c, "::2") == 403);
	/* Prefixes, a length that is no multiple of 8, v4 in v6. */
	CHECK(allow(&c, "10.16.0.0/12 2001:db8::/33") == 0);
	CHECK(ask(&c, "10.31.255.255") == 200);
	CHECK(ask(&c, "10.32.0.0") == 403);
	CHECK(ask(&c, "::ffff:10.16.0.1") == 200);
	CHECK(ask(&c, "127.0.0.1") == 403);
	CHECK(ask(&c, "2001:db8:7fff::1") == 200);
	CHECK(ask(&c, "2001:db8:8000::1") == 403);
	CHECK(allow(&c, "0.0.0.0/0 ::/0") == 0);
	CHECK(ask(&c, "192.0.2.1") == 200 && ask(&c, "2001:db8::1") == 200);

	memset(&s, 0, sizeof(s));
	s.requests = 7;
	s.status[1] = 5;
	s.status[3] = 2;
	s.gauge[FX_CTR_WRITING] = 1;
	s.ngen = 2;
	s.gen[0] = 3;
	s.gen[1] = 4;
	s.gen_active[1] = 9;
	fx_stats_format(buf, sizeof(buf), &s, 0);
	CHECK(strstr(buf, "# TYPE fenix_http_requests_total counter\n"
	    "fenix_http_requests_total 7\n") != NULL);
	CHECK(strstr(buf, "fenix_http_responses_total{code=\"2xx\"} 5\n")
	    != NULL);
	CHECK(strstr(buf, "fenix_connections{state=\"writing\"} 1\n") != NULL);
	CHECK(strstr(buf, "fenix_generation_connections{generation=\"4\"} "
	    "9\n") != NULL);
	fx_stats_format(buf, sizeof(buf), &s, 1);
	CHECK(buf[0] == '{' && buf[strlen(buf) - 1] == '}');
	CHECK(strstr(buf, "\"http_requests_total\":7,") != NULL);
	CHECK(strstr(buf, "\"http_responses_total\":{\"1xx\":0,\"2xx\":5,")
	    != NULL);
	CHECK(strstr(buf, "\"generation_connections\":{\"3\":0,\"4\":9}}")
	    != NULL);
	CHECK(fx_stats_format(buf, 64, &s, 0) == 64);
	return T_END();
}
