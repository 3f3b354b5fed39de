#!/bin/sh
# Several hosts from scripts (DESIGN "Several hosts"): two servers with
# their own sockets, state and fleets stand for hosts h1 and h2, each
# reached through ssh to an sshd of the test's own and `umltop proxy`
# there.  ctl -H lists both fleets as HOST/NAME; send and attach to h2/b
# reach b alone; a host whose key sshd refuses is reported unreachable
# with ssh's reason while the other is still listed; the proxy relays a
# HELLO both ways, and a client of another version is told both versions.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
. "$top_srcdir/tests/e2e/lib-ssh.sh"
plan 20

ssh_start
fleet_conf "$T_DIR/conf1" "$T_DIR/uml" a -- 'TAGS="lab"'
fleet_conf "$T_DIR/conf2" "$T_DIR/uml" b -- 'TAGS="lab"'
start_two "$T_DIR/conf1" "$T_DIR/conf2"
ssh_host h1 "$SOCK1"
ssh_host h2 "$SOCK2"
ssh_host h3 "$SOCK1" "$(ssh_bad_key)"
log_a=$STATE1/a.console.log
log_b=$STATE2/b.console.log
two_up 1 1
wait_until 90 grep -q '/ # ' "$log_a" && wait_until 90 grep -q '/ # ' "$log_b" ||
	bail "no prompt on a and b"

# ---- status across hosts ----
rc=0
"$UMLTOP" ctl -H h1 -H h2 status >"$T_DIR/st.out" 2>"$T_DIR/st.err" || rc=$?
grep -q '^h1/a  *running' "$T_DIR/st.out" && grep -q '^h2/b  *running' "$T_DIR/st.out" &&
	[ "$(grep -c '^NAME' "$T_DIR/st.out")" = 1 ] && [ "$rc" = 0 ]
ok $? "ctl -H h1 -H h2 status: h1/a and h2/b, running, under one header (exit $rc: $(tr '\n' '|' <"$T_DIR/st.out"))"
"$UMLTOP" ctl -H h1 -H h2 status --json >"$T_DIR/st.json" 2>&1
grep -q '"host":"h1","name":"a"' "$T_DIR/st.json" && grep -q '"host":"h2","name":"b"' "$T_DIR/st.json"
ok $? "status --json: each instance with its host ($(tr -d '\n' <"$T_DIR/st.json" | cut -c1-160))"

# ---- a host that refuses our key ----
rc=0
"$UMLTOP" ctl -H h3 -H h2 status >"$T_DIR/bad.out" 2>"$T_DIR/bad.err" || rc=$?
grep -q '^h3: unreachable: .*Permission denied (publickey)' "$T_DIR/bad.err"
ok $? "h3 (its key refused): reported unreachable with ssh's reason ($(cat "$T_DIR/bad.err"))"
grep -q '^h2/b  *running' "$T_DIR/bad.out" && [ "$rc" = 3 ]
ok $? "... h2 is still listed, and ctl exits 3 (exit $rc)"

# ---- send to h2/b only ----
"$UMLTOP" ctl -H h2 send h2/b 'echo X-$((6*7))' >/dev/null 2>&1
wait_until 30 grep -q 'X-42' "$log_b"
ok $? "ctl -H h2 send h2/b 'echo X-\$((6*7))': b printed X-42"
sleep 1
! grep -q 'X-42' "$log_a"
ok $? "... and a did not"
rc=0
"$UMLTOP" ctl send h2/b 'echo Y-$((6*8))' >/dev/null 2>"$T_DIR/nh.err" || rc=$?
wait_until 30 grep -q 'Y-48' "$log_b"
ok $? "ctl send h2/b without -H: h2 from the hosts file (exit $rc $(cat "$T_DIR/nh.err"))"

# ---- names on two hosts, tags across hosts, sysrq's --force ----
rc=0
"$UMLTOP" ctl -H h1 -H h2 send h1/a h2/b 'echo MIS-$((5*5))' >/dev/null 2>"$T_DIR/two.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'on two hosts: one send per host' "$T_DIR/two.err"
ok $? "send h1/a h2/b TEXT: refused, names on two hosts (exit $rc: $(cat "$T_DIR/two.err"))"
sleep 1
! grep -q 'MIS-25' "$log_a" && ! grep -q 'MIS-25' "$log_b"
ok $? "... typed into neither a nor b"
rc=0
"$UMLTOP" ctl -H h1 -H h2 send --tag lab 'echo TAG-$((4*4))' >"$T_DIR/tag.out" 2>&1 || rc=$?
wait_until 30 grep -q 'TAG-16' "$log_a" && wait_until 30 grep -q 'TAG-16' "$log_b" && [ "$rc" = 0 ]
ok $? "-H h1 -H h2 send --tag lab: into a on h1 and b on h2 (exit $rc: $(cat "$T_DIR/tag.out"))"
rc=0
"$UMLTOP" ctl -H h1 -H h2 sysrq --force h2/b h >"$T_DIR/sq.out" 2>&1 || rc=$?
[ "$rc" = 0 ] && grep -q 'show-memory-usage' "$T_DIR/sq.out" &&
	wait_until 30 grep -q 'show-memory-usage' "$log_b" && ! grep -q 'show-memory-usage' "$log_a"
ok $? "sysrq --force h2/b h: h2's b, not h1's a (exit $rc)"

# ---- attach h2/b through ssh ----
tui_session at 100 30 "$UMLTOP" attach h2/b
tui_wait at '/ # ' 30
ok $? "attach h2/b: b's prompt on the screen"
tui_screen at | tail -n 1 | grep -q '^ h2/b  running'
ok $? "attach h2/b: the status line names it h2/b: $(tui_screen at | tail -n 1)"
tui_type at 'echo AT-$((7*9))'
tui_wait at 'AT-63' 30 && wait_until 10 grep -q 'AT-63' "$log_b"
ok $? "attach h2/b: typed into b, its console echoes AT-63"
! grep -q 'AT-63' "$log_a"
ok $? "... never into a"
tmx send-keys -t at C-]
tui_wait_dead at 20
[ "$(tui_status at)" = 0 ]
ok $? "attach h2/b: Ctrl-] detaches, exit 0 (exit $(tui_status at))"

# ---- the proxy: a HELLO round trip, and another version ----
# frame NUM: our HELLO with version NUM (a byte) as printf's octal
hello() {
	printf "\\013\\000\\000\\000\\001\\000\\000\\000\\$(printf %03o "$1")\\000\\000\\000\\003\\000\\000\\000ctl"
}
# shellcheck disable=SC2046 # the options are words
set -- $(ssh_opts)
hello "$PROTO_VERSION" | timeout 20 ssh -T -oBatchMode=yes "$@" "$(id -un)@127.0.0.1" \
	"$SSH_DIR/umltop" proxy -S "$SOCK2" >"$T_DIR/hello.out" 2>"$T_DIR/hello.err"
want=$(printf '\016\000\000\000\001\000\000\000' | od -An -tx1)
got=$(head -c 8 "$T_DIR/hello.out" | od -An -tx1)
ver=$(tail -c +9 "$T_DIR/hello.out" | head -c 1 | od -An -tu1 | tr -d ' ')
[ "$got" = "$want" ] && grep -q server "$T_DIR/hello.out" && [ "$ver" = "$PROTO_VERSION" ]
ok $? "ssh h2 umltop proxy: our HELLO in, the server's HELLO (version $ver) out"
hello $((PROTO_VERSION - 1)) | timeout 20 ssh -T -oBatchMode=yes "$@" "$(id -un)@127.0.0.1" \
	"$SSH_DIR/umltop" proxy -S "$SOCK2" >"$T_DIR/old.out" 2>&1
grep -a -q "protocol version $((PROTO_VERSION - 1)), server speaks $PROTO_VERSION" "$T_DIR/old.out"
ok $? "... a HELLO of version $((PROTO_VERSION - 1)): the server's refusal comes back through it"

# ---- halt across hosts ----
"$UMLTOP" ctl -H h1 -H h2 halt-all --wait --timeout 200 >"$T_DIR/halt.out" 2>&1
down() { "$UMLTOP" ctl -S "$1" status --json 2>/dev/null | grep -q '"pid":0'; }
down "$SOCK1" && down "$SOCK2"
ok $? "ctl -H h1 -H h2 halt-all --wait: a and b both stopped ($(tr '\n' '|' <"$T_DIR/halt.out"))"

for s in "$SOCK1" "$SOCK2"; do
	"$UMLTOP" ctl -S "$s" shutdown >/dev/null 2>&1
done
wait_until 60 sh -c "! kill -0 $SERVER1_PID 2>/dev/null && ! kill -0 $SERVER2_PID 2>/dev/null"
reports=$(ls "$T_DIR"/san.* 2>/dev/null)
[ -z "$reports" ] || for r in $reports; do sed 's/^/# /' "$r"; done
[ -z "$reports" ]
ok $? "no sanitizer report from any umltop process, the proxies included"
t_done
