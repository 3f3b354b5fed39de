noinst_LTLIBRARIES += libnet.la
libnet_la_SOURCES = net/net.h net/net.c net/link.c net/tap.c net/switch.c net/helper.c
libnet_la_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
libnet_la_LIBADD = $(MNL_LIBS)

# UML's uml_net helper as umltop answers it (net/uml-net.c): in its own
# directory, put first in the PATH of a UML whose taps the server hands
# over; installed as $(pkglibexecdir)/uml_net.
pkglibexec_PROGRAMS += net/helper/uml_net
net_helper_uml_net_SOURCES = net/uml-net.c

# Root, in network namespaces each test makes and deletes.
E2E_TESTS += tests/e2e/net-tap.sh
E2E_TESTS += tests/e2e/net-tap-user.sh
E2E_TESTS += tests/e2e/net-takeover.sh
E2E_TESTS += tests/e2e/net-bad.sh
E2E_TESTS += tests/e2e/net-switch.sh
check_PROGRAMS += tests/fixtures/tap-hold
tests_fixtures_tap_hold_SOURCES = tests/fixtures/tap-hold.c
check_PROGRAMS += tests/unit/test_uml_net
TESTS += tests/unit/test_uml_net
tests_unit_test_uml_net_SOURCES = tests/unit/test_uml_net.c
tests_unit_test_uml_net_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_uml_net_LDADD = $(CMOCKA_LIBS)
