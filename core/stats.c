/* SPDX-License-Identifier: MIT */
/*
 * stats.c - the status pages (see stats.h).  Each is made from the sums
 * of the counters region at the time of the request, into one malloc'd
 * buffer: no file, no disk.  The stub_status page is nginx's byte for
 * byte (its trailing spaces too), so that its parsers read ours.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "fmt.h"
#include "stats.h"
#include "util.h"

#define PAGE_MAX	8192

static const unsigned char mapped4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

/* One "ADDR[/BITS]" of status_allow into *a.  0 or -1. */
static int
cidr_parse(const char *s, size_t n, struct fx_cidr *a)
{
	char buf[64];
	const char *slash;
	long long bits;
	int max;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		buf[slash - buf] = '\0';
	memset(a, 0, sizeof(*a));
	if (fx_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = 6;
		max = 128;
	} else if (fx_pton(AF_INET, buf, a->addr) == 1) {
		a->family = 4;
		max = 32;
	} else
		return -1;
	if (slash == NULL)
		bits = max;
	else if (fx_parse_num(slash + 1, 0, max, &bits) == -1)
		return -1;
	a->bits = (unsigned char)bits;
	return 0;
}

static int
allow_parse(struct fx_conf *c, const char *val, const char **why)
{
	size_t n;

	c->nallow = 0;
	for (; *val != '\0'; val += n) {
		if ((n = strcspn(val, ", ")) == 0) {
			n = 1;
			continue;
		}
		if (c->nallow == FX_ALLOW_MAX ||
		    cidr_parse(val, n, &c->allow[c->nallow++]) == -1) {
			*why = "needs up to 16 addresses or CIDR blocks";
			return -1;
		}
	}
	if (c->nallow == 0) {
		*why = "needs an address";
		return -1;
	}
	return 0;
}

int
fx_stats_conf(struct fx_conf *c, const char *key, const char *val,
    const char **why)
{
	if (strcmp(key, "status_allow") == 0)
		return allow_parse(c, val, why);
	if (strcmp(key, "status_path") != 0 &&
	    strcmp(key, "metrics_path") != 0)
		return 0;
	if (val[0] != '/') {
		*why = "needs a path that starts with /";
		return -1;
	}
	/* Set with the path: fx_stats_page compares the lengths first. */
	*(key[0] == 's' ? &c->status_len : &c->metrics_len) = strlen(val);
	return 0;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != b[i])
			return 0;
	return bits == 0 || ((a[i] ^ b[i]) & (0xff00 >> bits)) == 0;
}

/* Is the client in status_allow (by default: loopback)? */
static int
allowed(const struct fx_conf *c, int family, const unsigned char *addr)
{
	int i;

	if (family != 6)
		family = 4;
	else if (memcmp(addr, mapped4, 12) == 0) {
		family = 4;
		addr += 12;
	}
	if (c->nallow == 0)
		return family == 4 ? addr[0] == 127 :
		    memcmp(addr, in6addr_loopback.s6_addr, 16) == 0;
	for (i = 0; i < c->nallow; i++)
		if (c->allow[i].family == family &&
		    prefix_eq(c->allow[i].addr, addr, c->allow[i].bits))
			return 1;
	return 0;
}

static int
path_is(const char *want, size_t len, const struct fx_str *path)
{
	return len == path->n && want != NULL &&
	    memcmp(want, path->p, len) == 0;
}

/* nginx's stub_status page, byte for byte. */
static size_t
stub_page(char *p, const struct fx_ctr_sum *s)
{
	return (size_t)fx_snprintf(p, PAGE_MAX,
	    "Active connections: %lld \n"
	    "server accepts handled requests\n"
	    " %llu %llu %llu \n"
	    "Reading: %lld Writing: %lld Waiting: %lld \n",
	    s->active, (unsigned long long)s->accepts,
	    (unsigned long long)s->handled, (unsigned long long)s->requests,
	    s->gauge[FX_CTR_READING], s->gauge[FX_CTR_WRITING],
	    s->gauge[FX_CTR_WAITING]);
}

enum { L_NONE, L_CODE, L_STATE, L_GEN };

#define AT(f)	(offsetof(struct fx_ctr_sum, f) / 8)

/* The Prometheus page: one entry per metric, its values in the sums. */
static const struct metric {
	const char	*name;		/* after "fenix_" */
	const char	*help;
	unsigned char	 gauge;		/* else a counter */
	unsigned char	 at;		/* first value, in 64-bit words */
	unsigned char	 n;		/* values (one per label) */
	unsigned char	 label;		/* L_* */
} metrics[] = {
	{ "connections_accepted_total", "Connections accepted.", 0,
	    AT(accepts), 1, L_NONE },
	{ "connections_handled_total", "Connections handled.", 0,
	    AT(handled), 1, L_NONE },
	{ "http_requests_total", "Requests.", 0, AT(requests), 1, L_NONE },
	{ "http_responses_total", "Responses by status class.", 0,
	    AT(status), 5, L_CODE },
	{ "http_sent_bytes_total", "Bytes sent.", 0, AT(bytes), 1, L_NONE },
	{ "upgrades_total", "Upgrades completed.", 0, AT(upgrades), 1,
	    L_NONE },
	{ "upgrade_rollbacks_total", "Upgrades rolled back.", 0,
	    AT(rollbacks), 1, L_NONE },
	{ "reloads_total", "Reloads (HUP).", 0, AT(reloads), 1, L_NONE },
	{ "worker_restarts_total", "Workers respawned after dying.", 0,
	    AT(restarts), 1, L_NONE },
	{ "connections_active", "Connections open.", 1, AT(active), 1,
	    L_NONE },
	{ "connections", "Connections open by state.", 1, AT(gauge),
	    FX_CTR_NGAUGE, L_STATE },
	{ "generation", "The current master's generation.", 1,
	    AT(generation), 1, L_NONE },
	{ "generation_connections", "Connections open by generation.", 1,
	    AT(gen_active), FX_CTR_NGEN, L_GEN },
};

#define ROOM	(size_t)(end - p)
#define LINE_MAX 200		/* the longest HELP, TYPE or value line */

size_t
fx_stats_format(char *buf, size_t len, const struct fx_ctr_sum *s, int json)
{
	static const char *const lname[] = { "", "code", "state",
	    "generation" };
	static const char *const state[] = { "waiting", "reading",
	    "writing" };
	const long long *v = (const long long *)(const void *)s;
	const struct metric *m;
	char *p = buf, *end = buf + len, lbl[24];
	int i, n;

	for (m = metrics; m < metrics + FX_NELEM(metrics); m++) {
		if (ROOM < 2 * LINE_MAX)
			return len;
		if (json)
			p += fx_snprintf(p, ROOM, "%s\"%s\":%s",
			    m == metrics ? "{" : ",", m->name,
			    m->label ? "{" : "");
		else
			p += fx_snprintf(p, ROOM, "# HELP fenix_%s %s\n"
			    "# TYPE fenix_%s %s\n", m->name, m->help, m->name,
			    m->gauge ? "gauge" : "counter");
		n = m->label == L_GEN ? (int)s->ngen : m->n;
		for (i = 0; i < n; i++) {
			if (ROOM < LINE_MAX)
				return len;
			if (m->label == L_CODE)
				fx_snprintf(lbl, sizeof(lbl), "%dxx", i + 1);
			else if (m->label == L_GEN)
				fx_snprintf(lbl, sizeof(lbl), "%lld",
				    s->gen[i]);
			else
				fx_snprintf(lbl, sizeof(lbl), "%s",
				    state[i]);
			if (json && m->label)
				p += fx_snprintf(p, ROOM, "%s\"%s\":",
				    i ? "," : "", lbl);
			else if (!json)
				p += fx_snprintf(p, ROOM, m->label ?
				    "fenix_%s{%s=\"%s\"} " : "fenix_%s ",
				    m->name, lname[m->label], lbl);
			p += fx_snprintf(p, ROOM, "%lld%s", v[m->at + i],
			    json ? "" : "\n");
		}
		if (json && m->label)
			p += fx_snprintf(p, ROOM, "}");
	}
	if (ROOM < 2)
		return len;
	if (json)
		p += fx_snprintf(p, ROOM, "}");
	return (size_t)(p - buf);
}

int
fx_stats_answer(const struct fx_conf *c, struct fx_resp *r,
    const struct fx_http_req *req, int keep, int family,
    const unsigned char *addr, int self)
{
	struct fx_ctr_sum s;
	const char *type;
	char *buf;
	size_t n;
	int metrics, head_only = req->method == FX_M_HEAD;

	if (path_is(c->status_path, c->status_len, &req->path))
		metrics = 0;
	else if (path_is(c->metrics_path, c->metrics_len, &req->path))
		metrics = 1;
	else
		return 0;
	if (req->method != FX_M_GET && !head_only)
		return 0;	/* fx_resp_build: 405 with Allow */
	if (!allowed(c, family, addr)) {
		fx_resp_error(r, 403, !keep || req->minor == 0, head_only);
		return 1;
	}
	if ((buf = malloc(PAGE_MAX)) == NULL) {
		fx_resp_error(r, 500, 1, head_only);
		return 1;
	}
	fx_ctr_read(&s);
	/* This request counts already, being written, as in nginx. */
	s.requests++;
	if (s.gauge[self] > 0)
		s.gauge[self]--;
	s.gauge[FX_CTR_WRITING]++;
	if (metrics) {
		n = fx_stats_format(buf, PAGE_MAX, &s, 0);
		type = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		n = stub_page(buf, &s);
		type = "text/plain";
	}
	r->status = 200;
	r->close = !keep;
	r->file = NULL;
	r->off = r->len = 0;
	r->owned = buf;
	r->mem = head_only ? NULL : buf;
	r->mem_len = head_only ? 0 : n;
	r->hdr_len = (size_t)fx_snprintf(r->hdr, sizeof(r->hdr),
	    "HTTP/1.1 200 OK\r\nServer: fenix\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
	    fx_resp_date, type, n,
	    !keep ? "Connection: close\r\n" : req->minor == 0 ?
	    "Connection: keep-alive\r\n" : "");
	return 1;
}
