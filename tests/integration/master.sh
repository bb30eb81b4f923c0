#!/bin/sh
# SPDX-License-Identifier: MIT
# The master/worker cycle: workers and the pid file, a second server on the
# same pid file, the master's death, a worker's death, the signals (TERM,
# INT, QUIT with a download in flight, HUP under load, HUP with a new or a
# broken config, USR1, WINCH), the config file, -u and -d.
# Every server has its own pid file and error log in $T_DIR and a free
# port of 127.0.0.1; every wait is a poll with a deadline.
. "$(dirname "$0")/lib.sh"
plan 81

HERE=$(cd "$(dirname "$0")" && pwd)
W=$T_DIR/www
W2=$T_DIR/www2
mkdir -p "$W" "$W2"
printf 'master test\n' >"$W/index.html"
printf 'second root\n' >"$W2/index.html"
python3 -c 'import sys
sys.stdout.buffer.write(bytes(range(256)) * 20480)' >"$W/big.bin"
BIG_SIZE=$(stat -c %s "$W/big.bin")
BIG_SUM=$(sha256sum "$W/big.bin" | cut -d' ' -f1)

# ------------------------------------------------------------- helpers

# kids_changed PID N OLDLIST: N children, none of them in OLDLIST.
kids_changed() {
	k_now=$(kids "$1")
	[ "$(printf '%s\n' "$k_now" | sed '/^$/d' | wc -l)" -eq "$2" ] ||
	    return 1
	for k_o in $3; do
		printf '%s\n' "$k_now" | grep -qx "$k_o" && return 1
	done
	return 0
}

# body PORT [PATH]
body() {
	curl -s --max-time 2 "http://127.0.0.1:$1${2:-/}"
}

# start NAME ARGS...: fenix server ARGS with -p $T_DIR/NAME.pid and
# -e $T_DIR/NAME.err; sets pidf, errf, master once the pid file names it.
start() {
	st_n=$1
	shift
	start_cmd "$st_n" "$FENIX" server -p "$T_DIR/$st_n.pid" \
	    -e "$T_DIR/$st_n.err" "$@"
}

# serve NAME ARGS...: start on a free port ($port) with root $W.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start "$s_n" -l "127.0.0.1:$port" -r "$W" "$@" || return 1
	if ! poll 5 answers "$port"; then
		t_note "server $s_n does not answer" "$errf"
		return 1
	fi
}

# stop_master PID: TERM, and wait for it (it is a child of this shell).
stop_master() {
	kill -TERM "$1" 2>/dev/null
	poll 10 gone "$1"
	wait "$1" 2>/dev/null
	return 0
}

# wait_exit PID SECONDS: wait for our child PID to exit; its status in
# $rc ("running" if it did not exit in time).  Not in $(...): a subshell
# cannot wait for its parent's children.
wait_exit() {
	if poll "$2" gone "$1"; then
		wait "$1"
		rc=$?
	else
		rc=running
	fi
}

# The slow download: GET /big.bin reading 256 KiB per 50 ms (MODE pace),
# or one chunk and then nothing until FILE.go exists (MODE stall).
# Touches FILE.started once the body flows; prints "BYTES SHA256 MID"
# where MID says whether MASTER still ran at three quarters of the body.
cat >"$T_DIR/dl.py" <<'EOF'
import hashlib, os, socket, sys, time
port, state, mode, master = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def alive(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZXx"
    except OSError:
        return False

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(30)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(65536)
    if not d:
        print("closed before the head")
        sys.exit(1)
    buf += d
head, _, body = buf.partition(b"\r\n\r\n")
clen = None
for l in head.split(b"\r\n")[1:]:
    k, _, v = l.partition(b":")
    if k.strip().lower() == b"content-length":
        clen = int(v)
h = hashlib.sha256(body)
got = len(body)
open(state + ".started", "w").close()
mid = "?"
chunk = 0
try:
    while got < clen:
        if mode == "stall":
            while not os.path.exists(state + ".go"):
                time.sleep(0.02)
        d = s.recv(65536)
        if not d:
            break
        h.update(d)
        got += len(d)
        chunk += len(d)
        if mid == "?" and got >= clen * 3 // 4:
            mid = "alive" if alive(master) else "dead"
        if mode == "pace" and chunk >= 262144:
            chunk = 0
            time.sleep(0.05)
except OSError as e:
    print(got, type(e).__name__, mid)
    sys.exit(1)
print(got, h.hexdigest(), mid)
EOF

# dl NAME PORT MODE MASTER: run dl.py in the background ($dl_pid),
# output in $T_DIR/NAME.dl; returns once the body flows.
dl() {
	python3 "$T_DIR/dl.py" "$2" "$T_DIR/$1" "$3" "$4" >"$T_DIR/$1.dl" 2>&1 &
	dl_pid=$!
	T_PIDS="$T_PIDS $dl_pid"
	poll 10 test -e "$T_DIR/$1.started"
}

# ------------------------------------------ workers and the pid file
port=$(free_port)
start w3 -l "127.0.0.1:$port" -r "$W" -w 3 ||
    t_broken "server w3 did not start"
# start returned as soon as the pid file named the master: by then
# every worker must be up.
t_case "-w 3 starts 3 workers, children of the master" \
    'nkids "$master"' 3
t_ok "when the pid file appears, the port answers at once" \
    'answers "$port"'
t_ok "each worker's parent is the master" \
    'for k in $(kids "$master"); do
	[ "$(awk "/^PPid:/{print \$2}" /proc/$k/status)" = "$master" ] ||
	    exit 1
    done'
t_case "the pid file holds the master pid" 'cat "$pidf"' "$master"
w3_master=$master w3_pidf=$pidf w3_port=$port

# A second server with the same pid file.
port2=$(free_port)
t_ok "a second server on the same pid file exits 100 naming the pid" \
    'out=$(timeout 10 "$FENIX" server -l "127.0.0.1:$port2" -r "$W" \
    -w 1 -p "$w3_pidf" </dev/null 2>&1); rc=$?
    echo "rc $rc: $out"; [ $rc -eq 100 ] &&
    printf "%s\n" "$out" | grep -q "$w3_master"'
t_case "the first server still owns the pid file" 'cat "$w3_pidf"' \
    "$w3_master"
t_ok "the second server never served on its port; the first serves" \
    'refused "$port2" && answers "$w3_port"'

stop_master "$w3_master"
t_ok "the pid file is removed on exit" '[ ! -e "$w3_pidf" ]'
t_mended

# A stale pid file: a pid that is dead.
sh -c 'exit 0' &
dead=$!
wait "$dead"
printf '%s\n' "$dead" >"$T_DIR/stale.pid"
port=$(free_port)
start_bg "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/stale.pid" -e "$T_DIR/stale.err" </dev/null
stale_master=$T_LAST
t_ok "a stale pid file (dead pid $dead) is overwritten" \
    'poll 10 pidfile_is "$T_DIR/stale.pid" "$stale_master"'
t_ok "... and that server serves" 'poll 5 answers "$port"'
stop_master "$stale_master"

# ------------------------------------------------ the master's death
serve kill9 -w 2 ||
    t_broken "server kill9 did not start"
ws=$(kids "$master")
t_case "two workers before SIGKILL of the master" \
    'printf "%s\n" "$ws" | wc -l' 2
kill -KILL "$master"
t_ok "SIGKILL of the master leaves no worker behind" \
    'poll 5 all_gone $ws'
wait "$master" 2>/dev/null
t_ok "... and its port refuses connections" 'refused "$port"'
t_mended

# ------------------------------------------------ a worker's death
serve respawn -w 2 ||
    t_broken "server respawn did not start"
before=$(kids "$master")
victim=$(printf '%s\n' "$before" | head -1)
kill -KILL "$victim"
t_ok "kill -9 of a worker: a new worker replaces it" \
    'poll 5 kids_changed "$master" 2 "$victim"'
t_ok "... the other worker is untouched" \
    'kids "$master" | grep -qx "$(printf "%s\n" "$before" | tail -1)"'
t_ok "... the victim is gone" 'gone "$victim"'
t_ok "... the master logged it" \
    'grep -q "worker $victim killed by signal 9" "$errf"'
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	answers "$port" && ok=$((ok + 1))
done
t_case "... the port keeps answering" 'echo $ok' 10
stop_master "$master"
t_mended

# ------------------------------------------------ a crash loop
# A worker killed again as soon as it is back is respawned later each
# time (100 ms, 200 ms, 400 ms ...), not in a fork storm.  A kill that
# a loaded machine delays past the 1 s crash window starts the count
# again at 100 ms: kill until 400 ms is logged, at most 10 times.
serve crashloop -w 1 ||
    t_broken "server crashloop did not start"
i=0
while [ "$i" -lt 10 ] && ! grep -q "respawning in 400 ms" "$errf"; do
	w=$(kids "$master")
	kill -KILL $w
	poll 5 kids_changed "$master" 1 "$w"
	i=$((i + 1))
done
t_ok "a crash loop is logged with growing back-off" \
    'grep -q "crash loop: respawning in 100 ms" "$errf" &&
    grep -q "crash loop: respawning in 200 ms" "$errf" &&
    grep -q "crash loop: respawning in 400 ms" "$errf"'
t_case "... and the respawns were not a storm: one worker" \
    'nkids "$master"' 1
t_ok "... which serves" 'poll 5 answers "$port"'
t_ok "... and the master is alive" 'alive "$master"'
stop_master "$master"
t_mended

# ------------------------------------------------ TERM, INT and QUIT
# TERM and INT are fast: a download stalled mid-body (its client reads
# nothing) does not hold them up, even with a long shutdown_timeout.
for sig in TERM INT; do
	serve "fast$sig" -w 1 -o shutdown_timeout=60 ||
	    t_broken "server fast$sig did not start"
	dl "stall$sig" "$port" stall "$master"
	ws=$(kids "$master")
	kill -"$sig" "$master"
	wait_exit "$master" 5
	t_case "$sig with a stalled download: fast exit, status 0" 'echo $rc' 0
	t_ok "$sig: the workers are gone" 'all_gone $ws'
	t_ok "$sig: the pid file is removed" '[ ! -e "$pidf" ]'
	touch "$T_DIR/stall$sig.go"
	wait "$dl_pid"
	t_ok "$sig: the stalled download was cut short" \
	    'cat "$T_DIR/stall$sig.dl"
	    grep -q . "$T_DIR/stall$sig.dl" &&
	    ! grep -q "^$BIG_SIZE $BIG_SUM" "$T_DIR/stall$sig.dl"'
	t_mended
done

# QUIT is graceful: a slow 5 MiB download in flight finishes, whole,
# and only then does the master exit.
serve quit -w 2 ||
    t_broken "server quit did not start"
dl slowquit "$port" pace "$master"
ws=$(kids "$master")
kill -QUIT "$master"
wait_exit "$master" 15
t_case "QUIT: the master exits, status 0" 'echo $rc' 0
wait "$dl_pid"
t_case "QUIT: the download in flight completed, every byte right" \
    'cat "$T_DIR/slowquit.dl"' "$BIG_SIZE $BIG_SUM alive"
t_ok "QUIT: the workers are gone" 'all_gone $ws'
t_ok "QUIT: the pid file is removed" '[ ! -e "$pidf" ]'
t_mended

# ------------------------------------------------ HUP under load
# hups MASTER N: N reloads, each one waited for (all the workers new).
hups() {
	h_i=0
	while [ $h_i -lt "$2" ]; do
		h_old=$(kids "$1")
		kill -HUP "$1"
		if ! poll 15 kids_changed "$1" 2 "$h_old"; then
			echo "HUP $h_i: workers did not change: $h_old -> $(kids "$1")"
			return 1
		fi
		h_i=$((h_i + 1))
	done
}

serve hup -w 2 ||
    t_broken "server hup did not start"
load_start hupka "$port" --conns 16
t_ok "5 HUPs under load, each with all-new workers" 'hups "$master" 5'
load_stop hupka
t_ok "HUP x5 under keep-alive load (16 conns): failed 0" \
    'load_ok hupka'
load_start hupclose "$port" --conns 16 --close
t_ok "5 more HUPs under load" 'hups "$master" 5'
load_stop hupclose
t_ok "HUP x5 under load, a new connection per request: failed 0" \
    'load_ok hupclose'
t_case "the master is still the same, pid file too" 'cat "$pidf"' \
    "$master"
stop_master "$master"
t_mended

# ------------------------------------------------ HUP with a config file
cport=$(free_port)
cport2=$(free_port)
conf=$T_DIR/hup.conf
printf '# fenix test\nlisten 127.0.0.1:%s\nroot %s\nworkers 2\n' \
    "$cport" "$W" >"$conf"
start hupconf -c "$conf" && poll 5 answers "$cport" ||
    t_broken "server hupconf did not start"
t_ok "before HUP the second port refuses, the first answers" \
    'refused "$cport2" && answers "$cport"'
load_start hupconf "$cport" --conns 16
printf 'listen 127.0.0.1:%s\n' "$cport2" >>"$conf"
h_old=$(kids "$master")
kill -HUP "$master"
t_ok "HUP with a second listen: the new port answers" \
    'poll 10 answers "$cport2"'
t_ok "... and the new workers replace the old ones" \
    'poll 15 kids_changed "$master" 2 "$h_old"'
load_stop hupconf
t_ok "the first port kept answering under load: failed 0" \
    'load_ok hupconf'
t_ok "the first port still answers" 'answers "$cport"'

# A broken config: the old one stays.
cp "$conf" "$conf.good"
printf 'workers 1\nno_such_directive on\n' >>"$conf"
line=$(wc -l <"$conf")
h_old=$(kids "$master")
kill -HUP "$master"
t_ok "HUP with a broken config: the error log has FILE:LINE" \
    'poll 5 grep_file "$conf:$line" "$errf"'
t_ok "... and says it keeps the running config" \
    'grep "$conf:$line" "$errf" | grep -q "keeping the running config"'
t_case "... the same workers serve on" 'kids "$master"' "$h_old"
t_ok "... on both ports" 'answers "$cport" && answers "$cport2"'
stop_master "$master"
t_mended

# ------------------------------------------------ the config file
fport=$(free_port)
good=$T_DIR/good.conf
bad=$T_DIR/bad.conf
printf 'listen 127.0.0.1:%s;\nroot "%s"\t# the second root\nworkers 3\nkeepalive_timeout 1\n\n' \
    "$fport" "$W2" >"$good"
printf 'root %s\nworkers 2\nbogus_directive yes\n' "$W" >"$bad"
t_case "-t -c good.conf exits 0" \
    '"$FENIX" server -t -c "$good" >/dev/null 2>&1; echo $?' 0
t_case "-t -c bad.conf exits 100" \
    '"$FENIX" server -t -c "$bad" >/dev/null 2>&1; echo $?' 100
t_ok "-t -c bad.conf names FILE:LINE on stderr" \
    '"$FENIX" server -t -c "$bad" 2>&1 >/dev/null | grep -q "$bad:3"'
t_ok "-t -c bad.conf prints nothing on stdout" \
    '[ -z "$("$FENIX" server -t -c "$bad" 2>/dev/null)" ]'

# idle_close PORT MAX: a keep-alive request, then the whole seconds until
# the server closes the idle connection (MAX: not within MAX seconds).
idle_close() {
	python3 - "$1" "$2" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
t = time.monotonic()
s.settimeout(int(sys.argv[2]))
try:
    while s.recv(4096):
        pass
    print(int(time.monotonic() - t))
except socket.timeout:
    print(sys.argv[2])
EOF
}

start file -c "$good" && poll 5 answers "$fport" ||
    t_broken "server file did not start"
t_case "config file: listen and root" 'body "$fport"' 'second root'
t_case "config file: workers 3" 'nkids "$master"' 3
t_ok "config file: keepalive_timeout 1 closes an idle connection" \
    '[ "$(idle_close "$fport" 10)" -le 3 ]'
stop_master "$master"
t_mended
port=$(free_port)
start override -c "$good" -l "127.0.0.1:$port" -r "$W" -w 1 \
    -o keepalive_timeout=30 && poll 5 answers "$port" ||
    t_broken "server override did not start"
t_case "-r overrides the file's root" 'body "$port"' 'master test'
t_case "-w overrides the file's workers" 'nkids "$master"' 1
t_ok "-o keepalive_timeout overrides the file's" \
    '[ "$(idle_close "$port" 3)" -ge 3 ]'
stop_master "$master"
t_mended

# ------------------------------------------------ USR1
if ! built FEATURE_ACCESS_LOG; then
	master=
	t_skipping "FEATURE_ACCESS_LOG not built"
else
	serve usr1 -w 2 -a "$T_DIR/access.log" ||
	    t_broken "server usr1 did not start"
fi
curl -s -o /dev/null "http://127.0.0.1:$port/first-request"
t_ok "the access log has the first request" \
    'poll 5 grep_file /first-request "$T_DIR/access.log"'
mv "$T_DIR/access.log" "$T_DIR/access.log.1"
mv "$errf" "$errf.1"
kill -USR1 "$master"
t_ok "USR1: a new access log appears" \
    'poll 5 test -e "$T_DIR/access.log"'
t_ok "USR1: a new error log appears" 'poll 5 test -e "$errf"'
# Every worker must have reopened: several requests, some on each.
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null "http://127.0.0.1:$port/after-usr1-$i"
done
t_ok "USR1: new requests are logged in the new access log" \
    'poll 5 sh -c "[ \$(grep -c /after-usr1- \"$T_DIR/access.log\") -eq 8 ]"'
t_ok "USR1: none of them in the renamed one, which kept the first" \
    'grep -q /first-request "$T_DIR/access.log.1" &&
    ! grep -q /after-usr1- "$T_DIR/access.log.1"'
kill -HUP "$master"
t_ok "USR1: the master logs to the new error log" \
    'poll 10 grep_file reloaded "$errf"'
t_ok "USR1: nothing more in the renamed error log" \
    '[ -s "$errf.1" ] && ! grep -q reloaded "$errf.1"'
stop_master "$master"
t_mended

# ------------------------------------------------ WINCH
serve winch -w 2 ||
    t_broken "server winch did not start"
ws=$(kids "$master")
kill -WINCH "$master"
t_ok "WINCH (stdin not a terminal): no worker left" \
    'poll 10 nkids_is "$master" 0'
t_ok "WINCH: the old workers are gone" 'all_gone $ws'
t_ok "WINCH: the master lives on" 'alive "$master"'
t_case "WINCH: the pid file is still there" 'cat "$pidf"' "$master"
kill -HUP "$master"
t_ok "HUP after WINCH starts workers again" \
    'poll 10 nkids_is "$master" 2'
t_ok "HUP after WINCH: the port answers" 'poll 5 answers "$port"'
stop_master "$master"
t_mended

# ------------------------------------------------ workers as a user
uids() {
	awk '/^Uid:/{print $2, $3, $4, $5}' "/proc/$1/status"
}
master=
if [ "$(id -u)" -ne 0 ]; then
	t_skipping "not root"
elif ! nobody_uid=$(id -u nobody 2>/dev/null); then
	t_skipping "no user nobody"
else
	serve user -w 2 -u nobody ||
	    t_broken "server user did not start"
fi
t_ok "-u nobody: every worker runs as nobody" \
    'for k in $(kids "$master"); do
	[ "$(uids "$k")" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] || { uids "$k"; exit 1; }
    done'
t_case "-u nobody: the master stays root" 'uids "$master"' "0 0 0 0"
[ -n "$master" ] && stop_master "$master"
t_mended
[ "$(id -u)" -ne 0 ] && t_skipping "not root"
port=$(free_port)
t_case "refuse_root=on without -u as root exits 100" \
    'timeout 10 "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/refuse.pid" -o refuse_root=on </dev/null >/dev/null \
    2>&1; echo $?' 100
t_ok "refuse_root=on: the port refuses connections" 'refused "$port"'
t_mended

# ------------------------------------------------ -d
# ancestors: this shell's ancestors and 1 (where an orphan may go).
ancestors() {
	a_p=$$
	while [ "$a_p" -gt 1 ]; do
		a_p=$(awk '/^PPid:/{print $2}' "/proc/$a_p/status")
		echo "$a_p"
	done
	echo 1
}

port=$(free_port)
dpidf=$T_DIR/daemon.pid
t_case "-d returns at once with status 0" \
    'timeout 10 "$FENIX" server -d -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$dpidf" -e "$T_DIR/daemon.err" </dev/null >"$T_DIR/daemon.out" 2>&1
    echo $?' 0
dpid=
poll 10 test -s "$dpidf" && dpid=$(cat "$dpidf")
[ -n "$dpid" ] || t_broken "-d: no pid file ($(tail -1 "$T_DIR/daemon.err"))"
T_PIDS="$T_PIDS $dpid"
t_ok "-d: the daemon's parent is 1 or a subreaper above us" \
    'pp=$(awk "/^PPid:/{print \$2}" /proc/$dpid/status)
    ancestors | grep -qx "$pp"'
t_ok "-d: not our child" \
    '[ "$(awk "/^PPid:/{print \$2}" /proc/$dpid/status)" != $$ ]'
t_ok "-d: the daemon serves" 'poll 5 answers "$port"'
[ -n "$dpid" ] && kill -QUIT "$dpid"
t_ok "-d: QUIT via the pid file stops it" 'poll 10 gone "$dpid"'
t_ok "-d: its pid file is removed" '[ ! -e "$dpidf" ]'
t_mended
t_exit
