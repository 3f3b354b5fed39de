/* The server process: set-up (config, directories, socket, daemon), the
 * instances and their events, status polling, signals (SIGTERM/SIGINT halt
 * everything then exit, SIGHUP reloads the config, SIGUSR2 upgrades, and
 * SIGCHLD goes to the one reaper of children, uml/reap.h), and the server
 * log. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "server/server.h"
#include "server/srv-int.h"
#include "shim/xstate.h"
#include "uml/feed.h"
#include "uml/reap.h"

#define STATUS_COALESCE_MS 50
#define READY_TIMEOUT_MS 60000
#define KILL_WAIT_MS 10000

static int open_log(struct srv *s);

/* The log moves to server.log.1 at LOG_MAX, as the console logs do. */
static void rotate_log(struct srv *s)
{
	char *path = xasprintf("%s/server.log", s->statedir);
	char *old = xasprintf("%s.1", path);
	if (rename(path, old) == 0) {
		FILE *was = s->log;
		if (open_log(s) == 0) {
			fclose(was);
			if (s->log_on_stderr)
				dup2(fileno(s->log), 2);
		} else {
			s->log = was; /* keep writing to what is now server.log.1 */
		}
	}
	free(old);
	free(path);
}

/* Every line stamped; whatever a guest or a client put in the message (a
 * notify text, a name) reaches the file without control characters. */
void srv_log(void *arg, const char *fmt, ...)
{
	struct srv *s = arg;
	if (!s->log)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *clean = xmalloc(strlen(msg) + 1);
	bool failed = false;
	for (char *line = msg, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line && (!next || !*next))
			break; /* the message's own last newline */
		util_clean_text(line, clean);
		failed |= fprintf(s->log, "%s.%03ld %s\n", when, ts.tv_nsec / 1000000, clean) < 0;
		if (s->log_journal) /* which stamps it itself */
			fprintf(stderr, "%s\n", clean);
	}
	failed |= fflush(s->log) != 0;
	int was = s->log_error;
	s->log_error = failed ? (errno ? errno : EIO) : 0;
	if (failed)
		clearerr(s->log);
	if (!was != !s->log_error && s->loop && uv_is_active((uv_handle_t *)&s->poll_timer))
		srv_status_changed(s); /* the warning comes or goes in the status */
	free(clean);
	free(msg);
	long size = ftell(s->log);
	if (!failed && s->env.log_max && size > 0 && (uint64_t)size >= s->env.log_max)
		rotate_log(s);
}

struct inst *srv_find(struct srv *s, const char *name)
{
	for (size_t i = 0; i < s->ninst; i++)
		if (!strcmp(inst_name(s->inst[i]), name))
			return s->inst[i];
	return NULL;
}

char *srv_names(struct srv *s)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < s->ninst; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", inst_name(s->inst[i]));
	if (!b.data)
		return xstrdup("(none configured)");
	return b.data;
}

/* ---- status ---- */

/* An instance's state, phase and ending go to clients as they are: uml/
 * and proto/ make their enums from the same lists (lib/states.h), and
 * these hold each pair equal. */
#define SAME_STATE(id, name) \
	_Static_assert(INST_##id - PROTO_##id == 0, "state " #id " differs");
#define SAME_PHASE(id, name) \
	_Static_assert(INST_PHASE_##id - PROTO_PHASE_##id == 0, "phase " #id " differs");
#define SAME_END(id, name) \
	_Static_assert(INST_END_##id - PROTO_END_##id == 0, "end " #id " differs");
INSTANCE_STATES(SAME_STATE)
HALT_PHASES(SAME_PHASE)
RUN_ENDS(SAME_END)
#undef SAME_STATE
#undef SAME_PHASE
#undef SAME_END

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* An instance's interfaces as the status carries them: GUEST=TAP[@BRIDGE]
 * and GUEST=switch:NAME words (proto.h). */
static void net_text(const struct conf_instance *ci, char *out, size_t cap)
{
	struct net_if *ifs;
	size_t n = net_plan(ci, &ifs), len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++) {
		int w = snprintf(out + len, cap - len, "%s%s=%s%s%s", i ? " " : "", ifs[i].guest,
				 ifs[i].tap, ifs[i].bridge[0] ? "@" : "", ifs[i].bridge);
		len += w > 0 ? (size_t)w : 0;
	}
	for (size_t k = 0; k < ci->nsw && len < cap; k++) {
		int w = snprintf(out + len, cap - len, "%seth%zu=switch:%s", len ? " " : "",
				 ci->nnet + k, ci->sw[k]);
		len += w > 0 ? (size_t)w : 0;
	}
	free(ifs);
}

void srv_build_status(struct srv *s, struct proto_status *st)
{
	memset(st, 0, sizeof *st);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	st->time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	copy_str(st->host, sizeof st->host, s->host);
	if (s->log_error)
		snprintf(st->warning, sizeof st->warning, "cannot write the server log %s/server.log: %s",
			 s->statedir, strerror(s->log_error));
	st->n = (uint32_t)s->ninst;
	st->inst = xcalloc(s->ninst ? s->ninst : 1, sizeof *st->inst);
	for (size_t i = 0; i < s->ninst; i++) {
		struct inst_status is;
		struct proto_inst *p = &st->inst[i];
		inst_status(s->inst[i], &is);
		copy_str(p->name, sizeof p->name, inst_name(s->inst[i]));
		p->state = is.state; /* the same values (SAME_STATE) */
		p->phase = is.phase;
		p->end = is.end;
		p->flags = (is.runs_as_root ? PROTO_F_ROOT : 0) |
			   (is.stats_valid ? PROTO_F_STATS : 0) |
			   (is.mconsole_up ? PROTO_F_MCONSOLE : 0) |
			   (inst_conf(s->inst[i])->autostart ? PROTO_F_AUTOSTART : 0) |
			   (is.console_lost ? PROTO_F_NOCONSOLE : 0);
		p->phase_ms = (uint32_t)is.phase_ms;
		p->halt_timeout_s = inst_conf(s->inst[i])->halt_timeout;
		p->pid = (uint32_t)is.pid;
		p->up_s = (uint32_t)(is.up_ms / 1000);
		p->guest_up_s = is.guest_up_s;
		memcpy(p->load, is.load_x100, sizeof p->load);
		p->procs_running = is.procs_running;
		p->procs_total = is.procs_total;
		p->mem_total_kb = is.mem_total_kb;
		p->mem_free_kb = is.mem_free_kb;
		p->mem_avail_kb = is.mem_avail_kb;
		p->cpu_x10 = is.cpu_x10;
		p->rss_kb = is.rss_kb;
		p->exit_code = is.exit_code;
		p->exit_signal = is.exit_signal;
		p->rows = (uint16_t)is.rows;
		p->cols = (uint16_t)is.cols;
		copy_str(p->tags, sizeof p->tags, inst_tags(s->inst[i]));
		copy_str(p->user, sizeof p->user, is.user ? is.user : s->user);
		copy_str(p->reason, sizeof p->reason, is.reason);
		net_text(inst_conf(s->inst[i]), p->net, sizeof p->net);
	}
}

static void status_timer_cb(uv_timer_t *t)
{
	struct srv *s = t->data;
	s->status_due = false;
	srv_clients_status(s);
}

/* Many changes in one loop turn (a poll of every instance) make one
 * status frame. */
void srv_status_changed(struct srv *s)
{
	if (s->status_due || s->closing)
		return;
	s->status_due = true;
	uv_timer_start(&s->status_timer, status_timer_cb, STATUS_COALESCE_MS, 0);
}

/* ---- instance events ---- */

static void drop_unused_confs(struct srv *s);

static void on_output(void *arg, struct inst *in, const char *bytes, size_t len)
{
	srv_clients_output(arg, in, bytes, len);
	srv_events_output(arg, in);
}

/* ---- BOOT_MAX: how many instances boot at once ----
 *
 * A booting UML keeps a CPU busy for seconds; a fleet started at once
 * boots no sooner than one started a few at a time, and meanwhile every
 * booting guest is one more runnable group that the wake-ups of a typed
 * key (TUI, server, guest, server, TUI) wait behind.  So starts past
 * BOOT_MAX wait, in the order asked for, and go as boots end (running,
 * READY's timeout, or the end of the process). */

static unsigned boot_max(const struct srv *s)
{
	int max = s->conf ? s->conf->global.boot_max : -1;
	if (max >= 0)
		return (unsigned)max;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return (unsigned)(cpus > 0 ? cpus : 1) * CONF_BOOT_MAX_PER_CPU;
}

static unsigned booting(const struct srv *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->ninst; i++)
		n += inst_booting(s->inst[i]);
	return n;
}

static bool may_boot(void *arg, char *why, size_t cap)
{
	struct srv *s = arg;
	unsigned max = boot_max(s), n = booting(s);
	if (!max || n < max)
		return true;
	snprintf(why, cap, "%u booting, BOOT_MAX %u", n, max);
	return false;
}

/* The queued starts that now may go, first asked first. */
static void boot_next(struct srv *s)
{
	if (s->boot_next_running || s->shutting_down || s->closing)
		return;
	s->boot_next_running = true; /* a start changes states: not again inside */
	for (;;) {
		struct inst *next = NULL;
		for (size_t i = 0; i < s->ninst; i++) {
			uint64_t q = inst_boot_queued(s->inst[i]);
			if (q && (!next || q < inst_boot_queued(next)))
				next = s->inst[i];
		}
		char err[512];
		if (!next || !may_boot(s, err, sizeof err))
			break;
		int rc = inst_start(next, err, sizeof err);
		if (rc < 0 && rc != -EINPROGRESS)
			srv_log(s, "%s: queued start: %s", inst_name(next), err);
		if (inst_boot_queued(next))
			break; /* queued again: no slot after all */
	}
	s->boot_next_running = false;
}

static void on_changed(void *arg, struct inst *in)
{
	struct srv *s = arg;
	srv_status_changed(s);
	srv_events_changed(s, in);
	if (s->nconfs > 1 && !inst_live(in))
		drop_unused_confs(s); /* it may have left an old config's settings */
	if (s->shutting_down && !inst_live(in))
		srv_maybe_exit(s);
	boot_next(s);
}

static void on_alert(void *arg, struct inst *in, const char *line, size_t len)
{
	srv_events_match(arg, in, line, len);
}

static const struct inst_events inst_events = {
	.output = on_output,
	.changed = on_changed,
	.alert = on_alert,
	.may_boot = may_boot,
};

/* ---- polling ---- */

/* Every poll_ms a round polls each instance: its processes' figures from
 * /proc and, through mconsole, the guest's.  While a fleet boots, its
 * guests make and end host processes by the hundred and the /proc reads
 * of a round cost the server up to 100 ms of CPU here (64 UMLs); done in
 * one go, a key typed meanwhile waited for all of it.  So a round goes in
 * slices of about POLL_SLICE_NS, and the loop reads its sockets and ptys
 * between them.  An idle fleet's round takes well under one slice: one
 * wake-up, as before.  A round still going when the next is due goes on
 * rather than starting over, so every instance gets its turn. */
#define POLL_SLICE_NS 2000000

static void poll_slice(struct srv *s);

static void poll_idle_cb(uv_idle_t *h)
{
	poll_slice(h->data);
}

static void poll_slice(struct srv *s)
{
	uint64_t end = uv_hrtime() + POLL_SLICE_NS;
	while (s->poll_next < s->ninst) {
		struct inst *in = s->inst[s->poll_next++];
		inst_poll(in, s->poll_procs);
		s->poll_asking |= inst_asking(in);
		if (s->poll_next < s->ninst && uv_hrtime() >= end) {
			/* the next slice in the loop's next turn, after its I/O
			 * (an idle handle: a timer due now would run at once) */
			uv_idle_start(&s->poll_idle, poll_idle_cb);
			return;
		}
	}
	uv_idle_stop(&s->poll_idle);
	inst_procs_free(s->poll_procs);
	s->poll_procs = NULL;
	/* No guest to hear from (no UML, or none answering mconsole): the
	 * status goes now, not in a wake-up of its own 50 ms later. */
	if (!s->poll_asking && s->status_due) {
		uv_timer_stop(&s->status_timer);
		status_timer_cb(&s->status_timer);
	}
}

static void poll_cb(uv_timer_t *t)
{
	struct srv *s = t->data;
	srv_clients_reap(s);
	srv_events_tick(s);
	if (s->poll_procs)
		return; /* the last round is still going */
	bool any = false;
	for (size_t i = 0; i < s->ninst && !any; i++)
		any = inst_live(s->inst[i]);
	if (!any)
		return; /* nothing runs: no /proc scan */
	s->poll_procs = inst_procs_scan();
	s->poll_next = 0;
	s->poll_asking = false;
	poll_slice(s);
}

/* ---- config ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(inst_name(*(struct inst *const *)a), inst_name(*(struct inst *const *)b));
}

/* Whether an instance still runs with the settings of config c. */
static bool conf_in_use(const struct srv *s, const struct conf *c)
{
	for (size_t i = 0; i < s->ninst; i++) {
		const struct conf_instance *ci = inst_conf(s->inst[i]);
		for (size_t j = 0; j < c->ninst; j++)
			if (c->inst[j] == ci)
				return true;
	}
	return false;
}

/* A reload keeps the config it replaces as long as an instance has its
 * settings: one running with them (until the run ends), or a stopped one
 * whose file is gone (until the next reload removes it).  After that the
 * config is freed, so a server reloaded every minute for months stays the
 * size it was.  in->next_ci is always in the current config (or NULL),
 * so in->ci is all there is to check.  A removed instance names itself
 * from its config only until inst_free(). */
static void drop_unused_confs(struct srv *s)
{
	if (s->closing)
		return; /* srv_free() frees them all */
	size_t keep = 0;
	for (size_t i = 0; i < s->nconfs; i++) {
		struct conf *c = s->confs[i];
		if (c == s->conf || conf_in_use(s, c))
			s->confs[keep++] = c;
		else
			conf_free(c);
	}
	s->nconfs = keep;
}

/* Adopt a freshly loaded config: new instances added, removed ones that
 * are stopped dropped, stopped ones take their new settings, running ones
 * are left alone until they stop. */
static void adopt_conf(struct srv *s, struct conf *c, struct buf *msg)
{
	s->confs = xreallocarray(s->confs, s->nconfs + 1, sizeof *s->confs);
	s->confs[s->nconfs++] = c;
	s->conf = c;
	unsigned poll_ms = c->global.poll_ms ? c->global.poll_ms : 1000;
	if (poll_ms != s->env.poll_ms && uv_is_active((uv_handle_t *)&s->poll_timer))
		uv_timer_start(&s->poll_timer, poll_cb, poll_ms, poll_ms); /* a reload */
	s->env.poll_ms = poll_ms;
	s->env.scrollback = c->global.scrollback ? c->global.scrollback : 10000;
	s->env.log_max = c->global.log_max ? c->global.log_max : 16u << 20;

	for (size_t i = 0; i < s->ninst;) {
		struct inst *in = s->inst[i];
		bool listed = conf_find(c, inst_name(in)) != NULL;
		if (listed || inst_live(in)) {
			if (!listed) /* its file is gone: it keeps what it runs with */
				inst_set_conf(in, NULL);
			i++;
			continue;
		}
		buf_printf(msg, "removed %s\n", inst_name(in));
		srv_clients_drop_inst(s, in);
		inst_free(in);
		s->inst[i] = s->inst[--s->ninst];
	}
	for (size_t i = 0; i < c->ninst; i++) {
		const struct conf_instance *ci = c->inst[i];
		struct inst *in = srv_find(s, ci->name);
		if (!in) {
			s->inst = xreallocarray(s->inst, s->ninst + 1, sizeof *s->inst);
			s->inst[s->ninst++] = inst_new(&s->env, ci);
			buf_printf(msg, "added %s\n", ci->name);
		} else {
			char tags[INST_TAGS_MAX];
			inst_conf_tags(ci, tags, sizeof tags); /* at once, running or not */
			inst_set_tags(in, tags);
			if (inst_set_conf(in, ci) < 0)
				buf_printf(msg, "%s is running: new settings apply after it stops\n",
					   ci->name);
		}
	}
	qsort(s->inst, s->ninst, sizeof *s->inst, by_name);
	drop_unused_confs(s);
	srv_status_changed(s);
}

static int load_conf(struct srv *s, struct conf **out, struct buf *msg)
{
	struct conf_errors errs = { 0 };
	int n = conf_load(s->conf_paths, s->nconf_paths, out, &errs);
	for (size_t i = 0; i < errs.n; i++)
		buf_printf(msg, "%s\n", errs.msg[i]);
	conf_errors_free(&errs);
	if (n == 0 && *out)
		for (size_t i = 0; i < (*out)->nwarnings; i++)
			buf_printf(msg, "%s\n", (*out)->warnings[i]);
	return n;
}

int srv_reload(struct srv *s, struct buf *msg)
{
	struct conf *c = NULL;
	int n = load_conf(s, &c, msg);
	if (n > 0) {
		buf_printf(msg, "config not reloaded: %d error%s\n", n, n == 1 ? "" : "s");
		srv_log(s, "reload refused:\n%s", msg->data ? msg->data : "");
		return -EINVAL;
	}
	adopt_conf(s, c, msg);
	srv_log(s, "config reloaded\n%s", msg->data ? msg->data : "");
	return 0;
}

/* ---- halting and exit ---- */

void srv_halt_all(struct srv *s)
{
	char err[256];
	for (size_t i = 0; i < s->ninst; i++) /* a queued start is called off */
		if (inst_live(s->inst[i]) || inst_boot_queued(s->inst[i]))
			inst_halt(s->inst[i], err, sizeof err);
}

void srv_maybe_exit(struct srv *s)
{
	if (!s->shutting_down || s->closing)
		return;
	for (size_t i = 0; i < s->ninst; i++)
		if (inst_live(s->inst[i]))
			return;
	srv_log(s, "every instance stopped: exiting");
	s->closing = true;
	/* The clients see the socket close now, and a service manager whose
	 * stop command returned sends SIGTERM to what is left of us: what is
	 * left is this clean-up, to finish. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	srv_clients_status(s); /* the last one: how each instance ended */
	srv_clients_close(s);
	uv_close((uv_handle_t *)&s->listener, NULL);
	unlink(s->socket);
	uv_close((uv_handle_t *)&s->poll_timer, NULL);
	uv_close((uv_handle_t *)&s->poll_idle, NULL);
	inst_procs_free(s->poll_procs);
	s->poll_procs = NULL;
	uv_close((uv_handle_t *)&s->status_timer, NULL);
	uv_close((uv_handle_t *)&s->frame_timer, NULL);
	uv_close((uv_handle_t *)&s->sig_term, NULL);
	uv_close((uv_handle_t *)&s->sig_int, NULL);
	uv_close((uv_handle_t *)&s->sig_hup, NULL);
	uv_close((uv_handle_t *)&s->sig_usr2, NULL);
	for (size_t i = 0; i < s->ninst; i++)
		inst_free(s->inst[i]);
	s->ninst = 0;
	net_switch_stop_all(); /* (the instances' ends released theirs) */
	reaper_close(s->env.reaper); /* once the children it waits for are reaped */
}

/* systemd gives a stop TimeoutStopSec; a HALT_TIMEOUT longer than the
 * unit planned for asks for the whole ladder: the longest HALT_TIMEOUT,
 * then sync, halt and the kill's wait, and a margin. */
static void notify_stopping(struct srv *s)
{
	unsigned longest = 0;
	for (size_t i = 0; i < s->ninst; i++) {
		const struct conf_instance *ci = inst_conf(s->inst[i]);
		unsigned t = ci ? ci->halt_timeout : CONF_DEFAULT_HALT_TIMEOUT;
		if (inst_live(s->inst[i]) && t > longest)
			longest = t;
	}
	unsigned long long us = (longest + KILL_WAIT_MS / 1000 + 30) * 1000000ULL;
	char text[96];
	snprintf(text, sizeof text, "STOPPING=1\nEXTEND_TIMEOUT_USEC=%llu", us);
	srv_notify(text);
}

void srv_shutdown(struct srv *s)
{
	if (!s->shutting_down) {
		srv_log(s, "shutting down: halting every instance");
		notify_stopping(s);
	}
	s->shutting_down = true;
	srv_halt_all(s);
	srv_maybe_exit(s);
}

static void signal_cb(uv_signal_t *h, int sig)
{
	struct srv *s = h->data;
	if (sig == SIGHUP) {
		struct buf msg = { 0 };
		srv_reload(s, &msg);
		buf_free(&msg);
		return;
	}
	if (sig == SIGUSR2) { /* for package scripts: upgrade in place */
		char err[512];
		srv_upgrade(s, err, sizeof err);
		return;
	}
	srv_log(s, "signal %d", sig);
	srv_shutdown(s);
}

/* ---- set-up ---- */

static int open_log(struct srv *s)
{
	int rc = util_mkdir_p(s->statedir, 0700);
	if (rc < 0)
		return rc;
	char *path = xasprintf("%s/server.log", s->statedir);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd < 0)
		return -errno;
	s->log = fdopen(fd, "a");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: umltop server [-S SOCKET] [-c DIR|FILE]... [--foreground]\n"
		   "  -S, --socket SOCKET  the control socket (default: $UMLTOP_SOCKET,\n"
		   "                       else the usual one)\n"
		   "  -c, --config PATH    a config directory or instance file (repeatable)\n"
		   "  -f, --foreground     stay in the foreground (what an init system runs);\n"
		   "                       otherwise return once the socket listens\n"
		   "Starts every AUTOSTART instance; `umltop ctl shutdown` stops it.\n"
		   "Exit status: 0 shut down, 1 invalid config or could not start (log,\n"
		   "socket), 2 usage.\n");
}

struct srv_opts {
	bool foreground;
};

static int parse_args(struct srv *s, struct srv_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "S:c:fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': o->foreground = true; break;
		case 'S': free(s->socket); s->socket = xstrdup(optarg); break;
		case 'c':
			s->conf_paths = xreallocarray(s->conf_paths, s->nconf_paths + 1,
						      sizeof *s->conf_paths);
			s->conf_paths[s->nconf_paths++] = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Close every descriptor the daemon inherited but keep1 and keep2 (and
 * 0-2, which it points elsewhere): a pipe's end held by the server would
 * keep `(umltop server 3>&1) | cat` from ever ending, and every UML it
 * starts would inherit it too. */
static void close_inherited(int keep1, int keep2)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int fds[256], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < (int)ARRAY_LEN(fds)) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != keep1 && fd != keep2 && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (n == (int)ARRAY_LEN(fds))
		close_inherited(keep1, keep2); /* more than one batch */
}

/* Become a daemon; the parent waits on a pipe until the socket listens,
 * so `umltop` can connect as soon as `umltop server` returns.  keep is
 * the log, opened before. */
static int daemonize(int *ready_fd, int keep)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		char c;
		ssize_t n = read(p[0], &c, 1);
		_exit(n == 1 && c == 'y' ? 0 : 1);
	}
	close(p[0]);
	close_inherited(p[1], keep);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (null > 1)
			close(null);
	}
	*ready_fd = p[1];
	return 0;
}

static void tell_ready(int *fd, bool ok, FILE *log)
{
	if (*fd < 0)
		return;
	ssize_t n = write(*fd, ok ? "y" : "n", 1);
	(void)n;
	close(*fd);
	*fd = -1;
	/* stderr stayed on the terminal for set-up errors; from here on what
	 * a daemon prints (a sanitizer report, say) goes to its log. */
	if (ok && log)
		dup2(fileno(log), 2);
}

static void init_handles(struct srv *s)
{
	uv_timer_init(s->loop, &s->poll_timer);
	s->poll_timer.data = s;
	uv_idle_init(s->loop, &s->poll_idle);
	s->poll_idle.data = s;
	uv_timer_init(s->loop, &s->status_timer);
	s->status_timer.data = s;
	uv_timer_init(s->loop, &s->frame_timer);
	s->frame_timer.data = s;
	uv_signal_t *sigs[] = { &s->sig_term, &s->sig_int, &s->sig_hup, &s->sig_usr2 };
	int nums[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR2 };
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++) {
		uv_signal_init(s->loop, sigs[i]);
		sigs[i]->data = s;
		uv_signal_start(sigs[i], signal_cb, nums[i]);
	}
}

static void identify(struct srv *s)
{
	struct passwd *pw = getpwuid(geteuid());
	snprintf(s->user, sizeof s->user, "%s", pw ? pw->pw_name : "?");
	if (gethostname(s->host, sizeof s->host) < 0)
		snprintf(s->host, sizeof s->host, "?");
	s->host[sizeof s->host - 1] = '\0';
}

/* At start: take over the UMLs an earlier server left running (it died),
 * then start those that should run. */
static void autostart(struct srv *s)
{
	for (size_t i = 0; i < s->ninst; i++) {
		char err[256];
		if (inst_live(s->inst[i]) || inst_adopt(s->inst[i]))
			continue; /* handed over by an upgrade, or adopted */
		int rc = 0;
		if (inst_conf(s->inst[i])->autostart &&
		    (rc = inst_start(s->inst[i], err, sizeof err)) < 0 && rc != -EINPROGRESS)
			srv_log(s, "autostart %s: %s", inst_name(s->inst[i]), err);
	}
}

static void srv_free(struct srv *s)
{
	for (size_t i = 0; i < s->nconfs; i++)
		conf_free(s->confs[i]);
	free(s->confs);
	free(s->inst);
	free(s->conf_paths);
	free(s->socket);
	free(s->rundir);
	free(s->statedir);
	free(s->shim);
	free(s->net_helper);
	srv_events_free(s);
	free(s->exe);
	for (size_t i = 0; s->argv && s->argv[i]; i++)
		free(s->argv[i]);
	free(s->argv);
	if (s->log)
		fclose(s->log);
}

/* What this process was run as, for an upgrade to run again: the binary's
 * path (a newer binary put there runs) and every word of its command
 * line, from /proc/self (main's argv is not ours to keep). */
static void own_command(struct srv *s)
{
	char exe[4096], text[65536];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *del = strstr(exe, " (deleted)"); /* replaced since it started */
		if (del && !del[10])
			*del = '\0';
		s->exe = xstrdup(exe);
	}
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	size_t words = 0;
	for (ssize_t i = 0; i < n; i++)
		words += !text[i];
	s->argv = xcalloc(words + 1, sizeof *s->argv);
	size_t k = 0;
	for (char *w = text; w < text + n && k < words; w += strlen(w) + 1)
		s->argv[k++] = xstrdup(w);
}

int srv_main(int argc, char **argv)
{
	struct srv srv = { 0 }, *s = &srv;
	struct srv_opts opts = { 0 };
	int ready_fd = -1, rc;
	char err[512];
	/* After an upgrade: what the process before handed over. */
	struct handover *ho = NULL;
	const char *ho_fd = getenv("UMLTOP_HANDOVER");
	if (ho_fd) {
		ho = srv_handover_read(atoi(ho_fd));
		unsetenv("UMLTOP_HANDOVER");
	}
	own_command(s);

	if (parse_args(s, &opts, argc, argv) < 0)
		return 2;
	s->log_journal = opts.foreground && srv_stderr_is_journal();
	if (!s->socket)
		s->socket = proto_default_socket();
	s->rundir = proto_rundir(s->socket);
	s->statedir = proto_statedir(s->socket);
	s->shim = xstate_shim_path();
	s->net_helper = net_helper_dir();
	identify(s);

	/* Config errors are the user's to see on their terminal: check before
	 * daemonising, and start nothing when the config is invalid. */
	struct conf *c = NULL;
	struct buf msg = { 0 };
	if (load_conf(s, &c, &msg) > 0) {
		fprintf(stderr, "%sumltop server: invalid config, nothing started\n", msg.data);
		buf_free(&msg);
		srv_free(s);
		return 1;
	}
	if ((rc = open_log(s)) < 0) {
		fprintf(stderr, "umltop server: cannot open the log in %s: %s\n", s->statedir,
			strerror(-rc));
		conf_free(c);
		buf_free(&msg);
		srv_free(s);
		return 1;
	}
	if (!opts.foreground && !ho && (rc = daemonize(&ready_fd, fileno(s->log))) < 0) {
		fprintf(stderr, "umltop server: cannot daemonise: %s\n", strerror(-rc));
		return 1;
	}
	srv_log(s, "umltop %s server starting, pid %d, socket %s, shim %s", PACKAGE_VERSION,
		(int)getpid(), s->socket, s->shim ? s->shim : "(none)");
	if (msg.len)
		srv_log(s, "%s", msg.data);
	buf_free(&msg);

	s->loop = xmalloc(sizeof *s->loop);
	uv_loop_init(s->loop);
	s->env = (struct inst_env){
		.loop = s->loop,
		.rundir = s->rundir,
		.statedir = s->statedir,
		.shim = s->shim,
		.net_helper = s->net_helper,
		.ready_timeout_ms = READY_TIMEOUT_MS,
		.kill_wait_ms = KILL_WAIT_MS,
		.log = srv_log,
		.ev = &inst_events,
		.arg = s,
		/* after daemonising: a thread does not survive fork */
		.feeder = feeder_new(),
		/* every child's end, the UMLs an upgrade handed over too */
		.reaper = reaper_new(s->loop, srv_log, s),
	};
	if (!s->env.feeder)
		srv_log(s, "no thread for the emulators: consoles are emulated inline");
	if ((ho ? srv_listen_fd(s, srv_handover_listener(ho), err, sizeof err)
		: srv_listen(s, err, sizeof err)) < 0) {
		fprintf(stderr, "umltop server: %s\n", err);
		srv_log(s, "%s", err);
		tell_ready(&ready_fd, false, NULL);
		return 1;
	}
	init_handles(s);
	struct buf added = { 0 };
	adopt_conf(s, c, &added);
	buf_free(&added);
	uv_timer_start(&s->poll_timer, poll_cb, s->env.poll_ms, s->env.poll_ms);
	tell_ready(&ready_fd, true, s->log);
	/* Type=notify: `systemctl start` returns now, when clients can connect. */
	char ready[4200];
	snprintf(ready, sizeof ready, "READY=1\nSTATUS=listening on %s, %zu instance%s",
		 s->socket, s->ninst, s->ninst == 1 ? "" : "s");
	if ((rc = srv_notify(ready)) < 0)
		srv_log(s, "cannot tell the service manager we are ready (NOTIFY_SOCKET=%s): %s",
			getenv("NOTIFY_SOCKET"), strerror(-rc));
	s->log_on_stderr = ho ? srv_handover_daemon(ho) : !opts.foreground;
	if (ho) {
		if (s->log_on_stderr)
			dup2(fileno(s->log), 2);
		srv_handover_apply(s, ho);
	}
	autostart(s);

	uv_run(s->loop, UV_RUN_DEFAULT);
	srv_log(s, "server exits");
	uv_run(s->loop, UV_RUN_NOWAIT); /* last close callbacks */
	rc = uv_loop_close(s->loop);
	if (rc < 0)
		srv_log(s, "loop not clean at exit: %s", uv_strerror(rc));
	else
		feeder_free(s->env.feeder); /* every console's feed is gone */
	free(s->loop);
	srv_free(s);
	return 0;
}
