#!/bin/sh
# NET taps for UMLs that run as an ordinary user, where that user cannot
# open /dev/net/tun (the server runs in a mount namespace of the test's
# where /dev/net/tun is a node of mode 0600, whatever the host's is): the
# root server opens the taps and hands them over (net/uml-net.c), and two
# guests ping each other across the bridge; an interface taken down and
# up again in the guest works again; halt-all leaves no tap behind.
. "$top_srcdir/tests/e2e/lib.sh"
plan 10
[ "$(id -u)" -eq 0 ] || bail "this test needs root (taps, bridges, users)"
user=nobody
uid=$(id -u "$user")
gid=$(id -g "$user")
netns_new

# The server's own /dev/net, with tun at 0600.
cat >"$T_DIR/tun0600" <<'WRAP'
#!/bin/sh
mount -t tmpfs -o mode=0755 umltop-test /dev/net || exit 111
mknod -m 0600 /dev/net/tun c 10 200 || exit 111
exec "$@"
WRAP
chmod 755 "$T_DIR/tun0600"
in_ns() { ip netns exec "$NETNS" unshare -m --propagation private "$T_DIR/tun0600" "$@"; }
mode=$(in_ns stat -c %a /dev/net/tun)
! in_ns setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	sh -c 'exec 3<>/dev/net/tun' 2>/dev/null
ok $? "where the server runs, /dev/net/tun is mode $mode and $user cannot open it"
SERVER_WRAP="ip netns exec $NETNS unshare -m --propagation private $T_DIR/tun0600"

chmod 755 "$T_DIR"
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b -- "USER=$user" 'BRIDGE="brlab"'
echo 'NET="tapa"' >>"$T_DIR/conf/a.conf"
echo 'NET="tapb"' >>"$T_DIR/conf/b.conf"
chown -R "$user" "$T_DIR/uml"
ip netns exec "$NETNS" "$UMLTOP" check -c "$T_DIR/conf" >"$T_DIR/check.out" 2>&1
grep -qx "         opened by the server and handed to $user's UML (through umltop's uml_net)" \
	"$T_DIR/check.out"
ok $? "check says the taps are handed to $user's UML"
SOCK=$T_DIR/srv/sock # the socket's directory stays private (0700/0711)
start_server "$T_DIR/conf"
both() { is_state a running && is_state b running; }
wait_until 90 both || bail "a and b did not boot ($(state_of a), $(state_of b))"
pa=$(field_of a pid)
uids=$(ps -o uid= -g "$pa" | sort -u | tr -d ' ')
[ "$uids" = "$uid" ]
ok $? "a's UML runs as $user (uid $uid; saw: $(echo $uids))"
nsip link show master brlab >"$T_DIR/ports"
grep -q tapa "$T_DIR/ports" && grep -q tapb "$T_DIR/ports"
ok $? "the server made tapa and tapb, ports of brlab"
guest_run a 11 "ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up"
guest_run b 12 "ifconfig eth0 10.0.0.2 netmask 255.255.255.0 up"
ok $? "both guests have eth0 up"
ping_from a 13 10.0.0.2
ok $? "guest a pings guest b across the bridge, each on a tap it could not open itself"
guest_run a 14 "ifconfig eth0 down && ifconfig eth0 up"
ping_from a 15 10.0.0.2
ok $? "after ifconfig eth0 down and up in guest a, it pings b again"
ping_from b 16 10.0.0.1
ok $? "and b pings a"
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
gone() { ! has_link tapa && ! has_link tapb && ! has_link brlab; }
wait_until 10 gone
ok $? "after halt-all: no tapa, tapb or brlab left ($(nsip -br link | tr '\n' ' '))"
stop_server
server_exited_ok
t_done
