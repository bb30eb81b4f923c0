#!/bin/sh
# SPDX-License-Identifier: MIT
# fenix as PID 1 of a fresh PID namespace (unshare --pid --fork), and with
# -s as a subreaper: it serves, reaps orphans, turns TERM and QUIT into a
# drain (-D keeps serving first), passes a killed master's status on,
# survives upgrades and rollbacks under load, and keeps init above the new
# master.  Needs root and unshare/nsenter (util-linux); every case is
# skipped otherwise.  Pid files written inside a namespace hold namespace
# pids: they are read and acted on through nsenter only.
. "$(dirname "$0")/lib.sh"
plan 25
optional APPLET_UPGRADE

HERE=$(cd "$(dirname "$0")" && pwd)
W=$T_DIR/www

C_SERVES="PID 1 of a new PID namespace: fenix serves (200)"
C_PID1="inside: /proc/1 is fenix init, the pid file's master is its child"
C_ORPHANS="orphans of the namespace are reparented to init and reaped"
C_TERM="TERM to PID 1 under load (8 keep-alive connections)"
C_QUIT="QUIT to PID 1 under load (8 keep-alive connections)"
C_DELAY="-D 2: TERM keeps serving 1.5 s, then the namespace ends with 0"
C_KILL="master killed by SIGKILL: init exits 137, the namespace is gone"
C_UPGRADE="20 upgrades as PID 1 under load"
C_ROLLBACK="rollback as PID 1 (new binary exits 1)"
C_SUBREAPER="-s without a namespace: init above the master, upgrade keeps it"

skip_all() {
	t_skip_rest "$1"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 ||
    skip_all "needs unshare and nsenter (util-linux)"
unshare --pid --fork --mount-proc true >/dev/null 2>&1 ||
    skip_all "unshare --pid --fork --mount-proc fails here"

# ------------------------------------------------------------- helpers
now_ms() {
	date +%s%3N
}

# gone PID: PID has exited (no such process, or a zombie not yet waited).
gone() {
	g_s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$g_s" ] || [ "$g_s" = Z ]
}

# has_child PID: PID has a child process.
has_child() {
	[ -n "$(cat "/proc/$1/task/$1/children")" ]
}

# descendants PID: every process under PID.
descendants() {
	for d_p in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		echo "$d_p"
		descendants "$d_p"
	done
}

# ns_start NAME [SERVER_OPTIONS...]: fenix server as PID 1 of a new PID
# namespace, its binary copied to $ns/bin/fenix, on a free port ($port).
# Sets ns (its directory), upid (unshare's pid) and H (host pid of the
# namespace's PID 1).  The cases up to the next ns_start are its block:
# if it did not start, they FAIL with the reason.  Not in a $(...) or a
# redirected subshell, which would lose that.
ns_start() {
	t_mended
	ns=$T_DIR/$1 ns_name=$1
	shift
	mkdir -p "$ns/bin"
	cp "$FENIX" "$ns/bin/fenix"
	port=$(free_port)
	start_bg unshare --pid --fork --mount-proc --kill-child \
	    "$ns/bin/fenix" server -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$ns/pid" -e "$ns/err" "$@" </dev/null 2>"$ns/init.log"
	upid=$T_LAST
	H=
	if poll 5 has_child "$upid"; then
		H=$(cat "/proc/$upid/task/$upid/children")
		H=${H%% *}
		T_PIDS="$T_PIDS $H"
	fi
	if [ -z "$H" ] || ! poll 5 curl -s -o /dev/null --max-time 1 \
	    "http://127.0.0.1:$port/"; then
		sed 's/^/    /' "$ns/init.log" "$ns/err" 2>/dev/null
		t_broken "fenix as PID 1 ($ns_name) did not start"
		return 1
	fi
	poll 5 test -s "$ns/pid"
}

# nsx COMMAND...: run COMMAND inside the namespace of $H.
nsx() {
	nsenter -t "$H" -p -m "$@"
}

# ns_procs: "pid ppid state comm" of every process in the namespace,
# the shell that lists them left out.
ns_procs() {
	nsx sh -c 'echo "self $$"
	for f in /proc/[0-9]*/stat; do
		read -r l <"$f" 2>/dev/null && echo "$l"
	done' | awk '$1 == "self" { self = $2; next }
	    $1 != self { print $1, $4, $3, $2 }'
}

# ns_shape: "init N master N workers N zombies N other N", the master
# being the pid file's, a child of init; workers its children.
ns_shape() {
	ns_procs | awk -v m="$(cat "$ns/pid" 2>/dev/null)" '
	    $1 == 1 && $4 == "(fenix)" { i++; next }
	    $3 == "Z" { z++; next }
	    $1 == m && $2 == 1 && $4 == "(fenix)" { ma++; next }
	    $2 == m && $4 == "(fenix)" { w++; next }
	    { o++ }
	    END { printf "init %d master %d workers %d zombies %d other %d\n",
		i, ma, w, z, o }'
}

# shape_is WANT: poll helper.
shape_is() {
	[ "$(ns_shape)" = "$1" ]
}

# ns_wait: wait (deadline SECONDS, default 20) for unshare to end; sets
# rc to its exit status, or "still running".
ns_wait() {
	if poll "${1:-20}" gone "$upid"; then
		wait "$upid"
		rc=$?
	else
		rc="still running"
	fi
}

# hostpid NSPID: the host pid of the namespace's process NSPID.
hostpid() {
	for h_p in $(cat "/proc/$H/task/$H/children" 2>/dev/null); do
		if awk -v n="$1" '$1 == "NSpid:" && $NF == n { f = 1 }
		    END { exit !f }' "/proc/$h_p/status" 2>/dev/null; then
			echo "$h_p"
			return 0
		fi
	done
	return 1
}

# load_start NAME: load.py, 8 keep-alive connections, until $ns/stop-NAME.
load_start() {
	rm -f "$ns/stop-$1" "$ns/ready-$1"
	start_bg python3 "$HERE/load.py" "$port" --conns 8 --seconds 90 \
	    --stop "$ns/stop-$1" --ready "$ns/ready-$1" >"$ns/load-$1.out" 2>&1
	lpid=$T_LAST
	poll 10 test -e "$ns/ready-$1"
}

# load_stop NAME: stop it; load_res is its report's first line without
# the request count ("failed N"), or why there is none.
load_stop() {
	touch "$ns/stop-$1"
	wait "$lpid"
	load_res=$(sed -n 's/^requests [1-9][0-9]* //p' "$ns/load-$1.out")
	[ -n "$load_res" ] || load_res="no request: $(cat "$ns/load-$1.out")"
}

# only_refused FILE: load.py's report has requests and every failure in it
# is a refused connection (the port closed after the drain).
# Refused, or reset before any answer on a new connection: at a full
# stop, a connection that the kernel queued as the last listening socket
# closed is reset by the kernel, never having reached a worker.  A request
# broken on a connection that was being served still fails the check.
only_refused() {
	grep -Eq '^requests [1-9][0-9]* failed' "$1" &&
	    ! grep -E '^  [0-9]+ x ' "$1" |
	    grep -v 'ConnectionRefusedError' | grep -vq 'new connection: '
}

# A slow download: reads PATH at about 2.5 MB/s with a small receive
# window; creates READY after the first 256 KiB; prints how many bytes it
# had when MARK appeared, then "ok N" if it got all of REF's bytes.
cat >"$T_DIR/slow.py" <<'EOF'
import os, socket, sys, time
port, path, ref, ready, mark = sys.argv[1:6]
want = open(ref, "rb").read()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
s.settimeout(20)
s.connect(("127.0.0.1", int(port)))
s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        sys.exit("closed before the head")
    buf += d
head, _, body = buf.partition(b"\r\n\r\n")
status = head.split(b"\r\n")[0]
n = 0
for l in head.split(b"\r\n")[1:]:
    k, _, v = l.partition(b":")
    if k.strip().lower() == b"content-length":
        n = int(v)
body = bytearray(body)
t0 = time.monotonic()
at_mark = None
while len(body) < n:
    if len(body) >= 262144 and not os.path.exists(ready):
        open(ready, "w").close()
    if at_mark is None and os.path.exists(mark):
        at_mark = len(body)
        print("at-signal %d" % at_mark, flush=True)
    # Pace: no faster than 2.5 MB/s once the first 256 KiB are in.
    if len(body) >= 262144:
        ahead = (len(body) - 262144) / 2.5e6 - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    try:
        d = s.recv(16384)
    except OSError as e:
        sys.exit("%s after %d bytes" % (type(e).__name__, len(body)))
    if not d:
        sys.exit("closed after %d of %d bytes" % (len(body), n))
    body += d
if at_mark is None:
    print("at-signal %d" % len(body))
if not status.startswith(b"HTTP/1.1 200") or bytes(body) != want:
    sys.exit("bad answer: %r, %d bytes" % (status, len(body)))
print("ok %d" % len(body))
EOF

mkdir -p "$W"
printf 'fenix init test\n' >"$W/index.html"
python3 -c 'import os, sys; sys.stdout.buffer.write(os.urandom(5 << 20))' \
    >"$W/big.bin"
BIG=$(stat -c %s "$W/big.bin")

# --------------------------------------------- PID 1: serves, shape, orphans
ns_start basic

t_case "$C_SERVES" \
    'curl -s -o /dev/null --max-time 5 -w "%{http_code}" \
    "http://127.0.0.1:$port/"' 200
m=$(cat "$ns/pid")
qemu_skipping "/proc/PID/cmdline starts with the emulator"
t_case "$C_PID1" \
    'nsx cat /proc/1/cmdline | tr "\0" " " | cut -d" " -f1-2
    nsx cat /proc/1/comm
    printf "master %s ppid " "$m"
    nsx awk "/^PPid:/ { print \$2 }" "/proc/$m/status"
    printf "shape "; ns_shape
    grep -c "^init\[1\]: init for master $m\$" "$ns/init.log"' \
    "$ns/bin/fenix server
fenix
master $m ppid 1
shape init 1 master 1 workers 2 zombies 0 other 0
1"
qemu_done

# Five processes that double-fork inside the namespace: each grandchild
# writes its pid and waits on its own fifo, so it is an orphan (init its
# parent) before it exits; then none may stay a zombie.
for i in 1 2 3 4 5; do
	mkfifo "$ns/fifo$i"
	nsx sh -c '(sh -c "echo \$\$ >$1.pid; read x <$1; exit 3" &); exit 0' \
	    sh "$ns/fifo$i" </dev/null >/dev/null 2>&1
done
orphans() {
	for i in 1 2 3 4 5; do
		poll 5 test -s "$ns/fifo$i.pid" || { echo "no pid $i"; continue; }
		p=$(cat "$ns/fifo$i.pid")
		poll 5 nsx test -e "/proc/$p" || { echo "$p not seen"; continue; }
		nsx awk '/^PPid:/ { printf "%s ", $2 }' "/proc/$p/status"
	done
	echo
	for i in 1 2 3 4 5; do
		timeout 10 sh -c 'echo go >"$1"' sh "$ns/fifo$i"
	done
	if poll 5 shape_is "init 1 master 1 workers 2 zombies 0 other 0"; then
		echo reaped
	else
		ns_procs
	fi
}
orphans >"$T_DIR/orphans.out" 2>&1
t_case "$C_ORPHANS" 'cat "$T_DIR/orphans.out"' "1 1 1 1 1 
reaped"

# ------------------------------------------------------ SIGKILL to the master
kill_master() {
	m=$(cat "$ns/pid")
	hm=$(hostpid "$m") || { echo "no host pid for master $m"; return; }
	hw=$(cat "/proc/$hm/task/$hm/children")
	echo "workers $(echo $hw | wc -w)"
	kill -KILL "$hm"
	ns_wait 10
	echo "exit $rc"
	for p in $H $hw; do
		gone "$p" || echo "$p still there"
	done
	grep -c "no process left: exiting 137" "$ns/init.log"
}
kill_master >"$T_DIR/kill.out" 2>&1
t_case "$C_KILL" 'cat "$T_DIR/kill.out"' "workers 2
exit 137
1"

# ------------------------------------------------------------ TERM / QUIT
# drain SIG NAME: PID 1 gets SIG while load.py runs and a slow 5 MiB
# download is in flight; the download must complete, the namespace end
# with 0 with no timeout in the logs, and load.py see only refusals
# (after the port closed), never a request broken mid-way.
drain() {
	load_start d
	rm -f "$ns/slow-ready" "$ns/mark"
	start_bg python3 "$T_DIR/slow.py" "$port" /big.bin "$W/big.bin" \
	    "$ns/slow-ready" "$ns/mark" >"$ns/slow.out" 2>&1
	spid=$T_LAST
	poll 10 test -e "$ns/slow-ready" || echo "slow download did not start"
	kill "-$1" "$H"
	touch "$ns/mark"
	ns_wait 30
	touch "$ns/stop-d"
	wait "$lpid"
	wait "$spid"
	s_rc=$?
	# One line each: exit, download, logs, load.
	echo "namespace exit $rc"
	printf 'download %s: ' "$s_rc"
	awk -v big="$BIG" '/^at-signal/ { if ($2 < big)
		printf "in flight at the signal, "
	    else
		printf "already done at the signal, " }
	    !/^at-signal/ { printf "%s; ", $0 } END { print "" }' \
	    "$ns/slow.out"
	printf 'timeouts %s, master: %s, %s\n' \
	    "$(cat "$ns/init.log" "$ns/err" |
	    grep -c -e timeout -e KILL -e "still running")" \
	    "$(tail -1 "$ns/err" | sed 's/^server\[[0-9]*\]: //')" \
	    "$(tail -1 "$ns/init.log")"
	if only_refused "$ns/load-d.out"; then
		echo "only refused"
	else
		tr '\n' ';' <"$ns/load-d.out"
		echo
	fi
}
# drain_cases SIG NAME: the four checks of drain's report.
drain_cases() {
	d_out=$T_DIR/$2.out
	ns_start "$2"
	drain "$1" "$2" >"$d_out" 2>&1
	d_c="$1 to PID 1 under load (8 keep-alive connections)"
	t_case "$d_c: the namespace ends with exit status 0" \
	    'sed -n 1p "$d_out"' "namespace exit 0"
	t_case "$d_c: a slow 5 MiB download in flight gets every byte" \
	    'sed -n 2p "$d_out"' \
	    "download 0: in flight at the signal, ok $BIG; "
	t_case "$d_c: the logs show a drain, no timeout or kill" \
	    'sed -n 3p "$d_out"' \
	    "timeouts 0, master: exiting, init[1]: no process left: exiting 0"
	t_case "$d_c: load.py: no request broken, only refused after the close" \
	    'sed -n "4,\$p" "$d_out"' "only refused"
}
drain_cases TERM term
t_case "TERM to PID 1: init logged the drain (delay 0)" \
    'grep -c "^init\[1\]: TERM: draining in 0 ms$" "$T_DIR/term/init.log"' 1
drain_cases QUIT quit

# ----------------------------------------------------------------- -D 2
delay() {
	t0=$(now_ms)
	kill -TERM "$H"
	late=0 bad=0
	while :; do
		c=$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' \
		    "http://127.0.0.1:$port/")
		t=$(($(now_ms) - t0))
		[ "$c" = 200 ] || bad=$((bad + 1))
		[ "$t" -ge 1500 ] && break
		sleep "$T_POLL"
	done
	echo "answered until 1.5 s: $([ "$bad" -eq 0 ] && echo yes ||
	    echo "no, $bad failed")"
	ns_wait 20
	t=$(($(now_ms) - t0))
	echo "exit $rc"
	[ "$t" -ge 1900 ] && echo "ended after the delay" ||
	    echo "ended after $t ms"
	grep -c "TERM: draining in 2000 ms" "$ns/init.log"
}
ns_start delay -D 2
delay >"$T_DIR/delay.out" 2>&1
t_case "$C_DELAY" 'cat "$T_DIR/delay.out"' "answered until 1.5 s: yes
exit 0
ended after the delay
1"

# ------------------------------------------------------- upgrades as PID 1
ns_start upgrade
load_start u
SHAPE="init 1 master 1 workers 2 zombies 0 other 0"
up_rc= up_pid1= up_shape= up_same=
prev=$(cat "$ns/pid")
i=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	nsx "$ns/bin/fenix" upgrade -p "$ns/pid" -w 0 \
	    >"$ns/upgrade$i.log" 2>&1
	r=$?
	[ "$r" -eq 0 ] || up_rc="$up_rc round $i: exit $r;"
	if gone "$H" || ! tr '\0' ' ' <"/proc/$H/cmdline" |
	    grep -q "^$ns/bin/fenix server "; then
		up_pid1="$up_pid1 round $i;"
	fi
	if ! poll 5 shape_is "$SHAPE"; then
		up_shape="$up_shape round $i: $(ns_shape);"
	fi
	cur=$(cat "$ns/pid")
	[ "$cur" != "$prev" ] || up_same="$up_same round $i;"
	prev=$cur
done
t_case "$C_UPGRADE: every fenix upgrade exits 0" 'echo "${up_rc:-ok}"' ok
qemu_skipping "/proc/PID/cmdline starts with the emulator"
t_case "$C_UPGRADE: PID 1 is still fenix init after each" \
    'echo "${up_pid1:-ok}"' ok
qemu_done
t_case "$C_UPGRADE: one master (new pid each time) and 2 workers after each" \
    'echo "${up_shape:-ok}${up_same:+ same master:$up_same}"' ok
t_case "$C_UPGRADE: the last master is generation 21, init's child" \
    'nsx sh -c "tr \"\\0\" \"\\n\" </proc/$prev/environ |
    grep ^FENIX_GENERATION=; grep ^PPid: /proc/$prev/status"' \
    "FENIX_GENERATION=21
PPid:	1"
load_stop u
up_load=$load_res
kill -TERM "$H"
ns_wait 20
t_case "$C_UPGRADE: no request failed" 'echo "$up_load"' "failed 0"
t_case "$C_UPGRADE: then TERM ends the namespace with 0" 'echo "$rc"' 0

# ----------------------------------------------------- rollback as PID 1
ns_start rollback
printf '#!/bin/sh\nexit 1\n' >"$ns/fake"
chmod 755 "$ns/fake"
load_start r
before=$(ns_shape)
m=$(cat "$ns/pid")
t_case "$C_ROLLBACK: fenix upgrade -b exits 10" \
    'nsx "$ns/bin/fenix" upgrade -p "$ns/pid" -b "$ns/fake" -w 0 \
    >"$ns/upgrade.log" 2>&1; echo $?' 10
rb_code=$(curl -s -o /dev/null --max-time 5 -w "%{http_code}" \
    "http://127.0.0.1:$port/")
load_stop r
rb_load=$load_res
t_case "$C_ROLLBACK: the old generation serves, no request failed" \
    'echo "$rb_code $rb_load"' "200 failed 0"
t_case "$C_ROLLBACK: same master, nothing left behind, no zombie" \
    'poll 5 shape_is "$before"; echo "$(cat "$ns/pid") $(ns_shape)"
    test -e "$ns/pid.oldbin" && echo "pid.oldbin left"
    gone "$H" && echo "PID 1 gone"' "$m $before"
t_case "$C_ROLLBACK: before, the shape was init + master + 2 workers" \
    'echo "$before"' "$SHAPE"
kill -TERM "$H"
ns_wait 20

# ------------------------------------------------- -s, no namespace at all
sub() {
	d=$T_DIR/sub
	mkdir -p "$d/bin"
	cp "$FENIX" "$d/bin/fenix"
	port=$(free_port)
	start_bg "$d/bin/fenix" server -s -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$d/pid" -e "$d/err" </dev/null 2>"$d/init.log"
	ipid=$T_LAST
	if ! poll 5 curl -s -o /dev/null --max-time 1 \
	    "http://127.0.0.1:$port/" || ! poll 5 test -s "$d/pid"; then
		echo "did not start"
		cat "$d/init.log" "$d/err"
		return
	fi
	m=$(cat "$d/pid")
	T_PIDS="$T_PIDS $m"
	echo "init's child is the master: $(awk '/^PPid:/ { print $2 }' \
	    "/proc/$m/status" | sed "s/^$ipid\$/yes/")"
	grep -c "init for master $m (subreaper)" "$d/init.log"
	start_bg "$d/bin/fenix" upgrade -p "$d/pid" -w 0 >"$d/upgrade.log" 2>&1
	if poll 15 gone "$T_LAST"; then
		wait "$T_LAST"
		echo "upgrade exit $?"
	else
		echo "upgrade still running after 15 s"
		kill "$T_LAST"
		{ wait "$T_LAST"; } 2>/dev/null
	fi
	m2=$(cat "$d/pid")
	T_PIDS="$T_PIDS $(descendants "$ipid")"
	[ "$m2" != "$m" ] && gone "$m" && echo "the old master is gone"
	gone "$ipid" || echo "init lives"
	echo "the new master's parent is init: $(awk '/^PPid:/ { print $2 }' \
	    "/proc/$m2/status" | sed "s/^$ipid\$/yes/")"
	echo "answers $(curl -s -o /dev/null --max-time 5 -w '%{http_code}' \
	    "http://127.0.0.1:$port/")"
	kill -TERM "$ipid"
	if poll 20 gone "$ipid"; then
		wait "$ipid"
		echo "init exit $?"
	else
		echo "init still running"
	fi
	echo "inits started: $(cat "$d/init.log" "$d/err" |
	    grep -c "init for master")"
}
sub >"$T_DIR/sub.out" 2>&1
qemu_skipping "prctl PR_SET_CHILD_SUBREAPER is EINVAL in qemu 7.2"
t_case "$C_SUBREAPER" 'cat "$T_DIR/sub.out"' "init's child is the master: yes
1
upgrade exit 0
the old master is gone
init lives
the new master's parent is init: yes
answers 200
init exit 0
inits started: 1"
qemu_done

t_exit
