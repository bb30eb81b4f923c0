#!/bin/sh
# SPDX-License-Identifier: MIT
# The answers to requests nginx answers otherwise, and those an attacker
# crafts: redirects that must stay on this site, preconditions (If-Match,
# If-Unmodified-Since, the three date formats), ranges past any file, and
# the smaller differences from nginx (fragments, raw UTF-8, MIME types).
# One server with one worker on a free port of 127.0.0.1.
. "$(dirname "$0")/lib.sh"

# The MIME types nginx's mime.types maps (a sample; the unit test has
# every one), which were application/octet-stream before.
mimes="woff:font/woff mp3:audio/mpeg ogg:audio/ogg webm:video/webm
    xlsx:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
    zip:application/zip bmp:image/x-ms-bmp atom:application/atom+xml
    m3u8:application/vnd.apple.mpegurl ts:video/mp2t"
plan $((43 + $(echo $mimes | wc -w)))

HERE=$(cd "$(dirname "$0")" && pwd)
W=$T_DIR/www

# talk [-H NAME]... REQ...: raw.py talk, one line per answer.
talk() {
	raw talk "$port" "$@" 2>&1
}

# get TARGET [-H NAME]...: a raw GET of TARGET as sent; the status and
# the value of each header NAME ('-' if absent).
get() {
	g_t=$1
	shift
	talk "$@" "GET $g_t HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
}

mkdir -p "$W/dir" "$W/.well-known" "$W/d$(printf '\303\251')"
printf 'cafe\n' >"$W/caf$(printf '\303\251').txt"
printf 'index\n' >"$W/dir/index.html"
printf '0123456789' >"$W/digits.txt"
: >"$W/empty.txt"
# A file of a known age (Sun, 06 Nov 1994 08:49:37 GMT) with a .gz beside.
printf 'abcdefghij' >"$W/old.txt"
printf 'not really gzip' >"$W/old.txt.gz"
touch -d @784111777 "$W/old.txt" "$W/old.txt.gz"
oldtag=$(printf '"%x-%x"' 784111777 10)
imf="Sun, 06 Nov 1994 08:49:37 GMT"
rfc850="Sunday, 06-Nov-94 08:49:37 GMT"
asctime="Sun Nov  6 08:49:37 1994"
before="Sat, 05 Nov 1994 08:49:37 GMT"

port=$(free_port)
start_cmd serve "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -e "$T_DIR/serve.err" -p "$T_DIR/serve.pid" ||
    t_broken "the server did not start"
if [ -z "$T_BROKEN" ] && ! poll 5 answers "$port" /digits.txt; then
	fail_note "the server does not answer" "$T_DIR/serve.err"
	t_broken "the server does not answer"
fi

# Ranges past any file: nginx 416, and a last-pos past it is the end.
t_case "bytes=99999999999999999999-: 416" \
    'hget "%{http_code} %header{content-range}" /digits.txt \
    -H "Range: bytes=99999999999999999999-"' "416 bytes */10"
t_case "bytes=9223372036854775807-: 416" \
    'hget "%{http_code} %header{content-range}" /digits.txt \
    -H "Range: bytes=9223372036854775807-"' "416 bytes */10"
t_case "bytes=0-99999999999999999999: 206 to the end" \
    'hget "%{http_code} %header{content-range} " /digits.txt \
    -H "Range: bytes=0-99999999999999999999"
    bget /digits.txt -H "Range: bytes=0-99999999999999999999"' \
    "206 bytes 0-9/10 0123456789"
t_case "bytes=-99999999999999999999: 206, the whole file" \
    'hget "%{http_code} %header{content-range}" /digits.txt \
    -H "Range: bytes=-99999999999999999999"' "206 bytes 0-9/10"
t_case "an empty file with bytes=0-: 200, Content-Length: 0" \
    'hget "%{http_code} %header{content-length} %{size_download}" \
    /empty.txt -H "Range: bytes=0-"' "200 0 0"
t_case "an empty file with bytes=-5: 200" \
    'hget "%{http_code} %header{content-length}" /empty.txt \
    -H "Range: bytes=-5"' "200 0"

# Redirects name this site: the Location is the normalised path.
t_case "GET //dir: Location /dir/, not //dir/" \
    'get //dir -H Location' "301 /dir/"
t_case "GET //evil.example/../dir: Location /dir/" \
    'get //evil.example/../dir -H Location' "301 /dir/"
t_case "GET /./dir: Location /dir/" 'get /./dir -H Location' "301 /dir/"
t_case "absolute-form http://x//dir: Location /dir/" \
    'get http://x//dir -H Location' "301 /dir/"
t_case "a name with %3F and %25 stays encoded in the Location" \
    'mkdir -p "$W/q?%" && get /q%3F%25 -H Location' "301 /q%3F%25/"
t_case "the query follows the Location as sent" \
    'get "/dir?a=1&b=%2F" -H Location' "301 /dir/?a=1&b=%2F"
longq=$(printf '%0800d' 0)
t_case "a redirect with an 800-byte query: 301 (nginx), not 414" \
    'hget "%{http_code} %{redirect_url}" "/dir?q=$longq"' \
    "301 http://127.0.0.1:$port/dir/?q=$longq"
t_case "HEAD of a redirect with an 800-byte query: 301, no body" \
    'hget "%{http_code} %{size_download} %header{location}" \
    "/dir?q=$longq" -I' "301 0 /dir/?q=$longq"

# Preconditions (RFC 9110 13.2.2), 412 as nginx.
t_case "If-Match with a stale tag and a Range: 412, no spliced 206" \
    'hget %{http_code} /old.txt -H "If-Match: \"stale\"" -r 5-' 412
t_case "If-Match with the current tag and a Range: 206" \
    'hget "%{http_code} " /old.txt -H "If-Match: $oldtag" -r 5-
    bget /old.txt -H "If-Match: $oldtag" -r 5-' "206 fghij"
t_case "If-Match with the tag among others: 200" \
    'hget %{http_code} /old.txt -H "If-Match: \"x\", $oldtag"' 200
t_case "If-Match with a weak tag never matches: 412" \
    'hget %{http_code} /old.txt -H "If-Match: W/$oldtag"' 412
t_case "If-Match: * on a file: 200" \
    'hget %{http_code} /old.txt -H "If-Match: *"' 200
t_case "If-Unmodified-Since before the change: 412" \
    'hget %{http_code} /old.txt -H "If-Unmodified-Since: $before"' 412
t_case "If-Unmodified-Since at the change: 200" \
    'hget %{http_code} /old.txt -H "If-Unmodified-Since: $imf"' 200
t_case "If-Unmodified-Since in asctime format, before: 412" \
    'hget %{http_code} /old.txt \
    -H "If-Unmodified-Since: Sat Nov  5 08:49:37 1994"' 412
t_case "If-Unmodified-Since not a date: ignored, 200" \
    'hget %{http_code} /old.txt -H "If-Unmodified-Since: yesterday"' 200
t_case "If-Match that holds overrides If-Unmodified-Since: 200" \
    'hget %{http_code} /old.txt -H "If-Match: $oldtag" \
    -H "If-Unmodified-Since: $before"' 200
# old.txt.gz makes old.txt a file with variants only with gzip_static.
if built FEATURE_GZIP_STATIC; then
	t_case "a 304 for If-None-Match carries the Vary of its 200" \
	    'hget "%{http_code} %header{vary}" /old.txt \
	    -H "If-None-Match: $oldtag"' "304 Accept-Encoding"
	t_case "a 304 for If-Modified-Since carries the Vary of its 200" \
	    'hget "%{http_code} %header{vary}" /old.txt \
	    -H "If-Modified-Since: $imf"' "304 Accept-Encoding"
else
	for v in If-None-Match If-Modified-Since; do
		t_skip "a 304 for $v carries the Vary of its 200" \
		    "FEATURE_GZIP_STATIC not configured: no variants"
	done
fi
t_case "If-Modified-Since in RFC 850 format: 304" \
    'hget %{http_code} /old.txt -H "If-Modified-Since: $rfc850"' 304
t_case "If-Modified-Since in asctime format: 304" \
    'hget %{http_code} /old.txt -H "If-Modified-Since: $asctime"' 304
t_case "If-Modified-Since in RFC 850 format, before: 200" \
    'hget %{http_code} /old.txt \
    -H "If-Modified-Since: Saturday, 05-Nov-94 08:49:37 GMT"' 200
# A date in the future is no valid date (found by make diff-nginx).
t_case "If-Modified-Since in the year 7168: ignored, 200" \
    'hget %{http_code} /old.txt \
    -H "If-Modified-Since: Sun, 29 Feb 7168 12:16:16 GMT"' 200
t_case "two If-Modified-Since lines: the header is ignored, 200" \
    'hget %{http_code} /old.txt -H "If-Modified-Since: $imf" \
    -H "If-Modified-Since: $imf"' 200
t_case "If-Range with another date: 200, the whole file" \
    'hget "%{http_code} " /old.txt -r 5- -H "If-Range: $before"
    bget /old.txt -r 5- -H "If-Range: $before"' "200 abcdefghij"
t_case "If-Range with the Last-Modified date in RFC 850 format: 206" \
    'hget "%{http_code} " /old.txt -r 5- -H "If-Range: $rfc850"
    bget /old.txt -r 5- -H "If-Range: $rfc850"' "206 fghij"

# Fragments and raw UTF-8 in the target, taken as nginx takes them.
t_case "GET /digits.txt#frag: 200, the fragment ignored" \
    'get "/digits.txt#frag" -H Content-Length' "200 10"
t_case "GET /dir?a=1#frag: 301 to /dir/?a=1" \
    'get "/dir?a=1#frag" -H Location' "301 /dir/?a=1"
t_case "GET #frag alone: 400" 'get "#frag" -H Location' "400 -"
t_case "a raw UTF-8 path (/caf\\xc3\\xa9.txt): 200" \
    'get "/caf\\xc3\\xa9.txt" -H Content-Length' "200 5"
t_case "a raw UTF-8 directory: 301, the Location percent-encoded" \
    'get "/d\\xc3\\xa9?\\xc3\\xa9" -H Location' "301 /d%C3%A9/?%C3%A9"
t_case "raw bytes that are no UTF-8 (\\xff): still 400" \
    'get "/caf\\xff.txt" -H Location' "400 -"
t_case "a raw overlong UTF-8 dot (\\xc0\\xae): still 400" \
    'get "/\\xc0\\xae\\xc0\\xae/digits.txt" -H Location' "400 -"

t_case "GET /.well-known: 301 to /.well-known/ (nginx), not 404" \
    'get /.well-known -H Location' "301 /.well-known/"
t_case "GET /.well-knownx: a dotfile, 404" \
    'get /.well-knownx -H Location' "404 -"

# A chunk size is its value: leading zeros past 16 digits (nginx).
post="POST /digits.txt HTTP/1.1\\r\\nHost: x\\r\\n"
post="${post}Transfer-Encoding: chunked\\r\\n\\r\\n"
post="${post}00000000000000000005\\r\\nhello\\r\\n0\\r\\n\\r\\n"
t_case "a chunk size of 20 digits with leading zeros: 405, then the next" \
    'talk -p "$post" "GET /digits.txt HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"' \
    "405
200"

# The MIME types: files written above.
for e in $mimes; do
	ext=${e%%:*}
	printf 'type %s\n' "$ext" >"$W/t.$ext"
	t_case "Content-Type of .$ext is ${e#*:}" \
	    'hget "%{http_code} %{content_type}" "/t.$ext"' "200 ${e#*:}"
done

t_mended
kill -TERM "$master" 2>/dev/null
poll 10 gone "$master"
t_exit
