#!/bin/sh
# SWITCH with no root at all: a server running as nobody (in a network
# namespace of the test's own) starts one uml_switch for two UMLs on
# SWITCH="t", whose guests ping each other.  The switch killed: the server
# starts another, says the guests must bring their interface down and up,
# and after they do they ping again.  Both instances halted: the switch is
# gone.  Then a switch that cannot start (no uml_switch on PATH): the
# instance fails, naming itself and SWITCH.
. "$top_srcdir/tests/e2e/lib.sh"
plan 16
[ "$(id -u)" -eq 0 ] || bail "this test needs root (a server as nobody, a netns)"
command -v uml_switch >/dev/null || bail "no uml_switch (uml-utilities)"
netns_new
chmod 755 "$T_DIR" # for nobody's server
mkdir -p "$T_DIR/nr" && chmod 700 "$T_DIR/nr"
SOCK=$T_DIR/nr/sock
UMLTOP_STATE_DIR=$T_DIR/nr/state
as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
SERVER_WRAP="ip netns exec $NETNS $as_nobody"
# (a client talks only to a server in a directory of its own user's)
# shellcheck disable=SC2086
ctl() { $as_nobody "$UMLTOP" ctl -S "$SOCK" "$@"; }
switch_pids() { pgrep -P "$SERVER_PID" -x uml_switch; }
CTL=$SOCK.d/switch/t/ctl

# 1. Two UMLs on one switch.
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b -- 'SWITCH="t"'
chown -R nobody "$T_DIR/nr" "$T_DIR/uml" "$T_DIR/conf"
$as_nobody "$UMLTOP" check -c "$T_DIR/conf" -S "$SOCK" >"$T_DIR/check.out" 2>&1
grep -qx '  eth0: switch t: a uml_switch the server runs (no root needed)' "$T_DIR/check.out"
ok $? "check shows a's plan: eth0 on switch t, no root needed"
start_server "$T_DIR/conf"
both() { is_state a running && is_state b running; }
wait_until 90 both || bail "a and b did not boot ($(state_of a), $(state_of b))"
pids=$(switch_pids)
[ -n "$pids" ] && [ "$(echo "$pids" | wc -l)" -eq 1 ]
ok $? "one uml_switch, the server's child (pid $pids)"
sw1=$(echo "$pids" | head -1)
[ "$(ps -o user= -p "$sw1" | tr -d ' ')" = nobody ] && [ -S "$CTL" ]
ok $? "it runs as nobody, its control socket at sock.d/switch/t/ctl"
ctl status --json | grep -F '"name":"a"' | grep -qF '"net":[{"guest":"eth0","switch":"t"}]'
ok $? "ctl status --json names a's interface: eth0 on switch t"
guest_run a 11 "ifconfig eth0 10.0.2.1 netmask 255.255.255.0 up"
guest_run b 12 "ifconfig eth0 10.0.2.2 netmask 255.255.255.0 up"
ping_from a 13 10.0.2.2
ok $? "guest a pings guest b across the switch"
ping_from b 14 10.0.2.1
ok $? "guest b pings guest a"

# 2. The switch dies.
kill -KILL "$sw1"
new_switch() { p=$(switch_pids) && [ -n "$p" ] && [ "$p" != "$sw1" ]; }
wait_until 5 new_switch
ok $? "the switch killed: the server started another within 5 s ($(switch_pids))"
r=$(reason_of a)
case $r in
"SWITCH: switch 't' killed by signal 9: restarted (pid "*"); eth0 is cut off until it is plugged in again (or the instance restarted)") true ;;
*) false ;;
esac
ok $? "a's status says so, and what the guest must do ($r)"
grep -qF "b: SWITCH: switch 't' killed by signal 9: restarted (pid $(switch_pids)); eth0 is cut off until it is plugged in again (or the instance restarted): in the guest ifconfig eth0 down, then mconsole 'remove eth0' and 'config eth0=daemon,,unix,$CTL', then ifconfig eth0 up with its address" "$UMLTOP_STATE_DIR/server.log"
ok $? "and the server's log, for b too, with how to plug it in again"
# Measured: UML's daemon transport meets its switch once, when the device
# is made; ifconfig down and up is not enough (ECONNREFUSED to the dead
# switch's data socket).  Made again through mconsole, it is.
replug() {
	guest_run "$1" "$2" "ifconfig eth0 down" &&
		ctl mconsole "$1" remove eth0 >/dev/null &&
		ctl mconsole "$1" config "eth0=daemon,,unix,$CTL" >/dev/null &&
		guest_run "$1" "$(($2 + 1))" "ifconfig eth0 $3 netmask 255.255.255.0 up"
}
replug a 21 10.0.2.1 && replug b 23 10.0.2.2
ok $? "eth0 plugged in again in both guests (ifconfig down, mconsole remove and config, ifconfig up)"
ping_from a 25 10.0.2.2 && ping_from b 26 10.0.2.1
ok $? "a and b ping each other again"

# 3. Unused: gone.
sw2=$(switch_pids)
ctl halt a >/dev/null 2>&1
wait_until 60 is_state a stopped
kill -0 "$sw2" 2>/dev/null && [ "$(switch_pids)" = "$sw2" ]
ok $? "a halted: the switch stays for b"
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
wait_until 60 is_state b stopped
wait_until 5 sh -c "! kill -0 $sw2 2>/dev/null"
ok $? "both halted: the switch process is gone"
[ ! -e "$CTL" ]
ok $? "and its control socket"
stop_server
server_exited_ok

# 4. A switch that cannot start: no uml_switch on the server's PATH.
rm -f "$SOCK"
SERVER_WRAP="ip netns exec $NETNS env PATH=/nonexistent /usr/bin/setpriv --reuid=nobody --regid=nogroup --clear-groups"
start_server "$T_DIR/conf"
wait_until 30 is_state a failed
r=$(reason_of a)
[ "$r" = "a: SWITCH: cannot run uml_switch for switch 't': No such file or directory (install uml-utilities)" ]
ok $? "no uml_switch: a failed, and says why ($r)"
stop_server
t_done
