#!/bin/sh
# The server's memory is bounded against its guests and clients: a guest
# that floods terminal queries and reads none of the answers does not
# grow the server or bury its own shell in stale answers; input for a
# guest that reads none is refused past a bound, with a message; and
# clients holding half-sent frames, or too many connections, are dropped
# or refused, with a message.
. "$top_srcdir/tests/e2e/lib.sh"
plan 11

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a
start_server "$T_DIR/conf"
wait_until 90 is_state a running || bail "a did not boot ($(state_of a))"
sleep 1 # busybox reads the reply to its first ESC[6n right after the prompt
T0=$(date +%s)
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status"; }

diag "at $(( $(date +%s) - T0 )) s"
# 1. 750 thousand cursor-position queries (3 MB) the guest never reads
#    the answers to: 6 MB of answers, were they all kept
before=$(hwm)
ctl send a 'yes "$(printf "\033[6n")" | head -c 3000000 >/q; stty raw -echo; cat /q; stty sane; echo flood-done-$((6*7))' >/dev/null
wait_until 300 grep -q 'flood-done-42' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "the query flood ran to its end"
after=$(hwm)
grow=$(( (after - before) / 1024 ))
[ -n "$before" ] && [ "$grow" -lt 4 ]
ok $? "the server's peak memory grew by ${grow} MB (${before} -> ${after} kB; the answers alone are 6 MB)"
grep -q 'answers to its terminal queries dropped' "$UMLTOP_STATE_DIR/server.log"
ok $? "the server log says the answers were dropped"

diag "at $(( $(date +%s) - T0 )) s"
# 2. the shell is usable at once: what it reads next is not a backlog of
#    stale answers (Ctrl-C drops the few a tty buffer holds)
ctl send --no-enter a "$(printf '\003')" >/dev/null
sleep 1
ctl send a 'echo alive-$((6*7))' >/dev/null
wait_until 60 grep -q 'alive-42' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "a command typed after the flood runs"
diag "at $(( $(date +%s) - T0 )) s"
# 3. input for a guest that reads none: refused past a bound, saying so
ctl send a 'stty raw -echo; sleep 40; stty sane' >/dev/null
sleep 2
pad=$(head -c 100000 /dev/zero | tr '\0' x)
refused=0
for i in 1 2 3 4 5 6; do
	ctl send --no-enter a "#$pad" 2>"$T_DIR/send.err" || { refused=$i; break; }
done
[ "$refused" -gt 2 ] && grep -q 'a is not reading its console: its input waiting is full' "$T_DIR/send.err"
ok $? "100 KB sends to a guest reading nothing: the send after 256 KB waiting is refused with a message (send $refused: $(cat "$T_DIR/send.err"))"

diag "at $(( $(date +%s) - T0 )) s"
# 4. 200 clients each sending half of a 4 MB frame: dropped at once
MC=$top_builddir/tests/fixtures/many-clients
before=$(hwm)
"$MC" "$SOCK" 200 4194304 2097152 120 >"$T_DIR/mc1.out"
after=$(hwm)
sed 's/^/# /' "$T_DIR/mc1.out"
head -n 1 "$T_DIR/mc1.out" | grep -q '^open=0 closed=200 '
ok $? "200 clients announcing 4 MB frames are all dropped ($(head -n 1 "$T_DIR/mc1.out"))"
grow=$(( (after - before) / 1024 ))
[ "$grow" -lt 32 ]
ok $? "the server's peak memory grew by ${grow} MB for them"

diag "at $(( $(date +%s) - T0 )) s"
# 5. 200 clients each holding half of a 100 KB frame: 128 taken, the rest
#    refused with a message, and the 128 dropped once their frames are
#    overdue (10 s)
"$MC" "$SOCK" 200 100000 50000 120 >"$T_DIR/mc2.out"
sed 's/^/# /' "$T_DIR/mc2.out"
set -- $(head -n 1 "$T_DIR/mc2.out" | tr -c '0-9\n' ' ')
# (72 refused, give or take one whose turn came as another was dropped)
[ "${1:-1}" -eq 0 ] && [ "${2:-0}" -eq 200 ] && [ "${3:-0}" -ge 60 ] && [ "${3:-0}" -le 72 ] &&
	sed -n 2p "$T_DIR/mc2.out" | grep -q '128 connections already'
ok $? "past 128 connections a client is refused with a message, and half frames are dropped when overdue"
ctl status >/dev/null
ok $? "the server answers as before"
grep -q 'half a frame, and no more for 10 s' "$UMLTOP_STATE_DIR/server.log"
ok $? "the server log says why it dropped them"
stop_server
server_exited_ok
t_done
