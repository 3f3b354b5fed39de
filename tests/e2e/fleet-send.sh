#!/bin/sh
# Tags and typing into many consoles from scripts: TAGS in an instance's
# file, `ctl tag NAME +T -T` at run time, `ctl send --tag T TEXT` and
# `ctl send NAME... TEXT`: the text reaches each console named or tagged
# exactly once, and no other; an instance that is not running is skipped
# and said so; a bad tag is refused with a message.
. "$top_srcdir/tests/e2e/lib.sh"
plan 10

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a -- 'TAGS="lab router"'
fleet_conf "$T_DIR/conf" "$T_DIR/uml" b -- 'TAGS="lab"'
fleet_conf "$T_DIR/conf" "$T_DIR/uml" c
start_server "$T_DIR/conf"
all() { is_state a running && is_state b running && is_state c running; }
wait_until 90 all || bail "a, b and c did not boot ($(state_of a), $(state_of b), $(state_of c))"
# lines NAME TEXT: how many lines of NAME's console are exactly TEXT
lines() { tr -d '\r' <"$UMLTOP_STATE_DIR/$1.console.log" | grep -c -x "$2"; }
counts() { echo "$(lines a "$1") $(lines b "$1") $(lines c "$1")"; }
# came NAME TEXT: wait until NAME's console has a line TEXT, then a second
# for anything that would come twice
came() { wait_until 30 sh -c "[ \"\$(tr -d '\r' <$UMLTOP_STATE_DIR/$1.console.log | grep -c -x $2)\" -ge 1 ]"; sleep 1; }

ctl status --json | grep -F '"name":"a"' | grep -qF '"tags":["lab","router"]'
ok $? "ctl status --json lists a's tags from its TAGS"
ctl send --tag lab 'echo T-$((6*7))' >/dev/null
came b T-42
[ "$(counts T-42)" = "1 1 0" ]
ok $? "send --tag lab: T-42 once in a and b, never in c (a b c: $(counts T-42))"
ctl send a c 'echo N-$((5*5))' >/dev/null
came c N-25
[ "$(counts N-25)" = "1 0 1" ]
ok $? "send a c TEXT: N-25 once in a and c, never in b (a b c: $(counts N-25))"
out=$(ctl tag c +lab 2>&1)
[ "$out" = "c: tags: lab" ]
ok $? "ctl tag c +lab answers with c's tags ($out)"
out=$(ctl tag b -lab +db 2>&1)
[ "$out" = "b: tags: db" ]
ok $? "ctl tag b -lab +db ($out)"
ctl send --tag lab 'echo U-$((7*7))' >/dev/null
came c U-49
[ "$(counts U-49)" = "1 0 1" ]
ok $? "after the tag changes, --tag lab reaches a and c, not b (a b c: $(counts U-49))"
rc=0
ctl tag a '+no/way' >"$T_DIR/bad.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "'+no/way' is not a tag" "$T_DIR/bad.out"
ok $? "a bad tag is refused (exit $rc: $(cat "$T_DIR/bad.out"))"
rc=0
ctl send --tag nosuch 'echo x' >"$T_DIR/none.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "no instance has the tag 'nosuch'" "$T_DIR/none.out"
ok $? "send --tag with no instance tagged so: exit 2, said ($(cat "$T_DIR/none.out"))"
ctl halt --wait --timeout 120 c >/dev/null 2>&1
rc=0
ctl send --tag lab 'echo V-$((8*8))' >/dev/null 2>"$T_DIR/skip.err" || rc=$?
came a V-64
[ "$rc" -eq 0 ] && grep -q "skipped c (stopped)" "$T_DIR/skip.err" && [ "$(lines a V-64)" = 1 ]
ok $? "c stopped: --tag lab types into a, skips c and says so (exit $rc: $(cat "$T_DIR/skip.err"))"
stop_server
server_exited_ok
t_done
