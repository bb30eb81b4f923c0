# SPDX-License-Identifier: MIT
# Helpers for the integration tests (POSIX sh, BusyBox testing.sh style).
# Source it; $FENIX is the binary under test.  Every case prints one
# PASS:, FAIL: or SKIP: line.  Processes a test starts are killed by pid
# at exit; nothing binds anything but 127.0.0.1 on a port the kernel chose.

: "${FENIX:?FENIX must name the fenix binary}"
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

# t_case NAME COMMAND EXPECTED: run COMMAND (eval'd), compare its stdout.
t_case() {
	t_out=$(eval "$2" 2>&1)
	if [ "$t_out" = "$3" ]; then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		printf '    expected: %s\n    got:      %s\n' "$3" "$t_out" |
		    head -20
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_ok NAME COMMAND: COMMAND (eval'd) must exit 0.
t_ok() {
	if t_out=$(eval "$2" 2>&1); then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		printf '%s\n' "$t_out" | head -20 | sed 's/^/    /'
		T_FAILED=$((T_FAILED + 1))
	fi
}

t_skip() {
	echo "SKIP: $1 ($2)"
}

# optional FEATURE: skip the rest of the script if Kconfig left it out.
optional() {
	if ! "$FENIX" --version | grep -q "+$(echo "$1" | tr A-Z a-z)"; then
		t_skip "$(basename "$0" .sh)" "$1 not configured"
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

# poll SECONDS COMMAND...: run COMMAND until it succeeds or time runs out.
poll() {
	t_deadline=$(($(date +%s) + $1 + 1))
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

t_exit() {
	[ "$T_FAILED" -eq 0 ]
	exit $?
}
