#!/bin/sh
# Reloads, many of them, as a config manager or a cron job would send: the
# server stays the size it was, and a config an instance still has the
# settings of is kept until that run ends, or until the reload that
# removes the instance (in the ASan build of the second pass, a config
# freed while still in use shows as a report).  The kernels are scripts
# that print a prompt without a newline, then sleep: no UML is needed to
# keep a run going, and the console log holds a partial line to the end.
. "$top_srcdir/tests/e2e/lib.sh"
plan 15
export UMLTOP_XSTATE_SHIM= # the kernels are sh: nothing to preload

conf=$T_DIR/conf
mkdir -p "$conf"
printf '#!/bin/sh\necho $$ >>"%s"\nprintf "login: "\nexec sleep 100000\n' "$T_DIR/kpids" \
	>"$T_DIR/quiet.sh"
chmod +x "$T_DIR/quiet.sh"
for i in $(seq -w 1 20); do
	: >"$T_DIR/r$i.img"
	printf 'KERNEL="%s"\nROOT="%s"\nHALT_TIMEOUT=1\nAUTOSTART=%s\n' "$T_DIR/quiet.sh" \
		"$T_DIR/r$i.img" "$([ "$i" = 01 ] && echo yes || echo no)" >"$conf/i$i.conf"
done
live() { case $(state_of i01) in starting | running) return 0 ;; esac; return 1; }
ended() { case $(state_of i01) in stopped | crashed | failed) return 0 ;; esac; return 1; }
# every kernel started so far is killed at exit if the server left it
track_kernels() { [ -f "$T_DIR/kpids" ] && for p in $(cat "$T_DIR/kpids"); do track_pid "$p"; done; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
reloads() { for _ in $(seq "$1"); do ctl reload >/dev/null || return 1; done; }
listed() { st=$(ctl status) && printf '%s\n' "$st" | grep -q "^$1 "; }

# The size, in a server whose allocator reuses what is freed at once (in
# the ASan build, its quarantine would hold every freed config).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 start_server "$conf"
wait_until 30 live
ok $? "i01 runs ($(state_of i01)) with the first config"
track_kernels
reloads 30 # the allocator's pools settle
r0=$(rss)
reloads 300
rc=$?
r1=$(rss)
[ "$rc" -eq 0 ] && [ -n "$r0" ] && [ -n "$r1" ] && [ $((r1 - r0)) -lt 1024 ]
ok $? "300 reloads of 20 instances: the server's RSS went from $r0 to $r1 kB (under 1 MB more)"
stop_server
server_clean

# The lifecycle, in a server with the sanitizers' defaults.
start_server "$conf"
wait_until 30 live
ok $? "a new server: i01 runs again ($(state_of i01))"
track_kernels
# Its run keeps the first config; each reload's own is freed at once
# but the last, which i01 takes when its run ends.
reloads 5
live
ok $? "five reloads later, i01 runs on ($(state_of i01))"
ctl kill i01 >/dev/null && wait_until 30 ended
ok $? "i01 killed: its run ended ($(state_of i01)), and it takes the last reload's settings"
ctl start i01 >/dev/null && wait_until 30 live
ok $? "i01 starts again, with those settings ($(state_of i01))"
track_kernels

# i01's file goes while it runs: it keeps its settings, and its name
rm "$conf/i01.conf"
reloads 21 && live && listed i01
ok $? "i01, no longer in the config, runs on through 21 reloads ($(state_of i01))"
ctl kill i01 >/dev/null && wait_until 30 ended && listed i01
ok $? "i01 killed: it shows as ended ($(state_of i01)) under the name it ran with"
ctl reload >/dev/null && ! listed i01 && listed i02
ok $? "the next reload drops it"
st=$(ctl status) && [ "$(printf '%s\n' "$st" | grep -c '^i[0-9]')" -eq 19 ]
ok $? "the server runs on with the 19 instances listed"
n=$(grep -o 'login: ' "$UMLTOP_STATE_DIR/i01.console.txt" | wc -l)
[ "$n" -eq 3 ]
ok $? "the prompts of i01's three runs, never ended by a newline, are in its console log ($n)"
stop_server
server_clean
