#!/bin/sh
# BOOT_NICE: a booting guest runs below the server, so that the guests
# already up, the server and its clients stay ahead of a fleet's boot;
# once up it is back at the server's rank.  Its processes' own nice is
# raised, and with autogroups (each UML's session is a scheduling group of
# its own) also its group's, /proc/PID/autogroup.  A server no session
# leader started (a CI runner's child) is in the root's group, ranked by
# its own nice: the UML's group then goes from that nice.
. "$top_srcdir/tests/e2e/lib.sh"
plan 6

# READY matches nothing: both stay "starting" until the guest says it is
# up through /proc/mconsole (the notify socket's USER_NOTIFY).
fleet_conf "$T_DIR/conf" "$T_DIR/uml" slow zero -- 'READY="never-NICE-42"' AUTOSTART=yes
echo 'BOOT_NICE=0' >>"$T_DIR/conf/zero.conf"
start_server "$T_DIR/conf"

pnice() { ps -o ni= -p "$1" 2>/dev/null | tr -d ' '; }
if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
	gnice() { sed -n 's/.* nice \(-\{0,1\}[0-9]*\).*/\1/p' "/proc/$1/autogroup" 2>/dev/null; }
	# rank PID: "GROUP/PROCESS" nice; a process in the root's group has
	# its own nice for its group's
	rank() { g=$(gnice "$1"); p=$(pnice "$1"); echo "${g:-$p}/$p"; }
	diag "autogroups are on: the rank is GROUP/PROCESS nice (server: $(cat "/proc/$SERVER_PID/autogroup" 2>/dev/null | tr -d '\n'))"
else
	rank() { echo "-/$(pnice "$1")"; }
	diag "autogroups are off: the rank is the process's nice"
fi
# below RANK STEPS: that rank, each nice STEPS higher
below() { echo "$1" | awk -F/ -v d="$2" '{ print ($1 == "-" ? "-" : $1 + d) "/" $2 + d }'; }
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
[ "$r" = "$(below "$base" 10) " ]
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
