#!/bin/sh
# The dependency arrows of DESIGN.md ("Directories and modules"), read off
# the #include lines: each directory includes only its own headers, lib/'s
# and those of the directories it may point to.  main.c alone knows every
# client.  One TAP result per directory, naming each include that breaks
# an arrow, FILE:LINE.
set -u
: "${top_srcdir:?run through make check (top_srcdir unset)}"
cd "$top_srcdir" || exit 1

# dir: the directories it may include, besides itself and lib/
allowed() {
	case $1 in
	conf | mconsole | term | proto | shim) echo "" ;;
	uml) echo "term mconsole conf net" ;;
	net) echo "conf" ;;
	# shim/ (the XSAVE shim and its host probes) is a leaf: the server
	# finds the shim, `umltop check` reports the host
	server) echo "proto uml conf term net shim" ;;
	# the TUI reaches the server through cli/'s connection code
	tui) echo "proto term conf cli" ;;
	cli) echo "proto conf mconsole shim" ;;
	lib) echo "" ;;
	*) echo "?" ;;
	esac
}

dirs="lib conf mconsole term proto shim uml net server tui cli"
n=0
for d in $dirs; do [ -d "$d" ] && n=$((n + 1)); done
echo "1..$((n + 1))"

i=0
for d in $dirs; do
	[ -d "$d" ] || continue
	i=$((i + 1))
	ok_dirs="$d lib $(allowed "$d")"
	bad=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z]*/' "$d"/*.c "$d"/*.h 2>/dev/null |
		while IFS= read -r line; do
			inc=$(printf '%s\n' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([a-z]*\)\/.*/\1/')
			case " $ok_dirs " in
			*" $inc "*) ;;
			*) printf '%s\n' "$line" ;;
			esac
		done)
	if [ -z "$bad" ]; then
		what=$(allowed "$d")
		if [ -n "$what" ]; then what="only $what"; else what="nothing"; fi
		echo "ok $i - $d/ includes, of the other directories, $what (lib/ aside)"
	else
		echo "not ok $i - $d/ includes what it may not (it may: $(allowed "$d")):"
		printf '%s\n' "$bad" | sed 's/^/#   /'
	fi
done

# curses belongs to the curses clients alone
i=$((i + 1))
bad=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*<n\{0,1\}curses' \
	lib/* conf/* mconsole/* term/* proto/* shim/* uml/* server/* cli/* net/* 2>/dev/null)
if [ -z "$bad" ]; then
	echo "ok $i - only tui/ and main.c include curses"
else
	echo "not ok $i - curses included outside tui/:"
	printf '%s\n' "$bad" | sed 's/^/#   /'
fi
