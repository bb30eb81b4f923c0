#!/bin/sh
# SPDX-License-Identifier: MIT
# A file answer the client is slow to read gives its connection's buffer
# (20 KiB) back to the worker's pool while the rest goes out (send.c's
# tail): memory per stalled connection, then the answers, the keep-alive
# after them, the access log, and the faults (a client gone, a file
# truncated) on that path.
. "$(dirname "$0")/lib.sh"
plan 14

W=$T_DIR/www
mkdir -p "$W"
# Past what the kernel takes into a socket's buffers (4 MiB at most).
head -c 8388608 /dev/zero | tr '\0' 'f' >"$W/big.bin"
head -c 8388608 /dev/zero | tr '\0' 'g' >"$W/shrink.bin"
printf 'small\n' >"$W/s.txt"
# The cases read the status page and the access log.
optional FEATURE_COUNTERS
optional FEATURE_ACCESS_LOG

# stall.py PORT WORKER N DIR: N keep-alive connections each GET /big.bin
# (8 MiB) and read nothing.  Once the status page says
# all N are writing (each worker-side socket full), prints the worker's
# VmRSS growth per connection in bytes; then creates DIR/go and waits for
# DIR/read, reads every answer whole, and sends a second request on
# each.  Prints "ANSWERS-WHOLE SECOND-200s".
cat >"$T_DIR/stall.py" <<'PY'
import os, socket, sys, time

port, worker, n, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4]
deadline = time.time() + 60


def rss():
    with open("/proc/%d/status" % worker) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def status():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    buf = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    for line in buf.split(b"\n"):
        if line.startswith(b"Reading:"):
            return int(line.split()[3])     # Writing: N
    return -1


req = (b"GET /big.bin HTTP/1.1\r\nHost: a\r\nReferer: http://r/x\r\n"
       b"User-Agent: tail-test/1\r\n\r\n")
# warm up the worker's pools with a few answers read whole
for _ in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(req.replace(b"/big.bin", b"/s.txt"))
    s.recv(65536)
    s.close()
base = rss()
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(req)
    conns.append(s)
while status() < n + 1:                     # + the status request
    if time.time() > deadline:
        print("not all writing")
        sys.exit(1)
    time.sleep(0.05)
print((rss() - base) // n, flush=True)
open(os.path.join(d, "go"), "w").close()
while not os.path.exists(os.path.join(d, "read")):
    if time.time() > deadline:
        sys.exit(1)
    time.sleep(0.05)
# 800 MiB through the worker: minutes under ASan on a loaded machine.
# Each recv gives up after 30 s without a byte, the whole after 300 s.
deadline = time.time() + 300
whole = second = 0
for s in conns:
    if time.time() >= deadline:
        break
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    head, body = buf.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in buf \
        else (buf, b"")
    got, f = len(body), body.count(b"f")
    while got < 8388608 and time.time() < deadline:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
        f += b.count(b"f")
    if got == 8388608 and f == got:
        whole += 1
    s.sendall(b"GET /s.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    buf = b""
    while b"small\n" not in buf:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    if buf.startswith(b"HTTP/1.1 200 "):
        second += 1
    s.close()
print(whole, second)
PY

# stall.py reads the answers one after the other: the last one waits
# for the 99 before it, past send_timeout's 60 s default on a slow
# machine (ASan, load), and is then rightly dropped.  600 s is more
# than stall.py waits in all.
port=$(free_port)
start_cmd a "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/a.pid" -e "$T_DIR/a.err" -a "$T_DIR/access.log" \
    -o status_path=/status -o send_timeout=600 ||
    t_broken "server did not start"
worker=$(kids "$master")
n=100
python3 "$T_DIR/stall.py" "$port" "${worker:-0}" $n "$T_DIR" \
    >"$T_DIR/stall.out" 2>"$T_DIR/stall.err" &
py=$!
poll 60 test -e "$T_DIR/go"
# The buffer is 20 KiB: a connection that kept it while stalled grew
# the worker by that much.  What stays: the connection, the tail, the
# kernel's socket (not in the worker's RSS).
t_ok "$n stalled 8 MiB answers hold under 2 KiB each (got $(head -1 \
    "$T_DIR/stall.out") B)" \
    '[ -n "$(head -1 "$T_DIR/stall.out")" ] &&
    [ "$(head -1 "$T_DIR/stall.out")" -lt 2048 ]'
touch "$T_DIR/read"
# Not a deadline here: stall.py bounds its own reading (no byte for 30 s,
# or 300 s in all, is a failure) and reports what it got.
wait "$py"
t_case "every stalled answer then arrives whole, and the next request on each" \
    'sed -n 2p "$T_DIR/stall.out"' "$n $n"
# The log is written once a second: wait for the last of the lines.
poll 10 sh -c "[ \$(grep -c '\"GET /big.bin HTTP/1.1\" 200 8388608 \"http://r/x\" \"tail-test/1\"' '$T_DIR/access.log') -ge $n ]"
t_case "the access log has each of them, with the request's fields and bytes" \
    'grep -c "\"GET /big.bin HTTP/1.1\" 200 8388608 \"http://r/x\" \"tail-test/1\"" "$T_DIR/access.log"' \
    "$n"

# A client that goes away while its tail waits: the worker closes it and
# its gauge goes back; it serves on.
python3 - "$port" >"$T_DIR/gone.out" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)

s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\nUser-Agent: cut-reset\r\n\r\n")
print(s.recv(100)[:12].decode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
s.close()
PY
t_case "a stalled client reads the start of its answer, then resets" \
    'cat "$T_DIR/gone.out"' "HTTP/1.1 200"
t_ok "the status page then counts 1 writing (itself) and 0 reading" \
    'poll 10 sh -c "curl -s http://127.0.0.1:$port/status | grep -q \"^Reading: 0 Writing: 1 \""'

# A file truncated while its tail waits: the connection is closed short
# (Content-Length was sent), never padded, and the worker lives on.
python3 - "$port" "$W/shrink.bin" >"$T_DIR/shrink.out" 2>&1 <<'PY'
import os, socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)

s.sendall(b"GET /shrink.bin HTTP/1.1\r\nHost: a\r\nUser-Agent: cut-shrink\r\n\r\n")
buf = s.recv(4096)
os.truncate(path, 1000)
got = len(buf)
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    got += len(b)
print("closed", "short" if got < 8388608 else "whole")
PY
t_case "a file truncated under a stalled answer: closed short" \
    'cat "$T_DIR/shrink.out"' "closed short"
t_case "the worker still answers, the same one" \
    'echo "$(curl -s http://127.0.0.1:$port/s.txt) $(kids "$master")"' \
    "small $worker"
t_ok "no worker died (error log)" \
    '! grep -q "exited\|signal" "$T_DIR/a.err"'

# Answers cut short are logged too, with the bytes that went (as nginx
# does).  cut_logged LOG PATH UA: LOG has a 200 for PATH from UA ('-':
# none), short of its 8 MiB.
cut_logged() {
	awk -v path="$2" -v ua="\"$3\"" '$7 == path && $NF == ua &&
	    $9 == 200 && $10 < 8388608 { f = 1 } END { exit !f }' "$1"
}
t_ok "the access log has the reset download: 200, short" \
    'poll 10 cut_logged "$T_DIR/access.log" /big.bin cut-reset'
t_ok "... and the truncated file's: 200, short" \
    'poll 10 cut_logged "$T_DIR/access.log" /shrink.bin cut-shrink'
# Connection: close keeps the buffer (no tail): the same, from there.
python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
          b"User-Agent: cut-close\r\n\r\n")
s.recv(100)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
s.close()
PY
t_ok "... and a reset Connection: close download's: 200, short" \
    'poll 10 cut_logged "$T_DIR/access.log" /big.bin cut-close'

# TERM stops the worker at once: a download stalled in it is logged.
python3 "$HERE/raw.py" noread "$port" /big.bin "$T_DIR/ready" \
    "$T_DIR/never" 30 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
poll 15 test -f "$T_DIR/ready"
poll 10 sh -c "curl -s http://127.0.0.1:$port/status |
    grep -q '^Reading: 0 Writing: 2 '"
kill -TERM "$master" 2>/dev/null
poll 10 gone "$master"
t_ok "TERM with a download stalled: the access log has it, 200, short" \
    'cut_logged "$T_DIR/access.log" /big.bin -'
t_mended

# send_timeout and header_timeout cut a connection: both are logged.
port=$(free_port)
start_cmd b "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/b.pid" -e "$T_DIR/b.err" -a "$T_DIR/b.log" \
    -o send_timeout=1 -o header_timeout=1 ||
    t_broken "server b did not start"
python3 "$HERE/raw.py" noread "$port" /big.bin "$T_DIR/ready.b" \
    "$T_DIR/never" 30 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
python3 "$HERE/raw.py" stall "$port" 'GET / HTTP/1.1\r\nHo' 20 \
    >/dev/null 2>&1
t_ok "header_timeout: the access log has the 408" \
    'poll 10 grep -q "\" 408 [1-9]" "$T_DIR/b.log"'
t_ok "send_timeout: the access log has the download it cut, 200, short" \
    'poll 15 cut_logged "$T_DIR/b.log" /big.bin -'
kill -QUIT "$master" 2>/dev/null
poll 10 gone "$master"
t_mended
t_exit
