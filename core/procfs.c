/* SPDX-License-Identifier: MIT */
/*
 * procfs.c - reading /proc about another process (see procfs.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

#include "fmt.h"
#include "proc.h"
#include "procfs.h"
#include "util.h"

/*
 * Parse an unsigned number in base 10 or 16 at p into *v; returns the
 * first byte after it, or NULL if there is no digit.  (No scanf: it would
 * cost the static binary 14 KiB.)
 */
static const char *
num(const char *p, int base, unsigned long long *v)
{
	const char *start = p;
	int d;

	*v = 0;
	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (*p | 0x20) - 'a' + 10;
		else
			break;
		*v = *v * (unsigned)base + (unsigned)d;
	}
	return p > start ? p : NULL;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Skip n whitespace-separated fields. */
static const char *
skip_fields(const char *p, int n)
{
	while (n-- > 0 && p != NULL) {
		p = skip_ws(p);
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	return p != NULL ? skip_ws(p) : NULL;
}

/* Read a whole small /proc file into buf (NUL-terminated).  len or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)got < len - 1 &&
	    (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The fields of /proc/pid/stat after the command's ")". */
static char *
stat_fields(pid_t pid, char *buf, size_t len)
{
	char path[64], *p;

	fx_snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (slurp(path, buf, len) <= 0 || (p = strrchr(buf, ')')) == NULL)
		return NULL;
	return p + 2;
}

int
fx_procfs_running(pid_t pid)
{
	char buf[1024], *f;

	if (pid <= 0)
		return 0;
	if ((f = stat_fields(pid, buf, sizeof(buf))) == NULL)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	return *f != 'Z' && *f != 'X' && *f != 'x';
}

int
fx_procfs_children(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[20480];
	const char *p = buf;
	unsigned long long v;
	int n = 0;

	fx_snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	    (long)pid, (long)pid);
	if (slurp(path, buf, sizeof(buf)) < 0)
		return -1;
	while (n < max && (p = num(skip_ws(p), 10, &v)) != NULL)
		out[n++] = (pid_t)v;
	return n;
}

int
fx_procfs_generation(pid_t pid)
{
	char path[64], buf[65536];
	ssize_t n, i;
	long long v;

	fx_snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((n = slurp(path, buf, sizeof(buf))) < 0)
		return -1;
	for (i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (strncmp(buf + i, "FENIX_GENERATION=", 17) == 0)
			return fx_parse_num(buf + i + 17, 1, 1000000000,
			    &v) == 0 ? (int)v : -1;
	return 1;
}

/* qemu-user's interpreter, as binfmt_misc starts it for a foreign ELF. */
static int
is_emulator(const char *path)
{
	const char *b = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
	    path;

	return strncmp(b, "qemu-", 5) == 0 || fx_strstr(b, "-binfmt-") != NULL;
}

/*
 * A process under qemu-user: its /proc/PID/exe is the emulator, and the
 * binary is the path binfmt_misc handed the emulator (the second word of
 * its command line), if that is absolute.  0, or -1 with ENOEXEC.
 */
static int
emulated(pid_t pid, char *buf, size_t len)
{
	char path[64], cl[PATH_MAX * 2], *w;
	ssize_t n;

	fx_snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((n = slurp(path, cl, sizeof(cl))) <= 0)
		return -1;
	w = cl + strlen(cl) + 1;
	if (w >= cl + n || w[0] != '/' || strlen(w) >= len) {
		errno = ENOEXEC;
		return -1;
	}
	memcpy(buf, w, strlen(w) + 1);
	return 0;
}

int
fx_procfs_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	fx_snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, buf, len - 1)) == -1)
		return -1;
	buf[n] = '\0';
	return is_emulator(buf) ? emulated(pid, buf, len) : 0;
}

int
fx_procfs_exe_file(pid_t pid, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	fx_snprintf(buf, len, "/proc/%ld/exe", (long)pid);
	if ((n = readlink(buf, exe, sizeof(exe) - 1)) == -1)
		return -1;
	exe[n] = '\0';
	return is_emulator(exe) ? emulated(pid, buf, len) : 0;
}

long long
fx_procfs_uptime(pid_t pid)
{
	char buf[1024];
	const char *f;
	unsigned long long start, up;
	long hz = 100;		/* USER_HZ: /proc counts in 1/100 s */

	if ((f = stat_fields(pid, buf, sizeof(buf))) == NULL)
		return -1;
	/* starttime is field 22; f begins at field 3. */
	if ((f = num(skip_fields(f, 19), 10, &start)) == NULL ||
	    slurp("/proc/uptime", buf, sizeof(buf)) <= 0 ||
	    num(buf, 10, &up) == NULL || hz <= 0)
		return -1;
	return (long long)up - (long long)(start / (unsigned long long)hz);
}

int
fx_procfs_sig_pending(pid_t pid, int sig)
{
	char path[64], buf[4096];
	const char *p;
	unsigned long long m;
	int pending = 0;

	fx_snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; (p = strchr(p, '\n')) != NULL; ) {
		p++;
		if ((strncmp(p, "SigPnd:", 7) == 0 ||
		    strncmp(p, "ShdPnd:", 7) == 0) &&
		    num(skip_ws(p + 7), 16, &m) != NULL &&
		    (m >> (sig - 1) & 1))
			pending = 1;
	}
	return pending;
}

/* Socket inodes of pid's fds into inodes.  Count or -1. */
static int
socket_inodes(pid_t pid, unsigned long *inodes, int max)
{
	char path[320], link[64];
	struct dirent *de;
	unsigned long long v;
	DIR *d;
	ssize_t n;
	int cnt = 0;

	fx_snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && cnt < max) {
		fx_snprintf(path, sizeof(path), "/proc/%ld/fd/%s", (long)pid,
		    de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:[", 8) == 0 &&
		    num(link + 8, 10, &v) != NULL)
			inodes[cnt++] = (unsigned long)v;
	}
	closedir(d);
	return cnt;
}

/* One line of /proc/net/tcp{,6}: a listener of ours goes into out. */
static int
tcp_line(const char *line, int v6, const unsigned long *inodes, int nino,
    struct fx_listen *out)
{
	unsigned long long port, st, ino, w;
	const char *p, *a;
	int i, k;

	/* "  0: 0100007F:1F90 00000000:0000 0A ... uid timeout inode" */
	if ((p = strchr(line, ':')) == NULL)
		return 0;
	a = skip_ws(p + 1);
	if ((p = strchr(a, ':')) == NULL || num(p + 1, 16, &port) == NULL)
		return 0;
	p = skip_fields(p + 1, 2);
	if (p == NULL || num(p, 16, &st) == NULL || st != 0x0a)	/* LISTEN */
		return 0;
	if ((p = num(skip_fields(p, 6), 10, &ino)) == NULL)
		return 0;
	for (i = 0; i < nino && inodes[i] != ino; i++)
		;
	if (i == nino)
		return 0;
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!v6) {
		struct sockaddr_in *in = (void *)&out->addr;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		num(a, 16, &w);		/* host order of the network bytes */
		in->sin_addr.s_addr = (uint32_t)w;
	} else {
		struct sockaddr_in6 *in6 = (void *)&out->addr;
		unsigned char *b = in6->sin6_addr.s6_addr;
		char word[9];

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		for (i = 0; i < 4; i++) {	/* four host-order words */
			memcpy(word, a + i * 8, 8);
			word[8] = '\0';
			num(word, 16, &w);
			for (k = 0; k < 4; k++)
				b[i * 4 + k] = (unsigned char)(w >> (8 * k));
		}
	}
	fx_listen_name((struct sockaddr *)&out->addr, out->name,
	    sizeof(out->name));
	return 1;
}

int
fx_procfs_listeners(pid_t pid, struct fx_listen *out, int max)
{
	static const char *files[] = { "tcp", "tcp6" };
	unsigned long inodes[256];
	char path[64], buf[16384], *line, *nl;
	size_t len;
	ssize_t n;
	int nino, cnt = 0, f, fd;

	if ((nino = socket_inodes(pid, inodes, (int)FX_NELEM(inodes))) < 0)
		return -1;
	for (f = 0; f < 2 && cnt < max; f++) {
		fx_snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid,
		    files[f]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		len = 0;
		while (cnt < max &&
		    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
			len += (size_t)n;
			buf[len] = '\0';
			for (line = buf; cnt < max &&
			    (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
				*nl = '\0';
				cnt += tcp_line(line, f, inodes, nino,
				    &out[cnt]);
			}
			len = strlen(line);
			memmove(buf, line, len);
			if (len == sizeof(buf) - 1)
				len = 0;	/* a line that long: not ours */
		}
		close(fd);
	}
	return cnt;
}

/* Options of the server applet that take a value (getopt's "x:"). */
static const char server_valopts[] = "cDlraewpuo";

/*
 * The pid file a server command line names (-p FILE, -o pidfile=FILE;
 * the last wins), or NULL.  w: the words after the applet name, up to
 * end.  Like getopt, option parsing stops at the first other word.
 */
static const char *
cmdline_pidfile(const char *w, const char *end)
{
	const char *pf = NULL, *val;
	size_t i;
	char opt;

	for (; w < end && w[0] == '-' && w[1] != '\0'; w += strlen(w) + 1) {
		if (strcmp(w, "--") == 0)
			break;
		for (i = 1; w[i] != '\0'; i++) {
			if (strchr(server_valopts, w[i]) == NULL)
				continue;
			opt = w[i];
			val = w + i + 1;
			if (*val == '\0') {
				w += strlen(w) + 1;
				if (w >= end)
					return pf;
				val = w;
			}
			if (opt == 'p')
				pf = val;
			else if (opt == 'o' && strncmp(val, "pidfile=", 8) == 0)
				pf = val + 8;
			break;
		}
	}
	return pf;
}

/*
 * Stat the directory of path (relative to dir when not absolute) into
 * st; *base: its last component.  0 or -1.
 */
static int
stat_dir(const char *dir, const char *path, struct stat *st,
    const char **base)
{
	char buf[PATH_MAX * 2];
	const char *slash = strrchr(path, '/');
	size_t n;

	*base = slash != NULL ? slash + 1 : path;
	n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
	if ((size_t)fx_snprintf(buf, sizeof(buf), "%s%s%.*s",
	    path[0] == '/' ? "" : dir, path[0] == '/' || n == 0 ? "" : "/",
	    (int)n, path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return stat(buf, st);
}

int
fx_procfs_master(pid_t pid, const char *pidfile)
{
	char path[64], buf[8192], *end, *w, *base;
	const char *pf, *b1, *b2;
	struct stat s1, s2;
	ssize_t n;
	int r;

	if (pid <= 0)
		return 0;
	if ((r = fx_procfs_running(pid)) == 0) {
		/* Gone, a zombie, or hidden from us (hidepid)? */
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 0;
		fx_snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
		return access(path, F_OK) == 0 ? 0 : -1;
	}
	if (r == -1)
		return -1;
	fx_snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((n = slurp(path, buf, sizeof(buf))) < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	if (n == 0)
		return 0;	/* a kernel thread, or a zombie by now */
	end = buf + n;
	if (end[-1] != '\0')
		*end++ = '\0';	/* slurp left room for it */
	/*
	 * qemu-user through binfmt_misc (a foreign-architecture container):
	 * the kernel starts the interpreter with the binary's path and,
	 * flag P, its argv[0]: skip the first two words.
	 */
	w = buf;
	if (is_emulator(w)) {
		for (r = 0; r < 2 && w < end; r++)
			w += strlen(w) + 1;
		if (w >= end)
			return 0;
	}
	/* The applet: basename server or fenix-server, or fenix server. */
	base = strrchr(w, '/') != NULL ? strrchr(w, '/') + 1 : w;
	w += strlen(w) + 1;
	if (strncmp(base, "fenix-", 6) == 0)
		base += 6;
	if (strcmp(base, "server") != 0) {
		if (w >= end || strcmp(w, "server") != 0)
			return 0;
		w += strlen(w) + 1;
	}
	if ((pf = cmdline_pidfile(w, end)) == NULL)
		return 1;
	fx_snprintf(path, sizeof(path), "/proc/%ld/cwd", (long)pid);
	if (stat_dir(".", pidfile, &s1, &b1) == -1)
		return 0;
	if (stat_dir(path, pf, &s2, &b2) == -1)
		return errno == EACCES || errno == EPERM ? -1 : 0;
	return s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino &&
	    strcmp(b1, b2) == 0;
}

/* Kept beside the other lookups of a binary's path (see proc.h). */
char *
fx_proc_exe_path(const char *argv0)
{
	char cwd[PATH_MAX], buf[PATH_MAX];
	const char *path, *end;
	struct stat st;
	size_t n;

	if (strchr(argv0, '/') != NULL) {
		if (argv0[0] == '/')
			return strdup(argv0);
		while (argv0[0] == '.' && argv0[1] == '/')
			argv0 += 2;
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)fx_snprintf(buf, sizeof(buf), "%s/%s", cwd,
		    argv0) >=
		    sizeof(buf))
			return NULL;
		return strdup(buf);
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (; *path != '\0'; path = *end ? end + 1 : end) {
		end = path + strcspn(path, ":");
		n = (size_t)(end - path);
		if (n == 0)	/* an empty entry is the current directory */
			fx_snprintf(buf, sizeof(buf), "./%s", argv0);
		else if ((size_t)fx_snprintf(buf, sizeof(buf), "%.*s/%s",
		    (int)n,
		    path, argv0) >= sizeof(buf))
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return buf[0] == '/' ? strdup(buf) :
			    fx_proc_exe_path(buf);
	}
	return NULL;
}
