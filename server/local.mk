noinst_LTLIBRARIES += libserver.la
libserver_la_SOURCES = server/server.c
