/* SPDX-License-Identifier: MIT */
/*
 * ev.h - one epoll loop per process, with timers.  Linux only.
 *
 * Timers live in queues, one per duration (header, keep-alive, send ...).
 * Every timer of a queue has the same duration and the clock only goes
 * forward, so appending keeps a queue sorted: arming, re-arming, cancelling
 * and expiring are all O(1), with no scan of the connections.
 */
#ifndef FX_EV_H
#define FX_EV_H

#include <stdint.h>

struct fx_ev;
typedef void fx_ev_fn(struct fx_ev *, uint32_t events);

/* Embed first in anything registered with epoll (listener, connection). */
struct fx_ev {
	fx_ev_fn	*fn;		/* called with the epoll events */
	int		 fd;
	struct fx_ev	*pprev, *pnext;	/* posted; NULL when not */
};

struct fx_timer {
	struct fx_timer	*prev, *next;	/* in its queue; NULL when idle */
	long long	 at;		/* deadline, ms of CLOCK_MONOTONIC */
	void		(*fn)(struct fx_timer *);
};

struct fx_timerq {
	struct fx_timer	 head;		/* sentinel of a circular list */
	long long	 dur;		/* ms; every timer here lasts this */
};

extern long long fx_ev_now;		/* ms, updated once per loop turn */

/* Create the loop (epoll_create1).  0 or -1 with errno. */
int	fx_ev_init(void);

/* epoll_ctl wrappers; events are EPOLL* flags.  0 or -1 with errno. */
int	fx_ev_add(struct fx_ev *ev, uint32_t events);
int	fx_ev_mod(struct fx_ev *ev, uint32_t events);
int	fx_ev_del(struct fx_ev *ev);

void	fx_timerq_init(struct fx_timerq *q, long long dur_ms);

/* (Re)arm t to fire q->dur ms from now; moves it to q's tail. */
void	fx_timer_arm(struct fx_timerq *q, struct fx_timer *t);
void	fx_timer_cancel(struct fx_timer *t);

static inline int
fx_timer_armed(const struct fx_timer *t)
{
	return t->next != 0;
}

/*
 * Posted events: ev->fn(ev, 0) runs in the next turn of the loop, which
 * then does not wait.  For a handler that stopped with work left (its
 * share of one turn is used up), since an edge-triggered fd reports
 * nothing new.  Posting twice is one post; fx_ev_unpost (also a no-op
 * when not posted) must be called before ev is freed.
 */
void	fx_ev_post(struct fx_ev *ev);
void	fx_ev_unpost(struct fx_ev *ev);

/* Register a queue with the loop so that its timers fire. */
void	fx_ev_add_timerq(struct fx_timerq *q);

/*
 * Wait for events (at most max_ms, -1 for no limit, never past the first
 * timer, and not at all while events are posted), call their handlers,
 * then those posted before this turn, then fire the timers that are due.
 * Returns the number of events, or -1 with errno (EINTR is not an error
 * for the caller to report: a signal arrived).
 */
int	fx_ev_run_once(int max_ms);

#endif
