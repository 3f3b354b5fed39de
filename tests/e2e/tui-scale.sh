#!/bin/sh
# Twelve real UMLs in the TUI: at 200x50 every pane is readable (a prompt
# in each, consoles of at least 40x12); at 80x24 they go on pages that ]
# turns.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 6

names="u01 u02 u03 u04 u05 u06 u07 u08 u09 u10 u11 u12"
# shellcheck disable=SC2086
fleet_conf "$T_DIR/conf" "$T_DIR/uml" $names
start_server "$T_DIR/conf"
tui_session t 200 50 "$UMLTOP" -S "$SOCK"

all_prompts() { for n in $names; do tui_pane_prompt t "$n" || return 1; done; }
start=$(date +%s)
wait_until 300 all_prompts
tui_ok t $? "twelve prompts show in twelve panes at 200x50 ($(($(date +%s) - start)) s)"
[ "$(tui_titles t | wc -l)" -eq 12 ]
ok $? "twelve title bars on one screen"
readable() {
	for n in $names; do
		set -- $(tui_pane_size t "$n")
		[ "${1:-0}" -ge 12 ] && [ "${2:-0}" -ge 40 ] || { diag "$n: $*"; return 1; }
	done
}
readable
ok $? "every console is at least 40x12 ($(tui_pane_size t u12))"

tmx resize-window -t t -x 80 -y 24
wait_until 30 tui_has t 'page 1/2'
ok $? "at 80x24 the panes go on two pages"
first=$(tui_titles t | tr '\n' ' ')
[ "$first" = "u01 u02 u03 u04 u05 u06 " ]
ok $? "page 1 holds the first six ($first)"
tmx send-keys -t t ']'
wait_until 30 tui_has t 'page 2/2'
second=$(tui_titles t | tr '\n' ' ')
[ "$second" = "u07 u08 u09 u10 u11 u12 " ]
ok $? "] turns to page 2 with the other six ($second)"

stop_server
t_done
