#!/bin/sh
# The TUI reads only the global settings (umltop.conf) of its -c: an
# instance file it has no use for, broken, does not cost the user the
# PREFIX set there; a bad setting in umltop.conf is said on the message
# line, file and line, and the others still count.  No UML is needed: the
# server runs an empty fleet of its own.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 5

mkdir -p "$T_DIR/srv"
start_server "$T_DIR/srv"

# A valid global file beside a broken instance file.
mkdir -p "$T_DIR/conf"
printf '# keys\nPREFIX="C-b"\n' >"$T_DIR/conf/umltop.conf"
printf 'MEMORY="lots"\nNO_SUCH_KEY=1\n' >"$T_DIR/conf/broken.conf"
"$UMLTOP" check -c "$T_DIR/conf" >"$T_DIR/check.out" 2>&1
[ $? -ne 0 ] && grep -q 'broken.conf:1: MEMORY' "$T_DIR/check.out"
ok $? "the instance file is broken indeed (umltop check refuses it)"
tui_session good 200 50 "$UMLTOP" -S "$SOCK" -c "$T_DIR/conf"
tui_wait good '?: help' 30
! tui_has good 'broken.conf' && ! tui_has good 'default keys'
ok $? "the TUI says nothing of the instance file ($(tui_screen good | tail -n 1 | cut -c 1-100))"
tmx send-keys -t good '?'
tui_wait good 'except the prefix C-b:' 10
ok $? "... and its prefix is umltop.conf's PREFIX, C-b"
tmx send-keys -t good Escape q
tui_wait_dead good 10

# A global file with a bad binding on line 3: the user is told where; the
# PREFIX on line 2 still counts.
mkdir -p "$T_DIR/bad"
printf '# keys\nPREFIX="C-b"\nBIND_ZOOM="Ctrl-Shift-Zed"\n' >"$T_DIR/bad/umltop.conf"
tui_session bad 200 50 "$UMLTOP" -S "$SOCK" -c "$T_DIR/bad"
tui_wait bad "$T_DIR/bad/umltop.conf:3: BIND_ZOOM='Ctrl-Shift-Zed' is not a key" 30
ok $? "a bad BIND line in umltop.conf is said on the message line, file and line ($(tui_screen bad | tail -n 1 | cut -c 1-120))"
tmx send-keys -t bad '?'
tui_wait bad 'except the prefix C-b:' 10
ok $? "... and the PREFIX beside it still counts"
tmx send-keys -t bad Escape q
tui_wait_dead bad 10

stop_server
t_done
