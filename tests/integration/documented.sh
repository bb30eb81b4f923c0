#!/bin/sh
# SPDX-License-Identifier: MIT
# What README.md promises and no other script checks: the timeouts
# (header 408, send, grace, shutdown), the memory/sendfile boundary, the
# once-a-second re-check of a file, If-Range with another date, the
# default worker count and pid file, every listen form bound, -u and
# refuse_root, WINCH from a terminal, rollback after WINCH, exit 111, and
# the exits and options of `fenix upgrade` and `fenix status -t`.
. "$(dirname "$0")/lib.sh"
plan 41

HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v ss >/dev/null 2>&1; then
	t_skip_rest "needs ss (Debian package iproute2)"
	t_exit
fi
unset NGINX FENIX_GENERATION LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
W=$T_DIR/www
mkdir -p "$W"
chmod 711 "$T_DIR"
printf 'documented\n' >"$W/index.html"
printf 'probe\n' >"$W/probe.html"
head -c 16384 /dev/zero | tr '\0' a >"$W/f16384"
head -c 16385 /dev/zero | tr '\0' b >"$W/f16385"
head -c 8388608 /dev/zero >"$W/big"
chmod -R a+rX "$W"

now_ms() {
	date +%s%3N
}

# srv NAME ARGS...: a server on a free port ($port) with root $W, run
# under $srv_wrap (a command prefix) if set; sets master, pidf, errf.
# Returns 1 if it does not serve, its error log shown as # lines.
srv() {
	s_n=$1
	shift
	port=$(free_port)
	pidf=$T_DIR/$s_n.pid
	errf=$T_DIR/$s_n.err
	start_bg $srv_wrap "$FENIX" server -l "127.0.0.1:$port" -r "$W" \
	    -p "$pidf" -e "$errf" "$@" </dev/null
	master=$T_LAST
	if poll 10 pidfile_is "$pidf" "$master" && poll 5 answers "$port"; then
		return 0
	fi
	echo "# server $s_n did not start"
	sed 's/^/#     /' "$errf" 2>/dev/null
	return 1
}

# stop PID: TERM it, wait until it is gone.
stop() {
	kill -TERM "$1" 2>/dev/null
	poll 10 gone "$1"
}

# estab PORT: the number of established connections whose server side is
# on PORT (the server's view: gone once the server closed its socket).
estab() {
	ss -Htn state established "( sport = :$1 )" | wc -l
}

estab_is() {
	[ "$(estab "$1")" -eq "$2" ]
}

# hold PORT PATH: a client that sends GET PATH and then reads nothing,
# small receive buffer, in the background for at most 20 s ($hold_pid);
# $T_DIR/hold.t0 has the time it sent the request (ms).
hold() {
	rm -f "$T_DIR/hold.t0"
	python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % sys.argv[2].encode())
open(sys.argv[3] + ".tmp", "w").write("%d\n" % (time.time() * 1000))
import os
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
time.sleep(20)' "$1" "$2" "$T_DIR/hold.t0" &
	hold_pid=$!
	T_PIDS="$T_PIDS $hold_pid"
}

# between MS LO HI: LO <= MS <= HI (prints MS for the record).
between() {
	echo "$1 ms"
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

httpdate() {
	LC_ALL=C date -u -d "@$1" '+%a, %d %b %Y %H:%M:%S GMT'
}

# ------------------------------------------------- HTTP, one worker
if srv http -w 1 -o header_timeout=1 -o send_timeout=1; then
	w=$(kids "$master")
else
	t_broken "server http did not start"
fi
t_case "header_timeout=1: an unfinished head gets 408, then close" \
    'python3 "$HERE/raw.py" stall "$port" \
    "GET / HTTP/1.1\\r\\nHost: x\\r\\n" 5 2>"$T_DIR/stall.err"' \
    "closed 408"
t_ok "... after about 1 s (not at once, not at the 60 s default)" \
    'ms=$(sed -n "s/^elapsed //p" "$T_DIR/stall.err" | tr -d .)0 &&
    between "$ms" 800 4000'

lm=$(stat -c %Y "$W/f16385")
t_case "If-Range with a date other than Last-Modified: 200, whole file" \
    'curl -s --max-time 5 -o "$T_DIR/ir" -w "%{http_code} %{size_download}" \
    -H "Range: bytes=0-3" -H "If-Range: $(httpdate $((lm - 100)))" \
    "http://127.0.0.1:$port/f16385"' "200 16385"
t_case "If-Range with the Last-Modified date: 206, the range" \
    'curl -s --max-time 5 -o "$T_DIR/ir" -w "%{http_code} %{size_download}" \
    -H "Range: bytes=0-3" -H "If-Range: $(httpdate "$lm")" \
    "http://127.0.0.1:$port/f16385"' "206 4"

# A file changed while it is being served: seen within the re-check.
printf 'old content\n' >"$W/ch.txt"
printf 'old content\n' >"$W/ip.txt"
curl -s --max-time 5 "http://127.0.0.1:$port/ch.txt" >/dev/null
curl -s --max-time 5 "http://127.0.0.1:$port/ip.txt" >/dev/null
body_is() {
	[ "$(curl -s --max-time 2 "http://127.0.0.1:$port/$1")" = "$2" ]
}
printf 'the new, longer content\n' >"$W/ch.tmp"
mv "$W/ch.tmp" "$W/ch.txt"
t_ok "a file replaced on disk (rename) is served new within 3 s" \
    'poll 3 body_is ch.txt "the new, longer content"'
printf 'rewritten in place, same inode\n' >"$W/ip.txt"
t_ok "a file rewritten in place is served new within 3 s" \
    'poll 3 body_is ip.txt "rewritten in place, same inode"'

# 16 KiB from memory in one writev, 16 KiB + 1 with sendfile.
if ! command -v strace >/dev/null 2>&1; then
	t_skipping "no strace (Debian package strace)"
elif [ -z "$T_BROKEN" ]; then
	strace -f -e trace=sendfile,writev -o "$T_DIR/strace" -p "$w" \
	    2>"$T_DIR/strace.err" &
	st_pid=$!
	T_PIDS="$T_PIDS $st_pid"
	poll 5 grep_file attached "$T_DIR/strace.err"
	c16384=$(curl -s --max-time 5 "http://127.0.0.1:$port/f16384" | wc -c)
	curl -s --max-time 5 "http://127.0.0.1:$port/index.html" >/dev/null
	c16385=$(curl -s --max-time 5 "http://127.0.0.1:$port/f16385" | wc -c)
	poll 3 grep_file sendfile "$T_DIR/strace"
	kill "$st_pid"
	wait "$st_pid" 2>/dev/null
fi
t_case "16384 bytes: answered from memory, one writev and no sendfile" \
    'echo $c16384; awk "/index.html|documented/ {exit} /sendfile/ {s++}
    /writev/ {w++} END {print s + 0, w + 0}" "$T_DIR/strace"' \
    "16384
0 1"
t_case "16385 bytes: the body with sendfile" \
    'echo $c16385; sed -n "/documented/,\$p" "$T_DIR/strace" |
    grep -c "sendfile(.*16385) = 16385"' \
    "16385
1"
[ -n "$T_SKIPPING" ] && t_mended

# send_timeout=1: a client that reads nothing loses its connection.
if [ -z "$T_BROKEN" ]; then
	hold "$port" /big
	poll 15 test -s "$T_DIR/hold.t0"
	poll 6 estab_is "$port" 0
	t1=$(now_ms)
	t0=$(cat "$T_DIR/hold.t0")
	kill "$hold_pid" 2>/dev/null
fi
t_ok "send_timeout=1: a client reading nothing is dropped after ~1 s" \
    'between $((t1 - t0)) 700 5000'
[ -n "$master" ] && stop "$master"
t_mended

# ------------------------------------------------- drain bounds
if srv drain -w 1 -o grace_timeout=1 -o shutdown_timeout=3 \
    -o keepalive_timeout=60; then
	python3 "$HERE/raw.py" idle "$port" 20 >"$T_DIR/idle.out" 2>&1 &
	idle_pid=$!
	T_PIDS="$T_PIDS $idle_pid"
	hold "$port" /big
	poll 15 estab_is "$port" 2
	t0=$(now_ms)
	kill -QUIT "$master"
	poll 6 grep_file closed "$T_DIR/idle.out"
	t1=$(now_ms)
	# The drain ends when the worker drops the stuck client (estab 0);
	# the exit that follows is timed by the sanitizers' leak check and
	# the load, not by shutdown_timeout: it only has to come.
	poll 10 estab_is "$port" 0
	t2=$(now_ms)
	poll 10 gone "$master"
	drain_gone=$?
	kill "$hold_pid" 2>/dev/null
else
	t_broken "server drain did not start"
fi
t_ok "grace_timeout=1: QUIT closes an idle keep-alive connection after ~1 s" \
    'cat "$T_DIR/idle.out"; between $((t1 - t0)) 700 2500'
t_ok "shutdown_timeout=3 bounds a drain stuck on a slow client (~3 s)" \
    'between $((t2 - t0)) 2700 4500 && [ "$drain_gone" -eq 0 ]'
t_mended

# ------------------------------------------------- worker count
if srv wdef; then
	t_case "no -w: one worker per CPU (nproc)" 'nkids "$master"' \
	    "$(nproc)"
	stop "$master"
else
	t_fail "no -w: one worker per CPU (server did not start)"
fi
if ! command -v taskset >/dev/null 2>&1; then
	t_skip "no -w under taskset -c 0: one worker" "no taskset"
elif srv_wrap="taskset -c 0" && srv wone; then
	srv_wrap=
	t_case "no -w under taskset -c 0: one worker" 'nkids "$master"' 1
	stop "$master"
else
	srv_wrap=
	t_fail "no -w under taskset -c 0: one worker (did not start)"
fi

# ------------------------------------------------- listen forms
# lsrv NAME LISTEN URL: a server on LISTEN only; GET URL must answer 200.
lsrv() {
	start_bg "$FENIX" server -l "$2" -r "$W" -w 1 -p "$T_DIR/$1.pid" \
	    -e "$T_DIR/$1.err" </dev/null
	l_m=$T_LAST
	l_out=$(poll 5 curl -gsf -o /dev/null --max-time 1 "$3" && echo 200)
	echo "${l_out:-no answer}"
	if [ -n "${4:-}" ]; then	# the listening socket's local address
		ss -Htln "( sport = :$4 )" | awk '{print $4}'
	fi
	stop "$l_m"
}

v6port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))
print(s.getsockname()[1])' 2>/dev/null)
if [ -z "$v6port" ]; then
	t_skip "listen [::1]:PORT serves over IPv6" \
	    "no IPv6 loopback here (cannot bind ::1)"
else
	t_case "listen [::1]:PORT serves over IPv6" \
	    'lsrv v6 "[::1]:$v6port" "http://[::1]:$v6port/" "$v6port"' \
	    "200
[::1]:$v6port"
fi
p=$(free_port)
t_case "listen *:PORT binds every IPv4 address" \
    'lsrv star "*:$p" "http://127.0.0.1:$p/" "$p"' "200
0.0.0.0:$p"
p=$(free_port)
t_case "listen PORT (bare) binds every IPv4 address" \
    'lsrv bare "$p" "http://127.0.0.1:$p/" "$p"' "200
0.0.0.0:$p"

# ------------------------------------------------- user, refuse_root
status_line() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' ' |
	    sed 's/ $//'
}
nob_uid=$(id -u nobody 2>/dev/null) nob_gid=$(id -g nobody 2>/dev/null)
if [ "$(id -u)" -ne 0 ]; then
	t_skipping "needs root"
elif [ -z "$nob_uid" ]; then
	t_skipping "no user nobody"
elif ! command -v setpriv >/dev/null 2>&1; then
	t_skipping "no setpriv (util-linux)"
elif srv_wrap="setpriv --groups 4,27,100 --" && srv user -w 1 -u nobody; then
	srv_wrap=
	w=$(kids "$master")
else
	srv_wrap=
	t_broken "server -u nobody did not start"
fi
t_case "-u nobody: the worker's Uid, Gid and Groups (master had 4 27 100)" \
    'status_line "$master" Groups; for k in Uid Gid Groups; do
    status_line "$w" $k; done' "4 27 100
$nob_uid $nob_uid $nob_uid $nob_uid
$nob_gid $nob_gid $nob_gid $nob_gid
$nob_gid"
t_ok "-u nobody: the worker serves" 'answers "$port"'
if [ -z "$T_BROKEN$T_SKIPPING" ]; then
	stop "$master"
fi
if [ -z "$T_BROKEN" ] && [ -z "$T_SKIPPING" ]; then
	p=$(free_port)
	"$FENIX" server -l "127.0.0.1:$p" -r "$W" -w 1 -p "$T_DIR/rr.pid" \
	    -o refuse_root=on </dev/null >"$T_DIR/rr.out" 2>&1 &
	rr=$!
	T_PIDS="$T_PIDS $rr"
	# A server that does not refuse must not hang the script.
	poll 5 gone "$rr" || kill -KILL "$rr"
	wait "$rr"
	rr_rc=$?
fi
t_case "refuse_root=on as root without -u: exit 100, says why" \
    'echo $rr_rc; grep -c "refuse_root is on" "$T_DIR/rr.out"' "100
1"
t_mended
if [ "$(id -u)" -ne 0 ] || [ -z "$nob_uid" ]; then
	t_skip "refuse_root=on with -u nobody: serves" "needs root and nobody"
elif srv rru -w 1 -u nobody -o refuse_root=on; then
	t_ok "refuse_root=on with -u nobody: serves" 'answers "$port"'
	stop "$master"
else
	t_fail "refuse_root=on with -u nobody: serves (did not start)"
fi

# ------------------------------------------------- default pid file
# In a mount namespace with its own /run and /tmp (tmpfs), so that no
# pid file of this machine is touched.  defpid SETUP [USER]: SETUP (sh)
# runs first inside; prints where the pid file is (found by fenix
# status without -p) and status's exit code.
defpid() {
	cp "$FENIX" "$T_DIR/fenix"
	unshare --mount --propagation private sh -c '
	t=$1
	mount -t tmpfs tmpfs /run && mkdir /run/t &&
	    mount --bind "$t" /run/t && mount -t tmpfs tmpfs /tmp &&
	    chmod 1777 /tmp || exit 1
	d=/run/t
	eval "$2"
	cd "$d/cwd" && rm -f e.log || exit 1
	$3 "$d/fenix" server -l "127.0.0.1:$4" -r "$d/www" -w 1 \
	    -e "$d/cwd/e.log" </dev/null &
	m=$!
	i=0
	while [ $i -lt 250 ]; do
		f=$(ls /run/fenix.pid "$XDG_RUNTIME_DIR/fenix.pid" \
		    /tmp/fenix-*/fenix.pid "$d/cwd/fenix.pid" 2>/dev/null)
		[ -n "$f" ] && [ "$(cat $f)" = "$m" ] && break
		sleep 0.02
		i=$((i + 1))
	done
	echo "$f"
	$3 "$d/fenix" status -q
	echo "status $?"
	kill $m
	wait $m
	' defpid "$T_DIR" "$1" "${2:-}" "$(free_port)" 2>&1
}
mkdir -p "$T_DIR/cwd" "$T_DIR/xdg"
chmod 777 "$T_DIR/cwd" "$T_DIR/xdg"
if ! built APPLET_STATUS; then
	t_skipping "APPLET_STATUS not configured (fenix status finds it)"
elif [ "$(id -u)" -ne 0 ]; then
	t_skipping "needs root (a mount namespace)"
elif ! unshare --mount --propagation private sh -c \
    'mount -t tmpfs tmpfs /run' 2>/dev/null; then
	t_skipping "unshare --mount with a tmpfs fails here"
fi
nob="setpriv --reuid=$nob_uid --regid=$nob_gid --clear-groups"
t_case "default pid file as root: /run/fenix.pid (status finds it)" \
    'defpid "unset XDG_RUNTIME_DIR"' "/run/fenix.pid
status 0"
t_case "... /run read-only: \$XDG_RUNTIME_DIR/fenix.pid" \
    'defpid "mount -o remount,ro /run; export XDG_RUNTIME_DIR=/run/t/xdg"' \
    "/run/t/xdg/fenix.pid
status 0"
t_case "... as nobody without XDG_RUNTIME_DIR: /tmp/fenix-UID/fenix.pid" \
    'defpid "unset XDG_RUNTIME_DIR" "$nob"' "/tmp/fenix-$nob_uid/fenix.pid
status 0"
t_case "... /tmp read-only too: ./fenix.pid" \
    'defpid "unset XDG_RUNTIME_DIR; mount -o remount,ro /tmp" "$nob"' \
    "/run/t/cwd/fenix.pid
status 0"
t_mended

# ------------------------------------------------- WINCH
# With stdin a terminal (a pty from python3) WINCH is ignored.
port=$(free_port)
start_bg python3 -c 'import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:-1])
open(sys.argv[-1], "w").write("%d\n" % pid)
while True:
    try:
        if not os.read(fd, 4096):
            break
    except OSError:
        break
os.waitpid(pid, 0)' "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 2 \
    -p "$T_DIR/tty.pid" -e "$T_DIR/tty.err" "$T_DIR/tty.child"
T_PIDS="$T_PIDS $T_LAST"
master=
poll 15 test -s "$T_DIR/tty.child" && master=$(cat "$T_DIR/tty.child")
# The server is python's child, not ours: stopped by its pid, whatever
# happens below.
T_PIDS="$T_PIDS $master"
if [ -n "$master" ] && poll 5 pidfile_is "$T_DIR/tty.pid" "$master" &&
    poll 5 answers "$port"
then
	ws=$(kids "$master")
	kill -WINCH "$master"
	poll 5 grep_file "WINCH ignored" "$T_DIR/tty.err"
else
	t_broken "server under a pty did not start"
fi
t_case "WINCH with stdin a terminal: ignored (logged), the workers serve" \
    'grep -c "WINCH ignored: stdin is a terminal" "$T_DIR/tty.err";
    nkids "$master"; kids "$master" | tr "\n" " "; echo; answers "$port" &&
    echo 200' "1
2
$(echo "$ws" | tr '\n' ' ')
200"
[ -n "$master" ] && stop "$master"
t_mended

# Not a terminal: WINCH stops the workers; rollback after it (the new
# master exits) starts them again.
if srv winch -w 2; then
	ws=$(kids "$master")
	kill -WINCH "$master"
	poll 5 nkids_is "$master" 0
else
	t_broken "server winch did not start"
fi
t_case "WINCH with stdin not a terminal: the workers stop, nothing answers" \
    'nkids "$master"; curl -s -o /dev/null --max-time 2 -w "%{http_code}" \
    "http://127.0.0.1:$port/"' "0
000"
# new_ok: the pid file names a new master with its 2 workers.
new_ok() {
	n_p=$(cat "$pidf" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$master" ] && alive "$n_p" &&
	    [ "$(nkids "$n_p")" -eq 2 ]
}
if [ -z "$T_BROKEN" ]; then
	kill -HUP "$master"
	poll 5 nkids_is "$master" 2
	poll 5 answers "$port"
	ws=$(kids "$master")
	kill -USR2 "$master"
	poll 10 test -s "$pidf.oldbin"
	poll 10 new_ok
fi
if [ -z "$T_BROKEN" ] && new_ok; then
	new=$(cat "$pidf")
	T_PIDS="$T_PIDS $new"
	kill -WINCH "$master"
	poll 5 nkids_is "$master" 1	# only the new master is left
	kill -TERM "$new"
	poll 5 gone "$new"
	poll 5 nkids_is "$master" 2
elif [ -z "$T_BROKEN" ]; then
	t_broken "USR2 did not start a new master"
fi
t_case "rollback after WINCH: the old master starts 2 workers, serves" \
    'cat "$pidf"; ls "$pidf.oldbin" 2>/dev/null; nkids "$master";
    [ -n "$(kids "$master" | grep -vx "$(printf "%s\n" $ws)")" ] &&
    echo new workers; answers "$port" && echo 200' "$master
2
new workers
200"
[ -n "$master" ] && stop "$master"
t_mended

# ------------------------------------------------- exit 111
busy=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(30)' "$busy" &
busy_pid=$!
T_PIDS="$T_PIDS $busy_pid"
poll 15 sh -c "ss -Htln '( sport = :$busy )' | grep -q ."
t_case "server on a port in use: exit 111" \
    '"$FENIX" server -l "127.0.0.1:$busy" -r "$W" -w 1 \
    -p "$T_DIR/busy.pid" </dev/null >/dev/null 2>&1; echo $?' 111
kill "$busy_pid"
t_case "server with an error log it cannot open: exit 111" \
    '"$FENIX" server -l "127.0.0.1:0" -r "$W" -w 1 -p "$T_DIR/el.pid" \
    -e "$T_DIR/no/such/dir/e.log" </dev/null >/dev/null 2>&1; echo $?' 111

# ------------------------------------------------- fenix upgrade
built APPLET_UPGRADE || t_skipping "APPLET_UPGRADE not configured"
# upgrade ARGS...: status in $up_rc, stderr in $T_DIR/up.err.
upgrade() {
	timeout 40 "$FENIX" upgrade "$@" >"$T_DIR/up.out" 2>"$T_DIR/up.err"
	up_rc=$?
}

# Exit 23 takes 30 s: started first, in the background, checked last.
# The "old master" is a python3 stand-in that ignores QUIT and WINCH and
# on USR2 renames the pid file and starts the real server on its socket.
p23=$(free_port)
cat >"$T_DIR/stuck.py" <<'PY'
import os, signal, socket, subprocess, sys
pidf, port, fenix, root, err = sys.argv[1:6]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(port)))
s.listen(64)
os.set_inheritable(s.fileno(), True)
signal.signal(signal.SIGQUIT, signal.SIG_IGN)
signal.signal(signal.SIGWINCH, signal.SIG_IGN)

def usr2(*a):
    os.rename(pidf, pidf + ".oldbin")
    env = dict(os.environ, NGINX="%d;" % s.fileno(), FENIX_GENERATION="2")
    subprocess.Popen([fenix, "server", "-l", "127.0.0.1:" + port, "-r",
                      root, "-w", "1", "-p", pidf, "-e", err],
                     env=env, pass_fds=(s.fileno(),),
                     stdin=subprocess.DEVNULL)

signal.signal(signal.SIGUSR2, usr2)
with open(pidf + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidf + ".tmp", pidf)
while True:
    signal.pause()
PY
# argv[0] "server": fenix upgrade acts only on what looks like a master.
start_bg python3 -c 'import os, sys
os.execv(sys.executable, ["server"] + sys.argv[1:])' "$T_DIR/stuck.py" \
    "$T_DIR/stuck.pid" "$p23" "$FENIX" "$W" "$T_DIR/stuck.err"
stuck=$T_LAST
if poll 15 pidfile_is "$T_DIR/stuck.pid" "$stuck"; then
	(timeout 45 "$FENIX" upgrade -p "$T_DIR/stuck.pid" -w 0 \
	    -u "http://127.0.0.1:$p23/" 2>"$T_DIR/up23.err"
	echo $? >"$T_DIR/up23.rc") &
	T_PIDS="$T_PIDS $!"
	t23=$(now_ms)
fi

t_case "fenix upgrade -x: exit 100" \
    '"$FENIX" upgrade -x 2>/dev/null; echo $?' 100
t_case "fenix upgrade -w junk: exit 100" \
    '"$FENIX" upgrade -p "$T_DIR/none.pid" -w junk 2>/dev/null; echo $?' 100

# Exit 111: the master dies after USR2 (its new binary kills it).  A
# sleep named by the pid file is no master: nothing is signalled (21).
sleep 60 &
sl=$!
T_PIDS="$T_PIDS $sl"
echo "$sl" >"$T_DIR/sleep.pid"
upgrade -p "$T_DIR/sleep.pid" -w 0 -u "http://127.0.0.1:$p23/"
t_case "fenix upgrade of a pid file naming a sleep: exit 21, it lives" \
    'echo $up_rc; alive "$sl" && echo alive' "21
alive"
cp "$FENIX" "$T_DIR/fenix111"
printf '#!/bin/sh\nkill -KILL $PPID\n' >"$T_DIR/killer"
chmod 755 "$T_DIR/killer"
p111=$(free_port)
start_bg "$T_DIR/fenix111" server -l "127.0.0.1:$p111" -r "$W" -w 1 \
    -p "$T_DIR/die111.pid" -e "$T_DIR/die111.err" </dev/null
m111=$T_LAST
if poll 10 pidfile_is "$T_DIR/die111.pid" "$m111"; then
	ows=$(kids "$m111")
	upgrade -p "$T_DIR/die111.pid" -w 0 -b "$T_DIR/killer"
	for w in $ows; do kill -KILL "$w" 2>/dev/null; done
else
	up_rc=none
fi
t_case "fenix upgrade: the old master dies after USR2: exit 111" \
    'echo $up_rc; grep -c "the old master $m111 died" "$T_DIR/up.err"' "111
1"

# rolled_back: the pid file names $master again, with its one worker.
rolled_back() {
	pidfile_is "$pidf" "$master" && [ ! -e "$pidf.oldbin" ] &&
	    [ "$(nkids "$master")" -eq 1 ]
}
if srv up -w 1 -a "$T_DIR/up.access"; then
	ws=$(kids "$master")
	upgrade -p "$pidf" -w 0 -u "http://127.0.0.1:$port/no-such-file"
	poll 5 rolled_back
else
	t_broken "server up did not start"
fi
t_case "fenix upgrade -u a 404 URL: exit 12, the probe phase, rolled back" \
    'echo $up_rc; grep -c "probe failed: answered 404" "$T_DIR/up.err";
    grep -c "rolled back: " "$T_DIR/up.err"; cat "$pidf"; kids "$master"' \
    "12
1
1
$master
$ws"

# Exit 13: the probe file disappears while baking (only the new
# generation serves then); the old workers come back.
if [ -z "$T_BROKEN" ]; then
	timeout 40 "$FENIX" upgrade -p "$pidf" -w 20 \
	    -u "http://127.0.0.1:$port/probe.html" 2>"$T_DIR/up13.err" &
	up13=$!
	poll 10 grep_file "old workers gone" "$T_DIR/up13.err"
	mv "$W/probe.html" "$W/probe.gone"
	wait "$up13"
	up_rc=$?
	mv "$W/probe.gone" "$W/probe.html"
	poll 5 rolled_back
fi
t_case "fenix upgrade: the probe fails while baking: exit 13, rolled back" \
    'echo $up_rc; grep -c "bake failed: answered 404" "$T_DIR/up13.err";
    cat "$pidf"; nkids "$master"; answers "$port" && echo 200' "13
1
$master
1
200"

# -u and -w 2: the probe URL is asked again and again for 2 s.
if [ -z "$T_BROKEN" ]; then
	: >"$T_DIR/up.access"
	kill -USR1 "$master"
	t0=$(now_ms)
	upgrade -p "$pidf" -w 2 -u "http://127.0.0.1:$port/probe.html"
	t1=$(now_ms)
	new=$(cat "$pidf")
	T_PIDS="$T_PIDS $new"
fi
# probes N: at least N GETs of /probe.html in the access log.
probes() {
	p_n=$(grep -c "GET /probe.html" "$T_DIR/up.access")
	echo "$p_n probes"
	[ "$p_n" -ge "$1" ]
}
t_case "fenix upgrade -w 2 -u URL: exit 0, a new master" \
    'echo $up_rc; [ "$new" != "$master" ] && alive "$new" && echo new' "0
new"
t_ok "... the bake window lasted 2 s, probing -u's URL all along" \
    'between $((t1 - t0)) 2000 10000 && grep -q "baked 2000 ms" \
    "$T_DIR/up.err" && poll 3 probes 10; probes 10'
[ -n "$new" ] && stop "$new"
[ -n "$master" ] && stop "$master"
t_mended

# ------------------------------------------------- fenix status -t
built APPLET_STATUS || t_skipping "APPLET_STATUS not configured"
# A server that accepts (the kernel does) and never answers.  It writes,
# per connection, how long the client held it (ms) to mute.ms: the time
# status waited, without its own start and exit (seconds under ASan or
# qemu-user on a loaded machine).
mute=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
s.settimeout(30)
try:
    while True:
        c, _ = s.accept()
        t0 = time.monotonic()
        c.settimeout(30)
        try:
            while c.recv(4096):
                pass
        except OSError:
            pass
        with open(sys.argv[2], "a") as f:
            f.write("%d\n" % ((time.monotonic() - t0) * 1000))
        c.close()
except OSError:
    pass' "$mute" "$T_DIR/mute.ms" &
mute_pid=$!
T_PIDS="$T_PIDS $mute_pid"
: >"$T_DIR/mute.ms"
poll 15 sh -c "ss -Htln '( sport = :$mute )' | grep -q ."
# A master of its own pid file: status probes only a live fenix master.
start_bg "$FENIX" server -l "127.0.0.1:$(free_port)" -r "$W" -w 1 \
    -p "$T_DIR/st.pid" -e "$T_DIR/st.err" </dev/null
stm=$T_LAST
poll 10 pidfile_is "$T_DIR/st.pid" "$stm"
nlines() {
	[ "$(wc -l <"$T_DIR/mute.ms")" -ge "$1" ]
}
# st N ARGS...: status; $s_rc, $s_ms its whole run, $h_ms how long it
# held the N-th connection to the mute server.
st() {
	s_n=$1
	shift
	s_t0=$(now_ms)
	"$FENIX" status -p "$T_DIR/st.pid" -q -u "http://127.0.0.1:$mute/" "$@"
	s_rc=$?
	s_ms=$(($(now_ms) - s_t0))
	poll 5 nlines "$s_n"
	h_ms=$(sed -n "${s_n}p" "$T_DIR/mute.ms")
	echo "exit $s_rc, ran $s_ms ms"
}
# At least -t in all; the connection held about -t (the accept may lag).
t_ok "status -u -t 0.5 gives up after 0.5 s (exit 1)" \
    'st 1 -t 0.5; [ $s_ms -ge 400 ] && between "${h_ms:-0}" 200 1500 &&
    [ $s_rc -eq 1 ]'
t_ok "status -u -t 3 waits 3 s, past the default 2 s (exit 1)" \
    'st 2 -t 3; [ $s_ms -ge 2900 ] && between "${h_ms:-0}" 2500 4500 &&
    [ $s_rc -eq 1 ]'
kill "$mute_pid"
kill -TERM "$stm"
t_mended

# ------------------------------------------------- exit 23, at last
built APPLET_UPGRADE || t_skipping "APPLET_UPGRADE not configured"
if [ -n "${t23:-}" ]; then
	poll 45 test -s "$T_DIR/up23.rc"
	new=$(cat "$T_DIR/stuck.pid" 2>/dev/null)
	[ -n "$new" ] && T_PIDS="$T_PIDS $new"
else
	t_broken "the python3 stand-in master did not start"
fi
t_case "fenix upgrade: the old master ignores QUIT: exit 23 after 30 s" \
    'cat "$T_DIR/up23.rc"; grep -c "has not exited" "$T_DIR/up23.err";
    [ "$(($(now_ms) - t23))" -ge 30000 ] && echo 30s' "23
1
30s"
t_ok "... the new master serves" 'answers "$p23"'
t_mended
kill -KILL "$stuck" 2>/dev/null
[ -n "$new" ] && stop "$new"
t_exit
