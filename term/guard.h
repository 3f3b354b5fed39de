/* term/guard.h: the input guard's state machine, which follows libvterm
 * 0.1.4's parser just far enough to keep the bytes that crash or hang it
 * away from it (term/guard.c says which), and the scanners term_feed()
 * runs over plain text.  Pure functions over bytes and a struct guard:
 * term.c applies their verdicts to libvterm. */
#ifndef UMLTOP_TERM_GUARD_H
#define UMLTOP_TERM_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum guard_state { G_TEXT, G_ESC, G_CSI_LEADER, G_CSI_ARGS, G_CSI_INTERMED, G_STR, G_STR_ESC };

struct guard {
	enum guard_state st;
	bool intermed, leader, drop, restore, colm;
	unsigned char inter; /* an escape's one intermediate byte; 0 none, 1 more */
	unsigned seps;
	uint32_t arg0, cur;
};

/* What to do with a byte in a sequence: pass it on, drop it, cancel the
 * sequence (CAN) and repeat the last glyph arg0 times (REP), or pass it on
 * and put the cursor back on the screen after it (a restored cursor).
 * Passed on, with something for term/ to do after libvterm took it:
 * ESC_END, an escape that saves the cursor (ESC 7), resets (ESC c),
 * designates a character set (ESC ( F and the like, inter says which) or
 * fills the screen (ESC # 8); MODE_END, a DEC private mode set or reset
 * that saves the cursor (1048, 1049) or is DECCOLM (3, colm). */
enum guard_action { PASS, DROP, REPEAT, CLAMP, ESC_END, MODE_END };

/* Advance g over one byte that is in a sequence, or an ESC (text bytes go
 * straight to libvterm and never through here). */
enum guard_action term_guard_byte(struct guard *g, unsigned char c);

static inline bool guard_in_string(enum guard_state st)
{
	return st == G_STR || st == G_STR_ESC;
}

/* The first byte at or after i that the guard must see in text: an ESC
 * or a byte of a multibyte character; len when there is none.  Eight
 * bytes at a time, as most console text is plain ASCII. */
static inline size_t guard_text_scan(const unsigned char *p, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	for (; i + 8 <= len; i += 8) {
		uint64_t w, x;
		memcpy(&w, p + i, 8);
		x = w ^ (ones * 0x1b);
		if ((w | ((x - ones) & ~x)) & highs)
			break;
	}
	for (; i < len; i++)
		if (p[i] == 0x1b || p[i] >= 0x80)
			return i;
	return len;
}

/* The length of a plain CSI starting at p (ESC [, an optional private
 * leader, at most 16 numeric parameters of at most 9 digits, a final byte
 * other than REP's),
 * 0 when it is anything else or does not end within n bytes.  Colour and
 * cursor sequences are nearly all of this kind. */
static inline size_t guard_plain_csi(const unsigned char *p, size_t n)
{
	if (n < 3 || p[1] != '[')
		return 0;
	size_t i = 2;
	unsigned seps = 0, digits = 0;
	if (p[i] >= 0x3c && p[i] <= 0x3f)
		i++;
	for (; i < n; i++) {
		if (p[i] == ';')
			seps++, digits = 0;
		else if (p[i] < '0' || p[i] > '9' || ++digits > 9)
			break;
	}
	if (i == n || seps > 15 || p[i] < 0x40 || p[i] > 0x7e || p[i] == 'b')
		return 0;
	if ((p[i] == 'l' || p[i] == 'h') && p[2] >= 0x3c && p[2] <= 0x3f)
		return 0; /* a mode may save or restore the cursor, or be DECCOLM:
			   * see term/guard.c */
	return i + 1;
}

/* UTF-8: how many continuation bytes follow a start byte (0: none, or not
 * a start byte), whether c continues a character, whether s (two bytes)
 * is a C1 control. */
static inline unsigned guard_u8_need(unsigned char c)
{
	return c < 0xc0 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : c < 0xfc ? 4 : c < 0xfe ? 5 : 0;
}

static inline bool guard_u8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static inline bool guard_u8_c1(const unsigned char *s)
{
	return s[0] == 0xc2 && s[1] < 0xa0;
}

#endif
