#!/bin/sh
# The XSAVE shim as a user meets it: `umltop check` says how large the
# host's XSAVE area is and what the shim does there; a guest killed by a
# shim that does not fit its host (a stand-in that fails every FPU write)
# ends crashed with a reason naming UMLTOP_XSTATE_SHIM, in ctl status,
# its JSON, and the TUI's title and table; and the same instance boots
# with the shim the tests run with (UMLTOP_XSTATE_SHIM; empty: none).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 13

BROKEN=$top_builddir/tests/fixtures/.libs/xstate-broken.so
[ -f "$BROKEN" ] || bail "$BROKEN not built (make check builds it)"
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- AUTOSTART=yes
diag "the tests' shim: ${UMLTOP_XSTATE_SHIM:-(none)}"

# 1. umltop check: one host line, consistent with the size it reports
"$UMLTOP" check -S "$SOCK" -c "$T_DIR/conf" >"$T_DIR/check.out" 2>"$T_DIR/check.err"
rc=$?
sed 's/^/# /' "$T_DIR/check.out" "$T_DIR/check.err"
host=$(grep '^host: XSAVE area' "$T_DIR/check.out")
size=$(echo "$host" | sed -n 's/^host: XSAVE area \([0-9]*\) bytes.*/\1/p')
[ "$rc" -eq 0 ] && [ "$(grep -c '^host:' "$T_DIR/check.out")" -eq 1 ] && [ "${size:-0}" -ge 576 ]
ok $? "umltop check prints one host line with the XSAVE size ($size bytes)"
if [ -z "$UMLTOP_XSTATE_SHIM" ]; then
	if [ "${size:-0}" -gt 2696 ]; then
		grep -q 'XSAVE shim is off (UMLTOP_XSTATE_SHIM is empty): every guest' "$T_DIR/check.err"
	else
		echo "$host" | grep -q "UML's 2696 fits it: no XSAVE shim needed, and it is off"
	fi
elif [ "${size:-0}" -gt 2696 ]; then
	echo "$host" | grep -q -F "larger than UML's 2696: the XSAVE shim $UMLTOP_XSTATE_SHIM translates"
else
	echo "$host" | grep -q -F "UML's 2696 fits it: the XSAVE shim $UMLTOP_XSTATE_SHIM passes every request through"
fi
ok $? "the host line says what the shim does with a ${size}-byte area"

# 2. a shim that breaks the guest: crashed, and the reason says why
with_shim() {
	_saved=$UMLTOP_XSTATE_SHIM
	UMLTOP_XSTATE_SHIM=$1
	shift
	"$@"
	UMLTOP_XSTATE_SHIM=$_saved
}
with_shim "$BROKEN" start_server "$T_DIR/conf"
wait_until 90 is_state a crashed
ok $? "a guest whose FPU state the host refuses ends crashed ($(state_of a))"
reason=$(reason_of a)
diag "reason: $reason"
echo "$reason" | grep -q 'ptrace set fp regs failed, errno = 14' &&
	echo "$reason" | grep -q 'XSAVE shim preloaded; UMLTOP_XSTATE_SHIM= (empty) starts without it'
ok $? "ctl status --json: the reason names the failure and UMLTOP_XSTATE_SHIM"
ctl status >"$T_DIR/status.out"
sed 's/^/# /' "$T_DIR/status.out"
grep -q '^a  *crashed' "$T_DIR/status.out" && grep -q 'UMLTOP_XSTATE_SHIM= (empty)' "$T_DIR/status.out"
ok $? "ctl status: a crashed, and the reason under it names UMLTOP_XSTATE_SHIM"
grep -q 'a: pid [0-9]* the host refused guest FPU state' "$UMLTOP_STATE_DIR/server.log"
ok $? "the server log says so too"
rc=0
ctl wait a running --timeout 120 2>"$T_DIR/wait.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q '^umltop ctl: a is crashed: the host refused guest FPU state' "$T_DIR/wait.err"
ok $? "ctl wait a running gives up on a crashed a with the reason, not a time-out ($rc: $(cat "$T_DIR/wait.err"))"

tui_session t 250 30 "$UMLTOP" -S "$SOCK"
tui_wait t 'UMLTOP_XSTATE_SHIM' 20
ok $? "the TUI's title of a shows the reason"
tui_screen t | grep -q '^[ >]a  *crashed .*XSAVE shim'
ok $? "... as the title of a crashed a"
tmx send-keys -t t t
tui_wait t 'REASON' 10
tui_screen t | grep -q ' a  *crashed .*the host refused guest FPU state.*UMLTOP_XSTATE_SHIM'
ok $? "the TUI's table shows a crashed with the reason"
tui_screen t | sed 's/^/# /'
tmx send-keys -t t Escape q
tui_wait_dead t 10
ok $? "the TUI detaches"
stop_server

# 3. the same instance with the tests' own shim boots to a prompt
start_server "$T_DIR/conf"
wait_until 90 is_state a running
ok $? "with UMLTOP_XSTATE_SHIM=${UMLTOP_XSTATE_SHIM} a is running ($(state_of a))"
stop_server
server_exited_ok
t_done
