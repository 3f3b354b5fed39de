# term/: pty pairs, the console emulator (libvterm's state layer driving
# our own grid and scrollback), snapshots, key encoding and console logs;
# their unit tests and the fuzz harness of the emulator.
noinst_LTLIBRARIES += libterm.la
# The emulator is on the hot path of every console byte: calls inside the
# library need not allow for symbol interposition (a few percent under PIC).
libterm_la_CFLAGS = $(AM_CFLAGS) -fno-semantic-interposition
TERM_EMU_SOURCES = term/term.h term/term-int.h term/term.c term/guard.h term/guard.c \
	term/grid.c term/tables.c
libterm_la_SOURCES = $(TERM_EMU_SOURCES) term/snapshot.c term/keys.c term/log.c term/pty.c

TERM_TESTS = tests/unit/test_term tests/unit/test_term_snapshot \
	tests/unit/test_term_keys tests/unit/test_term_log tests/unit/test_pty \
	tests/unit/test_term_threads
check_PROGRAMS += $(TERM_TESTS)
TESTS += $(TERM_TESTS)
TERM_TEST_LDADD = libterm.la libutil.la $(VTERM_LIBS) $(CMOCKA_LIBS)
TERM_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	-DTERM_TEST_DATA='"$(abs_top_srcdir)/tests/unit/data/term"'

tests_unit_test_term_SOURCES = tests/unit/test_term.c tests/unit/test_term_util.h
tests_unit_test_term_CFLAGS = $(TERM_TEST_CFLAGS)
tests_unit_test_term_LDADD = $(TERM_TEST_LDADD)
tests_unit_test_term_snapshot_SOURCES = tests/unit/test_term_snapshot.c tests/unit/test_term_util.h
tests_unit_test_term_snapshot_CFLAGS = $(TERM_TEST_CFLAGS)
tests_unit_test_term_snapshot_LDADD = $(TERM_TEST_LDADD)
tests_unit_test_term_keys_SOURCES = tests/unit/test_term_keys.c tests/unit/test_term_util.h
tests_unit_test_term_keys_CFLAGS = $(TERM_TEST_CFLAGS)
tests_unit_test_term_keys_LDADD = $(TERM_TEST_LDADD)
tests_unit_test_term_log_SOURCES = tests/unit/test_term_log.c
tests_unit_test_term_log_CFLAGS = $(TERM_TEST_CFLAGS)
tests_unit_test_term_log_LDADD = $(TERM_TEST_LDADD)
tests_unit_test_pty_SOURCES = tests/unit/test_pty.c
tests_unit_test_pty_CFLAGS = $(TERM_TEST_CFLAGS)
tests_unit_test_pty_LDADD = $(TERM_TEST_LDADD)
tests_unit_test_term_threads_SOURCES = tests/unit/test_term_threads.c tests/unit/test_term_util.h
tests_unit_test_term_threads_CFLAGS = $(TERM_TEST_CFLAGS) -pthread
tests_unit_test_term_threads_LDADD = $(TERM_TEST_LDADD) -lpthread
EXTRA_DIST += tests/unit/data/term

# The harness compiles the emulator itself so the sanitizers see it.
FUZZ_PROGS += fuzz/fuzz-term
fuzz_fuzz_term_SOURCES = fuzz/fuzz-term.c tests/unit/test_term_util.h \
	$(TERM_EMU_SOURCES) term/snapshot.c term/keys.c lib/util.c lib/util.h \
	$(FUZZ_DRIVER)
fuzz_fuzz_term_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/term"'
fuzz_fuzz_term_LDFLAGS = $(LDFLAGS_FUZZ)
fuzz_fuzz_term_LDADD = $(VTERM_LIBS)
EXTRA_DIST += fuzz/corpus/term

# The input guard alone: its fast paths against its state machine, and
# what it lets through against what libvterm 0.1.4 can take.
FUZZ_PROGS += fuzz/fuzz-guard
fuzz_fuzz_guard_SOURCES = fuzz/fuzz-guard.c term/guard.h term/guard.c $(FUZZ_DRIVER)
fuzz_fuzz_guard_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/guard"'
fuzz_fuzz_guard_LDFLAGS = $(LDFLAGS_FUZZ)
EXTRA_DIST += fuzz/corpus/guard
