#!/bin/sh
# Whom a client trusts: a socket whose directory is neither the user's nor
# root's, or that others can write in, is refused with a message before a
# byte is sent, and so is a server that runs as another user (a listener
# of a second user's, reached with -S or sitting where the default socket
# goes); a server that turns a client of another uid away says why; and
# attach with only stdin a pipe still draws through its own emulator, so a
# guest cannot set the terminal's title or mouse mode.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
[ "$(id -u)" -eq 0 ] || bail "this test needs root (it plays other users with setpriv)"
plan 20

A="$UMLTOP attach"
W=200 H=30
# as_uid UID CMD...: CMD as that uid (and its group), no other groups.
as_uid() { _u=$1; shift; setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"; }
NOBODY=$(id -u nobody)
# Every client below is bounded: a client that trusted a listener which
# never answers would otherwise wait for it for ever.
client() { timeout 60 "$@"; }
# joined S: S's pane with wrapped lines joined (the messages are long).
joined() { tmx capture-pane -p -J -t "$1"; }

# A listener that is no umltop server: it writes down every connection
# and every byte a client sends it.  LISTENER SOCKET CAPTURE.
LISTENER='
use strict; use IO::Socket::UNIX; use IO::Select;
my ($path, $cap) = @ARGV;
umask 0;
my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $path, Listen => 8)
	or die "listen $path: $!";
open(my $log, ">>", $cap) or die "$cap: $!";
$log->autoflush(1);
my $sel = IO::Select->new($l);
while (1) {
	for my $h ($sel->can_read) {
		if ($h == $l) {
			my $c = $l->accept or next;
			print $log "[connection]";
			$sel->add($c);
		} elsif (sysread($h, my $b, 65536)) {
			print $log $b;
		} else {
			$sel->remove($h);
			close $h;
		}
	}
}'

# The real server, as root, with one instance; T_DIR opened for search so
# the other users below reach what is theirs in it.
chmod 711 "$T_DIR"
fleet_conf "$T_DIR/conf" "$T_DIR/uml" web
SOCK=$T_DIR/srv/sock
start_server "$T_DIR/conf"
wait_until 60 ctl status >/dev/null 2>&1 || bail "the server does not answer"
ctl start web >/dev/null
ctl wait web running --timeout 60 >/dev/null || bail "web did not boot: $(ctl status)"

# ---- a second user's listener, reached with -S ----
FAKE=$T_DIR/fake
mkdir -m 700 "$FAKE"
chown nobody "$FAKE"
CAP=$FAKE/captured
# (setpriv itself, not through as_uid: $! must be the listener's pid)
setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
	perl -e "$LISTENER" "$FAKE/sock" "$CAP" &
FAKE_PID=$!
track_pid "$FAKE_PID"
wait_until 60 test -S "$FAKE/sock" || bail "the fake listener did not start"

client "$UMLTOP" ctl -S "$FAKE/sock" status >"$T_DIR/fake-status.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q -F "$FAKE (owner nobody (uid $NOBODY), mode 0700" "$T_DIR/fake-status.out"
ok $? "ctl status -S into nobody's directory: refused, the directory, owner and mode named (exit $rc: $(cat "$T_DIR/fake-status.out"))"
client "$UMLTOP" ctl -S "$FAKE/sock" send web 'hunter2' >"$T_DIR/fake-send.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q "neither yours nor root's" "$T_DIR/fake-send.out"
ok $? "ctl send -S into nobody's directory: refused, and says why (exit $rc)"

tui_session fa $W $H $A -S "$FAKE/sock" web
tui_wait_dead fa 60
st=$(tui_status fa)
[ "$st" = 1 ] && joined fa | grep -q -F "umltop attach: not connecting through $FAKE (owner nobody (uid $NOBODY), mode 0700"
ok $? "attach -S into nobody's directory at a terminal: exit 1 with the message (exit ${st:-none}: $(joined fa | grep umltop))"
printf 'hunter2\r' | client $A -S "$FAKE/sock" web >"$T_DIR/fake-attach.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q -F "$FAKE (owner nobody" "$T_DIR/fake-attach.out"
ok $? "attach -S with a pipe: refused too (exit $rc)"
[ ! -s "$CAP" ]
ok $? "the listener saw no connection and no byte (captured: '$(cat "$CAP" 2>/dev/null)')"

# The same listener moved into a directory of root's, which passes: only
# its credentials (SO_PEERCRED) give it away.
mkdir -m 700 "$T_DIR/moved"
mv "$FAKE/sock" "$T_DIR/moved/sock"
client "$UMLTOP" ctl -S "$T_DIR/moved/sock" send web 'hunter2' >"$T_DIR/peer.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q -F "runs as nobody (uid $NOBODY, pid " "$T_DIR/peer.out" &&
	grep -q -F "$T_DIR/moved/sock" "$T_DIR/peer.out"
ok $? "a listener of nobody's in root's directory: ctl refuses to talk to it (exit $rc: $(cat "$T_DIR/peer.out"))"
tui_session fp $W $H $A -S "$T_DIR/moved/sock" web
tui_wait_dead fp 60
st=$(tui_status fp)
[ "$st" = 1 ] && joined fp | grep -q -F "runs as nobody (uid $NOBODY, pid "
ok $? "... and so does attach at a terminal (exit ${st:-none})"
wait_until 10 grep -q connection "$CAP"
[ "$(cat "$CAP")" = "[connection][connection]" ]
ok $? "the listener was connected to, but got not a byte (captured: '$(cat "$CAP")')"
kill "$FAKE_PID"

# ---- the default socket where another user got there first ----
# /tmp/umltop-UID (no XDG_RUNTIME_DIR): in a mount namespace with a /tmp
# of its own, daemon makes nobody's directory and listens in it; nobody's
# client must not talk to it.
# (The binary is copied into that /tmp: the build may itself be under
# /tmp, hidden once it is mounted over.)
NS_SCRIPT='
exec 9<"$3"
mount -t tmpfs -o mode=1777 h8tmp /tmp || exit 99
cp /proc/self/fd/9 /tmp/umltop-bin && chmod 755 /tmp/umltop-bin || exit 98
exec 9<&-
set -- "$1" "$2" /tmp/umltop-bin
d=/tmp/umltop-$2
mkdir -m 755 "$d" && chown daemon "$d"
setpriv --reuid=$(id -u daemon) --regid=$(id -g daemon) --clear-groups \
	perl -e "$1" "$d/default" "$d/captured" &
lp=$!
i=0
while [ ! -S "$d/default" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
printf "hunter2\r" | env -u XDG_RUNTIME_DIR -u UMLTOP_SOCKET \
	setpriv --reuid=$2 --regid=$2 --clear-groups timeout 60 "$3" attach web
echo "attach exit $?"
env -u XDG_RUNTIME_DIR -u UMLTOP_SOCKET \
	setpriv --reuid=$2 --regid=$2 --clear-groups timeout 60 "$3" ctl status
echo "ctl exit $?"
kill $lp
wait $lp 2>/dev/null
echo "captured: $(cat "$d/captured")"
'
if unshare -m true 2>/dev/null; then
	unshare -m sh -c "$NS_SCRIPT" sh "$LISTENER" "$NOBODY" "$UMLTOP" >"$T_DIR/ns.out" 2>&1
	rc=$?
	sed 's/^/# /' "$T_DIR/ns.out"
	n=$(grep -c -F "not connecting through /tmp/umltop-$NOBODY (owner daemon (uid $(id -u daemon)), mode 0755" "$T_DIR/ns.out")
	[ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && grep -q '^attach exit 1$' "$T_DIR/ns.out" &&
		grep -q '^ctl exit 3$' "$T_DIR/ns.out"
	ok $? "/tmp/umltop-$NOBODY made by daemon: nobody's attach and ctl refuse it, naming it and its owner"
	grep -q '^captured: $' "$T_DIR/ns.out"
	ok $? "... and daemon's listener there got nothing"
else
	pass "# SKIP no mount namespace here (unshare -m)"
	pass "# SKIP no mount namespace here (unshare -m)"
fi

# ---- a socket directory others can write in ----
chmod 777 "$T_DIR/srv"
client "$UMLTOP" ctl -S "$SOCK" status >"$T_DIR/open.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q -F "$T_DIR/srv (owner root (uid 0), mode 0777" "$T_DIR/open.out" &&
	grep -q -F "chmod go-w" "$T_DIR/open.out"
ok $? "the server's directory at 0777: ctl refuses, naming it, its mode and the fix (exit $rc: $(cat "$T_DIR/open.out"))"
tui_session op $W $H $A -S "$SOCK" web
tui_wait_dead op 60
st=$(tui_status op)
[ "$st" = 1 ] && joined op | grep -q -F "$T_DIR/srv (owner root (uid 0), mode 0777"
ok $? "... attach too (exit ${st:-none})"
chmod 770 "$T_DIR/srv"
client "$UMLTOP" ctl -S "$SOCK" status >"$T_DIR/group.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q -F "mode 0770" "$T_DIR/group.out"
ok $? "group-writable (0770): refused (exit $rc)"
chmod 700 "$T_DIR/srv"
client "$UMLTOP" ctl -S "$SOCK" status >"$T_DIR/private.out" 2>&1
ok $? "back at 0700: ctl status answers"

# ---- a client of another uid, at the real server ----
# Open the path for a moment so only SO_PEERCRED stands in the way.
chmod 711 "$T_DIR/srv"
chmod 666 "$SOCK"
as_uid "$NOBODY" timeout 60 "$UMLTOP" ctl -S "$SOCK" status >"$T_DIR/other.out" 2>&1
rc=$?
printf 'hunter2\r' | as_uid "$NOBODY" timeout 60 $A -S "$SOCK" web >"$T_DIR/other-attach.out" 2>&1
arc=$?
chmod 700 "$T_DIR/srv"
chmod 600 "$SOCK"
[ "$rc" -eq 3 ] && grep -q -F "the server on $SOCK refused us (uid $NOBODY): it runs as root (uid 0)" "$T_DIR/other.out" &&
	! grep -q -i "reset" "$T_DIR/other.out"
ok $? "nobody's ctl at root's server: told it was refused and why (exit $rc: $(cat "$T_DIR/other.out"))"
[ "$arc" -eq 1 ] && grep -q -F "refused us (uid $NOBODY)" "$T_DIR/other-attach.out"
ok $? "nobody's attach too (exit $arc: $(cat "$T_DIR/other-attach.out"))"

# ---- attach with stdin a pipe and stdout a terminal ----
# The guest sets a title and turns the mouse on.  With --raw the bytes
# reach the terminal (the control); without, stdin a pipe is no reason to
# pass them: the console is drawn through attach's emulator.
tui_session raw $W $H sh -c "sleep 600 | $A -S '$SOCK' --raw web"
tui_session pipe $W $H sh -c "sleep 600 | $A -S '$SOCK' web"
title0=$(tui_fmt pipe '#{pane_title}')
# A raw attach shows only what comes after it subscribed: say it again
# until both show it.
both_ready() {
	ctl send web 'echo ready-$((2+2))' >/dev/null
	wait_until 2 tui_has raw 'ready-4' && tui_has pipe 'ready-4'
}
wait_until 60 both_ready || diag "not ready: $(tui_screen pipe | tail -n 3)"
ctl send web "printf '\\033]2;PWNED-TITLE\\007\\033[?1000h'; echo hostile-\$((1+1))done" >/dev/null
tui_wait raw 'hostile-2done' 60 && tui_wait pipe 'hostile-2done' 60
leak=$(tui_fmt raw '#{pane_title} #{mouse_standard_flag}')
[ "$leak" = "PWNED-TITLE 1" ]
ok $? "control: attach --raw with stdin a pipe passes the guest's title and mouse mode ($leak)"
now=$(tui_fmt pipe '#{pane_title} #{mouse_standard_flag} #{mouse_any_flag}')
[ "$now" = "$title0 0 0" ]
ok $? "attach with stdin a pipe, stdout a terminal: the pane's title and mouse mode are unchanged ($now)"
tui_has pipe 'Ctrl-] detach'
ok $? "... it draws the console itself, status line and all ($(tui_screen pipe | tail -n 1 | sed 's/  */ /g'))"
ctl send web "printf '\\033[?1000l'" >/dev/null
tmx kill-session -t raw
tmx kill-session -t pipe

stop_server
[ "${SERVER_RC:-1}" -eq 0 ]
ok $? "the server shuts down cleanly (status ${SERVER_RC:-?})"
t_done
