/* tui/qstrip: what `attach --raw` lets through to a terminal.  Hand-made
 * streams (each kind of query dropped, look-alikes that are not queries
 * kept, C1 forms, aborted and over-long sequences), every stream fed whole
 * and byte by byte, and generated streams of mixed sequences whose
 * expected output is known, fed in random pieces. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui/qstrip.h"

/* Filter in pieces of `step` bytes (0: all at once). */
static char *filter(const char *in, size_t n, size_t step, size_t *outlen)
{
	struct qstrip q;
	struct buf out = { 0 };
	qstrip_init(&q);
	for (size_t i = 0; i < n;) {
		size_t k = step && step < n - i ? step : n - i;
		qstrip_feed(&q, in + i, k, &out);
		i += k;
	}
	qstrip_free(&q);
	buf_append(&out, "", 1);
	*outlen = out.len - 1;
	return out.data;
}

static void check(const char *in, size_t n, const char *want, size_t wantlen)
{
	for (size_t step = 0; step <= 3; step++) {
		size_t len;
		char *got = filter(in, n, step, &len);
		assert_int_equal(len, wantlen);
		assert_memory_equal(got, want, wantlen);
		free(got);
	}
}

#define KEEP(s) check(s, sizeof(s) - 1, s, sizeof(s) - 1)
#define DROP(s) check(s, sizeof(s) - 1, "", 0)
#define GIVES(s, w) check(s, sizeof(s) - 1, w, sizeof(w) - 1)

static void test_text_and_harmless_sequences(void **state)
{
	(void)state;
	KEEP("plain text\r\n");
	KEEP("\344\270\255\346\226\207 e\314\201 \360\237\230\200");
	KEEP("\033[1;31mred\033[0m\033[2J\033[H\033[10;20H\033[K\033[?25l\033[?1049h");
	KEEP("\033[!p");          /* DECSTR, not DECRQM */
	KEEP("\033[2 q");         /* cursor style, not XTVERSION */
	KEEP("\033[>1;2m");       /* XTMODKEYS set, not the query */
	KEEP("\033(B\033)0\0337\0338\033c\033=\033>\033#8");
	KEEP("\033]0;a title\007\033]2;other\033\\");
	KEEP("\033]10;rgb:ff/ff/ff\007"); /* setting a colour, not asking */
	KEEP("\033]8;;http://example.com\033\\link\033]8;;\033\\");
	KEEP("\033Pq#0;2;0;0;0#0!10~\033\\"); /* sixel */
	KEEP("\302\205\302\240");  /* NEL and NBSP as code points */
}

static void test_reports_dropped(void **state)
{
	(void)state;
	DROP("\033[6n");
	DROP("\033[5n");
	DROP("\033[?6n");
	DROP("\033[c");
	DROP("\033[0c");
	DROP("\033[>c");
	DROP("\033[=c");
	DROP("\033[18t");
	DROP("\033[21t");
	DROP("\033[8;100;200t"); /* resizing the window is not the guest's */
	DROP("\033[x");
	DROP("\033[?2004$p");
	DROP("\033[4$p");
	DROP("\033[>0q");
	DROP("\033[?u");
	DROP("\033[1$w");
	DROP("\033[1;1;1;1;1*y");
	DROP("\033[?1;1S");
	DROP("\033[1'|");
	DROP("\033[?4m");
	DROP("\033[#R");
	DROP("\033Z");
	DROP("\005");
	GIVES("a\033[6nb\005c\033[cd", "abcd");
}

static void test_strings_dropped(void **state)
{
	(void)state;
	DROP("\033P$qm\033\\");
	DROP("\033P+q544e\033\\");
	DROP("\033P1$qr\033\\");
	GIVES("\033Ptmux;\033\033[6n\033\\", "\033\\"); /* a lone ST is left */
	DROP("\033]52;c;SGVsbG8=\007");
	DROP("\033]52;c;?\033\\");
	DROP("\033]4;1;?\007");
	DROP("\033]11;?\033\\");
	DROP("\033]4;1;rgb:00/00/00;2;?\007"); /* a query after a setting */
	DROP("\033_Gi=1,a=q;\033\\");              /* APC */
	DROP("\033^private\033\\");
	DROP("\033Xsos\033\\");
}

/* C1 controls as code points (UTF-8 C2 xx) and as stray 8-bit bytes. */
static void test_c1_forms(void **state)
{
	(void)state;
	DROP("\302\2336n");
	DROP("\2336n");
	DROP("\302\23552;c;eA==\302\234");
	DROP("\23552;c;eA==\234");
	DROP("\302\220$qm\302\234");
	DROP("\302\232"); /* DECID */
	KEEP("\302\2331;31m");
	KEEP("\302\2350;title\007");
	/* a continuation byte 0x9b inside a character is no CSI */
	KEEP("\342\233\2056n");
}

static void test_aborted_and_split(void **state)
{
	(void)state;
	/* ESC inside a string ends it: the string goes, the new sequence is
	 * judged on its own */
	GIVES("\033]0;ti\033[6ntle\007", "tle\007");
	GIVES("\033]0;ti\033[1mX", "\033[1mX");
	/* CAN and SUB cancel a sequence */
	GIVES("\033[6\030n", "n");
	GIVES("\033]52;c;x\032after", "after");
	/* controls inside a CSI are run at once by a terminal: they pass,
	 * where they are, or alone when the sequence goes */
	KEEP("\033[1\r;31m");
	GIVES("\033[6\rn", "\r");
	GIVES("\033[6\r\030n", "\rn");
	GIVES("\033\n\033[c", "\n");
	/* a C1 inside a string ends it where some terminal may */
	GIVES("\033]0;x\302\2336n", "");
	/* not a sequence after all */
	GIVES("\033\302\240", "\302\240");
	/* a broken UTF-8 character is dropped, and cannot join a byte that
	 * follows something dropped into a new one */
	GIVES("\344\270a\033[6n", "a");
	GIVES("\033]\326\005\234", "\033]\234");
	GIVES("\340\200\233[6n", "[6n"); /* overlong ESC: not an ESC, and gone */
	GIVES("\355\240\200x", "x");        /* a surrogate */
}

static void test_overlong(void **state)
{
	(void)state;
	size_t n = QSTRIP_MAX + 100;
	struct buf in = { 0 };
	buf_append(&in, "\033]0;", 4);
	for (size_t i = 0; i < n; i++)
		buf_append(&in, "a", 1);
	buf_append(&in, "\007after", 6);
	check(in.data, in.len, "after", 5);
	in.len = 0;
	buf_append(&in, "\033[", 2);
	for (size_t i = 0; i < 1000; i++)
		buf_append(&in, "1;", 2);
	buf_append(&in, "mafter", 6);
	check(in.data, in.len, "after", 5);
	buf_free(&in);
}

/* ---- generated streams ---- */

struct frag {
	const char *s;
	bool keep;
};

static const struct frag frags[] = {
	{ "text ", true }, { "\r\n", true }, { "\344\270\255", true }, { "e\314\201", true },
	{ "\033[1;32m", true }, { "\033[0m", true }, { "\033[H\033[2J", true },
	{ "\033]0;t\007", true }, { "\033]2;t\033\\", true }, { "\033(B", true },
	{ "\033[?1049h", true }, { "\302\2331m", true }, { "\033Pq~\033\\", true },
	{ "\033[6n", false }, { "\033[c", false }, { "\033[>c", false }, { "\033[14t", false },
	{ "\033[?25$p", false }, { "\033P$q\"p\033\\", false }, { "\033]52;c;eA==\007", false },
	{ "\033]11;?\007", false }, { "\302\2336n", false }, { "\2335n", false },
	{ "\005", false }, { "\033Z", false }, { "\033_x\033\\", false },
};

static void test_generated(void **state)
{
	(void)state;
	srand(4242);
	for (int round = 0; round < 2000; round++) {
		struct buf in = { 0 }, want = { 0 };
		int n = 1 + rand() % 40;
		for (int i = 0; i < n; i++) {
			const struct frag *f = &frags[(size_t)rand() % ARRAY_LEN(frags)];
			buf_append(&in, f->s, strlen(f->s));
			if (f->keep)
				buf_append(&want, f->s, strlen(f->s));
		}
		size_t step = (size_t)(rand() % 9), len;
		char *got = filter(in.data, in.len, step, &len);
		assert_int_equal(len, want.len);
		assert_memory_equal(got, want.data, len);
		/* and what passed passes again unchanged */
		size_t len2;
		char *again = filter(got, len, 0, &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(again, got, len);
		free(again);
		free(got);
		buf_free(&in);
		buf_free(&want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_harmless_sequences),
		cmocka_unit_test(test_reports_dropped),
		cmocka_unit_test(test_strings_dropped),
		cmocka_unit_test(test_c1_forms),
		cmocka_unit_test(test_aborted_and_split),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
