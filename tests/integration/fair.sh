#!/bin/sh
# SPDX-License-Identifier: MIT
# Fairness: a connection with work left (a long pipeline, a big file)
# gets a bounded share of each turn of the event loop, then the others
# with a request waiting are served.  The access log gives the order in
# which one worker finished the answers.
. "$(dirname "$0")/lib.sh"
plan 4

W=$T_DIR/www
mkdir -p "$W"
head -c 1024 /dev/zero >"$W/p.bin"
printf 'q\n' >"$W/q.txt"
built FEATURE_ACCESS_LOG ||
    t_skipping "FEATURE_ACCESS_LOG not configured"

# fair.py PORT WORKER N: P and Q connect and are served once each; the
# worker is stopped while P pipelines N requests for /p.bin and then Q
# sends one for /q.txt, so that one epoll_wait reports P before Q.  P's
# answers are read in a thread.  Prints "P-answers Q-status".
cat >"$T_DIR/fair.py" <<'PY'
import os, signal, socket, sys, threading, time

port, worker, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    return s


def req(path):
    return b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n"


def one(s, path):
    """Send one request, read its answer; returns (status, answer size)."""
    s.sendall(req(path))
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, body = buf.split(b"\r\n\r\n", 1)
    cl = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            cl = int(v)
    while len(body) < cl:
        body += s.recv(65536)
    return int(head.split(b" ")[1]), len(head) + 4 + cl


p, q = conn(), conn()
_, size = one(p, b"/p.bin")
one(q, b"/q.txt")
got = [0]


def reader():
    want = size * n
    while got[0] < want:
        d = p.recv(1 << 20)
        if not d:
            break
        got[0] += len(d)


os.kill(worker, signal.SIGSTOP)
try:
    t = threading.Thread(target=reader)
    t.start()
    blob = req(b"/p.bin") * n
    sent = 0
    p.setblocking(False)
    while sent < len(blob):     # what the stopped worker's socket takes
        try:
            sent += p.send(blob[sent:])
        except BlockingIOError:
            break
    q.sendall(req(b"/q.txt"))
finally:
    os.kill(worker, signal.SIGCONT)
p.setblocking(True)
p.sendall(blob[sent:])
qs = b""
while b"\r\n\r\n" not in qs:
    qs += q.recv(65536)
t.join(20)
print(got[0] // size, qs.split(b" ")[1].decode())
PY

port=$(free_port)
start_cmd a "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/a.pid" -e "$T_DIR/a.err" -a "$T_DIR/access.log" ||
    t_broken "server did not start"
worker=$(kids "$master")
n=4000
python3 "$T_DIR/fair.py" "$port" "${worker:-0}" $n >"$T_DIR/fair.out" \
    2>"$T_DIR/fair.err"
t_case "P's $n pipelined answers and Q's answer all arrive" \
    'cat "$T_DIR/fair.out"' "$n 200"
kill -QUIT "$master" 2>/dev/null
poll 10 gone "$master"
# The access log's order: where Q's answer stands among P's.
qline=$(grep -n '"GET /q.txt' "$T_DIR/access.log" | sed -n 2p |
    cut -d: -f1)
plines=$(grep -c '"GET /p.bin' "$T_DIR/access.log")
t_case "the worker logged all of P's answers" 'echo "$plines"' $((n + 1))
t_ok "P's pipeline was still long when Q came (over 1000 of it left)" \
    '[ "$(grep -n "\"GET /p.bin" "$T_DIR/access.log" | tail -1 |
    cut -d: -f1)" -gt "$((qline + 1000))" ]'
# A turn moves at most 256 KiB for one connection: about 200 answers of
# 1 KiB, then Q.  Before, Q waited for the whole pipeline.
t_ok "Q was answered after at most 400 of P's answers (line ${qline:-none})" \
    '[ -n "$qline" ] && [ "$qline" -le 402 ]'
t_mended
t_exit
