#!/bin/sh
# A server log that cannot be written (its disk is full) shows as a
# warning in ctl status, its JSON and the TUI's top bar, and clears once
# writing works again; the instances are untouched.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 7
[ "$(id -u)" -eq 0 ] || bail "this test needs root (it mounts a small tmpfs for the logs)"

# The state directory on a 512 KB tmpfs of our own, unmounted on exit
# before lib.sh removes T_DIR.
mkdir -p "$UMLTOP_STATE_DIR"
mount -t tmpfs -o size=512k,mode=0700 umltop-test "$UMLTOP_STATE_DIR" || bail "cannot mount a tmpfs"
trap 'umount "$UMLTOP_STATE_DIR" 2>/dev/null; tui_cleanup' EXIT

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- AUTOSTART=no
start_server "$T_DIR/conf"
ctl status >"$T_DIR/before" 2>&1
! grep -q '^warning:' "$T_DIR/before"
ok $? "no warning while the log is written"

# fill the disk, then make the server write a line (a client's goodbye)
dd if=/dev/zero of="$UMLTOP_STATE_DIR/fill" bs=4k 2>/dev/null
ctl status >/dev/null 2>&1
warned() { ctl status 2>/dev/null | grep -q '^warning: cannot write the server log .*server.log: No space left on device'; }
wait_until 30 warned
ok $? "ctl status: 'warning: cannot write the server log ...: No space left on device'"
ctl status | sed 's/^/# /'
ctl status --json | grep -q '"warning":"cannot write the server log'
ok $? "ctl status --json carries the warning"
tui_session t 160 24 "$UMLTOP" -S "$SOCK"
tui_wait t '! cannot write the server log' 30
ok $? "the TUI's top bar shows it"
tui_screen t | head -n 1 | sed 's/^/# /'

# room again: the next line written clears it
rm -f "$UMLTOP_STATE_DIR/fill"
ctl status >/dev/null 2>&1
cleared() { ! ctl status 2>/dev/null | grep -q '^warning:'; }
wait_until 30 cleared
ok $? "the warning clears once the log can be written"
tui_nowarn() { ! tui_screen t | head -n 1 | grep -q "cannot write"; }
wait_until 30 tui_nowarn; r=$?; tui_screen t | head -n 1 | sed "s/^/# after: /"; [ $r -eq 0 ]
ok $? "... in the TUI's top bar too"
tmx send-keys -t t q
tui_wait_dead t 30
ctl start a >/dev/null && wait_until 90 is_state a running
ok $? "the instance starts as before ($(state_of a))"
stop_server
t_done
