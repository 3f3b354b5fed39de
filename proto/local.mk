noinst_LTLIBRARIES += libproto.la
libproto_la_SOURCES = proto/proto.c
