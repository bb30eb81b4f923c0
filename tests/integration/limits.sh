#!/bin/sh
# SPDX-License-Identifier: MIT
# Connection caps: max_conns pauses accepting and resumes; running out of
# file descriptors (EMFILE) backs off instead of spinning, and recovers.
. "$(dirname "$0")/lib.sh"
plan 7

mkdir "$T_DIR/www"
echo hello >"$T_DIR/www/index.html"

# hold PORT N SECONDS READY: open N connections, each with half a request
# (TCP_DEFER_ACCEPT keeps silent ones from reaching the server at all).
hold() {
	python3 - "$@" <<'PY' &
import socket, sys, time, os
port, n, secs, ready = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ss = []
for _ in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\n")	# half a request: accepted, busy
        ss.append(s)
    except OSError:
        break
open(ready, "w").write(str(len(ss)))
end = time.monotonic() + secs
while time.monotonic() < end and not os.path.exists(ready + ".stop"):
    time.sleep(0.01)
PY
	T_LAST=$!
	T_PIDS="$T_PIDS $T_LAST"
}

# nsock PID: how many sockets PID has open.
nsock() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}

# cpu_ticks PID: utime + stime of a process.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

# --- max_conns: the cap pauses accepting, a free slot resumes it.
port=$(free_port)
start_bg "$FENIX" server -l "127.0.0.1:$port" -r "$T_DIR/www" -w 1 \
    -p "$T_DIR/a.pid" -o max_conns=16 2>"$T_DIR/a.err"
poll 5 curl -sf -o /dev/null "http://127.0.0.1:$port/" ||
    t_broken "server a did not start"
master=$(cat "$T_DIR/a.pid")
worker=$(kids "$master")
s0=$(nsock "$worker")
hold "$port" 16 30 "$T_DIR/h1"
holder=$T_LAST
poll 15 test -s "$T_DIR/h1"
# The worker holds one more socket per connection it accepted.
t_ok "16 half-requests: the worker accepted all 16 (max_conns=16)" \
    '[ "$(cat "$T_DIR/h1")" = 16 ] && [ -n "$worker" ] &&
    poll 5 sh -c "[ \$(ls -l /proc/$worker/fd | grep -c socket:) -eq \
    $((s0 + 16)) ]"'
# curl's exit 28 is a time-out (a refused connection is 7).
t_case "past the cap a request waits (not refused, not served)" \
    'curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"
    echo $?' 28
touch "$T_DIR/h1.stop"
t_ok "when the held connections close, requests are served again" \
    'poll 5 curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/"'
t_mended

# --- EMFILE: a worker with few fds pauses accept and does not spin.
port=$(free_port)
start_bg sh -c 'ulimit -n 32; exec "$0" "$@"' "$FENIX" server \
    -l "127.0.0.1:$port" -r "$T_DIR/www" -w 1 -p "$T_DIR/b.pid" \
    2>"$T_DIR/b.err"
poll 5 curl -sf -o /dev/null "http://127.0.0.1:$port/" ||
    t_broken "server b did not start"
master=$(cat "$T_DIR/b.pid")
worker=$(kids "$master")
hold "$port" 60 30 "$T_DIR/h2"
poll 15 test -s "$T_DIR/h2"
t_ok "the worker logs EMFILE and pauses" \
    'poll 5 grep -q "accept4.*pausing" "$T_DIR/b.err"'
before=$(cpu_ticks "$worker")
t_0=$(date +%s)
# A measuring window of about 2 s, not a synchronisation.
poll 3 sh -c "[ \$(date +%s) -ge $((t_0 + 2)) ]"
after=$(cpu_ticks "$worker")
t_ok "no busy loop while out of fds (<= 20 ticks in ~2 s)" \
    '[ $((after - before)) -le 20 ]'
t_ok "the worker is still the same process, the master's child" \
    '[ -n "$worker" ] && alive "$worker" && [ "$(kids "$master")" = "$worker" ]'
touch "$T_DIR/h2.stop"
t_ok "after the fds are back, requests are served" \
    'poll 10 curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/"'
t_mended
t_exit
