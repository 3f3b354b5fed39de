noinst_LTLIBRARIES += libuml.la
libuml_la_SOURCES = uml/uml.h uml/uml-int.h uml/inst-int.h uml/launch.h uml/feed.h \
	uml/reap.h uml/inst.c uml/console.c uml/adopt.c uml/exit.c uml/halt.c \
	uml/launch.c uml/stats.c uml/feed.c uml/reap.c

check_PROGRAMS += tests/unit/test_uml
TESTS += tests/unit/test_uml
tests_unit_test_uml_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uml_LDADD = libuml.la libnet.la libterm.la libmconsole.la libconf.la \
	libutil.la $(VTERM_LIBS) $(UV_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_feed
TESTS += tests/unit/test_feed
tests_unit_test_feed_SOURCES = tests/unit/test_feed.c tests/unit/test_term_util.h
tests_unit_test_feed_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(UV_CFLAGS)
tests_unit_test_feed_LDADD = libuml.la libnet.la libterm.la libutil.la $(VTERM_LIBS) $(UV_LIBS) \
	$(CMOCKA_LIBS)
