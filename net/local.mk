noinst_LTLIBRARIES += libnet.la
libnet_la_SOURCES = net/net.h net/net.c net/link.c net/tap.c net/switch.c
libnet_la_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
libnet_la_LIBADD = $(MNL_LIBS)

# Root, in network namespaces each test makes and deletes.
E2E_TESTS += tests/e2e/net-tap.sh
E2E_TESTS += tests/e2e/net-bad.sh
E2E_TESTS += tests/e2e/net-switch.sh
check_PROGRAMS += tests/fixtures/tap-hold
tests_fixtures_tap_hold_SOURCES = tests/fixtures/tap-hold.c
