# The XSAVE-size shim preloaded into UML kernels (see shim/xstate.h): its
# decisions in libxstate (also linked into umltop for `umltop check`, and
# unit-tested), the ptrace wrapper in the preloaded module.
noinst_LTLIBRARIES += libxstate.la
libxstate_la_SOURCES = shim/xstate.h shim/plan.c shim/host.c

pkglib_LTLIBRARIES += umltop-xstate.la
umltop_xstate_la_SOURCES = shim/xstate.c shim/plan.c
umltop_xstate_la_CFLAGS = $(WARN_CFLAGS)
umltop_xstate_la_LDFLAGS = -module -avoid-version -shared
umltop_xstate_la_LIBADD = -ldl

check_PROGRAMS += tests/unit/test_xstate
TESTS += tests/unit/test_xstate
tests_unit_test_xstate_SOURCES = tests/unit/test_xstate.c
tests_unit_test_xstate_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_xstate_LDADD = libxstate.la $(CMOCKA_LIBS) -ldl
