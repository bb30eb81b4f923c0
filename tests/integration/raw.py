#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket helper for tests/integration/http.sh (python3 stdlib only).

DATA arguments are Python byte escapes: 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n',
'\\x16\\x03\\x01'.  Every socket wait is bounded; a timeout or a socket
error exits non-zero with a message on stderr.

  send PORT DATA [TIMEOUT]
      Send DATA, print everything the server sends until it closes.
      Exit 2 if it does not close within TIMEOUT (default 3) seconds.
  talk PORT [-p] [-b] [-c] [-H NAME]... REQ...
      Send each REQ and read its answer (-p: send all REQs in one send()
      first, then read the answers).  One line per answer:
          STATUS [value of each -H NAME, '-' if absent] [BODY]
      -b adds the body if any (CR, LF and '\\' escaped).  -c: then the server
      must close the connection ("closed" is printed; exit 3 if not).
  stall PORT DATA MAXSECS
      Send DATA (part of a request), then wait without sending more.
      Prints "closed STATUS" (STATUS of an answer, or '-') and the
      elapsed seconds on stderr; exit 2 if still open after MAXSECS.
  slowloris PORT INTERVAL MAXSECS
      Send a request head one byte every INTERVAL seconds, never ending
      it.  Prints "closed ELAPSED" once the server closes; exit 2 if it
      is still open after MAXSECS.
  idle PORT MAXSECS
      One keep-alive GET /, its answer, then silence.  Prints
      "closed ELAPSED" when the server closes; exit 2 after MAXSECS.
  noread PORT PATH READYFILE GOFILE MAXSECS
      Small receive buffer, GET PATH, create READYFILE and read nothing
      until GOFILE exists (at most MAXSECS), then read the whole answer
      and print "STATUS BODYLENGTH".
"""
import codecs
import os
import select
import socket
import sys
import time

TIMEOUT = 3.0


def die(msg, code=1):
    sys.stderr.write("raw.py: %s\n" % msg)
    sys.exit(code)


def unescape(s):
    return codecs.escape_decode(s.encode("utf-8"))[0]


def wait_file(path, maxs):
    """Poll until path exists; exit 2 after maxs seconds."""
    t0 = time.monotonic()
    while not os.path.exists(path):
        if time.monotonic() - t0 > maxs:
            die("%s never appeared" % path, 2)
        time.sleep(0.05)


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(TIMEOUT)
    try:
        s.connect(("127.0.0.1", int(port)))
    except OSError as e:
        die("connect: %s" % e)
    return s


def recv_until_close(s, timeout):
    """All bytes until EOF; (data, closed)."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


class Reader:
    """Reads HTTP/1.1 answers off a socket, bounded by TIMEOUT."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def fill(self):
        self.s.settimeout(TIMEOUT)
        try:
            chunk = self.s.recv(65536)
        except socket.timeout:
            die("timeout waiting for an answer (have %r)" % self.buf[:200], 2)
        except OSError as e:
            die("recv: %s" % e)
        if not chunk:
            die("connection closed by the server (have %r)"
                % self.buf[:200], 4)
        self.buf += chunk

    def answer(self, head_only):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            die("bad status line %r" % lines[0])
        status = int(parts[1])
        hdrs = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            hdrs.setdefault(name.strip().lower(), value.strip())
        n = 0
        if not head_only and status != 304 and status >= 200:
            n = int(hdrs.get("content-length", "0"))
        while len(self.buf) < n:
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdrs, body


def show_body(b):
    t = b.decode("latin-1")
    return t.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def expect_close(s, timeout=TIMEOUT):
    data, closed = recv_until_close(s, timeout)
    if data:
        die("unexpected bytes after the answers: %r" % data[:200], 3)
    if not closed:
        die("the server did not close the connection", 3)
    print("closed")


def cmd_send(args):
    port, data = args[0], unescape(args[1])
    timeout = float(args[2]) if len(args) > 2 else TIMEOUT
    s = connect(port)
    try:
        s.sendall(data)
    except OSError as e:
        die("send: %s" % e)
    got, closed = recv_until_close(s, timeout)
    sys.stdout.buffer.write(got)
    sys.stdout.flush()
    if not closed:
        die("the server did not close the connection within %g s"
            % timeout, 2)


def cmd_talk(args):
    port = args.pop(0)
    pipeline = close = with_body = False
    names = []
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-p":
            pipeline = True
        elif a == "-b":
            with_body = True
        elif a == "-c":
            close = True
        elif a == "-H":
            names.append(args.pop(0).lower())
        else:
            die("talk: unknown option %s" % a)
    reqs = [unescape(a) for a in args]
    s = connect(port)
    r = Reader(s)

    def one(req):
        status, hdrs, body = r.answer(req.startswith(b"HEAD "))
        out = [str(status)] + [hdrs.get(n, "-") for n in names]
        if with_body and body:
            out.append(show_body(body))
        print(" ".join(out))
        sys.stdout.flush()

    try:
        if pipeline:
            s.sendall(b"".join(reqs))
            for req in reqs:
                one(req)
        else:
            for req in reqs:
                s.sendall(req)
                one(req)
    except OSError as e:
        die("socket: %s" % e)
    if r.buf:
        die("extra bytes after the answers: %r" % r.buf[:200], 3)
    if close:
        expect_close(s)


def cmd_stall(args):
    port, data, maxs = args[0], unescape(args[1]), float(args[2])
    s = connect(port)
    t0 = time.monotonic()
    s.sendall(data)
    got, closed = recv_until_close(s, maxs)
    el = time.monotonic() - t0
    sys.stderr.write("elapsed %.2f\n" % el)
    if not closed:
        die("still open after %g s" % maxs, 2)
    st = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "-"
    print("closed %s" % st)


def cmd_slowloris(args):
    port, every, maxs = args[0], float(args[1]), float(args[2])
    s = connect(port)
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < maxs:
        try:
            s.send(head[i:i + 1])
        except OSError:
            break			# reset: closed
        i += 1
        # Wait INTERVAL for the server to close (or answer), then go on.
        r, _, _ = select.select([s], [], [], every)
        if r:
            try:
                if not s.recv(65536):
                    break
            except OSError:
                break
    else:
        die("still open after %g s (%d bytes sent)" % (maxs, i), 2)
    print("closed %.1f" % (time.monotonic() - t0))


def cmd_idle(args):
    port, maxs = args[0], float(args[1])
    s = connect(port)
    r = Reader(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    status, hdrs, body = r.answer(False)
    if status != 200:
        die("GET / answered %d" % status)
    t0 = time.monotonic()
    got, closed = recv_until_close(s, maxs)
    if got:
        die("unexpected bytes: %r" % got[:200], 3)
    if not closed:
        die("still open after %g s" % maxs, 2)
    print("closed %.1f" % (time.monotonic() - t0))


def cmd_noread(args):
    port, path, ready, go, maxs = args[0], args[1], args[2], args[3], \
        float(args[4])
    s = connect(port, rcvbuf=4096)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    open(ready, "w").close()
    wait_file(go, maxs)
    # A 4 KiB window under loopback's 64 KiB MSS opens only by the
    # sender's zero-window probes, whose back-off grows with the stall:
    # a full buffer lets the reader's window updates through again.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    r = Reader(s)
    status, hdrs, body = r.answer(False)
    print("%d %d" % (status, len(body)))


def cmd_until(args):
    port, path, want, ready, go, maxs = args[0], args[1], int(args[2]), \
        args[3], args[4], float(args[5])
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
    s = connect(port)
    r = Reader(s)
    s.sendall(req)
    print(r.answer(False)[0])
    sys.stdout.flush()
    open(ready, "w").close()
    t0 = time.monotonic()
    wait_file(go, maxs)
    while True:
        s.sendall(req)
        status, hdrs, body = r.answer(False)
        if status == want:
            break
        if time.monotonic() - t0 > maxs:
            die("still %d after %g s" % (status, maxs), 2)
        time.sleep(0.05)
    print("%d %s" % (status, hdrs.get("connection", "-")))


def main():
    if len(sys.argv) < 3:
        die(__doc__.strip(), 100)
    cmd = sys.argv[1]
    args = sys.argv[2:]
    fn = {"send": cmd_send, "talk": cmd_talk, "stall": cmd_stall,
          "slowloris": cmd_slowloris, "idle": cmd_idle,
          "noread": cmd_noread, "until": cmd_until}.get(cmd)
    if fn is None:
        die("unknown command %s" % cmd, 100)
    fn(args)


if __name__ == "__main__":
    main()
