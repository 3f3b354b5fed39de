#!/bin/sh
# The TUI benchmarks of issue 5, each beside tmux measured in the same run:
#   ingest   a 50 MB console stream shown by umltop in a 200x50 pty, versus
#            tmux showing `cat` of the same stream with a client attached
#   keys     keystroke to echo on screen, p50/p99 over 1000 keys, with an
#            instance whose KERNEL is bench/tui-echo, versus a tmux pane
#            running the same program; then the same pair with every
#            process on one CPU (taskset -c 0), a diagnosis of where
#            the time goes
#   idle     CPU of the server plus the TUI with 32 instances that print
#            nothing, over 20 s
#   keys-busy  keys while a second console floods, beside a tmux window
#            with the flood in a second pane (not run by default)
# Usage: bench/tui.sh [BUILDDIR] [ingest|keys|idle|keys-busy]...   (after `make bench`)
# KEYS_LOG=FILE (keys): every key's send time and latency in FILE.umltop
# and FILE.tmux, "ms-since-the-first-key us" per line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd) || exit 2
[ $# -gt 0 ] && shift
what=${*:-ingest keys idle}
UMLTOP=$build/umltop
HARNESS=$build/bench/tui-bench
ECHO=$build/bench/tui-echo
for p in "$UMLTOP" "$HARNESS" "$ECHO"; do
	[ -x "$p" ] || { echo "bench/tui.sh: $p missing (make && make bench)" >&2; exit 2; }
done
command -v tmux >/dev/null || { echo "bench/tui.sh: tmux is needed for the anchor" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/tb.XXXXXX")
export UMLTOP_STATE_DIR=$W/state
SERVERS=""
cleanup() {
	tmux -S "$W/tmux" kill-server 2>/dev/null
	for s in $SERVERS; do
		sock=${s%%:*} pid=${s##*:}
		for n in $("$UMLTOP" ctl -S "$sock" status --json 2>/dev/null |
			sed -n 's/.*"name":"\([^"]*\)".*/\1/p'); do
			"$UMLTOP" ctl -S "$sock" kill "$n" >/dev/null 2>&1
		done
		"$UMLTOP" ctl -S "$sock" shutdown >/dev/null 2>&1
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		kill "$pid" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# server NAME: a server of our own on $W/NAME.sock with config $W/NAME/.
server() {
	"$UMLTOP" server -S "$W/$1.sock" -c "$W/$1" --foreground >"$W/$1.log" 2>&1 &
	SERVERS="$SERVERS $W/$1.sock:$!"
	LAST_SERVER=$!
	for _ in $(seq 50); do [ -S "$W/$1.sock" ] && return 0; sleep 0.1; done
	echo "bench/tui.sh: the server did not start:" >&2
	cat "$W/$1.log" >&2
	exit 1
}
# instance DIR NAME KERNEL: ROOT is an empty file of its own (the
# config wants one per instance; these kernels never open it).
instance() {
	mkdir -p "$1"
	: >"$1/$2.root"
	printf 'KERNEL="%s"\nROOT="%s"\nHALT_TIMEOUT=1\n' "$3" "$1/$2.root" >"$1/$2.conf"
}
tmux_session() { tmux -S "$W/tmux" -f /dev/null new-session -d -s "$1" -x 200 -y 50 "$2" &&
	tmux -S "$W/tmux" set-option -g status off >/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

bench_ingest() {
	mb=50
	awk -v n=$((mb * 1024 * 1024 / 100)) 'BEGIN {
		for (i = 0; i < n; i++)
			printf "\033[3%dmline %07d\033[0m the quick brown fox jumps over the lazy dog %08d abcdefghijklmnopqrs\n", i % 8, i, i * 7
	}' >"$W/stream"
	size=$(stat -c %s "$W/stream")
	for who in umltop tmux; do
		cat >"$W/stream-$who.sh" <<-EOF
		#!/bin/sh
		printf 'wait-trigger-$who\r\n'
		while [ ! -e "$W/trigger-$who" ]; do sleep 0.01; done
		cat "$W/stream"
		printf '\033[2J\033[HZq7-bench-done-Xv\r\n'
		exec sleep 100000
		EOF
		chmod +x "$W/stream-$who.sh"
	done
	instance "$W/ingest" stream "$W/stream-umltop.sh"
	server ingest
	t_u=$("$HARNESS" ingest -r wait-trigger-umltop -t "$W/trigger-umltop" \
		-m Zq7-bench-done-Xv -- "$UMLTOP" -S "$W/ingest.sock") || return 1
	tmux_session ingest "$W/stream-tmux.sh"
	t_t=$("$HARNESS" ingest -r wait-trigger-tmux -t "$W/trigger-tmux" \
		-m Zq7-bench-done-Xv -- tmux -S "$W/tmux" attach -t ingest) || return 1
	mbs_u=$(awk -v s="$size" -v t="$t_u" 'BEGIN { printf "%.1f", s / 1048576 / t }')
	mbs_t=$(awk -v s="$size" -v t="$t_t" 'BEGIN { printf "%.1f", s / 1048576 / t }')
	# The ceiling: the same stream through a pty whose reader only throws
	# it away (script(1) copying to /dev/null), no emulator at all.
	t0=$(date +%s%N)
	script -q -c "cat '$W/stream'" /dev/null >/dev/null
	t_p=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	mbs_p=$(awk -v s="$size" -v t="$t_p" 'BEGIN { printf "%.1f", s / 1048576 / t }')
	echo "ingest: $((size / 1048576)) MB at 200x50: umltop ${t_u} s = $mbs_u MB/s," \
		"tmux ${t_t} s = $mbs_t MB/s, ratio $(ratio "$mbs_u" "$mbs_t")x (target >= 1.5x);" \
		"bare pty ${t_p} s = $mbs_p MB/s (umltop at $(ratio "$mbs_u" "$mbs_p"), tmux at $(ratio "$mbs_t" "$mbs_p") of it)"
}

bench_keys() {
	n=${KEYS:-1000}
	instance "$W/keys" echo "$ECHO"
	server keys
	# Enter focuses the pane; then every key goes to the echo program.
	r_u=$(TUI_BENCH_KEYS_LOG=${KEYS_LOG:+$KEYS_LOG.umltop} \
		"$HARNESS" keys -r echo-ready -k "$(printf '\r')" -n "$n" -- \
		"$UMLTOP" -S "$W/keys.sock") || return 1
	tmux_session keys "$ECHO"
	r_t=$(TUI_BENCH_KEYS_LOG=${KEYS_LOG:+$KEYS_LOG.tmux} \
		"$HARNESS" keys -r echo-ready -n "$n" -- tmux -S "$W/tmux" attach -t keys) || return 1
	set -- $r_u $r_t
	if [ -n "${KEYS_LABEL:-}" ]; then label=$KEYS_LABEL target="a diagnosis, no target"
	else label=keys target="target <= 1"; fi
	echo "$label: $n keystrokes to echo: umltop p50 $1 ms p99 $2 ms," \
		"tmux p50 $3 ms p99 $4 ms; p99 ratio $(ratio "$2" "$4") ($target)"
	# The same pair again with every process on one CPU, where a wake-up
	# needs no other CPU woken: the per-key work alone.  The gap between
	# this line and the one above is what the hops between CPUs cost.
	cpu=$(awk '/^Cpus_allowed_list:/ { split($2, a, "[,-]"); print a[1] }' /proc/self/status)
	if [ -z "${KEYS_LABEL:-}" ] && [ "$(nproc)" -gt 1 ] && [ -n "$cpu" ] &&
		command -v taskset >/dev/null; then
		KEYS_LABEL="keys, all on CPU $cpu" KEYS_LOG=${KEYS_LOG:+$KEYS_LOG.cpu$cpu} \
			taskset -c "$cpu" sh "$0" "$build" keys || echo "keys on CPU $cpu: failed"
	fi
	return 0
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# keys-busy: the same, while a second console floods (yes(1) of a
# coloured line); tmux with the flood in a second pane of the window.
bench_keys_busy() {
	n=${KEYS:-300}
	printf '#!/bin/sh\nexec yes "$(printf "\\033[32mflood\\033[0m a build log line scrolling by, about so long")"\n' >"$W/flood.sh"
	chmod +x "$W/flood.sh"
	instance "$W/busy" a-echo "$ECHO"
	instance "$W/busy" b-flood "$W/flood.sh"
	server busy
	r_u=$("$HARNESS" keys -r echo-ready -k "$(printf '\r')" -n "$n" -- \
		"$UMLTOP" -S "$W/busy.sock") || return 1
	"$UMLTOP" ctl -S "$W/busy.sock" kill b-flood >/dev/null # tmux gets the CPUs to itself
	tmux_session busy "$W/flood.sh"
	tmux -S "$W/tmux" split-window -b -t busy "$ECHO" # above: keys checks the top rows
	r_t=$("$HARNESS" keys -r echo-ready -n "$n" -- tmux -S "$W/tmux" attach -t busy) || return 1
	set -- $r_u $r_t
	echo "keys-busy: $n keystrokes to echo beside a flooding console: umltop p50 $1 ms p99 $2 ms," \
		"tmux p50 $3 ms p99 $4 ms; p99 ratio $(ratio "$2" "$4")"
}

bench_idle() {
	printf '#!/bin/sh\nexec sleep 100000\n' >"$W/quiet.sh"
	chmod +x "$W/quiet.sh"
	for i in $(seq -w 1 32); do instance "$W/idle" "q$i" "$W/quiet.sh"; done
	server idle
	spid=$LAST_SERVER
	"$HARNESS" hold -d 30 -- "$UMLTOP" -S "$W/idle.sock" >"$W/hold.pid" &
	hold=$!
	sleep 6 # every instance started, the TUI subscribed and painted
	tpid=$(cat "$W/hold.pid")
	s0=$(ticks "$spid") u0=$(ticks "$tpid")
	sleep 20
	s1=$(ticks "$spid") u1=$(ticks "$tpid")
	hz=$(getconf CLK_TCK)
	awk -v s=$((s1 - s0)) -v u=$((u1 - u0)) -v hz="$hz" 'BEGIN {
		printf "idle: 32 quiet instances, 20 s: server %.2f %%, TUI %.2f %%, together %.2f %% of one core (target < 0.5 %%)\n",
			100 * s / hz / 20, 100 * u / hz / 20, 100 * (s + u) / hz / 20 }'
	wait "$hold"
}

for b in $what; do
	"bench_$(echo "$b" | tr - _)" || echo "$b: failed (see $W while it runs)"
done
