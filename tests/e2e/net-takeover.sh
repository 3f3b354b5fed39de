#!/bin/sh
# The network of a UML that a server takes over from an earlier one, in a
# network namespace of the test's own: after an upgrade in place, and
# after the server died (kill -9) and a new one adopted the UMLs, the tap
# and bridge the earlier server made are still removed when the instance
# stops, and the switch it ran is the same process, stopped when its last
# instance stops; no second switch is started on its socket.
. "$top_srcdir/tests/e2e/lib.sh"
plan 9
[ "$(id -u)" -eq 0 ] || bail "this test needs root (taps and bridges)"
command -v uml_switch >/dev/null || bail "no uml_switch (uml-utilities)"
netns_new
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- 'NET="tapu"' 'BRIDGE="brup"' HALT_TIMEOUT=20
fleet_conf "$T_DIR/conf" "$T_DIR/uml" b -- 'SWITCH="s1"' HALT_TIMEOUT=20
CTL=$SOCK.d/switch/s1/ctl
# every uml_switch on this test's switch socket
switches() { pgrep -f -x "uml_switch -unix $CTL" | tr '\n' ' ' | sed 's/ $//'; }
both() { is_state a running && is_state b running; }
stopped() { is_state a stopped && is_state b stopped; }
tap_gone() { ! has_link tapu && ! has_link brup; }

start_server "$T_DIR/conf"
wait_until 90 both || bail "a and b did not boot ($(state_of a), $(state_of b))"
sw=$(switches)
[ -n "$sw" ] || bail "no switch for s1"
track_pid "$sw"
has_link tapu && has_link brup || bail "no tapu or brup"

# 1. An upgrade in place.
timeout 120 "$UMLTOP" ctl -S "$SOCK" upgrade >"$T_DIR/upgrade.out" 2>&1
wait_until 60 grep -q 'upgrade: took over 2 instances' "$UMLTOP_STATE_DIR/server.log"
ok $? "the upgraded server took over a and b"
[ "$(switches)" = "$sw" ] && grep -q "switch s1: pid $sw, left running by an earlier server: taken over$" \
	"$UMLTOP_STATE_DIR/server.log"
ok $? "the same switch (pid $sw) serves s1, taken over as the server's child (switches: $(switches))"
ctl halt --wait --timeout 120 a >/dev/null 2>&1
wait_until 10 tap_gone
ok $? "a halted after the upgrade: tapu and brup, made before it, are gone"
ctl halt --wait --timeout 120 b >/dev/null 2>&1
wait_until 10 sh -c "! kill -0 $sw 2>/dev/null"
ok $? "b halted: the switch it was the last user of is stopped (left: $(switches))"

# 2. The server dies; a new one adopts the UMLs.
ctl start a >/dev/null && ctl start b >/dev/null
wait_until 90 both || bail "a and b did not boot again ($(state_of a), $(state_of b))"
pa=$(pid_of a) && pb=$(pid_of b) || bail "no pids"
track_group "$pa"
track_group "$pb"
sw=$(switches)
track_pid "$sw"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
rm -f "$SOCK"
start_server "$T_DIR/conf"
adopted() { [ "$(field_of a pid)" = "$pa" ] && [ "$(field_of b pid)" = "$pb" ] && both; }
wait_until 60 adopted
ok $? "a new server adopted a and b after kill -9 of the first"
[ -n "$sw" ] && [ "$(switches)" = "$sw" ]
ok $? "still one switch on s1, the same process ($sw; now: $(switches))"
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
wait_until 30 stopped
wait_until 10 tap_gone
ok $? "after halt-all: tapu and brup are gone ($(nsip -br link | tr '\n' ' '))"
wait_until 10 sh -c "! kill -0 $sw 2>/dev/null"
ok $? "and the adopted switch is stopped (left: $(switches))"
stop_server
server_exited_ok
t_done
