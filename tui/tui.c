/* `umltop`: the interactive TUI.  Data flow:
 *
 *   server --STATUS--> on_status: panes added/removed, titles marked
 *          --SNAPSHOT-> a fresh TERM_SILENT emulator per pane, fed the bytes
 *                       (under a flood, the screen every 16 ms instead of
 *                       OUTPUT: PROTO_SUB_SCREENS)
 *          --OUTPUT---> term_feed: the emulator records dirty rows, nothing
 *                       is drawn here
 *          --EVENT----> on_event: an alert marks its pane (title bar, table
 *                       row, the header's count) until its console is seen
 *   keys   --> tui-act.c: actions, prompts, INPUT to the focused guest
 *   any of the above --> tui_mark(): one paint timer, armed only when there
 *   is something to paint: at once when the screen was idle or when the
 *   focused guest answers a key, every PAINT_MS under a flood;
 *   tui_draw_frame() paints and calls doupdate once.
 *
 * This file owns the loop, the connection, the panes' subscriptions and
 * sizes, and the paint schedule. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conf/conf.h"
#include "tui/tui-int.h"
#include "tui/tui.h"

#define PAINT_MS 12            /* at most one frame per 12 ms under load */
#define BUSY_BYTES (16 * 1024) /* a frame that carried this much: coalesce */
#define ECHO_BYTES 1024        /* output of the focused console this small, */
#define ECHO_MS 500            /* this soon after a key: painted at once */
#define OUTQ_MAX 4096          /* bytes unsent to the terminal: wait */
#define OUTQ_WAIT_MAX 100
/* A pane fed this much without a paint in between is behind a flood that
 * scrolls screens by unseen: skip to the server's screen instead.  Not
 * sooner: emulating is cheaper than a resync, whose snapshot (with its
 * scrollback) the server has to build; at 256 KB the skips cost a
 * quarter of the ingest rate (bench/tui.sh, one core busy elsewhere:
 * 30 MB/s against 39 MB/s at 4 MB). */
#define SKIP_BYTES (4 * 1024 * 1024)
/* Alerts this close together are one burst: the bell rings once for it. */
#define ALERT_BURST_MS 10000

static void paint_cb(uv_timer_t *h);

/* ---- exit ---- */

static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void tui_quit(struct tui *t, int code, char *msg)
{
	if (t->quitting) {
		free(msg);
		return;
	}
	t->quitting = true;
	t->exit_code = code;
	t->exit_msg = msg;
	conn_close(t->conn);
	t->conn = NULL; /* freed by its close callback */
	close_handle((uv_handle_t *)&t->input);
	close_handle((uv_handle_t *)&t->winch);
	close_handle((uv_handle_t *)&t->paint);
	close_handle((uv_handle_t *)&t->clock);
	close_handle((uv_handle_t *)&t->reconnect);
}

/* The terminal went away without a SIGHUP reaching us (one ignored, say):
 * nothing can be shown or typed any more, so end as a detach would. */
static void terminal_gone(struct tui *t, const char *why)
{
	tui_quit(t, 1, xasprintf("umltop: the terminal is gone (%s); the instances keep "
				 "running\n", why));
}

/* ---- messages and commands ---- */

void tui_set_msg(struct tui *t, bool err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	/* A reply may span lines; the message line shows the first. */
	char *nl = strchr(t->msg, '\n');
	if (nl)
		*nl = 0;
	t->msg_err = err;
	t->msg_dirty = true;
}

void tui_send_command(struct tui *t, int argc, const char *const *argv)
{
	if (!t->conn) {
		tui_set_msg(t, true, "not connected to the server (it is restarting): try again");
		return;
	}
	uint32_t id = conn_command(t->conn, argc, argv);
	if (!strcmp(argv[0], "halt-all") || !strcmp(argv[0], "shutdown"))
		t->halt_id = id;
}

struct tui_pane *tui_selected(struct tui *t)
{
	if (!t->npane)
		return NULL;
	return &t->pane[MAX(0, MIN(t->sel, (int)t->npane - 1))];
}

/* ---- painting ---- */

/* Ask for the console's screen again.  Frames come in order, so every
 * OUTPUT before the SNAPSHOT is already in it: until it comes, OUTPUT is
 * dropped unread (that is how a flood costs no emulation here). */
void tui_resync(struct tui *t, struct tui_pane *p)
{
	conn_console_sub(t->conn, p->st.name, t->scrollback, PROTO_SUB_SCREENS);
	console_asked(&p->con);
	p->unpainted = 0;
}

/* Bytes written to the terminal that it has not taken yet; -EIO once it
 * has hung up. */
static int terminal_backlog(void)
{
	int n = 0;
	if (ioctl(STDOUT_FILENO, TIOCOUTQ, &n) < 0)
		return errno == EIO ? -EIO : 0;
	return n;
}

/* Under a flood frames come every PAINT_MS, but the focused guest's answer
 * to a key does not wait for the next one: typing stays quick while
 * another console floods. */
static void schedule(struct tui *t)
{
	/* (a terminal that is backed up still gets its time to drain) */
	if (t->quitting ||
	    (uv_is_active((uv_handle_t *)&t->paint) && (!t->echo || t->outq_wait)))
		return;
	uint64_t now = uv_now(t->loop), delay = 0;
	if (t->busy && !t->echo && now < t->last_paint_ms + PAINT_MS)
		delay = t->last_paint_ms + PAINT_MS - now;
	uv_timer_start(&t->paint, paint_cb, delay, 0);
}

static void paint_cb(uv_timer_t *h)
{
	struct tui *t = h->data;
	int backlog = terminal_backlog();
	if (backlog == -EIO) {
		terminal_gone(t, "output: I/O error");
		return;
	}
	if (backlog > OUTQ_MAX) {
		/* The terminal is behind: let it drain, keep what is marked. */
		t->outq_wait = MIN(MAX(1u, t->outq_wait * 2), OUTQ_WAIT_MAX);
		uv_timer_start(&t->paint, paint_cb, t->outq_wait, 0);
		return;
	}
	t->outq_wait = 0;
	for (int k = 0; k < t->lay.count; k++) {
		struct tui_pane *p = &t->pane[t->lay.first + k];
		if (p->con.stale && !p->scroll && p->sub) {
			p->con.stale = false; /* back from history: the screen as it is now */
			tui_resync(t, p);
		}
	}
	tui_draw_frame(t);
	uv_update_time(t->loop);
	t->echo = false;
	t->busy = t->fed >= BUSY_BYTES;
	t->fed = 0;
	t->last_paint_ms = uv_now(t->loop);
}

void tui_mark(struct tui *t, unsigned flags)
{
	if ((flags & TUI_QUIT) || t->quitting)
		return;
	if (flags & TUI_RELAYOUT)
		tui_relayout(t);
	if (flags & (TUI_REDRAW | TUI_RELAYOUT))
		schedule(t);
}

/* ---- panes and subscriptions ---- */

static void pane_unsub(struct tui *t, struct tui_pane *p)
{
	if (p->sub && !t->quitting)
		conn_console_unsub(t->conn, p->st.name);
	p->sub = false;
	console_free(&p->con);
	if (p->win)
		delwin(p->win);
	p->win = NULL;
	pane_shadow_free(p->shadow);
	p->shadow = NULL;
	p->hit = false;
}

/* A booting UML (6.1) can die of the SIGWINCH a pty resize sends it (an
 * abort in its winch handler): resize a console only once it has booted. */
static bool may_resize(const struct tui_pane *p)
{
	return p->st.state != PROTO_STARTING;
}

static bool wrong_size(const struct tui_pane *p)
{
	return p->rect.rows >= 2 && p->rect.cols >= 10 &&
	       (p->rect.rows != p->asked_rows || p->rect.cols != p->asked_cols);
}

/* Ask for the console at the pane's size; the snapshot that answers
 * resets our emulator to the server's size and screen. */
static void pane_sub(struct tui *t, struct tui_pane *p)
{
	if (wrong_size(p) && may_resize(p)) {
		conn_resize(t->conn, p->st.name, (unsigned)p->rect.rows, (unsigned)p->rect.cols);
		p->asked_rows = p->rect.rows;
		p->asked_cols = p->rect.cols;
	} else if (p->sub) {
		return;
	}
	tui_resync(t, p);
	p->sub = true;
}

static void place_pane(struct tui *t, struct tui_pane *p, const struct tui_rect *r)
{
	p->rect = *r;
	if (p->win)
		delwin(p->win);
	p->win = newwin(r->h, r->w, r->y, r->x);
	p->repaint = p->retitle = true;
	pane_sub(t, p);
}

static void make_bars(struct tui *t)
{
	if (t->hdr)
		delwin(t->hdr);
	if (t->msgw)
		delwin(t->msgw);
	t->hdr = newwin(1, COLS, 0, 0);
	t->msgw = newwin(1, COLS, MAX(LINES - 1, 0), 0);
	t->hdr_dirty = t->msg_dirty = true;
}

void tui_relayout(struct tui *t)
{
	tui_layout_free(&t->lay);
	make_bars(t);
	int rc = tui_layout_compute(1, 0, LINES - 2, COLS, (int)t->npane, t->sel, t->zoom, &t->lay);
	t->too_small = rc < 0;
	for (size_t i = 0; i < t->npane; i++) {
		int k = (int)i - t->lay.first;
		if (!t->too_small && k >= 0 && k < t->lay.count)
			place_pane(t, &t->pane[i], &t->lay.rect[k]);
		else
			pane_unsub(t, &t->pane[i]);
	}
	if (t->over) {
		delwin(t->over);
		t->over = NULL;
	}
	t->all_dirty = true;
}

/* ---- frames from the server ---- */

static struct tui_pane *find_pane(struct tui *t, const char *name)
{
	for (size_t i = 0; i < t->npane; i++)
		if (!strcmp(t->pane[i].st.name, name))
			return &t->pane[i];
	return NULL;
}

static void term_bell(void *arg)
{
	(void)arg;
}

static const struct term_callbacks term_cbs = { .bell = term_bell };

static void on_snapshot(struct tui *t, const struct proto_frame *f)
{
	struct proto_snapshot s;
	char err[128];
	if (proto_snapshot_decode(f, &s, err, sizeof err) < 0)
		return;
	struct tui_pane *p = find_pane(t, s.name);
	/* held while scrolled back: resynced once back at the live screen
	 * (paint_cb) */
	if (!p || !p->sub || !console_snapshot(&p->con, &s, p->scroll > 0))
		return;
	p->unpainted = 0;
	/* the history a PgUp asked for (tui-act.c), or the live screen */
	p->scroll = console_take_scroll(&p->con);
	if (p->scroll)
		p->retitle = true;
	p->hit = false;
	p->repaint = true;
	t->fed += s.len;
	tui_mark(t, TUI_REDRAW);
}

static void on_output(struct tui *t, const struct proto_frame *f)
{
	struct proto_reader r;
	char name[PROTO_MAX_NAME];
	size_t len;
	proto_reader_init(&r, f);
	proto_get_str(&r, name, sizeof name);
	const uint8_t *bytes = proto_get_bytes(&r, &len);
	struct tui_pane *p = find_pane(t, name);
	if (!proto_reader_done(&r) || !p || !console_live(&p->con))
		return; /* a SNAPSHOT on its way (or asked for later) includes these bytes */
	if (p->unpainted > SKIP_BYTES) {
		tui_resync(t, p);
		return;
	}
	console_output(&p->con, bytes, len);
	p->unpainted += len;
	if (p->scroll)
		p->repaint = true; /* the view is anchored to the live screen's top */
	t->fed += len;
	bool typed_here = (t->mode == TUI_FOCUS && p == tui_selected(t)) ||
			  (t->mode == TUI_BROADCAST && p->marked);
	if (len <= ECHO_BYTES && typed_here && uv_now(t->loop) - t->typed_ms < ECHO_MS)
		t->echo = true;
	tui_mark(t, TUI_REDRAW);
}

static void on_reply(struct tui *t, const struct proto_frame *f)
{
	uint32_t id;
	int code;
	char *text;
	if (conn_parse_reply(f, &id, &code, &text) < 0)
		return;
	if (text[0])
		tui_set_msg(t, code != PROTO_OK, "%s", text);
	free(text);
	tui_mark(t, TUI_REDRAW);
}

/* Move the panes to the new status order, keeping each one's emulator;
 * true when the set or order changed (the grid must be redone). */
static bool adopt_panes(struct tui *t, const struct proto_status *st)
{
	/* the same instances in the same order (every second but a few):
	 * nothing to move */
	bool same = st->n == t->npane;
	for (uint32_t i = 0; same && i < st->n; i++)
		same = !strcmp(st->inst[i].name, t->pane[i].st.name);
	if (same)
		return false;
	bool changed = st->n != t->npane;
	char selname[PROTO_MAX_NAME] = "";
	if (t->npane)
		snprintf(selname, sizeof selname, "%s", tui_selected(t)->st.name);
	struct tui_pane *np = xcalloc(st->n ? st->n : 1, sizeof *np);
	int newsel = 0;
	for (uint32_t i = 0; i < st->n; i++) {
		struct tui_pane *old = find_pane(t, st->inst[i].name);
		if (old) {
			np[i] = *old;
			changed |= old != &t->pane[i];
			old->st.name[0] = 0; /* taken */
		} else {
			changed = true;
			console_init(&np[i].con, t->scrollback, &term_cbs, NULL);
			np[i].repaint = true;
		}
		if (!strcmp(st->inst[i].name, selname))
			newsel = (int)i;
	}
	for (size_t i = 0; i < t->npane; i++) {
		if (t->pane[i].st.name[0]) {
			t->pane[i].sub = false; /* the server dropped it already */
			pane_unsub(t, &t->pane[i]);
		}
	}
	free(t->pane);
	t->pane = np;
	t->npane = st->n;
	t->sel = newsel;
	return changed;
}

static void update_pane(struct tui *t, struct tui_pane *p, const struct proto_inst *in)
{
	if (memcmp(&p->st, in, sizeof *in)) {
		p->retitle = true;
		p->st = *in;
	}
	if (p->win && wrong_size(p) && may_resize(p)) {
		pane_sub(t, p); /* booted: now the console takes the pane's size */
		return;
	}
	/* Another client resized the console: take the server's screen. */
	if (console_size_differs(&p->con, in->rows, in->cols))
		tui_resync(t, p);
}

/* The banner follows the marked instances' states; with the last marked
 * one removed from the config, broadcast mode ends. */
static void end_broadcast_unmarked(struct tui *t)
{
	bool any = false;
	for (size_t i = 0; i < t->npane; i++)
		any |= t->pane[i].marked;
	t->msg_dirty = true;
	if (!any) {
		t->typed.len = 0;
		t->mode = TUI_OVERVIEW;
		tui_set_msg(t, true, "broadcast ended: no marked instance left");
	}
}

static void on_status(struct tui *t, const struct proto_frame *f)
{
	t->lost_at = 0; /* served again */
	struct proto_status st;
	if (proto_get_status(f, &st) < 0)
		return;
	bool changed = adopt_panes(t, &st);
	for (uint32_t i = 0; i < st.n; i++)
		update_pane(t, &t->pane[i], &st.inst[i]);
	if (t->mode == TUI_BROADCAST)
		end_broadcast_unmarked(t);
	snprintf(t->host, sizeof t->host, "%s", st.host);
	t->server_ms = st.time_ms;
	t->server_at = uv_now(t->loop);
	proto_status_free(&t->last);
	t->last = st;
	t->hdr_dirty = true;
	if (t->view != TUI_V_PANES)
		t->over_dirty = true;
	tui_mark(t, changed ? TUI_RELAYOUT : TUI_REDRAW);
}

/* ---- alerts ---- */

void tui_alerts_clear(struct tui *t, struct tui_pane *p)
{
	if (!p->alerts)
		return;
	p->alerts = 0;
	p->retitle = true;
	t->hdr_dirty = true;
	if (t->view == TUI_V_TABLE)
		t->over_dirty = true;
}

bool tui_alerts_seen(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	if (!p || !p->alerts || t->view != TUI_V_PANES || t->too_small ||
	    (t->mode != TUI_FOCUS && !t->zoom))
		return false;
	tui_alerts_clear(t, p);
	return true;
}

/* An alert marks its pane until the user looks at that console; one not
 * in sight rings the terminal's bell, once a burst.  The text is the
 * server's (guest output in it): kept as sent, cleaned where drawn. */
static void on_event(struct tui *t, const struct proto_frame *f)
{
	struct proto_event e;
	if (proto_get_event(f, &e) < 0 || e.kind != PROTO_EV_ALERT)
		return;
	struct tui_pane *p = find_pane(t, e.name);
	if (!p)
		return;
	p->alerts++;
	snprintf(p->alert, sizeof p->alert, "%s", e.text);
	p->retitle = true;
	t->hdr_dirty = true;
	if (t->view == TUI_V_TABLE)
		t->over_dirty = true;
	uint64_t now = uv_now(t->loop);
	if (t->alert_bell && !tui_alerts_seen(t) &&
	    (!t->alert_ms || now - t->alert_ms > ALERT_BURST_MS))
		beep();
	t->alert_ms = now;
	tui_mark(t, TUI_REDRAW);
}

static void frame_cb(void *arg, const struct proto_frame *f)
{
	struct tui *t = arg;
	if (t->quitting)
		return;
	switch (f->type) {
	case PROTO_STATUS: on_status(t, f); break;
	case PROTO_SNAPSHOT: on_snapshot(t, f); break;
	case PROTO_OUTPUT: on_output(t, f); break;
	case PROTO_REPLY: on_reply(t, f); break;
	case PROTO_EVENT: on_event(t, f); break;
	default: break;
	}
}

static char *halt_summary_msg(struct tui *t)
{
	struct tui_halt_sum sum;
	char text[256];
	tui_halt_summary(&t->last, t->halting, t->nhalting, &sum);
	tui_halt_summary_text(&sum, text, sizeof text);
	return xasprintf("umltop: the server stopped: %s.\n", text);
}

static const struct conn_cb conn_cbs;

/* Connected again (after an upgrade re-executed the server): the status
 * and every pane's console asked for afresh, as at the start. */
static void reconnect_cb(uv_timer_t *h)
{
	struct tui *t = h->data;
	char err[512];
	if (t->quitting) {
		uv_timer_stop(h);
		return;
	}
	if (conn_open(t->loop, &t->conn_opts, &conn_cbs, t, &t->conn, err, sizeof err) == 0) {
		uv_timer_stop(h); /* lost_at stays until a status comes */
		for (size_t i = 0; i < t->npane; i++) {
			t->pane[i].sub = false;
			t->pane[i].asked_rows = t->pane[i].asked_cols = 0;
		}
		conn_status_sub(t->conn, true);
		conn_events_sub(t->conn, true, 0);
		tui_set_msg(t, false, "connected to the server again");
		tui_mark(t, TUI_RELAYOUT | TUI_REDRAW);
		return;
	}
	if (uv_now(t->loop) - t->lost_at > TUI_RECONNECT_MS) {
		uv_timer_stop(h);
		tui_quit(t, 1, xasprintf("umltop: lost the server: %s\n", err));
	}
}

/* The server went away: after Q that is the end; otherwise it may be an
 * upgrade re-executing it on the same socket, so connect again for a
 * while before giving up. */
static void closed_cb(void *arg, const char *why)
{
	struct tui *t = arg;
	bool served = conn_established(t->conn);
	t->conn = NULL;
	if (t->shutdown) {
		tui_quit(t, 0, halt_summary_msg(t));
		return;
	}
	if (!served && !t->lost_at) { /* turned away: no use asking again */
		tui_quit(t, 1, xasprintf("umltop: %s\n", why));
		return;
	}
	if (!t->lost_at)
		t->lost_at = uv_now(t->loop);
	tui_set_msg(t, true, "server restarting: %s", why);
	tui_mark(t, TUI_REDRAW);
	uv_timer_start(&t->reconnect, reconnect_cb, 100, 200);
}

/* ---- terminal input and size ---- */

/* Broadcast: the same bytes to every marked console that runs, one INPUT
 * each, so every guest gets the keys in the order typed. */
static void flush_broadcast(struct tui *t)
{
	for (size_t i = 0; i < t->npane; i++)
		if (t->pane[i].marked && tui_takes_keys(&t->pane[i].st))
			conn_input(t->conn, t->pane[i].st.name, t->typed.data, t->typed.len);
}

void tui_flush_typed(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	if (t->typed.len && p && t->conn && !t->quitting) {
		if (t->mode == TUI_BROADCAST)
			flush_broadcast(t);
		else
			conn_input(t->conn, p->st.name, t->typed.data, t->typed.len);
		t->typed_ms = uv_now(t->loop);
	}
	t->typed.len = 0;
}

static void input_cb(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	unsigned flags = 0, keys = 0;
	wint_t key;
	int ret;
	(void)events;
	if (status < 0) {
		terminal_gone(t, uv_strerror(status));
		return;
	}
	while (!(flags & TUI_QUIT) && (ret = wget_wch(t->kbd, &key)) != ERR) {
		keys++;
		flags |= tui_act_key(t, ret, key);
		if (flags & TUI_RELAYOUT)
			tui_flush_typed(t); /* before the selection moves on */
	}
	tui_flush_typed(t);
	tui_mark(t, flags);
	if (pane_input_ended(&t->empty_wakeups, keys))
		terminal_gone(t, "end of input");
}

static void winch_cb(uv_signal_t *h, int sig)
{
	struct tui *t = h->data;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	/* The terminal moved or cleared what it showed: repaint every cell. */
	clearok(curscr, TRUE);
	tui_mark(t, TUI_RELAYOUT);
}

/* The header shows the time to the minute: wake once a minute for it. */
static void clock_cb(uv_timer_t *h)
{
	struct tui *t = h->data;
	uint64_t ms = t->server_ms ? t->server_ms + (uv_now(t->loop) - t->server_at) : 0;
	t->hdr_dirty = true;
	tui_mark(t, TUI_REDRAW);
	uv_timer_start(&t->clock, clock_cb, 60000 - ms % 60000 + 5, 0);
}

/* ---- setup ---- */

struct opts {
	const char *sock;
	const char **conf;
	size_t nconf;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'S': o->sock = optarg; break;
		case 'c':
			o->conf = xreallocarray(o->conf, o->nconf + 1, sizeof *o->conf);
			o->conf[o->nconf++] = optarg;
			break;
		case 'h':
			printf("usage: umltop [-S SOCKET] [-c DIR|FILE]...\n"
			       "The interactive view of every instance; starts the server when\n"
			       "none runs.  Press ? inside for the keys; see umltop(1).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "umltop: unexpected argument '%s' (umltop --help)\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* Key bindings and scrollback: the global settings only (an instance
 * file the TUI has no use for cannot cost the user their keys).  A bad
 * setting keeps its default and is said, file and line, on the message
 * line. */
static void load_config(struct tui *t, const struct opts *o, struct buf *warn)
{
	struct conf_global g;
	struct conf_errors errs = { 0 };
	if (conf_load_global(o->conf, o->nconf, &g, &errs) > 0) {
		if (errs.n > 1)
			buf_printf(warn, "%s (and %zu more): the defaults for these\n",
				   errs.msg[0], errs.n - 1);
		else
			buf_printf(warn, "%s: the default for it\n", errs.msg[0]);
	}
	conf_errors_free(&errs);
	tui_keymap_init(&t->km, g.prefix, g.bind, g.nbind, warn);
	t->scrollback = g.scrollback ? g.scrollback : 10000;
	t->alert_bell = g.alert_bell;
	conf_global_free(&g);
}

static int curses_start(struct tui *t, char *err, size_t errlen)
{
	t->screen = pane_curses_start(true, &t->kbd, err, errlen);
	if (!t->screen)
		return -1;
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	mouseinterval(0);
	return 0;
}

static void curses_stop(struct tui *t)
{
	for (size_t i = 0; i < t->npane; i++) {
		console_free(&t->pane[i].con);
		if (t->pane[i].win)
			delwin(t->pane[i].win);
		pane_shadow_free(t->pane[i].shadow);
		t->pane[i].shadow = NULL;
	}
	WINDOW *w[] = { t->hdr, t->msgw, t->over };
	for (size_t i = 0; i < ARRAY_LEN(w); i++)
		if (w[i])
			delwin(w[i]);
	pane_curses_end(t->screen, t->kbd);
	t->screen = NULL;
}

static int start_handles(struct tui *t)
{
	uv_poll_init(t->loop, &t->input, STDIN_FILENO);
	uv_signal_init(t->loop, &t->winch);
	uv_timer_init(t->loop, &t->paint);
	uv_timer_init(t->loop, &t->clock);
	uv_timer_init(t->loop, &t->reconnect);
	t->input.data = t->winch.data = t->paint.data = t->clock.data = t->reconnect.data = t;
	int rc = uv_poll_start(&t->input, UV_READABLE, input_cb);
	if (rc == 0)
		rc = uv_signal_start(&t->winch, winch_cb, SIGWINCH);
	if (rc == 0)
		uv_timer_start(&t->clock, clock_cb, 0, 0);
	return rc;
}

static const struct conn_cb conn_cbs = { .frame = frame_cb, .closed = closed_cb };

static int run(struct tui *t, const struct opts *o)
{
	char err[512];
	struct conn_opts co = { .socket = o->sock, .autostart = true, .conf = o->conf,
				.nconf = o->nconf, .who = "tui" };
	t->conn_opts = co;
	t->conn_opts.autostart = false; /* again: the server it had */
	if (conn_open(t->loop, &co, &conn_cbs, t, &t->conn, err, sizeof err) < 0) {
		fprintf(stderr, "umltop: %s\n", err);
		return 1;
	}
	if (curses_start(t, err, sizeof err) < 0) {
		fprintf(stderr, "umltop: %s\n", err);
		return 1;
	}
	int rc = start_handles(t);
	if (rc < 0) {
		curses_stop(t);
		fprintf(stderr, "umltop: %s\n", uv_strerror(rc));
		return 1;
	}
	tui_relayout(t);
	conn_status_sub(t->conn, true);
	/* alerts from now on (no history: the ones before are `ctl events`'s,
	 * and an old one marked at every start would only be noise) */
	conn_events_sub(t->conn, true, 0);
	tui_mark(t, TUI_REDRAW);
	uv_run(t->loop, UV_RUN_DEFAULT);
	curses_stop(t);
	return 0;
}

int tui_main(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0) {
		free(o.conf);
		return rc;
	}
	struct tui t = { .sel = 0 };
	struct buf warn = { 0 };
	setlocale(LC_ALL, "");
	uv_loop_t loop;
	uv_loop_init(&loop);
	t.loop = &loop;
	t.sock_arg = o.sock ? xstrdup(o.sock) : NULL;
	load_config(&t, &o, &warn);
	if (warn.len)
		tui_set_msg(&t, true, "%s", warn.data);
	rc = run(&t, &o);
	if (rc == 0) {
		rc = t.exit_code;
		if (t.exit_msg)
			fputs(t.exit_msg, rc ? stderr : stdout);
	} else {
		conn_close(t.conn);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	uv_loop_close(&loop);
	tui_layout_free(&t.lay);
	proto_status_free(&t.last);
	for (size_t i = 0; i < t.nhalting; i++)
		free(t.halting[i]);
	free(t.halting);
	free(t.pane);
	free(t.exit_msg);
	free(t.sock_arg);
	buf_free(&t.typed);
	buf_free(&warn);
	free(o.conf);
	return rc;
}
