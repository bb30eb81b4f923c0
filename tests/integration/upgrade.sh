#!/bin/sh
# SPDX-License-Identifier: MIT
# The hot upgrade: USR2 by hand (pid files, environment, inherited fds),
# rollback by hand, `fenix upgrade` (happy path, under load, each rollback
# and refusal), an invocation through a symlink in PATH, socket activation,
# bad NGINX values, and `fenix status`.
# The server runs from a copy, $T_DIR/bin/fenix, that the cases replace;
# $FENIX itself is never touched.  Every server has its own pid file.
. "$(dirname "$0")/lib.sh"
plan 105
optional APPLET_UPGRADE
optional APPLET_STATUS

HERE=$(cd "$(dirname "$0")" && pwd)
unset NGINX FENIX_GENERATION LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
W=$T_DIR/www
BIN=$T_DIR/bin/fenix
mkdir -p "$W" "$T_DIR/bin" "$T_DIR/path" "$T_DIR/new"
printf 'upgrade test\n' >"$W/index.html"
cp "$FENIX" "$BIN"

# ------------------------------------------------------------- helpers

# new_pid FILE OLD: FILE names a live process other than OLD.
new_pid() {
	n_p=$(cat "$1" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$2" ] && alive "$n_p"
}

# rolled_back PIDFILE OLD: the pid file names OLD again, no .oldbin.
rolled_back() {
	pidfile_is "$1" "$2" && [ ! -e "$1.oldbin" ]
}

# gen PID: FENIX_GENERATION in its environment (1 without it).
gen() {
	g_v=$(tr '\0' '\n' <"/proc/$1/environ" | sed -n 's/^FENIX_GENERATION=//p')
	echo "${g_v:-1}"
}

# ours: every running process whose executable is under $T_DIR/bin,
# sorted (the masters and workers of this script's servers).
ours() {
	for o_d in /proc/[0-9]*; do
		o_e=$(readlink "$o_d/exe" 2>/dev/null) || continue
		case $o_e in
		"$T_DIR/bin/"*) alive "${o_d#/proc/}" && echo "${o_d#/proc/}" ;;
		esac
	done | sort -n
}

# family PID: PID and its children, sorted.
family() {
	{ echo "$1"; kids "$1"; } | sort -n
}

# serve NAME ARGS...: $BIN server on a free port ($port), root $W.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start_cmd "$s_n" "$BIN" server -l "127.0.0.1:$port" -r "$W" \
	    -p "$T_DIR/$s_n.pid" -e "$T_DIR/$s_n.err" "$@" || return 1
	if ! poll 5 answers "$port"; then
		t_note "server $s_n does not answer" "$errf"
		return 1
	fi
}

# adopt PIDFILE: remember the master the pid file names (a new
# generation is no child of ours) for the cleanup.
adopt() {
	a_m=$(cat "$1" 2>/dev/null) && T_PIDS="$T_PIDS $a_m"
}

# stop PIDFILE: TERM the master it names, wait until it is gone.
stop() {
	s_m=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$s_m" 2>/dev/null
	poll 10 gone "$s_m"
}

# restore_bin: the real binary back at $BIN (after a fake was installed).
restore_bin() {
	cp "$FENIX" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
}

# upgrade ARGS...: fenix upgrade; status in $up_rc, stderr in
# $T_DIR/up.err.  Bounded: an upgrade hung for 15 s counts as exit 124.
upgrade() {
	timeout 15 "$FENIX" upgrade "$@" >"$T_DIR/up.out" 2>"$T_DIR/up.err"
	up_rc=$?
}

# fake NAME BODY: an executable sh script $T_DIR/NAME.
fake() {
	printf '#!/bin/sh\n%s\n' "$2" >"$T_DIR/$1"
	chmod 755 "$T_DIR/$1"
}

# The fds of a new master against the old one's: each must be 0-2, one
# of the old master's listening sockets, its counters region, or its own
# (sharing no open file description with the old master:
# kcmp(KCMP_FILE)).  Exit 2: no kcmp.
cat >"$T_DIR/fdcheck.py" <<'EOF'
import ctypes, errno, os, sys
old, new = int(sys.argv[1]), int(sys.argv[2])
nr = {"x86_64": 312, "aarch64": 272, "riscv64": 272, "i686": 349,
      "armv7l": 378, "ppc64le": 354, "s390x": 343}.get(os.uname().machine)
libc = ctypes.CDLL(None, use_errno=True)

def fds(p):
    return sorted(int(f) for f in os.listdir("/proc/%d/fd" % p))

def target(p, f):
    try:
        return os.readlink("/proc/%d/fd/%d" % (p, f))
    except OSError:
        return "?"

listening = set()
for f in ("tcp", "tcp6"):
    try:
        with open("/proc/%d/net/%s" % (old, f)) as fp:
            for line in fp.readlines()[1:]:
                x = line.split()
                if x[3] == "0A":
                    listening.add("socket:[%s]" % x[9])
    except OSError:
        pass
olds = [o for o in fds(old) if target(old, o) in listening]
news = set()
bad = []
for n in fds(new):
    if n <= 2:
        continue
    t = target(new, n)
    shared = []
    for o in fds(old):
        if nr is None:
            print("no kcmp on this machine")
            sys.exit(2)
        r = libc.syscall(nr, old, new, 0, o, n)
        if r == 0:
            shared.append(o)
        elif ctypes.get_errno() in (errno.ENOSYS, errno.EPERM, errno.EACCES):
            print("kcmp: %s" % os.strerror(ctypes.get_errno()))
            sys.exit(2)
    if shared and t in listening:
        news.add(t)
    elif shared and t.startswith("/memfd:fenix-counters"):
        pass  # the counters region, passed on on purpose
    elif shared:
        bad.append("fd %d -> %s (the old master's fd %s)" %
                   (n, t, ",".join(map(str, shared))))
for o in olds:
    if target(old, o) not in news:
        bad.append("old listener fd %d %s missing" % (o, target(old, o)))
if not olds:
    bad.append("the old master has no listening socket")
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
EOF

# ------------------------------------------------ USR2 by hand
# The old master is started with an extra open fd 3 (no FD_CLOEXEC) on
# a marker file: it closes it at startup (not a listener), so it cannot
# reach the workers or the new master.
port2=$(free_port)
: >"$T_DIR/leak-marker"
serve hand -w 2 -l "127.0.0.1:$port2" 3<"$T_DIR/leak-marker" ||
    t_broken "server hand did not start"
old=$master
ows=$(kids "$old")
t_ok "the old master closed the marker it was started with on fd 3" \
    '! ls -l "/proc/$old/fd" | grep -q "$T_DIR/leak-marker"'
kill -USR2 "$old"
t_ok "USR2: the pid file names a new master" \
    'poll 10 new_pid "$pidf" "$old"'
new=$(cat "$pidf")
T_PIDS="$T_PIDS $new"
t_case "USR2: PIDFILE.oldbin holds the old pid" 'cat "$pidf.oldbin"' \
    "$old"
t_case "USR2: the new master is the old one's child" \
    'awk "/^PPid:/{print \$2}" "/proc/$new/status"' "$old"
t_ok "USR2: the new master has FENIX_GENERATION=2 in its environ" \
    'tr "\0" "\n" <"/proc/$new/environ" | grep -qx FENIX_GENERATION=2'
# /proc/PID/environ is the block execve gave: it has the NGINX that
# the old master passed; each fd it names is a socket of the new one.
t_ok "USR2: NGINX in the new master's exec environment names sockets" \
    'v=$(tr "\0" "\n" <"/proc/$new/environ" | sed -n "s/^NGINX=//p")
    [ -n "$v" ] && for fd in $(echo "$v" | tr ";:" "  "); do
	case $(readlink "/proc/$new/fd/$fd") in
	socket:*) ;; *) exit 1 ;; esac; done'
t_ok "USR2: the new master's workers are up" \
    'poll 5 nkids_is "$new" 2'
t_ok "no fd of the old master leaks into the new one" \
    'for f in /proc/$new/fd/*; do
	[ "$(readlink "$f")" != "$T_DIR/leak-marker" ] ||
	    { echo "${f##*/} -> the marker"; exit 1; }
    done'
python3 "$T_DIR/fdcheck.py" "$old" "$new" >"$T_DIR/fdcheck.out" 2>&1
fdrc=$?
if [ $fdrc -eq 2 ]; then
	t_skip "every fd of the new master: 0-2, a listener or its own" \
	    "$(cat "$T_DIR/fdcheck.out")"
else
	t_ok "every fd of the new master: 0-2, a listener or its own" \
	    'cat "$T_DIR/fdcheck.out"; [ $fdrc -eq 0 ]'
fi

# While parked: status, a refused upgrade, a refused second USR2.
t_case "status during the upgrade: exit 0" \
    '"$FENIX" status -p "$pidf" >"$T_DIR/st.txt" 2>&1; echo $?' 0
t_ok "status text: upgrade in progress, both masters" \
    'cat "$T_DIR/st.txt"
    grep -q "upgrade in progress" "$T_DIR/st.txt" &&
    grep -q "^master: pid $new," "$T_DIR/st.txt" &&
    grep -q "^old master: pid $old," "$T_DIR/st.txt"'
t_case "status -j: upgrade.old_master is the old master" \
    '"$FENIX" status -p "$pidf" -j | python3 -c "import json, sys
j = json.load(sys.stdin)
print(j[\"master\"][\"pid\"], j[\"upgrade\"][\"old_master\"][\"pid\"])"' \
    "$new $old"
upgrade -p "$pidf" -w 0
t_case "fenix upgrade during a parked upgrade: exit 20" \
    'echo $up_rc' 20
t_case "... and changes nothing" \
    'cat "$pidf" "$pidf.oldbin"' "$new
$old"
before=$(kids "$old")
kill -USR2 "$old"
t_ok "a second USR2 to the old master: \"USR2 refused\" logged" \
    'poll 5 grep_file "USR2 refused" "$errf"'
t_case "... the old master's children unchanged (no third master)" \
    'kids "$old"' "$before"
t_case "... the pid files unchanged" 'cat "$pidf" "$pidf.oldbin"' \
    "$new
$old"

# Finish by hand: WINCH, QUIT.
kill -WINCH "$old"
t_ok "WINCH: the old workers go" 'poll 10 all_gone $ows'
t_case "WINCH: the old master keeps only the new master as child" \
    'kids "$old"' "$new"
t_ok "WINCH: the new generation answers on both ports" \
    'answers "$port" && answers "$port2"'
kill -QUIT "$old"
t_ok "QUIT: the old master exits" 'poll 10 gone "$old"'
wait "$old"
old_rc=$?
t_case "QUIT: the old master's exit status is 0" 'echo $old_rc' 0
t_ok "the new master serves alone, on both ports" \
    'answers "$port" && answers "$port2"'
t_case "the pid file names the new master; .oldbin is gone" \
    'cat "$pidf"; ls "$pidf.oldbin" 2>/dev/null' "$new"
master=$new
t_mended

# ------------------------------------------------ rollback by hand
[ -n "${new:-}" ] && alive "$new" ||
    t_broken "setup failed: [ -n '${new:-}' ] && alive '$new'"
m=$new
mws=$(kids "$m")
fake exit1 'exit 1'
cp "$T_DIR/exit1" "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
load_start rbhand "$port" --conns 16
kill -USR2 "$m"
t_ok "rollback by hand: the new master failed (logged)" \
    'poll 10 grep_file "new master .* exited with 1: rolling back" "$errf"'
t_ok "rollback by hand: the pid file names the old master again, no .oldbin" \
    'poll 10 rolled_back "$pidf" "$m"'
t_case "rollback by hand: the same workers serve on" 'kids "$m"' "$mws"
load_stop rbhand
t_ok "rollback by hand: the port answered throughout (failed 0)" \
    'load_ok rbhand'
restore_bin
t_mended

# ------------------------------------------------ fenix upgrade
[ -n "${new:-}" ] && alive "$new" ||
    t_broken "setup failed: [ -n '${new:-}' ] && alive '$new'"
m=$new
g=$(gen "$m")
cp "$FENIX" "$T_DIR/new/fenix"
printf 'not the same bytes\n' >>"$T_DIR/new/fenix"	# still runs
upgrade -p "$pidf" -w 0 -b "$T_DIR/new/fenix"
t_case "fenix upgrade -b NEW: exit 0" \
    'echo $up_rc; [ $up_rc -eq 0 ] || cat "$T_DIR/up.err"' 0
adopt "$pidf"
n=$(cat "$pidf")
t_ok "fenix upgrade: the old master is gone" 'poll 5 gone "$m"'
t_ok "fenix upgrade: the pid file names the new master" \
    '[ "$n" != "$m" ] && alive "$n"'
t_case "fenix upgrade: the generation increments" 'gen "$n"' $((g + 1))
qemu_skipping "/proc/PID/exe of an emulated process is the emulator"
t_case "fenix upgrade: the new master runs the installed path" \
    'readlink "/proc/$n/exe"' "$BIN"
qemu_done
t_ok "fenix upgrade: the installed binary is NEW" \
    'cmp "$BIN" "$T_DIR/new/fenix"'
t_ok "fenix upgrade: PATH.old is the previous binary" \
    'cmp "$BIN.old" "$FENIX"'
t_ok "fenix upgrade: no .oldbin left" '[ ! -e "$pidf.oldbin" ]'
t_ok "fenix upgrade: the new generation answers" 'answers "$port"'
restore_bin
t_mended

# ------------------------------------------------ upgrades under load
# rounds N: N `fenix upgrade -w 0` back to back; prints the failures.
rounds() {
	r_i=0
	while [ $r_i -lt "$1" ]; do
		timeout 20 "$FENIX" upgrade -p "$pidf" -w 0 \
		    >/dev/null 2>"$T_DIR/round.err"
		r_rc=$?
		adopt "$pidf"
		if [ $r_rc -ne 0 ]; then
			echo "round $r_i: exit $r_rc"
			sed 's/^/    /' "$T_DIR/round.err"
		fi
		r_i=$((r_i + 1))
	done
}

for mode in keepalive close; do
	m=$(cat "$pidf" 2>/dev/null)
	[ -n "$m" ] && alive "$m" ||
	    t_broken "upgrades under load ($mode): no server"
	g=$(gen "$m")
	if [ $mode = close ]; then
		load_start "ul$mode" "$port" --conns 16 --close
	else
		load_start "ul$mode" "$port" --conns 16
	fi
	rounds 20 >"$T_DIR/rounds.out"
	load_stop "ul$mode"
	t_ok "20 upgrades under load ($mode): every round exit 0" \
	    'cat "$T_DIR/rounds.out"; [ ! -s "$T_DIR/rounds.out" ]'
	t_ok "20 upgrades under load ($mode): failed 0" "load_ok ul$mode"
	n=$(cat "$pidf")
	t_case "20 upgrades under load ($mode): generation $((g + 20))" \
	    'gen "$n"' $((g + 20))
	qemu_skipping "/proc/PID/exe of an emulated process is the emulator"
	t_ok "20 upgrades under load ($mode): one master and its workers left" \
	    'poll 5 nkids_is "$n" 2
	    o=$(ours); f=$(family "$n"); echo "ours: $o"; echo "master: $f"
	    [ "$o" = "$f" ]'
	qemu_done
	t_mended
done

# ------------------------------------------------ rollbacks under load
# rollback_case NAME FAKE CODE PHASE [UPGRADE_ARGS...]: fenix upgrade -b
# FAKE under load: exit CODE, stderr names PHASE, the old master again.
rollback_case() {
	rc_name=$1 rc_fake=$2 rc_code=$3 rc_phase=$4
	rc_id=rb$(printf '%s' "$1" | tr -c 'a-z0-9' _)
	shift 4
	m=$(cat "$pidf" 2>/dev/null)
	[ -n "$m" ] && alive "$m" || t_broken "rollback ($rc_name): no server"
	mws=$(kids "$m")
	load_start "$rc_id" "$port" --conns 16
	rc_log=$(wc -l <"$errf")
	upgrade -p "$pidf" -w 0 -b "$rc_fake" "$@"
	t_case "rollback ($rc_name): exit $rc_code" \
	    'echo $up_rc; [ $up_rc -eq $rc_code ] || cat "$T_DIR/up.err"' \
	    "$rc_code"
	t_ok "rollback ($rc_name): stderr names the phase \"$rc_phase\"" \
	    'cat "$T_DIR/up.err"; grep -q "$rc_phase" "$T_DIR/up.err"'
	t_ok "rollback ($rc_name): the pid file names the old master, no .oldbin" \
	    'poll 5 rolled_back "$pidf" "$m"'
	stray=$(kids "$m" | grep -vx "$(printf '%s\n' $mws)")
	# The old master logs the new one's pid when it reaps it.
	t_ok "rollback ($rc_name): the new process is stopped, reaped" \
	    'poll 5 all_gone $stray; echo "left: $stray"; all_gone $stray &&
	    poll 5 grep_new_master "$errf" "$rc_log" &&
	    gone "$(grep_new_master "$errf" "$rc_log")"'
	for s in $stray; do	# started by our server: ours to stop
		alive "$s" && kill -KILL "$s"
	done
	poll 5 rolled_back "$pidf" "$m"
	t_case "rollback ($rc_name): the old workers serve on" 'kids "$m"' \
	    "$mws"
	load_stop "$rc_id"
	t_ok "rollback ($rc_name): failed 0 under load" 'load_ok "$rc_id"'
	restore_bin
	t_mended
}

# grep_new_master ERRF LINES: the pid of the new master that the old
# one logged as exited after line LINES of ERRF (fails if none).
grep_new_master() {
	tail -n "+$(($2 + 1))" "$1" |
	    sed -n 's/.*new master \([0-9][0-9]*\) .*/\1/p' | tail -1 | grep .
}

fake exit1 'exit 1'
rollback_case "exits 1 at once" "$T_DIR/exit1" 10 "start failed"
fake late '# busy for 200 ms (no sleep), then fail
end=$(($(date +%s%N) / 1000000 + 200))
while [ $(($(date +%s%N) / 1000000)) -lt $end ]; do :; done
exit 1'
rollback_case "exits 1 after 200 ms" "$T_DIR/late" 10 "start failed"
fake hang 'exec tail -f /dev/null'
rollback_case "hangs, -t 1" "$T_DIR/hang" 11 "ready failed" -t 1

# Not executable: refused before anything happens.
m=$(cat "$pidf" 2>/dev/null)
[ -n "$m" ] && alive "$m" ||
    t_broken "setup failed: [ -n '$m' ] && alive '$m'"
printf '#!/bin/sh\nexit 0\n' >"$T_DIR/noexec"
chmod 644 "$T_DIR/noexec"
mws=$(kids "$m")
load_start rbnoexec "$port" --conns 16
upgrade -p "$pidf" -w 0 -b "$T_DIR/noexec"
load_stop rbnoexec
t_case "-b a non-executable file: exit 22" 'echo $up_rc' 22
t_ok "... the installed binary is unchanged" 'cmp "$BIN" "$FENIX"'
t_case "... the same master and workers, no .oldbin" \
    'cat "$pidf"; kids "$m"; ls "$pidf.oldbin" 2>/dev/null' \
    "$m
$mws"
t_ok "... failed 0 under load" 'load_ok rbnoexec'
t_mended

# ------------------------------------------------ status
m=$(cat "$pidf" 2>/dev/null)
[ -n "$m" ] && alive "$m" ||
    t_broken "setup failed: [ -n '$m' ] && alive '$m'"
t_case "status: exit 0 when running" \
    '"$FENIX" status -p "$pidf" >/dev/null 2>&1; echo $?' 0
t_ok "status -j is valid JSON" \
    '"$FENIX" status -p "$pidf" -j | python3 -m json.tool'
t_case "status -j: master pid, generation, listening, workers" \
    '"$FENIX" status -p "$pidf" -j | python3 -c "import json, sys
j = json.load(sys.stdin)
m = j[\"master\"]
print(m[\"pid\"], m[\"generation\"], \"127.0.0.1:$port\" in m[\"listening\"],
      \"127.0.0.1:$port2\" in m[\"listening\"], \" \".join(map(str, sorted(m[\"workers\"]))), j[\"upgrade\"])"' \
    "$m $(gen "$m") True True $(kids "$m" | tr '\n' ' ' | sed 's/ $//') None"
t_case "status -q: nothing printed, exit 0" \
    '"$FENIX" status -p "$pidf" -q 2>&1; echo $?' 0
t_case "status -u a healthy URL: exit 0" \
    '"$FENIX" status -p "$pidf" -q -u "http://127.0.0.1:$port/"; echo $?' 0
t_case "status -u a 404 path: exit 1" \
    '"$FENIX" status -p "$pidf" -q -u "http://127.0.0.1:$port/no-such-file"; echo $?' 1
stop "$pidf"
t_case "status after the server stopped: exit 3" \
    '"$FENIX" status -p "$pidf" -q; echo $?' 3
t_mended
t_case "status with no pid file: exit 3" \
    '"$FENIX" status -p "$T_DIR/none.pid" >/dev/null 2>&1; echo $?' 3
sh -c 'exit 0' &
dead=$!
wait "$dead"
printf '%s\n' "$dead" >"$T_DIR/dead.pid"
t_case "status with a pid file naming a dead pid: exit 1" \
    '"$FENIX" status -p "$T_DIR/dead.pid" >/dev/null 2>&1; echo $?' 1
printf 'junk\n' >"$T_DIR/junk.pid"
t_case "status with a junk pid file: exit 4" \
    '"$FENIX" status -p "$T_DIR/junk.pid" >/dev/null 2>&1; echo $?' 4
mkdir "$T_DIR/dir.pid"
t_case "status with an unreadable pid file (a directory): exit 4" \
    '"$FENIX" status -p "$T_DIR/dir.pid" >/dev/null 2>&1; echo $?' 4
upgrade -p "$T_DIR/none.pid"
t_case "fenix upgrade with no pid file: exit 21" 'echo $up_rc' 21

# ------------------------------------------------ argv[0] from PATH
ln -s "$BIN" "$T_DIR/path/server"
port=$(free_port)
start_cmd sym env PATH="$T_DIR/path:$PATH" server -l "127.0.0.1:$port" \
    -r "$W" -w 1 -p "$T_DIR/sym.pid" -e "$T_DIR/sym.err" &&
    poll 5 answers "$port" || t_broken "server sym did not start"
qemu_skipping "/proc/PID/cmdline starts with the emulator"
t_case "started as \"server\" from PATH (argv[0] has no /)" \
    'tr "\0" " " <"/proc/$master/cmdline" | cut -d" " -f1' server
qemu_done
upgrade -p "$pidf" -w 0
adopt "$pidf"
t_case "fenix upgrade of a server started through PATH: exit 0" \
    'echo $up_rc; [ $up_rc -eq 0 ] || cat "$T_DIR/up.err"' 0
t_ok "... the new master serves" \
    'n=$(cat "$pidf"); [ "$n" != "$master" ] && alive "$n" &&
    answers "$port"'
stop "$pidf"
t_mended

# ------------------------------------------------ socket activation
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
	t_skipping "no systemd-socket-activate (Debian package systemd)"
fi
port=$(free_port)
pidf=$T_DIR/sa.pid
[ -z "$T_SKIPPING" ] &&
    start_bg systemd-socket-activate -l "127.0.0.1:$port" "$BIN" server \
    -l "127.0.0.1:$port" -r "$W" -w 1 -p "$pidf" -e "$T_DIR/sa.err" \
    </dev/null >/dev/null 2>"$T_DIR/sa.stderr"
t_ok "socket activation: GET answers 200" 'poll 10 answers "$port"'
adopt "$pidf"
# (where the early log line goes is the NGINX cases' business)
t_ok "socket activation: the master adopted LISTEN_FDS fd 3" \
    'cat "$T_DIR/sa.err" "$T_DIR/sa.stderr" |
    grep -q "adopted 127.0.0.1:$port from LISTEN_FDS fd 3"'
[ -z "$T_SKIPPING" ] && stop "$pidf"
t_mended

# ------------------------------------------------ bad NGINX values
# launch.py KIND STDERR ARGS...: exec ARGS with NGINX set for KIND, fd 5
# made for it, no other fd above 2, stderr into the file STDERR.
cat >"$T_DIR/launch.py" <<'EOF'
import os, socket, sys
kind, errpath, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
obj = None
if kind == "file":
    fd = os.open(sys.argv[0], os.O_RDONLY)
elif kind == "udp":
    obj = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    obj.bind(("127.0.0.1", 0))
    fd = obj.fileno()
elif kind == "tcp":
    obj = socket.socket()
    obj.bind(("127.0.0.1", 0))
    fd = obj.fileno()
elif kind == "other":		# listening, but not a configured address
    obj = socket.socket()
    obj.bind(("127.0.0.1", 0))
    obj.listen(8)
    fd = obj.fileno()
else:
    fd = None
if fd is not None:
    os.dup2(fd, 5)
    env["NGINX"] = "5;"
else:
    env["NGINX"] = {"empty": "", "abc": "abc", "3;999;": "3;999;"}[kind]
err = os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.dup2(err, 2)
os.closerange(3, 5)
os.closerange(6, 1024)
os.execve(argv[0], argv, env)
EOF

# nginx_case KIND LOG_PATTERN
nginx_case() {
	port=$(free_port)
	nk=$(printf '%s' "$1" | tr -c 'a-z0-9' _)
	start_cmd "ng$nk" python3 "$T_DIR/launch.py" "$1" "$T_DIR/ng$nk.stderr" \
	    "$BIN" server \
	    -l "127.0.0.1:$port" -r "$W" -w 1 -p "$T_DIR/ng$nk.pid" \
	    -e "$T_DIR/ng$nk.err" || t_broken "server ng$nk did not start"
	t_ok "NGINX=\"$1\": the server starts and serves" \
	    'poll 5 answers "$port"'
	if [ -n "$2" ]; then
		pat=$2		# inside t_ok, $2 is t_ok's own argument
		t_ok "NGINX=\"$1\": the error log (-e) names the bad entry" \
		    'grep -q -- "$pat" "$errf" || {
			echo "not in the error log $errf:"; cat "$errf"
			echo "stderr of the server:"; cat "$T_DIR/ng$nk.stderr"
			exit 1; }'
	fi
	t_ok "NGINX=\"$1\": the listener was bound, not adopted" \
	    'grep -q "listening on 127.0.0.1:$port" "$errf" &&
	    ! grep -q adopted "$errf"'
	stop "$pidf"
	t_mended
}

nginx_case empty ""
nginx_case abc "inherited fd 'abc': not a number"
nginx_case "3;999;" "NGINX fd 3: not open"
t_ok "NGINX=\"3;999;\": fd 999 named too (error log or stderr)" \
    'cat "$T_DIR/ng3_999_.err" "$T_DIR/ng3_999_.stderr" |
    grep -q "NGINX fd 999: not open"'
nginx_case file "NGINX fd 5: not a stream socket"
nginx_case udp "NGINX fd 5: not a stream socket"
nginx_case tcp "NGINX fd 5: not a listening socket"
nginx_case other "NGINX fd 5: 127.0.0.1:[0-9]* is not configured, closed"

t_exit
