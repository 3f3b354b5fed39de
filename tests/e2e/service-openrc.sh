#!/bin/sh
# /etc/init.d/umltop run by OpenRC's own openrc-run: the installed script,
# unchanged, with its conf.d beside it as on Gentoo (seed-format uml.NAME
# files and other services' files that are ignored), through start, status,
# reload and stop.  openrc-run keeps its state in /run/openrc and runs only
# where /run/openrc/softlevel exists, so every service command runs in a
# mount namespace of the test's own: /run there is a tmpfs (OpenRC's state,
# the script's /run/umltop.pid) and the script's bindir shows what make
# install put in DESTDIR.  Nothing reaches the host's /run or /etc.
. "$top_srcdir/tests/e2e/lib.sh"
plan 10

command -v openrc-run >/dev/null || bail "openrc-run not found (apt-get install openrc)"
command -v start-stop-daemon >/dev/null || bail "start-stop-daemon not found (dpkg provides it)"
[ "$(id -u)" -eq 0 ] || bail "a mount namespace needs root"
DEST=$T_DIR/inst
(unset MAKEFLAGS MFLAGS MAKELEVEL; make -C "$top_builddir" -s install DESTDIR="$DEST") \
	>"$T_DIR/install.out" 2>&1 || { sed 's/^/# /' "$T_DIR/install.out"; bail "make install failed"; }
script=$(find "$DEST" -path '*/etc/init.d/umltop')
[ -n "$script" ] && [ -x "$script" ] && head -n 1 "$script" | grep -qx '#!/sbin/openrc-run'
ok $? "make install put an openrc-run script at ${script#"$DEST"}"

# conf.d as a Gentoo host has it, where openrc-run looks for the script's
# own settings (init.d/../conf.d): the old scripts' files, untouched, and
# other services'.  openrc-run clears the environment, so conf.d/umltop
# exports what the test's server needs.
CONFD=$(dirname "$(dirname "$script")")/conf.d
make_fleet "$T_DIR/uml" a b
mkdir -p "$CONFD"
for n in a b; do
	printf '# /etc/conf.d/uml.%s\nUMLDIR="%s"\nMEMORY="64MB"\n' "$n" "$T_DIR/uml" >"$CONFD/uml.$n"
done
printf 'config_eth0="dhcp"\nbridge_br0="eth0 tap1"\n' >"$CONFD/net"
printf 'SSHD_OPTS=""\n' >"$CONFD/sshd"
{
	echo "UMLTOP_CONFIG=\"$CONFD\""
	echo 'UMLTOP_WAIT=90'
	for v in UMLTOP_STATE_DIR UMLTOP_XSTATE_SHIM ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
		eval "echo \"export $v='\$$v'\""
	done
	echo "export UMLTOP_SOCKET='$SOCK'"
} >"$CONFD/umltop"
"$UMLTOP" check -c "$CONFD" >"$T_DIR/check.out" 2>"$T_DIR/check.err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '^2 instances OK' "$T_DIR/check.out" && ! grep -q 'ignored' "$T_DIR/check.err"
ok $? "umltop check -c conf.d reads the two uml.* files and says so: $(tail -n 1 "$T_DIR/check.out")"

# The namespace, held open by a sleep (tracked): /run a tmpfs with
# OpenRC's state directories and softlevel; over the deepest existing
# directory of the script's bindir, a read-only overlay of DESTDIR's on
# the host's, so that the script's $umltop is the installed binary.
bindir=$(sed -n 's|^umltop=\(.*\)/umltop$|\1|p' "$script")
[ -n "$bindir" ] || bail "no umltop=BINDIR/umltop line in $script"
over=$bindir
while [ ! -d "$over" ]; do over=$(dirname "$over"); done
case "$T_DIR/" in "${over%/}/"*) bail "cannot lay $DEST$over over $over: it holds $T_DIR" ;; esac
# shellcheck disable=SC2016 # expanded by the namespace's sh, from its arguments
unshare -m --propagation private sh -c '
	set -e
	mount -t tmpfs -o mode=0755 umltop-test /run
	mkdir /run/openrc
	cd /run/openrc
	mkdir daemons exclusive failed hotplugged inactive options scheduled \
		started starting stopping tmp wasinactive
	touch softlevel
	mount -t overlay -o "lowerdir=$1$2:$2" umltop-test "$2"
	touch "$3"
	exec sleep 86400' sh "$DEST" "$over" "$T_DIR/ns.ready" >"$T_DIR/ns.out" 2>&1 &
NS_PID=$!
track_pid "$NS_PID"
wait_until 30 test -e "$T_DIR/ns.ready" || { sed 's/^/# /' "$T_DIR/ns.out"; bail "cannot set up the mount namespace"; }
# rc COMMAND: what `rc-service umltop COMMAND` runs, in the namespace
# (--nodeps: localmount and net are the host's business, not the test's).
rc() { nsenter -t "$NS_PID" -m openrc-run "$script" --nodeps "$1"; }

rc start >"$T_DIR/start.out" 2>&1
rc=$?
SERVER_PID=$(cat "/proc/$NS_PID/root/run/umltop.pid" 2>/dev/null)
[ -n "$SERVER_PID" ] && track_pid "$SERVER_PID"
[ "$rc" -eq 0 ] && [ -n "$SERVER_PID" ] && ctl status >/dev/null 2>&1 &&
	[ -e "/proc/$NS_PID/root/run/openrc/started/umltop" ]
ok $? "openrc-run start returns ($rc) with the socket answering and the service started: $(tr '\n' ' ' <"$T_DIR/start.out")"
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
[ "$rc" -eq 0 ] && [ ! -S "$SOCK" ] && ! [ -e "/proc/$NS_PID/root/run/umltop.pid" ] &&
	! [ -e "/proc/$NS_PID/root/run/openrc/started/umltop" ]
ok $? "stop returns ($rc) once the server is gone, pidfile removed, service stopped: $(tr '\n' ' ' <"$T_DIR/stop.out")"
wait_until 30 sh -c "! kill -0 ${SERVER_PID:-0} 2>/dev/null"
for n in a b; do
	grep -q " $n: pid [0-9]* halted (clean)" "$UMLTOP_STATE_DIR/server.log" &&
		e2fsck -fn "$T_DIR/uml/$n/root.loop" >"$T_DIR/fsck-$n.out" 2>&1
	ok $? "$n halted gracefully ($(grep " $n: pid" "$UMLTOP_STATE_DIR/server.log" | tail -n 1 | cut -d" " -f3-)), its root image is clean"
done
# Nothing on the host: the pidfile and OpenRC's state stayed in the
# namespace, the script and its conf.d in DESTDIR.
! [ -e /run/umltop.pid ] && ! [ -e /run/openrc/softlevel ] && ! [ -e /run/openrc/started/umltop ] &&
	! [ -e /etc/conf.d/umltop ] && ! [ -e /etc/init.d/umltop ]
ok $? "nothing left in the host's /run or /etc"
t_done
