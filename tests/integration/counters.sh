#!/bin/sh
# SPDX-License-Identifier: MIT
# The counters (FEATURE_COUNTERS): totals that survive 3 upgrades, 2
# reloads, a rollback and a SIGKILLed worker equal what curl sent; the
# gauges of a killed worker are reset; the stub_status page is nginx's
# byte for byte; promtool accepts the metrics page; the Debian
# nginx-exporter reads our stub_status; status_allow (403), off by
# default (404); settings checked; a bad FENIX_COUNTERS starts afresh.
. "$(dirname "$0")/lib.sh"
plan 39
optional FEATURE_COUNTERS

unset NGINX FENIX_GENERATION FENIX_OLD_MASTER FENIX_COUNTERS LISTEN_FDS \
    LISTEN_PID LISTEN_FDNAMES
W=$T_DIR/www
mkdir -p "$W"
printf 'counted\n' >"$W/index.html"
BIN=$T_DIR/fenix
cp "$FENIX" "$BIN"

req=0
conn=0
# get PATH...: one connection, one request per PATH (curl keeps it
# alive), added to $req and $conn (so: not in a subshell).
get() {
	g_urls=
	for g_p; do
		g_urls="$g_urls http://127.0.0.1:$port$g_p"
		req=$((req + 1))
	done
	conn=$((conn + 1))
	# shellcheck disable=SC2086
	curl -s --max-time 5 $g_urls >/dev/null
}

# ctr KEY...: the counters of `fenix status -j`, "KEY=VALUE" each, a
# label after a dot (http_responses_total.4xx).
ctr() {
	"$BIN" status -p "$pidf" -j | python3 -c 'import json, sys
c = json.load(sys.stdin)["counters"]
out = []
for k in sys.argv[1:]:
    v = c
    for p in k.split("."):
        v = v[p]
    out.append("%s=%s" % (k, v))
print(" ".join(out))' "$@"
}

# ctr_is KEY VALUE: for poll.
ctr_is() {
	[ "$(ctr "$1")" = "$1=$2" ]
}

totals() {
	echo "http_requests_total=$req connections_accepted_total=$conn" \
	    "connections_handled_total=$conn"
}

# new_master OLD: the pid file names a live master other than OLD.
new_master() {
	n_p=$(cat "$pidf" 2>/dev/null)
	[ -n "$n_p" ] && [ "$n_p" != "$1" ] && alive "$n_p"
}

# upgrade: USR2, WINCH, QUIT by hand, as upgrade.sh does; $master is
# the new master after it.  Two requests while both generations serve.
upgrade() {
	u_old=$master
	kill -USR2 "$u_old"
	poll 10 new_master "$u_old" || return 1
	master=$(cat "$pidf")
	poll 10 nkids_is "$master" 2 || return 1
	get / /
	kill -WINCH "$u_old"
	poll 10 nkids_is "$u_old" 1 || return 1
	kill -QUIT "$u_old"
	poll 10 gone "$u_old"
}

# nreloads_ge N: the error log has N "reloaded" lines or more.
nreloads_ge() {
	[ "$(grep -c reloaded "$errf")" -ge "$1" ]
}

# reloads N: wait for the Nth "reloaded" line, then the old workers.
reloads() {
	poll 10 nreloads_ge "$1" && poll 10 nkids_is "$master" 2
}

port=$(free_port)
start_cmd main "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 2 \
    -p "$T_DIR/main.pid" -e "$T_DIR/main.err" -o status_path=/status \
    -o metrics_path=/metrics ||
    t_broken "the server did not start"
poll 10 nkids_is "$master" 2
get /
get /
get / /nope /
t_case "requests, accepts, handled: what curl sent" \
    'ctr http_requests_total connections_accepted_total connections_handled_total' \
    "$(totals)"
t_case "responses by class: 2xx 4 and 4xx 1" \
    'ctr http_responses_total.2xx http_responses_total.4xx' \
    "http_responses_total.2xx=4 http_responses_total.4xx=1"
t_ok "bytes sent: more than 4 answers' heads" \
    '[ "$(ctr http_sent_bytes_total | cut -d= -f2)" -gt 400 ]'

# A worker holding an idle keep-alive connection is killed: its gauges
# must not stay behind.
python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
time.sleep(60)' "$port" &
holder=$!
T_PIDS="$T_PIDS $holder"
req=$((req + 1))
conn=$((conn + 1))
t_ok "an idle keep-alive connection: connections_active 1" \
    'poll 5 ctr_is connections_active 1'
victim=$(ss -tnpH state established "( sport = :$port )" 2>/dev/null |
    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$victim" ] && kill -KILL "$victim"
t_ok "SIGKILL to its worker: another worker takes its place" \
    '[ -n "$victim" ] && poll 10 nkids_is "$master" 2 &&
    ! kids "$master" | grep -qx "$victim"'
t_ok "the killed worker's gauges are reset: connections_active 0" \
    'poll 5 ctr_is connections_active 0'
kill "$holder" 2>/dev/null
t_case "worker_restarts_total 1" 'ctr worker_restarts_total' \
    "worker_restarts_total=1"
get /
t_case "the killed worker's totals survive it" \
    'ctr http_requests_total connections_accepted_total connections_handled_total' \
    "$(totals)"

# Reload, upgrade, upgrade, reload.
kill -HUP "$master"
reloads 1 || t_broken "HUP: no reload"
get /
t_case "after a HUP: the totals go on" \
    'ctr http_requests_total connections_accepted_total connections_handled_total' \
    "$(totals)"
t_mended
upgrade || t_broken "upgrade 1 failed"
get /
t_case "after upgrade 1: the totals go on, generation 2" \
    'ctr http_requests_total connections_accepted_total connections_handled_total generation' \
    "$(totals) generation=2"
t_mended
m0=$master
kill -USR2 "$m0"
poll 10 new_master "$m0" && poll 10 nkids_is "$(cat "$pidf")" 2 ||
    t_broken "USR2 failed"
t_case "both generations serve: their connections, apart" \
    'curl -s "http://127.0.0.1:$port/metrics" |
    grep -c "^fenix_generation_connections{generation=\"[23]\"}"' 2
req=$((req + 1))
conn=$((conn + 1))
kill -WINCH "$m0"
poll 10 nkids_is "$m0" 1 || t_broken "WINCH failed"
kill -QUIT "$m0"
poll 10 gone "$m0" || t_broken "QUIT failed"
master=$(cat "$pidf")
get / /
t_case "after upgrade 2: the totals go on, generation 3" \
    'ctr http_requests_total connections_accepted_total connections_handled_total generation' \
    "$(totals) generation=3"
t_mended
kill -HUP "$master"
reloads 2 || t_broken "HUP: no reload"
get /

# A rollback: the new binary exits at once.
cp "$BIN" "$BIN.good"
printf '#!/bin/sh\nexit 1\n' >"$BIN.tmp"
chmod 755 "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
kill -USR2 "$master"
t_ok "rollback: the old master rolls back" \
    'poll 10 grep_file "rolling back" "$errf" &&
    poll 10 pidfile_is "$pidf" "$master"'
mv -f "$BIN.good" "$BIN"
get /
t_case "after the rollback: the totals go on, generation 3" \
    'ctr http_requests_total connections_accepted_total upgrade_rollbacks_total generation' \
    "http_requests_total=$req connections_accepted_total=$conn upgrade_rollbacks_total=1 generation=3"
upgrade || t_broken "upgrade 3 failed"
get /
t_case "after 3 upgrades, 2 HUPs, a rollback, a SIGKILL: exact totals" \
    'ctr http_requests_total connections_accepted_total connections_handled_total' \
    "$(totals)"
t_case "and the events: upgrades, rollbacks, reloads, restarts" \
    'ctr upgrades_total upgrade_rollbacks_total reloads_total worker_restarts_total generation' \
    "upgrades_total=3 upgrade_rollbacks_total=1 reloads_total=2 worker_restarts_total=1 generation=4"
t_ok "fenix status (text) prints the requests" \
    '"$BIN" status -p "$pidf" |
    grep -q "requests: $req, connections: .* open, $conn accepted, upgrades: 3"'
t_mended

# The pages.  This request counts itself, and is the one being written.
poll 5 ctr_is connections_active 0
t_case "status_path: nginx's stub_status page, byte for byte" \
    'curl -s "http://127.0.0.1:$port/status" | od -An -c' \
    "$(printf 'Active connections: 1 \nserver accepts handled requests\n %d %d %d \nReading: 0 Writing: 1 Waiting: 0 \n' \
    $((conn + 1)) $((conn + 1)) $((req + 1)) | od -An -c)"
req=$((req + 1))
conn=$((conn + 1))
t_case "status_path: Content-Type text/plain, no body to HEAD" \
    'curl -s -I "http://127.0.0.1:$port/status" |
    grep -c -e "^Content-Type: text/plain" -e "^HTTP/1.1 200"' 2
req=$((req + 1))
conn=$((conn + 1))
t_case "status_path: POST gets 405" \
    'curl -s -o /dev/null -w "%{http_code}" -d x "http://127.0.0.1:$port/status"' 405
req=$((req + 1))
conn=$((conn + 1))
t_ok "metrics_path: the Prometheus text format 0.0.4" \
    'curl -s -D "$T_DIR/mh" -o "$T_DIR/metrics" "http://127.0.0.1:$port/metrics" &&
    grep -q "^Content-Type: text/plain; version=0.0.4" "$T_DIR/mh" &&
    grep -qx "fenix_http_requests_total $((req + 1))" "$T_DIR/metrics" &&
    grep -qx "# TYPE fenix_http_requests_total counter" "$T_DIR/metrics"'
req=$((req + 1))
conn=$((conn + 1))

if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; then
	NGX=$(command -v nginx || echo /usr/sbin/nginx)
	nport=$(free_port)
	mkdir -p "$T_DIR/ngx/logs"
	cat >"$T_DIR/ngx/nginx.conf" <<EOF
daemon off;
master_process off;
error_log stderr;
pid $T_DIR/ngx/nginx.pid;
events {}
http {
	access_log off;
	client_body_temp_path $T_DIR/ngx;
	server { listen 127.0.0.1:$nport; location = /status { stub_status; } }
}
EOF
	start_bg "$NGX" -p "$T_DIR/ngx" -c "$T_DIR/ngx/nginx.conf" \
	    2>"$T_DIR/ngx/err"
	ngx=$T_LAST
	poll 5 answers "$nport" /status || t_broken "nginx did not start"
	t_case "the same bytes as nginx's stub_status (digits aside)" \
	    'curl -s "http://127.0.0.1:$nport/status" | sed "s/[0-9][0-9]*/N/g" | od -An -c' \
	    "$(curl -s "http://127.0.0.1:$port/status" | sed 's/[0-9][0-9]*/N/g' | od -An -c)"
	req=$((req + 1))
	conn=$((conn + 1))
	kill "$ngx"
	t_mended
else
	t_skip "the same bytes as nginx's stub_status" \
	    "nginx missing (apt-get install nginx-light)"
fi

if command -v promtool >/dev/null 2>&1; then
	t_ok "promtool check metrics: the page passes, lint included" \
	    'curl -s "http://127.0.0.1:$port/metrics" >"$T_DIR/m2" &&
	    promtool check metrics <"$T_DIR/m2" >"$T_DIR/lint" 2>&1 &&
	    ! [ -s "$T_DIR/lint" ] || { cat "$T_DIR/lint"; exit 1; }'
	req=$((req + 1))
	conn=$((conn + 1))
else
	t_skip "promtool check metrics" \
	    "promtool missing (apt-get install prometheus)"
fi

if command -v prometheus-nginx-exporter >/dev/null 2>&1; then
	xport=$(free_port)
	start_bg prometheus-nginx-exporter \
	    -nginx.scrape-uri "http://127.0.0.1:$port/status" \
	    -web.listen-address "127.0.0.1:$xport" >"$T_DIR/exporter.out" 2>&1
	exporter=$T_LAST
	poll 10 answers "$xport" /metrics || t_broken "the exporter did not start"
	t_ok "nginx-exporter: nginx_up 1" \
	    'curl -s "http://127.0.0.1:$xport/metrics" | grep -qx "nginx_up 1"'
	t_ok "nginx-exporter: nginx_http_requests_total is our count" \
	    'curl -s "http://127.0.0.1:$xport/metrics" >"$T_DIR/x" &&
	    n=$(sed -n "s/^nginx_http_requests_total //p" "$T_DIR/x") &&
	    [ "$n" = "$(ctr http_requests_total | cut -d= -f2)" ] ||
	    { echo "exporter: $n"; ctr http_requests_total; exit 1; }'
	kill "$exporter"
	t_mended
else
	t_skip "nginx-exporter: nginx_up 1" \
	    "prometheus-nginx-exporter missing (apt-get install prometheus-nginx-exporter)"
	t_skip "nginx-exporter: nginx_http_requests_total is our count" \
	    "prometheus-nginx-exporter missing"
fi
kill -TERM "$master"
poll 10 gone "$master"

# Access and defaults.
port=$(free_port)
start_cmd deny "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/deny.pid" -e "$T_DIR/deny.err" -o status_path=/status \
    -o metrics_path=/metrics -o "status_allow=10.0.0.0/8, ::1" ||
    t_broken "server deny did not start"
t_case "a client outside status_allow: 403 on status_path" \
    'hget "%{http_code}" /status' 403
t_case "a client outside status_allow: 403 on metrics_path" \
    'hget "%{http_code}" /metrics' 403
t_case "other paths are files as before" 'hget "%{http_code}" /' 200
kill -TERM "$master"
poll 10 gone "$master"
t_mended

port=$(free_port)
start_cmd off "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 1 \
    -p "$T_DIR/off.pid" -e "$T_DIR/off.err" ||
    t_broken "server off did not start"
t_case "no status_path set: /status is a file (404)" \
    'hget "%{http_code}" /status' 404
t_case "no metrics_path set: /metrics is a file (404)" \
    'hget "%{http_code}" /metrics' 404
t_ok "counting goes on without pages: fenix status has them" \
    'pidf=$T_DIR/off.pid; poll 5 ctr_is http_requests_total 2'
kill -TERM "$master"
poll 10 gone "$master"
t_mended

for bad in "status_allow=10.0.0.0/33" "status_allow=example.org" \
    "status_path=status"; do
	t_case "-o $bad: a usage error (100)" \
	    '"$BIN" server -t -l 127.0.0.1:1 -o "$bad" -r "$W" >/dev/null 2>&1; echo $?' 100
done

# A bad FENIX_COUNTERS: logged, counting from zero, serving.
# fresh NAME VALUE [PY_SETUP]: start with FENIX_COUNTERS=VALUE (python
# prepares the fd), one request, then check the log and the count.
fresh() {
	port=$(free_port)
	start_cmd "$1" python3 -c 'import fcntl, os, sys
name, value, setup, errf = sys.argv[1:5]
exec(setup)
os.environ["FENIX_COUNTERS"] = value
os.execv(sys.argv[5], sys.argv[5:])' "$1" "$2" "${3:-pass}" "$T_DIR/$1.err" \
	    "$BIN" server -l "127.0.0.1:$port" -r "$W" -w 1 \
	    -p "$T_DIR/$1.pid" -e "$T_DIR/$1.err" ||
	    t_broken "server $1 did not start"
	t_ok "FENIX_COUNTERS=$2 ($1): logged, serving, counting from zero" \
	    'grep -q "FENIX_COUNTERS .*counting from zero" "$errf" &&
	    answers "$port" && poll 5 ctr_is http_requests_total 1'
	kill -TERM "$master"
	poll 10 gone "$master"
	t_mended
}
fresh notnum abc
fresh stdin 0
fresh closed 77
fresh file 7 'fd = os.open(errf + ".f", os.O_RDWR | os.O_CREAT)
os.ftruncate(fd, 64 + 4096 * 128)
os.dup2(fd, 7)'
fresh magic 7 'fd = os.memfd_create("fenix-counters", os.MFD_ALLOW_SEALING)
os.ftruncate(fd, 64 + 4096 * 128)
fcntl.fcntl(fd, 1033, 2 | 4)
os.dup2(fd, 7)'
t_exit
