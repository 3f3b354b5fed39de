# conf/: instance and global configuration files.
noinst_LTLIBRARIES += libconf.la
libconf_la_SOURCES = conf/conf.h conf/parse.c conf/value.c conf/conf.c conf/argv.c

check_PROGRAMS += tests/unit/test_conf
TESTS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conf_LDADD = libconf.la libutil.la $(CMOCKA_LIBS)

E2E_TESTS += tests/e2e/check.sh

FUZZ_PROGS += fuzz/fuzz-conf
fuzz_fuzz_conf_SOURCES = fuzz/fuzz-conf.c conf/conf.h conf/parse.c conf/value.c \
	lib/util.c lib/util.h $(FUZZ_DRIVER)
fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(CFLAGS_FUZZ) -DFUZZ_CORPUS='"$(abs_top_srcdir)/fuzz/corpus/conf"'
fuzz_fuzz_conf_LDFLAGS = $(LDFLAGS_FUZZ)
EXTRA_DIST += fuzz/corpus/conf
