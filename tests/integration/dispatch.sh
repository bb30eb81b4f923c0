#!/bin/sh
# SPDX-License-Identifier: MIT
# The multi-call dispatch: argv[0] names, fenix-APPLET, fenix APPLET,
# links made by --install, unknown applets (exit 100).
. "$(dirname "$0")/lib.sh"

d=$T_DIR
# The applets the build configured, as --version's config line says
# (another code path than --list), in Kconfig's order.
applets=
for a in server upgrade status; do
	built "APPLET_$a" && applets="$applets $a"
done
set -- $applets
napplets=$#
plan $((14 + 6 * $#))

t_case "--list names the configured applets" \
    '"$FENIX" --list | tr "\n" " "' "$(printf '%s ' $applets)"
t_ok "--list is not empty" '[ -n "$("$FENIX" --list)" ]'

for a in $applets; do
	ln -s "$FENIX" "$d/$a"
	ln -s "$FENIX" "$d/fenix-$a"
	t_ok "argv[0] '$a' runs the $a applet" \
	    '"$d/$a" --help | grep -q "usage: fenix $a"'
	t_ok "argv[0] 'fenix-$a' runs the $a applet" \
	    '"$d/fenix-$a" --help | grep -q "usage: fenix $a"'
	t_ok "'fenix $a' runs the $a applet" \
	    '"$FENIX" $a --help | grep -q "usage: fenix $a"'
	t_case "'$a --help' exits 0" '"$FENIX" $a --help >/dev/null; echo $?' 0
done

t_case "unknown applet exits 100" '"$FENIX" nosuch; echo $?' \
    "fenix: applet 'nosuch' not found (applets: $(echo $applets))
100"
ln -s "$FENIX" "$d/fenix-nosuch"
t_case "unknown fenix-APPLET exits 100" \
    '"$d/fenix-nosuch" >/dev/null 2>&1; echo $?' 100
t_case "fenix with no applet exits 100" '"$FENIX" >/dev/null 2>&1; echo $?' 100
t_case "unknown option exits 100" '"$FENIX" --bogus >/dev/null 2>&1; echo $?' 100
t_ok "--help lists every applet" \
    'h=$("$FENIX" --help) && [ -n "$applets" ] && for a in $applets; do
	printf "%s\n" "$h" | grep -q "^  $a " || exit 1; done'
t_ok "--version names the version and the config" \
    '"$FENIX" --version | grep -q "^config: .*+applet_server"'

# A copy under another name ("fenix.new", as an upgrade installs it) is
# the multi-call binary.
cp "$FENIX" "$d/fenix.new"
t_ok "a renamed binary takes the applet from argv[1]" \
    '"$d/fenix.new" server --help | grep -q "usage: fenix server"'

mkdir "$d/sym" "$d/hard"
t_ok "--install -s makes a symlink per applet" \
    '"$FENIX" --install -s "$d/sym" &&
    [ "$(find "$d/sym" -type l | wc -l)" -eq "$napplets" ] && [ "$napplets" -gt 0 ]'
cp "$FENIX" "$d/hard/fenix"
t_ok "--install makes a hard link per applet" \
    '"$d/hard/fenix" --install "$d/hard" &&
    [ "$(find "$d/hard" -samefile "$d/hard/fenix" | wc -l)" -eq $((napplets + 1)) ] &&
    [ "$napplets" -gt 0 ]'
for a in $applets; do
	t_ok "symlink $a made by --install dispatches" \
	    '[ -L "$d/sym/$a" ] && "$d/sym/$a" --help | grep -q "usage: fenix $a"'
	t_ok "hard link $a made by --install dispatches" \
	    '[ "$d/hard/$a" -ef "$d/hard/fenix" ] &&
	    "$d/hard/$a" --help | grep -q "usage: fenix $a"'
done
t_case "--install over existing links fails with 111" \
    '"$FENIX" --install -s "$d/sym" >/dev/null 2>&1; echo $?' 111
t_case "--install with no DIR is a usage error" \
    '"$FENIX" --install >/dev/null 2>&1; echo $?' 100

# Symlinks found through PATH.
t_ok "an applet symlink found in PATH dispatches" \
    'PATH="$d/sym:$PATH" server --help | grep -q "usage: fenix server"'
t_exit
