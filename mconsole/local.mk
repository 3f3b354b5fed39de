# mconsole/: the wire codec, the async client, the notify listener and the
# target lookup; their unit tests, the notify-listener helper the
# end-to-end test uses, and the fuzz harnesses of the two decoders.
noinst_LTLIBRARIES += libmconsole.la
libmconsole_la_SOURCES = mconsole/mconsole.h mconsole/codec.c \
	mconsole/client.c mconsole/notify.c mconsole/resolve.c

MC_TEST_LDADD = libmconsole.la libutil.la $(UV_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_mconsole_codec
tests_unit_test_mconsole_codec_SOURCES = tests/unit/test_mconsole_codec.c
tests_unit_test_mconsole_codec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mconsole_codec_LDADD = $(MC_TEST_LDADD)

check_PROGRAMS += tests/unit/test_mconsole_client
tests_unit_test_mconsole_client_SOURCES = tests/unit/test_mconsole_client.c \
	tests/unit/fake-mconsole.c tests/unit/fake-mconsole.h
tests_unit_test_mconsole_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_mconsole_client_LDADD = $(MC_TEST_LDADD) -lpthread

check_PROGRAMS += tests/unit/test_mconsole_notify
tests_unit_test_mconsole_notify_SOURCES = tests/unit/test_mconsole_notify.c
tests_unit_test_mconsole_notify_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mconsole_notify_LDADD = $(MC_TEST_LDADD)

TESTS += tests/unit/test_mconsole_codec tests/unit/test_mconsole_client \
	tests/unit/test_mconsole_notify

# Prints each notify datagram it receives (tests/e2e/mconsole.sh).
check_PROGRAMS += tests/unit/mc-notify-listen
tests_unit_mc_notify_listen_SOURCES = tests/unit/mc-notify-listen.c
tests_unit_mc_notify_listen_LDADD = libmconsole.la libutil.la $(UV_LIBS)

E2E_TESTS += tests/e2e/mconsole.sh

FUZZ_PROGS += fuzz/fuzz-mc-reply fuzz/fuzz-mc-notify
fuzz_fuzz_mc_reply_SOURCES = fuzz/fuzz-mc-reply.c mconsole/codec.c \
	mconsole/mconsole.h $(FUZZ_DRIVER)
fuzz_fuzz_mc_reply_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/mc-reply"'
fuzz_fuzz_mc_reply_LDFLAGS = $(LDFLAGS_FUZZ)
fuzz_fuzz_mc_notify_SOURCES = fuzz/fuzz-mc-notify.c mconsole/codec.c \
	mconsole/mconsole.h $(FUZZ_DRIVER)
fuzz_fuzz_mc_notify_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/mc-notify"'
fuzz_fuzz_mc_notify_LDFLAGS = $(LDFLAGS_FUZZ)
EXTRA_DIST += fuzz/corpus/mc-reply fuzz/corpus/mc-notify
