#!/bin/sh
# The console server on a fleet of three real UMLs: they come up with load
# figures, sysrq reaches a guest and its console, a guest's 20 MB of
# console output is kept with nobody attached, a malformed client is
# dropped while the rest carries on, a kill -9 is a crash with nothing
# orphaned, and halt-all runs the ladders in parallel.
. "$top_srcdir/tests/e2e/lib.sh"
plan 26

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c -- AUTOSTART=yes
start_server "$T_DIR/conf"
started=$(date +%s)

# 1. three instances running, with load figures, within 15 s
all_running_with_load() {
	for n in a b c; do
		is_state "$n" running || return 1
		ctl status --json | grep -F "\"name\":\"$n\"" | grep -q '"load":\[' || return 1
	done
}
wait_until 15 all_running_with_load
ok $? "three instances reach running with load figures within 15 s ($(( $(date +%s) - started )) s)"
ctl status | tee "$T_DIR/status.txt" | sed 's/^/# /'
grep -q '^a  *running  *[0-9]' "$T_DIR/status.txt"
ok $? "ctl status prints a table row per instance with its pid"
rss=$(field_of a rss_kb)
mem=$(field_of a mem_total_kb)
[ "${rss:-0}" -gt 1000 ] && [ "${mem:-0}" -gt 30000 ]
ok $? "host RSS of a's process group (${rss} kB) and guest memory (${mem} kB) are reported"
ctl mconsole a version >"$T_DIR/version.out" 2>&1
ok $? "ctl mconsole a version: $(cat "$T_DIR/version.out")"

# 2. sysrq h: the kernel's help comes back to ctl and shows on the console
ctl sysrq a h >"$T_DIR/sysrq.out" 2>&1
rc=$?
grep -qi 'sysrq.*help' "$T_DIR/sysrq.out" && grep -q 'show-memory-usage' "$T_DIR/sysrq.out"
ok $(( rc + $? )) "ctl sysrq a h prints the kernel's help text"
wait_until 5 grep -q 'show-memory-usage' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "the sysrq help also appears on a's console (its log)"
ctl sysrq a t >"$T_DIR/sysrq-t.out" 2>&1
[ $? -eq 2 ] && grep -q 'force' "$T_DIR/sysrq-t.out" && is_state a running
ok $? "sysrq t (panics this kernel) is refused without --force; a still runs"
ctl start nosuch >"$T_DIR/unknown.out" 2>&1
[ $? -eq 2 ] && grep -q "unknown instance 'nosuch'; known: a, b, c" "$T_DIR/unknown.out"
ok $? "an unknown instance is an error naming the known ones"

# 3. 20 MB of console output with nobody attached: the guest is not
#    blocked, and the raw log keeps every line
line=0123456789012345678901234567890123456789012345678901234567890123456789
bytes=20971520
# A client subscribed to b that stops reading for the whole flood.
"$top_builddir/tests/fixtures/slow-client" "$SOCK" b 30 5 >"$T_DIR/slow.out" &
slow=$!
track_pid "$slow"
# And one that asks for screens under a flood, reading all along.
"$top_builddir/tests/fixtures/slow-client" "$SOCK" b 0 120 screens "$T_DIR/screens.bytes" \
	END-OF-FLOOD-42 >"$T_DIR/screens.out" &
screens=$!
track_pid "$screens"
sleep 0.5
t0=$(date +%s)
ctl send b "yes $line | head -c $bytes; echo; echo END-OF-FLOOD-\$((6*7))" >/dev/null
wait_until 120 sh -c "grep -q '^END-OF-FLOOD' '$UMLTOP_STATE_DIR/b.console.log'"
ok $? "the guest wrote 20 MB to its console unattached in $(( $(date +%s) - t0 )) s (bound 120 s)"
# The log rotates at LOG_MAX (16 MB by default): count the rotated part too.
lines=$(cat "$UMLTOP_STATE_DIR/b.console.log.1" "$UMLTOP_STATE_DIR/b.console.log" 2>/dev/null |
	grep -c "^$line$(printf '\r')\$")
[ "$lines" -eq $(( bytes / 71 )) ]
ok $? "the raw log (and its rotation) holds every one of the $(( bytes / 71 )) lines ($lines)"

wait "$slow"
read -r slow_result <"$T_DIR/slow.out"
case "$slow_result" in snapshots=1\ *|snapshots=0\ *|"") false ;; *) true ;; esac
ok $? "a client that stopped reading did not hold the guest back, and was resynced with a fresh snapshot ($slow_result)"
wait "$screens"
read -r screens_result <"$T_DIR/screens.out"
set -- $(echo "$screens_result" | tr -c '0-9\n' ' ')
[ "${1:-0}" -ge 10 ] && [ "${3:-$bytes}" -lt $(( bytes / 10 )) ]
ok $? "a client asking for screens got the flood as screens, not as its 20 MB ($screens_result)"
[ "${4:-0}" -ge 1 ] && grep -q "END-OF-FLOOD-42" "$T_DIR/screens.bytes"
ok $? "a full snapshot followed the flood's end, and what it shows (with what followed) is the end"

# 4. malformed frames: that client is dropped, consoles and others go on
printf '\013\000\000\000\001\000\000\000\001\000\000\000\003\000\000\000tui' >"$T_DIR/hello"
{ cat "$T_DIR/hello"; printf '\377\377\377\377\010\000\000\000garbage'; } |
	"$top_builddir/tests/fixtures/sock-poke" "$SOCK" 5 >"$T_DIR/poke.out"
ok $? "a client sending an oversized frame is dropped ($(cat "$T_DIR/poke.out"))"
{ printf '\004\000\000\000\010\000\000\000'; printf 'abcd'; } |
	"$top_builddir/tests/fixtures/sock-poke" "$SOCK" 5 >"$T_DIR/poke2.out"
ok $? "a client sending input before HELLO is dropped"
ctl send c 'echo still-$((40+2))' >/dev/null
wait_until 10 grep -q 'still-42' "$UMLTOP_STATE_DIR/c.console.log" && is_state a running
ok $? "after the bad clients, consoles and other clients carry on"

# 5. kill -9 of a's main process: crashed within 1 s, nothing left behind
pid=$(pid_of a) || bail "a has no pid ($(state_of a))"
kill -KILL "$pid"
t0=$(date +%s%N)
wait_until 2 is_state a crashed
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$elapsed" -le 1000 ]
ok $? "kill -9 of a's UML: crashed after ${elapsed} ms"
left=$(ps -eo pid=,pgid=,stat= | awk -v g="$pid" '$2 == g && $3 !~ /^Z/ { print $1 }')
[ -z "$left" ] && is_state b running && is_state c running &&
	[ ! -e "$SOCK.d/uml/a" ]
ok $? "no host process of a left (${left:-none}), stale uml_dir/a removed, b and c untouched"

# restart: the ladder, then a new process
old=$(field_of c pid)
new_pid() { p=$(field_of c pid); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$old" ]; }
ctl restart c >/dev/null
wait_until 30 new_pid && wait_until 20 is_state c running
ok $? "ctl restart c: halted and running again with a new pid ($old -> $(field_of c pid))"

# a kill during a restart's halt ends the restart too
ctl restart c >/dev/null
ctl kill c >/dev/null
wait_until 10 is_state c stopped && sleep 4 && is_state c stopped && [ "$(field_of c pid)" = 0 ]
ok $? "ctl kill during a restart: c stays stopped ($(state_of c), pid $(field_of c pid))"

# ctl's own flags are not taken from a guest's text; --wait only where it means something
rc=0
ctl kill --wait c 2>"$T_DIR/wait.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--wait is for halt' "$T_DIR/wait.err"
ok $? "ctl kill --wait: a usage error, exit 2 ($rc: $(cat "$T_DIR/wait.err"))"
# (a second for busybox's shell, which reads the reply to its ESC[6n
# right after the first prompt, and would take typed bytes for it)
ctl start c >/dev/null && wait_until 20 is_state c running && sleep 1 &&
	ctl send c 'echo flag-$((40+2)) --json --wait' >/dev/null &&
	wait_until 10 grep -q 'flag-42 --json --wait' "$UMLTOP_STATE_DIR/c.console.log"
r=$?
ok $r "ctl send passes --json and --wait through to the guest"
[ $r -eq 0 ] || { tail -c 400 "$UMLTOP_STATE_DIR/c.console.log" | od -c | sed 's/^/# /'
	  grep -v '(ctl) gone' "$UMLTOP_STATE_DIR/server.log" | tail -20 | sed 's/^/# /'; }

# 6. halt-all of three takes less than 1.5 times one halt; all exit 0
ctl start a >/dev/null && wait_until 20 is_state a running
t0=$(date +%s%N)
ctl halt --wait a >/dev/null
one=$(( ($(date +%s%N) - t0) / 1000000 ))
ctl start a >/dev/null && wait_until 20 is_state a running
t0=$(date +%s%N)
ctl halt-all --wait >"$T_DIR/halt-all.out"
all=$(( ($(date +%s%N) - t0) / 1000000 ))
sed 's/^/# /' "$T_DIR/halt-all.out"
[ $(( all * 2 )) -lt $(( one * 3 )) ]
ok $? "halt-all of three took ${all} ms, one halt ${one} ms (< 1.5x)"
codes=$(ctl status --json | sed -n 's/.*"exit_code":\([-0-9]*\).*/\1/p' | tr '\n' ' ')
[ "$codes" = "0 0 0 " ] && is_state a stopped && is_state b stopped && is_state c stopped
ok $? "every UML stopped with exit code 0 ($codes)"

stop_server
server_clean
t_done
