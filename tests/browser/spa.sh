#!/bin/sh
# SPDX-License-Identifier: MIT
# A browser's view (make check-browser): headless Chromium loads a small
# single-page app from fenix behind basic auth, opens a client-side route
# directly (the fallback setting serves index.html for it), and a second
# load with the same profile revalidates with 304s instead of
# downloading again.  The assertions are on what the access log shows,
# on the page's DOM after its script ran, and on the screenshot.
HERE=$(cd "$(dirname "$0")/../integration" && pwd)
. "$HERE/lib.sh"
plan 13

BROWSER=
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		BROWSER=$b
		break
	fi
done
if [ -z "$BROWSER" ]; then
	t_skip_rest "needs a headless Chromium (Debian package chromium)"
	t_exit
fi
if ! command -v htpasswd >/dev/null 2>&1; then
	t_skip_rest "needs htpasswd (Debian package apache2-utils)"
	t_exit
fi
feature() {
	"$FENIX" --version | grep -q "+$1"
}

W=$T_DIR/www
PROFILE=$T_DIR/profile
LOG=$T_DIR/access.log
mkdir -p "$W/assets" "$PROFILE"
cat >"$W/index.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>fenix SPA</title>
<link rel="stylesheet" href="/assets/app.css"></head>
<body><h1>fenix SPA</h1><main id="view">loading</main>
<script src="/assets/app.js"></script></body></html>
HTML
cat >"$W/assets/app.js" <<'JS'
// The router of a single-page app: the view is chosen by the path.
var routes = { "/": "home", "/about/team": "the team" };
var v = document.getElementById("view");
v.textContent = "route " + location.pathname + ": " +
    (routes[location.pathname] || "unknown");
v.className = "ready";
JS
cat >"$W/assets/app.css" <<'CSS'
body { background: #fdf6e3; font: 24px sans-serif; margin: 40px; }
h1 { color: #b58900; border-bottom: 8px solid #268bd2; }
.ready { color: #fff; background: #859900; padding: 30px; display: block; }
CSS
htpasswd -cbB -C 4 "$T_DIR/htpasswd" ann 'browser pass' 2>/dev/null

# browse NAME ARGS...: Chromium, headless, with the profile (and so the
# HTTP cache) kept between runs; output in $T_DIR/NAME.out.
browse() {
	b_name=$1
	shift
	timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-extensions --disable-sync \
	    --user-data-dir="$PROFILE" --window-size=800,600 "$@" \
	    >"$T_DIR/$b_name.out" 2>"$T_DIR/$b_name.err"
}

# hits STATUS PATH: access log lines of GETs of PATH with STATUS since
# line $mark.
hits() {
	tail -n "+$((mark + 1))" "$LOG" |
	    grep -c "\"GET $2 HTTP/1.1\" $1 "
}

# hit STATUS PATH: the log has such a line since mark.
hit() {
	[ "$(hits "$1" "$2")" -ge 1 ]
}

# lines: how many lines the access log has (flushed each second: wait).
lines() {
	wc -l <"$LOG" | tr -d ' '
}
settled() {
	[ -f "$LOG" ] && [ "$(lines)" -ge "$1" ]
}

fb= auth= URL=
if feature feature_fallback; then
	fb="fallback=/index.html"
fi
if feature feature_auth; then
	auth="auth=/ $T_DIR/htpasswd"
	URL="ann:browser%20pass@"
fi
port=$(free_port)
start_cmd spa "$FENIX" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/spa.pid" -e "$T_DIR/spa.err" -a "$LOG" \
    ${fb:+-o "$fb"} ${auth:+-o "$auth"} || t_broken "fenix did not start"
URL="http://${URL}127.0.0.1:$port"

# Freshly modified files: no heuristic freshness, the second load must
# ask the server.
touch "$W/index.html" "$W/assets/app.js" "$W/assets/app.css"
mark=0
if [ -n "$auth" ]; then
	t_case "without credentials: 401" \
	    'curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/"' \
	    401
	mark=1
else
	t_skip "without credentials: 401" "FEATURE_AUTH not built in"
fi
browse first --dump-dom "$URL/"
t_case "first load: the script ran (the DOM shows the home route)" \
    'grep -o "route /: home" "$T_DIR/first.out"' "route /: home"
# Each line itself: the log is flushed each second, and a flush may fall
# between two of the browser's requests.
poll 5 hit 200 / && poll 5 hit 200 /assets/app.js &&
    poll 5 hit 200 /assets/app.css
t_case "first load: / with the credentials, 200" 'hits 200 /' 1
t_case "first load: app.js and app.css, 200" \
    'echo $(hits 200 /assets/app.js) $(hits 200 /assets/app.css)' "1 1"
mark=$(lines)
browse second --dump-dom "$URL/"
t_case "second load: the page again" \
    'grep -o "route /: home" "$T_DIR/second.out"' "route /: home"
poll 5 settled $((mark + 6))
t_case "second load: app.js and app.css revalidated, 304" \
    'echo $(hits 304 /assets/app.js) $(hits 304 /assets/app.css)' "1 1"
t_case "second load: nothing downloaded again with 200" \
    'echo $(hits 200 /assets/app.js) $(hits 200 /assets/app.css)' "0 0"
t_case "second load: the page itself revalidated too, 304" 'hits 304 /' 1
[ -z "$auth" ] && t_skipping "FEATURE_AUTH not built in"
t_case "second load: every 401 was retried with the credentials (a 304)" \
    'echo $(tail -n "+$((mark + 1))" "$LOG" | grep -c "\" 401 ") \
    $(tail -n "+$((mark + 1))" "$LOG" | grep -c "\" 304 ")' "3 3"

t_mended
if [ -z "$fb" ]; then
	t_skipping "FEATURE_FALLBACK (the fallback setting) not built in"
fi
mark=$(lines)
[ -z "$T_SKIPPING" ] && browse route --dump-dom "$URL/about/team"
t_case "a client-side route opened directly: the app routes it" \
    'grep -o "route /about/team: the team" "$T_DIR/route.out"' \
    "route /about/team: the team"
# Wait for that line itself: a 401 before it (auth) may come first, and
# the log is flushed each second.
[ -z "$T_SKIPPING" ] && poll 5 hit 200 /about/team
t_case "... served by fallback with 200, not 404" 'hits 200 /about/team' 1
t_mended
# The screenshot: of the route where fallback is built in, else of /.
(cd "$T_DIR" && browse shot --screenshot="$T_DIR/route.png" \
    "$URL${fb:+/about/team}")
t_case "a screenshot of the app: a PNG" \
    'head -c 8 "$T_DIR/route.png" | od -An -c | tr -d " \n"' \
    '211PNG\r\n032\n'
t_case "... of a plausible size (a page was rendered, 5-500 KiB)" \
    's=$(wc -c <"$T_DIR/route.png"); [ "$s" -gt 5000 ] &&
    [ "$s" -lt 512000 ] && echo ok' ok
t_mended
kill "$master" 2>/dev/null
poll 10 gone "$master"
[ -n "${SPA_KEEP:-}" ] && cp "$LOG" "$SPA_KEEP"
t_exit
