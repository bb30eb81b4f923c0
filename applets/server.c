/* SPDX-License-Identifier: MIT */
/*
 * server.c - the server applet: options, then one call into core.
 */
#include "config.h"
#if ENABLE_APPLET_SERVER

#include <stdio.h>
#include <string.h>

#include "log.h"

static const char usage[] =
    "usage: fenix server [-l ADDR:PORT]... [-r ROOT] [-a ACCESS_LOG]\n";

int
server_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return FX_EXIT_OK;
	}
	return FX_EXIT_OK;
}
#endif
