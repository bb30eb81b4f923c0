/* SPDX-License-Identifier: MIT */
/*
 * listen.h - listening sockets: parse "ADDR:PORT" and "[V6]:PORT", bind
 * them close-on-exec and non-blocking.
 */
#ifndef FX_LISTEN_H
#define FX_LISTEN_H

#include <sys/socket.h>

#define FX_LISTEN_MAX	16		/* -l given at most this often */
#define FX_ADDRSTRLEN	64		/* "[v6]:port" and a NUL */

struct fx_listen {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 fd;		/* -1 until bound */
	char			 name[FX_ADDRSTRLEN];	/* as printed */
};

/*
 * Parse "ADDR:PORT", "[V6ADDR]:PORT", or a bare "PORT" or "*:PORT" (every IPv4
 * address, as nginx) into l.
 * Returns 0, or -1 with a reason in *why (a static string).
 */
int	fx_listen_parse(struct fx_listen *l, const char *s, const char **why);

/* Format addr as "1.2.3.4:80" or "[::1]:80" into buf (FX_ADDRSTRLEN). */
void	fx_listen_name(const struct sockaddr *sa, char *buf, size_t len);

/*
 * Bind and listen on l->addr (SO_REUSEADDR, close-on-exec, non-blocking,
 * TCP_DEFER_ACCEPT).  Sets l->fd and, for port 0, the real address and
 * name.  Returns 0 or -1 with errno.
 */
int	fx_listen_open(struct fx_listen *l, int backlog);

/*
 * listen() again on l->fd, which listens already: Linux then only sets
 * the length of its accept queue.  For sockets taken over or inherited.
 * Returns 0 or -1 with errno.
 */
int	fx_listen_backlog(const struct fx_listen *l, int backlog);

/*
 * The kernel's maximum accept queue, net.core.somaxconn of this network
 * namespace (what h2o and Go use), or 4096 (Linux's default since 5.4)
 * when /proc cannot tell.  Never fails; does not block.
 */
int	fx_listen_somaxconn(void);

/*
 * Parse an fd list as nginx writes NGINX ("3;4;", ':' also accepted)
 * into fds (at most max).  Entries that are not numbers from 0 to 65535
 * are reported through bad(text) and skipped.  Returns the count.
 */
int	fx_listen_parse_fds(const char *s, int *fds, int max,
	    void (*bad)(const char *text, size_t n));

/*
 * Adopt inherited listening sockets: the fds named by NGINX and by
 * systemd's LISTEN_FDS (when LISTEN_PID is ours).  Each must be an open
 * SOCK_STREAM socket that listens; its address (getsockname) is matched
 * against l[0..n): a match is adopted (l->fd set), anything else is
 * closed, and bad entries are logged and skipped.  Unsets NGINX,
 * LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES.  Returns how many were adopted.
 */
int	fx_listen_inherit(struct fx_listen *l, int n);

/*
 * Close every fd from 3 up that is not one of l[0..n)'s: fds a master was
 * started with (a secret on fd 7, a socket nobody adopted) must not reach
 * the workers, which may run as another user.  Call it after
 * fx_listen_inherit, before opening anything else.
 */
void	fx_listen_close_others(const struct fx_listen *l, int n);

#endif
