/* SPDX-License-Identifier: MIT */
/*
 * server.c - the server applet: options, then one call into core.
 */
#include "config.h"
#if ENABLE_APPLET_SERVER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alog.h"
#include "conf.h"
#include "file.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static const char usage[] =
    "usage: fenix server [-l ADDR:PORT]... [-r ROOT] [-a ACCESS_LOG]\n"
    "                    [-e ERROR_LOG] [-w WORKERS] [-p PIDFILE]\n"
    "                    [-o NAME=VALUE]...\n"
    "Serve the files under ROOT over HTTP/1.1 with a master and workers.\n"
    "\n"
    "  -l ADDR:PORT    listen there (repeatable): 127.0.0.1:8080, [::1]:80,\n"
    "                  *:80 or a bare port for every IPv4 address\n"
    "                  (default *:" FX_STR(CONFIG_DEFAULT_PORT) ")\n"
    "  -r ROOT         document root (default ./www)\n"
    "  -a FILE         access log in the combined format, - for stdout\n"
    "                  (default: none)\n"
    "  -e FILE         error log (default: stderr)\n"
    "  -w N            worker processes (default: one per online CPU)\n"
    "  -p PIDFILE      write the master's pid there\n"
    "  -o NAME=VALUE   any setting by name:\n"
    "                  header_timeout=60 keepalive_timeout=75 send_timeout=60\n"
    "                  shutdown_timeout=8 grace_timeout=1 (seconds)\n"
    "                  max_conns=N body_max=1m dirlist=on|off\n"
    "                  dotfiles=on|off symlinks=on|off gzip_static=on|off\n"
    "\n"
    "Signals: TERM/INT stop, QUIT drain and stop, USR1 reopen logs,\n"
    "WINCH stop the workers.  Exit: 0 ok, 100 usage, 111 system error.\n";

static void
bad(const char *what, const char *val, const char *why)
{
	fx_fatalx(FX_EXIT_USAGE, "%s '%s': %s", what, val, why);
}

int
server_main(int argc, char **argv)
{
	static struct fx_conf conf;
	const char *why;
	long long v;
	int c, i;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return FX_EXIT_OK;
	}
	fx_conf_defaults(&conf);
	while ((c = getopt(argc, argv, "l:r:a:e:w:p:o:")) != -1) {
		switch (c) {
		case 'l':
			if (fx_conf_set(&conf, "listen", optarg, &why) == -1)
				bad("-l", optarg, why);
			break;
		case 'r':
			conf.root = optarg;
			break;
		case 'a':
			conf.access_log = optarg;
			break;
		case 'e':
			conf.error_log = optarg;
			break;
		case 'w':
			if (fx_parse_num(optarg, 1, 1024, &v) == -1)
				bad("-w", optarg, "needs a number from 1 to 1024");
			conf.workers = (int)v;
			break;
		case 'p':
			conf.pidfile = optarg;
			break;
		case 'o':
			if (fx_conf_set_kv(&conf, optarg, &why) == -1)
				bad("-o", optarg, why);
			break;
		default:
			fputs(usage, stderr);
			return FX_EXIT_USAGE;
		}
	}
	if (optind < argc)
		bad("argument", argv[optind], "unexpected (see --help)");
	if (conf.nlisten == 0 && fx_conf_set(&conf, "listen",
	    "*:" FX_STR(CONFIG_DEFAULT_PORT), &why) == -1)
		bad("default listen", "", why);

	if (conf.error_log != NULL && fx_log_open(conf.error_log) == -1)
		fx_fatal(FX_EXIT_SYS, "error log %s", conf.error_log);
	if (fx_file_init(conf.root) == -1)
		fx_fatal(FX_EXIT_USAGE, "document root %s", conf.root);
	fx_file_conf.symlinks = conf.symlinks;
	fx_file_conf.dotfiles = conf.dotfiles;
	fx_file_conf.dirlist = conf.dirlist;
	fx_file_conf.gzip_static = conf.gzip_static;
	if (ENABLE_FEATURE_ACCESS_LOG && conf.access_log != NULL &&
	    fx_alog_open(conf.access_log) == -1)
		fx_fatal(FX_EXIT_SYS, "access log %s", conf.access_log);
	if (!ENABLE_FEATURE_ACCESS_LOG && conf.access_log != NULL)
		fx_fatalx(FX_EXIT_USAGE, "access log not built in "
		    "(FEATURE_ACCESS_LOG)");
	for (i = 0; i < conf.nlisten; i++)
		if (fx_listen_open(&conf.listen[i], 511) == -1)
			fx_fatal(FX_EXIT_SYS, "listen on %s",
			    conf.listen[i].name);
	return fx_proc_master(&conf);
}
#endif
