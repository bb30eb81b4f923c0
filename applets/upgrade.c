/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c - the upgrade applet: one synchronous command for the whole
 * USR2 / WINCH / QUIT dance, checked at each step, rolled back on failure,
 * with an exit status that says what happened.
 */
#include "fmt.h"
#include "config.h"
#if ENABLE_APPLET_UPGRADE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"
#include "probe.h"
#include "procfs.h"
#include "upstate.h"
#include "util.h"

/* Exit codes: README.md documents them. */
#define UP_OK		0	/* upgraded */
#define UP_RB_DIED	10	/* rolled back: the new master exited */
#define UP_RB_TIMEOUT	11	/* rolled back: not ready in time */
#define UP_RB_PROBE	12	/* rolled back: probe failed before WINCH */
#define UP_RB_BAKE	13	/* rolled back: failed during the bake */
#define UP_RB_INTR	14	/* rolled back: INT, HUP or TERM to us */
#define UP_RB_LEFT	15	/* rolled back an interrupted run's upgrade */
#define UP_REFUSED	20	/* an upgrade is already in progress */
#define UP_NOT_RUNNING	21	/* no live master behind the pid file */
#define UP_NO_SPAWN	22	/* failed before the new master was started */
#define UP_STUCK	23	/* upgraded, but the old master did not exit */

#define POLL_MS		10
#define PROBE_MS	2000	/* one probe's time */

static const char usage[] =
    "usage: fenix upgrade [-p PIDFILE] [-b NEW_BINARY] [-t TIMEOUT] [-u URL]\n"
    "                     [-w BAKE_SECONDS] [--abort]\n"
    "Replace the running server's executable without losing a request:\n"
    "install NEW_BINARY (atomically, the old one kept as PATH.old), USR2,\n"
    "wait for the new generation, probe it over HTTP, WINCH the old\n"
    "workers, keep probing for the bake window, then QUIT the old master.\n"
    "Any failure before QUIT rolls back to the old generation, and so\n"
    "do INT, HUP and TERM.  One run at a time (PIDFILE.lock); a run that\n"
    "finds an upgrade whose driver was killed finishes it if the new\n"
    "generation is healthy and rolls it back otherwise.\n"
    "\n"
    "  -p PIDFILE  the server's pid file (default as fenix server's)\n"
    "  -b FILE     install FILE over the master's executable first\n"
    "  -t SECONDS  time for the new generation to be ready (default 10)\n"
    "  -u URL      probe URL (default: the first listener's /)\n"
    "  -w SECONDS  bake window before QUIT (default 3)\n"
    "  --abort     roll back an interrupted upgrade instead\n"
    "\n"
    "Exit: 0 upgraded; rolled back: 10 new master exited, 11 not ready in\n"
    "time, 12 probe failed, 13 probe failed while baking, 14 interrupted\n"
    "by a signal, 15 an interrupted upgrade rolled back; 20 refused (an\n"
    "upgrade is in progress), 21 not running, 22 failed before the new\n"
    "master started, 23 upgraded but the old master did not exit;\n"
    "100 usage, 111 system error.\n";

static long long t0;
static volatile sig_atomic_t intr;	/* INT, HUP or TERM: roll back */

/* What this run works on; the state file mirrors it. */
static struct {
	const char	*pidfile;
	char		 oldbin[PATH_MAX + 8];
	const char	*url;
	long long	 timeout, bake;
	struct fx_upstate st;		/* phase, old, new_master, binary */
} u;

static void
progress(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	fx_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fx_eprintf("upgrade: [%5lld ms] %s\n", fx_now_ms() - t0, msg);
}

static void
on_signal(int sig)
{
	intr = sig;
}

/* Enter a phase: the state file says it before the step is taken. */
static void
phase(const char *name)
{
	fx_snprintf(u.st.phase, sizeof(u.st.phase), "%s", name);
	if (fx_upstate_write(u.pidfile, &u.st) == -1)
		progress("state file %s.upgrade: %s", u.pidfile,
		    fx_strerror(errno));
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Copy the file at src to dst through a temp file; fsync.  0 or -1. */
static int
copy_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 16], buf[65536];
	struct stat st;
	ssize_t n;
	int in, out, saved;

	if ((size_t)fx_snprintf(tmp, sizeof(tmp), "%s.new%ld", dst,
	    (long)getpid()) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(in);
		errno = EINVAL;
		return -1;
	}
	(void)unlink(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0700);
	if (out == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fx_write_all(out, buf, (size_t)n) == -1)
			break;
	if (n != 0 || fchmod(out, st.st_mode & 07777) == -1 ||
	    fsync(out) == -1 || close(out) == -1 || rename(tmp, dst) == -1) {
		saved = errno;
		close(in);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	close(in);
	return 0;
}

/*
 * Binary custody: PATH.old becomes the binary the old master runs (a
 * hard link while PATH still is that file, else a copy out of
 * /proc/PID/exe: the path was replaced since it started), then src
 * goes over PATH.  0 or -1.
 */
static int
install(const char *src, const char *dst, pid_t old)
{
	char old_path[PATH_MAX + 8], exe[PATH_MAX], *slash;
	struct stat run, cur, prev;
	int dfd;

	if ((size_t)fx_snprintf(old_path, sizeof(old_path), "%s.old", dst) >=
	    sizeof(old_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (fx_procfs_exe_file(old, exe, sizeof(exe)) == -1 ||
	    stat(exe, &run) == -1)
		return -1;
	if (stat(dst, &cur) == 0 && same_file(&cur, &run)) {
		if (unlink(old_path) == -1 && errno != ENOENT)
			return -1;
		if (link(dst, old_path) == -1)
			return -1;
	} else if (stat(old_path, &prev) == 0 && same_file(&prev, &run)) {
		progress("%s is not what runs; %s is: kept", dst, old_path);
	} else {
		progress("%s is not what runs: copying the running binary "
		    "out of %s to %s", dst, exe, old_path);
		if (copy_file(exe, old_path) == -1)
			return -1;
	}
	if (copy_file(src, dst) == -1)
		return -1;
	fx_snprintf(old_path, sizeof(old_path), "%s", dst);
	if ((slash = strrchr(old_path, '/')) != NULL) {
		*slash = '\0';
		if ((dfd = open(slash == old_path ? "/" : old_path, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

/* Put the binary -b replaced back (PATH.old to PATH). */
static void
restore_binary(void)
{
	char old[PATH_MAX + 8];

	if (u.st.binary[0] == '\0')
		return;
	fx_snprintf(old, sizeof(old), "%s.old", u.st.binary);
	if (rename(old, u.st.binary) == 0)
		progress("restored the previous binary at %s", u.st.binary);
	else
		progress("could not restore %s from %s: %s", u.st.binary, old,
		    fx_strerror(errno));
	u.st.binary[0] = '\0';
}

/*
 * Children of a master we read at most: its worker slots (1,024 workers,
 * twice during a reload) and the new master.
 */
#define KIDS_MAX	2056

/*
 * The new master: a child of the old one whose generation is higher
 * (workers are forks and share the old master's environment).
 */
static pid_t
find_new_master(pid_t old)
{
	pid_t kids[KIDS_MAX];
	int i, n, gen = fx_procfs_generation(old);

	n = fx_procfs_children(old, kids, KIDS_MAX);
	for (i = 0; i < n; i++)
		if (fx_procfs_generation(kids[i]) > gen)
			return kids[i];
	return 0;
}

/* Children of the old master other than the new one: its workers. */
static int
old_workers(pid_t old, pid_t new_master)
{
	pid_t kids[KIDS_MAX];
	int i, n, cnt = 0;

	n = fx_procfs_children(old, kids, KIDS_MAX);
	for (i = 0; i < n; i++)
		cnt += kids[i] != new_master;
	return cnt;
}

static int
alive(pid_t pid)
{
	return pid > 0 && fx_procfs_running(pid) == 1;
}

/*
 * GET the URL from the new generation itself: through its master's
 * private socket (psock.h), or the URL when that master has none (a
 * fenix from before it).
 */
static int
probe(pid_t master, const char **why)
{
	static char msg[64];
	int s = fx_probe_get_pid(u.url, master, PROBE_MS, why);

	if (s == -1 && strcmp(*why, fx_strerror(ECONNREFUSED)) == 0) {
		progress("master %ld has no probe socket: probing %s",
		    (long)master, u.url);
		s = fx_probe_get(u.url, PROBE_MS, why);
	}
	if (s >= 200 && s <= 399)
		return 0;
	if (s > 0) {
		fx_snprintf(msg, sizeof(msg), "answered %d", s);
		*why = msg;
	}
	return -1;
}

/*
 * The old master's workers when we sent WINCH (those it then retires),
 * or n_winched 0 when this run did not send it.
 */
static pid_t winched[KIDS_MAX];
static int n_winched;

static int
was_winched(pid_t pid)
{
	int j;

	for (j = 0; j < n_winched && winched[j] != pid; j++)
		;
	return j < n_winched;
}

/*
 * Children of old other than those we WINCHed: workers it started since.
 * With add, they are WINCHed from now on.
 */
static int
new_workers(pid_t old, int add)
{
	pid_t kids[KIDS_MAX];
	int i, n, cnt = 0;

	n = fx_procfs_children(old, kids, KIDS_MAX);
	for (i = 0; i < n; i++) {
		if (was_winched(kids[i]))
			continue;
		cnt++;
		if (add && n_winched < KIDS_MAX)
			winched[n_winched++] = kids[i];
	}
	return cnt;
}

/*
 * The old master started workers during the drain (a HUP: in nginx that
 * is the operator's rollback, but the driver goes on): WINCH them too,
 * rather than wait 60 s for workers nobody told to stop.
 */
static void
rewinch(pid_t old)
{
	(void)new_workers(old, 1);
	kill(old, SIGWINCH);
	progress("the old master %ld started workers again (a HUP?): WINCH "
	    "sent again", (long)old);
}

/*
 * Our WINCH may reach the old master after it rolled back by itself
 * (the new master died as we sent it): it then parks with no upgrade in
 * progress, and nothing would start its workers.  Once it has taken our
 * WINCH the two orders differ exactly: WINCH then rollback started new
 * workers; rollback then WINCH left only the retiring ones we WINCHed.
 * Counting all children would take a retiring worker for a live one.
 * The master puts the pid file back just before it forks: give the
 * workers 1 s to show.  Parked, it gets a HUP: after WINCH that is a
 * full reload.  (A run that resumed a killed one's rollback has no
 * winched[]: every child counts.)
 */
static void
unpark(pid_t old)
{
	long long until = fx_now_ms() + 5000;

	while (n_winched > 0 && fx_procfs_sig_pending(old, SIGWINCH) == 1 &&
	    fx_now_ms() < until)
		usleep(POLL_MS * 1000);
	until = fx_now_ms() + 1000;
	while (new_workers(old, 0) == 0 && fx_now_ms() < until)
		usleep(POLL_MS * 1000);
	if (new_workers(old, 0) > 0 || !alive(old))
		return;
	kill(old, SIGHUP);
	progress("the old master %ld has no workers (our WINCH came after "
	    "its rollback): HUP sent", (long)old);
	until = fx_now_ms() + 5000;
	while (new_workers(old, 0) == 0 && fx_now_ms() < until)
		usleep(POLL_MS * 1000);
}

/*
 * Undo: stop the new master (QUIT, then KILL if it will not go: a
 * binary that hangs may not even read signals) and wait for the pid
 * file to name the old master again.  Only the new master is signalled:
 * the old one restarts its workers itself when its child exits.  The
 * binary -b installed is put back.  An interruption right after USR2
 * may come before the old master has forked: look for the new master
 * until the old one has taken its USR2 and held the rolled-back view
 * for a moment, so that no new generation starts behind our back.
 */
static int
rollback(int code, const char *phase_name, const char *why)
{
	long long deadline = fx_now_ms() + 30000, kill_at = deadline;
	long long still = 0;
	pid_t old = u.st.old, new_master = u.st.new_master, n;
	int seen = new_master > 0;
	int parked = strcmp(phase_name, "drain") == 0 ||
	    strcmp(phase_name, "bake") == 0;

	progress("%s failed: %s: rolling back", phase_name, why);
	phase("rollback");
	restore_binary();
	while (fx_now_ms() < deadline) {
		if (!alive(old)) {
			progress("the old master %ld is gone too", (long)old);
			break;
		}
		if (!alive(new_master) && (n = find_new_master(old)) > 0 &&
		    alive(n))
			new_master = n;
		if (alive(new_master) && kill_at == deadline) {
			kill(new_master, SIGQUIT);
			progress("QUIT sent to the new master %ld",
			    (long)new_master);
			kill_at = fx_now_ms() + 3000;
			seen = 1;
		}
		if (fx_now_ms() >= kill_at && alive(new_master)) {
			progress("the new master %ld ignores QUIT: KILL",
			    (long)new_master);
			kill(new_master, SIGKILL);
			kill_at = deadline + 1;
		}
		if (fx_pidfile_read(u.pidfile) == old &&
		    access(u.oldbin, F_OK) == -1 && !alive(new_master) &&
		    find_new_master(old) <= 0 &&
		    !fx_procfs_sig_pending(old, SIGUSR2)) {
			if (still == 0)
				still = fx_now_ms();
			if (seen || fx_now_ms() - still > 300) {
				if (parked)
					unpark(old);
				progress("rolled back: %s names %ld again, "
				    "%d workers", u.pidfile, (long)old,
				    old_workers(old, 0));
				fx_upstate_clear(u.pidfile);
				return code;
			}
		} else
			still = 0;
		usleep(POLL_MS * 1000);
	}
	if (fx_now_ms() >= deadline)
		progress("rollback did not complete in time");
	fx_upstate_clear(u.pidfile);
	return code;
}

static const char *
signame(int sig)
{
	return sig == SIGINT ? "INT" : sig == SIGHUP ? "HUP" : "TERM";
}

/* INT, HUP or TERM arrived: roll back (the caller is before QUIT). */
#define INTERRUPTED(ph)	do {						\
	if (intr) {							\
		char why_[32];						\
									\
		fx_snprintf(why_, sizeof(why_), "interrupted by SIG%s",	\
		    signame(intr));					\
		return rollback(UP_RB_INTR, (ph), why_);		\
	}								\
} while (0)

/* Phase start: USR2, then wait for a new pid in the pid file. */
static int
start(void)
{
	long long deadline, still = 0;
	pid_t old = u.st.old, cur;
	struct stat st0, st;
	int seen_new = 0;

	/* A rename (to .oldbin and back) changes the pid file's ctime. */
	if (stat(u.pidfile, &st0) == -1)
		memset(&st0, 0, sizeof(st0));
	phase("start");
	if (kill(old, SIGUSR2) == -1) {
		progress("USR2 to %ld: %s", (long)old, fx_strerror(errno));
		restore_binary();
		fx_upstate_clear(u.pidfile);
		return UP_NO_SPAWN;
	}
	progress("USR2 sent to %ld", (long)old);
	deadline = fx_now_ms() + u.timeout;
	for (;;) {
		INTERRUPTED("start");
		cur = fx_pidfile_read(u.pidfile);
		if (access(u.oldbin, F_OK) == 0 || find_new_master(old) > 0 ||
		    (stat(u.pidfile, &st) == 0 && same_file(&st, &st0) &&
		    (st.st_ctim.tv_sec != st0.st_ctim.tv_sec ||
		    st.st_ctim.tv_nsec != st0.st_ctim.tv_nsec)))
			seen_new = 1;
		if (cur > 0 && cur != old && alive(cur)) {
			u.st.new_master = cur;
			break;
		}
		if (!alive(old)) {
			progress("the old master %ld died", (long)old);
			restore_binary();
			fx_upstate_clear(u.pidfile);
			return FX_EXIT_SYS;
		}
		/*
		 * The pid file names the old master again, and USR2 was taken:
		 * the new master came and went, or never came (USR2 refused,
		 * fork or exec failed).  Hold that view for a moment: the
		 * rename follows the read.
		 */
		if (cur == old && access(u.oldbin, F_OK) == -1 &&
		    !fx_procfs_sig_pending(old, SIGUSR2)) {
			if (still == 0)
				still = fx_now_ms();
			if (seen_new)
				return rollback(UP_RB_DIED, "start",
				    "the new master exited");
			if (fx_now_ms() - still > 300) {
				progress("the old master started no new one "
				    "(USR2 refused, or fork or exec failed: "
				    "see its error log)");
				restore_binary();
				fx_upstate_clear(u.pidfile);
				return UP_NO_SPAWN;
			}
		} else
			still = 0;
		if (fx_now_ms() >= deadline)
			return rollback(UP_RB_TIMEOUT, "ready",
			    "no new pid in the pid file in time");
		usleep(POLL_MS * 1000);
	}
	progress("new master %ld ready (generation %d)",
	    (long)u.st.new_master, fx_procfs_generation(u.st.new_master));
	phase("probe");
	return -1;
}

/* Phases probe, drain, bake and quit, from the one in u.st.phase. */
static int
finish(void)
{
	pid_t old = u.st.old, nm = u.st.new_master;
	long long deadline;
	const char *why = "";

	if (strcmp(u.st.phase, "probe") == 0) {
		INTERRUPTED("probe");
		if (probe(nm, &why) == -1)
			return rollback(UP_RB_PROBE, "probe", why);
		progress("the new generation answered");
		INTERRUPTED("probe");
		phase("drain");
	}
	if (strcmp(u.st.phase, "drain") == 0) {
		/*
		 * Also when resuming a killed run's drain: it may have died
		 * between writing the phase and WINCH.  A parked master
		 * ignores a second WINCH.
		 */
		n_winched = fx_procfs_children(old, winched, KIDS_MAX);
		if (n_winched < 0)
			n_winched = 0;
		kill(old, SIGWINCH);
		progress("WINCH sent to %ld", (long)old);
		deadline = fx_now_ms() + 60000;
		while (old_workers(old, nm) > 0) {
			INTERRUPTED("drain");
			if (!alive(nm))
				return rollback(UP_RB_DIED, "drain",
				    "the new master exited");
			/* A HUP unparked it (nginx's rollback)? */
			if (new_workers(old, 0) > 0 && alive(nm) &&
			    fx_procfs_sig_pending(old, SIGHUP) != 1)
				rewinch(old);
			if (fx_now_ms() >= deadline) {
				progress("old workers still draining after "
				    "60 s");
				break;
			}
			usleep(POLL_MS * 1000);
		}
		progress("old workers gone");
		phase("bake");
	}
	if (strcmp(u.st.phase, "bake") == 0) {
		deadline = fx_now_ms() + u.bake;
		do {
			INTERRUPTED("bake");
			if (!alive(nm))
				return rollback(UP_RB_DIED, "bake",
				    "the new master exited");
			if (probe(nm, &why) == -1)
				return rollback(UP_RB_BAKE, "bake", why);
			if (fx_now_ms() >= deadline)
				break;
			usleep(100 * 1000);
		} while (fx_now_ms() < deadline);
		progress("baked %lld ms", u.bake);
		phase("quit");
	}
	/* Phase quit: from here on a signal cannot stop us finishing. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (alive(old)) {
		kill(old, SIGQUIT);
		progress("QUIT sent to %ld", (long)old);
	}
	deadline = fx_now_ms() + 30000;
	while (alive(old)) {
		if (fx_now_ms() >= deadline) {
			progress("the old master %ld has not exited",
			    (long)old);
			return UP_STUCK;
		}
		usleep(POLL_MS * 1000);
	}
	fx_upstate_clear(u.pidfile);
	progress("upgraded: master %ld, generation %d", (long)nm,
	    fx_procfs_generation(nm));
	return UP_OK;
}

/* The probe URL: -u, else the first listener of master pid. */
static int
default_url(pid_t pid)
{
	static char defurl[128];
	struct fx_listen l[FX_LISTEN_MAX];

	if (u.url != NULL)
		return 0;
	if (fx_procfs_listeners(pid, l, FX_LISTEN_MAX) <= 0) {
		progress("cannot see the master's listeners: give -u");
		return -1;
	}
	fx_probe_url(&l[0], defurl, sizeof(defurl));
	u.url = defurl;
	return 0;
}

/*
 * A state file and no driver holding the lock: a run was killed.  Finish
 * its upgrade if the new generation is healthy, else roll it back.
 */
static int
resume(int abort)
{
	pid_t p;
	const char *why = "";
	int old_ok, new_ok;

	progress("found an upgrade interrupted in phase %s (driver %ld "
	    "gone): old master %ld, new master %ld", u.st.phase,
	    (long)u.st.driver, (long)u.st.old, (long)u.st.new_master);
	u.st.driver = getpid();
	old_ok = fx_procfs_master(u.st.old, u.pidfile) == 1;
	if (u.st.new_master <= 0 && old_ok)
		u.st.new_master = find_new_master(u.st.old);
	p = fx_pidfile_read(u.pidfile);
	if (u.st.new_master <= 0 && p > 0 && p != u.st.old)
		u.st.new_master = p;
	new_ok = u.st.new_master > 0 &&
	    fx_procfs_master(u.st.new_master, u.pidfile) == 1;
	if (!old_ok && !new_ok) {
		progress("neither master runs");
		restore_binary();
		fx_upstate_clear(u.pidfile);
		return UP_NOT_RUNNING;
	}
	if (!old_ok) {
		/* The old master is gone: the new one is all there is. */
		u.st.binary[0] = '\0';
		fx_upstate_clear(u.pidfile);
		progress("the old master is gone: master %ld serves alone",
		    (long)u.st.new_master);
		return UP_OK;
	}
	if (strcmp(u.st.phase, "quit") == 0 && new_ok)
		return finish();
	if (abort)
		return rollback(UP_RB_LEFT, u.st.phase, "--abort");
	if (strcmp(u.st.phase, "rollback") == 0)
		return rollback(UP_RB_LEFT, u.st.phase, "it was rolling back");
	if (!new_ok)
		return rollback(UP_RB_LEFT, u.st.phase, "no new master runs");
	if (fx_pidfile_read(u.pidfile) != u.st.new_master)
		return rollback(UP_RB_LEFT, u.st.phase, "the new master "
		    "is not ready");
	if (default_url(u.st.old) == -1)
		return rollback(UP_RB_LEFT, u.st.phase, "no probe URL");
	if (probe(u.st.new_master, &why) == -1)
		return rollback(UP_RB_LEFT, u.st.phase, why);
	progress("the new generation answers: finishing the upgrade");
	if (strcmp(u.st.phase, "drain") != 0 &&
	    strcmp(u.st.phase, "bake") != 0 && strcmp(u.st.phase, "quit") != 0)
		phase("probe");
	return finish();
}

/* The lock, then any leftover state; -1 when a new upgrade may start. */
static int
take_over(int abort, int *lockfd)
{
	int r;

	if ((*lockfd = fx_upstate_lock(u.pidfile)) == -1) {
		if (errno == EWOULDBLOCK) {
			progress("refused: another fenix upgrade runs (%s.lock"
			    " is locked)", u.pidfile);
			return UP_REFUSED;
		}
		progress("lock %s.lock: %s", u.pidfile, fx_strerror(errno));
		return FX_EXIT_SYS;
	}
	r = fx_upstate_read(u.pidfile, &u.st);
	if (r == 1)
		return resume(abort);
	if (r == -1) {
		progress("%s.upgrade: unreadable or junk: removed", u.pidfile);
		fx_upstate_clear(u.pidfile);
	}
	memset(&u.st, 0, sizeof(u.st));
	if (abort) {
		progress("no interrupted upgrade to abort");
		return UP_NOT_RUNNING;
	}
	return -1;
}

int
upgrade_main(int argc, char **argv)
{
	const char *bin = NULL, *why = "";
	char exe[PATH_MAX], path[1024];
	struct fx_listen l[FX_LISTEN_MAX];
	struct sigaction sa;
	long long v;
	pid_t old, cur;
	int c, i, n, r, lockfd, abort = 0, id;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fx_puts(usage);
		return FX_EXIT_OK;
	}
	for (i = n = 1; i < argc; i++)
		if (strcmp(argv[i], "--abort") == 0)
			abort = 1;
		else
			argv[n++] = argv[i];
	argc = n;
	u.timeout = 10000;
	u.bake = 3000;
	opterr = 0;
	while ((c = getopt(argc, argv, "p:b:t:u:w:")) != -1) {
		switch (c) {
		case 'p': u.pidfile = optarg; break;
		case 'b': bin = optarg; break;
		case 'u': u.url = optarg; break;
		case 't':
			if (fx_parse_msec(optarg, 3600000, &v) == -1 || v == 0)
				fx_fatalx(FX_EXIT_USAGE, "-t '%s': needs "
				    "seconds", optarg);
			u.timeout = v;
			break;
		case 'w':
			if (fx_parse_msec(optarg, 3600000, &v) == -1)
				fx_fatalx(FX_EXIT_USAGE, "-w '%s': needs "
				    "seconds", optarg);
			u.bake = v;
			break;
		default:
			fx_fatalx(FX_EXIT_USAGE,
			    "unknown option -%c or a missing "
			    "value (see fenix upgrade --help)", optopt);
		}
	}
	if (optind < argc)
		fx_fatalx(FX_EXIT_USAGE, "unexpected argument '%s'",
		    argv[optind]);
	if (u.url != NULL && fx_probe_parse(u.url, &l[0], path, sizeof(path),
	    &why) == -1)
		fx_fatalx(FX_EXIT_USAGE, "-u '%s': %s", u.url, why);
	if (u.pidfile == NULL)
		u.pidfile = fx_pidfile_default();
	if (fx_pidfile_oldbin(u.pidfile, u.oldbin, sizeof(u.oldbin)) == -1)
		fx_fatalx(FX_EXIT_USAGE, "-p: path too long");
	t0 = fx_now_ms();
	/* A dropped session (HUP), Ctrl-C or TERM: roll back, then exit. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	old = fx_pidfile_read(u.pidfile);
	if (old == -1) {
		progress("not running: %s%s%s", u.pidfile, errno == EINVAL ||
		    errno == ELOOP || errno == ENXIO ? " " : ": ",
		    fx_pidfile_strerror(errno));
		return UP_NOT_RUNNING;
	}
	id = old > 0 ? fx_procfs_master(old, u.pidfile) : 0;
	if (id == -1) {
		progress("refused: cannot tell what pid %ld is (/proc hides "
		    "it: hidepid, or another user's process)", (long)old);
		return UP_NO_SPAWN;
	}
	/* No master, no upgrade of ours, none by hand: touch nothing. */
	cur = fx_pidfile_read(u.oldbin);
	if (id == 0 && fx_upstate_read(u.pidfile, &u.st) == 0 &&
	    !(cur > 0 && fx_procfs_master(cur, u.pidfile) == 1)) {
		progress("not running: %s %s", u.pidfile, old == 0 ?
		    "does not exist" : "names no fenix master of it");
		return UP_NOT_RUNNING;
	}
	/* One driver at a time; a killed one's upgrade is resolved first. */
	if ((r = take_over(abort, &lockfd)) != -1)
		return r;
	u.st.driver = getpid();

	/* Phase check: a live fenix master of this pid file, no upgrade. */
	id = old > 0 ? fx_procfs_master(old, u.pidfile) : 0;
	if (id != 1) {
		cur = fx_pidfile_read(u.oldbin);
		if (cur > 0 && fx_procfs_master(cur, u.pidfile) == 1) {
			progress("refused: an upgrade is in progress (old "
			    "master %ld)", (long)cur);
			return UP_REFUSED;
		}
		progress("not running: %s %s", u.pidfile, old == 0 ?
		    "does not exist" : "names no fenix master of it");
		return UP_NOT_RUNNING;
	}
	cur = fx_pidfile_read(u.oldbin);
	if (cur > 0 && fx_procfs_master(cur, u.pidfile) == 1) {
		progress("refused: an upgrade is in progress (old master %ld)",
		    (long)cur);
		return UP_REFUSED;
	}
	u.st.old = old;
	if (default_url(old) == -1)
		return UP_NO_SPAWN;
	progress("master %ld, generation %d, probe %s", (long)old,
	    fx_procfs_generation(old), u.url);

	/* Phase install: the new binary over the master's executable. */
	if (bin != NULL) {
		struct stat st;
		char *del;

		if (stat(bin, &st) == -1 || !S_ISREG(st.st_mode) ||
		    access(bin, X_OK) == -1) {
			progress("install failed: %s is not an executable "
			    "file", bin);
			return UP_NO_SPAWN;
		}
		if (fx_procfs_exe(old, exe, sizeof(exe)) == -1) {
			progress("install failed: executable of %ld: %s",
			    (long)old, fx_strerror(errno));
			return UP_NO_SPAWN;
		}
		if ((del = fx_strstr(exe, " (deleted)")) != NULL)
			*del = '\0';
		fx_snprintf(u.st.binary, sizeof(u.st.binary), "%s", exe);
		phase("install");
		if (install(bin, exe, old) == -1) {
			progress("install failed: %s over %s: %s", bin, exe,
			    fx_strerror(errno));
			u.st.binary[0] = '\0';
			fx_upstate_clear(u.pidfile);
			return UP_NO_SPAWN;
		}
		progress("installed %s as %s (the running one kept as "
		    "%s.old)", bin, exe, exe);
		if (intr) {
			restore_binary();
			fx_upstate_clear(u.pidfile);
			progress("interrupted by SIG%s: nothing started",
			    signame(intr));
			return UP_RB_INTR;
		}
	}
	if ((r = start()) != -1)
		return r;
	return finish();
}
#endif
