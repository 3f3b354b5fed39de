#!/bin/sh
# NET and BRIDGE gone wrong, each in a network namespace of the test's
# own: a BRIDGE that is no bridge, a tap another process holds, two
# instances on one tap, a name too long for an interface, and taps asked
# of a server that is not root.  Each failed instance says why, naming
# itself and the key; nothing made for it stays; the others run on.
. "$top_srcdir/tests/e2e/lib.sh"
plan 15
[ "$(id -u)" -eq 0 ] || bail "this test needs root (taps, and a server as another user)"
netns_new
chmod 755 "$T_DIR" # for nobody's server (part 3)
SOCK=$T_DIR/srv/sock # its directory stays private (0700)

# 1. A root server: a good instance, and two that cannot start.
nsip link add notbr type veth peer name notbr-peer || bail "cannot make a veth pair"
ip netns exec "$NETNS" "$top_builddir/tests/fixtures/tap-hold" tapbusy >"$T_DIR/hold.out" 2>&1 &
track_pid $!
wait_until 10 grep -q held "$T_DIR/hold.out" || bail "tap-hold did not hold tapbusy"
fleet_conf "$T_DIR/conf" "$T_DIR/uml" g -- 'NET="tapg"' 'BRIDGE="brg"'
fleet_conf "$T_DIR/conf" "$T_DIR/uml" nb -- 'NET="tapn"' 'BRIDGE="notbr"'
fleet_conf "$T_DIR/conf" "$T_DIR/uml" busy -- 'NET="tapp1 tapbusy"' 'BRIDGE="brp"'
start_server "$T_DIR/conf"
wait_until 90 is_state g running || bail "g did not boot ($(state_of g))"
wait_until 30 is_state nb failed
r=$(reason_of nb)
[ "$r" = "nb: BRIDGE: 'notbr' is not a bridge (it is a device of kind veth)" ]
ok $? "a BRIDGE that is a veth: nb failed, and says why ($r)"
! has_link tapn
ok $? "nb's tap was not made"
wait_until 30 is_state busy failed
r=$(reason_of busy)
[ "$r" = "busy: NET: tap 'tapbusy' is in use by another process (another UML?)" ]
ok $? "a tap another process holds: busy failed, and says why ($r)"
! has_link tapp1 && ! has_link brp
ok $? "busy's first tap (tapp1) and its bridge (brp), made before the second failed, are gone"
out=$(ctl start busy 2>&1)
rc=$?
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -qF "busy: NET: tap 'tapbusy' is in use"
ok $? "ctl start busy fails with the same reason (exit $rc: $out)"
! has_link tapp1 && ! has_link brp && has_link tapbusy
ok $? "after the second try too: nothing left, and tapbusy untouched"
is_state g running && has_link tapg && nsip link show master brg | grep -q tapg
ok $? "g runs on, its tap tapg on brg"
stop_server
server_exited_ok
! has_link tapg && ! has_link brg && has_link notbr
ok $? "the server gone: g's tap and bridge removed, notbr left"

# 2. Config errors, before anything starts.
mkdir -p "$T_DIR/conf2"
for n in x y z; do
	printf 'KERNEL="%s"\nROOT="%s"\n' "$UML_KERNEL" "$IMAGES/root.img" >"$T_DIR/conf2/$n.conf"
done
echo 'NET="tapdup"' >>"$T_DIR/conf2/x.conf"
echo 'NET="eth9 tapdup"' >>"$T_DIR/conf2/y.conf"
echo 'NET="averyveryverylongtap"' >>"$T_DIR/conf2/z.conf"
out=$("$UMLTOP" check -c "$T_DIR/conf2" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && printf '%s\n' "$out" |
	grep -qF "$T_DIR/conf2/y.conf:3: NET: tap 'tapdup' is also used by instance 'x' ($T_DIR/conf2/x.conf:3)"
ok $? "check: two instances on one tap, FILE:LINE (exit $rc)"
printf '%s\n' "$out" | grep -qF "$T_DIR/conf2/z.conf:3: NET: 'averyveryverylongtap' is not an interface name"
ok $? "check: a tap name over 15 characters, FILE:LINE"
[ -z "$(printf '%s\n' "$out" | grep 'tapdup.*tapdup')" ]
ok $? "each shared tap said once"

# 3. A server that is not root cannot make taps.
mkdir -p "$T_DIR/nr" && chmod 700 "$T_DIR/nr"
fleet_conf "$T_DIR/conf3" "$T_DIR/uml3" n -- 'NET="tapnr"'
chown -R nobody "$T_DIR/nr" "$T_DIR/uml3" "$T_DIR/conf3"
SOCK=$T_DIR/nr/sock
UMLTOP_STATE_DIR=$T_DIR/nr/state
as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
SERVER_WRAP="ip netns exec $NETNS $as_nobody"
# (a client talks only to a server in a directory of its own user's)
# shellcheck disable=SC2086
ctl() { $as_nobody "$UMLTOP" ctl -S "$SOCK" "$@"; }
start_server "$T_DIR/conf3"
wait_until 30 is_state n failed
r=$(reason_of n)
[ "$r" = "n: NET: tap 'tapnr' does not exist, and only a root server can make it (make it first: ip tuntap add dev tapnr mode tap user nobody)" ]
ok $? "a server that is not root: n failed, and says why ($r)"
! has_link tapnr
ok $? "no tap made"
stop_server
server_exited_ok
t_done
