/* An instance's console: the pty master drained into the emulator (on
 * the emulators' thread, uml/feed.h), the logs and the clients; keys and
 * the emulator's answers to terminal queries written back; readiness seen
 * on the screen; the console's size and its log files.
 *
 *   UML --pty--> master --drain--> term (answers queries back into master)
 *                                  logs (raw, text)
 *                                  ev->output() --> server --> clients
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "uml/feed.h"
#include "uml/inst-int.h"

#define CONSOLE_CHUNK (64 * 1024)
#define CONSOLE_ECHO_MAX 256 /* a first read this short goes out before it is emulated */
#define CONSOLE_MAX_PER_WAKE (64 * 1024) /* then let other consoles run */
#define CONSOLE_MAX_LAST (1024 * 1024)  /* a closing console's last words */
/* What waits for a console whose guest does not read its input: client
 * keys up to INPUT_MAX (more is refused, and the client told), the
 * emulator's answers to terminal queries only while less than
 * REPLY_BACKLOG is waiting (a guest that does not read them does not need
 * them, and would take a backlog of them for typed input later), and
 * answers not yet handed to the main loop up to REPLIES_MAX. */
#define INPUT_MAX (256 * 1024)
#define REPLY_BACKLOG 4096
#define REPLIES_MAX (64 * 1024)

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
void inst_check_ready(struct inst *in)
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
void inst_console_read(struct inst *in, bool all)
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
	inst_check_ready(in);
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
		inst_console_read(in, false);
	if (events & UV_WRITABLE)
		console_flush_input(in);
}

/* Read the master from the loop.  A handle per run: the last run's may
 * still be closing. */
void inst_console_watch(struct inst *in)
{
	in->console_poll = xmalloc(sizeof *in->console_poll);
	uv_poll_init(in->env.loop, in->console_poll, in->pty.master);
	in->console_poll->data = in;
	in->console_open = true;
	in->console_held = false;
	in->handles++;
	console_update_poll(in);
}

int inst_console_open(struct inst *in)
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
	inst_console_watch(in);
	return 0;
}

static void poll_closed(uv_handle_t *h)
{
	struct inst *in = h->data;
	free(h);
	if (--in->handles == 0 && in->freeing)
		inst_destroy(in);
}

void inst_console_close(struct inst *in)
{
	if (!in->console_open)
		return;
	/* What the console still holds is part of the record. */
	inst_console_read(in, true);
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
 * the size the console had when it started.  A program run as KERNEL that
 * is not a UML waits the same way (until READY or its timeout): the rule
 * is kept for every instance rather than guessed from the binary.  After
 * that the console (and the guest's tty, through TIOCSWINSZ and SIGWINCH)
 * takes the size of the client that last resized or typed (server/
 * client.c); umltop(1), CONSOLE SIZE. */
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

/* Each clean line against ALERT (regexec wants a C string: lines are
 * short, at most the log's line bound). */
static void log_line(void *arg, const char *text, size_t len)
{
	struct inst *in = arg;
	if (!in->alert_ok || !len || !in->env.ev || !in->env.ev->alert)
		return;
	char line[1024];
	size_t n = len < sizeof line - 1 ? len : sizeof line - 1;
	memcpy(line, text, n);
	line[n] = '\0';
	if (regexec(&in->alert_re, line, 0, NULL, 0) == 0)
		in->env.ev->alert(in->env.arg, in, line, n);
}

void inst_open_logs(struct inst *in)
{
	if (in->log)
		return;
	char *raw = in->ci->log ? xstrdup(in->ci->log)
				: xasprintf("%s/%s.console.log", in->env.statedir, in->ci->name);
	char *text = xasprintf("%s/%s.console.txt", in->env.statedir, in->ci->name);
	in->log = term_log_open(raw, text, in->env.log_max, log_error, in);
	term_log_set_discard(in->log, log_discard, in->env.loop);
	term_log_set_line_cb(in->log, log_line, in);
	free(raw);
	free(text);
}

/* The console's emulator, the feed that runs it on the emulators' thread,
 * and the way its answers come back to the loop. */
void inst_console_init(struct inst *in)
{
	in->chunk = xmalloc(CONSOLE_CHUNK);
	in->term = term_new(in->rows, in->cols, in->env.scrollback, TERM_ANSWER, &term_cb, in);
	in->feed = feed_new(in->env.feeder, in->term, drained_cb, in);
	if (uv_mutex_init(&in->replies_mu) < 0)
		abort(); /* as for memory: not recoverable */
	uv_async_init(in->env.loop, &in->worker_async, worker_cb);
	in->worker_async.data = in;
}
