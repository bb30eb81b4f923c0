/* SPDX-License-Identifier: MIT */
/*
 * server.c - the server applet: options, then one call into core.
 */
#include "fmt.h"
#include "config.h"
#if ENABLE_APPLET_SERVER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "init.h"
#include "log.h"
#include "pidfile.h"
#include "proc.h"
#include "util.h"

static const char usage[] =
    "usage: fenix server [-c CONFIG] [-t] [-d] [-s] [-D SECONDS]\n"
    "                    [-l ADDR:PORT]... [-r ROOT] [-a ACCESS_LOG]\n"
    "                    [-e ERROR_LOG] [-w WORKERS] [-p PIDFILE] [-u USER]\n"
    "                    [-o NAME=VALUE]...\n"
    IF_FEATURE_HELP(
    "Serve the files under ROOT over HTTP/1.1 with a master and workers.\n"
    "\n"
    "  -c FILE         read settings from FILE (\"name value\" lines)\n"
    "  -t              check the configuration and exit (0 ok, 100 bad)\n"
    "  -d              run as a daemon (default: foreground)\n"
    "  -s              be a subreaper init above the master, as when PID 1\n"
    "  -D SECONDS      as init: keep serving this long after TERM, then\n"
    "                  drain (the Kubernetes endpoint-removal delay)\n"
    "  -l ADDR:PORT    listen there (repeatable): 127.0.0.1:8080, [::1]:80,\n"
    "                  *:80 or a bare port for every IPv4 address\n"
    "                  (default *:" FX_STR(CONFIG_DEFAULT_PORT) ")\n"
    "  -r ROOT         document root (default ./www)\n"
    "  -a FILE         access log in the combined format, - for stdout\n"
    "  -e FILE         error log (default: stderr)\n"
    "  -w N            worker processes (default: one per online CPU)\n"
    "  -p PIDFILE      pid file (default /run/fenix.pid as root, else\n"
    "                  $XDG_RUNTIME_DIR/fenix.pid or\n"
    "                  /tmp/fenix-UID/fenix.pid)\n"
    "  -u USER         workers run as USER (the master binds as root)\n"
    "  -o NAME=VALUE   any setting by name, as in the config file\n"
    "                  (all of them: README, \"fenix server\")\n"
    "Command-line settings override the config file's.\n"
    IF_FEATURE_ENV("Every setting is also an environment variable, "
    "FENIX_<NAME>\n(FENIX_ROOT=/srv), between the two.\n")
    "\n"
    "Signals: TERM/INT stop, QUIT drain and stop, HUP reload, USR1 reopen\n"
    "logs, USR2 upgrade to the binary on disk, WINCH stop the workers.\n"
    "Exit: 0 ok, 100 usage or config error, 111 system error.\n");

/* Each option becomes a "name=value" override, kept for HUP reloads. */
static char **over;
static int nover;

static void
add(const char *name, const char *val)
{
	size_t n = strlen(name) + strlen(val) + 2;
	char *s = fx_xmalloc(n);

	fx_snprintf(s, n, "%s=%s", name, val);
	over = realloc(over, (size_t)(nover + 1) * sizeof(*over));
	if (over == NULL)
		fx_fatal(FX_EXIT_SYS, "realloc");
	over[nover++] = s;
}

/* -t: the settings taken from the environment, and which -o overrides. */
static void
show_env(void)
{
	char name[48];
	const char *val, *kw;
	size_t i, n;
	int j;

	for (i = 0; fx_conf_env_name(i, name) != NULL; i++) {
		if ((val = getenv(name)) == NULL)
			continue;
		kw = fx_conf_keyword(i);
		n = strlen(kw);
		for (j = 0; j < nover; j++)
			if (strncmp(over[j], kw, n) == 0 && over[j][n] == '=')
				break;
		fx_eprintf("fenix server: %s from the environment: %s%s\n",
		    name, val, j < nover ? " (overridden by the command "
		    "line)" : "");
	}
}

int
server_main(int argc, char **argv)
{
	static struct fx_master_opts mo;
	struct fx_conf c;
	char err[512];
	int ch, test = 0, subreaper = 0;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fx_puts(usage);
		return FX_EXIT_OK;
	}
	opterr = 0;
	while ((ch = getopt(argc, argv, "c:tdsD:l:r:a:e:w:p:u:o:")) != -1) {
		switch (ch) {
		case 'c': mo.conf_file = optarg; break;
		case 't': test = 1; break;
		case 'd': mo.daemon = 1; break;
		case 's': subreaper = 1; break;
		case 'D': add("shutdown_delay", optarg); break;
		case 'l': add("listen", optarg); break;
		case 'r': add("root", optarg); break;
		case 'a': add("access_log", optarg); break;
		case 'e': add("error_log", optarg); break;
		case 'w':
			if (strcmp(optarg, "0") == 0)
				fx_fatalx(FX_EXIT_USAGE, "-w '0': needs a "
				    "number from 1 to 1024");
			add("workers", optarg);
			break;
		case 'p': add("pidfile", optarg); break;
		case 'u': add("user", optarg); break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				fx_fatalx(FX_EXIT_USAGE, "-o '%s': expected "
				    "NAME=VALUE", optarg);
			over = realloc(over, (size_t)(nover + 1) *
			    sizeof(*over));
			if (over == NULL)
				fx_fatal(FX_EXIT_SYS, "realloc");
			over[nover++] = optarg;
			break;
		default:
			fx_fatalx(FX_EXIT_USAGE,
			    "unknown option -%c or a missing "
			    "value (see fenix server --help)", optopt);
		}
	}
	if (optind < argc)
		fx_fatalx(FX_EXIT_USAGE,
		    "unexpected argument '%s' (see --help)",
		    argv[optind]);
	/* Check everything now, so that errors come before any fork. */
	memset(&c, 0, sizeof(c));
	if (fx_conf_load(&c, mo.conf_file, over, nover, err,
	    sizeof(err)) == -1)
		fx_fatalx(FX_EXIT_USAGE, "%s", err);
	if (access(c.root, R_OK | X_OK) == -1)
		fx_fatal(FX_EXIT_USAGE, "document root %s", c.root);
	if (test) {
		fx_eprintf("fenix server: configuration %s is ok\n",
		    mo.conf_file != NULL ? mo.conf_file : "(command line)");
		fx_eprintf("fenix server: backlog %d (net.core.somaxconn "
		    "%d)\n", c.backlog, fx_listen_somaxconn());
		if (ENABLE_FEATURE_ENV)
			show_env();
		fx_conf_free(&c);
		return FX_EXIT_OK;
	}
	/*
	 * PID 1 of a container, or -s: stay init, the child is the master.
	 * Not in a master that an upgrade started: the init is above it.
	 */
	if ((getpid() == 1 || subreaper) && getenv("FENIX_GENERATION") == NULL)
		fx_init_start(c.pidfile != NULL ? c.pidfile :
		    fx_pidfile_default(), subreaper, c.delay_ms,
		    c.shutdown_ms + 1000);
	fx_conf_free(&c);
	mo.over = over;
	mo.nover = nover;
	mo.argv = fx_argv != NULL ? fx_argv : argv;
	if ((mo.exe = fx_proc_exe_path(mo.argv[0])) == NULL)
		fx_log_warnx("cannot find my executable (%s): USR2 will fail",
		    mo.argv[0]);
	return fx_proc_master(&mo);
}
#endif
