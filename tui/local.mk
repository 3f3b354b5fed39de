noinst_LTLIBRARIES += libtui.la
libtui_la_SOURCES = tui/tui.h tui/cmd-check.c tui/cmd-mconsole.c
