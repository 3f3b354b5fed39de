noinst_LTLIBRARIES += libserver.la
libserver_la_SOURCES = server/server.h server/srv-int.h server/server.c \
	server/client.c server/cmd.c server/notify.c server/upgrade.c \
	server/events.c

E2E_SERVER_TESTS = tests/e2e/server.sh tests/e2e/server-ladder.sh tests/e2e/server-reload.sh \
	tests/e2e/server-signals.sh tests/e2e/server-user.sh tests/e2e/server-socket.sh \
	tests/e2e/server-faults.sh tests/e2e/server-adopt.sh tests/e2e/server-log.sh \
	tests/e2e/server-upgrade.sh tests/e2e/fleet-send.sh tests/e2e/fleet-events.sh \
	tests/e2e/server-nice.sh tests/e2e/server-bootmax.sh
E2E_TESTS += $(E2E_SERVER_TESTS)
# Measures the server's peak memory: in the plain build only (ASan's
# quarantine keeps what a flood frees).
E2E_TESTS += tests/e2e/server-bounds.sh tests/e2e/server-logfull.sh

# scripts/check runs these a second time in a build with ASan and UBSan.
check-server:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(E2E_SERVER_TESTS)'
.PHONY: check-server
