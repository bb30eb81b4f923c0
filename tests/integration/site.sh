#!/bin/sh
# SPDX-License-Identifier: MIT
# What container sites need beyond files: the SPA fallback, error pages,
# headers by path and security_headers, several index names, CORS and
# its preflight, the health path (503 once a drain is coming: QUIT,
# WINCH, TERM to init with shutdown_delay), and their config errors.
. "$(dirname "$0")/lib.sh"
plan 53
for f in FALLBACK ERROR_PAGE HEADERS INDEX CORS HEALTH; do
	optional "FEATURE_$f"
done

W=$T_DIR/www
mkdir -p "$W/assets" "$W/sub" "$W/both" "$W/noindex" "$W/err" \
    "$T_DIR/outside"
printf '<!doctype html><title>spa</title>\n' >"$W/index.html"
printf 'console.log(1)\n' >"$W/assets/app.js"
printf 'console.log(2)\n' >"$W/assets/gz.js"
printf 'gzipped' >"$W/assets/gz.js.gz"
printf 'htm\n' >"$W/sub/index.htm"
printf 'html\n' >"$W/both/index.html"
printf 'htm\n' >"$W/both/index.htm"
printf 'file\n' >"$W/noindex/file.txt"
printf '<p>not here</p>\n' >"$W/err/404.html"
printf 'refused\n' >"$W/err/403.txt"
printf 'SECRET=1\n' >"$W/.env"
printf 'outside\n' >"$T_DIR/outside/x"
ln -s "$T_DIR/outside" "$W/out"
head -c 2000000 /dev/zero >"$W/big"
SPA_LEN=$(wc -c <"$W/index.html" | tr -d ' ')

# The settings, from a file: the quoted value has spaces.
CONF=$T_DIR/site.conf
cat >"$CONF" <<'EOF'
fallback /index.html
header /assets/* Cache-Control "public, max-age=31536000, immutable"
header *.html Cache-Control no-cache
header *.js X-Js yes
security_headers on
error_page 404 /err/404.html
error_page 401 403 /err/403.txt
error_page 400 /err/missing.html
index index.html index.htm
cors_origins https://a.example https://b.example
health_path /healthz
EOF

# serve NAME [OPTIONS...]: a server with one worker on a free port; the
# cases up to the next serve are its block.
serve() {
	t_mended
	[ -n "$master" ] && kill "$master" 2>/dev/null
	port=$(free_port)
	s_n=$1
	shift
	if ! start_cmd "$s_n" "$FENIX" server -l "127.0.0.1:$port" -r "$W" \
	    -w 1 -e "$T_DIR/$s_n.err" -p "$T_DIR/$s_n.pid" "$@"; then
		t_broken "server $s_n did not start"
		return
	fi
	poll 5 answers "$port" /index.html || t_broken "server $s_n: no answer"
}

# hdr NAME PATH [CURL_ARGS...]: the status and the value of header NAME.
hdr() {
	h_n=$1 h_p=$2
	shift 2
	curl -s -D - -o /dev/null --max-time 5 "$@" \
	    "http://127.0.0.1:$port$h_p" | tr -d '\r' | awk -v n="$h_n" '
	    NR == 1 { st = $2 }
	    tolower($0) ~ "^" tolower(n) ": " { v = substr($0, length(n) + 3) }
	    END { print st " " (v == "" ? "-" : v) }'
}

health_is() {
	[ "$(hget "%{http_code}" /healthz)" = "$1" ]
}

etag() {
	curl -s -D - -o /dev/null --max-time 5 "http://127.0.0.1:$port$1" |
	    tr -d '\r' | sed -n 's/^ETag: //p'
}

master=
serve main -c "$CONF"
# SPA fallback
t_case "fallback: a client-side route gets index.html" \
    'bget /app/route' '<!doctype html><title>spa</title>'
t_case "fallback: HEAD, its length" \
    'hget "%{http_code} %header{content-length}" /app/route -I' \
    "200 $SPA_LEN"
t_case "fallback: a trailing slash too" 'hget "%{http_code}" /app/deep/' 200
tag=$(etag /index.html)
t_case "fallback: If-None-Match of index.html gives 304" \
    'hget "%{http_code}" /app/route -H "If-None-Match: $tag"' 304
t_case "fallback: a range of index.html gives 206" \
    'bget /app/route -r 0-8 -w " %{http_code}"' '<!doctype 206'
t_case "fallback: a missing asset with an extension gets 404" \
    'hget "%{http_code}" /app.3f2a.js' 404
t_case "fallback: not for a dotfile (404 page, not the app)" \
    'bget /.env -w " %{http_code}"' '<p>not here</p>
 404'
t_case "fallback: not for a symlink out of the root (403)" \
    'bget /out/x -w " %{http_code}"' 'refused
 403'
t_case "fallback: not for a directory without an index (403)" \
    'hget "%{http_code}" /noindex/' 403
t_case "fallback: not for POST (405)" \
    'hget "%{http_code}" /app/route -X POST' 405
# error_page
t_case "error_page: 404 with the file's body and type" \
    'hget "%{http_code} %{content_type} %{size_download}" /nothing.js' \
    '404 text/html 16'
t_case "error_page: 403, the second code of a line, typed by its extension" \
    'hget "%{http_code} %{content_type}" /noindex/' '403 text/plain; charset=utf-8'
t_case "error_page: HEAD has the length, no body" \
    'hget "%{http_code} %header{content-length} %{size_download}" /x.js -I' \
    '404 16 0'
t_case "error_page: a missing page file gives the built-in page" \
    'raw send $port "GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" |
    grep -c "<h1>400 Bad Request</h1>"' 1
# header
t_case "header: /assets/* on 200" 'hdr Cache-Control /assets/app.js' \
    '200 public, max-age=31536000, immutable'
t_case "header: *.html on the index of /" 'hdr Cache-Control /' \
    '200 no-cache'
t_case "header: *.html on the fallback" 'hdr Cache-Control /app/route' \
    '200 no-cache'
tag=$(etag /assets/app.js)
t_case "header: on 304" \
    'hdr Cache-Control /assets/app.js -H "If-None-Match: $tag"' \
    '304 public, max-age=31536000, immutable'
t_case "header: on 206" 'hdr Cache-Control /assets/app.js -r 0-3' \
    '206 public, max-age=31536000, immutable'
t_case "header: not on 404" 'hdr Cache-Control /assets/none.js' '404 -'
t_case "header: a .gz variant matches as its file" \
    'hdr X-Js /assets/gz.js -H "Accept-Encoding: gzip"' '200 yes'
t_case "security_headers: nosniff" 'hdr X-Content-Type-Options /' \
    '200 nosniff'
t_case "security_headers: Referrer-Policy" 'hdr Referrer-Policy /' \
    '200 strict-origin-when-cross-origin'
t_case "security_headers: X-Frame-Options on 304" \
    'hdr X-Frame-Options /assets/app.js -H "If-None-Match: $tag"' \
    '304 SAMEORIGIN'
# index
t_case "index: index.htm when index.html is missing" 'bget /sub/' 'htm'
t_case "index: the first name wins" 'bget /both/' 'html'
# CORS
t_case "cors: an allowed origin is echoed" \
    'hdr Access-Control-Allow-Origin /assets/app.js -H "Origin: https://b.example"' \
    '200 https://b.example'
t_case "cors: Vary: Origin" \
    'hdr Vary /assets/app.js -H "Origin: https://b.example"' '200 Origin'
t_case "cors: a disallowed origin gets no ACAO" \
    'hdr Access-Control-Allow-Origin /assets/app.js -H "Origin: https://evil.example"' \
    '200 -'
t_case "cors: preflight OPTIONS is 204 with the methods" \
    'hdr Access-Control-Allow-Methods /assets/app.js -X OPTIONS -H "Origin: https://a.example" -H "Access-Control-Request-Method: GET"' \
    '204 GET, HEAD, OPTIONS'
t_case "cors: preflight allows Range and Authorization" \
    'hdr Access-Control-Allow-Headers /x -X OPTIONS -H "Origin: https://a.example"' \
    '204 Authorization, Range'
t_case "cors: preflight from a disallowed origin has no ACAO" \
    'hdr Access-Control-Allow-Origin /x -X OPTIONS -H "Origin: https://evil.example"' \
    '204 -'
# health
t_case "health: 200 ok while serving" 'bget /healthz -w " %{http_code}"' \
    'ok
 200'
t_case "health: HEAD" 'hget "%{http_code}" /healthz -I' 200
t_case "health: no-store" 'hdr Cache-Control /healthz' '200 no-store'

serve plain -o "cors_origins=*"
t_case "cors *: Access-Control-Allow-Origin: *" \
    'hdr Access-Control-Allow-Origin / -H "Origin: https://x.example"' \
    '200 *'
t_case "fallback off: a missing route is 404" 'hget "%{http_code}" /app/r' \
    404
serve plain2
t_case "no cors: OPTIONS stays 405" 'hget "%{http_code}" / -X OPTIONS' 405
t_case "no health_path: /healthz is a file path (404)" \
    'hget "%{http_code}" /healthz' 404
kill "$master" 2>/dev/null
master=
t_mended

# Config errors: exit 100 and the reason.
bad() {
	b_out=$("$FENIX" server -t -r "$W" -o "$1" 2>&1)
	echo "$? $(echo "$b_out" | grep -c "$2")"
}
t_case "config: a header NAME with ':' is refused" \
    'bad "header=/* X:Y z" "expected PATTERN"' '100 1'
t_case "config: header Content-Length is refused" \
    'bad "header=/* Content-Length 1" "expected PATTERN"' '100 1'
t_case "config: error_page 200 is refused" \
    'bad "error_page=200 /x.html" "400-599"' '100 1'
t_case "config: a relative fallback is refused" \
    'bad "fallback=index.html" "needs a file"' '100 1'
t_case "config: * with other origins is refused" \
    'bad "cors_origins=* https://a.example" "lone"' '100 1'
t_case "config: header needs three values (file:line)" \
    'printf "header /x Cache-Control\n" >"$T_DIR/bad.conf"
    "$FENIX" server -t -r "$W" -c "$T_DIR/bad.conf" 2>&1 | grep -c "bad.conf:1: too few values"' 1

# Drains: the health path turns 503 on a keep-alive connection while a
# slow download keeps the worker alive.  drain NAME SIGNAL
drain() {
	rm -f "$T_DIR/$1".*
	serve "$1" -o health_path=/healthz -o grace_timeout=30 \
	    -o shutdown_timeout=30
	[ -n "$T_BROKEN" ] && return
	raw noread "$port" /big "$T_DIR/$1.r1" "$T_DIR/$1.go" 30 \
	    >"$T_DIR/$1.slow" 2>&1 &
	slow=$!
	raw until "$port" /healthz 503 "$T_DIR/$1.r2" "$T_DIR/$1.go" 30 \
	    >"$T_DIR/$1.ka" 2>&1 &
	ka=$!
	T_PIDS="$T_PIDS $slow $ka"
	if ! poll 20 test -e "$T_DIR/$1.r1" -a -e "$T_DIR/$1.r2"; then
		t_note "slow client" "$T_DIR/$1.slow"
		t_note "keep-alive client" "$T_DIR/$1.ka"
		t_broken "$1: the clients did not start"
		return
	fi
	kill "-$2" "$master"
	touch "$T_DIR/$1.go"
	wait "$ka"
}
drain quit QUIT
t_case "health: 503 on QUIT, Connection: close" 'cat "$T_DIR/quit.ka"' \
    '200
503 close'
wait "$slow"
t_case "health: the slow download was served whole" \
    'cat "$T_DIR/quit.slow"' '200 2000000'
t_ok "health: the master exits after the drain" 'poll 10 gone $master'
t_mended
drain winch WINCH
t_case "health: 503 on WINCH" 'cat "$T_DIR/winch.ka"' '200
503 close'
wait "$slow"
t_case "health: WINCH: the download was served whole" \
    'cat "$T_DIR/winch.slow"' '200 2000000'
kill "$master" 2>/dev/null
t_mended

# TERM to init with shutdown_delay: 503 at once, files still served.
qemu_skipping "prctl PR_SET_CHILD_SUBREAPER is EINVAL in qemu 7.2, -s exits"
if [ -z "$T_SKIPPING" ]; then
	port=$(free_port)
	start_bg "$FENIX" server -s -D 30 -l "127.0.0.1:$port" -r "$W" \
	    -w 1 -e "$T_DIR/init.err" -p "$T_DIR/init.pid" \
	    -o health_path=/healthz </dev/null 2>>"$T_DIR/init.log"
	init=$T_LAST
	poll 10 answers "$port" /healthz || t_broken "init did not start"
	kill -TERM "$init"
fi
t_ok "health: 503 once init got TERM" \
    'poll 10 health_is 503'
t_case "health: files still served during shutdown_delay" \
    'hget "%{http_code}" /index.html' 200
t_ok "health: init still runs" 'alive $init'
if [ -z "$T_SKIPPING" ]; then
	kill -QUIT "$init" 2>/dev/null
	poll 10 gone "$init" || kill -KILL "$init" 2>/dev/null
fi
qemu_done
t_mended

t_exit
