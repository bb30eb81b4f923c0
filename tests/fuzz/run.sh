#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the libFuzzer targets built by `make fuzz-bins`, one at a time, and
# print one line per target: "PASS: fuzz T: N runs in S s" or "FAIL: fuzz
# T: why", with the input that failed kept in OUTDIR.  Exit 1 on a FAIL.
# Usage: tests/fuzz/run.sh [-t SECONDS] [-r RUNS] [-o OUTDIR] TARGET...
#   -t  time per target (default 60); -r  a fixed number of runs from
#   seed 1 instead (deterministic); -o  corpus and crashes (obj/fuzz).
# Each target reads its seeds from tests/fuzz/T/ (http also the golden
# requests of tests/unit/data) and adds what it finds to OUTDIR/corpus/T.

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=60 runs= out=$top/obj/fuzz
while getopts t:r:o: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	r) runs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) exit 100 ;;
	esac
done
shift $((OPTIND - 1))

rc=0
for t in "$@"; do
	bin=$top/obj/fuzz/${t}_fuzz
	log=$out/$t.log
	mkdir -p "$out/corpus/$t" "$out/crash"
	if [ ! -x "$bin" ]; then
		echo "FAIL: fuzz $t: $bin not built (make fuzz-bins)"
		rc=1
		continue
	fi
	seeds=$top/tests/fuzz/$t
	[ "$t" = http ] && seeds="$seeds $top/tests/unit/data"
	if [ -n "$runs" ]; then
		lim="-runs=$runs -seed=1"
	else
		lim="-max_total_time=$secs"
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" $lim -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix="$out/crash/$t-" \
	    "$out/corpus/$t" $seeds >"$log" 2>&1
	st=$?
	took=$(($(date +%s) - start))
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$st" -eq 0 ] && grep -q '^Done ' "$log"; then
		echo "PASS: fuzz $t: ${n:-?} runs in $took s"
	else
		why=$(grep -m1 -E '^(conn_fuzz: |==[0-9]+==ERROR|SUMMARY)' \
		    "$log")
		unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
		echo "FAIL: fuzz $t: ${why:-exit $st} (input: ${unit:-none}," \
		    "log: $log)"
		rc=1
	fi
done
exit $rc
