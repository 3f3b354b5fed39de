/* term/term-int.h: what the files of term/ share and nobody else sees: the
 * 8-byte cell layout, struct term with its grids, scrollback and tables,
 * the inline helpers of the emulator's hot path, raw row access for the
 * snapshot encoder and the keyboard capture for the key encoder.  The
 * public interface is term.h.
 *
 *   term.c      libvterm's callbacks, the public interface, term_feed()
 *   guard.c     the input guard's state machine (guard.h)
 *   grid.c      the row ring, the scrollback ring, reading rows
 *   tables.c    interned combining sequences and RGB colours, and what
 *               libvterm makes of a codepoint
 *   snapshot.c  a screen as a byte stream;  keys.c  keys as bytes */
#ifndef UMLTOP_TERM_INT_H
#define UMLTOP_TERM_INT_H

#include <stdbool.h>
#include <string.h>

#include <vterm.h>

#include "term/guard.h"
#include "term/term.h"

/* One cell in 8 bytes.  ch packs, from bit 0:
 *   21 bits  codepoint, or from TC_COMBO_BASE on an index into the term's
 *            table of combining sequences (base + marks)
 *    2 bits  width code: 0 narrow, 1 a zero-width glyph that libvterm
 *            put in a cell of its own (a lone combining mark), 2 left half
 *            of a wide glyph, 3 its right half
 *    9 bits  attributes: bits 0-7 are enum term_attr's bold to dim as
 *            they are, bit 8 (TC_UL2) makes the underline double, or
 *            curly with TERM_UNDERLINE
 * fg and bg index the term's colour table in their low 15 bits: 0 default,
 * 1 + n for palette colour n (0-255), above that interned RGB colours.
 * Their top bits are two more attributes: overline (fg), DECSCA's
 * protection (bg).  An empty cell has codepoint 0; erasing leaves only the
 * pen's background colour.  A blank cell is all zero bits: filling and
 * trimming rows is memset and a zero test.  The pen is a cell of
 * attributes and colours alone, copied whole into each glyph's cell. */
struct tcell {
	uint32_t ch;
	uint16_t fg, bg;
};

#define TC_CP_MASK 0x001fffffu
#define TC_COMBO_BASE 0x110000u /* past the last codepoint */
#define TC_W_SHIFT 21
#define TC_W_MASK (3u << TC_W_SHIFT)
#define TC_W_NARROW 0u
#define TC_W_ZERO 1u
#define TC_W_WIDE 2u /* codes 2 and 3: part of a wide glyph */
#define TC_W_HALF 3u
#define TC_ATTR_SHIFT 23
#define TC_ATTR_MASK (0x1ffu << TC_ATTR_SHIFT)
#define TC_UL2 (0x100u << TC_ATTR_SHIFT)
#define TC_COLOR_MASK 0x7fffu
#define TC_FG_OVERLINE 0x8000u
#define TC_BG_PROTECT 0x8000u

static inline unsigned tc_width(struct tcell c)
{
	return (c.ch & TC_W_MASK) >> TC_W_SHIFT;
}

static inline bool tc_is_combo(uint32_t ch)
{
	return (ch & TC_CP_MASK) >= TC_COMBO_BASE;
}

/* The attributes as enum term_attr. */
static inline unsigned tc_attrs(struct tcell c)
{
	unsigned a = (c.ch >> TC_ATTR_SHIFT) & 0xff;
	if (c.ch & TC_UL2)
		a |= TERM_UNDERLINE | (a & TERM_UNDERLINE ? TERM_UNDERLINE_CURLY : TERM_UNDERLINE_DOUBLE);
	if (c.fg & TC_FG_OVERLINE)
		a |= TERM_OVERLINE;
	return a;
}

/* Empty, with no attributes: only its background can differ from default. */
static inline int tc_is_empty(struct tcell c)
{
	return (c.ch & ~TC_W_MASK) == 0 && tc_width(c) == TC_W_NARROW;
}

static inline int tc_is_blank(struct tcell c)
{
	return c.ch == 0 && c.fg == 0 && c.bg == 0;
}


/* Sizes beyond these are clamped: they bound the memory a resize can ask
 * for (a full grid of the largest size is 16 MiB). */
#define MAX_ROWS 1024u
#define MAX_COLS 2048u
#define MAX_SCROLLBACK (1u << 20)
#define TITLE_MAX 256

/* Scrollback cells live in chunks of this many cells (128 KiB); a line
 * never spans two chunks, so a chunk must hold the widest row. */
#define SB_CHUNK 16384u
_Static_assert(SB_CHUNK >= MAX_COLS, "a scrollback chunk holds a full row");
_Static_assert(sizeof(struct tcell) == 8, "cells are 8 bytes");

/* Interned tables.  Colour indices are 15 bits: 0 default, 1..256 the
 * palette, the rest RGB.  Both tables are compacted when full (entries no
 * cell uses are dropped); if that frees nothing, RGB falls back to the
 * nearest palette colour and a combining sequence to its base. */
#define PALETTE_END 257u
#define RGB_MAX (TC_COLOR_MASK - PALETTE_END)
#define COMBO_MAX (1u << 16)
_Static_assert(TC_COMBO_BASE + COMBO_MAX - 1 <= TC_CP_MASK, "combo indices fit in a cell");

struct combos {
	uint32_t (*seq)[TERM_MAX_CHARS];
	uint32_t n, cap;
	uint32_t *hash; /* open addressing: entry index + 1, 0 empty */
	uint32_t hmask;
};

struct rgbs {
	uint32_t *rgb; /* 0xRRGGBB */
	uint32_t n, cap;
	uint32_t *hash;
	uint32_t hmask;
};

/* The screen: rows in a ring, so scrolling moves row indices, not cells
 * (the diagram is in grid.c). */
struct grid {
	struct tcell *cells;
	uint32_t *slot, *tmp;
	/* Per physical row: every cell from ext on is blank (all zero).  It
	 * bounds what a scroll must clear and what the scrollback must measure:
	 * scanning a row that left the cache long ago for its last character
	 * cost more than all the rest of pushing it. */
	uint16_t *ext;
	unsigned rows, cols, base;
};

/* The scrollback: a ring of lines over a queue of chunks of cells (the
 * diagram is in grid.c). */
struct sb_chunk {
	struct tcell *cells;
	uint32_t used, live;
};

struct sbline {
	struct tcell *cells;
	uint32_t len;
	struct sb_chunk *chunk; /* NULL for an empty line */
};

struct scrollback {
	struct sbline *line;
	unsigned cap, first, n;
	struct sb_chunk **q; /* chunks holding lines, oldest first */
	unsigned qcap, qhead, qlen;
	struct sb_chunk **spare;
	unsigned nspare, nchunks;
};

struct vt_probe; /* tables.c */

struct term {
	/* What every glyph touches, together. */
	struct grid *active;
	struct tcell pen;         /* ch: attribute bits only */
	int crow;                 /* the row of the active grid that crow_cells */
	struct tcell *crow_cells; /* is; -1: none (cleared when rows move) */
	uint16_t *crow_ext;
	unsigned crow_cols;       /* its width */
	int dirty_first, dirty_last;
	uint32_t last_glyph[TERM_MAX_CHARS]; /* for REP */
	VTermPos glyph_pos; /* where it went, and its width: 0 once the */
	int glyph_w;        /* cursor has left it (see mark_at_margin()) */

	VTerm *vt;
	VTermState *vts;
	enum term_mode mode;
	struct term_callbacks cb;
	void *arg;
	struct buf *capture; /* keyboard output goes here, see term_key() */

	struct grid grid[2]; /* primary, alternate */
	bool alt;
	struct scrollback sb;
	struct combos combo;
	struct rgbs rgb;

	VTermPos cursor, alt_saved;
	bool cursor_visible;

	char title[TITLE_MAX];
	char title_new[TITLE_MAX]; /* being assembled from fragments */
	size_t title_newlen;

	struct guard guard;
	struct buf hold; /* an OSC/DCS string held back until it ends */
	bool holding;
	bool swallowing; /* the rest of a string too long to hold */
	unsigned char u8[8]; /* a multibyte character a write split */
	unsigned u8len, u8need;
	bool u8_glyph; /* a glyph came right before it */

	struct vt_probe *probe; /* see term_vt_char(); NULL until needed */

	/* What term/ keeps beside libvterm 0.1.4 (term.c's version
	 * differences): whether the byte before the sequence at hand was
	 * a glyph (REP), the character sets designated and those DECSC
	 * saved (G0-G3), the attributes libvterm does not know as DECSC
	 * saved them, and the parameters of a CSI being read (an SGR). */
	bool rep_ok, tail_glyph;
	char gset[4], saved_gset[4];
	unsigned saved_extras;
	unsigned csi_len;
	char csi[160];
};

static const struct tcell empty_cell = { TC_W_NARROW << TC_W_SHIFT, 0, 0 };

/* ---- hot-path helpers, inline in every file that writes cells ---- */

static inline void mark_dirty(struct term *t, int first, int last)
{
	if (first < t->dirty_first)
		t->dirty_first = first;
	if (last > t->dirty_last)
		t->dirty_last = last;
}

static inline unsigned grid_phys(const struct grid *g, unsigned r)
{
	unsigned i = g->base + r;
	if (i >= g->rows)
		i -= g->rows;
	return g->slot[i];
}

static inline struct tcell *grid_row(const struct grid *g, unsigned r)
{
	return g->cells + (size_t)grid_phys(g, r) * g->cols;
}

static inline uint16_t *grid_ext(const struct grid *g, unsigned r)
{
	return &g->ext[grid_phys(g, r)];
}

static inline void ext_raise(uint16_t *ext, unsigned to)
{
	if (*ext < to)
		*ext = (uint16_t)to;
}

/* Every line that scrolls is a fill: blank (all zero) is a memset; else a
 * few cells one by one, then copies of what is already filled, doubling
 * (memcpy's wide stores). */
static inline void fill(struct tcell *c, unsigned n, struct tcell v)
{
	if (tc_is_blank(v)) {
		memset(c, 0, n * sizeof *c);
		return;
	}
	unsigned done = MIN(n, 8u);
	for (unsigned i = 0; i < done; i++)
		c[i] = v;
	while (done < n) {
		unsigned k = MIN(done, n - done);
		memcpy(c + done, c, k * sizeof *c);
		done += k;
	}
}

/* An empty cell of background bg (its colour only). */
static inline struct tcell blank_of(uint16_t bg)
{
	struct tcell c = { TC_W_NARROW << TC_W_SHIFT, 0, (uint16_t)(bg & TC_COLOR_MASK) };
	return c;
}

/* Keep wide glyphs whole across the boundary between columns x-1 and x:
 * a left half without its right half, or a right half without its left,
 * becomes an empty cell (keeping its background). */
static inline void fix_boundary(struct tcell *row, unsigned cols, unsigned x)
{
	if (x > 0 && x <= cols && tc_width(row[x - 1]) == TC_W_WIDE &&
	    (x == cols || tc_width(row[x]) != TC_W_HALF))
		row[x - 1] = blank_of(row[x - 1].bg);
	if (x < cols && tc_width(row[x]) == TC_W_HALF &&
	    (x == 0 || tc_width(row[x - 1]) != TC_W_WIDE))
		row[x] = blank_of(row[x].bg);
}

static inline uint32_t sanitize_cp(uint32_t cp)
{
	return cp > 0x10ffff ? 0xfffd : cp;
}

/* ---- grid.c ---- */

void term_grid_init(struct grid *g, unsigned rows, unsigned cols);
void term_grid_free(struct grid *g);
/* Rotate the rows [s, e) up by n (n < 0: down) without moving cells. */
void term_grid_rotate(struct grid *g, unsigned s, unsigned e, int n);
/* Resize one grid; returns how far its content moved down (negative: up).
 * Rows pushed off the top of the primary grid go to the scrollback, and
 * with `pull` scrollback lines come back when it grows. */
int term_grid_resize(struct term *t, struct grid *g, unsigned rows, unsigned cols, int keep,
		     bool primary, bool pull);
/* Push a row into the scrollback; cells from n on are blank. */
void term_sb_push(struct term *t, const struct tcell *cells, unsigned n);
void term_sb_clear(struct scrollback *sb);
void term_sb_free(struct scrollback *sb);

/* ---- tables.c ---- */

void term_tables_init(struct term *t);
void term_tables_free(struct term *t); /* and the codepoint probe */
/* The ch bits of a glyph libvterm put (a base and its marks), its width in
 * *width. */
uint32_t term_glyph_chars(struct term *t, const uint32_t *chars, int *width);
uint16_t term_color_index(struct term *t, const VTermColor *c);

/* ---- reading cells (term.c, snapshot.c), keyboard capture (keys.c) ---- */

/* Which grid term_raw_row() reads. */
enum term_grid { TERM_GRID_PRIMARY, TERM_GRID_ALT, TERM_GRID_SCROLLBACK };

/* Raw cells of one row: screen rows 0..rows-1 of a grid, or scrollback
 * rows -1 (newest) .. -term_scrollback_len().  *len is the number of cells
 * (a scrollback row is trimmed).  NULL when out of range. */
const struct tcell *term_raw_row(const struct term *t, enum term_grid g, int row,
				 unsigned *len);
/* The cell as readers see it (characters, width, attributes, colours). */
void term_decode(const struct term *t, struct tcell c, struct term_cellview *out);
/* The pen the guest writes with now, as a cell. */
struct tcell term_pen(const struct term *t);
/* Where the primary screen's cursor was when the guest switched to the
 * alternate screen (what DECSC saved for ?1049). */
void term_alt_saved_cursor(const struct term *t, int *row, int *col);

/* What libvterm makes of a codepoint: whether it combines with the glyph
 * before it, and its width alone (0 for a mark, -1 for a control).  The
 * answers are asked of a scratch libvterm and cached, both the term's own:
 * terms fed on different threads share nothing, and a term is fed and
 * read by one thread at a time (its caller's lock). */
struct vt_char {
	bool combines;
	int width;
};
struct vt_char term_vt_char(const struct term *t, uint32_t cp);

/* Keyboard output of libvterm goes to `out` between these two calls
 * instead of the query-reply path. */
VTerm *term_capture_begin(struct term *t, struct buf *out);
void term_capture_end(struct term *t);

#endif
