# What an init system runs (systemd unit, OpenRC script), with the paths
# this build installs to filled in.
systemdsystemunit_DATA = dist/umltop.service
CLEANFILES += dist/umltop.service
EXTRA_DIST += dist/umltop.service.in

dist_edit = $(SED) -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g'
dist/umltop.service: dist/umltop.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) dist && $(dist_edit) $(srcdir)/dist/umltop.service.in >$@.tmp && mv $@.tmp $@
E2E_TESTS += tests/e2e/service-systemd.sh
initddir = $(sysconfdir)/init.d
initd_SCRIPTS = dist/umltop
CLEANFILES += dist/umltop
EXTRA_DIST += dist/umltop.openrc.in
dist/umltop: dist/umltop.openrc.in Makefile
	$(AM_V_GEN)$(MKDIR_P) dist && $(dist_edit) $(srcdir)/dist/umltop.openrc.in >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@
E2E_TESTS += tests/e2e/service-openrc.sh
# What `make install` puts in place.
E2E_TESTS += tests/e2e/install.sh
# An example config directory, where Debian keeps a package's examples
# (policy 12.6): not under /etc, where the server would start it.
examplesdir = $(docdir)/examples
dist_examples_DATA = dist/examples/umltop.conf dist/examples/uml.router \
	dist/examples/uml.www
