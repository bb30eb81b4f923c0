#!/bin/sh
# SPDX-License-Identifier: MIT
# make lint: the mechanical part of the house style (STYLE.md, KNF) on
# core/ and applets/: 80 columns (tabs of 8), tabs for indentation, no
# trailing white space, no // comments, no #if 0, an SPDX line first.
# Prints file:line: problem; exits 1 if anything is found.
status=0
for f in "$@"; do
	head -1 "$f" | grep -q 'SPDX-License-Identifier' ||
	    { echo "$f:1: no SPDX line"; status=1; }
	awk -v f="$f" '
	{
		line = $0
		col = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			col = (c == "\t") ? (int(col / 8) + 1) * 8 : col + 1
		}
		if (col > 80) { print f ":" NR ": longer than 80 columns"; bad = 1 }
		if (line ~ /[ \t]+$/) { print f ":" NR ": trailing white space"; bad = 1 }
		if (line ~ /^        /) { print f ":" NR ": spaces instead of a tab"; bad = 1 }
		if (line ~ /^#if 0/) { print f ":" NR ": #if 0"; bad = 1 }
		s = line
		gsub(/"([^"\\]|\\.)*"/, "\"\"", s)
		if (s ~ /(^|[^:*\/])\/\// ) { print f ":" NR ": // comment"; bad = 1 }
	}
	END { exit bad }' "$f" || status=1
done
exit $status
