/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c - exec of the new binary for USR2, nginx's way, without its
 * environment filter: the new master gets the whole environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "config.h"
#include "counters.h"
#include "log.h"
#include "pidfile.h"
#include "upgrade.h"
#include "util.h"

extern char **environ;

int
fx_upgrade_generation(void)
{
	const char *s = getenv("FENIX_GENERATION");
	long long v;

	if (s == NULL)
		return 1;
	if (fx_parse_num(s, 1, 1000000000, &v) == -1) {
		fx_log_warnx("FENIX_GENERATION '%s': not a number, using 1", s);
		return 1;
	}
	return (int)v;
}

pid_t
fx_upgrade_parent(void)
{
	const char *s = getenv("FENIX_OLD_MASTER");
	long long v;

	if (s == NULL)
		return 0;
	if (fx_parse_num(s, 2, 1 << 30, &v) == -1) {
		fx_log_warnx("FENIX_OLD_MASTER '%s': not a pid, ignored", s);
		return 0;
	}
	return (pid_t)v;
}

static int
skip_var(const char *e)
{
	static const char *const vars[] = { "NGINX=", "FENIX_GENERATION=",
	    "FENIX_OLD_MASTER=", "LISTEN_FDS=", "LISTEN_PID=",
	    "LISTEN_FDNAMES=", IF_FEATURE_COUNTERS("FENIX_COUNTERS=") };
	size_t i;

	for (i = 0; i < FX_NELEM(vars); i++)
		if (strncmp(e, vars[i], strlen(vars[i])) == 0)
			return 1;
	return 0;
}

/* Set FD_CLOEXEC on every fd from lo up. */
static void
cloexec_from(int lo)
{
	struct rlimit rl;
	int fd, max = 65536;

	/* close_range(lo, ~0, CLOSE_RANGE_CLOEXEC): Linux 5.11. */
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 4U) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = lo; fd < max; fd++)
		(void)fx_fcntl(fd, F_SETFD, FD_CLOEXEC);
}

pid_t
fx_upgrade_exec(const char *exe, char *const argv[], const struct fx_conf *c,
    int generation, const char *pidfile)
{
	char oldbin[4096 + 8], nginx[16 + FX_LISTEN_MAX * 8], gen[40];
	char parent[40], ctr[40];
	char **env;
	size_t n, i, k = 0, len;
	sigset_t none;
	pid_t pid;
	int j;

	len = (size_t)fx_snprintf(nginx, sizeof(nginx), "NGINX=");
	for (j = 0; j < c->nlisten; j++)
		if (c->listen[j].fd != -1)
			len += (size_t)fx_snprintf(nginx + len,
			    sizeof(nginx) - len,
			    "%d;", c->listen[j].fd);
	fx_snprintf(gen, sizeof(gen), "FENIX_GENERATION=%d", generation + 1);
	fx_snprintf(parent, sizeof(parent), "FENIX_OLD_MASTER=%ld",
	    (long)getpid());
	for (n = 0; environ[n] != NULL; n++)
		;
	if ((env = calloc(n + 5, sizeof(*env))) == NULL) {
		fx_log_warnx("upgrade: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!skip_var(environ[i]))
			env[k++] = environ[i];
	env[k++] = nginx;
	env[k++] = gen;
	env[k++] = parent;
	if (ENABLE_FEATURE_COUNTERS && fx_ctr_env(ctr, sizeof(ctr)) == 0)
		env[k++] = ctr;
	env[k] = NULL;
	if (pidfile != NULL) {
		if (fx_pidfile_oldbin(pidfile, oldbin, sizeof(oldbin)) == -1 ||
		    rename(pidfile, oldbin) == -1) {
			fx_log_warn("upgrade: rename %s to %s", pidfile,
			    FX_OLDBIN);
			free(env);
			return -1;
		}
	}
	pid = _Fork();
	if (pid == 0) {
		/*
		 * Only the listeners cross the exec: everything else gets
		 * FD_CLOEXEC, also fds this master was started with.  And the
		 * new binary starts with no signal blocked or ignored.
		 */
		cloexec_from(3);
		for (j = 0; j < c->nlisten; j++)
			if (c->listen[j].fd != -1)
				(void)fx_fcntl(c->listen[j].fd, F_SETFD, 0);
		if (ENABLE_FEATURE_COUNTERS && fx_ctr_fd != -1)
			(void)fx_fcntl(fx_ctr_fd, F_SETFD, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execve(exe, argv, env);
		fx_log_warn("upgrade: execve %s", exe);
		_exit(FX_EXIT_EXEC);
	}
	free(env);
	if (pid == -1) {
		fx_log_warn("upgrade: fork");
		if (pidfile != NULL)
			(void)fx_upgrade_restore(pidfile);
		return -1;
	}
	fx_log_info("upgrade: started %s as pid %ld (generation %d)", exe,
	    (long)pid, generation + 1);
	return pid;
}

int
fx_upgrade_restore(const char *pidfile)
{
	char oldbin[4096 + 8];

	if (pidfile == NULL)
		return 0;
	if (fx_pidfile_oldbin(pidfile, oldbin, sizeof(oldbin)) == -1 ||
	    rename(oldbin, pidfile) == -1) {
		fx_log_warn("rollback: rename %s back to %s", oldbin, pidfile);
		return -1;
	}
	return 0;
}
