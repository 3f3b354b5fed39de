noinst_LTLIBRARIES += libterm.la
libterm_la_SOURCES = term/pty.c term/term.h
