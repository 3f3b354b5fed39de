# Fuzz harnesses.  Each harness (fuzz/fuzz-NAME.c) defines
# LLVMFuzzerTestOneInput and is registered by its module's local.mk:
#
#   FUZZ_PROGS += fuzz/fuzz-NAME
#   fuzz_fuzz_NAME_SOURCES = fuzz/fuzz-NAME.c MODULE SOURCES... $(FUZZ_DRIVER)
#   fuzz_fuzz_NAME_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) -DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/NAME"'
#   fuzz_fuzz_NAME_LDFLAGS = $(LDFLAGS_FUZZ)
#   EXTRA_DIST += fuzz/corpus/NAME
#
# The module's sources are compiled into the harness itself so that the
# sanitizers instrument them.  With --enable-fuzz (CC=clang) the harnesses
# are libFuzzer programs (`make fuzz`); otherwise they link fuzz/replay.c,
# which runs every file of the corpus once and reports TAP, and 'make check'
# runs them under ASan and UBSan.
if FUZZ
CFLAGS_FUZZ = -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
LDFLAGS_FUZZ = -fsanitize=fuzzer,address,undefined
FUZZ_DRIVER =
noinst_PROGRAMS += $(FUZZ_PROGS)
fuzz: $(FUZZ_PROGS)
else
CFLAGS_FUZZ = -g $(SAN_CFLAGS)
LDFLAGS_FUZZ = $(SAN_CFLAGS)
FUZZ_DRIVER = fuzz/replay.c
check_PROGRAMS += $(FUZZ_PROGS)
TESTS += $(FUZZ_PROGS)
fuzz:
	@echo "configure with --enable-fuzz CC=clang to build libFuzzer harnesses"
endif
.PHONY: fuzz
EXTRA_DIST += fuzz/libvterm-asan.sh
