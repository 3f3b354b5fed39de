/* term/keys.c: key events and pastes as the bytes a guest expects.
 * libvterm's keyboard API does the encoding because it knows the modes the
 * guest set (cursor-key and keypad application modes, bracketed paste);
 * its output is captured here instead of taking the query-reply path.
 * Where libvterm 0.1.4 answers with a CSI-u sequence that a Linux console
 * or busybox cannot read (Ctrl-[, Ctrl-@, Ctrl-?, Ctrl-Enter...), or with a
 * broken byte (Alt plus a non-ASCII character), the classic encoding is
 * produced instead. */
#include "config.h"

#include "term/term-int.h"

static VTermKey sym_key(enum term_keysym sym)
{
	switch (sym) {
	case TERM_KEY_ENTER: return VTERM_KEY_ENTER;
	case TERM_KEY_TAB: return VTERM_KEY_TAB;
	case TERM_KEY_BACKSPACE: return VTERM_KEY_BACKSPACE;
	case TERM_KEY_ESCAPE: return VTERM_KEY_ESCAPE;
	case TERM_KEY_UP: return VTERM_KEY_UP;
	case TERM_KEY_DOWN: return VTERM_KEY_DOWN;
	case TERM_KEY_LEFT: return VTERM_KEY_LEFT;
	case TERM_KEY_RIGHT: return VTERM_KEY_RIGHT;
	case TERM_KEY_INS: return VTERM_KEY_INS;
	case TERM_KEY_DEL: return VTERM_KEY_DEL;
	case TERM_KEY_HOME: return VTERM_KEY_HOME;
	case TERM_KEY_END: return VTERM_KEY_END;
	case TERM_KEY_PAGEUP: return VTERM_KEY_PAGEUP;
	case TERM_KEY_PAGEDOWN: return VTERM_KEY_PAGEDOWN;
	default: break;
	}
	if (sym >= TERM_KEY_F1 && sym < TERM_KEY_F1 + 12)
		return VTERM_KEY_FUNCTION(sym - TERM_KEY_F1 + 1);
	return VTERM_KEY_NONE;
}

/* The control byte xterm sends for Ctrl plus a key that is not a letter,
 * or -1 when there is none (the key is then sent without Ctrl). */
static int ctrl_byte(uint32_t cp)
{
	switch (cp) {
	case '@': case '2': return 0x00;
	case '[': case '3': return 0x1b;
	case '4': return 0x1c;
	case '5': return 0x1d;
	case '6': case '~': return 0x1e;
	case '7': case '/': return 0x1f;
	case '?': case '8': return 0x7f;
	default: return -1;
	}
}

static void put_utf8(struct buf *out, uint32_t cp)
{
	char s[4];
	buf_append(out, s, term_utf8(cp, s));
}

static void key_char(VTerm *vt, uint32_t cp, unsigned mods, struct buf *out)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return;
	mods &= ~(unsigned)TERM_MOD_SHIFT; /* the codepoint already says what Shift did */
	if (mods & TERM_MOD_CTRL) {
		uint32_t lc = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
		if (((lc >= 'a' && lc <= 'z') && lc != 'i' && lc != 'j' && lc != 'm') || lc == ' ' ||
		    lc == '\\' || lc == ']' || lc == '^' || lc == '_') {
			vterm_keyboard_unichar(vt, lc, (VTermModifier)mods);
			return;
		}
		/* libvterm sends Ctrl-I, -J, -M and -[ as CSI-u, told apart from
		 * Tab, LF, Enter and Escape; a guest wants the C0 byte. */
		int b = lc >= 'a' && lc <= 'z' ? (int)(lc & 0x1f) : ctrl_byte(cp);
		if (b >= 0) {
			if (mods & TERM_MOD_ALT)
				buf_append(out, "\033", 1);
			char c = (char)b;
			buf_append(out, &c, 1);
			return;
		}
		mods &= ~(unsigned)TERM_MOD_CTRL;
	}
	if ((mods & TERM_MOD_ALT) && cp >= 0x80) {
		buf_append(out, "\033", 1);
		put_utf8(out, cp);
		return;
	}
	vterm_keyboard_unichar(vt, cp, (VTermModifier)mods);
}

static void key_sym(VTerm *vt, enum term_keysym sym, unsigned mods)
{
	VTermKey k = sym_key(sym);
	if (k == VTERM_KEY_NONE)
		return;
	/* Modified Enter, Backspace and Escape only exist as CSI-u sequences,
	 * which a guest would take for garbage; Alt stays (ESC prefix). */
	if (sym == TERM_KEY_ENTER || sym == TERM_KEY_BACKSPACE || sym == TERM_KEY_ESCAPE)
		mods &= TERM_MOD_ALT;
	else if (sym == TERM_KEY_TAB)
		mods &= TERM_MOD_ALT | TERM_MOD_SHIFT;
	vterm_keyboard_key(vt, k, (VTermModifier)mods);
}

void term_key(struct term *t, uint32_t codepoint, enum term_keysym sym, unsigned mods,
	      struct buf *out)
{
	VTerm *vt = term_capture_begin(t, out);
	mods &= TERM_MOD_SHIFT | TERM_MOD_ALT | TERM_MOD_CTRL;
	if (sym != TERM_KEY_NONE)
		key_sym(vt, sym, mods);
	else
		key_char(vt, codepoint, mods, out);
	term_capture_end(t);
}

/* Pasted text goes as it is, except that line ends become CR (what Enter
 * sends) and, inside bracketed paste, ESC is dropped so that the text
 * cannot end the bracket early and be taken for keys. */
void term_paste(struct term *t, const char *utf8, size_t len, struct buf *out)
{
	VTerm *vt = term_capture_begin(t, out);
	size_t before = out->len;
	vterm_keyboard_start_paste(vt);
	bool bracketed = out->len > before;
	size_t run = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? utf8[i] : 0;
		if (i < len && c != '\r' && c != '\n' && !(bracketed && c == '\033'))
			continue;
		buf_append(out, utf8 + run, i - run);
		run = i + 1;
		if (i == len)
			break;
		if (c == '\n' || (c == '\r' && !(i + 1 < len && utf8[i + 1] == '\n')))
			buf_append(out, "\r", 1);
	}
	vterm_keyboard_end_paste(vt);
	term_capture_end(t);
}
