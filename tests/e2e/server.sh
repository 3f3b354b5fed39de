#!/bin/sh
# The console server on a fleet of three real UMLs: they come up with load
# figures, sysrq reaches a guest and its console, a guest's 20 MB of
# console output is kept while a subscriber reads nothing, and clients
# that fell behind or asked for screens end on the exact final screen, a
# malformed client is dropped while the rest carries on, a kill -9 is a
# crash with nothing orphaned, and halt-all runs the ladders in parallel.
# Time bounds only stop a hung test: none asserts the machine's speed.
. "$top_srcdir/tests/e2e/lib.sh"
plan 28

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c -- AUTOSTART=yes
start_server "$T_DIR/conf"
started=$(date +%s)

# 1. three instances running, with load figures
all_running_with_load() {
	for n in a b c; do
		is_state "$n" running || return 1
		ctl status --json | grep -F "\"name\":\"$n\"" | grep -q '"load":\[' || return 1
	done
}
wait_until 90 all_running_with_load
ok $? "three instances reach running with load figures ($(( $(date +%s) - started )) s)"
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
wait_until 30 grep -q 'show-memory-usage' "$UMLTOP_STATE_DIR/a.console.log"
ok $? "the sysrq help also appears on a's console (its log)"
ctl sysrq a t >"$T_DIR/sysrq-t.out" 2>&1
[ $? -eq 2 ] && grep -q 'force' "$T_DIR/sysrq-t.out" && is_state a running
ok $? "sysrq t (panics this kernel) is refused without --force; a still runs"
ctl start nosuch >"$T_DIR/unknown.out" 2>&1
[ $? -eq 2 ] && grep -q "unknown instance 'nosuch'; known: a, b, c" "$T_DIR/unknown.out"
ok $? "an unknown instance is an error naming the known ones"

# 3. 20 MB of console output while a subscriber reads nothing: the guest
#    is not blocked, and the raw log keeps every line
line=0123456789012345678901234567890123456789012345678901234567890123456789
bytes=20971520
until=END-OF-FLOOD-42
SC=$top_builddir/tests/fixtures/slow-client
# A client subscribed to b (with 100 lines of scrollback) that stops
# reading for the whole flood: until slow.go exists.
"$SC" -l 100 -r "$T_DIR/slow.ready" -w "$T_DIR/slow.go" -u "$until" -t "$T_DIR/slow.txt" \
	"$SOCK" b 3600 300 >"$T_DIR/slow.out" &
slow=$!
track_pid "$slow"
# And one that asks for screens under a flood, reading all along.
"$SC" -s -r "$T_DIR/screens.ready" -u "$until" -t "$T_DIR/screens.txt" \
	"$SOCK" b 0 1200 >"$T_DIR/screens.out" &
screens=$!
track_pid "$screens"
subscribed() { [ -e "$T_DIR/slow.ready" ] && [ -e "$T_DIR/screens.ready" ]; }
wait_until 60 subscribed || bail "the slow clients did not subscribe to b"
t0=$(date +%s)
ctl send b "yes $line | head -c $bytes; echo; echo END-OF-FLOOD-\$((6*7))" >/dev/null
wait_until 900 sh -c "grep -q '^END-OF-FLOOD' '$UMLTOP_STATE_DIR/b.console.log'"
ok $? "the guest wrote 20 MB to its console, a subscriber reading none of it ($(( $(date +%s) - t0 )) s)"
: >"$T_DIR/slow.go"
# The log rotates at LOG_MAX (16 MB by default): count the rotated part too.
lines=$(cat "$UMLTOP_STATE_DIR/b.console.log.1" "$UMLTOP_STATE_DIR/b.console.log" 2>/dev/null |
	grep -c "^$line$(printf '\r')\$")
[ "$lines" -eq $(( bytes / 71 )) ]
ok $? "the raw log (and its rotation) holds every one of the $(( bytes / 71 )) lines ($lines)"

# What each client shows at the end (slow-client -t: the last snapshot and
# the output after it, through term/) against what a client subscribing
# now is shown: the console's screen and 100 lines of scrollback.
# field RESULT NAME: a number from a slow-client result line.
field() { echo "$1" | sed -n "s/.*\<$2=\([0-9]*\).*/\1/p"; }
# same_picture FILE: FILE is the fresh subscriber's picture, whose screen
# shows the flood's end; the differences as comments when not.
same_picture() {
	if cmp -s "$1" "$T_DIR/fresh.txt" && grep -q "^[0-9]*|$until\$" "$T_DIR/fresh.txt"; then
		return 0
	fi
	diff "$1" "$T_DIR/fresh.txt" | sed 's/^/# /' | head -n 40
	grep "^[0-9]*|" "$T_DIR/fresh.txt" | sed 's/^/# fresh: /'
	return 1
}
wait "$slow"
read -r slow_result <"$T_DIR/slow.out"
wait "$screens"
read -r screens_result <"$T_DIR/screens.out"
"$SC" -l 100 -u "$until" -t "$T_DIR/fresh.txt" "$SOCK" b 0 120 >"$T_DIR/fresh.out"
[ "$(field "$slow_result" snapshots)" -ge 2 ] 2>/dev/null
ok $? "a client that stopped reading for the whole flood did not hold the guest back, and was resynced with a fresh snapshot ($slow_result)"
same_picture "$T_DIR/slow.txt"
ok $? "and it ends on the picture a new subscriber gets, $until on its screen"
[ "$(field "$screens_result" seen)" = 1 ] && same_picture "$T_DIR/screens.txt"
ok $? "a client asking for screens saw the flood's end, and ends on the picture a new subscriber gets ($screens_result)"
[ "$(field "$screens_result" floods)" -ge 1 ] 2>/dev/null &&
	[ "$(field "$screens_result" after)" -ge 1 ] 2>/dev/null
ok $? "it got the flood as screens, and a full snapshot (scrollback and all) after the flood's end"

# 4. malformed frames: that client is dropped, consoles and others go on
# HELLO with PROTO_VERSION, then a frame of 4 GB
{ printf '\013\000\000\000\001\000\000\000'; printf "\\$(printf %03o "$PROTO_VERSION")\\000\\000\\000"
  printf '\003\000\000\000tui'; } >"$T_DIR/hello"
{ cat "$T_DIR/hello"; printf '\377\377\377\377\010\000\000\000garbage'; } |
	"$top_builddir/tests/fixtures/sock-poke" "$SOCK" 60 >"$T_DIR/poke.out"
ok $? "a client sending an oversized frame is dropped ($(cat "$T_DIR/poke.out"))"
{ printf '\004\000\000\000\010\000\000\000'; printf 'abcd'; } |
	"$top_builddir/tests/fixtures/sock-poke" "$SOCK" 60 >"$T_DIR/poke2.out"
ok $? "a client sending input before HELLO is dropped"
ctl send c 'echo still-$((40+2))' >/dev/null
wait_until 30 grep -q 'still-42' "$UMLTOP_STATE_DIR/c.console.log" && is_state a running
ok $? "after the bad clients, consoles and other clients carry on"

# 5. kill -9 of a's main process: a crash, by that signal, nothing left behind
pid=$(pid_of a) || bail "a has no pid ($(state_of a))"
kill -KILL "$pid"
t0=$(date +%s%N)
wait_until 30 is_state a crashed
r=$?
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$r" -eq 0 ] && [ "$(field_of a exit_signal)" = 9 ]
ok $? "kill -9 of a's UML: crashed, killed by signal $(field_of a exit_signal) (after ${elapsed} ms)"
left=$(ps -eo pid=,pgid=,stat= | awk -v g="$pid" '$2 == g && $3 !~ /^Z/ { print $1 }')
[ -z "$left" ] && is_state b running && is_state c running &&
	[ ! -e "$SOCK.d/uml/a" ]
ok $? "no host process of a left (${left:-none}), stale uml_dir/a removed, b and c untouched"

# restart: the ladder, then a new process
old=$(field_of c pid)
new_pid() { p=$(field_of c pid); [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$old" ]; }
ctl restart c >/dev/null
wait_until 120 new_pid && wait_until 90 is_state c running
ok $? "ctl restart c: halted and running again with a new pid ($old -> $(field_of c pid))"

# a kill during a restart's halt ends the restart too
ctl restart c >/dev/null
ctl kill c >/dev/null
wait_until 30 is_state c stopped && sleep 4 && is_state c stopped && [ "$(field_of c pid)" = 0 ]
ok $? "ctl kill during a restart: c stays stopped ($(state_of c), pid $(field_of c pid))"

# ctl's own flags are not taken from a guest's text; --wait only where it means something
rc=0
ctl kill --wait c 2>"$T_DIR/wait.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--wait is for halt' "$T_DIR/wait.err"
ok $? "ctl kill --wait: a usage error, exit 2 ($rc: $(cat "$T_DIR/wait.err"))"
# (a second for busybox's shell, which reads the reply to its ESC[6n
# right after the first prompt, and would take typed bytes for it)
ctl start c >/dev/null && wait_until 90 is_state c running && sleep 1 &&
	ctl send c 'echo flag-$((40+2)) --json --wait' >/dev/null &&
	wait_until 30 grep -q 'flag-42 --json --wait' "$UMLTOP_STATE_DIR/c.console.log"
r=$?
ok $r "ctl send passes --json and --wait through to the guest"
[ $r -eq 0 ] || { tail -c 400 "$UMLTOP_STATE_DIR/c.console.log" | od -c | sed 's/^/# /'
	  grep -v '(ctl) gone' "$UMLTOP_STATE_DIR/server.log" | tail -20 | sed 's/^/# /'; }

# 6. halt --wait returns once the instance is down; halt-all runs every
#    instance's ladder at once, never one after another; all exit 0
ctl start a >/dev/null && wait_until 90 is_state a running
ctl halt --wait --timeout 300 a >/dev/null
r=$?
[ "$r" -eq 0 ] && is_state a stopped
ok $? "ctl halt --wait a returns ($r) once a has stopped ($(state_of a))"
ctl start a >/dev/null
all_running() { for n in a b c; do is_state "$n" running || return 1; done; }
wait_until 90 all_running || bail "a, b and c are not all running: $(ctl status)"
# states: the states of a, b and c, taken from one status
states() {
	ctl status --json >"$T_DIR/st.json" 2>/dev/null
	for n in a b c; do
		grep -F "\"name\":\"$n\"" "$T_DIR/st.json" | sed 's/.*"state":"\([a-z]*\)".*/\1/'
	done | tr '\n' ' '
}
# halt_seen: the first status in which any of them halts (or is down);
# one ladder after another would leave the others running in it
halt_seen() { seen=$(states); case " $seen" in *" halting "* | *" stopped "*) return 0 ;; esac; return 1; }
all_down_or_halting() { for _s in $seen; do [ "$_s" = halting ] || [ "$_s" = stopped ] || return 1; done; }
ctl halt-all --wait --timeout 300 >"$T_DIR/halt-all.out" 2>&1 &
halt_all=$!
track_pid "$halt_all"
wait_until 120 halt_seen
r=$?
# and the server log has every ladder's first rung before any instance stops
begun=$(awk '/ halt-all: / { h = 1; next }
	h && / [abc]: halt: ctrl-alt-del$/ { n++ }
	h && /: halting -> stopped$/ { exit }
	END { print n + 0 }' "$UMLTOP_STATE_DIR/server.log")
[ "$r" -eq 0 ] && all_down_or_halting && [ "$begun" -eq 3 ]
ok $? "halt-all: all three halting at once ($seen), all three ladders begun before any stopped ($begun)"
wait "$halt_all"
r=$?
st=$(states)
sed 's/^/# /' "$T_DIR/halt-all.out"
codes=$(ctl status --json | sed -n 's/.*"exit_code":\([-0-9]*\).*/\1/p' | tr '\n' ' ')
[ "$r" -eq 0 ] && [ "$st" = "stopped stopped stopped " ] && [ "$codes" = "0 0 0 " ]
ok $? "halt-all --wait returned ($r) with every UML stopped ($st), each with exit code 0 ($codes)"

stop_server
server_clean
t_done
