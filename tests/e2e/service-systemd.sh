#!/bin/sh
# umltop.service as systemd runs it: the unit `make install` put in place,
# its ExecStart, ExecReload and ExecStop lines run as a service manager
# runs them (a NOTIFY_SOCKET it listens on, a JOURNAL_STREAM for stderr,
# MAINPID), on a fleet of two.  Start returns with the socket answering,
# reload re-reads a changed config, stop halts every instance through
# ctrl-alt-del and returns once the server is gone, root images clean.
. "$top_srcdir/tests/e2e/lib.sh"
plan 12

DEST=$T_DIR/inst
# (the make running this test must not lend its jobs to this one)
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$top_builddir" -s install DESTDIR="$DEST") \
	>"$T_DIR/install.out" 2>&1 || { sed 's/^/# /' "$T_DIR/install.out"; bail "make install failed"; }
unit=$(find "$DEST" -path '*/systemd/system/umltop.service')
[ -n "$unit" ] || bail "make install put no systemd/system/umltop.service under $DEST"
# exec_line KEY: the unit's KEY= command, its program under DEST.
exec_line() {
	_l=$(sed -n "s/^$1=//p" "$unit")
	[ -n "$_l" ] || return 1
	echo "$DEST$_l"
}
start=$(exec_line ExecStart) && reload=$(exec_line ExecReload) && stop=$(exec_line ExecStop) &&
	grep -qx 'Type=notify' "$unit" && grep -qx 'KillMode=mixed' "$unit"
ok $? "the installed unit ${unit#"$DEST"}: Type=notify, KillMode=mixed, ExecStart=${start#"$DEST"}, ExecReload=${reload#"$DEST"}, ExecStop=${stop#"$DEST"}"
tss=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
# The default HALT_TIMEOUT, then sync, halt, the kill's 10 s wait.
[ "${tss:-0}" -gt $((60 + 10)) ]
ok $? "TimeoutStopSec=${tss:-none} outlasts the default ladder (60 s + 10 s)"

if command -v systemd-analyze >/dev/null 2>&1; then
	# The installed unit with its programs under DEST, where they are.
	mkdir -p "$T_DIR/verify"
	sed "s|^\(Exec[A-Za-z]*=\)/|\1$DEST/|" "$unit" >"$T_DIR/verify/umltop.service"
	MANPATH=$(dirname "$(dirname "$(find "$DEST" -name umltop.1)")") \
		systemd-analyze verify "$T_DIR/verify/umltop.service" >"$T_DIR/verify.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$T_DIR/verify.out" ]
	ok $? "systemd-analyze verify accepts the unit: $(tr '\n' ' ' <"$T_DIR/verify.out")"
else
	pass "# SKIP systemd-analyze is not installed"
fi

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b
export UMLTOP_SOCKET="$SOCK" UMLTOP_CONFIG="$T_DIR/conf"
"$top_builddir/tests/fixtures/notify-listen" "$T_DIR/notify" >"$T_DIR/notify.out" 2>&1 &
track_pid $!
wait_until 30 grep -q listening "$T_DIR/notify.out" || bail "notify-listen did not start"
: >"$T_DIR/journal"
# shellcheck disable=SC2086
NOTIFY_SOCKET=$T_DIR/notify JOURNAL_STREAM=$(stat -c %d:%i "$T_DIR/journal") \
	$start >/dev/null 2>>"$T_DIR/journal" &
SERVER_PID=$!
track_pid "$SERVER_PID"
wait_until 90 grep -q 'READY=1' "$T_DIR/notify.out"
ok $? "ExecStart tells the service manager READY=1: $(grep READY "$T_DIR/notify.out")"
ctl status >"$T_DIR/status.out" 2>&1
ok $? "once it said so, the socket answers at once: $(grep -c '^[ab] ' "$T_DIR/status.out") instances listed"
fleet_up() { is_state a running && is_state b running; }
wait_until 120 fleet_up
ok $? "the fleet comes up: a $(state_of a), b $(state_of b)"

make_fleet "$T_DIR/uml" c
printf 'UMLDIR="%s"\nAUTOSTART=no\nMEMORY=64M\n' "$T_DIR/uml" >"$T_DIR/conf/c.conf"
# shellcheck disable=SC2086
MAINPID=$SERVER_PID $reload >"$T_DIR/reload.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'added c' "$T_DIR/reload.out" && [ "$(state_of c)" = stopped ]
ok $? "ExecReload re-reads the config: c is listed ($(state_of c)): $(tr '\n' ' ' <"$T_DIR/reload.out")"

# shellcheck disable=SC2086
MAINPID=$SERVER_PID $stop >"$T_DIR/stop.out" 2>&1
rc=$?
halted=$(grep -c '^[ab]: pid [0-9]* halted' "$T_DIR/journal")
[ "$rc" -eq 0 ] && [ "$halted" -eq 2 ] && [ ! -S "$SOCK" ]
ok $? "ExecStop returns ($rc) once both instances halted ($halted) and the socket is gone: $(cat "$T_DIR/stop.out")"
# What systemd does next with KillMode=mixed: SIGTERM to the main
# process if it is still there (finishing its clean-up), then wait.
kill -TERM "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID"
SERVER_RC=$?
grep -q 'STOPPING=1 | EXTEND_TIMEOUT_USEC=' "$T_DIR/notify.out"
ok $? "it told the service manager it is stopping and how long the ladder may take: $(grep STOPPING "$T_DIR/notify.out")"
for n in a b; do
	grep -q "^$n: halt: ctrl-alt-del" "$T_DIR/journal" && grep -q "^$n: pid [0-9]* halted (clean)" "$T_DIR/journal" &&
		e2fsck -fn "$T_DIR/uml/$n/root.loop" >"$T_DIR/fsck-$n.out" 2>&1
	ok $? "$n halted through ctrl-alt-del ($(grep "^$n: pid" "$T_DIR/journal" | tail -n 1)), the journal has it, its root image is clean"
done
server_exited_ok
t_done
