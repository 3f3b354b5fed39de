/* net/: the host side of an instance's network (DESIGN.md, "Networking").
 * The taps NET names, made for a run when missing (owned by USER, up, on
 * BRIDGE) and removed when it ends; the bridges it makes, removed when no
 * run uses them; a tap or bridge that existed before is used and left
 * alone.  Links through netlink (libmnl, link.c), taps through
 * /dev/net/tun's ioctls (tap.c), never a shell.
 *
 * May include: conf/ and lib/; never uml/, server/, proto/ or curses.
 * Single-threaded: the bridges made are counted in this process (the
 * server's loop thread). */
#ifndef UMLTOP_NET_H
#define UMLTOP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/conf.h"

#define NET_IFNAMSIZ 16 /* IFNAMSIZ: 15 characters and the NUL */

/* One guest interface whose host side is a tap NET names. */
struct net_if {
	char guest[NET_IFNAMSIZ];  /* eth0, eth1, ... */
	char tap[NET_IFNAMSIZ];
	char bridge[NET_IFNAMSIZ]; /* BRIDGE, "" when none */
	bool made_tap;             /* this run created it: it removes it */
	bool bridged;              /* this run attached it to the bridge */
	int fd;                    /* opened here to hand to the UML, or -1 */
};

/* The host side of one run. */
struct net_run {
	struct net_if *ifs;
	size_t n;
	char held_bridge[NET_IFNAMSIZ]; /* counted among the users of this bridge,
					 * made here; "" when none */
	char **switches; /* the SWITCH names this run holds (net_switches_up) */
	size_t nsw;
	void *sw_owner;
};

/* The plan for an instance from its config alone, no system call: the
 * guest name, tap and bridge of each plain NET word (transport specs such
 * as daemon,,unix,PATH are UML's and are left out).  *out malloc'd. */
size_t net_plan(const struct conf_instance *ci, struct net_if **out);

/* Set up the host side of a run: every tap NET names exists, is up, and
 * (when made here) owned by the instance's USER and on BRIDGE, made and
 * brought up when missing.  root: the server may make interfaces.
 * hand_over: each tap is also opened here (its fd in the net_if), for a
 * UML that cannot open /dev/net/tun itself (see net/uml-net.c).  0, or
 * -errno with a message naming the key and interface in err ("NET: tap
 * 'tap1' is in use by another process"); on failure everything made for
 * it is removed already and *run is empty. */
int net_up(const struct conf_instance *ci, bool root, bool hand_over, struct net_run *run,
	   char *err, size_t errlen);
/* The UML has its copies of the taps' descriptors: close ours. */
void net_handed(struct net_run *run);

/* What a run made, on record in RUNDIR/net/NAME for the server after this
 * one: an upgrade, or a server started after this one died, takes the
 * run's UML over (uml/adopt.c) and with it the duty to remove its taps
 * and its share of a bridge.  net_record writes it (nothing made: none),
 * net_record_drop removes it once net_down has run.  net_take_over fills
 * *run from it for a UML taken over.  net_clean_leftovers, before a new
 * run of an instance whose UML is gone, removes the taps an earlier
 * run made and nobody removed (a server that died), so they are made,
 * and removed, again. */
void net_record(const char *rundir, const char *name, const struct net_run *run);
void net_record_drop(const char *rundir, const char *name);
void net_take_over(const char *rundir, const struct conf_instance *ci, struct net_run *run);
void net_clean_leftovers(const char *rundir, const struct conf_instance *ci);
/* The run ended: remove what net_up made (a bridge once its last user is
 * gone).  Safe on an empty run; leaves it empty. */
void net_down(struct net_run *run);

/* ---- handing taps to a UML that runs as an ordinary user ----
 * With /dev/net/tun at 0600 such a UML cannot open a tap, even its own.
 * The server opens each and the UML inherits the descriptors; its
 * interface is ethN=tuntap,,,0.0.0.FD (no device: UML asks its helper
 * uml_net for a descriptor, with FD as the "gate" address), and umltop's
 * uml_net, first in the UML's PATH, passes the inherited one back.  UML
 * asks again at every ifconfig up, so an interface taken down comes up
 * again. */
#define NET_TAPS_ENV "UMLTOP_TAPS" /* "TAP=FD TAP=FD ..." */
/* The directory holding umltop's uml_net: $UMLTOP_NET_HELPER_DIR, the
 * build tree's net/helper beside the running umltop, or the installed
 * one; NULL when there is none.  malloc'd. */
char *net_helper_dir(void);

/* ---- SWITCH (switch.c): one uml_switch per name, the server's child ---- */

/* How the switches' processes are watched and their news logged: set
 * once by the process that reaps its children (uml/ passes the server's
 * reaper).  watch(watcher, pid, cb, arg) hands pid's end to cb once; a
 * NULL cb: reaped without a word. */
struct net_switch_env {
	const char *rundir; /* switches live in RUNDIR/switch/NAME/ */
	void (*watch)(void *watcher, pid_t pid, void (*cb)(void *arg, pid_t pid, int status),
		      void *arg);
	void *watcher;
	void (*log)(void *arg, const char *fmt, ...);
	void *arg;
};
void net_switch_setup(const struct net_switch_env *env);

/* What a switch's users hear: it died and was restarted (the guest's
 * interface must be plugged in again: UML does not reconnect by itself),
 * or could not be. */
typedef void (*net_switch_note_fn)(void *owner, const char *reason, const char *log);

/* Count owner (on its interface guest) among the users of switch name, started (uml_switch -unix
 * RUNDIR/switch/NAME/ctl, its socket there before this returns) when it
 * is not running.  0, or -errno with a message naming SWITCH in err. */
int net_switch_hold(const char *name, const char *guest, net_switch_note_fn note,
		    void *owner, char *err, size_t errlen);
/* owner is done with it: the last user gone, the switch is stopped. */
void net_switch_release(const char *name, void *owner);
pid_t net_switch_pid(const char *name); /* 0 when not running */
/* The server exits: every switch stopped. */
void net_switch_stop_all(void);

/* Every switch ci's SWITCH names, held for this run (released by
 * net_down).  0, or -errno with err; on failure the run holds none. */
int net_switches_up(const struct conf_instance *ci, struct net_run *run,
		    net_switch_note_fn note, void *owner, char *err, size_t errlen);

/* ---- the primitives, for the above and for tests ---- */

/* What netlink says of an interface. */
struct net_link {
	int index;
	char kind[NET_IFNAMSIZ]; /* IFLA_INFO_KIND: "bridge", "tun", ... or "" */
	int master;              /* index of its bridge, 0 when none */
	bool up;
};
/* 0, -ENODEV when there is none, or another -errno. */
int net_link_get(const char *name, struct net_link *out);
int net_link_up(int index, int master); /* master < 0: leave it */
int net_bridge_add(const char *name);   /* -EEXIST when the name is taken */
int net_link_del(int index);

/* Make a persistent tap owned by uid (uid (uid_t)-1: leave it): -EEXIST
 * when the name is taken. */
int net_tap_make(const char *name, uid_t uid);
/* An existing tap, opened and closed at once: 0 when free, -EBUSY when a
 * process has it open, -EINVAL when it is no tap. */
int net_tap_probe(const char *name);
/* A descriptor on an existing tap (close-on-exec), as UML's tuntap
 * transport would open it, or -errno. */
int net_tap_attach(const char *name);

#endif
