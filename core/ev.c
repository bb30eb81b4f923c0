/* SPDX-License-Identifier: MIT */
/*
 * ev.c - the epoll loop and its timer queues (see ev.h).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ev.h"
#include "util.h"

#define EV_BATCH	256	/* events taken per epoll_wait */
#define EV_MAX_QUEUES	12

long long fx_ev_now;

static int ev_fd = -1;
static struct fx_timerq *ev_queues[EV_MAX_QUEUES];
static int ev_nqueues;
static struct fx_ev ev_posted = { .pprev = &ev_posted, .pnext = &ev_posted };

int
fx_ev_init(void)
{
	if (ev_fd != -1)
		close(ev_fd);
	ev_nqueues = 0;
	ev_fd = epoll_create1(EPOLL_CLOEXEC);
	fx_ev_now = fx_now_ms();
	return ev_fd == -1 ? -1 : 0;
}

static int
ctl(int op, struct fx_ev *ev, uint32_t events)
{
	struct epoll_event e;

	e.events = events;
	e.data.ptr = ev;
	return epoll_ctl(ev_fd, op, ev->fd, &e);
}

int
fx_ev_add(struct fx_ev *ev, uint32_t events)
{
	return ctl(EPOLL_CTL_ADD, ev, events);
}

int
fx_ev_mod(struct fx_ev *ev, uint32_t events)
{
	return ctl(EPOLL_CTL_MOD, ev, events);
}

int
fx_ev_del(struct fx_ev *ev)
{
	return ctl(EPOLL_CTL_DEL, ev, 0);
}

void
fx_ev_post(struct fx_ev *ev)
{
	if (ev->pnext != NULL)
		return;
	ev->pprev = ev_posted.pprev;
	ev->pnext = &ev_posted;
	ev_posted.pprev->pnext = ev;
	ev_posted.pprev = ev;
}

void
fx_ev_unpost(struct fx_ev *ev)
{
	if (ev->pnext == NULL)
		return;
	ev->pprev->pnext = ev->pnext;
	ev->pnext->pprev = ev->pprev;
	ev->pprev = ev->pnext = NULL;
}

void
fx_timerq_init(struct fx_timerq *q, long long dur_ms)
{
	q->head.prev = q->head.next = &q->head;
	q->dur = dur_ms;
}

void
fx_ev_add_timerq(struct fx_timerq *q)
{
	if (ev_nqueues < EV_MAX_QUEUES)
		ev_queues[ev_nqueues++] = q;
}

void
fx_timer_cancel(struct fx_timer *t)
{
	if (t->next == NULL)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

void
fx_timer_arm(struct fx_timerq *q, struct fx_timer *t)
{
	fx_timer_cancel(t);
	t->at = fx_ev_now + q->dur;
	t->prev = q->head.prev;
	t->next = &q->head;
	q->head.prev->next = t;
	q->head.prev = t;
}

/* ms until the earliest timer, or -1 when none is armed. */
static long long
next_timeout(void)
{
	long long best = -1, d;
	int i;

	for (i = 0; i < ev_nqueues; i++) {
		if (ev_queues[i]->head.next == &ev_queues[i]->head)
			continue;
		d = ev_queues[i]->head.next->at - fx_ev_now;
		if (d < 0)
			d = 0;
		if (best == -1 || d < best)
			best = d;
	}
	return best;
}

static void
expire(void)
{
	struct fx_timer *t;
	int i;

	for (i = 0; i < ev_nqueues; i++) {
		while ((t = ev_queues[i]->head.next) != &ev_queues[i]->head &&
		    t->at <= fx_ev_now) {
			fx_timer_cancel(t);
			t->fn(t);
		}
	}
}

int
fx_ev_run_once(int max_ms)
{
	struct epoll_event evs[EV_BATCH];
	struct fx_ev *ev, turn;
	long long t;
	int i, n, timeout;

	/* What was posted before this turn runs in it; later posts wait. */
	turn.pprev = turn.pnext = &turn;
	if (ev_posted.pnext != &ev_posted) {
		turn.pnext = ev_posted.pnext;
		turn.pprev = ev_posted.pprev;
		turn.pnext->pprev = turn.pprev->pnext = &turn;
		ev_posted.pprev = ev_posted.pnext = &ev_posted;
	}
	t = next_timeout();
	if (t == -1 || (max_ms >= 0 && t > max_ms))
		t = max_ms;
	timeout = turn.pnext != &turn ? 0 : (int)t;
	n = epoll_wait(ev_fd, evs, EV_BATCH, timeout);
	fx_ev_now = fx_now_ms();
	for (i = 0; i < n; i++) {
		ev = evs[i].data.ptr;
		ev->fn(ev, evs[i].events);
	}
	while ((ev = turn.pnext) != &turn) {
		fx_ev_unpost(ev);
		ev->fn(ev, 0);
	}
	expire();
	return n;
}
