#!/bin/sh
# SPDX-License-Identifier: MIT
# The connection state machine under hostile and unusual clients: a full
# buffer with a body behind it, header names with a CR, Expect:
# 100-continue, bodies answered right after their head, stray empty lines
# between requests, and idle connections when the worker runs short of
# connections or fds.  Raw sockets through raw.py and the python3 helper
# below; one server per scenario, one worker, on a free port.
. "$(dirname "$0")/lib.sh"
plan 23

W=$T_DIR/www
mkdir -p "$W"
printf 'hello\n' >"$W/a.txt"
printf '<h1>index</h1>\n' >"$W/index.html"

# The python3 helper: conn.py CMD PORT ARGS...; every wait is bounded.
cat >"$T_DIR/conn.py" <<'PY'
import socket, sys, time

BUF = 18432		# a connection's buffer: FX_HTTP_MAX_HEAD + 2048


def conn(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
    return s


def answers(s, n, timeout=5.0):
    """Statuses of the next n answers (stops early on close or timeout)."""
    out, buf = [], b""
    end = time.monotonic() + timeout
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            left = end - time.monotonic()
            if left <= 0:
                return out + ["timeout"]
            s.settimeout(left)
            try:
                d = s.recv(65536)
            except socket.timeout:
                return out + ["timeout"]
            except OSError:
                d = b""
            if not d:
                return out + ["closed"]
            buf += d
        head, buf = buf.split(b"\r\n\r\n", 1)
        st = int(head.split(b" ")[1])
        cl = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                cl = int(v)
        if st == 100:
            out.append("100")
            continue
        while len(buf) < cl:
            s.settimeout(max(end - time.monotonic(), 0.01))
            d = s.recv(65536)
            if not d:
                return out + ["closed"]
            buf += d
        buf = buf[cl:]
        out.append(str(st))
    return out


def pad(head, total):
    """head (ending in \r\n\r\n) padded with X-Pad to total bytes."""
    base = head[:-2] + b"X-Pad: \r\n\r\n"
    return head[:-2] + b"X-Pad: " + b"a" * (total - len(base)) + b"\r\n\r\n"


def full(port, room, body, secs=5):
    """Two heads that leave room bytes of the buffer, then a body of body
    bytes for the second and a third request, all in one write; the
    answers are waited for secs seconds."""
    room, body = int(room), int(body)
    r1 = pad(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", BUF // 2)
    r2 = pad(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
             % body, BUF - room - len(r1))
    r3 = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    s = conn(port, float(secs))
    s.sendall(r1 + r2 + b"7" * body + r3)
    print(" ".join(answers(s, 3, float(secs))))


def early(port):
    """A head with Content-Length: 50, no body yet: answered at once;
    then the body and a GET on the same connection."""
    s = conn(port)
    s.sendall(b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 50"
              b"\r\n\r\n")
    a = answers(s, 1, 2.0)
    s.sendall(b"b" * 50 + b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    print(" ".join(a + answers(s, 1)))


def trickle(port, secs):
    """A 20-byte body sent a byte every 0.2 s for secs seconds after the
    head; then the rest and a GET."""
    s = conn(port)
    s.sendall(b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 20"
              b"\r\n\r\n")
    a = answers(s, 1, 2.0)
    end, sent = time.monotonic() + float(secs), 0
    try:
        while time.monotonic() < end and sent < 19:
            s.sendall(b"t")
            sent += 1
            time.sleep(0.2)
        s.sendall(b"t" * (20 - sent) + b"GET /a.txt HTTP/1.1\r\nHost: x"
                  b"\r\n\r\n")
    except OSError:
        pass
    print(" ".join(a + answers(s, 1)))


def send(port, data):
    """Send data, print the statuses of what comes back until the close."""
    s = conn(port)
    s.sendall(data.encode("latin-1").decode("unicode_escape")
              .encode("latin-1"))
    print(" ".join(answers(s, 10)[:-1]))


def stray(port, when):
    """A request and a CRLF after it (along: in the same write; after: once
    answered).  along: another request 1.5 s later must be answered.
    after: the server must then stay silent until it closes, in 2.5 s or
    more: "200 silent"."""
    req = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    s = conn(port, 10)
    s.sendall(req + (b"\r\n" if when == "along" else b""))
    a = answers(s, 1)
    if when == "along":
        time.sleep(1.5)		# past header_timeout: the case itself
        s.sendall(req)
        print(" ".join(a + answers(s, 1)))
        return
    s.sendall(b"\r\n")
    t0 = time.monotonic()
    got = b""
    s.settimeout(10)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except OSError:
        pass
    el = time.monotonic() - t0
    if not got and el >= 2.5:
        a.append("silent")
    else:
        a.append("got %r after %.1f s" % (got[:40], el))
    print(" ".join(a))


def silent(port, n, ready, secs):
    """Open n connections that send nothing; hold them until ready.stop
    exists or secs pass.  ready gets the number opened."""
    import os
    ss = []
    for _ in range(int(n)):
        try:
            ss.append(conn(port))
        except OSError:
            break
    open(ready, "w").write(str(len(ss)))
    end = time.monotonic() + float(secs)
    while time.monotonic() < end and not os.path.exists(ready + ".stop"):
        time.sleep(0.05)


def lru(port, n):
    """n keep-alive connections, each answered once, oldest first; then
    one more.  Prints its status, whether the oldest was closed, and the
    newest of the n still answering."""
    req = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
    cs = []
    for _ in range(int(n)):
        c = conn(port)
        c.sendall(req)
        answers(c, 1)
        cs.append(c)
    extra = conn(port)
    extra.sendall(req)
    out = answers(extra, 1)
    cs[0].settimeout(3)
    try:
        out.append("closed" if cs[0].recv(100) == b"" else "open")
    except socket.timeout:
        out.append("open")
    except OSError:
        out.append("closed")
    cs[-1].sendall(req)
    print(" ".join(out + answers(cs[-1], 1)))


cmd = sys.argv[1]
globals()[cmd](*sys.argv[2:])
PY
cpy() {
	python3 "$T_DIR/conn.py" "$@"
}

# cpu_ticks PID: utime + stime.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null
}

# idle_cpu PID: the CPU ticks PID uses in about a second.
idle_cpu() {
	i_0=$(cpu_ticks "$1")
	i_t=$(($(date +%s) + 2))
	poll 3 test "$(date +%s)" -ge "$i_t"
	echo $(($(cpu_ticks "$1") - i_0))
}

# serve NAME [OPTIONS...]: a server with one worker on a free port
# ($port); its master in $master, its worker in $worker.  Returns 1
# (after a FAIL note) if it does not answer.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start_cmd "$s_n" "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
	    -e "$T_DIR/$s_n.err" -p "$T_DIR/$s_n.pid" "$@" || return 1
	if ! poll 5 answers "$port" /a.txt; then
		fail_note "server $s_n does not answer" "$T_DIR/$s_n.err"
		return 1
	fi
	worker=$(kids "$master" | head -1)
}

# stop: kill the server of the block (QUIT is not enough for a stuck
# worker, so its worker too).
stop() {
	kill -KILL "$master" "$worker" 2>/dev/null
	poll 5 all_gone "$master" "$worker"
}

# ------------------------------------------- a CR in a header field name
serve crname || t_broken "server did not start"
t_case "Content\\rLength is a 400, not a body that hides a request" \
    'raw send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent\rLength: 37\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" |
    head -1 | cut -d" " -f2' 400
t_case "Transfer\\rEncoding: chunked is a 400" \
    'raw send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer\rEncoding: chunked\r\n\r\n0\r\n\r\n" |
    head -1 | cut -d" " -f2' 400
stop
t_mended

# ---------------------------------------- a full buffer, a body behind it
serve full || t_broken "server did not start"
t_case "two heads fill the buffer, then a 10-byte body: all answered" \
    'cpy full "$port" 0 10' "200 200 200"
t_ok "... and the worker does not spin (<= 30 ticks in ~2 s)" \
    'n=$(idle_cpu "$worker"); echo "$n ticks"; [ "$n" -le 30 ]'
t_case "... and it serves others" 'cpy send "$port" "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"' 200
stop
t_mended
serve room1 || t_broken "server did not start"
c0=$(cpu_ticks "$worker")
t_case "1 byte of room left, then a 500 KB body: all answered" \
    'cpy full "$port" 1 500000 30' "200 200 200"
t_ok "... reading the body costs little CPU (<= 40 ticks)" \
    'n=$(($(cpu_ticks "$worker") - c0)); echo "$n ticks"; [ "$n" -le 40 ]'
stop
t_mended

# ------------------------------------------------------- request bodies
serve body -o header_timeout=1 -o body_max=100 || t_broken "server did not start"
t_case "a body is answered right after its head, then the next request" \
    'cpy early "$port"' "405 200"
t_case "a body trickling in past header_timeout is read to its end" \
    'cpy trickle "$port" 2' "405 200"
t_case "a body that stops: answered, closed after the between-reads timeout" \
    'raw stall "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n12345" 12 2>/dev/null' \
    "closed 405"
t_case "body_max bounds the trailer fields: 413" \
    'cpy send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: $(printf "%0200d" 0)\r\n\r\n"' 413
t_case "body_max bounds the chunk extensions in total: 413" \
    'cpy send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n$(i=0; while [ $i -lt 4 ]; do printf "1;e=%040d\r\nx\r\n" 0; i=$((i + 1)); done)0\r\n\r\n"' 413
stop
t_mended

# -------------------------------------------------- Expect: 100-continue
serve expect || t_broken "server did not start"
t_case "Expect: 100-continue, no body yet: the final status at once, closed" \
    'raw talk "$port" -c -H Connection "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"' \
    "405 close
closed"
t_case "Expect: 100-continue with the body sent along: kept alive" \
    'raw talk "$port" -H Connection "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n0123456789" \
    "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"' "405 -
200 -"
stop
t_mended

# ----------------------------------- empty lines between requests; timers
serve stray -o header_timeout=1 -o keepalive_timeout=4 ||
    t_broken "server did not start"
t_case "a CRLF after a request: no 408, closed silently at keepalive_timeout" \
    'cpy stray "$port" after' "200 silent"
t_case "a CRLF along with a request: the next one past header_timeout is served" \
    'cpy stray "$port" along' "200 200"
stop
t_mended
serve fresh -o header_timeout=1 -o keepalive_timeout=60 ||
    t_broken "server did not start"
t_case "a new connection that sends nothing: closed after header_timeout" \
    'raw stall "$port" "" 15 2>/dev/null' "closed -"
stop
t_mended

# ------------------------- idle connections when connections or fds run out
# nfds PID: the fds PID has open.
nfds() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

# nfds_ge PID N: for poll.
nfds_ge() {
	[ "$(nfds "$1")" -ge "$2" ]
}

serve lru -o max_conns=4 || t_broken "server did not start"
t_case "max_conns=4, 4 keep-alive connections idle: a 5th client is served, the oldest closed" \
    'cpy lru "$port" 4' "200 closed 200"
stop
t_mended

# A worker with 64 fds and 100 connections that send nothing (each
# accepted once TCP_DEFER_ACCEPT gives up on it).
port=$(free_port)
start_cmd emfile sh -c 'ulimit -n 64; exec "$0" "$@"' "$FENIX" server \
    -l "127.0.0.1:$port" -r "$W" -w 1 -e "$T_DIR/emfile.err" \
    -p "$T_DIR/emfile.pid" -o header_timeout=60 || t_broken "no server"
poll 5 answers "$port" /a.txt || t_broken "server does not answer"
worker=$(kids "$master" | head -1)
start_bg python3 "$T_DIR/conn.py" silent "$port" 100 "$T_DIR/sil" 60
t_ok "100 silent connections fill the worker's 64 fds (but a few)" \
    'poll 20 nfds_ge "$worker" 40'
t_case "a GET is still served (the oldest idle connection makes room)" \
    'curl -s -o /dev/null -w "%{http_code}" --max-time 3 "http://127.0.0.1:$port/a.txt"' 200
touch "$T_DIR/sil.stop"
stop
t_mended

serve maxc -o max_conns=20 -o header_timeout=60 || t_broken "server did not start"
base=$(nfds "$worker")
start_bg python3 "$T_DIR/conn.py" silent "$port" 30 "$T_DIR/sil2" 60
t_ok "30 silent connections reach max_conns=20" \
    'poll 20 nfds_ge "$worker" $((base + 15))'
t_case "a GET is still served" \
    'curl -s -o /dev/null -w "%{http_code}" --max-time 3 "http://127.0.0.1:$port/a.txt"' 200
touch "$T_DIR/sil2.stop"
stop
t_mended

# --------------------------------------------------------- TCP_NODELAY
# Nagle held the short last segment of an answer until the client's
# (delayed) ACK: a 40 ms tail.  Seen through strace of the worker.
if command -v strace >/dev/null 2>&1; then
	serve nodelay || t_broken "server did not start"
	start_bg sh -c 'exec strace -e trace=setsockopt -o "$1" -p "$2" \
	    2>"$1.err"' sh "$T_DIR/strace.out" "$worker"
	st=$T_LAST
	poll 5 grep_file attached "$T_DIR/strace.out.err"
	t_case "a kept-alive connection gets TCP_NODELAY before its answer" \
	    'raw talk "$port" "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" >/dev/null
	    poll 5 grep_file TCP_NODELAY "$T_DIR/strace.out" && echo yes' yes
	kill "$st" 2>/dev/null
	stop
	t_mended
else
	t_skip "a kept-alive connection gets TCP_NODELAY" "no strace"
fi

t_exit
