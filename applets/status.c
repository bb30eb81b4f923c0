/* SPDX-License-Identifier: MIT */
/*
 * status.c - the status applet: what runs, from the pid files and /proc,
 * for people, for scripts (-j) and for health checks (-q -u).
 */
#include "fmt.h"
#include "config.h"
#if ENABLE_APPLET_STATUS

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "log.h"
#include "stats.h"
#include "pidfile.h"
#include "probe.h"
#include "procfs.h"
#include "upstate.h"
#include "util.h"

/* LSB init-script status codes. */
#define ST_RUNNING	0
#define ST_DEAD_PID	1	/* dead, pid file exists */
#define ST_STOPPED	3
#define ST_UNKNOWN	4

static const char usage[] =
    "usage: fenix status [-p PIDFILE] [-j] [-q] [-u URL] [-t SECONDS]\n"
    "Say what runs: master, generation, workers, an upgrade in progress.\n"
    "\n"
    "  -p PIDFILE  the server's pid file (default as fenix server's)\n"
    "  -j          one JSON object on stdout\n"
    "  -q          print nothing: the exit status says it\n"
    "  -u URL      also GET URL (http://HOST:PORT/PATH); fail unless it\n"
    "              answers 2xx or 3xx\n"
    "  -t SECONDS  time allowed for -u (default 2)\n"
    "\n"
    "Exit (LSB): 0 running (and -u healthy), 1 dead but the pid file\n"
    "exists (or names no fenix master of it), 3 not running, 4 cannot\n"
    "tell (junk or non-regular pid file, /proc hides the process).\n"
    "A failed -u probe of a running server exits 1.\n";

struct master {
	pid_t		 pid;
	int		 gen;
	long long	 uptime;
	char		 exe[PATH_MAX];
	pid_t		 kids[256];
	int		 nkids;
	struct fx_listen l[FX_LISTEN_MAX];
	int		 nl;
};

static void
inspect(struct master *m, pid_t pid)
{
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->gen = fx_procfs_generation(pid);
	m->uptime = fx_procfs_uptime(pid);
	if (fx_procfs_exe(pid, m->exe, sizeof(m->exe)) == -1)
		strcpy(m->exe, "?");
	m->nkids = fx_procfs_children(pid, m->kids, 256);
	if (m->nkids < 0)
		m->nkids = 0;
	m->nl = fx_procfs_listeners(pid, m->l, FX_LISTEN_MAX);
	if (m->nl < 0)
		m->nl = 0;
}

/* Workers of m: its children, less the new master of an upgrade. */
static void
print_text(const char *role, const struct master *m, pid_t skip)
{
	int i;

	fx_printf("%s: pid %ld, generation %d, up %llds\n", role, (long)m->pid,
	    m->gen, m->uptime);
	fx_printf("  executable: %s\n", m->exe);
	fx_printf("  listening:");
	for (i = 0; i < m->nl; i++)
		fx_printf(" %s", m->l[i].name);
	fx_printf("%s\n  workers:", m->nl ? "" : " (none seen)");
	for (i = 0; i < m->nkids; i++)
		if (m->kids[i] != skip)
			fx_printf(" %ld", (long)m->kids[i]);
	fx_printf("\n");
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int
utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string; a byte that is not UTF-8 becomes \u00XX (Latin-1). */
static void
json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fx_putc('"');
	while (*s != '\0') {
		n = utf8_len(s);
		if (*s == '"' || *s == '\\')
			fx_printf("\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f || n == 0)
			fx_printf("\\u%04x", *s);
		else {
			while (n-- > 1)
				fx_putc(*s++);
			fx_putc(*s);
		}
		s++;
	}
	fx_putc('"');
}

static void
print_json_master(const struct master *m, pid_t skip)
{
	int i, first = 1;

	fx_printf("{\"pid\":%ld,\"generation\":%d,\"uptime\":%lld,"
	    "\"executable\":", (long)m->pid, m->gen, m->uptime);
	json_str(m->exe);
	fx_printf(",\"listening\":[");
	for (i = 0; i < m->nl; i++) {
		fx_printf("%s", i ? "," : "");
		json_str(m->l[i].name);
	}
	fx_printf("],\"workers\":[");
	for (i = 0; i < m->nkids; i++)
		if (m->kids[i] != skip) {
			fx_printf("%s%ld", first ? "" : ",", (long)m->kids[i]);
			first = 0;
		}
	fx_printf("]}");
}

/*
 * The counters of the live master pid (0: none): the main ones as text,
 * all of them in JSON (a "counters" member, null when unreadable).
 */
static void
print_counters(pid_t pid, int json)
{
	struct fx_ctr_sum s;
	char buf[4096];

	if (pid <= 0 || fx_ctr_attach(pid) == -1) {
		if (json)
			fx_printf(",\"counters\":null");
		return;
	}
	fx_ctr_read(&s);
	if (json) {
		fx_stats_format(buf, sizeof(buf), &s, 1);
		fx_printf(",\"counters\":%s", buf);
	} else
		fx_printf("  requests: %llu, connections: %lld open, %llu "
		    "accepted, upgrades: %llu\n",
		    (unsigned long long)s.requests, s.active,
		    (unsigned long long)s.accepts,
		    (unsigned long long)s.upgrades);
}

int
status_main(int argc, char **argv)
{
	static struct master cur, old;
	const char *pidfile = NULL, *url = NULL, *why = "", *state;
	char oldbin[PATH_MAX + 8];
	static struct fx_upstate up;
	char err[PATH_MAX + 64] = "";
	pid_t pid, opid;
	long long v;
	int perr, driver = -1;
	int c, json = 0, quiet = 0, rc, http = 0, timeout = 2000, alive;
	int oalive, old_workers;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fx_puts(usage);
		return FX_EXIT_OK;
	}
	opterr = 0;
	while ((c = getopt(argc, argv, "p:jqu:t:")) != -1) {
		switch (c) {
		case 'p': pidfile = optarg; break;
		case 'j': json = 1; break;
		case 'q': quiet = 1; break;
		case 'u': url = optarg; break;
		case 't':
			if (fx_parse_msec(optarg, 3600000, &v) == -1 || v == 0)
				fx_fatalx(FX_EXIT_USAGE,
				    "-t '%s': needs seconds",
				    optarg);
			timeout = (int)v;
			break;
		default:
			fx_fatalx(FX_EXIT_USAGE,
			    "unknown option -%c or a missing "
			    "value (see fenix status --help)", optopt);
		}
	}
	if (optind < argc)
		fx_fatalx(FX_EXIT_USAGE, "unexpected argument '%s'",
		    argv[optind]);
	if (url != NULL) {
		struct fx_listen l;
		char path[1024];

		if (fx_probe_parse(url, &l, path, sizeof(path), &why) == -1)
			fx_fatalx(FX_EXIT_USAGE, "-u '%s': %s", url, why);
	}
	if (pidfile == NULL)
		pidfile = fx_pidfile_default();
	if (fx_pidfile_oldbin(pidfile, oldbin, sizeof(oldbin)) == -1)
		fx_fatalx(FX_EXIT_USAGE, "-p: path too long");

	pid = fx_pidfile_read(pidfile);
	perr = errno;
	opid = fx_pidfile_read(oldbin);
	alive = pid > 0 ? fx_procfs_master(pid, pidfile) : 0;
	oalive = opid > 0 ? fx_procfs_master(opid, pidfile) == 1 : 0;
	if (pid == -1) {
		rc = ST_UNKNOWN;
		state = "cannot tell";
		fx_snprintf(err, sizeof(err), "%s%s%s", pidfile,
		    perr == EINVAL || perr == ELOOP || perr == ENXIO ? " " :
		    ": ", fx_pidfile_strerror(perr));
	} else if (alive == 1) {
		rc = ST_RUNNING;
		state = "running";
	} else if (alive == -1) {
		rc = ST_UNKNOWN;
		state = "cannot tell";
		fx_snprintf(err, sizeof(err), "/proc does not show pid %ld "
		    "(hidepid, or another user's process)", (long)pid);
	} else if (oalive == 1) {
		/* The old master while a new one starts. */
		rc = ST_RUNNING;
		state = "running (upgrade starting)";
	} else if (pid > 0) {
		rc = ST_DEAD_PID;
		state = "dead, pid file exists";
		if (fx_pid_alive(pid))
			fx_snprintf(err, sizeof(err), "pid %ld is no fenix "
			    "master of %s", (long)pid, pidfile);
	} else {
		rc = ST_STOPPED;
		state = "not running";
	}
	if (fx_upstate_read(pidfile, &up) == 1)
		driver = fx_upstate_locked(pidfile) == 1 ? 1 : 0;
	if (alive == 1)
		inspect(&cur, pid);
	if (oalive == 1)
		inspect(&old, opid);
	if (rc == ST_RUNNING && url != NULL) {
		http = fx_probe_get(url, timeout, &why);
		if (http < 200 || http > 399)
			rc = ST_DEAD_PID;
	}
	/* Old workers: the old master's children less the new master. */
	old_workers = 0;
	for (c = 0; oalive == 1 && c < old.nkids; c++)
		old_workers += old.kids[c] != pid;
	if (quiet)
		return rc;
	if (json) {
		fx_printf("{\"status\":");
		json_str(state);
		fx_printf(",\"code\":%d,\"pidfile\":", rc);
		json_str(pidfile);
		fx_printf(",\"error\":");
		if (err[0] != '\0')
			json_str(err);
		else
			fx_printf("null");
		fx_printf(",\"driver\":");
		if (driver != -1) {
			fx_printf("{\"pid\":%ld,\"phase\":", (long)up.driver);
			json_str(up.phase);
			fx_printf(",\"running\":%s}", driver ? "true" :
			    "false");
		} else
			fx_printf("null");
		fx_printf(",\"master\":");
		if (alive == 1)
			print_json_master(&cur, 0);
		else
			fx_printf("null");
		fx_printf(",\"upgrade\":");
		if (oalive == 1) {
			fx_printf("{\"phase\":");
			json_str(alive != 1 ? "starting" : old_workers ?
			    "both generations serve" : "old workers stopped");
			fx_printf(",\"old_master\":");
			print_json_master(&old, pid);
			fx_printf("}");
		} else
			fx_printf("null");
		if (ENABLE_FEATURE_COUNTERS)
			print_counters(alive == 1 ? pid : oalive == 1 ? opid :
			    0, 1);
		if (url != NULL) {
			fx_printf(",\"probe\":{\"url\":");
			json_str(url);
			fx_printf(",\"status\":%d,\"error\":", http);
			if (http < 0)
				json_str(why);
			else
				fx_printf("null");
			fx_printf("}");
		}
		fx_printf("}\n");
		return rc;
	}
	fx_printf("fenix: %s (%s)%s%s\n", state, pidfile, err[0] ? ": " : "",
	    err);
	if (driver == 1)
		fx_printf("upgrade driver: pid %ld, phase %s\n",
		    (long)up.driver, up.phase);
	else if (driver == 0)
		fx_printf("interrupted upgrade: phase %s, driver pid %ld gone "
		    "(fenix upgrade finishes or rolls it back; --abort rolls "
		    "back)\n", up.phase, (long)up.driver);
	if (alive == 1)
		print_text("master", &cur, 0);
	if (ENABLE_FEATURE_COUNTERS)
		print_counters(alive == 1 ? pid : oalive == 1 ? opid : 0, 0);
	if (oalive == 1) {
		fx_printf("upgrade in progress: %s\n", alive != 1 ?
		    "new master starting" : old_workers ?
		    "both generations serve" :
		    "old workers stopped (WINCH), old master parked");
		print_text("old master", &old, pid);
	}
	if (url != NULL) {
		if (http > 0)
			fx_printf("probe %s: %d\n", url, http);
		else
			fx_printf("probe %s: failed: %s\n", url, why);
	}
	return rc;
}
#endif
