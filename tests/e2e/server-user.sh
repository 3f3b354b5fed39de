#!/bin/sh
# USER: a server running as root starts the instance as that user
# (initgroups, setgid, setuid); every host process of the UML has its uid.
. "$top_srcdir/tests/e2e/lib.sh"
plan 3
[ "$(id -u)" -eq 0 ] || bail "this test needs root (the server must be able to switch users)"
user=nobody
uid=$(id -u "$user")

# The instance's files must be reachable by the user.
chmod 755 "$T_DIR"
fleet_conf "$T_DIR/conf" "$T_DIR/uml" u1 -- "USER=$user"
chown -R "$user" "$T_DIR/uml"
SOCK=$T_DIR/srv/sock # the socket's directory stays private (0700/0711)
start_server "$T_DIR/conf"
ctl start u1 >/dev/null
wait_until 90 is_state u1 running
ok $? "an instance with USER=$user boots"
pid=$(field_of u1 pid)
uids=$(ps -o uid= -g "$pid" | sort -u | tr -d ' ')
[ "$uids" = "$uid" ]
ok $? "every process of its group runs as uid $uid (saw: $(echo $uids))"
ctl status --json | grep -F '"name":"u1"' | grep -q "\"user\":\"$user\""
ok $? "ctl status names the user"
stop_server
t_done
