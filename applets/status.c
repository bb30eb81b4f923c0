/* SPDX-License-Identifier: MIT */
/*
 * status.c - the status applet (skeleton: the hot-upgrade issue builds it).
 */
#include "config.h"
#if ENABLE_APPLET_STATUS

#include <stdio.h>
#include <string.h>

#include "log.h"

static const char usage[] =
    "usage: fenix status [-p PIDFILE] [-j] [-q] [-u URL]\n"
    "Say what runs: master, generation, workers, an upgrade in progress.\n"
    "Exit: 0 running, 1 dead with a pid file, 3 not running, 4 unknown.\n";

int
status_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return FX_EXIT_OK;
	}
	fx_log_warnx("not built yet in this version");
	return 4;
}
#endif
