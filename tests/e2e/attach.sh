#!/bin/sh
# umltop attach against a real UML, driven through tmux: what a person at
# a terminal sees and types (the screen, the console size, detaching and
# attaching again, two clients, read-only), what a script gets with --raw,
# that the guest's hostile output (titles, clipboard, modes, queries)
# never reaches the real terminal, and the line attach leaves when the
# instance halts or crashes.  One UML, booted twice (the second time to
# crash it).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/lib-tui.sh"
plan 41

A="$UMLTOP attach -S $SOCK"
W=100 H=30

fleet_conf "$T_DIR/conf" "$T_DIR/uml" web
start_server "$T_DIR/conf"
# the socket file exists a moment before the server listens on it
wait_until 60 ctl status >/dev/null 2>&1 || bail "the server does not answer"
ctl wait web running --timeout 90 >/dev/null || bail "web did not boot: $(ctl status)"

# The console text of a session: every line but the status line.
console_of() { tmx capture-pane -p ${2:-} -t "$1" | sed '$d'; }
# has_line S REGEX: a console line of S matches.
has_line() { console_of "$1" | grep -q -- "$2"; }
# A bare prompt on the last console line with text: the guest is idle.
at_prompt() { console_of "$1" | sed '/^ *$/d' | tail -n 1 | grep -q '^/ # *$'; }
# size_is S ROWS COLS: the guest's `stty size` is that, asked again until
# it is or 60 s have gone (a resize travels through SIGWINCH, the server
# and the guest's tty); SIZE is the last answer.
size_is() {
	_end=$(( $(date +%s) + 60 ))
	while :; do
		SIZE=$(stty_of "$1")
		[ "$SIZE" = "$2 $3" ] && return 0
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.5
	done
}
# What the guest answers to `stty size`, marked so an old answer is not read.
stty_of() {
	_m=m$(date +%N | cut -c1-6)
	tui_type "$1" "echo $_m \$(stty size) $_m"
	wait_until 30 marked "$1" "$_m" >/dev/null || return 1
	marked "$1" "$_m"
}
# marked S M: the text between "M " and " M" on a line of S's screen.
marked() {
	_r=$(tui_screen "$1" | sed -n "s/^$2 \(.*[^ ]\) $2 *\$/\1/p" | tail -n 1)
	[ -n "$_r" ] && echo "$_r"
}
# raw_ready S CHECK: a raw attach shows nothing until the guest prints:
# press Enter until CHECK (a shell command) sees a prompt come back.
raw_ready() {
	for _try in 1 2 3 4 5 6 7 8 9 10; do
		tmx send-keys -t "$1" Enter
		wait_until 6 sh -c "$2" && return 0
	done
	tui_screen "$1" | sed 's/^/# /'
	bail "the raw attach in $1 shows no prompt"
}
# How many terminal answers the guest receives to one ESC[6n it prints:
# the tty is put in raw mode and everything that arrives until 3 s pass
# without a byte is counted ('R' ends a cursor position report).  The
# server's emulator answers once; a client that let the query reach its
# terminal makes it 2.
# (At the prompt, ash's line editor swallows extra reports silently, so
# the count is taken with the line editor out of the way.)
replies_of() {
	_m=r$(date +%N | cut -c1-6)
	tui_type "$1" "stty -icanon -echo min 0 time 30; printf '\\033[6n'; cat >/tmp/r; stty sane; echo $_m \$(tr -cd R </tmp/r | wc -c) $_m"
	wait_until 30 marked "$1" "$_m" >/dev/null || return 1
	marked "$1" "$_m"
}

# ---- attach, type, see ----
tui_session a $W $H $A web
tui_wait a '/ #'
tui_type a 'echo $((6*7))'
wait_until 30 has_line a '^42 *$'
ok $? "attach: typed 'echo \$((6*7))' and the screen shows 42"
last=$(tui_screen a | tail -n 1)
echo "$last" | grep -q '^ web  running .*Ctrl-] detach'
ok $? "attach: a status line with the instance, its state and the detach key ($last)"

size_is a $((H - 1)) $W
ok $? "attach: the guest's console is the pane less the status line ($SIZE, pane ${H}x$W)"

n=$(replies_of a)
[ "$n" = 1 ]
ok $? "attach: a query the guest prints is answered once, by the server (got $n)"

# ---- detach, attach again: the same screen ----
tui_type a 'echo first-$((2*21)); printf "\033[1;33mcolour\033[0m \033[38;5;196;48;2;0;0;255mred-on-blue\033[0m \033[3;4mitalic-under\033[0m \033[7mrev\033[0m wide:\344\270\255\346\226\207 e\314\201\n"'
tui_wait a 'first-42'
wait_until 30 at_prompt a
console_of a -e >"$T_DIR/before"
tmx send-keys -t a C-]
tui_wait_dead a
[ "$(tui_status a)" = 0 ] && tui_has a '[detached from web]'
ok $? "Ctrl-] detaches: exit 0, '[detached from web]' ($(tui_status a))"

tui_session b $W $H $A web
tui_wait b 'first-42'
same_screen() { console_of b -e >"$T_DIR/after" && cmp -s "$T_DIR/before" "$T_DIR/after"; }
if wait_until 30 same_screen; then
	pass "attach again: the same screen, line for line and colour for colour ($(grep -c . "$T_DIR/after") lines of text)"
else
	fail "attach again: the screen differs"
	diff "$T_DIR/before" "$T_DIR/after" | sed 's/^/# /'
fi
grep -q -F "$(printf 'wide:\344\270\255\346\226\207 e\314\201')" "$T_DIR/after"
ok $? "attach again: wide and combining characters drawn as such"
# tmux's own account of the cells (capture-pane -e): bold yellow, 256-colour
# red, an RGB blue as the nearest of 256 (21), italic and underline, reverse
sgr=$(printf '\033[1m\033[33mcolour\033[0m\033[39m\033[49m \033[38;5;196m\033[48;5;21mred-on-blue\033[39m\033[49m \033[3;4mitalic-under\033[0m\033[39m\033[49m \033[7mrev')
grep -q -F "$sgr" "$T_DIR/after"
ok $? "attach: colours and attributes drawn (16, 256, RGB mapped to 256, italic, underline, reverse)"

# ---- two clients, one console ----
tui_session c $W $H $A web
tui_wait c 'first-42'
tui_type b 'echo both-$((3+4))'
tui_wait b 'both-7' && tui_wait c 'both-7'
ok $? "two clients: a command typed in one shows its output in both"
# c paints a moment after b: compare once both have settled
both_same() { console_of b >"$T_DIR/b" && console_of c >"$T_DIR/c" && cmp -s "$T_DIR/b" "$T_DIR/c"; }
if wait_until 30 both_same; then
	pass "two clients: the same screen in both"
else
	fail "two clients: the screens differ"
	diff "$T_DIR/b" "$T_DIR/c" | sed 's/^/# /'
fi

# ---- a flood while one client reads its history ----
tui_type b 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 6000000; echo; echo attach-flood-$((6*7))'
wait_until 60 has_line c '^0123456789abcdefghijklmnopqrstuvwxyz'
sleep 1 # by now c holds a flood's screen, which has no history
tmx send-keys -t c S-PPage
wait_until 30 tui_has c 'scrolled back'
held=$(console_of c)
sleep 1
[ "$(console_of c)" = "$held" ] && tui_has c 'scrolled back' && ! has_line c 'attach-flood-42'
ok $? "attach: Shift-PageUp during a flood holds the view still"
wait_until 300 has_line b '^attach-flood-42'
back_live() {
	tui_has c 'scrolled back' && tmx send-keys -t c S-NPage
	has_line c '^attach-flood-42' && ! tui_has c 'scrolled back'
}
wait_until 30 back_live
tui_ok c $? "attach: back at the live screen, the flood's end shows"
tui_type b 'echo both-$((3+4))' # what the next checks look for
tui_wait c 'both-7'

# ---- read-only ----
tui_session r $W $H $A -r web
tui_wait r 'both-7'
tui_has r 'read-only'
ok $? "-r: the status line says read-only"
tui_type r 'echo ro-$((5*5))'
sleep 1.5
! tui_has r 'ro-$((' && ! tui_has b 'ro-$((' && ! tui_has b 'ro-25'
ok $? "-r: typed keys do not reach the guest (nothing on either screen)"
tmx send-keys -t r C-]
tui_wait_dead r
[ "$(tui_status r)" = 0 ]
ok $? "-r: Ctrl-] still detaches"

# The server's side of -r: a client that subscribes read-only and sends
# INPUT anyway is not obeyed; the same client subscribed read-write is.
le16() { printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16)); }
str() { le32 ${#1}; printf '%s' "$1"; }
# poke FLAGS TEXT: HELLO, CONSOLE_SUB web with FLAGS, INPUT TEXT and Enter
poke() {
	{
		le32 $((4 + 4 + 4)); le16 1; le16 0; le32 "$PROTO_VERSION"; str poke
		le32 $((7 + 4 + 1)); le16 4; le16 0; str web; le32 0; printf "\\$(printf %03o "$1")"
		le32 $((7 + 4 + ${#2} + 1)); le16 8; le16 0; str web; le32 $((${#2} + 1)); printf '%s\r' "$2"
	} >"$T_DIR/poke"
	"$top_builddir/tests/fixtures/sock-poke" "$SOCK" 1 <"$T_DIR/poke" >/dev/null
}
poke 3 'echo poke-ro-$((6*6))'
sleep 1
! tui_has b 'poke-ro'
ok $? "-r, the server: INPUT from a read-only subscriber does not reach the guest"
poke 2 'echo poke-rw-$((6*6))'
tui_wait b 'poke-rw-36'
ok $? "control: the same INPUT from a read-write subscriber does"
tmx send-keys -t c C-]
tui_wait_dead c

# ---- another detach key, no status line ----
tui_session e $W $H $A -e ^x --no-status web
tui_wait e 'both-7'
! tui_has e 'detach'
ok $? "--no-status: no status line"
size_is e $H $W
ok $? "--no-status: the console has the whole pane ($SIZE)"
tmx send-keys -t e C-]
sleep 1
! tui_dead e
ok $? "-e ^x: Ctrl-] no longer detaches"
tmx send-keys -t e C-x
tui_wait_dead e
[ "$(tui_status e)" = 0 ]
ok $? "-e ^x: Ctrl-x detaches"

# ---- the size follows the terminal ----
tmx resize-window -t b -x 90 -y 25
size_is b 24 90
ok $? "resized to 90x25: the guest's console follows ($SIZE)"
tmx send-keys -t b C-^
wait_until 30 sh -c "! tmux -S '$TMUX_SOCK' capture-pane -p -t b | grep -q 'detach'"
ok $? "Ctrl-^ hides the status line"
size_is b 25 90
ok $? "without the status line the console has the whole pane ($SIZE)"
tmx send-keys -t b C-^
tui_wait b 'Ctrl-] detach'
ok $? "Ctrl-^ brings the status line back"

# ---- hostile output ----
# First show that these bytes, written straight to a tmux pane, do change
# its title, its mouse and origin modes and its clipboard (so the checks
# below can fail), then print them from the guest.
HOSTILE='\033]0;PWNED-0\007\033]2;PWNED-2\033\\\033]52;c;cHduZWQ=\007\033[?1000h\033[?6h'
title0=$(tui_fmt b '#{pane_title}')
tui_session ctl 80 10 sh -c "printf '$HOSTILE'; sleep 3600"
wait_until 30 sh -c "[ \"\$(tmux -S '$TMUX_SOCK' display-message -p -t ctl '#{pane_title}')\" = PWNED-2 ]"
leak=$(tui_fmt ctl '#{pane_title} #{mouse_standard_flag} #{origin_flag}')
[ "$leak" = "PWNED-2 1 1" ] && [ -n "$(tmx list-buffers)" ]
ok $? "control: the hostile bytes straight to tmux set its title, modes, clipboard ($leak)"
tmx delete-buffer 2>/dev/null
tmx kill-session -t ctl

tui_type b "printf '$HOSTILE'; echo hostile-\$((1+1))done"
tui_wait b 'hostile-2done'
now=$(tui_fmt b '#{pane_title} #{mouse_standard_flag} #{mouse_any_flag} #{origin_flag}')
[ "$now" = "$title0 0 0 0" ]
ok $? "hostile output: the pane's title and modes are unchanged ($now)"
[ -z "$(tmx list-buffers)" ]
ok $? "hostile output: no clipboard write reached the terminal"
tui_type b "printf '\\033[?6l\\033[?1000l'; clear"

# ---- --raw ----
tui_session f $W $H sh -c "$A --raw web >'$T_DIR/raw.out'"
raw_ready f "grep -q '/ # ' '$T_DIR/raw.out'"
sleep 1 # busybox reads the reply to its prompt's ESC[6n first (as in server.sh)
tui_type f 'echo raw-$((8*8))'
wait_until 30 grep -q '^raw-64' "$T_DIR/raw.out"
ok $? "--raw, stdout to a file: the output of a typed command is in the file"
wait_until 30 grep -q "$(printf '\033\\[6n')" "$T_DIR/raw.out"
ok $? "--raw, stdout to a file: the bytes as they are (the prompt's ESC[6n is there)"
tmx send-keys -t f C-]
tui_wait_dead f
[ "$(tui_status f)" = 0 ]
ok $? "--raw: Ctrl-] from a terminal detaches"

# control: raw through a pipe is not filtered; with the pipe's reader
# writing to the terminal, the terminal does answer the guest
tui_session p $W $H sh -c "$A --raw web | cat"
raw_ready p "tmux -S '$TMUX_SOCK' capture-pane -p -t p | grep -q '^/ #'"
n=$(replies_of p)
[ "$n" = 2 ]
ok $? "control: unfiltered, the terminal answers the guest's query too (replies $n)"
tmx send-keys -t p C-]
tui_wait_dead p

tui_session t $W $H $A --raw web
raw_ready t "tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q '^/ #'"
tui_type t 'echo rawtty-$((9*9))'
tui_wait t 'rawtty-81'
ok $? "--raw on a terminal: the console's output shows"
n=$(replies_of t)
[ "$n" = 1 ]
ok $? "--raw on a terminal: queries are stripped, the terminal never answers the guest (replies $n)"
tmx send-keys -t t C-]
tui_wait_dead t

printf 'echo piped-$((7*6))\r' | $A web >"$T_DIR/pipe.out" 2>&1
[ $? -eq 0 ]
ok $? "--raw by default with a pipe: stdin's EOF detaches with status 0"
tui_wait b 'piped-42'
ok $? "--raw with a pipe: what was piped in reached the guest before detaching"

$A nosuch </dev/null >"$T_DIR/unknown.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "unknown instance 'nosuch'.*web" "$T_DIR/unknown.out"
ok $? "unknown instance: exit 2, the known ones named ($(cat "$T_DIR/unknown.out"))"

# ---- the instance stops ----
ctl halt web >/dev/null
tui_wait b 'halting (cad'
ok $? "halt: the status line shows the phase ($(tui_screen b | tail -n 1 | sed 's/  */ /g'))"
tui_wait_dead b 120
[ "$(tui_status b)" = 0 ] && tui_has b 'web stopped: halted'
ok $? "halt: attach exits 0 with the reason ($(tui_screen b | grep '^web ' | tail -n 1))"

ctl start web >/dev/null
ctl wait web running --timeout 90 >/dev/null || bail "web did not boot again"
tui_session k $W $H $A web
tui_wait k '/ #'
pid=$(pid_of web) || bail "web has no pid ($(state_of web))"
kill -KILL "$pid"
tui_wait_dead k
[ "$(tui_status k)" = 1 ] && tui_has k 'web crashed: killed by signal 9'
ok $? "crash: attach exits 1 with the reason ($(tui_screen k | grep '^web ' | tail -n 1))"

stop_server
[ "${SERVER_RC:-1}" -eq 0 ]
ok $? "the server shut down cleanly"
t_done
