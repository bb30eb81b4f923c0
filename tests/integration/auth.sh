#!/bin/sh
# SPDX-License-Identifier: MIT
# Basic auth: `auth PREFIX FILE` with htpasswd files (bcrypt of
# htpasswd -B; SHA-crypt of -2/-5 where FEATURE_AUTH_SHA is built in):
# 401 with WWW-Authenticate, the right user and password, a prefix that
# is a path, encodings that do not get around it, the file read again
# on HUP, and bad files as config errors with file:line.
. "$(dirname "$0")/lib.sh"
plan 26
optional FEATURE_AUTH
if ! command -v htpasswd >/dev/null 2>&1; then
	t_skip_rest "needs htpasswd (Debian package apache2-utils)"
	t_exit
fi

W=$T_DIR/www
mkdir -p "$W/private/sub" "$W/privateer"
printf 'public\n' >"$W/index.html"
printf 'the secret\n' >"$W/private/index.html"
printf 'deeper\n' >"$W/private/sub/x.txt"
printf 'not covered\n' >"$W/privateer/index.html"
PW=$T_DIR/htpasswd
htpasswd -cbB -C 4 "$PW" alice 's3cret' 2>/dev/null
htpasswd -bB -C 4 "$PW" bob 'with: colon and space' 2>/dev/null
cp "$PW" "$T_DIR/good"

# code PATH [CURL_ARGS...]: the status.
code() {
	hget '%{http_code}' "$@"
}

port=$(free_port)
start_cmd a "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/a.pid" -e "$T_DIR/a.err" -o "auth=/private $PW" ||
    t_broken "the server did not start"
t_case "no credentials: 401" 'code /private/' 401
t_case "... with WWW-Authenticate: Basic and a realm" \
    'hget "%header{www-authenticate}" /private/' \
    'Basic realm="fenix", charset="UTF-8"'
t_case "the right user and password: 200 and the file" \
    'bget /private/ -u alice:s3cret' "the secret"
t_case "the same again (remembered): 200" \
    'code /private/sub/x.txt -u alice:s3cret' 200
t_case "a wrong password: 401" 'code /private/ -u alice:s3cres' 401
t_case "an unknown user with a known password: 401" \
    'code /private/ -u eve:s3cret' 401
t_case "a password with a colon and spaces: 200" \
    'code /private/ -u "bob:with: colon and space"' 200
t_case "a malformed Authorization (not base64): 401" \
    'code /private/ -H "Authorization: Basic !!!"' 401
t_case "another scheme (Bearer): 401" \
    'code /private/ -H "Authorization: Bearer abc"' 401
t_case "HEAD without credentials: 401" 'code /private/ -I' 401
t_case "the path /private itself (its 301 is behind the auth): 401" \
    'code /private' 401
t_case "%70rivate (an encoding of the prefix): 401" 'code /%70rivate/' 401
t_case "/./private/../private/: 401" 'code "/./private/../private/" \
    --path-as-is' 401
t_case "/privateer is not under /private: 200 without credentials" \
    'code /privateer/' 200
t_case "/ is not covered: 200" 'code /' 200

htpasswd -bB -C 4 "$PW" alice 'n3w' 2>/dev/null
kill -HUP "$master" 2>/dev/null
t_ok "HUP: the new password of the file works" \
    'poll 10 sh -c "[ \$(curl -s -o /dev/null -w %{http_code} \
    -u alice:n3w http://127.0.0.1:$port/private/) = 200 ]"'
t_case "... and the old one no longer" 'code /private/ -u alice:s3cret' 401
printf 'alice:$2y$04$short\n' >>"$PW"
kill -HUP "$master" 2>/dev/null
t_ok "HUP with a malformed file: the error log says file:line" \
    'poll 10 grep_file "htpasswd:3: malformed bcrypt hash" "$T_DIR/a.err"'
t_case "... and the running rules stay: the new password still works" \
    'code /private/ -u alice:n3w' 200
kill "$master" 2>/dev/null
poll 10 gone "$master"
t_mended

# check FILE_CONTENT: what -t says of an htpasswd file with that text.
check() {
	printf "$1" >"$T_DIR/bad"
	"$FENIX" server -t -r "$W" -o "auth=/p $T_DIR/bad" 2>&1 | tail -1 |
	    sed "s|$T_DIR/||; s/^[a-z]*\[[0-9]*\]: //"
}
t_case "a line without a colon: file:line" \
    'check "# comment\nalice\n"' "bad:2: expected user:hash"
t_case "apr1-MD5 (htpasswd -m): a config error naming what is supported" \
    'check "$(htpasswd -nbm u p)\n" | grep -c "^bad:1: unsupported hash (supported: bcrypt"' 1
t_case "an empty file: no users" 'check ""' "bad:0: no users"
t_case "a missing file: its name and why" \
    '"$FENIX" server -t -r "$W" -o "auth=/p $T_DIR/none" 2>&1 |
    grep -Ec "none: (No such file|ENOENT)"' 1
if built FEATURE_AUTH_SHA; then
	printf '%s\n%s\n' "$(htpasswd -nb2 u p)" "$(htpasswd -nb5 v p)" \
	    >"$T_DIR/sha"
	t_case "SHA-crypt hashes (htpasswd -2, -5) are accepted" \
	    '"$FENIX" server -t -r "$W" -o "auth=/p $T_DIR/sha" 2>&1 |
	    grep -c "is ok"' 1
else
	t_case "SHA-crypt (not built in): the error names FEATURE_AUTH_SHA" \
	    'check "$(htpasswd -nb2 u p)\n" | grep -c FEATURE_AUTH_SHA' 1
fi
t_case "FENIX_AUTH, from the environment: -t takes it" \
    'FENIX_AUTH="/p $T_DIR/good" "$FENIX" server -t -r "$W" 2>&1 |
    grep -c "FENIX_AUTH from the environment: /p "' 1
t_case "FENIX_AUTH with a missing file: exit 100" \
    'FENIX_AUTH="/p $T_DIR/none" "$FENIX" server -t -r "$W" >/dev/null 2>&1;
    echo $?' 100
t_exit
