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
 * This file owns the loop, the panes' subscriptions and sizes, and the
 * paint schedule; tui-hosts.c the connections (one per host with -H). */
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
	tui_hosts_close(t);
	close_handle((uv_handle_t *)&t->input);
	close_handle((uv_handle_t *)&t->winch);
	close_handle((uv_handle_t *)&t->paint);
	close_handle((uv_handle_t *)&t->clock);
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

void tui_send_command(struct tui *t, unsigned host, int argc, const char *const *argv)
{
	struct conn *c = tui_live_conn(t, host);
	if (!c && !t->multi) {
		tui_set_msg(t, true, "not connected to the server (it is restarting): try again");
		return;
	}
	if (!c) {
		tui_set_msg(t, true, "%s is not connected: try again once it is",
			    t->host[host].name);
		return;
	}
	conn_command(c, argc, argv);
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
	struct conn *c = tui_conn(t, p->host);
	if (!c)
		return; /* its host is away: the last screen stays */
	conn_console_sub(c, p->st.name, t->scrollback, PROTO_SUB_SCREENS);
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
	if (p->sub && tui_conn(t, p->host))
		conn_console_unsub(tui_conn(t, p->host), p->st.name);
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
	struct conn *c = tui_conn(t, p->host);
	if (!c)
		return; /* subscribed when its host is back */
	if (wrong_size(p) && may_resize(p)) {
		conn_resize(c, p->st.name, (unsigned)p->rect.rows, (unsigned)p->rect.cols);
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

static struct tui_pane *find_pane(struct tui *t, unsigned host, const char *name)
{
	for (size_t i = 0; i < t->npane; i++)
		if (t->pane[i].host == host && !strcmp(t->pane[i].st.name, name))
			return &t->pane[i];
	return NULL;
}

static void term_bell(void *arg)
{
	(void)arg;
}

static const struct term_callbacks term_cbs = { .bell = term_bell };

static void on_snapshot(struct tui *t, unsigned host, const struct proto_frame *f)
{
	struct proto_snapshot s;
	char err[128];
	if (proto_snapshot_decode(f, &s, err, sizeof err) < 0)
		return;
	struct tui_pane *p = find_pane(t, host, s.name);
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

static void on_output(struct tui *t, unsigned host, const struct proto_frame *f)
{
	struct proto_reader r;
	char name[PROTO_MAX_NAME];
	size_t len;
	proto_reader_init(&r, f);
	proto_get_str(&r, name, sizeof name);
	const uint8_t *bytes = proto_get_bytes(&r, &len);
	struct tui_pane *p = find_pane(t, host, name);
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
	if (typed_here && console_is_echo(len, uv_now(t->loop) - t->typed_ms))
		t->echo = true;
	tui_mark(t, TUI_REDRAW);
}

static void on_reply(struct tui *t, const struct tui_host *h, const struct proto_frame *f)
{
	uint32_t id;
	int code;
	char *text;
	if (conn_parse_reply(f, &id, &code, &text) < 0)
		return;
	if (text[0])
		tui_set_msg(t, code != PROTO_OK, "%s%s%s", h->name, h->name[0] ? ": " : "", text);
	free(text);
	tui_mark(t, TUI_REDRAW);
}

/* Move the panes to the new status order (every host's, merged),
 * keeping each one's emulator; true when the set or order changed (the
 * grid must be redone). */
static bool adopt_panes(struct tui *t, const struct proto_status *st, const unsigned *host)
{
	/* the same instances in the same order (every second but a few):
	 * nothing to move */
	bool same = st->n == t->npane;
	for (uint32_t i = 0; same && i < st->n; i++)
		same = host[i] == t->pane[i].host && !strcmp(st->inst[i].name, t->pane[i].st.name);
	if (same)
		return false;
	bool changed = st->n != t->npane;
	char selname[PROTO_MAX_NAME] = "";
	unsigned selhost = 0;
	if (t->npane) {
		snprintf(selname, sizeof selname, "%s", tui_selected(t)->st.name);
		selhost = tui_selected(t)->host;
	}
	struct tui_pane *np = xcalloc(st->n ? st->n : 1, sizeof *np);
	int newsel = 0;
	for (uint32_t i = 0; i < st->n; i++) {
		struct tui_pane *old = find_pane(t, host[i], st->inst[i].name);
		if (old) {
			np[i] = *old;
			changed |= old != &t->pane[i];
			old->st.name[0] = 0; /* taken */
		} else {
			changed = true;
			console_init(&np[i].con, t->scrollback, &term_cbs, NULL);
			np[i].repaint = true;
			np[i].host = host[i];
			tui_full_name(np[i].name, sizeof np[i].name, t->host[host[i]].name,
				      st->inst[i].name);
		}
		if (host[i] == selhost && !strcmp(st->inst[i].name, selname))
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
	t->sel = t->multi && !t->moved ? 0 : newsel;
	return changed;
}

static void update_pane(struct tui *t, struct tui_pane *p, const struct proto_inst *in)
{
	if ((p->st.state == TUI_UNKNOWN) != (in->state == TUI_UNKNOWN))
		p->repaint = true; /* dimmed, or live again */
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

void tui_host_panes(struct tui *t, unsigned host, bool resub)
{
	for (size_t i = 0; i < t->npane; i++) {
		struct tui_pane *p = &t->pane[i];
		if (p->host != host)
			continue;
		p->sub = false; /* the server that had it is gone */
		p->asked_rows = p->asked_cols = 0;
		p->retitle = true;
	}
	t->resub |= resub;
}

unsigned tui_status_changed(struct tui *t)
{
	tui_hosts_merge(t);
	bool changed = adopt_panes(t, &t->last, t->last_host) || t->resub;
	t->resub = false;
	for (uint32_t i = 0; i < t->last.n; i++)
		update_pane(t, &t->pane[i], &t->last.inst[i]);
	if (t->mode == TUI_BROADCAST)
		end_broadcast_unmarked(t);
	t->hdr_dirty = true;
	if (t->view != TUI_V_PANES)
		t->over_dirty = true;
	return changed ? TUI_RELAYOUT : TUI_REDRAW;
}

static void on_status(struct tui *t, struct tui_host *h, const struct proto_frame *f)
{
	struct proto_status st;
	if (proto_get_status(f, &st) < 0)
		return;
	proto_status_free(&h->st);
	h->st = st;
	tui_host_served(t, h); /* (the first on this connection) */
	t->server_ms = st.time_ms;
	t->server_at = uv_now(t->loop);
	tui_mark(t, tui_status_changed(t));
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
static void on_event(struct tui *t, unsigned host, const struct proto_frame *f)
{
	struct proto_event e;
	if (proto_get_event(f, &e) < 0 || e.kind != PROTO_EV_ALERT)
		return;
	struct tui_pane *p = find_pane(t, host, e.name);
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

void tui_frame(struct tui *t, struct tui_host *h, const struct proto_frame *f)
{
	unsigned host = (unsigned)(h - t->host);
	if (t->quitting)
		return;
	switch (f->type) {
	case PROTO_STATUS: on_status(t, h, f); break;
	case PROTO_SNAPSHOT: on_snapshot(t, host, f); break;
	case PROTO_OUTPUT: on_output(t, host, f); break;
	case PROTO_REPLY: on_reply(t, h, f); break;
	case PROTO_EVENT: on_event(t, host, f); break;
	default: break;
	}
}

/* ---- terminal input and size ---- */

/* Broadcast: the same bytes to every marked console that runs, one INPUT
 * each, so every guest gets the keys in the order typed. */
static bool flush_broadcast(struct tui *t)
{
	bool sent = false;
	for (size_t i = 0; i < t->npane; i++) {
		struct tui_pane *p = &t->pane[i];
		struct conn *c = tui_live_conn(t, p->host);
		if (p->marked && tui_takes_keys(&p->st) && c) {
			conn_input(c, p->st.name, t->typed.data, t->typed.len);
			sent = true;
		}
	}
	return sent;
}

/* (The keys go as typed: one INPUT per batch the terminal gave at once,
 * to the host's connection, a remote one as a local one.) */
void tui_flush_typed(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	bool sent = false;
	if (t->typed.len && p && !t->quitting) {
		struct conn *c = tui_live_conn(t, p->host);
		if (t->mode == TUI_BROADCAST) {
			sent = flush_broadcast(t);
		} else if (c) {
			conn_input(c, p->st.name, t->typed.data, t->typed.len);
			sent = true;
		} else if (t->multi) { /* (alone, the server is back in a moment) */
			tui_set_msg(t, true, "%s is not connected: keys not sent",
				    t->host[p->host].name);
		}
	}
	if (sent)
		t->typed_ms = uv_now(t->loop);
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
	const char **host; /* -H, in order */
	size_t nhost;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "host", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:c:H:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'S': o->sock = optarg; break;
		case 'H':
			o->host = xreallocarray(o->host, o->nhost + 1, sizeof *o->host);
			o->host[o->nhost++] = optarg;
			break;
		case 'c':
			o->conf = xreallocarray(o->conf, o->nconf + 1, sizeof *o->conf);
			o->conf[o->nconf++] = optarg;
			break;
		case 'h':
			printf("usage: umltop [-S SOCKET] [-c DIR|FILE]...\n"
			       "       umltop -H HOST [-H HOST]... [-c DIR|FILE]...\n"
			       "The interactive view of every instance; starts the server when\n"
			       "none runs.  -H: the instances of several hosts (the hosts file,\n"
			       "or ssh destinations), named HOST/NAME.  Press ? inside for the\n"
			       "keys; see umltop(1).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "umltop: unexpected argument '%s' (umltop --help)\n", argv[optind]);
		return 2;
	}
	if (o->sock && o->nhost) {
		fprintf(stderr, "umltop: -S and -H together: give a host's socket in the hosts "
			"file (NAME - socket=PATH)\n");
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
	t->input.data = t->winch.data = t->paint.data = t->clock.data = t;
	int rc = uv_poll_start(&t->input, UV_READABLE, input_cb);
	if (rc == 0)
		rc = uv_signal_start(&t->winch, winch_cb, SIGWINCH);
	if (rc == 0)
		uv_timer_start(&t->clock, clock_cb, 0, 0);
	return rc;
}

static int run(struct tui *t, const struct opts *o)
{
	char err[512];
	if (t->multi &&
	    hosts_select(o->host, o->nhost, &t->hosts, err, sizeof err) < 0) {
		fprintf(stderr, "umltop: %s\n", err);
		return 1;
	}
	if (tui_hosts_open(t, o->sock, o->conf, o->nconf, err, sizeof err) < 0) {
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
		free(o.host);
		return rc;
	}
	struct tui t = { .sel = 0, .multi = o.nhost > 0 };
	struct buf warn = { 0 };
	setlocale(LC_ALL, "");
	uv_loop_t loop;
	uv_loop_init(&loop);
	t.loop = &loop;
	t.sock_arg = o.sock ? xstrdup(o.sock) : NULL;
	for (size_t i = 0; i < o.nhost; i++)
		buf_printf(&t.host_args, " -H %s", o.host[i]);
	load_config(&t, &o, &warn);
	if (warn.len)
		tui_set_msg(&t, true, "%s", warn.data);
	rc = run(&t, &o);
	if (rc == 0) {
		rc = t.exit_code;
		if (t.exit_msg)
			fputs(t.exit_msg, rc ? stderr : stdout);
	} else {
		t.quitting = true;
		tui_hosts_close(&t);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	uv_loop_close(&loop);
	tui_layout_free(&t.lay);
	proto_status_free(&t.last);
	free(t.last_host);
	tui_hosts_free(&t);
	free(t.halting);
	free(t.pane);
	free(t.exit_msg);
	free(t.sock_arg);
	buf_free(&t.typed);
	buf_free(&t.host_args);
	buf_free(&warn);
	free(o.conf);
	free(o.host);
	return rc;
}
