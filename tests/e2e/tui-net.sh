#!/bin/sh
# The table view's NET column: two UMLs, lab on SWITCH="t1" (a uml_switch
# the server runs; no root needed, as root too) and solo with no
# interface.  In the real TUI in tmux, t shows the table: lab's row says
# eth0 on switch t1 under NET, solo's says "-"; on 80 columns lab's
# interface is still whole.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 6
command -v uml_switch >/dev/null || bail "no uml_switch (uml-utilities)"

fleet_conf "$T_DIR/conf" "$T_DIR/uml" lab solo
echo 'SWITCH="t1"' >>"$T_DIR/conf/lab.conf"
start_server "$T_DIR/conf"
both() { is_state lab running && is_state solo running; }
wait_until 90 both || bail "lab and solo did not boot ($(state_of lab), $(state_of solo))"
for n in lab solo; do
	_p=$(pid_of "$n") && track_group "$_p"
done

tui_session t 120 30 "$UMLTOP" -S "$SOCK"
tui_wait t 'lab  running' || bail "the TUI shows no pane for lab"
tmx send-keys -t t t
tui_wait t 'sorted by NAME'
ok $? "t shows the table"

# net_cell NAME: what NAME's row holds under the NET heading, from the
# heading's column to the next run of two spaces.
net_cell() {
	tui_screen t | awk -v name="$1" '
	!col && /^ NAME .* NET( |$)/ { col = index($0, " NET") + 1 }
	col && $1 == name { s = substr($0, col); sub(/  .*/, "", s); print s; exit }'
}
tui_screen t | grep -qE '^ NAME +STATE .* RSS  NET +REASON$'
tui_ok t $? "the table has a NET column between RSS and REASON"
[ "$(net_cell lab)" = "eth0=sw:t1" ]
tui_ok t $? "lab's row: eth0 on switch t1 ($(net_cell lab))"
[ "$(net_cell solo)" = "-" ]
tui_ok t $? "solo's row: no interface ($(net_cell solo))"

# 80 columns: the row still has room for lab's interface, whole.
tmx resize-window -t t -x 80 -y 24
narrow() { tui_has t 'sorted by NAME' && [ "$(tui_fmt t '#{pane_width}')" = 80 ] &&
	[ "$(net_cell lab)" = "eth0=sw:t1" ]; }
wait_until 10 narrow
tui_ok t $? "on 80 columns lab's interface is shown whole ($(net_cell lab))"

tmx send-keys -t t Escape q
tui_wait_dead t
ctl halt-all --wait --timeout 120 >/dev/null 2>&1
stop_server
server_exited_ok
t_done
