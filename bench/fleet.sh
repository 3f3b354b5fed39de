#!/bin/sh
# The fleet benchmark of issue 17: real UMLs (the busybox image the
# end-to-end tests boot, tests/fixtures/build-image.sh) under one server
# of our own, with the TUI (`umltop`) running in a detached tmux session
# of ours at 200x50 the whole time.  For each N:
#   boot     time from the first `ctl start` until all N are `running`
#            (polling `ctl status --json`); the server's READY pattern,
#            i.e. a shell prompt on the console, unless a line says
#            "assumed up" (its 60 s READY timeout)
#   rss      the server's VmRSS once the fleet has settled
#   idle     CPU of the server and of the TUI over IDLE_S (20) s once the
#            fleet has settled (utime+stime in /proc/PID/stat), and what
#            the guests took meanwhile (the sum of their cpu_percent)
#   keys     keystroke to echo, p50/p99, with bench/tui-bench's "keys"
#            (the bench/tui.sh harness): one more instance, "a-echo", whose
#            KERNEL is bench/tui-echo, focused in a second TUI client that
#            the harness runs in a pty of its own at 200x50 and reads
#            cell by cell; rounds of KEYS_ROUND keys, from before the first
#            `ctl start` until all N are running (every key of a round
#            that began while the fleet booted is counted); then one
#            round with the fleet idle, the anchor
#   halt     `ctl halt --wait` of one instance, its restart, then
#            `ctl halt-all --wait` of the whole fleet
# Each figure is printed beside the first N's per-instance figure, and the
# issue's targets (stated for N = 64) beside it.
#
# Usage: bench/fleet.sh [BUILDDIR] [N...]     (default 16 32 64; after
#        `make && make bench`)
# MEMORY=SIZE (default 48M: at 32M, 3 of 112 boots here panicked, "System is
# deadlocked on memory" twice and "Segfault with no mm" once) per UML; IDLE_S, SETTLE_S (10), KEYS_ROUND (200);
# BOOT_NICE=N in umltop.conf when set (BOOT_NICE=0: booting guests not niced);
# BOOT_MAX=N in umltop.conf when set (0: every guest boots at once);
# KEEP=1 keeps the work directory (server logs, keys.N: each key's time and latency).
# Everything it starts is stopped by pid at exit (process groups of the
# UMLs, the servers, its own tmux server); nothing is looked up by name.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd) || exit 2
[ $# -gt 0 ] && shift
sizes=${*:-16 32 64}
MEMORY=${MEMORY:-48M}
IDLE_S=${IDLE_S:-20}
SETTLE_S=${SETTLE_S:-10}
KEYS_ROUND=${KEYS_ROUND:-200}
UMLTOP=$build/umltop
HARNESS=$build/bench/tui-bench
ECHO=$build/bench/tui-echo
IMAGES=$build/tests/fixtures/images
for p in "$UMLTOP" "$HARNESS" "$ECHO"; do
	[ -x "$p" ] || { echo "bench/fleet.sh: $p missing (make && make bench)" >&2; exit 2; }
done
command -v tmux >/dev/null || { echo "bench/fleet.sh: tmux is needed for the TUI" >&2; exit 2; }
"$top/tests/fixtures/build-image.sh" "$IMAGES" || exit 2

W=$(mktemp -d "${TMPDIR:-/tmp}/fb.XXXXXX")
SERVERS=""
cleanup() {
	[ -n "${KEYS_PID:-}" ] && kill "$KEYS_PID" 2>/dev/null
	tmux -S "$W/tmux" kill-server 2>/dev/null
	for s in $SERVERS; do
		sock=${s%%:*} pid=${s##*:}
		kill -0 "$pid" 2>/dev/null || continue
		# every instance's process group, by the pid the server reports
		for p in $(timeout 10 "$UMLTOP" ctl -S "$sock" status --json 2>/dev/null |
			sed -n 's/.*"pid":\([0-9]*\).*/\1/p'); do
			[ "$p" -gt 0 ] && kill -KILL "-$p" 2>/dev/null
		done
		kill "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "fleet: kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
per() { awk -v a="$1" -v n="$2" -v f="${3:-%.3f}" 'BEGIN { printf f, a / n }'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# met VALUE OP LIMIT: "met" or "MISSED"
met() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
	ok = (op == "<" ? v < l : v <= l); print (ok ? "met" : "MISSED") }'; }
# busy: the host's busy and total jiffies, all CPUs
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# pct FILE...: "COUNT P50_MS P99_MS" of the latencies (us, column 2) in FILEs
pct() {
	cat "$@" 2>/dev/null | awk '{ print $2 }' | sort -n | awk '{ v[n++] = $1 }
		END { if (n) printf "%d %.3f %.3f %.3f\n", n, v[int(n / 2)] / 1000, v[int(n * 99 / 100)] / 1000, v[n - 1] / 1000
		      else print "0 - - -" }'
}
# the processes still alive whose command line names our directory
ours() {
	for d in /proc/[0-9]*; do
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q -F "$W/" && echo "${d#/proc/}"
	done
}

hz=$(getconf CLK_TCK)
lay_cols=$(sed -n 's/^#define TUI_MIN_COLS \([0-9]*\).*/\1/p' "$top/tui/tui-int.h")
lay_rows=$(sed -n 's/^#define TUI_MIN_ROWS \([0-9]*\).*/\1/p' "$top/tui/tui-int.h")
echo "fleet: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start;" \
	"MEMORY=$MEMORY per UML, BOOT_MAX=${BOOT_MAX:-default} BOOT_NICE=${BOOT_NICE:-default}, $(uname -r), kernel ${UML_KERNEL:-/usr/bin/linux.uml}"
echo "fleet: before: $(pgrep -c -f 'umid=') UML processes on the host (any owner: command lines with umid=)"
tmux -S "$W/tmux" -f /dev/null new-session -d -s keep -x 80 -y 24 "exec sleep 100000" &&
	tmux -S "$W/tmux" set-option -g status off >/dev/null || exit 1

RESULTS=$W/results
first=""
for n in $sizes; do
	D=$W/n$n
	mkdir -m 700 "$D" && mkdir -p "$D/conf" "$D/uml" || exit 1
	UMLTOP_STATE_DIR="$D/state"; export UMLTOP_STATE_DIR
	names=$(seq -f 'u%03g' 1 "$n")
	# shellcheck disable=SC2086
	"$top/tests/fixtures/make-fleet.sh" "$IMAGES" "$D/uml" $names || exit 1
	for u in $names; do
		printf 'UMLDIR="%s"\nMEMORY="%s"\nAUTOSTART=no\n' "$D/uml" "$MEMORY" >"$D/conf/$u.conf"
	done
	# BOOT_NICE=N (unset: the server's default) for every instance
	[ -n "${BOOT_NICE:-}" ] && printf 'BOOT_NICE=%s\n' "$BOOT_NICE" >>"$D/conf/umltop.conf"
	# BOOT_MAX=N (unset: the server's default, 3 a CPU) for the server
	[ -n "${BOOT_MAX:-}" ] && printf 'BOOT_MAX=%s\n' "$BOOT_MAX" >>"$D/conf/umltop.conf"
	: >"$D/echo.root"
	# The echo instance stands for a guest that is up, but it never is
	# "running" by the server's test (no mconsole: it stays "starting"
	# until READY's 60 s timeout), so BOOT_NICE must not lower it.
	printf 'KERNEL="%s"\nROOT="%s"\nHALT_TIMEOUT=1\nAUTOSTART=yes\nBOOT_NICE=0\n' "$ECHO" \
		"$D/echo.root" >"$D/conf/a-echo.conf"
	sock=$D/sock
	# In a session of its own, as the daemon it is in use (`umltop server`
	# without --foreground does setsid): with autogroups each session is a
	# scheduling group, and in this script's the server would share one
	# group's CPU with the 64 `ctl start` at once and every poll.  (setsid
	# execs the server: this shell's background job leads no group.)
	setsid "$UMLTOP" server -S "$sock" -c "$D/conf" --foreground >"$D/server.out" 2>&1 &
	spid=$!
	SERVERS="$SERVERS $sock:$spid"
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || { echo "fleet: the server did not start:" >&2; cat "$D/server.out" >&2; exit 1; }
	[ "$(cat "/proc/$spid/comm" 2>/dev/null)" = umltop ] ||
		echo "fleet: pid $spid runs $(cat "/proc/$spid/comm" 2>/dev/null), not the server" >&2
	ctl() { "$UMLTOP" ctl -S "$sock" "$@"; }

	# The TUI a person would watch, for the whole run of this N.
	tmux -S "$W/tmux" new-session -d -s "n$n" -x 200 -y 50 "exec '$UMLTOP' -S '$sock'"
	tpid=$(tmux -S "$W/tmux" display-message -p -t "n$n" '#{pane_pid}')
	[ "$(cat "/proc/$tpid/comm" 2>/dev/null)" = umltop ] ||
		echo "fleet: the TUI's pane runs $(cat "/proc/$tpid/comm" 2>/dev/null), not umltop" >&2

	# Keys: rounds of the harness until the fleet is up ($D/up).
	(
		i=0
		while [ ! -e "$D/up" ]; do
			i=$((i + 1))
			TUI_BENCH_KEYS_LOG=$D/keys.$i "$HARNESS" keys -r echo-ready -k "$(printf '\r')" \
				-n "$KEYS_ROUND" -- "$UMLTOP" -S "$sock" >/dev/null 2>>"$D/keys.err" ||
				echo "round $i failed" >>"$D/keys.err"
		done
	) &
	KEYS_PID=$!
	# the fleet starts once the first key has come back (the raw console
	# log grows past "echo-ready")
	log=$D/state/a-echo.console.log
	for _ in $(seq 300); do
		[ "$(stat -c %s "$log" 2>/dev/null || echo 0)" -gt 14 ] && break
		sleep 0.1
	done

	# one `ctl start` each, all at once (one after another, each waits
	# for a CPU among the booting guests: 13.5 s to issue 64 here)
	# shellcheck disable=SC2046
	set -- $(busy)
	b0=$1 j0=$2 bs0=$(ticks "$spid") bt0=$(ticks "$tpid")
	t0=$(now_ms)
	starts=""
	for u in $names; do
		{ ctl start "$u" >/dev/null || echo "fleet: ctl start $u failed" >&2; } &
		starts="$starts $!"
	done
	# shellcheck disable=SC2086
	wait $starts
	t_issued=$(now_ms)
	up=0 bad=0
	while :; do
		ctl status --json >"$D/status.json" 2>/dev/null
		up=$(grep '"name":"u' "$D/status.json" | grep -c '"state":"running"')
		# (a start queued for a boot slot is "stopped" until it goes)
		bad=$(grep '"name":"u' "$D/status.json" | grep -v '"reason":"start queued' |
			grep -c '"state":"\(crashed\|failed\|stopped\|unresponsive\)"')
		[ "$up" -ge "$n" ] && break
		[ $(( $(now_ms) - t0 )) -gt 600000 ] && break
		[ "$bad" -gt 0 ] && [ $((up + bad)) -ge "$n" ] && break
		sleep 0.2
	done
	t_up=$(now_ms)
	bs1=$(ticks "$spid") bt1=$(ticks "$tpid")
	# shellcheck disable=SC2046
	set -- $(busy)
	b1=$1 j1=$2
	: >"$D/up"
	wait "$KEYS_PID"
	KEYS_PID=""
	boot=$(secs "$t0" "$t_up")
	# while booting: the host's CPUs busy, and the server's and TUI's share
	bootcpu=$(awk -v b=$((b1 - b0)) -v j=$((j1 - j0)) -v s=$((bs1 - bs0)) -v t=$((bt1 - bt0)) \
		-v hz="$hz" -v ms=$((t_up - t0)) -v c="$(nproc)" 'BEGIN {
		printf "the host'"'"'s %d CPUs %.0f %% busy; the server %.1f %% of one core, the TUI %.1f %%",
			c, 100 * b / (j > 0 ? j : 1), 100 * s / hz / (ms / 1000), 100 * t / hz / (ms / 1000) }')
	# a key that never echoed (the harness gives up after 30 s) counts as 30 s
	grep -h 'never echoed' "$D/keys.err" 2>/dev/null | sed 's/.*/x 30000000/' >"$D/keys.0"
	assumed=$(grep '"name":"u' "$D/status.json" | grep -c 'assumed up')
	# shellcheck disable=SC2046
	set -- $(pct "$D"/keys.[0-9]*)
	k_n=$1 k50=$2 k99=$3 kmax=$4
	k_rounds=$(($(ls "$D"/keys.[0-9]* 2>/dev/null | wc -l) - 1))
	k_fail=$(cat "$D/keys.err" 2>/dev/null | grep -c failed)

	# The TUI with N+1 instances: what its header says (pages).
	page=$(tmux -S "$W/tmux" capture-pane -p -t "n$n" | head -n 1 | grep -o 'page [0-9]*/[0-9]*')

	# Settle: the echo instance goes, the fleet sits at its prompts.
	ctl kill a-echo >/dev/null
	sleep "$SETTLE_S"
	rss=$(rss_kb "$spid")
	s0=$(ticks "$spid") u0=$(ticks "$tpid")
	sleep "$IDLE_S"
	s1=$(ticks "$spid") u1=$(ticks "$tpid")
	ctl status --json >"$D/idle.json" 2>/dev/null
	guests=$(sed -n 's/.*"name":"u.*"cpu_percent":\([0-9.]*\).*/\1/p' "$D/idle.json" |
		awk '{ s += $1 } END { printf "%.1f", s }')
	srv=$(awk -v t=$((s1 - s0)) -v hz="$hz" -v d="$IDLE_S" 'BEGIN { printf "%.2f", 100 * t / hz / d }')
	tui=$(awk -v t=$((u1 - u0)) -v hz="$hz" -v d="$IDLE_S" 'BEGIN { printf "%.2f", 100 * t / hz / d }')

	# The anchor for the keys: one round with the fleet idle (a-echo again).
	ctl start a-echo >/dev/null
	"$HARNESS" keys -r echo-ready -k "$(printf '\r')" -n "$KEYS_ROUND" -- "$UMLTOP" -S "$sock" \
		>"$D/keys-idle" 2>>"$D/keys.err" || echo "- -" >"$D/keys-idle"
	read -r i50 i99 <"$D/keys-idle"
	ctl kill a-echo >/dev/null

	# Halt: one instance, its restart, then the whole fleet.
	h0=$(now_ms)
	ctl halt --wait u001 >/dev/null || echo "fleet: halt of u001 failed" >&2
	h1=$(now_ms)
	ctl start u001 >/dev/null
	ctl wait u001 running >/dev/null || echo "fleet: u001 did not come back" >&2
	h2=$(now_ms)
	ctl halt-all --wait --timeout 900 >/dev/null || echo "fleet: halt-all --wait failed" >&2
	h3=$(now_ms)
	halt1=$(secs "$h0" "$h1")
	haltall=$(secs "$h2" "$h3")
	left=$(ctl status --json 2>/dev/null | grep '"name":"u' | grep -vc '"state":"stopped"')
	unclean=$(ctl status --json 2>/dev/null | grep '"name":"u' | grep -c 'SIGKILL\|killed')

	ctl shutdown >/dev/null 2>&1
	for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
	tmux -S "$W/tmux" kill-session -t "n$n" 2>/dev/null

	echo "$n $boot $rss $srv $tui $k50 $k99 $halt1 $haltall $guests $k_n $i50 $i99 $up" >>"$RESULTS"
	if [ -z "$first" ]; then
		first=$n f_boot=$boot f_rss=$rss f_srv=$srv f_tui=$tui f_ph=$(ratio "$haltall" "$halt1")
	fi
	pb=$(per "$boot" "$n") pr=$(per "$rss" "$n" %.0f) ps=$(per "$srv" "$n" %.4f) pt=$(per "$tui" "$n" %.4f)
	ph=$(ratio "$haltall" "$halt1")
	echo
	echo "N=$n ($n UMLs at $MEMORY; the TUI shows $((n + 1)) panes at 200x50 while the fleet boots: ${page:-one page})"
	if [ "$up" -ge "$n" ]; then
		echo "  boot:  all $n running in $boot s ($pb s per instance; N=$first: $(per "$f_boot" "$first") s)," \
			"the $n ctl start done in $(secs "$t0" "$t_issued") s; target at N=64: <= 60 s: $(met "$boot" '<=' 60)"
	else
		echo "  boot:  NOT all running: $up of $n running, $bad crashed/failed/stopped (below), after $boot s" \
			"($pb s per instance; N=$first: $(per "$f_boot" "$first") s); the $n ctl start done in" \
			"$(secs "$t0" "$t_issued") s; target at N=64: all within 60 s: MISSED"
	fi
	echo "  boot:  meanwhile $bootcpu"
	[ "$assumed" -gt 0 ] && echo "  boot:  $assumed of them were 'assumed up' (no prompt within the server's 60 s READY timeout)"
	echo "  rss:   server $((rss / 1024)) MB ($pr kB per instance; N=$first: $(per "$f_rss" "$first" %.0f) kB);" \
		"target at N=64: < 200 MB: $(met "$rss" '<' 204800)"
	echo "  idle:  ${IDLE_S} s after ${SETTLE_S} s settling: server $srv % of one core ($ps % per instance;" \
		"N=$first: $(per "$f_srv" "$first" %.4f) %), target at N=64: < 1 %: $(met "$srv" '<' 1);" \
		"TUI $tui % ($pt % per instance; N=$first: $(per "$f_tui" "$first" %.4f) %);" \
		"the guests $guests % in all (their cpu_percent in ctl status at the end)"
	echo "  keys:  $k_n keystrokes to echo in a-echo while the fleet booted ($k_rounds round(s) of $KEYS_ROUND$([ "$k_fail" -gt 0 ] && echo ", $k_fail failed"))" \
		"p50 $k50 ms p99 $k99 ms max $kmax ms; target < 20 ms: $(met "${k99:-999}" '<' 20);" \
		"with the fleet idle, $KEYS_ROUND keys: p50 $i50 ms p99 $i99 ms"
	[ "$k_fail" -gt 0 ] && sort "$D/keys.err" | uniq -c | sed 's/^ */    harness: /' | head -n 5
	[ -s "$D/keys.0" ] && echo "    (each key that never echoed is in the percentiles as 30 s, a lower bound)"
	echo "  halt:  one instance ${halt1} s; halt-all of $n ${haltall} s = ${ph}x one (N=$first: ${f_ph}x);" \
		"target < 2x: $(met "$ph" '<' 2); not stopped after it: $left; ended by SIGKILL: $unclean"
	if [ "$up" -lt "$n" ]; then
		grep '"name":"u' "$D/status.json" | grep -v '"state":"running"' |
			sed 's/.*"name":"\([^"]*\)".*"state":"\([a-z]*\)".*"reason":"\([^"]*\)".*/    \1 \2: \3/' | head -n 5
	fi
	rm -rf "$D/uml"  # the images; KEEP=1 keeps the rest (logs, key timings)
done

echo
echo "| N | all running | per inst. | server RSS | per inst. | server idle CPU | TUI idle CPU | guests idle CPU | keys p50 / p99 while booting (keys) | keys p50 / p99 idle | one halt | halt-all | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
while read -r n boot rss srv tui k50 k99 halt1 haltall guests k_n i50 i99 up; do
	[ "$up" -lt "$n" ] && up=" ($up up)" || up=""
	echo "| $n | $boot s$up | $(per "$boot" "$n" %.2f) s | $((rss / 1024)) MB | $(per "$rss" "$n" %.0f) kB |" \
		"$srv % | $tui % | $guests % | $k50 / $k99 ms ($k_n) | $i50 / $i99 ms | $halt1 s | $haltall s | $(ratio "$haltall" "$halt1")x |"
done <"$RESULTS"
echo
echo "The TUI with many instances: panes paginate, they do not shrink below ${lay_cols}x${lay_rows}" \
	"(tui/tui-layout.c): at 200x50 at most $(( 201 / (lay_cols + 1) )) x $(( 48 / (lay_rows + 1) ))" \
	"= $(( (201 / (lay_cols + 1)) * (48 / (lay_rows + 1)) )) panes a page, the rest on further pages (']' and '[' turn them; Tab selects across pages)."
echo "fleet: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
tmux -S "$W/tmux" kill-server 2>/dev/null
sleep 1
left=$(ours | wc -l)
echo "fleet: after: $left processes of this run left (command lines naming $W/), $(pgrep -c -f 'umid=') UML processes on the host (any owner)"
