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
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"
#include "probe.h"
#include "procfs.h"
#include "util.h"

/* Exit codes: README.md documents them. */
#define UP_OK		0	/* upgraded */
#define UP_RB_DIED	10	/* rolled back: the new master exited */
#define UP_RB_TIMEOUT	11	/* rolled back: not ready in time */
#define UP_RB_PROBE	12	/* rolled back: probe failed before WINCH */
#define UP_RB_BAKE	13	/* rolled back: failed during the bake */
#define UP_REFUSED	20	/* an upgrade is already in progress */
#define UP_NOT_RUNNING	21	/* no live master behind the pid file */
#define UP_NO_SPAWN	22	/* failed before the new master was started */
#define UP_STUCK	23	/* upgraded, but the old master did not exit */

#define POLL_MS		10
#define PROBE_MS	2000	/* one probe's time */

static const char usage[] =
    "usage: fenix upgrade [-p PIDFILE] [-b NEW_BINARY] [-t TIMEOUT] [-u URL]\n"
    "                     [-w BAKE_SECONDS]\n"
    "Replace the running server's executable without losing a request:\n"
    "install NEW_BINARY (atomically, the old one kept as PATH.old), USR2,\n"
    "wait for the new generation, probe it over HTTP, WINCH the old\n"
    "workers, keep probing for the bake window, then QUIT the old master.\n"
    "Any failure before QUIT rolls back to the old generation.\n"
    "\n"
    "  -p PIDFILE  the server's pid file (default as fenix server's)\n"
    "  -b FILE     install FILE over the master's executable first\n"
    "  -t SECONDS  time for the new generation to be ready (default 10)\n"
    "  -u URL      probe URL (default: the first listener's /)\n"
    "  -w SECONDS  bake window before QUIT (default 3)\n"
    "\n"
    "Exit: 0 upgraded; rolled back: 10 new master exited, 11 not ready in\n"
    "time, 12 probe failed, 13 probe failed while baking; 20 refused (an\n"
    "upgrade is in progress), 21 not running, 22 failed before the new\n"
    "master started, 23 upgraded but the old master did not exit;\n"
    "100 usage, 111 system error.\n";

static long long t0;

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

/* Copy src beside dst, fsync, keep dst as dst.old, rename.  0 or -1. */
static int
install(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 16], old[PATH_MAX + 8], buf[65536], *slash;
	struct stat st;
	ssize_t n;
	int in, out, dfd;

	if ((size_t)fx_snprintf(tmp, sizeof(tmp), "%s.new%ld", dst,
	    (long)getpid()) >= sizeof(tmp) ||
	    (size_t)fx_snprintf(old, sizeof(old), "%s.old", dst) >= sizeof(old))
		return -1;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &st) == -1)
		return -1;
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fx_write_all(out, buf, (size_t)n) == -1)
			break;
	if (n != 0 || fchmod(out, st.st_mode & 07777) == -1 ||
	    fsync(out) == -1 || close(out) == -1) {
		close(in);
		unlink(tmp);
		return -1;
	}
	close(in);
	/* Keep the running binary as PATH.old (a hard link to it). */
	if (unlink(old) == -1 && errno != ENOENT)
		goto fail;
	if (link(dst, old) == -1 && errno != ENOENT)
		goto fail;
	if (rename(tmp, dst) == -1)
		goto fail;
	if ((slash = strrchr(tmp, '/')) != NULL) {
		*slash = '\0';
		if ((dfd = open(slash == tmp ? "/" : tmp, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
fail:
	unlink(tmp);
	return -1;
}

static pid_t before[256];		/* the old master's children at USR2 */
static int nbefore;
static char installed[PATH_MAX];	/* the path -b replaced, or "" */

/*
 * The old master's child that was not there at USR2 and is of the next
 * generation: the new master (a worker respawned since is of the old one).
 */
static pid_t
find_new_master(pid_t old)
{
	pid_t kids[256];
	int i, j, n, gen = fx_procfs_generation(old);

	n = fx_procfs_children(old, kids, 256);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nbefore && before[j] != kids[i]; j++)
			;
		if (j == nbefore && fx_procfs_generation(kids[i]) == gen + 1)
			return kids[i];
	}
	return 0;
}

/* Children of the old master other than the new one: its workers. */
static int
old_workers(pid_t old, pid_t new_master)
{
	pid_t kids[256];
	int i, n, cnt = 0;

	n = fx_procfs_children(old, kids, 256);
	for (i = 0; i < n; i++)
		cnt += kids[i] != new_master;
	return cnt;
}

static int
probe(const char *url, const char **why)
{
	int s = fx_probe_get(url, PROBE_MS, why);

	if (s >= 200 && s <= 399)
		return 0;
	if (s > 0) {
		static char msg[64];

		fx_snprintf(msg, sizeof(msg), "answered %d", s);
		*why = msg;
	}
	return -1;
}

/* Put the binary -b replaced back (PATH.old to PATH). */
static void
restore_binary(void)
{
	char old[PATH_MAX + 8];

	if (installed[0] == '\0')
		return;
	fx_snprintf(old, sizeof(old), "%s.old", installed);
	if (rename(old, installed) == 0)
		progress("restored the previous binary at %s", installed);
	else
		progress("could not restore %s from %s: %s", installed, old,
		    strerror(errno));
}

/*
 * Undo: stop the new master (QUIT, then KILL if it will not go: a binary
 * that hangs may not even read signals), and wait for the pid file to
 * name the old master again.  Only the new master is signalled: the old
 * one renames the pid file back and starts its workers again by itself
 * when it reaps it (a HUP could find it serving and reload it).  The
 * binary -b installed is put back.
 */
static int
rollback(const char *pidfile, const char *oldbin, pid_t old, pid_t new_master,
    int code, const char *phase, const char *why)
{
	long long deadline = fx_now_ms() + 30000, kill_at;

	progress("%s failed: %s: rolling back", phase, why);
	restore_binary();
	if (new_master <= 0)
		new_master = find_new_master(old);
	if (new_master > 0 && fx_procfs_running(new_master) == 1) {
		kill(new_master, SIGQUIT);
		progress("QUIT sent to the new master %ld", (long)new_master);
	}
	kill_at = fx_now_ms() + 3000;
	while (fx_now_ms() < deadline) {
		if (fx_procfs_running(old) != 1) {
			progress("the old master %ld is gone too", (long)old);
			return code;
		}
		if (new_master > 0 && fx_now_ms() >= kill_at &&
		    fx_procfs_running(new_master) == 1) {
			progress("the new master %ld ignores QUIT: KILL",
			    (long)new_master);
			kill(new_master, SIGKILL);
			kill_at = deadline;
		}
		if (fx_pidfile_read(pidfile) == old &&
		    access(oldbin, F_OK) == -1 &&
		    (new_master <= 0 || fx_procfs_running(new_master) != 1)) {
			progress("rolled back: %s names %ld again, %d workers",
			    pidfile, (long)old, old_workers(old, 0));
			return code;
		}
		usleep(POLL_MS * 1000);
	}
	progress("rollback did not complete in time");
	return code;
}

int
upgrade_main(int argc, char **argv)
{
	const char *pidfile = NULL, *bin = NULL, *url = NULL, *why = "";
	char oldbin[PATH_MAX + 8], exe[PATH_MAX], defurl[128], path[1024];
	struct fx_listen l[FX_LISTEN_MAX];
	long long timeout = 10000, bake = 3000, deadline, v, still = 0;
	pid_t old, cur, new_master = 0;
	int c, n, seen_oldbin = 0;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fx_puts(usage);
		return FX_EXIT_OK;
	}
	opterr = 0;
	while ((c = getopt(argc, argv, "p:b:t:u:w:")) != -1) {
		switch (c) {
		case 'p': pidfile = optarg; break;
		case 'b': bin = optarg; break;
		case 'u': url = optarg; break;
		case 't':
			if (fx_parse_msec(optarg, 3600000, &v) == -1 || v == 0)
				fx_fatalx(FX_EXIT_USAGE, "-t '%s': needs "
				    "seconds", optarg);
			timeout = v;
			break;
		case 'w':
			if (fx_parse_msec(optarg, 3600000, &v) == -1)
				fx_fatalx(FX_EXIT_USAGE, "-w '%s': needs "
				    "seconds", optarg);
			bake = v;
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
	if (url != NULL && fx_probe_parse(url, &l[0], path, sizeof(path),
	    &why) == -1)
		fx_fatalx(FX_EXIT_USAGE, "-u '%s': %s", url, why);
	if (pidfile == NULL)
		pidfile = fx_pidfile_default();
	if (fx_pidfile_oldbin(pidfile, oldbin, sizeof(oldbin)) == -1)
		fx_fatalx(FX_EXIT_USAGE, "-p: path too long");
	t0 = fx_now_ms();

	/* Phase check: a live master, and no upgrade under way. */
	old = fx_pidfile_read(pidfile);
	if (old <= 0 || fx_procfs_running(old) != 1) {
		cur = fx_pidfile_read(oldbin);
		if (cur > 0 && fx_procfs_running(cur) == 1) {
			progress("refused: an upgrade is in progress (old "
			    "master %ld)", (long)cur);
			return UP_REFUSED;
		}
		progress("not running: %s %s", pidfile, old == 0 ?
		    "does not exist" : old < 0 ? "is unreadable" :
		    "names a dead process");
		return UP_NOT_RUNNING;
	}
	cur = fx_pidfile_read(oldbin);
	if (cur > 0 && fx_procfs_running(cur) == 1) {
		progress("refused: an upgrade is in progress (old master %ld)",
		    (long)cur);
		return UP_REFUSED;
	}
	if (url == NULL) {
		if ((n = fx_procfs_listeners(old, l, FX_LISTEN_MAX)) <= 0) {
			progress("cannot see the master's listeners: give -u");
			return UP_NO_SPAWN;
		}
		fx_probe_url(&l[0], defurl, sizeof(defurl));
		url = defurl;
	}
	progress("master %ld, generation %d, probe %s", (long)old,
	    fx_procfs_generation(old), url);

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
			    (long)old, strerror(errno));
			return UP_NO_SPAWN;
		}
		if ((del = fx_strstr(exe, " (deleted)")) != NULL)
			*del = '\0';
		if (install(bin, exe) == -1) {
			progress("install failed: %s over %s: %s", bin, exe,
			    strerror(errno));
			return UP_NO_SPAWN;
		}
		progress("installed %s as %s (previous kept as %s.old)", bin,
		    exe, exe);
		fx_snprintf(installed, sizeof(installed), "%s", exe);
	}

	/* Phase start: USR2, then wait for a new pid in the pid file. */
	nbefore = fx_procfs_children(old, before, 256);
	if (nbefore < 0)
		nbefore = 0;
	if (kill(old, SIGUSR2) == -1) {
		progress("USR2 to %ld: %s", (long)old, strerror(errno));
		return UP_NO_SPAWN;
	}
	progress("USR2 sent to %ld", (long)old);
	deadline = fx_now_ms() + timeout;
	for (;;) {
		cur = fx_pidfile_read(pidfile);
		if (access(oldbin, F_OK) == 0)
			seen_oldbin = 1;
		if (cur > 0 && cur != old && fx_procfs_running(cur) == 1) {
			new_master = cur;
			break;
		}
		if (fx_procfs_running(old) != 1) {
			progress("the old master %ld died", (long)old);
			return FX_EXIT_SYS;
		}
		/*
		 * The pid file names the old master again, and USR2 was taken:
		 * the new master came and went (the old one rolled back).
		 * Hold that view for a moment: the rename follows the read.
		 */
		if (cur == old && access(oldbin, F_OK) == -1 &&
		    !fx_procfs_sig_pending(old, SIGUSR2)) {
			if (still == 0)
				still = fx_now_ms();
			if (seen_oldbin || fx_now_ms() - still > 200)
				return rollback(pidfile, oldbin, old, 0,
				    UP_RB_DIED, "start", "the new master "
				    "exited");
		} else
			still = 0;
		if (fx_now_ms() >= deadline)
			return rollback(pidfile, oldbin, old, 0, UP_RB_TIMEOUT,
			    "ready", "no new pid in the pid file in time");
		usleep(POLL_MS * 1000);
	}
	progress("new master %ld ready (generation %d)", (long)new_master,
	    fx_procfs_generation(new_master));

	/* Phase probe: somebody answers. */
	if (probe(url, &why) == -1)
		return rollback(pidfile, oldbin, old, new_master, UP_RB_PROBE,
		    "probe", why);
	progress("probe answered");

	/* Phase drain: WINCH, the old workers finish and exit. */
	kill(old, SIGWINCH);
	progress("WINCH sent to %ld", (long)old);
	deadline = fx_now_ms() + 60000;
	while (old_workers(old, new_master) > 0) {
		if (fx_procfs_running(new_master) != 1)
			return rollback(pidfile, oldbin, old, new_master,
			    UP_RB_DIED, "drain", "the new master exited");
		if (fx_now_ms() >= deadline) {
			progress("old workers still draining after 60 s");
			break;
		}
		usleep(POLL_MS * 1000);
	}
	progress("old workers gone");

	/* Phase bake: only the new generation serves now; keep probing. */
	deadline = fx_now_ms() + bake;
	do {
		if (fx_procfs_running(new_master) != 1)
			return rollback(pidfile, oldbin, old, new_master,
			    UP_RB_DIED, "bake", "the new master exited");
		if (probe(url, &why) == -1)
			return rollback(pidfile, oldbin, old, new_master,
			    UP_RB_BAKE, "bake", why);
		if (fx_now_ms() >= deadline)
			break;
		usleep(100 * 1000);
	} while (fx_now_ms() < deadline);
	progress("baked %lld ms", bake);

	/* Phase finish: QUIT the old master. */
	kill(old, SIGQUIT);
	progress("QUIT sent to %ld", (long)old);
	deadline = fx_now_ms() + 30000;
	while (fx_procfs_running(old) == 1) {
		if (fx_now_ms() >= deadline) {
			progress("the old master %ld has not exited",
			    (long)old);
			return UP_STUCK;
		}
		usleep(POLL_MS * 1000);
	}
	progress("upgraded: master %ld, generation %d", (long)new_master,
	    fx_procfs_generation(new_master));
	return UP_OK;
}
#endif
