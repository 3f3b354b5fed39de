/* term/guard.c: the input guard, pure over struct guard.
 *
 * libvterm 0.1.4 has bugs a guest can reach with a few bytes:
 *  - a CSI with more than 16 parameters writes past its parameter array
 *    and crashes the process (printf '\e[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1m');
 *  - REP (CSI n b) loops forever when the glyph it repeats has width 0 or
 *    -1, or when nothing was printed yet (printf '\e[b');
 *  - ESC NUL \ inside an OSC or DCS string reads past the input
 *    (see term_guard_byte());
 *  - a resize does not bound the saved cursor, so restoring it (ESC 8,
 *    CSI ? 1048 l, CSI ? 1049 l) after the screen shrank puts the cursor
 *    off the screen, and the next glyph reads and writes past libvterm's
 *    line array: the cursor is put back on the screen right after;
 *  - parameters are added to the cursor position as ints, which a
 *    parameter of ten digits or more overflows: digits past the ninth
 *    significant one are dropped;
 *  - and more in strings, UTF-8 and long writes: see HOLD_MAX, the UTF-8
 *    checks and WRITE_MAX in term.c.
 * So parameters past the 16th are dropped before libvterm sees them, and
 * REP is done here: the sequence is cancelled (CAN) and the last glyph is
 * written again n times, but no further than the end of the line (where
 * libvterm's REP stops too), so that a few bytes cannot make a guest's
 * console redraw whole screens; and only when a glyph came right before
 * the REP, as xterm repeats it (a cursor move, a control or another
 * sequence in between and REP does nothing: term_feed() knows).  The
 * guard also flags the escapes and modes after which term.c makes up
 * for what 0.1.4 does not do (ESC_END, MODE_END; term.c's top says
 * what).  This file decides, byte by byte, what
 * each of those bytes is; term_feed() (term.c) does what it says. */
#include "config.h"

#include "term/guard.h"

static enum guard_action guard_esc(struct guard *g, unsigned char c)
{
	if (c >= 0x20 && c <= 0x2f) {
		g->inter = g->intermed ? 1 : c;
		g->intermed = true;
	} else if (c >= 0x40 && c < 0x60) {
		/* ESC + 0x40-0x5f is a C1 control, and to libvterm 0.1.4 even
		 * after intermediates (ESC ( [ starts a CSI) */
		if (c == '[') {
			*g = (struct guard){ .st = G_CSI_LEADER };
		} else if (c == ']' || c == 'P') { /* OSC, DCS (SOS, PM, APC are
						     * plain controls to 0.1.4) */
			g->st = G_STR;
		} else {
			g->st = G_TEXT;
			if (g->inter >= '(' && g->inter <= '+')
				return ESC_END; /* ESC ( B: ASCII */
		}
	} else if (c >= 0x30 && c < 0x7f) {
		g->st = G_TEXT;
		if (!g->intermed)
			return c == '8' ? CLAMP /* DECRC */ : c == '7' || c == 'c' ? ESC_END : PASS;
		if ((g->inter >= '(' && g->inter <= '+') || (g->inter == '#' && c == '8'))
			return ESC_END;
	} /* anything else: libvterm stays in the escape */
	return PASS;
}

static enum guard_action guard_csi(struct guard *g, unsigned char c)
{
	switch (g->st) {
	case G_CSI_LEADER:
		if (c >= 0x3c && c <= 0x3f) {
			g->leader = true;
			return PASS;
		}
		g->st = G_CSI_ARGS;
		/* fallthrough */
	case G_CSI_ARGS:
		if (c >= '0' && c <= '9') {
			if (g->drop)
				return DROP;
			/* libvterm adds parameters to cursor positions in an
			 * int: past 9 digits, digits are dropped */
			if (g->cur >= 100000000u)
				return DROP;
			g->cur = g->cur * 10 + (uint32_t)(c - '0');
			if (!g->seps)
				g->arg0 = g->cur;
			return PASS;
		}
		g->restore |= g->cur == 1048 || g->cur == 1049;
		g->colm |= g->cur == 3;
		g->cur = 0;
		if (c == ';' || c == ':') {
			if (g->drop || g->seps == 15) {
				g->drop = true;
				return DROP;
			}
			g->seps++;
			return PASS;
		}
		g->st = G_CSI_INTERMED;
		g->intermed = false;
		/* fallthrough */
	default:
		if (c >= 0x20 && c <= 0x2f) {
			g->intermed = true;
			return PASS;
		}
		g->st = G_TEXT;
		if (c == 'b' && !g->leader && !g->intermed)
			return REPEAT;
		if (c == 'l' && g->leader && g->restore)
			return CLAMP;
		if ((c == 'h' || c == 'l') && g->leader && (g->restore || g->colm))
			return MODE_END;
		return PASS;
	}
}

enum guard_action term_guard_byte(struct guard *g, unsigned char c)
{
	bool str = g->st == G_STR || g->st == G_STR_ESC;
	/* libvterm ignores NUL and DEL everywhere, but one between the ESC
	 * and the backslash of a string terminator makes 0.1.4 read past the
	 * end of the buffer it was given (into the title, even).  Inside a
	 * sequence they go; in text (where this is not called) they are
	 * harmless. */
	if (c == 0x00 || c == 0x7f)
		return DROP;
	/* Likewise any other C0 control between the ESC and the backslash of
	 * a string terminator (ESC BEL \ in an OSC, say). */
	if (c < 0x20 && g->st == G_STR_ESC && c != 0x1b && c != 0x18 && c != 0x1a)
		return DROP;
	if (c == 0x18 || c == 0x1a) {
		g->st = G_TEXT;
		return PASS;
	}
	if (c == 0x1b) {
		g->st = str ? G_STR_ESC : G_ESC;
		g->intermed = false;
		g->inter = 0;
		return PASS;
	}
	if (c == 0x07 && str) {
		g->st = g->st == G_STR ? G_TEXT : G_ESC;
		return PASS;
	}
	if (c < 0x20)
		return PASS; /* executed; the sequence goes on */
	switch (g->st) {
	case G_TEXT:
	case G_STR:
		return PASS;
	case G_STR_ESC:
		if (c == '\\') {
			g->st = G_TEXT;
			return PASS;
		}
		g->st = G_ESC;
		/* fallthrough */
	case G_ESC:
		return guard_esc(g, c);
	default:
		return guard_csi(g, c);
	}
}
