/* SPDX-License-Identifier: MIT */
/*
 * conn.c - a worker's connections (see conn.h).  Sockets are registered
 * once, edge-triggered for input and output; rready and wready remember
 * what epoll said until a short read or an EAGAIN says otherwise, so a
 * keep-alive request costs one read and one write.
 *
 * An idle keep-alive connection holds only its struct fx_conn: the buffer,
 * the parsed request and the response (struct fx_busy) are taken when
 * bytes arrive and given back when the connection goes idle again.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "cgi.h"
#include "config.h"
#include "conn.h"
#include "counters.h"
#include "psock.h"
#include "ev.h"
#include "body.h"
#include "http.h"
#include "log.h"
#include "resp.h"
#include "send.h"
#include "stats.h"

#define BUSY_POOL_MAX	64		/* fx_busy kept for reuse */
#define LINGER_MS	5000		/* nginx's lingering_timeout */
#define ACCEPT_RETRY_MS	100		/* after EMFILE/ENFILE */
#define TURN_BYTES	(1 << 18)	/* a connection's share of a turn */
#define ACCEPT_BATCH	256		/* accepts per listener wakeup */
#define FD_SPARE	16		/* fds kept for files, past idle ones */

/*
 * Which timer a connection waiting for a head runs: keep-alive until a
 * byte of a request (not of an empty line) comes, then header_timeout.
 * A new connection runs header_timeout from the accept on.
 */
enum { H_IDLE, H_STARTED, H_NEW };

struct lsn {
	struct fx_ev		 ev;
	int			 on;		/* registered with epoll */
};

static const struct fx_conf *conf;
static struct lsn lsns[FX_LISTEN_MAX + 1];	/* + the probe socket */
static int nlsns;
static struct fx_conn conns = { .prev = &conns, .next = &conns };
static struct fx_conn idles = { .iprev = &idles, .inext = &idles };
static int nconns;
static int draining;
static struct fx_busy *pool;
static int npool;
static struct fx_timerq q_header, q_keepalive, q_linger, q_grace;
struct fx_timerq fx_conn_q_send;
static struct fx_timerq q_accept, q_flush, q_reap;
static struct fx_timer t_accept, t_flush, t_reap;
static struct fx_conn *dead;		/* reused, to free after the batch */
static int fd_high = -1;		/* a connection fd past this: reuse */
long fx_conn_turn;
static unsigned char cgi_on;		/* conf has a cgi prefix */

static int conn_run(struct fx_conn *);

/* The stub_status gauge of each state: a lingering close is waiting. */
static const unsigned char gauge_of[] = { FX_CTR_WAITING, FX_CTR_READING,
    FX_CTR_WRITING, FX_CTR_WRITING, FX_CTR_WAITING, FX_CTR_WRITING };

/*
 * A connection that waits for an event is counted in the gauge of its
 * state; a request answered in one go leaves it waiting and costs no
 * update.
 */
static void
conn_park(struct fx_conn *c)
{
	int g = gauge_of[c->state];

	if (g != c->gauge) {
		fx_ctr_move(c->gauge, g);
		c->gauge = (unsigned char)g;
	}
}

static int conn_next(struct fx_conn *);

static struct fx_busy *
busy_get(void)
{
	struct fx_busy *b;

	if ((b = pool) != NULL) {
		pool = b->next;
		npool--;
	} else if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	else
		b->fresh = 0;
	b->len = b->pos = 0;
	/*
	 * A keep-alive connection inits its next request before it finds
	 * nothing to read and goes idle: that buffer comes back fresh.
	 */
	if (!b->fresh)
		fx_http_init(&b->req);
	b->resp.file = NULL;
	b->resp.owned = NULL;
	return b;
}

void
fx_conn_busy_put(struct fx_busy *b)
{
	fx_resp_done(&b->resp);
	if (npool < BUSY_POOL_MAX) {
		b->next = pool;
		pool = b;
		npool++;
	} else
		free(b);
}

static void
listeners_enable(int on)
{
	int i;

	for (i = 0; i < nlsns; i++) {
		if (lsns[i].on == on || lsns[i].ev.fd == -1)
			continue;
		if ((on ? fx_ev_add(&lsns[i].ev, EPOLLIN | EPOLLEXCLUSIVE) :
		    fx_ev_del(&lsns[i].ev)) == -1)
			fx_log_warn("epoll_ctl listener");
		else
			lsns[i].on = on;
	}
}

/*
 * Idle connections (keep-alive, or new and silent) are reusable: when the
 * worker runs out of connections or fds, the oldest of them is closed for
 * a new one, as nginx does.
 */
static void
idle_enter(struct fx_conn *c)
{
	c->iprev = idles.iprev;
	c->inext = &idles;
	idles.iprev->inext = c;
	idles.iprev = c;
	/* Accepting stopped at max_conns: this one can make room. */
	if (nconns >= conf->max_conns && !draining &&
	    !fx_timer_armed(&t_accept))
		listeners_enable(1);
}

static void
idle_leave(struct fx_conn *c)
{
	if (c->inext == NULL)
		return;
	c->iprev->inext = c->inext;
	c->inext->iprev = c->iprev;
	c->iprev = c->inext = NULL;
}

/* Events already taken for a reused connection: nothing to do. */
static void
dead_ev(struct fx_ev *ev, uint32_t events)
{
	(void)ev;
	(void)events;
}

/* After the batch of events: free the reused connections. */
static void
reap(struct fx_timer *t)
{
	struct fx_conn *c;

	(void)t;
	while ((c = dead) != NULL) {
		dead = c->next;
		free(c);
	}
}

static void conn_unlink(struct fx_conn *);

/*
 * Close the oldest idle connection.  0, or -1 if there is none.  Its
 * struct lives on until the batch of events is done, as one of them may
 * be for it.
 */
static int
conn_reuse(void)
{
	struct fx_conn *c = idles.inext;

	if (c == &idles)
		return -1;
	conn_unlink(c);
	c->ev.fn = dead_ev;
	c->next = dead;
	dead = c;
	if (!fx_timer_armed(&t_reap))
		fx_timer_arm(&q_reap, &t_reap);
	return 0;
}

static void
conn_close(struct fx_conn *c)
{
	conn_unlink(c);
	free(c);
}

/* Close c and take it out of every list; the caller frees it. */
static void
conn_unlink(struct fx_conn *c)
{
	fx_timer_cancel(&c->timer);
	fx_ev_unpost(&c->ev);
	idle_leave(c);
	if (c->b != NULL)
		fx_conn_busy_put(c->b);
	if (c->t != NULL) {
		fx_file_put(c->t->file);
		free(c->t);
	}
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_me->gauge[c->gauge]--;
	close(c->ev.fd);	/* also takes it out of epoll */
	c->prev->next = c->next;
	c->next->prev = c->prev;
	if (nconns-- == conf->max_conns && !draining &&
	    !fx_timer_armed(&t_accept))
		listeners_enable(1);
}

/*
 * Nothing to do until the client speaks again: give the buffer back.  The
 * timer runs on (keep-alive, or header_timeout for a new connection).
 */
static void
conn_idle(struct fx_conn *c)
{
	if (c->b != NULL) {
		fx_conn_busy_put(c->b);
		c->b = NULL;
	}
	c->state = C_IDLE;
	idle_enter(c);
}

/* The bytes of whole empty lines (CR LF or LF) at the start of p[0..n). */
static size_t
empty_lines(const char *p, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (i < n && p[i] == '\n')
			i++;
		else if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

/* Half-close and read until the client closes too.  0, or -1 closed. */
static int
conn_linger(struct fx_conn *c)
{
	if (shutdown(c->ev.fd, SHUT_WR) == -1) {
		conn_close(c);
		return -1;
	}
	c->state = C_LINGER;
	fx_timer_arm(&q_linger, &c->timer);
	return 0;
}

static void
log_request(struct fx_conn *c)
{
	struct fx_busy *b = c->b;

	if (ENABLE_FEATURE_ACCESS_LOG && fx_alog_on())
		fx_alog_write(c->family == 6 ? AF_INET6 : AF_INET, c->addr,
		    b->req.method_name.p != NULL ? &b->req : NULL,
		    b->resp.status, b->body_sent);
}

static void
conn_error(struct fx_conn *c, int status)
{
	struct fx_busy *b = c->b;

	fx_resp_error(&b->resp, status, 1, b->req.method == FX_M_HEAD &&
	    b->req.head_len != 0);
	b->next_req = b->len;
	fx_send_begin(c);
}

/*
 * A head is in: answer it.  A client that sent Expect: 100-continue and
 * waits for a 100 before its body gets the final status at once instead
 * (RFC 9110 10.1.1), and a close: whether its body follows is its choice.
 */
static void
conn_answer(struct fx_conn *c)
{
	struct fx_busy *b = c->b;
	int keep = b->req.keep_alive && !draining &&
	    !(c->body && b->req.expect_continue);

	if (!ENABLE_FEATURE_COUNTERS || !fx_stats_page(conf, &b->req.path) ||
	    !fx_stats_answer(conf, &b->resp, &b->req, keep, c->family,
	    c->addr, c->gauge))
		fx_resp_build(&b->resp, &b->req, keep);
	fx_send_begin(c);
}

/* Read what the socket has into the buffer.  1 read, 0 none, -1 closed. */
static int
conn_read(struct fx_conn *c)
{
	struct fx_busy *b = c->b;
	size_t room;
	ssize_t n;

	if (b->pos > 0 && c->state == C_HEAD) {
		/* A pipelined head: move it to the front, for room. */
		memmove(b->buf, b->buf + b->pos, b->len - b->pos);
		b->len -= b->pos;
		b->pos = 0;
	}
	room = BUF_SIZE - b->len;
	if (room == 0)
		return 0;
	n = read(c->ev.fd, b->buf + b->len, room);
	if (n > 0) {
		b->len += (size_t)n;
		fx_conn_turn -= n;
		if ((size_t)n < room)
			c->rready = 0;
		return 1;
	}
	if (n == 0)
		return -1;
	if (errno == EAGAIN || errno == EINTR) {
		c->rready = errno == EINTR;
		return 0;
	}
	return -1;
}

static void
tail_log(struct fx_conn *c)
{
	struct fx_tail *t = c->t;
	struct fx_http_req q;

	if (ENABLE_FEATURE_ACCESS_LOG && fx_alog_on()) {
		memset(&q, 0, sizeof(q));
		q.method_name = t->log[0];
		q.target = t->log[1];
		q.referer = t->log[2];
		q.user_agent = t->log[3];
		q.minor = t->minor;
		fx_alog_write(c->family == 6 ? AF_INET6 : AF_INET, c->addr,
		    t->log[0].n > 0 ? &q : NULL, t->status, t->sent);
	}
}

/*
 * Close c, whose answer may not be all out (a reset, send_timeout, the
 * worker's exit): log the request with the bytes that went, as nginx
 * does, so that an operator sees the cut answers too.  Cold: kept out of
 * conn_run's hot path.
 */
static __attribute__((cold, noinline)) void
conn_cut(struct fx_conn *c)
{
	if (c->state == C_SEND)
		log_request(c);
	else if (c->state == C_TAIL)
		tail_log(c);
	conn_close(c);
}

/*
 * A tail is out: log it and wait for the next request, as conn_next does
 * with nothing pipelined.  1 to go on running c, -1 if c is freed.
 */
static int
tail_done(struct fx_conn *c)
{
	struct fx_tail *t = c->t;

	tail_log(c);
	fx_file_put(t->file);
	free(t);
	c->t = NULL;
	if (c->rdhup && !c->rready) {
		conn_close(c);
		return -1;
	}
	c->head = H_IDLE;
	fx_timer_arm(draining ? &q_grace : &q_keepalive, &c->timer);
	conn_idle(c);
	return 1;
}

/*
 * The answer is out: log it, then go on to the next request, idle, linger
 * or close.  Returns 1 to go on running c, 0 to wait, -1 if c is freed.
 */
static int
conn_done(struct fx_conn *c)
{
	struct fx_busy *b = c->b;
	int close_it = b->resp.close;

	log_request(c);
	fx_resp_done(&b->resp);
	if (close_it) {
		/*
		 * Linger where more bytes may come, so that they cannot make
		 * our side RST the answer away: unread bytes, or a client that
		 * asked for keep-alive (draining said close; its next request
		 * may be on the wire already).
		 */
		if (c->rready || b->next_req < b->len || b->req.keep_alive ||
		    c->body)
			return conn_linger(c) == 0 ? 1 : -1;
		conn_close(c);
		return -1;
	}
	if (c->body) {
		/* The rest of the body, read into the emptied buffer. */
		b->pos = b->len = 0;
		c->state = C_BODY;
		fx_timer_arm(&q_linger, &c->timer);
		return 1;
	}
	return conn_next(c);
}

/*
 * The request and its body are done: on to the next request, if any.
 * Returns 1 to go on running c, 0 to wait, -1 if c is freed.
 */
static int
conn_next(struct fx_conn *c)
{
	struct fx_busy *b = c->b;

	if (b->next_req < b->len) {		/* pipelined */
		b->pos = b->next_req;
	} else {
		b->pos = b->len = 0;
		if (c->rdhup && !c->rready) {
			/* Half-closed, all answered: nothing more can come. */
			conn_close(c);
			return -1;
		}
	}
	fx_http_init(&b->req);
	b->fresh = 1;
	c->state = C_HEAD;
	c->head = H_IDLE;
	fx_timer_arm(draining ? &q_grace : &q_keepalive, &c->timer);
	if (b->len == 0 && !c->rready) {
		conn_idle(c);
		return 0;
	}
	return 1;
}

/* Run c as far as it goes.  Returns 1 if c lives on, 0 if it is freed. */
static int
conn_run(struct fx_conn *c)
{
	struct fx_busy *b;
	enum fx_rc rc;
	size_t used, start;
	int r;

	for (;;) {
		if (fx_conn_turn <= 0) {
			/* Its share of this turn is used: the others first. */
			fx_ev_post(&c->ev);
			return 1;
		}
		switch (c->state) {
		case C_IDLE:
			if (!c->rready)
				return 1;
			if ((c->b = busy_get()) == NULL) {
				fx_log_warnx("out of memory");
				conn_close(c);
				return 0;
			}
			idle_leave(c);
			c->state = C_HEAD;
			/* FALLTHROUGH */
		case C_HEAD:
			b = c->b;
			if (c->head != H_STARTED && b->len > b->pos) {
				/*
				 * RFC 9112 2.2: empty lines before a request
				 * are ignored, and leave the connection idle.
				 */
				b->pos += empty_lines(b->buf + b->pos,
				    b->len - b->pos);
				if (b->pos == b->len)
					b->pos = b->len = 0;
				else if (b->len - b->pos > 1 ||
				    b->buf[b->pos] != '\r') {
					if (c->head == H_IDLE)
						fx_timer_arm(&q_header,
						    &c->timer);
					c->head = H_STARTED;
				}
			}
			rc = FX_AGAIN;
			if (b->len > b->pos) {
				b->fresh = 0;
				rc = fx_http_parse(&b->req, b->buf + b->pos,
				    b->len - b->pos);
			}
			if (rc == FX_ERROR) {
				conn_error(c, b->req.status);
				break;
			}
			if (rc == FX_AGAIN) {
				if (!c->rready) {
					if (b->len == b->pos)
						conn_idle(c);
					return 1;
				}
				if ((r = conn_read(c)) == -1) {
					conn_close(c);
					return 0;
				}
				if (r == 0 && b->len == BUF_SIZE) {
					conn_error(c, 431);
					break;
				}
				continue;
			}
			/*
			 * Answer right after the head: the body is discarded
			 * anyway.  What of it came with the head goes now,
			 * the rest once the answer is out (C_BODY), so that
			 * it never needs room in the buffer.
			 */
			if (ENABLE_FEATURE_CGI && cgi_on &&
			    (r = fx_cgi_start(c->ev.fd, &b->req, b->buf +
			    b->pos, b->len - b->pos)) != -1) {
				if (r > 0) {
					conn_error(c, r);
					break;
				}
				c->ev.fd = -1;	/* cgi.c's now */
				conn_close(c);
				return 0;
			}
			b->next_req = b->pos + b->req.head_len;
			start = b->next_req;
			rc = fx_body_parse(&b->req, b->buf + start,
			    b->len - start, (unsigned long long)conf->body_max,
			    &used);
			if (rc == FX_ERROR) {
				conn_error(c, b->req.status);
				break;
			}
			if (used > 0) {
				memmove(b->buf + start, b->buf + start + used,
				    b->len - start - used);
				b->len -= used;
			}
			c->body = rc == FX_AGAIN;
			conn_answer(c);
			/* FALLTHROUGH */
		case C_SEND:
			if (!c->wready)
				return 1;
			r = fx_send_write(c);
			if (r == 0) {
				fx_send_release(c);
				if (c->wready)
					fx_ev_post(&c->ev);
				return 1;
			}
			if (r == -1) {
				conn_cut(c);
				return 0;
			}
			if ((r = conn_done(c)) != 1)
				return r == 0;
			break;
		case C_TAIL:
			if (!c->wready)
				return 1;
			r = fx_send_file(c, c->t->file, c->t->off, c->t->len,
			    &c->t->sent);
			if (r == 0) {
				if (c->wready)
					fx_ev_post(&c->ev);
				return 1;
			}
			if (r == -1 || tail_done(c) == -1) {
				if (r == -1)
					conn_cut(c);
				return 0;
			}
			break;
		case C_BODY:
			/* Answered: discard the rest of the body. */
			b = c->b;
			if (b->len > 0) {
				rc = fx_body_parse(&b->req, b->buf, b->len,
				    (unsigned long long)conf->body_max, &used);
				if (rc == FX_ERROR) {
					/* Its answer may still be unread. */
					if (conn_linger(c) == -1)
						return 0;
					break;
				}
				if (rc == FX_OK) {
					c->body = 0;
					b->next_req = used;
					if ((r = conn_next(c)) != 1)
						return r == 0;
					break;
				}
				b->len = 0;
			}
			if (!c->rready)
				return 1;
			if ((r = conn_read(c)) == -1) {
				conn_close(c);
				return 0;
			}
			if (r == 1)	/* a timeout between two reads */
				fx_timer_arm(&q_linger, &c->timer);
			break;
		case C_LINGER:
			if (!c->rready)
				return 1;
			b = c->b;
			b->pos = b->len = 0;
			if ((r = conn_read(c)) == -1) {
				conn_close(c);
				return 0;
			}
			if (r == 0 && !c->rready)
				return 1;
			break;
		}
	}
}

static void
conn_ev(struct fx_ev *ev, uint32_t events)
{
	struct fx_conn *c = (struct fx_conn *)ev;

	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rready = 1;
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->rdhup = 1;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->wready = 1;
	fx_conn_turn = TURN_BYTES;
	if (conn_run(c) && ENABLE_FEATURE_COUNTERS)
		conn_park(c);
}

static void
conn_timeout(struct fx_timer *t)
{
	struct fx_conn *c = (struct fx_conn *)((char *)t -
	    offsetof(struct fx_conn, timer));
	ssize_t n;

	/* A client that sent part of a request gets a 408 on its way out. */
	if (c->state == C_HEAD && c->head == H_STARTED &&
	    c->b->len > c->b->pos) {
		fx_resp_error(&c->b->resp, 408, 1, 0);
		if (ENABLE_FEATURE_COUNTERS)
			fx_ctr_response(408);
		(void)send(c->ev.fd, c->b->resp.hdr, c->b->resp.hdr_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE);
		n = send(c->ev.fd, c->b->resp.mem, c->b->resp.mem_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (ENABLE_FEATURE_ACCESS_LOG && fx_alog_on())
			fx_alog_write(c->family == 6 ? AF_INET6 : AF_INET,
			    c->addr, NULL, 408, n > 0 ? (long long)n : 0);
	}
	conn_cut(c);
}

static void
accept_retry(struct fx_timer *t)
{
	(void)t;
	if (!draining && nconns < conf->max_conns)
		listeners_enable(1);
}

static void
flush_tick(struct fx_timer *t)
{
	fx_alog_flush();
	fx_timer_arm(&q_flush, t);
}

static void
lsn_ev(struct fx_ev *ev, uint32_t events)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct fx_conn *c;
	int fd, i;

	(void)events;
	/*
	 * A bounded batch per wakeup: EPOLLEXCLUSIVE wakes the other workers
	 * too, and the connections already open get their turn.
	 */
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (nconns >= conf->max_conns && conn_reuse() == -1) {
			/* All busy: idle_enter or conn_close resumes. */
			listeners_enable(0);
			return;
		}
		sl = sizeof(ss);
		fd = accept4(ev->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				return;
			case EMFILE:
			case ENFILE:
				if (conn_reuse() == 0)
					continue;	/* its fd is free */
				/* FALLTHROUGH */
			case ENOBUFS:
			case ENOMEM:
				/* No busy loop: stop accepting for a while. */
				fx_log_warn("accept4 (pausing %d ms)",
				    ACCEPT_RETRY_MS);
				listeners_enable(0);
				fx_timer_arm(&q_accept, &t_accept);
				return;
			default:
				fx_log_warn("accept4");
				return;
			}
		}
		/*
		 * Near the fd limit: close an idle connection, so that the
		 * answers still find fds to open their files with.
		 */
		if (fd_high != -1 && fd >= fd_high)
			(void)conn_reuse();
		if (ENABLE_FEATURE_COUNTERS)
			fx_ctr_me->accepts++;
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			fx_log_warnx("out of memory");
			return;
		}
		if (ENABLE_FEATURE_COUNTERS) {
			fx_ctr_me->handled++;
			fx_ctr_me->gauge[FX_CTR_WAITING]++;
		}
		c->ev.fn = conn_ev;
		c->ev.fd = fd;
		c->timer.fn = conn_timeout;
		c->head = H_NEW;
		fx_timer_arm(&q_header, &c->timer);
		if (ss.ss_family == AF_INET6) {
			c->family = 6;
			memcpy(c->addr,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr,
			    16);
		} else if (ss.ss_family == AF_INET)
			memcpy(c->addr, &((struct sockaddr_in *)&ss)->sin_addr,
			    4);
		c->next = conns.next;
		c->prev = &conns;
		conns.next->prev = c;
		conns.next = c;
		nconns++;
		/*
		 * TCP_DEFER_ACCEPT: the request is most likely here.  Serve it
		 * first; only a connection that lives on joins epoll (adding
		 * reports what is already pending, so no edge is lost).  A
		 * Connection: close request costs accept, read, write, close.
		 */
		c->rready = 1;
		c->wready = 1;
		fx_conn_turn = TURN_BYTES;
		if (!conn_run(c))
			continue;
		if (ENABLE_FEATURE_COUNTERS)
			conn_park(c);
		if (fx_ev_add(&c->ev, EPOLLIN | EPOLLOUT | EPOLLRDHUP |
		    EPOLLET) == -1) {
			fx_log_warn("epoll_ctl");
			conn_close(c);
		}
	}
}

int
fx_conn_init(const struct fx_conf *cf)
{
	struct rlimit rl;
	int i;

	conf = cf;
	cgi_on = ENABLE_FEATURE_CGI && cf->cgi_dir != NULL;
	fd_high = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 2 * FD_SPARE &&
	    rl.rlim_cur < 0x7fffffff)
		fd_high = (int)rl.rlim_cur - FD_SPARE;
	fx_timerq_init(&q_header, cf->header_ms);
	fx_timerq_init(&q_keepalive, cf->keepalive_ms);
	fx_timerq_init(&fx_conn_q_send, cf->send_ms);
	fx_timerq_init(&q_linger, LINGER_MS);
	fx_timerq_init(&q_grace, cf->grace_ms);
	fx_timerq_init(&q_accept, ACCEPT_RETRY_MS);
	fx_timerq_init(&q_flush, 1000);
	fx_timerq_init(&q_reap, 0);
	fx_ev_add_timerq(&q_header);
	fx_ev_add_timerq(&q_keepalive);
	fx_ev_add_timerq(&fx_conn_q_send);
	fx_ev_add_timerq(&q_linger);
	fx_ev_add_timerq(&q_grace);
	fx_ev_add_timerq(&q_accept);
	fx_ev_add_timerq(&q_flush);
	fx_ev_add_timerq(&q_reap);
	t_accept.fn = accept_retry;
	t_flush.fn = flush_tick;
	t_reap.fn = reap;
	if (ENABLE_FEATURE_ACCESS_LOG && fx_alog_on())
		fx_timer_arm(&q_flush, &t_flush);
	nlsns = 0;
	for (i = 0; i < cf->nlisten; i++) {
		lsns[nlsns].ev.fn = lsn_ev;
		lsns[nlsns].ev.fd = cf->listen[i].fd;
		lsns[nlsns].on = 0;
		nlsns++;
	}
	if (fx_psock_fd != -1) {
		lsns[nlsns].ev.fn = lsn_ev;
		lsns[nlsns].ev.fd = fx_psock_fd;
		lsns[nlsns].on = 0;
		nlsns++;
	}
	listeners_enable(1);
	return 0;
}

void
fx_conn_drain(void)
{
	struct fx_conn *c, *next;
	int i;

	if (draining)
		return;
	/*
	 * Take what is already queued before letting go of the sockets:
	 * when the last copy closes, the kernel resets what is left.
	 */
	draining = 1;		/* first: those get Connection: close */
	for (i = 0; i < nlsns; i++)
		if (lsns[i].ev.fd != -1)
			lsn_ev(&lsns[i].ev, EPOLLIN);
	listeners_enable(0);
	for (i = 0; i < nlsns; i++) {
		close(lsns[i].ev.fd);
		lsns[i].ev.fd = -1;
	}
	/* Idle ones get the grace; busy ones answer with Connection: close. */
	for (c = conns.next; c != &conns; c = next) {
		next = c->next;
		if (c->state == C_IDLE)
			fx_timer_arm(&q_grace, &c->timer);
	}
}

void
fx_conn_close_all(void)
{
	while (conns.next != &conns)
		conn_cut(conns.next);
}

int
fx_conn_count(void)
{
	return nconns;
}
