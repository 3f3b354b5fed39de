# The curses clients (tui/tui.h).
noinst_LTLIBRARIES += libtui.la
libtui_la_SOURCES = tui/tui.h

# The pane renderer (term cells -> ncurses), shared by attach and the TUI,
# `umltop attach`, and the filter that keeps terminal queries out of
# `attach --raw` on a terminal.
libtui_la_SOURCES += tui/pane.h tui/pane.c tui/qstrip.h tui/qstrip.c tui/cmd-attach.c
# The client side of a console (snapshots and output into a term), shared
# by the TUI, attach and the fixture tests/fixtures/slow-client.
libtui_la_SOURCES += tui/console.h tui/console.c

# The interactive TUI, `umltop` with no subcommand: loop and subscriptions
# (tui.c), keys and actions, drawing, and the pure cores (layout, bindings,
# figures) that the unit tests below pin.
libtui_la_SOURCES += tui/tui-int.h tui/tui.c tui/tui-act.c tui/tui-draw.c \
	tui/tui-search.c tui/tui-layout.c tui/tui-keys.c tui/tui-fmt.c tui/tui-hosts.c
# Its end-to-end tests (real UMLs, driven through tmux): 200x50, 80x24 with
# resizes, twelve instances.
E2E_TESTS += tests/e2e/tui.sh tests/e2e/tui-small.sh tests/e2e/tui-scale.sh
# It reads only the global settings: a broken instance file beside them,
# a bad BIND line said with its file and line.
E2E_TESTS += tests/e2e/tui-conf.sh
# Colours and attributes as they reach the terminal: RGB exact on a
# direct-colour description (or COLORTERM=truecolor and its sibling), the
# nearest of 256 otherwise, palette colours kept, dim and underline.
E2E_TESTS += tests/e2e/tui-attrs.sh
# The table's NET column: an instance on a switch and one with none.
E2E_TESTS += tests/e2e/tui-net.sh
# Screen fidelity (issue 14's sequences) as seen in attach and a zoomed pane.
E2E_TESTS += tests/e2e/tui-fidelity.sh
# Marks and broadcast mode: keys typed once reach every marked console.
E2E_TESTS += tests/e2e/tui-broadcast.sh
# Alerts: a matching console line or a crash marks the pane's title bar
# and counts in the top bar until seen; ! jumps there.
E2E_TESTS += tests/e2e/tui-alerts.sh
# Several hosts (-H): HOST/NAME panes and table, keys to the right host,
# a host that drops (unknown, reconnects by itself), halt-all over hosts.
E2E_TESTS += tests/e2e/tui-hosts.sh
# The same through ssh (a private sshd, tests/e2e/lib-ssh.sh): the issue's
# acceptance, an ssh child killed by its pid, a host whose key is refused.
E2E_TESTS += tests/e2e/tui-hosts-ssh.sh

# attach: its end-to-end test, and the tmux helpers it shares with the TUI's.
E2E_TESTS += tests/e2e/attach.sh
# Whom the clients trust: the socket's directory, the server's uid, a
# refusal's message; attach raw only by --raw or stdout not a terminal.
E2E_TESTS += tests/e2e/client-trust.sh
EXTRA_DIST += tests/e2e/lib-tui.sh

# The pane renderer drawn into real terminal descriptions and read back;
# the query filter on hand-made and generated streams.
check_PROGRAMS += tests/unit/test_pane tests/unit/test_qstrip tests/unit/test_tui_draw
TESTS += tests/unit/test_pane tests/unit/test_qstrip tests/unit/test_tui_draw
tests_unit_test_tui_draw_SOURCES = tests/unit/test_tui_draw.c
tests_unit_test_tui_draw_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tui_draw_LDADD = libtui.la libcli.la libserver.la libuml.la libnet.la libproto.la libterm.la libxstate.la \
	libmconsole.la libconf.la libutil.la $(NCURSES_LIBS) $(VTERM_LIBS) $(UV_LIBS) \
	$(CMOCKA_LIBS)
tests_unit_test_pane_SOURCES = tests/unit/test_pane.c
tests_unit_test_pane_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_pane_LDADD = libtui.la libterm.la libutil.la $(NCURSES_LIBS) \
	$(VTERM_LIBS) $(CMOCKA_LIBS)
tests_unit_test_qstrip_SOURCES = tests/unit/test_qstrip.c
tests_unit_test_qstrip_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_qstrip_LDADD = libtui.la libutil.la $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_tui_layout tests/unit/test_tui_keys tests/unit/test_tui_fmt
TESTS += tests/unit/test_tui_layout tests/unit/test_tui_keys tests/unit/test_tui_fmt
# Several hosts: HOST/NAME, the retry backoff, the table grouped by host,
# halt progress per host, the header's host states, the halt prompt.
check_PROGRAMS += tests/unit/test_tui_hosts
TESTS += tests/unit/test_tui_hosts
tests_unit_test_tui_hosts_SOURCES = tests/unit/test_tui_hosts.c
tests_unit_test_tui_hosts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tui_hosts_LDADD = libtui.la libproto.la libutil.la $(CMOCKA_LIBS)
tests_unit_test_tui_layout_SOURCES = tests/unit/test_tui_layout.c
tests_unit_test_tui_layout_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tui_layout_LDADD = libtui.la libutil.la $(CMOCKA_LIBS)
tests_unit_test_tui_keys_SOURCES = tests/unit/test_tui_keys.c
tests_unit_test_tui_keys_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tui_keys_LDADD = libtui.la libutil.la $(CMOCKA_LIBS)
tests_unit_test_tui_fmt_SOURCES = tests/unit/test_tui_fmt.c
tests_unit_test_tui_fmt_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tui_fmt_LDADD = libtui.la libproto.la libutil.la $(CMOCKA_LIBS)

# The query filter under libFuzzer (or its corpus replayed by make check).
FUZZ_PROGS += fuzz/fuzz-qstrip
fuzz_fuzz_qstrip_SOURCES = fuzz/fuzz-qstrip.c tui/qstrip.c tui/qstrip.h \
	lib/util.c lib/util.h $(FUZZ_DRIVER)
fuzz_fuzz_qstrip_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/qstrip"'
fuzz_fuzz_qstrip_LDFLAGS = $(LDFLAGS_FUZZ)
EXTRA_DIST += fuzz/corpus/qstrip
