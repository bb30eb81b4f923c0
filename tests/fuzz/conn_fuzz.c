/* SPDX-License-Identifier: MIT */
/*
 * conn_fuzz.c - libFuzzer target for one worker's connection state machine
 * (core/conn.c and its output side, core/send.c), in process: a
 * socketpair stands in for the client, an eventfd for the listener
 * (accept4 is wrapped to hand out the server end), and the real epoll
 * loop runs one turn at a time.  The access log is on (to /dev/null), so
 * that a file answer's tail copies the request's fields for its line.
 *
 * The input is a tape of choices: a stream of requests (valid, pipelined,
 * with bodies, malformed, padded to the edges of the connection buffer),
 * then how it is delivered: chunk sizes, loop turns, and when the client
 * reads (a client that does not read stalls the server's writes).  When
 * the tape runs out a PRNG seeded from it goes on.
 *
 * What must hold:
 *  - bounded work per event: the parsers are wrapped, and more than
 *    SPIN_MAX parser calls with no read or write in between is a spin;
 *  - progress or waiting: once the client has sent all and reads all, the
 *    loop settles, and a connection still open then has nothing unread
 *    (else it waits for an event that will never come);
 *  - a stream of valid requests gets one well-formed answer per request,
 *    up to the first answer with Connection: close.
 *
 * Link with -Wl,--wrap=accept4,--wrap=read,--wrap=writev,--wrap=send,
 * --wrap=sendfile,--wrap=fx_http_parse,--wrap=fx_body_parse (make fuzz).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alog.h"
#include "body.h"
#include "conf.h"
#include "conn.h"
#include "ev.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "resp.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BUF_SIZE	(FX_HTTP_MAX_HEAD + 2048)	/* conn.c's buffer */
#define SPIN_MAX	1000		/* parser calls with no I/O between */
#define SMALL_READ	512		/* a read this small is starved ... */
#define STARVED_MAX	64		/* ... this many in one event crawl */
#define STREAM_MAX	(192 * 1024)	/* request bytes per run */
#define OUT_MAX		(8 << 20)	/* answer bytes kept per run */
#define REQ_MAX		256		/* requests per run */
#define TURNS_MAX	20000		/* delivery steps per run */
#define BIG_SIZE	(300 * 1024)	/* big.bin: many writes */

/* The wrapped functions (ld --wrap). */
enum fx_rc __real_fx_http_parse(struct fx_http_req *, const char *, size_t);
enum fx_rc __real_fx_body_parse(struct fx_http_req *, const char *, size_t,
	    unsigned long long, size_t *);
ssize_t	__real_read(int, void *, size_t);
ssize_t	__real_writev(int, const struct iovec *, int);
ssize_t	__real_send(int, const void *, size_t, int);
ssize_t	__real_sendfile(int, int, off_t *, size_t);
int	__real_accept4(int, struct sockaddr *, socklen_t *, int);
enum fx_rc __wrap_fx_http_parse(struct fx_http_req *, const char *, size_t);
enum fx_rc __wrap_fx_body_parse(struct fx_http_req *, const char *, size_t,
	    unsigned long long, size_t *);
ssize_t	__wrap_read(int, void *, size_t);
ssize_t	__wrap_writev(int, const struct iovec *, int);
ssize_t	__wrap_send(int, const void *, size_t, int);
ssize_t	__wrap_sendfile(int, int, off_t *, size_t);
int	__wrap_accept4(int, struct sockaddr *, socklen_t *, int);

static int spin;		/* parser calls since the server's last I/O */
static int starved;		/* reads of a tiny room in this event */
static int conn_fd = -1;	/* the server's end of the socketpair */
static int lsn_fd = -1;		/* the eventfd that plays the listener */
static int pending_fd = -1;	/* handed out by the next accept4 */
static struct fx_conf conf;

static void
no_spin(void)
{
	if (++spin > SPIN_MAX) {
		fprintf(stderr, "conn_fuzz: %d parser calls with no read or "
		    "write in between: the worker spins\n", spin);
		abort();
	}
}

enum fx_rc
__wrap_fx_http_parse(struct fx_http_req *req, const char *buf, size_t len)
{
	no_spin();
	return __real_fx_http_parse(req, buf, len);
}

enum fx_rc
__wrap_fx_body_parse(struct fx_http_req *req, const char *buf, size_t len,
    unsigned long long max, size_t *used)
{
	no_spin();
	return __real_fx_body_parse(req, buf, len, max, used);
}

/*
 * A read that fills a tiny room while more bytes wait is a starved read:
 * many in one event means a body crawls through the end of the buffer.
 */
ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	ssize_t r;
	int more;

	spin = 0;
	r = __real_read(fd, buf, n);
	if (fd == conn_fd && n < SMALL_READ && r == (ssize_t)n &&
	    ioctl(fd, FIONREAD, &more) == 0 && more > 0 &&
	    ++starved > STARVED_MAX) {
		fprintf(stderr, "conn_fuzz: %d reads of at most %d bytes in "
		    "one event with more bytes waiting: the worker crawls\n",
		    starved, SMALL_READ);
		abort();
	}
	return r;
}

ssize_t
__wrap_writev(int fd, const struct iovec *iov, int cnt)
{
	spin = 0;
	return __real_writev(fd, iov, cnt);
}

ssize_t
__wrap_send(int fd, const void *buf, size_t n, int flags)
{
	spin = 0;
	return __real_send(fd, buf, n, flags);
}

ssize_t
__wrap_sendfile(int out, int in, off_t *off, size_t n)
{
	spin = 0;
	return __real_sendfile(out, in, off, n);
}

int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *sl, int flags)
{
	struct sockaddr_in in;
	uint64_t v;
	int c;

	if (fd != lsn_fd)
		return __real_accept4(fd, sa, sl, flags);
	(void)!__real_read(lsn_fd, &v, sizeof(v));
	if ((c = pending_fd) == -1) {
		errno = EAGAIN;
		return -1;
	}
	pending_fd = -1;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(40000);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*sl > sizeof(in))
		*sl = sizeof(in);
	memcpy(sa, &in, *sl);
	return c;
}

/* The choices: from the input, then from a PRNG seeded by it. */
struct tape {
	const uint8_t	*p;
	size_t		 n, i;
	uint64_t	 x;
};

static unsigned
take(struct tape *t, unsigned n)
{
	unsigned v;

	if (n <= 1)
		return 0;
	if (t->i < t->n) {
		v = t->p[t->i++];
		if (n > 256 && t->i < t->n)
			v = v << 8 | t->p[t->i++];
	} else {
		t->x ^= t->x << 13;
		t->x ^= t->x >> 7;
		t->x ^= t->x << 17;
		v = (unsigned)(t->x >> 16);
	}
	return v % n;
}

struct stream {
	char		*b;
	size_t		 len;
	int		 nreq;		/* requests that expect an answer */
	int		 valid;		/* every request is well-formed */
	int		 closed;	/* a request asked to close */
	unsigned char	 head[REQ_MAX];	/* request i is a HEAD */
};

static void
add(struct stream *s, const char *p, size_t n)
{
	if (s->len + n > STREAM_MAX + 65536)
		n = STREAM_MAX + 65536 - s->len;
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void
adds(struct stream *s, const char *p)
{
	add(s, p, strlen(p));
}

static void
addc(struct stream *s, int ch, size_t n)
{
	while (n-- > 0 && s->len < STREAM_MAX + 65536)
		s->b[s->len++] = (char)ch;
}

static const char *const targets[] = {
	"/a.txt", "/big.bin", "/dir/", "/dir", "/missing", "/e.txt",
	"/a.txt?x=1", "/%61.txt", "/dir/index.html", "/",
};

/*
 * One request onto s.  Padding may aim the end of the head at an edge of
 * the connection buffer (the stream sent at once starts at its offset 0),
 * where a body that follows finds no room.
 */
static void
request(struct stream *s, struct tape *t)
{
	char line[256];
	size_t start = s->len, mark, base, pad = 0, i, n;
	unsigned kind = take(t, 14), body = 0, chunked = 0, v10 = 0;
	int head, is_close = 0, k;

	if (kind >= 12) {		/* junk, or stray CRLFs */
		s->valid = 0;
		if (kind == 12)
			for (n = take(t, 64); n > 0; n--)
				addc(s, (int)take(t, 256), 1);
		else
			adds(s, take(t, 2) ? "\r\n" : "\r\n\r\n");
		return;
	}
	head = take(t, 4) == 0;
	if (kind == 6)
		v10 = 1;
	if (kind == 7)
		is_close = 1;
	snprintf(line, sizeof(line), "%s %s HTTP/1.%d\r\nHost: x\r\n",
	    head ? "HEAD" : "GET", targets[take(t, 10)], v10 ? 0 : 1);
	adds(s, line);
	if (v10 && take(t, 2)) {
		adds(s, "Connection: keep-alive\r\n");
		v10 = 2;
	}
	if (is_close)
		adds(s, "Connection: close\r\n");
	if (kind == 4) {
		n = take(t, 4) == 0 ? take(t, 70000) : take(t, 3000);
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n", n);
		adds(s, line);
		body = (unsigned)n + 1;
	} else if (kind == 5) {
		adds(s, "Transfer-Encoding: chunked\r\n");
		chunked = 1;
	}
	/* Padding: none, some, a lot, or up to an edge of the buffer. */
	mark = s->len;
	base = mark - start + 9 + 4;		/* "X-Pad: " CRLF, blank */
	switch (take(t, 4)) {
	case 1:
		pad = take(t, 200);
		break;
	case 2:
		pad = take(t, 15000);
		break;
	case 3:
		n = BUF_SIZE - (start % BUF_SIZE) - take(t, 3);
		if (n > base && n - base <= 15000)
			pad = n - base;
		break;
	}
	if (pad > 0) {
		adds(s, "X-Pad: ");
		addc(s, 'a', pad);
		adds(s, "\r\n");
	}
	adds(s, "\r\n");
	if (body > 1)
		addc(s, 'b', body - 1);
	if (chunked) {
		for (k = (int)take(t, 4); k > 0; k--) {
			n = 1 + take(t, 5000);
			snprintf(line, sizeof(line), "%zx%s\r\n", n,
			    take(t, 4) == 0 ? ";ext=1" : "");
			adds(s, line);
			addc(s, 'c', n);
			adds(s, "\r\n");
		}
		adds(s, take(t, 4) == 0 ? "0\r\nT: 1\r\n\r\n" : "0\r\n\r\n");
	}
	if (kind == 8 && s->len > start) {
		/* Malformed: a few bytes changed anywhere in it. */
		s->valid = 0;
		for (k = 1 + (int)take(t, 4); k > 0; k--) {
			i = start + take(t, (unsigned)(s->len - start));
			s->b[i] = (char)take(t, 256);
		}
	}
	if (s->len >= STREAM_MAX + 65536 || s->len - start > FX_HTTP_MAX_HEAD
	    + 200000)
		s->valid = 0;
	if (mark - start + pad + 13 > FX_HTTP_MAX_HEAD - 64)
		s->valid = 0;		/* near the head limit: 431 or not */
	if (!s->closed && s->nreq < REQ_MAX)
		s->head[s->nreq] = (unsigned char)head;
	if (!s->closed)
		s->nreq++;
	if (is_close || v10 == 1)
		s->closed = 1;
}

/* Send up to n bytes of s from *sent.  Returns the bytes written. */
static size_t
deliver(int fd, const struct stream *s, size_t *sent, size_t n)
{
	ssize_t w;

	if (n > s->len - *sent)
		n = s->len - *sent;
	if (n == 0)
		return 0;
	w = send(fd, s->b + *sent, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w == -1 && errno != EAGAIN && errno != EINTR)
		*sent = s->len;		/* the server closed: drop the rest */
	if (w <= 0)
		return 0;
	*sent += (size_t)w;
	return (size_t)w;
}

struct out {
	char	*b;
	size_t	 len;
	int	 eof;
	int	 lost;		/* more than OUT_MAX came: not checked */
};

/* Read up to n answer bytes.  Returns how many came. */
static size_t
receive(int fd, struct out *o, size_t n)
{
	static char junk[65536];
	size_t got = 0;
	ssize_t r;
	char *p;

	while (got < n) {
		p = o->len + sizeof(junk) <= OUT_MAX ? o->b + o->len : junk;
		r = recv(fd, p, n - got < sizeof(junk) ? n - got :
		    sizeof(junk), MSG_DONTWAIT);
		if (r == 0)
			o->eof = 1;
		if (r <= 0)
			break;
		if (p == junk)
			o->lost = 1;
		else
			o->len += (size_t)r;
		got += (size_t)r;
	}
	return got;
}

/* Case-insensitive search for a header line in head[0..n). */
static const char *
header(const char *head, size_t n, const char *name)
{
	size_t k = strlen(name), i;

	for (i = 0; i + k + 2 < n; i++)
		if (head[i] == '\n' && strncasecmp(head + i + 1, name, k) == 0)
			return head + i + 1 + k;
	return NULL;
}

/*
 * Count the answers in o, each a status line, headers and the body its
 * Content-Length says (none for a HEAD).  Sets *close_at to the index of
 * the first answer with Connection: close, or -1.  Aborts on garbage.
 */
static int
answers(const struct out *o, const struct stream *s, int *close_at)
{
	const char *p = o->b, *end = o->b + o->len, *e, *cl;
	long long len;
	int i;

	*close_at = -1;
	for (i = 0; p < end; i++) {
		if (end - p < 12)
			break;
		if (memcmp(p, "HTTP/1.1 ", 9) != 0 &&
		    memcmp(p, "HTTP/1.0 ", 9) != 0) {
			fprintf(stderr, "conn_fuzz: answer %d does not start "
			    "with a status line: %.20s\n", i, p);
			abort();
		}
		e = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (e == NULL)
			break;
		e += 4;
		cl = header(p, (size_t)(e - p), "content-length:");
		len = cl != NULL ? strtoll(cl, NULL, 10) : 0;
		if (i < REQ_MAX && i < s->nreq && s->head[i])
			len = 0;
		if (header(p, (size_t)(e - p), "connection: close") != NULL &&
		    *close_at == -1)
			*close_at = i;
		if (len > end - e) {
			i++;		/* counted; its body is cut short */
			break;
		}
		p = e + len;
	}
	return i;
}

static void
put_file(const char *dir, const char *name, const char *text, size_t n)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, text, n) != (ssize_t)n)
		abort();
	close(fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char root[] = "/tmp/fenix-conn-fuzz.XXXXXX";
	char p[512], *big;

	(void)argc;
	(void)argv;
	fx_log_level = FX_LOG_ERR;
	if (mkdtemp(root) == NULL || (big = malloc(BIG_SIZE)) == NULL)
		abort();
	memset(big, 'x', BIG_SIZE);
	put_file(root, "a.txt", "hello, world\n", 13);
	put_file(root, "e.txt", "", 0);
	put_file(root, "big.bin", big, BIG_SIZE);
	free(big);
	snprintf(p, sizeof(p), "%s/dir", root);
	(void)mkdir(p, 0755);
	put_file(root, "dir/index.html", "<p>hi</p>\n", 10);

	fx_conf_defaults(&conf);
	conf.root = root;
	conf.max_conns = 16;
	/* No timer may fire during a run: every wait is on the socket. */
	conf.header_ms = conf.keepalive_ms = conf.send_ms = 3600 * 1000;
	if ((lsn_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		abort();
	conf.listen[0].fd = lsn_fd;
	conf.nlisten = 1;
	/* The access log on: a file answer's tail copies its fields. */
	if (fx_alog_open("/dev/null") == -1 || fx_file_init(root) == -1 ||
	    fx_ev_init() == -1 || fx_conn_init(&conf) == -1)
		abort();
	fx_file_conf.gzip_static = 1;
	fx_resp_clock(time(NULL));
	return 0;
}

/* CONN_FUZZ_DUMP=PREFIX: the stream and the answers into two files. */
static void
dump(const struct stream *s, const struct out *o)
{
	const char *pre = getenv("CONN_FUZZ_DUMP");
	char p[512];
	int fd;

	if (pre == NULL)
		return;
	snprintf(p, sizeof(p), "%s.in", pre);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		(void)!write(fd, s->b, s->len);
		close(fd);
	}
	snprintf(p, sizeof(p), "%s.out", pre);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		(void)!write(fd, o->b, o->len);
		close(fd);
	}
}

/* One loop turn, as the worker does it. */
static int
turn(void)
{
	int n;

	fx_file_clock = fx_ev_now / 1000;
	spin = starved = 0;
	n = fx_ev_run_once(0);
	if (n == -1 && errno != EINTR)
		abort();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream s;
	static struct out o;
	struct tape t = { data, size, 0, 0x9e3779b97f4a7c15ULL };
	size_t sent = 0, i;
	uint64_t one = 1;
	int sv[2], buf, nreq, idle, got, n, close_at, unread, k;

	for (i = 0; i < size; i++)
		t.x = (t.x ^ data[i]) * 0x100000001b3ULL;
	if (s.b == NULL && ((s.b = malloc(STREAM_MAX + 65536)) == NULL ||
	    (o.b = malloc(OUT_MAX)) == NULL))
		abort();
	s.len = 0;
	s.nreq = 0;
	s.valid = 1;
	s.closed = 0;
	o.len = 0;
	o.eof = o.lost = 0;
	for (nreq = 1 + (int)take(&t, 12); nreq > 0 &&
	    s.len < STREAM_MAX; nreq--)
		request(&s, &t);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1)
		abort();
	/* A small send buffer on the server's side: its writes stall. */
	buf = 4096 << take(&t, 6);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	buf = 1 << 20;
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (take(&t, 2))		/* the request is there at accept */
		(void)deliver(sv[1], &s, &sent, take(&t, 2) ? s.len :
		    1 + take(&t, 2000));
	pending_fd = conn_fd = sv[0];
	(void)!write(lsn_fd, &one, sizeof(one));
	(void)turn();
	if (pending_fd != -1)
		abort();

	for (k = 0; k < TURNS_MAX && (sent < s.len || take(&t, 8)); k++) {
		switch (take(&t, 8)) {
		case 0:
			(void)deliver(sv[1], &s, &sent, 1 + take(&t, 16));
			break;
		case 1:
			(void)deliver(sv[1], &s, &sent, 1 + take(&t, 1024));
			break;
		case 2:
			(void)deliver(sv[1], &s, &sent, 1 + take(&t,
			    BUF_SIZE + 1024));
			break;
		case 3:
			(void)deliver(sv[1], &s, &sent, s.len);
			break;
		case 4:
		case 5:
			(void)turn();
			break;
		case 6:
			(void)receive(sv[1], &o, 1 + take(&t, 70000));
			break;
		case 7:
			(void)receive(sv[1], &o, OUT_MAX);
			break;
		}
	}
	/* The rest at once, then maybe a half close. */
	while (sent < s.len && k++ < TURNS_MAX * 4) {
		(void)deliver(sv[1], &s, &sent, s.len);
		(void)receive(sv[1], &o, OUT_MAX);
		(void)turn();
	}
	if (take(&t, 4) == 0)
		(void)shutdown(sv[1], SHUT_WR);

	/* Read everything: the loop must settle with nothing left unread. */
	for (idle = 0, k = 0; idle < 3 && k < TURNS_MAX; k++) {
		got = (int)receive(sv[1], &o, OUT_MAX);
		n = turn();
		idle = got == 0 && n == 0 ? idle + 1 : 0;
	}
	if (idle < 3) {
		fprintf(stderr, "conn_fuzz: the loop never settles\n");
		abort();
	}
	if (fx_conn_count() > 0 && sent == s.len) {
		if (ioctl(sv[0], FIONREAD, &unread) == -1)
			abort();
		if (unread > 0) {
			fprintf(stderr, "conn_fuzz: the connection waits with "
			    "%d bytes unread and no event to come\n", unread);
			abort();
		}
	}
	dump(&s, &o);
	if (s.valid && sent == s.len && !o.lost) {
		n = answers(&o, &s, &close_at);
		if (close_at == -1 ? n != s.nreq : n != close_at + 1) {
			fprintf(stderr, "conn_fuzz: %d requests, %d answers "
			    "(close at %d)\n", s.nreq, n, close_at);
			abort();
		}
	}
	fx_conn_close_all();
	close(sv[1]);
	return 0;
}
