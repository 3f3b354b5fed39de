/* tui/pane: emulator cells to curses cells.  Owns the mapping of the
 * guest's colours (default, 16, 256, RGB) and attributes to what the real
 * terminal has, the colour pairs, the choice of the terminal description
 * (a direct-colour sibling of TERM, see below), and the translation of
 * curses keys to guest bytes.  Guest characters reach curses only as
 * printable cells: controls and characters the locale cannot show become
 * '?'.
 *
 * Truecolor.  Guest output reaches the terminal only as cells ncurses
 * draws, and ncurses sends a colour only through the description's setaf
 * and setab, with the colour's number: umltop never writes an escape of
 * its own.  So RGB reaches the terminal exactly only when the description
 * is a direct-colour one (colors#0x1000000 and RGB, as ncurses' *-direct
 * entries: COLORS >= 2^24 is how ncurses says so), where a colour number
 * is 0xRRGGBB except the low numbers its setaf names as palette colours:
 * 0-7 in xterm-direct and tmux-direct, 0-255 in xterm-direct256.  Those
 * are found by asking setaf (direct_palette) and stay palette colours, so
 * the user's own palette still applies; a palette index the entry cannot
 * name (8-255 in xterm-direct) is sent as xterm's default RGB for it, and
 * an RGB value whose number is a palette index ((0,0,b) with b below the
 * palette's size) gets green 1, the least visible change that is not read
 * as a palette colour.
 *
 * A terminal that says it takes RGB while its description is a
 * 256-colour one (COLORTERM=truecolor or 24bit, the RGB or tmux's Tc flag
 * in the entry, as gnome-terminal, konsole or tmux with RGB set them): the
 * 256-colour setaf cannot name an RGB colour, so umltop opens curses with
 * TERM's direct-colour sibling when the terminfo database has one that
 * keeps all 256 palette colours (xterm-256color -> xterm-direct256, from
 * ncurses-term; in general NAME-256color -> NAME-direct256, checked to be
 * direct with a 256-colour palette) and otherwise keeps the 256-colour
 * mapping (nearest of the cube and grey ramp).  Entries with a smaller
 * palette (xterm-direct, tmux-direct) are not chosen for the user: they
 * would turn the palette's 8-255 into fixed RGB.  tmux decides the same
 * way from its Tc/RGB features but writes its own escapes, which ncurses
 * clients cannot.  A user whose TERM is already a direct entry gets RGB
 * whatever COLORTERM says.
 *
 * Attributes ncurses 6.4 cannot express.  Its attr_t has no strike-through
 * and no overline, and no underline styles (Smulx is not used by
 * curses): a double or curly underline is drawn as A_UNDERLINE, and
 * strike-through and overline are not drawn at all (the text stays plain).
 * tmux does the same when its outer terminal lacks smxx/Smol; drawing
 * strike as dim was rejected, as dim says "less important" where strike
 * says "deleted", and the guest's own dim would look the same. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/pane.h"
/* after term/term.h: curses' term.h makes macros of capability names
 * (bell, lines...); needed for setupterm() (pane_curses_entry) */
#include <term.h>

/* ---- colours ----
 *
 * A term colour becomes a curses colour number in one of four modes
 * (pane_color_mode):
 *   direct  a direct-colour description: RGB as 0xRRGGBB, palette
 *           indices as themselves up to the entry's palette size
 *   256     RGB -> nearest of xterm's 6x6x6 cube and grey ramp
 *   16, 8   any colour -> nearest xterm-256 index -> nearest of 16 or 8
 *   none    no colour at all (attributes only)
 * The table `map` says which curses colour shows each xterm-256 index. */

enum color_mode { CM_NONE = PANE_COLOR_NONE, CM_8 = PANE_COLOR_8, CM_16 = PANE_COLOR_16,
		  CM_256 = PANE_COLOR_256, CM_DIRECT = PANE_COLOR_DIRECT };

static struct {
	enum color_mode mode;
	bool default_ok; /* use_default_colors worked: -1 is the default */
	int palette;     /* direct: the indices setaf names as palette colours */
	int map[256];
	unsigned epoch;  /* bumped when every pair was discarded */
} col;

static void xterm_rgb(int i, int *r, int *g, int *b)
{
	static const unsigned char base[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	if (i < 16) {
		*r = base[i][0], *g = base[i][1], *b = base[i][2];
	} else if (i < 232) {
		i -= 16;
		*r = level[i / 36], *g = level[i / 6 % 6], *b = level[i % 6];
	} else {
		*r = *g = *b = 8 + 10 * (i - 232);
	}
}

/* Weighted squared distance: green counts most, blue least, roughly as
 * the eye does; good enough to pick among a few hundred colours. */
static long color_dist(int r1, int g1, int b1, int r2, int g2, int b2)
{
	long dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
	return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
}

static int nearest_in(int r, int g, int b, int from, int to)
{
	int best = from;
	long bestd = -1;
	for (int i = from; i < to; i++) {
		int pr, pg, pb;
		xterm_rgb(i, &pr, &pg, &pb);
		long d = color_dist(r, g, b, pr, pg, pb);
		if (bestd < 0 || d < bestd)
			best = i, bestd = d;
	}
	return best;
}

/* The nearest xterm-256 colour to an RGB value, from the cube and the
 * grey ramp (0-15 are left out: terminals theme them). */
static int nearest256(int r, int g, int b)
{
	return nearest_in(r, g, b, 16, 256);
}

/* An RGB colour as a direct-colour number: a number the entry reads as a
 * palette index ((0,0,b), b < palette) gets green 1 (see the top). */
static int direct_rgb(int r, int g, int b)
{
	int v = r << 16 | g << 8 | b;
	return v < col.palette ? v | 1 << 8 : v;
}

static void build_map(void)
{
	for (int i = 0; i < 256; i++) {
		int r, g, b;
		xterm_rgb(i, &r, &g, &b);
		switch (col.mode) {
		case CM_DIRECT: col.map[i] = i < col.palette ? i : direct_rgb(r, g, b); break;
		case CM_256: col.map[i] = i; break;
		case CM_16: col.map[i] = i < 16 ? i : nearest_in(r, g, b, 0, 16); break;
		case CM_8:
			col.map[i] = i < 8 ? i : i < 16 ? i - 8 : nearest_in(r, g, b, 0, 8);
			break;
		case CM_NONE: col.map[i] = -1; break;
		}
	}
}

/* ---- colour pairs ----
 *
 * The panes number their pairs themselves, from COLOR_PAIRS - 1 down, with
 * init_extended_pair(), and find them again through a hash; the bottom of
 * the range (a quarter of it, at most 64 pairs) is left to alloc_pair()
 * for the TUI's own chrome, which hands pairs out from 1 up and skips
 * those already set.  alloc_pair() is not used for the panes: around a
 * full table ncurses 6.4 hands out pairs past COLOR_PAIRS, fails while
 * slots are free, and reset_color_pairs() leaves its count of used pairs
 * as it was, so everything after it recycles (read in new_pair.c and
 * lib_color.c, and measured).
 *
 * When the panes' range is used up every pair is dropped at once and the
 * epoch changes, so that callers repaint: recycling single pairs would
 * recolour cells already on screen.  `*reset_ok` allows one reset per
 * drawing, so a screen with more combinations than pairs does not reset
 * forever; its extra cells get the default colours. */

struct pair_slot {
	int fg, bg, pair; /* pair 0: empty slot */
};

static struct {
	struct pair_slot *slot;
	size_t cap, n; /* cap: a power of two, or 0 */
	int next;      /* the next pair to set, counting down */
} pairs;

static int pairs_floor(void)
{
	int reserve = COLOR_PAIRS / 4 < 64 ? COLOR_PAIRS / 4 : 64;
	return reserve + 1;
}

static size_t pair_hash(int fg, int bg)
{
	uint32_t h = (uint32_t)fg * 2654435761u ^ (uint32_t)(bg + 2) * 2246822519u;
	return h ^ h >> 15;
}

static struct pair_slot *pair_slot(int fg, int bg)
{
	size_t i = pair_hash(fg, bg) & (pairs.cap - 1);
	while (pairs.slot[i].pair && (pairs.slot[i].fg != fg || pairs.slot[i].bg != bg))
		i = (i + 1) & (pairs.cap - 1);
	return &pairs.slot[i];
}

static void pairs_clear(void)
{
	free(pairs.slot);
	memset(&pairs, 0, sizeof pairs);
	pairs.next = COLOR_PAIRS - 1;
}

static void pairs_grow(void)
{
	struct pair_slot *old = pairs.slot;
	size_t oldcap = pairs.cap;
	pairs.cap = oldcap ? 2 * oldcap : 64;
	pairs.slot = xcalloc(pairs.cap, sizeof *pairs.slot);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].pair)
			*pair_slot(old[i].fg, old[i].bg) = old[i];
	free(old);
}

static int pair_for(int fg, int bg, bool *reset_ok)
{
	if (col.mode == CM_NONE || (fg == -1 && bg == -1))
		return 0;
	if (pairs.cap) {
		struct pair_slot *s = pair_slot(fg, bg);
		if (s->pair)
			return s->pair;
	}
	if (pairs.next < pairs_floor()) {
		if (!*reset_ok)
			return 0;
		pairs_clear();
		col.epoch++;
		*reset_ok = false;
	}
	/* setting a pair that is on screen makes curses repaint its cells */
	if (init_extended_pair(pairs.next, fg, bg) == ERR)
		return 0;
	if (2 * (pairs.n + 1) > pairs.cap)
		pairs_grow();
	*pair_slot(fg, bg) = (struct pair_slot){ fg, bg, pairs.next };
	pairs.n++;
	return pairs.next--;
}

void pane_output_init(void)
{
	endwin();
	doupdate();
	typeahead(-1);
}

static int direct_palette(void);

bool pane_declares_rgb(const char *colorterm)
{
	return colorterm && (!strcmp(colorterm, "truecolor") || !strcmp(colorterm, "24bit"));
}

bool pane_direct_sibling(const char *term, char *buf, size_t len)
{
	static const char suffix[] = "-256color";
	size_t n = term ? strlen(term) : 0, ns = sizeof suffix - 1;
	if (n <= ns || strcmp(term + n - ns, suffix))
		return false;
	int w = snprintf(buf, len, "%.*s-direct256", (int)(n - ns), term);
	return w > 0 && (size_t)w < len;
}

/* Loads description `name` on its own (no screen): its colours, whether it
 * says it takes RGB (RGB, Tc), and for a direct one its palette. */
static bool probe_entry(const char *name, int *colors, bool *rgb, int *palette)
{
	int err;
	TERMINAL *saved = cur_term;
	if (setupterm(name, fileno(stdout), &err) != OK)
		return set_curterm(saved), false;
	TERMINAL *probe = cur_term;
	*colors = tigetnum("colors");
	*rgb = tigetflag("RGB") > 0 || tigetnum("RGB") > 0 || tigetflag("Tc") > 0;
	*palette = *colors >= 1 << 24 ? direct_palette() : 0;
	set_curterm(saved);
	del_curterm(probe);
	return true;
}

const char *pane_curses_entry(char *buf, size_t len)
{
	const char *term = getenv("TERM");
	int colors, palette;
	bool rgb;
	if (!term || !probe_entry(term, &colors, &rgb, &palette) || colors >= 1 << 24)
		return NULL;
	if (!rgb && !pane_declares_rgb(getenv("COLORTERM")))
		return NULL;
	if (!pane_direct_sibling(term, buf, len) || !probe_entry(buf, &colors, &rgb, &palette))
		return NULL;
	return colors >= 1 << 24 && palette == 256 ? buf : NULL;
}

SCREEN *pane_curses_start(bool key_window, WINDOW **keys, char *err, size_t errlen)
{
	const char *name = getenv("TERM");
	char direct[128];
	/* newterm, not initscr: a terminal curses cannot drive is an error
	 * to report, not an exit inside curses */
	SCREEN *s = newterm(pane_curses_entry(direct, sizeof direct), stdout, stdin);
	if (!s) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)", name ? name : "");
		return NULL;
	}
	pane_output_init();
	raw();        /* ^C, ^Z, ^S go to the guest */
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(0);
	if (has_colors())
		start_color();
	pane_colors_init();
	*keys = key_window ? newwin(1, 1, 0, 0) : stdscr;
	keypad(*keys, TRUE);
	nodelay(*keys, TRUE);
	meta(*keys, TRUE);
	intrflush(*keys, FALSE);
	return s;
}

void pane_curses_end(SCREEN *s, WINDOW *keys)
{
	if (!s)
		return;
	if (keys && keys != stdscr)
		delwin(keys);
	curs_set(1);
	endwin();
	delscreen(s);
	/* curses writes through stdio: what follows goes after its reset */
	fflush(stdout);
}

bool pane_input_ended(unsigned *empty_wakeups, unsigned keys)
{
	*empty_wakeups = keys ? 0 : *empty_wakeups + 1;
	return *empty_wakeups >= 100;
}

enum pane_color_mode pane_color_mode(bool has_colors, int colors)
{
	if (!has_colors || colors < 8)
		return PANE_COLOR_NONE;
	if (colors >= 1 << 24)
		return PANE_COLOR_DIRECT;
	return colors >= 256 ? PANE_COLOR_256 : colors >= 16 ? PANE_COLOR_16 : PANE_COLOR_8;
}

/* Whether setaf sends colour number n as RGB: then n and n + 0x10000
 * (red one higher) come out alike but for one byte, where a palette
 * colour's sequence (3n, 9n, 38;5;n) has nothing in common with the RGB
 * one.  Asks the description, not its name: any direct entry works. */
static bool setaf_is_rgb(const char *setaf, int n)
{
	char a[64];
	snprintf(a, sizeof a, "%s", tiparm(setaf, n));
	const char *b = tiparm(setaf, n + 0x10000);
	if (!b || strlen(a) != strlen(b))
		return false;
	int diff = 0;
	for (size_t i = 0; a[i]; i++)
		diff += a[i] != b[i];
	return diff == 1;
}

/* The palette of the current direct-colour description: how many of the
 * low colour numbers its setaf names as palette colours (0, 8, 16, 256). */
static int direct_palette(void)
{
	const char *setaf = tigetstr("setaf");
	if (!setaf || setaf == (char *)-1)
		return 0;
	static const int sizes[] = { 256, 16, 8 };
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++)
		if (!setaf_is_rgb(setaf, sizes[i] - 1))
			return sizes[i];
	return 0;
}

void pane_colors_init(void)
{
	unsigned epoch = col.epoch;
	memset(&col, 0, sizeof col);
	col.epoch = epoch + 1; /* a new screen: nothing drawn has a pair of ours */
	pairs_clear();
	col.mode = (enum color_mode)pane_color_mode(has_colors(), COLORS);
	if (col.mode == CM_NONE)
		return;
	col.default_ok = use_default_colors() == OK;
	if (col.mode == CM_DIRECT)
		col.palette = direct_palette();
	build_map();
}

unsigned pane_colors_epoch(void)
{
	return col.epoch;
}

/* A term colour as a curses colour number; -1 is the terminal's default
 * (or white on black when it has no default colours). */
static int curses_color(const struct term_color *c, bool fg, attr_t *attr)
{
	int n = -1;
	if (c->type == TERM_COLOR_INDEX) {
		n = col.map[c->index];
		/* bright colours on an 8-colour terminal: bold is the old way */
		if (fg && col.mode == CM_8 && c->index >= 8 && c->index < 16)
			*attr |= A_BOLD;
	} else if (c->type == TERM_COLOR_RGB) {
		n = col.mode == CM_DIRECT ? direct_rgb(c->r, c->g, c->b)
					  : col.map[nearest256(c->r, c->g, c->b)];
	}
	if (n < 0 && !col.default_ok)
		n = fg ? COLOR_WHITE : COLOR_BLACK;
	return n;
}

/* ---- cells ---- */

/* What curses is given in place of a character it must not or cannot show. */
#define REPLACEMENT L'?'

static bool printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x10ffff ||
	    (c >= 0xd800 && c < 0xe000))
		return false;
	return true;
}

/* Invisible format characters (bidi marks, overrides and isolates,
 * zero-width spaces and joiners, the BOM): zero-width like combining marks,
 * but a terminal that honours them would reorder or join what it shows,
 * so they are not passed on as marks. */
static bool format_char(uint32_t c)
{
	return c == 0x61c || c == 0x180e || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c == 0xfeff;
}

/* One drawing pass: the colour pair cache (runs of cells share colours)
 * and whether a pair reset is still allowed. */
struct pass {
	struct term_color fg, bg;
	attr_t extra;
	int pair;
	bool cached, reset_ok;
	bool no_pair; /* the cached colours wanted a pair and got none */
	bool dim;     /* every cell A_DIM (pane_view.dim) */
};

static bool same_color(const struct term_color *a, const struct term_color *b)
{
	return a->type == b->type && a->index == b->index && a->r == b->r &&
	       a->g == b->g && a->b == b->b;
}

static int cell_pair(struct pass *ps, const struct term_cellview *cv, attr_t *attr)
{
	if (!ps->cached || !same_color(&ps->fg, &cv->fg) || !same_color(&ps->bg, &cv->bg)) {
		attr_t extra = 0;
		int fg = curses_color(&cv->fg, true, &extra);
		int bg = curses_color(&cv->bg, false, &extra);
		ps->pair = pair_for(fg, bg, &ps->reset_ok);
		ps->no_pair = ps->pair == 0 && col.mode != CM_NONE && (fg != -1 || bg != -1);
		ps->extra = extra;
		ps->fg = cv->fg;
		ps->bg = cv->bg;
		ps->cached = true;
	}
	*attr |= ps->extra;
	return ps->pair;
}

attr_t pane_attrs(const struct term_cellview *cv)
{
	attr_t a = A_NORMAL;
	if (cv->attrs & TERM_BOLD)
		a |= A_BOLD;
#ifdef A_ITALIC
	if (cv->attrs & TERM_ITALIC)
		a |= A_ITALIC;
#endif
	if (cv->attrs & TERM_DIM)
		a |= A_DIM;
	/* no underline styles in curses; strike and overline: see the top */
	if (cv->attrs & (TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE | TERM_UNDERLINE_CURLY))
		a |= A_UNDERLINE;
	if (cv->attrs & TERM_BLINK)
		a |= A_BLINK;
	if (cv->attrs & TERM_REVERSE)
		a |= A_REVERSE;
	return a;
}

/* The characters of a cell as curses takes them: base and combining marks
 * (only those the locale calls zero-width).  Returns the columns the base
 * takes in this locale, or 1 with REPLACEMENT when it cannot be shown. */
static int cell_chars(const struct term_cellview *cv, wchar_t *ws)
{
	uint32_t c = cv->chars[0];
	int n = 0;
	if (c == 0 || (cv->attrs & TERM_CONCEAL)) {
		ws[0] = L' ', ws[1] = 0;
		return 1;
	}
	int w = printable(c) ? wcwidth((wchar_t)c) : -1;
	if (w < 1) {
		ws[0] = REPLACEMENT, ws[1] = 0;
		return 1;
	}
	ws[n++] = (wchar_t)c;
	for (int i = 1; i < TERM_MAX_CHARS && cv->chars[i] && n < CCHARW_MAX; i++)
		if (printable(cv->chars[i]) && !format_char(cv->chars[i]) &&
		    wcwidth((wchar_t)cv->chars[i]) == 0)
			ws[n++] = (wchar_t)cv->chars[i];
	ws[n] = 0;
	return w;
}

static void set_cell(cchar_t *cc, const wchar_t *ws, attr_t a, int pair)
{
	setcchar(cc, ws, a, 0, &pair);
}

static void blank_cell(struct pass *ps, cchar_t *cc)
{
	static const struct term_cellview empty; /* default colours */
	attr_t a = A_NORMAL;
	int pair = cell_pair(ps, &empty, &a);
	set_cell(cc, L" ", a, pair);
}

/* Fill out[] for term row `row`, columns x0 up to w; returns the number of
 * elements (a wide character is one element for two columns).  `seen`,
 * when given, gets each column's cell as term_cell() shows it. */
static int build_row(struct pass *ps, const struct term *t, int row, int ncols, int x0, int w,
		     cchar_t *out, struct term_cellview *seen)
{
	int n = 0, x = x0;
	while (x < w) {
		struct term_cellview cv;
		wchar_t ws[CCHARW_MAX + 1];
		if (x >= ncols || !term_cell(t, row, (unsigned)x, &cv))
			memset(&cv, 0, sizeof cv);
		if (seen) {
			seen[x] = cv;
			if (cv.width == 2 && x + 1 < w &&
			    (x + 1 >= ncols || !term_cell(t, row, (unsigned)x + 1, &seen[x + 1])))
				memset(&seen[x + 1], 0, sizeof seen[x + 1]);
		}
		attr_t a = pane_attrs(&cv) | (ps->dim ? A_DIM : 0);
		int pair = cell_pair(ps, &cv, &a);
		if (seen && ps->no_pair) /* shown without its colours: drawn again next time */
			memset(&seen[x], 0xff, sizeof seen[x] * (cv.width == 2 && x + 1 < w ? 2 : 1));
		int cw = cell_chars(&cv, ws);
		if (cv.width == 2) {
			/* a wide character needs both columns here and in the locale */
			if (cw == 2 && x + 1 < w) {
				set_cell(&out[n++], ws, a, pair);
				x += 2;
				continue;
			}
			if (cw != 1 || x + 1 >= w)
				ws[0] = x + 1 < w ? REPLACEMENT : L' ', ws[1] = 0;
			set_cell(&out[n++], ws, a, pair);
			if (x + 1 < w)
				set_cell(&out[n++], L" ", a, pair);
			x += 2;
			continue;
		}
		if (cw != 1 || cv.width == 0) /* locale-wide in a narrow cell; a stray half */
			ws[0] = cv.width == 0 ? L' ' : REPLACEMENT, ws[1] = 0;
		set_cell(&out[n++], ws, a, pair);
		x++;
	}
	return n;
}

/* ---- drawing ---- */

/* One row of cells for curses, grown to the widest view drawn so far. */
static cchar_t *line_buf(int w)
{
	static cchar_t *line;
	static int cap;
	if (w > cap) {
		line = xreallocarray(line, (size_t)w, sizeof *line);
		cap = w;
	}
	return line;
}

struct pane_shadow {
	WINDOW *win;             /* what it is a shadow of */
	const struct term *t;
	int h, w;
	bool whole;              /* every row recorded since the view was set up */
	struct term_cellview *cells; /* h rows of w */
};

struct pane_shadow *pane_shadow_new(void)
{
	return xcalloc(1, sizeof(struct pane_shadow));
}

void pane_shadow_free(struct pane_shadow *s)
{
	if (s)
		free(s->cells);
	free(s);
}

void pane_shadow_forget(struct pane_shadow *s, int vrow, int x, int n)
{
	if (!s || !s->cells || vrow < 0 || vrow >= s->h || x < 0 || x >= s->w)
		return;
	n = MIN(n, s->w - x);
	if (n > 0)
		memset(s->cells + (size_t)vrow * (size_t)s->w + (size_t)x, 0xff,
		       (size_t)n * sizeof *s->cells);
}

/* The shadow's row for view row vrow, when it stands for this view of t's
 * live screen (scroll: lines scrolled back, as drawn); NULL otherwise. */
static struct term_cellview *shadow_row(const struct pane_view *v, const struct term *t, int vrow,
					int scroll)
{
	struct pane_shadow *s = v->shadow;
	if (!s || scroll > 0)
		return NULL;
	if (s->win != v->win || s->t != t || s->h != v->h || s->w != v->w) {
		s->cells = xreallocarray(s->cells, (size_t)v->h * (size_t)v->w, sizeof *s->cells);
		s->win = v->win;
		s->t = t;
		s->h = v->h;
		s->w = v->w;
		s->whole = false;
	}
	return s->cells + (size_t)vrow * (size_t)v->w;
}

/* Field by field, not memcmp: term_cell() leaves the padding after
 * `width` as it was (16-bit attrs), which made every cell look changed.
 * A forgotten cell (all 0xff) has width 255, which no cell has. */
static bool same_cell(const struct term_cellview *a, const struct term_cellview *b)
{
	return a->width == b->width && a->attrs == b->attrs &&
	       !memcmp(a->chars, b->chars, sizeof a->chars) && same_color(&a->fg, &b->fg) &&
	       same_color(&a->bg, &b->bg);
}

/* The columns of the row that changed since the shadow was taken (and the
 * shadow brought up to date); false when none did.  The span covers whole
 * wide characters. */
static bool changed_span(const struct term *t, int trow, int ncols, int w,
			 struct term_cellview *seen, int *lo, int *hi)
{
	*lo = -1;
	for (int x = 0; x < w; x++) {
		struct term_cellview cv;
		if (x >= ncols || !term_cell(t, trow, (unsigned)x, &cv))
			memset(&cv, 0, sizeof cv);
		if (!same_cell(&cv, &seen[x])) {
			if (*lo < 0)
				*lo = x;
			*hi = x;
			seen[x] = cv;
		}
	}
	if (*lo < 0)
		return false;
	while (*lo > 0 && seen[*lo].width == 0) /* the right half of a wide one */
		(*lo)--;
	if (seen[*hi].width == 2 && *hi + 1 < w)
		(*hi)++;
	return true;
}

/* `whole`: draw every cell (and take the shadow afresh); otherwise, with a
 * shadow, only the cells that changed. */
static void draw_line(const struct pane_view *v, struct pass *ps, const struct term *t,
		      int vrow, int trow, unsigned rows, unsigned cols, bool whole)
{
	cchar_t *line = line_buf(v->w);
	int n, x0 = 0;
	long sb = (long)term_scrollback_len(t);
	struct term_cellview *seen = shadow_row(v, t, vrow, vrow - trow);
	if (trow >= (int)rows || trow < -sb) {
		for (n = 0; n < v->w; n++)
			blank_cell(ps, &line[n]);
		if (seen) /* no cell term_cell() gives: drawn whole next time */
			memset(seen, 0xff, (size_t)v->w * sizeof *seen);
	} else {
		/* scrollback lines may be wider than the screen is now */
		int ncols = trow < 0 ? v->w : (int)cols;
		int lo, hi = v->w - 1;
		if (seen && !whole && v->shadow->whole) {
			if (!changed_span(t, trow, ncols, v->w, seen, &lo, &hi))
				return; /* as shown */
			x0 = lo;
		}
		n = build_row(ps, t, trow, ncols, x0, hi + 1, line, seen);
	}
	mvwadd_wchnstr(v->win, v->y + vrow, v->x + x0, line, n);
}

static int view_scroll(const struct pane_view *v, const struct term *t)
{
	long sb = (long)term_scrollback_len(t);
	return v->scroll <= 0 ? 0 : v->scroll > sb ? (int)sb : v->scroll;
}

static void draw_rows(const struct pane_view *v, const struct term *t, int first, int last,
		      bool all)
{
	if (v->h <= 0 || v->w <= 0)
		return;
	unsigned rows, cols;
	term_size(t, &rows, &cols);
	int scroll = view_scroll(v, t);
	if (scroll > 0 || all)
		first = 0, last = v->h - 1;
	if (first < 0)
		first = 0;
	/* rows below the term (it is smaller than the view) are blank: redraw
	 * them with the term's last row */
	if (last >= (int)rows - 1)
		last = v->h - 1;
	if (last > v->h - 1)
		last = v->h - 1;
	/* curses gives cells of pair 0 the window's pair and adds its
	 * attributes: a title drawn in this window would colour the console */
	wattr_set(v->win, A_NORMAL, 0, NULL);
	unsigned epoch = col.epoch;
	struct pass ps = { .reset_ok = true, .dim = v->dim };
	bool whole = all || scroll > 0;
	for (int r = first; r <= last; r++) {
		draw_line(v, &ps, t, r, r - scroll, rows, cols, whole);
		if (col.epoch != epoch) {
			/* the pairs of rows drawn so far are gone: start again */
			epoch = col.epoch;
			ps.cached = false;
			r = -1;
			first = 0, last = v->h - 1;
			whole = true;
		}
	}
	/* rows drawn whole from the top to the bottom of the live screen: the
	 * shadow holds all of them */
	if (v->shadow && scroll > 0)
		v->shadow->whole = false;
	else if (v->shadow && whole && first == 0 && last == v->h - 1)
		v->shadow->whole = true;
}

void pane_draw(const struct pane_view *v, const struct term *t, int first, int last)
{
	if (first > last)
		return;
	draw_rows(v, t, first, last, false);
}

void pane_draw_all(const struct pane_view *v, const struct term *t)
{
	draw_rows(v, t, 0, 0, true);
}

bool pane_cursor(const struct pane_view *v, const struct term *t, int *y, int *x)
{
	int row, c;
	bool visible;
	term_cursor(t, &row, &c, &visible);
	if (!visible || view_scroll(v, t) > 0 || row < 0 || c < 0 || row >= v->h || c >= v->w)
		return false;
	*y = v->y + row;
	*x = v->x + c;
	return true;
}

/* ---- keys ---- */

struct keymap {
	int code; /* curses key code */
	uint8_t sym, mods;
};

static const struct keymap std_keys[] = {
	{ KEY_UP, TERM_KEY_UP, 0 }, { KEY_DOWN, TERM_KEY_DOWN, 0 },
	{ KEY_LEFT, TERM_KEY_LEFT, 0 }, { KEY_RIGHT, TERM_KEY_RIGHT, 0 },
	{ KEY_HOME, TERM_KEY_HOME, 0 }, { KEY_END, TERM_KEY_END, 0 },
	{ KEY_PPAGE, TERM_KEY_PAGEUP, 0 }, { KEY_NPAGE, TERM_KEY_PAGEDOWN, 0 },
	{ KEY_DC, TERM_KEY_DEL, 0 }, { KEY_IC, TERM_KEY_INS, 0 },
	{ KEY_BACKSPACE, TERM_KEY_BACKSPACE, 0 }, { KEY_ENTER, TERM_KEY_ENTER, 0 },
	{ KEY_BTAB, TERM_KEY_TAB, TERM_MOD_SHIFT },
	{ KEY_SR, TERM_KEY_UP, TERM_MOD_SHIFT }, { KEY_SF, TERM_KEY_DOWN, TERM_MOD_SHIFT },
	{ KEY_SLEFT, TERM_KEY_LEFT, TERM_MOD_SHIFT },
	{ KEY_SRIGHT, TERM_KEY_RIGHT, TERM_MOD_SHIFT },
	{ KEY_SHOME, TERM_KEY_HOME, TERM_MOD_SHIFT }, { KEY_SEND, TERM_KEY_END, TERM_MOD_SHIFT },
	{ KEY_SPREVIOUS, TERM_KEY_PAGEUP, TERM_MOD_SHIFT },
	{ KEY_SNEXT, TERM_KEY_PAGEDOWN, TERM_MOD_SHIFT },
	{ KEY_SDC, TERM_KEY_DEL, TERM_MOD_SHIFT }, { KEY_SIC, TERM_KEY_INS, TERM_MOD_SHIFT },
	/* the keypad's corners, when the terminal sends them apart */
	{ KEY_A1, TERM_KEY_HOME, 0 }, { KEY_A3, TERM_KEY_PAGEUP, 0 },
	{ KEY_C1, TERM_KEY_END, 0 }, { KEY_C3, TERM_KEY_PAGEDOWN, 0 },
};

/* Modified keys ncurses knows only by terminfo's extended names (kUP5 is
 * ctrl-up): their codes are assigned at run time, so they are looked up
 * once.  The suffix is xterm's modifier parameter, 1 + shift|alt<<1|ctrl<<2,
 * which is TERM_MOD_* + 1; no suffix means shift. */
#define EXT_MAX 80
static struct keymap ext_keys[EXT_MAX];
static int n_ext = -1;

static void ext_keys_init(void)
{
	static const struct {
		const char *name;
		uint8_t sym;
	} names[] = {
		{ "UP", TERM_KEY_UP }, { "DN", TERM_KEY_DOWN }, { "LFT", TERM_KEY_LEFT },
		{ "RIT", TERM_KEY_RIGHT }, { "HOM", TERM_KEY_HOME }, { "END", TERM_KEY_END },
		{ "PRV", TERM_KEY_PAGEUP }, { "NXT", TERM_KEY_PAGEDOWN },
		{ "DC", TERM_KEY_DEL }, { "IC", TERM_KEY_INS },
	};
	n_ext = 0;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		for (int mod = 2; mod <= 8 && n_ext < EXT_MAX; mod++) {
			char cap[16];
			if (mod == 2)
				snprintf(cap, sizeof cap, "k%s", names[i].name);
			else
				snprintf(cap, sizeof cap, "k%s%d", names[i].name, mod);
			const char *s = tigetstr(cap);
			int code = s && s != (char *)-1 ? key_defined(s) : 0;
			if (code > 0)
				ext_keys[n_ext++] = (struct keymap){ code, names[i].sym,
								     (uint8_t)(mod - 1) };
		}
	}
}

static const struct keymap *find_key(int code)
{
	for (size_t i = 0; i < ARRAY_LEN(std_keys); i++)
		if (std_keys[i].code == code)
			return &std_keys[i];
	if (n_ext < 0)
		ext_keys_init();
	for (int i = 0; i < n_ext; i++)
		if (ext_keys[i].code == code)
			return &ext_keys[i];
	return NULL;
}

/* Function keys as xterm's terminfo numbers them: F13-F24 are shift-F1-F12,
 * then ctrl, ctrl-shift, alt, alt-shift. */
static bool fkey(int code, struct term *t, struct buf *out)
{
	static const uint8_t mods[] = { 0, TERM_MOD_SHIFT, TERM_MOD_CTRL,
					TERM_MOD_CTRL | TERM_MOD_SHIFT, TERM_MOD_ALT,
					TERM_MOD_ALT | TERM_MOD_SHIFT };
	int n = code - KEY_F0 - 1;
	if (n < 0 || n >= 12 * (int)ARRAY_LEN(mods))
		return false;
	term_key(t, 0, (enum term_keysym)(TERM_KEY_F1 + n % 12), mods[n / 12], out);
	return true;
}

static bool char_key(struct term *t, wint_t c, struct buf *out)
{
	enum term_keysym sym = TERM_KEY_NONE;
	switch (c) {
	case 0: buf_append(out, "", 1); return true; /* ctrl-space: NUL */
	case '\r': sym = TERM_KEY_ENTER; break;
	case '\t': sym = TERM_KEY_TAB; break;
	case 0x7f: sym = TERM_KEY_BACKSPACE; break;
	case 0x1b: sym = TERM_KEY_ESCAPE; break;
	default: break;
	}
	if (c > 0x10ffff)
		return false;
	term_key(t, sym == TERM_KEY_NONE ? (uint32_t)c : 0, sym, 0, out);
	return true;
}

bool pane_key(struct term *t, int ret, wint_t key, struct buf *out)
{
	if (ret == OK)
		return char_key(t, key, out);
	if (ret != KEY_CODE_YES)
		return false;
	if ((int)key > KEY_F0 && (int)key <= KEY_F(63))
		return fkey((int)key, t, out);
	const struct keymap *k = find_key((int)key);
	if (!k)
		return false; /* KEY_RESIZE, KEY_MOUSE, keys a guest has no name for */
	term_key(t, 0, (enum term_keysym)k->sym, k->mods, out);
	return true;
}
