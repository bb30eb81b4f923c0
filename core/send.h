/* SPDX-License-Identifier: MIT */
/*
 * send.h - writing a connection's answer: conn.c's output side.
 */
#ifndef FX_SEND_H
#define FX_SEND_H

#include "conn.h"

/*
 * Begin sending c->b->resp: TCP_NODELAY for a kept-alive connection,
 * the status counted, state C_SEND, the send timer armed.
 */
void	fx_send_begin(struct fx_conn *c);

/*
 * Write c->b->resp as far as the socket and the turn allow.  1 all sent,
 * 0 blocked (c->wready cleared) or out of turn, -1 failed.  Never blocks.
 */
int	fx_send_write(struct fx_conn *c);

/*
 * Send bytes *sent.. of f's [off, off + len) with sendfile, advancing
 * *sent.  1 all sent, 0 blocked or out of turn, -1 failed (a file that
 * shrank too).  Never blocks.
 */
int	fx_send_file(struct fx_conn *c, const struct fx_file *f, long long off,
	    long long len, long long *sent);

/*
 * c's answer is not all out (the client reads slowly, or c's turn is
 * over): where only file bytes are left and nothing waits behind them,
 * move to a tail (C_TAIL, c->t) and give c->b back to the pool.  Else,
 * or without memory, nothing changes.
 */
void	fx_send_release(struct fx_conn *c);

#endif
