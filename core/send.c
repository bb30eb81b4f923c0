/* SPDX-License-Identifier: MIT */
/*
 * send.c - writing a connection's answer (see send.h): the header and a
 * body from memory in one writev, a file body with sendfile, and the tail
 * that holds a file answer's rest while the client reads, so that the
 * connection's buffer goes back to the pool meanwhile.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "alog.h"
#include "config.h"
#include "conn.h"
#include "counters.h"
#include "send.h"

/*
 * Bytes per sendfile call: the kernel's splice pipe holds 64 KiB, and a
 * longer call loops over it inside one syscall.  Measured on loopback at
 * 3,000 connections with 100 KiB files, 64 KiB calls took the worker's
 * CPU per request from 53 to 24 us (README, "Design notes").
 */
#define SENDFILE_CHUNK	(1 << 16)

/*
 * Begin sending the answer in b->resp.  A connection kept alive gets
 * TCP_NODELAY before its first answer, as nginx does: else Nagle holds the
 * last short segment of an answer (the tail of a 100 KiB file) until the
 * client ACKs the rest, and a client that delays its ACK waits 40 ms.
 * MSG_MORE still merges a header with the file after it.  A connection
 * that closes after its answer needs no option: the close sends all.
 */
void
fx_send_begin(struct fx_conn *c)
{
	int on = 1;

	if (!c->nodelay && !c->b->resp.close) {
		(void)setsockopt(c->ev.fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
		c->nodelay = 1;
	}
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_response(c->b->resp.status);
	c->b->hdr_sent = 0;
	c->b->body_sent = 0;
	c->state = C_SEND;
	fx_timer_arm(&fx_conn_q_send, &c->timer);
}

/*
 * What a write or sendfile that returned n means for c: 1 go on (the
 * bytes counted, the send timer re-armed), 2 try again (EINTR), 0
 * blocked (EAGAIN: wready cleared), -1 failed.  Inlined: it is on every
 * keep-alive answer's path, where a call measured 13 instructions more.
 */
static inline __attribute__((always_inline)) int
wrote(struct fx_conn *c, ssize_t n)
{
	if (n == -1) {
		if (errno == EINTR)
			return 2;
		if (errno != EAGAIN)
			return -1;
		c->wready = 0;
		return 0;
	}
	fx_timer_arm(&fx_conn_q_send, &c->timer);
	fx_conn_turn -= n;
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_me->bytes += (uint64_t)n;
	return 1;
}

/*
 * Send bytes *sent.. of f's [off, off + len) with sendfile, SENDFILE_CHUNK
 * a call.  1 all sent, 0 blocked or out of turn, -1 failed.
 */
int
fx_send_file(struct fx_conn *c, const struct fx_file *f, long long off,
    long long len, long long *sent)
{
	off_t at;
	ssize_t n;

	int r;

	while (*sent < len) {
		if (fx_conn_turn <= 0)
			return 0;	/* still wready: conn_run posts c */
		at = (off_t)(off + *sent);
		n = sendfile(c->ev.fd, f->fd, &at, len - *sent >
		    SENDFILE_CHUNK ? SENDFILE_CHUNK : (size_t)(len - *sent));
		if (n == 0)		/* file shrank under us */
			return -1;
		if ((r = wrote(c, n)) <= 0)
			return r;
		if (r == 1)
			*sent += n;
	}
	return 1;
}

/* Write the answer.  1 done, 0 blocked or out of turn, -1 failed. */
int
fx_send_write(struct fx_conn *c)
{
	struct fx_busy *b = c->b;
	struct fx_resp *r = &b->resp;
	struct iovec iov[2];
	ssize_t n;
	int cnt, w;

	for (;;) {
		cnt = 0;
		if (b->hdr_sent < r->hdr_len) {
			iov[cnt].iov_base = r->hdr + b->hdr_sent;
			iov[cnt++].iov_len = r->hdr_len - b->hdr_sent;
		}
		if (r->mem != NULL && b->body_sent < (long long)r->mem_len) {
			iov[cnt].iov_base = (char *)r->mem + b->body_sent;
			iov[cnt++].iov_len = r->mem_len - (size_t)b->body_sent;
		}
		if (cnt == 0)
			return r->file == NULL || r->mem != NULL ? 1 :
			    fx_send_file(c, r->file, r->off, r->len,
			    &b->body_sent);
		if (fx_conn_turn <= 0)
			return 0;	/* still wready: conn_run posts c */
		if (cnt == 1 && r->mem == NULL && r->file != NULL)
			/* Header now, file next: one segment where it fits. */
			n = send(c->ev.fd, iov[0].iov_base, iov[0].iov_len,
			    MSG_MORE | MSG_NOSIGNAL);
		else
			n = writev(c->ev.fd, iov, cnt);
		if ((w = wrote(c, n)) <= 0)
			return w;
		if (w == 2)
			continue;
		if (b->hdr_sent < r->hdr_len) {
			size_t h = r->hdr_len - b->hdr_sent;

			if ((size_t)n < h) {
				b->hdr_sent += (size_t)n;
				continue;
			}
			b->hdr_sent = r->hdr_len;
			n -= (ssize_t)h;
		}
		b->body_sent += n;
	}
}

/*
 * c's answer is not all out: if all that is left is file
 * bytes and nothing waits behind them (a pipelined request, a body to
 * discard, a close to linger on, all of which need the buffer), move to a
 * tail and give the buffer back.  Without memory for the tail, c keeps it.
 */
void
fx_send_release(struct fx_conn *c)
{
	struct fx_busy *b = c->b;
	struct fx_resp *r = &b->resp;
	struct fx_http_req *q = &b->req;
	const struct fx_str *from[4];
	struct fx_tail *t;
	size_t n = 0;
	char *p;
	int i;

	if (r->file == NULL || r->mem != NULL || r->close || c->body ||
	    b->hdr_sent < r->hdr_len || b->next_req < b->len)
		return;
	from[0] = &q->method_name;
	from[1] = &q->target;
	from[2] = &q->referer;
	from[3] = &q->user_agent;
	if (ENABLE_FEATURE_ACCESS_LOG && fx_alog_on())
		for (i = 0; i < 4; i++)
			n += from[i]->n;
	if ((t = malloc(sizeof(*t) + n)) == NULL)
		return;
	t->file = r->file;
	t->off = r->off;
	t->len = r->len;
	t->sent = b->body_sent;
	t->status = r->status;
	t->minor = q->minor;
	p = (char *)(t + 1);
	for (i = 0; i < 4; i++) {
		t->log[i].p = p;
		if ((t->log[i].n = n > 0 ? from[i]->n : 0) > 0)
			memcpy(p, from[i]->p, t->log[i].n);
		p += t->log[i].n;
	}
	r->file = NULL;			/* the tail's reference now */
	fx_conn_busy_put(b);
	c->b = NULL;
	c->t = t;
	c->state = C_TAIL;
}
