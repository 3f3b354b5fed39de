noinst_LTLIBRARIES += libconf.la
libconf_la_SOURCES = conf/conf.c conf/conf.h
