/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c - the upgrade applet (skeleton: the hot-upgrade issue builds it).
 */
#include "config.h"
#if ENABLE_APPLET_UPGRADE

#include <stdio.h>
#include <string.h>

#include "log.h"

static const char usage[] =
    "usage: fenix upgrade [-p PIDFILE] [-b NEW_BINARY] [-t TIMEOUT] [-u URL]\n"
    "                     [-w BAKE_SECONDS]\n"
    "Replace the running server's executable: USR2, wait for the new\n"
    "generation, probe it, WINCH and QUIT the old one; roll back on failure.\n";

int
upgrade_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return FX_EXIT_OK;
	}
	fx_log_warnx("not built yet in this version");
	return FX_EXIT_SYS;
}
#endif
