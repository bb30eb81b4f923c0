#!/bin/sh
# SPDX-License-Identifier: MIT
# The server over HTTP: bodies and headers, paths and traversal, symlinks,
# conditionals, ranges, gzip_static, the parser's refusals, request bodies,
# keep-alive and pipelining, timeouts, the access log and the command line.
# One server per scenario, each on a free port of 127.0.0.1, its root built
# in $T_DIR/www.  Raw-socket cases go through raw.py.
. "$(dirname "$0")/lib.sh"
plan 150

HERE=$(cd "$(dirname "$0")" && pwd)
W=$T_DIR/www
SECRET="fenix-secret-$$-outside-the-root"

httpdate() {
	LC_ALL=C date -u -d "@$1" '+%a, %d %b %Y %H:%M:%S GMT'
}

# serve [OPTIONS...]: a server with one worker on a free port ($port);
# the cases that follow, up to the next serve, are its block: if it does
# not start they FAIL with the reason.  Nothing starts in a skipped block.
serve() {
	[ -n "$T_SKIPPING" ] && return 0
	t_mended
	port=$(free_port)
	start_bg "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
	    -e "$T_DIR/error-$port.log" -p "$T_DIR/fenix-$port.pid" "$@"
	if ! poll 5 curl -s -o /dev/null --max-time 1 \
	    "http://127.0.0.1:$port/"; then
		kill "$T_LAST" 2>/dev/null
		t_broken "server $* did not start: $(tail -1 \
		    "$T_DIR/error-$port.log" 2>/dev/null)"
	fi
}

# code PATH [CURL_ARGS...]: the status.
code() {
	hget '%{http_code}' "$@"
}

# rsend TARGET [EXTRA_HEADER_LINES]: a raw GET with Connection: close;
# prints the status, and LEAK if the secret shows up in the answer, or
# why it failed (the server must close after answering).
rsend() {
	if ! r_out=$(raw send "$port" \
	    "GET $1 HTTP/1.1\\r\\nHost: x\\r\\n${2:-}Connection: close\\r\\n\\r\\n" \
	    2>&1); then
		printf 'raw failed: %s\n' "$r_out" | head -3
		return
	fi
	printf '%s\n' "$r_out" | grep -q "$SECRET" && echo LEAK
	printf '%s\n' "$r_out" | head -1 | cut -d' ' -f2
}

# rdata DATA: send DATA raw; the status of the answer and "closed" (the
# server must close the connection after it).
rdata() {
	if ! r_out=$(raw send "$port" "$1" 2>&1); then
		printf 'raw failed: %s\n' "$r_out" | head -3
		return
	fi
	printf '%s\n' "$r_out" | head -1 | cut -d' ' -f2
	echo closed
}

# ---------------------------------------------------------------- the root
mkdir -p "$W/dir" "$W/noindex" "$W/a/.git" "$W/.well-known" "$W/list/sub" \
    "$T_DIR/etc" "$T_DIR/outside"
printf '<h1>fenix test</h1>\n' >"$W/index.html"
printf 'hello, world\n' >"$W/hello.txt"
printf 'in dir\n' >"$W/dir/index.html"
printf 'no index here\n' >"$W/noindex/f.txt"
printf 'TOKEN=dot\n' >"$W/.env"
printf '[core]\n' >"$W/a/.git/config"
printf 'well known\n' >"$W/.well-known/x"
printf '0123456789abcdefghij' >"$W/digits.txt"
printf 'one' >"$W/p1.txt"
printf 'two' >"$W/p2.txt"
printf 'three' >"$W/p3.txt"
printf 'body { color: red; }\n' >"$W/style.css"
printf 'gzipped stand-in, not the plain file\n' | gzip -9 -n >"$W/style.css.gz"
printf 'x\n' >"$W/list/a<b>&.txt"
printf 'x\n' >"$W/list/.hidden"
printf 'x\n' >"$W/list/plain.txt"
printf '%s\n' "$SECRET" >"$T_DIR/secret"
printf 'root:x:0:0:%s\n' "$SECRET" >"$T_DIR/etc/passwd"
printf '%s\n' "$SECRET" >"$T_DIR/outside/s.txt"
ln -s hello.txt "$W/link.txt"
ln -s "$W/hello.txt" "$W/abslink.txt"
ln -s "$T_DIR/secret" "$W/out.txt"
ln -s "$T_DIR/outside" "$W/outdir"
for e in html css js mjs json svg png jpg gif webp avif ico wasm woff2 txt \
    pdf mp4 xyz; do
	printf 'type %s\n' "$e" >"$W/t.$e"
done
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 20480)' \
    >"$W/big.bin"
touch -d @1600000000 "$W/hello.txt" "$W/digits.txt"
mtime=$(stat -c %Y "$W/hello.txt")
size=$(stat -c %s "$W/hello.txt")
etag="\"$(printf '%x-%x' "$mtime" "$size")\""
lastmod=$(httpdate "$mtime")

# ------------------------------------------------------ the default server
serve

t_case "GET /hello.txt is 200" 'code /hello.txt' 200
t_ok "GET /hello.txt has the exact body" \
    'bget /hello.txt | cmp - "$W/hello.txt"'
t_case "GET / serves index.html" 'bget /' '<h1>fenix test</h1>'
hdrs='%{http_code} %header{content-length} %header{etag} %header{last-modified} %header{content-type}'
get_hdrs=$(hget "$hdrs" /hello.txt)
t_case "GET headers: status, Content-Length, ETag, Last-Modified, type" \
    'echo "$get_hdrs"' "200 13 $etag $lastmod text/plain; charset=utf-8"
t_case "HEAD has the same status and headers as GET" \
    'hget "$hdrs" /hello.txt -I' "$get_hdrs"
t_case "HEAD has no body" \
    'raw talk "$port" -c -H Content-Length \
    "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"' \
    "200 13
closed"
t_case "Server: fenix" 'hget "%header{server}" /hello.txt' fenix
t_ok "Date is an HTTP date close to now" \
    'd=$(hget "%header{date}" /hello.txt) &&
    printf "%s\n" "$d" | grep -Eq "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\$" &&
    s=$(date -u -d "$d" +%s) && n=$(date +%s) &&
    [ $((n - s)) -le 5 ] && [ $((s - n)) -le 5 ]'
t_case "HEAD's Date is there too" \
    'hget "%header{date}" /hello.txt -I | grep -c " GMT$"' 1

# Not found and dotfiles.
t_case "missing file is 404" 'code /nope.txt' 404
t_case "404 has a small HTML page" 'hget "%header{content-type}" /nope.txt' \
    text/html
t_case "/.env is 404 by default" 'code /.env' 404
t_case "/a/.git/config is 404 by default" 'code /a/.git/config' 404
t_case "/.well-known/x is served" 'bget /.well-known/x' 'well known'

# Directories.
t_case "directory without slash: 301 to /dir/" \
    'hget "%{http_code} %header{location}" /dir' '301 /dir/'
t_case "301 keeps the query: /dir?x=1 -> /dir/?x=1" \
    'hget "%{http_code} %header{location}" "/dir?x=1"' '301 /dir/?x=1'
t_case "/dir/ serves dir/index.html" \
    'hget "%{http_code} " /dir/; bget /dir/' '200 in dir'
t_case "directory without index.html is 403" 'code /noindex/' 403
t_case "directory listing is off by default" 'code /list/' 403

# Content types.
for e in html:text/html css:text/css js:application/javascript \
    mjs:application/javascript json:application/json svg:image/svg+xml \
    png:image/png jpg:image/jpeg gif:image/gif webp:image/webp \
    avif:image/avif ico:image/x-icon wasm:application/wasm \
    woff2:font/woff2 'txt:text/plain; charset=utf-8' pdf:application/pdf \
    mp4:video/mp4 xyz:application/octet-stream; do
	ext=${e%%:*} type=${e#*:}
	t_case "Content-Type of .$ext is $type" \
	    'hget "%{http_code} %{content_type}" "/t.$ext"' "200 $type"
done

# Validators and conditionals.
t_case "ETag is \"hexmtime-hexsize\" ($etag)" \
    'hget "%header{etag}" /hello.txt' "$etag"
t_case "Last-Modified is the file's mtime ($lastmod)" \
    'hget "%header{last-modified}" /hello.txt' "$lastmod"
t_case "If-None-Match with the ETag: 304" \
    'code /hello.txt -H "If-None-Match: $etag"' 304
t_case "304 has the ETag and Last-Modified, no body" \
    'hget "%header{etag} %header{last-modified} %{size_download}" \
    /hello.txt -H "If-None-Match: $etag"' "$etag $lastmod 0"
t_case "If-None-Match with the ETag in a list: 304" \
    'code /hello.txt -H "If-None-Match: \"aaa-1\", $etag, \"bbb-2\""' 304
t_case "If-None-Match with the weak W/ETag: 304" \
    'code /hello.txt -H "If-None-Match: W/$etag"' 304
t_case "If-None-Match: * is 304" 'code /hello.txt -H "If-None-Match: *"' 304
t_case "If-None-Match: \"*\" in a list is no wildcard (RFC 9110 13.1.2): 200" \
    'code /hello.txt -H "If-None-Match: \"aaa-1\", *"' 200
t_case "If-None-Match: W/\"6\"* is malformed, no wildcard: 200" \
    'code /hello.txt -H "If-None-Match: W/\"6\"*"' 200
t_case "If-None-Match with another ETag: 200" \
    'code /hello.txt -H "If-None-Match: \"5f5e1000-e\""' 200
t_case "If-Modified-Since equal to Last-Modified: 304" \
    'code /hello.txt -H "If-Modified-Since: $lastmod"' 304
t_case "If-Modified-Since a day older: 200" \
    'code /hello.txt -H "If-Modified-Since: $(httpdate $((mtime - 86400)))"' \
    200
t_case "If-None-Match (no match) wins over If-Modified-Since (match)" \
    'code /hello.txt -H "If-None-Match: \"0-0\"" \
    -H "If-Modified-Since: $lastmod"' 200
t_case "If-None-Match (match) wins over If-Modified-Since (older)" \
    'code /hello.txt -H "If-None-Match: $etag" \
    -H "If-Modified-Since: $(httpdate $((mtime - 86400)))"' 304

# Ranges on digits.txt: 0123456789abcdefghij (20 bytes).
dlen=20
detag="\"$(printf '%x-%x' "$(stat -c %Y "$W/digits.txt")" "$dlen")\""
rng='%{http_code} %header{content-range} %header{content-length}'
t_case "Range bytes=0-9: 206, Content-Range, the 10 bytes" \
    'hget "$rng " /digits.txt -r 0-9; bget /digits.txt -r 0-9' \
    "206 bytes 0-9/$dlen 10 0123456789"
t_case "Range suffix bytes=-5: the last 5 bytes" \
    'hget "$rng " /digits.txt -H "Range: bytes=-5"
    bget /digits.txt -H "Range: bytes=-5"' \
    "206 bytes 15-19/$dlen 5 fghij"
t_case "Range open bytes=5-: to the end" \
    'hget "$rng " /digits.txt -H "Range: bytes=5-"
    bget /digits.txt -H "Range: bytes=5-"' \
    "206 bytes 5-19/$dlen 15 56789abcdefghij"
t_case "Range last past the end is clamped: bytes=15-100" \
    'hget "$rng " /digits.txt -H "Range: bytes=15-100"
    bget /digits.txt -H "Range: bytes=15-100"' \
    "206 bytes 15-19/$dlen 5 fghij"
t_case "Range bytes=$dlen- is unsatisfiable: 416, bytes */$dlen" \
    'hget "%{http_code} %header{content-range}" /digits.txt \
    -H "Range: bytes=$dlen-"' "416 bytes */$dlen"
t_case "If-Range with the current ETag: 206" \
    'hget "%{http_code} " /digits.txt -r 0-1 -H "If-Range: $detag"
    bget /digits.txt -r 0-1 -H "If-Range: $detag"' "206 01"
t_case "If-Range with another ETag: 200, the whole file" \
    'hget "%{http_code} " /digits.txt -r 0-1 -H "If-Range: \"1-1\""
    bget /digits.txt -r 0-1 -H "If-Range: \"1-1\""' \
    "200 0123456789abcdefghij"
t_case "If-Range with the Last-Modified date: 206" \
    'hget "%{http_code} %header{content-range}" /digits.txt -r 2-3 \
    -H "If-Range: $(httpdate "$(stat -c %Y "$W/digits.txt")")"' \
    "206 bytes 2-3/$dlen"
t_case "several ranges bytes=0-1,4-5: 200, the whole file" \
    'hget "%{http_code} " /digits.txt -H "Range: bytes=0-1,4-5"
    bget /digits.txt -H "Range: bytes=0-1,4-5"' "200 0123456789abcdefghij"
t_case "invalid range bytes=x-y: 200, the whole file" \
    'hget "%{http_code} " /digits.txt -H "Range: bytes=x-y"
    bget /digits.txt -H "Range: bytes=x-y"' "200 0123456789abcdefghij"
t_case "Accept-Ranges: bytes" 'hget "%header{accept-ranges}" /digits.txt' \
    bytes

# gzip_static.
built FEATURE_GZIP_STATIC ||
    t_skipping "FEATURE_GZIP_STATIC not configured"
t_ok "Accept-Encoding: gzip gets the bytes of style.css.gz" \
    'bget /style.css -H "Accept-Encoding: gzip" | cmp - "$W/style.css.gz"'
t_case "... with Content-Encoding: gzip, Vary and style.css's type" \
    'hget "%{http_code}|%header{content-encoding}|%header{vary}|%{content_type}" \
    /style.css -H "Accept-Encoding: gzip"' \
    "200|gzip|Accept-Encoding|text/css"
t_case "Accept-Encoding: deflate, gzip;q=0.5 gets it too" \
    'hget "%header{content-encoding}" /style.css \
    -H "Accept-Encoding: deflate, gzip;q=0.5"' gzip
t_ok "no Accept-Encoding: the plain file" \
    'bget /style.css | cmp - "$W/style.css"'
t_case "no Accept-Encoding: no Content-Encoding, but Vary" \
    'hget "%header{content-encoding}|%header{vary}|%{content_type}" \
    /style.css' "|Accept-Encoding|text/css"
t_ok "Accept-Encoding: gzip;q=0 gets the plain file" \
    'bget /style.css -H "Accept-Encoding: gzip;q=0" |
    cmp - "$W/style.css"'
t_case "Accept-Encoding: gzip;q=0 has no Content-Encoding" \
    'hget "%header{content-encoding}" /style.css \
    -H "Accept-Encoding: gzip;q=0"' ""
t_mended

# Traversal, in every encoding; the secret beside the root never shows.
t_case "curl --path-as-is /../etc/passwd: 400, no secret" \
    'hget "%{http_code}\n" /../etc/passwd --path-as-is;
    bget /../etc/passwd --path-as-is | grep -c "$SECRET"' "400
0"
t_case "raw /../etc/passwd: 400, no secret" 'rsend /../etc/passwd' 400
t_case "raw /../secret: 400, no secret" 'rsend /../secret' 400
t_case "/%2e%2e/%2e%2e/etc/passwd: 400, no secret" \
    'rsend /%2e%2e/%2e%2e/etc/passwd' 400
t_case "/%2e%2e/secret: 400, no secret" 'rsend /%2e%2e/secret' 400
t_case "/%2E%2E/: 400, no secret" 'rsend /%2E%2E/' 400
t_case "/%252e%252e/etc/passwd (double encoding) is a name: 404" \
    'rsend /%252e%252e/etc/passwd' 404
t_case "/%c0%ae%c0%ae/etc/passwd (overlong UTF-8): 400" \
    'rsend /%c0%ae%c0%ae/etc/passwd' 400
t_case "/..%5c..%5cetc/passwd (encoded backslash): 400" \
    'rsend /..%5c..%5cetc/passwd' 400
t_case "/..BS..BSetc/passwd with BS a raw backslash: 400" \
    'rsend "/..\\\\..\\\\etc/passwd"' 400
t_case "/a%00b (NUL): 400" 'rsend /a%00b' 400
t_case "/a%2f..%2f..%2fsecret (encoded slash): 400" \
    'rsend /a%2f..%2f..%2fsecret' 400
t_case "/a/../../x (above the root): 400" 'rsend /a/../../x' 400
t_case "/a/../index.html stays inside: 200" \
    'rsend /a/../index.html; bget /a/../index.html --path-as-is' \
    "200
<h1>fenix test</h1>"
t_case "absolute-form http://x/../secret: 400" \
    'rsend http://x/../secret' 400

# Symlinks.
t_case "relative symlink to a file inside the root: 200" \
    'hget "%{http_code} " /link.txt; bget /link.txt' "200 hello, world"
t_case "absolute symlink to a file inside the root: 200" \
    'hget "%{http_code} " /abslink.txt; bget /abslink.txt' "200 hello, world"
t_case "symlink to a file outside the root: 403, no secret" \
    'rsend /out.txt' 403
t_case "symlinked directory pointing outside: 403, no secret" \
    'rsend /outdir/s.txt' 403
t_case "the symlinked directory itself: 403" 'rsend /outdir/' 403

# Methods and the parser.
for m in POST PUT DELETE; do
	t_case "$m is 405 with Allow: GET, HEAD" \
	    'hget "%{http_code} %header{allow}" /hello.txt -X $m' \
	    "405 GET, HEAD"
done
t_case "unknown method BREW is 501" 'code /hello.txt -X BREW' 501
t_case "HTTP/1.1 without Host: 400" \
    'rdata "GET /hello.txt HTTP/1.1\r\n\r\n"' "400
closed"
t_case "HTTP/1.0 without Host: 200, then closed" \
    'raw talk "$port" -c -b "GET /hello.txt HTTP/1.0\r\n\r\n"' \
    '200 hello, world\n
closed'
t_case "Content-Length with Transfer-Encoding: 400" \
    'rdata "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"' \
    "400
closed"
t_case "two different Content-Length: 400" \
    'rdata "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"' \
    "400
closed"
t_case "obs-fold: 400" \
    'rdata "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n"' \
    "400
closed"
t_case "bare CR in a header: 400" \
    'rdata "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n"' \
    "400
closed"
long=$(python3 -c 'print("a" * 8200)')
t_case "request line longer than 8192: 414" \
    'rdata "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n"' "414
closed"
many=$(python3 -c 'print("".join("X-H%d: v\\r\\n" % i for i in range(200)))')
t_case "200 header fields: 431" \
    'rdata "GET /hello.txt HTTP/1.1\r\nHost: x\r\n$many\r\n"' "431
closed"
big=$(python3 -c 'print("a" * 20480)')
t_case "a 20 KiB header: 431" \
    'rdata "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n"' \
    "431
closed"
t_case "HTTP/2 preface: 400 and closed" \
    'rdata "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"' "400
closed"
t_case "TLS ClientHello bytes: 400 and closed" \
    'rdata "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff"' "400
closed"
t_case "random binary garbage: 400 and closed" \
    'rdata "\x00\x9f\xff\xfe\x80\r\n\r\n"' "400
closed"

# Request bodies are read and dropped.
body1k=$(python3 -c 'print("b" * 1000)')
len405=$(bget /p1.txt -X POST | wc -c)
t_case "POST with a 1000-byte body: 405, then the same connection answers GET" \
    'raw talk "$port" -H Content-Length \
    "POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n$body1k" \
    "GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n"' \
    "405 $len405
200 3"
t_case "... also when the GET comes in the same send() as the body" \
    'raw talk "$port" -p -H Content-Length \
    "POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n$body1k" \
    "GET /p3.txt HTTP/1.1\r\nHost: x\r\n\r\n"' \
    "405 $len405
200 5"
t_case "chunked POST (extension, trailer): 405, then GET answered" \
    'raw talk "$port" -p -H Content-Length \
    "POST /p1.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n" \
    "GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n"' \
    "405 $len405
200 3"

# Connections.
t_case "half-close: two pipelined GETs, then FIN: both answered, then closed" \
    'python3 - "$port" <<"PY"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
s.shutdown(socket.SHUT_WR)
t, d = time.monotonic(), b""
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
print(d.count(b"HTTP/1.1 200"), "closed in time" if time.monotonic() - t < 3
      else "closed late")
PY' "2 closed in time"
t_case "pipelining: 3 GETs and a HEAD in one send(), one connection" \
    'raw talk "$port" -p -b -c -H Content-Length \
    "GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\n" \
    "HEAD /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n" \
    "GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n" \
    "GET /p3.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"' \
    "200 3 one
200 3
200 3 two
200 5 three
closed"
t_case "keep-alive: two requests on one connection" \
    'raw talk "$port" -b -H Connection \
    "GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\n" \
    "GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n"' \
    "200 - one
200 - two"
t_case "HTTP/1.0: Connection: close, then the server closes" \
    'raw talk "$port" -c -b -H Connection "GET /p1.txt HTTP/1.0\r\n\r\n"' \
    "200 close one
closed"
t_case "HTTP/1.0 with Connection: keep-alive stays open" \
    'raw talk "$port" -b -H Connection \
    "GET /p1.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" \
    "GET /p2.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"' \
    "200 keep-alive one
200 keep-alive two"
t_case "HTTP/1.1 Connection: close: Connection: close, then closed" \
    'raw talk "$port" -c -b -H Connection \
    "GET /p1.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"' \
    "200 close one
closed"

# One worker keeps answering while a client does not read a 5 MiB body.
rm -f "$T_DIR/ready" "$T_DIR/go"
start_bg python3 "$HERE/raw.py" noread "$port" /big.bin "$T_DIR/ready" \
    "$T_DIR/go" $((30 * T_SLOW)) >"$T_DIR/noread.out" 2>&1
t_ok "the stalled client has sent its request" 'poll 15 test -f "$T_DIR/ready"'
n=0 ok=0
while [ "$n" -lt 20 ]; do
	[ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
	    "http://127.0.0.1:$port/p$((n % 3 + 1)).txt")" = 200 ] &&
	    ok=$((ok + 1))
	n=$((n + 1))
done
t_case "20 requests answered while another client stalls a 5 MiB answer" \
    'echo $ok' 20
touch "$T_DIR/go"
t_case "the stalled client then reads all 5 MiB" \
    'poll 90 grep -q . "$T_DIR/noread.out"; cat "$T_DIR/noread.out"' \
    "200 $(stat -c %s "$W/big.bin")"

# ------------------------------------------------------- other settings
serve -o dotfiles=on
t_case "dotfiles=on serves /.env" 'hget "%{http_code} " /.env; bget /.env' \
    "200 TOKEN=dot"

built FEATURE_DIRLIST || t_skipping "FEATURE_DIRLIST not configured"
serve -o dirlist=on
t_case "dirlist=on: a directory without index is listed" \
    'hget "%{http_code} %{content_type}" /list/' "200 text/html"
t_ok "the listing escapes the name as HTML and the link as a URL" \
    'bget /list/ | grep -qF "<a href=\"a%3Cb%3E%26.txt\">a&lt;b&gt;&amp;.txt</a>"'
t_case "the raw name a<b>& never appears (in a listing of plain.txt)" \
    'bget /list/ | grep -cF -e "a<b>&" -e plain.txt' 1
t_ok "the listing has plain.txt and sub/" \
    'bget /list/ | grep -qF "<a href=\"plain.txt\">plain.txt</a>" &&
    bget /list/ | grep -qF "<a href=\"sub/\">sub/</a>"'
t_case "the listing hides dotfiles (and shows plain.txt)" \
    'bget /list/ | grep -c -e hidden -e plain.txt' 1
t_case "the percent-encoded link is served" \
    'code "/list/a%3Cb%3E%26.txt"' 200
t_case "dirlist=on still serves index.html" 'bget /dir/' 'in dir'
t_mended

built FEATURE_GZIP_STATIC ||
    t_skipping "FEATURE_GZIP_STATIC not configured"
serve -o gzip_static=off
t_ok "gzip_static=off: Accept-Encoding: gzip gets the plain file" \
    'bget /style.css -H "Accept-Encoding: gzip" | cmp - "$W/style.css"'
t_case "gzip_static=off: 200, no Content-Encoding" \
    'hget "%{http_code}|%header{content-encoding}" /style.css \
    -H "Accept-Encoding: gzip"' "200|"
t_mended

serve -o symlinks=on
t_case "symlinks=on serves the link to outside" \
    'hget "%{http_code} " /out.txt; bget /out.txt' "200 $SECRET"
t_case "symlinks=on still refuses /../secret" 'rsend /../secret' 400

serve -o body_max=100
t_case "body_max=100: a 1000-byte body is 413" \
    'rdata "POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n$body1k"' \
    "413
closed"
t_case "body_max=100: a 1000-byte chunked body is 413" \
    'rdata "POST /p1.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n$body1k\r\n0\r\n\r\n"' \
    "413
closed"
t_case "body_max=100: a 50-byte body is read (405)" \
    'raw talk "$port" "POST /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n$(echo "$body1k" | cut -c1-50)" \
    "GET /p1.txt HTTP/1.1\r\nHost: x\r\n\r\n"' "405
200"

# Timeouts.
serve -o header_timeout=1 -o keepalive_timeout=1
t_case "header_timeout=1: half a request line, then silence: closed" \
    'raw stall "$port" "GET /hel" 6 2>/dev/null' "closed 408"
t_ok "slowloris (a byte every 0.3 s) is closed after about header_timeout" \
    'r=$(raw slowloris "$port" 0.3 8) && echo "$r" &&
    echo "$r" | awk "{ exit !(\$1 == \"closed\" && \$2 >= 0.5 && \$2 <= 4) }"'
t_ok "keepalive_timeout=1: an idle keep-alive connection is closed" \
    'r=$(raw idle "$port" 6) && echo "$r" &&
    echo "$r" | awk "{ exit !(\$1 == \"closed\" && \$2 <= 3.5) }"'

# The access log.
built FEATURE_ACCESS_LOG || t_skipping "FEATURE_ACCESS_LOG not configured"
serve -a "$T_DIR/access.log"
log=$T_DIR/access.log
curl -s -o /dev/null "http://127.0.0.1:$port/p1.txt"
curl -s -o /dev/null -e "http://ref.example/page?q=1" \
    -A "test-agent/1.0 (x)" "http://127.0.0.1:$port/hello.txt"
curl -s -o /dev/null -A 'evil"agent' "http://127.0.0.1:$port/nope"
raw send "$port" 'GET /a"b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
    >/dev/null
# 5 lines: the readiness GET of serve, then these 4.
t_ok "access log: the 5 lines are flushed" \
    'poll 5 sh -c "[ \$(wc -l <\"$log\") -ge 5 ]"'
t_case "access log: every line is in the combined format" \
    'grep -Evc "^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\] \"[A-Z]+ [^\"]* HTTP/1\.[01]\" [0-9]{3} [0-9]+ \"[^\"]*\" \"[^\"]*\"\$" "$log"' 0
t_case "access log: a plain GET" \
    'grep -c "\] \"GET /p1.txt HTTP/1\.1\" 200 3 \"-\" \"curl/[^\"]*\"\$" "$log"' 1
t_case "access log: Referer, User-Agent and body bytes" \
    'grep -c "\] \"GET /hello.txt HTTP/1\.1\" 200 13 \"http://ref.example/page?q=1\" \"test-agent/1.0 (x)\"\$" "$log"' 1
t_case "access log: a quote in the User-Agent is escaped" \
    'grep -c "\"GET /nope HTTP/1\.1\" 404 [0-9]* \"-\" \"evil\\\\x22agent\"\$" "$log"' 1
t_case "access log: a quote in the target is escaped" \
    'grep -c "\"GET /a\\\\x22b HTTP/1\.1\" 404 [0-9]* \"-\" \"-\"\$" "$log"' 1

port=$(free_port)
[ -z "$T_SKIPPING" ] &&
    start_bg "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 -a - \
    -p "$T_DIR/fenix-$port.pid" \
    >"$T_DIR/stdout.log" 2>/dev/null
poll 5 curl -s -o /dev/null "http://127.0.0.1:$port/p2.txt"
t_ok "-a - writes the access log to stdout" \
    'poll 5 grep -q "\"GET /p2.txt HTTP/1\.1\" 200 3 " "$T_DIR/stdout.log"'
t_mended

# A bad command line: exit 100, one line on stderr naming the problem,
# nothing served.
badcl() {
	bp=$(free_port)
	timeout 10 "$FENIX" server -l "127.0.0.1:$bp" -r "$W" -w 1 \
	    -p "$T_DIR/fenix-$bp.pid" "$@" \
	    >/dev/null 2>"$T_DIR/bad.err"
	echo "exit $?"
	echo "stderr lines $(wc -l <"$T_DIR/bad.err")"
	grep -qF -- "$word" "$T_DIR/bad.err" && echo "names $word"
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$bp/"
	echo "curl $?"
}
for b in "z|-z" "0|-w 0" "abc|-w abc" "1.2.3.4.5:80|-l 1.2.3.4.5:80" \
    "99999|-l 127.0.0.1:99999" "nosuch|-o nosuch=1" \
    "header_timeout|-o header_timeout=abc" "/nonexistent|-r /nonexistent"; do
	word=${b%%|*} args=${b#*|}
	t_case "bad command line '$args': exit 100, one line naming it" \
	    'badcl $args' "exit 100
stderr lines 1
names $word
curl 7"
done

t_exit
