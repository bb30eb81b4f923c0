#!/bin/sh
# SPDX-License-Identifier: MIT
# Not a test: shows what one `fenix upgrade` does to a PID namespace whose
# PID 1 is tini (tini -- fenix server) and one whose PID 1 is fenix itself.
# Prints the outcome of each, asserts nothing.  Needs root, util-linux's
# unshare/nsenter and tini (apt-get install tini); says so and exits 0
# otherwise.
#
# usage: FENIX=obj/fenix sh tests/bench/init_compare.sh
FENIX=${FENIX:-$(cd "$(dirname "$0")/../.." && pwd)/obj/fenix}
. "$(dirname "$0")/../integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "init_compare: needs root"
	exit 0
fi
if ! command -v tini >/dev/null 2>&1; then
	echo "init_compare: tini is not installed (apt-get install tini)"
	exit 0
fi
if ! unshare --pid --fork --mount-proc true >/dev/null 2>&1; then
	echo "init_compare: unshare --pid --fork --mount-proc fails here"
	exit 0
fi

mkdir -p "$T_DIR/www"
echo hi >"$T_DIR/www/index.html"

gone() {
	g_s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$g_s" ] || [ "$g_s" = Z ]
}

has_child() {
	[ -n "$(cat "/proc/$1/task/$1/children")" ]
}

answers() {
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"
}

# run NAME [INIT...]: a namespace with INIT (or nothing: fenix is PID 1)
# running fenix server; one upgrade; what became of it.
run() {
	n=$1 d=$T_DIR/$1
	shift
	mkdir -p "$d/bin"
	cp "$FENIX" "$d/bin/fenix"
	port=$(free_port)
	start_bg unshare --pid --fork --mount-proc --kill-child "$@" \
	    "$d/bin/fenix" server -l "127.0.0.1:$port" -r "$T_DIR/www" -w 2 \
	    -p "$d/pid" -e "$d/err" </dev/null 2>"$d/init.log"
	u=$T_LAST
	if ! poll 5 has_child "$u" || ! poll 5 answers ||
	    ! poll 5 test -s "$d/pid"; then
		echo "$n: did not start"
		return
	fi
	h=$(cat "/proc/$u/task/$u/children")
	h=${h%% *}
	T_PIDS="$T_PIDS $h"
	pid1=$(tr '\0' ' ' <"/proc/$h/cmdline" | cut -d' ' -f1)
	nsenter -t "$h" -p -m "$d/bin/fenix" upgrade -p "$d/pid" -w 0 \
	    >"$d/upgrade.log" 2>&1
	up=$?
	# Give a dying namespace a moment to go (it goes at once when it does).
	poll 2 gone "$u"
	if gone "$u"; then
		wait "$u"
		ns="ended (unshare exit $?)"
	else
		ns="alive"
	fi
	if answers; then
		http="answers"
	else
		http="refused"
	fi
	printf '%-6s PID 1 %-20s upgrade exit %-4s namespace %-24s port %s\n' \
	    "$n" "$(basename "$pid1")" "$up" "$ns" "$http"
	gone "$u" || { kill -TERM "$h"; poll 20 gone "$u"; }
}

run tini tini --
run fenix
