#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make CROSS=ARCH` needs from Debian: `tools ARCH` checks for the
# cross gcc and the target's musl-dev, `qemu ARCH` for qemu-user-static
# and its binfmt_misc entry (the tests exec the binary, and fenix execs
# itself on upgrade).  As root it installs or registers what is missing;
# otherwise it says what to run and exits 1.
# `check ARCH` only says (exit 1) whether the tools are missing.
# Usage: configs/cross.sh tools|check|qemu aarch64|armhf|riscv64

set -u
what=$1 arch=$2
case $arch in
aarch64) triple=aarch64-linux-gnu musl=aarch64-linux-musl deb=arm64
	qemu=aarch64 ;;
armhf) triple=arm-linux-gnueabihf musl=arm-linux-musleabihf deb=armhf
	qemu=arm ;;
riscv64) triple=riscv64-linux-gnu musl=riscv64-linux-musl deb=riscv64
	qemu=riscv64 ;;
*) echo "make: CROSS=$arch: not one of aarch64 armhf riscv64" >&2
	exit 1 ;;
esac
root=0
[ "$(id -u)" = 0 ] && root=1

say() {
	echo "make: CROSS=$arch: $*" >&2
}

# install PKG...: apt-get as root, else tell the user.
install() {
	if [ "$root" = 0 ]; then
		say "missing $*: run 'apt-get install $*' as root"
		exit 1
	fi
	say "installing $* (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
	    >/dev/null || exit 1
}

tools() {
	need=
	command -v "$triple-gcc" >/dev/null || need="gcc-$triple"
	[ -f "/usr/lib/$musl/musl-gcc.specs" ] || need="$need musl-dev:$deb"
	[ -z "$need" ] && return 0
	case $need in
	*musl-dev*)
		if [ "$root" = 0 ]; then
			say "missing$need: as root run 'dpkg --add-architecture" \
			    "$deb && apt-get update && apt-get install$need'"
			exit 1
		fi
		added=0
		if ! dpkg --print-foreign-architectures | grep -qx "$deb"; then
			dpkg --add-architecture "$deb" && added=1
		fi
		apt-get update -qq >/dev/null 2>&1
		if ! apt-cache show "musl-dev:$deb" >/dev/null 2>&1; then
			[ "$added" = 1 ] && dpkg --remove-architecture "$deb"
			say "this Debian release has no musl-dev for $deb" \
			    "(see README, \"Cross builds\")"
			exit 1
		fi ;;
	esac
	install $need
}

qemu() {
	bf=/proc/sys/fs/binfmt_misc
	command -v "qemu-$qemu-static" >/dev/null || install qemu-user-static
	[ -e "$bf/qemu-$qemu" ] && return 0
	if [ "$root" = 0 ]; then
		say "no binfmt_misc entry qemu-$qemu: as root run" \
		    "'systemctl restart systemd-binfmt' (or update-binfmts" \
		    "--enable qemu-$qemu)"
		exit 1
	fi
	[ -e "$bf/register" ] || mount -t binfmt_misc binfmt_misc "$bf" ||
	    { say "cannot mount $bf"; exit 1; }
	conf=/usr/lib/binfmt.d/qemu-$qemu.conf
	[ -f "$conf" ] || { say "no $conf (qemu-user-static)"; exit 1; }
	sed -n '/^:/p' "$conf" >"$bf/register" ||
	    { say "cannot register qemu-$qemu in $bf"; exit 1; }
}

case $what in
tools) tools ;;
check) root=0 tools 2>/dev/null ;;
qemu) qemu ;;
*) echo "usage: configs/cross.sh tools|check|qemu ARCH" >&2; exit 1 ;;
esac
