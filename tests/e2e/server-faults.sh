#!/bin/sh
# What an init system and a script rely on: a daemonised server holds no
# descriptor it inherited (a pipe to it ends); halt-all --wait with nothing
# running returns, and every wait gives up, non-zero, at its timeout; a
# start while an instance halts or is killed is kept and done once it
# stopped (a later halt drops it), and nothing starts once a shutdown
# began; a KERNEL that cannot be run fails its start with the reason.
. "$top_srcdir/tests/e2e/lib.sh"
plan 16

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- HALT_TIMEOUT=20 AUTOSTART=no
# an executable that is no program: execve says ENOEXEC
printf 'not a kernel\n' >"$T_DIR/bad-kernel"
chmod 755 "$T_DIR/bad-kernel"
: >"$T_DIR/bad.root"
printf 'KERNEL="%s"\nROOT="%s"\nAUTOSTART=no\n' "$T_DIR/bad-kernel" "$T_DIR/bad.root" \
	>"$T_DIR/conf/bad.conf"

# 1. a pipe handed to the daemon as fd 3 ends once `umltop server` returns
rc=0
timeout 60 sh -c '("$1" server -S "$2" -c "$3" 3>&1) | cat >/dev/null' sh \
	"$UMLTOP" "$SOCK" "$T_DIR/conf" || rc=$?
SERVER_PID=$(sed -n 's/.* server starting, pid \([0-9]*\),.*/\1/p' "$UMLTOP_STATE_DIR/server.log" | tail -n 1)
[ -n "$SERVER_PID" ] || bail "no daemon pid in the server log"
track_pid "$SERVER_PID"
[ "$rc" -eq 0 ]
ok $? "(umltop server 3>&1) | cat ends once the daemon listens (status $rc; 124 is the hang-stopper)"
fds=$(ls -l "/proc/$SERVER_PID/fd" | grep -c -e pipe -e socket)
diag "the daemon's pipes and sockets: $fds"
ls -l "/proc/$SERVER_PID/fd" | awk '{ print $(NF-2), $NF }' | sed 's/^/# /'

# 2. halt-all --wait with nothing running returns at once, exit 0
rc=0
timeout 60 "$UMLTOP" ctl -S "$SOCK" halt-all --wait >"$T_DIR/ha.out" 2>&1 || rc=$?
ok $rc "halt-all --wait with nothing running returns, exit 0 ($rc: $(cat "$T_DIR/ha.out"))"
rc=0
timeout 60 "$UMLTOP" ctl -S "$SOCK" wait a down >/dev/null 2>&1 || rc=$?
ok $rc "wait a down with a stopped returns, exit 0 ($rc)"
rc=0
timeout 60 "$UMLTOP" ctl -S "$SOCK" wait a running --timeout 2 2>"$T_DIR/wt.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'timed out after 2 s waiting for a to be running' "$T_DIR/wt.err"
ok $? "a wait past its --timeout exits 1 and says so ($rc: $(cat "$T_DIR/wt.err"))"
rc=0
ctl wait a running --timeout soon 2>"$T_DIR/wt2.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "takes whole seconds" "$T_DIR/wt2.err"
ok $? "--timeout soon is a usage error ($rc)"
"$UMLTOP" ctl --help | grep -q 'give up after --timeout S seconds (default 300; 0: never)'
ok $? "ctl --help documents the default timeout"

# 3. a start while halting, or right after a kill, is done once stopped
ctl start a >/dev/null && wait_until 90 is_state a running || bail "a did not boot ($(state_of a))"
restarted_from() { p=$(field_of a pid); [ "${p:-0}" != 0 ] && [ "$p" != "$1" ] && is_state a running; }
old=$(pid_of a)
ctl halt a >/dev/null
ctl start a >"$T_DIR/start.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'a is halting; it starts again once stopped' "$T_DIR/start.out"
ok $? "start during a halt: exit 0, and it says a starts once stopped ($rc: $(cat "$T_DIR/start.out"))"
wait_until 120 restarted_from "$old"
ok $? "halt then start: a runs again with a new pid ($old -> $(field_of a pid))"
lost=0
for i in 1 2 3 4 5; do
	old=$(pid_of a) || { lost=$((lost + 1)); break; }
	ctl kill a >/dev/null && ctl start a >/dev/null || lost=$((lost + 1))
	wait_until 120 restarted_from "$old" || { lost=$((lost + 1)); break; }
done
[ "$lost" -eq 0 ]
ok $? "kill then start, five times: a runs again each time ($lost lost; $(state_of a)$([ "$lost" -eq 0 ] || echo ": $(reason_of a)"))"
grep -c 'start asked for while halting' "$UMLTOP_STATE_DIR/server.log" | sed 's/^/# starts kept for after a stop: /'
[ "$lost" -eq 0 ] || { tail -n 15 "$UMLTOP_STATE_DIR/a.console.log"; grep ' a: ' "$UMLTOP_STATE_DIR/server.log" | tail -n 15; } | sed 's/^/# /'

# ... and a halt after the start drops it: the last word wins
old=$(pid_of a)
ctl halt a >/dev/null && ctl start a >/dev/null && ctl halt a >/dev/null
wait_until 120 is_state a stopped && sleep 3 && is_state a stopped
ok $? "halt, start, halt: a ends stopped ($(state_of a): $(reason_of a))"

# 4. the child that cannot become the UML: the start fails, saying why
#    (the server does not wait for the exec: it learns of it at the exit)
ctl start bad >/dev/null 2>"$T_DIR/bad.err"
wait_until 30 is_state bad failed
ok $? "a KERNEL that cannot be run: bad is failed ($(state_of bad))"
reason=$(reason_of bad)
echo "$reason" | grep -q "start failed: exec $T_DIR/bad-kernel: Exec format error"
ok $? "its reason says which step failed and why: $reason"

# 5. nothing starts once a shutdown began
ctl start a >/dev/null && wait_until 90 is_state a running || bail "a did not boot again"
ctl shutdown >/dev/null
rc=0
ctl start a >"$T_DIR/late.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q 'shutting down: nothing starts' "$T_DIR/late.out"
ok $? "a start during shutdown is refused with a message ($rc: $(cat "$T_DIR/late.out"))"
wait_until 120 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
ok $? "the server exits once a has halted"
started_after=$(sed -n '/shutting down/,$p' "$UMLTOP_STATE_DIR/server.log" | grep -c 'a: started')
[ "$started_after" -eq 0 ]
ok $? "nothing was started after the shutdown began ($started_after)"
# The daemon is not our child: its exit status is not ours to read, but
# a sanitizer build writes its reports where lib.sh says.
reports=$(ls "$T_DIR"/san.* 2>/dev/null)
for r in $reports; do sed 's/^/# /' "$r"; done
[ -z "$reports" ]
ok $? "no sanitizer report from any umltop process ($reports)"
t_done
