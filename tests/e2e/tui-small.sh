#!/bin/sh
# The TUI at 80x24, starting its own server (-c passed on): prompts in three
# panes, typing into one pane, the guests' sizes following tmux resizes to
# 250x70 and back, mouse selection, the table and help views, and Q (halt
# all, stop the server) from the keyboard.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 24

# HALT_TIMEOUT 10: a guest that ignores ctrl-alt-del (c, just restarted
# after a kill, sometimes does) is halted within the test's patience.
fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c -- HALT_TIMEOUT=10
# A binding changed in the global config file: the table moves to T.
echo 'BIND_TABLE="T"' >"$T_DIR/conf/umltop.conf"
tui_session t 80 24 "$UMLTOP" -S "$SOCK" -c "$T_DIR/conf"
wait_until 60 test -S "$SOCK" || bail "umltop did not start a server on $SOCK"
# The server it started, by its private socket; the UMLs by their groups.
SERVER_PID=$(pgrep -f -- "server -S $SOCK" | head -n 1)
[ -n "$SERVER_PID" ] && track_pid "$SERVER_PID"
track_fleet() {
	for n in a b c; do
		_p=$(field_of "$n" pid)
		[ -n "$_p" ] && [ "$_p" != 0 ] && track_group "$_p"
	done
}

all_prompts() { for n in a b c; do tui_pane_prompt t "$n" || return 1; done; }
started=$(date +%s)
wait_until 90 all_prompts
tui_ok t $? "umltop started the server; three prompts in three panes at 80x24 ($(( $(date +%s) - started )) s)"
track_fleet

# Two panes side by side have 40 columns each: every title still shows
# its memory and CPU figures whole, and the hints keep help and detach.
figures_shown() {
	[ "$(tui_screen t | sed 's/│/|/g' | awk -F'|' '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[ >][abc]  running  / && $i ~ /[0-9]+\/[0-9]+M/ && $i ~ /[0-9]\.[0-9]%/)
				n++
	} END { print n + 0 }')" -eq 3 ]
}
wait_until 30 figures_shown
tui_ok t $? "each narrow title shows its memory and CPU figures whole"
tui_screen t | tail -n 1 | grep -q '^?: help  q: detach  '
tui_ok t $? "the key hints on 80 columns start with help and detach"

tmx send-keys -t t Tab Enter
tui_type t 'echo pane-$((6*7))'
tui_pane_wait t b 'pane-42' && ! tui_pane_has t a 'pane-42' && ! tui_pane_has t c 'pane-42'
ok $? "pane-42 shows in the focused pane b only"
! tui_screen t | grep -q -e '\^\[\[' -e '\[[0-9]*;[0-9]*R'
ok $? "no stray cursor-position reply on the screen"
small=$(tui_pane_size t b)
[ "$(tui_stty t b)" = "$small" ]
ok $? "b's stty size matches its pane at 80x24 ($small)"

tmx resize-window -t t -x 250 -y 70
relaid() { [ "$(tui_pane_size t b)" != "$small" ] && [ "$(tui_titles t | wc -l)" -eq 3 ]; }
wait_until 30 relaid
ok $? "at 250x70 the panes are laid out again ($(tui_pane_size t b))"
wait_until 30 all_prompts
ok $? "and every prompt is still readable"
big=$(tui_pane_size t b)
[ "$(tui_stty t b)" = "$big" ]
ok $? "b's stty size follows its pane ($big)"
[ "$(tui_fmt t '#{pane_width}x#{pane_height}')" = 250x70 ]
ok $? "tmux shows the TUI at 250x70"

tmx resize-window -t t -x 80 -y 24
back() { [ "$(tui_pane_size t b)" = "$small" ]; }
wait_until 30 back && wait_until 30 all_prompts
ok $? "back at 80x24: the old grid, prompts readable"
[ "$(tui_stty t b)" = "$small" ]
ok $? "and b's stty size is $small again"

# A click on c's title selects c (X10 mouse report: button, column, row + 33).
tmx send-keys -t t C-a Escape
tui_wait t 'Enter: focus'
row=$(tui_screen t | grep -n '^ c  ' | cut -d: -f1)
tmx send-keys -t t -l "$(printf '\033[M %s%s' '&' "$(printf "\\$(printf %o $((32 + row)))")")"
tmx send-keys -t t -l "$(printf '\033[M#%s%s' '&' "$(printf "\\$(printf %o $((32 + row)))")")"
wait_until 30 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q '^>c  running'"
ok $? "a mouse click on c's pane selects it"

# c is selected: K kills it (after y); its pane keeps the last screen.
tmx send-keys -t t K
tui_wait t 'SIGKILL c?'
ok $? "K asks for confirmation"
tmx send-keys -t t y
c_down() { is_state c stopped || is_state c crashed; }
c_shown_down() { c_down && tui_has t '>c  stopped' && tui_pane_prompt t c; }
wait_until 30 c_shown_down
ok $? "K y: c is killed, its title says stopped, its last screen stays"
tmx send-keys -t t S
c_up() { is_state c running && tui_has t '>c  running'; }
wait_until 90 c_up
ok $? "S starts c again"
track_fleet

tmx send-keys -t t T
tui_wait t 'sorted by NAME'
ok $? "T (BIND_TABLE from umltop.conf) shows the table, with its sort keys"
tmx send-keys -t t r
tui_wait t 'sorted by RSS'
ok $? "r sorts it by RSS"
rss_rows() { [ "$(tui_screen t | grep -cE '^ [abc] +(running|starting) .* [0-9]+M *$')" -eq 3 ]; }
tui_has t ' RSS' && wait_until 30 rss_rows
tui_ok t $? "on 80 columns every row shows its RSS, the last column"
tmx send-keys -t t Escape '?'
tui_wait t 'umltop keys' && tui_has t 'T        table'
ok $? "? shows the key bindings, as configured"
tmx send-keys -t t Escape s
tui_wait t 'b e h i m o p s u w (h: help); c, t CRASH it.' && tui_has t 'Letter (Esc cancels)'
tui_ok t $? "s on 80 columns: every letter offered, and the crash warning, on the line"
tmx send-keys -t t Escape

# Q: halt everything and stop the server; the TUI exits with a summary.
tmx send-keys -t t Q
tui_wait t 'and stop the server?'
ok $? "Q asks for confirmation"
tmx send-keys -t t y
gone() { ! kill -0 "$SERVER_PID" 2>/dev/null; }
wait_until 180 gone
ok $? "Q y: the server halted every instance and exited"
summary() {
	tui_screen t | grep -q 'the server stopped: [0-3] stopped cleanly, [0-3] needed halt, 0 killed' &&
		[ $(($(tui_screen t | sed -n 's/.*stopped: \([0-3]\) stopped cleanly, \([0-3]\) needed.*/\1+\2/p'))) -eq 3 ]
}
wait_until 30 summary
tui_ok t $? "the TUI exits with the summary line"

t_done
