/* SPDX-License-Identifier: MIT */
/*
 * init.c - the PID 1 duties (see init.h).  Init owns nothing but a
 * signalfd and a few pids; it allocates nothing after the fork, and no
 * error makes it exit: a container ends when its PID 1 does.  Once the
 * last master is gone it ends what is left (TERM, then KILL) and exits
 * with that master's status, as the kernel would end the namespace.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt.h"
#include "config.h"
#include "init.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "procfs.h"
#include "util.h"

#define KILL_GRACE_MS	2000	/* after TERM, before KILL */
#define SETTLE_MS	500	/* no master left: a new one may still show */
#define MAX_MASTERS	8
#define MAX_LEFT	256	/* leftovers signalled per round (subreaper) */

static pid_t masters[MAX_MASTERS];	/* pids known to be masters */
static char *pidfile, *oldbin;		/* on the heap: no idle bss pages */
static int stopping;			/* the masters were told to stop */

/* Remember pid as a master; 1 if it was not known. */
static int
remember(pid_t pid)
{
	int i, free_slot = -1;

	if (pid <= 0 || kill(pid, 0) == -1)
		return 0;
	for (i = 0; i < MAX_MASTERS; i++) {
		if (masters[i] == pid)
			return 0;
		if (masters[i] == 0 && free_slot == -1)
			free_slot = i;
	}
	if (free_slot == -1)
		return 0;
	masters[free_slot] = pid;
	return 1;
}

/*
 * Learn the masters from the pid files (a new one after an upgrade).  A
 * master that shows up while the masters stop is told to stop too.
 */
static void
learn(void)
{
	pid_t p;

	if (remember(p = fx_pidfile_read(pidfile)) && stopping)
		kill(p, SIGQUIT);
	if (remember(p = fx_pidfile_read(oldbin)) && stopping)
		kill(p, SIGQUIT);
}

static int
forget(pid_t pid)
{
	int i;

	for (i = 0; i < MAX_MASTERS; i++)
		if (masters[i] == pid) {
			masters[i] = 0;
			return 1;
		}
	return 0;
}

/* How many masters run (those that exited are forgotten). */
static int
masters_left(void)
{
	int i, n = 0;

	learn();
	for (i = 0; i < MAX_MASTERS; i++) {
		if (masters[i] > 0 && kill(masters[i], 0) == -1 &&
		    errno == ESRCH)
			masters[i] = 0;
		n += masters[i] > 0;
	}
	return n;
}

static void
signal_masters(int sig)
{
	int i;

	learn();
	for (i = 0; i < MAX_MASTERS; i++)
		if (masters[i] > 0)
			kill(masters[i], sig);
}

static void
signal_current(pid_t child, int sig)
{
	pid_t pid = fx_pidfile_read(pidfile);

	if (pid <= 0 || kill(pid, 0) == -1)
		pid = child;
	if (pid > 0)
		kill(pid, sig);
}

/* The old master of an upgrade in progress (PIDFILE.oldbin), or 0. */
static pid_t
upgrading(void)
{
	pid_t pid = fx_pidfile_read(oldbin);

	if (pid <= 0 || kill(pid, 0) == -1)
		return 0;
	remember(pid);
	return pid;
}

/*
 * Signal what is left once no master runs: every process of the
 * namespace as PID 1, else (a subreaper) our children, which include
 * every orphan of ours.
 */
static void
signal_left(int sig)
{
	pid_t kids[MAX_LEFT];
	int i, n;

	if (getpid() == 1) {
		kill(-1, sig);
		return;
	}
	n = fx_procfs_children(getpid(), kids, MAX_LEFT);
	for (i = 0; i < n; i++)
		kill(kids[i], sig);
}

/* Close every fd from 3 up but keep: the master has its own copies. */
static void
close_inherited(int keep)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != keep)
			(void)close(fd);
}

/*
 * In the master (init's child): systemd's LISTEN_PID named init, whose
 * sockets are now the master's: name the master instead.
 */
static void
pass_activation(pid_t init)
{
	const char *s = getenv("LISTEN_PID");
	char buf[24];
	long long v;

	if (s == NULL || fx_parse_num(s, 1, 1 << 30, &v) == -1 || v != init)
		return;
	fx_snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	(void)fx_env_set("LISTEN_PID", buf);
}

static void
stop_masters(void)
{
	stopping = 1;
	(void)fx_notify("STOPPING=1");
	signal_masters(SIGQUIT);
}

void
fx_init_start(const char *pf, int subreaper, long long delay_ms,
    long long stop_ms)
{
	struct signalfd_siginfo si;
	struct pollfd p;
	sigset_t set, old;
	long long now, quit_at = 0, term_at = 0, kill_at = 0, next;
	long long settle_at = 0, left_kill_at = 0;
	pid_t child, pid, self = getpid();
	int fd, status, last = 0, timeout;

	if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		fx_fatal(FX_EXIT_SYS, "PR_SET_CHILD_SUBREAPER");
	pidfile = fx_xstrdup(pf);
	oldbin = fx_xmalloc(strlen(pf) + sizeof(FX_OLDBIN));
	fx_pidfile_oldbin(pidfile, oldbin, strlen(pf) + sizeof(FX_OLDBIN));
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fx_fatal(FX_EXIT_SYS, "signalfd");
	if ((child = _Fork()) == -1)
		fx_fatal(FX_EXIT_SYS, "fork");
	if (child == 0) {
		close(fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		fx_log_init(NULL);
		pass_activation(self);
		return;
	}
	/* Inherited sockets left open here would queue connections. */
	close_inherited(fd);
	remember(child);
	fx_log_init("init");
	fx_log_info("init for master %ld%s", (long)child,
	    subreaper ? " (subreaper)" : "");

	/* From here on init must not die: it is the container. */
	for (;;) {
		now = fx_now_ms();
		next = -1;
		if (quit_at != 0)
			next = quit_at;
		if (term_at != 0 && (next == -1 || term_at < next))
			next = term_at;
		if (kill_at != 0 && (next == -1 || kill_at < next))
			next = kill_at;
		if (settle_at != 0 && (next == -1 || settle_at < next))
			next = settle_at;
		if (left_kill_at != 0 && (next == -1 || left_kill_at < next))
			next = left_kill_at;
		timeout = next == -1 ? -1 : next <= now ? 0 : (int)(next - now);
		p.fd = fd;
		p.events = POLLIN;
		(void)poll(&p, 1, timeout);
		while (read(fd, &si, sizeof(si)) == sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGCHLD:
				break;
			case SIGHUP:
			case SIGUSR1:
			case SIGUSR2:
				signal_current(child, (int)si.ssi_signo);
				break;
			case SIGWINCH:
				/* During an upgrade: to the old master. */
				if ((pid = upgrading()) > 0)
					kill(pid, SIGWINCH);
				else
					signal_current(child, SIGWINCH);
				break;
			case SIGQUIT:
				/* During an upgrade: ends the old master. */
				if (!stopping && (pid = upgrading()) > 0) {
					fx_log_info("QUIT: to the old master "
					    "%ld", (long)pid);
					kill(pid, SIGQUIT);
					break;
				}
				stop_masters();
				if (term_at == 0)
					term_at = fx_now_ms() + stop_ms;
				break;
			case SIGINT:
				stopping = 1;
				signal_masters(SIGTERM);
				if (kill_at == 0)
					kill_at = fx_now_ms() + KILL_GRACE_MS;
				break;
			case SIGTERM:
				/* docker stop: keep serving delay_ms, drain. */
				if (quit_at == 0 && term_at == 0) {
					fx_log_info("TERM: draining in %lld ms",
					    delay_ms);
					/* health_path: 503 from now on */
					if (ENABLE_FEATURE_HEALTH)
						signal_masters(SIGURG);
					quit_at = fx_now_ms() + delay_ms;
				}
				break;
			default:
				break;
			}
		}
		now = fx_now_ms();
		if (quit_at != 0 && now >= quit_at) {
			quit_at = 0;
			stop_masters();
			term_at = now + stop_ms;
		}
		if (term_at != 0 && now >= term_at) {
			term_at = 0;
			fx_log_warnx("stop timeout: TERM to the masters");
			signal_masters(SIGTERM);
			kill_at = now + KILL_GRACE_MS;
		}
		if (kill_at != 0 && now >= kill_at) {
			kill_at = 0;
			fx_log_warnx("still running: KILL");
			signal_masters(SIGKILL);
		}
		/* Reap every child: masters, and orphans the kernel gave us. */
		for (;;) {
			pid = waitpid(-1, &status, WNOHANG);
			if (pid == -1 && errno == ECHILD) {
				fx_log_info("no process left: exiting %d",
				    last);
				_exit(last);
			}
			if (pid <= 0)
				break;
			/* Before forget: a new master may have taken over. */
			learn();
			if (forget(pid) || pid == child)
				last = WIFSIGNALED(status) ?
				    128 + WTERMSIG(status) :
				    WEXITSTATUS(status);
		}
		/*
		 * No master left: what remains would keep the container
		 * alive.  Wait a moment for a new master starting up to write
		 * its pid file, then TERM, then KILL.
		 */
		if (masters_left() > 0) {
			settle_at = left_kill_at = 0;
			continue;
		}
		if (settle_at == 0 && left_kill_at == 0)
			settle_at = now + SETTLE_MS;
		if (settle_at != 0 && now >= settle_at) {
			settle_at = 0;
			fx_log_info("no master left: TERM to the rest");
			signal_left(SIGTERM);
			left_kill_at = now + KILL_GRACE_MS;
		}
		if (left_kill_at != 0 && now >= left_kill_at) {
			fx_log_warnx("still running: KILL to the rest");
			signal_left(SIGKILL);
			left_kill_at = now + KILL_GRACE_MS;
		}
	}
}
