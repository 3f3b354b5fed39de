#!/bin/sh
# Build fuzz-term with libvterm's own source compiled in under ASan and
# UBSan, so that memory errors inside libvterm (which Debian ships without
# the sanitizers) stop the run where they happen instead of corrupting the
# heap for a crash much later.  Nothing from libvterm enters the project:
# its source is taken from where you unpacked it, e.g.
#     apt-get source libvterm      (needs a deb-src line for bookworm)
# Usage: fuzz/libvterm-asan.sh LIBVTERM_SRC_DIR BUILD_DIR [OUTPUT]
# BUILD_DIR is a configured build directory (for config.h).  Then run
#     OUTPUT -runs=N -max_len=1024 CORPUS_COPY
set -eu
[ $# -ge 2 ] || { echo "usage: $0 LIBVTERM_SRC_DIR BUILD_DIR [OUTPUT]" >&2; exit 2; }
vt=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
out=${3:-$build/fuzz/fuzz-term-libvterm}
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$vt/include/vterm.h" ] && [ -f "$vt/src/state.c" ] ||
	{ echo "$0: $vt is not a libvterm source tree (no include/vterm.h, src/state.c)" >&2; exit 2; }
[ -f "$build/config.h" ] || { echo "$0: $build/config.h missing: configure first" >&2; exit 2; }
command -v clang >/dev/null || { echo "$0: clang is needed" >&2; exit 2; }
mkdir -p "$(dirname "$out")"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-I"$top" -I"$build" -I"$vt/include" -DFUZZ_CORPUS='"unused"' \
	"$top/fuzz/fuzz-term.c" "$top/term/term.c" "$top/term/snapshot.c" \
	"$top/term/keys.c" "$top/lib/util.c" "$vt"/src/*.c -o "$out"
echo "$out"
