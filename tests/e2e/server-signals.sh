#!/bin/sh
# The server as an init system runs it: SIGTERM halts every instance
# through the ladder, then the server exits; the guests' file systems are
# clean afterwards.  SIGHUP reloads the config: a new instance appears,
# a removed stopped one goes, a running one is untouched until its run
# ends, and then takes its new settings.
. "$top_srcdir/tests/e2e/lib.sh"
plan 10

fleet_conf "$T_DIR/conf" "$T_DIR/uml" one two -- AUTOSTART=yes
start_server "$T_DIR/conf"
both_running() { is_state one running && is_state two running; }
wait_until 90 both_running
ok $? "two instances running"

# SIGHUP: add three, remove two's file (two is running: it stays), and
# poll the guests every 10 minutes instead of every second
guest_up() { ctl status --json | grep -F "\"name\":\"$1\"" | sed -n 's/.*"guest_uptime_s":\([0-9]*\).*/\1/p'; }
polled() { [ -n "$(guest_up "$1")" ]; }
wait_until 60 polled one # a poll has answered before the interval goes long
fleet_conf "$T_DIR/conf" "$T_DIR/uml" three
rm "$T_DIR/conf/two.conf"
sed -i 's/^MEMORY=.*/MEMORY="96M"/' "$T_DIR/conf/one.conf"
echo 'POLL_INTERVAL=600s' >"$T_DIR/conf/umltop.conf"
kill -HUP "$SERVER_PID"
wait_until 30 sh -c "\"$UMLTOP\" ctl -S '$SOCK' status | grep -q '^three '"
ok $? "SIGHUP: the new instance three is known"
is_state two running && is_state one running
ok $? "SIGHUP: running instances untouched (two's file is gone but it runs)"
# Polled every second, the guest's uptime moves in every 3 s; with the new
# interval it stands still.  A poll under way when the signal came may
# still move it once (its requests answer or time out within seconds, by
# the server's clock): so one of four windows of 3 s in a row, not the
# first.
still() { up0=$(guest_up one); sleep 3; up1=$(guest_up one); [ -n "$up0" ] && [ "$up0" = "$up1" ]; }
still || still || still || still
ok $? "SIGHUP: the new POLL_INTERVAL applies at once (guest uptime $up0 s, 3 s later $up1 s)"
# one's new MEMORY waits for the end of its run; a restart brings it in
mem_of() { tr '\0' '\n' <"/proc/$(field_of one pid)/cmdline" 2>/dev/null | grep '^mem='; }
[ "$(mem_of)" = mem=64M ]
ok $? "SIGHUP: one runs on with the memory it started with ($(mem_of))"
old=$(field_of one pid)
ctl restart one >/dev/null
restarted() { is_state one running && [ "$(field_of one pid)" != "$old" ]; }
wait_until 120 restarted && [ "$(mem_of)" = mem=96M ]
ok $? "ctl restart one: it runs with the reloaded MEMORY ($(mem_of))"

# Guests write to their disks, then SIGTERM the server.
ctl send one 'echo data >/root/f; sync' >/dev/null
ctl send two 'echo data >/root/f; sync' >/dev/null
sleep 1
t0=$(date +%s)
kill -TERM "$SERVER_PID"
wait_until 90 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
ok $? "SIGTERM: the server exits after halting, in $(( $(date +%s) - t0 )) s"
wait "$SERVER_PID"
rc=$?
[ "$rc" -eq 0 ]
ok $? "the server's exit status is 0 ($rc)"
grep -q 'one: halt: ctrl-alt-del' "$UMLTOP_STATE_DIR/server.log" &&
	grep -q 'two: halt: ctrl-alt-del' "$UMLTOP_STATE_DIR/server.log"
ok $? "both instances were halted through the ladder (server log)"
clean=0
for n in one two; do
	e2fsck -fn "$T_DIR/uml/$n/root.loop" >"$T_DIR/fsck-$n" 2>&1 || clean=1
done
ok $clean "e2fsck -fn is clean on every root image"
SERVER_PID=""
t_done
