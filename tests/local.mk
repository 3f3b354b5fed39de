# Test support and the end-to-end suite.  Unit tests are registered by their
# module's local.mk; end-to-end tests (tests/e2e/*.sh, TAP) here.
check_PROGRAMS += tests/fixtures/uml-boot
tests_fixtures_uml_boot_SOURCES = tests/fixtures/uml-boot.c
EXTRA_DIST += tests/fixtures/build-image.sh tests/fixtures/make-fleet.sh \
	tests/e2e/lib.sh
E2E_TESTS =
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS)
