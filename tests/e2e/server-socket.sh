#!/bin/sh
# The control socket: the first client starts the server (a daemon with a
# log), the socket lives in a private directory, a second server on the
# same socket is refused, and a client of another uid is turned away.
. "$top_srcdir/tests/e2e/lib.sh"
plan 7

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a
SOCK=$T_DIR/srv/sock
ctl -c "$T_DIR/conf" start a >"$T_DIR/start.out" 2>&1
rc=$?
daemon=$(sed -n 's/.*server starting, pid \([0-9]*\),.*/\1/p' "$UMLTOP_STATE_DIR/server.log" | tail -n 1)
[ -n "$daemon" ] && track_pid "$daemon"
[ "$rc" -eq 0 ] && [ -n "$daemon" ] && kill -0 "$daemon"
ok $? "ctl start with no server running starts one as a daemon (pid ${daemon:-none}): $(cat "$T_DIR/start.out")"
[ "$(ps -o ppid= -p "$daemon" | tr -d ' ')" != "$$" ] && [ "$(ps -o sid= -p "$daemon" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
ok $? "the daemon left our session"
wait_until 90 is_state a running
rc=$?
[ "$rc" -eq 0 ] || { diag "a: $(ctl status 2>&1 | grep '^a ')"; tail -n 5 "$UMLTOP_STATE_DIR/a.console.txt" 2>/dev/null | sed 's/^/# /'; }
ok $rc "its instance comes up ($(state_of a))"
[ "$(stat -c %a "$T_DIR/srv")" = 700 ] && [ "$(stat -c %a "$SOCK")" = 600 ]
ok $? "socket directory 0700 ($(stat -c %a "$T_DIR/srv")), socket 0600 ($(stat -c %a "$SOCK"))"
"$UMLTOP" server -S "$SOCK" -c "$T_DIR/conf" --foreground >"$T_DIR/second.out" 2>&1
[ $? -eq 1 ] && grep -q "already running on $SOCK" "$T_DIR/second.out"
ok $? "a second server on the same socket is refused: $(cat "$T_DIR/second.out")"

if [ "$(id -u)" -eq 0 ]; then
	# Open the path for a moment so only SO_PEERCRED stands in the way.
	chmod 711 "$T_DIR" "$T_DIR/srv"
	chmod 666 "$SOCK"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$UMLTOP" ctl -S "$SOCK" status \
		>"$T_DIR/other.out" 2>&1
	rc=$?
	chmod 700 "$T_DIR/srv"
	chmod 600 "$SOCK"
	[ "$rc" -eq 3 ] && grep -q 'refused a client of uid 65534' "$UMLTOP_STATE_DIR/server.log"
	ok $? "a client of another uid is refused (ctl exit $rc: $(cat "$T_DIR/other.out"))"
else
	bail "this test needs root to connect as another uid"
fi
ctl shutdown >/dev/null
wait_until 120 sh -c "! kill -0 $daemon 2>/dev/null"
ok $? "ctl shutdown halts the instance and the daemon exits"
t_done
