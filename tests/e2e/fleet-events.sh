#!/bin/sh
# Events for scripts and alerts: `ctl events` lists what happened (state
# changes, the halt ladder's steps), `ctl events --follow` streams, and a
# console line matching ALERT, or a guest that panics (sysrq c --force),
# is an alert there within 2 s; `ctl wait NAME alert` returns at one.
# MONITOR: a console silent for its seconds, and output after a quiet
# spell, are alerts.
. "$top_srcdir/tests/e2e/lib.sh"
plan 11

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- 'ALERT="ALERT-4[0-9]|Kernel panic"' HALT_TIMEOUT=20
fleet_conf "$T_DIR/conf" "$T_DIR/uml" b -- HALT_TIMEOUT=20
fleet_conf "$T_DIR/conf" "$T_DIR/uml" c -- 'MONITOR="activity silence:3"'
start_server "$T_DIR/conf"
both() { is_state a running && is_state b running && is_state c running; }
wait_until 90 both || bail "a and b did not boot ($(state_of a), $(state_of b))"

ctl events >"$T_DIR/ev1" 2>&1
grep -q ' a state starting$' "$T_DIR/ev1" && grep -q ' a state running' "$T_DIR/ev1" &&
	grep -q ' b state running' "$T_DIR/ev1"
ok $? "ctl events lists a and b starting and running ($(wc -l <"$T_DIR/ev1") lines)"
ctl events --json | grep -q '^{"time":"[0-9T:.-]*","seq":[0-9]*,"name":"a","kind":"state","text":"running'
ok $? "ctl events --json: one object per line"

# A follower, in the background, for the rest.
"$UMLTOP" ctl -S "$SOCK" events --follow >"$T_DIR/follow" 2>&1 &
FOLLOW=$!
track_pid "$FOLLOW"
wait_until 10 grep -q ' b state running' "$T_DIR/follow"
ok $? "events --follow starts with the history"

"$UMLTOP" ctl -S "$SOCK" wait --timeout 60 a alert >"$T_DIR/wait.out" 2>&1 &
WAITER=$!
track_pid "$WAITER"
sleep 1
t0=$(date +%s%N)
ctl send a 'echo ALERT-$((6*7)); echo ALERT-$((6*7))x' >/dev/null
wait_until 10 grep -q ' a alert match: ALERT-42$' "$T_DIR/follow"
rc=$?
t1=$(date +%s%N)
ok $rc "a console line matching a's ALERT is an alert in events --follow ($(( (t1 - t0) / 1000000 )) ms)"
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
ok $? "... within 2 s"
wait "$WAITER"
ok $? "ctl wait a alert returned at it: $(cat "$T_DIR/wait.out")"
ctl send b 'echo ALERT-$((6*7))' >/dev/null
sleep 2
! grep -q ' b alert' "$T_DIR/follow"
ok $? "b, whose ALERT is the default, has no alert for the same line"

wait_until 30 grep -q ' c alert silence: no output for 3 s' "$T_DIR/follow"
ok $? "c, MONITOR=silence:3, quiet for 3 s: an alert"
sleep 3 # 6 s of quiet in all
ctl send c 'echo hello' >/dev/null
wait_until 10 grep -q ' c alert activity after [0-9]* s of quiet' "$T_DIR/follow" &&
	! grep -q ' [ab] alert silence\| [ab] alert activity' "$T_DIR/follow"
ok $? "c, MONITOR=activity: output after the quiet spell is an alert, and a and b without MONITOR have none"
ctl sysrq --force a c >/dev/null 2>&1
wait_until 30 grep -q ' a alert crashed' "$T_DIR/follow"
ok $? "a guest panicked by sysrq c: an alert ($(grep ' a alert crashed' "$T_DIR/follow" | head -n 1 | cut -c1-160))"
ctl halt --wait --timeout 120 b >/dev/null 2>&1
wait_until 10 grep -q ' b phase ' "$T_DIR/follow"
ok $? "b's halt ladder steps are events ($(grep ' b phase ' "$T_DIR/follow" | awk '{print $4}' | tr '\n' ' '))"
kill "$FOLLOW" 2>/dev/null
stop_server
t_done
