# Test support and the end-to-end suite.  Unit tests are registered by their
# module's local.mk; end-to-end tests (tests/e2e/*.sh, TAP) here.
check_PROGRAMS += tests/fixtures/uml-boot
tests_fixtures_uml_boot_SOURCES = tests/fixtures/uml-boot.c
check_PROGRAMS += tests/fixtures/sock-poke
tests_fixtures_sock_poke_SOURCES = tests/fixtures/sock-poke.c
check_PROGRAMS += tests/fixtures/notify-listen
tests_fixtures_notify_listen_SOURCES = tests/fixtures/notify-listen.c
check_PROGRAMS += tests/fixtures/many-clients
tests_fixtures_many_clients_SOURCES = tests/fixtures/many-clients.c
tests_fixtures_many_clients_LDADD = libproto.la libutil.la
check_PROGRAMS += tests/fixtures/slow-client
tests_fixtures_slow_client_SOURCES = tests/fixtures/slow-client.c
tests_fixtures_slow_client_LDADD = libtui.la libproto.la libterm.la libutil.la $(VTERM_LIBS)
# An XSAVE shim that always fails (tests/e2e/xstate.sh); -rpath makes it a
# module to preload, not a convenience library.
check_LTLIBRARIES = tests/fixtures/xstate-broken.la
tests_fixtures_xstate_broken_la_SOURCES = tests/fixtures/xstate-broken.c
tests_fixtures_xstate_broken_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_fixtures_xstate_broken_la_LIBADD = -ldl
E2E_TESTS += tests/e2e/xstate.sh
EXTRA_DIST += tests/fixtures/build-image.sh tests/fixtures/make-fleet.sh \
	tests/e2e/lib.sh
# The dependency arrows of DESIGN.md, read off the #include lines.
TESTS += tests/arrows.sh
EXTRA_DIST += tests/arrows.sh
TESTS += $(E2E_TESTS)

# scripts/check runs these again in a build with ASan and UBSan: every unit
# test (they are fast, and some assert something only under a sanitizer)
# and the server's end-to-end tests.
check-san:
	unit=`for t in $(TESTS); do case $$t in tests/unit/*) echo $$t;; esac; done`; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="`echo $$unit` $(E2E_SERVER_TESTS)"
# ... and in a build with ThreadSanitizer: the unit tests that run code on
# two threads, and the server's end-to-end tests (the console feed worker).
# (Not every unit test: TSan's shadow memory is counted in what
# test_uml measures of a process's memory.)
THREAD_TESTS = tests/unit/test_feed tests/unit/test_term_threads
check-tsan:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(THREAD_TESTS) $(E2E_SERVER_TESTS)'
.PHONY: check-san check-tsan
EXTRA_DIST += $(E2E_TESTS)
# The fixture images the e2e tests build once (tests/e2e/lib.sh, need_image)
# outlive `make clean`, which would make every test build them again, but
# not distclean (distcheck's distcleancheck).
distclean-local: distclean-fixtures
distclean-fixtures:
	-rm -rf tests/fixtures/images
.PHONY: distclean-fixtures
