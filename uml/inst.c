/* An instance: its process, console, logs, mconsole client and state.
 * Starting, exits and crashes, readiness, status polling and input live
 * here; the halt ladder is in uml/halt.c.
 *
 * Data flow of the console:
 *
 *   UML --pty--> master --drain--> term (answers queries back into master)
 *                                  logs (raw, text)
 *                                  ev->output() --> server --> clients
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/states.h"
#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "uml/feed.h"
#include "uml/inst-int.h"
#include "uml/launch.h"
#include "uml/reap.h"

#define CONSOLE_CHUNK (64 * 1024)
#define CONSOLE_ECHO_MAX 256 /* a first read this short goes out before it is emulated */
#define CONSOLE_MAX_PER_WAKE (64 * 1024) /* then let other consoles run */
#define CONSOLE_MAX_LAST (1024 * 1024)  /* a closing console's last words */
#define POLL_TIMEOUT_MS 2000               /* a status request unanswered */
/* What waits for a console whose guest does not read its input: client
 * keys up to INPUT_MAX (more is refused, and the client told), the
 * emulator's answers to terminal queries only while less than
 * REPLY_BACKLOG is waiting (a guest that does not read them does not need
 * them, and would take a backlog of them for typed input later), and
 * answers not yet handed to the main loop up to REPLIES_MAX. */
#define INPUT_MAX (256 * 1024)
#define REPLY_BACKLOG 4096
#define REPLIES_MAX (64 * 1024)
#define DEFAULT_ROWS 24
#define DEFAULT_COLS 80

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

void inst_set_state(struct inst *in, enum inst_state st)
{
	if (in->state == st)
		return;
	inst_log(in, "%s -> %s", util_state_name(in->state), util_state_name(st));
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

static char *dir_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

/* ---- console ---- */

static void console_poll_cb(uv_poll_t *h, int status, int events);

static void console_update_poll(struct inst *in)
{
	if (!in->console_open)
		return;
	int ev = (in->console_held ? 0 : UV_READABLE) |
		 (in->pending_input.len ? UV_WRITABLE : 0);
	if (ev)
		uv_poll_start(in->console_poll, ev, console_poll_cb);
	else
		uv_poll_stop(in->console_poll);
}

static void console_write(struct inst *in, const char *bytes, size_t len)
{
	if (!in->console_open || len == 0)
		return;
	if (in->pending_input.len == 0) {
		ssize_t n = write(in->pty.master, bytes, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return; /* the console is gone; the exit handler reports it */
		if (n < 0)
			n = 0;
		bytes += n;
		len -= (size_t)n;
	}
	if (len) {
		buf_append(&in->pending_input, bytes, len);
		console_update_poll(in);
	}
}

/* The server's emulator answers the guest's terminal queries itself.  It
 * runs on the feeder's thread: the answer goes to the console from the
 * main loop.  (The answers have a lock of their own: taking them through
 * feed_lock() would have the main thread emulate the worker's backlog.) */
static void term_output_cb(void *arg, const char *bytes, size_t len)
{
	struct inst *in = arg;
	if (in->freeing)
		return; /* its handle is closed */
	uv_mutex_lock(&in->replies_mu);
	bool room = in->replies.len + len <= REPLIES_MAX;
	if (room)
		buf_append(&in->replies, bytes, len);
	else
		in->replies_dropped += len;
	uv_mutex_unlock(&in->replies_mu);
	if (room)
		uv_async_send(&in->worker_async);
}

/* The emulator's thread has worked off a console's backlog (feed.h). */
static void drained_cb(void *arg)
{
	struct inst *in = arg;
	if (!in->freeing)
		uv_async_send(&in->worker_async);
}

static void worker_cb(uv_async_t *h)
{
	struct inst *in = h->data;
	uv_mutex_lock(&in->replies_mu);
	struct buf r = in->replies;
	in->replies = (struct buf){ 0 };
	uint64_t dropped = in->replies_dropped;
	in->replies_dropped = 0;
	uv_mutex_unlock(&in->replies_mu);
	if (r.len && in->pending_input.len < REPLY_BACKLOG)
		console_write(in, r.data, r.len);
	else
		dropped += r.len;
	if (dropped && !in->replies_dropping)
		inst_log(in, "the guest does not read its console: answers to its terminal "
			     "queries dropped");
	in->replies_dropping = dropped != 0;
	buf_free(&r);
	/* Read again.  (An answer's wake-up may come first: then the next
	 * read finds the emulator still behind and stops again.) */
	if (in->console_held) {
		in->console_held = false;
		console_update_poll(in);
	}
}

static const struct term_callbacks term_cb = { .output = term_output_cb };

/* READY: the guest is past init when the text before the cursor matches
 * the pattern (a shell or login prompt), after the notify SOCKET. */
static void check_ready(struct inst *in)
{
	if (in->state != INST_STARTING || !in->mconsole_known || !in->ready_ok)
		return;
	int row, col;
	bool vis;
	struct term *t = feed_lock(in->feed);
	term_cursor(t, &row, &col, &vis);
	char line[1024];
	size_t n = term_row_text(t, row, line, sizeof line);
	feed_unlock(in->feed);
	size_t want = (size_t)col < sizeof line - 1 ? (size_t)col : sizeof line - 1;
	while (n < want)
		line[n++] = ' '; /* the row's trailing blanks up to the cursor */
	line[want] = '\0';
	if (regexec(&in->ready_re, line, 0, NULL, 0) == 0) {
		inst_log(in, "ready: console shows \"%s\"", line);
		inst_became_ready(in);
	}
}

void inst_became_ready(struct inst *in)
{
	uv_timer_stop(&in->timer);
	in->ready_at_ns = util_now_ns();
	inst_set_state(in, INST_RUNNING);
	if (in->want_rows)
		inst_resize(in, in->want_rows, in->want_cols);
}

/* What a wake-up read, once handed to the emulator: the clients (first:
 * someone may be waiting for an echo), the logs and the halt ladder's
 * watch take it in one piece. */
static void console_pass(struct inst *in, const char *bytes, size_t len)
{
	if (in->env.ev && in->env.ev->output)
		in->env.ev->output(in->env.arg, in, bytes, len);
	if (in->log)
		term_log_write(in->log, bytes, len);
	inst_halt_console(in, bytes, len);
}

/* A pty read that finds the line discipline empty waits for the kernel's
 * worker to move the next ~4 KiB in, so reading ahead only waits (a sleep
 * in nearly every read: 27 MB/s in bench/tui.sh ingest).  Each read is
 * fed to the emulator at once instead, while the worker refills on the
 * other CPU.  A cap per wake-up so one chatty console cannot starve the
 * others.  When the emulator falls far behind, reading stops until it has
 * caught up (feed_behind()); `all`: a closing console's last words, read
 * whatever the emulator's state. */
static void console_read(struct inst *in, bool all)
{
	char *chunk = in->chunk;
	size_t n = 0, total = 0;
	while (total < (all ? CONSOLE_MAX_LAST : CONSOLE_MAX_PER_WAKE)) {
		ssize_t r = pty_read(in->pty.master, chunk + n, CONSOLE_CHUNK - n);
		if (r <= 0) {
			if (r < 0) /* EIO: every holder of the slave is gone. */
				uv_poll_stop(in->console_poll);
			break;
		}
		total += (size_t)r;
		if (total == (size_t)r && r <= CONSOLE_ECHO_MAX) {
			/* an echo, most likely: someone waits for it */
			console_pass(in, chunk, (size_t)r);
			feed_bytes(in->feed, chunk, (size_t)r);
			continue;
		}
		feed_bytes(in->feed, chunk + n, (size_t)r);
		n += (size_t)r;
		if (CONSOLE_CHUNK - n < PTY_READ_MAX) {
			console_pass(in, chunk, n);
			n = 0;
		}
		if (!all && feed_behind(in->feed)) {
			/* the guest waits until the emulator has caught up */
			in->console_held = true;
			console_update_poll(in);
			break;
		}
	}
	if (n)
		console_pass(in, chunk, n);
	check_ready(in);
}

static void console_flush_input(struct inst *in)
{
	struct buf *b = &in->pending_input;
	while (b->len) {
		ssize_t n = write(in->pty.master, b->data, b->len);
		if (n <= 0)
			break;
		buf_consume(b, (size_t)n);
	}
	console_update_poll(in);
}

static void console_poll_cb(uv_poll_t *h, int status, int events)
{
	struct inst *in = h->data;
	if (status < 0) {
		uv_poll_stop(h);
		return;
	}
	if (events & UV_READABLE)
		console_read(in, false);
	if (events & UV_WRITABLE)
		console_flush_input(in);
}

/* Read the master from the loop.  A handle per run: the last run's may
 * still be closing. */
static void console_watch(struct inst *in)
{
	in->console_poll = xmalloc(sizeof *in->console_poll);
	uv_poll_init(in->env.loop, in->console_poll, in->pty.master);
	in->console_poll->data = in;
	in->console_open = true;
	in->console_held = false;
	in->handles++;
	console_update_poll(in);
}

static int console_open(struct inst *in)
{
	int rc = pty_open(&in->pty, in->rows, in->cols);
	if (rc < 0)
		return rc;
	/* The last run may have died in the middle of a sequence: its tail
	 * would swallow this run's first bytes (the shell's ESC[6n, unanswered,
	 * makes busybox take the first typed line for the reply). */
	struct term *t = feed_lock(in->feed);
	term_cancel(t);
	/* The last run's screen stays and this run starts below it: a prompt
	 * left at the cursor must not pass for this run's READY (the notify
	 * socket can come before the kernel's first line). */
	int row, col;
	bool vis;
	char line[8];
	term_cursor(t, &row, &col, &vis);
	if (col > 0 || term_row_text(t, row, line, sizeof line) > 0)
		term_feed(t, "\r\n", 2);
	feed_unlock(in->feed);
	console_watch(in);
	return 0;
}

static void handle_closed(uv_handle_t *h)
{
	struct inst *in = h->data;
	if (--in->handles == 0 && in->freeing)
		inst_destroy(in);
}

static void poll_closed(uv_handle_t *h)
{
	struct inst *in = h->data;
	free(h);
	if (--in->handles == 0 && in->freeing)
		inst_destroy(in);
}

static void console_close(struct inst *in)
{
	if (!in->console_open)
		return;
	/* What the console still holds is part of the record. */
	console_read(in, true);
	in->console_open = false;
	uv_close((uv_handle_t *)in->console_poll, poll_closed);
	in->console_poll = NULL;
	close(in->pty.master);
	in->pty.master = -1;
	buf_free(&in->pending_input);
}

int inst_input(struct inst *in, const char *bytes, size_t len)
{
	if (in->pending_input.len + len > INPUT_MAX)
		return -ENOBUFS;
	console_write(in, bytes, len);
	return 0;
}

/* A UML that gets SIGWINCH while it boots dies by SIGABRT (seen with 6.1:
 * the pty was resized by a client a moment after start).  So a size asked
 * for while starting waits until the guest is up; the guest is born with
 * the size the console had when it started. */
static void apply_size(struct inst *in, unsigned rows, unsigned cols)
{
	in->rows = rows;
	in->cols = cols;
	term_resize(feed_lock(in->feed), rows, cols);
	feed_unlock(in->feed);
	if (in->console_open)
		pty_resize(in->pty.master, rows, cols);
	inst_changed(in);
}

void inst_resize(struct inst *in, unsigned rows, unsigned cols)
{
	if (rows < 2 || cols < 10 || rows > 1000 || cols > 1000)
		return;
	if (in->state == INST_STARTING) {
		in->want_rows = rows;
		in->want_cols = cols;
		return;
	}
	in->want_rows = in->want_cols = 0;
	if (rows != in->rows || cols != in->cols)
		apply_size(in, rows, cols);
}

/* ---- logs ---- */

static void log_error(void *arg, const char *msg)
{
	inst_log(arg, "console log: %s", msg);
}

static void discarded(uv_fs_t *req)
{
	uv_fs_req_cleanup(req);
	free(req);
}

/* A rotated-out log is removed on libuv's threads: freeing 16 MB of file
 * takes milliseconds the consoles would wait. */
static void log_discard(char *path, void *arg)
{
	uv_fs_t *req = xmalloc(sizeof *req);
	if (uv_fs_unlink(arg, req, path, discarded) < 0) {
		unlink(path);
		free(req);
	}
	free(path); /* libuv has its own copy */
}

static void open_logs(struct inst *in)
{
	if (in->log)
		return;
	char *raw = in->ci->log ? xstrdup(in->ci->log)
				: xasprintf("%s/%s.console.log", in->env.statedir, in->ci->name);
	char *text = xasprintf("%s/%s.console.txt", in->env.statedir, in->ci->name);
	in->log = term_log_open(raw, text, in->env.log_max, log_error, in);
	term_log_set_discard(in->log, log_discard, in->env.loop);
	free(raw);
	free(text);
}

/* ---- notify and mconsole ---- */

/* The pid in DIR/pid, 0 when there is none. */
static pid_t umid_dir_pid(const char *dir)
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
	pid_t pid = umid_dir_pid(dir);
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
	char *dir = dir_of(sockpath);
	pid_t pid = umid_dir_pid(dir);
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
		check_ready(in);
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

static void ready_timeout_cb(uv_timer_t *t)
{
	struct inst *in = t->data;
	if (in->state != INST_STARTING)
		return;
	inst_set_reason(in, "no prompt matched READY within %u s; assumed up",
			in->env.ready_timeout_ms / 1000);
	inst_became_ready(in);
}

static char **child_env(struct inst *in, const char *home)
{
	char **env = xcalloc(8, sizeof *env);
	size_t n = 0;
	env[n++] = xasprintf("HOME=%s", home);
	env[n++] = xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
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
static bool drops_to_user(const struct inst *in)
{
	return in->ci->user && geteuid() == 0 && in->ci->uid != 0;
}

/* Runtime directories: made by the server, usable by the instance's user. */
static int prepare_dirs(struct inst *in, char *err, size_t errlen)
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
		char *sockdir = dir_of(in->env.rundir);
		chmod(sockdir, 0711);
		free(sockdir);
		char *parent = xstrdup(in->paths.notify);
		*strrchr(parent, '/') = '\0';
		chmod(parent, 0711);
		free(parent);
		chmod(in->paths.hostfs, 0755);
	}
	/* A stale uml_dir/UMID left by a crash would make UML pick another umid. */
	char *dir = dir_of(in->paths.mconsole);
	inst_remove_umid_dir(in, dir);
	free(dir);
	return 0;
}

static int start_notifier(struct inst *in, char *err, size_t errlen)
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

static int spawn(struct inst *in, char *err, size_t errlen)
{
	char **argv = conf_argv(in->ci, in->env.rundir);
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
	};
	int rc = 0;
	if (in->drop)
		rc = launch_prepare_user(&l, in->ci->user, in->ci->uid, in->ci->gid);
	if (rc == 0)
		rc = launch_spawn(&l, &in->pid, err, errlen);
	else
		snprintf(err, errlen, "cannot read the groups of %s", in->ci->user);
	if (errfd >= 0)
		close(errfd);
	close(in->pty.slave);
	in->pty.slave = -1;
	launch_free(&l);
	free_strv(l.envp);
	conf_argv_free(argv);
	return rc;
}

/* What a run starts from, ours or adopted: a new mconsole client, no
 * figures, no ending yet. */
static void begin_run(struct inst *in)
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

/* ---- a UML an earlier server left running ---- */

/* /proc/PID/WHAT into text (NUL-terminated, cut at cap - 1): its length,
 * or -errno. */
static ssize_t read_proc(pid_t pid, const char *what, char *text, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, cap - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return n;
}

bool inst_cmdline_is(const char *text, size_t len, const char *umid, const char *uml_dir)
{
	bool got_umid = false, got_dir = false;
	for (const char *w = text, *end = text + len; w < end; w += strlen(w) + 1) {
		size_t n = strnlen(w, (size_t)(end - w));
		if (n == (size_t)(end - w))
			break; /* a last word without its NUL: cut, not trusted */
		if (!strncmp(w, "umid=", 5) && !strcmp(w + 5, umid))
			got_umid = true;
		if (!strncmp(w, "uml_dir=", 8) && !strcmp(w + 8, uml_dir))
			got_dir = true;
	}
	return got_umid && got_dir;
}

/* The pid uml_dir/UMID/pid names, when that process lives and is this
 * instance's UML; 0 otherwise. */
static pid_t leftover_uml(struct inst *in)
{
	char *dir = dir_of(in->paths.mconsole);
	pid_t pid = umid_dir_pid(dir);
	free(dir);
	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return 0;
	char text[8192];
	ssize_t n = read_proc(pid, "cmdline", text, sizeof text);
	return n > 0 && inst_cmdline_is(text, (size_t)n, in->ci->umid, in->paths.uml_dir) ? pid : 0;
}

/* How long ago a process started, in ns (its /proc/PID/stat starttime
 * against the boot clock); 0 when not known. */
static uint64_t started_ago_ns(pid_t pid)
{
	char text[1024];
	if (read_proc(pid, "stat", text, sizeof text) <= 0)
		return 0;
	char *p = strrchr(text, ')'); /* the command may hold spaces and ')' */
	unsigned long long ticks = 0;
	/* after ") ": state is field 3; starttime is field 22 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &ticks) != 1)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	uint64_t start_ns = ticks * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
	return now_ns > start_ns ? now_ns - start_ns : 0;
}

/* Gone, or a zombie its new parent has not reaped (where init does not
 * reap, as in some containers). */
static bool process_gone(pid_t pid)
{
	char text[256];
	ssize_t n = read_proc(pid, "stat", text, sizeof text);
	if (n <= 0)
		return n == -ENOENT || n == -ESRCH || n == 0;
	const char *p = strrchr(text, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* A UML of this instance still runs, started by a server that died: take
 * it over rather than start a second kernel on its images.  Its console
 * went with that server; mconsole, the notify socket and its process
 * group are all the ladder and the figures need.  It is not our child,
 * so its exit is seen by polling (inst_poll). */
static bool adopt(struct inst *in)
{
	pid_t pid = leftover_uml(in);
	if (!pid)
		return false;
	char err[256] = "";
	in->drop = drops_to_user(in);
	if (prepare_dirs(in, err, sizeof err) < 0 || start_notifier(in, err, sizeof err) < 0)
		inst_log(in, "adopting pid %d: no notify socket (%s)", (int)pid, err);
	begin_run(in);
	in->pid = pid;
	in->adopted = true;
	in->umid_dir = dir_of(in->paths.mconsole);
	in->mconsole_known = true; /* it has been up for a while */
	in->started_ns = in->ready_at_ns = util_now_ns() - started_ago_ns(pid);
	inst_set_reason(in, "console lost: adopted from an earlier server");
	inst_log(in, "pid %d, left running by an earlier server: adopted, without its console",
		 (int)pid);
	inst_set_state(in, INST_RUNNING);
	return true;
}

bool inst_adopt(struct inst *in)
{
	return !inst_live(in) && adopt(in);
}

static pid_t pgrp_of(pid_t pid)
{
	char text[512];
	struct inst_procstat ps;
	if (read_proc(pid, "stat", text, sizeof text) <= 0)
		return 0;
	return inst_parse_procstat(text, &ps) == 0 ? ps.pgrp : 0;
}

/* A process holding the file at path open: its pid, or 0.  Two kernels on
 * one image corrupt it (UML's own lock only stops the second at boot, with
 * a panic), so an image in use by anything is not booted again.  skip: the
 * process group of this instance's last run, whose helpers may still be
 * on their way out after its SIGKILL. */
static pid_t image_user(const char *path, pid_t skip)
{
	struct stat want, st;
	if (!path || stat(path, &want) < 0)
		return 0;
	DIR *proc = opendir("/proc");
	if (!proc)
		return 0;
	pid_t found = 0;
	struct dirent *p;
	while (!found && (p = readdir(proc))) {
		pid_t pid = atoi(p->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		char dir[64];
		snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
		DIR *fds = opendir(dir);
		if (!fds)
			continue; /* gone, or not ours to look at */
		struct dirent *f;
		while (!found && (f = readdir(fds))) {
			char link[sizeof dir + sizeof f->d_name + 1];
			snprintf(link, sizeof link, "%s/%s", dir, f->d_name);
			if (f->d_name[0] != '.' && stat(link, &st) == 0 && S_ISREG(st.st_mode) &&
			    st.st_dev == want.st_dev && st.st_ino == want.st_ino &&
			    (!skip || pgrp_of(pid) != skip))
				found = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* The reason not to start: ROOT or SWAP open by another process. */
static bool images_in_use(struct inst *in, char *err, size_t errlen)
{
	const char *images[] = { in->ci->root, in->ci->swap };
	for (size_t i = 0; i < ARRAY_LEN(images); i++) {
		pid_t pid = image_user(images[i], in->last_pid);
		if (!pid)
			continue;
		char comm[64];
		if (read_proc(pid, "comm", comm, sizeof comm) <= 0)
			strcpy(comm, "?");
		comm[strcspn(comm, "\n")] = '\0';
		char clean[sizeof comm];
		util_clean_text(comm, clean);
		snprintf(err, errlen, "%s is in use by pid %d (%s), not a UML of this server: "
			 "not started, so that two kernels never write one image", images[i],
			 (int)pid, clean);
		return true;
	}
	return false;
}

static void child_ended(void *arg, pid_t pid, int status);

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
	if (adopt(in)) {
		snprintf(err, errlen, "%s was still running (pid %d, left by an earlier server): "
			 "adopted, without its console", in->ci->name, (int)in->pid);
		return -EALREADY;
	}
	in->adopted = false;
	if (images_in_use(in, err, errlen)) {
		inst_log(in, "%s", err);
		inst_set_reason(in, "%s", err);
		inst_set_state(in, INST_FAILED);
		return -EBUSY;
	}
	in->drop = drops_to_user(in);
	int rc = prepare_dirs(in, err, errlen);
	if (rc == 0)
		rc = start_notifier(in, err, errlen);
	if (rc == 0 && (rc = console_open(in)) < 0)
		snprintf(err, errlen, "cannot open a pty: %s", strerror(-rc));
	if (rc < 0) {
		inst_set_reason(in, "%s", err);
		inst_set_state(in, INST_FAILED);
		inst_teardown(in);
		return rc;
	}
	open_logs(in);
	begin_run(in);
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
	reaper_watch(in->env.reaper, in->pid, child_ended, in);
	return 0;
}

/* ---- handing a UML over to the next server process ---- */

const char *inst_handover_busy(const struct inst *in)
{
	if (in->state == INST_STARTING)
		return "starting";
	if (in->state == INST_HALTING)
		return "halting";
	if (in->restart_pending)
		return "about to restart";
	return NULL;
}

void inst_handover_get(struct inst *in, struct inst_handover *h)
{
	memset(h, 0, sizeof *h);
	if (in->console_open)
		console_read(in, true); /* every byte the guest wrote so far */
	h->pid = in->pid;
	h->master = in->console_open ? in->pty.master : -1;
	h->state = in->state;
	h->adopted = in->adopted;
	h->rows = in->rows;
	h->cols = in->cols;
	h->up_ms = (util_now_ns() - in->started_ns) / 1000000;
	snprintf(h->reason, sizeof h->reason, "%s", in->reason);
	struct term *t = feed_lock(in->feed);
	term_snapshot(t, (unsigned)term_scrollback_len(t), &h->screen);
	feed_unlock(in->feed);
	if (h->master >= 0)
		fcntl(h->master, F_SETFD, 0);
	/* The clean-text log keeps a partial line in memory: out with it. */
	if (in->log) {
		term_log_close(in->log);
		in->log = NULL;
	}
}

void inst_handover_undo(struct inst *in)
{
	if (in->console_open)
		fcntl(in->pty.master, F_SETFD, FD_CLOEXEC);
	open_logs(in);
}

int inst_handover_take(struct inst *in, const struct inst_handover *h)
{
	if (inst_live(in) || h->pid <= 0)
		return -EBUSY;
	char err[256] = "";
	in->drop = drops_to_user(in);
	if (start_notifier(in, err, sizeof err) < 0)
		inst_log(in, "after the upgrade: no notify socket (%s)", err);
	open_logs(in);
	begin_run(in);
	in->pid = h->pid;
	in->adopted = h->adopted;
	in->umid_dir = dir_of(in->paths.mconsole);
	in->mconsole_known = true;
	in->rows = h->rows ? h->rows : DEFAULT_ROWS;
	in->cols = h->cols ? h->cols : DEFAULT_COLS;
	in->started_ns = in->ready_at_ns = util_now_ns() - h->up_ms * 1000000;
	snprintf(in->reason, sizeof in->reason, "%s", h->reason);
	struct term *t = feed_lock(in->feed);
	term_resize(t, in->rows, in->cols);
	term_feed(t, h->screen.data ? h->screen.data : "", h->screen.len);
	feed_unlock(in->feed);
	if (h->master >= 0) {
		fcntl(h->master, F_SETFD, FD_CLOEXEC);
		in->pty.master = h->master;
		console_watch(in);
	}
	inst_log(in, "pid %d taken over after the upgrade", (int)in->pid);
	/* unresponsive: running until the next poll says otherwise (the state
	 * it would go back to is not handed over) */
	inst_set_state(in, h->state == INST_UNRESPONSIVE ? INST_RUNNING : h->state);
	if (!in->adopted) /* still our child: one that ended during the exec is reaped now */
		reaper_watch(in->env.reaper, in->pid, child_ended, in);
	return 0;
}

/* ---- exits ---- */

/* Close what belongs to one run: console, mconsole client, notifier, the
 * process group's leftovers, the stale uml_dir/UMID. */
void inst_teardown(struct inst *in)
{
	uv_timer_stop(&in->timer);
	if (in->pid > 0)
		kill(-in->pid, SIGKILL); /* helpers UML left in its group */
	console_close(in);
	if (in->pty.slave >= 0) {
		close(in->pty.slave);
		in->pty.slave = -1;
	}
	if (in->mc) {
		mc_client_close(in->mc);
		in->mc = NULL;
	}
	if (in->notifier) {
		mc_notifier_close(in->notifier);
		in->notifier = NULL;
	}
	char *dir = in->umid_dir ? in->umid_dir : dir_of(in->paths.mconsole);
	inst_remove_umid_dir(in, dir);
	free(dir);
	in->umid_dir = NULL;
	in->mconsole_known = false;
	in->mconsole_up = false;
}

static void describe_exit(struct inst *in, int status)
{
	if (WIFEXITED(status)) {
		in->exit_code = WEXITSTATUS(status);
		in->exit_signal = 0;
	} else if (WIFSIGNALED(status)) {
		in->exit_code = -1;
		in->exit_signal = WTERMSIG(status);
	}
}

/* UML 6.1 can die by SIGABRT after its guest has halted: a timer signal
 * that lands while the host process tears down after "reboot: System
 * halted" faults, and the fault handler panics and aborts.  Seen in 1 run
 * of 10 on two loaded CPUs (perf's signal:signal_generate showed SIGALRM,
 * then SIGSEGV, SIGTERM to the group and SIGABRT, all after the kernel's
 * last line).  The guest's shutdown was complete, so the exit is the
 * guest's: its last words on the console say so. */
static bool halted_then_aborted(struct inst *in)
{
	if (in->exit_signal != SIGABRT)
		return false;
	int row, col;
	bool vis;
	struct term *t = feed_lock(in->feed);
	term_cursor(t, &row, &col, &vis);
	char line[128] = "";
	for (int r = row; r >= 0 && r >= row - 2; r--)
		if (term_row_text(t, r, line, sizeof line) > 0)
			break; /* past the blank line the last CRLF left */
	feed_unlock(in->feed);
	return !strcmp(line, "reboot: System halted") || !strcmp(line, "reboot: Power down");
}

bool inst_fpu_reason(const char *line, const char *shim, char *out, size_t cap)
{
	const char *p = strstr(line, "ptrace ");
	char dir[4];
	int err, used = 0;
	if (!p || sscanf(p, "ptrace %3[gset] fp regs failed, errno = %d%n", dir, &err, &used) != 2 ||
	    !used || (strcmp(dir, "set") && strcmp(dir, "get")))
		return false;
	if (shim)
		snprintf(out, cap, "the host refused guest FPU state (ptrace %s fp regs failed, "
			 "errno = %d) with the XSAVE shim preloaded; UMLTOP_XSTATE_SHIM= "
			 "(empty) starts without it", dir, err);
	else
		snprintf(out, cap, "the host refused guest FPU state (ptrace %s fp regs failed, "
			 "errno = %d) without the XSAVE shim; set UMLTOP_XSTATE_SHIM to "
			 "umltop-xstate.so", dir, err);
	return true;
}

/* UML's last words before a crash: does the console show the host
 * refusing a guest's FPU state (a host XSAVE area the kernel or the shim
 * does not fit)?  The line comes before the panic's backtrace, so look
 * back through the scrollback too. */
static bool fpu_refused(struct inst *in)
{
	enum { LOOK_BACK = 200 };
	char line[256], why[sizeof in->reason];
	bool found = false;
	int row, col;
	bool vis;
	struct term *t = feed_lock(in->feed);
	term_cursor(t, &row, &col, &vis);
	int oldest = -(int)term_scrollback_len(t);
	for (int r = row; !found && r >= oldest && r > row - LOOK_BACK; r--)
		found = term_row_text(t, r, line, sizeof line) > 0 &&
			inst_fpu_reason(line, in->env.shim && *in->env.shim ? in->env.shim : NULL,
					why, sizeof why);
	feed_unlock(in->feed);
	if (found)
		inst_set_reason(in, "%s", why);
	return found;
}

/* The process is gone: status as waitpid() gave it, or NULL for an
 * adopted one, whose status went to init. */
static void exited(struct inst *in, const int *status)
{
	if (status) {
		describe_exit(in, *status);
	} else {
		in->exit_code = -1;
		in->exit_signal = 0;
	}
	pid_t pid = in->pid;
	if (in->console_open)
		console_read(in, true); /* the kernel's last words, before judging the exit */
	if (halted_then_aborted(in)) {
		inst_log(in, "pid %d died by SIGABRT after the guest halted; "
			     "counted as the guest's exit 0", (int)pid);
		in->exit_code = 0;
		in->exit_signal = 0;
		in->panicked = false;
	}
	bool clean = !status || (in->exit_signal == 0 && in->exit_code == 0);
	if (in->state == INST_HALTING) {
		in->end = inst_halt_end(in);
		inst_set_reason(in, "halted (%s) after %.1f s", util_end_name(in->end),
				(double)(util_now_ns() - in->halt_start_ns) / 1e9);
	} else if (!status) {
		in->end = INST_END_CLEAN;
		inst_set_reason(in, "ended by itself; its exit status is not known (adopted from "
			     "an earlier server)");
	} else if (clean) {
		in->end = INST_END_CLEAN;
		inst_set_reason(in, "powered off by the guest");
	} else {
		in->end = INST_END_CRASHED;
		if (!fpu_refused(in) && !in->panicked) {
			if (in->exit_signal)
				inst_set_reason(in, "killed by signal %d (%s)", in->exit_signal,
						strsignal(in->exit_signal));
			else
				inst_set_reason(in, "exited with code %d", in->exit_code);
		}
	}
	bool failed = !in->mconsole_known && in->state == INST_STARTING && !clean;
	inst_log(in, "pid %d %s", (int)pid, in->reason);
	inst_halt_stop(in);
	inst_teardown(in);
	in->last_pid = in->pid;
	in->pid = 0;
	in->adopted = false; /* the next start is ours, with a console */
	in->phase = INST_PHASE_NONE;
	if (failed) {
		char *why = xasprintf("%s during boot; see %s/%s.console.log", in->reason,
				      in->env.statedir, in->ci->name);
		inst_set_reason(in, "%s", why);
		free(why);
		inst_set_state(in, INST_FAILED);
	} else if (in->end == INST_END_CRASHED) {
		inst_set_state(in, INST_CRASHED);
	} else {
		inst_set_state(in, INST_STOPPED);
	}
	if (in->next_ci) {
		inst_set_conf(in, in->next_ci);
		inst_log(in, "the settings of the last reload apply from now on");
	}
	inst_changed(in);
	if (in->restart_pending && !in->freeing) {
		in->restart_pending = false;
		char err[256];
		if (inst_start(in, err, sizeof err) < 0)
			inst_log(in, "restart: %s", err);
	}
}

/* The server's reaper has this run's status (uml/reap.h). */
static void child_ended(void *arg, pid_t pid, int status)
{
	struct inst *in = arg;
	if (pid == in->pid)
		exited(in, &status);
}

int inst_kill(struct inst *in, char *err, size_t errlen)
{
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
	if (in->adopted && in->pid > 0 && process_gone(in->pid))
		exited(in, NULL);
	if (!inst_live(in))
		return;
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

struct inst *inst_new(const struct inst_env *env, const struct conf_instance *ci)
{
	struct inst *in = xcalloc(1, sizeof *in);
	in->env = *env;
	in->pty.master = in->pty.slave = -1;
	in->rows = DEFAULT_ROWS;
	in->cols = DEFAULT_COLS;
	in->exit_code = -1;
	in->chunk = xmalloc(CONSOLE_CHUNK);
	in->term = term_new(in->rows, in->cols, env->scrollback, TERM_ANSWER, &term_cb, in);
	in->feed = feed_new(env->feeder, in->term, drained_cb, in);
	if (uv_mutex_init(&in->replies_mu) < 0)
		abort(); /* as for memory: not recoverable */
	uv_async_init(env->loop, &in->worker_async, worker_cb);
	in->worker_async.data = in;
	uv_timer_init(env->loop, &in->timer);
	in->timer.data = in;
	uv_timer_init(env->loop, &in->halt_timer);
	in->halt_timer.data = in;
	in->handles = 3;
	inst_set_conf(in, ci);
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
