#!/bin/sh
# Colours and attributes as they reach the real terminal, read back as
# tmux's own account of the cells (capture-pane -e): `umltop attach` to a
# real UML under three terminal descriptions.  A guest's RGB colour
# arrives exact when the description is a direct-colour one (TERM itself,
# or TERM=xterm-256color with COLORTERM=truecolor, which makes umltop open
# its xterm-direct256 sibling), and as the nearest of 256 when it is not;
# palette colours stay palette colours; dim and underline arrive.  The
# direct descriptions are compiled here, as ncurses-term has them (it is
# not needed on the machine).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 9

A="$UMLTOP attach -S $SOCK"
W=100 H=30

# xterm-direct256: 0-255 palette, the rest RGB.
tui_direct256

fleet_conf "$T_DIR/conf" "$T_DIR/uml" web
start_server "$T_DIR/conf"
wait_until 60 ctl status >/dev/null 2>&1 || bail "the server does not answer"
ctl wait web running --timeout 90 >/dev/null || bail "web did not boot: $(ctl status)"

# has_sgr S WORD SEQ: tmux holds SEQ (e.g. "38;2;10;200;30") for WORD.
has_sgr() { tui_sgr_at "$1" "$2" | tr '\n' ';' | grep -q -- "^\(.*;\)\?$3;"; }

# The line every session shows: an RGB word, a palette word (256-colour
# 196 on palette 4), a dim word and an underlined one.
LINE='printf "mark-$((6*7)) \033[38;2;10;200;30mRGB\033[0m \033[38;5;196;44mPAL\033[0m \033[2mDIM\033[0m \033[4mUND\033[0m\n"'

# session S ENV...: attach under env ENV in session S, the line printed.
session() {
	_s=$1
	shift
	tui_session "$_s" $W $H env TERMINFO="$TI" "$@" $A web
	tui_wait "$_s" '/ #' || bail "$_s: no prompt"
	tui_type "$_s" "clear; $LINE"
	tui_wait "$_s" 'mark-42 RGB PAL DIM UND' || bail "$_s: the line did not come"
	sleep 1 # the last frame
}

# ---- TERM=xterm-256color and COLORTERM=truecolor: the direct sibling ----
session tc TERM=xterm-256color COLORTERM=truecolor
has_sgr tc RGB '38;2;10;200;30'
ok $? "COLORTERM=truecolor, TERM=xterm-256color: RGB arrives exact ($(tui_sgr_at tc RGB | tr '\n' ' '))"
has_sgr tc PAL '38;5;196' && has_sgr tc PAL '44'
ok $? "COLORTERM=truecolor: palette colours stay palette colours ($(tui_sgr_at tc PAL | tr '\n' ' '))"
has_sgr tc UND '4'
ok $? "COLORTERM=truecolor: underline arrives ($(tui_sgr_at tc UND | tr '\n' ' '))"

# ---- TERM a direct description itself ----
session dt TERM=xterm-direct256
has_sgr dt RGB '38;2;10;200;30'
ok $? "TERM=xterm-direct256: RGB arrives exact ($(tui_sgr_at dt RGB | tr '\n' ' '))"
has_sgr dt PAL '38;5;196' && has_sgr dt PAL '44'
ok $? "TERM=xterm-direct256: palette colours stay palette colours ($(tui_sgr_at dt PAL | tr '\n' ' '))"

# ---- a 256-colour terminal that says nothing of RGB ----
session nc TERM=xterm-256color COLORTERM=
# 10,200,30: the cube's 0,215,0 is the nearest
has_sgr nc RGB '38;5;40'
ok $? "TERM=xterm-256color alone: RGB as the nearest of 256 ($(tui_sgr_at nc RGB | tr '\n' ' '))"
has_sgr nc PAL '38;5;196' && has_sgr nc PAL '44'
ok $? "TERM=xterm-256color alone: palette colours as they are ($(tui_sgr_at nc PAL | tr '\n' ' '))"
has_sgr nc UND '4'
ok $? "TERM=xterm-256color alone: underline arrives ($(tui_sgr_at nc UND | tr '\n' ' '))"

# Dim (SGR 2), which the console emulator keeps in the cell, arrives.
has_sgr nc DIM '2'
ok $? "dim arrives as dim ($(tui_sgr_at nc DIM | tr '\n' ' '))"

for s in tc dt nc; do tmx send-keys -t $s C-]; done
t_done
