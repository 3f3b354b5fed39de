#!/bin/sh
# Broadcast mode in the real TUI with three UMLs a b c: m marks a and b
# (their title bars say [marked]), b enters broadcast mode (a red banner
# names them, their bars say [BROADCAST]), a command typed once runs once
# in a and in b and never in c, and the prefix key leaves (the banner
# goes, the marks stay).  Then c is marked and killed: broadcast skips it
# and the banner says so.  A new TUI then marks by the server's tags
# (ctl tag): M lab marks the two tagged lab, not the third.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 14

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c
start_server "$T_DIR/conf"
all_running() { for n in a b c; do is_state "$n" running || return 1; done; }
wait_until 90 all_running || bail "a b c did not boot ($(state_of a) $(state_of b) $(state_of c))"
for n in a b c; do
	_p=$(pid_of "$n") && track_group "$_p"
done

tui_session t 200 50 "$UMLTOP" -S "$SOCK"
all_prompts() { for n in a b c; do tui_pane_prompt t "$n" || return 1; done; }
wait_until 90 all_prompts || bail "the TUI shows no prompt in every pane"

# lines NAME TEXT: how many lines of NAME's console log are exactly TEXT
# (the typed command line holds B-$((6*7)), only the output is B-42).
lines() { tr -d '\r' <"$UMLTOP_STATE_DIR/$1.console.log" | grep -c -x -F -- "$2"; }
# title NAME: NAME's title bar as on screen
title() { tui_screen t | sed 's/│/\n/g' | grep -E "^[ >]$1  [a-z]" | head -n 1; }

# a is selected at the start; m marks it, Tab then m marks b.
tmx send-keys -t t m Tab m
marked() { title a | grep -q '\[marked\]' && title b | grep -q '\[marked\]'; }
wait_until 10 marked && ! title c | grep -q '\['
tui_ok t $? "m marks a and b: their title bars say [marked], c's does not"

tmx send-keys -t t b
wait_until 10 tui_has t 'BROADCAST to 2 consoles: a b  C-a leaves'
tui_ok t $? "b shows the banner: BROADCAST to 2 consoles: a b  C-a leaves"
diag "banner: $(tui_screen t | grep BROADCAST | tail -n 1)"
title a | grep -q '\[BROADCAST\]' && title b | grep -q '\[BROADCAST\]' &&
	! title c | grep -q BROADCAST
tui_ok t $? "a's and b's title bars say [BROADCAST], c's does not"
diag "titles: $(title a | sed 's/  */ /g') / $(title c | sed 's/  */ /g')"

tmx send-keys -t t -l 'echo B-$((6*7))'
tmx send-keys -t t Enter
both() { [ "$(lines a B-42)" -ge 1 ] && [ "$(lines b B-42)" -ge 1 ]; }
wait_until 30 both
ok $? "the command typed once ran in a and in b"
tui_has t 'BROADCAST to 2 consoles'
tui_ok t $? "the banner stays while in broadcast mode"

tmx send-keys -t t C-a
wait_until 10 sh -c "! $(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q 'BROADCAST'"
tui_ok t $? "the prefix key leaves broadcast mode: no banner, no [BROADCAST] bar"
sleep 1 # (anything late would be in the logs by now)
[ "$(lines a B-42)" -eq 1 ] && [ "$(lines b B-42)" -eq 1 ]
ok $? "B-42 is exactly once in a's and in b's console ($(lines a B-42), $(lines b B-42))"
[ "$(lines c B-42)" -eq 0 ] && ! grep -q 'B-' "$UMLTOP_STATE_DIR/c.console.log" &&
	! tui_pane_has t c 'B-'
tui_ok t $? "nothing of it reached c (log and pane)"
# keys after the prefix are the overview's again: marks stay, q is not typed
title a | grep -q '\[marked\]' && title b | grep -q '\[marked\]'
tui_ok t $? "the marks stay after broadcast mode"

# c marked too, then killed: broadcast skips it and says so.
tmx send-keys -t t Tab m
wait_until 10 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q 'c marked'"
ctl kill c >/dev/null 2>&1
c_down() { ! is_state c running && ! is_state c halting; }
wait_until 60 c_down || diag "c is still $(state_of c)"
tmx send-keys -t t b
wait_until 10 tui_has t 'BROADCAST to 2 consoles: a b  skipped: c ('
tui_ok t $? "with c down, the banner says it is skipped ($(tui_screen t | grep -o 'skipped: c ([a-z]*)'))"
tmx send-keys -t t -l 'echo S-$((6*7))'
tmx send-keys -t t Enter
both_s() { [ "$(lines a S-42)" -ge 1 ] && [ "$(lines b S-42)" -ge 1 ]; }
wait_until 30 both_s && [ "$(lines c S-42)" -eq 0 ]
ok $? "a and b ran the next command, c (down) did not"
tmx send-keys -t t C-a
wait_until 10 sh -c "! $(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q 'BROADCAST'"
tui_ok t $? "the prefix leaves again"

tmx send-keys -t t q
tui_wait_dead t

# Marks by tag, from the server's tags.
ctl tag a +lab >/dev/null && ctl tag c +lab +x >/dev/null && ctl tag b +lab1 >/dev/null
tui_session u 200 50 "$UMLTOP" -S "$SOCK"
wait_until 90 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t u | grep -q ' a  running'"
tmx send-keys -t u M
tmx send-keys -t u -l 'lab'
tmx send-keys -t u Enter
utitle() { tmx capture-pane -p -t u | sed 's/│/\n/g' | grep -E "^[ >]$1  [a-z]" | head -n 1; }
tagged() { utitle a | grep -q '\[marked\]' && utitle c | grep -q '\[marked\]'; }
wait_until 10 tagged && ! utitle b | grep -q '\[marked\]'
tui_ok u $? "M lab marks a and c, tagged lab by ctl tag, not b (tagged lab1)"
tmx send-keys -t u q
tui_wait_dead u
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
stop_server
server_exited_ok
t_done
