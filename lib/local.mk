noinst_LTLIBRARIES += libutil.la
libutil_la_SOURCES = lib/util.c lib/util.h lib/states.h
