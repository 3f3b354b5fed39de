/* fuzz/fuzz-term.c: guest output is data.  Drives a console emulator
 * (term/) with writes, resizes, keys and snapshots; every snapshot is
 * replayed into a fresh emulator and must show the same cells, scrollback,
 * cursor and title, or the harness aborts.
 *
 * Input: three header bytes (rows - 1, cols - 1, scrollback lines; sizes
 * taken modulo 32, 100 and 32), then records:
 *   0xff R C      resize to 1 + R % 32 rows, 1 + C % 100 columns
 *   0xfe K        snapshot with K scrollback lines, replay, compare (only
 *                 the first one: comparing cell by cell is what costs)
 *   0xfd A B C    a key (codepoint or key symbol, modifiers) or a paste
 *   n < 0xfd      feed the next n + 1 bytes (fewer at the end)
 * A final snapshot check runs at the end. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/test_term_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libvterm 0.1.4 answers an unknown DECRQSS (ESC P $ q ... ST) with the
 * format "0$r%.s" and an int argument: glibc prints nothing for "%.s"
 * (precision 0) and never reads the argument, but ASan's printf checker
 * takes it for a string and faults.  A libvterm slip, harmless here. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "check_printf=0";
}

static size_t replies;

static void on_output(void *arg, const char *bytes, size_t len)
{
	(void)arg;
	(void)bytes;
	replies += len;
}

static void on_title(void *arg, const char *utf8)
{
	(void)arg;
	for (const char *p = utf8; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort(); /* control characters must never reach a reader */
}

static void check(const struct term *t, unsigned k, unsigned cap)
{
	char why[256];
	if (!tt_roundtrip(t, k, cap, why, sizeof why)) {
		fprintf(stderr, "snapshot replay differs: %s\n", why);
		abort();
	}
}

static void key(struct term *t, const uint8_t *p)
{
	struct buf out = { 0 };
	if (p[0] < 0x20) {
		term_key(t, 0, (enum term_keysym)(p[0] % 16 ? p[0] % 16 : TERM_KEY_F1 + p[1] % 12),
			 p[2] & 7, &out);
	} else if (p[0] < 0xf0) {
		term_key(t, (uint32_t)p[0] << 8 | p[1], TERM_KEY_NONE, p[2] & 7, &out);
	} else {
		term_paste(t, (const char *)p, 3, &out);
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	unsigned cap = data[2] % 32u, checks = 0;
	struct term_callbacks cb = { .output = on_output, .title = on_title };
	struct term *t = term_new(1 + data[0] % 32u, 1 + data[1] % 100u, cap, TERM_ANSWER, &cb, NULL);
	size_t i = 3;
	while (i < size) {
		uint8_t op = data[i++];
		if (op == 0xff && i + 2 <= size) {
			term_resize(t, 1 + data[i] % 32u, 1 + data[i + 1] % 100u);
			i += 2;
		} else if (op == 0xfe && i + 1 <= size) {
			if (!checks++)
				check(t, data[i], cap);
			i++;
		} else if (op == 0xfd && i + 3 <= size) {
			key(t, data + i);
			i += 3;
		} else if (op < 0xfd) {
			size_t n = MIN((size_t)op + 1, size - i);
			term_feed(t, (const char *)data + i, n);
			i += n;
		}
	}
	char text[512];
	int first, last;
	if (term_dirty(t, &first, &last))
		term_row_text(t, first, text, sizeof text);
	if (term_scrollback_len(t))
		term_row_text(t, -1, text, sizeof text);
	check(t, cap, cap);
	term_free(t);
	return 0;
}
