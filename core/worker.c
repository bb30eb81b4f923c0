/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the worker loop.  Signals arrive through a signalfd in the
 * same epoll loop, so no work is done in a signal handler.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "alog.h"
#include "cgi.h"
#include "config.h"
#include "conn.h"
#include "ev.h"
#include "file.h"
#include "log.h"
#include "resp.h"
#include "site.h"
#include "util.h"
#include "worker.h"

static int quit, stop, reopen;
static struct fx_ev sig_ev;

static void
sig_read(struct fx_ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			stop = 1;
			break;
		case SIGQUIT:
			quit = 1;
			break;
		case SIGUSR1:
			reopen = 1;
			break;
		default:	/* SIGURG from init: a drain is coming */
			if (ENABLE_FEATURE_HEALTH)
				fx_site_unready = 1;
			break;
		}
	}
}

int
fx_worker_run(const struct fx_conf *conf, int ready_fd)
{
	/* HUP, USR2 and WINCH are the master's: the worker ignores them. */
	static const int sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1,
	    IF_FEATURE_HEALTH(SIGURG,) 0 };
	sigset_t set;
	long long deadline = 0;
	int fd;

	fd = fx_sig_open(sigs, &set);
	if (fx_ev_init() == -1) {
		fx_log_warn("epoll_create1");
		return FX_EXIT_SYS;
	}
	sig_ev.fn = sig_read;
	sig_ev.fd = fd;
	if (fd == -1 || fx_ev_add(&sig_ev, EPOLLIN) == -1) {
		fx_log_warn("signalfd");
		return FX_EXIT_SYS;
	}
	if (FX_SITE_ANY)
		fx_site_init(conf);
	fx_conn_init(conf);
	if (ENABLE_FEATURE_CGI)
		(void)fx_cgi_init(conf);
	if (ready_fd != -1)
		(void)!write(ready_fd, "", 1);
	/* From here on, errors are logged and the loop goes on. */
	for (;;) {
		fx_file_clock = fx_ev_now / 1000;
		fx_resp_clock(time(NULL));
		if (fx_ev_run_once(quit ? 100 : 1000) == -1 &&
		    errno != EINTR) {
			fx_log_warn("epoll_wait");
			break;
		}
		if (reopen) {
			reopen = 0;
			if (fx_alog_reopen() == -1)
				fx_log_warn("reopen access log");
			if (fx_log_open(conf->error_log) == -1)
				fx_log_warn("reopen error log %s",
				    conf->error_log);
		}
		if (stop)
			break;
		if (quit && deadline == 0) {
			if (ENABLE_FEATURE_HEALTH)
				fx_site_unready = 1;
			fx_conn_drain();
			deadline = fx_ev_now + conf->shutdown_ms;
		}
		if (quit && ((fx_conn_count() == 0 && (!ENABLE_FEATURE_CGI ||
		    fx_cgi_count() == 0)) || fx_ev_now >= deadline))
			break;
	}
	if (fx_conn_count() > 0 && !stop)
		fx_log_warnx("shutdown timeout: closing %d connections",
		    fx_conn_count());
	fx_conn_close_all();
	if (ENABLE_FEATURE_CGI)
		fx_cgi_close_all();
	fx_alog_flush();
	return FX_EXIT_OK;
}
