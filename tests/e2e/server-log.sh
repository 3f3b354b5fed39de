#!/bin/sh
# The server's own log: what a guest says through /proc/mconsole reaches
# it without a control character, and it moves to server.log.1 at
# LOG_MAX as the console logs do, losing no line at the move.
. "$top_srcdir/tests/e2e/lib.sh"
plan 10

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a
echo 'LOG_MAX=64K' >"$T_DIR/conf/umltop.conf"
start_server "$T_DIR/conf"
wait_until 90 is_state a running || bail "a did not boot ($(state_of a))"
sleep 1 # busybox reads the reply to its first ESC[6n right after the prompt

# 1. a hostile notify: a title, a screen clear and a bell
ctl send a "printf '\\033]0;owned\\007\\033[2Jnotify-%d\\n' 42 >/proc/mconsole" >/dev/null
wait_until 30 grep -q 'guest notify: .*notify-42' "$UMLTOP_STATE_DIR/server.log"
ok $? "the guest's notify is in the server log"
grep 'notify-42' "$UMLTOP_STATE_DIR/server.log" | sed 's/^/# /' | cat -v
esc=$(printf '\033')
bel=$(printf '\007')
! grep -q -e "$esc" -e "$bel" "$UMLTOP_STATE_DIR/server.log"
ok $? "no escape or bell byte in the server log"

# 2. a thousand notify lines of ~80 bytes: past LOG_MAX=64K once
ctl send a 'i=0; while [ $i -lt 1000 ]; do echo "filler-$i-0123456789012345678901234567890123456789" >/proc/mconsole; i=$((i+1)); done; echo fill-done' >/dev/null
wait_until 120 grep -q 'filler-999-' "$UMLTOP_STATE_DIR/server.log"
ok $? "the last filler line reached the log"
[ -f "$UMLTOP_STATE_DIR/server.log.1" ]
ok $? "server.log.1 holds the log before LOG_MAX"
size=$(stat -c %s "$UMLTOP_STATE_DIR/server.log")
[ "$size" -lt $((64 * 1024 + 1024)) ]
ok $? "server.log is under LOG_MAX after the move ($size bytes)"
n=$(cat "$UMLTOP_STATE_DIR/server.log.1" "$UMLTOP_STATE_DIR/server.log" |
	grep -o 'filler-[0-9]*-' | sort -u | wc -l)
[ "$n" -eq 1000 ]
ok $? "every filler line is in server.log.1 or server.log ($n of 1000)"

# 3. a guest's words in an mconsole reply (its hostname, through UML's
#    "proc" command) reach a terminal cleaned, a pipe as they are
ctl send a "hostname \"\$(printf 'h\\033]0;owned\\007\\033[2Jx')\"; echo named-\$((3*3))" >/dev/null
wait_until 30 grep -q 'named-9' "$UMLTOP_STATE_DIR/a.console.log"
script -qec "'$UMLTOP' ctl -S '$SOCK' mconsole a proc sys/kernel/hostname" "$T_DIR/tty.out" \
	>/dev/null 2>&1
grep -q 'h?\]0;owned??\[2Jx' "$T_DIR/tty.out" && ! grep -q -e "$esc" -e "$bel" "$T_DIR/tty.out"
ok $? "at a terminal, ctl prints the guest's hostname with its controls as '?': $(tr -d '\r' <"$T_DIR/tty.out" | grep owned | cat -v)"
ctl mconsole a proc sys/kernel/hostname >"$T_DIR/pipe.out" 2>&1
grep -q "$esc" "$T_DIR/pipe.out"
ok $? "... to a file, as the guest wrote it (escape bytes and all)"
stop_server
server_clean
t_done
