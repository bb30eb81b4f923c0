/* SPDX-License-Identifier: MIT */
/*
 * ev_test.c - posted events: one run per turn of the loop, in the order
 * posted, none lost or run twice, and a posted event does not let the
 * loop sleep.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ev.h"
#include "test.h"

#define NEV	3

struct hog {
	struct fx_ev	 ev;
	int		 runs;		/* calls of its handler */
	int		 repost;	/* post itself again when called */
};

static struct hog hogs[NEV];
static int order[16], norder;

static void
hog_fn(struct fx_ev *ev, uint32_t events)
{
	struct hog *h = (struct hog *)ev;

	(void)events;
	h->runs++;
	if (norder < 16)
		order[norder++] = (int)(h - hogs);
	if (h->repost)
		fx_ev_post(ev);
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
main(void)
{
	long long t0;
	int i;

	CHECK(fx_ev_init() == 0);
	memset(hogs, 0, sizeof(hogs));
	for (i = 0; i < NEV; i++) {
		hogs[i].ev.fn = hog_fn;
		hogs[i].ev.fd = -1;
	}

	/* A hog that always has work left runs once per turn, not forever. */
	T_CASE_BEGIN();
	hogs[0].repost = 1;
	hogs[1].repost = 1;
	fx_ev_post(&hogs[0].ev);
	fx_ev_post(&hogs[1].ev);
	fx_ev_post(&hogs[0].ev);	/* twice is once */
	t0 = ms_now();
	for (i = 0; i < 5; i++)
		(void)fx_ev_run_once(1000);
	CHECKF(hogs[0].runs == 5 && hogs[1].runs == 5, "%d %d",
	    hogs[0].runs, hogs[1].runs);
	/* Round robin: 0 1 0 1 ... */
	for (i = 0; i < 10; i++)
		CHECKF(order[i] == i % 2, "order[%d] %d", i, order[i]);
	/* Work was posted: no turn waited for its 1 s timeout. */
	CHECKF(ms_now() - t0 < 900, "%lld ms", ms_now() - t0);
	T_CASE_END();

	/* An unposted event (its connection closed) never runs. */
	T_CASE_BEGIN();
	hogs[0].repost = hogs[1].repost = 0;
	(void)fx_ev_run_once(0);	/* the last reposts run */
	hogs[0].runs = hogs[1].runs = hogs[2].runs = 0;
	fx_ev_post(&hogs[0].ev);
	fx_ev_post(&hogs[1].ev);
	fx_ev_post(&hogs[2].ev);
	fx_ev_unpost(&hogs[1].ev);
	fx_ev_unpost(&hogs[1].ev);	/* not posted: no-op */
	(void)fx_ev_run_once(0);
	CHECKF(hogs[0].runs == 1 && hogs[1].runs == 0 && hogs[2].runs == 1,
	    "%d %d %d", hogs[0].runs, hogs[1].runs, hogs[2].runs);
	(void)fx_ev_run_once(0);
	CHECK(hogs[0].runs == 1 && hogs[2].runs == 1);
	T_CASE_END();

	/* Nothing posted: the loop waits for its timeout again. */
	t0 = ms_now();
	(void)fx_ev_run_once(50);
	CHECKF(ms_now() - t0 >= 40, "%lld ms", ms_now() - t0);

	return T_END();
}
