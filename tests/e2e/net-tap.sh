#!/bin/sh
# NET and BRIDGE with a root server, in a network namespace of the test's
# own: taps the server makes carry two guests that ping each other over a
# bridge it makes; halt-all leaves none of them behind.  Then, on a bridge
# and a tap that existed before: both are left alone, and a kill -9 of
# one guest removes its tap within 2 s without touching the other's.
. "$top_srcdir/tests/e2e/lib.sh"
plan 17
[ "$(id -u)" -eq 0 ] || bail "this test needs root (taps and bridges)"
netns_new


# 1. Taps and a bridge the server makes.
fleet_conf "$T_DIR/conf1" "$T_DIR/uml" a -- 'NET="tapa"' 'BRIDGE="brlab"'
fleet_conf "$T_DIR/conf1" "$T_DIR/uml" b -- 'NET="tapb"' 'BRIDGE="brlab"'
ip netns exec "$NETNS" "$UMLTOP" check -c "$T_DIR/conf1" >"$T_DIR/check.out" 2>&1
grep -qx '  eth0: tap tapa: made for each run (needs root), removed when it ends' "$T_DIR/check.out" &&
	grep -qx '         on bridge brlab (made when missing; needs root)' "$T_DIR/check.out"
ok $? "check shows the network plan: tapa made, on brlab made when missing, both need root"
start_server "$T_DIR/conf1"
both() { is_state "$1" running && is_state "$2" running; }
wait_until 90 both a b || bail "a and b did not boot ($(state_of a), $(state_of b))"
has_link tapa && has_link tapb && nsip -d link show dev brlab | grep -q bridge
ok $? "the server made taps tapa, tapb and bridge brlab"
nsip link show master brlab >"$T_DIR/ports"
grep -q tapa "$T_DIR/ports" && grep -q tapb "$T_DIR/ports"
ok $? "both taps are ports of brlab"
nsip link show dev tapa | grep -q ',UP' && nsip link show dev brlab | grep -q ',UP'
ok $? "tap and bridge are up"
guest_run a 11 "ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up"
guest_run b 12 "ifconfig eth0 10.0.0.2 netmask 255.255.255.0 up"
ping_from a 13 10.0.0.2
ok $? "guest a pings guest b across the bridge"
ping_from b 14 10.0.0.1
ok $? "guest b pings guest a"
ctl status --json | grep -F '"name":"a"' >"$T_DIR/a.json"
grep -qF '"net":[{"guest":"eth0","tap":"tapa","bridge":"brlab"}]' "$T_DIR/a.json"
ok $? "ctl status --json names a's interface: eth0 on tapa, bridge brlab"
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
gone() { ! has_link tapa && ! has_link tapb && ! has_link brlab; }
wait_until 10 gone
ok $? "after halt-all: no tapa, tapb or brlab left ($(nsip -br link | tr '\n' ' '))"
stop_server
server_exited_ok

# 2. A bridge and a tap that existed before.
nsip link add brhost type bridge && nsip link set brhost up &&
	nsip addr add 10.0.1.254/24 dev brhost || bail "cannot make brhost"
nsip tuntap add dev tapkeep mode tap && nsip link set tapkeep master brhost &&
	nsip link set tapkeep up || bail "cannot make tapkeep"
fleet_conf "$T_DIR/conf2" "$T_DIR/uml" c -- 'NET="tapc"' 'BRIDGE="brhost"'
fleet_conf "$T_DIR/conf2" "$T_DIR/uml" d -- 'NET="tapkeep"' 'BRIDGE="brhost"'
ip netns exec "$NETNS" "$UMLTOP" check -c "$T_DIR/conf2" >"$T_DIR/check2.out" 2>&1
grep -qx '  eth0: tap tapkeep: exists: used as it is' "$T_DIR/check2.out"
ok $? "check: a tap that exists is used as it is"
rm -f "$SOCK"
start_server "$T_DIR/conf2"
wait_until 90 both c d || bail "c and d did not boot ($(state_of c), $(state_of d))"
guest_run c 21 "ifconfig eth0 10.0.1.1 netmask 255.255.255.0 up"
guest_run d 22 "ifconfig eth0 10.0.1.2 netmask 255.255.255.0 up"
ping_from c 23 10.0.1.2
ok $? "guest c on a made tap pings guest d on the tap that existed before"
pc=$(pid_of c) || bail "no pid for c"
track_group "$pc"
kill -KILL "$pc"
wait_until 2 sh -c "! ip -n $NETNS link show dev tapc >/dev/null 2>&1"
ok $? "kill -9 of c: its tap tapc is gone within 2 s"
wait_until 30 is_state c crashed
ok $? "c shows crashed ($(state_of c))"
ping_from d 24 10.0.1.254
ok $? "guest d still pings the host's side of brhost"
is_state d running
ok $? "d is still running"
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
wait_until 30 is_state d stopped
has_link brhost && has_link tapkeep && nsip link show master brhost | grep -q tapkeep
ok $? "after halt-all: brhost and tapkeep, which existed before, are still there, tapkeep on brhost"
stop_server
server_exited_ok
t_done
