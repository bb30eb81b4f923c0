#!/bin/sh
# SPDX-License-Identifier: MIT
# `make sizes`: build defconfig and tiny_defconfig for x86-64 and for each
# cross target (objects in obj/sizes/), and write what `size` says into
# README.md between the "sizes" markers.  .config is left as it was.
# Usage: configs/sizes.sh [README]

readme=${1:-README.md}
make=${MAKE:-make}
table=$(mktemp)
saved=$(mktemp)
trap 'rm -f "$table" "$saved"' EXIT
cp .config "$saved" 2>/dev/null || cp configs/defconfig "$saved"

{
	echo "| architecture | config | text | data | bss | file |"
	echo "|---|---|--:|--:|--:|--:|"
} >"$table"
for cfg in defconfig tiny_defconfig; do
	$make -s "$cfg" >/dev/null
	for arch in x86-64 aarch64 armhf riscv64; do
		o=obj/sizes/$cfg/$arch
		cross=
		[ "$arch" = x86-64 ] || cross=CROSS=$arch
		mkdir -p "$o"
		if [ -n "$cross" ] && ! sh configs/cross.sh check "$arch"; then
			echo "| $arch | $cfg | - | - | - | not built: no" \
			    "cross gcc or musl for it here |" >>"$table"
			continue
		fi
		if ! $make -s $cross O="$o" "$o/fenix" >"$o.log" 2>&1; then
			echo "| $arch | $cfg | - | - | - | build failed |" \
			    >>"$table"
			continue
		fi
		size "$o/fenix" | awk -v a="$arch" -v c="$cfg" \
		    -v f="$(wc -c <"$o/fenix")" \
		    'NR == 2 {printf "| %s | %s | %d | %d | %d | %d |\n",
		    a, c, $1, $2, $3, f}' >>"$table"
	done
done
cp "$saved" .config
rm -f obj/config.h
cat "$table"
awk -v t="$table" '
/^<!-- sizes -->$/ {print; while ((getline l < t) > 0) print l; skip = 1; next}
/^<!-- \/sizes -->$/ {skip = 0}
!skip' "$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
