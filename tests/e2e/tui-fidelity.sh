#!/bin/sh
# Issue 14's sequences, printed in a real UML's console and read back as
# the user sees them: once in `umltop attach`, once in a zoomed TUI pane,
# both on a direct-colour terminal (tmux's capture-pane for the text,
# capture-pane -e for colours and attributes).  DECRC brings back the
# character set DECSC saved; DECCOLM clears and homes; DECALN fills with
# E's in the default rendition; 38:2::R:G:B and 38:2:R:G:B arrive exact;
# REP repeats only the glyph right before it; concealed text is not shown;
# dim and curly underline arrive.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 25

W=100 H=30

# xterm-direct256: 0-255 palette, the rest RGB.
tui_direct256

fleet_conf "$T_DIR/conf" "$T_DIR/uml" web
start_server "$T_DIR/conf"
wait_until 60 ctl status >/dev/null 2>&1 || bail "the server does not answer"
ctl wait web running --timeout 90 >/dev/null || bail "web did not boot: $(ctl status)"

# ---- reading the screen ----

# The text of S's screen, trailing blanks dropped.
text() { tui_screen "$1" | sed 's/ *$//'; }
# S's screen holds the line LINE, exactly (from column 1: attach and a
# zoomed pane both start the console there).
has_line() { text "$1" | grep -q -x -F -- "$2"; }
# The console's rows alone: above attach's status line, or web's pane.
console() {
	if [ "$1" = t ]; then tui_pane t web; else tui_screen "$1" | sed '$d'; fi
}
# The line that starts with LABEL, for the report.
line_of() { text "$1" | grep -m 1 -F -- "$2"; }

# has_sgr S WORD ERE: one run of tmux's parameters for WORD, joined by
# ";" and ended by one, matches ERE (e.g. "38;2;10;20;30;").
has_sgr() { tui_sgr_at "$1" "$2" | tr '\n' ';' | grep -q -E -- "(^|;)$3"; }
sgrs() { tui_sgr_at "$1" "$2" | tr '\n' ' '; }

# The guest's view of its console: "ROWS COLS", asked at the prompt.
guest_size() {
	# shellcheck disable=SC2016 # expanded by the guest's shell
	tui_type "$1" 'echo sz $(stty size) zs'
	wait_until 30 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t '$1' | grep -q '^sz [0-9]* [0-9]* zs'" ||
		return 1
	text "$1" | sed -n 's/^sz \([0-9]*\) \([0-9]*\) zs$/\1 \2/p' | tail -n 1
}

# screen S CMD: a fresh console screen with CMD's output, held there by
# `read` (the prompt comes back only at the next Enter, which also puts
# the default rendition and character set back).
screen() {
	tmx send-keys -t "$1" Enter
	tui_type "$1" "clear; $2; read _; printf '\\033[0m\\033(B'"
}

# Rows of S's screen that are E's from column 1 to COLS, by number (0-based).
e_rows() { text "$1" | awk -v c="$2" '$0 ~ "^E+$" && length($0) == c { print NR - 1 }'; }
# No row of S's in ROWS... has a blue background (44, or 48 in any form).
no_blue() {
	_s=$1
	shift
	for _r in "$@"; do
		tmx capture-pane -e -p -t "$_s" -S "$_r" -E "$_r" |
			grep -o "$(printf '\033')\[[0-9;:]*m" | tr -d '\033[m' | tr ';' '\n' |
			grep -q -x -e 44 -e '48.*' && return 1
	done
	return 0
}

# ---- the checks, on S (attach or the zoomed pane) ----

LINES_CMD="printf 'one>\\033(0\\0337\\033(B\\0338qqq\\033(B<one\\n'"
LINES_CMD="$LINES_CMD; printf 'four>\\033[38:2::10:20:30mRGBX\\033[0m \\033[38:2:40:50:60mRGBY\\033[0m<four\\n'"
LINES_CMD="$LINES_CMD; printf 'five>+\\033[C\\033[3b<five\\nrep>+\\033[2b<rep\\n'"
# (S\105CRET: the command line echoed does not say SECRET either)
LINES_CMD="$LINES_CMD; printf 'six>\\033[8mS\\105CRET\\033[0m<six\\n'"
LINES_CMD="$LINES_CMD; printf 'seven>\\033[2mDIM\\033[0m \\033[4:3mCURLY\\033[0m<seven\\n'"
LINES_CMD="$LINES_CMD; echo lines-\$((6*7))"

checks() {
	s=$1 where=$2
	size=$(guest_size "$s") || bail "$where: the guest did not say its size"
	rows=${size% *} cols=${size#* }

	# 1, 4, 5, 6, 7: one line each.
	screen "$s" "$LINES_CMD"
	tui_wait "$s" 'lines-42' 60 || { tui_diag "$s"; bail "$where: the lines did not come"; }
	has_line "$s" 'one>───<one'
	tui_ok "$s" $? "$where: DECRC restores DEC graphics saved by DECSC: qqq is ─── ($(line_of "$s" 'one>'))"
	has_sgr "$s" RGBX '38;2;10;20;30;'
	ok $? "$where: 38:2::10:20:30 is rgb(10,20,30) exact ($(sgrs "$s" RGBX))"
	has_sgr "$s" RGBY '38;2;40;50;60;'
	ok $? "$where: 38:2:40:50:60 (no colour space id) is rgb(40,50,60) exact ($(sgrs "$s" RGBY))"
	has_line "$s" 'five>+ <five'
	tui_ok "$s" $? "$where: REP after a cursor movement repeats nothing ($(line_of "$s" 'five>'))"
	has_line "$s" 'rep>+++<rep'
	tui_ok "$s" $? "$where: REP right after a glyph repeats it: +++ ($(line_of "$s" 'rep>'))"
	has_line "$s" 'six>      <six' && ! tui_has "$s" SECRET
	tui_ok "$s" $? "$where: concealed text (SGR 8) is blank and SECRET is nowhere ($(line_of "$s" 'six>'))"
	has_sgr "$s" DIM '2;'
	ok $? "$where: dim arrives as dim ($(sgrs "$s" DIM))"
	has_sgr "$s" CURLY '4(:[1-5])?;'
	ok $? "$where: curly underline arrives underlined ($(sgrs "$s" CURLY))"

	# 2: DECCOLM clears and homes, the width unchanged.  (J\125NK: the
	# command line echoed does not say JUNK; the mark comes after.)
	screen "$s" "printf '\\033[15;1HJ\\125NK\\033[?3lHOME\\033[10;1H'; echo mark-\$((6*7))"
	tui_wait "$s" 'mark-42' 60 || { tui_diag "$s"; bail "$where: DECCOLM's mark did not come"; }
	console "$s" | sed -n 1p | grep -q '^HOME' && ! tui_has "$s" JUNK
	tui_ok "$s" $? "$where: DECCOLM clears the screen and homes the cursor: HOME top left, no JUNK"

	# 3: DECALN in blue: E's everywhere, in the default rendition.
	screen "$s" "printf '\\033[44m\\033#8'"
	full() { [ "$(e_rows "$s" "$cols" | wc -l)" -eq "$rows" ]; }
	wait_until 60 full
	tui_ok "$s" $? "$where: DECALN fills the ${cols}x$rows console with E's ($(e_rows "$s" "$cols" | wc -l) full rows)"
	# shellcheck disable=SC2046
	no_blue "$s" $(e_rows "$s" "$cols") && [ -n "$(e_rows "$s" "$cols")" ]
	ok $? "$where: DECALN's E's have no blue background (44)"
	tmx send-keys -t "$s" Enter
}

# ---- attach ----
tui_session a $W $H env TERMINFO="$TI" TERM=xterm-direct256 "$UMLTOP" attach -S "$SOCK" web
tui_wait a '/ #' 60 || bail "attach: no prompt"
checks a attach
tmx send-keys -t a C-]
tui_wait_dead a
ok $? "attach detaches (C-])"

# ---- the TUI: web's pane focused and zoomed ----
tui_session t $W $H env TERMINFO="$TI" TERM=xterm-direct256 "$UMLTOP" -S "$SOCK"
wait_until 60 tui_pane_prompt t web || { tui_diag t; bail "TUI: no prompt in web's pane"; }
tmx send-keys -t t Enter
tmx send-keys -t t C-a z
zoomed() { [ "$(tui_titles t)" = web ] && [ "$(tui_pane_size t web)" = "$((H - 3)) $W" ]; }
wait_until 30 zoomed
tui_ok t $? "TUI: web's pane focused and zoomed ($(tui_pane_size t web))"
checks t 'TUI pane'

tmx send-keys -t t q
stop_server
server_exited_ok
t_done
