/* SPDX-License-Identifier: MIT */
/*
 * main.c - the multi-call entry point.  The applet comes from the basename
 * of argv[0] ("server", "fenix-server") or, for any other name ("fenix"),
 * from argv[1], as in BusyBox.  Also --list, --install, --help, --version.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "applets.h"
#include "log.h"
#include "util.h"

#define FX_PREFIX	"fenix-"

struct applet {
	const char	*name;
	int		(*main)(int, char **);
	const char	*summary;
};

#define FX_APPLET_ENTRY(name, summary) { #name, name##_main, summary },
static const struct applet applets[] = {
	FX_APPLETS(FX_APPLET_ENTRY)
	{ NULL, NULL, NULL }
};

static const struct applet *
find_applet(const char *name)
{
	const struct applet *a;

	for (a = applets; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* The applet names joined by sep into buf. */
static const char *
names(char *buf, size_t len, const char *sep)
{
	const struct applet *a;
	size_t n = 0;

	buf[0] = '\0';
	for (a = applets; a->name != NULL && n < len; a++)
		n += (size_t)fx_snprintf(buf + n, len - n, "%s%s",
		    a == applets ? "" : sep, a->name);
	return buf;
}

static int
unknown(const char *name)
{
	char buf[256];

	fx_eprintf("fenix: applet '%s' not found (applets: %s)\n", name,
	    names(buf, sizeof(buf), " "));
	return FX_EXIT_USAGE;
}

static void
help(int to_stderr)
{
	void (*out)(const char *, ...) = to_stderr ? fx_eprintf : fx_printf;
	const struct applet *a;

	out(
	    "fenix %s: a static web server that upgrades itself in place\n"
	    "\n"
	    "usage: fenix APPLET [ARGS...]   or   APPLET [ARGS...] (link)\n"
	    "       fenix --list | --install [-s] DIR | --help | --version\n"
	    "\n"
	    "applets:\n", FX_VERSION);
	for (a = applets; a->name != NULL; a++)
		out("  %-9s %s\n", a->name, a->summary);
	if (!ENABLE_FEATURE_HELP)
		return;
	out(
	    "\n"
	    "  --install DIR     hard-link each applet name in DIR to fenix\n"
	    "  --install -s DIR  the same with symbolic links\n"
	    "\n"
	    "'fenix APPLET --help' describes one applet.\n"
	    "exit codes: 0 ok, 100 usage or config error, 111 system error\n");
}

/* Link DIR/name to this executable for each applet, like BusyBox. */
static int
install_links(int symbolic, const char *dir)
{
	const struct applet *a;
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n;
	int rc = FX_EXIT_OK;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n == -1) {
		fx_eprintf("fenix: --install: /proc/self/exe: %s\n",
		    fx_strerror(errno));
		return FX_EXIT_SYS;
	}
	self[n] = '\0';
	for (a = applets; a->name != NULL; a++) {
		if ((size_t)fx_snprintf(path, sizeof(path), "%s/%s", dir,
		    a->name) >= sizeof(path)) {
			fx_eprintf("fenix: --install: %s: name too long\n",
			    dir);
			return FX_EXIT_USAGE;
		}
		if ((symbolic ? symlink(self, path) : link(self, path)) == 0)
			continue;
		fx_eprintf("fenix: --install: %s: %s\n", path,
		    fx_strerror(errno));
		rc = FX_EXIT_SYS;
	}
	return rc;
}

static int
multi_call(int argc, char **argv)
{
	const struct applet *a;

	if (argc < 2) {
		help(1);
		return FX_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help(0);
		return FX_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		fx_printf("fenix %s\nconfig: %s\n", FX_VERSION,
		    FX_CONFIG_SUMMARY);
		return FX_EXIT_OK;
	}
	if (strcmp(argv[1], "--list") == 0) {
		char buf[256];

		fx_printf("%s\n", names(buf, sizeof(buf), "\n"));
		return FX_EXIT_OK;
	}
	if (strcmp(argv[1], "--install") == 0) {
		if (argc == 3 && argv[2][0] != '-')
			return install_links(0, argv[2]);
		if (argc == 4 && strcmp(argv[2], "-s") == 0)
			return install_links(1, argv[3]);
		fx_eprintf("usage: fenix --install [-s] DIR\n");
		return FX_EXIT_USAGE;
	}
	if (argv[1][0] == '-') {
		fx_eprintf("fenix: unknown option '%s' (see fenix --help)\n",
		    argv[1]);
		return FX_EXIT_USAGE;
	}
	if ((a = find_applet(argv[1])) == NULL)
		return unknown(argv[1]);
	fx_log_init(a->name);
	return a->main(argc - 1, argv + 1);
}

int
main(int argc, char **argv)
{
	const struct applet *a;
	const char *name;

	if (argc < 1 || argv[0] == NULL)
		return unknown("");
	fx_argv = argv;
	name = strrchr(argv[0], '/');
	name = name != NULL ? name + 1 : argv[0];
	if (strncmp(name, FX_PREFIX, strlen(FX_PREFIX)) == 0) {
		if ((a = find_applet(name + strlen(FX_PREFIX))) == NULL)
			return unknown(name + strlen(FX_PREFIX));
	} else if ((a = find_applet(name)) == NULL)
		return multi_call(argc, argv);
	fx_log_init(a->name);
	return a->main(argc, argv);
}
