# The XSAVE-size shim preloaded into UML kernels (see shim/xstate.c).
pkglib_LTLIBRARIES += umltop-xstate.la
umltop_xstate_la_SOURCES = shim/xstate.c
umltop_xstate_la_CFLAGS = $(WARN_CFLAGS)
umltop_xstate_la_LDFLAGS = -module -avoid-version -shared
umltop_xstate_la_LIBADD = -ldl
