#!/bin/sh
# The server's memory is bounded against its guests and clients: a guest
# that floods terminal queries and reads none of the answers does not
# grow the server or bury its own shell in stale answers.
. "$top_srcdir/tests/e2e/lib.sh"
plan 6

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a
start_server "$T_DIR/conf"
wait_until 90 is_state a running || bail "a did not boot ($(state_of a))"
sleep 1 # busybox reads the reply to its first ESC[6n right after the prompt
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status"; }

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

# 2. the shell is usable at once: what it reads next is not a backlog of
#    stale answers (Ctrl-C drops the few a tty buffer holds)
ctl send --no-enter a "$(printf '\003')" >/dev/null
sleep 1
ctl send a 'echo alive-$((6*7))' >/dev/null
wait_until 60 grep -q 'alive-42' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "a command typed after the flood runs"
stop_server
server_clean
t_done
