#!/bin/sh
# SPDX-License-Identifier: MIT
# Precompressed variants: FILE.br, FILE.zst and FILE.gz chosen by the
# q-values of Accept-Encoding (br first at equal q), Vary on every answer
# of a file that has a variant (304 too), one ETag per encoding, ranges
# of the encoded bytes.  The variants are stand-ins: the server never
# decodes them.
. "$(dirname "$0")/lib.sh"
plan 21

W=$T_DIR/www

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

# enc ACCEPT_ENCODING [PATH]: Content-Encoding (or "-") and the length.
enc() {
	hget '%{http_code} %header{content-encoding} %header{content-length}' \
	    "${2:-/app.js}" -H "Accept-Encoding: $1" | sed 's/  / - /'
}

mkdir -p "$W"
printf 'console.log("plain, the identity bytes");\n' >"$W/app.js"
printf 'GZ stand-in' >"$W/app.js.gz"
printf 'BROTLI stand-in, 0123456789' >"$W/app.js.br"
printf 'ZSTD stand-in' >"$W/app.js.zst"
printf 'only brotli beside me\n' >"$W/b.txt"
printf 'BR of b' >"$W/b.txt.br"
printf 'only gzip beside me\n' >"$W/g.txt"
printf 'GZ of g' >"$W/g.txt.gz"
printf 'no variant\n' >"$W/plain.txt"
printf 'index\n' >"$W/index.html"
touch -d @1600000000 "$W"/*
id=$(wc -c <"$W/app.js" | tr -d ' ')

built FEATURE_PRECOMPRESSED ||
    t_skipping "FEATURE_PRECOMPRESSED not configured"
serve -o precompressed=on
t_case "a browser's \"gzip, deflate, br, zstd\" gets br (br first at equal q)" \
    'enc "gzip, deflate, br, zstd"' "200 br 27"
t_ok "... the exact bytes of app.js.br" \
    'bget /app.js -H "Accept-Encoding: gzip, br" | cmp - "$W/app.js.br"'
t_case "zstd;q=1, br;q=0.9: zstd" 'enc "zstd;q=1, br;q=0.9"' "200 zstd 13"
t_case "br;q=0, zstd;q=0, gzip: gzip (q=0 refuses)" \
    'enc "br;q=0, zstd;q=0, gzip"' "200 gzip 11"
t_case "gzip;q=0.5, br;q=0.25: gzip" 'enc "gzip;q=0.5, br;q=0.25"' \
    "200 gzip 11"
t_case "identity only: the plain file" 'enc "identity"' "200 - $id"
t_case "br;q=0.5, identity: identity has the higher q" \
    'enc "br;q=0.5, identity"' "200 - $id"
t_case "*: br" 'enc "*"' "200 br 27"
t_case "*;q=0: the plain file" 'enc "*;q=0"' "200 - $id"
t_case "no Accept-Encoding: the plain file, with Vary" \
    'hget "%{http_code} %header{content-encoding}|%header{vary}" /app.js' \
    "200 |Accept-Encoding"
t_case "ETags: one per encoding, four distinct" \
    'for e in identity gzip br zstd; do
	hget "%header{etag}\n" /app.js -H "Accept-Encoding: $e"
    done | sort -u | wc -l | tr -d " "' 4
br_etag=$(hget '%header{etag}' /app.js -H "Accept-Encoding: br")
t_case "If-None-Match of the br ETag with br: 304 with Vary" \
    'hget "%{http_code} %header{vary}" /app.js -H "Accept-Encoding: br" \
    -H "If-None-Match: $br_etag"' "304 Accept-Encoding"
t_case "the br ETag with gzip: 200, the gzip variant" \
    'hget "%{http_code} %header{content-encoding}" /app.js \
    -H "Accept-Encoding: gzip" -H "If-None-Match: $br_etag"' "200 gzip"
t_case "Range on the br variant: 206 of the encoded bytes" \
    'hget "%{http_code} %header{content-range} %header{content-encoding}" \
    /app.js -H "Accept-Encoding: br" -r 7-13' "206 bytes 7-13/27 br"
t_case "... its body is those bytes of app.js.br" \
    'bget /app.js -H "Accept-Encoding: br" -r 7-13' "stand-i"
t_case "a file with only .br: br with Vary" \
    'hget "%header{content-encoding} %header{vary}" /b.txt \
    -H "Accept-Encoding: gzip, br"' "br Accept-Encoding"
t_case "a file with only .gz, gzip;q=0.5 (as gzip_static did): gzip" \
    'hget "%header{content-encoding}" /g.txt -H "Accept-Encoding: gzip;q=0.5"' \
    gzip
t_case "a file with no variant has no Vary" \
    'hget "%{http_code} %header{vary}." /plain.txt -H "Accept-Encoding: br"' \
    "200 ."
t_mended

serve
t_case "precompressed off (the default): .br is not served, no Vary" \
    'hget "%{http_code} %header{content-encoding}%header{vary}." /b.txt \
    -H "Accept-Encoding: br"' "200 ."
t_mended

built FEATURE_PRECOMPRESSED ||
    t_skipping "FEATURE_PRECOMPRESSED not configured"
serve -o gzip_static=off -o precompressed=on
t_case "gzip_static=off precompressed=on: br still served" \
    'enc "gzip, br"' "200 br 27"
t_case "... but no longer gzip" 'enc "gzip"' "200 - $id"
t_mended
t_exit
