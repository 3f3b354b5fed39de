#!/bin/sh
# BOOT_NICE: a booting guest runs below the server, so that the guests
# already up, the server and its clients stay ahead of a fleet's boot;
# once up it is back at the server's rank.  With autogroups (each UML's
# session is a scheduling group of its own) the rank is the group's nice,
# /proc/PID/autogroup; without them the processes' own nice.
. "$top_srcdir/tests/e2e/lib.sh"
plan 6

# READY matches nothing: both stay "starting" until the guest says it is
# up through /proc/mconsole (the notify socket's USER_NOTIFY).
fleet_conf "$T_DIR/conf" "$T_DIR/uml" slow zero -- 'READY="never-NICE-42"' AUTOSTART=yes
echo 'BOOT_NICE=0' >>"$T_DIR/conf/zero.conf"
start_server "$T_DIR/conf"

if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
	diag "autogroups are on: the rank is the session's group's nice"
	rank() { sed -n 's/.* nice \(-\{0,1\}[0-9]*\).*/\1/p' "/proc/$1/autogroup" 2>/dev/null; }
else
	diag "autogroups are off: the rank is the process's nice"
	rank() { ps -o ni= -p "$1" 2>/dev/null | tr -d ' '; }
fi
# ranks PGID: the distinct ranks of every process in the group
ranks() { for p in $(ps -o pid= -g "$1"); do rank "$p"; done | sort -u | tr '\n' ' '; }
base=$(rank "$SERVER_PID")

booted() { grep -q '/ # ' "$UMLTOP_STATE_DIR/$1.console.log" 2>/dev/null; }
wait_until 120 booted slow && wait_until 120 booted zero || bail "no prompt ($(state_of slow), $(state_of zero))"
is_state slow starting && is_state zero starting
ok $? "both are still starting at their prompts (READY matches nothing): slow $(state_of slow), zero $(state_of zero)"
is_state slow starting || diag "slow: $(reason_of slow)"
ps=$(pid_of slow) pz=$(pid_of zero)
r=$(ranks "$ps")
[ "$r" = "$((base + 10)) " ]
ok $? "every process of the booting slow ($(ps -o pid= -g "$ps" | wc -l)) runs 10 below the server ($base): $r"
r=$(ranks "$pz")
[ "$r" = "$base " ]
ok $? "BOOT_NICE=0: zero's processes run as the server does: $r"

ctl send slow 'echo up-NICE > /proc/mconsole' >/dev/null
wait_until 60 is_state slow running
ok $? "slow is running once it says so"
back() { [ "$(ranks "$ps")" = "$base " ]; }
wait_until 10 back
ok $? "... and every process of it is back at the server's rank: $(ranks "$ps")"
[ "$(rank "$SERVER_PID")" = "$base" ]
ok $? "the server's own rank is as it was ($base)"

stop_server
t_done
