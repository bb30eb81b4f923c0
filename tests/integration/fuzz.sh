#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke runs of the libFuzzer targets (tests/fuzz/, make fuzz-bins) with
# ASan+UBSan: each parser target for FUZZ_SMOKE seconds (default 3) over
# its seeds, and the connection harness for a fixed number of runs from
# seed 1, so that its run is the same every time.  Needs clang: without
# it every case is a SKIP.
. "$(dirname "$0")/lib.sh"
PARSERS="http path range etag date conf listen"
plan 8

top=$(cd "$HERE/../.." && pwd)
out=$T_DIR/fuzz
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
	t_skipping "no clang to build the fuzz targets (apt-get install clang)"
elif ! make -C "$top" -s fuzz-bins >"$T_DIR/build.log" 2>&1; then
	t_broken "make fuzz-bins failed"
	tail -20 "$T_DIR/build.log" | sed 's/^/    /'
fi
for t in $PARSERS; do
	t_ok "fuzz $t ${FUZZ_SMOKE:-3} s" \
	    "sh '$top/tests/fuzz/run.sh' -t ${FUZZ_SMOKE:-3} -o '$out' $t"
done
t_ok "fuzz conn 400 runs from seed 1" \
    "sh '$top/tests/fuzz/run.sh' -r 400 -o '$out' conn"
t_mended
t_exit
