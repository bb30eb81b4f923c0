/* SPDX-License-Identifier: MIT */
/*
 * counters.h - the server's counters, in one shared region (a memfd
 * mapped MAP_SHARED) that outlives every process using it: the first
 * master creates it, each new master of an upgrade inherits its fd
 * (FENIX_COUNTERS), workers inherit the mapping.  Every worker counts in
 * its own cache-aligned slot with plain increments; readers sum the slots.
 * So totals survive reloads, upgrades, rollbacks and killed workers.
 */
#ifndef FX_COUNTERS_H
#define FX_COUNTERS_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* Where a connection stands, as nginx's stub_status says it. */
enum { FX_CTR_WAITING, FX_CTR_READING, FX_CTR_WRITING, FX_CTR_NGAUGE };

/* Master events. */
enum { FX_CTR_UPGRADE, FX_CTR_ROLLBACK, FX_CTR_RELOAD };

#define FX_CTR_NGEN	8		/* generations told apart in a sum */

/* One worker's counters: written by that worker only. */
struct fx_ctr_slot {
	int32_t		 owner;		/* its worker's pid; 0: free */
	int32_t		 gen;		/* its worker's generation */
	int32_t		 gauge[FX_CTR_NGAUGE];	/* connections by state */
	int32_t		 pad;
	uint64_t	 accepts;
	uint64_t	 handled;
	uint64_t	 bytes;		/* sent */
	uint64_t	 status[5];	/* responses (requests): 1xx .. 5xx */
} __attribute__((aligned(64)));

/* The sums a reader gets; all 64-bit, so that a table can index them. */
struct fx_ctr_sum {
	uint64_t	 accepts, handled, bytes, status[5];	/* slot order */
	uint64_t	 requests;
	uint64_t	 upgrades, rollbacks, reloads, restarts;
	long long	 gauge[FX_CTR_NGAUGE];	/* clamped at 0 */
	long long	 active;
	long long	 generation;
	long long	 ngen;		/* generations with workers */
	long long	 gen[FX_CTR_NGEN];
	long long	 gen_active[FX_CTR_NGEN];
};

/* This worker's slot (a dummy one outside workers: never NULL). */
extern struct fx_ctr_slot *fx_ctr_me;

/* The region's fd, to pass across an upgrade; -1 if none. */
extern int fx_ctr_fd;

/*
 * Master, at startup, before fx_listen_close_others: adopt the region
 * named by FENIX_COUNTERS (checked: a memfd of the right size, sealed,
 * with our magic and version; anything else is logged and a new region
 * made), else create one.  Sets the current generation.  Never dies:
 * without a region the counters count nowhere.
 */
void	fx_ctr_init(int generation);

/*
 * Master, before forking the worker of its table's entry wk: make the
 * slot of that entry's last worker (a respawn), else a free one,
 * fx_ctr_me for the child; after the fork, fx_ctr_spawned gives it to
 * the child's pid.
 */
void	fx_ctr_spawn(int wk);
void	fx_ctr_spawned(pid_t pid);

/*
 * Master, worker pid of entry wk reaped: its gauges are zeroed (a killed
 * worker could not); with respawn its slot is kept for the next worker
 * of wk and counted as a restart, else it is freed.  Totals stay.
 */
void	fx_ctr_reaped(pid_t pid, int wk, int respawn);

/* Master: count an FX_CTR_UPGRADE, _ROLLBACK (ours again) or _RELOAD. */
void	fx_ctr_event(int what);

/* "FENIX_COUNTERS=fd" into buf for a new master; 0, or -1 if none. */
int	fx_ctr_env(char *buf, size_t len);

/* Sum the region this process has mapped (zeros when none). */
void	fx_ctr_read(struct fx_ctr_sum *s);

/*
 * Map, read-only, the region of the live master pid (found through
 * /proc/pid/fd) for fx_ctr_read.  0, or -1 (not found, not allowed).
 */
int	fx_ctr_attach(pid_t pid);

/* The hot path: plain adds on this worker's own cache lines. */
static inline void
fx_ctr_move(int from, int to)
{
	fx_ctr_me->gauge[from]--;
	fx_ctr_me->gauge[to]++;
}

/* A response (fenix answers 100 to 599 only), so a request too. */
static inline void
fx_ctr_response(int status)
{
	fx_ctr_me->status[status / 100 - 1]++;
}

#endif
