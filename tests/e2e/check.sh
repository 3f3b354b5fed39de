#!/bin/sh
# umltop check on instance directories laid out as the seed's init scripts
# had them (the fixture image, the real kernel): files that set only
# UMLDIR, USER, MEMORY and NET resolve to the argv the server would run, and
# that argv, pasted, boots the real kernel; broken files are reported, every
# error as FILE:LINE, with exit 1.
. "$top_srcdir/tests/e2e/lib.sh"
plan 32

U=$T_DIR/uml
C=$T_DIR/conf
S=$T_DIR/s            # -S: the printed paths are under $S.d
R=$S.d
OUT=$T_DIR/out
ERR=$T_DIR/err
make_fleet "$U" web db router boot
chmod 755 "$T_DIR"    # db runs as nobody: it must reach its images
chmod o+rw "$U/db/root.loop" "$U/db/swap.loop"
rm "$U/router/swap.loop"

# Who the header line says an instance runs as, for USER=root.
if [ "$(id -u)" -eq 0 ]; then
	AS_ROOT="root (root!)"
	AS_NOBODY="nobody"
else
	AS_ROOT="$(id -un) (USER=root ignored: not root)"
	AS_NOBODY="$(id -un) (USER=nobody ignored: not root)"
fi

mkdir "$C"
cat >"$C/uml.web" <<EOF
UMLDIR="$U"
USER="root"
MEMORY="128MB"
NET="tap1 tap2"
EOF
cat >"$C/db.conf" <<EOF
# the database box
UMLDIR="$U"
USER="nobody"
MEMORY="64M"
NET="tap3"
EOF
cat >"$C/router.conf" <<EOF
UMLDIR=$U
USER=root
MEMORY=65536K
NET='tap4 tap5 tap6'
EOF

check() { "$UMLTOP" check "$@" >"$OUT" 2>"$ERR"; }
# The argv line printed under "NAME: runs as ...".
argv_of() { sed -n "/^$1: runs as /{n;p;}" "$OUT"; }
# has_word NAME WORD: WORD is one word of NAME's argv.
has_word() {
	for w in $(argv_of "$1"); do [ "$w" = "$2" ] && return 0; done
	diag "$1 argv lacks $2: $(argv_of "$1")"
	return 1
}

check -S "$S" -c "$C"
ok $? "check exits 0 on a directory of seed-style files"
n=$(grep -c ': runs as ' "$OUT")
[ "$n" -eq 3 ]
ok $? "three instances listed (got $n)"
grep -q "^web: runs as $AS_ROOT;" "$OUT"
ok $? "web runs as $AS_ROOT"
grep -q "^db: runs as $AS_NOBODY;" "$OUT"
ok $? "db runs as $AS_NOBODY"
[ "$(argv_of web | awk '{ print $1 }')" = "$U/web/linux" ]
ok $? "web's argv starts with UMLDIR/web/linux"
has_word web "ubd0=$U/web/root.loop" && has_word web "ubd1=$U/web/swap.loop"
ok $? "web: ubd0 is its root.loop, ubd1 its swap.loop"
has_word web mem=128M
ok $? "web: MEMORY=128MB is mem=128M"
has_word web eth0=tuntap,tap1 && has_word web eth1=tuntap,tap2
ok $? "web: NET=\"tap1 tap2\" is eth0=tuntap,tap1 eth1=tuntap,tap2"
has_word web umid=web && has_word web "uml_dir=$R/uml" &&
	has_word web "mconsole=notify:$R/notify/web" && has_word web "hostfs=$R/hostfs/web" &&
	has_word web con0=fd:0,fd:1
ok $? "web: umid, uml_dir, notify socket and hostfs under the -S runtime dir"
has_word db "ubd0=$U/db/root.loop" && has_word db mem=64M && has_word db eth0=tuntap,tap3
ok $? "db: ubd0, mem=64M, eth0=tuntap,tap3"
has_word router mem=64M && has_word router eth2=tuntap,tap6 && ! argv_of router | grep -q ubd1=
ok $? "router: 65536K is mem=64M, three taps, no swap.loop so no ubd1"
grep -q "^3 instances OK" "$OUT"
ok $? "summary line counts the instances"

# The printed line is one shell command: pasting it gives the same words.
eval "set -- $(argv_of web)"
[ $# -eq 14 ] && [ "$1" = "$U/web/linux" ] && [ "$5" = "ubd0=$U/web/root.loop" ]
ok $? "web's argv line reads back as 14 shell words (got $#)"

# Without -c the default path is used: $UMLTOP_CONFIG.
UMLTOP_CONFIG=$C UMLTOP_SOCKET=$S "$UMLTOP" check >"$T_DIR/out2" 2>/dev/null &&
	cmp -s "$OUT" "$T_DIR/out2"
ok $? "no -c: \$UMLTOP_CONFIG is read, and \$UMLTOP_SOCKET places the runtime dir"

# What check prints is what boots: paste the argv of an instance into the
# same launcher the tests use, and the real kernel reaches a shell with its
# root and swap disks.  (No NET: a tap would touch the host's network.)
B=$T_DIR/bootconf
mkdir "$B"
printf 'UMLDIR="%s"\nMEMORY="64M"\n' "$U" >"$B/boot.conf"
check -S "$S" -c "$B"
ok $? "check accepts an instance without USER or NET"
if [ "$(id -u)" -eq 0 ]; then
	grep -q "^$B/boot.conf:1: warning: boot runs as root (no USER" "$ERR"
	ok $? "an instance that would run as root is warned about"
else
	grep -q "^boot: runs as $(id -un);" "$OUT"
	ok $? "without USER an instance runs as the invoking user"
fi
mkdir -p "$R/uml" "$R/hostfs/boot" "$T_DIR/boot-boot"
mkfifo "$T_DIR/boot-boot/in"
eval "set -- $(argv_of boot)"
"$top_builddir/tests/fixtures/uml-boot" -l "$T_DIR/boot-boot/console.log" \
	-i "$T_DIR/boot-boot/in" -p "$T_DIR/boot-boot/pid" -- "$@" &
BOOT=$!
track_pid "$BOOT"
wait_until 30 test -s "$T_DIR/boot-boot/pid" && track_group "$(cat "$T_DIR/boot-boot/pid")"
wait_prompt boot 90
ok $? "the printed argv boots the real kernel to a shell"
type_into boot 'echo SWAP$(grep -c ubdb /proc/swaps) MEM$(grep MemTotal /proc/meminfo | tr -s " " | cut -d" " -f2)K'
wait_until 30 console_has boot "SWAP1 MEM"
seen=$(grep -a -o 'SWAP1 MEM[0-9]*K' "$T_DIR/boot-boot/console.log" | tail -n 1)
kb=${seen#SWAP1 MEM}
kb=${kb%K}
# MemTotal is mem= less what the kernel keeps for itself.
[ -n "$kb" ] && [ "$kb" -gt 40000 ] && [ "$kb" -le 65536 ]
ok $? "the guest swaps on ubd1 (its swap.loop) and has mem=64M (MemTotal ${kb:-?} kB)"
kill -TERM "$BOOT" 2>/dev/null
wait "$BOOT" 2>/dev/null

# MEMORY="12XB" on line 3: FILE:3:, exit 1, nothing about instances.
X=$T_DIR/bad1
mkdir "$X"
printf 'UMLDIR="%s"\nUSER="root"\nMEMORY="12XB"\nNET="tap1"\n' "$U" >"$X/web.conf"
check -S "$S" -c "$X"
rc=$?
[ $rc -eq 1 ]
ok $? "MEMORY=\"12XB\": exit 1 (got $rc)"
head -n 1 "$ERR" | grep -q "^$X/web.conf:3: MEMORY='12XB' is not a size"
ok $? "the error starts $X/web.conf:3: ($(head -n 1 "$ERR"))"
[ ! -s "$OUT" ]
ok $? "an invalid config prints nothing about instances"

# Several different mistakes in several files: every one of them.
Y=$T_DIR/bad2
mkdir "$Y"
cat >"$Y/web.conf" <<EOF
UMLDIR="$U"
MEMROY="128M"
AUTOSTART="maybe"
EOF
printf 'UMLDIR="%s"\n' "$U" >"$Y/uml.web"
cat >"$Y/db.conf" <<EOF
UMLDIR="$U"
USER="umluser_nonexistent"
NET="tap1 bad/tap"
HALT_TIMEOUT="soon"
EOF
cat >"$Y/router.conf" <<EOF
UMLDIR="$U"
KERNEL="$U/router/vmlinux"
ROOT="$U/db/root.loop"
READY="([#\$] "
EOF
check -S "$S" -c "$Y"
rc=$?
[ $rc -eq 1 ]
ok $? "a directory with many errors: exit 1 (got $rc)"
missing=""
for want in \
	"$Y/db.conf:2: USER: no such user 'umluser_nonexistent'" \
	"$Y/db.conf:3: NET: 'bad/tap' is not an interface name" \
	"$Y/db.conf:4: HALT_TIMEOUT='soon' is not a number of seconds" \
	"$Y/router.conf:2: kernel $U/router/vmlinux does not exist" \
	"$Y/router.conf:3: root image $U/db/root.loop is also the root image of instance 'db'" \
	"$Y/router.conf:4: READY='([#\$] ' is not a POSIX extended regex" \
	"$Y/web.conf:1: instance 'web' is also defined by $Y/uml.web" \
	"$Y/web.conf:2: unknown key MEMROY (did you mean MEMORY?)" \
	"$Y/web.conf:3: AUTOSTART='maybe' is not yes or no"
do
	grep -q -F -e "$want" "$ERR" || missing="$missing
	$want"
done
[ -z "$missing" ]
ok $? "all nine errors are listed with FILE:LINE${missing:+, missing:$missing}"
grep -q "^umltop check: 9 errors; nothing would start$" "$ERR"
ok $? "a count line closes the list ($(tail -n 1 "$ERR"))"
n=$(grep -c '^/' "$ERR")
[ "$n" -eq 9 ]
ok $? "one line per error, nothing else (got $n)"

# Two instances on one root image under two names: a hard link is the same
# file (UML's lock is on it, and the second guest panics), so check names
# both files and where the other instance got its own.
H=$T_DIR/hardlink
mkdir "$H"
ln "$U/web/root.loop" "$T_DIR/web-root.link"
printf 'KERNEL="%s"\nROOT="%s"\n' "$U/web/linux" "$U/web/root.loop" >"$H/a.conf"
printf 'KERNEL="%s"\nROOT="%s"\n' "$U/web/linux" "$T_DIR/web-root.link" >"$H/b.conf"
check -S "$S" -c "$H"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$OUT" ]
ok $? "a hard-linked root image: exit 1, no instance listed (got $rc)"
grep -q -F "$H/b.conf:2: root image $T_DIR/web-root.link is also the root image of instance 'a' ($H/a.conf:2), $U/web/root.loop: the same file under another name" "$ERR"
ok $? "the error names both files and a's FILE:LINE ($(head -n 1 "$ERR"))"

# More memory than the host has: the UML would abort at boot.  The message
# gives the host's RAM, here as /proc/meminfo has it.
M=$T_DIR/bigmem
mkdir "$M"
printf 'KERNEL="%s"\nROOT="%s"\nMEMORY=99999G\n' "$U/web/linux" "$U/web/root.loop" >"$M/web.conf"
check -S "$S" -c "$M"
rc=$?
[ $rc -eq 1 ] && grep -q "^umltop check: 1 error; nothing would start$" "$ERR"
ok $? "MEMORY=99999G: exit 1, nothing would start (got $rc)"
host_m=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) / 1024))
grep -q "^$M/web.conf:3: MEMORY=99999G is more than this host's RAM (.*set MEMORY to ${host_m}M or less$" "$ERR"
ok $? "the error is at FILE:3 and gives the host's ${host_m}M ($(head -n 1 "$ERR"))"

check -S "$S" -c "$T_DIR/nowhere"
[ $? -eq 1 ] && grep -q "^$T_DIR/nowhere:1: cannot read: No such file or directory" "$ERR"
ok $? "a -c path that does not exist is an error naming it"

check -x
rc=$?
[ $rc -eq 2 ] && grep -q "^usage: umltop check" "$ERR"
ok $? "an unknown option is a usage error, exit 2 (got $rc)"
check -c "$C" stray
[ $? -eq 2 ]
ok $? "a stray argument is a usage error, exit 2"

t_done
