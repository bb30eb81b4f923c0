#!/bin/sh
# SPDX-License-Identifier: MIT
# The listen backlog: `-t` shows it, and the listening socket's accept
# queue is the length asked for (the kernel's maximum by default), on a
# fresh bind, after HUP (the socket is kept) and after USR2 (inherited).
# The queue length is the Send-Q that `ss -ltn` shows for a listener.
. "$(dirname "$0")/lib.sh"
plan 8

unset NGINX FENIX_GENERATION LISTEN_FDS LISTEN_PID LISTEN_FDNAMES
W=$T_DIR/www
BIN=$T_DIR/fenix
CONF=$T_DIR/fenix.conf
PIDF=$T_DIR/b.pid
mkdir -p "$W"
printf 'backlog test\n' >"$W/index.html"
cp "$FENIX" "$BIN"
SOMAX=$(cat /proc/sys/net/core/somaxconn)

# check ARGS...: what `fenix server -t` says about the backlog.
check() {
	"$FENIX" server -t -r "$W" "$@" 2>&1 | sed -n 's/.*: backlog //p'
}

t_case "-t shows the default, the kernel's maximum" \
    'check' "$SOMAX (net.core.somaxconn $SOMAX)"
t_case "-t shows a backlog that was set" \
    'check -o backlog=100' "100 (net.core.somaxconn $SOMAX)"
t_case "-t caps a backlog above the kernel's maximum" \
    "check -o backlog=$((SOMAX + 1))" "$SOMAX (net.core.somaxconn $SOMAX)"
t_case "backlog 0 is refused (exit 100)" \
    '"$FENIX" server -t -r "$W" -o backlog=0 >/dev/null 2>&1; echo $?' 100

# sendq PORT: the Send-Q of the listener on 127.0.0.1:PORT.
sendq() {
	ss -Hltn "( sport = :$1 )" | awk '$2 ~ /^[0-9]+$/ { print $3 }'
}

# sendq_is PORT N
sendq_is() {
	[ "$(sendq "$1")" = "$2" ]
}

# new_master OLD: the pid file names a live master other than OLD.
new_master() {
	n_p=$(cat "$PIDF" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$1" ] && alive "$n_p"
}

if ! command -v ss >/dev/null 2>&1; then
	t_skipping "ss (iproute2) missing"
else
	port=$(free_port)
	printf 'listen 127.0.0.1:%s\nroot %s\nworkers 1\nbacklog 37\n' \
	    "$port" "$W" >"$CONF"
	start_bg "$BIN" server -c "$CONF" -p "$PIDF" -e "$T_DIR/b.err" \
	    </dev/null 2>"$T_DIR/b.out"
	master=$T_LAST
	if ! poll 10 pidfile_is "$PIDF" "$master" ||
	    ! poll 5 answers "$port"; then
		t_broken "server did not start: $(cat "$T_DIR/b.out" \
		    "$T_DIR/b.err" 2>/dev/null | tail -1)"
	fi
fi
t_case "a fresh listener has the backlog set (37)" 'sendq $port' 37

# HUP: the socket is kept, its queue follows the config (here the default)
if [ -z "$T_BROKEN$T_SKIPPING" ]; then
	sed -i '/^backlog/d' "$CONF"
	kill -HUP "$master"
fi
t_ok "after HUP without a backlog: the kernel's maximum" \
    'poll 10 sendq_is $port $SOMAX'

# USR2: the new master inherits the socket and applies its backlog
if [ -z "$T_BROKEN$T_SKIPPING" ]; then
	echo 'backlog 71' >>"$CONF"
	kill -USR2 "$master"
	if poll 10 new_master "$master"; then
		new=$(cat "$PIDF")
		T_PIDS="$T_PIDS $new"
	else
		t_broken "no new master after USR2"
	fi
fi
t_ok "after USR2 the new master's backlog (71)" 'poll 10 sendq_is $port 71'
t_ok "the upgraded server answers" 'answers $port'
if [ -z "$T_SKIPPING" ]; then
	for p in ${new:-} $master; do
		kill -QUIT "$p" 2>/dev/null
		poll 10 gone "$p"
	done
fi
t_mended

t_exit
