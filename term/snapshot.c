/* term/snapshot.c: a console's screen as a byte stream.  Fed to a fresh
 * term of the same size, the stream rebuilds the last K scrollback lines,
 * the primary screen, the alternate screen when it is up, the cursor and
 * its visibility, the pen, the title and the key modes (cursor keys,
 * keypad, bracketed paste) -- what a client attaching to a console needs.
 *
 * The stream paints with autowrap off and a cursor move before each run of
 * cells, so nothing depends on wrapping.  The one trap is libvterm's
 * combining logic: text that starts with a combining mark right where the
 * previous glyph ended is folded into that glyph.  A cell holding a lone
 * mark is therefore preceded by a space written in its own place.  (The
 * grid keeps only marks that take no columns, so a glyph written anew is
 * as wide as the one it copies.) */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "term/term-int.h"

struct enc {
	struct buf *out;
	const struct term *t;
	unsigned rows, cols;
	int row, col; /* where the replaying cursor is, -1 unknown */
	struct tcell pen; /* the replayer's pen (attrs, colours, protect bit) */
	bool pen_known;
	/* The last glyph libvterm saw, where a following mark would combine;
	 * lw < 0: its width is not known. */
	int lrow, lcol, lw;
};

static void emit(struct enc *e, const char *s, size_t n)
{
	buf_append(e->out, s, n);
}

static void emits(struct enc *e, const char *s)
{
	emit(e, s, strlen(s));
}

static void emit_utf8(struct enc *e, uint32_t cp)
{
	char s[4];
	emit(e, s, term_utf8(cp, s));
}

static void cup(struct enc *e, unsigned r, unsigned c)
{
	if (e->row == (int)r && e->col == (int)c)
		return;
	char s[32];
	int n = snprintf(s, sizeof s, "\033[%u;%uH", r + 1, c + 1);
	emit(e, s, (size_t)n);
	e->row = (int)r;
	e->col = (int)c;
}

/* SGR parameters for colour index idx (fg: base 30/90/38, bg: 40/100/48). */
static int color_sgr(const struct term *t, uint16_t idx, int base, char *s, size_t cap)
{
	struct term_cellview v;
	struct tcell c = { 0, idx, 0 };
	term_decode(t, c, &v);
	switch (v.fg.type) {
	case TERM_COLOR_INDEX:
		if (v.fg.index < 8)
			return snprintf(s, cap, ";%d", base + v.fg.index);
		if (v.fg.index < 16)
			return snprintf(s, cap, ";%d", base + 60 + v.fg.index - 8);
		return snprintf(s, cap, ";%d;5;%d", base + 8, v.fg.index);
	case TERM_COLOR_RGB:
		return snprintf(s, cap, ";%d;2;%d;%d;%d", base + 8, v.fg.r, v.fg.g, v.fg.b);
	default:
		return 0;
	}
}

/* Make the replayer's pen that of cell c: attributes, colours, DECSCA. */
static void set_pen(struct enc *e, struct tcell c, bool force)
{
	uint32_t attrs = c.ch & TC_ATTR_MASK, prot = c.bg & TC_BG_PROTECT;
	uint16_t fg = c.fg & (TC_COLOR_MASK | TC_FG_OVERLINE), bg = c.bg & TC_COLOR_MASK;
	uint32_t had = e->pen.ch & TC_ATTR_MASK;
	if (force || !e->pen_known || attrs != had || fg != e->pen.fg || bg != (e->pen.bg & TC_COLOR_MASK)) {
		/* by enum term_attr; a double underline is 21, a curly one 4:3 */
		static const struct { unsigned attr; const char *sgr; } map[] = {
			{ TERM_BOLD, ";1" }, { TERM_DIM, ";2" }, { TERM_ITALIC, ";3" },
			{ TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE, ";21" },
			{ TERM_UNDERLINE | TERM_UNDERLINE_CURLY, ";4:3" }, { TERM_UNDERLINE, ";4" },
			{ TERM_BLINK, ";5" }, { TERM_REVERSE, ";7" }, { TERM_CONCEAL, ";8" },
			{ TERM_STRIKE, ";9" }, { TERM_OVERLINE, ";53" },
		};
		unsigned want = tc_attrs((struct tcell){ attrs, fg, 0 }), ul = 0;
		/* Attributes and colours in two SGRs: in one, two RGB colours and
		 * every attribute make more than 16 parameters, and the 17th and
		 * later do not reach libvterm (see term_feed()). */
		char s[96] = "\033[0";
		size_t n = 3;
		for (size_t i = 0; i < ARRAY_LEN(map); i++) {
			bool under = map[i].attr & TERM_UNDERLINE;
			if ((want & map[i].attr) != map[i].attr || (under && ul++))
				continue;
			n += (size_t)snprintf(s + n, sizeof s - n, "%s", map[i].sgr);
		}
		s[n++] = 'm';
		char col[48];
		size_t k = (size_t)color_sgr(e->t, c.fg & TC_COLOR_MASK, 30, col, sizeof col);
		k += (size_t)color_sgr(e->t, bg, 40, col + k, sizeof col - k);
		if (k) /* col starts with ';' */
			n += (size_t)snprintf(s + n, sizeof s - n, "\033[%sm", col + 1);
		emit(e, s, n);
	}
	if (!e->pen_known || prot != (e->pen.bg & TC_BG_PROTECT))
		emits(e, prot ? "\033[1\"q" : "\033[0\"q");
	e->pen.ch = attrs;
	e->pen.fg = fg;
	e->pen.bg = (uint16_t)(bg | prot);
	e->pen_known = true;
}

/* ---- cells ---- */

static void emit_glyph(struct enc *e, struct tcell c, unsigned r, unsigned x)
{
	struct term_cellview v;
	term_decode(e->t, c, &v);
	unsigned w = tc_width(c);
	bool adjacent = e->lrow == (int)r && (e->lw < 0 || e->lcol + e->lw == (int)x);
	if (adjacent && (w == TC_W_ZERO || term_vt_char(e->t, v.chars[0]).combines)) {
		cup(e, r, x);
		emit(e, " ", 1);
		e->col = -1; /* a cursor move must follow, or the mark joins the space */
	}
	cup(e, r, x);
	set_pen(e, c, false);
	for (unsigned i = 0; i < TERM_MAX_CHARS && v.chars[i]; i++)
		emit_utf8(e, v.chars[i]);
	int adv = w == TC_W_WIDE ? 2 : w == TC_W_ZERO ? 0 : 1;
	e->lrow = (int)r;
	e->lcol = (int)x;
	e->lw = adv;
	/* With autowrap off, a glyph that reaches the margin leaves the cursor
	 * on it. */
	if (x + (unsigned)adv < e->cols)
		e->col = (int)x + adv;
}

static void emit_row(struct enc *e, const struct tcell *cells, unsigned len, unsigned r)
{
	unsigned n = MIN(len, e->cols);
	for (unsigned x = 0; x < n; x++) {
		struct tcell c = cells[x];
		unsigned w = tc_width(c);
		if (w == TC_W_HALF || tc_is_blank(c))
			continue; /* the half is written with its left; blanks are there */
		if (w == TC_W_WIDE && x + 1 >= n)
			continue; /* a scrollback line cut at the screen's width */
		if (tc_is_empty(c)) {
			unsigned run = 1;
			while (x + run < n && tc_is_empty(cells[x + run]) && cells[x + run].bg == c.bg)
				run++;
			cup(e, r, x);
			set_pen(e, c, false);
			char s[24];
			int k = snprintf(s, sizeof s, "\033[%uX", run);
			emit(e, s, (size_t)k);
			x += run - 1;
			continue;
		}
		emit_glyph(e, c, r, x);
	}
}

static void emit_grid(struct enc *e, enum term_grid g)
{
	for (unsigned r = 0; r < e->rows; r++) {
		unsigned len;
		const struct tcell *cells = term_raw_row(e->t, g, (int)r, &len);
		emit_row(e, cells, len, r);
	}
}

/* Scrollback lines, oldest first: each is painted on row 0 and scrolled
 * up into the replayer's scrollback. */
static void emit_scrollback(struct enc *e, unsigned k)
{
	const struct tcell blank = { TC_W_NARROW << TC_W_SHIFT, 0, 0 };
	for (int i = (int)k; i >= 1; i--) {
		unsigned len;
		const struct tcell *cells = term_raw_row(e->t, TERM_GRID_SCROLLBACK, -i, &len);
		emit_row(e, cells, len, 0);
		set_pen(e, blank, false); /* the line scrolled in must be blank */
		emits(e, "\033[S");
	}
}

/* The key modes the guest set, read back through libvterm's keyboard
 * encoder (which only reads them). */
static void emit_key_modes(struct enc *e)
{
	struct term *t = (struct term *)e->t; /* capture only; nothing visible changes */
	struct buf b = { 0 };
	VTerm *vt = term_capture_begin(t, &b);
	vterm_keyboard_key(vt, VTERM_KEY_UP, VTERM_MOD_NONE);
	bool app_cursor = b.len >= 2 && b.data[1] == 'O';
	b.len = 0;
	vterm_keyboard_key(vt, VTERM_KEY_KP_0, VTERM_MOD_NONE);
	bool app_keypad = b.len >= 2 && b.data[0] == '\033';
	b.len = 0;
	vterm_keyboard_start_paste(vt);
	bool bracketed = b.len > 0;
	b.len = 0;
	if (bracketed)
		vterm_keyboard_end_paste(vt);
	term_capture_end(t);
	buf_free(&b);
	if (app_cursor)
		emits(e, "\033[?1h");
	if (app_keypad)
		emits(e, "\033=");
	if (bracketed)
		emits(e, "\033[?2004h");
}

void term_snapshot(const struct term *t, unsigned scrollback, struct buf *out)
{
	/* A fresh libvterm combines at (0,0); another one, anywhere. */
	struct enc e = { .out = out, .t = t, .lrow = 0, .lcol = 0, .lw = -1 };
	term_size(t, &e.rows, &e.cols);
	/* Insert mode, origin mode and margins off, autowrap off, home. */
	emits(&e, "\033[0m\033[4l\033[?6l\033[r\033[?7l\033[H\033[2J");
	e.row = e.col = 0;
	emit_scrollback(&e, (unsigned)MIN((size_t)scrollback, term_scrollback_len(t)));
	emit_grid(&e, TERM_GRID_PRIMARY);
	const struct tcell blank = { TC_W_NARROW << TC_W_SHIFT, 0, 0 };
	if (term_altscreen(t)) {
		/* DECSC where the guest's ?1049 saved the primary cursor. */
		int r, c;
		term_alt_saved_cursor(t, &r, &c);
		cup(&e, (unsigned)r, (unsigned)c);
		set_pen(&e, blank, false);
		emits(&e, "\0337\033[?1047h");
		emit_grid(&e, TERM_GRID_ALT);
	}
	emits(&e, "\033[?7h");
	emit_key_modes(&e);
	if (*term_title(t)) {
		emits(&e, "\033]2;");
		emits(&e, term_title(t));
		emits(&e, "\a");
	}
	struct tcell pen = term_pen(t);
	set_pen(&e, pen, false);
	int r, c;
	bool visible;
	term_cursor(t, &r, &c, &visible);
	emits(&e, visible ? "\033[?25h" : "\033[?25l");
	e.row = -1;
	cup(&e, (unsigned)r, (unsigned)c);
}
