#!/bin/sh
# One TUI over two hosts, here two servers of this machine on their own
# sockets and fleets (hosts file lines `h1 - socket=PATH`): h1 runs a and
# b, h2 runs another a.  `umltop -H h1 -H h2` shows h1/a, h1/b and h2/a
# with prompts and each host connected in the top bar; keys typed into
# h2/a reach h2's a only; the table groups by host.  h2's server
# re-executes itself (SIGUSR2, an upgrade): the connection drops, the top
# bar says h2 unreachable and its instance unknown (the pane's last
# screen dimmed) within 5 s while h1's
# pane keeps showing new output, and the TUI connects again by itself, the
# pane showing what the guest printed since.  Marks and broadcast work
# across hosts.  A third host whose server
# cannot be reached is shown unreachable with the reason, and the others
# work.  Then H asks which hosts, both connected ones picked, and Enter
# halts every instance on both (ctl on each socket); Q stops both
# servers, and the TUI ends with them.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 19

fleet_conf "$T_DIR/conf1" "$T_DIR/uml1" a b -- HALT_TIMEOUT=30
fleet_conf "$T_DIR/conf2" "$T_DIR/uml2" a -- HALT_TIMEOUT=30
start_two "$T_DIR/conf1" "$T_DIR/conf2"
ctl1() { "$UMLTOP" ctl -S "$SOCK1" "$@"; }
ctl2() { "$UMLTOP" ctl -S "$SOCK2" "$@"; }
two_up 2 1

export XDG_CONFIG_HOME=$T_DIR/config
mkdir -p "$XDG_CONFIG_HOME/umltop"
cat >"$XDG_CONFIG_HOME/umltop/hosts" <<EOF
# the two hosts of this test, and one whose server is never there
h1 - socket=$SOCK1
h2 - socket=$SOCK2
h3 - socket=/proc/umltop-none/sock
EOF

tui_session t 200 50 "$UMLTOP" -H h1 -H h2 -H h3
prompts() { for n in h1/a h1/b h2/a; do tui_pane_prompt t "$n" || return 1; done; }
wait_until 90 prompts
tui_ok t $? "the TUI shows h1/a, h1/b and h2/a with their prompts"
header() { tui_screen t | head -n 1; }
wait_until 10 sh -c "$(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -t t | head -n 1 |
	grep -q 'h1 connected  h2 connected  h3 unreachable: .'"
tui_ok t $? "the top bar: h1 and h2 connected, h3 unreachable with the reason"
diag "top bar: $(header)"

# h2/a is the third pane: Tab twice, Enter focuses it
tmx send-keys -t t Tab Tab
tui_wait t '>h2/a  running' 10
tmx send-keys -t t Enter
tui_wait t 'h2/a: keys go to the guest' 10
tmx send-keys -t t -l 'echo H2-$((6*7))'
tmx send-keys -t t Enter
wait_until 30 grep -q 'H2-42' "$STATE2/a.console.log"
ok $? "keys typed into h2/a reach h2's a"
sleep 1
! grep -q 'H2-' "$STATE1/a.console.log" && ! tui_pane_has t h1/a 'H2-' &&
	tui_pane_has t h2/a 'H2-42'
tui_ok t $? "... and not h1's a (log and pane)"
tmx send-keys -t t C-a Escape

# the table: one group per host, in the hosts' order
tmx send-keys -t t t
tui_wait t 'NAME' 10
rows=$(tui_screen t | awk '$1 ~ /^h[0-9]\// { printf "%s ", $1 }')
[ "$rows" = "h1/a h1/b h2/a " ]
tui_ok t $? "the table lists h1/a h1/b h2/a, grouped by host ($rows)"
tmx send-keys -t t t

# marks and broadcast across hosts: h2/a (selected) and h1/a
tmx send-keys -t t m Tab m
tui_wait t 'h1/a marked; 2 marked' 10
tmx send-keys -t t b
tui_wait t 'BROADCAST to 2 consoles: h1/a h2/a  C-a leaves' 10
tui_ok t $? "m on h2/a and h1/a, then b: the banner names both, HOST/NAME"
tmx send-keys -t t -l 'echo BC-$((6*7))'
tmx send-keys -t t Enter
lines() { tr -d '\r' <"$1/$2.console.log" | grep -c -x -F -- "$3"; }
both() { [ "$(lines "$STATE1" a BC-42)" -ge 1 ] && [ "$(lines "$STATE2" a BC-42)" -ge 1 ]; }
wait_until 30 both
sleep 1
[ "$(lines "$STATE1" a BC-42)" -eq 1 ] && [ "$(lines "$STATE2" a BC-42)" -eq 1 ] &&
	[ "$(lines "$STATE1" b BC-42)" -eq 0 ]
ok $? "typed once, BC-42 ran once in h1's a and once in h2's a, not in h1/b"
tmx send-keys -t t C-a

# h2's connection drops (its server re-executes itself): h2 unreachable,
# its instance unknown, h1's pane live
kill -USR2 "$SERVER2_PID"
dropped=$(date +%s%N)
wait_until 5 tui_has t 'h2 unreachable'
tui_ok t $? "h2 shown unreachable within 5 s of the drop ($(( ($(date +%s%N) - dropped) / 1000000 )) ms)"
# dimmed: the line of H2-42, captured alone (from the default attributes),
# has dim (SGR 2) in the escape right before the word
dimmed() { tui_line_sgr t 'H2-42' | grep -o "$(printf '\033')\\[[0-9;]*mH2-42" | grep -q '[[;]2[;m]'; }
away() { tui_has t 'h2/a  unknown' && dimmed; }
wait_until 3 away # (tmux may be half-way through the TUI's frame)
tui_ok t $? "meanwhile h2/a is unknown, its last screen dimmed ($(tui_screen t | grep -o 'h2/a  unknown  [^│]*' | head -n 1 | cut -c1-70))"
ctl1 send a 'echo LIVE-$((6*7))' >/dev/null
tui_pane_wait t h1/a 'LIVE-42' 10
tui_ok t $? "h1's pane keeps showing new output meanwhile"
wait_until 60 sh -c "grep -q 'upgrade: took over' '$STATE2/server.log'" ||
	diag "h2's server did not say it took over"
wait_until 30 tui_has t 'h2 connected again'
tui_ok t $? "the TUI connects to h2 again by itself"
ctl2 send a 'echo BACK-$((6*7))' >/dev/null
tui_pane_wait t h2/a 'BACK-42' 30 && tui_pane_has t h2/a 'H2-42' && ! dimmed
tui_ok t $? "h2/a's pane shows its screen again, live (not dimmed)"
header | grep -q 'h1 connected  h2 connected  h3 unreachable'
tui_ok t $? "the top bar says so: $(header | cut -c1-80)"

# halt-all over both connected hosts
tmx send-keys -t t H
tui_wait t '[x] 1 h1  [x] 2 h2  [ ] 3 h3 (unreachable)' 10
tui_ok t $? "H asks which hosts: h1 and h2 picked, h3 (unreachable) not"
tmx send-keys -t t Enter
stopped_on() { "$UMLTOP" ctl -S "$1" status --json 2>/dev/null | grep -c '"state":"stopped"'; }
all_stopped() { [ "$(stopped_on "$SOCK1")" -eq 2 ] && [ "$(stopped_on "$SOCK2")" -eq 1 ]; }
wait_until 180 all_stopped
tui_ok t $? "every instance on h1 and h2 halted ($(stopped_on "$SOCK1") of 2 and $(stopped_on "$SOCK2") of 1 stopped)"
tui_wait t 'Done: 3 stopped cleanly' 30
tui_ok t $? "the halt view follows each host and instance to the end: Done: 3 stopped cleanly"
diag "halt view: $(tui_screen t | grep -E 'h[12]' | head -n 5 | tr -s ' ' | tr '\n' '|')"

# Q: which servers to stop (h1 and h2), then the TUI ends with them (its
# summary counts none: every instance was down already)
tmx send-keys -t t Enter # (closes the halt view)
tmx send-keys -t t Q
tui_wait t 'Halt all and stop the servers of:  [x] 1 h1  [x] 2 h2' 10
tmx send-keys -t t Enter
tui_wait_dead t 60
gone() { ! kill -0 "$SERVER1_PID" 2>/dev/null && ! kill -0 "$SERVER2_PID" 2>/dev/null; }
wait_until 60 gone && tui_has t 'the servers of h1 h2 stopped:' &&
	[ "$(tui_status t)" = 0 ]
tui_ok t $? "Q over h1 and h2 stops both servers, and the TUI ends saying so (exit $(tui_status t))"
ctl2 shutdown >/dev/null 2>&1
wait_until 120 sh -c "! kill -0 $SERVER2_PID 2>/dev/null"
stop_server
server_clean
t_done
