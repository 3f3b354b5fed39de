noinst_LTLIBRARIES += libproto.la
libproto_la_SOURCES = proto/proto.h proto/paths.c proto/frame.c proto/status.c \
	proto/trust.c
# What clients make of frames: a SNAPSHOT decoded, figures as text.
libproto_la_SOURCES += proto/client.h proto/figures.c proto/snapshot.c
check_PROGRAMS += tests/unit/test_proto_snapshot
TESTS += tests/unit/test_proto_snapshot
tests_unit_test_proto_snapshot_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proto_snapshot_LDADD = libproto.la libutil.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_proto
TESTS += tests/unit/test_proto
tests_unit_test_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proto_LDADD = libproto.la libutil.la $(CMOCKA_LIBS)

# Which socket directories and peers the server and its clients trust.
check_PROGRAMS += tests/unit/test_trust
TESTS += tests/unit/test_trust
tests_unit_test_trust_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_trust_LDADD = libproto.la libutil.la $(CMOCKA_LIBS)

FUZZ_PROGS += fuzz/fuzz-proto
fuzz_fuzz_proto_SOURCES = fuzz/fuzz-proto.c proto/frame.c proto/status.c \
	lib/util.c $(FUZZ_DRIVER)
fuzz_fuzz_proto_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/proto"'
fuzz_fuzz_proto_LDFLAGS = $(LDFLAGS_FUZZ)
EXTRA_DIST += fuzz/corpus/proto
