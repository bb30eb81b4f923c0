#!/bin/sh
# SPDX-License-Identifier: MIT
# Upgrades that stray signals, dead masters and odd inheritance cannot
# break (issue 12): workers ignore the master's signals (USR2 above all)
# and drain when their master dies; a rollback signals only the new
# master; at most two generations; inherited fds; HUP after WINCH.
# Every server has its own pid file and error log in $T_DIR and a free
# port of 127.0.0.1; every wait is a poll with a deadline.
. "$(dirname "$0")/lib.sh"
plan 24
optional APPLET_UPGRADE

unset NGINX FENIX_GENERATION FENIX_OLD_MASTER LISTEN_FDS LISTEN_PID
W=$T_DIR/www
BIN=$T_DIR/bin/fenix
mkdir -p "$W" "$T_DIR/bin"
printf 'generations test\n' >"$W/index.html"
python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(4 << 20))' \
    >"$W/big.bin"
BIG=$(stat -c %s "$W/big.bin")
cp "$FENIX" "$BIN"

# ------------------------------------------------------------- helpers

# serve NAME ARGS...: $BIN server on a free port ($port), root $W, 2
# workers; sets pidf, errf, master.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start_cmd "$s_n" "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$T_DIR/$s_n.pid" -e "$T_DIR/$s_n.err" "$@" || return 1
	if ! poll 5 answers "$port"; then
		fail_note "server $s_n does not answer" "$errf"
		return 1
	fi
}

# new_pid FILE OLD: FILE names a live process other than OLD.
new_pid() {
	n_p=$(cat "$1" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$2" ] && alive "$n_p"
}

# adopt PIDFILE: remember the master it names for the cleanup.
adopt() {
	a_m=$(cat "$1" 2>/dev/null) && T_PIDS="$T_PIDS $a_m"
}

# stop PID...: TERM them, wait until they are gone.
stop() {
	kill -TERM "$@" 2>/dev/null
	poll 10 all_gone "$@"
}

# workers_of PID: its children, one line.
workers_of() {
	echo $(kids "$1")
}

# A download that stalls after its head until NAME.go exists, then
# reads the rest; prints "ok BYTES" when it got the whole file.
cat >"$T_DIR/dl.py" <<'PY'
import hashlib, os, socket, sys, time
port, state, ref = int(sys.argv[1]), sys.argv[2], sys.argv[3]
want = hashlib.sha256(open(ref, "rb").read()).hexdigest()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(30)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(16384)
    if not d:
        sys.exit("closed before the head")
    buf += d
head, _, body = buf.partition(b"\r\n\r\n")
n = int([l.split(b":")[1] for l in head.split(b"\r\n")
         if l.lower().startswith(b"content-length:")][0])
open(state + ".started", "w").close()
while not os.path.exists(state + ".go"):
    time.sleep(0.02)
h = hashlib.sha256(body)
got = len(body)
try:
    while got < n:
        d = s.recv(65536)
        if not d:
            break
        h.update(d)
        got += len(d)
except OSError as e:
    sys.exit("%s after %d bytes" % (type(e).__name__, got))
print("ok %d" % got if got == n and h.hexdigest() == want else
      "short: %d of %d" % (got, n))
PY

# dl NAME: start dl.py on $port; returns once it has the head.
dl() {
	python3 "$T_DIR/dl.py" "$port" "$T_DIR/$1" "$W/big.bin" \
	    >"$T_DIR/$1.dl" 2>&1 &
	dl_pid=$!
	T_PIDS="$T_PIDS $dl_pid"
	poll 10 test -e "$T_DIR/$1.started"
}

# dl_end NAME: let it read the rest and wait for it (in this shell, not
# in a $(...)); its report is in $T_DIR/NAME.dl.
dl_end() {
	touch "$T_DIR/$1.go"
	wait "$dl_pid"
}

# ------------------------------------- 8: stray signals reach the workers
C8="stray signals:"
if serve strays; then
	ws=$(workers_of "$master")
	dl strays
	for w in $ws; do
		kill -USR2 "$w"
		kill -HUP "$w"
		kill -WINCH "$w"
	done
	dl_end strays
	t_case "$C8 a download in flight through them gets every byte" \
	    'cat "$T_DIR/strays.dl"' "ok $BIG"
	t_case "$C8 USR2, HUP, WINCH to each worker: both still run" \
	    'echo $(for w in $ws; do alive $w && echo up; done)' "up up"
	t_case "$C8 the master kept the same workers" 'workers_of "$master"' \
	    "$ws"
	stop "$master"
else
	t_broken "server strays did not start"
	t_case "$C8 a download in flight through them gets every byte" : x
	t_case "$C8 USR2, HUP, WINCH to each worker: both still run" : x
	t_case "$C8 the master kept the same workers" : x
	t_mended
fi

# A rollback in the bake phase: the new master dies while the old one is
# parked; fenix upgrade must signal nobody else (today it QUIT a worker
# the old master had just respawned, or HUP'd the old master).
C8b="rollback in the bake phase:"
if serve bake; then
	old=$master
	"$FENIX" upgrade -p "$pidf" -w 10 >"$T_DIR/bake.up" 2>&1 &
	up_pid=$!
	T_PIDS="$T_PIDS $up_pid"
	if poll 15 grep_file "old workers gone" "$T_DIR/bake.up"; then
		nm=$(cat "$pidf")
		kill -KILL "$nm"
	fi
	wait_rc=running
	poll 20 gone "$up_pid" && { wait "$up_pid"; wait_rc=$?; }
	t_case "$C8b the new master is KILLed: fenix upgrade exits 10" \
	    'echo $wait_rc' 10
	t_ok "$C8b the old master serves again with 2 workers" \
	    'poll 5 nkids_is "$old" 2 && pidfile_is "$pidf" "$old" &&
	    answers "$port"'
	t_case "$C8b the old master neither reloaded nor lost a worker" \
	    'grep -c -e reloaded -e "worker .* exited" -e "worker .* killed" \
	    "$errf"' 0
	stop "$old"
else
	t_broken "server bake did not start"
	t_case "$C8b the new master is KILLed: fenix upgrade exits 10" : x
	t_ok "$C8b the old master serves again with 2 workers" :
	t_case "$C8b the old master neither reloaded nor lost a worker" : x
	t_mended
fi

# ------------------------------- 7: a new master dies after WINCH
C7="new master KILLed after WINCH, 32 keep-alive connections:"
if serve dies && load_start dies "$port" --conns 32; then
	old=$master
	kill -USR2 "$old"
	poll 10 new_pid "$pidf" "$old"
	new=$(cat "$pidf")
	adopt "$pidf"
	kill -WINCH "$old"
	poll 10 nkids_is "$old" 1
	nws=$(kids "$new")
	kill -KILL "$new"
	t_ok "$C7 the old master starts its 2 workers again" \
	    'poll 5 nkids_is "$old" 2'
	t_ok "$C7 the dead master's workers drain and exit by themselves" \
	    'poll 12 all_gone $nws'
	load_stop dies
	t_ok "$C7 no request failed" 'load_ok dies'
	t_case "$C7 the pid file names the old master, no .oldbin" \
	    'cat "$pidf"; ls "$pidf.oldbin" 2>/dev/null' "$old"
	stop "$old"
else
	t_broken "server dies or its load did not start"
	t_ok "$C7 the old master starts its 2 workers again" :
	t_ok "$C7 the dead master's workers drain and exit by themselves" :
	t_ok "$C7 no request failed" :
	t_case "$C7 the pid file names the old master, no .oldbin" : x
	t_mended
fi

# QUIT to the new master while the old one is parked (a rollback): the
# new master hands back at once, its workers finish what they serve.
C7b="QUIT to the new master while the old one is parked:"
if serve back; then
	old=$master
	kill -USR2 "$old"
	poll 10 new_pid "$pidf" "$old"
	new=$(cat "$pidf")
	adopt "$pidf"
	kill -WINCH "$old"
	poll 10 nkids_is "$old" 1
	dl back
	kill -QUIT "$new"
	t_ok "$C7b the old master's workers are back while a download runs" \
	    'poll 5 nkids_is "$old" 2 && ! test -s "$T_DIR/back.dl"'
	dl_end back
	t_case "$C7b the download in flight on the new generation completes" \
	    'cat "$T_DIR/back.dl"' "ok $BIG"
	t_ok "$C7b the old master serves, the pid file names it" \
	    'answers "$port" && pidfile_is "$pidf" "$old"'
	stop "$old"
else
	t_broken "server back did not start"
	t_ok "$C7b the old master's workers are back while a download runs" :
	t_case "$C7b the download in flight on the new generation completes" : x
	t_ok "$C7b the old master serves, the pid file names it" :
	t_mended
fi

# ---------------------------------------- 3: at most two generations
C3="at most two generations:"
if serve gens; then
	g1=$master
	kill -USR2 "$g1"
	poll 10 new_pid "$pidf" "$g1"
	g2=$(cat "$pidf")
	adopt "$pidf"
	poll 5 nkids_is "$g2" 2
	kill -USR2 "$g2"
	t_ok "$C3 USR2 to the new master while the old one runs: refused" \
	    'poll 5 grep_file "USR2 refused: the master that started me" \
	    "$errf"'
	t_case "$C3 ... no third master, the pid files unchanged" \
	    'kids "$g2" | wc -l; cat "$pidf" "$pidf.oldbin"' "2
$g2
$g1"
	kill -WINCH "$g1"
	poll 10 nkids_is "$g1" 1
	kill -QUIT "$g1"
	poll 10 gone "$g1"
	wait "$g1" 2>/dev/null
	kill -USR2 "$g2"
	t_ok "$C3 the old master gone, the new one (foreground) upgrades" \
	    'poll 10 new_pid "$pidf" "$g2"'
	g3=$(cat "$pidf")
	adopt "$pidf"
	# A later master takes the pid file over while g2 is parked: when
	# g3 dies, g2 must not roll back over it, and it quits.
	kill -WINCH "$g2"
	poll 10 nkids_is "$g2" 1
	port0=$port
	serve other
	other=$master
	cp "$T_DIR/other.pid" "$T_DIR/gens.pid.tmp"
	mv "$T_DIR/gens.pid.tmp" "$T_DIR/gens.pid"
	kill -KILL "$g3"
	t_ok "$C3 a parked master whose pid file a later master took: it quits" \
	    'poll 10 gone "$g2"'
	t_case "$C3 ... without rolling back (the pid file still names it)" \
	    'cat "$T_DIR/gens.pid"; grep -c "not rolling back" "$T_DIR/gens.err"' \
	    "$other
1"
	stop "$g2" "$g3" "$other"
else
	t_broken "server gens did not start"
	t_ok "$C3 USR2 to the new master while the old one runs: refused" :
	t_case "$C3 ... no third master, the pid files unchanged" : x
	t_ok "$C3 the old master gone, the new one (foreground) upgrades" :
	t_ok "$C3 a parked master whose pid file a later master took: it quits" :
	t_case "$C3 ... without rolling back (the pid file still names it)" : x
	t_mended
fi

# ------------------------------------------- 14, 17: inherited fds
# inherit.py PORT VALUE CMD...: listen on 127.0.0.1:PORT as fd 3, then
# exec CMD with NGINX=VALUE.
cat >"$T_DIR/inherit.py" <<'PY'
import os, socket, sys
port, value, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
    s.close()
os.set_inheritable(3, True)
os.environ["NGINX"] = value
os.execvp(cmd[0], cmd)
PY
C14='NGINX="3;3;":'
port=$(free_port)
start_bg python3 "$T_DIR/inherit.py" "$port" "3;3;" "$BIN" server \
    -l "127.0.0.1:$port" -r "$W" -w 2 -p "$T_DIR/twice.pid" \
    -e "$T_DIR/twice.err" </dev/null
twice=$T_LAST
t_ok "$C14 fd 3 is adopted once and the port answers" \
    'poll 20 answers "$port"'
t_case "$C14 ... adopted, never closed" \
    'grep -c "adopted 127.0.0.1:$port from NGINX fd 3" "$T_DIR/twice.err"
    grep -c "NGINX fd 3: .*closed" "$T_DIR/twice.err"' "1
0"
stop "$twice"

C17="fds the master inherits:"
echo "top secret" >"$T_DIR/secret"
chmod 600 "$T_DIR/secret"
if id nobody >/dev/null 2>&1 && serve secret -u nobody 7<"$T_DIR/secret"
then
	t_case "$C17 a worker running as nobody does not hold fd 7" \
	    'for w in $(kids "$master"); do
		ls -l "/proc/$w/fd" | grep -c "$T_DIR/secret\$"
	    done' "0
0"
	t_case "$C17 nor does the master" \
	    'ls -l "/proc/$master/fd" | grep -c "$T_DIR/secret\$"' 0
	stop "$master"
else
	t_skipping "no user nobody, or server secret did not start"
	t_case "$C17 a worker running as nobody does not hold fd 7" : x
	t_case "$C17 nor does the master" : x
	t_mended
fi

# ---------------------------------------------- 15: HUP after WINCH
C15="HUP after WINCH, no upgrade in progress:"
mkdir -p "$T_DIR/www2"
printf 'second root\n' >"$T_DIR/www2/index.html"
port=$(free_port)
# conf ROOT PIDFILE: the config file of server hup.
conf() {
	printf 'listen 127.0.0.1:%s\nroot %s\nworkers 2\npidfile %s\n' \
	    "$port" "$1" "$2" >"$T_DIR/hup.conf.tmp"
	printf 'error_log %s\n' "$T_DIR/hup.err" >>"$T_DIR/hup.conf.tmp"
	mv "$T_DIR/hup.conf.tmp" "$T_DIR/hup.conf"
}
conf "$W" "$T_DIR/hup.pid"
if start_cmd hup "$BIN" server -c "$T_DIR/hup.conf" && poll 5 answers "$port"
then
	kill -WINCH "$master"
	poll 10 nkids_is "$master" 0
	conf "$T_DIR/www2" "$T_DIR/hup2.pid"
	kill -HUP "$master"
	t_case "$C15 a full reload: 2 workers serve the new root" \
	    'poll 5 nkids_is "$master" 2
	    curl -s --max-time 2 "http://127.0.0.1:$port/"' "second root"
	t_case "$C15 the new pid file names the master, the old one is gone" \
	    'poll 5 pidfile_is "$T_DIR/hup2.pid" "$master"
	    cat "$T_DIR/hup2.pid"; ls "$T_DIR/hup.pid" 2>/dev/null' "$master"
	stop "$master"
else
	t_broken "server hup did not start"
	t_case "$C15 a full reload: 2 workers serve the new root" : x
	t_case "$C15 the new pid file names the master, the old one is gone" : x
	t_mended
fi

t_exit
