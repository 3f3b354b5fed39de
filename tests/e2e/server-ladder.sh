#!/bin/sh
# The halt ladder when the guest does not cooperate: a UML stopped with
# SIGSTOP turns unresponsive, and a halt climbs every rung (cad, wait
# HALT_TIMEOUT, sync/remount/halt, wait, SIGKILL) to stop it; each phase
# shows in the status.  Also: a halt asked for while the guest is still
# booting does not rely on ctrl-alt-del (which reboots an early UML).  A
# kernel that aborts after "reboot: System halted" has stopped cleanly; one
# that aborts after a panic has crashed.
. "$top_srcdir/tests/e2e/lib.sh"
plan 19

fleet_conf "$T_DIR/conf" "$T_DIR/uml" frozen early late -- HALT_TIMEOUT=2
echo 'READY="never-shown-xyzzy"' >>"$T_DIR/conf/late.conf"
# Kernels that end as UML 6.1 sometimes does after a halt (SIGABRT once
# the guest is gone), and as a crash does (SIGABRT with no halt first).
for k in "aborted:reboot: System halted" "crashed:Kernel panic - not syncing: test"; do
	name=${k%%:*}
	printf '#!/bin/sh\nprintf "Requesting system poweroff\\r\\n%s\\r\\n"\nkill -ABRT $$\n' \
		"${k#*:}" >"$T_DIR/$name-kernel"
	chmod +x "$T_DIR/$name-kernel"
	: >"$T_DIR/$name.root"
	printf 'KERNEL="%s"\nROOT="%s"\n' "$T_DIR/$name-kernel" "$T_DIR/$name.root" \
		>"$T_DIR/conf/$name.conf"
done
# And one that floods its console (3 MB, faster than it is emulated: the
# server stops reading meanwhile) just before the halt line: the last
# words are read whatever the emulator's state.
printf '#!/bin/sh\nyes "flood line of text to fill the console with, then some" | head -n 50000\nprintf "reboot: System halted\\r\\n"\nkill -ABRT $$\n' \
	>"$T_DIR/flooded-kernel"
chmod +x "$T_DIR/flooded-kernel"
: >"$T_DIR/flooded.root"
printf 'KERNEL="%s"\nROOT="%s"\n' "$T_DIR/flooded-kernel" "$T_DIR/flooded.root" \
	>"$T_DIR/conf/flooded.conf"
start_server "$T_DIR/conf"
ctl start frozen >/dev/null
wait_until 90 is_state frozen running
ok $? "frozen boots to running"

pid=$(pid_of frozen) || bail "frozen has no pid ($(state_of frozen))"
kill -STOP "$pid"
t0=$(date +%s)
wait_until 60 is_state frozen unresponsive
ok $? "kill -STOP: unresponsive after $(( $(date +%s) - t0 )) s"
kill -CONT "$pid"
wait_until 60 is_state frozen running
ok $? "kill -CONT: it answers again and is back to running"
kill -STOP "$pid"
wait_until 60 is_state frozen unresponsive || bail "frozen did not turn unresponsive again"

phases=""
record_phase() {
	p=$(ctl status --json | grep -F '"name":"frozen"' | sed 's/.*"phase":"\([a-z]*\)".*/\1/')
	case " $phases " in *" $p "*) ;; *) [ -n "$p" ] && phases="$phases $p" ;; esac
	! kill -0 "$pid" 2>/dev/null
}
ctl halt frozen >/dev/null
wait_until 120 record_phase
ok $? "halt of the stopped UML ended its process"
# SIGKILL ends the process within milliseconds, too fast to sample: the
# status showed the waiting phases, the log records the last rung.
[ "$phases" = " cad sync halt" ] || [ "$phases" = " cad sync halt kill" ]
ok $? "the waiting phases showed in the status in turn:$phases"
grep 'frozen: halt:' "$UMLTOP_STATE_DIR/server.log" | sed 's/.*halt: //' | tr '\n' '|' >"$T_DIR/rungs"
[ "$(cat "$T_DIR/rungs")" = "ctrl-alt-del|sync, remount read-only|halt|SIGKILL|" ]
ok $? "the server log shows every rung in order: $(cat "$T_DIR/rungs")"
wait_until 30 is_state frozen stopped
ok $? "frozen ends stopped"
ctl status --json | grep -F '"name":"frozen"' | grep -q '"ended":"killed"'
ok $? "its ending is recorded as killed"

# A halt during early boot: no cad (it would reboot UML); the instance
# still goes down, and does not come back up.
ctl start early >/dev/null
sleep 0.5
ctl halt early >/dev/null
wait_until 90 sh -c "[ \"\$(\"$UMLTOP\" ctl -S '$SOCK' status --json | grep -F '\"name\":\"early\"' | sed 's/.*\"state\":\"\([a-z]*\)\".*/\1/')\" = stopped ]"
ok $? "a halt 0.5 s into boot stops the instance"
sleep 2
is_state early stopped && ! grep -q 'rebooting' "$UMLTOP_STATE_DIR/early.console.log"
ok $? "and it stays stopped (no reboot)"

# Resizes while the guest boots (a UML dies on SIGWINCH then) wait until
# it is up; the guest then sees the last size asked for.
ctl start early >/dev/null
for size in "30 100" "40 120" "25 90" "33 111"; do
	# shellcheck disable=SC2086
	ctl resize early $size >/dev/null
	sleep 0.2
done
wait_until 90 is_state early running
ok $? "four resizes during boot: the instance still comes up"
ctl send early 'stty size' >/dev/null
wait_until 30 grep -q '^33 111' "$UMLTOP_STATE_DIR/early.console.log"
ok $? "the guest's stty size is the last one asked for (33 111)"

# A boot whose READY never shows stops answering before the ready timeout
# (60 s) runs out: once it answers again it is running, assumed up, and
# not left starting for ever.
ctl start late >/dev/null
t0=$(date +%s)
# (its shell is up, so is the mconsole the notify socket named)
wait_until 90 grep -q 'built-in shell' "$UMLTOP_STATE_DIR/late.console.log"
pid=$(pid_of late) || bail "late has no pid ($(state_of late))"
is_state late starting && kill -STOP "$pid" && wait_until 50 is_state late unresponsive
ok $? "late (READY never shows) stopped during its boot: unresponsive"
left=$(( t0 + 62 - $(date +%s) ))
[ "$left" -le 0 ] || sleep "$left"
kill -CONT "$pid"
wait_until 60 is_state late running &&
	ctl status --json | grep -F '"name":"late"' | grep -q 'assumed up'
ok $? "after the ready timeout, answering again: running, assumed up ($(state_of late))"

# The guest's last line is the kernel's "System halted", then SIGABRT:
# the guest's own exit, stopped cleanly with code 0.  The same abort after
# a panic is a crash.
ctl start aborted >/dev/null
ctl start crashed >/dev/null
ended() { ! is_state aborted starting && ! is_state crashed starting; }
wait_until 60 ended
st=$(ctl status --json | grep -F '"name":"aborted"')
is_state aborted stopped && [ "$(field_of aborted exit_code)" = 0 ] &&
	echo "$st" | grep -q '"ended":"clean"'
ok $? "SIGABRT after 'reboot: System halted': stopped cleanly, exit code 0 ($(state_of aborted), $(field_of aborted exit_code))"
grep -q 'aborted: pid [0-9]* died by SIGABRT after the guest halted' "$UMLTOP_STATE_DIR/server.log"
ok $? "the server log says what really happened"
st=$(state_of crashed)
[ "$st" = failed ] || [ "$st" = crashed ]
[ $? -eq 0 ] && [ "$(field_of crashed exit_signal)" = 6 ]
ok $? "SIGABRT after a panic: a crash, signal 6 ($st, $(field_of crashed exit_signal))"

ctl start flooded >/dev/null
wait_until 120 eval '! is_state flooded starting'
st=$(state_of flooded)
[ "$st" = stopped ] && [ "$(field_of flooded exit_code)" = 0 ]
ok $? "a flood, then the halt line, then SIGABRT: still stopped cleanly ($st, $(field_of flooded exit_code))"
log=$UMLTOP_STATE_DIR/flooded.console.log
last=$(tail -n 50001 "$log" | grep -c '^flood line')
[ "$last" -eq 50000 ] && tail -n 1 "$log" | grep -q 'reboot: System halted'
ok $? "its raw log ends with the 50000 lines and the halt line ($last lines)"

stop_server
t_done
