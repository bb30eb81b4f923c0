/* SPDX-License-Identifier: MIT */
/*
 * proc.c - the master cycle, in nginx's manner: fork the workers, reap and
 * respawn them (with back-off when they crash in a loop), and act on
 * signals read from a signalfd in one poll loop: TERM/INT fast stop, QUIT
 * graceful stop, HUP reload, USR1 reopen logs, USR2 upgrade, WINCH stop
 * the workers.  The upgrade itself (exec and rollback) is in upgrade.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt.h"
#include "alog.h"
#include "auth.h"
#include "config.h"
#include "counters.h"
#include "file.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "proc.h"
#include "procfs.h"
#include "psock.h"
#include "site.h"
#include "upgrade.h"
#include "util.h"
#include "worker.h"

#define MAX_WORKERS	1024
#define MAX_SLOTS	(2 * MAX_WORKERS)	/* old and new during a HUP */
#define READY_MS	5000		/* workers must be up within this */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	10000
#define CRASH_WINDOW_MS	1000		/* died sooner: a crash loop */
#define ERRLEN		512

struct wk {
	pid_t		 pid;		/* 0: slot free */
	int		 retiring;	/* told to QUIT: never respawned */
	long long	 started;	/* ms */
	long long	 respawn_at;	/* ms; 0: nothing to respawn */
	long long	 backoff;	/* ms */
};

static struct wk wks[MAX_SLOTS];
static int nwk;			/* live generation: slots 0..nwk-1 */
static int sig_fd = -1;
static int ready_rd = -1, ready_wr = -1;
static sigset_t sig_set;
static struct fx_conf *cur;
static const struct fx_master_opts *mo;
static pid_t parent_master;	/* the master that exec'd us, or 0 */

/*
 * The master's state.  An upgrade is named by up_state(): UP_NONE, then
 * USR2 starts a new master beside our workers (UP_STARTED), WINCH stops
 * our workers while we keep the sockets (UP_PARKED); QUIT ends us (the
 * upgrade is done), or the new master exits and we roll back to UP_NONE
 * with our workers again.  WINCH without an upgrade only parks (idle).
 */
enum up_state { UP_NONE, UP_STARTED, UP_PARKED };

static pid_t new_master;	/* the upgrade's new master, or 0 */
static int noaccept;		/* WINCH: our workers are stopped */
static int stopping;		/* STOP_DRAIN (QUIT) or STOP_FAST (TERM) */
static int handed_back;		/* a rollback's QUIT: leave at once */
static long long kill_at;	/* ms: SIGKILL the workers left; 0: none */
static int generation;
#define STOP_DRAIN	1
#define STOP_FAST	2

static const int master_sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
    SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, IF_FEATURE_HEALTH(SIGURG,) 0 };

/* Workers for c: -w, else one per CPU; 1 to MAX_WORKERS. */
static int
worker_count(const struct fx_conf *c)
{
	int n = c->workers > 0 ? c->workers : fx_ncpu();

	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

/* Resolve conf->user into uid and gid.  0, or -1 with err. */
static int
resolve_user(struct fx_conf *c, char *err)
{
	long uid, gid;

	c->uid = c->gid = -1;
	if (c->user != NULL) {
		if (fx_getpw(c->user, &uid, &gid) == -1) {
			fx_snprintf(err, ERRLEN, "user %s: %s", c->user,
			    errno == ENOENT ? "no such user in /etc/passwd" :
			    fx_strerror(errno));
			return -1;
		}
		if (geteuid() != 0 && (uid_t)uid != geteuid()) {
			fx_snprintf(err, ERRLEN,
			    "user %s: only root can switch "
			    "to another user", c->user);
			return -1;
		}
		c->uid = uid;
		c->gid = gid;
	}
	if (c->refuse_root && (c->uid == 0 || (c->uid == -1 &&
	    geteuid() == 0))) {
		fx_snprintf(err, ERRLEN,
		    "refuse_root is on and the workers would "
		    "run as root (set user)");
		return -1;
	}
	return 0;
}

/*
 * Make c the configuration in force: root, logs, listeners (taken over
 * from old where the address is the same, else bound).  On failure
 * nothing changes and err says why.
 */
static int
setup(struct fx_conf *c, struct fx_conf *old, char *err)
{
	int i, j;

	if (resolve_user(c, err) == -1)
		return -1;
	for (i = 0; i < c->nlisten; i++) {
		for (j = 0; c->listen[i].fd == -1 && old != NULL &&
		    j < old->nlisten; j++)
			if (old->listen[j].fd != -1 &&
			    strcmp(old->listen[j].name,
			    c->listen[i].name) == 0) {
				c->listen[i].fd = old->listen[j].fd;
				break;
			}
		if (c->listen[i].fd == -1) {
			if (fx_listen_open(&c->listen[i], c->backlog) == -1) {
				fx_snprintf(err, ERRLEN, "listen on %s: %s",
				    c->listen[i].name, fx_strerror(errno));
				goto undo;
			}
		} else if (fx_listen_backlog(&c->listen[i], c->backlog) == -1)
			/* inherited or kept: the backlog set now applies */
			fx_log_warn("backlog %d on %s", c->backlog,
			    c->listen[i].name);
	}
	if (fx_file_init(c->root) == -1) {
		fx_snprintf(err, ERRLEN, "document root %s: %s", c->root,
		    fx_strerror(errno));
		goto undo;
	}
	if (c->access_log != NULL && !ENABLE_FEATURE_ACCESS_LOG) {
		fx_snprintf(err, ERRLEN, "access_log: not built in "
		    "(FEATURE_ACCESS_LOG)");
		goto undo;
	}
	if (fx_alog_open(c->access_log) == -1) {
		fx_snprintf(err, ERRLEN, "access log %s: %s", c->access_log,
		    fx_strerror(errno));
		goto undo;
	}
	if (c->access_log != NULL && c->uid != -1)
		(void)!chown(c->access_log, (uid_t)c->uid, (gid_t)c->gid);
	if (c->error_log != NULL && fx_log_open(c->error_log) == -1) {
		fx_snprintf(err, ERRLEN, "error log %s: %s", c->error_log,
		    fx_strerror(errno));
		goto undo;
	}
	/* Workers reopen the logs on USR1 as their user. */
	if (c->error_log != NULL && c->uid != -1)
		(void)!chown(c->error_log, (uid_t)c->uid, (gid_t)c->gid);
	fx_file_conf.symlinks = c->symlinks;
	fx_file_conf.dotfiles = c->dotfiles;
	fx_file_conf.dirlist = c->dirlist;
	fx_file_conf.gzip_static = c->gzip_static;
	if (ENABLE_FEATURE_PRECOMPRESSED)
		fx_file_conf.gzip_static |= c->precompressed << 1;
	if (ENABLE_FEATURE_AUTH)
		fx_auth_rules = c->auth_rules;
	/* Old listeners not taken over are closed by the caller. */
	for (i = 0; old != NULL && i < old->nlisten; i++)
		for (j = 0; j < c->nlisten; j++)
			if (old->listen[i].fd == c->listen[j].fd)
				old->listen[i].fd = -1;	/* moved */
	return 0;
undo:
	for (j = 0; j < i && j < c->nlisten; j++) {
		int shared = 0, k;

		for (k = 0; old != NULL && k < old->nlisten; k++)
			shared |= old->listen[k].fd == c->listen[j].fd;
		if (!shared && c->listen[j].fd != -1)
			close(c->listen[j].fd);
		else if (shared)	/* the old backlog again */
			(void)fx_listen_backlog(&c->listen[j], old->backlog);
		c->listen[j].fd = -1;
	}
	if (old != NULL && old->root != NULL)
		(void)fx_file_init(old->root);
	if (old != NULL)
		(void)fx_alog_open(old->access_log);
	return -1;
}

/* In a new worker: drop to the configured user, and check it stuck. */
static void
drop_privileges(const struct fx_conf *c)
{
	gid_t g;

	if (c->uid == -1)
		return;
	g = (gid_t)c->gid;
	if (fx_setids((uid_t)c->uid, g) == -1)
		fx_fatal(FX_EXIT_SYS, "cannot become user %s", c->user);
	if (getuid() != (uid_t)c->uid || geteuid() != (uid_t)c->uid ||
	    getgid() != g || getegid() != g ||
	    (c->uid != 0 && fx_setuid(0) != -1))
		fx_fatalx(FX_EXIT_SYS, "privileges not dropped to %s", c->user);
}

static pid_t
spawn(struct wk *w)
{
	pid_t master = getpid(), pid;

	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_spawn((int)(w - wks));
	pid = _Fork();
	if (pid == -1) {
		fx_log_warn("fork");
		w->respawn_at = fx_now_ms() + BACKOFF_MAX_MS / 10;
		return -1;
	}
	if (pid > 0) {
		if (ENABLE_FEATURE_COUNTERS)
			fx_ctr_spawned(pid);
		w->pid = pid;
		w->started = fx_now_ms();
		w->respawn_at = 0;
		w->retiring = 0;
		return pid;
	}
	/*
	 * Worker: drain as on QUIT when the master dies, even if it is gone
	 * already (bounded by shutdown_timeout), so that a killed master
	 * breaks no request in flight.
	 */
	prctl(PR_SET_PDEATHSIG, SIGQUIT);
	if (getppid() != master)
		_exit(FX_EXIT_SYS);
	fx_log_init(NULL);
	close(sig_fd);
	close(ready_rd);
	/*
	 * The master's own signals (upgrade, reload, WINCH) reach workers
	 * too when they are sent to a process group or a cgroup (systemctl
	 * kill, tini -g): ignore them, before they are unblocked.
	 */
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGWINCH, SIG_IGN);
	/*
	 * TERM, INT, QUIT and USR1 stay blocked for the worker's signalfd:
	 * one sent since the fork (the master's QUIT, or PDEATHSIG) waits
	 * there, where unblocking would discard it when the master was
	 * started with it ignored (a background job of a script).
	 */
	sigdelset(&sig_set, SIGTERM);
	sigdelset(&sig_set, SIGINT);
	sigdelset(&sig_set, SIGQUIT);
	sigdelset(&sig_set, SIGUSR1);
	if (ENABLE_FEATURE_HEALTH)
		sigdelset(&sig_set, SIGURG);
	sigprocmask(SIG_UNBLOCK, &sig_set, NULL);
	drop_privileges(cur);
	_exit(fx_worker_run(cur, ready_wr));
}

/* Send sig to the workers: the live ones, the retiring ones, or all. */
#define WK_LIVE		1
#define WK_RETIRING	2
static void
signal_workers(int which, int sig)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++)
		if (wks[i].pid > 0 && (which & (wks[i].retiring ?
		    WK_RETIRING : WK_LIVE)))
			kill(wks[i].pid, sig);
}

static int
count_workers(int which)
{
	int i, n = 0;

	for (i = 0; i < MAX_SLOTS; i++)
		if (wks[i].pid > 0 && (which & (wks[i].retiring ?
		    WK_RETIRING : WK_LIVE)))
			n++;
	return n;
}

/* Wait up to READY_MS for n workers to say they serve. */
static int
wait_ready(int n)
{
	long long deadline = fx_now_ms() + READY_MS;
	struct pollfd p = { .fd = ready_rd, .events = POLLIN };
	char buf[64];
	ssize_t r;
	int left;

	while (n > 0) {
		left = (int)(deadline - fx_now_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		r = read(ready_rd, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf));
		if (r <= 0)
			return -1;
		n -= (int)r;
	}
	return 0;
}

/* Start the live generation's workers (slots 0..nwk-1 that are free). */
static int
spawn_all(void)
{
	int i, n = 0;

	for (i = 0; i < nwk; i++)
		if (wks[i].pid == 0 && spawn(&wks[i]) > 0)
			n++;
	return n;
}

/*
 * Mark the live generation retiring (the caller QUITs them) and move them
 * out of slots 0..nwk-1 so that a new generation can start there.
 */
static void
retire_live(void)
{
	int i, j = nwk;

	for (i = 0; i < nwk; i++) {
		wks[i].respawn_at = 0;
		if (wks[i].pid <= 0)
			continue;
		while (j < MAX_SLOTS && wks[j].pid != 0)
			j++;
		if (j == MAX_SLOTS) {	/* no room: it keeps its slot */
			wks[i].retiring = 1;
			continue;
		}
		wks[j] = wks[i];
		wks[j].retiring = 1;
		memset(&wks[i], 0, sizeof(wks[i]));
	}
}

static void
reap_worker(struct wk *w, int status, int respawn)
{
	long long now = fx_now_ms();
	pid_t pid = w->pid;

	w->pid = 0;
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_reaped(pid, (int)(w - wks), !w->retiring && respawn);
	if (w->retiring || !respawn) {
		w->retiring = 0;
		return;
	}
	if (WIFSIGNALED(status))
		fx_log_warnx("worker %ld killed by signal %d", (long)pid,
		    WTERMSIG(status));
	else
		fx_log_warnx("worker %ld exited with %d", (long)pid,
		    WEXITSTATUS(status));
	if (now - w->started < CRASH_WINDOW_MS) {
		w->backoff = w->backoff == 0 ? BACKOFF_MIN_MS : w->backoff * 2;
		if (w->backoff > BACKOFF_MAX_MS)
			w->backoff = BACKOFF_MAX_MS;
		fx_log_warnx("worker crash loop: respawning in %lld ms",
		    w->backoff);
	} else
		w->backoff = 0;
	w->respawn_at = now + w->backoff;
}

/* Close the old config's listeners that the new one did not take. */
static void
close_unshared(struct fx_conf *old)
{
	int i;

	for (i = 0; i < old->nlisten; i++)
		if (old->listen[i].fd != -1) {
			fx_log_info("closing %s", old->listen[i].name);
			close(old->listen[i].fd);
			old->listen[i].fd = -1;
		}
}

/* Stopping: close the master's copies of the listening sockets. */
static void
close_listeners(void)
{
	int i;

	for (i = 0; i < cur->nlisten; i++)
		if (cur->listen[i].fd != -1) {
			close(cur->listen[i].fd);
			cur->listen[i].fd = -1;
		}
}

/* Remove path if it still names us (never a successor's pid file). */
static void
unlink_if_ours(const char *path)
{
	if (path != NULL && fx_pidfile_read(path) == getpid())
		unlink(path);
}

/*
 * The pid file of a new config c: its setting, else the default.  A new
 * path is taken (written, the old one removed) unless an upgrade is in
 * progress (the old path's .oldbin is ours then) or it names another live
 * process.  Returns the path to use.
 */
static const char *
move_pidfile(struct fx_conf *c, int upgrading)
{
	const char *why;
	pid_t other;

	if (c->pidfile == NULL && fx_conf_set(c, "pidfile",
	    fx_pidfile_default(), &why) == -1)
		return cur->pidfile;
	if (strcmp(c->pidfile, cur->pidfile) == 0)
		return c->pidfile;
	other = fx_pidfile_read(c->pidfile);
	if (upgrading || (other > 0 && other != getpid() &&
	    fx_pid_alive(other))) {
		fx_log_warnx("reload: keeping pid file %s (%s)", cur->pidfile,
		    upgrading ? "an upgrade is in progress" :
		    "the new one names a live process");
		return cur->pidfile;
	}
	if (fx_pidfile_write(c->pidfile, getpid()) == -1) {
		fx_log_warn("reload: pid file %s", c->pidfile);
		return cur->pidfile;
	}
	unlink_if_ours(cur->pidfile);
	fx_log_info("pid file moved from %s to %s", cur->pidfile, c->pidfile);
	return c->pidfile;
}

/* HUP: new config, new workers, then QUIT the old ones.  0 or -1. */
static int
reload(int upgrading)
{
	struct fx_conf *c;
	char err[ERRLEN];
	const char *why;
	int n;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		fx_log_warnx("reload: out of memory");
		return -1;
	}
	if (fx_conf_load(c, mo->conf_file, mo->over, mo->nover, err,
	    sizeof(err)) == -1 || setup(c, cur, err) == -1) {
		fx_log_warnx("reload failed, keeping the running config: %s",
		    err);
		fx_conf_free(c);
		free(c);
		return -1;
	}
	if (fx_conf_set(c, "pidfile", move_pidfile(c, upgrading), &why) == -1)
		fx_log_warnx("reload: pid file: %s", why);
	n = worker_count(c);
	retire_live();
	close_unshared(cur);
	fx_conf_free(cur);
	free(cur);
	cur = c;
	nwk = n;		/* after retire_live: it moves 0..nwk-1 */
	/* New workers first, then the old ones drain: no gap in accepting. */
	n = spawn_all();
	if (wait_ready(n) == -1)
		fx_log_warnx("reload: new workers slow to start");
	signal_workers(WK_RETIRING, SIGQUIT);
	fx_log_info("reloaded: %d workers", nwk);
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_event(FX_CTR_RELOAD);
	return 0;
}

/* -d: detach from the terminal, nginx's way (fork, setsid, fork). */
static void
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = _Fork()) == -1)
		fx_fatal(FX_EXIT_SYS, "fork");
	if (pid > 0)
		_exit(FX_EXIT_OK);
	if (setsid() == -1)
		fx_fatal(FX_EXIT_SYS, "setsid");
	if ((pid = _Fork()) == -1)
		fx_fatal(FX_EXIT_SYS, "fork");
	if (pid > 0)
		_exit(FX_EXIT_OK);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (cur->error_log == NULL)
			dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fx_log_init(NULL);
}

/*
 * Does the master that started this one (by USR2) still run?  Its pid
 * was passed at exec; while it lives it is our parent.  (nginx compares
 * getppid() with the parent seen at startup, which in the foreground is
 * the shell, and so refuses USR2 there for good.)
 */
static int
parent_lives(void)
{
	return parent_master > 0 && getppid() == parent_master;
}

/*
 * STOPPING=1, but only from the current master: not from an old master
 * told to quit at the end of an upgrade, nor a new one handing back.
 */
static void
stopping_notice(pid_t new_master)
{
	if (new_master == 0 && !parent_lives())
		(void)fx_notify("STOPPING=1");
}

/* READY=1 to $NOTIFY_SOCKET (systemd's Type=notify), logged if it fails. */
static void
ready(void)
{
	if (fx_notify("READY=1") == -1)
		fx_log_warn("NOTIFY_SOCKET");
}

/*
 * QUIT while the master that started us runs: a rollback.  Hand back at
 * once: the workers drain on their own (as they do when a master dies),
 * and the old master, reaping us, starts its own workers without waiting
 * for ours to finish.
 */
static void
rollback_quit(void)
{
	fx_log_info("QUIT while the old master %ld runs: handing back",
	    (long)parent_master);
	close_listeners();
	signal_workers(WK_LIVE | WK_RETIRING, SIGQUIT);
}

/*
 * The new master (dead) took the pid file over: roll back, unless a later
 * master has since taken it (a live pid other than ours and the dead
 * one's), in which case this generation is stale: return 1 and it quits.
 */
static int
superseded(pid_t dead)
{
	pid_t p = fx_pidfile_read(cur->pidfile), o;
	char oldbin[4096 + 8];

	if (p > 0 && p != getpid() && p != dead && fx_pid_alive(p)) {
		fx_log_warnx("the pid file names master %ld: not rolling "
		    "back, quitting", (long)p);
		return 1;
	}
	o = fx_pidfile_oldbin(cur->pidfile, oldbin, sizeof(oldbin)) == 0 ?
	    fx_pidfile_read(oldbin) : 0;
	if (o == getpid())
		(void)fx_upgrade_restore(cur->pidfile);
	else if (fx_pidfile_write(cur->pidfile, getpid()) == -1)
		fx_log_warn("rollback: pid file %s", cur->pidfile);
	return 0;
}

/* Where the upgrade stands (see the state comment at the top). */
static enum up_state
up_state(void)
{
	if (new_master == 0)
		return UP_NONE;
	return noaccept ? UP_PARKED : UP_STARTED;
}

/* Start (or speed up) a stop: how is STOP_DRAIN or STOP_FAST. */
static void
begin_stop(int how)
{
	stopping_notice(new_master);
	/*
	 * Let go of the sockets: once the workers close theirs, new
	 * connections are refused instead of waiting in a queue nobody
	 * reads (and being reset when we exit).  A new master keeps its own.
	 */
	close_listeners();
	if (how == STOP_FAST) {
		stopping = STOP_FAST;
		signal_workers(WK_LIVE | WK_RETIRING, SIGTERM);
		kill_at = fx_now_ms() + 3000;
		return;
	}
	if (stopping == 0) {
		stopping = STOP_DRAIN;
		kill_at = fx_now_ms() + cur->shutdown_ms + 2000;
	}
	signal_workers(WK_LIVE | WK_RETIRING, SIGQUIT);
}

/* TERM, INT: fast stop. */
static void
on_term(void)
{
	begin_stop(STOP_FAST);
}

/* QUIT: graceful stop, or a rollback's hand-back to our old master. */
static void
on_quit(void)
{
	if (parent_lives() && !stopping) {
		rollback_quit();
		handed_back = 1;
		return;
	}
	if (ENABLE_FEATURE_COUNTERS && new_master != 0 && !stopping)
		fx_ctr_event(FX_CTR_UPGRADE);
	begin_stop(STOP_DRAIN);
}

/* Parked by WINCH: our workers again (the old config). */
static void
unpark(void)
{
	noaccept = 0;
	spawn_all();
}

/*
 * HUP: reload.  Parked during an upgrade it gives us our workers back, as
 * in nginx (the operator's rollback: HUP the old master, QUIT the new).
 */
static void
on_hup(void)
{
	if (stopping)
		return;
	if (up_state() == UP_PARKED) {
		fx_log_info("HUP: workers again");
		unpark();
		return;
	}
	(void)fx_notify_reloading();
	if (reload(new_master != 0) == 0)
		noaccept = 0;
	else if (noaccept)
		unpark();
	ready();
}

/* USR1: reopen the logs, ours (chown'd to the workers' user) and theirs. */
static void
on_usr1(void)
{
	if (fx_log_open(cur->error_log) == -1)
		fx_log_warn("reopen %s", cur->error_log);
	else if (cur->error_log != NULL && cur->uid != -1)
		(void)!chown(cur->error_log, (uid_t)cur->uid, (gid_t)cur->gid);
	if (fx_alog_reopen() == -1)
		fx_log_warn("reopen %s", cur->access_log);
	else if (cur->access_log != NULL && cur->uid != -1)
		(void)!chown(cur->access_log, (uid_t)cur->uid,
		    (gid_t)cur->gid);
	signal_workers(WK_LIVE | WK_RETIRING, SIGUSR1);
}

/* USR2: UP_NONE to UP_STARTED, unless that would make three generations. */
static void
on_usr2(void)
{
	pid_t pid;

	if (stopping)
		return;
	if (mo->exe == NULL) {
		fx_log_warnx("USR2 refused: my executable was not found");
		return;
	}
	if (new_master != 0) {
		fx_log_warnx("USR2 refused: upgrade in progress (new master "
		    "%ld)", (long)new_master);
		return;
	}
	if (parent_lives()) {
		fx_log_warnx("USR2 refused: the master that started me (%ld) "
		    "still runs", (long)parent_master);
		return;
	}
	pid = fx_upgrade_exec(mo->exe, mo->argv, cur, generation,
	    cur->pidfile);
	if (pid > 0) {
		new_master = pid;
		(void)fx_notify_reloading();
	}
}

#if ENABLE_FEATURE_HEALTH
/* URG from init: a drain is coming, health_path answers 503 (site.h). */
static void
on_urg(void)
{
	fx_site_unready = 1;
	signal_workers(WK_LIVE | WK_RETIRING, SIGURG);
}
#endif

/* WINCH: stop our workers, keep the sockets (UP_STARTED to UP_PARKED). */
static void
on_winch(void)
{
	if (isatty(STDIN_FILENO)) {
		fx_log_info("WINCH ignored: stdin is a terminal");
		return;
	}
	if (stopping || noaccept)
		return;
	fx_log_info("WINCH: stopping the workers");
	noaccept = 1;
	retire_live();
	signal_workers(WK_RETIRING, SIGQUIT);
}

/*
 * The new master exited: roll back to UP_NONE (the pid file back, our
 * workers again if parked), unless we stop anyway or a later master has
 * taken the pid file over (then we quit).
 */
static void
new_master_exited(pid_t pid, int status)
{
	new_master = 0;
	fx_log_warnx("new master %ld %s %d: rolling back", (long)pid,
	    WIFSIGNALED(status) ? "killed by signal" : "exited with",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	if (stopping)
		return;
	if (superseded(pid)) {
		begin_stop(STOP_DRAIN);
		return;
	}
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_event(FX_CTR_ROLLBACK);
	if (noaccept)
		unpark();
	ready();
}

/* CHLD: reap the new master and the workers. */
static void
on_child(void)
{
	pid_t pid;
	int i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == new_master) {
			new_master_exited(pid, status);
			continue;
		}
		for (i = 0; i < MAX_SLOTS; i++)
			if (wks[i].pid == pid) {
				reap_worker(&wks[i], status,
				    !stopping && !noaccept);
				break;
			}
	}
}

static const struct {
	int	  sig;
	void	(*fn)(void);
} handlers[] = {
	{ SIGTERM, on_term }, { SIGINT, on_term }, { SIGQUIT, on_quit },
	{ SIGHUP, on_hup }, { SIGUSR1, on_usr1 }, { SIGUSR2, on_usr2 },
	{ SIGWINCH, on_winch }, IF_FEATURE_HEALTH({ SIGURG, on_urg },)
};

static void
dispatch(int sig)
{
	size_t i;

	for (i = 0; i < FX_NELEM(handlers); i++)
		if (handlers[i].sig == sig)
			handlers[i].fn();
}

/* ms until the next timer (a kill, a respawn), or -1. */
static int
next_timeout(void)
{
	long long now = fx_now_ms(), next = kill_at != 0 ? kill_at : -1;
	int i;

	for (i = 0; i < nwk; i++)
		if (wks[i].pid == 0 && wks[i].respawn_at != 0 &&
		    (next == -1 || wks[i].respawn_at < next))
			next = wks[i].respawn_at;
	return next == -1 ? -1 : next <= now ? 0 : (int)(next - now);
}

/* The timers: SIGKILL the workers a stop outlasted, respawn the dead. */
static void
timers(void)
{
	long long now = fx_now_ms();
	int i;

	if (kill_at != 0 && now >= kill_at) {
		fx_log_warnx("workers still running: SIGKILL");
		signal_workers(WK_LIVE | WK_RETIRING, SIGKILL);
		kill_at = now + 1000;
	}
	if (stopping || noaccept)
		return;
	for (i = 0; i < nwk; i++)
		if (wks[i].pid == 0 && wks[i].respawn_at != 0 &&
		    wks[i].respawn_at <= now)
			spawn(&wks[i]);
}

/*
 * Startup (may die: 100 config, 111 system): config, pid file check,
 * inherited and new sockets, the workers, then the pid file.
 */
static void
start(const struct fx_master_opts *opts)
{
	char err[ERRLEN];
	const char *why;
	pid_t other;
	int fds[2], i, upgraded_child;

	mo = opts;
	cur = fx_xcalloc(1, sizeof(*cur));
	if (fx_conf_load(cur, opts->conf_file, opts->over, opts->nover, err,
	    sizeof(err)) == -1)
		fx_fatalx(FX_EXIT_USAGE, "%s", err);
	if (cur->pidfile == NULL && fx_conf_set(cur, "pidfile",
	    fx_pidfile_default(), &why) == -1)
		fx_fatalx(FX_EXIT_USAGE, "pidfile: %s", why);
	upgraded_child = getenv("FENIX_GENERATION") != NULL;
	parent_master = fx_upgrade_parent();
	fx_env_unset("FENIX_OLD_MASTER");
	/* The error log first, so that what inheritance says is in it. */
	if (cur->error_log != NULL && fx_log_open(cur->error_log) == -1)
		fx_fatal(FX_EXIT_SYS, "error log %s", cur->error_log);
	generation = fx_upgrade_generation();
	fx_listen_inherit(cur->listen, cur->nlisten);
	if (ENABLE_FEATURE_COUNTERS)
		fx_ctr_init(generation);
	fx_listen_close_others(cur->listen, cur->nlisten);
	other = fx_pidfile_read(cur->pidfile);
	if (other > 0 && other != getpid() &&
	    fx_procfs_master(other, cur->pidfile) != 0)
		fx_fatalx(FX_EXIT_USAGE, "already running as pid %ld (pid "
		    "file %s)", (long)other, cur->pidfile);
	if (setup(cur, NULL, err) == -1)
		fx_fatalx(strncmp(err, "listen", 6) == 0 ? FX_EXIT_SYS :
		    FX_EXIT_USAGE, "%s", err);
	if (opts->daemon && !upgraded_child)
		daemonize();
	if (fx_psock_open() == -1)
		fx_log_warn("probe socket (upgrades probe the listeners)");

	nwk = worker_count(cur);
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		fx_fatal(FX_EXIT_SYS, "pipe");
	ready_rd = fds[0];
	ready_wr = fds[1];
	if ((sig_fd = fx_sig_open(master_sigs, &sig_set)) == -1)
		fx_fatal(FX_EXIT_SYS, "signalfd");
	if (spawn_all() != nwk)
		fx_fatalx(FX_EXIT_SYS, "cannot start the workers");
	if (wait_ready(nwk) == -1)
		fx_log_warnx("workers slow to start");
	for (i = 0; i < cur->nlisten; i++)
		fx_log_info("listening on %s", cur->listen[i].name);
	if (fx_pidfile_write(cur->pidfile, getpid()) == -1)
		fx_log_warn("pid file %s", cur->pidfile);
	fx_log_info("master %ld (generation %d), %d workers", (long)getpid(),
	    generation, nwk);
	/* The workers answer now: tell the service manager. */
	ready();
}

int
fx_proc_master(const struct fx_master_opts *opts)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	char buf[64], oldbin[4096 + 8];

	start(opts);
	/* From here on the master must not die: log, back off, retry. */
	while (!handed_back) {
		p[0].fd = sig_fd;
		p[0].events = POLLIN;
		p[1].fd = ready_rd;
		p[1].events = POLLIN;
		if (poll(p, 2, next_timeout()) == -1 && errno != EINTR) {
			fx_log_warn("poll");
			continue;
		}
		while (read(ready_rd, buf, sizeof(buf)) > 0)
			;
		while (!handed_back &&
		    read(sig_fd, &si, sizeof(si)) == sizeof(si))
			dispatch((int)si.ssi_signo);
		if (handed_back)
			break;
		on_child();
		if (stopping && count_workers(WK_LIVE | WK_RETIRING) == 0)
			break;
		timers();
	}
	fx_alog_flush();
	unlink_if_ours(cur->pidfile);
	if (fx_pidfile_oldbin(cur->pidfile, oldbin, sizeof(oldbin)) == 0)
		unlink_if_ours(oldbin);
	fx_log_info("exiting");
	return FX_EXIT_OK;
}
