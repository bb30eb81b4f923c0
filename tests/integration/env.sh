#!/bin/sh
# SPDX-License-Identifier: MIT
# Settings from the environment: FENIX_<NAME> for every keyword of the
# settings table; the command line beats the environment, which beats
# the config file; -t shows them; a bad value is a clear error.
. "$(dirname "$0")/lib.sh"
plan 12
optional FEATURE_ENV

mkdir -p "$T_DIR/a" "$T_DIR/b" "$T_DIR/c"
printf 'root a\n' >"$T_DIR/a/index.html"
printf 'root b\n' >"$T_DIR/b/index.html"
printf 'root c\n' >"$T_DIR/c/index.html"

# envserve ENV... -- ARGS...: a server with those variables set; its
# block's cases FAIL when it does not answer on $port.
envserve() {
	[ -n "$T_SKIPPING" ] && return 0
	t_mended
	e_env=
	while [ "$1" != -- ]; do
		e_env="$e_env $1"
		shift
	done
	shift
	start_bg env $e_env "$FENIX" server -w 1 -e "$T_DIR/error.log" \
	    -p "$T_DIR/fenix-$port.pid" "$@"
	if ! poll 5 curl -s -o /dev/null --max-time 1 \
	    "http://127.0.0.1:$port/"; then
		kill "$T_LAST" 2>/dev/null
		t_broken "server did not start: $(tail -1 "$T_DIR/error.log")"
	fi
}

stop() {
	[ -n "$T_LAST" ] && kill "$T_LAST" 2>/dev/null
	poll 5 gone "$T_LAST"
}

port=$(free_port)
envserve FENIX_ROOT="$T_DIR/a" FENIX_LISTEN="127.0.0.1:$port" --
t_case "FENIX_ROOT and FENIX_LISTEN: served from that root on that port" \
    'bget /' "root a"
stop

port=$(free_port) port2=$(free_port)
envserve FENIX_ROOT="$T_DIR/a" \
    FENIX_LISTEN="127.0.0.1:$port,127.0.0.1:$port2" --
t_case "FENIX_LISTEN with two addresses: the second answers too" \
    'curl -s --max-time 5 "http://127.0.0.1:$port2/"' "root a"
stop

port=$(free_port)
printf 'root %s\nlisten 127.0.0.1:%s\n' "$T_DIR/a" "$(free_port)" \
    >"$T_DIR/fenix.conf"
envserve FENIX_ROOT="$T_DIR/b" FENIX_LISTEN="127.0.0.1:$port" -- \
    -c "$T_DIR/fenix.conf"
t_case "the environment beats the config file (root and listen)" \
    'bget /' "root b"
stop

port=$(free_port)
envserve FENIX_ROOT="$T_DIR/b" FENIX_LISTEN="127.0.0.1:$port" -- \
    -c "$T_DIR/fenix.conf" -r "$T_DIR/c"
t_case "the command line (-r) beats the environment" 'bget /' "root c"
stop

port=$(free_port)
envserve FENIX_ROOT="$T_DIR/b" FENIX_LISTEN="127.0.0.1:$port" -- \
    -o root="$T_DIR/c"
t_case "the command line (-o root=) beats the environment" 'bget /' "root c"
stop
t_mended

t_case "-t shows a setting from the environment" \
    'FENIX_ROOT="$T_DIR/b" "$FENIX" server -t 2>&1 | grep -c \
    "FENIX_ROOT from the environment: $T_DIR/b\$"' 1
t_case "-t says when the command line overrides it" \
    'FENIX_ROOT="$T_DIR/b" "$FENIX" server -t -r "$T_DIR/c" 2>&1 |
    grep -c "FENIX_ROOT from the environment: $T_DIR/b (overridden"' 1
t_case "a bad FENIX_WORKERS: exit 100" \
    'FENIX_WORKERS=lots "$FENIX" server -t >/dev/null 2>&1; echo $?' 100
t_case "... naming the variable, its value and what it needs" \
    'FENIX_WORKERS=lots "$FENIX" server -t 2>&1 | grep -c \
    "environment FENIX_WORKERS=lots: needs a whole number"' 1
t_case "a FENIX_LISTEN with no address: exit 100" \
    'FENIX_LISTEN=" , " "$FENIX" server -t 2>&1 | grep -c \
    "FENIX_LISTEN= , : needs an address"' 1
t_case "FENIX_KEEPALIVE_TIMEOUT=soon: exit 100, needs seconds" \
    'FENIX_KEEPALIVE_TIMEOUT=soon "$FENIX" server -t 2>&1 | grep -c \
    "FENIX_KEEPALIVE_TIMEOUT=soon: needs seconds"' 1
t_case "other FENIX_ variables (FENIX_NO_SUCH) are not settings: ignored" \
    'FENIX_NO_SUCH=1 "$FENIX" server -t -r "$T_DIR/a" >/dev/null 2>&1;
    echo $?' 0
t_exit
