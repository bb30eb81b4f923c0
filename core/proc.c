/* SPDX-License-Identifier: MIT */
/*
 * proc.c - the master cycle (nginx's): fork the workers, reap and respawn
 * them (with back-off when they crash in a loop), forward signals.  The
 * master reads its signals from a signalfd in a plain poll loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"
#include "worker.h"

#define MAX_WORKERS	1024
#define READY_MS	5000		/* a worker must be up within this */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	10000
#define CRASH_WINDOW_MS	1000		/* died sooner: a crash loop */

struct wk {
	pid_t		 pid;		/* 0: slot free */
	long long	 started;	/* ms */
	long long	 respawn_at;	/* ms; 0: not waiting */
	long long	 backoff;	/* ms */
};

static struct wk *wks;
static int nwk;
static int sig_fd = -1;
static sigset_t sig_set;

static pid_t
spawn(struct fx_conf *conf, struct wk *w, int ready_fd)
{
	pid_t master = getpid(), pid;

	pid = fork();
	if (pid == -1) {
		fx_log_warn("fork");
		return -1;
	}
	if (pid > 0) {
		w->pid = pid;
		w->started = fx_now_ms();
		w->respawn_at = 0;
		return pid;
	}
	/* Worker: die with the master, even if it is gone already. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != master)
		_exit(FX_EXIT_SYS);
	fx_log_init(NULL);
	close(sig_fd);
	sigprocmask(SIG_UNBLOCK, &sig_set, NULL);
	_exit(fx_worker_run(conf, ready_fd));
}

static void
signal_workers(int sig)
{
	int i;

	for (i = 0; i < nwk; i++)
		if (wks[i].pid > 0)
			kill(wks[i].pid, sig);
}

static int
live_workers(void)
{
	int i, n = 0;

	for (i = 0; i < nwk; i++)
		n += wks[i].pid > 0;
	return n;
}

/* Wait up to READY_MS for n workers to report on the ready pipe. */
static int
wait_ready(int fd, int n)
{
	long long deadline = fx_now_ms() + READY_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[64];
	ssize_t r;
	int left;

	while (n > 0) {
		left = (int)(deadline - fx_now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		r = read(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf));
		if (r <= 0)
			return -1;
		n -= (int)r;
	}
	return 0;
}

static void
reap(int stopping)
{
	int i, status;
	pid_t pid;
	long long now = fx_now_ms();

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nwk; i++)
			if (wks[i].pid == pid)
				break;
		if (i == nwk)
			continue;
		wks[i].pid = 0;
		if (stopping)
			continue;
		if (WIFSIGNALED(status))
			fx_log_warnx("worker %ld killed by signal %d",
			    (long)pid, WTERMSIG(status));
		else
			fx_log_warnx("worker %ld exited with %d", (long)pid,
			    WEXITSTATUS(status));
		if (now - wks[i].started < CRASH_WINDOW_MS) {
			wks[i].backoff = wks[i].backoff == 0 ? BACKOFF_MIN_MS :
			    wks[i].backoff * 2;
			if (wks[i].backoff > BACKOFF_MAX_MS)
				wks[i].backoff = BACKOFF_MAX_MS;
			fx_log_warnx("worker crash loop: respawning in %lld ms",
			    wks[i].backoff);
		} else
			wks[i].backoff = 0;
		wks[i].respawn_at = now + wks[i].backoff;
	}
}

/* Write pid to path atomically (temp file, rename).  0 or -1. */
static int
pidfile_write(const char *path, pid_t pid)
{
	char tmp[4096], buf[24];
	int fd, n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	if (fx_write_all(fd, buf, (size_t)n) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
fx_proc_master(struct fx_conf *conf)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	long long now, next, kill_at = 0;
	int ready[2], i, timeout, stopping = 0, noaccept = 0;
	char junk[64];

	nwk = conf->workers > 0 ? conf->workers :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nwk < 1)
		nwk = 1;
	if (nwk > MAX_WORKERS)
		nwk = MAX_WORKERS;
	wks = fx_xcalloc((size_t)nwk, sizeof(*wks));
	if (pipe2(ready, O_CLOEXEC | O_NONBLOCK) == -1)
		fx_fatal(FX_EXIT_SYS, "pipe");
	sigemptyset(&sig_set);
	sigaddset(&sig_set, SIGCHLD);
	sigaddset(&sig_set, SIGTERM);
	sigaddset(&sig_set, SIGINT);
	sigaddset(&sig_set, SIGQUIT);
	sigaddset(&sig_set, SIGHUP);
	sigaddset(&sig_set, SIGUSR1);
	sigaddset(&sig_set, SIGUSR2);
	sigaddset(&sig_set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &sig_set, NULL);
	sig_fd = signalfd(-1, &sig_set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd == -1)
		fx_fatal(FX_EXIT_SYS, "signalfd");
	for (i = 0; i < nwk; i++)
		if (spawn(conf, &wks[i], ready[1]) == -1)
			fx_fatal(FX_EXIT_SYS, "cannot start workers");
	if (wait_ready(ready[0], nwk) == -1)
		fx_log_warnx("workers slow to start");
	if (conf->pidfile != NULL && pidfile_write(conf->pidfile,
	    getpid()) == -1)
		fx_log_warn("pid file %s", conf->pidfile);
	for (i = 0; i < conf->nlisten; i++)
		fx_log_info("listening on %s", conf->listen[i].name);
	fx_log_info("master %ld, %d workers", (long)getpid(), nwk);

	/* From here on the master must not die: log, back off, retry. */
	for (;;) {
		now = fx_now_ms();
		next = -1;
		for (i = 0; i < nwk; i++)
			if (wks[i].pid == 0 && wks[i].respawn_at != 0 &&
			    (next == -1 || wks[i].respawn_at < next))
				next = wks[i].respawn_at;
		if (kill_at != 0 && (next == -1 || kill_at < next))
			next = kill_at;
		timeout = next == -1 ? -1 : next <= now ? 0 : (int)(next - now);
		p[0].fd = sig_fd;
		p[0].events = POLLIN;
		p[1].fd = ready[0];
		p[1].events = POLLIN;
		if (poll(p, 2, timeout) == -1 && errno != EINTR) {
			fx_log_warn("poll");
			continue;
		}
		while (read(ready[0], junk, sizeof(junk)) > 0)
			;
		while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGCHLD:
				break;
			case SIGTERM:
			case SIGINT:
				stopping = 2;
				signal_workers(SIGTERM);
				kill_at = fx_now_ms() + 2000;
				break;
			case SIGQUIT:
				if (stopping == 0) {
					stopping = 1;
					kill_at = fx_now_ms() +
					    conf->shutdown_ms + 1000;
				}
				signal_workers(SIGQUIT);
				break;
			case SIGWINCH:
				noaccept = 1;
				signal_workers(SIGQUIT);
				break;
			case SIGUSR1:
				signal_workers(SIGUSR1);
				break;
			case SIGHUP:
			case SIGUSR2:
				fx_log_warnx("signal %d: not handled yet",
				    (int)si.ssi_signo);
				break;
			}
		}
		reap(stopping || noaccept);
		if (stopping && live_workers() == 0)
			break;
		now = fx_now_ms();
		if (kill_at != 0 && now >= kill_at) {
			fx_log_warnx("workers still running: SIGKILL");
			signal_workers(SIGKILL);
			kill_at = now + 1000;
		}
		if (stopping || noaccept)
			continue;
		for (i = 0; i < nwk; i++)
			if (wks[i].pid == 0 && wks[i].respawn_at != 0 &&
			    wks[i].respawn_at <= now)
				spawn(conf, &wks[i], ready[1]);
	}
	if (conf->pidfile != NULL)
		unlink(conf->pidfile);
	fx_log_info("exiting");
	return FX_EXIT_OK;
}
