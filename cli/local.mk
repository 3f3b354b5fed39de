# The clients without curses (cli/cli.h): `ctl`, `check`, `mconsole`,
# `proxy`, and the connection to a server that every client, the TUI and
# attach too, uses (cli/conn.h, cli/hosts.h).
noinst_LTLIBRARIES += libcli.la
libcli_la_SOURCES = cli/cli.h cli/conn.h cli/conn.c cli/cmd-ctl.c \
	cli/cmd-check.c cli/cmd-mconsole.c cli/cmd-proxy.c cli/hosts.h cli/hosts.c

check_PROGRAMS += tests/unit/test_hosts
TESTS += tests/unit/test_hosts
tests_unit_test_hosts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_hosts_LDADD = libcli.la libutil.la $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_conn
TESTS += tests/unit/test_conn
tests_unit_test_conn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conn_LDADD = libcli.la libproto.la libutil.la $(UV_LIBS) $(CMOCKA_LIBS)

# Several hosts over ssh: an sshd of the test's own (tests/e2e/lib-ssh.sh).
E2E_TESTS += tests/e2e/hosts-ctl.sh
EXTRA_DIST += tests/e2e/lib-ssh.sh
