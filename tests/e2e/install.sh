#!/bin/sh
# What `make install` puts in place, in a DESTDIR: the binary, the XSAVE
# shim, umltop's uml_net, both man pages (rendered by man(1) without a warning), the systemd
# unit, the OpenRC script and the example config directory, which `umltop
# check` refuses only for the kernels and images it names; and --help on
# every subcommand.
. "$top_srcdir/tests/e2e/lib.sh"
plan 11

DEST=$T_DIR/root
# (the make running this test must not lend its jobs to this one)
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$top_builddir" -s install DESTDIR="$DEST") \
	>"$T_DIR/install.out" 2>&1 || { sed 's/^/# /' "$T_DIR/install.out"; bail "make install failed"; }
pass "make install DESTDIR=... succeeds"

# installed PATTERN: the one file under DEST whose path ends so.
installed() { find "$DEST" -path "*/$1" | head -n 1; }
bin=$(installed bin/umltop)
[ -x "$bin" ] && "$bin" --version | grep -q umltop
ok $? "the binary: ${bin#"$DEST"} runs ($("$bin" --version 2>&1))"
shim=$(installed umltop/umltop-xstate.so)
[ -f "$shim" ]
ok $? "the XSAVE shim: ${shim#"$DEST"}"
helper=$(installed umltop/uml_net)
[ -x "$helper" ] && [ ! -u "$helper" ]
ok $? "umltop's uml_net (taps handed to a non-root USER's UML), not setuid: ${helper#"$DEST"}"
man1=$(installed man1/umltop.1)
man5=$(installed man5/umltop.conf.5)
[ -f "$man1" ] && [ -f "$man5" ]
ok $? "both man pages: ${man1#"$DEST"} ${man5#"$DEST"}"
if command -v man >/dev/null 2>&1; then
	: >"$T_DIR/man.err"
	for p in "$man1" "$man5"; do
		[ -f "$p" ] || echo "$p: missing" >>"$T_DIR/man.err"
		[ -f "$p" ] && MANWIDTH=80 man --warnings -l "$p" 2>>"$T_DIR/man.err" >"$T_DIR/man.out"
		grep -q 'umltop' "$T_DIR/man.out" || echo "$p: rendered nothing" >>"$T_DIR/man.err"
	done
	[ ! -s "$T_DIR/man.err" ]
	ok $? "man --warnings renders both installed pages without a warning: $(head -n 5 "$T_DIR/man.err" | tr '\n' ' ')"
else
	pass "# SKIP no man(1) on this machine"
fi
unit=$(installed systemd/system/umltop.service)
[ -f "$unit" ] && grep -q "^ExecStart=.*/umltop server --foreground" "$unit" &&
	grep -q '^Documentation=.*man:umltop.conf(5)' "$unit"
ok $? "the systemd unit: ${unit#"$DEST"}, naming umltop.conf(5)"
initd=$(installed init.d/umltop)
[ -x "$initd" ] && head -n 1 "$initd" | grep -q openrc-run
ok $? "the OpenRC script: ${initd#"$DEST"}"
ex=$(dirname "$(installed doc/umltop/examples/umltop.conf)")
[ -f "$ex/umltop.conf" ] && [ -f "$ex/uml.router" ] && [ -f "$ex/uml.www" ]
ok $? "the example config directory: ${ex#"$DEST"}: $(ls "$ex" 2>&1 | tr '\n' ' ')"
# Every error is about a file the examples name but this host lacks.
"$bin" check -c "$ex" >"$T_DIR/check.out" 2>&1
grep ': ' "$T_DIR/check.out" | grep -v '^umltop check:' |
	grep -v -e 'does not exist' -e 'is not a directory' -e 'cannot create' \
		-e ': warning: ' >"$T_DIR/check.bad"
n=$(grep -c 'does not exist\|is not a directory' "$T_DIR/check.out")
[ ! -s "$T_DIR/check.bad" ] && [ "$n" -gt 0 ]
ok $? "umltop check on the examples: only missing kernels and images ($n): $(tr '\n' ' ' <"$T_DIR/check.bad")"
# Every subcommand of `umltop --help`'s list, and umltop itself, answer
# --help on stdout with their usage, and exit 0.
cmds=$("$bin" --help | sed -n 's/^  umltop \([a-z][a-z-]*\) .*/\1/p')
: >"$T_DIR/help.bad"
for c in "" $cmds; do
	"$bin" $c --help >"$T_DIR/help.out" 2>"$T_DIR/help.err"
	rc=$?
	{ [ $rc -eq 0 ] && grep -q "^usage: umltop $c" "$T_DIR/help.out" &&
		[ ! -s "$T_DIR/help.err" ]; } || echo "'umltop $c --help' ($rc)" >>"$T_DIR/help.bad"
done
[ -n "$cmds" ] && [ ! -s "$T_DIR/help.bad" ]
ok $? "--help on umltop and each subcommand ($(echo $cmds)) prints its usage and exits 0: $(tr '\n' ' ' <"$T_DIR/help.bad")"
t_done
