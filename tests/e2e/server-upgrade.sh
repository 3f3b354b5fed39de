#!/bin/sh
# An upgrade in place: `ctl upgrade` (and SIGUSR2) re-executes the server
# during a console flood; the guests keep their pids, no line of a numbered
# flood is missing from the console log, a console's screen is the same
# after as before, and an attached client comes back to it by itself.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 16

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b -- HALT_TIMEOUT=20
# The server runs from a copy of the binary, so that the copy can go away
# (a failed exec) and come back.
cp "$UMLTOP" "$T_DIR/umltop-bin"
_umltop=$UMLTOP
UMLTOP=$T_DIR/umltop-bin
start_server "$T_DIR/conf"
UMLTOP=$_umltop
both_running() { is_state a running && is_state b running; }
wait_until 90 both_running || bail "a and b did not boot ($(state_of a), $(state_of b))"
pa=$(pid_of a) && pb=$(pid_of b) || bail "no pids"
sleep 1 # busybox reads the reply to its first ESC[6n right after the prompt

# a's console in attach, at a terminal
tui_session t 100 30 "$UMLTOP" attach -S "$SOCK" a
ctl send a 'echo before-$((6*7))' >/dev/null
tui_wait t 'before-42' 60 || bail "attach does not show a's console"
screen_of_a() { tui_screen t | sed '$d'; } # less the status line
screen_of_a >"$T_DIR/before.txt"

# 1. b floods numbered lines until told to stop; the upgrade comes in the
#    middle of it
lines_in_log() {
	cat "$UMLTOP_STATE_DIR/b.console.log.1" "$UMLTOP_STATE_DIR/b.console.log" 2>/dev/null |
		tr -d '\r' | grep -x 'line-[0-9]*'
}
count() { lines_in_log | wc -l; }
ctl send b 'i=0; while :; do echo line-$i; i=$((i+1)); done' >/dev/null
wait_until 120 sh -c "[ \$(cat '$UMLTOP_STATE_DIR/b.console.log' | grep -c '^line-') -gt 2000 ]"
rc=0
timeout 120 "$UMLTOP" ctl -S "$SOCK" upgrade >"$T_DIR/upgrade.out" 2>&1 || rc=$?
ok $rc "ctl upgrade returns once the server answers again ($rc: $(cat "$T_DIR/upgrade.out"))"
at=$(count)
kill -0 "$SERVER_PID" && grep -q "server starting, pid $SERVER_PID," "$UMLTOP_STATE_DIR/server.log" &&
	grep -q 'upgrade: took over 2 instances' "$UMLTOP_STATE_DIR/server.log"
ok $? "the server kept its pid ($SERVER_PID) and took both instances over"
[ "$(field_of a pid)" = "$pa" ] && [ "$(field_of b pid)" = "$pb" ] && both_running
ok $? "a and b run on with their pids ($pa, $pb)"
more() { [ "$(count)" -gt $((at + 5000)) ]; }
wait_until 300 more
ok $? "the flood goes on after the upgrade (${at} lines before, $(count) now)"
ctl send --no-enter b "$(printf '\003')" >/dev/null
stopped() { tail -c 200 "$UMLTOP_STATE_DIR/b.console.log" | grep -q '/ # '; }
wait_until 120 stopped || bail "b's flood did not stop"

# 2. every line of the flood is in b's log, from the first to the last
last=$(lines_in_log | sed 's/line-//' | sort -n | tail -n 1)
got=$(lines_in_log | sort -u | wc -l)
[ "$got" -eq $((last + 1)) ]
ok $? "no line of the flood is missing from b's console log ($got of line-0..line-$last)"

# 3. the attached client came back by itself, to the same screen
back() { tui_screen t | tail -n 1 | grep -q ' a  running'; }
wait_until 60 back
ok $? "attach is connected again (its status line: $(tui_screen t | tail -n 1))"
wait_until 30 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t t | sed '\$d' | cmp -s - '$T_DIR/before.txt'"
r=$?
[ $r -eq 0 ] || diff "$T_DIR/before.txt" "$(screen_of_a >"$T_DIR/after.txt"; echo "$T_DIR/after.txt")" | sed 's/^/# /' | head -20
ok $r "... and shows the same screen as before the upgrade"
tui_type t 'echo after-$((6*7))'
tui_wait t 'after-42' 60
ok $? "keys typed in it reach the guest after the upgrade"

tmx send-keys -t t C-]
tui_wait_dead t 30

# 4. SIGUSR2 does the same, and the TUI comes back by itself (alone: two
#    clients showing a at two sizes would take turns resizing it)
tui_session u 160 40 "$UMLTOP" -S "$SOCK"
tui_pane_wait u a 'after-42' 60 || bail "the TUI does not show a's console"
kill -USR2 "$SERVER_PID"
wait_until 60 sh -c "[ \$(grep -c 'upgrade: took over 2 instances' '$UMLTOP_STATE_DIR/server.log') -eq 2 ]"
ok $? "SIGUSR2 upgrades in place too"
wait_until 30 both_running && [ "$(field_of a pid)" = "$pa" ]
ok $? "... the instances run on ($(state_of a), $(state_of b))"
! tui_dead u && tui_wait u 'connected to the server again' 60 && tui_pane_wait u a 'after-42' 60
ok $? "the TUI came back by itself, its panes showing the consoles"

# an instance that does not answer mconsole is handed over too, and is
# running again once it answers
kill -STOP "$pa"
wait_until 60 is_state a unresponsive
r=$?
rc=0
timeout 120 "$UMLTOP" ctl -S "$SOCK" upgrade >/dev/null 2>&1 || rc=$?
kill -CONT "$pa"
[ $r -eq 0 ] && [ $rc -eq 0 ] && wait_until 60 is_state a running && [ "$(field_of a pid)" = "$pa" ]
ok $? "an unresponsive a, upgraded over, is running again once it answers ($(state_of a))"

# 5. an exec that fails: the server runs on as it was, consoles and all
mv "$T_DIR/umltop-bin" "$T_DIR/umltop-bin.moved"
rc=0
ctl upgrade >"$T_DIR/up2.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q 'cannot run .*umltop-bin: No such file or directory; the server runs on' "$T_DIR/up2.out" &&
	kill -0 "$SERVER_PID" && both_running && [ "$(field_of a pid)" = "$pa" ]
ok $? "an upgrade whose exec fails is refused, and the server runs on ($rc: $(cat "$T_DIR/up2.out"))"
ctl send a 'echo still-$((6*7))' >/dev/null
wait_until 60 grep -q 'still-42' "$UMLTOP_STATE_DIR/a.console.log" && tui_pane_wait u a 'still-42' 60
ok $? "a's console goes on: in its log and in the TUI"
mv "$T_DIR/umltop-bin.moved" "$T_DIR/umltop-bin"
tmx send-keys -t u q
tui_wait_dead u 30
stop_server
server_clean
t_done
