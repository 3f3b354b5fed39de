/* Painting the TUI: the header, each visible pane (title bar, then the
 * console's dirty rows through pane.h), the message line, and the views
 * drawn over the panes (help, table, halt-all progress).  Called only by
 * the paint timer: wnoutrefresh per window, one doupdate per frame. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui-int.h"

/* ---- colours, by meaning (htop's way) ---- */

enum color {
	C_TITLE, C_TITLE_SEL, C_TITLE_FOCUS, C_RUNNING, C_BUSY, C_BAD, C_STOPPED,
	C_HEADER, C_ERROR, C_HIT, C_MARKED, C_BROADCAST, C_ALERT, C_MAX,
};

static const struct {
	short fg, bg;
	attr_t attr, mono; /* with colours, and on a terminal without */
} palette[C_MAX] = {
	[C_TITLE] = { COLOR_BLACK, COLOR_WHITE, 0, A_REVERSE },
	[C_TITLE_SEL] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[C_TITLE_FOCUS] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
	[C_RUNNING] = { COLOR_BLACK, COLOR_GREEN, 0, A_BOLD },
	[C_BUSY] = { COLOR_BLACK, COLOR_YELLOW, 0, A_BOLD | A_UNDERLINE },
	[C_BAD] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_BLINK },
	[C_STOPPED] = { COLOR_WHITE, COLOR_BLACK, 0, A_DIM },
	[C_HEADER] = { -1, -1, A_BOLD, A_BOLD },
	[C_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[C_HIT] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	/* a marked pane's bar; in broadcast mode the bars typed into and the
	 * banner: loud */
	[C_MARKED] = { COLOR_BLACK, COLOR_MAGENTA, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
	[C_BROADCAST] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD | A_BLINK },
	/* an unseen alert: a pane's mark, its table row's, the header's count */
	[C_ALERT] = { COLOR_YELLOW, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
};

static void use_color(WINDOW *w, enum color c)
{
	if (!has_colors()) {
		wattr_set(w, palette[c].mono, 0, NULL);
		return;
	}
	int pair = alloc_pair(palette[c].fg, palette[c].bg);
	wattr_set(w, palette[c].attr, (short)(pair < 0 ? 0 : pair), NULL);
}

/* Colour n cells at (y, x) as they are. */
static void recolor(WINDOW *w, int y, int x, int n, enum color c)
{
	if (!has_colors()) {
		mvwchgat(w, y, x, n, palette[c].mono, 0, NULL);
		return;
	}
	int pair = alloc_pair(palette[c].fg, palette[c].bg);
	mvwchgat(w, y, x, n, palette[c].attr, (short)(pair < 0 ? 0 : pair), NULL);
}

static enum color state_color(const struct proto_inst *in)
{
	switch (in->state) {
	case PROTO_RUNNING: return C_RUNNING;
	case PROTO_STARTING:
	case PROTO_HALTING: return C_BUSY;
	case PROTO_CRASHED:
	case PROTO_FAILED:
	case PROTO_UNRESPONSIVE: return C_BAD;
	default: return C_STOPPED;
	}
}

/* Write s at (y, x) and no further than column end; the next column. */
static int put(WINDOW *w, int y, int x, int end, const char *s)
{
	int n = end - x;
	if (n <= 0)
		return x;
	int len = (int)strlen(s);
	mvwaddnstr(w, y, x, s, MIN(n, len));
	return x + MIN(n, len);
}

static void fill_row(WINDOW *w, int y, int x, int end)
{
	if (end > x)
		mvwhline(w, y, x, ' ', end - x);
}

/* ---- header and message line ---- */

static void draw_header(struct tui *t)
{
	WINDOW *w = t->hdr;
	unsigned count[PROTO_STATE_MAX + 1] = { 0 }, unknown = 0;
	char buf[512], right[128], clock[16] = "", hosts[384];
	for (size_t i = 0; i < t->npane; i++)
		if (t->pane[i].st.state <= PROTO_STATE_MAX)
			count[t->pane[i].st.state]++;
		else
			unknown++;
	/* alone, the server's host name; with -H each host's state (a
	 * reason cut so that the counts after it still show on 80 columns) */
	tui_hosts_text(t->host, t->nhost, MAX(12, COLS / 3), hosts, sizeof hosts);
	int n = snprintf(buf, sizeof buf, " umltop  %s ", t->multi ? hosts : t->last.host);
	for (unsigned s = 0; s <= PROTO_STATE_MAX && n < (int)sizeof buf; s++)
		if (count[s])
			n += snprintf(buf + n, sizeof buf - (size_t)n, " %u %s", count[s],
				      tui_state_name(s));
	if (unknown && n < (int)sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " %u unknown", unknown);
	if (!t->npane && n < (int)sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " no instances configured");
	n = MIN(n, (int)sizeof buf - 1);
	/* the unseen alerts, loud, before the server's warning */
	char alerts[64] = "", nalerts[32], k[16], warn[sizeof t->last.warning + 8] = "";
	tui_alert_count_text(t->pane, t->npane, nalerts, sizeof nalerts);
	if (nalerts[0])
		snprintf(alerts, sizeof alerts, " %s (%s jumps) ", nalerts,
			 tui_key_name(t->km.key[TUI_A_NEXT_ALERT], k, sizeof k));
	if (t->last.warning[0]) {
		char warning[sizeof t->last.warning];
		util_clean_text(t->last.warning, warning);
		snprintf(warn, sizeof warn, "  ! %s", warning);
	}
	if (t->server_ms) {
		time_t now = (time_t)((t->server_ms + (uv_now(t->loop) - t->server_at)) / 1000);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(clock, sizeof clock, "%H:%M", &tm);
	}
	int m = snprintf(right, sizeof right, "%s", t->zoom ? "zoom  " : "");
	if (t->lay.pages > 1)
		m += snprintf(right + m, sizeof right - (size_t)m, "page %d/%d  ", t->lay.page + 1,
			      t->lay.pages);
	snprintf(right + m, sizeof right - (size_t)m, "%s ", clock);
	char all[sizeof t->hdr_text];
	/* (a long warning last: cut, it still tells every other change) */
	if (snprintf(all, sizeof all, "%d|%s|%s|%s|%s", COLS, right, alerts, buf, warn) >=
	    (int)sizeof all)
		all[sizeof all - 1] = '\0';
	if (!strcmp(all, t->hdr_text))
		return; /* as shown: a status every second mostly changes nothing here */
	snprintf(t->hdr_text, sizeof t->hdr_text, "%s", all);
	use_color(w, C_HEADER);
	fill_row(w, 0, 0, COLS);
	int x = put(w, 0, 0, COLS, buf);
	if (alerts[0]) {
		use_color(w, C_ALERT);
		x = put(w, 0, x + 1, COLS, alerts);
		use_color(w, C_HEADER);
	}
	x = put(w, 0, x, COLS, warn);
	int rx = COLS - (int)strlen(right);
	if (rx > x + 1)
		put(w, 0, rx, COLS, right);
	wnoutrefresh(w);
}

/* Appends piece to out (n bytes so far) when it fits in width columns
 * (the pieces are ASCII), "  " between pieces. */
static void hint_add(char *out, size_t cap, size_t *n, int width, const char *piece)
{
	if (width <= 0)
		return;
	size_t sep = *n ? 2 : 0;
	if (*n + sep + strlen(piece) > (size_t)width || *n + sep + strlen(piece) >= cap)
		return;
	*n += (size_t)snprintf(out + *n, cap - *n, "%s%s", sep ? "  " : "", piece);
}

/* The key hints: the keys that help and leave first, then as many of the
 * others as fit whole on the terminal's width. */
void tui_hint_text(const struct tui *t, int width, char *out, size_t cap)
{
	char k[16], p[16], piece[96];
	static const enum tui_action shown[] = {
		TUI_A_HELP, TUI_A_DETACH, TUI_A_FOCUS, TUI_A_ZOOM, TUI_A_SYSRQ, TUI_A_CAD,
		TUI_A_HALT, TUI_A_HALT_ALL, TUI_A_TABLE, TUI_A_SEARCH, TUI_A_MARK, TUI_A_BROADCAST,
	};
	static const char *const what[] = {
		"help", "detach", "focus", "zoom", "sysrq", "cad", "halt", "halt all", "table",
		"search", "mark", "broadcast",
	};
	size_t n = 0;
	out[0] = 0;
	tui_key_name(t->km.prefix, p, sizeof p);
	if (t->mode == TUI_FOCUS) {
		/* the keys matter more than the sentence: it goes when they
		 * would not all fit beside it */
		char k2[16], keys[160];
		snprintf(keys, sizeof keys, "%s %s: overview  %s ?: help  %s %s: send %s", p,
			 tui_key_name(t->km.key[TUI_A_OVERVIEW], k, sizeof k), p, p,
			 tui_key_name(t->km.key[TUI_A_SEND_PREFIX], k2, sizeof k2), p);
		const char *name = tui_shown(&t->pane[t->sel]);
		int whole = snprintf(out, cap, "FOCUS %s: keys go to the guest.  %s", name, keys);
		if (whole > width)
			snprintf(out, cap, "FOCUS %s  %s", name, keys);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(shown); i++) {
		snprintf(piece, sizeof piece, "%s: %s",
			 tui_key_name(t->km.key[shown[i]], k, sizeof k), what[i]);
		hint_add(out, cap, &n, width, piece);
	}
}

/* The text prompts' lead, before what is typed. */
static const char *prompt_label(const struct tui *t)
{
	return t->prompt == TUI_P_TAG ? "mark every instance tagged: " : "/";
}

static void draw_msg(struct tui *t)
{
	WINDOW *w = t->msgw;
	char text[640], k[16];
	enum color c = C_HEADER;
	wattr_set(w, A_NORMAL, 0, NULL);
	if (t->prompt == TUI_P_SEARCH || t->prompt == TUI_P_TAG) {
		snprintf(text, sizeof text, "%s%s", prompt_label(t), t->input_buf);
	} else if (t->mode == TUI_BROADCAST) {
		tui_broadcast_text(t->pane, t->npane, tui_key_name(t->km.prefix, k, sizeof k), COLS,
				   text, sizeof text);
		c = C_BROADCAST;
	} else if (t->prompt != TUI_P_NONE) {
		snprintf(text, sizeof text, "%s", t->msg);
		c = t->msg_err ? C_ERROR : C_HEADER;
	} else if (t->prefix) {
		tui_key_name(t->km.prefix, k, sizeof k);
		snprintf(text, sizeof text, "%s: now a key (Esc: overview, a: send %s, ?: help)", k, k);
	} else if (t->msg[0]) {
		snprintf(text, sizeof text, "%s", t->msg);
		c = t->msg_err ? C_ERROR : C_HEADER;
	} else {
		tui_hint_text(t, COLS, text, sizeof text);
		c = C_STOPPED;
		wattr_set(w, A_NORMAL, 0, NULL);
	}
	werase(w);
	if (c != C_STOPPED)
		use_color(w, c);
	if (c == C_BROADCAST)
		fill_row(w, 0, 0, COLS); /* the whole line: nobody misses it */
	put(w, 0, 0, COLS, text);
	wnoutrefresh(w);
}

/* ---- panes ---- */

/* One column per byte: printable ASCII only */
static bool ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* A pane's title bar: name, state in its colour, the figures.  A status
 * comes every second and mostly changes nothing shown, or only the
 * figures' last characters (the first minute's uptime): then nothing is
 * drawn, or only from the first character that changed (`full`: the whole
 * bar, as after a new window).  False when nothing was drawn. */
bool tui_draw_title(struct tui *t, struct tui_pane *p, bool selected, bool full)
{
	WINDOW *w = p->win;
	int end = p->rect.cols;
	bool focused = selected && t->mode == TUI_FOCUS;
	bool typed = p->marked && t->mode == TUI_BROADCAST && tui_takes_keys(&p->st);
	enum color bar = focused  ? C_TITLE_FOCUS
			 : typed    ? C_BROADCAST
			 : p->marked ? C_MARKED
			 : selected ? C_TITLE_SEL
				    : C_TITLE;
	/* a mark at the right end, as the focus has */
	const char *tag = focused    ? " [focus]"
			  : typed    ? " [BROADCAST]"
			  : p->marked && t->mode == TUI_BROADCAST ? " [skipped]"
			  : p->marked ? " [marked]"
				     : "";
	int tag_len = (int)strlen(tag);
	char name[TUI_NAME_MAX + 8], state[64], rest[sizeof p->title_rest];
	char head[sizeof p->title_head], alert[sizeof p->alert + 32];
	snprintf(name, sizeof name, "%s%s ", selected ? ">" : " ", tui_shown(p));
	tui_state_text(&p->st, state, sizeof state);
	int room = end - (int)strlen(name) - (int)strlen(state) - tag_len;
	/* an unseen alert before the figures: they get what it leaves */
	room -= tui_alert_text(p->alerts, p->alert, room, alert, sizeof alert);
	tui_title_text(p, room, rest, sizeof rest);
	if (alert[0] && (int)strlen(rest) > room)
		rest[0] = '\0'; /* (its narrowest form would push the tag off) */
	snprintf(head, sizeof head, "%d %d %d %s%s|%s%s", end, selected, focused, tag, name, state,
		 alert);
	size_t k = 0;
	if (!full && !strcmp(head, p->title_head) && ascii(head) && ascii(rest)) {
		while (rest[k] && rest[k] == p->title_rest[k])
			k++;
		if (!rest[k] && !p->title_rest[k])
			return false; /* as shown */
	} else {
		full = true;
	}
	snprintf(p->title_head, sizeof p->title_head, "%s", head);
	snprintf(p->title_rest, sizeof p->title_rest, "%s", rest);
	int x;
	if (full) {
		use_color(w, bar);
		fill_row(w, 0, 0, end);
		x = put(w, 0, 0, end, name);
		use_color(w, state_color(&p->st));
		x = put(w, 0, x, end, state);
		if (alert[0]) {
			use_color(w, C_ALERT);
			x = put(w, 0, x, end, alert);
		}
		use_color(w, bar);
		x = put(w, 0, x, end, rest);
	} else {
		/* ASCII: one column per byte */
		x = MIN(end, (int)(strlen(name) + strlen(state) + strlen(alert) + k));
		use_color(w, bar);
		fill_row(w, 0, x, end);
		x = put(w, 0, x, end, rest + k);
	}
	if (tag_len)
		put(w, 0, MAX(x, end - tag_len), end, tag);
	return true;
}

static struct pane_view view_of(struct tui_pane *p)
{
	if (!p->shadow)
		p->shadow = pane_shadow_new();
	/* its host away: the last screen, dimmed (tui_status_changed
	 * repaints it whole as the state comes and goes) */
	return (struct pane_view){ .win = p->win, .y = 1, .x = 0, .h = p->rect.rows,
				   .w = p->rect.cols, .scroll = p->scroll, .shadow = p->shadow,
				   .dim = p->st.state == TUI_UNKNOWN };
}

static void draw_hit(struct tui_pane *p)
{
	int y = p->hit_row + p->scroll;
	if (!p->hit || y < 0 || y >= p->rect.rows || p->hit_col >= p->rect.cols)
		return;
	int n = MIN(p->hit_len, p->rect.cols - p->hit_col);
	pane_shadow_forget(p->shadow, y, p->hit_col, n);
	if (has_colors())
		mvwchgat(p->win, 1 + y, p->hit_col, n, A_BOLD,
			 (short)MAX(0, alloc_pair(COLOR_BLACK, COLOR_YELLOW)), NULL);
	else
		mvwchgat(p->win, 1 + y, p->hit_col, n, A_REVERSE | A_BOLD, 0, NULL);
}

/* The console's rows that changed, or all of it; true when drawn. */
static bool draw_console(struct tui_pane *p)
{
	struct pane_view v = view_of(p);
	int first, last;
	if (!p->con.term) {
		if (!p->repaint)
			return false;
		wattr_set(p->win, A_NORMAL, 0, NULL);
		for (int y = 1; y < p->rect.h; y++)
			fill_row(p->win, y, 0, p->rect.cols);
	} else if (p->repaint || p->scroll) {
		if (!p->repaint && !term_dirty(p->con.term, &first, &last))
			return false;
		pane_draw_all(&v, p->con.term);
	} else if (term_dirty(p->con.term, &first, &last)) {
		pane_draw(&v, p->con.term, first, last);
	} else {
		return false;
	}
	if (p->con.term)
		term_clean(p->con.term);
	p->unpainted = 0;
	draw_hit(p);
	return true;
}

static void draw_pane(struct tui *t, struct tui_pane *p, bool selected)
{
	bool drawn = false;
	if (p->retitle || p->repaint)
		drawn = tui_draw_title(t, p, selected, p->repaint);
	if (p->repaint && p->rect.w > p->rect.cols) {
		/* once per layout: redrawn, it would make curses look at every
		 * row of the pane at each title change (once a second) */
		wattr_set(p->win, A_NORMAL, 0, NULL);
		mvwvline(p->win, 0, p->rect.cols, ACS_VLINE, p->rect.h);
	}
	drawn |= draw_console(p);
	p->retitle = p->repaint = false;
	if (drawn)
		wnoutrefresh(p->win);
}

static bool place_cursor(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	int y, x;
	if (t->mode != TUI_FOCUS || t->prefix || t->prompt != TUI_P_NONE || !p || !p->win ||
	    !p->con.term || p->scroll)
		return false;
	struct pane_view v = view_of(p);
	if (!pane_cursor(&v, p->con.term, &y, &x))
		return false;
	wmove(p->win, y, x);
	wnoutrefresh(p->win); /* last: the terminal's cursor goes where it is */
	return true;
}

static void draw_panes(struct tui *t)
{
	if (t->hdr_dirty)
		draw_header(t);
	for (int k = 0; k < t->lay.count; k++) {
		struct tui_pane *p = &t->pane[t->lay.first + k];
		if (p->win)
			draw_pane(t, p, t->lay.first + k == t->sel);
	}
}

/* ---- views over the panes ---- */

static WINDOW *view_window(struct tui *t)
{
	if (!t->over)
		t->over = newwin(MAX(LINES - 1, 1), COLS, 0, 0);
	werase(t->over);
	return t->over;
}

/* The help lines, from the binding table and the keymap in force. */
static size_t help_lines(struct tui *t, char lines[][160], size_t max)
{
	size_t n = 0;
	char k[16], p[16], b1[16], b2[16];
	tui_key_name(t->km.prefix, p, sizeof p);
#define LINE(...) do { if (n < max) snprintf(lines[n++], 160, __VA_ARGS__); } while (0)
	LINE("umltop keys (any other key closes this; Up/Down/PgUp/PgDn scroll)");
	LINE("%s", "");
	LINE("Overview mode (no console focused):");
	for (size_t i = 0; i < tui_nbindings; i++)
		if (!tui_bindings[i].focus_only)
			LINE("  %-8s %-12s %s",
			     tui_key_name(t->km.key[tui_bindings[i].action], k, sizeof k),
			     tui_bindings[i].name, tui_bindings[i].desc);
	LINE("  %-8s %-12s %s", "click", "", "select the pane under the mouse");
	LINE("%s", "");
	LINE("Focus mode: every key goes to the guest except the prefix %s:", p);
	for (size_t i = 0; i < tui_nbindings; i++)
		if (tui_bindings[i].focus_only)
			LINE("  %s %-6s %-12s %s", p,
			     tui_key_name(t->km.key[tui_bindings[i].action], k, sizeof k),
			     tui_bindings[i].name, tui_bindings[i].desc);
	LINE("  %s %-6s %-12s %s", p, p, "", "back to the overview");
	LINE("  %s %-6s %-12s %s", p, "KEY", "", "any overview key above, e.g. z, s, h, ?");
	LINE("%s", "");
	LINE("Broadcast mode (%s, once %s or %s marked some): every key goes to every",
	     tui_key_name(t->km.key[TUI_A_BROADCAST], k, sizeof k),
	     tui_key_name(t->km.key[TUI_A_MARK], b1, sizeof b1),
	     tui_key_name(t->km.key[TUI_A_MARK_TAG], b2, sizeof b2));
	LINE("  marked console that runs, the same bytes in the same order; %s leaves.", p);
	LINE("%s", "");
	LINE("Table view: n s l m u c r sort by name, state, load, memory, uptime, cpu, rss");
	LINE("  (the same key again reverses); Up/Down move, Enter selects, Esc closes.");
	LINE("Halt view: Esc closes it; the halt goes on.");
	LINE("Title bar: name, state, load (1 min), guest memory used/total, host CPU %%,");
	LINE("  uptime; a narrow pane drops the labels, then the uptime and the CPU.");
	LINE("  An unseen alert: [ALERT: its text] in red after the state, \"N alerts\" on");
	LINE("  the top line, until the console is focused, zoomed or jumped to with %s.",
	     tui_key_name(t->km.key[TUI_A_NEXT_ALERT], k, sizeof k));
	if (t->multi) {
		LINE("Several hosts (-H): names are HOST/NAME; the top line shows each host's");
		LINE("  state; a host away shows its instances unknown until it is back.");
		LINE("  %s and %s ask which hosts: a digit toggles one, Enter halts.",
		     tui_key_name(t->km.key[TUI_A_HALT_ALL], k, sizeof k),
		     tui_key_name(t->km.key[TUI_A_QUIT_ALL], b1, sizeof b1));
	}
	LINE("Rebind in umltop.conf: BIND_<NAME>=\"KEY\" (NAME from the middle column, e.g.");
	LINE("  BIND_ZOOM=\"Z\") and PREFIX=\"C-b\"; see umltop(1).");
#undef LINE
	return n;
}

static void draw_help(struct tui *t)
{
	static char lines[80][160];
	WINDOW *w = view_window(t);
	size_t n = help_lines(t, lines, ARRAY_LEN(lines));
	int rows = getmaxy(w);
	t->help_top = MIN(t->help_top, MAX(0, (int)n - rows));
	for (int y = 0; y < rows && (size_t)(t->help_top + y) < n; y++) {
		wattr_set(w, y == 0 ? A_BOLD : A_NORMAL, 0, NULL);
		put(w, y, 0, COLS, lines[t->help_top + y]);
	}
}

static void table_state(const struct proto_inst *in, char *out, size_t cap)
{
	if (in->state == PROTO_HALTING)
		snprintf(out, cap, "halting:%s", proto_phase_name(in->phase));
	else
		snprintf(out, cap, "%s", tui_state_name(in->state));
}

/* The table's NAME column as wide as its longest entry (up to 16, or what
 * the terminal has room for), STATE 14 wide where there is room and as
 * wide as its longest entry otherwise: all eight columns fit on 80 with
 * names of up to 10.  A name cut to its column ends in '~'.  NET (the
 * interfaces) after the figures, where the line has room, as wide as its
 * longest entry and cut as a name is; it leaves a reason half of what
 * is left, and is not there when no instance has an interface (net 0). */
struct table_widths {
	int name, state, net;
};

static void table_row(WINDOW *w, int y, const struct proto_inst *in, const char *shown,
		      const struct table_widths *tw)
{
	char up[16] = "-", load[16], mem[48], cpu[16] = "-", rss[24] = "-", pid[16] = "-",
		line[1024], state[48], net[sizeof in->net + 1];
	tui_fmt_load(load, sizeof load, in);
	proto_fmt_mem(mem, sizeof mem, in);
	if (in->pid) {
		proto_fmt_duration(up, sizeof up, in->up_s);
		snprintf(cpu, sizeof cpu, "%u.%u", in->cpu_x10 / 10, in->cpu_x10 % 10);
		snprintf(rss, sizeof rss, "%lluM", (unsigned long long)in->rss_kb / 1024);
		snprintf(pid, sizeof pid, "%u", in->pid);
	}
	table_state(in, state, sizeof state);
	char name[TUI_NAME_MAX];
	snprintf(name, sizeof name, "%s", shown);
	if ((int)strlen(name) > tw->name && tw->name > 1) {
		name[tw->name - 1] = '~';
		name[tw->name] = 0;
	}
	/* why it is not running, where the line has room (as ctl status
	 * prints it); it may quote the guest: no control characters */
	char reason[sizeof in->reason];
	util_clean_text(in->reason, reason);
	if (!proto_reason_shown(in))
		reason[0] = '\0';
	int n = snprintf(line, sizeof line, "%-*s %-*s %7s %9s %6s %12s %6s %8s", tw->name, name,
			 tw->state, state, pid, up, load, mem, cpu, rss);
	if (tw->net) {
		/* the names come from the server: cleaned, padded by columns */
		int cols = tui_fmt_net(net, sizeof net, in->net, tw->net);
		n += snprintf(line + n, sizeof line - (size_t)n, "  %s%*s", net,
			      MAX(0, tw->net - cols), "");
	}
	snprintf(line + n, sizeof line - (size_t)n, "  %s", reason);
	put(w, y, 1, COLS, line);
}

/* NET's width: its longest entry, or what the line leaves it. */
static int table_net_width(const struct proto_status *st, const struct table_widths *tw)
{
	char net[sizeof st->inst->net + 1], reason[sizeof st->inst->reason];
	int longest = 0, why = 0;
	for (uint32_t i = 0; i < st->n; i++) {
		if (st->inst[i].net[0])
			longest = MAX(longest, tui_fmt_net(net, sizeof net, st->inst[i].net, 0));
		util_clean_text(st->inst[i].reason, reason);
		if (proto_reason_shown(&st->inst[i]))
			why = MAX(why, (int)strlen(reason));
	}
	if (!longest)
		return 0;
	/* the left margin, the columns before NET and the spaces take 58 */
	int room = COLS - 58 - tw->name - tw->state;
	if (why)
		room -= 2 + MIN(why, room / 2);
	return MIN(MAX(longest, 3), MAX(3, room));
}

/* The name shown for row i of the merged status: its pane's (the panes
 * are in the status's order), HOST/NAME with -H. */
static const char *shown_name(const struct tui *t, size_t i)
{
	return i < t->npane ? tui_shown(&t->pane[i]) : t->last.inst[i].name;
}

/* Whether the instance of a table row has unseen alerts (the table is
 * drawn from the status, the panes keep the alerts). */
static bool table_alerts(const struct tui *t, size_t i)
{
	return i < t->npane && t->pane[i].alerts > 0;
}

static void draw_table(struct tui *t)
{
	WINDOW *w = view_window(t);
	size_t n = t->last.n, *idx = xcalloc(n + 1, sizeof *idx);
	static const char *const cols[] = { "NAME", "STATE", "LOAD1", "MEM", "UPTIME", "CPU%", "RSS" };
	char head[1024], foot[256];
	tui_table_sort(t->last.inst, t->multi ? t->last_host : NULL, n, t->sort, t->sort_rev, idx);
	if (t->table_row < 0)
		for (size_t i = 0; i < n; i++)
			if ((int)idx[i] == t->sel)
				t->table_row = (int)i;
	t->table_row = MAX(0, MIN(t->table_row, (int)n - 1));
	struct table_widths tw = { 4, 5, 0 };
	int longest = 4;
	bool net = false;
	for (size_t i = 0; i < n; i++) {
		char state[48];
		table_state(&t->last.inst[i], state, sizeof state);
		longest = MAX(longest, (int)strlen(shown_name(t, i)));
		tw.state = MAX(tw.state, MIN(14, (int)strlen(state)));
		net = net || t->last.inst[i].net[0];
	}
	/* the six figure columns and the spaces take 55, the left margin 1 */
	tw.name = MIN(longest, MAX(16, COLS - 56 - tw.state));
	tw.name = MIN(tw.name, TUI_NAME_MAX - 1);
	/* room for any state (the columns stay put as states change), and
	 * for an interface or so after the figures */
	if (COLS - 56 - tw.name >= 14 + (net ? 18 : 0))
		tw.state = 14;
	tw.net = table_net_width(&t->last, &tw);
	int len = snprintf(head, sizeof head, "%-*s %-*s %7s %9s %6s %12s %6s %8s", tw.name,
			   "NAME", tw.state, "STATE", "PID", "UPTIME", "LOAD1", "MEM", "CPU%", "RSS");
	if (tw.net) /* (at most 255 wide: there is room) */
		len += snprintf(head + len, sizeof head - (size_t)len, "  %-*s", tw.net, "NET");
	snprintf(head + len, sizeof head - (size_t)len, "  %s", "REASON");
	wattr_set(w, A_BOLD | A_UNDERLINE, 0, NULL);
	put(w, 0, 1, COLS, head);
	int rows = getmaxy(w) - 3, top = MAX(0, t->table_row - rows + 1);
	for (int y = 0; y < rows && (size_t)(top + y) < n; y++) {
		bool sel = top + y == t->table_row;
		wattr_set(w, sel ? A_REVERSE : A_NORMAL, 0, NULL);
		if (sel)
			fill_row(w, 1 + y, 0, COLS);
		table_row(w, 1 + y, &t->last.inst[idx[top + y]], shown_name(t, idx[top + y]), &tw);
		if (table_alerts(t, idx[top + y]))
			recolor(w, 1 + y, 1, tw.name, C_ALERT); /* the name, its text kept */
	}
	len = snprintf(foot, sizeof foot, "sorted by %s%s.  Sort: n name  s state  l load  "
		       "m memory  u uptime  c cpu  r rss (again: reverse)  Enter: select  "
		       "Esc: close", cols[t->sort], t->sort_rev ? " (reversed)" : "");
	if (len > COLS - 1) /* the keys are the column names' first letters */
		snprintf(foot, sizeof foot, "sorted by %s%s  n s l m u c r: sort (twice: reverse)  "
			 "Esc: close", cols[t->sort], t->sort_rev ? ", reversed" : "");
	wattr_set(w, A_NORMAL, 0, NULL);
	put(w, getmaxy(w) - 1, 1, COLS, foot);
	free(idx);
}

/* One instance's line in the halt view; the next row. */
static int halt_line(struct tui *t, WINDOW *w, int y, const struct tui_ref *r)
{
	char text[256], line[TUI_NAME_MAX + 8];
	for (uint32_t j = 0; j < t->last.n; j++) {
		const struct proto_inst *in = &t->last.inst[j];
		if ((t->last_host ? t->last_host[j] : 0) != r->host || strcmp(in->name, r->name))
			continue;
		tui_halt_phase_text(in, text, sizeof text);
		snprintf(line, sizeof line, "%-*s ", t->multi ? 24 : 16, shown_name(t, j));
		wattr_set(w, A_NORMAL, 0, NULL);
		int x = put(w, y, t->multi ? 3 : 1, COLS, line);
		use_color(w, in->pid || in->state == TUI_UNKNOWN ? state_color(in)
			     : in->end == PROTO_END_CLEAN	      ? C_RUNNING
								      : C_BUSY);
		put(w, y, x, COLS, text);
		return y + 1;
	}
	return y;
}

/* With -H, each host the halt went to: its state and its summary, then
 * its instances. */
static int halt_host(struct tui *t, WINDOW *w, int y, int rows, unsigned host)
{
	struct tui_halt_sum sum;
	char text[256], hosts[384], line[768];
	const struct tui_host *h = &t->host[host];
	tui_halt_summary(&t->last, t->last_host, t->halting, t->nhalting, (int)host, &sum);
	tui_halt_summary_text(&sum, text, sizeof text);
	tui_hosts_text(h, 1, 40, hosts, sizeof hosts);
	snprintf(line, sizeof line, "%s: %s", hosts, text);
	wattr_set(w, A_BOLD, 0, NULL);
	put(w, y++, 1, COLS, line);
	for (size_t i = 0; i < t->nhalting && y < rows - 2; i++)
		if (t->halting[i].host == host)
			y = halt_line(t, w, y, &t->halting[i]);
	return y;
}

static void draw_halt(struct tui *t)
{
	WINDOW *w = view_window(t);
	struct tui_halt_sum sum;
	char text[256], line[512];
	tui_halt_summary(&t->last, t->last_host, t->halting, t->nhalting, -1, &sum);
	wattr_set(w, A_BOLD, 0, NULL);
	put(w, 0, 1, COLS, t->shutdown ? (t->multi ? "Halting every instance; the servers stop after"
						    : "Halting every instance; the server stops after")
					 : "Halting every instance (cad, HALT_TIMEOUT, sync, halt, kill)");
	int rows = getmaxy(w), y = 2;
	if (t->multi) {
		for (size_t k = 0; k < t->nhost && y < rows - 2; k++)
			if (t->host[k].pick)
				y = halt_host(t, w, y, rows, (unsigned)k);
	} else {
		for (size_t i = 0; i < t->nhalting && y < rows - 2; i++)
			y = halt_line(t, w, y, &t->halting[i]);
	}
	tui_halt_summary_text(&sum, text, sizeof text);
	snprintf(line, sizeof line, "%s%s%s", sum.pending ? "" : "Done: ", text,
		 sum.pending ? "" : ".  Esc: back to the panes");
	wattr_set(w, A_BOLD, 0, NULL);
	put(w, MIN(y + 1, rows - 1), 1, COLS, line);
}

static void draw_too_small(struct tui *t)
{
	WINDOW *w = view_window(t);
	put(w, 0, 0, COLS, "terminal too small for a pane");
}

/* ---- one frame ---- */

void tui_draw_frame(struct tui *t)
{
	if (!t->hdr || !t->msgw)
		return;
	if (t->all_dirty) {
		t->hdr_dirty = t->msg_dirty = t->over_dirty = true;
		t->hdr_text[0] = '\0';
		for (int k = 0; k < t->lay.count; k++)
			t->pane[t->lay.first + k].repaint = true;
		t->all_dirty = false;
	}
	wnoutrefresh(t->kbd);
	if (t->view != TUI_V_PANES || t->too_small) {
		if (t->over_dirty) {
			if (t->too_small)
				draw_too_small(t);
			else if (t->view == TUI_V_HELP)
				draw_help(t);
			else if (t->view == TUI_V_TABLE)
				draw_table(t);
			else
				draw_halt(t);
			wnoutrefresh(t->over);
		}
	} else {
		unsigned epoch = pane_colors_epoch();
		draw_panes(t);
		if (pane_colors_epoch() != epoch) {
			/* the colour pairs were all given out again: cells
			 * drawn with the old ones show wrong colours */
			for (int k = 0; k < t->lay.count; k++)
				t->pane[t->lay.first + k].repaint = true;
			draw_panes(t);
		}
	}
	if (t->msg_dirty)
		draw_msg(t);
	t->hdr_dirty = t->msg_dirty = t->over_dirty = false;
	bool cursor = t->view == TUI_V_PANES && !t->too_small && place_cursor(t);
	if (t->prompt == TUI_P_SEARCH || t->prompt == TUI_P_TAG) {
		wmove(t->msgw, 0,
		      MIN(COLS - 1, (int)strlen(prompt_label(t)) + (int)t->input_len));
		wnoutrefresh(t->msgw);
		cursor = true;
	}
	if (cursor != t->cursor_on) {
		curs_set(cursor ? 1 : 0);
		t->cursor_on = cursor;
	}
	doupdate();
}
