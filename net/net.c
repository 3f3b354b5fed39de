/* An instance's taps for one run: what NET and BRIDGE ask for, made when
 * missing and undone when the run ends.  What existed before is used as
 * it is and never removed; a bridge made here stays while any run uses
 * it (counted below: several instances share one BRIDGE). */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/net.h"

/* The bridges this process made, with the runs that use them. */
struct made_bridge {
	char name[NET_IFNAMSIZ];
	unsigned users;
};
static struct made_bridge *made;
static size_t nmade;

static struct made_bridge *made_find(const char *name)
{
	for (size_t i = 0; i < nmade; i++)
		if (!strcmp(made[i].name, name))
			return &made[i];
	return NULL;
}

static void made_release(const char *name)
{
	struct made_bridge *b = made_find(name);
	if (!b || --b->users > 0)
		return;
	struct net_link l;
	if (net_link_get(name, &l) == 0 && !strcmp(l.kind, "bridge"))
		net_link_del(l.index);
	*b = made[--nmade];
	if (!nmade) {
		free(made);
		made = NULL;
	}
}

/* A plain NET word is a host interface; one with ',' or '=' is a transport
 * spec (as conf_argv reads them). */
static bool is_tap_word(const char *w)
{
	return !strpbrk(w, ",=");
}

size_t net_plan(const struct conf_instance *ci, struct net_if **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; i < ci->nnet; i++) {
		if (!is_tap_word(ci->net[i]))
			continue;
		*out = xreallocarray(*out, n + 1, sizeof **out);
		struct net_if *f = &(*out)[n++];
		memset(f, 0, sizeof *f);
		f->fd = -1;
		snprintf(f->guest, sizeof f->guest, "eth%hu", (unsigned short)i);
		snprintf(f->tap, sizeof f->tap, "%s", ci->net[i]);
		if (ci->bridge)
			snprintf(f->bridge, sizeof f->bridge, "%s", ci->bridge);
	}
	return n;
}

/* BRIDGE for a run: its index (made and brought up when missing and we
 * may), or -1 with err. */
static int bridge_ready(const char *name, bool root, struct net_run *run, char *err,
			size_t errlen)
{
	struct net_link l;
	int rc = net_link_get(name, &l);
	if (rc == -ENODEV && !root) {
		snprintf(err, errlen, "BRIDGE: '%s' does not exist, and only a root server "
			 "can make it", name);
		return -1;
	}
	if (rc == -ENODEV) {
		if ((rc = net_bridge_add(name)) < 0 || (rc = net_link_get(name, &l)) < 0 ||
		    (rc = net_link_up(l.index, -1)) < 0) {
			snprintf(err, errlen, "BRIDGE: cannot make bridge '%s': %s", name,
				 strerror(-rc));
			struct net_link gone;
			if (net_link_get(name, &gone) == 0)
				net_link_del(gone.index);
			return -1;
		}
		made = xreallocarray(made, nmade + 1, sizeof *made);
		memset(&made[nmade], 0, sizeof made[nmade]);
		snprintf(made[nmade].name, sizeof made[nmade].name, "%s", name);
		nmade++;
	} else if (rc < 0) {
		snprintf(err, errlen, "BRIDGE: '%s': %s", name, strerror(-rc));
		return -1;
	} else if (strcmp(l.kind, "bridge")) {
		snprintf(err, errlen, "BRIDGE: '%s' is not a bridge (it is %s%s)", name,
			 l.kind[0] ? "a device of kind " : "a physical or plain interface",
			 l.kind);
		return -1;
	}
	struct made_bridge *b = made_find(name);
	if (b) {
		b->users++;
		snprintf(run->held_bridge, sizeof run->held_bridge, "%s", name);
	}
	return l.index;
}

/* Who this server runs as, for a message. */
static const char *me(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw ? pw->pw_name : "YOU";
}

/* One tap: an existing one checked and left as it is, a missing one made. */
static int tap_ready(const struct conf_instance *ci, struct net_if *f, bool root,
		     int bridge, char *err, size_t errlen)
{
	struct net_link l;
	int rc = net_link_get(f->tap, &l);
	if (rc == 0) {
		if (strcmp(l.kind, "tun")) {
			snprintf(err, errlen, "NET: '%s' exists and is not a tap (it is %s%s)",
				 f->tap, l.kind[0] ? "a device of kind " : "a plain interface",
				 l.kind);
			return -EINVAL;
		}
		rc = root ? net_tap_probe(f->tap) : 0;
		if (rc == -EBUSY)
			snprintf(err, errlen, "NET: tap '%s' is in use by another process "
				 "(another UML?)", f->tap);
		else if (rc == -EINVAL)
			snprintf(err, errlen, "NET: '%s' is a tun device, not a tap", f->tap);
		else if (rc < 0)
			snprintf(err, errlen, "NET: tap '%s': %s", f->tap, strerror(-rc));
		f->bridge[0] = '\0'; /* left as it was, wherever it is */
		return rc;
	}
	if (rc != -ENODEV) {
		snprintf(err, errlen, "NET: '%s': %s", f->tap, strerror(-rc));
		return rc;
	}
	if (!root) {
		snprintf(err, errlen, "NET: tap '%s' does not exist, and only a root server "
			 "can make it (make it first: ip tuntap add dev %s mode tap user %s)",
			 f->tap, f->tap, ci->user ? ci->user : me());
		return -EPERM;
	}
	rc = net_tap_make(f->tap, ci->user ? ci->uid : (uid_t)-1);
	if (rc == 0) {
		f->made_tap = true;
		rc = net_link_get(f->tap, &l);
	}
	if (rc == 0)
		rc = net_link_up(l.index, bridge);
	if (rc < 0) {
		snprintf(err, errlen, "NET: cannot make tap '%s'%s%s: %s", f->tap,
			 bridge > 0 ? " on bridge " : "", bridge > 0 ? f->bridge : "",
			 strerror(-rc));
		return rc;
	}
	f->bridged = bridge > 0;
	return 0;
}

int net_up(const struct conf_instance *ci, bool root, bool hand_over, struct net_run *run,
	   char *err, size_t errlen)
{
	*run = (struct net_run){ 0 };
	run->n = net_plan(ci, &run->ifs);
	if (!run->n)
		return 0;
	int bridge = -1;
	if (ci->bridge && (bridge = bridge_ready(ci->bridge, root, run, err, errlen)) < 0) {
		net_down(run);
		return -EINVAL;
	}
	for (size_t i = 0; i < run->n; i++) {
		struct net_if *f = &run->ifs[i];
		int rc = tap_ready(ci, f, root, bridge, err, errlen);
		if (rc == 0 && hand_over && (rc = f->fd = net_tap_attach(f->tap)) < 0)
			snprintf(err, errlen, "NET: cannot open tap '%s' to hand it to %s's UML: %s",
				 f->tap, ci->user ? ci->user : "the user", strerror(-rc));
		if (rc < 0) {
			net_down(run);
			return rc;
		}
	}
	return 0;
}

void net_handed(struct net_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		if (run->ifs[i].fd >= 0) {
			close(run->ifs[i].fd);
			run->ifs[i].fd = -1;
		}
}

int net_switches_up(const struct conf_instance *ci, struct net_run *run,
		    net_switch_note_fn note, void *owner, char *err, size_t errlen)
{
	run->sw_owner = owner;
	for (size_t i = 0; i < ci->nsw; i++) {
		char guest[NET_IFNAMSIZ];
		snprintf(guest, sizeof guest, "eth%zu", ci->nnet + i);
		int rc = net_switch_hold(ci->sw[i], guest, note, owner, err, errlen);
		if (rc < 0) {
			for (size_t k = 0; k < run->nsw; k++) {
				net_switch_release(run->switches[k], owner);
				free(run->switches[k]);
			}
			free(run->switches);
			run->switches = NULL;
			run->nsw = 0;
			return rc;
		}
		run->switches = xreallocarray(run->switches, run->nsw + 1, sizeof *run->switches);
		run->switches[run->nsw++] = xstrdup(ci->sw[i]);
	}
	return 0;
}

void net_down(struct net_run *run)
{
	net_handed(run);
	for (size_t i = 0; i < run->n; i++) {
		struct net_if *f = &run->ifs[i];
		struct net_link l;
		if (f->made_tap && net_link_get(f->tap, &l) == 0 && !strcmp(l.kind, "tun"))
			net_link_del(l.index);
	}
	if (run->held_bridge[0])
		made_release(run->held_bridge);
	for (size_t i = 0; i < run->nsw; i++) {
		net_switch_release(run->switches[i], run->sw_owner);
		free(run->switches[i]);
	}
	free(run->switches);
	free(run->ifs);
	*run = (struct net_run){ 0 };
}

/* ---- the record of what a run made ---- */

static char *record_path(const char *rundir, const char *name)
{
	return xasprintf("%s/net/%s", rundir, name);
}

void net_record(const char *rundir, const char *name, const struct net_run *run)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < run->n; i++)
		if (run->ifs[i].made_tap)
			buf_printf(&b, "tap %s\n", run->ifs[i].tap);
	if (run->held_bridge[0])
		buf_printf(&b, "bridge %s\n", run->held_bridge);
	char *path = record_path(rundir, name);
	if (!b.len) {
		unlink(path);
		free(path);
		return;
	}
	char *dir = xasprintf("%s/net", rundir), *tmp = xasprintf("%s.new", path);
	util_mkdir_p(dir, 0700);
	FILE *f = fopen(tmp, "we");
	if (f && fwrite(b.data, 1, b.len, f) == b.len && fclose(f) == 0)
		rename(tmp, path);
	else if (f)
		fclose(f);
	unlink(tmp);
	free(tmp);
	free(dir);
	free(path);
	buf_free(&b);
}

void net_record_drop(const char *rundir, const char *name)
{
	char *path = record_path(rundir, name);
	unlink(path);
	free(path);
}

/* Each line of the record: what ("tap", "bridge") and its name. */
static void record_read(const char *rundir, const char *name,
			void (*each)(const char *what, const char *ifname, void *arg), void *arg)
{
	char *path = record_path(rundir, name);
	FILE *f = fopen(path, "re");
	free(path);
	if (!f)
		return;
	char line[128], what[16], ifname[NET_IFNAMSIZ];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%15s %15s", what, ifname) == 2)
			each(what, ifname, arg);
	fclose(f);
}

/* A bridge made by an earlier server, now counted as made here. */
static void bridge_taken(struct net_run *run, const char *name)
{
	struct made_bridge *b = made_find(name);
	if (!b) {
		made = xreallocarray(made, nmade + 1, sizeof *made);
		b = &made[nmade++];
		memset(b, 0, sizeof *b);
		snprintf(b->name, sizeof b->name, "%s", name);
	}
	b->users++;
	snprintf(run->held_bridge, sizeof run->held_bridge, "%s", name);
}

struct take {
	struct net_run *run;
	const struct conf_instance *ci;
};

static void take_line(const char *what, const char *ifname, void *arg)
{
	struct take *tk = arg;
	if (!strcmp(what, "bridge") && tk->ci->bridge && !strcmp(tk->ci->bridge, ifname) &&
	    !tk->run->held_bridge[0]) {
		bridge_taken(tk->run, ifname);
		return;
	}
	if (strcmp(what, "tap"))
		return;
	for (size_t i = 0; i < tk->run->n; i++) {
		struct net_if *f = &tk->run->ifs[i];
		if (!strcmp(f->tap, ifname))
			f->made_tap = true;
	}
}

void net_take_over(const char *rundir, const struct conf_instance *ci, struct net_run *run)
{
	*run = (struct net_run){ 0 };
	run->n = net_plan(ci, &run->ifs);
	struct take tk = { run, ci };
	record_read(rundir, ci->name, take_line, &tk);
}

static void leftover_line(const char *what, const char *ifname, void *arg)
{
	(void)arg;
	struct net_link l;
	if (!strcmp(what, "tap")) {
		/* ours, from a run whose server died: free (no UML holds it) */
		if (net_link_get(ifname, &l) == 0 && !strcmp(l.kind, "tun") &&
		    net_tap_probe(ifname) == 0)
			net_link_del(l.index);
	} else if (!strcmp(what, "bridge") && !made_find(ifname) &&
		   net_link_get(ifname, &l) == 0 && !strcmp(l.kind, "bridge")) {
		/* made by that server: made here now, removed with its last user */
		made = xreallocarray(made, nmade + 1, sizeof *made);
		memset(&made[nmade], 0, sizeof made[nmade]);
		snprintf(made[nmade].name, sizeof made[nmade].name, "%s", ifname);
		nmade++;
	}
}

void net_clean_leftovers(const char *rundir, const struct conf_instance *ci)
{
	record_read(rundir, ci->name, leftover_line, NULL);
	net_record_drop(rundir, ci->name);
}
