/* term/term.c: the console emulator.  libvterm's state layer (VTermState)
 * parses the guest's bytes and its callbacks record into umltop's own cell
 * grid and scrollback; this file also answers the guest's queries (or not,
 * by mode) and serves rows to readers.  It never draws anything.
 *
 *   term_feed(bytes) --> VTermState --callbacks--> active grid (primary|alt)
 *                          |                          | rows scrolled off the
 *                          | query replies            | top of the primary
 *                          v                          v
 *                cb.output (TERM_ANSWER)          scrollback ring
 *
 * Callbacks only record: cells, the cursor, a dirty row span, the title.
 * Readers use term_cell()/term_row_text() (row >= 0 screen, row < 0
 * scrollback), term_dirty()/term_clean() and term_snapshot().
 *
 * Here: the callbacks, the public interface, and term_feed(), which
 * applies the input guard (guard.c) between the guest and libvterm.  The
 * cells' storage is grid.c's, the interned tables tables.c's. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term/guard.h"
#include "term/term-int.h"

/* ---- libvterm version differences, kept in this one place ----
 * 0.1.x hands the title to settermprop as one NUL-terminated string; 0.2
 * and later hand it over in fragments (VTermStringFragment) to be joined.
 * 0.3 added SGR 8 (conceal) to the pen and an sb_clear state callback for
 * CSI 3 J; 0.1.4 has neither (CSI 3 J is swallowed, SGR 8 ignored). */
/* And 0.1.4 (Debian 12's, what umltop is built and tested with) has
 * more that term/ makes up for (see "what 0.1.4 does not do" below):
 * DECRC does not restore the character sets DECSC saved; DECCOLM does
 * nothing, where xterm clears, homes and resets the margins; DECALN
 * writes its E's with the pen, and neither homes nor resets the
 * margins; SGR knows neither dim (2, 22), conceal (8, 28) nor overline
 * (53, 55), and reads 38:2::R:G:B (the colour space left empty) as
 * rgb(255, R, G); and it has no REP (term/guard.c). */
#if VTERM_VERSION_MAJOR > 0 || VTERM_VERSION_MINOR >= 2
#define VT_STRING_FRAGMENTS 1
#endif
#if VTERM_VERSION_MAJOR > 0 || VTERM_VERSION_MINOR >= 3
#define VT_CONCEAL_AND_SB_CLEAR 1
#endif

/* ---- small helpers ---- */

size_t term_utf8(uint32_t cp, char *s)
{
	if (cp < 0x80) {
		s[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	s[0] = (char)(0xf0 | cp >> 18);
	s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	s[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- libvterm state callbacks: they only record ---- */

/* Everything but a narrow glyph of one codepoint written over a narrow
 * cell: marks, wide glyphs, halves of wide glyphs, odd codepoints. */
static __attribute__((noinline)) void putglyph_slow(struct term *t, const VTermGlyphInfo *info,
						    VTermPos pos)
{
	struct grid *g = t->active;
	/* libvterm takes C1 controls sent as UTF-8 for glyphs of width -1 (and
	 * may then place glyphs left of column 0): they occupy no cell, and
	 * neither do marks that libvterm attached to them. */
	if ((unsigned)pos.row >= g->rows || (unsigned)pos.col >= g->cols || info->width < 0 ||
	    (info->chars[0] >= 0x80 && info->chars[0] < 0xa0))
		return;
	unsigned col = (unsigned)pos.col;
	struct tcell *row = grid_row(g, (unsigned)pos.row);
	uint32_t ch = info->chars[0];
	int width = info->width;
	t->last_glyph[0] = ch;
	t->last_glyph[1] = 0;
	t->glyph_pos = pos;
	t->glyph_w = MAX(info->width, 1);
	if (info->chars[1] || ch > 0x10ffff) {
		for (unsigned i = 1; i < TERM_MAX_CHARS; i++)
			if (!(t->last_glyph[i] = t->last_glyph[i - 1] ? info->chars[i] : 0))
				break;
		ch = term_glyph_chars(t, info->chars, &width);
	} else if (!width) {
		/* A lone mark first thing after a reset comes through libvterm's
		 * combining path with width 0 whatever its own width. */
		width = term_vt_char(t, ch).width;
	}
	unsigned w = width <= 0 ? TC_W_ZERO : width == 1 ? TC_W_NARROW : TC_W_WIDE;
	if (w == TC_W_WIDE && col + 1 >= g->cols)
		return; /* a wide glyph in a one-column screen: no room for it */
	unsigned end = col + (w == TC_W_WIDE ? 2 : 1);
	struct tcell c = { ch | w << TC_W_SHIFT | t->pen.ch, t->pen.fg, t->pen.bg };
	if (info->protected_cell)
		c.bg |= TC_BG_PROTECT;
	row[col] = c;
	if (w == TC_W_WIDE) {
		c.ch = TC_W_HALF << TC_W_SHIFT | (c.ch & TC_ATTR_MASK);
		row[col + 1] = c;
	}
	/* Overwriting part of a wide glyph leaves half of it behind. */
	fix_boundary(row, g->cols, col);
	fix_boundary(row, g->cols, end);
	ext_raise(grid_ext(g, (unsigned)pos.row), end);
	mark_dirty(t, pos.row, pos.row);
}

/* Take row `row` of the active grid as the row at hand; false when it is
 * off the grid. */
static bool take_row(struct term *t, int row)
{
	const struct grid *g = t->active;
	if ((unsigned)row >= g->rows)
		return false;
	t->crow = row;
	t->crow_cells = grid_row(g, (unsigned)row);
	t->crow_ext = grid_ext(g, (unsigned)row);
	t->crow_cols = g->cols;
	return true;
}

/* The hot path of the emulator: one call per glyph the guest prints.
 * Glyphs come row by row: the row at hand (crow) was checked against the
 * grid when taken, so a glyph on it needs nothing of the grid itself. */
static int cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct term *t = user;
	uint32_t ch = info->chars[0];
	if (info->width != 1 || info->chars[1] || ch - 0x80 < 0x20 || ch > 0x10ffff ||
	    (pos.row != t->crow && !take_row(t, pos.row)) || (unsigned)pos.col >= t->crow_cols) {
		putglyph_slow(t, info, pos);
		return 1;
	}
	struct tcell *cell = t->crow_cells + pos.col;
	/* Width codes 2 and 3: the old cell is part of a wide glyph. */
	if (cell->ch & (2u << TC_W_SHIFT)) {
		putglyph_slow(t, info, pos);
		return 1;
	}
	struct tcell c = t->pen;
	c.ch |= ch | TC_W_NARROW << TC_W_SHIFT;
	c.bg |= info->protected_cell ? TC_BG_PROTECT : 0;
	*cell = c;
	if ((unsigned)pos.col >= *t->crow_ext)
		*t->crow_ext = (uint16_t)(pos.col + 1);
	t->last_glyph[0] = ch;
	t->last_glyph[1] = 0;
	t->glyph_pos = pos;
	t->glyph_w = 1;
	if (pos.row < t->dirty_first || pos.row > t->dirty_last)
		mark_dirty(t, pos.row, pos.row);
	return 1;
}

static int cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	struct term *t = user;
	(void)oldpos;
	(void)visible; /* settermprop(CURSORVISIBLE) tracks visibility */
	t->cursor = pos;
	if (pos.row != t->glyph_pos.row || pos.col != t->glyph_pos.col)
		t->glyph_w = 0; /* moved on: a mark no longer joins that glyph */
	return 1;
}

struct clip {
	unsigned sr, er, sc, ec;
};

static bool clip_rect(const struct grid *g, VTermRect r, struct clip *c)
{
	c->sr = (unsigned)MAX(r.start_row, 0);
	c->sc = (unsigned)MAX(r.start_col, 0);
	c->er = (unsigned)MAX(MIN(r.end_row, (int)g->rows), 0);
	c->ec = (unsigned)MAX(MIN(r.end_col, (int)g->cols), 0);
	return c->sr < c->er && c->sc < c->ec;
}

static int cb_erase(VTermRect rect, int selective, void *user)
{
	struct term *t = user;
	struct grid *g = t->active;
	struct clip c;
	if (!clip_rect(g, rect, &c))
		return 1;
	struct tcell blank = blank_of(t->pen.bg);
	for (unsigned r = c.sr; r < c.er; r++) {
		struct tcell *row = grid_row(g, r);
		for (unsigned x = c.sc; x < c.ec; x++)
			if (!selective || !(row[x].bg & TC_BG_PROTECT))
				row[x] = blank;
		fix_boundary(row, g->cols, c.sc);
		fix_boundary(row, g->cols, c.ec);
		if (!tc_is_blank(blank))
			ext_raise(grid_ext(g, r), c.ec);
	}
	mark_dirty(t, (int)c.sr, (int)c.er - 1);
	return 1;
}

/* Full-width scroll of rows [s, e) by n (n > 0: content moves up).  Lines
 * leaving the top of the primary screen go to the scrollback, whatever the
 * bottom of the region (as libvterm's screen layer does). */
static void scroll_rows(struct term *t, unsigned s, unsigned e, int n)
{
	struct grid *g = t->active;
	unsigned h = e - s, k = (unsigned)(n < 0 ? -n : n);
	if (k > h)
		k = h;
	if (n > 0 && s == 0 && !t->alt)
		for (unsigned r = 0; r < k; r++)
			term_sb_push(t, grid_row(g, r), *grid_ext(g, r));
	if (k < h) {
		term_grid_rotate(g, s, e, n);
		t->crow = -1;
	}
	struct tcell blank = blank_of(t->pen.bg);
	bool zero = tc_is_blank(blank);
	unsigned from = n > 0 ? e - k : s;
	for (unsigned r = from; r < from + k; r++) {
		uint16_t *ext = grid_ext(g, r);
		fill(grid_row(g, r), zero ? *ext : g->cols, blank);
		*ext = zero ? 0 : (uint16_t)g->cols;
	}
	mark_dirty(t, (int)s, (int)e - 1);
}

/* Where cells on one side of x moved and those on the other did not, a
 * wide glyph across x is broken even when the halves now there look like
 * a pair (each is half of a different glyph): both go. */
static void break_at(struct tcell *row, unsigned cols, unsigned x)
{
	if (x == 0 || x >= cols) {
		fix_boundary(row, cols, x);
		return;
	}
	if (tc_width(row[x - 1]) == TC_W_WIDE)
		row[x - 1] = blank_of(row[x - 1].bg);
	if (tc_width(row[x]) == TC_W_HALF)
		row[x] = blank_of(row[x].bg);
}

/* Any other scroll: cells move inside the rectangle (ICH, DCH, margins). */
static void scroll_cells(struct term *t, const struct clip *c, int down, int right)
{
	struct grid *g = t->active;
	unsigned h = c->er - c->sr, w = c->ec - c->sc;
	struct tcell blank = blank_of(t->pen.bg);
	for (unsigned k = 0; k < h; k++) {
		unsigned r = down >= 0 ? c->sr + k : c->er - 1 - k;
		long src = (long)r + down;
		struct tcell *dst = grid_row(g, r);
		unsigned aright = (unsigned)(right < 0 ? -right : right);
		if (src < (long)c->sr || src >= (long)c->er || aright >= w) {
			fill(dst + c->sc, w, blank);
		} else {
			struct tcell *from = grid_row(g, (unsigned)src);
			unsigned keep = w - aright;
			if (right >= 0) {
				memmove(dst + c->sc, from + c->sc + aright, keep * sizeof *dst);
				fill(dst + c->sc + keep, aright, blank);
			} else {
				memmove(dst + c->sc + aright, from + c->sc, keep * sizeof *dst);
				fill(dst + c->sc, aright, blank);
			}
		}
	}
	/* Wide glyphs can be split at the rectangle's edges and where the moved
	 * cells meet the blanked ones. */
	unsigned a = (unsigned)MIN(right < 0 ? -right : right, (int)w);
	unsigned seam = right < 0 ? c->sc + a : c->ec - a;
	for (unsigned r = c->sr; r < c->er; r++) {
		struct tcell *row = grid_row(g, r);
		break_at(row, g->cols, c->sc);
		break_at(row, g->cols, c->ec);
		fix_boundary(row, g->cols, seam);
		ext_raise(grid_ext(g, r), c->ec); /* a bound is enough here */
	}
	mark_dirty(t, (int)c->sr, (int)c->er - 1);
}

static int cb_scrollrect(VTermRect rect, int down, int right, void *user)
{
	struct term *t = user;
	struct clip c;
	if (!clip_rect(t->active, rect, &c) || (!down && !right))
		return 1;
	if (!right && c.sc == 0 && c.ec == t->active->cols)
		scroll_rows(t, c.sr, c.er, down);
	else
		scroll_cells(t, &c, down, right);
	return 1;
}

static int cb_moverect(VTermRect dest, VTermRect src, void *user)
{
	/* Only used by libvterm when scrollrect declines, which it never does. */
	(void)dest;
	(void)src;
	(void)user;
	return 1;
}

static int cb_initpen(void *user)
{
	struct term *t = user;
	t->pen = (struct tcell){ 0, 0, 0 };
	return 1;
}

/* attr: bits of the cell's attribute field (enum term_attr up to
 * TERM_DIM, and TC_UL2 >> TC_ATTR_SHIFT) */
static void pen_attr(struct term *t, unsigned attr, bool on)
{
	uint32_t bit = (uint32_t)attr << TC_ATTR_SHIFT;
	t->pen.ch = on ? t->pen.ch | bit : t->pen.ch & ~bit;
}

/* libvterm's underline: 0 none, 1 single, 2 double, 3 curly. */
static void pen_underline(struct term *t, int kind)
{
	t->pen.ch &= ~((uint32_t)TERM_UNDERLINE << TC_ATTR_SHIFT | TC_UL2);
	if (kind == 1 || kind == 3)
		t->pen.ch |= (uint32_t)TERM_UNDERLINE << TC_ATTR_SHIFT;
	if (kind == 2 || kind == 3)
		t->pen.ch |= TC_UL2;
}

static void pen_color(uint16_t *c, uint16_t idx)
{
	*c = (uint16_t)((*c & ~TC_COLOR_MASK) | idx);
}

static int cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct term *t = user;
	switch (attr) {
	case VTERM_ATTR_BOLD: pen_attr(t, TERM_BOLD, val->boolean); break;
	case VTERM_ATTR_UNDERLINE: pen_underline(t, val->number); break;
	case VTERM_ATTR_ITALIC: pen_attr(t, TERM_ITALIC, val->boolean); break;
	case VTERM_ATTR_BLINK: pen_attr(t, TERM_BLINK, val->boolean); break;
	case VTERM_ATTR_REVERSE: pen_attr(t, TERM_REVERSE, val->boolean); break;
	case VTERM_ATTR_STRIKE: pen_attr(t, TERM_STRIKE, val->boolean); break;
#ifdef VT_CONCEAL_AND_SB_CLEAR
	case VTERM_ATTR_CONCEAL: pen_attr(t, TERM_CONCEAL, val->boolean); break;
#endif
	case VTERM_ATTR_FOREGROUND: pen_color(&t->pen.fg, term_color_index(t, &val->color)); break;
	case VTERM_ATTR_BACKGROUND: pen_color(&t->pen.bg, term_color_index(t, &val->color)); break;
	default: break;
	}
	return 1;
}

/* The title is guest data: only whole, valid UTF-8 characters that are
 * not controls (C0, DEL, C1) are kept, so that no reader can be made to
 * emit anything else.  Fragments are collected raw and checked at the end
 * (a character may straddle two fragments). */
static void title_add(struct term *t, const char *s, size_t n)
{
	n = MIN(n, sizeof t->title_new - 1 - t->title_newlen);
	memcpy(t->title_new + t->title_newlen, s, n);
	t->title_newlen += n;
}

/* Length of the valid UTF-8 character at s (n bytes left), 0 if invalid;
 * its codepoint in *cp. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
		   : s[0] >= 0xe0 && s[0] < 0xf0 ? 3 : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
	if (!len || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return 0;
	*cp = c;
	return len;
}

static void title_done(struct term *t)
{
	const unsigned char *in = (const unsigned char *)t->title_new;
	size_t n = 0;
	for (size_t i = 0; i < t->title_newlen;) {
		uint32_t cp;
		size_t len = utf8_char(in + i, t->title_newlen - i, &cp);
		if (!len) {
			i++;
			continue;
		}
		if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
			memcpy(t->title + n, in + i, len);
			n += len;
		}
		i += len;
	}
	t->title[n] = '\0';
	t->title_newlen = 0;
	if (t->cb.title)
		t->cb.title(t->arg, t->title);
}

static void vt_title(struct term *t, const VTermValue *val)
{
#ifdef VT_STRING_FRAGMENTS
	if (val->string.initial)
		t->title_newlen = 0;
	title_add(t, val->string.str, val->string.len);
	if (val->string.final)
		title_done(t);
#else
	t->title_newlen = 0;
	title_add(t, val->string, strlen(val->string));
	title_done(t);
#endif
}

static void set_alt(struct term *t, bool on)
{
	if (on == t->alt)
		return;
	if (on)
		t->alt_saved = t->cursor;
	t->alt = on;
	t->active = &t->grid[on];
	t->crow = -1;
	t->glyph_w = 0;
	mark_dirty(t, 0, (int)t->active->rows - 1);
}

static int cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct term *t = user;
	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE: t->cursor_visible = val->boolean; break;
	case VTERM_PROP_ALTSCREEN: set_alt(t, val->boolean); break;
	case VTERM_PROP_TITLE: vt_title(t, val); break;
	default: break;
	}
	return 1;
}

static int cb_bell(void *user)
{
	struct term *t = user;
	if (t->cb.bell)
		t->cb.bell(t->arg);
	return 1;
}

static int cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct term *t = user;
	int keep0 = t->alt ? t->alt_saved.row : t->cursor.row;
	int d0 = term_grid_resize(t, &t->grid[0], (unsigned)rows, (unsigned)cols, keep0, true, !t->alt);
	int d1 = term_grid_resize(t, &t->grid[1], (unsigned)rows, (unsigned)cols,
			     t->alt ? t->cursor.row : -1, false, false);
	t->crow = -1;
	if (t->alt) {
		delta->row += d1;
		t->alt_saved.row = MAX(0, MIN(t->alt_saved.row + d0, rows - 1));
		t->alt_saved.col = MIN(t->alt_saved.col, cols - 1);
	} else {
		delta->row += d0;
	}
	mark_dirty(t, 0, rows - 1);
	return 1;
}

#ifdef VT_CONCEAL_AND_SB_CLEAR
static int cb_sb_clear(void *user)
{
	struct term *t = user;
	term_sb_clear(&t->sb);
	return 1;
}
#endif

static const VTermStateCallbacks state_cbs = {
	.putglyph = cb_putglyph,
	.movecursor = cb_movecursor,
	.scrollrect = cb_scrollrect,
	.moverect = cb_moverect,
	.erase = cb_erase,
	.initpen = cb_initpen,
	.setpenattr = cb_setpenattr,
	.settermprop = cb_settermprop,
	.bell = cb_bell,
	.resize = cb_resize,
#ifdef VT_CONCEAL_AND_SB_CLEAR
	.sb_clear = cb_sb_clear,
#endif
};

/* libvterm has one output path for query replies and keyboard encodings:
 * while a key is being encoded (t->capture set) it is the key's bytes;
 * otherwise it is a reply, which only the answering term passes on. */
static void on_output(const char *s, size_t len, void *user)
{
	struct term *t = user;
	if (t->capture)
		buf_append(t->capture, s, len);
	else if (t->mode == TERM_ANSWER && t->cb.output)
		t->cb.output(t->arg, s, len);
}

/* ---- public interface ---- */

static unsigned clampu(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

struct term *term_new(unsigned rows, unsigned cols, unsigned scrollback_lines,
		      enum term_mode mode, const struct term_callbacks *cb, void *arg)
{
	struct term *t = xcalloc(1, sizeof *t);
	rows = clampu(rows, 1, MAX_ROWS);
	cols = clampu(cols, 1, MAX_COLS);
	t->mode = mode;
	if (cb)
		t->cb = *cb;
	t->arg = arg;
	term_grid_init(&t->grid[0], rows, cols);
	term_grid_init(&t->grid[1], rows, cols);
	t->active = &t->grid[0];
	t->sb.cap = MIN(scrollback_lines, MAX_SCROLLBACK);
	if (t->sb.cap)
		t->sb.line = xreallocarray(NULL, t->sb.cap, sizeof *t->sb.line);
	term_tables_init(t);
	t->cursor_visible = true;
	t->crow = -1;
	t->dirty_first = INT_MAX;
	t->dirty_last = -1;

	memcpy(t->gset, "BBBB", 4);
	memcpy(t->saved_gset, "BBBB", 4);

	t->vt = vterm_new((int)rows, (int)cols);
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	t->vts = vterm_obtain_state(t->vt);
	vterm_state_set_callbacks(t->vts, &state_cbs, t);
	vterm_state_reset(t->vts, 1);
	return t;
}

void term_free(struct term *t)
{
	if (!t)
		return;
	vterm_free(t->vt);
	term_grid_free(&t->grid[0]);
	term_grid_free(&t->grid[1]);
	term_sb_free(&t->sb);
	term_tables_free(t);
	buf_free(&t->hold);
	free(t);
}

/* ---- what 0.1.4 does not do, done here (see the top of the file) ----
 * Each runs after libvterm has taken the sequence. */

/* The attributes of an SGR that libvterm 0.1.4 drops. */
#define SGR_EXTRAS (TERM_DIM | TERM_CONCEAL | TERM_OVERLINE)

static unsigned pen_extras(const struct term *t)
{
	return tc_attrs(t->pen) & SGR_EXTRAS;
}

static void pen_set_extras(struct term *t, unsigned x)
{
	pen_attr(t, TERM_DIM, x & TERM_DIM);
	pen_attr(t, TERM_CONCEAL, x & TERM_CONCEAL);
	if (x & TERM_OVERLINE)
		t->pen.fg |= TC_FG_OVERLINE;
	else
		t->pen.fg &= (uint16_t)~TC_FG_OVERLINE;
}

struct sgr_param {
	uint32_t v;
	bool sub; /* a sub-parameter: it follows a ':' */
};

/* Read the parameters s[0..n) of one SGR for what 0.1.4 drops or
 * misreads: returns the extra attributes after it, starting from x; and
 * puts in fix (when not NULL) each colour of the colon form as the
 * semicolon form, which libvterm reads right. */
static unsigned sgr_read(const char *s, size_t n, unsigned x, struct buf *fix)
{
	struct sgr_param p[40];
	unsigned np = 0;
	uint32_t v = 0;
	bool sub = false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == ';' || s[i] == ':') {
			if (np < ARRAY_LEN(p))
				p[np++] = (struct sgr_param){ v, sub };
			sub = i < n && s[i] == ':';
			v = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v = MIN(v * 10 + (uint32_t)(s[i] - '0'), 100000u);
		}
	}
	for (unsigned i = 0; i < np; i++) {
		unsigned end = i + 1;
		while (end < np && p[end].sub)
			end++;
		if (end > i + 1) { /* with sub-parameters: 38:2:[CS]:R:G:B */
			if ((p[i].v == 38 || p[i].v == 48) && p[i + 1].v == 2 && end - i >= 5 && fix) {
				unsigned k = end - i >= 6 ? i + 3 : i + 2;
				buf_printf(fix, "\033[%u;2;%u;%u;%um", p[i].v, MIN(p[k].v, 255u),
					   MIN(p[k + 1].v, 255u), MIN(p[k + 2].v, 255u));
			}
			i = end - 1;
			continue;
		}
		switch (p[i].v) {
		case 0: x = 0; break;
		case 2: x |= TERM_DIM; break;
		case 22: x &= ~(unsigned)TERM_DIM; break;
		case 8: x |= TERM_CONCEAL; break;
		case 28: x &= ~(unsigned)TERM_CONCEAL; break;
		case 53: x |= TERM_OVERLINE; break;
		case 55: x &= ~(unsigned)TERM_OVERLINE; break;
		case 38: case 48: case 58: /* 38;5;N and 38;2;R;G;B */
			if (i + 1 < np)
				i += p[i + 1].v == 5 ? 2 : p[i + 1].v == 2 ? 4 : 0;
			break;
		default: break;
		}
	}
	return x;
}

/* An SGR read whole by the guard (any form). */
static void sgr_after(struct term *t)
{
	struct buf fix = { 0 };
	unsigned x = sgr_read(t->csi, t->csi_len, pen_extras(t), &fix);
	if (fix.len)
		vterm_input_write(t->vt, fix.data, fix.len);
	buf_free(&fix);
	pen_set_extras(t, x);
}

/* Whether DECSLRM is on (CSI s then sets the margins, not SCOSC). */
static bool lr_margin_mode(struct term *t)
{
	struct buf reply = { 0 };
	t->capture = &reply;
	vterm_input_write(t->vt, "\033[?69$p", 7);
	t->capture = NULL;
	bool lr = reply.len >= 7 && !memcmp(reply.data, "\033[?69;1", 7);
	buf_free(&reply);
	return lr;
}

/* Both pairs of margins back to the screen's edges, then `then`. */
static void margins_reset(struct term *t, const char *then)
{
	char s[64];
	int n = snprintf(s, sizeof s, "\033[r%s%s", lr_margin_mode(t) ? "\033[s" : "", then);
	vterm_input_write(t->vt, s, (size_t)n);
}

/* DECCOLM: umltop keeps the size its client gave (no 132 columns), and
 * does what xterm does on the switch: the screen cleared, the cursor
 * home, the margins reset (xterm's resize resets the top and bottom
 * ones), and ?3h ends DECLRMM. */
static void deccolm(struct term *t, bool set)
{
	margins_reset(t, set ? "\033[?69l\033[2J\033[H" : "\033[2J\033[H");
}

/* DECALN: E's of the default rendition, as xterm fills them, then the
 * margins reset and the cursor home (the pen stays the guest's). */
static void decaln(struct term *t)
{
	struct grid *g = t->active;
	const struct tcell e = { 'E' | TC_W_NARROW << TC_W_SHIFT, 0, 0 };
	for (unsigned r = 0; r < g->rows; r++) {
		fill(grid_row(g, r), g->cols, e);
		*grid_ext(g, r) = (uint16_t)g->cols;
	}
	mark_dirty(t, 0, (int)g->rows - 1);
	margins_reset(t, "\033[H");
}

/* DECSC (and ?1048h, ?1049h): what libvterm 0.1.4 does not save. */
static void cursor_saved(struct term *t)
{
	memcpy(t->saved_gset, t->gset, sizeof t->gset);
	t->saved_extras = pen_extras(t);
}

/* DECRC (and ?1048l, ?1049l): the character sets designated again. */
static void cursor_restored(struct term *t)
{
	char s[16];
	size_t n = 0;
	for (unsigned k = 0; k < 4; k++)
		if (t->gset[k] != t->saved_gset[k]) {
			s[n++] = '\033';
			s[n++] = (char)('(' + k);
			s[n++] = t->saved_gset[k];
		}
	if (n)
		vterm_input_write(t->vt, s, n);
	memcpy(t->gset, t->saved_gset, sizeof t->gset);
	pen_set_extras(t, t->saved_extras);
}

/* After an escape the guard flagged (ESC_END) or a private mode
 * (MODE_END), libvterm having taken it. */
static void sequence_done(struct term *t, enum guard_action a, unsigned char c)
{
	const struct guard *g = &t->guard;
	if (a == MODE_END) {
		if (g->colm)
			deccolm(t, c == 'h');
		if (g->restore && c == 'h')
			cursor_saved(t);
	} else if (!g->intermed) {
		if (c == '7') {
			cursor_saved(t);
		} else { /* ESC c: libvterm reset its sets and its pen */
			memcpy(t->gset, "BBBB", 4);
			memcpy(t->saved_gset, "BBBB", 4);
			t->saved_extras = 0;
		}
	} else if (g->inter == '#') {
		decaln(t);
	} else if (c == '0' || c == 'A' || c == 'B') { /* the sets 0.1.4 knows */
		t->gset[g->inter - '('] = (char)c;
	}
}

/* ---- feeding libvterm through the input guard ----
 * term/guard.c says why and decides what each byte in a sequence is; here
 * its verdicts are applied: bytes dropped, REP done by hand, strings held
 * until whole, characters never split, writes bounded. */

static void repeat_last(struct term *t, uint32_t count)
{
	if (!t->last_glyph[0])
		return;
	char one[4 * TERM_MAX_CHARS];
	size_t n = 0;
	for (unsigned i = 0; i < TERM_MAX_CHARS && t->last_glyph[i]; i++)
		n += term_utf8(sanitize_cp(t->last_glyph[i]), one + n);
	int w = MAX(term_vt_char(t, t->last_glyph[0]).width, 1);
	int room = ((int)t->active->cols - MAX(t->cursor.col, 0)) / w;
	count = MIN(MAX(count, 1), (uint32_t)MAX(room, 1));
	char block[4096];
	size_t per = sizeof block / n, fill_n = 0;
	for (size_t i = 0; i < per; i++, fill_n += n)
		memcpy(block + fill_n, one, n);
	while (count) {
		uint32_t k = (uint32_t)MIN((size_t)count, per);
		vterm_input_write(t->vt, block, k * n);
		count -= k;
	}
}

/* libvterm 0.1.4 also loses an OSC or DCS string (a title) whose body
 * does not arrive in one write, which a pty read boundary or a dropped
 * byte easily splits: the body is held back until the string ends, then
 * written at once.  A string longer than HOLD_MAX is dropped whole:
 * libvterm is told CAN and never sees its body or its end.  (Passed on in
 * pieces, an ESC ending one write and the backslash starting the next
 * make 0.1.4 copy bytes from past the end of the write into the title.) */
#define HOLD_MAX 4096

/* libvterm 0.1.4 decodes text into an array on the stack as long as the
 * rest of the write: a 4 MB snapshot fed at once overflows the stack.  So
 * no write is longer than WRITE_MAX.  A write ends before an ASCII byte
 * where there is one near, and never inside a character (the guard keeps
 * split characters away from libvterm).  Marks need nothing here: each
 * starts a write of its own anyway (see is_mark()). */
#define WRITE_MAX 16384

static void vt_write(struct term *t, const char *bytes, size_t len)
{
	while (len > WRITE_MAX) {
		size_t n = WRITE_MAX;
		while (n > WRITE_MAX / 2 && (unsigned char)bytes[n] >= 0x80)
			n--;
		/* none: at least at the first byte of a character (at most 5
		 * bytes continue one) */
		if ((unsigned char)bytes[n] >= 0x80)
			for (n = WRITE_MAX; n > WRITE_MAX - 6 && ((unsigned char)bytes[n] & 0xc0) == 0x80;)
				n--;
		vterm_input_write(t->vt, bytes, n);
		bytes += n;
		len -= n;
	}
	vterm_input_write(t->vt, bytes, len);
}

static void clamp_cursor(struct term *t)
{
	VTermPos pos;
	int rows, cols;
	vterm_state_get_cursorpos(t->vts, &pos);
	vterm_get_size(t->vt, &rows, &cols);
	if (pos.row < rows && pos.col < cols)
		return;
	char s[32];
	int n = snprintf(s, sizeof s, "\033[%d;%dH", MIN(pos.row, rows - 1) + 1,
			 MIN(pos.col, cols - 1) + 1);
	vterm_input_write(t->vt, s, (size_t)n);
}

/* libvterm 0.1.4 answers a status request (DECRQSS, DCS $ q Pt ST) it
 * does not know with a format whose "%.s" lacks its '*': the request's
 * length is taken for a string pointer.  glibc prints nothing for it (the
 * precision is 0), so the answer comes out right, but a sanitizer's printf
 * reads that pointer and the program dies.  Such a request is renamed in
 * the held string (libvterm then ignores it, and still sees every control
 * inside it), and term/ gives the answer itself, the same bytes: "not a
 * valid request".  Returns whether it did.  s holds the string from its
 * 'P' to its end; libvterm drops C0 controls from the string it hands
 * on, and dispatches it only when it ends with ST or BEL. */
static bool unknown_status_request(char *s, size_t n)
{
	if (n < 2 || s[0] != 'P')
		return false;
	size_t end = n;
	if (s[n - 1] == '\a')
		end = n - 1;
	else if (n >= 2 && s[n - 2] == '\033' && s[n - 1] == '\\')
		end = n - 2;
	else
		return false;
	char cmd[4];
	size_t k = 0, q = 0;
	for (size_t i = 1; i < end; i++) {
		if ((unsigned char)s[i] < 0x20)
			continue;
		if (k == 1)
			q = i;
		if (k == sizeof cmd) {
			k++;
			break;
		}
		cmd[k++] = s[i];
	}
	if (k < 2 || cmd[0] != '$' || cmd[1] != 'q')
		return false;
	/* what 0.1.4 answers: m (SGR), r (DECSTBM), s (DECSLRM), " q"
	 * (DECSCUSR), "\"q" (DECSCA) */
	size_t rl = k - 2;
	const char *r = cmd + 2;
	if ((rl == 1 && (r[0] == 'm' || r[0] == 'r' || r[0] == 's')) ||
	    (rl == 2 && (r[0] == ' ' || r[0] == '"') && r[1] == 'q'))
		return false;
	s[q] = 'Q'; /* "$Q": no request libvterm knows */
	return true;
}

static void hold_release(struct term *t)
{
	bool answer = unknown_status_request(t->hold.data, t->hold.len);
	vterm_input_write(t->vt, t->hold.data, t->hold.len);
	t->hold.len = 0;
	t->holding = false;
	if (answer)
		on_output("\033P0$r\033\\", 7, t);
}

/* A string too long to hold: libvterm, which has seen only the ESC before
 * it, cancels that; the guard drops the rest up to the string's end. */
static void hold_drop(struct term *t)
{
	t->hold.len = 0;
	t->holding = false;
	t->swallowing = true;
	vterm_input_write(t->vt, "\030", 1);
}

/* One byte the guard must look at: in a sequence, or an ESC.  Returns
 * where the next segment to pass through to libvterm starts. */
static size_t guard_step(struct term *t, const char *bytes, size_t seg, size_t i)
{
	char c = bytes[i];
	enum guard_state prev = t->guard.st;
	bool was_str = guard_in_string(prev);
	enum guard_action a = term_guard_byte(&t->guard, (unsigned char)c);
	if ((unsigned char)c < 0x20 && c != 0x1b)
		t->rep_ok = false; /* a control between a glyph and REP */
	if (t->holding) {
		if (a != DROP)
			buf_append(&t->hold, &c, 1);
		if (!guard_in_string(t->guard.st))
			hold_release(t);
		else if (t->hold.len >= HOLD_MAX)
			hold_drop(t);
		if (a == CLAMP) { /* ESC 8 right after a string */
			clamp_cursor(t);
			cursor_restored(t);
		} else if (a == ESC_END) {
			sequence_done(t, a, (unsigned char)c);
		}
		return i + 1;
	}
	if (t->swallowing) {
		/* The string ends with BEL, ST, CAN or SUB, all dropped with
		 * it; or with an ESC and a byte that starts something else,
		 * which libvterm must see: the ESC now, the byte below. */
		bool esc_next = prev == G_STR_ESC && a != DROP && c != '\\' &&
				c != 0x1b && c != 0x18 && c != 0x1a;
		if (!esc_next) {
			t->swallowing = guard_in_string(t->guard.st);
			return i + 1;
		}
		t->swallowing = false;
		vterm_input_write(t->vt, "\033", 1);
		was_str = false;
		seg = i;
	}
	if (!was_str && guard_in_string(t->guard.st)) {
		if (i > seg)
			vt_write(t, bytes + seg, i - seg);
		buf_append(&t->hold, &c, 1);
		t->holding = true;
		return i + 1;
	}
	/* The parameters of a CSI, for an SGR (see sgr_after()). */
	if (t->guard.st == G_CSI_LEADER)
		t->csi_len = 0;
	else if ((prev == G_CSI_LEADER || prev == G_CSI_ARGS) && a == PASS && c >= '0' && c <= ';' &&
		 t->csi_len < sizeof t->csi)
		t->csi[t->csi_len++] = c;
	bool sgr = a == PASS && c == 'm' && t->guard.st == G_TEXT && !t->guard.leader &&
		   !t->guard.intermed && (prev == G_CSI_LEADER || prev == G_CSI_ARGS);
	if (a == PASS && !sgr)
		return seg;
	if (i > seg)
		vt_write(t, bytes + seg, i - seg);
	if (a == REPEAT) {
		vterm_input_write(t->vt, "\030", 1); /* CAN: no REP for libvterm */
		if (t->rep_ok)
			repeat_last(t, t->guard.arg0);
	} else if (a == CLAMP) {
		vterm_input_write(t->vt, bytes + i, 1);
		clamp_cursor(t);
		cursor_restored(t);
		if (c == 'l' && t->guard.colm) /* CSI ? 3 ; 1049 l */
			deccolm(t, false);
	} else if (a != DROP) {
		vterm_input_write(t->vt, bytes + i, 1);
		if (sgr)
			sgr_after(t);
		else
			sequence_done(t, a, (unsigned char)c);
	}
	return i + 1;
}

/* libvterm 0.1.4 keeps a multibyte character it has only the start of
 * across writes and control bytes; if the next text starts with another
 * start byte, its decoder writes one code point more than the array it
 * was given holds (printf '\303\a\303a', the last two bytes ending a
 * write, overflows the stack).  So libvterm is never given part of a
 * character: one a write splits is held until its last byte comes, and
 * one cut short by any other byte becomes U+FFFD, as xterm shows it.
 * And a C1 control written in UTF-8 (U+0080 to U+009F) has width -1 to
 * libvterm, which moves the cursor left, off the screen, where a tab stop
 * set next writes before libvterm's array: these are dropped. */
static const char replacement[] = "\xef\xbf\xbd";

/* libvterm 0.1.4 joins a combining mark to the glyph before it in two
 * ways: inside one write, or, when the mark starts a write, through the
 * glyph it kept from the end of the last one.  The two differ (a mark
 * after a glyph in the last column joins it only the first way, a mark
 * that libvterm gives two columns widens its glyph only the first way),
 * so what a console shows would depend on where pty reads cut the
 * guest's output.  So every mark starts a write of its own: libvterm
 * always takes the second way, and a mark after a glyph in the last
 * column, which that way would put on the next row, term/ joins to its
 * glyph itself, as xterm does. */
static uint32_t u8_decode(const unsigned char *s, unsigned n)
{
	uint32_t cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);
	for (unsigned i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

static bool is_mark(struct term *t, uint32_t cp)
{
	return cp >= 0x300 && term_vt_char(t, cp).combines;
}

/* Joins mark cp, which came right after a glyph (after_glyph), to that
 * glyph when the cursor still stands on it in the last column (libvterm's
 * pending wrap); false otherwise.  After anything else (a control, a
 * sequence: a CUP to where the cursor is ends the pending wrap too) the
 * mark stays libvterm's, as it was when it came in the glyph's write. */
static bool mark_at_margin(struct term *t, uint32_t cp, bool after_glyph)
{
	if (!after_glyph || !t->glyph_w || t->cursor.row != t->glyph_pos.row || t->cursor.col != t->glyph_pos.col ||
	    t->glyph_pos.col + t->glyph_w < (int)t->active->cols || !t->last_glyph[0])
		return false;
	uint32_t chars[TERM_MAX_CHARS + 1] = { 0 };
	unsigned n = 0;
	for (; n < TERM_MAX_CHARS && t->last_glyph[n]; n++)
		chars[n] = t->last_glyph[n];
	if (n < TERM_MAX_CHARS)
		chars[n] = cp; /* else the cell holds no more: dropped */
	const struct tcell *cell = grid_row(t->active, (unsigned)t->glyph_pos.row) + t->glyph_pos.col;
	VTermGlyphInfo info = { .chars = chars, .width = t->glyph_w,
				.protected_cell = !!(cell->bg & TC_BG_PROTECT) };
	putglyph_slow(t, &info, t->glyph_pos);
	return true;
}

static bool mark_at_margin_u8(struct term *t, const unsigned char *s, unsigned n, bool after_glyph)
{
	uint32_t cp = u8_decode(s, n);
	return is_mark(t, cp) && mark_at_margin(t, cp, after_glyph);
}

/* Complete the character held from the last write with the first bytes
 * of this one; returns how many it took. */
static size_t u8_resume(struct term *t, const unsigned char *p, size_t len, bool *c1)
{
	size_t i = 0;
	while (t->u8need && i < len && guard_u8_cont(p[i])) {
		t->u8[t->u8len++] = p[i++];
		t->u8need--;
	}
	if (!t->u8need) {
		*c1 = guard_u8_c1(t->u8);
		if (!*c1 && !mark_at_margin_u8(t, t->u8, t->u8len, t->u8_glyph))
			vterm_input_write(t->vt, (const char *)t->u8, t->u8len);
	}
	else if (i == len)
		return i; /* still not whole */
	else {
		vterm_input_write(t->vt, replacement, 3);
		t->tail_glyph = true; /* for what follows at once (REP, a mark) */
	}
	t->u8len = t->u8need = 0;
	return i;
}

/* Where term_feed() is in the text: where the last sequence ended, and
 * the last C1 control it dropped (libvterm never sees one). */
struct feed_pos {
	size_t seq_end, c1_end;
	bool c1_glyph; /* a glyph came right before that C1 */
};

/* Whether a glyph came right before byte i: REP repeats only that. */
static bool glyph_before(const struct term *t, const unsigned char *p, size_t i,
			 const struct feed_pos *f)
{
	if (i == f->c1_end)
		return f->c1_glyph;
	if (!i)
		return t->tail_glyph;
	return i > f->seq_end && p[i - 1] >= 0x20 && p[i - 1] != 0x7f;
}

/* A plain SGR (the fast path's, no sub-parameters) changes what libvterm
 * 0.1.4 does not know of the pen: libvterm takes the text up to its end
 * first, then term/ sets them. */
static size_t sgr_plain(struct term *t, const char *bytes, size_t seg, size_t i, size_t k)
{
	unsigned x = pen_extras(t), nx = sgr_read(bytes + i + 2, k - 3, x, NULL);
	if (nx == x)
		return seg;
	vt_write(t, bytes + seg, i + k - seg);
	pen_set_extras(t, nx);
	return i + k;
}

void term_feed(struct term *t, const char *bytes, size_t len)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t seg = 0, i = 0;
	struct feed_pos f = { 0, SIZE_MAX, false };
	if (t->u8need) {
		bool c1 = false;
		seg = i = u8_resume(t, p, len, &c1);
		if (c1) { /* dropped: what came before it still counts */
			f.c1_end = i;
			f.c1_glyph = t->u8_glyph;
		}
	}
	for (; i < len; i++) {
		if (t->guard.st == G_TEXT) { /* the common case: skip to the next ESC */
			i = guard_text_scan(p, i, len);
			if (i == len)
				break;
			if (p[i] >= 0x80) {
				unsigned need = guard_u8_need(p[i]), k = 1;
				while (k <= need && i + k < len && guard_u8_cont(p[i + k]))
					k++;
				if (k > need && !(need == 1 && guard_u8_c1(p + i))) { /* whole */
					uint32_t cp = u8_decode(p + i, need + 1);
					if (is_mark(t, cp)) {
						if (i > seg)
							vt_write(t, bytes + seg, i - seg);
						seg = mark_at_margin(t, cp, glyph_before(t, p, i, &f))
							      ? i + need + 1 : i;
					}
					i += need;
				} else if (k > need) { /* a C1 control */
					if (i > seg)
						vt_write(t, bytes + seg, i - seg);
					f.c1_glyph = glyph_before(t, p, i, &f);
					seg = f.c1_end = i + 2;
					i = seg - 1;
				} else if (i + k == len) { /* split by the write */
					if (i > seg)
						vt_write(t, bytes + seg, i - seg);
					memcpy(t->u8, p + i, k);
					t->u8_glyph = glyph_before(t, p, i, &f);
					t->u8len = k;
					t->u8need = need + 1 - k;
					t->tail_glyph = false;
					return;
				} else { /* cut short */
					if (i > seg)
						vt_write(t, bytes + seg, i - seg);
					vterm_input_write(t->vt, replacement, 3);
					seg = i + k;
					i = seg - 1;
				}
				continue;
			}
			size_t k = guard_plain_csi(p + i, len - i);
			if (k) {
				if (p[i + k - 1] == 'm' && (p[i + 2] < 0x3c || p[i + 2] > 0x3f))
					seg = sgr_plain(t, bytes, seg, i, k);
				i += k - 1;
				f.seq_end = i + 1;
				continue;
			}
			/* An ESC in text: REP may follow, which repeats only a
			 * glyph right before it. */
			t->rep_ok = glyph_before(t, p, i, &f);
		}
		seg = guard_step(t, bytes, seg, i);
		f.seq_end = i + 1;
	}
	if (len > seg)
		vt_write(t, bytes + seg, len - seg);
	if (len)
		t->tail_glyph = t->guard.st == G_TEXT && glyph_before(t, p, len, &f);
}

/* libvterm 0.1.4 bounds only the bottom and right margins on a resize; a
 * top or left margin left beyond the new size makes its next scroll
 * memmove a negative size (a crash).  So a shrinking resize resets the
 * margins, as xterm does on any resize, and puts the cursor back where it
 * was (DECSTBM homes it).  A sequence the guest had half-sent is cancelled
 * first, or the reset would land inside it. */
static void cancel_sequence(struct term *t)
{
	t->hold.len = 0;
	t->holding = t->swallowing = false;
	if (t->guard.st != G_TEXT)
		vterm_input_write(t->vt, "\030", 1);
	t->guard.st = G_TEXT;
}

void term_cancel(struct term *t)
{
	cancel_sequence(t);
	t->u8len = t->u8need = 0;
}

static void reset_margins(struct term *t)
{
	cancel_sequence(t); /* a sequence half sent, or the reset lands in it */
	char s[32];
	snprintf(s, sizeof s, "\033[%d;%dH", t->cursor.row + 1, t->cursor.col + 1);
	margins_reset(t, s);
}

void term_resize(struct term *t, unsigned rows, unsigned cols)
{
	rows = clampu(rows, 1, MAX_ROWS);
	cols = clampu(cols, 1, MAX_COLS);
	if (rows == t->grid[0].rows && cols == t->grid[0].cols)
		return;
	bool shrink = rows < t->grid[0].rows || cols < t->grid[0].cols;
	t->glyph_w = 0;
	vterm_set_size(t->vt, (int)rows, (int)cols);
	if (shrink)
		reset_margins(t);
}

void term_size(const struct term *t, unsigned *rows, unsigned *cols)
{
	*rows = t->grid[0].rows;
	*cols = t->grid[0].cols;
}

bool term_cell(const struct term *t, int row, unsigned col, struct term_cellview *out)
{
	enum term_grid g = row < 0 ? TERM_GRID_SCROLLBACK : t->alt ? TERM_GRID_ALT : TERM_GRID_PRIMARY;
	unsigned len;
	const struct tcell *cells = term_raw_row(t, g, row, &len);
	if (!cells || (row >= 0 && col >= len))
		return false;
	term_decode(t, col < len ? cells[col] : empty_cell, out);
	return true;
}

size_t term_row_text(const struct term *t, int row, char *out, size_t cap)
{
	enum term_grid g = row < 0 ? TERM_GRID_SCROLLBACK : t->alt ? TERM_GRID_ALT : TERM_GRID_PRIMARY;
	unsigned len;
	const struct tcell *cells = term_raw_row(t, g, row, &len);
	size_t n = 0, keep = 0;
	if (!cap)
		return 0;
	for (unsigned x = 0; cells && x < len; x++) {
		struct term_cellview v;
		if (tc_width(cells[x]) == TC_W_HALF)
			continue;
		term_decode(t, cells[x], &v);
		char tmp[4 * TERM_MAX_CHARS];
		size_t k = 0;
		if (!v.chars[0])
			tmp[k++] = ' ';
		for (unsigned i = 0; i < TERM_MAX_CHARS && v.chars[i]; i++)
			k += term_utf8(v.chars[i], tmp + k);
		if (n + k > cap - 1)
			break;
		memcpy(out + n, tmp, k);
		n += k;
		if (k != 1 || tmp[0] != ' ')
			keep = n;
	}
	out[keep] = '\0';
	return keep;
}

void term_cursor(const struct term *t, int *row, int *col, bool *visible)
{
	const struct grid *g = t->active;
	*row = MAX(0, MIN(t->cursor.row, (int)g->rows - 1));
	*col = MAX(0, MIN(t->cursor.col, (int)g->cols - 1));
	*visible = t->cursor_visible;
}

bool term_altscreen(const struct term *t)
{
	return t->alt;
}

const char *term_title(const struct term *t)
{
	return t->title;
}

bool term_dirty(const struct term *t, int *first, int *last)
{
	if (t->dirty_last < 0)
		return false;
	*first = MAX(t->dirty_first, 0);
	*last = MIN(t->dirty_last, (int)t->active->rows - 1);
	return true;
}

void term_clean(struct term *t)
{
	t->dirty_first = INT_MAX;
	t->dirty_last = -1;
}

/* ---- for the other files of term/ ---- */

struct tcell term_pen(const struct term *t)
{
	return t->pen;
}

void term_alt_saved_cursor(const struct term *t, int *row, int *col)
{
	*row = MAX(0, MIN(t->alt_saved.row, (int)t->grid[0].rows - 1));
	*col = MAX(0, MIN(t->alt_saved.col, (int)t->grid[0].cols - 1));
}

VTerm *term_capture_begin(struct term *t, struct buf *out)
{
	t->capture = out;
	return t->vt;
}

void term_capture_end(struct term *t)
{
	t->capture = NULL;
}

