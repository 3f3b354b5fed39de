/* tui/tui-draw.c: a pane's title bar fitted to its width, and the key
 * hints to the terminal's; the bar drawn again only where it changed.
 * A status comes every second; the bar drawn from the last one and then
 * brought up to date must hold exactly the cells (characters, attributes,
 * colour pairs) of a bar drawn whole from the new status, through a run of
 * changes: figures, uptime, state and halt phase, selection and focus, a
 * reason, a rename, a narrower pane.  And a status that changes nothing
 * shown draws nothing.  Marks: a marked pane's bar says so in its own
 * colour, louder in broadcast mode; the keys m, M (a tag, whole words),
 * b and the prefix as the TUI takes them, and what goes to the guests.
 * Alerts: the mark after the state in its own colour, cut to the bar; the
 * keys that see an alert (!, Enter, z) and those that do not. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tui/pane.h"
#include "tui/tui-int.h"

#define W 100

static FILE *devnull_out, *devnull_in;

/* The cells of row 0 of w, the bar's n */
static void row_of(WINDOW *w, int n, chtype *out)
{
	for (int x = 0; x < n; x++)
		out[x] = mvwinch(w, 0, x);
}

/* The characters of row y of w, n of them */
static void row_text(WINDOW *w, int y, int n, char *out)
{
	for (int x = 0; x < n; x++)
		out[x] = (char)(mvwinch(w, y, x) & A_CHARTEXT);
	out[n] = 0;
}

/* A curses screen on /dev/null with the panes' colours */
static SCREEN *screen_start(void)
{
	SCREEN *s = newterm("xterm-256color", devnull_out, devnull_in);
	assert_non_null(s);
	set_term(s);
	start_color();
	pane_colors_init();
	return s;
}

static void same_as_whole(struct tui *t, struct tui_pane *p, bool selected)
{
	struct tui_pane q = *p;
	q.win = newwin(2, W + 1, 10, 0);
	assert_non_null(q.win);
	assert_true(tui_draw_title(t, &q, selected, true));
	int n = p->rect.cols;
	chtype a[W], b[W];
	row_of(p->win, n, a);
	row_of(q.win, n, b);
	for (int x = 0; x < n; x++)
		if (a[x] != b[x]) {
			char what[W + 1];
			row_text(p->win, 0, n, what);
			fail_msg("column %d: %#lx drawn, %#lx whole (%s)", x, (unsigned long)a[x],
				 (unsigned long)b[x], what);
		}
	delwin(q.win);
}

static struct proto_inst running(const char *name, uint32_t up_s)
{
	struct proto_inst in = { .state = PROTO_RUNNING, .pid = 4242, .flags = PROTO_F_STATS,
				 .cpu_x10 = 3, .mem_total_kb = 65536, .mem_avail_kb = 40000,
				 .up_s = up_s };
	snprintf(in.name, sizeof in.name, "%s", name);
	in.load[0] = 12;
	return in;
}

static void title_updates(void **state)
{
	(void)state;
	SCREEN *s = screen_start();
	struct tui t = { .mode = TUI_OVERVIEW };
	struct tui_pane p = { .st = running("web", 5) };
	p.rect.cols = W;
	p.win = newwin(2, W + 1, 0, 0);
	assert_non_null(p.win);
	assert_true(tui_draw_title(&t, &p, false, true));
	same_as_whole(&t, &p, false);

	/* nothing shown changed: nothing drawn */
	assert_false(tui_draw_title(&t, &p, false, false));
	p.st.rss_kb = 12345; /* the table's figure, not the title's */
	assert_false(tui_draw_title(&t, &p, false, false));

	/* each of these changes what the bar shows */
	p.st.up_s = 6; /* booting: the seconds count */
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	p.st.up_s = 59;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	p.st.up_s = 60; /* "59s" to "1m": shorter */
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	p.st.up_s = 119; /* still "1m" */
	assert_false(tui_draw_title(&t, &p, false, false));
	p.st.cpu_x10 = 1234;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	p.st.load[0] = 3; /* earlier in the bar than the cpu figure */
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);

	/* selected, then focused (the tag at the right end) */
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);
	t.mode = TUI_FOCUS;
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);
	p.st.up_s = 3600 + 120; /* the figures get longer under the tag */
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);

	/* halting: the state's colour and text, its seconds */
	p.st.state = PROTO_HALTING;
	p.st.phase = PROTO_PHASE_CAD;
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);
	p.st.phase_ms = 2500;
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);

	/* crashed, with its reason; back to the overview */
	t.mode = TUI_OVERVIEW;
	p.st.state = PROTO_CRASHED;
	p.st.pid = 0;
	snprintf(p.st.reason, sizeof p.st.reason, "killed by signal 9 (Killed)");
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);

	/* a reason quoting the guest, control characters (C0 and C1) and a
	 * broken byte and all: the bar stays on its row, one column each */
	snprintf(p.st.reason, sizeof p.st.reason, "kernel panic: a\tb\nc\033[2J\302\2331m\377");
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	for (int x = 0; x <= W; x++)
		assert_int_equal((char)(mvwinch(p.win, 1, x) & A_CHARTEXT), ' ');
	char bar[W + 1];
	row_text(p.win, 0, W, bar);
	if (!strstr(bar, "kernel panic: a?b?c?[2J??1m?")) /* a ? per byte */
		fail_msg("bar: %s", bar);

	/* another instance in this place, then a narrower pane */
	p.st = running("a-much-longer-name", 7);
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	p.rect.cols = 30;
	assert_true(tui_draw_title(&t, &p, false, false));
	p.st.up_s = 8; /* past the pane's edge: still exact */
	tui_draw_title(&t, &p, false, false);
	same_as_whole(&t, &p, false);

	delwin(p.win);
	endwin();
	delscreen(s);
}

#define TITLE(width, want)                                                     \
	do {                                                                   \
		tui_title_text(&p, (width), out, sizeof out);                  \
		assert_string_equal(out, (want));                              \
	} while (0)

/* A title's figures in the first form that fits: labelled, closer, bare,
 * then fewer; the reason and the scrolled-back mark before the figures. */
static void title_fits(void **state)
{
	(void)state;
	struct tui_pane p = { .st = running("web", 125) };
	char out[256];
	TITLE(100, " load 0.12  mem 24/64M  cpu 0.3%  up 2m");
	TITLE(39, " load 0.12  mem 24/64M  cpu 0.3%  up 2m");
	TITLE(38, " load 0.12 mem 24/64M cpu 0.3% up 2m");
	TITLE(36, " load 0.12 mem 24/64M cpu 0.3% up 2m");
	TITLE(35, " 0.12 24/64M 0.3% 2m");
	TITLE(20, " 0.12 24/64M 0.3% 2m");
	TITLE(19, " 0.12 24/64M 0.3%");
	TITLE(17, " 0.12 24/64M 0.3%");
	TITLE(16, " 0.12 24/64M");
	TITLE(5, " 0.12 24/64M"); /* the last form, cut where the bar ends */
	p.scroll = 5;
	TITLE(100, " load 0.12  mem 24/64M  cpu 0.3%  up 2m  [scrolled back 5]");
	TITLE(38, " 0.12 24/64M 0.3% 2m [back 5]"); /* the long mark would cost the uptime */
	TITLE(30, " 0.12 24/64M 0.3% 2m [back 5]");
	p.scroll = 12; /* no room for any figures: the mark stays whole */
	TITLE(11, " [back 12]");
	p.scroll = 0;
	/* in trouble: the reason before the figures */
	p.st.state = PROTO_UNRESPONSIVE;
	snprintf(p.st.reason, sizeof p.st.reason, "mconsole does not answer");
	TITLE(100, " load 0.12  mem 24/64M  cpu 0.3%  up 2m mconsole does not answer");
	TITLE(40, " 0.12 24/64M mconsole does not answer");
	TITLE(22, " mconsole does not ans");
	/* an instance that ended: its reason, cut before the mark */
	p.st.state = PROTO_CRASHED;
	p.st.pid = 0;
	p.scroll = 3;
	snprintf(p.st.reason, sizeof p.st.reason, "killed by signal 9 (Killed)");
	TITLE(100, " killed by signal 9 (Killed)  [scrolled back 3]");
	TITLE(20, " killed by  [back 3]");
	/* never cut inside a character */
	p.scroll = 0;
	snprintf(p.st.reason, sizeof p.st.reason, "panic: \303\251t\303\251");
	TITLE(9, " panic: ");
	TITLE(10, " panic: \303\251");
}

/* Focused, with figures that fill the room left exactly: the tag at the
 * right end stays whole. */
static void focus_tag_whole(void **state)
{
	(void)state;
	SCREEN *s = screen_start();
	struct tui t = { .mode = TUI_FOCUS };
	struct tui_pane p = { .st = running("web", 125) };
	/* ">web " and " running ", 8 for the tag: 20 left, the bare form */
	p.rect.cols = 5 + 9 + 8 + 20;
	p.win = newwin(2, W + 1, 0, 0);
	assert_true(tui_draw_title(&t, &p, true, true));
	char bar[W + 1];
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, ">web  running  0.12 24/64M 0.3% 2m [focus]");
	delwin(p.win);
	endwin();
	delscreen(s);
}

/* The key hints: help and detach first, the others whole while they fit;
 * in focus mode the sentence goes before the keys do. */
static void hints_fit(void **state)
{
	(void)state;
	struct tui t = { .mode = TUI_OVERVIEW };
	tui_keymap_init(&t.km, NULL, NULL, 0, NULL);
	char out[640];
	tui_hint_text(&t, 200, out, sizeof out);
	assert_string_equal(out, "?: help  q: detach  Enter: focus  z: zoom  s: sysrq  c: cad  "
				 "h: halt  H: halt all  t: table  /: search  m: mark  b: broadcast");
	tui_hint_text(&t, 80, out, sizeof out); /* "H: halt all" would not fit whole */
	assert_string_equal(out, "?: help  q: detach  Enter: focus  z: zoom  s: sysrq  c: cad  "
				 "h: halt  t: table");
	tui_hint_text(&t, 20, out, sizeof out);
	assert_string_equal(out, "?: help  q: detach");
	struct tui_pane p = { .st = running("web", 5) };
	t.pane = &p;
	t.npane = 1;
	t.mode = TUI_FOCUS;
	tui_hint_text(&t, 200, out, sizeof out);
	assert_string_equal(out, "FOCUS web: keys go to the guest.  C-a Escape: overview  "
				 "C-a ?: help  C-a a: send C-a");
	tui_hint_text(&t, 80, out, sizeof out);
	assert_string_equal(out, "FOCUS web  C-a Escape: overview  C-a ?: help  C-a a: send C-a");
}

/* A marked pane's bar: its own colour and a mark at the right end;
 * in broadcast mode [BROADCAST] (or [skipped] when it does not run). */
static void marked_titles(void **state)
{
	(void)state;
	SCREEN *s = screen_start();
	struct tui t = { .mode = TUI_OVERVIEW };
	struct tui_pane p = { .st = running("web", 125) };
	p.rect.cols = 60;
	p.win = newwin(2, W + 1, 0, 0);
	char bar[W + 1];
	assert_true(tui_draw_title(&t, &p, false, true));
	chtype plain = mvwinch(p.win, 0, 0) & (A_ATTRIBUTES | A_COLOR);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  load 0.12  mem 24/64M  cpu 0.3%  up 2m       ");

	p.marked = true;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  load 0.12 mem 24/64M cpu 0.3% up 2m  [marked]");
	chtype marked = mvwinch(p.win, 0, 0) & (A_ATTRIBUTES | A_COLOR);
	assert_int_not_equal(marked, plain);
	/* selected: the > stays */
	assert_true(tui_draw_title(&t, &p, true, false));
	same_as_whole(&t, &p, true);
	row_text(p.win, 0, 6, bar);
	assert_string_equal(bar, ">web  ");

	t.mode = TUI_BROADCAST;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  0.12 24/64M 0.3% 2m               [BROADCAST]");
	chtype loud = mvwinch(p.win, 0, 0) & (A_ATTRIBUTES | A_COLOR);
	assert_int_not_equal(loud, marked);
	assert_int_not_equal(loud, plain);

	p.st.state = PROTO_STOPPED;
	p.st.pid = 0;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  stopped                                      [skipped]");

	/* not marked: nothing of it, in broadcast mode too */
	p.marked = false;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_null(strchr(bar, '['));
	delwin(p.win);
	endwin();
	delscreen(s);
}

/* An unseen alert's mark: after the state, red, the figures fitted to
 * what it leaves; a long one cut to the bar ("~]"), guest control
 * characters never drawn; gone once seen. */
static void alert_titles(void **state)
{
	(void)state;
	SCREEN *s = screen_start();
	struct tui t = { .mode = TUI_OVERVIEW };
	struct tui_pane p = { .st = running("web", 125) };
	p.rect.cols = 60;
	p.win = newwin(2, W + 1, 0, 0);
	char bar[W + 1];
	assert_true(tui_draw_title(&t, &p, false, true));
	chtype plain = mvwinch(p.win, 0, 20) & (A_ATTRIBUTES | A_COLOR);

	p.alerts = 1;
	snprintf(p.alert, sizeof p.alert, "match: ALERT-42");
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  [ALERT: match: ALERT-42] 0.12 24/64M 0.3% 2m ");
	chtype red = mvwinch(p.win, 0, 20) & (A_ATTRIBUTES | A_COLOR);
	assert_int_not_equal(red, plain);
	/* the figures after it in the bar's colour */
	assert_int_equal(mvwinch(p.win, 0, 45) & (A_ATTRIBUTES | A_COLOR), plain);
	/* a second status that changes nothing draws nothing */
	assert_false(tui_draw_title(&t, &p, false, false));

	/* a long line with an escape in it: cut to the bar, marked */
	p.alerts = 2;
	snprintf(p.alert, sizeof p.alert, "match: \033[2J Oops: 0000 [#1] PREEMPT SMP NOPTI and more");
	p.marked = true;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  [ALERT 2: match: ?[2J Oops: 0000 [~] [marked]");

	/* seen: back as it was */
	p.alerts = 0;
	p.marked = false;
	assert_true(tui_draw_title(&t, &p, false, false));
	same_as_whole(&t, &p, false);
	row_text(p.win, 0, p.rect.cols, bar);
	assert_string_equal(bar, " web  running  load 0.12  mem 24/64M  cpu 0.3%  up 2m       ");
	delwin(p.win);
	endwin();
	delscreen(s);
}

static unsigned key(struct tui *t, int c)
{
	return tui_act_key(t, OK, (wint_t)c);
}

static void type(struct tui *t, const char *s)
{
	for (; *s; s++)
		key(t, (unsigned char)*s);
}

/* The keys: b refuses with nothing marked; m toggles the selected one;
 * M asks for a tag and marks every instance carrying it as a word (a
 * hand-made status: "lab" marks neither "lab1" nor "xlab"); in broadcast
 * mode every key, q and m too, is for the guests, and the prefix leaves. */
static void mark_keys(void **state)
{
	(void)state;
	struct tui_pane p[5] = {
		{ .st = running("a", 5) }, { .st = running("b", 5) }, { .st = running("c", 5) },
		{ .st = running("d", 5) }, { .st = running("e", 5) },
	};
	snprintf(p[0].st.tags, sizeof p[0].st.tags, "lab");
	snprintf(p[1].st.tags, sizeof p[1].st.tags, "lab1");
	snprintf(p[2].st.tags, sizeof p[2].st.tags, "web lab");
	snprintf(p[3].st.tags, sizeof p[3].st.tags, "xlab labx");
	struct tui t = { .mode = TUI_OVERVIEW, .pane = p, .npane = 5 };
	tui_keymap_init(&t.km, NULL, NULL, 0, NULL);

	key(&t, 'b');
	assert_int_equal(t.mode, TUI_OVERVIEW);
	assert_true(t.msg_err);
	assert_non_null(strstr(t.msg, "no instance marked"));

	t.sel = 4;
	key(&t, 'm');
	assert_true(p[4].marked);
	key(&t, 'm');
	assert_false(p[4].marked);

	key(&t, 'M');
	assert_int_equal(t.prompt, TUI_P_TAG);
	type(&t, "lab1x");
	key(&t, 127);
	key(&t, 127);
	type(&t, "\r"); /* "lab" */
	assert_int_equal(t.prompt, TUI_P_NONE);
	assert_true(p[0].marked);
	assert_false(p[1].marked);
	assert_true(p[2].marked);
	assert_false(p[3].marked);
	assert_false(p[4].marked);
	assert_non_null(strstr(t.msg, "marked 2 tagged \"lab\": a c"));
	key(&t, 'M');
	type(&t, "nosuch\r");
	assert_true(t.msg_err);
	assert_non_null(strstr(t.msg, "no instance is tagged \"nosuch\""));
	key(&t, 'M');
	key(&t, 27);
	assert_int_equal(t.prompt, TUI_P_NONE);

	key(&t, 'b');
	assert_int_equal(t.mode, TUI_BROADCAST);
	type(&t, "qm echo");
	assert_int_equal(t.mode, TUI_BROADCAST);
	assert_false(t.quitting);
	assert_false(p[4].marked);
	assert_int_equal(t.typed.len, 7);
	assert_memory_equal(t.typed.data, "qm echo", 7);
	char banner[160];
	tui_broadcast_text(t.pane, t.npane, "C-a", 200, banner, sizeof banner);
	assert_string_equal(banner, "BROADCAST to 2 consoles: a c  C-a leaves");
	key(&t, 1); /* the prefix */
	assert_int_equal(t.mode, TUI_OVERVIEW);
	assert_int_equal(t.typed.len, 0);
	/* the marks stay for the next time */
	assert_true(p[0].marked && p[2].marked);
	/* all the marked ones stopped: nothing to type into */
	p[0].st.state = p[2].st.state = PROTO_STOPPED;
	p[0].st.pid = p[2].st.pid = 0;
	key(&t, 'b');
	assert_int_equal(t.mode, TUI_OVERVIEW);
	assert_non_null(strstr(t.msg, "none of the marked instances is running"));
	buf_free(&t.typed);
}

/* ! selects the next instance with an unseen alert and clears it, and
 * says so; Enter and z see the selected one's; moving about does not. */
static void alert_keys(void **state)
{
	(void)state;
	struct tui_pane p[3] = {
		{ .st = running("a", 5) }, { .st = running("b", 5) }, { .st = running("c", 5) },
	};
	struct tui t = { .mode = TUI_OVERVIEW, .pane = p, .npane = 3 };
	tui_keymap_init(&t.km, NULL, NULL, 0, NULL);
	char count[32];

	key(&t, '!');
	assert_string_equal(t.msg, "no unseen alert");
	p[2].alerts = 2;
	snprintf(p[2].alert, sizeof p[2].alert, "crashed: \033[31mpanic");
	p[1].alerts = 1;
	tui_alert_count_text(p, 3, count, sizeof count);
	assert_string_equal(count, "3 alerts");
	key(&t, '!');
	assert_int_equal(t.sel, 1);
	assert_int_equal(p[1].alerts, 0);
	assert_int_equal(p[2].alerts, 2);
	key(&t, '!');
	assert_int_equal(t.sel, 2);
	assert_int_equal(p[2].alerts, 0);
	assert_string_equal(t.msg, "c: 2 alerts, the last: crashed: ?[31mpanic");
	tui_alert_count_text(p, 3, count, sizeof count);
	assert_string_equal(count, "");

	/* moving about sees nothing */
	p[0].alerts = p[1].alerts = 1;
	key(&t, '\t');
	assert_int_equal(t.sel, 0);
	assert_int_equal(p[0].alerts, 1);
	/* focusing sees it */
	key(&t, '\r');
	assert_int_equal(t.mode, TUI_FOCUS);
	assert_int_equal(p[0].alerts, 0);
	key(&t, 1);
	key(&t, 27);
	assert_int_equal(t.mode, TUI_OVERVIEW);
	/* zoom sees the selected one, and each one selected while zoomed */
	key(&t, 'z');
	assert_true(t.zoom);
	assert_int_equal(p[1].alerts, 1);
	p[0].alerts = 1;
	key(&t, '\t');
	assert_int_equal(t.sel, 1);
	assert_int_equal(p[1].alerts, 0);
	assert_true(tui_alerts_seen(&t) == false);
	p[1].alerts = 4; /* one that comes while in sight (on_event asks this) */
	assert_true(tui_alerts_seen(&t));
	assert_int_equal(p[1].alerts, 0);
	assert_int_equal(p[0].alerts, 1);
	buf_free(&t.typed);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	devnull_out = fopen("/dev/null", "w");
	devnull_in = fopen("/dev/null", "r");
	if (!devnull_out || !devnull_in)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(title_updates),
		cmocka_unit_test(title_fits),
		cmocka_unit_test(focus_tag_whole),
		cmocka_unit_test(hints_fit),
		cmocka_unit_test(marked_titles),
		cmocka_unit_test(mark_keys),
		cmocka_unit_test(alert_titles),
		cmocka_unit_test(alert_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
