#!/bin/sh
# SPDX-License-Identifier: MIT
# CGI (RFC 3875, BusyBox httpd's model): the environment, the body in,
# status and headers out, Location, the timeout, crashes and garbage, the
# cap on scripts at once, a slow script while others are served, the path
# rules, methods, and CGI off by default.  Scripts are small sh files the
# test writes; three servers with one worker each on free ports.
. "$(dirname "$0")/lib.sh"

plan 43
optional FEATURE_CGI

W=$T_DIR/www C=$T_DIR/cgi O=$T_DIR/outside
mkdir -p "$W" "$C/sub" "$O"
printf 'static\n' >"$W/index.html"
printf 'static\n' >"$W/page.txt"

# script NAME BODY: an executable sh script in the CGI directory.
script() {
	printf '#!/bin/sh\n%s\n' "$2" >"$C/$1"
	chmod +x "$C/$1"
}

script env.sh 'printf "Content-Type: text/plain\r\n\r\n"; env; echo "CWD=$(pwd)"
echo "BODY:$(cat)"; echo "to the log" >&2'
script sum.sh 'printf "Content-Type: application/octet-stream\n\n"; cksum'
script status.sh 'printf "Status: 201 Created\nX-Thing: yes\n\nmade\n"'
script loc.sh 'printf "Location: /elsewhere\n\n"'
script sub/deep.sh 'printf "Content-Type: text/plain\n\ndeep $PATH_INFO\n"'
script crash.sh 'kill -SEGV $$'
script quiet.sh 'exit 0'
script garbage.sh 'printf "hello world\n\nmore\n"'
script big.sh 'printf "Content-Type: text/plain\n\n"
i=0; while [ $i -lt 2000 ]; do
echo "line $i of a long answer, written in pieces to a slow pipe"; i=$((i+1))
done'
script hang.sh 'echo "pid $$" >&2; exec sleep 60'
script id.sh 'printf "Content-Type: text/plain\n\n"; id -u'
# slow.sh waits for $T_DIR/go: its start is marked in $T_DIR/started.PID.
script slow.sh "touch $T_DIR/started.\$\$
while [ ! -e $T_DIR/go ]; do sleep 0.05; done
printf 'Content-Type: text/plain\n\nslow done\n'"
script .hidden.sh 'printf "Content-Type: text/plain\n\nhidden\n"'
printf '#!/bin/sh\necho no\n' >"$C/noexec.sh"
script "../outside/out.sh" 'printf "Content-Type: text/plain\n\nout\n"'
ln -s "$O/out.sh" "$C/link.sh"

port=$(free_port)
serve_up cgi "$port" /page.txt \
    "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -o "cgi=/cgi-bin $C" -o cgi_max=2 -o body_max=200k \
    -e "$T_DIR/cgi.err" -p "$T_DIR/cgi.pid"

# The environment (RFC 3875 4.1), the body on stdin, stderr to the log.
bget "/cgi-bin/env.sh/a/b?x=1&y=%20" -d 'k=v&w=2' -H 'X-Foo: bar' \
    -H 'Proxy: http://evil' -H 'Content-Type: text/x-test' >"$T_DIR/env.out"
envis() {
	grep "^$1=" "$T_DIR/env.out"
}
t_case "env: REQUEST_METHOD" 'envis REQUEST_METHOD' "REQUEST_METHOD=POST"
t_case "env: QUERY_STRING, raw" 'envis QUERY_STRING' "QUERY_STRING=x=1&y=%20"
t_case "env: SCRIPT_NAME" 'envis SCRIPT_NAME' "SCRIPT_NAME=/cgi-bin/env.sh"
t_case "env: PATH_INFO" 'envis PATH_INFO' "PATH_INFO=/a/b"
t_case "env: CONTENT_LENGTH, CONTENT_TYPE" \
    'envis CONTENT_LENGTH; envis CONTENT_TYPE' \
    "CONTENT_LENGTH=7
CONTENT_TYPE=text/x-test"
t_case "env: GATEWAY_INTERFACE, SERVER_PROTOCOL, SERVER_SOFTWARE" \
    'envis GATEWAY_INTERFACE; envis SERVER_PROTOCOL; envis SERVER_SOFTWARE' \
    "GATEWAY_INTERFACE=CGI/1.1
SERVER_PROTOCOL=HTTP/1.1
SERVER_SOFTWARE=fenix"
t_case "env: SERVER_NAME, SERVER_PORT, REMOTE_ADDR" \
    'envis SERVER_NAME; envis SERVER_PORT; envis REMOTE_ADDR' \
    "SERVER_NAME=127.0.0.1
SERVER_PORT=$port
REMOTE_ADDR=127.0.0.1"
t_ok "env: REMOTE_PORT is a port" \
    'envis REMOTE_PORT | grep -Eq "^REMOTE_PORT=[1-9][0-9]*$"'
t_case "env: HTTP_X_FOO from X-Foo; no HTTP_PROXY (httpoxy)" \
    'envis HTTP_X_FOO; envis HTTP_PROXY' "HTTP_X_FOO=bar"
t_case "the script runs in its directory" 'envis CWD' "CWD=$C"
t_case "the body on stdin" 'grep "^BODY:" "$T_DIR/env.out"' "BODY:k=v&w=2"
t_ok "stderr goes to the error log, named" \
    'poll 5 grep_file "cgi env.sh: to the log" "$T_DIR/cgi.err"'

# A body of 150 KiB through the pipe and back (both ways past a pipe).
head -c 153600 /dev/urandom >"$T_DIR/body.bin"
head -c 307200 /dev/urandom >"$T_DIR/big.bin"
t_case "a 150 KiB body in, its checksum out" \
    'bget /cgi-bin/sum.sh --data-binary "@$T_DIR/body.bin"' \
    "$(cksum <"$T_DIR/body.bin")"
t_case "a long answer arrives whole, close-delimited" \
    'bget /cgi-bin/big.sh | wc -l' "2000"

# Status and header fields out; Location; a script in a subdirectory.
t_case "Status: 201 and X-Thing pass" \
    'hget "%{http_code} %header{x-thing} %header{connection}" \
    /cgi-bin/status.sh' "201 yes close"
t_case "Location alone: 302" \
    'hget "%{http_code} %header{location}" /cgi-bin/loc.sh' \
    "302 /elsewhere"
t_case "a script in a subdirectory, with PATH_INFO" \
    'bget /cgi-bin/sub/deep.sh/x' "deep /x"
t_case "HEAD: the head only" \
    'curl -s -I --max-time 5 "http://127.0.0.1:$port/cgi-bin/status.sh" |
    tr -d "\r" | grep -c "^X-Thing: yes"; bget /cgi-bin/status.sh -I |
    grep -c made' "1
0"

# Scripts that die or write garbage: 502.
t_case "a script killed by a signal before its head: 502" \
    'hget "%{http_code}" /cgi-bin/crash.sh' "502"
t_case "a script that writes nothing: 502" \
    'hget "%{http_code}" /cgi-bin/quiet.sh' "502"
t_case "a script that writes no CGI head: 502" \
    'hget "%{http_code}" /cgi-bin/garbage.sh' "502"

# Paths: the rules of files; methods; sizes.
t_case "a symlink out of the directory: 403" \
    'hget "%{http_code}" /cgi-bin/link.sh' "403"
t_case "dot-dot cannot leave the directory" \
    'hget "%{http_code}" /cgi-bin/%2e%2e/outside/out.sh --path-as-is' "404"
t_case "a dotfile: 404" 'hget "%{http_code}" /cgi-bin/.hidden.sh' "404"
t_case "not executable: 403" 'hget "%{http_code}" /cgi-bin/noexec.sh' "403"
t_case "missing: 404" 'hget "%{http_code}" /cgi-bin/nothere.sh' "404"
t_case "the directory itself: 403" 'hget "%{http_code}" /cgi-bin/sub/' "403"
t_case "POST outside the prefix: 405" \
    'hget "%{http_code}" /page.txt -d x=1' "405"
t_case "a body past body_max: 413" \
    'hget "%{http_code}" /cgi-bin/sum.sh --data-binary "@$T_DIR/big.bin"' \
    "413"
t_case "a chunked body: 411" \
    'hget "%{http_code}" /cgi-bin/sum.sh -H "Transfer-Encoding: chunked" \
    -d x=1' "411"

# A slow script blocks no other client; cgi_max=2 scripts at once.
rm -f "$T_DIR/go"
curl -s --max-time 20 "http://127.0.0.1:$port/cgi-bin/slow.sh" \
    >"$T_DIR/slow1.out" &
s1=$!
curl -s --max-time 20 "http://127.0.0.1:$port/cgi-bin/slow.sh" \
    >"$T_DIR/slow2.out" &
s2=$!
T_PIDS="$T_PIDS $s1 $s2"
two_started() {
	[ "$(ls "$T_DIR" | grep -c '^started\.')" -eq 2 ]
}
poll 10 two_started || t_note "the slow scripts did not start"
t_case "while two scripts wait, a file comes at once" \
    'bget /page.txt --max-time 2' "static"
t_case "while two scripts wait, another script waits in line: 503" \
    'hget "%{http_code}" /cgi-bin/status.sh --max-time 2' "503"
touch "$T_DIR/go"
wait "$s1" "$s2"
t_case "the two slow scripts finish" 'cat "$T_DIR/slow1.out" \
    "$T_DIR/slow2.out"' "slow done
slow done"
worker=$(kids "$master" | head -1)
t_ok "every script is reaped: the worker has no children" \
    'poll 5 nkids_is "$worker" 0'
t_case "the worker serves on after them" 'bget /cgi-bin/sub/deep.sh' "deep "
t_ok "the 503 and 502 are in no way fatal: the worker is the same" \
    '[ "$(kids "$master" | head -1)" = "$worker" ]'
[ -z "$T_BROKEN" ] && kill -TERM "$master" && poll 10 gone "$master"
t_mended

# cgi_timeout: a silent script gets a 504 and its process group dies.
# As root, this server's workers (and so its scripts) run as nobody.
uopt=
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	uopt="-u nobody"
	chmod 755 "$T_DIR"
fi
port=$(free_port)
serve_up short "$port" /page.txt \
    "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 $uopt \
    -o "cgi=/cgi-bin/ $C" -o cgi_timeout=1 \
    -e "$T_DIR/short.err" -p "$T_DIR/short.pid"
t_case "a script silent past cgi_timeout: 504" \
    'hget "%{http_code}" /cgi-bin/hang.sh --max-time 10' "504"
hangpid() {
	sed -n 's/.*cgi hang.sh: pid \([0-9][0-9]*\)$/\1/p' "$T_DIR/short.err"
}
t_ok "its process is killed" \
    'poll 5 grep_file "hang.sh: pid" "$T_DIR/short.err" &&
    poll 5 gone "$(hangpid)"'
if [ -n "$uopt" ]; then
	t_case "a script has the worker's privileges (user nobody)" \
	    'bget /cgi-bin/id.sh' "$(id -u nobody)"
else
	t_skip "a script has the worker's privileges" "not root"
fi
[ -z "$T_BROKEN" ] && kill -TERM "$master" && poll 10 gone "$master"
t_mended

# Off by default: no cgi setting, no scripts, no POST.
port=$(free_port)
serve_up off "$port" /page.txt \
    "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -e "$T_DIR/off.err" -p "$T_DIR/off.pid"
t_case "off by default: GET of a script path 404" \
    'hget "%{http_code}" /cgi-bin/env.sh' "404"
t_case "off by default: POST 405" \
    'hget "%{http_code}" /cgi-bin/env.sh -d x=1' "405"
[ -z "$T_BROKEN" ] && kill -TERM "$master" && poll 10 gone "$master"
t_mended

printf 'cgi /cgi-bin %s  # a comment\ncgi_max 4\ncgi_timeout 2.5\n' "$C" \
    >"$T_DIR/cgi.conf"
t_case "cgi PREFIX DIR in a config file" \
    '"$FENIX" server -t -c "$T_DIR/cgi.conf" >/dev/null 2>&1; echo $?' "0"
t_case "a cgi setting without a directory is refused" \
    '"$FENIX" server -t -o "cgi=/cgi-bin" >/dev/null 2>&1; echo $?' "100"
t_exit
