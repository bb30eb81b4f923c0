#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A load client that counts every failed request, for the tests that
# reload, drain and upgrade the server under load.  Each connection sends
# one request at a time, back to back; a request fails when its answer is
# not a whole 200 (refused, reset, closed early, timed out, other status).
# An answer with "Connection: close" is not a failure: the client opens a
# new connection, as browsers and wrk do.
#
# usage: load.py PORT [--path /x] [--conns N] [--close] [--stop FILE]
#                     [--seconds S] [--ready FILE]
# Runs until FILE exists (or S seconds), then prints
# "requests N failed N" and exits 1 if any failed.  --ready FILE is
# created once every connection has had one answer.
import argparse, os, socket, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("--path", default="/")
p.add_argument("--conns", type=int, default=8)
p.add_argument("--close", action="store_true", help="new connection per request")
p.add_argument("--stop")
p.add_argument("--seconds", type=float, default=30)
p.add_argument("--ready")
a = p.parse_args()

lock = threading.Lock()
done = [0]
failed = [0]
errors = {}
first = threading.Barrier(a.conns + 1)
req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" %
       (a.path, "Connection: close\r\n" if a.close else "")).encode()
deadline = time.monotonic() + a.seconds


def stopping():
    return time.monotonic() > deadline or (a.stop and os.path.exists(a.stop))


def answer(s, buf):
    """Read one answer; return (status, close, leftover)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed before the head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdr = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdr[k.strip().lower()] = v.strip()
    n = int(hdr.get("content-length", "0"))
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed in the body")
        rest += d
    return status, hdr.get("connection", "").lower() == "close", rest[n:]


def fail(why):
    with lock:
        failed[0] += 1
        errors[why] = errors.get(why, 0) + 1


def run():
    s = None
    buf = b""
    signalled = False
    while True:
        if signalled and stopping():
            break
        fresh = s is None
        try:
            if s is None:
                s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
                buf = b""
            s.sendall(req)
            status, close, buf = answer(s, buf)
            if status != 200:
                fail("status %d" % status)
            else:
                with lock:
                    done[0] += 1
            if close or a.close:
                s.close()
                s = None
        except (OSError, EOFError, ValueError, IndexError) as e:
            # A new connection that fails before any answer may never have
            # been accepted: when a server closes its last listening
            # socket, the kernel resets what still waits in the queue.
            # Say so, so that a full stop's report can tell it from a
            # request broken on a connection that was being served.
            fail(("new connection: " if fresh else "") +
                 type(e).__name__ + ": " + str(e)[:60])
            if s is not None:
                s.close()
            s = None
        if not signalled:
            signalled = True
            first.wait()
    if s is not None:
        s.close()


ts = [threading.Thread(target=run, daemon=True) for _ in range(a.conns)]
for t in ts:
    t.start()
first.wait()
if a.ready:
    open(a.ready, "w").close()
for t in ts:
    t.join(a.seconds + 30)
print("requests %d failed %d" % (done[0], failed[0]))
for k, v in sorted(errors.items()):
    print("  %d x %s" % (v, k))
sys.exit(1 if failed[0] or done[0] == 0 else 0)
