/* `umltop attach`: one console for a person at a terminal, drawn through
 * our own emulator and the pane renderer (the guest's bytes reach the real
 * terminal only as cells), or with --raw for a script: the console's bytes
 * on stdout and stdin to the guest.
 *
 *   server --STATUS--> status line; the instance stopping ends the attach
 *          --SNAPSHOT--> a fresh term of that size --+
 *          --OUTPUT----> term_feed ------------------+--> dirty rows --> paint
 *   keys --> pane_key --> INPUT                          (at once when idle,
 *   size --> RESIZE (the area above the status line)      every FRAME_MS under load)
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/conn.h"
#include "lib/util.h"
#include "proto/proto.h"
#include "term/term.h"
#include "tui/console.h"
#include "tui/pane.h"
#include "tui/qstrip.h"
#include "tui/tui.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define FRAME_MS 16      /* at most ~60 paints a second under load */
#define SCROLLBACK 1000  /* lines asked for and kept, for Shift-PageUp */
#define BELL_MS 500      /* a guest ringing in a loop beeps twice a second */
#define LINGER_MS 1000   /* how long typed input may take to reach the server */
#define NO_KEY (-1)

struct attach {
	uv_loop_t loop;
	struct conn *conn;
	const char *name;     /* on its server: HOST/ taken off */
	char shown[HOST_NAME_MAX_LEN + 256]; /* what the user named: HOST/NAME or NAME */
	struct hosts hosts;   /* -H HOST or HOST/NAME: the one host, reached over ssh */
	bool raw, readonly, status_on, strip;
	int detach_key, status_key;
	int exit;
	char *exit_msg;       /* printed once the terminal is ours again */
	bool done;

	struct proto_inst inst; /* our instance in the last STATUS */
	bool known, live;

	/* curses */
	SCREEN *screen;
	WINDOW *keys;         /* stdscr */
	struct console con;   /* its term, from the snapshots and output */
	struct pane_view view;
	bool dirty, full;
	int cursor;           /* what curs_set() was last told */
	uint64_t last_paint, last_bell;
	uint64_t typed_at;    /* when a key last went to the guest */
	bool echo;            /* output that answers it waits to be painted */
	uint64_t refused_at;  /* when the server last refused our keys (PROTO_FULL) */
	/* the server went away (an upgrade re-executes it): connect again */
	struct conn_opts opts;
	uv_timer_t retry;
	uint64_t lost_at;     /* 0 while connected */
	unsigned fails;       /* ssh links that ended, in a row */
	unsigned sent_rows, sent_cols;

	/* raw */
	struct qstrip qs;
	struct termios saved;
	bool tty_saved, stdin_tty, raw_on;

	uv_poll_t in;
	uv_timer_t frame, linger;
	uv_check_t check;
	uv_signal_t sig[4];
	bool in_on;
	int linger_ticks;
	unsigned empty_wakeups;
};

static const int signals[4] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };

static void set_exit(struct attach *a, int code, char *msg)
{
	a->exit = code;
	free(a->exit_msg);
	a->exit_msg = msg;
}

/* ---- ending ---- */

static void curses_end(struct attach *a)
{
	/* the last words go after curses's reset */
	pane_curses_end(a->screen, a->keys);
	a->screen = NULL;
}

static void tty_restore(struct attach *a)
{
	if (a->tty_saved)
		tcsetattr(0, TCSADRAIN, &a->saved);
	a->tty_saved = false;
}

static void close_conn(struct attach *a)
{
	if (a->conn)
		conn_close(a->conn);
	a->conn = NULL;
	uv_close((uv_handle_t *)&a->linger, NULL);
}

/* Typed input queued to the server must not be cancelled by the close. */
static void linger_cb(uv_timer_t *t)
{
	struct attach *a = t->data;
	if (!a->conn || conn_queued(a->conn) == 0 || ++a->linger_ticks * 10 >= LINGER_MS) {
		uv_timer_stop(t);
		close_conn(a);
	}
}

static void finish(struct attach *a, int code, char *msg)
{
	if (a->done) {
		free(msg);
		return;
	}
	a->done = true;
	set_exit(a, code, msg);
	curses_end(a);
	tty_restore(a);
	if (a->in_on)
		uv_close((uv_handle_t *)&a->in, NULL);
	a->in_on = false;
	uv_close((uv_handle_t *)&a->frame, NULL);
	uv_close((uv_handle_t *)&a->retry, NULL);
	uv_close((uv_handle_t *)&a->check, NULL);
	for (size_t i = 0; i < ARRAY_LEN(a->sig); i++)
		uv_close((uv_handle_t *)&a->sig[i], NULL);
	uv_timer_start(&a->linger, linger_cb, 0, 10);
}

/* "web stopped: powered off by the guest"; exit 0, or 1 for a crash. */
static void instance_ended(struct attach *a, const struct proto_inst *in)
{
	char reason[sizeof in->reason];
	util_clean_text(in->reason, reason);
	const char *state = proto_state_name(in->state);
	char *msg = a->live ? xasprintf("%s %s%s%s", a->shown, state, reason[0] ? ": " : "", reason)
			    : xasprintf("%s is not running (%s%s%s)", a->shown, state,
					reason[0] ? ": " : "", reason);
	bool bad = in->state == PROTO_CRASHED || in->state == PROTO_FAILED || !a->live;
	finish(a, bad ? EXIT_FAIL : EXIT_OK, msg);
}

/* ---- painting (curses) ---- */

static void key_label(int k, char *out, size_t cap)
{
	if (k == 0x7f)
		snprintf(out, cap, "Ctrl-?");
	else if (k >= 0 && k < 0x20)
		snprintf(out, cap, "Ctrl-%c", k + '@');
	else
		snprintf(out, cap, "%c", k);
}

static void state_label(const struct attach *a, char *out, size_t cap)
{
	const struct proto_inst *in = &a->inst;
	if (a->lost_at)
		snprintf(out, cap, "server restarting");
	else if (!a->known)
		snprintf(out, cap, "connecting");
	else if (in->state == PROTO_HALTING)
		snprintf(out, cap, "halting (%s, %u s)", proto_phase_name(in->phase),
			 in->phase_ms / 1000);
	else
		snprintf(out, cap, "%s", proto_state_name(in->state));
}

static void draw_status(struct attach *a)
{
	if (!a->status_on || LINES < 2)
		return;
	char state[64], left[512], right[128], dk[16], sk[16];
	state_label(a, state, sizeof state);
	unsigned rows = 0, cols = 0;
	if (a->con.term)
		term_size(a->con.term, &rows, &cols);
	char size[48] = "", scroll[48] = "";
	if (a->con.term && (rows != (unsigned)a->view.h || cols != (unsigned)a->view.w))
		snprintf(size, sizeof size, "  console %ux%u", cols, rows);
	if (a->view.scroll > 0)
		snprintf(scroll, sizeof scroll, "  [scrolled back %d]", a->view.scroll);
	bool refused = a->refused_at && uv_now(&a->loop) - a->refused_at < 5000;
	snprintf(left, sizeof left, " %s  %s%s%s%s%s", a->shown, state,
		 a->readonly ? "  read-only" : "", size, scroll,
		 refused ? "  [keys refused: the guest reads none]" : "");
	key_label(a->detach_key, dk, sizeof dk);
	if (a->status_key != NO_KEY) {
		key_label(a->status_key, sk, sizeof sk);
		snprintf(right, sizeof right, "%s detach  %s hide this line ", dk, sk);
	} else {
		snprintf(right, sizeof right, "%s detach ", dk);
	}
	int y = LINES - 1, ll = (int)strlen(left), rl = (int)strlen(right);
	attrset(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, left, COLS);
	if (ll + 2 + rl <= COLS)
		mvaddstr(y, COLS - rl, right);
	attrset(A_NORMAL);
}

static void paint(struct attach *a)
{
	a->dirty = false;
	a->last_paint = util_now_ms();
	a->echo = false;
	if (!a->screen)
		return;
	int first, last; /* one pane: pane_draw itself repaints after a pair reset */
	if (a->con.term && a->full)
		pane_draw_all(&a->view, a->con.term);
	else if (a->con.term && term_dirty(a->con.term, &first, &last))
		pane_draw(&a->view, a->con.term, first, last);
	if (a->con.term)
		term_clean(a->con.term);
	draw_status(a);
	a->full = false;
	int y, x, vis = a->con.term && pane_cursor(&a->view, a->con.term, &y, &x);
	if (vis)
		move(y, x);
	if (vis != a->cursor)
		curs_set(vis);
	a->cursor = vis;
	wnoutrefresh(stdscr);
	doupdate();
}

static void frame_cb(uv_timer_t *t)
{
	struct attach *a = t->data;
	if (a->dirty)
		paint(a);
}

/* After each loop turn's I/O: paint at once after an idle spell or for
 * the answer to a key (an echo: typing does not wait out a frame, 11 ms on
 * average in bench/hosts.sh before), else wait out the frame so a flood
 * costs at most one paint per FRAME_MS. */
static void check_cb(uv_check_t *c)
{
	struct attach *a = c->data;
	if (!a->dirty || a->done)
		return;
	uint64_t now = util_now_ms();
	if (now - a->last_paint >= FRAME_MS || a->echo)
		paint(a);
	else if (!uv_is_active((uv_handle_t *)&a->frame))
		uv_timer_start(&a->frame, frame_cb, FRAME_MS - (now - a->last_paint), 0);
}

/* The console gets the area above the status line; a read-only attach
 * never sizes it (the server would ignore it anyway). */
static void layout(struct attach *a)
{
	a->view.win = stdscr;
	if (!a->view.shadow)
		a->view.shadow = pane_shadow_new();
	a->view.y = a->view.x = 0;
	a->view.h = LINES - (a->status_on && LINES > 1 ? 1 : 0);
	a->view.w = COLS;
	if (!a->readonly && a->conn &&
	    ((unsigned)a->view.h != a->sent_rows || (unsigned)a->view.w != a->sent_cols)) {
		conn_resize(a->conn, a->name, (unsigned)a->view.h, (unsigned)a->view.w);
		a->sent_rows = (unsigned)a->view.h;
		a->sent_cols = (unsigned)a->view.w;
	}
	erase();
	a->full = a->dirty = true;
}

static void on_resize(struct attach *a)
{
	struct winsize ws;
	if (a->screen && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	if (a->screen)
		layout(a);
	else if (a->raw && !a->readonly && a->conn && isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0)
		conn_resize(a->conn, a->name, ws.ws_row, ws.ws_col);
}

/* ---- the term ---- */

static void term_bell(void *arg)
{
	struct attach *a = arg;
	uint64_t now = util_now_ms();
	if (a->screen && now - a->last_bell >= BELL_MS) {
		beep(); /* ours, not the guest's byte */
		a->last_bell = now;
	}
}

/* No output callback: the server's emulator answers the guest's queries;
 * no title callback: a guest does not name our terminal. */
static const struct term_callbacks term_cb = { .bell = term_bell };

static void keys_cb(uv_poll_t *p, int status, int events);

static int curses_start(struct attach *a, char *err, size_t errlen)
{
	a->screen = pane_curses_start(false, &a->keys, err, errlen);
	if (!a->screen)
		return -1;
	a->cursor = -1;
	layout(a);
	return 0;
}

/* Raw: every byte as it came.  Otherwise a flood comes as screens (the
 * emulator here only shows the console). */
static unsigned sub_flags(const struct attach *a)
{
	return (a->readonly ? PROTO_SUB_READONLY : 0) |
	       (a->raw ? PROTO_SUB_RAW : PROTO_SUB_SCREENS);
}

/* A fresh snapshot, at the size and with the history the server has. */
static void resubscribe(struct attach *a)
{
	if (!a->conn)
		return; /* connecting again: the subscription then brings one */
	conn_console_sub(a->conn, a->name, SCROLLBACK, sub_flags(a));
	console_asked(&a->con);
}

static void on_snapshot(struct attach *a, const struct proto_frame *f)
{
	struct proto_snapshot s;
	char err[128];
	if (a->raw || proto_snapshot_decode(f, &s, err, sizeof err) < 0 ||
	    strcmp(s.name, a->name))
		return;
	/* a flood's screen while the history is read: the view holds still,
	 * and a fresh snapshot comes back with the live screen (scroll_by) */
	if (!console_snapshot(&a->con, &s, a->view.scroll > 0))
		return;
	int want = console_take_scroll(&a->con); /* the history a Shift-PageUp asked for */
	if (want)
		a->view.scroll = want;
	a->full = a->dirty = true;
	if (!a->screen) {
		if (curses_start(a, err, sizeof err) < 0) {
			finish(a, EXIT_FAIL, xasprintf("umltop attach: %s; try --raw", err));
			return;
		}
		uv_poll_start(&a->in, UV_READABLE, keys_cb);
	}
}

/* ---- raw output ---- */

static void write_out(struct attach *a, const char *p, size_t n)
{
	int rc = util_write_all(1, p, n);
	if (rc < 0)
		finish(a, rc == -EPIPE ? EXIT_OK : EXIT_FAIL,
		       rc == -EPIPE ? NULL : xasprintf("umltop attach: stdout: %s", strerror(-rc)));
}

static void on_output(struct attach *a, const struct proto_frame *f)
{
	struct proto_reader r;
	char name[PROTO_MAX_NAME];
	size_t len;
	proto_reader_init(&r, f);
	proto_get_str(&r, name, sizeof name);
	const uint8_t *bytes = proto_get_bytes(&r, &len);
	if (!proto_reader_done(&r) || strcmp(name, a->name))
		return;
	if (a->raw && a->strip) {
		struct buf b = { 0 };
		qstrip_feed(&a->qs, (const char *)bytes, len, &b);
		write_out(a, b.data, b.len);
		buf_free(&b);
	} else if (a->raw) {
		write_out(a, (const char *)bytes, len);
	} else if (console_live(&a->con)) {
		/* scrolled back, the view stays on the lines it shows */
		size_t sb = term_scrollback_len(a->con.term);
		console_output(&a->con, bytes, len);
		if (a->view.scroll > 0)
			a->view.scroll += (int)(term_scrollback_len(a->con.term) - sb);
		a->dirty = true;
		if (console_is_echo(len, util_now_ms() - a->typed_at))
			a->echo = true;
	}
}

/* ---- frames ---- */

static void raw_start(struct attach *a);

static bool ended(unsigned state)
{
	return state == PROTO_STOPPED || state == PROTO_CRASHED || state == PROTO_FAILED;
}

static void on_status(struct attach *a, const struct proto_frame *f)
{
	a->lost_at = 0; /* served again */
	a->fails = 0;
	struct proto_status st;
	if (proto_get_status(f, &st) < 0)
		return;
	const struct proto_inst *in = NULL;
	for (uint32_t i = 0; i < st.n && !in; i++)
		if (!strcmp(st.inst[i].name, a->name))
			in = &st.inst[i];
	if (!in) {
		/* unknown: the REPLY to our CONSOLE_SUB says so and names the others */
		if (a->known)
			finish(a, EXIT_FAIL, xasprintf("%s was removed from the configuration",
						       a->shown));
	} else if (ended(in->state)) {
		instance_ended(a, in);
	} else {
		a->inst = *in;
		a->known = a->live = true;
		a->dirty = true;
		/* stdin only once the console is there: an EOF at once (a script's
		 * </dev/null) must not beat the server's answer */
		if (a->raw && !a->raw_on) {
			a->raw_on = true;
			raw_start(a);
		}
		/* someone else sized the console (or we did): our emulator must
		 * take the new size at the same point of the stream as the
		 * server's, so ask for a fresh snapshot rather than resize */
		if (console_size_differs(&a->con, in->rows, in->cols))
			resubscribe(a);
	}
	proto_status_free(&st);
}

static void on_reply(struct attach *a, const struct proto_frame *f)
{
	uint32_t id;
	int code;
	char *text;
	if (conn_parse_reply(f, &id, &code, &text) < 0 || code == PROTO_OK) {
		free(text);
		return;
	}
	if (code == PROTO_FULL) {
		/* keys the guest does not read: said on the status line for a
		 * while; the session goes on */
		free(text);
		a->refused_at = uv_now(&a->loop);
		a->dirty = true;
		return;
	}
	char *clean = xmalloc(strlen(text) + 1);
	util_clean_text(text, clean);
	free(text);
	finish(a, code == PROTO_USAGE ? EXIT_USAGE : EXIT_FAIL,
	       xasprintf("umltop attach: %s", clean));
	free(clean);
}

static void conn_frame_cb(void *arg, const struct proto_frame *f)
{
	struct attach *a = arg;
	if (a->done)
		return;
	switch (f->type) {
	case PROTO_STATUS: on_status(a, f); break;
	case PROTO_SNAPSHOT: on_snapshot(a, f); break;
	case PROTO_OUTPUT: on_output(a, f); break;
	case PROTO_REPLY: on_reply(a, f); break;
	default: break;
	}
}

static void subscribe(struct attach *a);
static void conn_closed_cb(void *arg, const char *why);
static const struct conn_cb attach_conn_cb;

/* The server went away: an upgrade re-executes it on the same socket, and
 * one that died may be started again; try for RECONNECT_MS, then give up
 * with why it went. */
#define RECONNECT_MS 30000
static void retry_cb(uv_timer_t *t)
{
	struct attach *a = t->data;
	if (a->done) {
		uv_timer_stop(t);
		return;
	}
	char err[512];
	if (conn_open(&a->loop, &a->opts, &attach_conn_cb, a, &a->conn, err, sizeof err) == 0) {
		uv_timer_stop(t);
		a->known = false; /* lost_at stays until a status comes */
		subscribe(a);
		a->dirty = true;
		return;
	}
	if (uv_now(&a->loop) - a->lost_at > RECONNECT_MS) {
		uv_timer_stop(t);
		finish(a, EXIT_FAIL, xasprintf("umltop attach: lost the server: %s", err));
	}
}

static void conn_closed_cb(void *arg, const char *why)
{
	struct attach *a = arg;
	bool served = conn_established(a->conn);
	a->conn = NULL; /* conn closes itself after this */
	if (a->done)
		return;
	if (!served && !a->lost_at) { /* turned away: no use asking again */
		finish(a, EXIT_FAIL, xasprintf("umltop attach: %s%s%s",
					       a->hosts.n ? a->hosts.v[0].name : "",
					       a->hosts.n ? ": " : "", why));
		return;
	}
	if (!a->lost_at)
		a->lost_at = uv_now(&a->loop);
	/* over ssh conn_open never fails at once: ssh ends, and says why */
	if (uv_now(&a->loop) - a->lost_at > RECONNECT_MS) {
		finish(a, EXIT_FAIL, xasprintf("umltop attach: lost the server: %s", why));
		return;
	}
	a->dirty = true;
	/* a local server is back within a second (an upgrade); an ssh login
	 * each 100 ms would trip sshd's MaxStartups and penalties, so a link
	 * over ssh is tried again after 0.5 s, 1 s, 2 s ... at most 5 s */
	uint64_t delay = 100;
	if (a->hosts.n && a->hosts.v[0].dest) {
		unsigned f = a->fails < 4 ? a->fails : 4;
		delay = 500u << f;
		if (delay > 5000)
			delay = 5000;
		a->fails++;
	}
	uv_timer_start(&a->retry, retry_cb, delay, 200);
}

static const struct conn_cb attach_conn_cb = { .frame = conn_frame_cb,
					       .closed = conn_closed_cb };

/* ---- keys (curses) ---- */

static void scroll_by(struct attach *a, int lines)
{
	int max = a->con.term ? (int)term_scrollback_len(a->con.term) : 0;
	a->con.scroll_wanted = 0;
	if (lines > 0 && !max && a->con.term && a->conn) {
		/* a flood's screen carries no history: ask for it, and scroll
		 * once it comes */
		a->con.scroll_wanted = lines;
		resubscribe(a);
		return;
	}
	int s = a->view.scroll + lines;
	a->view.scroll = s < 0 ? 0 : s > max ? max : s;
	a->full = a->dirty = true;
	if (!a->view.scroll && a->con.stale && a->conn) {
		/* back at the live screen after a flood went by unread */
		resubscribe(a);
		a->con.stale = false;
	}
}

/* One key; false when the attach ends. */
static bool key(struct attach *a, int ret, wint_t k, struct buf *out)
{
	if (ret == KEY_CODE_YES && k == KEY_RESIZE) {
		on_resize(a);
		return true;
	}
	if (ret == OK && (int)k == a->detach_key) {
		finish(a, EXIT_OK, xasprintf("[detached from %s]", a->shown));
		return false;
	}
	if (ret == OK && (int)k == a->status_key) {
		a->status_on = !a->status_on;
		layout(a);
		return true;
	}
	/* Shift-PageUp/Down look back locally, as on the Linux console */
	if (ret == KEY_CODE_YES && (k == KEY_SPREVIOUS || k == KEY_SNEXT)) {
		int half = a->view.h > 2 ? a->view.h / 2 : 1;
		scroll_by(a, k == KEY_SPREVIOUS ? half : -half);
		return true;
	}
	if (a->readonly || !a->con.term)
		return true;
	a->con.scroll_wanted = 0; /* typing is for the live screen */
	if (a->view.scroll)
		scroll_by(a, -a->view.scroll);
	pane_key(a->con.term, ret, k, out);
	return true;
}

static void keys_cb(uv_poll_t *p, int status, int events)
{
	struct attach *a = p->data;
	(void)events;
	if (status < 0) {
		finish(a, EXIT_FAIL, xasprintf("umltop attach: stdin: %s", uv_strerror(status)));
		return;
	}
	struct buf out = { 0 };
	wint_t k;
	int ret;
	unsigned n = 0;
	while (!a->done && (ret = wget_wch(a->keys, &k)) != ERR) {
		n++;
		if (!key(a, ret, k, &out))
			break;
	}
	if (out.len && a->conn) {
		conn_input(a->conn, a->name, out.data, out.len);
		a->typed_at = util_now_ms();
	}
	buf_free(&out);
	if (pane_input_ended(&a->empty_wakeups, n) && !a->done)
		finish(a, EXIT_FAIL, xasprintf("umltop attach: the terminal is gone"));
}

/* ---- raw input ---- */

static void raw_input(struct attach *a, const char *p, size_t n)
{
	size_t send = n;
	const char *d = a->stdin_tty && a->detach_key != NO_KEY
				? memchr(p, a->detach_key, n) : NULL;
	if (d)
		send = (size_t)(d - p);
	if (send && !a->readonly && a->conn)
		conn_input(a->conn, a->name, p, send);
	if (d)
		finish(a, EXIT_OK, NULL);
}

static void stdin_cb(uv_poll_t *p, int status, int events)
{
	struct attach *a = p->data;
	char buf[16384];
	(void)events;
	ssize_t n = status < 0 ? -1 : read(0, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(a, n == 0 ? EXIT_OK : EXIT_FAIL,
		       n == 0 ? NULL : xasprintf("umltop attach: stdin: %s", strerror(errno)));
		return;
	}
	raw_input(a, buf, (size_t)n);
}

/* stdin that cannot be polled (a regular file): send it all now. */
static void stdin_file(struct attach *a)
{
	char buf[16384];
	ssize_t n;
	while (!a->done && (n = read(0, buf, sizeof buf)) > 0)
		raw_input(a, buf, (size_t)n);
	finish(a, EXIT_OK, NULL);
}

static void raw_start(struct attach *a)
{
	a->stdin_tty = isatty(0);
	if (a->readonly && !a->stdin_tty)
		return; /* nothing to forward, and EOF must not end a watcher */
	if (a->stdin_tty && tcgetattr(0, &a->saved) == 0) {
		struct termios t = a->saved;
		cfmakeraw(&t);
		if (tcsetattr(0, TCSADRAIN, &t) == 0)
			a->tty_saved = true;
	}
	if (uv_poll_init(&a->loop, &a->in, 0) < 0) {
		stdin_file(a);
		return;
	}
	a->in.data = a;
	a->in_on = true;
	uv_poll_start(&a->in, UV_READABLE, stdin_cb);
}

/* ---- options and start ---- */

/* "^]", "^x", "C-x", "^?" or "none". */
static int parse_key(const char *s)
{
	if (!strcmp(s, "none"))
		return NO_KEY;
	if ((s[0] == '^' && s[1] && !s[2]) || (s[0] == 'C' && s[1] == '-' && s[2] && !s[3])) {
		int c = (unsigned char)s[s[0] == '^' ? 1 : 2];
		if (c == '?')
			return 0x7f;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c >= '@' && c <= '_')
			return c & 0x1f;
	}
	return -2;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: umltop attach [-S SOCKET] [-c CONFIG]... [-r] [-e KEY] [-t KEY]\n"
		"                     [--raw] [--no-status] [-H HOST] [HOST/]NAME\n"
		"  -H HOST       the instance on HOST (of the hosts file, an ssh\n"
		"                destination, or local), as HOST/NAME does\n"
		"  -r            read-only: watch, keys are not sent\n"
		"  -e KEY        detach key (default ^]); ^x, C-x or ^?\n"
		"  -t KEY        key that hides/shows the status line (default ^^; none)\n"
		"  --raw         the console's bytes on stdout, stdin to the guest\n"
		"                (the default when stdout is not a terminal)\n"
		"  --no-status   start without the status line\n"
		"Shift-PageUp/PageDown scroll back.  Exit status: 0 detached or the\n"
		"instance stopped, 1 it crashed or failed or is not running, 2 unknown\n"
		"instance or usage.\n");
}

static void signal_cb(uv_signal_t *s, int signum)
{
	struct attach *a = s->data;
	if (signum == SIGWINCH)
		on_resize(a);
	else
		finish(a, 128 + signum, NULL);
}

static void handles_init(struct attach *a)
{
	uv_loop_init(&a->loop);
	uv_timer_init(&a->loop, &a->frame);
	uv_timer_init(&a->loop, &a->linger);
	uv_timer_init(&a->loop, &a->retry);
	uv_check_init(&a->loop, &a->check);
	a->frame.data = a->linger.data = a->check.data = a->retry.data = a;
	uv_check_start(&a->check, check_cb);
	/* before newterm(), so curses leaves these signals to us */
	for (size_t i = 0; i < ARRAY_LEN(a->sig); i++) {
		uv_signal_init(&a->loop, &a->sig[i]);
		a->sig[i].data = a;
		uv_signal_start(&a->sig[i], signal_cb, signals[i]);
	}
}

static void subscribe(struct attach *a)
{
	struct winsize ws;
	bool size = !a->readonly && isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row;
	unsigned rows = 0, cols = 0;
	if (size) {
		rows = ws.ws_row - (!a->raw && a->status_on && ws.ws_row > 1 ? 1 : 0);
		cols = ws.ws_col;
		/* sized first, so the snapshot comes at our size */
		conn_resize(a->conn, a->name, rows, cols);
	}
	conn_status_sub(a->conn, true);
	conn_console_sub(a->conn, a->name, a->raw ? 0 : SCROLLBACK, sub_flags(a));
	if (size) {
		/* again, now that we are subscribed: the server remembers our
		 * size and gives it back to the console when we type */
		conn_resize(a->conn, a->name, rows, cols);
		a->sent_rows = rows;
		a->sent_cols = cols;
	}
}

static int parse_args(struct attach *a, int argc, char **argv, const char **sock,
		      const char **conf, size_t *nconf)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "raw", no_argument, NULL, 'R' },
		{ "no-status", no_argument, NULL, 'N' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	bool raw = false;
	const char *hname = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "S:c:re:t:H:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'H': hname = optarg; break;
		case 'S': *sock = optarg; break;
		case 'c': conf[(*nconf)++] = optarg; break;
		case 'r': a->readonly = true; break;
		case 'R': raw = true; break;
		case 'N': a->status_on = false; break;
		case 'e': a->detach_key = parse_key(optarg); break;
		case 't': a->status_key = parse_key(optarg); break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (a->detach_key == -2 || a->status_key == -2) {
		fprintf(stderr, "umltop attach: a key is ^x, C-x, ^? or none\n");
		return EXIT_USAGE;
	}
	if (a->detach_key == NO_KEY && isatty(0)) {
		fprintf(stderr, "umltop attach: there must be a detach key at a terminal\n");
		return EXIT_USAGE;
	}
	if (a->detach_key == a->status_key)
		a->status_key = NO_KEY;
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	char host[HOST_NAME_MAX_LEN + 1];
	a->name = hosts_split(argv[optind], host);
	if (host[0] && hname && strcmp(host, hname)) {
		fprintf(stderr, "umltop attach: -H %s, but %s names host %s\n", hname,
			argv[optind], host);
		return EXIT_USAGE;
	}
	if (host[0])
		hname = host;
	char err[512];
	if (hname && hosts_select(&hname, 1, &a->hosts, err, sizeof err) < 0) {
		fprintf(stderr, "umltop attach: %s\n", err);
		return EXIT_USAGE;
	}
	snprintf(a->shown, sizeof a->shown, "%s%s%s", a->hosts.n ? a->hosts.v[0].name : "",
		 a->hosts.n ? "/" : "", a->name);
	/* A terminal on stdout gets cells, never the guest's bytes, whatever
	 * stdin is (`cmd | umltop attach` at a terminal must not let a guest
	 * name the terminal or turn its mouse on). */
	a->raw = raw || !isatty(1);
	/* asked for at a terminal: the terminal must not answer the guest */
	a->strip = a->raw && isatty(1);
	return -1;
}

static int run(struct attach *a, const char *sock, const char *const *conf, size_t nconf)
{
	struct conn_opts o = { .socket = sock, .autostart = true, .conf = conf,
			       .nconf = nconf, .who = "attach",
			       .host = a->hosts.n ? &a->hosts.v[0] : NULL };
	a->opts = o;
	a->opts.autostart = false; /* again: the server it had, not a new one */
	char err[512];
	if (!a->raw) {
		/* keys come from stdin, a terminal or a pipe; a file cannot be
		 * polled, nor read as keys */
		if (uv_poll_init(&a->loop, &a->in, 0) < 0) {
			fprintf(stderr, "umltop attach: stdin cannot be read as keys; "
				"--raw sends it to the guest\n");
			return EXIT_USAGE;
		}
		a->in.data = a;
		a->in_on = true; /* started with curses, at the first snapshot */
	}
	if (conn_open(&a->loop, &o, &attach_conn_cb, a, &a->conn, err, sizeof err) < 0) {
		fprintf(stderr, "umltop attach: %s\n", err);
		return EXIT_FAIL;
	}
	subscribe(a);
	uv_run(&a->loop, UV_RUN_DEFAULT);
	return a->exit;
}

int tui_cmd_attach(int argc, char **argv)
{
	struct attach a = { .status_on = true, .detach_key = 0x1d, .status_key = 0x1e,
			    .exit = EXIT_FAIL };
	const char *sock = NULL;
	const char **conf = xcalloc((size_t)argc + 1, sizeof *conf);
	size_t nconf = 0;
	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	int rc = parse_args(&a, argc, argv, &sock, conf, &nconf);
	if (rc >= 0) {
		hosts_free(&a.hosts);
		free(conf);
		return rc;
	}
	qstrip_init(&a.qs);
	console_init(&a.con, SCROLLBACK, &term_cb, &a);
	handles_init(&a);
	rc = run(&a, sock, conf, nconf);
	if (!a.done) /* conn_open failed */
		finish(&a, rc, NULL);
	uv_run(&a.loop, UV_RUN_DEFAULT);
	uv_loop_close(&a.loop);
	if (a.exit_msg)
		fprintf(stderr, "%s\n", a.exit_msg);
	free(a.exit_msg);
	hosts_free(&a.hosts);
	console_free(&a.con);
	pane_shadow_free(a.view.shadow);
	qstrip_free(&a.qs);
	free(conf);
	return a.exit;
}
