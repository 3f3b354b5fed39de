#!/bin/sh
# Issue 18's acceptance for the TUI, through ssh: a private sshd on
# 127.0.0.1 (lib-ssh.sh) and two servers of this machine on their own
# sockets and fleets stand for hosts h1 and h2, each reached by
# `ssh ... umltop proxy`; h3 goes through the same sshd with a key it
# refuses.  `umltop -H h1 -H h2 -H h3` shows h1/a and h2/a with prompts
# and h3 unreachable with ssh's reason; keys typed into h2/a reach h2's a
# only.  The ssh child of h2 (a child of the TUI, found by its command
# line) is killed: h2 shows unreachable within 5 s while h1's pane keeps
# showing new output; the TUI connects again by itself and h2/a's pane
# shows what its guest printed meanwhile.  H over h1 and h2 halts every
# instance of both.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
. "$top_srcdir/tests/e2e/lib-ssh.sh"
plan 16

fleet_conf "$T_DIR/conf1" "$T_DIR/uml1" a -- HALT_TIMEOUT=30
fleet_conf "$T_DIR/conf2" "$T_DIR/uml2" a -- HALT_TIMEOUT=30
start_two "$T_DIR/conf1" "$T_DIR/conf2"
ctl1() { "$UMLTOP" ctl -S "$SOCK1" "$@"; }
ctl2() { "$UMLTOP" ctl -S "$SOCK2" "$@"; }
two_up 1 1

ssh_start
ssh_host h1 "$SOCK1"
ssh_host h2 "$SOCK2"
ssh_host h3 "$SOCK1" "$(ssh_bad_key)"

tui_session t 200 50 "$UMLTOP" -H h1 -H h2 -H h3
prompts() { tui_pane_prompt t h1/a && tui_pane_prompt t h2/a; }
wait_until 90 prompts
tui_ok t $? "through ssh the TUI shows h1/a and h2/a with their prompts"
header() { tui_screen t | head -n 1; }
hdr_has() { header | grep -q -- "$1"; }
wait_until 30 hdr_has 'h1 connected  h2 connected  h3 unreachable: .*ermission denied'
tui_ok t $? "h3, whose key sshd refuses, is unreachable with ssh's reason; h1, h2 connected"
diag "top bar: $(header | cut -c1-160)"

# select h2/a (the selection follows an instance: which one is selected
# first depends on which host answered first)
for _i in 1 2 3; do
	tui_has t '>h2/a  running' && break
	tmx send-keys -t t Tab
	sleep 0.5
done
tmx send-keys -t t Enter
tui_wait t 'h2/a: keys go to the guest' 10
tmx send-keys -t t -l 'echo SSH-$((6*7))'
tmx send-keys -t t Enter
wait_until 30 grep -q 'SSH-42' "$STATE2/a.console.log"
ok $? "keys typed into h2/a reach h2's a through ssh"
sleep 1
! grep -q 'SSH-' "$STATE1/a.console.log" && ! tui_pane_has t h1/a 'SSH-'
tui_ok t $? "... and not h1's a"
tmx send-keys -t t C-a Escape

# The TUI's ssh children: the one whose command line names h2's socket.
tui_pid=$(tmx display-message -p -t t '#{pane_pid}')
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }
ssh_of() {
	for _u in $(children "$tui_pid"); do
		for _c in $(children "$_u"); do
			tr '\0' ' ' <"/proc/$_c/cmdline" 2>/dev/null | grep -q -- "-S $1" && echo "$_c"
		done
	done | head -n 1
}
pid2=$(ssh_of "$SOCK2")
[ -n "$pid2" ] && tr '\0' ' ' <"/proc/$pid2/cmdline" | grep -q '^ssh '
ok $? "h2's ssh child found by its command line ($pid2: $(tr '\0' ' ' <"/proc/$pid2/cmdline" 2>/dev/null | cut -c1-60)...)"
[ -n "$pid2" ] || bail "no ssh child for h2"
# h2 stays away until the checks below are done: its remote umltop (the
# wrapper the hosts file names) cannot be run, so each retry fails
chmod a-x "$SSH_DIR/umltop"
kill "$pid2"
killed=$(date +%s%N)
wait_until 5 tui_has t 'h2 unreachable'
tui_ok t $? "h2 unreachable within 5 s of its ssh's end ($(( ($(date +%s%N) - killed) / 1000000 )) ms)"
wait_until 10 sh -c "! kill -0 $pid2 2>/dev/null"
ok $? "the ssh child that ended is reaped, not a zombie ($pid2)"
# dimmed: the line of SSH-42, captured alone (from the default attributes),
# has dim (SGR 2) in the escape right before the word
dimmed() { tui_line_sgr t 'SSH-42' | grep -o "$(printf '\033')\\[[0-9;]*mSSH-42" | grep -q '[[;]2[;m]'; }
away() { tui_has t 'h2/a  unknown' && dimmed; }
wait_until 3 away # (tmux may be half-way through the TUI's frame)
tui_ok t $? "meanwhile h2/a is unknown, its last screen dimmed"
ctl1 send a 'echo LIVE-$((6*7))' >/dev/null
ctl2 send a 'echo AWAY-$((6*7))' >/dev/null
tui_pane_wait t h1/a 'LIVE-42' 10 && tui_has t 'h2 unreachable'
tui_ok t $? "h1's pane keeps showing new output while h2 is still unreachable"
wait_until 30 grep -q 'AWAY-42' "$STATE2/a.console.log" && sleep 1 && tui_has t 'h2 unreachable' &&
	! tui_pane_has t h2/a 'AWAY-42'
tui_ok t $? "h2's guest printed AWAY-42 while h2 was away, and its pane did not show it then"
chmod a+x "$SSH_DIR/umltop"
wait_until 60 tui_has t 'h2 connected again'
tui_ok t $? "the TUI connects to h2 again by itself"
tui_pane_wait t h2/a 'AWAY-42' 30 && tui_pane_has t h2/a 'SSH-42' && ! dimmed
tui_ok t $? "h2/a's pane shows its current screen (what the guest printed meanwhile)"
new2=$(ssh_of "$SOCK2")
diag "h2's ssh now: ${new2:-none} (was $pid2)"

tmx send-keys -t t H
tui_wait t '[x] 1 h1  [x] 2 h2  [ ] 3 h3 (unreachable)' 10
tui_ok t $? "H asks which hosts: h1 and h2 picked, h3 not"
tmx send-keys -t t Enter
all_stopped() { [ "$(count_on "$SOCK1" stopped)" -eq 1 ] && [ "$(count_on "$SOCK2" stopped)" -eq 1 ]; }
wait_until 180 all_stopped
tui_ok t $? "halt-all from the keyboard stopped every instance on h1 and h2"

tmx send-keys -t t Escape q
tui_wait_dead t
ctl2 shutdown >/dev/null 2>&1
wait_until 120 sh -c "! kill -0 $SERVER2_PID 2>/dev/null"
stop_server
server_clean
t_done
