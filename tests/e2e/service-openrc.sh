#!/bin/sh
# /etc/init.d/umltop as OpenRC runs it, without OpenRC (which would take
# this machine's /etc/init.d over): the installed script's start, status,
# reload and stop functions in a shell with the OpenRC helpers it uses
# (ebegin, eend, eerror) and Debian's start-stop-daemon, on a conf.d of
# seed-format uml.NAME files and other services' files that are ignored.
. "$top_srcdir/tests/e2e/lib.sh"
plan 9

DEST=$T_DIR/inst
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$top_builddir" -s install DESTDIR="$DEST") \
	>"$T_DIR/install.out" 2>&1 || { sed 's/^/# /' "$T_DIR/install.out"; bail "make install failed"; }
script=$(find "$DEST" -path '*/etc/init.d/umltop')
[ -n "$script" ] && [ -x "$script" ] && head -n 1 "$script" | grep -qx '#!/sbin/openrc-run'
ok $? "make install put an openrc-run script at ${script#"$DEST"}"
command -v start-stop-daemon >/dev/null || bail "start-stop-daemon not found (dpkg provides it)"

# conf.d as a Gentoo host has it: the old scripts' files, untouched, and
# other services'.
CONFD=$T_DIR/conf.d
make_fleet "$T_DIR/uml" a b
mkdir -p "$CONFD"
for n in a b; do
	printf '# /etc/conf.d/uml.%s\nUMLDIR="%s"\nMEMORY="64MB"\n' "$n" "$T_DIR/uml" >"$CONFD/uml.$n"
done
printf 'config_eth0="dhcp"\nbridge_br0="eth0 tap1"\n' >"$CONFD/net"
printf 'SSHD_OPTS=""\n' >"$CONFD/sshd"
printf 'UMLTOP_WAIT=90\n' >"$CONFD/umltop"
"$UMLTOP" check -c "$CONFD" >"$T_DIR/check.out" 2>"$T_DIR/check.err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^2 instances OK' "$T_DIR/check.out" && ! grep -q 'ignored' "$T_DIR/check.err"
ok $? "umltop check -c conf.d reads the two uml.* files and says so: $(tail -n 1 "$T_DIR/check.out")"

# rc SVC FUNCTION: what openrc-run does for `rc-service umltop FUNCTION`:
# source conf.d/umltop, then the script, then call the function.
export UMLTOP_SOCKET="$SOCK"
rc() {
	(
		ebegin() { printf ' * %s ...\n' "$*"; }
		eend() { _r=${1:-0}; [ $# -gt 0 ] && shift; [ "$_r" -eq 0 ] || [ $# -eq 0 ] || printf ' * %s\n' "$*"; return "$_r"; }
		eerror() { printf ' * %s\n' "$*" >&2; }
		. "$CONFD/umltop"
		UMLTOP_CONFIG=$CONFD
		. "$script"
		umltop=$DEST$umltop # where make install put it
		pidfile=$T_DIR/umltop.pid
		"$1"
	)
}
rc start >"$T_DIR/start.out" 2>&1
rc=$?
SERVER_PID=$(cat "$T_DIR/umltop.pid" 2>/dev/null)
[ -n "$SERVER_PID" ] && track_pid "$SERVER_PID"
[ "$rc" -eq 0 ] && ctl status >/dev/null 2>&1
ok $? "start returns ($rc) with the socket answering: $(tr '\n' ' ' <"$T_DIR/start.out")"
fleet_up() { is_state a running && is_state b running; }
wait_until 120 fleet_up
ok $? "uml.a and uml.b come up: a $(state_of a), b $(state_of b)"
rc status >"$T_DIR/status.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^a  *running' "$T_DIR/status.out" && grep -q '^b  *running' "$T_DIR/status.out" &&
	[ "$(grep -vc '^NAME' "$T_DIR/status.out")" -eq 2 ]
ok $? "status lists the two instances running, and no other service's file: $(grep -v "^NAME" "$T_DIR/status.out" | cut -c1-30 | tr "\n" ";")"
printf 'MEMORY="96MB"\n' >>"$CONFD/uml.b"
rc reload >"$T_DIR/reload.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'b is running: new settings apply after it stops' "$T_DIR/reload.out"
ok $? "reload re-reads uml.b: $(grep 'b is' "$T_DIR/reload.out")"
rc stop >"$T_DIR/stop.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -S "$SOCK" ] && ! [ -e "$T_DIR/umltop.pid" ]
ok $? "stop returns ($rc) once the server is gone: $(tr '\n' ' ' <"$T_DIR/stop.out")"
wait_until 30 sh -c "! kill -0 $SERVER_PID 2>/dev/null"
for n in a b; do
	grep -q " $n: pid [0-9]* halted (clean)" "$UMLTOP_STATE_DIR/server.log" &&
		e2fsck -fn "$T_DIR/uml/$n/root.loop" >"$T_DIR/fsck-$n.out" 2>&1
	ok $? "$n halted gracefully ($(grep " $n: pid" "$UMLTOP_STATE_DIR/server.log" | tail -n 1 | cut -d" " -f3-)), its root image is clean"
done
t_done
