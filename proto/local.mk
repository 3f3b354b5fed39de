noinst_LTLIBRARIES += libproto.la
libproto_la_SOURCES = proto/proto.h proto/paths.c
