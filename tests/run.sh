#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the unit test binaries and tests/integration/*.sh against the real
# binary; add up their PASS/FAIL/SKIP lines and print the one closing line
# "N passed, N failed[, N skipped]".  Exit 1 on any failure.
# Usage: tests/run.sh FENIX_BINARY [UNIT_TEST_BINARY...]
# TESTS="http conn" runs only the integration scripts with those names.

bin=$1
shift
# The tests start python3 hundreds of times: a version manager's shim
# (pyenv) costs a second or more each on a loaded machine, where the
# system's interpreter starts in tens of milliseconds.
[ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH && export PATH
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
FENIX=$bin
export FENIX
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

passed=0 failed=0 skipped=0 qemu_skipped=0

# A unit binary prints FAIL lines and "TOTAL passed failed".  Under the
# sanitizers, leaks are reported but for those tests/unit/lsan.supp names.
LSAN_OPTIONS="suppressions=$top/tests/unit/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
for t in "$@"; do
	name=$(basename "$t")
	if ! "$t" "$top/tests/unit/data" >"$log" 2>&1; then
		grep -q '^TOTAL .* 0$' "$log" &&
		    echo "FAIL: $name: exited non-zero (sanitizer report?)" >>"$log"
		grep -q '^TOTAL ' "$log" || echo "FAIL: $name: crashed" >>"$log"
	fi
	grep -v '^TOTAL ' "$log" | grep -v '^$' | tail -40
	set -- $(awk '/^TOTAL /{p+=$2; f+=$3}
	    /^FAIL: .*(crashed|exited non-zero.*)$/{f++}
	    END{print p+0, f+0}' "$log")
	echo "unit $name: $1 passed, $2 failed" | sed 's/^/# /'
	passed=$((passed + $1)) failed=$((failed + $2))
done

# An integration script prints its plan ("1..N") and one PASS:, FAIL: or
# SKIP: line per case; a count that differs from the plan is a failure.
for t in "$top"/tests/integration/*.sh; do
	name=$(basename "$t" .sh)
	case $name in lib) continue ;; esac
	if [ -n "${TESTS:-}" ]; then
		case " $TESTS " in *" $name "*) ;; *) continue ;; esac
	fi
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(FAIL|SKIP)' "$log"
	set -- $(awk '/^PASS: /{p++} /^FAIL: /{f++} /^SKIP: /{s++}
	    /^SKIP: .*\(qemu-user: [^)]*\)$/{q++}
	    /^1\.\.[0-9]+$/ && n == "" {n = substr($0, 4)}
	    END{print p+0, f+0, s+0, (n == "" ? -1 : n), q+0}' "$log")
	p=$1 f=$2 s=$3 n=$4
	qemu_skipped=$((qemu_skipped + $5))
	if [ "$n" -lt 0 ]; then
		echo "FAIL: $name: no plan (1..N) printed"
		tail -5 "$log" | sed 's/^/    /'
		f=$((f + 1))
	elif [ $((p + f + s)) -ne "$n" ]; then
		echo "FAIL: $name: plan $n cases, reported $((p + f + s))"
		tail -5 "$log" | sed 's/^/    /'
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited $rc"
		tail -5 "$log" | sed 's/^/    /'
		f=1
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

# FENIX_NO_SKIP=1 (CI as root): nothing may be skipped there, but what
# qemu-user cannot do (make check CROSS=ARCH; README, "Cross builds").
if [ "$((skipped - qemu_skipped))" -gt 0 ] && [ "${FENIX_NO_SKIP:-0}" = 1 ]
then
	echo "FAIL: $((skipped - qemu_skipped)) cases skipped with" \
	    "FENIX_NO_SKIP=1 (see SKIP above)"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
