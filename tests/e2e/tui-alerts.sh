#!/bin/sh
# Alerts in the real TUI with two UMLs: a, whose ALERT is ALERT-4[0-9], and
# b.  A line matching a's ALERT marks a's title bar [ALERT: match: ...] and
# the top bar says "1 alert", b's bar stays plain; ! (from b) selects a,
# the mark and the count go.  Then b's guest panics (sysrq c): b's bar
# says [ALERT: crashed...] (or [ALERT 2: ...] with the panic line matching
# b's default ALERT); focusing b (Enter) sees it.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 10

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- 'ALERT="ALERT-4[0-9]"'
fleet_conf "$T_DIR/conf" "$T_DIR/uml" b
start_server "$T_DIR/conf"
both() { is_state a running && is_state b running; }
wait_until 90 both || bail "a and b did not boot ($(state_of a) $(state_of b))"
for n in a b; do
	_p=$(pid_of "$n") && track_group "$_p"
done

tui_session t 200 50 "$UMLTOP" -S "$SOCK"
prompts() { tui_pane_prompt t a && tui_pane_prompt t b; }
wait_until 90 prompts || bail "the TUI shows no prompt in a's and b's panes"

# title NAME: NAME's title bar as on screen; top: the top bar
title() { tui_screen t | sed 's/│/\n/g' | grep -E "^[ >]$1  [a-z]" | head -n 1; }
top() { tui_screen t | head -n 1; }

! top | grep -q alert && ! title a | grep -q ALERT && ! title b | grep -q ALERT
tui_ok t $? "no alert: no mark, no count"

# b selected, so that the jump has somewhere to go
tmx send-keys -t t Tab
wait_until 10 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q '>b  '"
ctl send a 'echo ALERT-$((6*7))' >/dev/null
wait_until 20 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q -F '[ALERT: match: ALERT-42]'"
title a | grep -q -F '[ALERT: match: ALERT-42]'
tui_ok t $? "a line matching a's ALERT marks a's title bar"
diag "a: $(title a | sed 's/  */ /g')"
top | grep -q -F '1 alert (! jumps)'
tui_ok t $? "the top bar counts it: $(top | grep -o '[0-9]* alerts* ([^)]*)')"
diag "top: $(top)"
! title b | grep -q ALERT
tui_ok t $? "b's title bar has no mark"

tmx send-keys -t t -l '!'
selected_a() { title a | grep -q '^>a  '; }
wait_until 10 selected_a
tui_ok t $? "! selects a"
! title a | grep -q ALERT && ! top | grep -q alert
tui_ok t $? "... and its mark and the count go ($(top | sed 's/  */ /g'))"
tui_has t 'a: 1 alert, the last: match: ALERT-42'
tui_ok t $? "the message line says what it was"

ctl sysrq --force b c >/dev/null 2>&1
# (the panic's console line may match b's default ALERT too: then two)
b_marked() { title b | grep -q -E '\[ALERT( [0-9]+)?: crashed'; }
wait_until 30 b_marked && top | grep -q -E '[12] alerts? \(! jumps\)'
tui_ok t $? "b's guest crashed: b's title bar is marked, the count is back ($(top | grep -o '[0-9]* alerts*'))"
diag "b: $(title b | sed 's/  */ /g')"

# Tab to b, Enter focuses it: seen
tmx send-keys -t t Tab
wait_until 10 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | grep -q '>b  '"
tmx send-keys -t t Enter
b_seen() { ! title b | grep -q ALERT && ! top | grep -q alert; }
wait_until 10 b_seen
tui_ok t $? "focusing b sees its alert: no mark, no count"
tmx send-keys -t t C-a Escape
tmx send-keys -t t q
tui_wait_dead t

ctl halt-all --wait --timeout 120 >/dev/null 2>&1
stop_server
server_exited_ok
t_done
