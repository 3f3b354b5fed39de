noinst_LTLIBRARIES += libmconsole.la
libmconsole_la_SOURCES = mconsole/codec.c mconsole/mconsole.h
