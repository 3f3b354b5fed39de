/* term/ snapshots: a screen encoded by term_snapshot() and fed to a fresh
 * term of the same size shows the same cells, scrollback, cursor and
 * title.  Hand-made cases for each kind of cell, then the property over
 * random console streams and over recorded UML consoles cut at many
 * points.
 *
 * With `--corpus DIR` the program instead writes seed inputs for
 * fuzz/fuzz-term made from the same random streams. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_term_util.h"

static struct term *mk(unsigned rows, unsigned cols, unsigned sb)
{
	return term_new(rows, cols, sb, TERM_SILENT, NULL, NULL);
}

static void assert_roundtrip(const struct term *t, unsigned k, unsigned cap)
{
	char why[256];
	if (!tt_roundtrip(t, k, cap, why, sizeof why))
		fail_msg("replay differs: %s", why);
}

static void cell(const struct term *t, int row, unsigned col, struct term_cellview *v)
{
	assert_true(term_cell(t, row, col, v));
}

/* Every attribute and each kind of colour lands in the cells, and comes
 * back through a snapshot. */
static void test_attrs_and_colours(void **state)
{
	(void)state;
	struct term *t = mk(4, 40, 100);
	tt_feeds(t, "\033[1ma\033[0;3mb\033[0;4mc\033[0;5md\033[0;7me\033[0;9mf\033[0m"
		    "\033[31mg\033[92mh\033[38;5;200mi\033[38;2;1;2;3mj"
		    "\033[44mk\033[103ml\033[48;5;17mm\033[48;2;250;128;0mn\033[0mo");
	struct term_cellview v;
	static const uint8_t attrs[] = { TERM_BOLD, TERM_ITALIC, TERM_UNDERLINE, TERM_BLINK,
					 TERM_REVERSE, TERM_STRIKE };
	for (unsigned i = 0; i < ARRAY_LEN(attrs); i++) {
		cell(t, 0, i, &v);
		assert_int_equal(v.chars[0], 'a' + i);
		assert_int_equal(v.attrs, attrs[i]);
	}
	cell(t, 0, 6, &v);
	assert_int_equal(v.fg.type, TERM_COLOR_INDEX);
	assert_int_equal(v.fg.index, 1);
	cell(t, 0, 7, &v);
	assert_int_equal(v.fg.index, 10);
	cell(t, 0, 8, &v);
	assert_int_equal(v.fg.index, 200);
	cell(t, 0, 9, &v);
	assert_int_equal(v.fg.type, TERM_COLOR_RGB);
	assert_int_equal(v.fg.r * 65536 + v.fg.g * 256 + v.fg.b, 0x010203);
	cell(t, 0, 10, &v);
	assert_int_equal(v.bg.type, TERM_COLOR_INDEX);
	assert_int_equal(v.bg.index, 4);
	assert_int_equal(v.fg.type, TERM_COLOR_RGB); /* still the pen's fg */
	cell(t, 0, 11, &v);
	assert_int_equal(v.bg.index, 11);
	cell(t, 0, 12, &v);
	assert_int_equal(v.bg.index, 17);
	cell(t, 0, 13, &v);
	assert_int_equal(v.bg.type, TERM_COLOR_RGB);
	assert_int_equal(v.bg.r * 65536 + v.bg.g * 256 + v.bg.b, 0xfa8000);
	cell(t, 0, 14, &v);
	assert_int_equal(v.fg.type, TERM_COLOR_DEFAULT);
	assert_int_equal(v.bg.type, TERM_COLOR_DEFAULT);
	assert_int_equal(v.attrs, 0);
	assert_roundtrip(t, 0, 100);
	term_free(t);
}

/* The attributes an xterm-class terminal shows beyond the classic ones
 * (dim, conceal, overline, double and curly underline), alone, together,
 * with colours and in the scrollback, reach a client through a snapshot;
 * and so does the pen the guest left set. */
static void test_more_attrs_carried(void **state)
{
	(void)state;
	struct term *t = mk(4, 40, 100);
	static const struct { const char *sgr; unsigned attrs; } each[] = {
		{ "2", TERM_DIM },
		{ "8", TERM_CONCEAL },
		{ "9", TERM_STRIKE },
		{ "53", TERM_OVERLINE },
		{ "21", TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE },
		{ "4:2", TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE },
		{ "4:3", TERM_UNDERLINE | TERM_UNDERLINE_CURLY },
		{ "1;2", TERM_BOLD | TERM_DIM },
		{ "2;8;9;53;4:3;7;38;2;1;2;3;48;5;17",
		  TERM_DIM | TERM_CONCEAL | TERM_STRIKE | TERM_OVERLINE | TERM_UNDERLINE |
			  TERM_UNDERLINE_CURLY | TERM_REVERSE },
		{ "1;3;4:2;5;53;31;44",
		  TERM_BOLD | TERM_ITALIC | TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE | TERM_BLINK |
			  TERM_OVERLINE },
	};
	struct buf b = { 0 };
	/* a line of them into the scrollback, then one on the screen */
	for (int line = 0; line < 2; line++) {
		for (unsigned i = 0; i < ARRAY_LEN(each); i++)
			buf_printf(&b, "\033[0;%sm%c\033[0m ", each[i].sgr, 'a' + (int)i);
		buf_printf(&b, "\r\n");
	}
	buf_printf(&b, "\r\n\r\n\033[2;8;53;4:3m");
	term_feed(t, b.data, b.len);
	buf_free(&b);
	assert_int_equal(term_scrollback_len(t), 1);
	struct term_cellview v;
	for (unsigned i = 0; i < ARRAY_LEN(each); i++) {
		cell(t, 0, 2 * i, &v);
		assert_int_equal(v.chars[0], 'a' + i);
		if (v.attrs != each[i].attrs)
			fail_msg("SGR %s: attrs %#x, want %#x", each[i].sgr, v.attrs, each[i].attrs);
	}
	assert_roundtrip(t, 1, 100);
	/* the pen: what the replay writes next has the same attributes */
	char why[256];
	struct buf snap = { 0 };
	term_snapshot(t, 1, &snap);
	struct term *r = mk(4, 40, 100);
	term_feed(r, snap.data, snap.len);
	tt_feeds(t, "p");
	tt_feeds(r, "p");
	if (!tt_same(t, r, 1, why, sizeof why))
		fail_msg("after the replay: %s", why);
	cell(r, 3, 0, &v);
	assert_int_equal(v.attrs, TERM_DIM | TERM_CONCEAL | TERM_OVERLINE | TERM_UNDERLINE |
					  TERM_UNDERLINE_CURLY);
	buf_free(&snap);
	term_free(r);
	term_free(t);
}

/* Wide glyphs take two cells, combining marks stay with their base, and a
 * lone mark keeps a cell of its own, also after a replay. */
static void test_wide_and_combining(void **state)
{
	(void)state;
	struct term *t = mk(3, 12, 0);
	tt_feeds(t, "\xe6\x97\xa5x" /* 日x */
		    "e\xcc\x81"     /* e + U+0301 */
		    "\xe6\x9c\xac\xcc\x88" /* 本 + U+0308 */
		    "\033[2;5H\xcc\x81"     /* a lone U+0301 */
		    "\033[2;3Hab");
	struct term_cellview v;
	cell(t, 0, 0, &v);
	assert_int_equal(v.chars[0], 0x65e5);
	assert_int_equal(v.width, 2);
	cell(t, 0, 1, &v);
	assert_int_equal(v.width, 0);
	assert_int_equal(v.chars[0], 0);
	cell(t, 0, 3, &v);
	assert_int_equal(v.chars[0], 'e');
	assert_int_equal(v.chars[1], 0x301);
	assert_int_equal(v.chars[2], 0);
	assert_int_equal(v.width, 1);
	cell(t, 0, 4, &v);
	assert_int_equal(v.chars[0], 0x672c);
	assert_int_equal(v.chars[1], 0x308);
	assert_int_equal(v.width, 2);
	cell(t, 1, 4, &v);
	assert_int_equal(v.chars[0], 0x301);
	char text[64];
	term_row_text(t, 0, text, sizeof text);
	assert_string_equal(text, "\xe6\x97\xa5xe\xcc\x81\xe6\x9c\xac\xcc\x88");
	/* "ab" at columns 2-3 is followed by the lone mark at column 4: the
	 * snapshot must not fold it into the b. */
	assert_roundtrip(t, 0, 0);
	/* Overwriting half of a wide glyph clears the other half. */
	tt_feeds(t, "\033[1;2HZ");
	cell(t, 0, 0, &v);
	assert_int_equal(v.chars[0], 0);
	assert_int_equal(v.width, 1);
	cell(t, 0, 1, &v);
	assert_int_equal(v.chars[0], 'Z');
	assert_roundtrip(t, 0, 0);
	term_free(t);
}

/* An erased area keeps the background it was erased with. */
static void test_erase_background(void **state)
{
	(void)state;
	struct term *t = mk(3, 10, 0);
	tt_feeds(t, "abcdefghij\033[44m\033[1;3H\033[4X\033[2;1H\033[K\033[0m");
	struct term_cellview v;
	cell(t, 0, 2, &v);
	assert_int_equal(v.chars[0], 0);
	assert_int_equal(v.bg.type, TERM_COLOR_INDEX);
	assert_int_equal(v.bg.index, 4);
	cell(t, 0, 6, &v);
	assert_int_equal(v.chars[0], 'g');
	cell(t, 1, 9, &v);
	assert_int_equal(v.bg.index, 4);
	assert_roundtrip(t, 0, 0);
	term_free(t);
}

static void test_cursor_and_title(void **state)
{
	(void)state;
	struct term *t = mk(5, 20, 0);
	tt_feeds(t, "\033]2;build\x01 \x7f\xc2\x9b" "31mbox\a\033[3;7H\033[?25l");
	int r, c;
	bool vis;
	term_cursor(t, &r, &c, &vis);
	assert_int_equal(r, 2);
	assert_int_equal(c, 6);
	assert_false(vis);
	/* The title is guest data: the control bytes are gone. */
	assert_string_equal(term_title(t), "build 31mbox");
	struct buf snap = { 0 };
	term_snapshot(t, 0, &snap);
	struct term *b = mk(5, 20, 0);
	term_feed(b, snap.data, snap.len);
	term_cursor(b, &r, &c, &vis);
	assert_int_equal(r, 2);
	assert_int_equal(c, 6);
	assert_false(vis);
	assert_string_equal(term_title(b), term_title(t));
	buf_free(&snap);
	term_free(b);
	term_free(t);
}

/* The last K scrollback lines come along, oldest first, and no more. */
static void test_scrollback_lines(void **state)
{
	(void)state;
	struct term *t = mk(3, 20, 100);
	for (int i = 0; i < 10; i++) {
		char line[32];
		snprintf(line, sizeof line, "\033[3%dmline %d\r\n", i % 8, i);
		tt_feeds(t, line);
	}
	assert_int_equal(term_scrollback_len(t), 8);
	struct buf snap = { 0 };
	term_snapshot(t, 5, &snap);
	struct term *b = mk(3, 20, 100);
	term_feed(b, snap.data, snap.len);
	assert_int_equal(term_scrollback_len(b), 5);
	char text[32];
	term_row_text(b, -5, text, sizeof text);
	assert_string_equal(text, "line 3");
	term_row_text(b, -1, text, sizeof text);
	assert_string_equal(text, "line 7");
	term_row_text(b, 0, text, sizeof text);
	assert_string_equal(text, "line 8");
	char why[256];
	if (!tt_same(t, b, 5, why, sizeof why))
		fail_msg("%s", why);
	buf_free(&snap);
	term_free(b);
	term_free(t);
}

/* With the alternate screen up, both screens come back: the alternate one
 * at once, the primary one when the guest leaves (?1049l restores the
 * cursor saved on entry). */
static void test_altscreen(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 10);
	tt_feeds(t, "shell$ vi\r\n\033[1;9H\033[?1049h\033[Hediting\033[2;1H~\033[3;1H~");
	assert_true(term_altscreen(t));
	struct buf snap = { 0 };
	term_snapshot(t, 10, &snap);
	struct term *b = mk(4, 20, 10);
	term_feed(b, snap.data, snap.len);
	char why[256];
	if (!tt_same(t, b, 0, why, sizeof why))
		fail_msg("%s", why);
	tt_feeds(t, "\033[?1049l");
	tt_feeds(b, "\033[?1049l");
	if (!tt_same(t, b, 0, why, sizeof why))
		fail_msg("after leaving: %s", why);
	char text[32];
	term_row_text(b, 0, text, sizeof text);
	assert_string_equal(text, "shell$ vi");
	int r, c;
	bool vis;
	term_cursor(b, &r, &c, &vis);
	assert_int_equal(r, 0);
	assert_int_equal(c, 8);
	buf_free(&snap);
	term_free(b);
	term_free(t);
}

/* Keys typed into a client's term after the snapshot are encoded in the
 * modes the guest set before it. */
static void test_key_modes_carried(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 0);
	tt_feeds(t, "\033[?1h\033[?2004h");
	struct buf snap = { 0 }, keys = { 0 };
	term_snapshot(t, 0, &snap);
	struct term *b = mk(4, 20, 0);
	term_feed(b, snap.data, snap.len);
	term_key(b, 0, TERM_KEY_UP, 0, &keys);
	term_paste(b, "x", 1, &keys);
	assert_int_equal(keys.len, strlen("\033OA\033[200~x\033[201~"));
	assert_memory_equal(keys.data, "\033OA\033[200~x\033[201~", keys.len);
	buf_free(&keys);
	buf_free(&snap);
	term_free(b);
	term_free(t);
}

static void check_stream(struct tt_rng *r, unsigned seed)
{
	unsigned rows = 1 + tt_below(r, 30), cols = 1 + tt_below(r, 90);
	if (tt_below(r, 2)) {
		rows = 24;
		cols = 80;
	}
	unsigned cap = tt_below(r, 4) ? tt_below(r, 200) : 0;
	struct term *t = mk(rows, cols, cap);
	struct buf s = { 0 };
	tt_stream(r, &s, rows, cols, 10 + tt_below(r, 300));
	/* Fed in uneven chunks, as a pty hands them over. */
	for (size_t off = 0; off < s.len;) {
		size_t want = 1 + (size_t)tt_below(r, 200); /* MIN evaluates twice */
		size_t n = MIN(s.len - off, want);
		term_feed(t, s.data + off, n);
		off += n;
	}
	unsigned k = tt_below(r, 3) ? cap : tt_below(r, cap + 1);
	char why[256];
	if (!tt_roundtrip(t, k, cap, why, sizeof why))
		fail_msg("seed %u (%ux%u, %zu bytes): %s", seed, rows, cols, s.len, why);
	buf_free(&s);
	term_free(t);
}

#define RANDOM_STREAMS 1200

static void test_random_streams(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= RANDOM_STREAMS; seed++) {
		struct tt_rng r = { 0x9e3779b97f4a7c15ull * seed };
		check_stream(&r, seed);
	}
}

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", TERM_TEST_DATA, name);
	char *data = tt_slurp(path, len);
	if (!data)
		fail_msg("cannot open %s", path);
	return data;
}

/* Real UML consoles (a boot with ls/dmesg/top, and vi on the alternate
 * screen), cut every `step` bytes at several sizes. */
static void test_recorded_streams(void **state)
{
	(void)state;
	static const char *files[] = { "uml-boot.log", "uml-vi.log" };
	static const unsigned sizes[][2] = { { 24, 80 }, { 50, 200 }, { 10, 40 }, { 7, 13 } };
	unsigned cases = 0;
	for (unsigned f = 0; f < ARRAY_LEN(files); f++) {
		size_t len;
		char *data = slurp(files[f], &len);
		for (unsigned z = 0; z < ARRAY_LEN(sizes); z++) {
			struct term *t = mk(sizes[z][0], sizes[z][1], 500);
			size_t step = 211;
			for (size_t off = 0; off < len; off += step) {
				term_feed(t, data + off, MIN(step, len - off));
				char why[256];
				unsigned k = (unsigned)(cases % 3 == 0 ? 500 : cases % 50);
				if (!tt_roundtrip(t, k, 500, why, sizeof why))
					fail_msg("%s at %zu bytes, %ux%u: %s", files[f],
						 MIN(off + step, len), sizes[z][0], sizes[z][1], why);
				cases++;
			}
			term_free(t);
		}
		free(data);
	}
	print_message("# %u recorded cases, %u random streams\n", cases, RANDOM_STREAMS);
	assert_true(cases >= 300);
}

/* ---- seeds for fuzz/fuzz-term (its input format is described there) ---- */

static void rec_feed(struct buf *out, const char *p, size_t n)
{
	while (n) {
		size_t k = MIN(n, (size_t)253);
		unsigned char op = (unsigned char)(k - 1);
		buf_append(out, &op, 1);
		buf_append(out, p, k);
		p += k;
		n -= k;
	}
}

static void rec_feeds(struct buf *out, const char *s)
{
	rec_feed(out, s, strlen(s));
}

static void rec_op(struct buf *out, unsigned char op, unsigned char a, unsigned char b)
{
	unsigned char r[3] = { op, a, b };
	buf_append(out, r, op == 0xfe ? 2 : 3);
}

static void rec_key(struct buf *out, unsigned char a, unsigned char b, unsigned char c)
{
	unsigned char r[4] = { 0xfd, a, b, c };
	buf_append(out, r, 4);
}

static void rec_repeat(struct buf *out, const char *s, unsigned times)
{
	struct buf b = { 0 };
	for (unsigned i = 0; i < times; i++)
		buf_append(&b, s, strlen(s));
	rec_feed(out, b.data, b.len);
	buf_free(&b);
}

/* The hostile cases, by hand. */
static void seed_handmade(unsigned which, struct buf *out)
{
	switch (which) {
	case 0: /* more than 16 CSI parameters, split across writes */
		rec_feeds(out, "ab\033[");
		rec_repeat(out, "1;", 40);
		rec_feeds(out, "mcd\033[38;2;1;2;3;48;2;4;5;6;38:2:7:8:9;48:2:1:2:3;4:3mX");
		break;
	case 1: /* huge numbers */
		rec_feeds(out, "x\033[99999999999999999999999;99999999999999999999H"
			       "\033[4294967296@\033[2147483647L\033[9223372036854775807M"
			       "\033[2147483647X\033[2147483648P\033[99999999999S\033[99999999999T"
			       "\033[99999999999;99999999999r\033[99999999999I\033[99999999999Z"
			       "\033[38;5;99999999999m\033[38;2;999;999;999mY");
		break;
	case 2: /* REP with nothing, a mark, a control and a huge count before
		 * it, and hidden behind an intermediate (ESC ( [ is a CSI) */
		rec_feeds(out, "\033[b\033[5;5H\xcc\x81\033[3b\xc2\x85\033[4b"
			       "a\033[2147483647bz\033[?5b\033[5$b");
		rec_feed(out, "\033\0\"\0[4b\033([9b", 12);
		break;
	case 3: /* a title of broken UTF-8; an OSC that never ends, then text */
		rec_feeds(out, "\033]0;title \xd0\xcc\a\033]2;\xe2\x82\033\\\033]0;");
		rec_repeat(out, "title", 500);
		rec_feeds(out, "\033[31mafter");
		break;
	case 4: /* ESC NUL \ ending strings; a DCS that never ends */
		rec_feed(out, "\033P$qm\033\0\0\\\033]2;t\033\0\\\033P\033\a\\\033]0;u\033\n\\", 30);
		rec_feeds(out, "\033P1$q");
		rec_repeat(out, "qqqqq\x01\x02", 400);
		rec_feeds(out, "\033\\tail\033P$qm\033\\");
		break;
	case 5: /* invalid UTF-8 */
		rec_feeds(out, "\x80\xbf\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xfc\x84"
			       "\x80\x80\x80\x80\xfe\xff\xc3\x28\xe2\x82\x28\xf0\x28\x8c\xbc"
			       "\xc2\x85\xc2\x9b" "31m\xc2\x9d" "0;x\x07\xef\xbf\xbe");
		break;
	case 6: /* resizes between writes, down to one cell */
		rec_feeds(out, "\033[44mwide \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\r\nline2\r\n");
		rec_op(out, 0xff, 0, 0);
		rec_feeds(out, "\xe6\x97\xa5x\xcc\x81y");
		rec_op(out, 0xfe, 10, 0);
		rec_op(out, 0xff, 47, 131);
		rec_feeds(out, "\033[?1049h\033[10;20r\033[20;1Hin alt\r\n\r\n");
		rec_op(out, 0xff, 3, 5);
		rec_feeds(out, "\033[?1049lback");
		rec_op(out, 0xff, 23, 79);
		break;
	case 7: /* queries (an unknown DECRQSS too) and key modes */
		rec_feeds(out, "\033[6n\033[c\033[>c\033[?1$p\033[?2004$p\033P$qm\033\\\033P$qr\033\\"
			       "\033P$q/\033\\"
			       "\033[?1h\033=\033[?2004h");
		rec_key(out, 1, 0, 4);     /* Enter, Ctrl */
		rec_key(out, 0x00, 'a', 6); /* a codepoint below 0x20 picks a symbol */
		rec_key(out, 0x20, 0xac, 2); /* U+20AC with Alt */
		rec_key(out, 0xf1, 0x1b, '\n'); /* a paste */
		break;
	case 8: /* protected cells, selective erase, insert mode, origin mode */
		rec_feeds(out, "\033[1\"qPROT\033[0\"qopen\033[?K\033[1;1H\033[4hins\033[4l"
			       "\033[5;10r\033[?6h\033[1;1Horigin\033[?6l\033[r\033#8\033[?J");
		break;
	case 9: /* marks arriving in a later write than their base */
		rec_feeds(out, "e");
		rec_feeds(out, "\xcc\x81");
		rec_feeds(out, "\xe6\x97\xa5");
		rec_feeds(out, "\xe3\x82\x99\xe3\x80\xaa");
		rec_feeds(out, "V\xe3\x80\xaa\033[1;1H\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85\xcc\x86");
		break;
	default: { /* scrolling into the scrollback, then a snapshot of it */
		for (int i = 0; i < 60; i++) {
			char line[64];
			snprintf(line, sizeof line, "\033[3%dmline %d \xe6\x97\xa5\033[0m\r\n", i % 8, i);
			rec_feeds(out, line);
		}
		rec_op(out, 0xfe, 200, 0);
		rec_op(out, 0xff, 5, 10);
		rec_op(out, 0xfe, 200, 0);
		break;
	}
	}
}

static int write_seed(const char *dir, const char *name, const struct buf *b)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

static int write_corpus(const char *dir)
{
	static const char *names[] = { "csi-params", "huge-numbers", "rep", "endless-osc",
				       "endless-dcs", "invalid-utf8", "resizes", "queries-keys",
				       "protected-modes", "split-marks", "scrollback" };
	int rc = 0;
	for (unsigned i = 0; i < ARRAY_LEN(names); i++) {
		struct buf out = { 0 };
		unsigned char hdr[3] = { 23, 79, 100 };
		if (i == 10)
			hdr[0] = 9, hdr[1] = 19;
		buf_append(&out, hdr, 3);
		seed_handmade(i, &out);
		rc |= write_seed(dir, names[i], &out);
		buf_free(&out);
	}
	for (unsigned seed = 1; seed <= 24; seed++) {
		struct tt_rng r = { 0x51ed270b27a4f3d1ull * seed };
		unsigned rows = 1 + tt_below(&r, 30), cols = 1 + tt_below(&r, 90);
		struct buf s = { 0 }, out = { 0 };
		tt_stream(&r, &s, rows, cols, 20 + tt_below(&r, 60));
		unsigned char hdr[3] = { (unsigned char)(rows - 1), (unsigned char)(cols - 1), 50 };
		buf_append(&out, hdr, 3);
		for (size_t off = 0; off < s.len;) {
			size_t want = 1 + (size_t)tt_below(&r, 200);
			size_t n = MIN(s.len - off, want);
			rec_feed(&out, s.data + off, n);
			off += n;
			if (tt_below(&r, 8) == 0) /* resize between writes */
				rec_op(&out, 0xff, (unsigned char)tt_below(&r, 40),
				       (unsigned char)tt_below(&r, 120));
			if (tt_below(&r, 8) == 0)
				rec_op(&out, 0xfe, (unsigned char)tt_below(&r, 60), 0);
		}
		char name[32];
		snprintf(name, sizeof name, "random-%02u", seed);
		rc |= write_seed(dir, name, &out);
		buf_free(&s);
		buf_free(&out);
	}
	/* A real console: the recorded UML boot, in pty-sized pieces. */
	size_t len;
	char *boot = slurp("uml-boot.log", &len);
	struct buf out = { 0 };
	unsigned char hdr[3] = { 23, 79, 255 };
	buf_append(&out, hdr, 3);
	rec_feed(&out, boot, MIN(len, (size_t)6000));
	rc |= write_seed(dir, "uml-boot", &out);
	buf_free(&out);
	free(boot);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--corpus"))
		return write_corpus(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attrs_and_colours),
		cmocka_unit_test(test_more_attrs_carried),
		cmocka_unit_test(test_wide_and_combining),
		cmocka_unit_test(test_erase_background),
		cmocka_unit_test(test_cursor_and_title),
		cmocka_unit_test(test_scrollback_lines),
		cmocka_unit_test(test_altscreen),
		cmocka_unit_test(test_key_modes_carried),
		cmocka_unit_test(test_random_streams),
		cmocka_unit_test(test_recorded_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
