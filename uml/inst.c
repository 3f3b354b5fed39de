/* An instance: its state, starting a UML, the notify socket, mconsole
 * passthrough and status polling, commands, and the object's life.  The
 * rest of an instance's life is in files of its own: the console (uml/
 * console.c), adoption and upgrades (uml/adopt.c), exits and crashes
 * (uml/exit.c), the halt ladder (uml/halt.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/states.h"
#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "uml/feed.h"
#include "uml/inst-int.h"
#include "uml/launch.h"
#include "uml/reap.h"

#define POLL_TIMEOUT_MS 2000 /* a status request unanswered */

void inst_log(struct inst *in, const char *fmt, ...)
{
	if (!in->env.log)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	in->env.log(in->env.arg, "%s: %s", in->ci->name, msg);
	free(msg);
}

void inst_changed(struct inst *in)
{
	if (in->env.ev && in->env.ev->changed)
		in->env.ev->changed(in->env.arg, in);
}

/* ---- priority while booting (BOOT_NICE) ----
 *
 * With autogroups (CONFIG_SCHED_AUTOGROUP, /proc/sys/kernel/
 * sched_autogroup_enabled) every session is a scheduling group of its own
 * and a process's nice only ranks it within its group: each UML, in a
 * session of its own (setsid for its console), weighs as much as the
 * server's whole session whatever its nice.  The group's nice
 * (/proc/PID/autogroup) is what ranks it then; without autogroups, the
 * process's nice.
 *
 * Which one counts cannot be known from here: autogroups work only in
 * the root cpu cgroup, which a container's cgroup namespace shows as "/"
 * wherever it is, and a server no session leader started (one of an
 * init's or a CI runner's children) is in no group of its own but the
 * root's.  So both are set, each when it can be undone: a group's nice
 * ranks only against the other groups, a process's nice only within its
 * group, and neither disturbs the other. */

bool inst_status_cap_sys_nice(const char *status)
{
	const char *p = strstr(status, "\nCapEff:");
	unsigned long long caps;
	if (!p || sscanf(p + 8, "%llx", &caps) != 1)
		return false;
	return caps & (1ULL << 23); /* CAP_SYS_NICE */
}

bool inst_autogroup_nice(const char *text, int *nice)
{
	const char *p = strstr(text, " nice ");
	return p && sscanf(p + 6, "%d", nice) == 1 && *nice >= -20 && *nice <= 19;
}

int inst_group_base(const char *autogroup_text, int proc_nice)
{
	int nice;
	return inst_autogroup_nice(autogroup_text, &nice) ? nice : proc_nice;
}

unsigned inst_boot_nice(unsigned want, int base, bool autogroup, bool cap_sys_nice,
			unsigned long rlim_nice)
{
	if (base >= 19 || base < -20)
		return 0;
	unsigned room = (unsigned)(19 - base);
	unsigned steps = want < room ? want : room;
	if (cap_sys_nice)
		return steps;
	/* without the capability: a group's nice may go back to any value
	 * from 0 up; a process's only down to 20 - RLIMIT_NICE, and 0 (the
	 * default limit) allows no lowering at all */
	if (autogroup)
		return base >= 0 ? steps : 0;
	if (rlim_nice > 40)
		rlim_nice = 40;
	return base >= 20 - (long)rlim_nice ? steps : 0;
}

/* How this host ranks a booting UML: the server's own nice and its
 * group's (or the root's, its own nice then), and the steps BOOT_NICE
 * may take of each that the server can undo.  False when it takes none. */
static bool boot_nice(const struct inst *in, struct boot_rank *r)
{
	char text[4096];
	*r = (struct boot_rank){ 0 };
	errno = 0;
	r->proc_base = getpriority(PRIO_PROCESS, 0);
	if (errno || !in->ci->boot_nice)
		return false;
	bool groups = inst_read_text("/proc/sys/kernel/sched_autogroup_enabled", text, sizeof text) > 0 &&
		      text[0] == '1';
	if (groups) {
		if (inst_read_text("/proc/self/autogroup", text, sizeof text) < 0)
			text[0] = '\0'; /* in the root's group: ranked by its own nice */
		r->group_base = inst_group_base(text, r->proc_base);
	}
	struct rlimit rl = { 0 };
	getrlimit(RLIMIT_NICE, &rl);
	unsigned long lim = rl.rlim_cur == RLIM_INFINITY ? 40 : (unsigned long)rl.rlim_cur;
	bool cap = inst_read_text("/proc/self/status", text, sizeof text) > 0 &&
		   inst_status_cap_sys_nice(text);
	r->proc = inst_boot_nice(in->ci->boot_nice, r->proc_base, false, cap, lim);
	if (groups)
		r->group = inst_boot_nice(in->ci->boot_nice, r->group_base, true, cap, lim);
	return r->proc || r->group;
}

/* Up (or gone): the UML back at the server's rank.  Also for a UML an
 * earlier server started (upgrade, adoption): setting the nice it already
 * has costs nothing.  A group's nice may be set only ten times a second
 * on the whole host without CAP_SYS_ADMIN: the next poll tries again. */
static void boot_nice_end(struct inst *in)
{
	struct boot_rank r;
	in->boot_nice_pending = false;
	if (in->pid <= 0 || !boot_nice(in, &r))
		return;
	if (r.proc && setpriority(PRIO_PGRP, in->pid, r.proc_base) < 0 && errno != ESRCH)
		inst_log(in, "cannot give the UML back nice %d: %s", r.proc_base, strerror(errno));
	if (!r.group)
		return;
	char path[64], nice[16];
	snprintf(path, sizeof path, "/proc/%d/autogroup", (int)in->pid);
	int len = snprintf(nice, sizeof nice, "%d", r.group_base);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, nice, (size_t)len) == len) {
		close(fd);
		return;
	}
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EAGAIN)
		in->boot_nice_pending = true;
	else if (e != ENOENT && e != ESRCH)
		inst_log(in, "cannot give the UML's group back nice %d: %s", r.group_base, strerror(e));
}

void inst_set_state(struct inst *in, enum inst_state st)
{
	if (in->state == st)
		return;
	inst_log(in, "%s -> %s", util_state_name(in->state), util_state_name(st));
	if (in->state == INST_STARTING)
		boot_nice_end(in);
	in->state = st;
	inst_changed(in);
}

void inst_set_reason(struct inst *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in->reason, sizeof in->reason, fmt, ap);
	va_end(ap);
}

char *inst_dir_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

/* ---- notify and mconsole ---- */

/* The pid in DIR/pid, 0 when there is none. */
pid_t inst_umid_dir_pid(const char *dir)
{
	char *pidfile = xasprintf("%s/pid", dir);
	FILE *f = fopen(pidfile, "r");
	int pid = 0;
	free(pidfile);
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

/* Remove uml_dir/UMID (its mconsole socket and pid file) when it is ours
 * or stale: never when its pid file names another live process, which is
 * another UML using this umid. */
void inst_remove_umid_dir(struct inst *in, const char *dir)
{
	pid_t pid = inst_umid_dir_pid(dir);
	if (pid > 0 && pid != in->pid && (kill(pid, 0) == 0 || errno == EPERM))
		return;
	char *p = xasprintf("%s/mconsole", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/pid", dir);
	unlink(p);
	free(p);
	if (rmdir(dir) == 0)
		inst_log(in, "removed %s", dir);
}

static void note_socket(struct inst *in, const char *sockpath)
{
	/* A duplicate umid makes UML pick a random one and boot anyway: the
	 * SOCKET datagram names the socket it really made. */
	char *dir = inst_dir_of(sockpath);
	pid_t pid = inst_umid_dir_pid(dir);
	if (pid && pid != in->pid)
		inst_log(in, "%s/pid names %d, not our %d", dir, (int)pid, (int)in->pid);
	free(in->umid_dir);
	in->umid_dir = dir;
}

static void notify_cb(void *arg, const struct mc_notify *n)
{
	struct inst *in = arg;
	char *data = xstrndup(n->data, n->len);
	switch (n->type) {
	case MC_NOTIFY_SOCKET:
		if (strcmp(data, in->paths.mconsole))
			inst_log(in, "mconsole at %s (umid taken?)", data);
		mc_client_set_path(in->mc, data);
		note_socket(in, data);
		in->mconsole_known = true;
		inst_changed(in);
		inst_check_ready(in);
		break;
	case MC_NOTIFY_PANIC:
		inst_set_reason(in, "kernel panic: %s", data);
		inst_log(in, "panic: %s", data);
		in->panicked = true;
		inst_changed(in);
		break;
	case MC_NOTIFY_HANG:
		inst_log(in, "hang reported");
		break;
	case MC_NOTIFY_USER_NOTIFY:
		inst_log(in, "guest notify: %s", data);
		if (in->state == INST_STARTING && in->mconsole_known)
			inst_became_ready(in);
		break;
	}
	free(data);
}

/* ---- starting ---- */

/* Past init: a READY prompt on the console, a USER_NOTIFY, or the
 * timeout. */
void inst_became_ready(struct inst *in)
{
	uv_timer_stop(&in->timer);
	in->ready_at_ns = util_now_ns();
	inst_set_state(in, INST_RUNNING);
	if (in->want_rows)
		inst_resize(in, in->want_rows, in->want_cols);
}

static void ready_timeout_cb(uv_timer_t *t)
{
	struct inst *in = t->data;
	if (in->state != INST_STARTING)
		return;
	inst_set_reason(in, "no prompt matched READY within %u s; assumed up",
			in->env.ready_timeout_ms / 1000);
	inst_became_ready(in);
}

/* The taps handed over (net/net.h): the UML has them at fds 3, 4, ...,
 * in the order of in->net's interfaces that have one. */
static bool hands_taps(const struct inst *in)
{
	for (size_t i = 0; i < in->net.n; i++)
		if (in->net.ifs[i].fd >= 0)
			return true;
	return false;
}

static char *taps_env(const struct inst *in)
{
	struct buf b = { 0 };
	buf_printf(&b, "%s=", NET_TAPS_ENV);
	int fd = 3;
	for (size_t i = 0; i < in->net.n; i++) {
		if (in->net.ifs[i].fd < 0)
			continue;
		buf_printf(&b, "%s%s=%d", fd > 3 ? " " : "", in->net.ifs[i].tap, fd);
		fd++;
	}
	buf_append(&b, "", 1);
	return b.data;
}

static char **child_env(struct inst *in, const char *home)
{
	char **env = xcalloc(8, sizeof *env);
	size_t n = 0;
	static const char path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	env[n++] = xasprintf("HOME=%s", home);
	if (hands_taps(in)) { /* our uml_net first: UML runs it by name */
		env[n++] = xasprintf("PATH=%s:%s", in->env.net_helper, path);
		env[n++] = taps_env(in);
	} else {
		env[n++] = xasprintf("PATH=%s", path);
	}
	if (in->env.shim && *in->env.shim)
		env[n++] = xasprintf("LD_PRELOAD=%s", in->env.shim);
	const char *tmp = getenv("TMPDIR");
	if (tmp && *tmp)
		env[n++] = xasprintf("TMPDIR=%s", tmp);
	env[n] = NULL;
	return env;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A root server runs the UML as USER, when USER is not root itself. */
bool inst_drops_to_user(const struct inst *in)
{
	return in->ci->user && geteuid() == 0 && in->ci->uid != 0;
}

/* Runtime directories: made by the server, usable by the instance's user. */
int inst_prepare_dirs(struct inst *in, char *err, size_t errlen)
{
	const char *dirs[] = { in->paths.uml_dir, in->paths.hostfs };
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		int rc = util_mkdir_p(dirs[i], 0700);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create %s: %s", dirs[i], strerror(-rc));
			return rc;
		}
	}
	char *notify_dir = xstrdup(in->paths.notify);
	*strrchr(notify_dir, '/') = '\0';
	util_mkdir_p(notify_dir, 0700);
	free(notify_dir);
	if (in->drop) {
		/* uml_dir is shared by every instance: sticky and writable, like
		 * /tmp, so each user makes its own uml_dir/UMID. */
		chmod(in->paths.uml_dir, 01733);
		chmod(in->env.rundir, 0711);
		/* ... and the socket's directory above it must be traversable
		 * (not listable) by that user too. */
		char *sockdir = inst_dir_of(in->env.rundir);
		chmod(sockdir, 0711);
		free(sockdir);
		char *parent = xstrdup(in->paths.notify);
		*strrchr(parent, '/') = '\0';
		chmod(parent, 0711);
		free(parent);
		chmod(in->paths.hostfs, 0755);
	}
	/* A stale uml_dir/UMID left by a crash would make UML pick another umid. */
	char *dir = inst_dir_of(in->paths.mconsole);
	inst_remove_umid_dir(in, dir);
	free(dir);
	return 0;
}

int inst_start_notifier(struct inst *in, char *err, size_t errlen)
{
	int rc = mc_notifier_open(in->env.loop, in->paths.notify, notify_cb, in,
				  &in->notifier);
	if (rc < 0) {
		snprintf(err, errlen, "notify socket %s: %s", in->paths.notify, strerror(-rc));
		return rc;
	}
	if (in->drop && chown(in->paths.notify, in->ci->uid, in->ci->gid) < 0)
		inst_log(in, "chown %s: %s", in->paths.notify, strerror(errno));
	return 0;
}

/* A tap handed over is ethN=tuntap,,,0.0.0.FD: no device, so UML asks
 * uml_net, with the "gate" word (which UML wants to read as an IPv4
 * address) naming the descriptor the UML inherited. */
static void argv_hand_over(const struct inst *in, char **argv, int *fds, size_t *nfds)
{
	*nfds = 0;
	for (size_t i = 0; i < in->net.n; i++) {
		const struct net_if *f = &in->net.ifs[i];
		if (f->fd < 0)
			continue;
		char *was = xasprintf("%s=tuntap,%s", f->guest, f->tap);
		for (size_t k = 0; argv[k]; k++)
			if (!strcmp(argv[k], was)) {
				free(argv[k]);
				argv[k] = xasprintf("%s=tuntap,,,0.0.0.%zu", f->guest, 3 + *nfds);
			}
		free(was);
		fds[(*nfds)++] = f->fd;
	}
}

static int spawn(struct inst *in, char *err, size_t errlen)
{
	char **argv = conf_argv(in->ci, in->env.rundir);
	int *fds = xcalloc(in->net.n + 1, sizeof *fds);
	size_t nfds;
	argv_hand_over(in, argv, fds, &nfds);
	struct passwd *pw = in->ci->user ? getpwnam(in->ci->user) : NULL;
	const char *home = pw ? pw->pw_dir : in->env.rundir;
	char *errlog = xasprintf("%s/%s.stderr.log", in->env.statedir, in->ci->name);
	int errfd = open(errlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (errfd < 0)
		inst_log(in, "%s: %s", errlog, strerror(errno));
	free(errlog);
	struct launch l = {
		.argv = argv,
		.envp = child_env(in, home),
		.slave = in->pty.slave,
		.errfd = errfd,
		.cwd = home,
		.fds = fds,
		.nfds = nfds,
	};
	struct boot_rank rank;
	if (boot_nice(in, &rank)) {
		l.nice = rank.proc;
		if (rank.group)
			snprintf(l.group_nice, sizeof l.group_nice, "%d", rank.group_base + (int)rank.group);
	}
	int rc = 0;
	if (in->drop)
		rc = launch_prepare_user(&l, in->ci->user, in->ci->uid, in->ci->gid);
	if (rc == 0)
		rc = launch_spawn(&l, &in->pid, &in->launch_fd, err, errlen);
	else
		snprintf(err, errlen, "cannot read the groups of %s", in->ci->user);
	if (errfd >= 0)
		close(errfd);
	close(in->pty.slave);
	in->pty.slave = -1;
	net_handed(&in->net); /* the UML has its own copies */
	free(fds);
	launch_free(&l);
	free_strv(l.envp);
	conf_argv_free(argv);
	return rc;
}

/* What a run starts from, ours or adopted: a new mconsole client, no
 * figures, no ending yet. */
void inst_begin_run(struct inst *in)
{
	in->mc = mc_client_new(in->env.loop, in->paths.mconsole);
	in->mconsole_known = false;
	in->mconsole_up = false;
	in->panicked = false;
	in->stats_valid = false;
	in->mc_timeouts = 0;
	in->phase = INST_PHASE_NONE;
	in->end = INST_END_NONE;
	in->exit_code = -1;
	in->exit_signal = 0;
	in->reason[0] = '\0';
	in->last_ticks = 0;
	in->last_ticks_ns = 0;
	in->cpu_x10 = 0;
	in->rss_kb = 0;
}

/* net/'s switches are the server's children: its one reaper watches them. */
static void switch_watch(void *watcher, pid_t pid, void (*cb)(void *, pid_t, int), void *arg)
{
	if (cb)
		reaper_watch(watcher, pid, cb, arg);
	else
		reaper_forget(watcher, pid);
}

/* A switch this run is on died (and was restarted, or not): the status
 * and the log say what the guest must do. */
static void switch_note(void *owner, const char *reason, const char *log)
{
	struct inst *in = owner;
	inst_log(in, "%s", log);
	inst_set_reason(in, "%s", reason);
	inst_changed(in);
}

/* A UML taken over from an earlier server (an upgrade, or a server that
 * died): the taps and bridge share its run made, and its switches (taken
 * over too when they still run), are this server's to remove and stop. */
void inst_net_take_over(struct inst *in)
{
	net_take_over(in->env.rundir, in->ci, &in->net);
	char why[256];
	if (net_switches_up(in->ci, &in->net, switch_note, in, why, sizeof why) < 0)
		inst_log(in, "taken over without its switches: %s", why);
}

/* A start waits while the last run's processes, killed, still hold an
 * image: started into it, the new kernel would panic.  They are usually
 * gone within milliseconds, but one waiting for a slow disk (a flush in
 * state D) cannot die before its write is done: every IMAGE_WAIT_MS for
 * the first second, then every IMAGE_WAIT_SLOW_MS, and after
 * IMAGE_WAIT_MAX_MS the start fails, naming the process. */
#define IMAGE_WAIT_MS 20
#define IMAGE_WAIT_SLOW_MS 250
#define IMAGE_WAIT_MAX_MS 60000

static void image_wait_cb(uv_timer_t *t)
{
	struct inst *in = t->data;
	char err[512];
	int rc;
	if (!inst_live(in) && in->image_waits && (rc = inst_start(in, err, sizeof err)) < 0 &&
	    rc != -EINPROGRESS)
		inst_log(in, "start: %s", err);
}

bool inst_start_call_off(struct inst *in, char *err, size_t errlen)
{
	if (inst_live(in))
		return false;
	if (in->boot_queued) {
		in->boot_queued = 0;
		inst_log(in, "the queued start was called off");
		inst_set_reason(in, "its queued start was called off");
		inst_changed(in);
	} else if (in->image_waits) {
		in->image_waits = 0;
		uv_timer_stop(&in->timer);
		inst_log(in, "the start waiting for the images was called off");
	} else {
		return false;
	}
	snprintf(err, errlen, "%s: its start was called off", in->ci->name);
	return true;
}

uint64_t inst_boot_queued(const struct inst *in)
{
	return in->boot_queued;
}

bool inst_booting(const struct inst *in)
{
	return in->pid > 0 && in->state == INST_STARTING;
}

int inst_start(struct inst *in, char *err, size_t errlen)
{
	/* A start while halting or being killed is kept for when the process
	 * is gone (as a restart is); a halt or kill after it drops it. */
	if (in->state == INST_HALTING) {
		in->restart_pending = true;
		inst_log(in, "start asked for while halting: starts once stopped");
		snprintf(err, errlen, "%s is halting; it starts again once stopped", in->ci->name);
		return -EINPROGRESS;
	}
	if (inst_live(in)) {
		snprintf(err, errlen, "%s is already %s", in->ci->name, util_state_name(in->state));
		return -EALREADY;
	}
	if (inst_adopt(in)) {
		snprintf(err, errlen, "%s was still running (pid %d, left by an earlier server): "
			 "adopted, without its console", in->ci->name, (int)in->pid);
		return -EALREADY;
	}
	in->adopted = false;
	int held = inst_images_in_use(in, err, errlen);
	uint64_t now = util_now_ms();
	if (held == 2 && (!in->image_waits || now - in->image_wait_ms < IMAGE_WAIT_MAX_MS)) {
		if (!in->image_waits++) {
			in->image_wait_ms = now;
			inst_log(in, "%s: starting once it is let go", err);
		}
		uv_timer_start(&in->timer, image_wait_cb,
			       now - in->image_wait_ms < 1000 ? IMAGE_WAIT_MS : IMAGE_WAIT_SLOW_MS, 0);
		return 0;
	}
	in->image_waits = 0;
	if (held == 0 && in->env.ev && in->env.ev->may_boot) {
		char why[128];
		if (!in->env.ev->may_boot(in->env.arg, why, sizeof why)) {
			static uint64_t queue_seq;
			snprintf(err, errlen, "%s is queued: it starts when a boot ends (%s)", in->ci->name, why);
			if (!in->boot_queued) {
				in->boot_queued = ++queue_seq;
				inst_log(in, "start queued: %s", why);
				inst_set_reason(in, "start queued: %s", why);
				inst_changed(in);
			}
			return -EINPROGRESS;
		}
	}
	in->boot_queued = 0;
	if (held == 2) {
		char *why = xasprintf("%s after %d s: not started, so that two kernels never "
				      "write one image", err, IMAGE_WAIT_MAX_MS / 1000);
		inst_log(in, "%s", why);
		inst_set_reason(in, "%s", why);
		snprintf(err, errlen, "%s", why);
		free(why);
		inst_set_state(in, INST_FAILED);
		return -EBUSY;
	}
	if (held == 1) {
		inst_log(in, "%s", err);
		inst_set_reason(in, "%s", err);
		inst_set_state(in, INST_FAILED);
		return -EBUSY;
	}
	in->drop = inst_drops_to_user(in);
	int rc = inst_prepare_dirs(in, err, errlen);
	if (rc == 0)
		rc = inst_start_notifier(in, err, errlen);
	if (rc == 0 && (rc = inst_console_open(in)) < 0)
		snprintf(err, errlen, "cannot open a pty: %s", strerror(-rc));
	if (rc == 0) {
		char why[256];
		/* A UML that runs as an ordinary user gets its taps from the
		 * server (net/net.h): /dev/net/tun is usually root's alone. */
		net_clean_leftovers(in->env.rundir, in->ci);
		rc = net_up(in->ci, geteuid() == 0, in->drop, &in->net, why, sizeof why);
		if (rc == 0 && in->drop && in->net.n && !in->env.net_helper) {
			snprintf(why, sizeof why, "NET: cannot hand taps to %s's UML: umltop's "
				 "uml_net helper is not installed (%s/uml_net)", in->ci->user,
				 PKGLIBEXECDIR);
			net_down(&in->net);
			rc = -ENOENT;
		}
		if (rc == 0)
			rc = net_switches_up(in->ci, &in->net, switch_note, in, why, sizeof why);
		if (rc == 0)
			net_record(in->env.rundir, in->ci->name, &in->net);
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", in->ci->name, why);
	}
	if (rc < 0) {
		inst_set_reason(in, "%s", err);
		inst_set_state(in, INST_FAILED);
		inst_teardown(in);
		return rc;
	}
	inst_open_logs(in);
	inst_begin_run(in);
	rc = spawn(in, err, errlen);
	if (rc < 0) {
		inst_log(in, "start failed: %s", err);
		if (in->pid > 0) /* a child that could not exec: it has exited */
			reaper_forget(in->env.reaper, in->pid);
		in->pid = 0;
		inst_set_reason(in, "%s", err);
		inst_set_state(in, INST_FAILED);
		inst_teardown(in);
		return rc;
	}
	in->started_ns = util_now_ns();
	inst_log(in, "started, pid %d", (int)in->pid);
	uv_timer_start(&in->timer, ready_timeout_cb, in->env.ready_timeout_ms, 0);
	inst_set_state(in, INST_STARTING);
	/* (A UML that died already is reaped here, and stops or fails now.) */
	inst_watch_child(in);
	return 0;
}

int inst_kill(struct inst *in, char *err, size_t errlen)
{
	if (inst_start_call_off(in, err, errlen))
		return -EALREADY;
	if (!inst_live(in)) {
		snprintf(err, errlen, "%s is not running (%s)", in->ci->name,
			 util_state_name(in->state));
		return -ESRCH;
	}
	inst_log(in, "hard kill");
	in->restart_pending = false; /* a kill ends a restart too */
	/* A kill asked for by the user ends like a halt that needed SIGKILL,
	 * not like a crash. */
	if (in->state != INST_HALTING) {
		in->halt_start_ns = util_now_ns();
		inst_set_state(in, INST_HALTING);
	}
	inst_halt_set_phase(in, INST_PHASE_KILL);
	kill(-in->pid, SIGKILL);
	kill(in->pid, SIGKILL);
	return 0;
}

int inst_restart(struct inst *in, char *err, size_t errlen)
{
	if (!inst_live(in))
		return inst_start(in, err, errlen);
	int rc = inst_halt(in, err, errlen);
	if (rc == 0)
		in->restart_pending = true;
	return rc;
}

/* ---- mconsole passthrough and polling ---- */

int inst_mconsole(struct inst *in, const char *cmd, inst_reply_cb cb, void *arg,
		  char *err, size_t errlen)
{
	if (!inst_live(in) || !in->mc) {
		snprintf(err, errlen, "%s is not running (%s)", in->ci->name,
			 util_state_name(in->state));
		return -ESRCH;
	}
	if (!in->mconsole_known) {
		snprintf(err, errlen, "%s: mconsole not up yet (still booting)", in->ci->name);
		return -EAGAIN;
	}
	int rc = mc_request(in->mc, cmd, POLL_TIMEOUT_MS * 2, cb, arg);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", in->ci->name, strerror(-rc));
	return rc;
}

int inst_cad(struct inst *in, char *err, size_t errlen)
{
	return inst_mconsole(in, "cad", inst_reply_ignore, in, err, errlen);
}

void inst_reply_ignore(void *arg, int status, int err, const char *text, size_t len)
{
}

static void mc_answered(struct inst *in, int status)
{
	if (status == -ETIMEDOUT) {
		in->mc_timeouts++;
		in->mconsole_up = false;
		if (in->state == INST_RUNNING || in->state == INST_STARTING) {
			in->state_before_unresponsive = in->state;
			inst_set_reason(in, "mconsole does not answer");
			inst_set_state(in, INST_UNRESPONSIVE);
		}
		inst_changed(in);
		return;
	}
	if (status < 0)
		return;
	in->mc_timeouts = 0;
	in->mconsole_up = true;
	if (in->state == INST_UNRESPONSIVE) {
		in->reason[0] = '\0';
		inst_set_state(in, in->state_before_unresponsive);
		/* Back to starting with the ready timer run out while it did not
		 * answer (the timer only stops once ready): it is overdue now. */
		if (in->state == INST_STARTING && !uv_is_active((uv_handle_t *)&in->timer))
			ready_timeout_cb(&in->timer);
		/* A prompt that came while it did not answer was not looked
		 * at (only a starting one is), and may be all it prints. */
		inst_check_ready(in);
	}
}

static void poll_reply(void *arg, int status, int err, const char *text, size_t len);

static const char *const poll_cmds[] = { "proc loadavg", "proc uptime", "proc meminfo" };

static void poll_next(struct inst *in)
{
	if (in->poll_step >= ARRAY_LEN(poll_cmds) || !in->mc)
		return;
	in->polling = mc_request(in->mc, poll_cmds[in->poll_step], POLL_TIMEOUT_MS,
				 poll_reply, in) == 0;
}

static void poll_reply(void *arg, int status, int err, const char *text, size_t len)
{
	struct inst *in = arg;
	in->polling = false;
	if (status == -ECANCELED)
		return;
	mc_answered(in, status);
	if (status < 0 || err != 0)
		return;
	int rc = -EINVAL;
	switch (in->poll_step) {
	case 0: rc = inst_parse_loadavg(text, &in->guest); break;
	case 1: rc = inst_parse_uptime(text, &in->guest); break;
	case 2: rc = inst_parse_meminfo(text, &in->guest); break;
	}
	if (rc < 0)
		return;
	in->poll_step++;
	if (in->poll_step < ARRAY_LEN(poll_cmds)) {
		poll_next(in);
	} else {
		in->stats_valid = true;
		inst_changed(in);
	}
}

void inst_poll(struct inst *in, const struct inst_procs *procs)
{
	/* An adopted UML is not our child: no SIGCHLD tells of its end. */
	if (in->adopted && in->pid > 0 && inst_process_gone(in->pid))
		inst_exited(in, NULL);
	if (!inst_live(in))
		return;
	if (in->boot_nice_pending && in->state != INST_STARTING)
		boot_nice_end(in);
	struct inst_group_usage u;
	inst_procs_group(procs, in->pid, &u);
	if (in->last_ticks_ns && u.when_ns > in->last_ticks_ns && u.ticks >= in->last_ticks) {
		double secs = (double)(u.when_ns - in->last_ticks_ns) / 1e9;
		double cpu = (double)(u.ticks - in->last_ticks) / (double)sysconf(_SC_CLK_TCK);
		in->cpu_x10 = (uint32_t)(cpu / secs * 1000.0 + 0.5);
	}
	in->last_ticks = u.ticks;
	in->last_ticks_ns = u.when_ns;
	in->rss_kb = u.rss_kb;
	/* One request in flight per UML: a poll starts only when the last one
	 * finished (answered or timed out). */
	if (in->mconsole_known && in->mc && !in->polling && mc_pending(in->mc) == 0) {
		in->poll_step = 0;
		poll_next(in);
	}
	inst_changed(in);
}

/* ---- life of the object ---- */

static void handle_closed(uv_handle_t *h)
{
	struct inst *in = h->data;
	if (--in->handles == 0 && in->freeing)
		inst_destroy(in);
}

struct inst *inst_new(const struct inst_env *env, const struct conf_instance *ci)
{
	if (env->reaper)
		net_switch_setup(&(struct net_switch_env){ .rundir = env->rundir,
							   .watch = switch_watch,
							   .watcher = env->reaper,
							   .log = env->log, .arg = env->arg });
	struct inst *in = xcalloc(1, sizeof *in);
	in->env = *env;
	in->pty.master = in->pty.slave = -1;
	in->launch_fd = -1;
	in->rows = DEFAULT_ROWS;
	in->cols = DEFAULT_COLS;
	in->exit_code = -1;
	inst_console_init(in);
	uv_timer_init(env->loop, &in->timer);
	in->timer.data = in;
	uv_timer_init(env->loop, &in->halt_timer);
	in->halt_timer.data = in;
	in->handles = 3; /* the console's worker_async and the two timers */
	inst_set_conf(in, ci);
	inst_conf_tags(ci, in->tags, sizeof in->tags);
	return in;
}

int inst_set_conf(struct inst *in, const struct conf_instance *ci)
{
	if (inst_live(in)) {
		in->next_ci = ci;
		return -EBUSY;
	}
	in->next_ci = NULL;
	in->ci = ci;
	conf_paths_free(&in->paths);
	conf_paths(ci, in->env.rundir, &in->paths);
	if (in->ready_ok)
		regfree(&in->ready_re);
	in->ready_ok = regcomp(&in->ready_re, ci->ready ? ci->ready : CONF_DEFAULT_READY,
			       REG_EXTENDED | REG_NOSUB) == 0;
	if (in->alert_ok)
		regfree(&in->alert_re);
	const char *alert = ci->alert ? ci->alert : CONF_DEFAULT_ALERT;
	in->alert_ok = *alert && regcomp(&in->alert_re, alert, REG_EXTENDED | REG_NOSUB) == 0;
	return 0;
}

void inst_destroy(struct inst *in)
{
	feed_free(in->feed);
	uv_mutex_destroy(&in->replies_mu);
	buf_free(&in->replies);
	term_free(in->term); /* the log went in inst_free() */
	if (in->ready_ok)
		regfree(&in->ready_re);
	if (in->alert_ok)
		regfree(&in->alert_re);
	conf_paths_free(&in->paths);
	free(in->chunk);
	free(in);
}

void inst_free(struct inst *in)
{
	in->restart_pending = false;
	inst_halt_stop(in);
	if (in->pid > 0) {
		kill(-in->pid, SIGKILL);
		kill(in->pid, SIGKILL);
		/* The reaper takes its end, without blocking the loop here. */
		if (!in->adopted)
			reaper_forget(in->env.reaper, in->pid);
		in->pid = 0;
	}
	inst_teardown(in);
	/* The log's last partial line goes now: its errors name the instance
	 * from its config, which the server may free before the handles
	 * below have closed. */
	if (in->log) {
		term_log_close(in->log);
		in->log = NULL;
	}
	/* The emulator's thread is done with this console before its replies'
	 * handle closes; what remains runs inline. */
	feed_free(in->feed);
	in->feed = feed_new(NULL, in->term, NULL, NULL);
	in->freeing = true;
	uv_close((uv_handle_t *)&in->worker_async, handle_closed);
	uv_close((uv_handle_t *)&in->timer, handle_closed);
	uv_close((uv_handle_t *)&in->halt_timer, handle_closed);
}

const char *inst_name(const struct inst *in) { return in->ci->name; }
const char *inst_tags(const struct inst *in) { return in->tags; }

void inst_set_tags(struct inst *in, const char *tags)
{
	snprintf(in->tags, sizeof in->tags, "%s", tags);
}

void inst_conf_tags(const struct conf_instance *ci, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ci->ntags && len < cap; i++) {
		int w = snprintf(out + len, cap - len, "%s%s", i ? " " : "", ci->tags[i]);
		len += w > 0 ? (size_t)w : 0;
	}
}
const struct conf_instance *inst_conf(const struct inst *in) { return in->ci; }
struct term *inst_term_lock(struct inst *in) { return feed_lock(in->feed); }
struct term *inst_term_peek(struct inst *in) { return feed_peek(in->feed); }
bool inst_console_held(const struct inst *in) { return in->console_held; }
void inst_term_unlock(struct inst *in) { feed_unlock(in->feed); }

bool inst_asking(const struct inst *in)
{
	return in->polling;
}

bool inst_live(const struct inst *in)
{
	return in->pid > 0;
}

void inst_status(const struct inst *in, struct inst_status *o)
{
	memset(o, 0, sizeof *o);
	uint64_t now = util_now_ns();
	o->state = in->state;
	o->phase = in->phase;
	o->end = in->end;
	o->phase_ms = in->phase != INST_PHASE_NONE ? (now - in->phase_ns) / 1000000 : 0;
	o->pid = in->pid;
	o->up_ms = in->pid > 0 ? (now - in->started_ns) / 1000000 : 0;
	o->stats_valid = in->stats_valid && in->pid > 0;
	o->mconsole_up = in->mconsole_up;
	o->console_lost = in->adopted;
	/* the child keeps our uid unless we are root and USER names another */
	o->runs_as_root = geteuid() == 0 && (!in->ci->user || in->ci->uid == 0);
	o->guest_up_s = in->guest.uptime_s;
	memcpy(o->load_x100, in->guest.load_x100, sizeof o->load_x100);
	o->procs_running = in->guest.procs_running;
	o->procs_total = in->guest.procs_total;
	o->mem_total_kb = in->guest.mem_total_kb;
	o->mem_free_kb = in->guest.mem_free_kb;
	o->mem_avail_kb = in->guest.mem_avail_kb;
	o->cpu_x10 = in->pid > 0 ? in->cpu_x10 : 0;
	o->rss_kb = in->pid > 0 ? in->rss_kb : 0;
	o->exit_code = in->exit_code;
	o->exit_signal = in->exit_signal;
	o->rows = in->rows;
	o->cols = in->cols;
	o->user = in->ci->user;
	o->reason = in->reason;
}
