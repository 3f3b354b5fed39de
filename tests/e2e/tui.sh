#!/bin/sh
# The TUI at 200x50 with three real UMLs: prompts in three panes, typing into
# the focused pane only, no stray terminal-query replies, zoom, sysrq from
# the keyboard, ctrl-alt-del with confirmation, detach and come back to the
# same screens, halt-all with its progress view.  One server and fleet for
# every assertion (boots are the expensive part).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 32

fleet_conf "$T_DIR/conf" "$T_DIR/uml" a b c
start_server "$T_DIR/conf"
tui_session t 200 50 "$UMLTOP" -S "$SOCK"
started=$(date +%s)

all_prompts() { for n in a b c; do tui_pane_prompt t "$n" || return 1; done; }
wait_until 90 all_prompts
tui_ok t $? "three guests' prompts show in three panes ($(( $(date +%s) - started )) s)"
[ "$(tui_titles t | tr '\n' ' ')" = "a b c " ]
ok $? "one title bar per instance, in config order"
wait_until 30 tui_has t "3 running"
ok $? "the header counts instances by state"

# Focus the second pane (Tab selects it, Enter focuses) and type there.
tmx send-keys -t t Tab Enter
tui_type t 'echo pane-$((6*7))'
tui_pane_wait t b 'pane-42'
ok $? "pane-42 shows in the focused pane b"
! tui_pane_has t a 'pane-42' && ! tui_pane_has t c 'pane-42'
ok $? "and in no other pane"
tui_type t 'echo typed-at-prompt'
tui_pane_wait t b 'typed-at-prompt'
! tui_screen t | grep -q -e '\^\[\[' -e '\[[0-9]*;[0-9]*R'
ok $? "no stray cursor-position reply (^[[..R) on the screen"
[ "$(tui_stty t b)" = "$(tui_pane_size t b)" ]
ok $? "the guest's stty size matches its pane ($(tui_pane_size t b))"

# Search b's console, and scroll it back.
tmx send-keys -t t C-a /
tmx send-keys -t t -l 'pane-42'
tmx send-keys -t t Enter
tui_wait t '"pane-42" in b'
ok $? "/ finds pane-42 in b's console"
# the match is highlighted (black on yellow; the message line names it
# too); a search that finds nothing takes the highlight away
lit() { tmx capture-pane -p -e -t t | grep 'pane-42' | grep -v '" in b' | grep -q '43m'; }
wait_until 30 lit
ok $? "the match is highlighted"
tmx send-keys -t t C-a /
tmx send-keys -t t -l 'zzz-nowhere'
tmx send-keys -t t Enter
tui_wait t '"zzz-nowhere": no' && wait_until 30 sh -c "! { $(command -v tmux) -S '$TMUX_SOCK' capture-pane -p -e -t t | grep 'pane-42' | grep -q '43m'; }"
ok $? "a search that finds nothing leaves no highlight behind"
tmx send-keys -t t C-a PageUp
wait_until 30 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q 'scrolled back'"
ok $? "PgUp scrolls b's console back (its title says so)"
tmx send-keys -t t C-a PageDown
wait_until 30 sh -c "! tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q 'scrolled back'" &&
	tui_pane_prompt t b
ok $? "PgDn returns to the live screen"

# A flood in b, faster than anyone reads.  PgUp during it holds the view
# still; the pane then shows its end, and PgUp brings back the numbered
# lines that scrolled by during it.
tui_type t 'yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789 | head -c 6000000; i=0; while [ $i -lt 80 ]; do i=$((i+1)); printf "tail-%03d\n" $i; done; echo flood-$((6*7))'
tui_pane_wait t b '0123456789abcdefghijklmnopqrstuvwxyz0123456789' 60
sleep 1 # by now the pane holds a flood's screen, which has no history
tmx send-keys -t t C-a PageUp
wait_until 30 tui_has t 'scrolled back'
held=$(tui_pane t b)
sleep 1
[ "$(tui_pane t b)" = "$held" ] && tui_has t 'scrolled back' && ! tui_pane_has t b 'flood-42'
tui_ok t $? "PgUp during the flood: b's view holds still, scrolled back"
tmx send-keys -t t C-a PageDown
flood_end() { tui_pane_has t b 'flood-42' && tui_pane_has t b 'tail-080' && tui_pane_prompt t b; }
wait_until 300 flood_end
tui_ok t $? "PgDn, and after the 6 MB flood b's pane shows its end (tail-080, flood-42, the prompt)"
tails() { tui_pane t b | sed -n 's/^tail-\([0-9]*\).*/\1/p' | tr '\n' ' '; }
consecutive() { echo "$1" | awk '{ for (i = 2; i <= NF; i++) if ($i != $(i - 1) + 1) exit 1 }'; }
live=$(tails)
# PgUp until it has taken: the whole picture, scrollback and all, follows
# a flood's last screen by about 0.1 s.
ups=0
back_further() {
	tui_has t 'scrolled back' || { tmx send-keys -t t C-a PageUp; ups=$((ups + 1)); }
	b=$(tails)
	[ -n "$b" ] && [ "${b%% *}" -lt "${live%% *}" ]
}
wait_until 30 back_further && consecutive "$(tails)" && ! tui_pane_has t a 'tail-0'
tui_ok t $? "PgUp shows the tail lines above the screen in order (tail-${live%% *}... then tail-$(tails | cut -d' ' -f1)...); a shows none"
# as many pages down as went up (a slow paint can take two PgUps)
while [ "$ups" -gt 0 ]; do tmx send-keys -t t C-a PageDown; ups=$((ups - 1)); done
wait_until 30 tui_pane_prompt t b && ! tui_has t 'scrolled back'
ok $? "PgDn: b's live screen again"
tui_type t 'echo pane-$((6*7))' # what the later checks look for

# Zoom from focus mode (prefix z), check the size, and back.
tmx send-keys -t t C-a z
zoomed() { [ "$(tui_titles t)" = b ] && [ "$(tui_pane_size t b)" = "47 200" ]; }
wait_until 30 zoomed
ok $? "z shows b alone on the full screen (47x200 console)"
[ "$(tui_stty t b)" = "47 200" ]
ok $? "the zoomed guest's stty size is 47 200"
# The title bar shares the console's window: its colours must stay there.
sgr=$(tui_line_sgr t '^pane-42')
[ -n "$sgr" ] && ! printf '%s' "$sgr" | grep -q "$(printf '\033')"
ok $? "the zoomed console's text is drawn in the guest's colours, not the title's"
[ -n "$sgr" ] || diag "no line with pane-42"
printf '%s' "$sgr" | grep -q "$(printf '\033')" && diag "$(printf '%s' "$sgr" | cat -v)"
tmx send-keys -t t C-a z
regrid() { [ "$(tui_titles t | tr '\n' ' ')" = "a b c " ]; }
wait_until 30 regrid
ok $? "z again restores the grid"
tmx send-keys -t t C-a Escape
tui_wait t 'Enter: focus'
ok $? "prefix Escape returns to the overview"

# sysrq help on c: select it (Down from b), s, then h.
tmx send-keys -t t Down s
tui_wait t 'CRASH this kernel'
ok $? "s prompts for the letter and warns about the crashing ones"
tmx send-keys -t t h
tui_pane_wait t c 'sysrq: HELP'
ok $? "s h: the kernel's sysrq help shows in c's console"
! tui_pane_has t a 'sysrq: HELP' && ! tui_pane_has t b 'sysrq: HELP'
ok $? "and in no other console"

# ctrl-alt-del on a, with confirmation.
tmx send-keys -t t Up Up c
tui_wait t 'ctrl-alt-del to a?'
ok $? "c asks for confirmation"
tmx send-keys -t t y
a_stopped() { is_state a stopped && tui_screen t | grep -q '^>a  stopped'; }
wait_until 120 a_stopped
ok $? "c y: a powers off and its title shows stopped"
is_state b running && is_state c running
ok $? "b and c keep running"

# Detach, come back: the same screens.
tmx send-keys -t t q
wait_until 30 tui_has t 'keep running'
ok $? "q detaches, saying the instances keep running"
tmx kill-session -t t
tui_session t2 200 50 "$UMLTOP" -S "$SOCK"
wait_until 30 tui_pane_has t2 b 'pane-42'
ok $? "umltop again shows b's screen as it was (pane-42)"

# A TUI whose terminal goes away while it ignores SIGHUP ends by itself
# (it did linger, connected, painting into EIO); the instances run on.
tmx -f "$TUI_CONF" new-session -d -s gone -x 100 -y 30 \
	sh -c 'echo $$ >"$1"; trap "" HUP; exec "$2" -S "$3" 2>"$4"' sh "$T_DIR/gone.pid" \
	"$UMLTOP" "$SOCK" "$T_DIR/gone.err"
wait_until 30 tui_has gone 'running'
gone=$(cat "$T_DIR/gone.pid")
track_pid "$gone"
tmx kill-session -t gone
wait_until 30 sh -c "! kill -0 $gone 2>/dev/null" && grep -q 'the terminal is gone' "$T_DIR/gone.err" &&
	is_state b running && is_state c running
ok $? "a TUI that ignores SIGHUP exits when its terminal is gone, saying so; b and c run on"

# Halt all from the keyboard.
tmx send-keys -t t2 H
tui_wait t2 'Halt all 2 running instances?'
tmx send-keys -t t2 y
tui_wait t2 'cad sent, waiting'
ok $? "H y: the progress view shows each instance's phase"
all_zero() {
	for n in a b c; do
		is_state "$n" stopped && [ "$(field_of "$n" exit_code)" = 0 ] || return 1
	done
}
wait_until 120 all_zero && wait_until 30 tui_has t2 'Done: 2 stopped cleanly, 0 needed halt, 0 killed'
ok $? "all end stopped with exit code 0, and the summary line says so"

stop_server
t_done
