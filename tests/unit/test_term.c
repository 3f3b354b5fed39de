/* term/: the console emulator -- cells and cursor from text, the row ring
 * and the scrollback, scroll regions, the alternate screen, dirty rows,
 * resize, title and bell, terminal queries answered exactly once, the
 * input guard against libvterm's crashes and hangs, table compaction, and
 * that no guest byte reaches the process's own terminal. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/test_term_util.h"

static struct term *mk(unsigned rows, unsigned cols, unsigned sb)
{
	return term_new(rows, cols, sb, TERM_SILENT, NULL, NULL);
}

static void assert_row(const struct term *t, int row, const char *want)
{
	char got[1024];
	term_row_text(t, row, got, sizeof got);
	if (strcmp(got, want))
		fail_msg("row %d: got \"%s\", want \"%s\"", row, got, want);
}

static void assert_cursor(const struct term *t, int row, int col)
{
	int r, c;
	bool v;
	term_cursor(t, &r, &c, &v);
	if (r != row || c != col)
		fail_msg("cursor %d,%d, want %d,%d", r, c, row, col);
}

static void test_text_and_cursor(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 0);
	tt_feeds(t, "hello\r\nw\xc3\xb6rld\t|");
	assert_row(t, 0, "hello");
	assert_row(t, 1, "w\xc3\xb6rld   |");
	assert_cursor(t, 1, 9);
	struct term_cellview v;
	assert_true(term_cell(t, 1, 1, &v));
	assert_int_equal(v.chars[0], 0xf6);
	assert_true(term_cell(t, 3, 19, &v));
	assert_int_equal(v.chars[0], 0);
	assert_false(term_cell(t, 4, 0, &v));
	assert_false(term_cell(t, 0, 20, &v));
	/* Long lines wrap. */
	tt_feeds(t, "\r\n0123456789abcdefghijKLM");
	assert_row(t, 2, "0123456789abcdefghij");
	assert_row(t, 3, "KLM");
	unsigned rows, cols;
	term_size(t, &rows, &cols);
	assert_int_equal(rows, 4);
	assert_int_equal(cols, 20);
	term_free(t);
}

/* Lines scrolled off the top land in the scrollback, oldest first, and the
 * ring keeps only the newest `cap` lines. */
static void test_scrollback(void **state)
{
	(void)state;
	struct term *t = mk(3, 12, 5);
	for (int i = 0; i < 10; i++) {
		char line[32];
		snprintf(line, sizeof line, "%sline %d", i ? "\r\n" : "", i);
		tt_feeds(t, line);
	}
	assert_row(t, 0, "line 7");
	assert_row(t, 2, "line 9");
	assert_int_equal(term_scrollback_len(t), 5);
	assert_row(t, -1, "line 6");
	assert_row(t, -5, "line 2");
	struct term_cellview v;
	assert_false(term_cell(t, -6, 0, &v));
	/* Past a scrollback line's end cells read as empty. */
	assert_true(term_cell(t, -1, 11, &v));
	assert_int_equal(v.chars[0], 0);
	assert_int_equal(v.width, 1);
	term_free(t);

	/* No scrollback at all. */
	t = mk(2, 10, 0);
	tt_feeds(t, "a\r\nb\r\nc\r\nd");
	assert_int_equal(term_scrollback_len(t), 0);
	assert_row(t, 0, "c");
	term_free(t);
}

/* Many long lines through a small ring: chunks are recycled, the newest
 * lines survive intact. */
static void test_scrollback_recycles(void **state)
{
	(void)state;
	struct term *t = mk(5, 200, 300);
	char line[256];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(line, sizeof line, "\033[3%dm%05d ", i % 8, i);
		for (int k = 0; k < (i % 190); k++)
			line[n++] = (char)('a' + (i + k) % 26);
		memcpy(line + n, "\r\n", 3);
		tt_feeds(t, line);
	}
	assert_int_equal(term_scrollback_len(t), 300);
	/* The screen shows lines 4996-4999 and an empty row: row -i holds line
	 * 4996 - i. */
	for (int i = 1; i <= 300; i++) {
		int n = 4996 - i;
		char want[256];
		int k = snprintf(want, sizeof want, "%05d ", n);
		for (int j = 0; j < (n % 190); j++)
			want[k++] = (char)('a' + (n + j) % 26);
		want[k] = '\0';
		/* trailing blank trimmed: a line of only its number ends in a space */
		while (k && want[k - 1] == ' ')
			want[--k] = '\0';
		assert_row(t, -i, want);
		struct term_cellview v;
		assert_true(term_cell(t, -i, 0, &v));
		assert_int_equal(v.fg.index, n % 8);
	}
	term_free(t);
}

static void test_scroll_regions(void **state)
{
	(void)state;
	struct term *t = mk(5, 10, 10);
	tt_feeds(t, "r0\r\nr1\r\nr2\r\nr3\r\nr4");
	/* A region that does not start at the top: nothing to the scrollback. */
	tt_feeds(t, "\033[2;4r\033[4;1H\nX");
	assert_row(t, 0, "r0");
	assert_row(t, 1, "r2");
	assert_row(t, 2, "r3");
	assert_row(t, 3, "X");
	assert_row(t, 4, "r4");
	assert_int_equal(term_scrollback_len(t), 0);
	/* A region from the top (a status line below it): lines leaving it are
	 * history. */
	tt_feeds(t, "\033[1;4r\033[4;1H\n");
	assert_int_equal(term_scrollback_len(t), 1);
	assert_row(t, -1, "r0");
	assert_row(t, 4, "r4");
	/* Insert and delete lines inside the region. */
	tt_feeds(t, "\033[r\033[2;1H\033[L");
	assert_row(t, 1, "");
	assert_row(t, 2, "r3");
	tt_feeds(t, "\033[2M");
	assert_row(t, 1, "X");
	assert_row(t, 3, "");
	term_free(t);
}

/* A scroll inside left and right margins moves the cells on one side of
 * a margin only: a wide glyph across it is broken, even when the halves
 * left there are two halves that look like a pair (the fuzzer found the
 * snapshot of that differing from the screen). */
static void test_scroll_splits_wide(void **state)
{
	(void)state;
	struct term *t = mk(4, 10, 0);
	tt_feeds(t, "\033[?69h\033[2;10s\033[1;1H\xe6\xaa\x9e\033[2;1H\033[5m\xe6\xaa\x9e\033[m\033[S");
	assert_row(t, 0, "");
	struct term_cellview v;
	assert_true(term_cell(t, 0, 1, &v));
	assert_int_equal(v.width, 1);
	assert_int_equal(v.attrs, 0);
	/* the glyph below lost its right half too */
	assert_row(t, 1, "");
	term_free(t);
}

/* Inserting and deleting characters moves cells; a wide glyph cut by it
 * goes whole. */
static void test_insert_delete_chars(void **state)
{
	(void)state;
	struct term *t = mk(2, 10, 0);
	tt_feeds(t, "abcdef\033[1;3H\033[2@");
	assert_row(t, 0, "ab  cdef");
	tt_feeds(t, "\033[3P");
	assert_row(t, 0, "abdef");
	tt_feeds(t, "\033[2;1Hx\xe6\x97\xa5yz\033[2;3H\033[1P");
	struct term_cellview v;
	assert_true(term_cell(t, 1, 1, &v));
	assert_int_equal(v.chars[0], 0); /* the left half went with the right */
	assert_int_equal(v.width, 1);
	assert_row(t, 1, "x yz");
	term_free(t);
}

static void test_selective_erase(void **state)
{
	(void)state;
	struct term *t = mk(2, 10, 0);
	tt_feeds(t, "ab\033[1\"qKEEP\033[0\"qcd\033[?2K");
	assert_row(t, 0, "  KEEP");
	tt_feeds(t, "\033[2K");
	assert_row(t, 0, "");
	term_free(t);
}

/* The alternate screen is a grid of its own; its scrolls are no history;
 * leaving it brings the primary screen and (?1049) the cursor back. */
static void test_altscreen(void **state)
{
	(void)state;
	struct term *t = mk(3, 10, 10);
	tt_feeds(t, "prompt$ ");
	tt_feeds(t, "\033[?1049h");
	assert_true(term_altscreen(t));
	assert_row(t, 0, "");
	tt_feeds(t, "\033[Hvi1\r\nvi2\r\nvi3\r\nvi4\r\nvi5");
	assert_row(t, 2, "vi5");
	assert_int_equal(term_scrollback_len(t), 0);
	tt_feeds(t, "\033[?1049l");
	assert_false(term_altscreen(t));
	assert_row(t, 0, "prompt$");
	assert_cursor(t, 0, 8);
	term_free(t);
}

static void test_dirty_rows(void **state)
{
	(void)state;
	struct term *t = mk(6, 10, 10);
	int first, last;
	assert_true(term_dirty(t, &first, &last)); /* the first paint */
	term_clean(t);
	assert_false(term_dirty(t, &first, &last));
	tt_feeds(t, "\033[3;2Hx\033[5;1Hy");
	assert_true(term_dirty(t, &first, &last));
	assert_int_equal(first, 2);
	assert_int_equal(last, 4);
	term_clean(t);
	tt_feeds(t, "\033[1;1H\033[4;4H"); /* cursor moves alone draw nothing */
	assert_false(term_dirty(t, &first, &last));
	tt_feeds(t, "\033[6;1H\n"); /* a scroll moves every row */
	assert_true(term_dirty(t, &first, &last));
	assert_int_equal(first, 0);
	assert_int_equal(last, 5);
	term_free(t);
}

/* Shrinking keeps the cursor's line: blank lines below it go first, then
 * lines from the top go to the scrollback; growing brings them back. */
static void test_resize(void **state)
{
	(void)state;
	struct term *t = mk(6, 10, 50);
	tt_feeds(t, "l0\r\nl1\r\nl2\r\nl3\r\n$ ");
	term_resize(t, 3, 10); /* one blank row dropped, two rows pushed */
	assert_row(t, 0, "l2");
	assert_row(t, 2, "$");
	assert_cursor(t, 2, 2);
	assert_int_equal(term_scrollback_len(t), 2);
	assert_row(t, -1, "l1");
	term_resize(t, 5, 10);
	assert_row(t, 0, "l0");
	assert_row(t, 4, "$");
	assert_cursor(t, 4, 2);
	assert_int_equal(term_scrollback_len(t), 0);
	/* Narrower: cut, and a wide glyph cut in half goes. */
	tt_feeds(t, "\033[1;1H1234\xe6\x97\xa5");
	term_resize(t, 5, 5);
	assert_row(t, 0, "1234");
	struct term_cellview v;
	assert_true(term_cell(t, 0, 4, &v));
	assert_int_equal(v.chars[0], 0);
	assert_int_equal(v.width, 1);
	unsigned rows, cols;
	term_size(t, &rows, &cols);
	assert_int_equal(cols, 5);
	/* Absurd sizes are clamped, not obeyed. */
	term_resize(t, 0, 100000);
	term_size(t, &rows, &cols);
	assert_int_equal(rows, 1);
	assert_true(cols >= 80 && cols <= 4096);
	term_free(t);
}

/* A scroll region left below the screen by a resize used to crash
 * libvterm 0.1.4 (negative memmove) on the next scroll. */
static void test_resize_with_margins(void **state)
{
	(void)state;
	struct term *t = mk(24, 80, 10);
	tt_feeds(t, "\033[10;20r\033[12;5Hmid");
	term_resize(t, 5, 80);
	assert_cursor(t, 4, 7);
	tt_feeds(t, "\n\n\n\033[S\033[T\033[2L\033[2Mend");
	assert_row(t, 4, "       end");
	/* And left/right margins (DECLRMM) likewise. */
	tt_feeds(t, "\033[?69h\033[30;60s");
	term_resize(t, 5, 20);
	tt_feeds(t, "\033[1;10Hab\033[2@\033[3P");
	assert_row(t, 0, "         ab");
	term_free(t);
}

struct events {
	int bells, titles;
	char title[300];
	struct buf out;
	int outputs;
};

static void on_bell(void *arg)
{
	((struct events *)arg)->bells++;
}

static void on_title(void *arg, const char *utf8)
{
	struct events *e = arg;
	e->titles++;
	snprintf(e->title, sizeof e->title, "%s", utf8);
}

static void on_output(void *arg, const char *bytes, size_t len)
{
	struct events *e = arg;
	e->outputs++;
	buf_append(&e->out, bytes, len);
}

static const struct term_callbacks events_cb = { on_output, on_bell, on_title };

static void test_title_and_bell(void **state)
{
	(void)state;
	struct events e = { 0 };
	struct term *t = term_new(3, 20, 0, TERM_SILENT, &events_cb, &e);
	tt_feeds(t, "\a\033]0;web \xe2\x80\x94 ok\a\033]2;x\x01y\xc2\x9bz\xff\033\\\a");
	assert_int_equal(e.bells, 2);
	assert_int_equal(e.titles, 2);
	assert_string_equal(e.title, "xyz");
	assert_string_equal(term_title(t), "xyz");
	/* A title split across reads (libvterm 0.1.4 alone loses it). */
	tt_feeds(t, "\033]2;sp");
	tt_feeds(t, "li");
	tt_feeds(t, "t\xc3");
	tt_feeds(t, "\xa9\033");
	tt_feeds(t, "\\");
	assert_string_equal(term_title(t), "split\xc3\xa9");
	assert_int_equal(e.titles, 3);
	/* A title longer than we keep is cut at a character boundary. */
	struct buf b = { 0 };
	buf_append(&b, "\033]2;", 4);
	for (int i = 0; i < 200; i++)
		buf_append(&b, "\xc3\xa9", 2);
	buf_append(&b, "\a", 1);
	term_feed(t, b.data, b.len);
	size_t n = strlen(term_title(t));
	assert_true(n > 0 && n < 256 && n % 2 == 0);
	buf_free(&b);
	term_free(t);
}

/* Busybox ash asks for the cursor position at every prompt.  The server's
 * term answers once; a client's term, fed the same bytes, stays silent;
 * keys never take the reply path. */
static void test_queries_answered_once(void **state)
{
	(void)state;
	struct events srv = { 0 }, cli = { 0 };
	struct term *s = term_new(24, 80, 0, TERM_ANSWER, &events_cb, &srv);
	struct term *c = term_new(24, 80, 0, TERM_SILENT, &events_cb, &cli);
	const char *prompt = "\r\n/ # \033[6n";
	tt_feeds(s, prompt);
	tt_feeds(c, prompt);
	assert_int_equal(srv.outputs, 1);
	assert_int_equal(srv.out.len, strlen("\033[2;5R"));
	assert_memory_equal(srv.out.data, "\033[2;5R", srv.out.len);
	assert_int_equal(cli.outputs, 0);
	/* Device attributes, likewise. */
	srv.out.len = 0;
	tt_feeds(s, "\033[c");
	tt_feeds(c, "\033[c");
	assert_int_equal(srv.outputs, 2);
	assert_memory_equal(srv.out.data, "\033[?1;2c", 7);
	assert_int_equal(cli.outputs, 0);
	/* A key typed at the server's term is the key, not a reply. */
	struct buf keys = { 0 };
	term_key(s, 'x', TERM_KEY_NONE, 0, &keys);
	term_key(s, 0, TERM_KEY_UP, 0, &keys);
	assert_int_equal(srv.outputs, 2);
	assert_int_equal(keys.len, 4);
	assert_memory_equal(keys.data, "x\033[A", 4);
	/* Nor does a snapshot (it asks libvterm's key encoder for the modes)
	 * send anything to the guest. */
	tt_feeds(s, "\033[?1h\033[?2004h");
	struct buf snap = { 0 };
	term_snapshot(s, 0, &snap);
	assert_int_equal(srv.outputs, 2);
	assert_non_null(memmem(snap.data, snap.len, "\033[?1h", 5));
	/* A guest killed in the middle of a string (or a sequence, or a
	 * character) and booted again: after term_cancel() its shell's query
	 * is answered, not swallowed into the dead run's string. */
	for (int i = 0; i < 3; i++) {
		static const char *tails[] = { "\033]0;half a tit", "\033[12;", "\xe2\x82" };
		tt_feeds(s, tails[i]);
		term_cancel(s);
		srv.out.len = 0;
		tt_feeds(s, "\r\n/ # \033[6n");
		assert_int_equal(srv.outputs, 3 + i);
		assert_memory_equal(srv.out.data, "\033[", 2);
	}
	int crow, ccol;
	bool cvis;
	term_cursor(s, &crow, &ccol, &cvis);
	assert_int_equal(ccol, 4);
	assert_row(s, crow, "/ #");
	buf_free(&snap);
	buf_free(&keys);
	buf_free(&srv.out);
	buf_free(&cli.out);
	term_free(s);
	term_free(c);
}

/* libvterm 0.1.4 crashes on a CSI with more than 16 parameters and hangs
 * on REP after nothing or after a mark; the guard in term_feed() stops
 * both, split across writes too. */
static void test_guard(void **state)
{
	(void)state;
	struct term *t = mk(3, 10, 0);
	tt_feeds(t, "\033[1;4");
	for (int i = 0; i < 30; i++)
		tt_feeds(t, ";1");
	tt_feeds(t, "mA\033[0m");
	struct term_cellview v;
	assert_true(term_cell(t, 0, 0, &v));
	assert_int_equal(v.chars[0], 'A');
	assert_int_equal(v.attrs, TERM_BOLD | TERM_UNDERLINE);
	/* REP with nothing before it, after a lone mark: no hang, nothing
	 * invented.  A C1 control in UTF-8 (NEL here) is dropped, so the REP
	 * after it repeats the glyph before it. */
	struct term *fresh = mk(3, 10, 0);
	tt_feeds(fresh, "\033[b\033[3b");
	assert_row(fresh, 0, "");
	tt_feeds(fresh, "\xcc\x81\033[4b\033[2;1Hz\xc2\x85\033[2b");
	assert_row(fresh, 1, "zzz");
	term_free(fresh);
	/* REP repeats the last glyph, but not past the end of the line. */
	tt_feeds(t, "\033[3;1Hab\033[3b\033[2;6Hq\033[999999999b");
	assert_row(t, 2, "abbbb");
	assert_row(t, 1, "     qqqqq");
	assert_cursor(t, 1, 9);
	/* ESC, then NUL (or another C0 control), then \ in a string:
	 * libvterm 0.1.4 read past the buffer here (ASan saw it); the control
	 * goes, the string ends as it should.  Each piece in a buffer of its
	 * own size, so an over-read would show. */
	static const char *pieces[] = { "\033]2;ab", "\033\0\\", "\033P$qm\033\0\0\\",
					"\033P\033\a\\", "\033]0;xy\033\n\\" };
	static const size_t sizes[] = { 7, 3, 9, 5, 9 };
	static const char *titles[] = { "", "ab", "ab", "ab", "xy" };
	for (int i = 0; i < 5; i++) {
		char *p = xmalloc(sizes[i]);
		memcpy(p, pieces[i], sizes[i]);
		term_feed(t, p, sizes[i]);
		free(p);
		assert_string_equal(term_title(t), titles[i]);
	}
	/* Huge parameters (an int overflow in libvterm) end at nine
	 * significant digits; leading zeros are not counted. */
	tt_feeds(t, "\033[1;1H\033[2K\033[00000000000003Cx\033[99999999999999999999999Cy");
	assert_row(t, 0, "   x     y");
	tt_feeds(t, "\033[2K");
	/* ESC with an intermediate then '[' is a CSI to libvterm 0.1.4: this
	 * REP is caught too (and done by the guard). */
	tt_feeds(t, "\033[1;1Hx\033([3b");
	assert_row(t, 0, "xxxx");
	term_free(t);
}

/* UTF-8 as libvterm 0.1.4 must never see it: part of a character at the
 * end of a write (its decoder keeps it, and the next text can overflow
 * its array), a character cut short by a control or a sequence, and a C1
 * control (width -1: the cursor walks off the left edge).  Split
 * characters still arrive whole; cut ones show U+FFFD, as in xterm. */
static void test_guard_utf8(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 0);
	tt_feeds(t, "a\xe2\x82");
	tt_feeds(t, "\xac|\xf0\x9f");
	tt_feeds(t, "\x98");
	tt_feeds(t, "\x80|");
	assert_row(t, 0, "a\xe2\x82\xac|\xf0\x9f\x98\x80|");
	/* cut by BEL, by an SGR, by the next character's first byte, and
	 * (across writes) by plain text: once libvterm joined the BEL's two
	 * halves into an e-acute */
	tt_feeds(t, "\033[2;1H\xc3\a\xa9|\xe2\x82\033[1m\xac\033[m|\xc3\xc3\xa9|\xc3");
	tt_feeds(t, "x");
	assert_row(t, 1, "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xc3\xa9|\xef\xbf\xbdx");
	/* C1 controls, whole and split: nothing shown, the cursor stays */
	tt_feeds(t, "\033[3;1Hp\xc2\x85\xc2\x9fq\xc2");
	tt_feeds(t, "\x90r");
	assert_row(t, 2, "pqr");
	assert_cursor(t, 2, 3);
	/* a tab stop set after them lands where the cursor is */
	tt_feeds(t, "\033[4;1H\033[3gab\xc2\x80\033H\r\tX");
	assert_row(t, 3, "abX");
	term_free(t);
}

/* The saved cursor outlives a resize in libvterm 0.1.4 unbounded:
 * restoring it after the screen shrank put the cursor off the screen and
 * the next glyph wrote past libvterm's arrays.  The guard puts it on the
 * last row and column instead. */
static void test_guard_saved_cursor(void **state)
{
	(void)state;
	static const char *restore[] = { "\0338", "\033[?1048l", "\033[?1049;25l" };
	static const char *save[] = { "\0337", "\033[?1048h", "\033[?1049h" };
	for (int i = 0; i < 3; i++) {
		struct term *t = mk(14, 40, 0);
		tt_feeds(t, "\033[12;30H");
		tt_feeds(t, save[i]);
		term_resize(t, 4, 20);
		tt_feeds(t, "\033[1;1H");
		tt_feeds(t, restore[i]);
		int r, c;
		bool v;
		term_cursor(t, &r, &c, &v);
		if (r != 3 || c != 19)
			fail_msg("%s after a shrink: cursor %d,%d, want 3,19", restore[i] + 1, r, c);
		tt_feeds(t, "e");
		assert_row(t, 3, "                   e");
		/* a restore that was in range is left alone */
		tt_feeds(t, "\033[2;5H\0337\033[1;1H\0338f");
		assert_row(t, 1, "    f");
		term_free(t);
	}
}

/* A string too long to hold (over 4 KB) is dropped whole: pieces of it
 * reaching libvterm 0.1.4 with ESC ending one write and the backslash
 * starting the next made it copy bytes from beyond the write into the
 * title.  Each way to split it: a dropped NUL, the guest's own write
 * boundary, the hold filling up on the ESC itself.  What follows the
 * string is shown, and a string after it still sets the title. */
static void test_guard_long_string(void **state)
{
	(void)state;
	for (int how = 0; how < 3; how++) {
		struct term *t = mk(3, 40, 0);
		static char buf[8192];
		size_t n = (size_t)sprintf(buf, "\033]0;\n");
		size_t body = how == 2 ? 4091 : 4200;
		memset(buf + n, 'A', body);
		n += body;
		if (how == 0) {
			memcpy(buf + n, "\033\0\\", 3);
			n += 3;
		} else {
			buf[n++] = 033;
		}
		if (how == 1) {
			strcpy(buf + n, "SECRET");
			term_feed(t, buf, n);
			memcpy(buf, "\\SECRET", 8);
			term_feed(t, buf, 1);
		} else {
			if (how == 2)
				buf[n++] = '\\';
			strcpy(buf + n, "SECRET"); /* past the end of the write */
			term_feed(t, buf, n);
		}
		if (strstr(term_title(t), "SECRET"))
			fail_msg("split %d: bytes past the write in the title: %s", how, term_title(t));
		tt_feeds(t, "after\033]2;short\a");
		assert_row(t, 0, "after");
		assert_string_equal(term_title(t), "short");
		term_free(t);
	}
	/* a long string ended by ESC and another sequence: that one works */
	struct term *t = mk(3, 40, 0);
	tt_feeds(t, "\033P");
	for (int i = 0; i < 100; i++)
		tt_feeds(t, "0123456789012345678901234567890123456789012345678901234567890123456789");
	tt_feeds(t, "\033[1mB\033[m");
	struct term_cellview v;
	assert_true(term_cell(t, 0, 0, &v));
	assert_int_equal(v.chars[0], 'B');
	assert_int_equal(v.attrs, TERM_BOLD);
	term_free(t);
}

/* libvterm 0.1.4 puts an array as long as the rest of the write on the
 * stack: 3 MB of text in one write (a snapshot with much scrollback is
 * that big) needs 12 MB of stack; 12 MB of text, 48 MB.  Fed whole, it
 * shows as it should. */
static void test_guard_big_write(void **state)
{
	(void)state;
	struct term *t = mk(50, 200, 100);
	size_t n = 12 << 20;
	char *big = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 200 == 199 ? '\n' : i % 200 == 198 ? '\r' : (char)('a' + i % 26);
	term_feed(t, big, n);
	free(big);
	assert_int_equal(term_scrollback_len(t), 100);
	char row[1024];
	term_row_text(t, -100, row, sizeof row);
	assert_int_equal(strlen(row), 198);
	term_free(t);
}

/* A snapshot is fed in one call and reaches libvterm in writes of at most
 * 16 KB: none may end between a glyph and its combining marks, which
 * libvterm does not join across writes at the last column.  Screens full
 * of marked glyphs at many widths put a write boundary everywhere. */
static void test_big_write_keeps_marks(void **state)
{
	(void)state;
	for (unsigned cols = 40; cols <= 120; cols++) {
		struct term *t = mk(40, cols, 20);
		struct buf b = { 0 };
		for (unsigned i = 0; i < 60 * cols; i++)
			buf_append(&b, "H\xcc\x81\xcc\x82\xcc\x83", 7);
		term_feed(t, b.data, b.len);
		buf_free(&b);
		char why[256];
		if (!tt_roundtrip(t, 20, 20, why, sizeof why))
			fail_msg("%u columns: %s", cols, why);
		term_free(t);
	}
}

/* More RGB colours and more distinct combining sequences than the tables
 * hold at once: what is still on screen or in the scrollback keeps its
 * colours and characters. */
static void test_table_compaction(void **state)
{
	(void)state;
	struct term *t = mk(10, 80, 20);
	struct buf b = { 0 };
	for (unsigned i = 0; i < 70000; i++) {
		buf_printf(&b, "\033[%u;%uH\033[38;2;%u;%u;%um%c\xcc%c\xcd%c",
			   1 + i % 800 / 80, 1 + i % 80, i >> 16 & 255, i >> 8 & 255, i & 255,
			   'a' + i % 26, 0x80 + i % 64, 0x80 + i / 64 % 16);
		if (b.len > 60000) {
			term_feed(t, b.data, b.len);
			b.len = 0;
		}
	}
	term_feed(t, b.data, b.len);
	for (unsigned i = 70000 - 800; i < 70000; i++) {
		struct term_cellview v;
		assert_true(term_cell(t, (int)(i % 800 / 80), i % 80, &v));
		assert_int_equal(v.fg.type, TERM_COLOR_RGB);
		assert_int_equal(v.fg.r << 16 | v.fg.g << 8 | v.fg.b, i);
		assert_int_equal(v.chars[0], 'a' + i % 26);
		assert_int_equal(v.chars[1], 0x300 + i % 64);
		assert_int_equal(v.chars[2], 0x340 + i / 64 % 16);
	}
	/* Scroll the screen into the scrollback, then churn the tables again:
	 * the scrollback's cells survive the compaction. */
	tt_feeds(t, "\033[10;1H\n\n\n\n\n\n\n\n\n\n");
	b.len = 0;
	for (unsigned i = 0; i < 70000; i++)
		buf_printf(&b, "\033[1;1H\033[38;2;%u;%u;%umz\xcc%c\xcd%c", i & 255, i >> 8 & 255,
			   200, 0x80 + i % 64, 0x80 + i / 64 % 16);
	term_feed(t, b.data, b.len);
	for (unsigned i = 70000 - 800; i < 70000; i++) {
		struct term_cellview v;
		int row = (int)(i % 800 / 80) - 10;
		assert_true(term_cell(t, row, i % 80, &v));
		assert_int_equal(v.fg.r << 16 | v.fg.g << 8 | v.fg.b, i);
		assert_int_equal(v.chars[1], 0x300 + i % 64);
	}
	buf_free(&b);
	term_free(t);
}

static void test_row_text(void **state)
{
	(void)state;
	struct term *t = mk(2, 10, 0);
	tt_feeds(t, "a\xe6\x97\xa5" "b  \033[2;3Hx");
	char s[64];
	assert_int_equal(term_row_text(t, 0, s, sizeof s), 5);
	assert_string_equal(s, "a\xe6\x97\xa5" "b");
	assert_int_equal(term_row_text(t, 1, s, sizeof s), 3);
	assert_string_equal(s, "  x");
	/* Truncated without cutting a character. */
	assert_int_equal(term_row_text(t, 0, s, 4), 1);
	assert_string_equal(s, "a");
	term_free(t);
}

/* Guest output is data: whatever it holds, term/ writes nothing to the
 * process's stdout or stderr (libvterm can print diagnostics there). */
static void test_no_terminal_writes(void **state)
{
	(void)state;
	char path[] = "/tmp/test_term_out.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	int o = dup(1), e = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	struct tt_rng r = { 42 };
	for (int i = 0; i < 200; i++) {
		struct term *t = term_new(1 + tt_below(&r, 30), 1 + tt_below(&r, 90), 50,
					  i % 2 ? TERM_ANSWER : TERM_SILENT, NULL, NULL);
		struct buf s = { 0 };
		tt_stream(&r, &s, 24, 80, 200);
		buf_append(&s, "\033P$q/\033\\\033[99;99;99$w\033]777;x\a\033_apc\033\\\033^pm\033\\", 41);
		term_feed(t, s.data, s.len);
		struct buf snap = { 0 };
		term_snapshot(t, 50, &snap);
		buf_free(&snap);
		buf_free(&s);
		term_free(t);
	}
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);
}

/* Status requests (DECRQSS): the ones libvterm 0.1.4 knows are answered
 * by it, every other one "not valid" (DCS 0 $ r ST), once, whatever ends
 * it, controls inside it still done; under ASan or TSan an unknown one
 * used to kill the program (libvterm's "%.s"). */
static void test_status_requests(void **state)
{
	(void)state;
	static const struct { const char *in, *want; } cases[] = {
		{ "\033P$q/\033\\", "\033P0$r\033\\" },
		{ "\033P$qx\a", "\033P0$r\033\\" },
		{ "\033P$q\033\\", "\033P0$r\033\\" },
		{ "\033P$q\"pq\033\\", "\033P0$r\033\\" },
		{ "\033P$qmm\033\\", "\033P0$r\033\\" },
		{ "\033P$qr\033\\", "\033P1$r1;24r\033\\" },
		{ "\033P$q\"q\033\\", "\033P1$r2\"q\033\\" },
		{ "\033P$\nq\rm\033\\", "\033P1$rm\033\\" },
		/* not dispatched: cancelled, or abandoned for another ESC */
		{ "\033P$q/\030", "" },
		{ "\033P$q/\033[c", "\033[?1;2c" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct events ev = { 0 };
		struct term *t = term_new(24, 80, 0, TERM_ANSWER, &events_cb, &ev);
		tt_feeds(t, cases[i].in);
		size_t n = strlen(cases[i].want);
		if (ev.out.len != n || (n && memcmp(ev.out.data, cases[i].want, n))) {
			char got[64] = "";
			for (size_t j = 0; j < ev.out.len && j < 12; j++)
				snprintf(got + strlen(got), sizeof got - strlen(got), "%02x ",
					 (unsigned char)ev.out.data[j]);
			fail_msg("case %zu: answered [%s] (%zu bytes), want %zu bytes", i, got,
				 ev.out.len, n);
		}
		buf_free(&ev.out);
		term_free(t);
	}
	/* The line feed inside the request is still done. */
	struct events ev = { 0 };
	struct term *t = term_new(24, 80, 0, TERM_ANSWER, &events_cb, &ev);
	tt_feeds(t, "a\033P$q\n/\033\\b");
	char row[16];
	term_row_text(t, 1, row, sizeof row);
	assert_string_equal(row, " b");
	buf_free(&ev.out);
	term_free(t);
}

/* ---- screen fidelity (issue 14): what an xterm-class terminal shows ---- */

static void assert_attrs(const struct term *t, int row, unsigned col, unsigned want)
{
	struct term_cellview v;
	assert_true(term_cell(t, row, col, &v));
	if (v.attrs != want)
		fail_msg("row %d col %u: attrs %#x, want %#x", row, col, v.attrs, want);
}

/* DECRC restores the character sets DECSC saved (vttest 2.15). */
static void test_decrc_restores_charset(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 0);
	tt_feeds(t, "\033(0\0337\033(B\0338qqq");
	assert_row(t, 0, "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
	assert_cursor(t, 0, 3);
	/* and the set DECSC saw when the cursor is restored after ?1048 too:
	 * ASCII saved, line drawing designated, ASCII back */
	tt_feeds(t, "\033(B\r\n\0337\033(0\0338qq");
	assert_row(t, 1, "qq");
	term_free(t);
}

/* DECCOLM clears the screen, homes the cursor and resets the margins,
 * even when the width does not change (umltop keeps the client's size). */
static void test_deccolm_clears_and_homes(void **state)
{
	(void)state;
	struct term *t = mk(24, 80, 0);
	tt_feeds(t, "\033[15;1HJUNK\033[?3lHOME");
	assert_row(t, 14, "");
	assert_row(t, 0, "HOME");
	assert_cursor(t, 0, 4);
	/* ?3h likewise, and the scroll region is the whole screen after it */
	tt_feeds(t, "\033[5;10r\033[?69h\033[5;20s\033[3;3HJUNK\033[?3hTOP");
	assert_row(t, 2, "");
	assert_row(t, 0, "TOP");
	assert_cursor(t, 0, 3);
	tt_feeds(t, "\033[24;1HBOTTOM\033[24;30HFAR\n");
	/* TOP scrolled off, every column moved: both margins were reset */
	assert_row(t, 22, "BOTTOM                       FAR");
	assert_row(t, 0, "");
	term_free(t);
}

/* DECALN fills with E's of the default rendition, homes the cursor and
 * resets the margins, as xterm does; the pen stays the guest's. */
static void test_decaln_default_rendition(void **state)
{
	(void)state;
	struct term *t = mk(5, 10, 0);
	tt_feeds(t, "\033[2;4r\033[3;5H\033[1;4;31;44m\033#8");
	struct term_cellview v;
	for (unsigned r = 0; r < 5; r++) {
		assert_row(t, (int)r, "EEEEEEEEEE");
		assert_true(term_cell(t, (int)r, 9, &v));
		assert_int_equal(v.attrs, 0);
		assert_int_equal(v.fg.type, TERM_COLOR_DEFAULT);
		assert_int_equal(v.bg.type, TERM_COLOR_DEFAULT);
	}
	assert_cursor(t, 0, 0);
	tt_feeds(t, "x\033[5;1H\n");
	assert_row(t, 0, "EEEEEEEEEE"); /* xE..E scrolled off: whole screen */
	tt_feeds(t, "\033[1;1Hy");
	assert_true(term_cell(t, 0, 0, &v));
	assert_int_equal(v.attrs, TERM_BOLD | TERM_UNDERLINE);
	assert_int_equal(v.fg.index, 1);
	assert_int_equal(v.bg.index, 4);
	term_free(t);
}

static void assert_rgb(const struct term *t, int row, unsigned col, bool fg, unsigned rgb)
{
	struct term_cellview v;
	assert_true(term_cell(t, row, col, &v));
	const struct term_color *c = fg ? &v.fg : &v.bg;
	if (c->type != TERM_COLOR_RGB || (unsigned)(c->r << 16 | c->g << 8 | c->b) != rgb)
		fail_msg("row %d col %u %s: type %u rgb %06x, want %06x", row, col, fg ? "fg" : "bg",
			 c->type, (unsigned)(c->r << 16 | c->g << 8 | c->b), rgb);
}

/* Direct colour in its three forms, foreground and background. */
static void test_direct_colour_forms(void **state)
{
	(void)state;
	struct term *t = mk(3, 20, 0);
	tt_feeds(t, "\033[38:2::10:20:30ma\033[38:2:40:50:60mb\033[38;2;70;80;90mc"
		    "\033[48:2::11:21:31md\033[48:2:41:51:61me\033[48;2;71;81;91mf"
		    "\033[0;38:2::1:2:3;1mg");
	assert_rgb(t, 0, 0, true, 0x0a141e);
	assert_rgb(t, 0, 1, true, 0x28323c);
	assert_rgb(t, 0, 2, true, 0x46505a);
	assert_rgb(t, 0, 3, false, 0x0b151f);
	assert_rgb(t, 0, 4, false, 0x29333d);
	assert_rgb(t, 0, 5, false, 0x47515b);
	assert_rgb(t, 0, 5, true, 0x46505a);
	assert_rgb(t, 0, 6, true, 0x010203);
	assert_attrs(t, 0, 6, TERM_BOLD);
	term_free(t);
}

/* REP repeats only a graphic character right before it (vttest 11.7.2). */
static void test_rep_needs_a_glyph_right_before(void **state)
{
	(void)state;
	struct term *t = mk(4, 40, 0);
	tt_feeds(t, "+\033[3b");
	assert_row(t, 0, "++++");
	tt_feeds(t, "\r\n+\033[C\033[3b|");
	assert_row(t, 1, "+ |");
	tt_feeds(t, "\r\n+\r\033[3b|");
	assert_row(t, 2, "|");
	tt_feeds(t, "\r\n+\033[1m\033[3b|");
	assert_row(t, 3, "+|");
	assert_cursor(t, 3, 2);
	/* the glyph and REP in separate writes still count */
	tt_feeds(t, "\033[1;10H-");
	tt_feeds(t, "\033[2b");
	assert_row(t, 0, "++++     ---");
	term_free(t);
}

/* A console shows the same whatever the sizes of the reads that brought
 * its output: random streams (wide glyphs, marks, broken UTF-8, C1,
 * sequences) fed whole and fed in pieces of 1-4, 1-64 and 1-4096 bytes
 * end cell for cell and line for line of scrollback alike.  libvterm
 * 0.1.4 alone joins a mark to its glyph one way within a write and
 * another across two (test_feed's feeder found it, once in many runs). */
static void test_reads_do_not_matter(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 300; seed++) {
		struct tt_rng r = { 0x9e3779b97f4a7c15ull * (seed + 7000) };
		unsigned rows = 1 + tt_below(&r, 30), cols = 1 + tt_below(&r, 90);
		unsigned sb = tt_below(&r, 300);
		struct buf s = { 0 };
		tt_stream(&r, &s, rows, cols, 50 + tt_below(&r, 1000));
		struct term *whole = mk(rows, cols, sb);
		term_feed(whole, s.data, s.len);
		for (unsigned k = 0; k < 3; k++) {
			static const unsigned most[] = { 4, 64, 4096 };
			struct term *t = mk(rows, cols, sb);
			for (size_t off = 0; off < s.len;) {
				size_t n = 1 + (size_t)tt_below(&r, most[k]); /* MIN: twice */
				n = MIN(n, s.len - off);
				term_feed(t, s.data + off, n);
				off += n;
			}
			char why[256];
			if (!tt_same(whole, t, term_scrollback_len(whole), why, sizeof why))
				fail_msg("seed %u, %ux%u, reads of up to %u bytes: %s", seed, rows, cols,
					 most[k], why);
			term_free(t);
		}
		term_free(whole);
		buf_free(&s);
	}
}

/* The cases the random streams found, each cut at every byte. */
static void test_marks_across_reads(void **state)
{
	(void)state;
	static const struct {
		const char *s, *row;
		int col;
	} cases[] = {
		/* a mark libvterm gives two columns: the glyph stays two wide */
		{ "a\xe6\x9c\xac\xe3\x80\xaa" "b", "a\xe6\x9c\xac" "b", 4 },
		/* a mark after a glyph in the last column joins it */
		{ "\033[1;8Hx\xcc\x81", "       x\xcc\x81", 7 },
		/* ...not after a sequence (a CUP ends the pending wrap) */
		{ "\033[1;8Hx\033[1;8H\xcc\x81", "       \xcc\x81", 7 },
		/* broken UTF-8 shown as U+FFFD is a glyph a mark joins */
		{ "\xc3\xcc\x81z", "\xef\xbf\xbd\xcc\x81z", 2 },
	};
	for (unsigned c = 0; c < ARRAY_LEN(cases); c++) {
		size_t len = strlen(cases[c].s);
		for (size_t cut = 0; cut < len; cut++) {
			struct term *t = mk(2, 8, 0);
			term_feed(t, cases[c].s, cut);
			term_feed(t, cases[c].s + cut, len - cut);
			char got[64];
			term_row_text(t, 0, got, sizeof got);
			int row, col;
			bool vis;
			term_cursor(t, &row, &col, &vis);
			if (strcmp(got, cases[c].row) || col != cases[c].col)
				fail_msg("case %u cut at %zu: '%s' cursor %d, want '%s' cursor %d", c,
					 cut, got, col, cases[c].row, cases[c].col);
			term_free(t);
		}
	}
}

/* SGR 8 conceals (vttest 11.6.9), 28 reveals. */
static void test_sgr_conceal(void **state)
{
	(void)state;
	struct term *t = mk(2, 20, 0);
	tt_feeds(t, "a\033[8mb\033[1mc\033[28md\033[8me\033[0mf");
	assert_attrs(t, 0, 0, 0);
	assert_attrs(t, 0, 1, TERM_CONCEAL);
	assert_attrs(t, 0, 2, TERM_CONCEAL | TERM_BOLD);
	assert_attrs(t, 0, 3, TERM_BOLD);
	assert_attrs(t, 0, 4, TERM_BOLD | TERM_CONCEAL);
	assert_attrs(t, 0, 5, 0);
	term_free(t);
}

/* Dim, strike-through, overline, double and curly underline are kept,
 * each ended by its own SGR. */
static void test_sgr_more_attributes(void **state)
{
	(void)state;
	struct term *t = mk(4, 20, 0);
	tt_feeds(t, "\033[2ma\033[1mb\033[22mc\033[9md\033[29me\033[53mf\033[55mg");
	assert_attrs(t, 0, 0, TERM_DIM);
	assert_attrs(t, 0, 1, TERM_DIM | TERM_BOLD);
	assert_attrs(t, 0, 2, 0);
	assert_attrs(t, 0, 3, TERM_STRIKE);
	assert_attrs(t, 0, 4, 0);
	assert_attrs(t, 0, 5, TERM_OVERLINE);
	assert_attrs(t, 0, 6, 0);
	tt_feeds(t, "\r\n\033[21ma\033[24mb\033[4:2mc\033[4:3md\033[4:0me\033[4mf\033[4:3mg\033[24mh");
	assert_attrs(t, 1, 0, TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE);
	assert_attrs(t, 1, 1, 0);
	assert_attrs(t, 1, 2, TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE);
	assert_attrs(t, 1, 3, TERM_UNDERLINE | TERM_UNDERLINE_CURLY);
	assert_attrs(t, 1, 4, 0);
	assert_attrs(t, 1, 5, TERM_UNDERLINE);
	assert_attrs(t, 1, 6, TERM_UNDERLINE | TERM_UNDERLINE_CURLY);
	assert_attrs(t, 1, 7, 0);
	/* all at once, then SGR 0; a 38;5;2 colour is not dim */
	tt_feeds(t, "\r\n\033[1;2;3;4:3;5;7;8;9;53max\033[0my\033[38;5;2;48;5;8mz");
	assert_attrs(t, 2, 0, TERM_BOLD | TERM_DIM | TERM_ITALIC | TERM_UNDERLINE |
				      TERM_UNDERLINE_CURLY | TERM_BLINK | TERM_REVERSE |
				      TERM_CONCEAL | TERM_STRIKE | TERM_OVERLINE);
	assert_attrs(t, 2, 1, TERM_BOLD | TERM_DIM | TERM_ITALIC | TERM_UNDERLINE |
				      TERM_UNDERLINE_CURLY | TERM_BLINK | TERM_REVERSE |
				      TERM_CONCEAL | TERM_STRIKE | TERM_OVERLINE);
	assert_attrs(t, 2, 2, 0);
	assert_attrs(t, 2, 3, 0);
	/* DECSC/DECRC saves and restores them with the rest of the pen */
	tt_feeds(t, "\r\n\033[2;53m\0337\033[0m\0338a");
	assert_attrs(t, 3, 0, TERM_DIM | TERM_OVERLINE);
	/* erasing takes the background alone */
	tt_feeds(t, "\033[2;8;53;44m\033[K");
	struct term_cellview v;
	assert_true(term_cell(t, 3, 5, &v));
	assert_int_equal(v.attrs, 0);
	assert_int_equal(v.bg.index, 4);
	term_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_cursor),
		cmocka_unit_test(test_scrollback),
		cmocka_unit_test(test_scrollback_recycles),
		cmocka_unit_test(test_scroll_regions),
		cmocka_unit_test(test_scroll_splits_wide),
		cmocka_unit_test(test_insert_delete_chars),
		cmocka_unit_test(test_selective_erase),
		cmocka_unit_test(test_altscreen),
		cmocka_unit_test(test_dirty_rows),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_resize_with_margins),
		cmocka_unit_test(test_title_and_bell),
		cmocka_unit_test(test_queries_answered_once),
		cmocka_unit_test(test_status_requests),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_guard_utf8),
		cmocka_unit_test(test_guard_saved_cursor),
		cmocka_unit_test(test_guard_long_string),
		cmocka_unit_test(test_guard_big_write),
		cmocka_unit_test(test_big_write_keeps_marks),
		cmocka_unit_test(test_table_compaction),
		cmocka_unit_test(test_row_text),
		cmocka_unit_test(test_no_terminal_writes),
		cmocka_unit_test(test_decrc_restores_charset),
		cmocka_unit_test(test_deccolm_clears_and_homes),
		cmocka_unit_test(test_decaln_default_rendition),
		cmocka_unit_test(test_direct_colour_forms),
		cmocka_unit_test(test_rep_needs_a_glyph_right_before),
		cmocka_unit_test(test_sgr_conceal),
		cmocka_unit_test(test_sgr_more_attributes),
		cmocka_unit_test(test_reads_do_not_matter),
		cmocka_unit_test(test_marks_across_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
