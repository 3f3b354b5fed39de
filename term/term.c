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
 * scrollback), term_dirty()/term_clean() and term_snapshot(). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term/term-int.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- libvterm version differences, kept in this one place ----
 * 0.1.x hands the title to settermprop as one NUL-terminated string; 0.2
 * and later hand it over in fragments (VTermStringFragment) to be joined.
 * 0.3 added SGR 8 (conceal) to the pen and an sb_clear state callback for
 * CSI 3 J; 0.1.4 has neither (CSI 3 J is swallowed, SGR 8 ignored). */
#if VTERM_VERSION_MAJOR > 0 || VTERM_VERSION_MINOR >= 2
#define VT_STRING_FRAGMENTS 1
#endif
#if VTERM_VERSION_MAJOR > 0 || VTERM_VERSION_MINOR >= 3
#define VT_CONCEAL_AND_SB_CLEAR 1
#endif

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

/* Interned tables.  Colour indices are 16 bits: 0 default, 1..256 the
 * palette, the rest RGB.  Both tables are compacted when full (entries no
 * cell uses are dropped); if that frees nothing, RGB falls back to the
 * nearest palette colour and a combining sequence to its base. */
#define PALETTE_END 257u
#define RGB_MAX (0xffffu - PALETTE_END)
#define COMBO_MAX (1u << 16)

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

/* The screen: rows in a ring, so scrolling moves row indices, not cells.
 *
 *   logical row r  ->  slot[(base + r) % rows]  ->  physical row in cells[]
 *
 *   full-screen scroll up by n: base += n, then blank the n rows that are
 *   now at the bottom (they were the top rows);  a scroll region
 *   rotates the slot entries inside the region.  No cell moves either way.
 */
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

/* The scrollback: a ring of lines, oldest at `first`; each line's cells
 * (trimmed of trailing blanks) sit in a chunk.  Chunks are used in order
 * and reused, never freed while the term lives:
 *
 *   line ring:  [first] oldest ... newest
 *                  |                 |
 *   chunk queue: [c0: l l l l][c1: l l l ...][c2: l l .    ]  <- tail fills
 *                  ^ oldest chunk: recycled (its lines dropped) when the
 *                    chunk budget is reached
 *
 * A chunk whose lines are all gone goes to `spare`. */
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

/* The input guard (see term_feed()) follows libvterm's parser just far
 * enough to know when bytes are CSI parameters. */
enum guard_state { G_TEXT, G_ESC, G_CSI_LEADER, G_CSI_ARGS, G_CSI_INTERMED, G_STR, G_STR_ESC };

struct guard {
	enum guard_state st;
	bool intermed, leader, drop, restore;
	unsigned seps;
	uint32_t arg0, cur;
};

struct term {
	/* What every glyph touches, together. */
	struct grid *active;
	struct tcell pen;         /* ch: attribute bits only */
	int crow;                 /* the row of the active grid that crow_cells */
	struct tcell *crow_cells; /* is; -1: none (cleared when rows move) */
	uint16_t *crow_ext;
	int dirty_first, dirty_last;
	uint32_t last_glyph[TERM_MAX_CHARS]; /* for REP */

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

	struct vt_probe *probe; /* see term_vt_char(); NULL until needed */
};

static const struct tcell empty_cell = { TC_W_NARROW << TC_W_SHIFT, 0, 0 };

/* ---- small helpers ---- */

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
static void fill(struct tcell *c, unsigned n, struct tcell v)
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

static inline struct tcell blank_of(uint16_t bg)
{
	struct tcell c = { TC_W_NARROW << TC_W_SHIFT, 0, bg };
	return c;
}

/* Keep wide glyphs whole across the boundary between columns x-1 and x:
 * a left half without its right half, or a right half without its left,
 * becomes an empty cell (keeping its background). */
static void fix_boundary(struct tcell *row, unsigned cols, unsigned x)
{
	if (x > 0 && x <= cols && tc_width(row[x - 1]) == TC_W_WIDE &&
	    (x == cols || tc_width(row[x]) != TC_W_HALF))
		row[x - 1] = blank_of(row[x - 1].bg);
	if (x < cols && tc_width(row[x]) == TC_W_HALF &&
	    (x == 0 || tc_width(row[x - 1]) != TC_W_WIDE))
		row[x] = blank_of(row[x].bg);
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

/* The row without its trailing blank (zero) cells: eight cells per step,
 * since every line that scrolls into the scrollback is measured. */
static unsigned row_extent(const struct tcell *row, unsigned n)
{
	while (n >= 8) {
		uint64_t v[8];
		memcpy(v, row + n - 8, sizeof v);
		if (v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7])
			break;
		n -= 8;
	}
	while (n && tc_is_blank(row[n - 1]))
		n--;
	return n;
}

static bool row_is_blank(const struct tcell *row, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!tc_is_blank(row[i]))
			return false;
	return true;
}

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

static uint32_t sanitize_cp(uint32_t cp)
{
	return cp > 0x10ffff ? 0xfffd : cp;
}

/* ---- what libvterm makes of a codepoint, asked of libvterm itself ----
 * Whether a codepoint combines with the glyph before it, and how many
 * columns it takes alone, come from libvterm's own tables (not exported):
 * a scratch instance is fed the codepoint once and the answer cached.
 * The scratch instance and the cache are the term's own, made the first
 * time a codepoint at or above U+0300 comes: a term is fed and read by
 * one thread at a time (uml/feed.c holds its lock), while two terms may be
 * fed on two threads at once, so nothing here is shared between terms. */
#define PROBE_CACHE 1024u

struct vt_probe {
	VTerm *vt;
	uint32_t got[TERM_MAX_CHARS]; /* the glyph the probe just put */
	int got_width;
	struct {
		uint32_t cp1; /* codepoint + 1, 0 empty */
		struct vt_char c;
	} cache[PROBE_CACHE];
};

static int probe_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct vt_probe *p = user;
	(void)pos;
	memset(p->got, 0, sizeof p->got);
	for (unsigned i = 0; i < TERM_MAX_CHARS && info->chars[i]; i++)
		p->got[i] = info->chars[i];
	p->got_width = info->width;
	return 1;
}

static int probe_ignore(VTermRect r, int a, int b, void *user)
{
	(void)r, (void)a, (void)b, (void)user;
	return 1;
}

static int probe_erase(VTermRect r, int a, void *user)
{
	(void)r, (void)a, (void)user;
	return 1;
}

static struct vt_probe *probe_new(void)
{
	static const VTermStateCallbacks cbs = {
		.putglyph = probe_putglyph, .scrollrect = probe_ignore, .erase = probe_erase,
	};
	struct vt_probe *p = xcalloc(1, sizeof *p);
	p->vt = vterm_new(1, 8);
	vterm_set_utf8(p->vt, 1);
	VTermState *st = vterm_obtain_state(p->vt);
	vterm_state_set_callbacks(st, &cbs, p);
	vterm_state_reset(st, 1);
	return p;
}

static void probe_free(struct vt_probe *p)
{
	if (!p)
		return;
	vterm_free(p->vt);
	free(p);
}

/* The probe is a cache: asking changes it even through a const term (the
 * term's lock covers readers too). */
struct vt_char term_vt_char(const struct term *t, uint32_t cp)
{
	if (cp < 0x300) /* no mark or wide character below U+0300 */
		return (struct vt_char){ false, 1 };
	struct vt_probe *p = t->probe;
	unsigned slot = (cp * 2654435761u) >> 22;
	if (p && p->cache[slot].cp1 == cp + 1)
		return p->cache[slot].c;
	if (!p)
		p = ((struct term *)t)->probe = probe_new();
	char b[16] = "\033[Ha";
	size_t n = 5 + term_utf8(sanitize_cp(cp), b + 5);
	struct vt_char c = { false, 0 };
	vterm_input_write(p->vt, b, n);
	c.combines = p->got[0] == 'a' && p->got[1] == cp;
	memmove(b + 3, b + 4, n - 4); /* the same without the "a" */
	vterm_input_write(p->vt, b, n - 1);
	c.width = p->got_width;
	p->cache[slot].cp1 = cp + 1;
	p->cache[slot].c = c;
	return c;
}

/* ---- interned tables: combining sequences and RGB colours ---- */

static uint32_t hash32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static uint32_t seq_hash(const uint32_t *s)
{
	uint32_t h = 0;
	for (unsigned i = 0; i < TERM_MAX_CHARS; i++)
		h = hash32(h ^ s[i]);
	return h;
}

static void combo_rehash(struct combos *c)
{
	uint32_t size = 64;
	while (size < 2 * c->n + 2)
		size *= 2;
	free(c->hash);
	c->hash = xcalloc(size, sizeof *c->hash);
	c->hmask = size - 1;
	for (uint32_t i = 0; i < c->n; i++) {
		uint32_t h = seq_hash(c->seq[i]) & c->hmask;
		while (c->hash[h])
			h = (h + 1) & c->hmask;
		c->hash[h] = i + 1;
	}
}

static void rgb_rehash(struct rgbs *r)
{
	uint32_t size = 64;
	while (size < 2 * r->n + 2)
		size *= 2;
	free(r->hash);
	r->hash = xcalloc(size, sizeof *r->hash);
	r->hmask = size - 1;
	for (uint32_t i = 0; i < r->n; i++) {
		uint32_t h = hash32(r->rgb[i]) & r->hmask;
		while (r->hash[h])
			h = (h + 1) & r->hmask;
		r->hash[h] = i + 1;
	}
}

/* Apply fn to every live cell array: both grids and the scrollback. */
typedef void row_fn(struct term *t, struct tcell *cells, size_t n, void *arg);

static void each_row(struct term *t, row_fn *fn, void *arg)
{
	for (int i = 0; i < 2; i++)
		fn(t, t->grid[i].cells, (size_t)t->grid[i].rows * t->grid[i].cols, arg);
	for (unsigned k = 0; k < t->sb.n; k++) {
		struct sbline *l = &t->sb.line[(t->sb.first + k) % t->sb.cap];
		fn(t, l->cells, l->len, arg);
	}
	fn(t, &t->pen, 1, arg);
}

struct gc {
	uint32_t *cmap; /* old combo index -> new index + 1, 0 unused */
	uint32_t *rmap; /* old rgb index -> new index + 1 */
	uint32_t ncombo, nrgb; /* sizes before compaction */
};

static void gc_mark(struct term *t, struct tcell *c, size_t n, void *arg)
{
	struct gc *gc = arg;
	for (size_t i = 0; i < n; i++) {
		if ((c[i].ch & TC_COMBO) && (c[i].ch & TC_CP_MASK) < t->combo.n)
			gc->cmap[c[i].ch & TC_CP_MASK] = 1;
		if (c[i].fg >= PALETTE_END)
			gc->rmap[c[i].fg - PALETTE_END] = 1;
		if (c[i].bg >= PALETTE_END)
			gc->rmap[c[i].bg - PALETTE_END] = 1;
	}
}

static void gc_remap(struct term *t, struct tcell *c, size_t n, void *arg)
{
	struct gc *gc = arg;
	(void)t;
	/* Every index in a live cell was marked; the bounds are a seat belt. */
	for (size_t i = 0; i < n; i++) {
		if ((c[i].ch & TC_COMBO) && (c[i].ch & TC_CP_MASK) < gc->ncombo) {
			uint32_t k = gc->cmap[c[i].ch & TC_CP_MASK] - 1;
			c[i].ch = (c[i].ch & ~TC_CP_MASK) | k;
		}
		if (c[i].fg >= PALETTE_END && c[i].fg - PALETTE_END < gc->nrgb)
			c[i].fg = (uint16_t)(PALETTE_END + gc->rmap[c[i].fg - PALETTE_END] - 1);
		if (c[i].bg >= PALETTE_END && c[i].bg - PALETTE_END < gc->nrgb)
			c[i].bg = (uint16_t)(PALETTE_END + gc->rmap[c[i].bg - PALETTE_END] - 1);
	}
}

/* Drop table entries that no cell refers to any more. */
static void tables_gc(struct term *t)
{
	struct gc gc = {
		.cmap = xcalloc(t->combo.n + 1, sizeof(uint32_t)),
		.rmap = xcalloc(t->rgb.n + 1, sizeof(uint32_t)),
		.ncombo = t->combo.n,
		.nrgb = t->rgb.n,
	};
	each_row(t, gc_mark, &gc);
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->combo.n; i++)
		if (gc.cmap[i]) {
			memmove(t->combo.seq[n], t->combo.seq[i], sizeof t->combo.seq[0]);
			gc.cmap[i] = ++n;
		}
	t->combo.n = n;
	n = 0;
	for (uint32_t i = 0; i < t->rgb.n; i++)
		if (gc.rmap[i]) {
			t->rgb.rgb[n] = t->rgb.rgb[i];
			gc.rmap[i] = ++n;
		}
	t->rgb.n = n;
	each_row(t, gc_remap, &gc);
	combo_rehash(&t->combo);
	rgb_rehash(&t->rgb);
	free(gc.cmap);
	free(gc.rmap);
}

/* The ch bits of a glyph: its codepoint, or an interned sequence.  Marks
 * that take columns of their own (libvterm 0.1.4 gives U+302A-U+302F,
 * U+3099 and U+309A width 2, and adds them to the glyph's width when they
 * arrive in the same write as their base, not otherwise) are dropped, and
 * the glyph is as wide as its base alone: writing the cell again anywhere
 * (a snapshot does) then gives the same cell. */
static uint32_t glyph_chars(struct term *t, const uint32_t *chars, int *width)
{
	uint32_t s[TERM_MAX_CHARS] = { 0 };
	unsigned n = 0;
	for (unsigned i = 0; i < TERM_MAX_CHARS && chars[i]; i++) {
		uint32_t cp = sanitize_cp(chars[i]);
		if (i && term_vt_char(t, cp).width)
			continue;
		s[n++] = cp;
	}
	*width = term_vt_char(t, s[0]).width;
	if (!s[1])
		return s[0];
	struct combos *c = &t->combo;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t h = seq_hash(s) & c->hmask;
		for (; c->hash[h]; h = (h + 1) & c->hmask)
			if (!memcmp(c->seq[c->hash[h] - 1], s, sizeof s))
				return TC_COMBO | (c->hash[h] - 1);
		if (c->n < COMBO_MAX)
			break;
		if (pass == 1)
			return s[0]; /* every entry in use: keep the base */
		tables_gc(t);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->seq = xreallocarray(c->seq, c->cap, sizeof c->seq[0]);
	}
	memcpy(c->seq[c->n], s, sizeof s);
	if (2 * (++c->n) + 2 > c->hmask + 1) {
		combo_rehash(c);
	} else {
		uint32_t h = seq_hash(s) & c->hmask;
		while (c->hash[h])
			h = (h + 1) & c->hmask;
		c->hash[h] = c->n;
	}
	return TC_COMBO | (c->n - 1);
}

/* Nearest colour of the xterm 6x6x6 cube, for when the RGB table is full
 * of colours that are all in use. */
static uint16_t rgb_to_palette(uint32_t rgb)
{
	unsigned v[3] = { rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff };
	unsigned idx = 16;
	for (int i = 0; i < 3; i++) {
		unsigned q = v[i] < 48 ? 0 : v[i] < 115 ? 1 : (v[i] - 35) / 40;
		idx += q * (i == 0 ? 36 : i == 1 ? 6 : 1);
	}
	return (uint16_t)(1 + idx);
}

static uint16_t rgb_intern(struct term *t, uint32_t rgb)
{
	struct rgbs *r = &t->rgb;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t h = hash32(rgb) & r->hmask;
		for (; r->hash[h]; h = (h + 1) & r->hmask)
			if (r->rgb[r->hash[h] - 1] == rgb)
				return (uint16_t)(PALETTE_END + r->hash[h] - 1);
		if (r->n < RGB_MAX)
			break;
		if (pass == 1)
			return rgb_to_palette(rgb);
		tables_gc(t);
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->rgb = xreallocarray(r->rgb, r->cap, sizeof *r->rgb);
	}
	r->rgb[r->n] = rgb;
	if (2 * (++r->n) + 2 > r->hmask + 1) {
		rgb_rehash(r);
	} else {
		uint32_t h = hash32(rgb) & r->hmask;
		while (r->hash[h])
			h = (h + 1) & r->hmask;
		r->hash[h] = r->n;
	}
	return (uint16_t)(PALETTE_END + r->n - 1);
}

static uint16_t color_index(struct term *t, const VTermColor *c)
{
	if (c->type & VTERM_COLOR_DEFAULT_MASK)
		return 0;
	if (VTERM_COLOR_IS_INDEXED(c))
		return (uint16_t)(1 + c->indexed.idx);
	return rgb_intern(t, (uint32_t)c->rgb.red << 16 | c->rgb.green << 8 | c->rgb.blue);
}

/* ---- the grid ---- */

static void grid_init(struct grid *g, unsigned rows, unsigned cols)
{
	g->rows = rows;
	g->cols = cols;
	g->base = 0;
	g->cells = xreallocarray(NULL, (size_t)rows * cols, sizeof *g->cells);
	fill(g->cells, rows * cols, empty_cell);
	g->slot = xreallocarray(NULL, rows, sizeof *g->slot);
	g->tmp = xreallocarray(NULL, rows, sizeof *g->tmp);
	g->ext = xcalloc(rows, sizeof *g->ext);
	for (unsigned r = 0; r < rows; r++)
		g->slot[r] = r;
}

static void grid_free(struct grid *g)
{
	free(g->cells);
	free(g->slot);
	free(g->tmp);
	free(g->ext);
}

/* Rotate the rows [s, e) up by n (n < 0: down) without moving cells. */
static void grid_rotate(struct grid *g, unsigned s, unsigned e, int n)
{
	unsigned h = e - s;
	unsigned shift = n >= 0 ? (unsigned)n % h : h - (unsigned)-n % h; /* in [0, h] */
	if (s == 0 && e == g->rows) {
		g->base += shift;
		while (g->base >= h)
			g->base -= h;
		return;
	}
	for (unsigned k = 0; k < h; k++)
		g->tmp[k] = g->slot[(g->base + s + k) % g->rows];
	for (unsigned k = 0; k < h; k++)
		g->slot[(g->base + s + k) % g->rows] = g->tmp[(k + shift) % h];
}

/* ---- scrollback ---- */

/* Ring positions without a division: i < 2 * n always holds here. */
static inline unsigned ring(unsigned i, unsigned n)
{
	return i >= n ? i - n : i;
}

static struct sbline *sb_at(const struct scrollback *sb, unsigned k) /* k: 0 oldest */
{
	return &sb->line[ring(sb->first + k, sb->cap)];
}

static struct sb_chunk *sb_tail(const struct scrollback *sb)
{
	return sb->qlen ? sb->q[ring(sb->qhead + sb->qlen - 1, sb->qcap)] : NULL;
}

static void sb_release(struct scrollback *sb, struct sb_chunk *c)
{
	c->used = 0;
	sb->spare[sb->nspare++] = c;
}

static void sb_drop_oldest(struct scrollback *sb)
{
	struct sbline *l = sb_at(sb, 0);
	sb->first = ring(sb->first + 1, sb->cap);
	sb->n--;
	struct sb_chunk *c = l->chunk;
	if (!c || --c->live)
		return;
	if (sb->qlen > 1 && sb->q[sb->qhead] == c) {
		sb->qhead = ring(sb->qhead + 1, sb->qcap);
		sb->qlen--;
		sb_release(sb, c);
	} else if (c == sb_tail(sb)) {
		c->used = 0;
	}
}

static void sb_queue(struct scrollback *sb, struct sb_chunk *c)
{
	if (sb->qlen == sb->qcap) {
		unsigned ncap = sb->qcap ? 2 * sb->qcap : 8;
		struct sb_chunk **nq = xreallocarray(NULL, ncap, sizeof *nq);
		for (unsigned i = 0; i < sb->qlen; i++)
			nq[i] = sb->q[(sb->qhead + i) % sb->qcap];
		free(sb->q);
		sb->q = nq;
		sb->qcap = ncap;
		sb->qhead = 0;
		sb->spare = xreallocarray(sb->spare, ncap, sizeof *sb->spare);
	}
	sb->q[ring(sb->qhead + sb->qlen++, sb->qcap)] = c;
}

/* A fresh chunk: a spare one, a new one within the budget (enough for
 * every line at full width), or the oldest one, dropping its lines. */
static struct sb_chunk *sb_new_chunk(struct scrollback *sb, unsigned cols)
{
	size_t budget = ((size_t)sb->cap * cols + SB_CHUNK - 1) / SB_CHUNK + 1;
	if (!sb->nspare && sb->nchunks < MAX(budget, 2)) {
		struct sb_chunk *c = xcalloc(1, sizeof *c);
		c->cells = xreallocarray(NULL, SB_CHUNK, sizeof *c->cells);
		sb->nchunks++;
		sb_queue(sb, c);
		return c;
	}
	while (!sb->nspare && sb->n)
		sb_drop_oldest(sb);
	if (!sb->nspare) { /* every line is gone but the tail chunk holds none */
		struct sb_chunk *c = sb_tail(sb);
		c->used = 0;
		return c;
	}
	struct sb_chunk *c = sb->spare[--sb->nspare];
	sb_queue(sb, c);
	return c;
}

/* Scrollback cells are written once and read seldom: on x86-64 they go
 * around the caches (non-temporal stores), so that a busy console does not
 * push the emulator's own working set out of them. */
static void sb_copy(struct tcell *dst, const struct tcell *src, unsigned n)
{
#if defined(__x86_64__) && defined(__SSE2__)
	for (unsigned i = 0; i < n; i++) {
		long long v;
		memcpy(&v, src + i, sizeof v);
		_mm_stream_si64((long long *)(void *)(dst + i), v);
	}
#else
	memcpy(dst, src, n * sizeof *dst);
#endif
}

/* Push a row into the scrollback; cells from n on are blank. */
static void sb_push(struct term *t, const struct tcell *cells, unsigned n)
{
	struct scrollback *sb = &t->sb;
	if (!sb->cap)
		return;
	n = row_extent(cells, n);
	if (sb->n == sb->cap)
		sb_drop_oldest(sb);
	struct sbline *l = sb_at(sb, sb->n);
	l->len = n;
	l->chunk = NULL;
	l->cells = NULL;
	if (n) {
		struct sb_chunk *c = sb_tail(sb);
		if (!c || c->used + n > SB_CHUNK)
			c = sb_new_chunk(sb, t->grid[0].cols);
		l->cells = c->cells + c->used;
		l->chunk = c;
		c->used += n;
		c->live++;
		sb_copy(l->cells, cells, n);
	}
	sb->n++;
}

/* Remove the newest line; its cells stay readable until the next push. */
static void sb_pop_newest(struct scrollback *sb)
{
	struct sbline *l = sb_at(sb, --sb->n);
	struct sb_chunk *c = l->chunk;
	if (!c)
		return;
	c->live--;
	if (l->cells + l->len == c->cells + c->used)
		c->used -= l->len;
	if (!c->live && c == sb_tail(sb)) {
		c->used = 0;
		if (sb->qlen > 1) {
			sb->qlen--;
			sb_release(sb, c);
		}
	}
}

static void sb_free(struct scrollback *sb)
{
	for (unsigned i = 0; i < sb->qlen; i++) {
		struct sb_chunk *c = sb->q[(sb->qhead + i) % sb->qcap];
		free(c->cells);
		free(c);
	}
	for (unsigned i = 0; i < sb->nspare; i++) {
		free(sb->spare[i]->cells);
		free(sb->spare[i]);
	}
	free(sb->q);
	free(sb->spare);
	free(sb->line);
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
	if (info->chars[1] || ch > 0x10ffff) {
		for (unsigned i = 1; i < TERM_MAX_CHARS; i++)
			if (!(t->last_glyph[i] = t->last_glyph[i - 1] ? info->chars[i] : 0))
				break;
		ch = glyph_chars(t, info->chars, &width);
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
		c.ch |= TC_PROTECT;
	row[col] = c;
	if (w == TC_W_WIDE) {
		c.ch = TC_W_HALF << TC_W_SHIFT | (c.ch & 0xff000000u);
		row[col + 1] = c;
	}
	/* Overwriting part of a wide glyph leaves half of it behind. */
	fix_boundary(row, g->cols, col);
	fix_boundary(row, g->cols, end);
	ext_raise(grid_ext(g, (unsigned)pos.row), end);
	mark_dirty(t, pos.row, pos.row);
}

/* The hot path of the emulator: one call per glyph the guest prints. */
static int cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct term *t = user;
	const struct grid *g = t->active;
	uint32_t ch = info->chars[0];
	if (info->width != 1 || info->chars[1] || ch - 0x80 < 0x20 || ch > 0x10ffff ||
	    (unsigned)pos.row >= g->rows || (unsigned)pos.col >= g->cols) {
		putglyph_slow(t, info, pos);
		return 1;
	}
	/* Glyphs come row by row: keep the row at hand. */
	if (pos.row != t->crow) {
		t->crow = pos.row;
		t->crow_cells = grid_row(g, (unsigned)pos.row);
		t->crow_ext = grid_ext(g, (unsigned)pos.row);
	}
	struct tcell *cell = t->crow_cells + pos.col;
	/* Width codes 2 and 3: the old cell is part of a wide glyph. */
	if (cell->ch & (2u << TC_W_SHIFT)) {
		putglyph_slow(t, info, pos);
		return 1;
	}
	struct tcell c = t->pen;
	c.ch |= ch | TC_W_NARROW << TC_W_SHIFT | (info->protected_cell ? TC_PROTECT : 0);
	*cell = c;
	if ((unsigned)pos.col >= *t->crow_ext)
		*t->crow_ext = (uint16_t)(pos.col + 1);
	t->last_glyph[0] = ch;
	t->last_glyph[1] = 0;
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
			if (!selective || !(row[x].ch & TC_PROTECT))
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
			sb_push(t, grid_row(g, r), *grid_ext(g, r));
	if (k < h) {
		grid_rotate(g, s, e, n);
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

static void pen_attr(struct term *t, unsigned attr, bool on)
{
	uint32_t bit = (uint32_t)attr << TC_ATTR_SHIFT;
	t->pen.ch = on ? t->pen.ch | bit : t->pen.ch & ~bit;
}

static int cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct term *t = user;
	switch (attr) {
	case VTERM_ATTR_BOLD: pen_attr(t, TERM_BOLD, val->boolean); break;
	case VTERM_ATTR_UNDERLINE: pen_attr(t, TERM_UNDERLINE, val->number != 0); break;
	case VTERM_ATTR_ITALIC: pen_attr(t, TERM_ITALIC, val->boolean); break;
	case VTERM_ATTR_BLINK: pen_attr(t, TERM_BLINK, val->boolean); break;
	case VTERM_ATTR_REVERSE: pen_attr(t, TERM_REVERSE, val->boolean); break;
	case VTERM_ATTR_STRIKE: pen_attr(t, TERM_STRIKE, val->boolean); break;
#ifdef VT_CONCEAL_AND_SB_CLEAR
	case VTERM_ATTR_CONCEAL: pen_attr(t, TERM_CONCEAL, val->boolean); break;
#endif
	case VTERM_ATTR_FOREGROUND: t->pen.fg = color_index(t, &val->color); break;
	case VTERM_ATTR_BACKGROUND: t->pen.bg = color_index(t, &val->color); break;
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

/* Copy a row into row r of a new grid. */
static void copy_row(struct grid *g, unsigned r, const struct tcell *src, unsigned n)
{
	struct tcell *dst = grid_row(g, r);
	n = MIN(n, g->cols);
	if (n)
		memcpy(dst, src, n * sizeof *dst);
	fill(dst + n, g->cols - n, empty_cell);
	fix_boundary(dst, g->cols, g->cols);
	*grid_ext(g, r) = (uint16_t)n;
}

/* Resize one grid; returns how far its content moved down (negative: up).
 * Shrinking drops blank rows below `keep` (the cursor row) first, then
 * pushes rows off the top (into the scrollback for the primary screen);
 * growing the primary screen pulls scrollback lines back when `pull`. */
static int grid_resize(struct term *t, struct grid *g, unsigned rows, unsigned cols, int keep,
		       bool primary, bool pull)
{
	struct grid ng;
	grid_init(&ng, rows, cols);
	unsigned old = g->rows;
	int top = 0;
	if (rows < old) {
		unsigned k = old - rows, bottom = old;
		while (k && (int)bottom - 1 > keep && row_is_blank(grid_row(g, bottom - 1), g->cols)) {
			bottom--;
			k--;
		}
		top = (int)k;
		if (primary)
			for (unsigned r = 0; r < k; r++)
				sb_push(t, grid_row(g, r), *grid_ext(g, r));
	} else if (rows > old && pull) {
		top = -(int)MIN(rows - old, t->sb.n);
	}
	for (unsigned r = 0; r < rows; r++) {
		int src = top + (int)r;
		if (src < 0) {
			const struct sbline *l = sb_at(&t->sb, (unsigned)((int)t->sb.n + src));
			copy_row(&ng, r, l->cells, l->len);
		} else if ((unsigned)src < old) {
			copy_row(&ng, r, grid_row(g, (unsigned)src), *grid_ext(g, (unsigned)src));
		}
	}
	for (int k = top; k < 0; k++)
		sb_pop_newest(&t->sb);
	grid_free(g);
	*g = ng;
	return -top;
}

static int cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct term *t = user;
	int keep0 = t->alt ? t->alt_saved.row : t->cursor.row;
	int d0 = grid_resize(t, &t->grid[0], (unsigned)rows, (unsigned)cols, keep0, true, !t->alt);
	int d1 = grid_resize(t, &t->grid[1], (unsigned)rows, (unsigned)cols,
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
	while (t->sb.n)
		sb_drop_oldest(&t->sb);
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
	grid_init(&t->grid[0], rows, cols);
	grid_init(&t->grid[1], rows, cols);
	t->active = &t->grid[0];
	t->sb.cap = MIN(scrollback_lines, MAX_SCROLLBACK);
	if (t->sb.cap)
		t->sb.line = xreallocarray(NULL, t->sb.cap, sizeof *t->sb.line);
	combo_rehash(&t->combo);
	rgb_rehash(&t->rgb);
	t->cursor_visible = true;
	t->crow = -1;
	t->dirty_first = INT_MAX;
	t->dirty_last = -1;

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
	probe_free(t->probe);
	grid_free(&t->grid[0]);
	grid_free(&t->grid[1]);
	sb_free(&t->sb);
	free(t->combo.seq);
	free(t->combo.hash);
	free(t->rgb.rgb);
	free(t->rgb.hash);
	buf_free(&t->hold);
	free(t);
}

/* ---- the input guard ----
 * libvterm 0.1.4 has bugs a guest can reach with a few bytes:
 *  - a CSI with more than 16 parameters writes past its parameter array
 *    and crashes the process (printf '\e[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1m');
 *  - REP (CSI n b) loops forever when the glyph it repeats has width 0 or
 *    -1, or when nothing was printed yet (printf '\e[b');
 *  - ESC NUL \ inside an OSC or DCS string reads past the input
 *    (see guard_byte());
 *  - a resize does not bound the saved cursor, so restoring it (ESC 8,
 *    CSI ? 1048 l, CSI ? 1049 l) after the screen shrank puts the cursor
 *    off the screen, and the next glyph reads and writes past libvterm's
 *    line array: the cursor is put back on the screen right after;
 *  - parameters are added to the cursor position as ints, which a
 *    parameter of ten digits or more overflows: digits past the ninth
 *    significant one are dropped;
 *  - and more in strings, UTF-8 and long writes: see HOLD_MAX, u8_need()
 *    and WRITE_MAX.
 * So parameters past the 16th are dropped before libvterm sees them, and
 * REP is done here: the sequence is cancelled (CAN) and the last glyph is
 * written again n times, but no further than the end of the line (where
 * libvterm's REP stops too), so that a few bytes cannot make a guest's
 * console redraw whole screens. */
enum guard_action { PASS, DROP, REPEAT, CLAMP };

static enum guard_action guard_esc(struct guard *g, unsigned char c)
{
	if (c >= 0x20 && c <= 0x2f) {
		g->intermed = true;
	} else if (c >= 0x40 && c < 0x60) {
		/* ESC + 0x40-0x5f is a C1 control, and to libvterm 0.1.4 even
		 * after intermediates (ESC ( [ starts a CSI) */
		if (c == '[') {
			*g = (struct guard){ .st = G_CSI_LEADER };
		} else if (c == ']' || c == 'P') { /* OSC, DCS (SOS, PM, APC are
						     * plain controls to 0.1.4) */
			g->st = G_STR;
		} else {
			g->st = G_TEXT;
		}
	} else if (c >= 0x30 && c < 0x7f) {
		g->st = G_TEXT;
		if (c == '8' && !g->intermed)
			return CLAMP; /* DECRC */
	} /* anything else: libvterm stays in the escape */
	return PASS;
}

static enum guard_action guard_csi(struct guard *g, unsigned char c)
{
	switch (g->st) {
	case G_CSI_LEADER:
		if (c >= 0x3c && c <= 0x3f) {
			g->leader = true;
			return PASS;
		}
		g->st = G_CSI_ARGS;
		/* fallthrough */
	case G_CSI_ARGS:
		if (c >= '0' && c <= '9') {
			if (g->drop)
				return DROP;
			/* libvterm adds parameters to cursor positions in an
			 * int: past 9 digits, digits are dropped */
			if (g->cur >= 100000000u)
				return DROP;
			g->cur = g->cur * 10 + (uint32_t)(c - '0');
			if (!g->seps)
				g->arg0 = g->cur;
			return PASS;
		}
		g->restore |= g->cur == 1048 || g->cur == 1049;
		g->cur = 0;
		if (c == ';' || c == ':') {
			if (g->drop || g->seps == 15) {
				g->drop = true;
				return DROP;
			}
			g->seps++;
			return PASS;
		}
		g->st = G_CSI_INTERMED;
		g->intermed = false;
		/* fallthrough */
	default:
		if (c >= 0x20 && c <= 0x2f) {
			g->intermed = true;
			return PASS;
		}
		g->st = G_TEXT;
		if (c == 'b' && !g->leader && !g->intermed)
			return REPEAT;
		if (c == 'l' && g->leader && g->restore)
			return CLAMP;
		return PASS;
	}
}

static enum guard_action guard_byte(struct guard *g, unsigned char c)
{
	bool str = g->st == G_STR || g->st == G_STR_ESC;
	/* libvterm ignores NUL and DEL everywhere, but one between the ESC
	 * and the backslash of a string terminator makes 0.1.4 read past the
	 * end of the buffer it was given (into the title, even).  Inside a
	 * sequence they go; in text (where this is not called) they are
	 * harmless. */
	if (c == 0x00 || c == 0x7f)
		return DROP;
	/* Likewise any other C0 control between the ESC and the backslash of
	 * a string terminator (ESC BEL \ in an OSC, say). */
	if (c < 0x20 && g->st == G_STR_ESC && c != 0x1b && c != 0x18 && c != 0x1a)
		return DROP;
	if (c == 0x18 || c == 0x1a) {
		g->st = G_TEXT;
		return PASS;
	}
	if (c == 0x1b) {
		g->st = str ? G_STR_ESC : G_ESC;
		g->intermed = false;
		return PASS;
	}
	if (c == 0x07 && str) {
		g->st = g->st == G_STR ? G_TEXT : G_ESC;
		return PASS;
	}
	if (c < 0x20)
		return PASS; /* executed; the sequence goes on */
	switch (g->st) {
	case G_TEXT:
	case G_STR:
		return PASS;
	case G_STR_ESC:
		if (c == '\\') {
			g->st = G_TEXT;
			return PASS;
		}
		g->st = G_ESC;
		/* fallthrough */
	case G_ESC:
		return guard_esc(g, c);
	default:
		return guard_csi(g, c);
	}
}

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

/* The length of a plain CSI starting at p (ESC [, an optional private
 * leader, at most 16 numeric parameters of at most 9 digits, a final byte
 * other than REP's),
 * 0 when it is anything else or does not end within n bytes.  Colour and
 * cursor sequences are nearly all of this kind. */
static size_t plain_csi(const unsigned char *p, size_t n)
{
	if (n < 3 || p[1] != '[')
		return 0;
	size_t i = 2;
	unsigned seps = 0, digits = 0;
	if (p[i] >= 0x3c && p[i] <= 0x3f)
		i++;
	for (; i < n; i++) {
		if (p[i] == ';')
			seps++, digits = 0;
		else if (p[i] < '0' || p[i] > '9' || ++digits > 9)
			break;
	}
	if (i == n || seps > 15 || p[i] < 0x40 || p[i] > 0x7e || p[i] == 'b')
		return 0;
	if (p[i] == 'l' && p[2] >= 0x3c && p[2] <= 0x3f)
		return 0; /* a mode reset may restore the cursor: see guard_csi() */
	return i + 1;
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
 * where there is one near: not inside a character (the guard keeps split
 * characters away from libvterm), nor between a glyph and its combining
 * marks (which libvterm does not join across writes at the last column). */
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

static bool in_string(enum guard_state st)
{
	return st == G_STR || st == G_STR_ESC;
}

static void hold_release(struct term *t)
{
	vterm_input_write(t->vt, t->hold.data, t->hold.len);
	t->hold.len = 0;
	t->holding = false;
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
	bool was_str = in_string(prev);
	enum guard_action a = guard_byte(&t->guard, (unsigned char)c);
	if (t->holding) {
		if (a != DROP)
			buf_append(&t->hold, &c, 1);
		if (!in_string(t->guard.st))
			hold_release(t);
		else if (t->hold.len >= HOLD_MAX)
			hold_drop(t);
		if (a == CLAMP) /* ESC 8 right after a string */
			clamp_cursor(t);
		return i + 1;
	}
	if (t->swallowing) {
		/* The string ends with BEL, ST, CAN or SUB, all dropped with
		 * it; or with an ESC and a byte that starts something else,
		 * which libvterm must see: the ESC now, the byte below. */
		bool esc_next = prev == G_STR_ESC && a != DROP && c != '\\' &&
				c != 0x1b && c != 0x18 && c != 0x1a;
		if (!esc_next) {
			t->swallowing = in_string(t->guard.st);
			return i + 1;
		}
		t->swallowing = false;
		vterm_input_write(t->vt, "\033", 1);
		was_str = false;
		seg = i;
	}
	if (!was_str && in_string(t->guard.st)) {
		if (i > seg)
			vt_write(t, bytes + seg, i - seg);
		buf_append(&t->hold, &c, 1);
		t->holding = true;
		return i + 1;
	}
	if (a == PASS)
		return seg;
	if (i > seg)
		vt_write(t, bytes + seg, i - seg);
	if (a == REPEAT) {
		vterm_input_write(t->vt, "\030", 1); /* CAN: no REP for libvterm */
		repeat_last(t, t->guard.arg0);
	} else if (a == CLAMP) {
		vterm_input_write(t->vt, bytes + i, 1);
		clamp_cursor(t);
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

static unsigned u8_need(unsigned char c)
{
	return c < 0xc0 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : c < 0xfc ? 4 : c < 0xfe ? 5 : 0;
}

static bool u8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static bool u8_c1(const unsigned char *s)
{
	return s[0] == 0xc2 && s[1] < 0xa0;
}

/* Complete the character held from the last write with the first bytes
 * of this one; returns how many it took. */
static size_t u8_resume(struct term *t, const unsigned char *p, size_t len)
{
	size_t i = 0;
	while (t->u8need && i < len && u8_cont(p[i])) {
		t->u8[t->u8len++] = p[i++];
		t->u8need--;
	}
	if (!t->u8need) {
		if (!u8_c1(t->u8))
			vterm_input_write(t->vt, (const char *)t->u8, t->u8len);
	}
	else if (i == len)
		return i; /* still not whole */
	else
		vterm_input_write(t->vt, replacement, 3);
	t->u8len = t->u8need = 0;
	return i;
}

/* The first byte at or after i that the guard must see in text: an ESC
 * or a byte of a multibyte character; len when there is none.  Eight
 * bytes at a time, as most console text is plain ASCII. */
static size_t text_scan(const unsigned char *p, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	for (; i + 8 <= len; i += 8) {
		uint64_t w, x;
		memcpy(&w, p + i, 8);
		x = w ^ (ones * 0x1b);
		if ((w | ((x - ones) & ~x)) & highs)
			break;
	}
	for (; i < len; i++)
		if (p[i] == 0x1b || p[i] >= 0x80)
			return i;
	return len;
}

void term_feed(struct term *t, const char *bytes, size_t len)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t seg = 0, i = 0;
	if (t->u8need)
		seg = i = u8_resume(t, p, len);
	for (; i < len; i++) {
		if (t->guard.st == G_TEXT) { /* the common case: skip to the next ESC */
			i = text_scan(p, i, len);
			if (i == len)
				break;
			if (p[i] >= 0x80) {
				unsigned need = u8_need(p[i]), k = 1;
				while (k <= need && i + k < len && u8_cont(p[i + k]))
					k++;
				if (k > need && !(need == 1 && u8_c1(p + i))) { /* whole */
					i += need;
				} else if (k > need) { /* a C1 control */
					if (i > seg)
						vt_write(t, bytes + seg, i - seg);
					seg = i + 2;
					i = seg - 1;
				} else if (i + k == len) { /* split by the write */
					if (i > seg)
						vt_write(t, bytes + seg, i - seg);
					memcpy(t->u8, p + i, k);
					t->u8len = k;
					t->u8need = need + 1 - k;
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
			size_t k = plain_csi(p + i, len - i);
			if (k) {
				i += k - 1;
				continue;
			}
		}
		seg = guard_step(t, bytes, seg, i);
	}
	if (len > seg)
		vt_write(t, bytes + seg, len - seg);
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
	struct buf reply = { 0 };
	t->capture = &reply;
	vterm_input_write(t->vt, "\033[?69$p", 7); /* left/right margin mode? */
	t->capture = NULL;
	bool lr = reply.len >= 7 && !memcmp(reply.data, "\033[?69;1", 7);
	buf_free(&reply);
	char s[48];
	int n = snprintf(s, sizeof s, "\033[r%s\033[%d;%dH", lr ? "\033[s" : "",
			 t->cursor.row + 1, t->cursor.col + 1);
	vterm_input_write(t->vt, s, (size_t)n);
}

void term_resize(struct term *t, unsigned rows, unsigned cols)
{
	rows = clampu(rows, 1, MAX_ROWS);
	cols = clampu(cols, 1, MAX_COLS);
	if (rows == t->grid[0].rows && cols == t->grid[0].cols)
		return;
	bool shrink = rows < t->grid[0].rows || cols < t->grid[0].cols;
	vterm_set_size(t->vt, (int)rows, (int)cols);
	if (shrink)
		reset_margins(t);
}

void term_size(const struct term *t, unsigned *rows, unsigned *cols)
{
	*rows = t->grid[0].rows;
	*cols = t->grid[0].cols;
}

size_t term_scrollback_len(const struct term *t)
{
	return t->sb.n;
}

const struct tcell *term_raw_row(const struct term *t, enum term_grid which, int row,
				 unsigned *len)
{
	if (which == TERM_GRID_SCROLLBACK) {
		if (row >= 0 || (size_t)-(long)row > t->sb.n)
			return NULL;
		const struct sbline *l = sb_at(&t->sb, (unsigned)((int)t->sb.n + row));
		*len = l->len;
		return l->len ? l->cells : &empty_cell;
	}
	const struct grid *g = &t->grid[which == TERM_GRID_ALT];
	if (row < 0 || (unsigned)row >= g->rows)
		return NULL;
	*len = g->cols;
	return grid_row(g, (unsigned)row);
}

static void color_view(const struct term *t, uint16_t idx, struct term_color *out)
{
	memset(out, 0, sizeof *out);
	if (idx == 0 || idx >= PALETTE_END + t->rgb.n) {
		out->type = TERM_COLOR_DEFAULT;
	} else if (idx < PALETTE_END) {
		out->type = TERM_COLOR_INDEX;
		out->index = (uint8_t)(idx - 1);
	} else {
		uint32_t rgb = t->rgb.rgb[idx - PALETTE_END];
		out->type = TERM_COLOR_RGB;
		out->r = (uint8_t)(rgb >> 16);
		out->g = (uint8_t)(rgb >> 8);
		out->b = (uint8_t)rgb;
	}
}

void term_decode(const struct term *t, struct tcell c, struct term_cellview *out)
{
	memset(out->chars, 0, sizeof out->chars);
	uint32_t v = c.ch & TC_CP_MASK;
	if ((c.ch & TC_COMBO) && v < t->combo.n)
		memcpy(out->chars, t->combo.seq[v], sizeof out->chars);
	else if (!(c.ch & TC_COMBO))
		out->chars[0] = v;
	static const uint8_t widths[4] = { 1, 1, 2, 0 }; /* by width code */
	out->width = widths[tc_width(c)];
	out->attrs = (uint8_t)tc_attrs(c);
	color_view(t, c.fg, &out->fg);
	color_view(t, c.bg, &out->bg);
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
