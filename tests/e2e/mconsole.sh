#!/bin/sh
# `umltop mconsole` against a real UML booted from the fixture (no server):
# the notify SOCKET datagram at boot, version, proc, sysrq m and stack
# joined completely (checked against what the kernel printed on its
# console), config, an unknown command, stop/go, lookups by umid and DIR,
# unreachable and silent targets, 50 sysrq m in a row, and cad.
. "$top_srcdir/tests/e2e/lib.sh"

plan 27

LISTEN=$top_builddir/tests/unit/mc-notify-listen
[ -x "$LISTEN" ] || bail "$LISTEN not built (make check builds it)"
NAME=m1
MC=$T_DIR/run/$NAME/mconsole
OUT=$T_DIR/out
ERR=$T_DIR/err
mc() { "$UMLTOP" mconsole "$@" >"$OUT" 2>"$ERR"; }
show() { sed 's/^/#   /' "$OUT" "$ERR"; }

# in_console FILE: FILE's lines appear, in order and adjacent, in the
# console log (CRs dropped; the first may follow other text on its console
# line, such as the shell prompt).
in_console() {
	tr -d '\r' <"$T_DIR/boot-$NAME/console.log" | awk -v want="$1" '
		BEGIN { while ((getline l < want) > 0) w[++n] = l }
		{ c[++m] = $0 }
		END {
			if (n == 0) exit 1
			for (i = 1; i + n - 1 <= m; i++) {
				s = c[i]; f = w[1]
				if (length(s) < length(f) || substr(s, length(s) - length(f) + 1) != f)
					continue
				for (k = 2; k <= n && c[i + k - 1] == w[k]; k++)
					;
				if (k > n)
					exit 0
			}
			exit 1
		}'
}

make_fleet "$T_DIR/umls" "$NAME"

# ---- boot, with a notify listener bound first ----
"$LISTEN" -n 1 -t 120000 "$T_DIR/notify" >"$T_DIR/notify.out" 2>&1 &
LISTEN_PID=$!
track_pid "$LISTEN_PID"
wait_until 30 test -S "$T_DIR/notify" || bail "notify listener did not start"
boot_uml "$NAME" "$T_DIR/umls" "mconsole=notify:$T_DIR/notify"
UML_PID=$(cat "$BOOT_DIR/pid")
BOOT_PID=$(cat "$BOOT_DIR/boot.pid")

wait_until 120 test -s "$T_DIR/notify.out"
[ "$(cat "$T_DIR/notify.out")" = "SOCKET $MC" ]
ok $? "the notify SOCKET datagram arrives at boot and names $MC"
sed 's/^/#   /' "$T_DIR/notify.out"
wait "$LISTEN_PID"
rc=$?
[ "$rc" -eq 0 ] && [ ! -e "$T_DIR/notify" ]
ok $? "the listener took one datagram, exited 0 ($rc) and unlinked its socket"

# ---- commands that answer before init runs ----
release=$("$UML_KERNEL" --version)
mc "$MC" version
rc=$?
read -r w1 _ w3 _ <"$OUT"
[ "$rc" -eq 0 ] && [ "$w1" = Linux ] && [ "$w3" = "$release" ] && [ "$(wc -l <"$OUT")" -eq 1 ]
ok $? "version: exit 0 ($rc), one line naming release $release"
show

mc "$MC" proc loadavg
rc=$?
[ "$rc" -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 1 ] &&
	grep -Eq '^[0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+/[0-9]+ [0-9]+$' "$OUT"
ok $? "proc loadavg: exit 0 ($rc), the guest's /proc/loadavg line"
show

mc "$MC" frobnicate now
rc=$?
[ "$rc" -eq 1 ] && [ ! -s "$OUT" ] && grep -q 'frobnicate now: Unknown command' "$ERR"
ok $? "an unknown command: exit 1 ($rc), 'Unknown command' on stderr after what was asked"
show

# ---- the same UML by umid (server rundir, then ~/.uml) and by DIR ----
mkdir -p "$T_DIR/srv.d" "$T_DIR/home/.uml"
ln -s "$T_DIR/run" "$T_DIR/srv.d/uml"
ln -s "$T_DIR/run/$NAME" "$T_DIR/home/.uml/$NAME"
mc -S "$T_DIR/srv" "$NAME" version
rc=$?
[ "$rc" -eq 0 ] && grep -q "^Linux .* $release " "$OUT"
ok $? "a bare umid is found under the server's runtime dir ($rc)"
HOME=$T_DIR/home mc -S "$T_DIR/none" "$NAME" version
rc=$?
[ "$rc" -eq 0 ] && grep -q "^Linux .* $release " "$OUT"
ok $? "a bare umid is found under ~/.uml ($rc)"
mc "$T_DIR/run/$NAME" version
rc=$?
[ "$rc" -eq 0 ] && grep -q "^Linux .* $release " "$OUT"
ok $? "a DIR holding mconsole works ($rc)"

# ---- unreachable and silent targets ----
HOME=$T_DIR/home mc -S "$T_DIR/none" nosuchuml version
rc=$?
[ "$rc" -eq 2 ] && grep -q 'nosuchuml' "$ERR" && [ ! -s "$OUT" ]
ok $? "an unknown umid: exit 2 ($rc), the message names it"
show
"$LISTEN" -n 1 -t 120000 "$T_DIR/silent" >/dev/null 2>&1 &
SILENT_PID=$!
track_pid "$SILENT_PID"
wait_until 30 test -S "$T_DIR/silent"
t0=$(date +%s%N)
mc -t 300 "$T_DIR/silent" version
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$SILENT_PID"
# It waits for -t's 300 ms, not less, and gives up on them rather than on
# the default timeout of 5 s (MC_DEFAULT_TIMEOUT_MS).
[ "$rc" -eq 2 ] && [ "$ms" -ge 300 ] && [ "$ms" -lt 5000 ] &&
	grep -q "$T_DIR/silent.*no reply to 'version' within 300 ms" "$ERR"
ok $? "a socket that never answers: exit 2 ($rc) after $ms ms (-t 300, not the default 5 s), naming the target"
show
rm -f "$T_DIR/sockfile"
: >"$T_DIR/sockfile"
mc "$T_DIR/sockfile" version
[ $? -eq 2 ] && grep -q "$T_DIR/sockfile" "$ERR"
ok $? "a path that is no socket: exit 2, naming it"

# ---- once the guest is up ----
wait_prompt "$NAME" 90 || bail "no shell prompt on $NAME's console"
# (Asked before the console driver is up, UML answers err=1 "Bad
# configuration option".)
mc "$MC" config con0
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$OUT")" = "fd:0,fd:1" ]
ok $? "config con0: exit 0 ($rc), fd:0,fd:1 as given on the command line"
show

mc "$MC" sysrq m
rc=$?
cp "$OUT" "$T_DIR/sysrq-m"
lines=$(wc -l <"$T_DIR/sysrq-m")
last=$(tail -n 1 "$T_DIR/sysrq-m")
[ "$rc" -eq 0 ] && [ "$lines" -ge 10 ] && [ "$(head -n 1 "$T_DIR/sysrq-m")" = "sysrq: Show Memory" ]
ok $? "sysrq m: exit 0 ($rc), $lines lines from 'sysrq: Show Memory' to '$last'"
wait_until 30 in_console "$T_DIR/sysrq-m"
ok $? "sysrq m: the reply is exactly what the kernel printed on its console"

mc "$MC" stack 1
rc=$?
cp "$OUT" "$T_DIR/stack-1"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$T_DIR/stack-1")" -ge 10 ] && wait_until 30 in_console "$T_DIR/stack-1"
ok $? "stack 1: exit 0 ($rc), $(wc -l <"$T_DIR/stack-1") lines, exactly what the console shows"
[ "$rc" -eq 0 ] || show

# ---- stop and go ----
mc "$MC" stop
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$OUT")" = stopped ]
ok $? "stop: exit 0 ($rc), 'stopped'"
mc "$MC" stop
rc=$?
[ "$rc" -eq 1 ] && grep -q 'stop: Already stopped' "$ERR"
ok $? "stop again: exit 1 ($rc), 'Already stopped'"
# The sum is computed by the guest's shell, so its result on the console
# proves the guest ran.
type_into "$NAME" 'echo fro$((40+2))zen'
sleep 1
mc "$MC" proc uptime
rc=$?
! console_has "$NAME" fro42zen && [ "$rc" -eq 0 ]
ok $? "while stopped the guest runs nothing, mconsole still answers ($rc)"
mc "$MC" go
rc=$?
[ "$rc" -eq 0 ] && wait_until 30 console_has "$NAME" fro42zen
ok $? "go: exit 0 ($rc), the command typed meanwhile runs"
mc "$MC" go
rc=$?
[ "$rc" -eq 1 ] && grep -q 'go: Not stopped' "$ERR"
ok $? "go again: exit 1 ($rc), 'Not stopped'"

# ---- acceptance: sysrq m joined completely, 50 times in a row ----
complete=0
i=0
while [ "$i" -lt 50 ]; do
	i=$((i + 1))
	if mc "$MC" sysrq m && [ "$(wc -l <"$OUT")" -eq "$lines" ] &&
		[ "$(head -n 1 "$OUT")" = "sysrq: Show Memory" ] &&
		[ "$(tail -n 1 "$OUT")" = "$last" ]; then
		complete=$((complete + 1))
	else
		diag "request $i incomplete: $(wc -l <"$OUT") lines"
		show
	fi
done
[ "$complete" -eq 50 ]
ok $? "sysrq m joined completely in $complete of 50 requests ($lines lines each)"

# A reply of a few hundred bytes in many packets, each request a new client.
mc "$MC" help
rc=$?
[ "$rc" -eq 0 ] && grep -q '^ *stack <pid>' "$OUT" && [ "$(wc -c <"$OUT")" -gt 511 ]
ok $? "help: exit 0 ($rc), $(wc -c <"$OUT") bytes over two packets, joined"

# ---- cad halts the guest ----
t0=$(date +%s%N)
mc "$MC" cad
rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$OUT" ]
ok $? "cad: exit 0 ($rc), empty reply"
wait_until 90 sh -c "! kill -0 $UML_PID 2>/dev/null"
gone=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $gone "the UML exits after cad ($ms ms)"
if [ "$gone" -eq 0 ]; then
	wait "$BOOT_PID"
	rc=$?
else
	rc=none
fi
# UML 6.1 sometimes dies by SIGABRT after the guest has halted (a timer
# signal during the host-side teardown; see halted_then_aborted() in
# uml/exit.c): the guest's shutdown was complete all the same.
last=$(tr -d '\r' <"$BOOT_DIR/console.log" | grep . | tail -n 1)
if [ "$rc" = 0 ]; then
	pass "the UML's exit status is 0"
elif [ "$rc" = 134 ] && [ "$last" = "reboot: System halted" ]; then
	pass "the UML's exit status is SIGABRT after its last line, 'reboot: System halted'"
else
	fail "the UML's exit status is 0 ($rc); its console's last lines:"
	tail -n 25 "$BOOT_DIR/console.log" | sed 's/^/#   /'
fi
wait_until 30 sh -c "[ ! -e '$T_DIR/run/$NAME' ]"
ok $? "the UML removed its uml_dir on the way out"
mc "$MC" version
rc=$?
[ "$rc" -eq 2 ] && grep -q "$MC" "$ERR"
ok $? "after exit: exit 2 ($rc), naming the socket"
show

t_done
