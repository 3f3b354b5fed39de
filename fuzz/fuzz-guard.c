/* fuzz/fuzz-guard.c: the input guard alone (term/guard.c), walked over
 * the input the way term_feed() walks it.  Aborts when
 *   - guard_text_scan() stops anywhere but at the first ESC or byte >= 0x80;
 *   - guard_plain_csi() takes for plain a sequence that the state machine,
 *     fed the same bytes, would not pass whole and end in text (the fast
 *     path must never skip what the guard would change);
 *   - a byte the guard passes makes a CSI that libvterm 0.1.4 cannot take:
 *     more than 16 parameters, or one of 10 significant digits or more;
 *   - REP or a cursor clamp comes from another byte than 'b', '8' or 'l',
 *     or leaves the guard in a sequence;
 *   - the guard's own counters leave their bounds.
 * Input: raw console bytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "term/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "guard: %s at byte %zu\n", what, at);
	abort();
}

static size_t naive_scan(const uint8_t *p, size_t i, size_t len)
{
	while (i < len && p[i] != 0x1b && p[i] < 0x80)
		i++;
	return i;
}

static bool in_csi(enum guard_state st)
{
	return st == G_CSI_LEADER || st == G_CSI_ARGS || st == G_CSI_INTERMED;
}

/* What libvterm is handed of the CSI being parsed: separators and the
 * value of the current parameter, from the bytes the guard passed. */
struct passed {
	unsigned seps;
	uint64_t value;
};

static void check_byte(struct guard *g, struct passed *ps, const uint8_t *p, size_t i)
{
	enum guard_state before = g->st;
	uint8_t c = p[i];
	enum guard_action a = term_guard_byte(g, c);
	if ((unsigned)g->st > G_STR_ESC)
		fail("state out of range", i);
	if (g->seps > 15)
		fail("more than 15 separators counted", i);
	if (g->cur >= 1000000000u)
		fail("a parameter of 10 digits counted", i);
	if (a == REPEAT && (c != 'b' || g->st != G_TEXT))
		fail("REP from another byte", i);
	if (a == CLAMP && ((c != '8' && c != 'l') || g->st != G_TEXT))
		fail("a clamp from another byte", i);
	if (g->st == G_CSI_LEADER) {
		ps->seps = 0;
		ps->value = 0;
	}
	if (a != PASS || !(before == G_CSI_LEADER || before == G_CSI_ARGS))
		return;
	if (c >= '0' && c <= '9') {
		ps->value = ps->value * 10 + (uint64_t)(c - '0');
		if (ps->value >= 1000000000u)
			fail("a parameter of 10 significant digits passed", i);
	} else if (c == ';' || c == ':') {
		if (++ps->seps > 15)
			fail("a 17th parameter passed", i);
		ps->value = 0;
	} else if (c >= 0x40) {
		ps->value = 0;
	}
}

/* The fast path: a plain CSI must be one the state machine passes whole,
 * ending in text. */
static void check_plain(const uint8_t *p, size_t k, size_t at)
{
	struct guard g = { .st = G_TEXT };
	for (size_t j = 0; j < k; j++) {
		if (term_guard_byte(&g, p[j]) != PASS)
			fail("plain CSI with a byte the guard does not pass", at + j);
		if (j + 1 < k && (j ? !in_csi(g.st) : g.st != G_ESC))
			fail("plain CSI that ends early", at + j);
	}
	if (g.st != G_TEXT)
		fail("plain CSI that does not end in text", at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guard g = { .st = G_TEXT };
	struct passed ps = { 0, 0 };
	for (size_t i = 0; i < size; i++) {
		if (g.st == G_TEXT) {
			size_t j = guard_text_scan(data, i, size);
			if (j != naive_scan(data, i, size))
				fail("text scan stopped at the wrong byte", i);
			i = j;
			if (i == size)
				break;
			if (data[i] >= 0x80) {
				/* a character, whole or not: term_feed() sees to it */
				unsigned need = guard_u8_need(data[i]);
				while (need-- && i + 1 < size && guard_u8_cont(data[i + 1]))
					i++;
				continue;
			}
			size_t k = guard_plain_csi(data + i, size - i);
			if (k) {
				if (k < 3 || k > size - i)
					fail("plain CSI length out of range", i);
				check_plain(data + i, k, i);
				i += k - 1;
				continue;
			}
		}
		check_byte(&g, &ps, data, i);
	}
	return 0;
}
