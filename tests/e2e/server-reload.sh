#!/bin/sh
# Reloads, many of them, as a config manager or a cron job would send: the
# server stays the size it was, and a config an instance still runs with
# is kept until that run ends (under ASan in the second pass, a freed one
# still in use would show).  The kernels are scripts that sleep: no UML is
# needed to keep a run going.
. "$top_srcdir/tests/e2e/lib.sh"
plan 7
export UMLTOP_XSTATE_SHIM= # the kernels are sh: nothing to preload

conf=$T_DIR/conf
mkdir -p "$conf"
printf '#!/bin/sh\nexec sleep 100000\n' >"$T_DIR/quiet.sh"
chmod +x "$T_DIR/quiet.sh"
for i in $(seq -w 1 20); do
	: >"$T_DIR/r$i.img"
	printf 'KERNEL="%s"\nROOT="%s"\nHALT_TIMEOUT=1\n' "$T_DIR/quiet.sh" "$T_DIR/r$i.img" \
		>"$conf/i$i.conf"
done
echo 'AUTOSTART=yes' >>"$conf/i01.conf"
live() { s=$(state_of i01); [ "$s" = starting ] || [ "$s" = running ]; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
reloads() { for _ in $(seq "$1"); do ctl reload >/dev/null || return 1; done; }

# The size, in a server whose allocator reuses what is freed at once (in
# the ASan build, its quarantine would hold every freed config).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 start_server "$conf"
wait_until 10 live
ok $? "i01 runs ($(state_of i01)) with the first config"
reloads 30 # the allocator's pools settle
r0=$(rss)
reloads 300
rc=$?
r1=$(rss)
[ "$rc" -eq 0 ] && [ $((r1 - r0)) -lt 1024 ]
ok $? "300 reloads of 20 instances: the server's RSS went from $r0 to $r1 kB (under 1 MB more)"
stop_server

# The lifecycle, in a server with the sanitizers' defaults.
start_server "$conf"
wait_until 10 live
ok $? "a new server: i01 runs again ($(state_of i01))"

# i01's file goes while it runs: it keeps its settings, and its name
rm "$conf/i01.conf"
reloads 21
live
ok $? "i01, no longer in the config, runs on through 21 reloads ($(state_of i01))"
ctl kill i01 >/dev/null
gone_state() { [ "$(state_of i01)" = stopped ] || [ "$(state_of i01)" = crashed ] ||
	[ "$(state_of i01)" = failed ]; }
wait_until 10 gone_state
ok $? "i01 killed: it shows as ended ($(state_of i01)) under the name it ran with"
ctl reload >/dev/null
! ctl status | grep -q '^i01 '
ok $? "the next reload drops it"
kill -0 "$SERVER_PID" && ctl status | grep -c '^i[0-9]' | grep -qx 19
ok $? "the server runs on with the 19 instances listed"
stop_server
