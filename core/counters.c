/* SPDX-License-Identifier: MIT */
/*
 * counters.c - the shared counters region (see counters.h): a header the
 * masters write with atomics (rare events), then one 128-byte slot per
 * worker, claimed by a master with a compare-and-swap on its owner, so
 * that the masters of two generations never hand out the same slot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "fmt.h"
#include "log.h"
#include "util.h"

#define CTR_MAGIC	"fenixctr"
#define CTR_VERSION	1
#define CTR_SLOTS	4096		/* 2 generations, HUPs, 1024 each */
#define CTR_WK_MAX	2048		/* the master's worker table */
#define CTR_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW)

struct ctr_hdr {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 nslots;
	uint32_t	 slot_size;
	uint32_t	 nused;		/* slots ever claimed: readers stop */
	int32_t		 generation;	/* the current master's */
	int32_t		 pad;
	uint64_t	 upgrades, rollbacks, reloads, restarts;
} __attribute__((aligned(64)));

#define CTR_SIZE	(sizeof(struct ctr_hdr) + \
			    CTR_SLOTS * sizeof(struct fx_ctr_slot))

static struct fx_ctr_slot dummy;
struct fx_ctr_slot *fx_ctr_me = &dummy;
int fx_ctr_fd = -1;
static struct ctr_hdr *hdr;		/* NULL: no region */
static struct fx_ctr_slot *slots;
static int my_gen;
static int16_t resv[CTR_WK_MAX];	/* master: slot + 1 kept for a worker */
static int pending;			/* master: the worker being forked */

/* Map fd (read-write or read-only) if it holds a region.  NULL, *why. */
static struct ctr_hdr *
map_check(int fd, int prot, const char **why)
{
	struct ctr_hdr *h;
	struct stat st;
	int seals;

	if (fstat(fd, &st) == -1) {
		*why = "not open";
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != (off_t)CTR_SIZE) {
		*why = "not a counters region (type or size)";
		return NULL;
	}
	seals = fx_fcntl(fd, F_GET_SEALS, 0);
	if (seals == -1 || (seals & CTR_SEALS) != CTR_SEALS) {
		*why = "not a sealed memfd";
		return NULL;
	}
	h = mmap(NULL, CTR_SIZE, prot, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		*why = "mmap failed";
		return NULL;
	}
	if (memcmp(h->magic, CTR_MAGIC, 8) != 0 ||
	    h->version != CTR_VERSION || h->nslots != CTR_SLOTS ||
	    h->slot_size != sizeof(struct fx_ctr_slot)) {
		munmap(h, CTR_SIZE);
		*why = "wrong magic or version";
		return NULL;
	}
	return h;
}

/* A new region: a sealed memfd.  0 or -1. */
static int
create(void)
{
	int fd;

	fd = memfd_create("fenix-counters", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -1)
		return -1;
	if (ftruncate(fd, (off_t)CTR_SIZE) == -1 ||
	    fx_fcntl(fd, F_ADD_SEALS, CTR_SEALS | F_SEAL_SEAL) == -1 ||
	    (hdr = mmap(NULL, CTR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0)) == MAP_FAILED) {
		hdr = NULL;
		close(fd);
		return -1;
	}
	memcpy(hdr->magic, CTR_MAGIC, 8);
	hdr->version = CTR_VERSION;
	hdr->nslots = CTR_SLOTS;
	hdr->slot_size = sizeof(struct fx_ctr_slot);
	fx_ctr_fd = fd;
	return 0;
}

void
fx_ctr_init(int generation)
{
	const char *s = getenv("FENIX_COUNTERS"), *why = NULL;
	long long v;

	my_gen = generation;
	if (s != NULL) {
		if (fx_parse_num(s, 3, INT_MAX, &v) == -1)
			why = "not an fd number";
		else if ((hdr = map_check((int)v, PROT_READ | PROT_WRITE,
		    &why)) != NULL) {
			fx_ctr_fd = (int)v;
			(void)fx_fcntl(fx_ctr_fd, F_SETFD, FD_CLOEXEC);
		}
		if (hdr == NULL)
			fx_log_warnx("FENIX_COUNTERS '%s': %s; counting from "
			    "zero", s, why);
		fx_env_unset("FENIX_COUNTERS");
	}
	if (hdr == NULL && create() == -1) {
		fx_log_warn("counters region (memfd)");
		return;
	}
	slots = (struct fx_ctr_slot *)(hdr + 1);
	__atomic_store_n(&hdr->generation, generation, __ATOMIC_RELAXED);
}

/*
 * A free slot (the first, so that readers stop early), else, when all
 * are taken, one whose owner died unreaped (its master died first).
 * Its index, or -1.
 */
static int
claim(void)
{
	int32_t o, me = (int32_t)getpid();
	uint32_t i, n;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < CTR_SLOTS; i++) {
			o = __atomic_load_n(&slots[i].owner, __ATOMIC_ACQUIRE);
			if (pass == 0 ? o != 0 : o <= 0 || o == me ||
			    kill(o, 0) == 0 || errno != ESRCH)
				continue;
			if (!__atomic_compare_exchange_n(&slots[i].owner, &o,
			    me, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue;
			memset(slots[i].gauge, 0, sizeof(slots[i].gauge));
			n = __atomic_load_n(&hdr->nused, __ATOMIC_ACQUIRE);
			while (n <= i && !__atomic_compare_exchange_n(
			    &hdr->nused, &n, i + 1, 0, __ATOMIC_ACQ_REL,
			    __ATOMIC_ACQUIRE))
				;
			return (int)i;
		}
	return -1;
}

void
fx_ctr_spawn(int wk)
{
	int i;

	fx_ctr_me = &dummy;
	if (hdr == NULL || wk < 0 || wk >= CTR_WK_MAX)
		return;
	if ((i = resv[wk] - 1) == -1 && (i = claim()) == -1) {
		fx_log_warnx("counters: no free slot, a worker goes uncounted");
		return;
	}
	resv[wk] = (int16_t)(i + 1);	/* until the fork succeeds */
	pending = wk;
	fx_ctr_me = &slots[i];
	fx_ctr_me->gen = my_gen;
}

void
fx_ctr_spawned(pid_t pid)
{
	if (fx_ctr_me == &dummy)
		return;
	__atomic_store_n(&fx_ctr_me->owner, (int32_t)pid, __ATOMIC_RELEASE);
	resv[pending] = 0;
}

void
fx_ctr_reaped(pid_t pid, int wk, int respawn)
{
	uint32_t i, n;

	if (hdr == NULL)
		return;
	n = __atomic_load_n(&hdr->nused, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && i < CTR_SLOTS; i++)
		if (slots[i].owner == (int32_t)pid)
			break;
	if (i == n || i == CTR_SLOTS)
		return;
	memset(slots[i].gauge, 0, sizeof(slots[i].gauge));
	if (respawn && wk >= 0 && wk < CTR_WK_MAX) {
		resv[wk] = (int16_t)(i + 1);
		__atomic_fetch_add(&hdr->restarts, 1, __ATOMIC_RELAXED);
	} else
		__atomic_store_n(&slots[i].owner, 0, __ATOMIC_RELEASE);
}

void
fx_ctr_event(int what)
{
	if (hdr == NULL)
		return;
	switch (what) {
	case FX_CTR_UPGRADE:
		__atomic_fetch_add(&hdr->upgrades, 1, __ATOMIC_RELAXED);
		break;
	case FX_CTR_ROLLBACK:
		__atomic_fetch_add(&hdr->rollbacks, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&hdr->generation, my_gen, __ATOMIC_RELAXED);
		break;
	case FX_CTR_RELOAD:
		__atomic_fetch_add(&hdr->reloads, 1, __ATOMIC_RELAXED);
		break;
	}
}

int
fx_ctr_env(char *buf, size_t len)
{
	if (fx_ctr_fd == -1)
		return -1;
	fx_snprintf(buf, len, "FENIX_COUNTERS=%d", fx_ctr_fd);
	return 0;
}

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)

void
fx_ctr_read(struct fx_ctr_sum *s)
{
	const volatile struct fx_ctr_slot *sl;
	const volatile uint64_t *c;
	uint64_t *t = &s->accepts;	/* the slot's counters, in order */
	uint32_t i, n;
	long long act;
	int j;

	memset(s, 0, sizeof(*s));
	if (hdr == NULL)
		return;
	for (c = &hdr->upgrades, j = 0; j < 4; j++)
		(&s->upgrades)[j] = c[j];
	s->generation = LOAD(hdr->generation);
	n = LOAD(hdr->nused);
	for (i = 0; i < n && i < CTR_SLOTS; i++) {
		sl = &slots[i];
		for (c = &sl->accepts, j = 0; j < 8; j++)
			t[j] += c[j];
		for (act = 0, j = 0; j < FX_CTR_NGAUGE; j++) {
			s->gauge[j] += sl->gauge[j];
			act += sl->gauge[j];
		}
		if (sl->owner == 0)
			continue;
		for (j = 0; j < s->ngen && s->gen[j] != sl->gen; j++)
			;
		if (j == s->ngen && j < FX_CTR_NGEN)
			s->gen[s->ngen++] = sl->gen;
		if (j < s->ngen)
			s->gen_active[j] += act;
	}
	for (j = 0; j < 5; j++)
		s->requests += s->status[j];
	/* Between two updates of one slot a sum may dip: never below 0. */
	for (j = 0; j < FX_CTR_NGAUGE; j++) {
		if (s->gauge[j] < 0)
			s->gauge[j] = 0;
		s->active += s->gauge[j];
	}
}

int
fx_ctr_attach(pid_t pid)
{
	char path[64], link[64];
	struct dirent *de;
	const char *why;
	ssize_t n;
	DIR *d;
	int fd;

	fx_snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while (hdr == NULL && (de = readdir(d)) != NULL) {
		fx_snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "/memfd:fenix-counters", 21) != 0 ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		hdr = map_check(fd, PROT_READ, &why);
		close(fd);
	}
	closedir(d);
	if (hdr == NULL)
		return -1;
	slots = (struct fx_ctr_slot *)(hdr + 1);
	return 0;
}
