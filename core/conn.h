/* SPDX-License-Identifier: MIT */
/*
 * conn.h - one worker's HTTP connections: accept, read, parse, answer,
 * keep-alive, pipelining, timeouts, lingering close and graceful drain.
 */
#ifndef FX_CONN_H
#define FX_CONN_H

#include "conf.h"
#include "ev.h"
#include "http.h"
#include "resp.h"

/*
 * Set up the worker's connection machinery for conf and register the
 * listening sockets (EPOLLEXCLUSIVE).  Call after fx_ev_init.  0 or -1.
 */
int	fx_conn_init(const struct fx_conf *conf);

/*
 * Start draining: close the listeners, answer what is pending with
 * Connection: close, close idle connections after the grace.
 */
void	fx_conn_drain(void);

/* Close every connection now (fast shutdown). */
void	fx_conn_close_all(void);

/* Connections open in this worker. */
int	fx_conn_count(void);

/*
 * conn.c and send.c's own: a connection, its busy state and its tail.
 */
#define BUF_SIZE	(FX_HTTP_MAX_HEAD + 2048)

enum { C_IDLE, C_HEAD, C_BODY, C_SEND, C_LINGER, C_TAIL };

struct fx_busy {
	struct fx_busy		*next;		/* in the pool */
	struct fx_http_req	 req;
	struct fx_resp		 resp;
	size_t			 len;		/* bytes in buf */
	size_t			 pos;		/* current request's first */
	size_t			 next_req;	/* first byte after it */
	size_t			 hdr_sent;
	long long		 body_sent;
	int			 fresh;		/* req untouched since init */
	char			 buf[BUF_SIZE];
};

/*
 * The rest of a file answer that waits for the client to read it: all
 * the connection needs until the answer is out, so that its fx_busy (20
 * KiB) goes back to the pool meanwhile.  The access log's fields of the
 * request are copied behind it when the log is on.
 */
struct fx_tail {
	struct fx_file		*file;		/* referenced */
	long long		 off;		/* the body: its offset, */
	long long		 len;		/* length */
	long long		 sent;		/* and bytes sent */
	int			 status;
	int			 minor;
	struct fx_str		 log[4];	/* logged: method, target, */
						/* referer, user agent */
};

struct fx_conn {
	struct fx_ev		 ev;
	struct fx_timer		 timer;
	struct fx_conn		*prev, *next;	/* all connections */
	struct fx_conn		*iprev, *inext;	/* idle ones, oldest first */
	struct fx_busy		*b;		/* NULL while idle or C_TAIL */
	struct fx_tail		*t;		/* C_TAIL's, else NULL */
	unsigned char		 state;
	unsigned char		 rready;	/* may have bytes to read */
	unsigned char		 wready;	/* may write without EAGAIN */
	unsigned char		 rdhup;		/* the client shut its side */
	unsigned char		 body;		/* body left to discard */
	unsigned char		 head;		/* H_*: where the head stands */
	unsigned char		 nodelay;	/* TCP_NODELAY is set */
	unsigned char		 family;
	unsigned char		 gauge;		/* FX_CTR_*: counted there */
	unsigned char		 addr[16];
};

extern long fx_conn_turn;		/* bytes c may still move this turn */
extern struct fx_timerq fx_conn_q_send;

/* Give b back to the pool, releasing its response. */
void	fx_conn_busy_put(struct fx_busy *b);

#endif
