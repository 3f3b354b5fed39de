/* term/tables.c: what a cell refers to outside itself: the term's
 * interned combining sequences (a base and its marks) and RGB colours,
 * compacted when full, and what libvterm makes of a codepoint (its width,
 * whether it combines), asked of a scratch libvterm and cached.  All of it
 * is the term's own. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "term/term-int.h"

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
		uint32_t v = (c[i].ch & TC_CP_MASK) - TC_COMBO_BASE;
		unsigned fg = c[i].fg & TC_COLOR_MASK, bg = c[i].bg & TC_COLOR_MASK;
		if (tc_is_combo(c[i].ch) && v < t->combo.n)
			gc->cmap[v] = 1;
		if (fg >= PALETTE_END)
			gc->rmap[fg - PALETTE_END] = 1;
		if (bg >= PALETTE_END)
			gc->rmap[bg - PALETTE_END] = 1;
	}
}

static void gc_remap(struct term *t, struct tcell *c, size_t n, void *arg)
{
	struct gc *gc = arg;
	(void)t;
	/* Every index in a live cell was marked; the bounds are a seat belt. */
	for (size_t i = 0; i < n; i++) {
		uint32_t v = (c[i].ch & TC_CP_MASK) - TC_COMBO_BASE;
		unsigned fg = c[i].fg & TC_COLOR_MASK, bg = c[i].bg & TC_COLOR_MASK;
		if (tc_is_combo(c[i].ch) && v < gc->ncombo) {
			uint32_t k = gc->cmap[v] - 1;
			c[i].ch = (c[i].ch & ~TC_CP_MASK) | (TC_COMBO_BASE + k);
		}
		/* the top bits are attributes: they stay */
		if (fg >= PALETTE_END && fg - PALETTE_END < gc->nrgb)
			c[i].fg = (uint16_t)((c[i].fg & ~TC_COLOR_MASK) |
					     (PALETTE_END + gc->rmap[fg - PALETTE_END] - 1));
		if (bg >= PALETTE_END && bg - PALETTE_END < gc->nrgb)
			c[i].bg = (uint16_t)((c[i].bg & ~TC_COLOR_MASK) |
					     (PALETTE_END + gc->rmap[bg - PALETTE_END] - 1));
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
 * U+3099 and U+309A width 2, and would add them to the glyph's width if
 * they came in the same write as their base: term_feed() never lets
 * them) are dropped, and
 * the glyph is as wide as its base alone: writing the cell again anywhere
 * (a snapshot does) then gives the same cell. */
uint32_t term_glyph_chars(struct term *t, const uint32_t *chars, int *width)
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
				return TC_COMBO_BASE + (c->hash[h] - 1);
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
	return TC_COMBO_BASE + (c->n - 1);
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

uint16_t term_color_index(struct term *t, const VTermColor *c)
{
	if (c->type & VTERM_COLOR_DEFAULT_MASK)
		return 0;
	if (VTERM_COLOR_IS_INDEXED(c))
		return (uint16_t)(1 + c->indexed.idx);
	return rgb_intern(t, (uint32_t)c->rgb.red << 16 | c->rgb.green << 8 | c->rgb.blue);
}

static void color_view(const struct term *t, uint16_t idx, struct term_color *out)
{
	memset(out, 0, sizeof *out);
	idx &= TC_COLOR_MASK;
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
	if (!tc_is_combo(c.ch))
		out->chars[0] = v;
	else if (v - TC_COMBO_BASE < t->combo.n)
		memcpy(out->chars, t->combo.seq[v - TC_COMBO_BASE], sizeof out->chars);
	static const uint8_t widths[4] = { 1, 1, 2, 0 }; /* by width code */
	out->width = widths[tc_width(c)];
	out->attrs = (uint16_t)tc_attrs(c);
	color_view(t, c.fg, &out->fg);
	color_view(t, c.bg, &out->bg);
}

void term_tables_init(struct term *t)
{
	combo_rehash(&t->combo);
	rgb_rehash(&t->rgb);
}

void term_tables_free(struct term *t)
{
	free(t->combo.seq);
	free(t->combo.hash);
	free(t->rgb.rgb);
	free(t->rgb.hash);
	probe_free(t->probe);
}
