#!/bin/sh
# SPDX-License-Identifier: MIT
# `make mutate`: proof that the tests can fail.  Each mutant of
# tests/mutants.txt (NAME | FILE | TESTS | SED) is applied alone to a
# scratch copy of the tree, which is built and given the test scripts
# TESTS (integration script names, unit:NAME for a unit binary).  One line
# per mutant: the first FAIL line that caught it, or SURVIVED (also: the
# sed changed nothing, or the mutant does not build).  Exit 1 unless
# every mutant was caught.
# Usage: tests/mutate.sh [MUTANTS_FILE] [NAME...]   (NAMEs: only those)

top=$(cd "$(dirname "$0")/.." && pwd)
list=${1:-$top/tests/mutants.txt}
[ $# -gt 0 ] && shift
case $list in /*) ;; *) list=$(pwd)/$list ;; esac
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fenix-mutate.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM HUP

# The tracked files (and a local .config), not obj/: a clean build.
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$scratch") ||
    exit 1
[ -f "$top/.config" ] && cp "$top/.config" "$scratch/"
cd "$scratch" || exit 1
echo "mutate: building the unmutated tree in $scratch"
if ! nice -n 10 make -s >build.log 2>&1 || ! nice -n 10 make -s unit \
    >>build.log 2>&1; then
	tail -20 build.log
	exit 1
fi

total=0 caught=0
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	name=$(printf '%s\n' "$line" | awk -F' [|] ' '{print $1}')
	file=$(printf '%s\n' "$line" | awk -F' [|] ' '{print $2}')
	tests=$(printf '%s\n' "$line" | awk -F' [|] ' '{print $3}')
	expr=$(printf '%s\n' "$line" | sed 's/^[^|]* | [^|]* | [^|]* | //')
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	total=$((total + 1))
	cp "$file" mutate.orig
	sed -e "$expr" mutate.orig >"$file"
	verdict=
	if cmp -s mutate.orig "$file"; then
		verdict="SURVIVED (the sed changed nothing)"
	elif ! nice -n 10 make -s >build.log 2>&1 </dev/null ||
	    ! nice -n 10 make -s unit >>build.log 2>&1; then
		verdict="SURVIVED (does not build: $(grep -m1 error build.log))"
	else
		# One test at a time, in the order given: the first that
		# fails has caught the mutant.
		verdict=
		for t in $tests; do
			case $t in
			unit:*) TESTS=none nice -n 10 sh tests/run.sh \
			    obj/fenix "obj/tests/${t#unit:}" >test.log 2>&1 </dev/null ;;
			*) TESTS=$t nice -n 10 sh tests/run.sh obj/fenix \
			    >test.log 2>&1 </dev/null ;;
			esac
			hit=$(grep -m1 '^FAIL: ' test.log)
			[ -z "$hit" ] && ! tail -1 test.log |
			    grep -q ' 0 failed' && hit=$(tail -1 test.log)
			if [ -n "$hit" ]; then
				verdict="caught by $t: ${hit#FAIL: }"
				caught=$((caught + 1))
				break
			fi
		done
		[ -n "$verdict" ] || verdict="SURVIVED ($tests: no FAIL)"
	fi
	printf '%-28s %s\n' "$name" "$verdict"
	# Put the file back, newer than its object: the next build redoes it.
	cp mutate.orig "$file"
	touch "$file"
done <"$list"
echo "mutate: $caught of $total mutants caught"
[ "$caught" -eq "$total" ]
