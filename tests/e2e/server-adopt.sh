#!/bin/sh
# A server that dies never leads to a guest started twice: the UMLs it
# leaves running are adopted by the next server on the same config
# (running, "console lost"), driven through mconsole, halted cleanly
# (e2fsck finds the images clean) and started again with a console; and
# an image some other process holds open is never booted.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 20

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b -- HALT_TIMEOUT=20
fleet_conf "$T_DIR/conf" "$T_DIR/uml" c -- HALT_TIMEOUT=20 AUTOSTART=no
start_server "$T_DIR/conf"
both_running() { is_state a running && is_state b running; }
wait_until 90 both_running || bail "a and b did not boot ($(state_of a), $(state_of b))"
pa=$(pid_of a) && pb=$(pid_of b) || bail "no pids"
track_group "$pa"
track_group "$pb"
ctl send a 'echo before-$((6*7))' >/dev/null
wait_until 30 grep -q 'before-42' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "a's console works under the first server"

# 1. the server dies; its UMLs live on
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
kill -0 "$pa" && kill -0 "$pb"
ok $? "kill -9 of the server leaves a ($pa) and b ($pb) running"

# 2. a new server on the same config adopts them
old_server=$SERVER_PID
rm -f "$SOCK" # the dead server's socket: start_server waits for a new one
start_server "$T_DIR/conf"
[ "$SERVER_PID" != "$old_server" ] || bail "no new server"
adopted() {
	[ "$(field_of a pid)" = "$pa" ] && [ "$(field_of b pid)" = "$pb" ] && both_running
}
wait_until 60 adopted
ok $? "the new server shows a and b running with their old pids ($(field_of a pid), $(field_of b pid))"
ctl status --json >"$T_DIR/status.json"
grep -F '"name":"a"' "$T_DIR/status.json" | grep -q '"console_lost":true' &&
	grep -F '"name":"b"' "$T_DIR/status.json" | grep -q '"console_lost":true'
ok $? "ctl status --json marks both console_lost"
ctl status >"$T_DIR/status.txt"
sed 's/^/# /' "$T_DIR/status.txt"
[ "$(grep -c 'console lost: adopted from an earlier server' "$T_DIR/status.txt")" -eq 2 ]
ok $? "ctl status says 'console lost' under each"
# One kernel per image: of the host processes whose command line names
# the image (a UML's helpers and guest processes are forked from it, not
# exec'd), exactly one has a parent outside that set, the adopted UML.
kernels_of() {
	_set=$(grep -l -a -F -- "ubd0=$1" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3)
	for _p in $_set; do
		_pp=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$_p/status" 2>/dev/null)
		[ -n "$_pp" ] && ! echo "$_set" | grep -q -x "$_pp" && echo "$_p"
	done
}
ka=$(kernels_of "$T_DIR/uml/a/root.loop" | tr '\n' ' ')
kb=$(kernels_of "$T_DIR/uml/b/root.loop" | tr '\n' ' ')
[ "$ka" = "$pa " ] && [ "$kb" = "$pb " ]
ok $? "one kernel on each image, the adopted one (a: ${ka}b: ${kb})"
# (the log holds both servers' lines: count after the last start)
starts=$(awk '/server starting/ { n = 0 } /: started, pid/ { n++ } END { print n + 0 }' \
	"$UMLTOP_STATE_DIR/server.log")
[ "$starts" -eq 0 ]
ok $? "the new server started no UML ($starts starts in its log)"

# 3. the TUI shows the same
tui_session t 200 30 "$UMLTOP" -S "$SOCK"
tui_wait t 'console lost' 20
tui_screen t | grep -q '^[ >]a  running.*console lost'
ok $? "the TUI's title of a says console lost"
tmx send-keys -t t q
tui_wait_dead t 20

# 4. mconsole reaches the adopted guests
ctl mconsole a version >"$T_DIR/version" 2>&1
ok $? "mconsole version through the new server: $(cat "$T_DIR/version")"
ctl sysrq b h >"$T_DIR/sysrq" 2>&1 && grep -q 'show-memory-usage' "$T_DIR/sysrq"
ok $? "sysrq h to b through the new server prints the kernel's help"

# 5. an image another process holds open is not booted
sleep 600 3<>"$T_DIR/uml/c/root.loop" &
hold=$!
track_pid "$hold"
wait_until 10 sh -c "ls -l /proc/$hold/fd | grep -q root.loop" || bail "the holder did not open c's image"
rc=0
ctl start c >"$T_DIR/start-c" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "root.loop is in use by pid $hold (sleep)" "$T_DIR/start-c" &&
	is_state c failed
ok $? "start of c, whose image pid $hold holds: failed, saying so ($rc: $(cat "$T_DIR/start-c"))"
reason=$(reason_of c)
echo "$reason" | grep -q "in use by pid $hold"
ok $? "c's reason names the holder: $reason"
kill "$hold"
wait "$hold" 2>/dev/null

# 6. a halt through the new server ends both cleanly
rc=0
timeout 180 "$UMLTOP" ctl -S "$SOCK" halt-all --wait >"$T_DIR/halt.out" 2>&1 || rc=$?
sed 's/^/# /' "$T_DIR/halt.out"
both_stopped() { is_state a stopped && is_state b stopped; }
[ "$rc" -eq 0 ] && wait_until 30 both_stopped
ok $? "halt-all --wait through the new server stops a and b ($rc: $(state_of a), $(state_of b))"
# (gone, or a zombie whoever inherited it has yet to reap)
gone() { [ ! -e "/proc/$1" ] || grep -q ') [ZX] ' "/proc/$1/stat" 2>/dev/null; }
gone "$pa" && gone "$pb"
ok $? "the adopted processes are gone"
ctl status --json | grep -F '"name":"a"' | grep -q '"reason":"halted (clean)'
ok $? "a's halt was clean (ctrl-alt-del)"
fsck=0
for n in a b; do
	e2fsck -fn "$T_DIR/uml/$n/root.loop" >"$T_DIR/fsck.$n" 2>&1 || fsck=$((fsck + 1))
	tail -n 1 "$T_DIR/fsck.$n" | sed "s/^/# $n: /"
done
[ "$fsck" -eq 0 ]
ok $? "e2fsck -fn finds a's and b's root images clean"

# 7. started again, it is ours, with a console
ctl start a >/dev/null && wait_until 90 is_state a running
ok $? "a starts again ($(state_of a), pid $(field_of a pid))"
sleep 1 # busybox reads the reply to its first ESC[6n right after the prompt
ctl send a 'echo after-$((6*7))' >/dev/null
wait_until 30 grep -q 'after-42' "$UMLTOP_STATE_DIR/a.console.log" &&
	ctl status --json | grep -F '"name":"a"' | grep -q '"console_lost":false'
ok $? "... with its console back"
stop_server
server_clean
t_done
