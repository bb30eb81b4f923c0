#!/bin/sh
# SPDX-License-Identifier: MIT
# fenix as PID 1 of a PID namespace, and with -s, the way containers are
# driven (issue 12): `docker kill -s USR2`, then WINCH and QUIT complete
# the nginx dance through init; a process left in the namespace does not
# keep it alive after the last master; socket activation (LISTEN_FDS)
# reaches the master through init.  Needs root and unshare/nsenter
# (util-linux); every case is skipped otherwise.
. "$(dirname "$0")/lib.sh"
plan 11

unset NGINX FENIX_GENERATION FENIX_OLD_MASTER LISTEN_FDS LISTEN_PID
W=$T_DIR/www
mkdir -p "$W"
printf 'pid1 test\n' >"$W/index.html"

C9="docker kill -s USR2, WINCH, QUIT to PID 1:"
C10="a process left in the namespace:"
C11="socket activation (LISTEN_FDS):"

skip_all() {
	t_skipping "$1"
	t_case "$C9 a new master is ready" : x
	t_case "$C9 WINCH stops the old workers, not the new ones" : x
	t_case "$C9 QUIT ends the old master, not the container" : x
	t_ok "$C9 under load, no request failed" :
	t_case "$C10 TERM to PID 1 ends the namespace with 0 at once" : x
	t_case "$C10 ... after TERM, then nothing: init logged it" : x
	t_case "$C10 the master KILLed: the namespace ends with 137" : x
	t_ok "$C11 as PID 1 the master adopts fd 3 and serves" :
	t_case "$C11 as PID 1: adopted, nothing bound" : x
	t_ok "$C11 with -s the master adopts fd 3 and serves" :
	t_case "$C11 with -s: adopted, nothing bound" : x
	t_exit
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 ||
    skip_all "needs unshare and nsenter (util-linux)"
unshare --pid --fork --mount-proc true >/dev/null 2>&1 ||
    skip_all "unshare --pid --fork --mount-proc fails here"

# ------------------------------------------------------------- helpers
# has_child PID: PID has a child process.
has_child() {
	[ -n "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]
}

# ns_start NAME [SERVER_OPTIONS...]: fenix server as PID 1 of a new PID
# namespace on a free port ($port).  Sets ns (its directory), upid
# (unshare's pid) and H (host pid of the namespace's PID 1); 1 if it
# does not serve.
ns_start() {
	ns=$T_DIR/$1
	shift
	mkdir -p "$ns"
	port=$(free_port)
	start_bg unshare --pid --fork --mount-proc --kill-child \
	    "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 2 \
	    -p "$ns/pid" -e "$ns/err" "$@" </dev/null 2>"$ns/init.log"
	upid=$T_LAST
	H=
	if poll 5 has_child "$upid"; then
		H=$(cat "/proc/$upid/task/$upid/children")
		H=${H%% *}
		T_PIDS="$T_PIDS $H"
	fi
	[ -n "$H" ] && poll 5 answers "$port" && poll 5 test -s "$ns/pid"
}

# nsx COMMAND...: run COMMAND inside the namespace of $H.
nsx() {
	nsenter -t "$H" -p -m "$@"
}

# ns_kids NSPID: its children (namespace pids), one line.
ns_kids() {
	echo $(nsx cat "/proc/$1/task/$1/children" 2>/dev/null)
}

# ns_nkids_is NSPID N
ns_nkids_is() {
	[ "$(ns_kids "$1" | wc -w)" -eq "$2" ]
}

# ns_new_pid OLD: the pid file names a live master other than OLD.
ns_new_pid() {
	n_p=$(cat "$ns/pid" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$1" ] && nsx kill -0 "$n_p"
}

# ns_wait SECONDS: wait for unshare to end; rc is its status, or
# "still running".
ns_wait() {
	if poll "$1" gone "$upid"; then
		wait "$upid"
		rc=$?
	else
		rc="still running"
	fi
}

# ---------------------------------- 9: the nginx dance through PID 1
if ns_start dance && load_start dance "$port" --conns 16; then
	old=$(cat "$ns/pid")
	ows=$(ns_kids "$old")
	kill -USR2 "$H"
	poll 10 ns_new_pid "$old"
	new=$(cat "$ns/pid")
	t_case "$C9 a new master is ready" \
	    'poll 5 ns_nkids_is "$new" 2; ns_kids "$new" | wc -w
	    cat "$ns/pid.oldbin"' "2
$old"
	nws=$(ns_kids "$new")
	kill -WINCH "$H"
	t_case "$C9 WINCH stops the old workers, not the new ones" \
	    'poll 10 ns_nkids_is "$old" 1; ns_kids "$old"; ns_kids "$new"' \
	    "$new
$nws"
	kill -QUIT "$H"
	t_case "$C9 QUIT ends the old master, not the container" \
	    'poll 10 eval "! nsx kill -0 $old"; alive "$H" && echo init
	    nsx kill -0 "$old" 2>/dev/null && echo old; cat "$ns/pid"
	    ls "$ns/pid.oldbin" 2>/dev/null; answers "$port" && echo 200' \
	    "init
$new
200"
	load_stop dance
	t_ok "$C9 under load, no request failed" 'load_ok dance'
	kill -TERM "$H"
	ns_wait 20
else
	t_broken "fenix as PID 1 did not start"
	t_case "$C9 a new master is ready" : x
	t_case "$C9 WINCH stops the old workers, not the new ones" : x
	t_case "$C9 QUIT ends the old master, not the container" : x
	t_ok "$C9 under load, no request failed" :
	t_mended
fi

# ------------------------- 10: leftovers do not keep the namespace alive
if ns_start left; then
	nsx sh -c 'sleep 120 </dev/null >/dev/null 2>&1 &'
	kill -TERM "$H"
	ns_wait 8
	t_case "$C10 TERM to PID 1 ends the namespace with 0 at once" \
	    'echo "$rc"' 0
	t_case "$C10 ... after TERM, then nothing: init logged it" \
	    'grep -c "no master left: TERM to the rest" "$ns/init.log"' 1
else
	t_broken "fenix as PID 1 did not start"
	t_case "$C10 TERM to PID 1 ends the namespace with 0 at once" : x
	t_case "$C10 ... after TERM, then nothing: init logged it" : x
	t_mended
fi
if ns_start leftkill; then
	nsx sh -c 'sleep 120 </dev/null >/dev/null 2>&1 &'
	m=$(cat "$ns/pid")
	nsx kill -KILL "$m"
	ns_wait 8
	t_case "$C10 the master KILLed: the namespace ends with 137" \
	    'echo "$rc"' 137
else
	t_broken "fenix as PID 1 did not start"
	t_case "$C10 the master KILLed: the namespace ends with 137" : x
	t_mended
fi

# ---------------------------------- 11: socket activation through init
# activate.py PORT PID CMD...: listen on 127.0.0.1:PORT as fd 3, then
# exec CMD with LISTEN_FDS=1 and LISTEN_PID=PID ("self": its own pid).
cat >"$T_DIR/activate.py" <<'PY'
import os, socket, sys
port, pid, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
    s.close()
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid()) if pid == "self" else pid
os.execvp(cmd[0], cmd)
PY

# activated NAME: the master adopted fd 3 and bound nothing.
activated() {
	grep -c "adopted 127.0.0.1:$port from LISTEN_FDS fd 3" "$1"
	grep -c "listen on" "$1"
}

ns=$T_DIR/act1
mkdir -p "$ns"
port=$(free_port)
start_bg python3 "$T_DIR/activate.py" "$port" 1 unshare --pid --fork \
    --mount-proc --kill-child "$FENIX" server -l "127.0.0.1:$port" \
    -r "$W" -w 2 -p "$ns/pid" -e "$ns/err" </dev/null 2>"$ns/init.log"
upid=$T_LAST
t_ok "$C11 as PID 1 the master adopts fd 3 and serves" \
    'poll 20 answers "$port"'
t_case "$C11 as PID 1: adopted, nothing bound" 'activated "$ns/err"' "1
0"
poll 5 has_child "$upid" && H=$(cat "/proc/$upid/task/$upid/children") &&
    kill -TERM ${H%% *}
ns_wait 20

ns=$T_DIR/act2
mkdir -p "$ns"
port=$(free_port)
start_bg python3 "$T_DIR/activate.py" "$port" self "$FENIX" server -s \
    -l "127.0.0.1:$port" -r "$W" -w 2 -p "$ns/pid" -e "$ns/err" \
    </dev/null 2>"$ns/init.log"
ipid=$T_LAST
qemu_skipping "prctl PR_SET_CHILD_SUBREAPER is EINVAL in qemu 7.2"
t_ok "$C11 with -s the master adopts fd 3 and serves" \
    'poll 20 answers "$port"'
t_case "$C11 with -s: adopted, nothing bound" 'activated "$ns/err"' "1
0"
qemu_done
kill -TERM "$ipid"
poll 20 gone "$ipid"

t_exit
