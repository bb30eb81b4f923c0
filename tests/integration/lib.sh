# SPDX-License-Identifier: MIT
# Helpers for the integration tests (POSIX sh, BusyBox testing.sh style).
# Source it; $FENIX is the binary under test.  Every case prints one
# PASS:, FAIL: or SKIP: line.  Processes a test starts are killed by pid
# at exit; nothing binds anything but 127.0.0.1 on a port the kernel chose.

: "${FENIX:?FENIX must name the fenix binary}"
HERE=${HERE:-$(cd "$(dirname "$0")" && pwd)}	# the test script's folder
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fenix-test.XXXXXX")
T_PIDS=
T_POLL=0.02			# seconds between two polls
T_FAILED=0

t_cleanup() {
	for p in $T_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM HUP

# Every case prints exactly one PASS:, FAIL: or SKIP: line, through the
# helpers below, so that T_N counts them; a script states its plan first
# (`plan N`, TAP's 1..N) and tests/run.sh fails it when the count differs.
T_N=0
T_PLAN=
T_BROKEN=			# set: the cases that follow FAIL with this reason
T_SKIPPING=			# set: the cases that follow SKIP with this reason

# plan N: this script runs N cases.
plan() {
	T_PLAN=$1
	echo "1..$1"
}

t_pass() {
	T_N=$((T_N + 1))
	echo "PASS: $1"
}

# t_fail NAME [FILE]: a FAIL line, then the tail of FILE as its detail.
t_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL: $1"
	[ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    /' "$2" | tail -20
	return 0
}

# t_skip NAME REASON: one SKIP line per case skipped, with its reason.
t_skip() {
	T_N=$((T_N + 1))
	echo "SKIP: $1 ($2)"
}

# t_broken REASON: the setup of a block failed; every case up to t_mended
# is reported as FAIL with REASON instead of being run (or dropped).
t_broken() {
	T_BROKEN=$1
}

# t_skipping REASON: every case up to t_mended SKIPs with REASON.
t_skipping() {
	T_SKIPPING=$1
}

t_mended() {
	T_BROKEN= T_SKIPPING=
}

# t_blocked NAME: report NAME as FAIL or SKIP if the block is broken or
# skipping; returns 0 when it did (the case must not run).
t_blocked() {
	if [ -n "$T_BROKEN" ] && { [ -z "$T_SKIPPING" ] ||
	    [ "${T_SKIPPING#qemu-user: }" != "$T_SKIPPING" ]; }; then
		t_fail "$1 (setup failed: $T_BROKEN)"
	elif [ -n "$T_SKIPPING" ]; then
		# What the build or the machine lacks: a setup that needed
		# it fails too, and its cases still SKIP.
		t_skip "$1" "$T_SKIPPING"
	else
		return 1
	fi
}

# t_case NAME COMMAND EXPECTED: run COMMAND (eval'd), compare its stdout.
t_case() {
	t_blocked "$1" && return 0
	t_out=$(eval "$2" 2>&1)
	if [ "$t_out" = "$3" ]; then
		t_pass "$1"
	else
		t_fail "$1"
		printf '    expected: %s\n    got:      %s\n' "$3" "$t_out" |
		    head -20
	fi
}

# t_ok NAME COMMAND: COMMAND (eval'd) must exit 0.
t_ok() {
	t_blocked "$1" && return 0
	if t_out=$(eval "$2" 2>&1); then
		t_pass "$1"
	else
		t_fail "$1"
		printf '%s\n' "$t_out" | head -20 | sed 's/^/    /'
	fi
}

# t_skip_rest REASON: SKIP every case of the plan not yet reported.
t_skip_rest() {
	while [ "$T_N" -lt "${T_PLAN:-0}" ]; do
		t_skip "$(basename "$0" .sh) case $((T_N + 1))/$T_PLAN" "$1"
	done
}

# built SYMBOL: the binary was built with Kconfig's SYMBOL (APPLET_STATUS,
# FEATURE_GZIP_STATIC...), as `fenix --version` lists it.
built() {
	"$FENIX" --version |
	    grep -q "+$(echo "$1" | tr A-Z a-z)\>"
}

# optional FEATURE: skip the rest of the script if Kconfig left it out.
# Call it after plan: each case of the plan is reported as a SKIP.
optional() {
	if ! built "$1"; then
		t_skip_rest "$1 not configured"
		exit 0
	fi
}

# free_port: a TCP port on 127.0.0.1 that the kernel says is free.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Under qemu-user (make check CROSS=ARCH sets FENIX_QEMU=ARCH) the binary
# runs several times slower: FENIX_SLOW=N stretches every poll deadline
# N times.
T_SLOW=${FENIX_SLOW:-1}

# under_qemu: the binary under test runs under qemu-user.
under_qemu() {
	[ -n "${FENIX_QEMU:-}" ]
}

# qemu_skipping REASON: the cases up to qemu_done SKIP under qemu-user
# only, with REASON (what qemu-user cannot do); a broken block stays so.
qemu_skipping() {
	under_qemu && [ -z "$T_SKIPPING" ] && T_SKIPPING="qemu-user: $1"
	return 0
}

qemu_done() {
	case $T_SKIPPING in "qemu-user: "*) T_SKIPPING= ;; esac
}

# poll SECONDS COMMAND...: run COMMAND until it succeeds or time runs out.
poll() {
	t_deadline=$(($(date +%s) + $1 * T_SLOW + 1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$t_deadline" ] && return 1
		sleep "$T_POLL"
	done
	return 0
}

# start_bg COMMAND...: run in the background, remember the pid in $!.
start_bg() {
	"$@" &
	T_LAST=$!
	T_PIDS="$T_PIDS $T_LAST"
}

# alive PID: the process exists and is not a zombie.
alive() {
	a_s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$a_s" ] && [ "$a_s" != Z ] && [ "$a_s" != X ]
}

gone() {
	! alive "$1"
}

# all_gone PID...: none of them runs.
all_gone() {
	for g_p; do
		alive "$g_p" && return 1
	done
	return 0
}

# kids PID: its children, one per line, sorted.
kids() {
	tr -s ' ' '\n' <"/proc/$1/task/$1/children" 2>/dev/null |
	    sed '/^$/d' | sort -n
}

nkids() {
	kids "$1" | wc -l
}

# nkids_is PID N
nkids_is() {
	[ "$(nkids "$1")" -eq "$2" ]
}

# pidfile_is FILE PID
pidfile_is() {
	[ "$(cat "$1" 2>/dev/null)" = "$2" ]
}

# answers PORT [PATH]: a 200.
answers() {
	[ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' \
	    "http://127.0.0.1:$1${2:-/}")" = 200 ]
}

# raw ARGS...: tests/integration/raw.py (raw-socket requests).
raw() {
	python3 "$HERE/raw.py" "$@"
}

# hget WRITEOUT PATH [CURL_ARGS...]: curl -w WRITEOUT, the body dropped.
hget() {
	h_w=$1 h_p=$2
	shift 2
	curl -s -o /dev/null --max-time 5 -w "$h_w" "$@" \
	    "http://127.0.0.1:$port$h_p"
}

# bget PATH [CURL_ARGS...]: the body.
bget() {
	b_p=$1
	shift
	curl -s --max-time 5 "$@" "http://127.0.0.1:$port$b_p"
}

# refused PORT: a connection to it is refused (curl's exit 7), which an
# empty answer or a time-out is not.
refused() {
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
	[ $? -eq 7 ]
}

# grep_file PATTERN FILE: for poll.
grep_file() {
	grep -q -- "$1" "$2" 2>/dev/null
}

# t_note TEXT [FILE]: a diagnostic (not a case): "# TEXT" and FILE's tail.
t_note() {
	echo "# $1"
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -20 "$2" | sed 's/^/#    /'
	return 0
}

# load_start NAME PORT [LOAD_ARGS...]: load.py in the background until
# $T_DIR/NAME.stop exists; returns once every connection had an answer.
load_start() {
	l_name=$1 l_port=$2
	shift 2
	python3 "$HERE/load.py" "$l_port" --stop "$T_DIR/$l_name.stop" \
	    --ready "$T_DIR/$l_name.ready" --seconds 80 "$@" \
	    >"$T_DIR/$l_name.load" 2>&1 &
	load_pid=$!
	T_PIDS="$T_PIDS $load_pid"
	poll 15 test -e "$T_DIR/$l_name.ready"
}

# load_stop NAME: stop it and wait for it (in this shell, not in a
# $(...)); its summary in $T_DIR/NAME.load, its status appended there.
load_stop() {
	touch "$T_DIR/$1.stop"
	wait "$load_pid"
	echo "exit $?" >>"$T_DIR/$1.load"
}

# load_ok NAME: after load_stop, exit 0, "failed 0" and requests > 0.
load_ok() {
	cat "$T_DIR/$1.load"
	grep -qx 'exit 0' "$T_DIR/$1.load" &&
	    grep -Eq '^requests [1-9][0-9]* failed 0$' "$T_DIR/$1.load"
}

# start_cmd NAME CMD...: run CMD, a fenix server given -p $T_DIR/NAME.pid
# and -e $T_DIR/NAME.err by the caller, stdin from /dev/null.  Sets pidf,
# errf and master; returns once the pid file names the master.
start_cmd() {
	s_name=$1
	shift
	pidf=$T_DIR/$s_name.pid
	errf=$T_DIR/$s_name.err
	master=
	start_bg "$@" </dev/null
	master=$T_LAST
	if ! poll 10 pidfile_is "$pidf" "$master"; then
		t_note "server $s_name did not write its pid file" "$errf"
		return 1
	fi
}

# serve_up NAME PORT PATH CMD...: start_cmd NAME CMD..., then wait until
# PATH answers on PORT; if either fails, the block is broken (t_broken).
serve_up() {
	u_name=$1 u_port=$2 u_path=$3
	shift 3
	if ! start_cmd "$u_name" "$@"; then
		t_broken "server $u_name did not start"
	elif ! poll 5 answers "$u_port" "$u_path"; then
		t_note "server $u_name does not answer" "$T_DIR/$u_name.err"
		t_broken "server $u_name does not answer"
	fi
}

# t_exit: the end of a script; a count that differs from the plan fails.
t_exit() {
	if [ -n "$T_PLAN" ] && [ "$T_N" -ne "$T_PLAN" ]; then
		echo "# plan $T_PLAN, ran $T_N"
		exit 1
	fi
	[ "$T_FAILED" -eq 0 ]
	exit $?
}
