# Sourced by every end-to-end test: TAP output, a private scratch directory,
# the fixture image, and cleanup of every process the test started, by pid.
#
# A test calls `plan N`, then `ok COND-STATUS "description"` (or `pass`,
# `fail`), and registers what it starts with `track_pid PID` or
# `track_group PGID`.  Everything tracked is killed on exit.
set -u

: "${top_srcdir:?run through make check (top_srcdir unset)}"
: "${top_builddir:?run through make check (top_builddir unset)}"
UMLTOP=${UMLTOP_BIN:-$top_builddir/umltop}
UML_KERNEL=${UML_KERNEL:-/usr/bin/linux.uml}
# Set but empty (UMLTOP_XSTATE_SHIM=) means no shim, as for the server.
UMLTOP_XSTATE_SHIM=${UMLTOP_XSTATE_SHIM-$top_builddir/.libs/umltop-xstate.so}
export UMLTOP_XSTATE_SHIM
IMAGES=$top_builddir/tests/fixtures/images
# For tests that write frames by hand: the HELLO's version.
PROTO_VERSION=$(sed -n 's/^#define PROTO_VERSION \([0-9]*\).*/\1/p' "$top_srcdir/proto/proto.h")

T_NUM=0
T_FAILED=0
T_PIDS=""
T_GROUPS=""

plan() { echo "1..$1"; }
diag() { printf '# %s\n' "$*"; }
pass() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $*"; }
fail() { T_NUM=$((T_NUM + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_NUM - $*"; }
# ok STATUS DESCRIPTION: pass when STATUS is 0
ok() { if [ "$1" -eq 0 ]; then shift; pass "$@"; else shift; fail "$@"; fi; }
# bail: stop the whole test file (TAP "Bail out!" counts as an error)
bail() {
	# What the server knew, and the end of every log it kept, so that a
	# bail-out on another machine explains itself.
	if [ -n "${SOCK:-}" ] && [ -S "$SOCK" ]; then
		diag "status at bail-out:"
		timeout 10 "$UMLTOP" ctl -S "$SOCK" status 2>&1 | sed 's/^/#   /'
	fi
	if [ -n "${UMLTOP_STATE_DIR:-}" ] && [ -d "$UMLTOP_STATE_DIR" ]; then
		find "$UMLTOP_STATE_DIR" -name '*.log' -type f 2>/dev/null | while read -r _f; do
			diag "the end of $_f:"
			tail -n 25 "$_f" | tr -cd '\11\12\40-\176' | sed 's/^/#   /'
		done
	fi
	echo "Bail out! $*"
	exit 1
}

track_pid() { T_PIDS="$T_PIDS $1"; }
track_group() { T_GROUPS="$T_GROUPS $1"; }

t_cleanup() {
	# A server of ours still up (a test that bailed out) leaves its
	# instances running when it is killed: their process groups too, by
	# the pids it reports.
	if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		for _p in $(timeout 10 "$UMLTOP" ctl -S "$SOCK" status --json 2>/dev/null |
			sed -n 's/.*"pid":\([0-9]*\).*/\1/p'); do
			[ "$_p" -gt 0 ] && T_GROUPS="$T_GROUPS $_p"
		done
	fi
	# (not `kill -KILL -- -PGID`: dash's kill takes "--" for a pid, and
	# kills nothing)
	for g in $T_GROUPS; do kill -KILL "-$g" 2>/dev/null; done
	for p in $T_PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${T_NETNS:-}" ]; then ip netns del "$T_NETNS" 2>/dev/null; fi
	if [ -n "${T_DIR:-}" ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T_DIR"; fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# A scratch directory of our own; short, because unix socket paths are
# limited to 107 bytes.
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ut.XXXXXX")

# The kernel must exist: a test that cannot find it fails, it does not skip.
need_kernel() {
	[ -x "$UML_KERNEL" ] || bail "UML kernel $UML_KERNEL not found (apt-get install user-mode-linux)"
}

# Build (or reuse) the fixture image.
need_image() {
	need_kernel
	"$top_srcdir/tests/fixtures/build-image.sh" "$IMAGES" || bail "cannot build the fixture image"
}

# make_fleet UMLDIR NAME...: per-instance copies of the image.
make_fleet() {
	need_image
	"$top_srcdir/tests/fixtures/make-fleet.sh" "$IMAGES" "$@" || bail "cannot lay out instances"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
# SECONDS only stops a hung test: it is never a claim about the machine's
# speed, so make it generous (several times the slowest run seen, ASan
# builds and loaded hosts included).
wait_until() {
	_limit=$1
	shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	while ! "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -lt "$_end" ] || return 1
		sleep 0.1
	done
}

# boot_uml NAME UMLDIR [ARGS...]: boot UMLDIR/NAME without the server, via
# tests/fixtures/uml-boot.  Sets BOOT_DIR (log, console FIFO "in", pid).
# The UML's uml_dir is $T_DIR/run, so its mconsole is $T_DIR/run/NAME/mconsole.
boot_uml() {
	_name=$1 _umldir=$2
	shift 2
	BOOT_DIR=$T_DIR/boot-$_name
	mkdir -p "$BOOT_DIR" "$T_DIR/run"
	mkfifo "$BOOT_DIR/in"
	"$top_builddir/tests/fixtures/uml-boot" -l "$BOOT_DIR/console.log" \
		-i "$BOOT_DIR/in" -p "$BOOT_DIR/pid" -- \
		"$_umldir/$_name/linux" "umid=$_name" "uml_dir=$T_DIR/run" mem=64M \
		"ubd0=$_umldir/$_name/root.loop" "ubd1=$_umldir/$_name/swap.loop" \
		root=/dev/ubda con0=fd:0,fd:1 con=null ssl=null "$@" &
	_boot=$!
	track_pid "$_boot"
	wait_until 30 test -s "$BOOT_DIR/pid" || bail "uml-boot did not start $_name"
	track_group "$(cat "$BOOT_DIR/pid")"
	echo "$_boot" >"$BOOT_DIR/boot.pid"
}

# console_has NAME TEXT: the booted UML's console log contains TEXT.
console_has() { grep -q -F -- "$2" "$T_DIR/boot-$1/console.log" 2>/dev/null; }

# type_into NAME TEXT: type TEXT and Enter at the booted UML's console.
type_into() { printf '%s\r' "$2" >"$T_DIR/boot-$1/in"; }

# A shell prompt after init: busybox's "/ # ".
wait_prompt() { wait_until "${2:-90}" console_has "$1" '/ # '; }

t_done() { [ "$T_FAILED" -eq 0 ]; }

# ---- the server ----

# fleet_conf CONFDIR UMLDIR NAME... [-- KEY=VALUE...]: lay out instances
# and write CONFDIR/NAME.conf for each (UMLDIR, MEMORY=64M, and any extra
# KEY=VALUE lines).  Instances are laid out with make_fleet.
fleet_conf() {
	_confdir=$1 _umldir=$2
	shift 2
	_names="" _extra=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do _names="$_names $1"; shift; done
	[ $# -gt 0 ] && shift
	_extra="$*"
	mkdir -p "$_confdir"
	# shellcheck disable=SC2086
	make_fleet "$_umldir" $_names
	for _n in $_names; do
		{
			echo "UMLDIR=\"$_umldir\""
			echo 'MEMORY="64M"'
			for _kv in $_extra; do echo "$_kv"; done
		} >"$_confdir/$_n.conf"
	done
}

# start_server CONFDIR [ARGS...]: a server of our own on $T_DIR/sock, in
# the foreground (its pid tracked), logs in $T_DIR/state.
SOCK=$T_DIR/sock
export UMLTOP_STATE_DIR=$T_DIR/state
start_server() {
	_confdir=$1
	shift
	# shellcheck disable=SC2086
	${SERVER_WRAP:-} "$UMLTOP" server -S "$SOCK" -c "$_confdir" --foreground "$@" \
		>"$T_DIR/server.out" 2>&1 &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	wait_until 60 test -S "$SOCK" || { cat "$T_DIR/server.out" >&2; bail "server did not start"; }
}

# Two servers standing for two hosts (the tests of several hosts):
# start_two CONFDIR1 CONFDIR2 starts the first as start_server does
# ($SOCK1, $STATE1, $SERVER1_PID) and a second with a socket, state
# directory and config of its own ($SOCK2, $STATE2, $SERVER2_PID).
start_two() {
	start_server "$1"
	SOCK1=$SOCK STATE1=$UMLTOP_STATE_DIR SERVER1_PID=$SERVER_PID
	SOCK2=$T_DIR/sock2 STATE2=$T_DIR/state2
	UMLTOP_STATE_DIR=$STATE2 "$UMLTOP" server -S "$SOCK2" -c "$2" --foreground \
		>"$T_DIR/server2.out" 2>&1 &
	SERVER2_PID=$!
	track_pid "$SERVER2_PID"
	wait_until 60 test -S "$SOCK2" || bail "h2's server did not start"
}
# count_on SOCK STATE: how many instances of the server on SOCK are in STATE
count_on() { "$UMLTOP" ctl -S "$1" status --json 2>/dev/null | grep -c "\"state\":\"$2\""; }
# two_up N1 N2: N1 instances run on $SOCK1 and N2 on $SOCK2 (else bail,
# with what both servers say); their process groups are tracked
two_up() {
	_up() { [ "$(count_on "$SOCK1" running)" -eq "$1" ] && [ "$(count_on "$SOCK2" running)" -eq "$2" ]; }
	wait_until 120 _up "$1" "$2" || {
		diag "h1: $("$UMLTOP" ctl -S "$SOCK1" status 2>&1 | tr '\n' '|')" \
			" h2: $("$UMLTOP" ctl -S "$SOCK2" status 2>&1 | tr '\n' '|')"
		sed 's/^/# h2 server: /' "$T_DIR/server2.out"
		tail -n 20 "$STATE2/server.log" 2>/dev/null | sed 's/^/# h2 log: /'
		bail "the fleets did not boot"
	}
	for _s in "$SOCK1" "$SOCK2"; do
		for _p in $("$UMLTOP" ctl -S "$_s" status --json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'); do
			[ "$_p" -gt 0 ] && track_group "$_p"
		done
	done
}

# netns_new: a network namespace of our own, $NETNS, with lo up, deleted
# at exit; start_server then runs the server in it (SERVER_WRAP), and
# nsip runs `ip` there.  Nothing a test does in it reaches the host.
netns_new() {
	[ "$(id -u)" -eq 0 ] || bail "network namespaces need root"
	NETNS=ut-$(basename "$T_DIR" | sed 's/^ut\.//')
	ip netns add "$NETNS" || bail "cannot create network namespace $NETNS"
	T_NETNS=$NETNS
	ip -n "$NETNS" link set lo up
	SERVER_WRAP="ip netns exec $NETNS"
}
nsip() { ip -n "$NETNS" "$@"; }
# guest_run NAME N CMD: run CMD in NAME's shell, then wait for it to print
# ok-N (the $((...)) keeps the typed line itself from matching); ping_from
# NAME N ADDR: two pings from NAME's guest.  (Through `ctl`, which a test
# may redefine.)
guest_run() {
	ctl send "$1" "$3 && echo ok-\$(($2+0))" >/dev/null
	wait_until 30 grep -q "ok-$2" "$UMLTOP_STATE_DIR/$1.console.log"
}
ping_from() { guest_run "$1" "$2" "ping -c 2 -W 5 $3 >/dev/null"; }
# has_link NAME: the namespace has an interface NAME.
has_link() { nsip link show dev "$1" >/dev/null 2>&1; }

# ctl ARGS...: umltop ctl on our server.
ctl() { "$UMLTOP" ctl -S "$SOCK" "$@"; }

# reason_of NAME: the reason the instance's status gives (why it failed,
# crashed or stopped), from `ctl status --json`.
reason_of() {
	ctl status --json 2>/dev/null | grep -F "\"name\":\"$1\"" |
		sed 's/.*"reason":"\([^"]*\)".*/\1/'
}
# state_of NAME: the instance's state from `ctl status --json`.
state_of() {
	ctl status --json 2>/dev/null | grep -F "\"name\":\"$1\"" |
		sed 's/.*"state":"\([a-z]*\)".*/\1/'
}
# field_of NAME FIELD: a numeric field of the instance's JSON entry.
field_of() {
	ctl status --json 2>/dev/null | grep -F "\"name\":\"$1\"" |
		sed "s/.*\"$2\":\\([0-9.-]*\\).*/\\1/"
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# pid_of NAME: the instance's main pid, or fail when it has none: a test
# that sent a signal to pid 0 would signal its own process group, make
# and the other tests with it.
pid_of() { _p=$(field_of "$1" pid); [ "${_p:-0}" -gt 0 ] 2>/dev/null && echo "$_p"; }

# stop_server: shut down through the ladder and wait for the process.
stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	ctl shutdown >/dev/null 2>&1
	# (the bound only stops a server that never exits: the halt ladder
	# of a guest that ignores ctrl-alt-del takes HALT_TIMEOUT and more)
	if wait_until 300 sh -c "! kill -0 $SERVER_PID 2>/dev/null"; then
		wait "$SERVER_PID" 2>/dev/null
		SERVER_RC=$?
	else
		kill -KILL "$SERVER_PID" 2>/dev/null
		SERVER_RC=1
	fi
}

# ---- tmux, for the TUI and attach ----

# A tmux server of our own (-S socket in T_DIR); lib-tui.sh starts it,
# tracks its pid, and kills it at exit.
TMUX_SOCK=$T_DIR/tmux
tmx() { tmux -S "$TMUX_SOCK" "$@"; }

# ---- sanitizers ----
# A build with ASan/UBSan or TSan (scripts/check's later passes) writes every report
# to $T_DIR/san.PID; server_clean fails the test on any of them, leaks
# included, and on a server that did not exit 0.
export ASAN_OPTIONS="log_path=$T_DIR/san:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$T_DIR/san:print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="log_path=$T_DIR/san:halt_on_error=0:second_deadlock_stack=1"
server_clean() {
	_reports=$(ls "$T_DIR"/san.* 2>/dev/null)
	if [ -n "$_reports" ]; then
		for _r in $_reports; do sed 's/^/# /' "$_r"; done
		fail "sanitizer reports: $_reports"
	else
		pass "no sanitizer report from any umltop process"
	fi
	server_exited_ok
}
# For a test that runs only in the plain build (no sanitizer, so no
# report to look for): the server's exit status alone.
server_exited_ok() {
	[ "${SERVER_RC:-1}" -eq 0 ]
	ok $? "the server exited with status ${SERVER_RC:-?} after shutdown"
}
