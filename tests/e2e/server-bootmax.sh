#!/bin/sh
# BOOT_MAX: at most that many instances boot at once; a start past it is
# queued, says so, and goes when a boot ends, first asked first.  A halt
# calls a queued start off.
. "$top_srcdir/tests/e2e/lib.sh"
plan 9

# READY matches nothing: each stays "starting" until the guest says it
# is up through /proc/mconsole, so the test decides when a boot ends.
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c d -- 'READY="never-MAX-42"'
echo 'BOOT_MAX=2' >"$T_DIR/conf/umltop.conf"
start_server "$T_DIR/conf"

for n in a b c d; do
	ctl start "$n" >"$T_DIR/start.$n" 2>&1 || bail "ctl start $n failed: $(cat "$T_DIR/start.$n")"
done
two_boot() { is_state a starting && is_state b starting; }
wait_until 30 two_boot
[ -n "$(pid_of a)" ] && [ -n "$(pid_of b)" ] && [ -z "$(pid_of c)" ] && [ -z "$(pid_of d)" ]
ok $? "BOOT_MAX=2: a and b boot, c and d wait (a $(state_of a), b $(state_of b), c $(state_of c), d $(state_of d))"
grep -q 'c is queued: it starts when a boot ends (2 booting, BOOT_MAX 2)' "$T_DIR/start.c"
ok $? "ctl start c says it is queued ($(cat "$T_DIR/start.c"))"
reason_of c | grep -q '^start queued: 2 booting, BOOT_MAX 2'
ok $? "c's reason in ctl status says so ($(reason_of c))"

booted() { grep -q '/ # ' "$UMLTOP_STATE_DIR/$1.console.log" 2>/dev/null; }
wait_until 120 booted a || bail "a shows no prompt ($(state_of a))"
ctl send a 'echo up-MAX > /proc/mconsole' >/dev/null
wait_until 60 is_state a running
c_boots() { [ -n "$(pid_of c)" ] && is_state c starting; }
wait_until 30 c_boots
ok $? "a is up: c, queued first, boots ($(state_of c), pid $(pid_of c)) and d still waits ($(state_of d))"
[ -z "$(pid_of d)" ]
ok $? "... d has no process yet"

ctl halt d >"$T_DIR/halt.d" 2>&1 && grep -q '^d: its start was called off' "$T_DIR/halt.d"
ok $? "ctl halt d, queued, succeeds and says its start was called off ($(cat "$T_DIR/halt.d"))"
reason_of d | grep -q 'called off'
ok $? "d's reason says its start was called off ($(reason_of d))"
wait_until 120 booted b || bail "b shows no prompt ($(state_of b))"
ctl send b 'echo up-MAX > /proc/mconsole' >/dev/null
wait_until 60 is_state b running
sleep 2
is_state d stopped && [ -z "$(pid_of d)" ]
ok $? "b is up too, and d, called off, stays stopped ($(state_of d))"

stop_server
[ "${SERVER_RC:-1}" -eq 0 ]
ok $? "the server exited with status 0 after shutdown"
t_done
