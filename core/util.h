/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers shared by the applets: the startup-only x-wrappers
 * that die on error (BusyBox), number parsing that never trusts its input,
 * and whole-buffer I/O.
 */
#ifndef FX_UTIL_H
#define FX_UTIL_H

#include <stddef.h>
#include <signal.h>
#include <sys/types.h>

#define FX_NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define FX_STR_(x)	#x
#define FX_STR(x)	FX_STR_(x)	/* a macro's value as a string */

/* main()'s argv as the program was started (for re-exec on USR2). */
extern char **fx_argv;

/* Startup only: these exit(111) on failure. */
void	*fx_xmalloc(size_t n);
void	*fx_xcalloc(size_t n, size_t size);
char	*fx_xstrdup(const char *s);

/*
 * Parse a decimal number in [min, max] from the whole of s (no sign, no
 * space, no trailing bytes).  Returns 0 and stores it, or -1 (errno
 * EINVAL or ERANGE).
 */
int	fx_parse_num(const char *s, long long min, long long max,
	    long long *out);

/* Parse seconds with an optional fraction ("1.5") into milliseconds. */
int	fx_parse_msec(const char *s, long long max_ms, long long *out);

/*
 * setuid(2) / setgroups({gid}), setgid(2) and setuid(2), for a process of
 * one thread only.  0 or -1 (errno).
 */
int	fx_setuid(uid_t uid);
int	fx_setids(uid_t uid, gid_t gid);

/* write(2) all of buf, retrying on EINTR and short writes.  0 or -1. */
int	fx_write_all(int fd, const void *buf, size_t n);

/* Milliseconds of CLOCK_MONOTONIC. */
long long fx_now_ms(void);

/*
 * The few libc functions whose musl versions drag in large parts of libc
 * (printf, the time zone code, stdio) are done here for the static binary.
 */
struct tm;
void	fx_gmtime(long long t, struct tm *tm);	/* UTC, no time zone */
long long fx_timegm(const struct tm *tm);

/* inet_ntop for AF_INET and AF_INET6 (RFC 5952 form).  buf or NULL. */
char	*fx_ntop(int family, const void *addr, char *buf, size_t len);

/*
 * inet_pton for AF_INET (into 4 bytes) and AF_INET6 (16), with musl's
 * rules and without its 0.8 KiB.  1, or 0 when s is not an address.
 */
int	fx_pton(int family, const char *s, void *addr);

/* uid and gid of user name from /etc/passwd.  0, or -1 (ENOENT). */
int	fx_getpw(const char *name, long *uid, long *gid);

/*
 * Block the signals of the 0-terminated list sigs, ignore SIGPIPE, and
 * return a non-blocking, close-on-exec signalfd that reads them (the set
 * in *set).  -1 with errno on failure.
 */
int	fx_sig_open(const int *sigs, sigset_t *set);

/* CPUs this process may run on (at least 1). */
int	fx_ncpu(void);

/* strstr without musl's two-way machinery (our haystacks are short). */
char	*fx_strstr(const char *hay, const char *needle);

/*
 * fcntl(2) for the commands fenix uses (F_GETFD, F_SETFD, F_GETFL,
 * F_SETFL, F_GET_SEALS, F_ADD_SEALS): the system call itself, without
 * musl's 0.4 KiB for F_GETOWN and F_DUPFD_CLOEXEC.  As fcntl.
 */
int	fx_fcntl(int fd, int cmd, long arg);

/*
 * unsetenv and setenv without musl's record of what it allocated (1 KiB):
 * fx_env_unset drops every name= entry of environ in place; fx_env_set
 * puts name=val last in a new environ array.  Both never free (fenix sets
 * a variable at most once per process).  fx_env_set: 0, or -1 (ENOMEM).
 */
void	fx_env_unset(const char *name);
int	fx_env_set(const char *name, const char *val);

#endif
