/* term/ key encoding: the exact bytes a guest receives for printable
 * Unicode, cursor and editing keys (in normal and application cursor-key
 * mode), F1-F12, Ctrl and Alt combinations, and pastes (plain and
 * bracketed). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_term_util.h"

static void assert_bytes(const struct buf *b, const char *want, size_t n, const char *what)
{
	if (b->len != n || (n && memcmp(b->data, want, n))) {
		char got[128] = "", exp[128] = "";
		for (size_t i = 0; i < b->len && i < 30; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%02x ",
				 (unsigned char)b->data[i]);
		for (size_t i = 0; i < n && i < 30; i++)
			snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%02x ",
				 (unsigned char)want[i]);
		fail_msg("%s: got [%s], want [%s]", what, got, exp);
	}
}

/* One key, its expected bytes. */
struct case_ {
	uint32_t cp;
	enum term_keysym sym;
	unsigned mods;
	const char *want;
	size_t len; /* 0: strlen(want) */
};

static void run_cases(struct term *t, const struct case_ *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf b = { 0 };
		term_key(t, c[i].cp, c[i].sym, c[i].mods, &b);
		char what[64];
		snprintf(what, sizeof what, "case %zu (cp %u sym %d mods %u)", i, c[i].cp, c[i].sym,
			 c[i].mods);
		assert_bytes(&b, c[i].want, c[i].len ? c[i].len : strlen(c[i].want), what);
		buf_free(&b);
	}
}

#define CTRL TERM_MOD_CTRL
#define ALT TERM_MOD_ALT
#define SHIFT TERM_MOD_SHIFT
#define F(n) ((enum term_keysym)(TERM_KEY_F1 + (n) - 1))

static void test_printable(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	static const struct case_ c[] = {
		{ 'a', 0, 0, "a", 0 },
		{ 'A', 0, SHIFT, "A", 0 },
		{ ' ', 0, SHIFT, " ", 0 },
		{ 0xe9, 0, 0, "\xc3\xa9", 0 },
		{ 0x65e5, 0, 0, "\xe6\x97\xa5", 0 },
		{ 0x1f600, 0, 0, "\xf0\x9f\x98\x80", 0 },
		{ 0xd800, 0, 0, "", 0 },     /* a surrogate is no character */
		{ 0x110000, 0, 0, "", 0 },   /* nor is this */
	};
	run_cases(t, c, ARRAY_LEN(c));
	term_free(t);
}

static void test_editing_keys(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	static const struct case_ c[] = {
		{ 0, TERM_KEY_ENTER, 0, "\r", 0 },
		{ 0, TERM_KEY_TAB, 0, "\t", 0 },
		{ 0, TERM_KEY_BACKSPACE, 0, "\x7f", 0 },
		{ 0, TERM_KEY_ESCAPE, 0, "\x1b", 0 },
		{ 0, TERM_KEY_UP, 0, "\033[A", 0 },
		{ 0, TERM_KEY_DOWN, 0, "\033[B", 0 },
		{ 0, TERM_KEY_RIGHT, 0, "\033[C", 0 },
		{ 0, TERM_KEY_LEFT, 0, "\033[D", 0 },
		{ 0, TERM_KEY_HOME, 0, "\033[H", 0 },
		{ 0, TERM_KEY_END, 0, "\033[F", 0 },
		{ 0, TERM_KEY_INS, 0, "\033[2~", 0 },
		{ 0, TERM_KEY_DEL, 0, "\033[3~", 0 },
		{ 0, TERM_KEY_PAGEUP, 0, "\033[5~", 0 },
		{ 0, TERM_KEY_PAGEDOWN, 0, "\033[6~", 0 },
		{ 0, TERM_KEY_UP, CTRL, "\033[1;5A", 0 },
		{ 0, TERM_KEY_LEFT, SHIFT, "\033[1;2D", 0 },
		{ 0, TERM_KEY_RIGHT, ALT, "\033[1;3C", 0 },
		{ 0, TERM_KEY_DEL, CTRL, "\033[3;5~", 0 },
		{ 0, TERM_KEY_TAB, SHIFT, "\033[Z", 0 },
		/* Modified Enter/Backspace/Escape: a guest knows only Alt (ESC). */
		{ 0, TERM_KEY_ENTER, CTRL, "\r", 0 },
		{ 0, TERM_KEY_ENTER, ALT, "\033\r", 0 },
		{ 0, TERM_KEY_BACKSPACE, ALT, "\033\x7f", 0 },
		{ 0, TERM_KEY_ESCAPE, SHIFT, "\x1b", 0 },
		{ 0, TERM_KEY_TAB, CTRL, "\t", 0 },
	};
	run_cases(t, c, ARRAY_LEN(c));
	term_free(t);
}

static void test_function_keys(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	static const struct case_ c[] = {
		{ 0, F(1), 0, "\033OP", 0 },     { 0, F(2), 0, "\033OQ", 0 },
		{ 0, F(3), 0, "\033OR", 0 },     { 0, F(4), 0, "\033OS", 0 },
		{ 0, F(5), 0, "\033[15~", 0 },   { 0, F(6), 0, "\033[17~", 0 },
		{ 0, F(7), 0, "\033[18~", 0 },   { 0, F(8), 0, "\033[19~", 0 },
		{ 0, F(9), 0, "\033[20~", 0 },   { 0, F(10), 0, "\033[21~", 0 },
		{ 0, F(11), 0, "\033[23~", 0 },  { 0, F(12), 0, "\033[24~", 0 },
		{ 0, F(5), SHIFT, "\033[15;2~", 0 }, { 0, F(1), CTRL, "\033[1;5P", 0 },
		{ 0, F(13), 0, "", 0 },
	};
	run_cases(t, c, ARRAY_LEN(c));
	term_free(t);
}

/* Ctrl gives the C0 control of the key (either case of a letter, and the
 * xterm ones for @[\]^_? and digits); Alt prefixes ESC, also before UTF-8. */
static void test_ctrl_alt(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	static const struct case_ c[] = {
		{ 'a', 0, CTRL, "\x01", 0 },    { 'A', 0, CTRL | SHIFT, "\x01", 0 },
		{ 'c', 0, CTRL, "\x03", 0 },    { 'z', 0, CTRL, "\x1a", 0 },
		{ 'i', 0, CTRL, "\t", 0 },      { 'm', 0, CTRL, "\r", 0 },
		{ 'J', 0, CTRL, "\n", 0 },      { 'i', 0, CTRL | ALT, "\033\t", 0 },
		{ '[', 0, CTRL, "\x1b", 0 },    { '\\', 0, CTRL, "\x1c", 0 },
		{ ']', 0, CTRL, "\x1d", 0 },    { '^', 0, CTRL, "\x1e", 0 },
		{ '_', 0, CTRL, "\x1f", 0 },    { '?', 0, CTRL, "\x7f", 0 },
		{ '@', 0, CTRL, "\0", 1 },      { ' ', 0, CTRL, "\0", 1 },
		{ '2', 0, CTRL, "\0", 1 },      { '3', 0, CTRL, "\x1b", 0 },
		{ '8', 0, CTRL, "\x7f", 0 },    { '1', 0, CTRL, "1", 0 },
		{ 0xe9, 0, CTRL, "\xc3\xa9", 0 },
		{ 'x', 0, ALT, "\033x", 0 },    { 'X', 0, ALT | SHIFT, "\033X", 0 },
		{ 'c', 0, ALT | CTRL, "\033\x03", 0 },
		{ '[', 0, ALT | CTRL, "\033\x1b", 0 },
		{ 0xe9, 0, ALT, "\033\xc3\xa9", 0 },
		{ 0x65e5, 0, ALT, "\033\xe6\x97\xa5", 0 },
	};
	run_cases(t, c, ARRAY_LEN(c));
	term_free(t);
}

/* After the guest sets cursor-key application mode (DECCKM), arrows and
 * Home/End go as SS3; modified ones keep CSI. */
static void test_application_cursor_keys(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	tt_feeds(t, "\033[?1h");
	static const struct case_ app[] = {
		{ 0, TERM_KEY_UP, 0, "\033OA", 0 },   { 0, TERM_KEY_DOWN, 0, "\033OB", 0 },
		{ 0, TERM_KEY_RIGHT, 0, "\033OC", 0 }, { 0, TERM_KEY_LEFT, 0, "\033OD", 0 },
		{ 0, TERM_KEY_HOME, 0, "\033OH", 0 },  { 0, TERM_KEY_END, 0, "\033OF", 0 },
		{ 0, TERM_KEY_UP, CTRL, "\033[1;5A", 0 },
		{ 0, TERM_KEY_PAGEUP, 0, "\033[5~", 0 },
	};
	run_cases(t, app, ARRAY_LEN(app));
	tt_feeds(t, "\033[?1l");
	static const struct case_ normal[] = { { 0, TERM_KEY_UP, 0, "\033[A", 0 } };
	run_cases(t, normal, ARRAY_LEN(normal));
	term_free(t);
}

static void test_paste(void **state)
{
	(void)state;
	struct term *t = term_new(24, 80, 0, TERM_SILENT, NULL, NULL);
	struct buf b = { 0 };
	/* Not bracketed: line ends become CR, as Enter. */
	term_paste(t, "ls -l\nuname\r\n\xc3\xa9\r", 16, &b);
	assert_bytes(&b, "ls -l\runame\r\xc3\xa9\r", 15, "plain paste");
	b.len = 0;
	/* Bracketed once the guest asks; ESC inside cannot end it early. */
	tt_feeds(t, "\033[?2004h");
	term_paste(t, "a\033[201~b\n", 9, &b);
	assert_bytes(&b, "\033[200~a[201~b\r\033[201~", 20, "bracketed paste");
	b.len = 0;
	term_paste(t, "", 0, &b);
	assert_bytes(&b, "\033[200~\033[201~", 12, "empty bracketed paste");
	b.len = 0;
	tt_feeds(t, "\033[?2004l");
	term_paste(t, "x\033y", 3, &b);
	assert_bytes(&b, "x\033y", 3, "plain paste keeps ESC");
	buf_free(&b);
	term_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_editing_keys),
		cmocka_unit_test(test_function_keys),
		cmocka_unit_test(test_ctrl_alt),
		cmocka_unit_test(test_application_cursor_keys),
		cmocka_unit_test(test_paste),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
