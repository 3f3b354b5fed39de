/* term/: a console as a pty and an emulator.  libvterm's state layer
 * (VTermState) parses the guest's output and drives umltop's own cell grid:
 * rows in a ring so a scroll moves indices, 8-byte cells, a dirty row span,
 * a scrollback ring.  Also snapshots of a screen as a byte stream, key
 * encoding and console logs.  Never draws and never writes guest bytes to a
 * real terminal: it exposes cells.
 *
 * Both processes use it: the server emulates every console (uml/ feeds
 * it, server/ snapshots it), and the clients (tui/) emulate what the
 * server streams to them.  It includes only lib/ and libvterm, nothing of
 * conf/, mconsole/, proto/, uml/, server/, tui/ or cli/
 * (tests/arrows.sh checks).
 *
 * Threads: a term shares no state with any other term, so different terms
 * may be fed on different threads at once (uml/feed.c does); one term is
 * used by one thread at a time, its owner's lock held, readers included
 * (a snapshot fills the term's codepoint cache). */
#ifndef UMLTOP_TERM_H
#define UMLTOP_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* ---- pty ---- */

/* A pty pair: master non-blocking and close-on-exec, slave inheritable (the
 * launcher closes it in the parent after fork), window size set. */
struct pty_pair {
	int master;
	int slave;
};
int pty_open(struct pty_pair *p, unsigned rows, unsigned cols); /* 0 or -errno */
int pty_resize(int master, unsigned rows, unsigned cols);      /* 0 or -errno */
/* One read of what the master has (a pty hands back at most about
 * PTY_READ_MAX bytes at a time, whatever cap is); returns bytes read, 0
 * when there is nothing (EAGAIN), or -errno (-EIO once the slave side is
 * gone). */
#define PTY_READ_MAX 4096
ssize_t pty_read(int master, char *buf, size_t cap);

/* ---- the console emulator ---- */

struct term;

/* Who answers the guest's terminal queries (DESIGN, "Terminal queries"). */
enum term_mode {
	TERM_ANSWER, /* server: replies (cursor position, DA) go to output() */
	TERM_SILENT, /* clients: replies are dropped */
};

struct term_callbacks {
	/* Bytes for the guest: query replies (TERM_ANSWER only). */
	void (*output)(void *arg, const char *bytes, size_t len);
	void (*bell)(void *arg);
	void (*title)(void *arg, const char *utf8);
};

enum term_color_type { TERM_COLOR_DEFAULT, TERM_COLOR_INDEX, TERM_COLOR_RGB };
struct term_color {
	uint8_t type; /* enum term_color_type */
	uint8_t index; /* 0-255 for TERM_COLOR_INDEX */
	uint8_t r, g, b;
};

enum term_attr {
	TERM_BOLD = 1 << 0,
	TERM_ITALIC = 1 << 1,
	TERM_UNDERLINE = 1 << 2,
	TERM_BLINK = 1 << 3,
	TERM_REVERSE = 1 << 4,
	TERM_STRIKE = 1 << 5,
	TERM_CONCEAL = 1 << 6,
	TERM_DIM = 1 << 7,
	TERM_OVERLINE = 1 << 8,
	/* a double or curly underline has TERM_UNDERLINE too, so that a
	 * reader that knows only one kind still underlines */
	TERM_UNDERLINE_DOUBLE = 1 << 9,
	TERM_UNDERLINE_CURLY = 1 << 10,
};

/* One cell as a reader sees it.  chars[0] == 0 is an empty cell; width 2 is
 * the left half of a wide character, width 0 its right half. */
#define TERM_MAX_CHARS 6
struct term_cellview {
	uint32_t chars[TERM_MAX_CHARS]; /* base character then combining marks, 0-ended */
	uint8_t width;
	uint16_t attrs; /* enum term_attr */
	struct term_color fg, bg;
};

struct term *term_new(unsigned rows, unsigned cols, unsigned scrollback_lines,
		      enum term_mode mode, const struct term_callbacks *cb, void *arg);
void term_free(struct term *t);

void term_feed(struct term *t, const char *bytes, size_t len);
void term_resize(struct term *t, unsigned rows, unsigned cols);
/* Forget a sequence, string or character the guest left half written (a
 * console whose writer died mid-sequence and starts again): the next
 * bytes are read from the start of a sequence.  The screen stays. */
void term_cancel(struct term *t);
void term_size(const struct term *t, unsigned *rows, unsigned *cols);

/* Rows: 0..rows-1 are the screen; -1 is the newest scrollback line, down to
 * -term_scrollback_len().  A scrollback line may be shorter or longer than
 * the screen is wide; cells past its end read as empty. */
size_t term_scrollback_len(const struct term *t);
bool term_cell(const struct term *t, int row, unsigned col, struct term_cellview *out);
/* The row as UTF-8 text, trailing blanks trimmed; returns the length (the
 * output is NUL-terminated and truncated to cap-1). */
size_t term_row_text(const struct term *t, int row, char *out, size_t cap);

void term_cursor(const struct term *t, int *row, int *col, bool *visible);
bool term_altscreen(const struct term *t);
const char *term_title(const struct term *t); /* "" when unset */

/* Screen rows changed since the last term_clean(); false when none. */
bool term_dirty(const struct term *t, int *first, int *last);
void term_clean(struct term *t);

/* A byte stream that, fed to a fresh term of the same size, reproduces every
 * cell, the cursor position and visibility, and the last `scrollback`
 * scrollback lines.  Appended to out. */
void term_snapshot(const struct term *t, unsigned scrollback, struct buf *out);

/* ---- keys ---- */

enum term_keysym {
	TERM_KEY_NONE = 0,
	TERM_KEY_ENTER, TERM_KEY_TAB, TERM_KEY_BACKSPACE, TERM_KEY_ESCAPE,
	TERM_KEY_UP, TERM_KEY_DOWN, TERM_KEY_LEFT, TERM_KEY_RIGHT,
	TERM_KEY_INS, TERM_KEY_DEL, TERM_KEY_HOME, TERM_KEY_END,
	TERM_KEY_PAGEUP, TERM_KEY_PAGEDOWN,
	TERM_KEY_F1 = 64, /* F1..F12 = TERM_KEY_F1 + n - 1 */
};
enum term_keymod { TERM_MOD_SHIFT = 1, TERM_MOD_ALT = 2, TERM_MOD_CTRL = 4 };

/* Encode a key for the guest, honouring the modes the guest set (cursor key
 * mode, keypad mode).  Pass either a codepoint (sym = TERM_KEY_NONE) or a
 * sym.  Bytes are appended to out. */
void term_key(struct term *t, uint32_t codepoint, enum term_keysym sym,
	      unsigned mods, struct buf *out);
/* Paste text, bracketed when the guest asked for bracketed paste. */
void term_paste(struct term *t, const char *utf8, size_t len, struct buf *out);

/* cp as UTF-8 in s (room for 4 bytes); returns the length. */
size_t term_utf8(uint32_t cp, char *s);

/* ---- logs ---- */

/* A console's logs: the raw byte stream, and clean text (completed lines,
 * escape sequences removed, each prefixed by a timestamp).  Files are
 * created 0600 with O_NOFOLLOW, appended, rotated to NAME.1 at max_bytes.
 * Either path may be NULL.  A write error is reported once through
 * errmsg() and never stops the console. */
struct term_log;
struct term_log *term_log_open(const char *raw_path, const char *text_path,
			       uint64_t max_bytes,
			       void (*errmsg)(void *arg, const char *msg), void *arg);
void term_log_write(struct term_log *l, const char *bytes, size_t len);
void term_log_close(struct term_log *l);
/* At rotation the older NAME.1 becomes NAME.1.gone, and discard(path, arg)
 * removes it (path is the callee's to free); by default it is unlinked at
 * once.  Freeing a large file takes milliseconds: the server does it on
 * a thread. */
void term_log_set_discard(struct term_log *l, void (*discard)(char *path, void *arg),
			  void *arg);
/* Each clean line as it ends (no timestamp, no newline) to line(arg, ...),
 * called from term_log_write (the server's ALERT patterns). */
void term_log_set_line_cb(struct term_log *l,
			  void (*line)(void *arg, const char *text, size_t len), void *arg);

#endif
