/* tests/unit/test_term_util.h: shared by the term tests and the term fuzz
 * harness (no test framework in here): comparing two consoles cell by
 * cell, and a seeded generator of random console streams. */
#ifndef UMLTOP_TEST_TERM_UTIL_H
#define UMLTOP_TEST_TERM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "term/term.h"

/* A whole file, NUL-terminated ("" when empty); NULL when it cannot be
 * opened.  Its length in *len. */
static inline char *tt_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = { 0 };
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	if (!b.data)
		b.data = xstrdup("");
	return b.data;
}

static inline void tt_feeds(struct term *t, const char *s)
{
	term_feed(t, s, strlen(s));
}

static inline bool tt_color_eq(const struct term_color *a, const struct term_color *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == TERM_COLOR_INDEX)
		return a->index == b->index;
	if (a->type == TERM_COLOR_RGB)
		return a->r == b->r && a->g == b->g && a->b == b->b;
	return true;
}

static inline bool tt_cell_eq(const struct term_cellview *a, const struct term_cellview *b)
{
	return !memcmp(a->chars, b->chars, sizeof a->chars) && a->width == b->width &&
	       a->attrs == b->attrs && tt_color_eq(&a->fg, &b->fg) && tt_color_eq(&a->bg, &b->bg);
}

static inline void tt_describe(const struct term_cellview *c, char *s, size_t cap)
{
	snprintf(s, cap, "U+%04X%s w%u a%02x fg%u/%u bg%u/%u", c->chars[0],
		 c->chars[1] ? "+marks" : "", c->width, c->attrs, c->fg.type,
		 c->fg.type == TERM_COLOR_RGB ? (unsigned)(c->fg.r << 16 | c->fg.g << 8 | c->fg.b)
					      : c->fg.index,
		 c->bg.type,
		 c->bg.type == TERM_COLOR_RGB ? (unsigned)(c->bg.r << 16 | c->bg.g << 8 | c->bg.b)
					      : c->bg.index);
}

static inline bool tt_fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return false;
}

static inline bool tt_row_same(const struct term *a, const struct term *b, int row, unsigned cols,
			       char *why, size_t cap)
{
	for (unsigned x = 0; x < cols; x++) {
		struct term_cellview ca, cb;
		bool ha = term_cell(a, row, x, &ca), hb = term_cell(b, row, x, &cb);
		if (!ha || !hb)
			return tt_fail(why, cap, "row %d col %u: no cell (%d %d)", row, x, ha, hb);
		/* A wide glyph cut by the screen's edge (a scrollback line wider
		 * than the screen) is not replayed. */
		if (row < 0 && ca.width == 2 && x + 1 == cols && cb.chars[0] == 0)
			continue;
		if (!tt_cell_eq(&ca, &cb)) {
			char da[96], db[96];
			tt_describe(&ca, da, sizeof da);
			tt_describe(&cb, db, sizeof db);
			return tt_fail(why, cap, "row %d col %u: %s != %s", row, x, da, db);
		}
	}
	return true;
}

/* Whether b (a replay of a's snapshot with k scrollback lines) shows what a
 * shows: every screen cell, the last k scrollback lines, the cursor and its
 * visibility, the alternate screen flag and the title. */
static inline bool tt_same(const struct term *a, const struct term *b, size_t k, char *why,
			   size_t cap)
{
	unsigned ra, ca, rb, cb;
	term_size(a, &ra, &ca);
	term_size(b, &rb, &cb);
	if (ra != rb || ca != cb)
		return tt_fail(why, cap, "size %ux%u != %ux%u", ra, ca, rb, cb);
	if (term_altscreen(a) != term_altscreen(b))
		return tt_fail(why, cap, "altscreen %d != %d", term_altscreen(a), term_altscreen(b));
	int r1, c1, r2, c2;
	bool v1, v2;
	term_cursor(a, &r1, &c1, &v1);
	term_cursor(b, &r2, &c2, &v2);
	if (r1 != r2 || c1 != c2 || v1 != v2)
		return tt_fail(why, cap, "cursor %d,%d,%d != %d,%d,%d", r1, c1, v1, r2, c2, v2);
	if (strcmp(term_title(a), term_title(b)))
		return tt_fail(why, cap, "title '%s' != '%s'", term_title(a), term_title(b));
	for (unsigned r = 0; r < ra; r++)
		if (!tt_row_same(a, b, (int)r, ca, why, cap))
			return false;
	if (term_scrollback_len(b) < k)
		return tt_fail(why, cap, "replay has %zu scrollback lines, want %zu",
			       term_scrollback_len(b), k);
	for (size_t i = 1; i <= k; i++)
		if (!tt_row_same(a, b, -(int)i, ca, why, cap))
			return false;
	return true;
}

/* Snapshot a (with up to k scrollback lines), replay into a fresh term of
 * the same size and compare. */
static inline bool tt_roundtrip(const struct term *a, unsigned k, unsigned sb_cap, char *why,
				size_t cap)
{
	struct buf snap = { 0 };
	term_snapshot(a, k, &snap);
	unsigned rows, cols;
	term_size(a, &rows, &cols);
	struct term *b = term_new(rows, cols, sb_cap, TERM_SILENT, NULL, NULL);
	term_feed(b, snap.data, snap.len);
	size_t want = MIN((size_t)k, term_scrollback_len(a));
	want = MIN(want, (size_t)sb_cap);
	bool ok = tt_same(a, b, want, why, cap);
	term_free(b);
	buf_free(&snap);
	return ok;
}

/* ---- random console streams ---- */

struct tt_rng {
	uint64_t s;
};

static inline uint32_t tt_next(struct tt_rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

static inline unsigned tt_below(struct tt_rng *r, unsigned n)
{
	return n ? tt_next(r) % n : 0;
}

static inline void tt_utf8(struct buf *b, uint32_t cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, s, n);
}

static inline void tt_sgr(struct tt_rng *r, struct buf *b)
{
	buf_append(b, "\033[", 2);
	unsigned n = 1 + tt_below(r, 4);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			buf_append(b, ";", 1);
		static const char *simple[] = { "0", "1", "3", "4", "5", "7", "8", "9", "21",
						"22", "23", "24", "25", "27", "28", "29", "39", "49", "" };
		switch (tt_below(r, 6)) {
		case 0: buf_printf(b, "%s", simple[tt_below(r, ARRAY_LEN(simple))]); break;
		case 1: buf_printf(b, "%u", 30 + tt_below(r, 8) + (tt_below(r, 2) ? 60 : 0)); break;
		case 2: buf_printf(b, "%u", 40 + tt_below(r, 8) + (tt_below(r, 2) ? 60 : 0)); break;
		case 3: buf_printf(b, "%u;5;%u", tt_below(r, 2) ? 38 : 48, tt_below(r, 256)); break;
		case 4:
			buf_printf(b, "%u;2;%u;%u;%u", tt_below(r, 2) ? 38 : 48, tt_below(r, 256),
				   tt_below(r, 256), tt_below(r, 256));
			break;
		default: buf_printf(b, "%u", tt_below(r, 2) ? 1 : 0); break;
		}
	}
	buf_append(b, "m", 1);
}

static inline void tt_text(struct tt_rng *r, struct buf *b, unsigned n)
{
	static const uint32_t wide[] = { 0x65e5, 0x672c, 0x8a9e, 0xac00, 0xff21, 0x1f600 };
	static const uint32_t marks[] = { 0x301, 0x308, 0x323, 0x20dd, 0x302a, 0x3099 };
	static const uint32_t other[] = { 0xe9, 0xdf, 0x3b1, 0x416, 0x2500, 0x2588, 0xfffd };
	for (unsigned i = 0; i < n; i++) {
		unsigned k = tt_below(r, 100);
		if (k < 70)
			tt_utf8(b, 0x21 + tt_below(r, 94));
		else if (k < 78)
			buf_append(b, " ", 1);
		else if (k < 84)
			tt_utf8(b, wide[tt_below(r, ARRAY_LEN(wide))]);
		else if (k < 90)
			tt_utf8(b, marks[tt_below(r, ARRAY_LEN(marks))]);
		else if (k < 96)
			tt_utf8(b, other[tt_below(r, ARRAY_LEN(other))]);
		else if (k < 98)
			buf_append(b, "\xff\xc3", 2); /* invalid UTF-8 */
		else
			tt_utf8(b, 0x80 + tt_below(r, 32)); /* C1 as UTF-8 */
	}
}

/* One random operation of a console stream, for rows x cols. */
static inline void tt_op(struct tt_rng *r, struct buf *b, unsigned rows, unsigned cols)
{
	unsigned k = tt_below(r, 100);
	unsigned y = 1 + tt_below(r, rows + 2), x = 1 + tt_below(r, cols + 2);
	if (k < 30) {
		tt_text(r, b, 1 + tt_below(r, cols + cols / 2));
	} else if (k < 40) {
		buf_append(b, "\r\n", 2);
	} else if (k < 50) {
		tt_sgr(r, b);
	} else if (k < 58) {
		buf_printf(b, "\033[%u;%uH", y, x);
	} else if (k < 64) {
		static const char *mv = "ABCDEFGdG`aef";
		buf_printf(b, "\033[%u%c", tt_below(r, 6), mv[tt_below(r, 13)]);
	} else if (k < 72) {
		static const char *er = "JKX@PLMST";
		buf_printf(b, "\033[%u%c", tt_below(r, 4), er[tt_below(r, 9)]);
	} else if (k < 75) {
		unsigned top = 1 + tt_below(r, rows), bot = top + tt_below(r, rows);
		if (tt_below(r, 3))
			buf_printf(b, "\033[%u;%ur", top, bot);
		else
			buf_append(b, "\033[r", 3);
	} else if (k < 78) {
		static const char *alt[] = { "\033[?1049h", "\033[?1049l", "\033[?1047h",
					     "\033[?1047l" };
		buf_printf(b, "%s", alt[tt_below(r, 4)]);
	} else if (k < 82) {
		static const char *ctl[] = { "\n", "\r", "\b", "\t", "\033M", "\033D", "\033E",
					     "\a", "\0337", "\0338", "\033[s", "\033[u" };
		buf_printf(b, "%s", ctl[tt_below(r, ARRAY_LEN(ctl))]);
	} else if (k < 86) {
		static const char *modes[] = { "\033[?25l", "\033[?25h", "\033[?7l", "\033[?7h",
					       "\033[4h", "\033[4l", "\033[?6h", "\033[?6l",
					       "\033[?1h", "\033[?1l", "\033=", "\033>",
					       "\033[?2004h", "\033[?2004l" };
		buf_printf(b, "%s", modes[tt_below(r, ARRAY_LEN(modes))]);
	} else if (k < 89) {
		static const char *prot[] = { "\033[1\"q", "\033[0\"q", "\033[?K", "\033[?1K",
					      "\033[?J", "\033[?2J", "\033[2\"q" };
		buf_printf(b, "%s", prot[tt_below(r, ARRAY_LEN(prot))]);
	} else if (k < 91) {
		buf_printf(b, "\033]%u;title %u\a", tt_below(r, 3), tt_below(r, 1000));
	} else if (k < 92) {
		buf_printf(b, "%s", tt_below(r, 4) ? "\033#8" : "\033c");
	} else {
		/* A long run that wraps. */
		tt_text(r, b, cols + tt_below(r, 2 * cols + 1));
	}
}

static inline void tt_stream(struct tt_rng *r, struct buf *b, unsigned rows, unsigned cols,
			     unsigned ops)
{
	for (unsigned i = 0; i < ops; i++)
		tt_op(r, b, rows, cols);
}

#endif
