/* SPDX-License-Identifier: MIT */
/*
 * init.c - the PID 1 duties (see init.h).  Init owns nothing but a
 * signalfd and a few pids; it allocates nothing after the fork, and no
 * error makes it exit: a container ends when its PID 1 does.
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

#include "init.h"
#include "log.h"
#include "pidfile.h"
#include "util.h"

#define KILL_GRACE_MS	2000	/* after TERM, before KILL */
#define MAX_MASTERS	8

static pid_t masters[MAX_MASTERS];	/* pids known to be masters */
static char *pidfile, *oldbin;		/* on the heap: no idle bss pages */

static void
remember(pid_t pid)
{
	int i, free_slot = -1;

	if (pid <= 0)
		return;
	for (i = 0; i < MAX_MASTERS; i++) {
		if (masters[i] == pid)
			return;
		if (masters[i] == 0 && free_slot == -1)
			free_slot = i;
	}
	if (free_slot != -1)
		masters[free_slot] = pid;
}

/* Learn the masters from the pid files (a new one after an upgrade). */
static void
learn(void)
{
	remember(fx_pidfile_read(pidfile));
	remember(fx_pidfile_read(oldbin));
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

void
fx_init_start(const char *pf, int subreaper, long long delay_ms,
    long long stop_ms)
{
	struct signalfd_siginfo si;
	struct pollfd p;
	sigset_t set, old;
	long long now, quit_at = 0, term_at = 0, kill_at = 0, next;
	pid_t child, pid;
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
	if ((child = fork()) == -1)
		fx_fatal(FX_EXIT_SYS, "fork");
	if (child == 0) {
		close(fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		fx_log_init(NULL);
		return;
	}
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
			case SIGWINCH:
				signal_current(child, (int)si.ssi_signo);
				break;
			case SIGQUIT:
				signal_masters(SIGQUIT);
				if (term_at == 0)
					term_at = fx_now_ms() + stop_ms;
				break;
			case SIGINT:
				signal_masters(SIGTERM);
				if (kill_at == 0)
					kill_at = fx_now_ms() + KILL_GRACE_MS;
				break;
			case SIGTERM:
				/* docker stop: keep serving delay_ms, drain. */
				if (quit_at == 0 && term_at == 0) {
					fx_log_info("TERM: draining in %lld ms",
					    delay_ms);
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
			signal_masters(SIGQUIT);
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
	}
}
