noinst_LTLIBRARIES += libuml.la
libuml_la_SOURCES = uml/inst.c
