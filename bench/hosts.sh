#!/bin/sh
# The keystroke benchmark of issue 18 (Deliver 4, "Latency honesty"):
# keystroke to echo on screen, p50/p99, for one console three ways, all
# in one run, with bench/tui-bench's "keys" (the bench/tui.sh harness: the
# client in a pty of its own at 200x50, read cell by cell) and an instance
# whose KERNEL is bench/tui-echo, on a server of the bench's own:
#   (a) local      the TUI on this machine's server (`umltop -S SOCK`,
#                  Enter focuses the pane): the anchor
#   (b) ssh        the same TUI with the host over ssh (`umltop -H h`,
#                  h a line of a hosts file: ssh to 127.0.0.1, `umltop
#                  proxy` there, the same server and instance)
#   (c) tmux/ssh   tmux run remotely, `ssh -t ... 127.0.0.1 tmux -S SOCK
#                  new-session ... tui-echo`, through the same sshd
# and beside them `umltop attach echo` and `umltop attach h/echo` (the
# same pair without the TUI's grid), bare `ssh -t ... tui-echo` and
# tui-echo in the harness's pty itself: their difference is what ssh
# itself adds to a round trip, to hold (b) - (a) against.  (attach paints
# at most once per 16 ms, FRAME_MS in tui/cmd-attach.c, and the harness
# types a key 5 ms after the last echo: its figures show that frame.)
# The sshd is the tests' (tests/e2e/lib-ssh.sh, sourced): on 127.0.0.1, a
# free port, keys and config in the bench's own mktemp directory.  Rounds
# of KEYS keys take the ways in turn, so that load from elsewhere falls on
# all of them; the figures pool every key of every round.
#
# Usage: bench/hosts.sh [BUILDDIR]     (after `make && make bench`)
# KEYS (500) keys a round, ROUNDS (3); KEEP=1 keeps the work directory
# (each key's latency in keys.WAY.ROUND, "ms-since-the-first-key us").
# Everything it starts (sshd, the server and its echo instance, the remote
# tmux server) is stopped by pid at exit; nothing is looked up by name.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd) || exit 2
KEYS=${KEYS:-500}
ROUNDS=${ROUNDS:-3}
UMLTOP=$build/umltop
HARNESS=$build/bench/tui-bench
ECHO=$build/bench/tui-echo
for p in "$UMLTOP" "$HARNESS" "$ECHO"; do
	[ -x "$p" ] || { echo "bench/hosts.sh: $p missing (make && make bench)" >&2; exit 2; }
done
for p in tmux ssh ssh-keygen; do
	command -v "$p" >/dev/null || { echo "bench/hosts.sh: $p is needed" >&2; exit 2; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/hb.XXXXXX")
export UMLTOP_STATE_DIR="$W/state"
SOCK=$W/sock
RTMUX=$W/rtmux
PIDS=""
SERVER_PID=""

# What tests/e2e/lib-ssh.sh takes from lib.sh: its directory, pids to
# stop at exit, polling, giving up.
# shellcheck disable=SC2034 # read by lib-ssh.sh
T_DIR=$W
track_pid() { PIDS="$PIDS $1"; }
wait_until() {
	_end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}
bail() { echo "bench/hosts.sh: $*" >&2; exit 1; }
# shellcheck source=tests/e2e/lib-ssh.sh
. "$top/tests/e2e/lib-ssh.sh"

cleanup() {
	# the remote tmux server (a daemon once its session started), by the
	# pid it reported, if that pid is still it (with its last session gone
	# it has exited by itself, and the pid may be another's by now)
	[ -f "$W/rtmux.pids" ] && while read -r p; do
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -F "$RTMUX" && kill "$p"
	done <"$W/rtmux.pids"
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		# the echo instance's process group, by the pid the server reports
		for p in $(timeout 10 "$UMLTOP" ctl -S "$SOCK" status --json 2>/dev/null |
			sed -n 's/.*"pid":\([0-9]*\).*/\1/p'); do
			[ "$p" -gt 0 ] && kill -KILL "-$p" 2>/dev/null
		done
		kill "$SERVER_PID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.3; done
		kill -KILL "$SERVER_PID" 2>/dev/null
	fi
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "hosts: kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# pct FILE...: "COUNT P50_MS P99_MS" of the latencies (us, column 2)
pct() {
	cat "$@" 2>/dev/null | awk '{ print $2 }' | sort -n | awk '{ v[n++] = $1 }
		END { if (n) printf "%d %.3f %.3f\n", n, v[int(n / 2)] / 1000, v[int(n * 99 / 100)] / 1000
		      else print "0 - -" }'
}

# The server and its one instance, an echo "kernel" (ROOT: a file of its
# own, which tui-echo never opens).
mkdir -p "$W/conf"
: >"$W/echo.root"
printf 'KERNEL="%s"\nROOT="%s"\nHALT_TIMEOUT=1\n' "$ECHO" "$W/echo.root" >"$W/conf/echo.conf"
"$UMLTOP" server -S "$SOCK" -c "$W/conf" --foreground >"$W/server.out" 2>&1 &
SERVER_PID=$!
wait_until 10 test -S "$SOCK" || { cat "$W/server.out" >&2; bail "the server did not start"; }
# started (it stays "starting": it prints no prompt the server waits for)
wait_until 10 grep -q echo-ready "$UMLTOP_STATE_DIR/echo.console.log" 2>/dev/null ||
	bail "the echo instance did not start"

ssh_start
ssh_host h "$SOCK"
# shellcheck disable=SC2046 # ssh_opts is a list of words
set -- $(ssh_opts)
SSH_OPTS="$*"
# one login first: known_hosts filled, and a refusal said here, not as a timeout
# shellcheck disable=SC2086
ssh -T -oBatchMode=yes -oLogLevel=ERROR $SSH_OPTS 127.0.0.1 true </dev/null ||
	bail "ssh to our sshd failed (its log: $SSH_DIR/sshd.log)"

# way WAY ROUND: one round of KEYS keys; its "p50 p99" into $W/round.WAY.ROUND.
way() {
	_w=$1 _r=$2
	set --
	# shellcheck disable=SC2086 # SSH_OPTS is a list of words
	case $_w in
	local) set -- -k "$(printf '\r')" -- "$UMLTOP" -S "$SOCK" ;;
	ssh) set -- -k "$(printf '\r')" -- "$UMLTOP" -H h ;;
	attach) set -- -- "$UMLTOP" attach -S "$SOCK" echo ;;
	attach-ssh) set -- -- "$UMLTOP" attach h/echo ;;
	tmux-ssh) set -- -- ssh -t $SSH_OPTS 127.0.0.1 \
		"tmux -S '$RTMUX' -f /dev/null new-session -s r$_r '$ECHO' \\; set-option -g status off" ;;
	bare-ssh) set -- -- ssh -t $SSH_OPTS 127.0.0.1 "'$ECHO'" ;;
	pty) set -- -- "$ECHO" ;;
	esac
	TUI_BENCH_KEYS_LOG=$W/keys.$_w.$_r "$HARNESS" keys -r echo-ready -n "$KEYS" "$@" \
		>"$W/round.$_w.$_r" 2>>"$W/harness.err" || echo "$_w round $_r failed" >>"$W/harness.err"
	if [ "$_w" = tmux-ssh ]; then
		tmux -S "$RTMUX" display-message -p '#{pid}' >>"$W/rtmux.pids" 2>/dev/null
		tmux -S "$RTMUX" kill-session -t "r$_r" 2>/dev/null
	fi
}

WAYS="local ssh tmux-ssh attach attach-ssh bare-ssh pty"
echo "hosts: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start;" \
	"$(ssh -V 2>&1 | cut -d, -f1), $(tmux -V); $ROUNDS rounds of $KEYS keys each way"
t0=$(date +%s)
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for w in $WAYS; do way "$w" "$r"; done
	r=$((r + 1))
done

# each way pooled, "WAY COUNT P50 P99" a line; fig WAY p50|p99|n: one figure
for w in $WAYS; do echo "$w $(pct "$W"/keys."$w".*)"; done >"$W/figures"
fig() {
	awk -v w="$1" -v f="$2" '$1 == w { print (f == "n" ? $2 : f == "p50" ? $3 : $4) }' "$W/figures"
}
line() {
	_rounds=$(for f in "$W"/round."$1".*; do tr '\n' ' ' <"$f" | sed 's/ $//;s/ /\//'; echo; done |
		grep . | paste -sd, -)
	printf '  %-44s p50 %7s ms  p99 %7s ms  (%s keys; rounds p50/p99: %s)\n' \
		"$2" "$(fig "$1" p50)" "$(fig "$1" p99)" "$(fig "$1" n)" "${_rounds:-none}"
}
echo
line local "(a) local TUI (umltop -S SOCK)"
line ssh "(b) TUI through ssh (umltop -H h)"
line tmux-ssh "(c) tmux through ssh (ssh -t ... tmux)"
line attach "local attach (umltop attach echo)"
line attach-ssh "attach through ssh (umltop attach h/echo)"
line bare-ssh "bare ssh -t to tui-echo"
line pty "tui-echo in the harness's pty, no ssh"
echo
for q in p50 p99; do
	a=$(fig local $q) b=$(fig ssh $q) c=$(fig tmux-ssh $q)
	echo "  $q ratios: (b)/(a) $(ratio "$b" "$a"), (c)/(a) $(ratio "$c" "$a"), (b)/(c) $(ratio "$b" "$c");" \
		"attach: ssh/local $(ratio "$(fig attach-ssh $q)" "$(fig attach $q)");" \
		"(b) - (a) = $(minus "$b" "$a") ms against ssh's own $(minus "$(fig bare-ssh $q)" "$(fig pty $q)") ms" \
		"(bare ssh - pty)"
done
if [ -s "$W/harness.err" ]; then
	echo
	sort "$W/harness.err" | uniq -c | sed 's/^ */  harness: /' | head -n 8
fi
echo
echo "hosts: $(( $(date +%s) - t0 )) s of rounds; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
