#!/bin/sh
# SPDX-License-Identifier: MIT
# fenix as PID 1 of a fresh PID namespace, the signals README.md lists
# for init and init.sh does not send: HUP, USR1, USR2 and WINCH forwarded
# to the current master, INT stops fast, and TERM escalates to the
# masters after shutdown_timeout + 1 s when a drain does not end.  Needs
# root and unshare/nsenter; every case is skipped otherwise.
. "$(dirname "$0")/lib.sh"
plan 8

HERE=$(cd "$(dirname "$0")" && pwd)
W=$T_DIR/www
mkdir -p "$W"
printf 'init2\n' >"$W/index.html"
head -c 8388608 /dev/zero >"$W/big"

why=
if [ "$(id -u)" -ne 0 ]; then
	why="needs root"
elif ! command -v unshare >/dev/null 2>&1 ||
    ! command -v nsenter >/dev/null 2>&1; then
	why="needs unshare and nsenter (util-linux)"
elif ! unshare --pid --fork --mount-proc true >/dev/null 2>&1; then
	why="unshare --pid --fork --mount-proc fails here"
fi
if [ -n "$why" ]; then
	t_skip_rest "$why"
	t_exit
fi

now_ms() {
	date +%s%3N
}

has_child() {
	[ -n "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]
}

# ns_start NAME [SERVER_OPTIONS...]: fenix server as PID 1 of a new PID
# namespace on a free port ($port); sets ns, upid (unshare) and H (the
# host pid of the namespace's PID 1).  Returns 1 if it does not serve.
ns_start() {
	ns=$T_DIR/$1
	shift
	mkdir -p "$ns/bin"
	cp "$FENIX" "$ns/bin/fenix"
	port=$(free_port)
	start_bg unshare --pid --fork --mount-proc --kill-child \
	    "$ns/bin/fenix" server -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$ns/pid" -e "$ns/err" "$@" </dev/null 2>"$ns/init.log"
	upid=$T_LAST
	H=
	poll 10 has_child "$upid" || return 1
	H=$(cat "/proc/$upid/task/$upid/children")
	H=${H%% *}
	T_PIDS="$T_PIDS $H"
	poll 10 answers "$port" && poll 5 test -s "$ns/pid"
}

# nsx COMMAND...: run COMMAND inside the namespace of $H.
nsx() {
	nsenter -t "$H" -p -m "$@"
}

# cur: the namespace pid of the current master (the pid file's).
cur() {
	cat "$ns/pid" 2>/dev/null
}

# workers: the current master's workers, as namespace pids, sorted.
workers() {
	nsx sh -c 'tr " " "\n" <"/proc/$1/task/$1/children"' sh "$(cur)" |
	    sed '/^$/d' | sort -n
}

workers_n() {
	[ "$(workers | wc -l)" -eq "$1" ]
}

# hostmaster: the host pid of the master (init's child).
hostmaster() {
	m=$(cat "/proc/$H/task/$H/children" 2>/dev/null)
	echo "${m%% *}"
}

ns_end() {
	if poll "${1:-20}" gone "$upid"; then
		wait "$upid"
		rc=$?
	else
		rc="still running"
	fi
}

# ------------------------------------------------- forwarding
alog=
built FEATURE_ACCESS_LOG && alog=1
if ns_start fwd ${alog:+-a "$T_DIR/fwd.access"}; then
	m0=$(cur)
	ws=$(workers)
	kill -HUP "$H"
	poll 10 sh -c '[ -n "$(workers | grep -vx "$1")" ] &&
	    [ "$(workers | wc -l)" -eq 2 ]' sh "$(printf '%s\n' $ws)"
else
	t_broken "fenix as PID 1 did not start: $(cat "$ns/init.log" \
	    "$ns/err" 2>/dev/null | tail -3)"
fi
t_ok "HUP to init: the master reloads (same master, 2 new workers)" \
    '[ "$(cur)" = "$m0" ] && nw=$(workers) && echo "$ws -> $nw" &&
    [ "$(echo "$nw" | wc -l)" -eq 2 ] &&
    [ -z "$(echo "$nw" | grep -x "$(printf "%s\n" $ws)")" ] &&
    answers "$port"'

if [ -z "$alog" ]; then
	t_skip "USR1 to init: the logs are reopened (a new access log)" \
	    "FEATURE_ACCESS_LOG not built"
else
	if [ -z "$T_BROKEN" ]; then
		mv "$T_DIR/fwd.access" "$T_DIR/fwd.access.1"
		kill -USR1 "$H"
		poll 5 test -e "$T_DIR/fwd.access"
		curl -s -o /dev/null --max-time 2 \
		    "http://127.0.0.1:$port/usr1"
	fi
	t_ok "USR1 to init: the logs are reopened (a new access log)" \
	    'poll 5 grep_file "GET /usr1 " "$T_DIR/fwd.access"'
fi

if [ -z "$T_BROKEN" ]; then
	kill -WINCH "$H"
	poll 10 workers_n 0
fi
t_case "WINCH to init: the master's workers stop, the master stays" \
    'workers | wc -l; [ "$(cur)" = "$m0" ] && echo same master' "0
same master"

if [ -z "$T_BROKEN" ]; then
	kill -HUP "$H"			# workers again (nginx's way)
	poll 10 workers_n 2
	kill -USR2 "$H"
	poll 10 sh -c 'n=$(cat "$1/pid"); [ -n "$n" ] && [ "$n" != "$2" ] &&
	    [ -s "$1/pid.oldbin" ]' sh "$ns" "$m0"
	poll 10 workers_n 2
fi
t_ok "USR2 to init: an upgrade (a new master with 2 workers)" \
    'echo "$m0 -> $(cur)"; [ "$(cur)" != "$m0" ] &&
    [ "$(cat "$ns/pid.oldbin")" = "$m0" ] && workers_n 2 && answers "$port"'

# INT: a fast stop, even with a client stuck in a slow download (a QUIT
# would wait for it up to shutdown_timeout, 8 s).
if [ -z "$T_BROKEN" ]; then
	python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(30)' "$port" &
	hold=$!
	T_PIDS="$T_PIDS $hold"
	poll 15 sh -c "ss -Htn state established '( sport = :$port )' |
	    grep -q ."
	t0=$(now_ms)
	kill -INT "$H"
	ns_end 10
	t1=$(now_ms)
	kill "$hold"
fi
t_case "INT to init: the namespace ends fast (< 3 s), exit 0" \
    'echo "$rc"; [ $((t1 - t0)) -lt 3000 ] && echo fast ||
    echo "$((t1 - t0)) ms"' "0
fast"
t_mended

# ------------------------------------------------- TERM escalates
# The master is stopped (SIGSTOP): the drain cannot end, init sends TERM
# shutdown_timeout + 1 s after its QUIT, then KILL 2 s later.
if ns_start esc -o shutdown_timeout=1; then
	hm=$(hostmaster)
	kill -STOP "$hm"
	t0=$(now_ms)
	kill -TERM "$H"
	poll 10 grep_file "stop timeout: TERM" "$ns/init.log"
	t1=$(now_ms)
	ns_end 10
	t2=$(now_ms)
else
	t_broken "fenix as PID 1 did not start"
fi
t_ok "TERM to init, the master stuck: TERM to it after 1 + 1 s" \
    'echo "$((t1 - t0)) ms"; [ $((t1 - t0)) -ge 1800 ] &&
    [ $((t1 - t0)) -le 3500 ]'
t_ok "... then KILL 2 s later (init logs it)" \
    'echo "$((t2 - t0)) ms"; grep -q "still running: KILL" "$ns/init.log" &&
    [ $((t2 - t0)) -ge 3800 ] && [ $((t2 - t0)) -le 6500 ]'
t_case "... the namespace ends with 137 (the master was killed)" \
    'echo "$rc"' 137
t_mended
t_exit
