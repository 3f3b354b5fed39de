/* term/: two consoles fed on two threads at once (the feed worker and the
 * main thread do that) each end up exactly as if fed alone: wide glyphs
 * take two columns, combining marks stay on their base.  Each stream
 * mixes plain text with wide (CJK, Hangul, emoji) and combining
 * characters, distinct per thread, so that both threads ask what libvterm
 * makes of codepoints it has not seen at the same time.  Under
 * ThreadSanitizer (scripts/check) it also proves that no state is shared
 * between the two terms. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_term_util.h"

#define ROWS 24
#define COLS 80
#define SB 3000
#define LINES 2500
#define NTHREADS 2

/* What each thread writes: its own bases and marks. */
struct alphabet {
	uint32_t wide_lo, wide_n;   /* wide bases, e.g. CJK ideographs */
	uint32_t emoji_lo, emoji_n; /* wide, outside the BMP */
	uint32_t narrow_lo, narrow_n; /* narrow bases at or above U+0300 */
	uint32_t marks[4];
	char end_wide[8], end_base[8]; /* the last line, checked by hand */
	uint32_t end_wide_cp, end_base_cp, end_mark;
};

static const struct alphabet alphabets[NTHREADS] = {
	{ 0x4e00, 0x5000, 0x1f300, 0xff, 0x0400, 0x100, { 0x301, 0x333, 0x20d0, 0x1dc0 },
	  "\xe4\xb8\x80", "\xd0\x96", 0x4e00, 0x416, 0x301 },
	{ 0xac00, 0x2ba4, 0x1f600, 0x4f, 0x0531, 0x26, { 0x302, 0x334, 0x20d1, 0x1dc1 },
	  "\xea\xb0\x80", "\xd4\xb1", 0xac00, 0x531, 0x302 },
};

struct stream {
	const struct alphabet *a;
	struct buf text;
	struct term *t;
	pthread_barrier_t *start;
};

static void gen(struct stream *s, uint64_t seed)
{
	const struct alphabet *a = s->a;
	struct tt_rng r = { seed };
	for (unsigned line = 0; line < LINES; line++) {
		unsigned n = tt_below(&r, 60);
		for (unsigned i = 0; i < n; i++) {
			unsigned k = tt_below(&r, 100);
			if (k < 40) {
				tt_utf8(&s->text, 0x21 + tt_below(&r, 94));
			} else if (k < 50) {
				buf_append(&s->text, " ", 1);
			} else if (k < 65) {
				tt_utf8(&s->text, a->wide_lo + tt_below(&r, a->wide_n));
			} else if (k < 70) {
				tt_utf8(&s->text, a->emoji_lo + tt_below(&r, a->emoji_n));
			} else {
				/* a base and one or two marks */
				switch (tt_below(&r, 3)) {
				case 0: tt_utf8(&s->text, a->wide_lo + tt_below(&r, a->wide_n)); break;
				case 1: tt_utf8(&s->text, a->narrow_lo + tt_below(&r, a->narrow_n)); break;
				default: tt_utf8(&s->text, 'a' + tt_below(&r, 26)); break;
				}
				tt_utf8(&s->text, a->marks[tt_below(&r, 4)]);
				if (tt_below(&r, 3) == 0)
					tt_utf8(&s->text, a->marks[tt_below(&r, 4)]);
			}
		}
		buf_append(&s->text, "\r\n", 2);
	}
	buf_printf(&s->text, "end %s|%s", a->end_wide, a->end_base);
	tt_utf8(&s->text, a->end_mark);
	buf_append(&s->text, "|", 1);
}

/* Pieces of pty-read sizes that cut characters and sequences anywhere; the
 * same seed gives the same pieces. */
static void feed_pieces(struct term *t, const struct buf *b, uint64_t seed)
{
	struct tt_rng r = { seed };
	for (size_t off = 0; off < b->len;) {
		size_t n = 1 + (size_t)tt_below(&r, 512);
		n = MIN(n, b->len - off);
		term_feed(t, b->data + off, n);
		off += n;
	}
}

static void *feeder(void *arg)
{
	struct stream *s = arg;
	pthread_barrier_wait(s->start);
	feed_pieces(s->t, &s->text, 7);
	return NULL;
}

static void assert_end_line(const struct term *t, const struct alphabet *a)
{
	int row, col;
	bool visible;
	term_cursor(t, &row, &col, &visible);
	struct term_cellview v;
	/* "end " then the wide glyph in columns 4-5, '|', base+mark in 7 */
	assert_true(term_cell(t, row, 4, &v));
	assert_int_equal(v.chars[0], a->end_wide_cp);
	assert_int_equal(v.chars[1], 0);
	assert_int_equal(v.width, 2);
	assert_true(term_cell(t, row, 5, &v));
	assert_int_equal(v.width, 0);
	assert_true(term_cell(t, row, 6, &v));
	assert_int_equal(v.chars[0], '|');
	assert_true(term_cell(t, row, 7, &v));
	assert_int_equal(v.chars[0], a->end_base_cp);
	assert_int_equal(v.chars[1], a->end_mark);
	assert_int_equal(v.chars[2], 0);
	assert_int_equal(v.width, 1);
	assert_true(term_cell(t, row, 8, &v));
	assert_int_equal(v.chars[0], '|');
	assert_int_equal(col, 9);
}

/* Every wide glyph on the screen and in the scrollback is a left half
 * followed by its right half, and a cell holding marks holds a base
 * first. */
static void assert_well_formed(const struct term *t)
{
	int lines = (int)term_scrollback_len(t);
	unsigned wide = 0, marked = 0;
	for (int row = -lines; row < ROWS; row++) {
		for (unsigned x = 0; x < COLS; x++) {
			struct term_cellview v;
			assert_true(term_cell(t, row, x, &v));
			if (v.width == 2 && x + 1 < COLS) {
				struct term_cellview h;
				assert_true(term_cell(t, row, x + 1, &h));
				if (h.width != 0)
					fail_msg("row %d col %u: wide U+%04X without its right half",
						 row, x, v.chars[0]);
				wide++;
			}
			if (v.chars[1]) {
				assert_true(v.chars[0] != 0);
				marked++;
			}
		}
	}
	/* the streams are made of these: they must be there */
	assert_true(wide > 1000);
	assert_true(marked > 1000);
}

static void two_threads_as_one(void **state)
{
	(void)state;
	struct stream s[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t start;
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (unsigned i = 0; i < NTHREADS; i++) {
		s[i] = (struct stream){ .a = &alphabets[i], .start = &start };
		gen(&s[i], 0x9e3779b97f4a7c15ull * (i + 1));
		s[i].t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	}
	for (unsigned i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, feeder, &s[i]), 0);
	for (unsigned i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start);

	for (unsigned i = 0; i < NTHREADS; i++) {
		struct term *want = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
		feed_pieces(want, &s[i].text, 7);
		char why[256] = "";
		if (!tt_same(want, s[i].t, term_scrollback_len(want), why, sizeof why))
			fail_msg("console %u fed on a thread differs from one fed alone: %s", i, why);
		assert_int_equal(term_scrollback_len(s[i].t), term_scrollback_len(want));
		assert_end_line(s[i].t, s[i].a);
		assert_well_formed(s[i].t);
		term_free(want);
		term_free(s[i].t);
		buf_free(&s[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_threads_as_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
