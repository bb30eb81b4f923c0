#!/bin/sh
# SPDX-License-Identifier: MIT
# The connection state machine under hostile and unusual clients: a full
# buffer with a body behind it, header names with a CR, Expect:
# 100-continue, bodies answered right after their head, stray empty lines
# between requests, and idle connections when the worker runs short of
# connections or fds.  Raw sockets through raw.py and the python3 helper
# below; one server per scenario, one worker, on a free port.
. "$(dirname "$0")/lib.sh"
plan 2

W=$T_DIR/www
mkdir -p "$W"
printf 'hello\n' >"$W/a.txt"
printf '<h1>index</h1>\n' >"$W/index.html"

raw() {
	python3 "$HERE/raw.py" "$@"
}

# serve NAME [OPTIONS...]: a server with one worker on a free port
# ($port); its master in $master, its worker in $worker.  Returns 1
# (after a FAIL note) if it does not answer.
serve() {
	s_n=$1
	shift
	port=$(free_port)
	start_cmd "$s_n" "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
	    -e "$T_DIR/$s_n.err" -p "$T_DIR/$s_n.pid" "$@" || return 1
	if ! poll 5 answers "$port" /a.txt; then
		fail_note "server $s_n does not answer" "$T_DIR/$s_n.err"
		return 1
	fi
	worker=$(kids "$master" | head -1)
}

# stop: kill the server of the block (QUIT is not enough for a stuck
# worker, so its worker too).
stop() {
	kill -KILL "$master" "$worker" 2>/dev/null
	poll 5 all_gone "$master" "$worker"
}

# ------------------------------------------- a CR in a header field name
serve crname || t_broken "server did not start"
t_case "Content\\rLength is a 400, not a body that hides a request" \
    'raw send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent\rLength: 37\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" |
    head -1 | cut -d" " -f2' 400
t_case "Transfer\\rEncoding: chunked is a 400" \
    'raw send "$port" "POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer\rEncoding: chunked\r\n\r\n0\r\n\r\n" |
    head -1 | cut -d" " -f2' 400
stop
t_mended

t_exit
