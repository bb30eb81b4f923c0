#!/bin/sh
# SPDX-License-Identifier: MIT
# Upgrades that no interruption, race or stale pid file can break (the
# operator's side of "Upgrade invariants" in ARCHITECTURE.md): identity
# of the master behind a pid file, one driver at a time, interrupted
# drivers, binary custody, a probe of the new generation itself, pid
# file hazards, a /proc that hides the master, status's errors.
# The server runs from a copy, $T_DIR/bin/fenix, that the cases replace;
# $FENIX itself is never touched.
. "$(dirname "$0")/lib.sh"
plan 71
optional APPLET_UPGRADE
optional APPLET_STATUS

unset NGINX FENIX_GENERATION LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
W=$T_DIR/www
BIN=$T_DIR/bin/fenix
mkdir -p "$W" "$T_DIR/bin" "$T_DIR/empty" "$T_DIR/victim"
printf 'custody test\n' >"$W/index.html"
cp "$FENIX" "$BIN"
# Two distinct new binaries: fenix with a marker appended (ELF ignores it).
{ cat "$FENIX"; echo A; } >"$T_DIR/A"
{ cat "$FENIX"; echo B; } >"$T_DIR/B"
chmod 755 "$T_DIR/A" "$T_DIR/B"

# serve NAME ARGS...: $BIN server on a free port ($port), 2 workers.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start_cmd "$s_n" "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$T_DIR/$s_n.pid" -e "$T_DIR/$s_n.err" "$@" || return 1
	poll 5 answers "$port"
}

# adopt PIDFILE: the master it names is ours to kill at exit.
adopt() {
	a_m=$(cat "$1" 2>/dev/null) && T_PIDS="$T_PIDS $a_m"
}

# stop PIDFILE: TERM the master it names (and any .oldbin), wait.
stop() {
	for s_f in "$1.oldbin" "$1"; do
		s_m=$(cat "$s_f" 2>/dev/null) || continue
		kill -TERM "$s_m" 2>/dev/null
		poll 10 gone "$s_m"
	done
}

restore_bin() {
	cp "$FENIX" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
	rm -f "$BIN.old"
}

# upgrade ARGS...: bounded fenix upgrade; status in $up_rc.
upgrade() {
	timeout 30 "$FENIX" upgrade "$@" >"$T_DIR/up.out" 2>"$T_DIR/up.err"
	up_rc=$?
}

# bg_upgrade ARGS...: fenix upgrade in the background; pid in $drv.
bg_upgrade() {
	"$FENIX" upgrade "$@" >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" &
	drv=$!
	T_PIDS="$T_PIDS $drv"
}

# phase_is PIDFILE PHASE: the state file says PHASE.
phase_is() {
	grep -qx "phase $2" "$1.upgrade" 2>/dev/null
}

# rolled_back PIDFILE OLD: the pid file names OLD again, no .oldbin.
rolled_back() {
	pidfile_is "$1" "$2" && [ ! -e "$1.oldbin" ]
}

# upgraded PIDFILE OLD: a new master named, OLD gone, no .oldbin.
upgraded() {
	u_n=$(cat "$1" 2>/dev/null)
	[ -n "$u_n" ] && [ "$u_n" != "$2" ] && alive "$u_n" && gone "$2" &&
	    [ ! -e "$1.oldbin" ]
}

fake() {
	printf '#!/bin/sh\n%s\n' "$2" >"$T_DIR/$1"
	chmod 755 "$T_DIR/$1"
}

# ------------------------------------------------ 1. identity
# A stale pid file names a live process that is no fenix master: a copy
# of sleep (its executable must not be overwritten, it must not be
# signalled), and another fenix server with another pid file.
cp "$(command -v sleep)" "$T_DIR/victim/sleep"
start_bg "$T_DIR/victim/sleep" 300
victim=$T_LAST
echo "$victim" >"$T_DIR/stale.pid"
port=$(free_port)
upgrade -p "$T_DIR/stale.pid" -b "$T_DIR/A" -w 0 -u "http://127.0.0.1:$port/"
t_case "1: upgrade of a pid file naming another program: exit 21" \
    'echo $up_rc' 21
t_ok "1: ... that program lives on, no file touched" \
    'alive "$victim" && cmp "$T_DIR/victim/sleep" "$(command -v sleep)" &&
    [ ! -e "$T_DIR/victim/sleep.old" ] && [ ! -e "$T_DIR/stale.pid.lock" ]'
t_case "1: status of that pid file: exit 1 (not running)" \
    '"$FENIX" status -p "$T_DIR/stale.pid" >/dev/null 2>&1; echo $?' 1
if serve other; then
	other=$master
	cp "$T_DIR/other.pid" "$T_DIR/notmine.pid"
	t_case "1: status of a pid file naming another pid file's master: exit 1" \
	    '"$FENIX" status -p "$T_DIR/notmine.pid" >/dev/null 2>&1; echo $?' 1
	upgrade -p "$T_DIR/notmine.pid" -w 0
	t_case "1: upgrade of it: exit 21, that master untouched" \
	    'echo $up_rc; cat "$T_DIR/other.pid"; [ -e "$T_DIR/other.pid.oldbin" ]' \
	    "21
$other"
	stop "$T_DIR/other.pid"
else
	t_fail "1: status of a pid file naming another pid file's master: exit 1"
	t_fail "1: upgrade of it: exit 21, that master untouched"
fi
cp "$T_DIR/stale.pid" "$T_DIR/st1.pid"
if serve st1; then
	t_pass "1: server starts over a stale pid file naming another program"
	stop "$pidf"
else
	t_fail "1: server starts over a stale pid file naming another program" \
	    "$T_DIR/st1.err"
fi
kill "$victim"

# ------------------------------------------------ 2. one driver
if serve one; then
	old=$master
	# Two at once: exactly one runs, the other exits 20 and touches
	# nothing; the binary that runs is the one on disk.
	"$FENIX" upgrade -p "$pidf" -b "$T_DIR/A" -w 1 >"$T_DIR/a.out" \
	    2>"$T_DIR/a.err" &
	da=$!
	"$FENIX" upgrade -p "$pidf" -b "$T_DIR/B" -w 1 >"$T_DIR/b.out" \
	    2>"$T_DIR/b.err" &
	db=$!
	wait $da
	ra=$?
	wait $db
	rb=$?
	adopt "$pidf"
	t_case "2: two upgrades at once: one exits 0, the other 20" \
	    'echo $ra $rb | tr " " "\n" | sort -n | tr "\n" " "' "0 20 "
	if [ $ra -eq 0 ]; then won=A; else won=B; fi
	new=$(cat "$pidf")
	qemu_skipping "/proc/PID/exe of an emulated process is the emulator"
	t_ok "2: ... the binary on disk is the winner's, and it runs" \
	    'cmp "$BIN" "$T_DIR/$won" && cmp "/proc/$new/exe" "$T_DIR/$won"'
	qemu_done
	t_ok "2: ... PATH.old is the binary that ran before" \
	    'cmp "$BIN.old" "$FENIX"'
	# A second run during the first's bake: exit 20 at once.
	old=$new
	bg_upgrade -p "$pidf" -b "$FENIX" -w 4
	poll 10 phase_is "$pidf" bake
	t0=$(date +%s)
	upgrade -p "$pidf" -b "$T_DIR/B" -w 0
	t1=$(date +%s)
	t_case "2: a run during another's bake: exit 20 within 2 s" \
	    'echo $up_rc $((t1 - t0 <= 2))' "20 1"
	t_ok "2: ... -b installed nothing" 'cmp "$BIN" "$FENIX"'
	wait $drv
	rc=$?
	t_case "2: ... the first run finishes: exit 0" 'echo $rc' 0
	adopt "$pidf"
	stop "$pidf"
else
	t_broken "server did not start"
	for c in 1 2 3 4 5 6; do t_ok "2: one driver ($c)" true; done
	t_mended
fi
restore_bin

# ------------------------------------------------ 5. binary custody
if serve cus; then
	old=$master
	# PATH was replaced (a killed run, an operator's cp): PATH.old must
	# still be the binary that runs, copied out of /proc/PID/exe.
	cp "$T_DIR/A" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
	upgrade -p "$pidf" -b "$T_DIR/B" -w 0
	adopt "$pidf"
	t_case "5: upgrade after PATH was replaced: exit 0" 'echo $up_rc' 0
	qemu_skipping "/proc/PID/exe of an emulated process is the emulator"
	t_ok "5: ... PATH.old is the binary the old master ran" \
	    'cmp "$BIN.old" "$FENIX"'
	t_ok "5: ... PATH is what runs now" \
	    'cmp "$BIN" "/proc/$(cat "$pidf")/exe" && cmp "$BIN" "$T_DIR/B"'
	qemu_done
	stop "$pidf"
else
	t_broken "server did not start"
	for c in 1 2 3; do t_ok "5: custody ($c)" true; done
	t_mended
fi
restore_bin
# The old master dies during the start: the previous binary goes back.
if serve died; then
	old=$master
	ows=$(kids "$old")
	fake killer 'kill -KILL $PPID'
	upgrade -p "$pidf" -b "$T_DIR/killer" -w 0
	t_case "5: the old master died during the start: exit 111" \
	    'echo $up_rc' 111
	t_ok "5: ... the previous binary is back at PATH" 'cmp "$BIN" "$FENIX"'
	for w in $ows; do kill -KILL "$w" 2>/dev/null; done
else
	t_broken "server did not start"
	t_ok "5: the old master died during the start: exit 111" true
	t_ok "5: ... the previous binary is back at PATH" true
	t_mended
fi
restore_bin

# ------------------------------------------------ 4. interrupted drivers
# sig_case SIG: SIG to fenix upgrade in the bake: rolled back, exit 14.
sig_case() {
	if ! serve "sig$1"; then
		t_broken "server did not start"
	fi
	old=$master
	ows=$(kids "$old")
	bg_upgrade -p "$pidf" -b "$T_DIR/A" -w 20
	poll 10 phase_is "$pidf" bake
	nm=$(cat "$pidf")
	kill "-$1" "$drv"
	wait "$drv"
	rc=$?
	t_case "4: $1 to fenix upgrade while baking: exit 14" 'echo $rc' 14
	t_ok "4: ... rolled back: the old master, its workers, no .oldbin" \
	    'poll 5 rolled_back "$pidf" "$old" && poll 5 nkids_is "$old" 2 &&
	    answers "$port"'
	t_ok "4: ... the new master is gone, the previous binary back" \
	    'poll 5 gone "$nm" && cmp "$BIN" "$FENIX"'
	t_mended
	stop "$pidf"
	restore_bin
}
sig_case TERM
sig_case HUP
sig_case INT

# INT right after USR2, before the old master forked (found by `make
# chaos`, seed 7): the driver took the untouched pid file for a finished
# rollback and exited 14; the new master then started and took over
# beside the old one, and every later run refused with 20.  A stopped
# master holds the USR2 pending, which makes the moment certain.
# usr2_pending PID: USR2 (bit 11) is pending for the process.
usr2_pending() {
	u_p=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$u_p" ] && [ $((0x$u_p & 0x800)) -ne 0 ]
}
if ! serve intr; then
	t_broken "server did not start"
fi
old=$master
kill -STOP "$old"
bg_upgrade -p "$pidf" -b "$T_DIR/A" -w 0
poll 10 usr2_pending "$old"
kill -INT "$drv"
t_ok "4: INT while the USR2 is pending: the driver waits for the master" \
    'poll 10 phase_is "$pidf" rollback && alive "$drv"'
kill -CONT "$old"
poll 20 gone "$drv"
wait "$drv" 2>/dev/null
rc=$?
t_case "4: ... it QUITs the new master that then comes, exit 14" \
    'grep -q "QUIT sent to the new master" "$T_DIR/bg.err" && echo $rc' 14
t_ok "4: ... one generation: the old master, 2 workers, no .oldbin" \
    'poll 5 rolled_back "$pidf" "$old" && poll 10 nkids_is "$old" 2 &&
    answers "$port" && cmp "$BIN" "$FENIX"'
t_mended
kill -CONT "$old" 2>/dev/null
for p in $(kids "$old"); do
	T_PIDS="$T_PIDS $p"
done
stop "$pidf"
restore_bin

# winch_dies: fenix upgrade under strace, each kill() 1.5 s late; once
# it is in phase drain (its WINCH on the way), KILL the new master.  The
# driver's exit status in $rc.
winch_dies() {
	# LeakSanitizer cannot run under ptrace (make check SANITIZE=1).
	ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=kill \
	    -e inject=kill:delay_enter=1500000 \
	    "$FENIX" upgrade -p "$pidf" -b "$T_DIR/A" -w 20 \
	    >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" &
	drv=$!
	T_PIDS="$T_PIDS $drv"
	poll 20 phase_is "$pidf" drain
	nm=$(cat "$pidf")
	kill -KILL "$nm"
	poll 30 gone "$drv"
	wait "$drv" 2>/dev/null
	rc=$?
}

# hold_download: a client GETs an 8 MiB file and reads none of it until
# $T_DIR/go exists; returns once its request is in.
hold_download() {
	head -c 8388608 /dev/zero >"$W/big.bin"
	rm -f "$T_DIR/ready" "$T_DIR/go"
	start_bg python3 "$HERE/raw.py" noread "$port" /big.bin \
	    "$T_DIR/ready" "$T_DIR/go" 60 >"$T_DIR/noread.out" 2>&1
	poll 15 test -f "$T_DIR/ready"
}

# The new master dies as fenix upgrade sends WINCH (found by `make
# chaos`): the old master rolled back by itself first, then took the
# WINCH as a plain park and stopped its workers, and the driver reported
# "rolled back, 0 workers" (exit 10) with nobody serving.  strace delays
# each of the driver's kill() calls by 1.5 s, so that its WINCH lands
# after the old master's rollback.
if ! command -v strace >/dev/null; then
	t_skipping "strace not installed"
elif ! serve crossed; then
	t_broken "server did not start"
fi
if [ -z "$T_SKIPPING" ] && [ -z "$T_BROKEN" ]; then
	old=$master
	winch_dies
fi
t_case "4: the new master dies as WINCH is sent: exit 10" 'echo $rc' 10
t_ok "4: ... the old master serves with its 2 workers again" \
    'poll 10 nkids_is "$old" 2 && rolled_back "$pidf" "$old" &&
    answers "$port" && cmp "$BIN" "$FENIX"'
t_mended
stop "$pidf"
restore_bin

# The same race while a client stalls a download (CI, under ASan): the
# worker serving it retires slowly, and the driver, counting it as a
# live worker, took the old master for unparked and left it with none.
# A new worker (one not there at WINCH) must come and serve.
if [ -z "$T_SKIPPING" ] && ! serve slowwinch -o shutdown_timeout=60; then
	t_broken "server did not start"
fi
if [ -z "$T_SKIPPING" ] && [ -z "$T_BROKEN" ]; then
	old=$master
	ows=$(kids "$old")
	hold_download
	winch_dies
fi
# fresh_kid OLD: OLD has a child that was not among $ows.
fresh_kid() {
	for f_k in $(kids "$1"); do
		case " $(echo $ows) " in *" $f_k "*) ;; *) return 0 ;; esac
	done
	return 1
}
t_case "4: ... with a download stalled in an old worker: exit 10" \
    'echo $rc' 10
t_ok "4: ... the old master starts new workers and serves" \
    'poll 10 fresh_kid "$old" && rolled_back "$pidf" "$old" &&
    answers "$port"'
touch "$T_DIR/go"
t_ok "4: ... the download ends whole, then 2 workers" \
    'poll 30 grep -q . "$T_DIR/noread.out" &&
    grep -qx "200 8388608" "$T_DIR/noread.out" && poll 10 nkids_is "$old" 2'
t_mended
stop "$pidf"
rm -f "$W/big.bin"

# A HUP to the old master during the drain (a reload from a config
# tool) gives it workers again: the driver WINCHes them too instead of
# waiting 60 s.  A stalled download holds the drain open meanwhile.
if [ -z "$T_SKIPPING" ] && ! serve hupdrain -o shutdown_timeout=60; then
	t_broken "server did not start"
fi
if [ -z "$T_BROKEN" ]; then
	old=$master
	hold_download
	bg_upgrade -p "$pidf" -b "$T_DIR/A" -w 0
	poll 20 phase_is "$pidf" drain
	poll 10 nkids_is "$old" 2	# the new master, the held worker
	ows=$(kids "$old")
	kill -HUP "$old"
fi
t_ok "4: HUP to the old master in the drain: the driver WINCHes again" \
    'poll 10 grep -q "WINCH sent again" "$T_DIR/bg.err"'
t_ok "... the workers the HUP started stop, the held one stays" \
    'poll 10 nkids_is "$old" 2 && ! fresh_kid "$old"'
touch "$T_DIR/go"
poll 30 gone "$drv"
wait "$drv" 2>/dev/null
rc=$?
t_case "... the download ends whole, and the upgrade then: exit 0" \
    'poll 10 grep -q . "$T_DIR/noread.out"; cat "$T_DIR/noread.out";
    echo $rc' "200 8388608
0"
t_mended
kill "$drv" 2>/dev/null
adopt "$pidf"
stop "$pidf"
rm -f "$W/big.bin"
restore_bin

# A driver killed between writing phase drain and sending WINCH (found
# by `make chaos`): the next run resumed the drain and waited 60 s for
# old workers that nobody had told to stop.  strace holds the WINCH.
if ! command -v strace >/dev/null; then
	t_skipping "strace not installed"
elif ! serve nowinch; then
	t_broken "server did not start"
fi
if [ -z "$T_SKIPPING" ] && [ -z "$T_BROKEN" ]; then
	old=$master
	# LeakSanitizer cannot run under ptrace (make check SANITIZE=1).
	ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=kill \
	    -e inject=kill:delay_enter=1500000 \
	    "$FENIX" upgrade -p "$pidf" -w 20 >"$T_DIR/bg.out" 2>&1 &
	drv=$!
	T_PIDS="$T_PIDS $drv"
	poll 20 phase_is "$pidf" drain
	nm=$(cat "$pidf")
	T_PIDS="$T_PIDS $nm"
	kill -KILL $(kids "$drv")
	wait "$drv" 2>/dev/null
	upgrade -p "$pidf" -w 0
fi
t_case "4: KILLed after phase drain, before WINCH: the next run: 0" \
    'echo $up_rc; [ $up_rc -eq 0 ] || cat "$T_DIR/up.err"' 0
t_ok "4: ... one master, the new one, no .oldbin, no state" \
    'poll 10 upgraded "$pidf" "$old" && pidfile_is "$pidf" "$nm" &&
    [ ! -e "$pidf.upgrade" ]'
t_mended
stop "$pidf"
restore_bin

# A QUIT that reaches a worker before its signalfd is open (the old
# master's WINCH, or PDEATHSIG) was discarded when the master had been
# started with QUIT ignored, as a script's background job is (found by
# `make chaos`: the old worker never drained, fenix upgrade waited in
# its drain phase for good).  strace holds each worker 1 s in prctl().
if ! command -v strace >/dev/null; then
	t_skipping "strace not installed"
fi
if [ -z "$T_SKIPPING" ]; then
	port=$(free_port)
	ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e trace=prctl \
	    -e inject=prctl:delay_exit=1000000 \
	    sh -c 'trap "" QUIT INT; exec "$0" "$@"' "$BIN" server \
	    -l "127.0.0.1:$port" -r "$W" -w 2 -p "$T_DIR/ign.pid" \
	    -e "$T_DIR/ign.err" </dev/null &
	st=$!
	T_PIDS="$T_PIDS $st"
	poll 10 nkids_is "$st" 1
	ign=$(kids "$st")
	T_PIDS="$T_PIDS $ign"
	poll 10 nkids_is "$ign" 2
	ws=$(kids "$ign")
	T_PIDS="$T_PIDS $ws"
	kill -QUIT $ws
fi
t_ok "4: a worker QUIT while it starts drains and exits (QUIT ignored)" \
    '[ -n "$ws" ] && poll 10 all_gone $ws'
t_mended
stop "$T_DIR/ign.pid"

# kill_case NAME: SIGKILL fenix upgrade while baking; the state stays.
kill_case() {
	if ! serve "$1"; then
		t_broken "server did not start"
	fi
	old=$master
	bg_upgrade -p "$pidf" -b "$T_DIR/A" -w 20
	poll 10 phase_is "$pidf" bake
	nm=$(cat "$pidf")
	T_PIDS="$T_PIDS $nm"
	kill -KILL "$drv"
	wait "$drv" 2>/dev/null
}
kill_case k1
t_ok "4: status shows an interrupted upgrade: phase, driver gone" \
    '"$FENIX" status -p "$pidf" >"$T_DIR/st.out"; cat "$T_DIR/st.out";
    grep -q "interrupted upgrade: phase bake, driver pid $drv gone" "$T_DIR/st.out"'
t_case "4: status -j: driver phase and running" \
    '"$FENIX" status -p "$pidf" -j | python3 -c "import json, sys
d = json.load(sys.stdin)[\"driver\"]
print(d[\"phase\"], d[\"running\"], d[\"pid\"] == $drv)"' "bake False True"
upgrade -p "$pidf" -w 0
t_case "4: after a KILL while baking, the next run finishes: exit 0" \
    'echo $up_rc; [ $up_rc -eq 0 ] || cat "$T_DIR/up.err"' 0
t_ok "4: ... one master, the new one, no .oldbin, no state" \
    'poll 10 upgraded "$pidf" "$old" && pidfile_is "$pidf" "$nm" &&
    [ ! -e "$pidf.upgrade" ] && cmp "$BIN" "$T_DIR/A"'
t_mended
stop "$pidf"
restore_bin

kill_case k2
kill -KILL "$nm"	# the new generation is not healthy any more
# Dead, not dying: a run that looked while it was would find it alive,
# finish, then roll back as in a bake (10), not find it gone (15).
poll 10 gone "$nm"
upgrade -p "$pidf" -w 0
t_case "4: after a KILL, a dead new master: the next run rolls back: 15" \
    'echo $up_rc; [ $up_rc -eq 15 ] || cat "$T_DIR/up.err"' 15
t_ok "4: ... the old master serves, the previous binary back" \
    'poll 5 rolled_back "$pidf" "$old" && poll 5 nkids_is "$old" 2 &&
    answers "$port" && cmp "$BIN" "$FENIX" && [ ! -e "$pidf.upgrade" ]'
t_mended
stop "$pidf"
restore_bin

kill_case k3
upgrade -p "$pidf" --abort
t_case "4: --abort after a KILL: exit 15" \
    'echo $up_rc; [ $up_rc -eq 15 ] || cat "$T_DIR/up.err"' 15
t_ok "4: ... rolled back to the old master, the previous binary back" \
    'poll 5 rolled_back "$pidf" "$old" && poll 5 gone "$nm" &&
    cmp "$BIN" "$FENIX"'
t_mended
stop "$pidf"
restore_bin

# KILL while waiting for a new master that never gets ready.
if serve k4; then
	old=$master
	fake hang 'exec tail -f /dev/null'
	bg_upgrade -p "$pidf" -b "$T_DIR/hang" -t 60 -w 0
	poll 10 phase_is "$pidf" start
	poll 5 test -e "$pidf.oldbin"
	kill -KILL "$drv"
	wait "$drv" 2>/dev/null
	upgrade -p "$pidf" -w 0
	t_case "4: after a KILL during the start, the next run rolls back: 15" \
	    'echo $up_rc; [ $up_rc -eq 15 ] || cat "$T_DIR/up.err"' 15
	t_ok "4: ... the old master again, the previous binary back" \
	    'poll 10 rolled_back "$pidf" "$old" && cmp "$BIN" "$FENIX" &&
	    [ "$(nkids "$old")" -eq 2 ]'
	stop "$pidf"
else
	t_broken "server did not start"
	t_ok "4: after a KILL during the start, the next run rolls back: 15" true
	t_ok "4: ... the old master again, the previous binary back" true
	t_mended
fi
restore_bin

# ------------------------------------------------ 6. the probe
# The new binary serves another (empty) root: / answers 4xx there.  The
# old workers would answer 200 on the shared port; the probe must ask
# the new generation itself and roll back before WINCH.
fake bad "exec \"$FENIX\" \"\$@\" -r \"$T_DIR/empty\""
if serve probe; then
	old=$master
	ows=$(kids "$old")
	upgrade -p "$pidf" -b "$T_DIR/bad" -w 0
	t_case "6: a new binary that answers 4xx: exit 12 (probe, before WINCH)" \
	    'echo $up_rc; [ $up_rc -eq 12 ] || cat "$T_DIR/up.err"' 12
	t_ok "6: ... the old workers never stopped" \
	    'poll 5 rolled_back "$pidf" "$old" && all_alive=1 &&
	    for w in $ows; do alive $w || exit 1; done'
	t_ok "6: ... the previous binary back" 'cmp "$BIN" "$FENIX"'
	t_ok "6: the probe socket answers for its master" \
	    'python3 -c "import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(\"\\0fenix-probe/$old\")
s.sendall(b\"GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n\")
sys.exit(0 if s.recv(64).startswith(b\"HTTP/1.1 200\") else 1)"'
	t_ok "6: the probe socket is not passed on in NGINX" \
	    '! tr "\0" "\n" <"/proc/$old/environ" | grep -q "^NGINX=" ||
	    true; upgrade -p "$pidf" -w 0; n=$(cat "$pidf"); adopt "$pidf"
	    for f in $(tr "\0" "\n" <"/proc/$n/environ" |
	        sed -n "s/^NGINX=//p" | tr ";" " "); do
		grep -q "$(readlink /proc/$n/fd/$f | tr -dc 0-9)" /proc/net/unix &&
		    exit 1
	    done; [ $up_rc -eq 0 ]'
	stop "$pidf"
else
	t_broken "server did not start"
	for c in 1 2 3 4 5; do t_ok "6: probe ($c)" true; done
	t_mended
fi
restore_bin

# ------------------------------------------------ 12. pid files
# A symlink planted under the temp name: the victim file is untouched.
echo "precious" >"$T_DIR/precious"
port=$(free_port)
sh -c 'ln -s "$1" "$2.tmp$$"; exec "$3" server -l "127.0.0.1:$4" -r "$5" \
    -w 1 -p "$2" -e "$6"' sh "$T_DIR/precious" "$T_DIR/sym.pid" "$BIN" \
    "$port" "$W" "$T_DIR/sym.err" </dev/null &
symm=$!
T_PIDS="$T_PIDS $symm"
poll 10 pidfile_is "$T_DIR/sym.pid" "$symm"
t_case "12: a symlink planted at the temp name: the victim is untouched" \
    'cat "$T_DIR/precious"' precious
t_ok "12: ... the pid file is a regular file naming the master" \
    '[ -f "$T_DIR/sym.pid" ] && [ ! -L "$T_DIR/sym.pid" ] &&
    pidfile_is "$T_DIR/sym.pid" "$symm"'
stop "$T_DIR/sym.pid"
mkfifo "$T_DIR/fifo.pid"
t_case "12: status of a FIFO pid file: exit 4 at once, not a hang" \
    'timeout 5 "$FENIX" status -p "$T_DIR/fifo.pid"; echo $?' \
    "fenix: cannot tell ($T_DIR/fifo.pid): $T_DIR/fifo.pid is not a regular file
4"
# (Never cat a FIFO here: with no writer, the reader would hang too.)
mkfifo "$T_DIR/fifo2.pid"
port=$(free_port)
start_bg "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/fifo2.pid" -e "$T_DIR/fifo2.err" </dev/null
fm=$T_LAST
if poll 10 test -f "$T_DIR/fifo2.pid" && poll 5 answers "$port"; then
	t_pass "12: server with a FIFO at the pid file path starts"
else
	t_fail "12: server with a FIFO at the pid file path starts" \
	    "$T_DIR/fifo2.err"
fi
kill -TERM "$fm" 2>/dev/null
poll 10 gone "$fm"
if command -v setpriv >/dev/null 2>&1; then
	pre=; [ -e /tmp/fenix-65534 ] && pre=1
	t_case "12: the non-root default pid file: a private 0700 directory" \
	    'env -u XDG_RUNTIME_DIR setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$FENIX" status | sed "s/^fenix: not running //";
	    stat -c "%a %u" /tmp/fenix-65534' \
	    "(/tmp/fenix-65534/fenix.pid)
700 65534"
	[ -z "$pre" ] && rm -rf /tmp/fenix-65534
else
	t_skip "12: the non-root default pid file" "no setpriv"
fi

# ------------------------------------------------ 13. /proc hides it
if serve hide; then
	chmod 755 "$T_DIR"
	chmod 644 "$pidf"
	hidden() {
		unshare -m --propagation private sh -c \
		    'mount -t proc -o hidepid=2 proc /proc && exec setpriv \
		    --reuid=65534 --regid=65534 --clear-groups "$@"' sh "$@"
	}
	if hidden true 2>/dev/null; then
		t_case "13: status where /proc hides the master: exit 4" \
		    'hidden "$FENIX" status -p "$pidf"; echo $?' \
		    "fenix: cannot tell ($pidf): /proc does not show pid $master (hidepid, or another user's process)
4"
		t_case "13: status -j there: an object with an error, exit 4" \
		    'hidden "$FENIX" status -j -p "$pidf" | python3 -c "import json, sys
j = json.load(sys.stdin)
print(j[\"code\"], j[\"error\"] is not None)"' "4 True"
		t_case "13: upgrade there refuses: exit 22, says why" \
		    'hidden "$FENIX" upgrade -p "$pidf" -w 0 2>&1 |
		    grep -c "cannot tell"; hidden "$FENIX" upgrade -p "$pidf" \
		    -w 0 2>/dev/null; echo $?' "1
22"
	else
		t_skipping "cannot mount a hidepid /proc (unshare -m)"
		for c in 1 2 3; do t_ok "13: hidepid ($c)" true; done
		t_mended
	fi
	chmod 700 "$T_DIR"
	stop "$pidf"
else
	t_broken "server did not start"
	for c in 1 2 3; do t_ok "13: hidepid ($c)" true; done
	t_mended
fi

# ------------------------------------------------ 16. exit codes, status
# USR2 refused (the master cannot find its executable): 22, not 10.
port=$(free_port)
start_bg python3 -c 'import os, sys
os.execve(sys.argv[1], ["server"] + sys.argv[2:],
          dict(os.environ, PATH="/nonexistent"))' "$BIN" -l "127.0.0.1:$port" \
    -r "$W" -w 1 -p "$T_DIR/nox.pid" -e "$T_DIR/nox.err" </dev/null 2>/dev/null
nox=$T_LAST
if poll 10 pidfile_is "$T_DIR/nox.pid" "$nox"; then
	upgrade -p "$T_DIR/nox.pid" -w 0
	t_case "16: USR2 refused (no executable): exit 22" \
	    'echo $up_rc; [ $up_rc -eq 22 ] || cat "$T_DIR/up.err"' 22
	t_ok "16: ... the server serves on" \
	    'pidfile_is "$T_DIR/nox.pid" "$nox" && answers "$port"'
	stop "$T_DIR/nox.pid"
else
	t_fail "16: USR2 refused (no executable): exit 22" "$T_DIR/nox.err"
	t_fail "16: ... the server serves on"
fi
printf 'junk\n' >"$T_DIR/junk.pid"
t_case "16: status of a junk pid file names it" \
    '"$FENIX" status -p "$T_DIR/junk.pid"; echo $?' \
    "fenix: cannot tell ($T_DIR/junk.pid): $T_DIR/junk.pid holds no pid
4"
t_case "16: status -j of a junk pid file: a JSON object with an error" \
    '"$FENIX" status -j -p "$T_DIR/junk.pid" | python3 -c "import json, sys
j = json.load(sys.stdin)
print(j[\"code\"], j[\"error\"])"' "4 $T_DIR/junk.pid holds no pid"
ln -s "$T_DIR/junk.pid" "$T_DIR/link.pid"
t_case "16: status of a symlinked pid file: exit 4, says so" \
    '"$FENIX" status -p "$T_DIR/link.pid" | grep -c "symbolic link"' 1
if command -v setpriv >/dev/null 2>&1; then
	t_case "16: status of an unreadable pid file: exit 4, names the error" \
	    'setpriv --reuid=65534 --regid=65534 --clear-groups "$FENIX" status \
	    -p "$T_DIR/junk.pid"; echo $?' \
	    "fenix: cannot tell ($T_DIR/junk.pid): $T_DIR/junk.pid: Permission denied
4"
else
	t_skip "16: status of an unreadable pid file" "no setpriv"
fi
bad=$(printf '%s/\377\376.pid' "$T_DIR")
t_case "16: status -j escapes a pid file name that is not UTF-8" \
    '"$FENIX" status -j -p "$bad" | python3 -c "import json, sys
j = json.loads(sys.stdin.buffer.read().decode(\"utf-8\"))
print(j[\"code\"], j[\"pidfile\"].endswith(\"/\u00ff\u00fe.pid\"))"' "3 True"
if serve lh; then
	t_case "16: status -u http://localhost:PORT/ works" \
	    '"$FENIX" status -q -p "$pidf" -u "http://localhost:$port/"; echo $?' 0
	stop "$pidf"
else
	t_fail "16: status -u http://localhost:PORT/ works"
fi

t_exit
