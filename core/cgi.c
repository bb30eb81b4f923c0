/* SPDX-License-Identifier: MIT */
/*
 * cgi.c - CGI/1.1 (RFC 3875), as BusyBox httpd does it: an executable
 * under the cgi prefix runs with the request in its environment and the
 * body on its stdin; what it writes is the answer.  No shell: the worker
 * forks and execs the file itself.  The client socket leaves conn.c for
 * this file; the script's pipes and its pidfd join the epoll loop, edge
 * triggered, so that a slow script blocks no other client.  Answers are
 * close-delimited: the connection ends with the script's output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alog.h"
#include "cgi.h"
#include "config.h"
#include "ev.h"
#include "file.h"
#include "fmt.h"
#include "log.h"
#include "resp.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434		/* the same on every architecture */
#endif

#define OUT_MAX		8192		/* script output; its head must fit */
#define IN_MAX		4096		/* request body on its way in */
#define HDR_OFF		256		/* room for the status line in hbuf */
#define ENV_MAX		(FX_HTTP_MAX_HEADERS + 16)
#define RUN_MAX		16		/* turns of run() per event: fairness */

enum { S, IN, OUT, ERR, PID, NFD };	/* the fds of a script */
enum { G_HEAD, G_SEND, G_LINGER, G_DONE };

struct cgi;
struct gev {
	struct fx_ev	 ev;
	struct cgi	*g;
};

struct cgi {
	/* The fields used most first: short offsets, shorter code. */
	pid_t		 pid;		/* 0 once reaped */
	short		 status;
	unsigned char	 state;		/* G_* */
	unsigned char	 dead;		/* freed after the batch of events */
	unsigned	 ilen;		/* body bytes for stdin at ip */
	unsigned	 olen, opos;	/* script output in obuf */
	unsigned	 hlen, hpos;	/* answer head in hbuf */
	const char	*ip;
	long long	 body_left;	/* request body still in the socket */
	long long	 sent;		/* body bytes to the client */
	struct gev	 ev[NFD];	/* client, stdin, stdout, stderr, pid */
	struct fx_timer	 timer;		/* cgi_timeout, then the linger */
	struct fx_timer	 later;		/* run again, or free, after a batch */
	struct cgi	*prev, *next;
	struct fx_http_req req;		/* parsed again from head */
	struct sockaddr_storage peer;
	char		 name[64];	/* "cgi SCRIPT", for the error log */
	char		 ibuf[IN_MAX];
	char		 obuf[OUT_MAX];
	char		 hbuf[OUT_MAX + 2 * HDR_OFF];
	char		 head[];	/* the request head, the body after */
};

static const struct fx_conf *conf;
static struct cgi *cgis;
static int ncgi;
static struct fx_timerq q_cgi, q_later;
static int dir_fd = -1;
static char dir_real[PATH_MAX];
static size_t plen;			/* the prefix without its last '/' */

static void
close_fd(struct cgi *g, int i)
{
	if (g->ev[i].ev.fd != -1) {
		close(g->ev[i].ev.fd);
		g->ev[i].ev.fd = -1;
	}
}

static void
kill_script(struct cgi *g)
{
	if (g->pid != 0)
		(void)kill(-g->pid, SIGKILL);
}

/* sin_port and sin6_port share their place; the addresses do not. */
static const unsigned char *
sa_addr(const struct sockaddr_storage *sa)
{
	return (const unsigned char *)sa + (sa->ss_family == AF_INET6 ? 8 : 4);
}

/* The client is done with: log the answer, close the socket. */
static void
close_sock(struct cgi *g)
{
	if (g->status != 0 && fx_alog_on())
		fx_alog_write(g->peer.ss_family, sa_addr(&g->peer), &g->req,
		    g->status, g->sent);
	close_fd(g, S);
	close_fd(g, IN);
	g->state = G_DONE;
}

/* The client went away, or its socket failed: the script is not wanted. */
static void
abandon(struct cgi *g)
{
	kill_script(g);
	close_sock(g);
}

/*
 * Answer status instead of the script, which is killed: 502 for a head
 * that is no CGI head or never came, 504 for a timeout.
 */
static void
fail(struct cgi *g, int status)
{
	struct fx_resp r;

	fx_log_warnx("%s: %s", g->name, status == 502 ? "no valid CGI head" :
	    "timed out");
	kill_script(g);
	close_fd(g, IN);
	close_fd(g, OUT);
	fx_resp_error(&r, status, 1, g->req.method == FX_M_HEAD);
	memcpy(g->hbuf, r.hdr, r.hdr_len);
	if (r.mem != NULL)
		memcpy(g->hbuf + r.hdr_len, r.mem, r.mem_len);
	g->hpos = 0;
	g->hlen = r.hdr_len + r.mem_len;
	g->olen = g->opos = 0;
	g->status = status;
	g->state = G_SEND;
}

/*
 * The script's head (RFC 3875 6.3) in obuf[0..olen) becomes the answer's
 * in hbuf: Status sets the status, Location alone makes a 302, the other
 * fields pass as they are.  Returns 1 done, 0 not all there yet, -1 not
 * a CGI head (a field that is no "name: value", or no CGI field at all).
 */
static int
parse_head(struct cgi *g)
{
	char *p = g->obuf, *end = p + g->olen, *nl, *e, *c, *v, *q;
	char *h = g->hbuf + HDR_OFF, *hend = g->hbuf + sizeof(g->hbuf) - 32;
	char line[HDR_OFF];
	size_t n;
	int status = 0, seen = 0;

	for (;; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return g->olen == OUT_MAX ? -1 : 0;
		e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (e == p)
			break;
		if ((c = memchr(p, ':', (size_t)(e - p))) == NULL || c == p ||
		    h + (e - p) + 4 > hend)
			return -1;
		for (q = p; q < e; q++)
			if ((unsigned char)*q < (q < c ? 33 : 32) ||
			    *q == 0x7f)
				if (q < c || *q != '\t')
					return -1;
		for (v = c + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		n = (size_t)(c - p);
		if (n == 6 && strncasecmp(p, "Status", 6) == 0) {
			for (q = v; q < v + 3 && q < e && *q >= '0' &&
			    *q <= '9'; q++)
				status = status * 10 + *q - '0';
			if (q != v + 3 || status < 200 || status > 599 ||
			    (q < e && *q != ' '))
				return -1;
			continue;
		}
		if (n == 8 && strncasecmp(p, "Location", 8) == 0)
			seen = 302;
		else if (n == 12 && strncasecmp(p, "Content-Type", 12) == 0 &&
		    seen == 0)
			seen = 200;
		h += fx_snprintf(h, (size_t)(hend - h), "%.*s: %.*s\r\n",
		    (int)n, p, (int)(e - v), v);
	}
	/* RFC 3875 6.2: one CGI field at least. */
	if (status == 0 && (status = seen) == 0)
		return -1;
	memcpy(h, "Connection: close\r\n\r\n", 21);
	g->hlen = (size_t)(h + 21 - g->hbuf);
	n = (size_t)fx_snprintf(line, HDR_OFF,
	    "HTTP/1.1 %d %s\r\nServer: fenix\r\nDate: %s\r\n", status,
	    fx_http_reason(status), fx_resp_date);
	g->hpos = HDR_OFF - n;
	g->opos = (size_t)(nl + 1 - g->obuf);
	memcpy(g->hbuf + g->hpos, line, n);
	g->status = status;
	return 1;
}

/* Log what the script wrote to its stderr, a line at a time. */
static void
log_stderr(struct cgi *g, char *s, size_t n)
{
	char *nl, *end = s + n;

	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if (nl > s)
			fx_log_warnx("%s: %.*s", g->name, (int)(nl - s), s);
	}
}

/* The client is done with and the script reaped: g goes. */
static void
g_check(struct cgi *g)
{
	int i;

	if (g->dead || g->ev[S].ev.fd != -1)
		return;
	if (g->pid != 0 && g->ev[PID].ev.fd == -1) {
		/* No pidfd (kernel before 5.3): reap it now. */
		kill_script(g);
		(void)waitpid(g->pid, NULL, 0);
		g->pid = 0;
	}
	if (g->pid != 0) {
		if (!fx_timer_armed(&g->timer))
			fx_timer_arm(&q_cgi, &g->timer);
		return;
	}
	for (i = 0; i < NFD; i++)
		close_fd(g, i);
	fx_timer_cancel(&g->timer);
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		cgis = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	ncgi--;
	/* Events of this batch may still name it: free it after. */
	g->dead = 1;
	fx_timer_arm(&q_later, &g->later);
}

/* Move what can move, as long as something does. */
static void
run(struct cgi *g)
{
	struct iovec iov[2];
	char tmp[512];
	size_t h;
	ssize_t n;
	int r, more, turns = 0, sfd = g->ev[S].ev.fd;

	do {
		more = 0;
		/* The request body, from the socket to the script's stdin. */
		if (g->ev[IN].ev.fd != -1) {
			if (g->ilen == 0 && g->body_left > 0) {
				n = read(sfd, g->ibuf, g->body_left < IN_MAX ?
				    (size_t)g->body_left : IN_MAX);
				if (n == 0 || (n == -1 && errno != EAGAIN)) {
					abandon(g);
					break;
				}
				if (n > 0) {
					g->ip = g->ibuf;
					g->ilen = (size_t)n;
					g->body_left -= n;
				}
			}
			if (g->ilen > 0) {
				n = write(g->ev[IN].ev.fd, g->ip, g->ilen);
				if (n > 0) {
					g->ip += n;
					g->ilen -= (size_t)n;
					more = 1;
				} else if (errno != EAGAIN) {
					/* It reads no more: linger. */
					g->ilen = 0;
					close_fd(g, IN);
				}
			}
			if (g->ilen == 0 && g->body_left == 0)
				close_fd(g, IN);
		}
		/* Its output: the head first, then all of it to the client. */
		if (g->state == G_HEAD) {
			n = read(g->ev[OUT].ev.fd, g->obuf + g->olen,
			    OUT_MAX - g->olen);
			if (n > 0) {
				g->olen += (size_t)n;
				fx_timer_arm(&q_cgi, &g->timer);
				more = 1;
				if ((r = parse_head(g)) == 1)
					g->state = G_SEND;
				else if (r == -1)
					fail(g, 502);
			} else if (n == 0 || errno != EAGAIN) {
				fail(g, 502);
				more = 1;
			}
		}
		if (g->state == G_SEND) {
			iov[0].iov_base = g->hbuf + g->hpos;
			iov[0].iov_len = g->hlen - g->hpos;
			iov[1].iov_base = g->obuf + g->opos;
			iov[1].iov_len = g->req.method == FX_M_HEAD ? 0 :
			    g->olen - g->opos;
			if (iov[0].iov_len + iov[1].iov_len > 0) {
				n = writev(sfd, iov, 2);
				if (n == -1 && errno != EAGAIN) {
					abandon(g);
					break;
				}
				if (n > 0) {
					h = (size_t)n < iov[0].iov_len ?
					    (size_t)n : iov[0].iov_len;
					g->hpos += h;
					g->opos += (size_t)n - h;
					g->sent += n - (ssize_t)h;
					fx_timer_arm(&q_cgi, &g->timer);
					more = 1;
				}
			} else if (g->ev[OUT].ev.fd == -1 ||
			    g->req.method == FX_M_HEAD) {
				/* All sent: half-close, read what comes. */
				(void)shutdown(sfd, SHUT_WR);
				close_fd(g, IN);
				close_fd(g, OUT);
				g->state = G_LINGER;
				fx_timer_arm(&q_cgi, &g->timer);
				more = 1;
			} else {
				g->olen = g->opos = 0;
				n = read(g->ev[OUT].ev.fd, g->obuf, OUT_MAX);
				if (n > 0) {
					g->olen = (size_t)n;
					fx_timer_arm(&q_cgi, &g->timer);
					more = 1;
				} else if (n == 0 || errno != EAGAIN) {
					close_fd(g, OUT);
					more = 1;
				}
			}
		}
		if (g->state == G_LINGER) {
			n = read(sfd, tmp, sizeof(tmp));
			if (n > 0)
				more = 1;
			else if (n == 0 || errno != EAGAIN)
				close_sock(g);
		}
		if (g->ev[ERR].ev.fd != -1) {
			n = read(g->ev[ERR].ev.fd, tmp, sizeof(tmp));
			if (n > 0) {
				log_stderr(g, tmp, (size_t)n);
				more = 1;
			} else if (n == 0 || errno != EAGAIN)
				close_fd(g, ERR);
		}
		if (more && ++turns == RUN_MAX) {
			/* Others wait: go on after this batch of events. */
			fx_timer_arm(&q_later, &g->later);
			break;
		}
	} while (more);
	g_check(g);
}

static void
cgi_ev(struct fx_ev *ev, uint32_t events)
{
	struct cgi *g = ((struct gev *)ev)->g;
	int st;

	(void)events;
	if (g->dead)
		return;
	if (ev == &g->ev[PID].ev && waitpid(g->pid, &st, WNOHANG) == g->pid) {
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			fx_log_warnx("%s: killed by signal %d", g->name,
			    WTERMSIG(st));
		g->pid = 0;
		close_fd(g, PID);
	}
	run(g);
}

/* The script was silent for cgi_timeout, or the client lingered. */
static void
cgi_timeout(struct fx_timer *t)
{
	struct cgi *g = (struct cgi *)((char *)t -
	    offsetof(struct cgi, timer));

	if (g->state == G_HEAD)
		fail(g, 504);
	else {
		kill_script(g);
		if (g->state != G_DONE)
			close_sock(g);
	}
	run(g);
}

static void
cgi_later(struct fx_timer *t)
{
	struct cgi *g = (struct cgi *)((char *)t -
	    offsetof(struct cgi, later));

	if (g->dead)
		free(g);
	else
		run(g);
}

int
fx_cgi_init(const struct fx_conf *cf)
{
	char link[40];
	ssize_t n;

	conf = cf;
	if (cf->cgi_dir == NULL)
		return 0;
	fx_timerq_init(&q_cgi, cf->cgi_ms);
	fx_timerq_init(&q_later, 0);
	fx_ev_add_timerq(&q_cgi);
	fx_ev_add_timerq(&q_later);
	for (plen = strlen(cf->cgi_prefix); plen > 0 &&
	    cf->cgi_prefix[plen - 1] == '/'; plen--)
		;
	dir_fd = open(cf->cgi_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fx_snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
	if (dir_fd == -1 ||
	    (n = readlink(link, dir_real, sizeof(dir_real) - 1)) == -1) {
		fx_log_warn("cgi directory %s", cf->cgi_dir);
		dir_fd = -1;
		return -1;
	}
	dir_real[n] = '\0';
	return 0;
}

/*
 * The RFC 3875 environment of g's request into buf (size n) and envp:
 * the meta-variables, then HTTP_NAME per header field but Content-Type
 * and Content-Length (they have their own), Proxy (httpoxy: HTTP_PROXY
 * would set the script's proxy) and names with '_' (they would pass for
 * a '-').  No value has a newline: the parser and fx_path_decode refuse
 * control bytes.  n must hold it all: every part comes from the head,
 * the path or PATH, and the caller's 4 * head + 2 * FX_PATH_MAX + 1 KiB
 * + PATH is more than twice what they can take (fx_snprintf returns what
 * it would have written, so a short buffer would be overrun).
 */
static void
env_build(struct cgi *g, char *buf, size_t n, char **envp,
    const char *script, const char *info)
{
	struct fx_http_req *r = &g->req;
	struct sockaddr_storage me;
	socklen_t sl = sizeof(me);
	const char *path = getenv("PATH");
	char addr[48], *p = buf, *end = buf + n, *nl, *c, *v, *t;
	size_t hn;
	int i;

	memset(&me, 0, sizeof(me));
	(void)getsockname(g->ev[S].ev.fd, (struct sockaddr *)&me, &sl);
	fx_ntop(me.ss_family, sa_addr(&me), addr, sizeof(addr));
	for (hn = 0; hn < r->host.n && r->host.p[hn] != ':'; hn++)
		if (r->host.p[hn] == ']')	/* "[::1]:80" */
			hn = r->host.n - 1;
	p += fx_snprintf(p, (size_t)(end - p), "GATEWAY_INTERFACE=CGI/1.1\n"
	    "SERVER_SOFTWARE=fenix\nSERVER_PROTOCOL=HTTP/1.%d\n"
	    "REQUEST_METHOD=%.*s\nREQUEST_URI=%.*s\nQUERY_STRING=%.*s\n"
	    "SCRIPT_NAME=%.*s/%s\nPATH=%s\nSERVER_NAME=%.*s\n"
	    "SERVER_PORT=%u\n", r->minor, (int)r->method_name.n,
	    r->method_name.p, (int)r->target.n, r->target.p,
	    (int)r->query.n, r->query.p, (int)plen, conf->cgi_prefix, script,
	    path != NULL ? path : "/usr/local/bin:/usr/bin:/bin",
	    hn > 0 ? (int)hn : (int)strlen(addr), hn > 0 ? r->host.p : addr,
	    ntohs(((struct sockaddr_in *)&me)->sin_port));
	fx_ntop(g->peer.ss_family, sa_addr(&g->peer), addr, sizeof(addr));
	p += fx_snprintf(p, (size_t)(end - p), "REMOTE_ADDR=%s\n"
	    "REMOTE_PORT=%u\n", addr,
	    ntohs(((struct sockaddr_in *)&g->peer)->sin_port));
	if (info != NULL)
		p += fx_snprintf(p, (size_t)(end - p), "PATH_INFO=/%s\n", info);
	if (r->content_length >= 0)
		p += fx_snprintf(p, (size_t)(end - p), "CONTENT_LENGTH=%lld\n",
		    r->content_length);
	t = g->head + r->head_len;
	c = memchr(g->head, '\n', r->head_len);
	for (; c + 1 < t; c = nl) {
		nl = memchr(c + 1, '\n', (size_t)(t - c - 1));
		if ((v = memchr(c + 1, ':', (size_t)(nl - c))) == NULL ||
		    memchr(c + 1, '_', (size_t)(v - c)) != NULL)
			continue;
		hn = (size_t)(v - c - 1);
		if (hn == 14 && strncasecmp(c + 1, "Content-Length", 14) == 0)
			continue;
		if (hn == 5 && strncasecmp(c + 1, "Proxy", 5) == 0)
			continue;
		while (*++v == ' ' || *v == '\t')
			;
		for (i = 0; nl - i > v && (nl[-i - 1] == '\r' ||
		    nl[-i - 1] == ' ' || nl[-i - 1] == '\t'); i++)
			;
		if (hn == 12 && strncasecmp(c + 1, "Content-Type", 12) == 0)
			p += fx_snprintf(p, (size_t)(end - p),
			    "CONTENT_TYPE=%.*s\n", (int)(nl - i - v), v);
		else {
			i = fx_snprintf(p, (size_t)(end - p),
			    "HTTP_%.*s=%.*s\n", (int)hn, c + 1,
			    (int)(nl - i - v), v);
			for (v = p + 5; v < p + 5 + hn; v++)
				*v = *v == '-' ? '_' : *v >= 'a' && *v <= 'z' ?
				    (char)(*v - 32) : *v;
			p += i;
		}
	}
	for (i = 0, p = buf; *p != '\0'; i++) {
		envp[i] = p;
		p = strchr(p, '\n');
		*p++ = '\0';
	}
	envp[i] = NULL;
}

/* Fork and exec the script exe; 0, or -1 logged. */
static int
spawn(struct cgi *g, char *exe, char **envp)
{
	static const int dfl[] = { SIGPIPE, SIGHUP, SIGUSR2, SIGWINCH };
	char *argv[2] = { exe, NULL }, *slash = strrchr(exe, '/');
	int p[6], i, ok = 0;
	sigset_t none;

	for (i = 0; i < 6; i++)
		p[i] = -1;
	for (i = 0; i < 6; i += 2)
		if (pipe2(p + i, O_CLOEXEC | O_NONBLOCK) == -1)
			goto out;
	if ((g->pid = _Fork()) == -1) {
		g->pid = 0;
		goto out;
	}
	if (g->pid == 0) {
		/* The script's ends, blocking, as 0, 1, 2; the rest closes. */
		for (i = 0; i < 3; i++) {
			dup2(p[2 * i + (i != 0)], i);
			fx_fcntl(i, F_SETFL, 0);
		}
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (i = 0; i < (int)FX_NELEM(dfl); i++)
			signal(dfl[i], SIG_DFL);
		*slash = '\0';
		if (chdir(exe) == 0) {
			*slash = '/';
			execve(exe, argv, envp);
		}
		_exit(127);
	}
	ok = 1;
	g->ev[IN].ev.fd = p[1];
	g->ev[OUT].ev.fd = p[2];
	g->ev[ERR].ev.fd = p[4];
	p[1] = p[2] = p[4] = -1;
	g->ev[PID].ev.fd = (int)syscall(SYS_pidfd_open, g->pid, 0);
out:
	if (!ok)
		fx_log_warn("%s", g->name);
	for (i = 0; i < 6; i++)
		if (p[i] != -1)
			close(p[i]);
	return ok ? 0 : -1;
}

int
fx_cgi_start(int fd, const struct fx_http_req *req, const char *head,
    size_t len)
{
	char path[FX_PATH_MAX], exe[PATH_MAX + FX_PATH_MAX], *rel, *end;
	char *envp[ENV_MAX], *envb;
	struct stat st;
	struct cgi *g;
	socklen_t sl = sizeof(g->peer);
	long long cl = req->content_length < 0 ? 0 : req->content_length;
	size_t n;
	int sfd, r, i;

	if (fx_path_decode(req->path.p, req->path.n, path, sizeof(path)) ==
	    -1 || strncmp(path, conf->cgi_prefix, plen) != 0 ||
	    path[plen] != '/' || req->method == FX_M_UNKNOWN)
		return -1;
	if (req->method == FX_M_TRACE || req->method == FX_M_CONNECT)
		return 405;
	if (!conf->dotfiles && fx_path_is_hidden(path))
		return 404;
	if (req->chunked)
		return 411;		/* RFC 3875 4.2: a length, or 411 */
	if (cl > conf->body_max)
		return 413;
	if (dir_fd == -1)
		return 500;
	if (ncgi >= conf->cgi_max)
		return 503;
	/* The first regular file on the path is the script. */
	for (end = rel = path + plen + 1;; *end++ = '/') {
		if ((end = strchr(end, '/')) != NULL)
			*end = '\0';
		if ((sfd = fx_file_open_beneath(dir_fd, dir_real, rel)) == -1)
			return errno == ENOENT || errno == ENOTDIR ? 404 : 403;
		r = fstat(sfd, &st);
		close(sfd);
		if (r == 0 && S_ISREG(st.st_mode))
			break;
		if (r == -1 || !S_ISDIR(st.st_mode) || end == NULL)
			return 403;
	}
	if ((st.st_mode & 0111) == 0)
		return 403;
	n = 4 * len + 2 * FX_PATH_MAX + 1024 + (getenv("PATH") != NULL ?
	    strlen(getenv("PATH")) : 0);
	if ((g = calloc(1, sizeof(*g) + len)) == NULL ||
	    (envb = malloc(n)) == NULL) {
		free(g);
		return 500;
	}
	memcpy(g->head, head, len);
	fx_http_init(&g->req);
	(void)fx_http_parse(&g->req, g->head, len);
	fx_snprintf(g->name, sizeof(g->name), "cgi %s", rel);
	fx_snprintf(exe, sizeof(exe), "%s/%s", dir_real, rel);
	(void)getpeername(fd, (struct sockaddr *)&g->peer, &sl);
	for (i = 0; i < NFD; i++) {
		g->ev[i].ev.fn = cgi_ev;
		g->ev[i].ev.fd = -1;
		g->ev[i].g = g;
	}
	g->ev[S].ev.fd = fd;
	env_build(g, envb, n, envp, rel, end != NULL ? end + 1 : NULL);
	r = spawn(g, exe, envp);
	free(envb);
	if (r == -1) {
		free(g);
		return 500;
	}
	/* The body: what came with the head first, the rest from fd. */
	g->ip = g->head + g->req.head_len;
	g->ilen = len - g->req.head_len;
	if ((long long)g->ilen > cl)
		g->ilen = (size_t)cl;
	g->body_left = cl - (long long)g->ilen;
	if (g->req.expect_continue && g->body_left > 0)
		(void)send(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	g->timer.fn = cgi_timeout;
	g->later.fn = cgi_later;
	fx_timer_arm(&q_cgi, &g->timer);
	if ((g->next = cgis) != NULL)
		cgis->prev = g;
	cgis = g;
	ncgi++;
	/* conn.c registered fd: it is ours now. */
	(void)fx_ev_del(&g->ev[S].ev);
	for (i = 0; i < NFD; i++)
		if (g->ev[i].ev.fd != -1 && fx_ev_add(&g->ev[i].ev,
		    i == IN ? EPOLLOUT | EPOLLET : i == S ? EPOLLIN |
		    EPOLLOUT | EPOLLRDHUP | EPOLLET : EPOLLIN | EPOLLET) == -1)
			fx_log_warn("epoll_ctl");
	run(g);
	return 0;
}

int
fx_cgi_count(void)
{
	return ncgi;
}

void
fx_cgi_close_all(void)
{
	struct cgi *g;

	for (g = cgis; g != NULL; g = g->next) {
		kill_script(g);
		close_fd(g, S);
	}
}
