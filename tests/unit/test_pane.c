/* tui/pane: a real term (term/) fed real escape sequences, drawn into a
 * curses window of a real terminal description (xterm-256color, xterm with
 * 8 colours and 64 pairs, vt100 without colour), and the window's cells
 * read back: characters, widths, attributes, the colours the pairs hold,
 * clearing, scrollback, the cursor; and curses keys to guest bytes. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "tui/pane.h"

static FILE *devnull_out, *devnull_in;

/* A screen of terminal type `type` that writes nowhere; its stdscr is
 * only read back, never refreshed. */
static SCREEN *screen_of(const char *type)
{
	SCREEN *s = newterm(type, devnull_out, devnull_in);
	assert_non_null(s);
	set_term(s);
	if (has_colors())
		start_color();
	pane_colors_init();
	keypad(stdscr, TRUE);
	return s;
}

static void screen_done(SCREEN *s)
{
	endwin();
	delscreen(s);
}

static struct term *term_with(unsigned rows, unsigned cols, const char *bytes)
{
	struct term *t = term_new(rows, cols, 100, TERM_SILENT, NULL, NULL);
	assert_non_null(t);
	term_feed(t, bytes, strlen(bytes));
	return t;
}

static struct pane_view view_of(int h, int w)
{
	return (struct pane_view){ .win = stdscr, .y = 1, .x = 2, .h = h, .w = w };
}

/* The cell at (y, x) of stdscr: its characters, attributes and pair. */
struct got {
	wchar_t ws[CCHARW_MAX + 1];
	attr_t attr;
	int pair;
};

static struct got cell_at(int y, int x)
{
	struct got g;
	cchar_t cc;
	short sp;
	memset(&g, 0, sizeof g);
	assert_int_equal(mvwin_wch(stdscr, y, x, &cc), OK);
	getcchar(&cc, g.ws, &g.attr, &sp, &g.pair);
	return g;
}

static void pair_colors(int pair, int *fg, int *bg)
{
	assert_int_equal(extended_pair_content(pair, fg, bg), OK);
}

/* The text of a window row from x, n columns (wide characters once). */
static void row_text(int y, int x, int n, char *out)
{
	for (int i = 0; i < n; i++) {
		struct got g = cell_at(y, x + i);
		out[i] = g.ws[0] < 0x80 ? (char)g.ws[0] : '#';
	}
	out[n] = '\0';
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	devnull_out = fopen("/dev/null", "w");
	devnull_in = fopen("/dev/null", "r");
	return devnull_out && devnull_in ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(devnull_out);
	fclose(devnull_in);
	return 0;
}

/* ---- characters ---- */

static void test_wide_and_combining(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(3, 20, "ab\344\270\255c e\314\201x");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	assert_int_equal(cell_at(1, 2).ws[0], L'a');
	assert_int_equal(cell_at(1, 3).ws[0], L'b');
	assert_int_equal(cell_at(1, 4).ws[0], 0x4e2d); /* takes columns 4 and 5 */
	assert_int_equal(cell_at(1, 6).ws[0], L'c');
	struct got e = cell_at(1, 8);
	assert_int_equal(e.ws[0], L'e');
	assert_int_equal(e.ws[1], 0x301);
	assert_int_equal(cell_at(1, 9).ws[0], L'x');
	/* a bidi override after a letter is not passed on as a mark */
	term_feed(t, "\r\ny\342\200\256z", 8);
	pane_draw_all(&v, t);
	struct got y = cell_at(2, 2);
	assert_int_equal(y.ws[0], L'y');
	assert_int_equal(y.ws[1], 0);
	assert_int_equal(cell_at(2, 3).ws[0], L'z');
	term_free(t);
	screen_done(s);
}

/* A locale that cannot show a character gets '?' in its place, and the
 * columns stay where the guest put them. */
static void test_unshowable_in_locale(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(3, 20, "a\344\270\255b\303\251c");
	setlocale(LC_CTYPE, "C");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	setlocale(LC_CTYPE, "C.UTF-8");
	char text[8];
	row_text(1, 2, 6, text);
	assert_string_equal(text, "a? b?c");
	term_free(t);
	screen_done(s);
}

/* A wide character cut by the view's right edge is not half drawn. */
static void test_wide_at_the_edge(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(3, 20, "abc\344\270\255");
	struct pane_view v = view_of(3, 4);
	mvwaddstr(stdscr, 1, 6, "ZZ");
	pane_draw_all(&v, t);
	char text[8];
	row_text(1, 2, 4, text);
	assert_string_equal(text, "abc ");
	assert_int_equal(cell_at(1, 6).ws[0], L'Z'); /* outside the view */
	term_free(t);
	screen_done(s);
}

/* ---- colours and attributes ---- */

static void test_colors_256(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(3, 20,
				   "\033[1;31mA\033[0m\033[38;5;196mB\033[48;2;0;0;255mC\033[0m"
				   "\033[3;4;5;7mD\033[0mE\033[38;2;255;135;0mF");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	int fg, bg;
	struct got a = cell_at(1, 2);
	assert_true(a.attr & A_BOLD);
	pair_colors(a.pair, &fg, &bg);
	assert_int_equal(fg, 1);
	assert_int_equal(bg, -1);
	pair_colors(cell_at(1, 3).pair, &fg, &bg);
	assert_int_equal(fg, 196);
	pair_colors(cell_at(1, 4).pair, &fg, &bg);
	assert_int_equal(fg, 196);
	assert_int_equal(bg, 21); /* RGB blue: the cube's 0,0,255 */
	struct got d = cell_at(1, 5);
	assert_true(d.attr & A_ITALIC);
	assert_true(d.attr & A_UNDERLINE);
	assert_true(d.attr & A_BLINK);
	assert_true(d.attr & A_REVERSE);
	assert_false(d.attr & A_BOLD);
	assert_int_equal(cell_at(1, 6).pair, 0); /* default on default */
	pair_colors(cell_at(1, 7).pair, &fg, &bg);
	assert_int_equal(fg, 208); /* 255,135,0 is in the cube */
	term_free(t);
	screen_done(s);
}

/* 8 colours: bright colours become the dim ones in bold, 256 and RGB the
 * nearest of the 8. */
static void test_colors_8(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm");
	assert_int_equal(COLORS, 8);
	struct term *t = term_with(3, 20,
				   "\033[91mA\033[0m\033[38;5;196mB\033[0m\033[38;2;0;0;250mC\033[0m"
				   "\033[38;5;46mD");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	int fg, bg;
	struct got a = cell_at(1, 2);
	pair_colors(a.pair, &fg, &bg);
	assert_int_equal(fg, 1);
	assert_true(a.attr & A_BOLD);
	pair_colors(cell_at(1, 3).pair, &fg, &bg);
	assert_int_equal(fg, 1);
	pair_colors(cell_at(1, 4).pair, &fg, &bg);
	assert_int_equal(fg, 4);
	pair_colors(cell_at(1, 5).pair, &fg, &bg);
	assert_int_equal(fg, 2);
	term_free(t);
	screen_done(s);
}

/* Colour rows: fg 0-7 then default (39) on each bg of [bg0, bg1). */
static struct term *color_rows(int bg0, int bg1)
{
	struct buf b = { 0 };
	for (int bg = bg0; bg < bg1; bg++) {
		for (int fg = 0; fg < 9; fg++)
			buf_printf(&b, "\033[%d;%dmx", fg < 8 ? 30 + fg : 39, 40 + bg);
		buf_printf(&b, "\033[0m\r\n");
	}
	buf_append(&b, "", 1);
	struct term *t = term_with(10, 20, b.data);
	buf_free(&b);
	return t;
}

/* The terminal's pairs run out (xterm: 64, 48 of them for panes) over two
 * screens of 36 combinations each: the pairs are discarded once, while
 * drawing the second, which is redrawn, and every cell of it has the
 * colours it asked for (recycling pairs instead would have recoloured
 * some); a pair the caller took with alloc_pair() keeps its colours. */
static void test_pairs_run_out(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm");
	struct term *t1 = color_rows(0, 4), *t2 = color_rows(4, 8);
	int chrome = alloc_pair(COLOR_BLACK, COLOR_YELLOW); /* the TUI's own */
	assert_true(chrome > 0);
	unsigned epoch = pane_colors_epoch();
	struct pane_view v = view_of(10, 20);
	pane_draw_all(&v, t1);
	assert_int_equal(pane_colors_epoch(), epoch);
	pane_draw_all(&v, t2);
	assert_int_equal(pane_colors_epoch(), epoch + 1);
	for (int bg = 4; bg < 8; bg++) {
		for (int fg = 0; fg < 9; fg++) {
			int f, g;
			pair_colors(cell_at(1 + bg - 4, 2 + fg).pair, &f, &g);
			assert_int_equal(f, fg < 8 ? fg : -1);
			assert_int_equal(g, bg);
		}
	}
	int f, g;
	pair_colors(chrome, &f, &g); /* left alone */
	assert_int_equal(f, COLOR_BLACK);
	assert_int_equal(g, COLOR_YELLOW);
	term_free(t1);
	term_free(t2);
	screen_done(s);
}

/* No colour at all: attributes still show, no pair is used. */
static void test_no_colors(void **state)
{
	(void)state;
	SCREEN *s = screen_of("vt100");
	struct term *t = term_with(3, 20, "\033[31;7mA\033[0;1;44mB");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	struct got a = cell_at(1, 2), b = cell_at(1, 3);
	assert_true(a.attr & A_REVERSE);
	assert_int_equal(a.pair, 0);
	assert_true(b.attr & A_BOLD);
	assert_int_equal(b.pair, 0);
	term_free(t);
	screen_done(s);
}

/* ---- attributes ---- */

static struct term_cellview cell_with(uint16_t attrs)
{
	struct term_cellview cv;
	memset(&cv, 0, sizeof cv);
	cv.chars[0] = 'x';
	cv.width = 1;
	cv.attrs = attrs;
	return cv;
}

/* Each attribute a cell may carry, as curses draws it: dim is A_DIM;
 * double and curly underlines are the one underline curses has (with or
 * without TERM_UNDERLINE beside them); strike-through and overline have
 * no curses attribute and leave the text plain. */
static void test_attrs_mapped(void **state)
{
	(void)state;
	static const struct {
		uint16_t term;
		attr_t curses;
	} map[] = {
		{ 0, A_NORMAL },
		{ TERM_BOLD, A_BOLD },
		{ TERM_DIM, A_DIM },
		{ TERM_ITALIC, A_ITALIC },
		{ TERM_UNDERLINE, A_UNDERLINE },
		{ TERM_UNDERLINE | TERM_UNDERLINE_DOUBLE, A_UNDERLINE },
		{ TERM_UNDERLINE | TERM_UNDERLINE_CURLY, A_UNDERLINE },
		{ TERM_UNDERLINE_DOUBLE, A_UNDERLINE },
		{ TERM_UNDERLINE_CURLY, A_UNDERLINE },
		{ TERM_BLINK, A_BLINK },
		{ TERM_REVERSE, A_REVERSE },
		{ TERM_STRIKE, A_NORMAL },
		{ TERM_OVERLINE, A_NORMAL },
		{ TERM_BOLD | TERM_DIM, A_BOLD | A_DIM },
		{ TERM_DIM | TERM_STRIKE | TERM_OVERLINE | TERM_REVERSE, A_DIM | A_REVERSE },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		struct term_cellview cv = cell_with(map[i].term);
		assert_int_equal(pane_attrs(&cv), map[i].curses);
	}
}

/* ---- the colour mode and the terminal description ---- */

static void test_color_mode(void **state)
{
	(void)state;
	assert_int_equal(pane_color_mode(false, 0), PANE_COLOR_NONE);
	assert_int_equal(pane_color_mode(false, 256), PANE_COLOR_NONE);
	assert_int_equal(pane_color_mode(true, 2), PANE_COLOR_NONE);
	assert_int_equal(pane_color_mode(true, 8), PANE_COLOR_8);
	assert_int_equal(pane_color_mode(true, 16), PANE_COLOR_16);
	assert_int_equal(pane_color_mode(true, 88), PANE_COLOR_16);
	assert_int_equal(pane_color_mode(true, 256), PANE_COLOR_256);
	assert_int_equal(pane_color_mode(true, 1 << 24), PANE_COLOR_DIRECT);
	assert_int_equal(pane_color_mode(true, 0x7fff), PANE_COLOR_256);

	assert_true(pane_declares_rgb("truecolor"));
	assert_true(pane_declares_rgb("24bit"));
	assert_false(pane_declares_rgb(NULL));
	assert_false(pane_declares_rgb(""));
	assert_false(pane_declares_rgb("yes"));
	assert_false(pane_declares_rgb("256"));

	char buf[64];
	assert_true(pane_direct_sibling("xterm-256color", buf, sizeof buf));
	assert_string_equal(buf, "xterm-direct256");
	assert_true(pane_direct_sibling("tmux-256color", buf, sizeof buf));
	assert_string_equal(buf, "tmux-direct256");
	assert_false(pane_direct_sibling("xterm", buf, sizeof buf));
	assert_false(pane_direct_sibling("xterm-direct", buf, sizeof buf));
	assert_false(pane_direct_sibling("-256color", buf, sizeof buf));
	assert_false(pane_direct_sibling(NULL, buf, sizeof buf));
	assert_false(pane_direct_sibling("xterm-256color", buf, 8)); /* does not fit */
}

/* Terminal descriptions of our own, compiled into a directory of the
 * test's: a 256-colour one with direct siblings, as ncurses-term has them
 * (xterm+direct256: 0-255 palette, the rest RGB; xterm+direct: only 0-7),
 * and one that says Tc. */
#define SETAF_256 "%?%p1%{8}%<%t3%p1%d%e%p1%{16}%<%t9%p1%{8}%-%d%e%p1%{256}%<%t38;5;%p1%d%e38:2::"
#define SETAB_256 "%?%p1%{8}%<%t4%p1%d%e%p1%{16}%<%t10%p1%{8}%-%d%e%p1%{256}%<%t48;5;%p1%d%e48:2::"
#define SETAF_8 "%?%p1%{8}%<%t3%p1%d%e38:2::"
#define SETAB_8 "%?%p1%{8}%<%t4%p1%d%e48:2::"
#define RGB_PARTS "%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m"
static const char test_terminfo[] =
	"umlt-256color|umltop test 256 colours,\n"
	"\tuse=xterm-256color,\n"
	"umlt-direct256|umltop test direct colour and 256 palette colours,\n"
	"\tcolors#0x1000000, pairs#0x10000, RGB,\n"
	"\tsetaf=\\E[" SETAF_256 RGB_PARTS ",\n"
	"\tsetab=\\E[" SETAB_256 RGB_PARTS ",\n"
	"\tuse=xterm-256color,\n"
	"umlt8-256color|umltop test whose sibling has 8 palette colours,\n"
	"\tuse=xterm-256color,\n"
	"umlt8-direct256|umltop test direct colour and 8 palette colours,\n"
	"\tcolors#0x1000000, pairs#0x10000, RGB,\n"
	"\tsetaf=\\E[" SETAF_8 RGB_PARTS ",\n"
	"\tsetab=\\E[" SETAB_8 RGB_PARTS ",\n"
	"\tuse=xterm-256color,\n"
	"umltc-256color|umltop test that says Tc,\n"
	"\tTc, use=xterm-256color,\n"
	"umltc-direct256|umltop test direct sibling of the Tc one,\n"
	"\tuse=umlt-direct256,\n";

static char terminfo_dir[64];

static void terminfo_make(void)
{
	if (terminfo_dir[0])
		return;
	snprintf(terminfo_dir, sizeof terminfo_dir, "/tmp/test_pane.XXXXXX");
	assert_non_null(mkdtemp(terminfo_dir));
	char src[128], cmd[512];
	snprintf(src, sizeof src, "%s/src", terminfo_dir);
	FILE *f = fopen(src, "w");
	assert_non_null(f);
	fputs(test_terminfo, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "tic -x -o '%s' '%s' 2>&1", terminfo_dir, src);
	assert_int_equal(system(cmd), 0);
	setenv("TERMINFO", terminfo_dir, 1); /* searched first, then the system's */
}

static void terminfo_remove(void)
{
	char cmd[128];
	if (!terminfo_dir[0])
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", terminfo_dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("TERMINFO");
	terminfo_dir[0] = 0;
}

static void expect_entry(const char *term, const char *colorterm, const char *want)
{
	char buf[64];
	setenv("TERM", term, 1);
	if (colorterm)
		setenv("COLORTERM", colorterm, 1);
	else
		unsetenv("COLORTERM");
	const char *got = pane_curses_entry(buf, sizeof buf);
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got ? got : "(TERM's own)", want);
}

/* Which description curses is opened with: a 256-colour TERM stays
 * itself unless the terminal says it takes RGB (COLORTERM, or Tc in the
 * entry) and a direct sibling keeping all 256 palette colours exists. */
static void test_curses_entry(void **state)
{
	(void)state;
	terminfo_make();
	const char *term = getenv("TERM"), *ct = getenv("COLORTERM");
	char *saved_term = term ? strdup(term) : NULL, *saved_ct = ct ? strdup(ct) : NULL;
	expect_entry("umlt-256color", NULL, NULL);
	expect_entry("umlt-256color", "truecolor", "umlt-direct256");
	expect_entry("umlt-256color", "24bit", "umlt-direct256");
	expect_entry("umlt-256color", "yes", NULL);
	expect_entry("umltc-256color", NULL, "umltc-direct256"); /* Tc in the entry */
	/* the sibling would turn palette colours 8-255 into fixed RGB */
	expect_entry("umlt8-256color", "truecolor", NULL);
	/* no sibling in the database; TERM already direct; TERM unknown */
	expect_entry("vt100", "truecolor", NULL);
	expect_entry("umlt-direct256", "truecolor", NULL);
	expect_entry("no-such-terminal-256color", "truecolor", NULL);
	if (saved_term)
		setenv("TERM", saved_term, 1);
	else
		unsetenv("TERM");
	if (saved_ct)
		setenv("COLORTERM", saved_ct, 1);
	else
		unsetenv("COLORTERM");
	free(saved_term);
	free(saved_ct);
}

/* A direct-colour description with the whole palette: RGB cells reach
 * it as 0xRRGGBB exactly, palette indices 0-255 stay palette indices (the
 * user's palette applies), and an RGB value whose number is a palette
 * index gets green 1 rather than turn into that palette colour. */
static void test_colors_direct256(void **state)
{
	(void)state;
	terminfo_make();
	SCREEN *s = screen_of("umlt-direct256");
	assert_int_equal(COLORS, 1 << 24);
	struct term *t = term_with(3, 20,
				   "\033[38;2;10;200;30mA\033[38;5;196;48;5;9mB\033[0m"
				   "\033[31;48;2;0;0;255mC\033[0m\033[38;2;0;0;0mD\033[0m"
				   "\033[38;2;255;135;0mE");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	int fg, bg;
	pair_colors(cell_at(1, 2).pair, &fg, &bg);
	assert_int_equal(fg, 10 << 16 | 200 << 8 | 30);
	assert_int_equal(bg, -1);
	pair_colors(cell_at(1, 3).pair, &fg, &bg);
	assert_int_equal(fg, 196);
	assert_int_equal(bg, 9);
	pair_colors(cell_at(1, 4).pair, &fg, &bg);
	assert_int_equal(fg, 1);
	assert_int_equal(bg, 0x0001ff); /* 0,0,255 is palette 255 here */
	pair_colors(cell_at(1, 5).pair, &fg, &bg);
	assert_int_equal(fg, 0x000100); /* 0,0,0 is palette 0 here */
	pair_colors(cell_at(1, 6).pair, &fg, &bg);
	assert_int_equal(fg, 0xff8700); /* in the cube, but RGB stays RGB */
	term_free(t);
	screen_done(s);
}

/* A direct-colour description that names only 0-7 as palette colours
 * (as xterm-direct): 0-7 stay, 8-255 become xterm's RGB for them. */
static void test_colors_direct8(void **state)
{
	(void)state;
	terminfo_make();
	SCREEN *s = screen_of("umlt8-direct256");
	assert_int_equal(COLORS, 1 << 24);
	struct term *t = term_with(3, 20,
				   "\033[33mA\033[91mB\033[38;5;196mC\033[38;2;0;0;5mD"
				   "\033[38;2;0;0;8mE");
	struct pane_view v = view_of(3, 20);
	pane_draw_all(&v, t);
	int fg, bg;
	pair_colors(cell_at(1, 2).pair, &fg, &bg);
	assert_int_equal(fg, 3);
	pair_colors(cell_at(1, 3).pair, &fg, &bg);
	assert_int_equal(fg, 0xff0000); /* xterm's bright red */
	pair_colors(cell_at(1, 4).pair, &fg, &bg);
	assert_int_equal(fg, 0xff0000); /* 196 */
	pair_colors(cell_at(1, 5).pair, &fg, &bg);
	assert_int_equal(fg, 0x000105);
	pair_colors(cell_at(1, 6).pair, &fg, &bg);
	assert_int_equal(fg, 8); /* not a palette number here */
	term_free(t);
	screen_done(s);
	terminfo_remove();
}

/* ---- geometry ---- */

/* A term smaller than the view: everything outside it is blank. */
static void test_outside_cleared(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(3, 5, "\033[44mabcde\r\nfg");
	struct pane_view v = view_of(6, 10);
	for (int y = 0; y < 8; y++)
		mvwaddstr(stdscr, y, 0, "XXXXXXXXXXXXXX");
	pane_draw_all(&v, t);
	char text[16];
	row_text(1, 2, 10, text);
	assert_string_equal(text, "abcde     ");
	row_text(2, 2, 10, text);
	assert_string_equal(text, "fg        ");
	for (int y = 3; y < 7; y++) {
		row_text(y, 2, 10, text);
		assert_string_equal(text, "          ");
		assert_int_equal(cell_at(y, 2).pair, 0);
	}
	assert_int_equal(cell_at(1, 7).pair, 0); /* past the term's width */
	assert_int_equal(cell_at(0, 2).ws[0], L'X'); /* above the view */
	assert_int_equal(cell_at(7, 2).ws[0], L'X'); /* below */
	assert_int_equal(cell_at(1, 12).ws[0], L'X'); /* right */
	term_free(t);
	screen_done(s);
}

/* The window's own attributes (the TUI draws a pane's title bar in the
 * same window with wattr_set) do not reach the console's cells: curses
 * would give default-coloured cells the window's pair and bold. */
static void test_window_attrs_not_inherited(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(2, 10, "plain\r\n\033[31mred\033[m");
	struct pane_view v = view_of(2, 10);
	int title = alloc_pair(COLOR_BLACK, COLOR_CYAN);
	assert_true(title > 0);
	wattr_set(stdscr, A_BOLD | A_UNDERLINE, (short)title, NULL);
	pane_draw_all(&v, t);
	struct got g = cell_at(1, 2);
	assert_int_equal(g.ws[0], L'p');
	assert_int_equal(g.attr & (A_BOLD | A_UNDERLINE), 0);
	assert_int_equal(g.pair, 0);
	g = cell_at(2, 2);
	assert_int_equal(g.ws[0], L'r');
	assert_int_equal(g.attr & (A_BOLD | A_UNDERLINE), 0);
	int fg, bg;
	pair_colors(g.pair, &fg, &bg);
	assert_int_equal(fg, COLOR_RED);
	assert_int_equal(bg, -1);
	/* blank cells past the text too */
	g = cell_at(1, 9);
	assert_int_equal(g.attr & (A_BOLD | A_UNDERLINE), 0);
	assert_int_equal(g.pair, 0);
	term_free(t);
	screen_done(s);
}

/* pane_draw touches the rows it is given and no other. */
static void test_dirty_rows_only(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(4, 10, "r0\r\nr1\r\nr2\r\nr3");
	struct pane_view v = view_of(4, 10);
	pane_draw_all(&v, t);
	term_clean(t);
	mvwaddstr(stdscr, 1, 2, "ZZ");
	term_feed(t, "\033[3;1Hnew", 9);
	int first, last;
	assert_true(term_dirty(t, &first, &last));
	pane_draw(&v, t, first, last);
	char text[16];
	row_text(1, 2, 2, text);
	assert_string_equal(text, "ZZ");
	row_text(3, 2, 3, text);
	assert_string_equal(text, "new");
	term_free(t);
	screen_done(s);
}

/* With a shadow, a dirty row hands curses only its changed cells, and
 * through any run of changes the window shows what a whole redraw would:
 * characters, attributes and colour pairs of every cell. */
static void same_as_redrawn(const struct term *t, int h, int w)
{
	WINDOW *keep = stdscr;
	WINDOW *fresh = newwin(h + 2, w + 4, 0, 0);
	assert_non_null(fresh);
	struct pane_view v = { .win = fresh, .y = 1, .x = 2, .h = h, .w = w };
	pane_draw_all(&v, t);
	for (int y = 1; y <= h; y++)
		for (int x = 2; x < w + 2; x++) {
			cchar_t a, b;
			wchar_t wa[CCHARW_MAX + 1], wb[CCHARW_MAX + 1];
			attr_t aa, ab;
			short sp;
			int pa, pb;
			assert_int_equal(mvwin_wch(keep, y, x, &a), OK);
			assert_int_equal(mvwin_wch(fresh, y, x, &b), OK);
			getcchar(&a, wa, &aa, &sp, &pa);
			getcchar(&b, wb, &ab, &sp, &pb);
			if (wcscmp(wa, wb) || aa != ab || pa != pb)
				fail_msg("row %d column %d: U+%04x attr %#lx pair %d shown, "
					 "U+%04x attr %#lx pair %d redrawn", y - 1, x - 2, (unsigned)wa[0],
					 (unsigned long)aa, pa, (unsigned)wb[0], (unsigned long)ab, pb);
		}
	delwin(fresh);
}

static void test_shadow_changes_only(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(5, 30, "/ # \033[31mred\033[0m \344\270\255\346\226\207 "
					  "e\314\201 end\r\nsecond line\r\n/ # ");
	struct pane_view v = view_of(5, 30);
	v.shadow = pane_shadow_new();
	pane_draw_all(&v, t);
	term_clean(t);
	int first, last;

	/* a typed character: one cell.  A mark put into the window elsewhere
	 * on that row stays, so the row was not drawn whole. */
	mvwaddstr(stdscr, 1 + 2, 2 + 20, "Z");
	term_feed(t, "x", 1);
	assert_true(term_dirty(t, &first, &last));
	pane_draw(&v, t, first, last);
	assert_int_equal(cell_at(1 + 2, 2 + 4).ws[0], L'x');
	assert_int_equal(cell_at(1 + 2, 2 + 20).ws[0], L'Z');
	mvwaddstr(stdscr, 1 + 2, 2 + 20, " "); /* what the term has there */
	term_clean(t);

	/* a dirty row with nothing changed is not touched */
	term_feed(t, "\033[2;1Hsecond", 13);
	assert_true(term_dirty(t, &first, &last));
	untouchwin(stdscr);
	pane_draw(&v, t, first, last);
	assert_false(is_linetouched(stdscr, 1 + 1));
	term_clean(t);
	same_as_redrawn(t, 5, 30);

	static const char *const steps[] = {
		"\033[1;5H\033[1;32mR\033[0m",   /* colour and bold on one cell */
		"\033[1;10H..",                /* a narrow pair over a wide character */
		"\033[1;10H\344\270\255",       /* and a wide one back */
		"\033[1;10H\346\226\207",       /* another wide one in its place */
		"\033[1;11Hq",                 /* into the right half of a wide one */
		"\033[1;14Hu\314\210",           /* a combining mark on another base */
		"\033[3;1H\033[K",              /* a row erased */
		"\033[7m  \033[0m\033[44m \033[0m",  /* reverse, a background */
		"\033[5;1Hbottom\r\nscrolled\r\nagain", /* every row moves */
		"\033[2J\033[H/ # ",             /* cleared */
		"\033[1;29H\344\270\255",       /* a wide one at the right edge */
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		term_feed(t, steps[i], strlen(steps[i]));
		if (term_dirty(t, &first, &last))
			pane_draw(&v, t, first, last);
		term_clean(t);
		same_as_redrawn(t, 5, 30);
	}

	/* a highlight drawn over cells by the caller (a search hit) goes with
	 * the row's next change, once the shadow is told */
	term_feed(t, "\033[1;1Habcdef", 11);
	pane_draw(&v, t, 0, 0);
	term_clean(t);
	mvwchgat(stdscr, 1, 2 + 1, 3, A_REVERSE, 0, NULL);
	pane_shadow_forget(v.shadow, 0, 1, 3);
	term_feed(t, "\033[1;20HX", 8);
	assert_true(term_dirty(t, &first, &last));
	pane_draw(&v, t, first, last);
	term_clean(t);
	same_as_redrawn(t, 5, 30);

	/* scrolled back and live again: whole rows, then changes only */
	v.scroll = 1;
	pane_draw_all(&v, t);
	v.scroll = 0;
	pane_draw_all(&v, t);
	term_clean(t);
	term_feed(t, "y", 1);
	assert_true(term_dirty(t, &first, &last));
	pane_draw(&v, t, first, last);
	same_as_redrawn(t, 5, 30);

	pane_shadow_free(v.shadow);
	term_free(t);
	screen_done(s);
}

static void test_scrollback_view(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(4, 10, "l0\r\nl1\r\nl2\r\nl3\r\nl4\r\nl5\r\nl6\r\nl7\r\nl8\r\nl9");
	assert_int_equal(term_scrollback_len(t), 6);
	struct pane_view v = view_of(4, 10);
	char text[4];
	int y, x;
	v.scroll = 2;
	pane_draw(&v, t, 3, 3); /* scrolled: the whole view regardless */
	const char *want2[] = { "l4", "l5", "l6", "l7" };
	for (int r = 0; r < 4; r++) {
		row_text(1 + r, 2, 2, text);
		assert_string_equal(text, want2[r]);
	}
	assert_false(pane_cursor(&v, t, &y, &x));
	v.scroll = 100; /* clamped to what there is */
	pane_draw_all(&v, t);
	row_text(1, 2, 2, text);
	assert_string_equal(text, "l0");
	v.scroll = 0;
	pane_draw_all(&v, t);
	row_text(1, 2, 2, text);
	assert_string_equal(text, "l6");
	term_free(t);
	screen_done(s);
}

static void test_cursor(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(4, 10, "ab\r\nabc");
	struct pane_view v = view_of(4, 10);
	int y, x;
	assert_true(pane_cursor(&v, t, &y, &x));
	assert_int_equal(y, 1 + 1);
	assert_int_equal(x, 2 + 3);
	v.w = 3; /* the cursor is right of the view */
	assert_false(pane_cursor(&v, t, &y, &x));
	v.w = 10;
	term_feed(t, "\033[?25l", 6);
	assert_false(pane_cursor(&v, t, &y, &x));
	term_free(t);
	screen_done(s);
}

/* ---- keys ---- */

static void expect_key(struct term *t, int ret, wint_t k, const char *want)
{
	struct buf b = { 0 };
	assert_true(pane_key(t, ret, k, &b));
	buf_append(&b, "", 1);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_keys(void **state)
{
	(void)state;
	SCREEN *s = screen_of("xterm-256color");
	struct term *t = term_with(4, 10, "");
	expect_key(t, OK, L'a', "a");
	expect_key(t, OK, 0x4e2d, "\344\270\255");
	expect_key(t, OK, L'\r', "\r");
	expect_key(t, OK, 0x7f, "\x7f");
	expect_key(t, OK, 3, "\x03"); /* Ctrl-C */
	expect_key(t, OK, 0x1b, "\033");
	expect_key(t, KEY_CODE_YES, KEY_UP, "\033[A");
	expect_key(t, KEY_CODE_YES, KEY_HOME, "\033[H");
	expect_key(t, KEY_CODE_YES, KEY_NPAGE, "\033[6~");
	expect_key(t, KEY_CODE_YES, KEY_DC, "\033[3~");
	expect_key(t, KEY_CODE_YES, KEY_F(1), "\033OP");
	expect_key(t, KEY_CODE_YES, KEY_F(5), "\033[15~");
	expect_key(t, KEY_CODE_YES, KEY_F(13), "\033[1;2P"); /* shift-F1 */
	expect_key(t, KEY_CODE_YES, KEY_SLEFT, "\033[1;2D");
	expect_key(t, KEY_CODE_YES, KEY_BTAB, "\033[Z");
	/* ctrl-up: a key code curses makes up from terminfo's kUP5 */
	int ctrl_up = key_defined(tigetstr("kUP5"));
	assert_true(ctrl_up > 0);
	expect_key(t, KEY_CODE_YES, (wint_t)ctrl_up, "\033[1;5A");
	/* the guest asks for application cursor keys: they follow */
	term_feed(t, "\033[?1h", 5);
	expect_key(t, KEY_CODE_YES, KEY_UP, "\033OA");
	struct buf b = { 0 };
	assert_false(pane_key(t, KEY_CODE_YES, KEY_RESIZE, &b));
	assert_false(pane_key(t, KEY_CODE_YES, KEY_MOUSE, &b));
	assert_false(pane_key(t, ERR, 0, &b));
	assert_int_equal(b.len, 0);
	term_free(t);
	screen_done(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wide_and_combining),
		cmocka_unit_test(test_unshowable_in_locale),
		cmocka_unit_test(test_wide_at_the_edge),
		cmocka_unit_test(test_colors_256),
		cmocka_unit_test(test_colors_8),
		cmocka_unit_test(test_pairs_run_out),
		cmocka_unit_test(test_no_colors),
		cmocka_unit_test(test_outside_cleared),
		cmocka_unit_test(test_window_attrs_not_inherited),
		cmocka_unit_test(test_dirty_rows_only),
		cmocka_unit_test(test_shadow_changes_only),
		cmocka_unit_test(test_scrollback_view),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_attrs_mapped),
		cmocka_unit_test(test_color_mode),
		cmocka_unit_test(test_curses_entry),
		cmocka_unit_test(test_colors_direct256),
		cmocka_unit_test(test_colors_direct8),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
