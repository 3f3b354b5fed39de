# Sourced after tests/e2e/lib.sh by the tests that drive umltop's curses
# clients (attach, the TUI) through tmux: sessions of a private tmux server
# whose pane outlives its program (so its last words and exit status can be
# read), and helpers to type and to read panes.
#
#   tui_session S W H CMD...   a detached session S of W x H running CMD
#   tui_type S TEXT            type TEXT then Enter into S
#   tui_screen S               the text of S's pane; tui_has S TEXT
#   tui_wait S TEXT [SECS]     until S's pane shows TEXT
#   tui_dead S / tui_status S  CMD exited / its exit status
#   tui_wait_dead S [SECS]     until CMD exited
#   tui_fmt S FORMAT           a tmux format of S's pane (#{pane_title}...)
#
# CMD runs under `sh -c 'CMD; echo "[exit N]"; exec sleep'`: a program that
# exits at once loses its last output when the pty closes with it (tmux's
# remain-on-exit races with that), so the pane's pty stays open.

TUI_CONF=$T_DIR/tmux.conf

# One locale for tmux and the clients in it: UTF-8, so wide and combining
# characters are drawn as such and captured panes read the same everywhere.
LC_ALL=C.UTF-8
export LC_ALL

# Stop our tmux server (its panes get SIGHUP) before lib.sh's cleanup.
tui_cleanup() {
	[ -S "$TMUX_SOCK" ] && tmx kill-server 2>/dev/null
	t_cleanup
}
trap tui_cleanup EXIT

tui_session() {
	_s=$1 _w=$2 _h=$3
	shift 3
	if [ ! -f "$TUI_CONF" ]; then
		# set-clipboard on: an OSC 52 that leaked would make a buffer.
		# exit-empty off: the server outlives its last session, so a test
		# that kills one and starts the next never races the server's exit
		# ("server exited unexpectedly").
		cat >"$TUI_CONF" <<-'CONF'
		set -g status off
		set -g set-clipboard on
		set -g default-terminal tmux-256color
		set -g history-limit 0
		set -s exit-empty off
		CONF
	fi
	tmx -f "$TUI_CONF" new-session -d -s "$_s" -x "$_w" -y "$_h" \
		sh -c '"$@"; echo "[exit $?]"; exec sleep 3600' sh "$@" ||
		bail "tmux did not start"
	if [ -z "${TUI_TMUX_PID:-}" ]; then
		TUI_TMUX_PID=$(tmx display-message -p '#{pid}')
		track_pid "$TUI_TMUX_PID"
	fi
}

tui_type() {
	tmx send-keys -t "$1" -l -- "$2" && tmx send-keys -t "$1" Enter
}
tui_screen() { tmx capture-pane -p -t "$1"; }
tui_has() { tui_screen "$1" | grep -q -F -- "$2"; }
tui_wait() { wait_until "${3:-30}" tui_has "$1" "$2"; }
tui_fmt() { tmx display-message -p -t "$1" "$2"; }
# (At the end of a line, not alone on it: a raw attach leaves the guest's
# last prompt before it.)
tui_dead() { tui_screen "$1" | grep -q '\[exit [0-9]*\]$'; }
tui_wait_dead() { wait_until "${2:-30}" tui_dead "$1"; }
tui_status() { tui_screen "$1" | sed -n 's/.*\[exit \([0-9]*\)\]$/\1/p' | tail -n 1; }

# ---- the TUI (`umltop` with no subcommand) ----
#
#   tui_pane S NAME        the console text of NAME's pane on S's screen:
#                          the rows under its title bar, clipped to its columns
#   tui_pane_size S NAME   "ROWS COLS" of that console as drawn
#   tui_titles S           the names whose title bars are on screen
#   tui_pane_has S NAME TEXT, tui_pane_wait S NAME TEXT [SECS]
#
# A title bar starts at column 1 or right after a separator "│", as
# "[> ]NAME  STATE" (NAME is HOST/NAME with -H, STATE "unknown" while
# that host is away); the TUI's grid draws nothing else that way.
tui_grid() {
	_mode=$1 _s=$2 _name=${3:-}
	tui_screen "$_s" | sed 's/│/|/g' | awk -v mode="$_mode" -v name="$_name" \
		-v W="$(tui_fmt "$_s" '#{pane_width}')" '
	function title_at(s, c,   t) {
		if (c > 1 && substr(s, c - 1, 1) != "|")
			return ""
		t = substr(s, c)
		if (t !~ /^[ >][A-Za-z0-9_.\/-]+  (starting|running|halting|stopped|crashed|unresponsive|failed|unknown)/)
			return ""
		sub(/^[ >]/, "", t)
		sub(/ .*/, "", t)
		return t
	}
	# A title bar on row s spans column tc (the pane below ends there).
	function covered(s, tc,   c) {
		for (c = 1; c <= tc; c++)
			if (title_at(s, c) != "" && !index(substr(s, c + 1, tc - c), "|"))
				return 1
		return 0
	}
	{ line[NR] = $0; n = NR }
	END {
		for (r = 2; r < n; r++)
			for (c = 1; c <= length(line[r]); c++) {
				t = title_at(line[r], c)
				if (t == "")
					continue
				if (mode == "titles")
					print t
				if (t == name) { tr = r; tc = c }
			}
		if (mode == "titles")
			exit 0
		if (!tr)
			exit 1
		rest = substr(line[tr], tc)
		e = index(rest, "|")
		cols = e ? e - 1 : W - tc + 1
		for (r = tr + 1; r < n; r++)
			if (covered(line[r], tc))
				break
		if (mode == "size") {
			print (r - tr - 1), cols
			exit 0
		}
		for (b = tr + 1; b < r; b++)
			print substr(line[b], tc, cols)
	}'
}
tui_pane() { tui_grid text "$1" "$2"; }
tui_pane_size() { tui_grid size "$1" "$2"; }
tui_titles() { tui_grid titles "$1"; }
tui_pane_has() { tui_pane "$1" "$2" | grep -q -F -- "$3"; }
tui_pane_wait() { wait_until "${4:-30}" tui_pane_has "$1" "$2" "$3"; }
# A busybox prompt at the start of a line of NAME's pane.
tui_pane_prompt() { tui_pane "$1" "$2" | grep -q '^/ #\( \|$\)'; }
# tui_line_sgr S RE: the last screen line matching RE as tmux holds
# it, attributes as SGR sequences (a line captured alone starts from the
# default attributes).
tui_line_sgr() {
	_l=$(tui_screen "$1" | grep -n -- "$2" | tail -n 1 | cut -d: -f1)
	[ -n "$_l" ] && tmx capture-pane -p -e -t "$1" -S $((_l - 1)) -E $((_l - 1))
}
# tui_sgr_at S WORD: the SGR parameters in force at the first WORD of S's
# screen, one per line: those of the escapes right before it (tmux writes
# each cell's changes there).
tui_sgr_at() {
	tmx capture-pane -e -p -t "$1" | awk -v w="$2" '
	{
		i = index($0, w)
		if (!i)
			next
		s = substr($0, 1, i - 1)
		# the run of ESC [ ... m sequences that ends where WORD starts
		while (match(s, /\033\[[0-9;:]*m$/)) {
			p = substr(s, RSTART + 2, RLENGTH - 3)
			n = split(p, a, ";")
			for (k = 1; k <= n; k++)
				print a[k]
			s = substr(s, 1, RSTART - 1)
		}
		exit
	}'
}
# tui_direct256: compile a terminfo entry xterm-direct256 (ncurses'
# xterm+direct256: 0-255 palette, the rest RGB, in the colon form tmux
# reads) into $T_DIR/terminfo, which it sets TI to; ncurses-term is not
# needed on the machine.
tui_direct256() {
	TI=$T_DIR/terminfo
	mkdir -p "$TI"
	_rgb='%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m'
	cat >"$TI/src" <<EOF
xterm-direct256|xterm with direct colours and 256 palette colours (test),
	colors#0x1000000, pairs#0x10000, RGB,
	setaf=\\E[%?%p1%{8}%<%t3%p1%d%e%p1%{16}%<%t9%p1%{8}%-%d%e%p1%{256}%<%t38;5;%p1%d%e38:2::$_rgb,
	setab=\\E[%?%p1%{8}%<%t4%p1%d%e%p1%{16}%<%t10%p1%{8}%-%d%e%p1%{256}%<%t48;5;%p1%d%e48:2::$_rgb,
	use=xterm-256color,
EOF
	tic -x -o "$TI" "$TI/src" || bail "tic cannot compile the test's terminfo"
}
# tui_diag S: the screen of S as TAP comments, after a failure.
tui_diag() { tui_screen "$1" | sed 's/^/# /'; }
# tui_ok S STATUS DESCRIPTION: ok, and S's screen as comments when it failed.
tui_ok() {
	_s=$1
	shift
	ok "$@"
	[ "$1" -eq 0 ] || tui_diag "$_s"
}
# tui_stty S NAME: type `stty size` into NAME's focused pane and print the
# answer the guest gives ("ROWS COLS"), marked so an old answer is not read.
tui_stty() {
	_m=q$(date +%N | cut -c1-6)
	tui_type "$1" "echo $_m \$(stty size) $_m"
	wait_until 30 tui_stty_read "$1" "$2" "$_m" >/dev/null || return 1
	tui_stty_read "$1" "$2" "$_m"
}
tui_stty_read() {
	_r=$(tui_pane "$1" "$2" | sed -n "s/^$3 \([0-9][0-9]* [0-9][0-9]*\) $3 *$/\1/p" | tail -n 1)
	[ -n "$_r" ] && echo "$_r"
}
