/* tui/pane: curses for the two curses clients, `umltop attach` and the
 * TUI: its start-up and end, written once, and the one renderer from a
 * console emulator (term/ cells) to ncurses, used by attach and by every
 * pane of the TUI.  Guest output reaches the real terminal only as cells
 * drawn here.  Only tui/ includes curses. */
#ifndef UMLTOP_TUI_PANE_H
#define UMLTOP_TUI_PANE_H

#include <stdbool.h>
#include <curses.h>

#include "lib/util.h"
#include "term/term.h"

/* Call once after initscr() or newterm(): each doupdate() leaves in one
 * write.  ncurses 6.4 flushes at every cursor motion until the screen has
 * once been through endwin(), so a frame reached the terminal in pieces,
 * each a wake-up of its reader (bench/tui.sh keys); and it skips the
 * typeahead poll before each frame, as input is read before painting. */
void pane_output_init(void);

/* Curses on the terminal (stdout, keys from stdin) for a client, the TUI
 * or attach: raw keys (^C goes to the guest), no echo, no newline
 * mapping, a 25 ms escape delay, the cursor hidden, colours
 * (pane_colors_init), each frame in one write (pane_output_init).  Keys
 * are read through *keys, without waiting: stdscr, or with key_window a
 * window of its own that nothing is drawn in (reading a key then never
 * refreshes anything: wgetch refreshes a touched window).  The
 * description is TERM's, or its direct-colour sibling when the terminal
 * says it takes RGB and TERM's cannot send it (pane_direct_sibling).  NULL
 * when curses cannot drive the terminal (no terminfo for TERM): err says
 * so. */
SCREEN *pane_curses_start(bool key_window, WINDOW **keys, char *err, size_t errlen);
/* The terminal as it was: cursor shown, curses ended and its screen
 * freed, stdout flushed. */
void pane_curses_end(SCREEN *s, WINDOW *keys);

/* After each drain of curses input, with the number of keys it gave:
 * true once the terminal has been readable with no key 100 times in a row
 * (an end of file, which curses reports as no key: the terminal is gone). */
bool pane_input_ended(unsigned *empty_wakeups, unsigned keys);

/* Call once after initscr()/start_color()/use_default_colors(): sets up
 * colour-pair allocation and the mapping of 256/RGB colours to what the
 * terminal has (nearest xterm-256 colour, or nearest of 8/16; 24-bit as is
 * on a direct-colour terminal).  The panes set their colour pairs from
 * COLOR_PAIRS - 1 down; the lowest quarter (at most 64 pairs) is left to
 * the caller's own alloc_pair() for its chrome.  Do not call
 * reset_color_pairs() (ncurses 6.4 miscounts after it). */
void pane_colors_init(void);

/* How the panes give colours to a terminal with `colors` colours
 * (COLORS after start_color): none, the nearest of 8 or 16, the 256 of
 * xterm (RGB to the nearest of the cube and grey ramp), or direct
 * (COLORS >= 2^24, a direct-colour description: RGB exact, palette
 * colours stay palette colours as far as the description names them).
 * A terminal that only says it takes RGB (COLORTERM, Tc) while its
 * description has 256 colours stays at 256: ncurses sends colours only
 * through setaf (see pane_curses_start for the way out). */
enum pane_color_mode {
	PANE_COLOR_NONE, PANE_COLOR_8, PANE_COLOR_16, PANE_COLOR_256, PANE_COLOR_DIRECT
};
enum pane_color_mode pane_color_mode(bool has_colors, int colors);

/* Whether COLORTERM (NULL: unset) says the terminal takes 24-bit colour:
 * "truecolor" or "24bit", as terminals and tmux set it. */
bool pane_declares_rgb(const char *colorterm);
/* The direct-colour sibling of a 256-colour description that keeps its
 * 256 palette colours: NAME-256color -> NAME-direct256 into buf; false
 * when term has no such name.  pane_curses_start opens curses with it
 * when the terminal says it takes RGB (pane_declares_rgb, or the RGB or
 * Tc flag in TERM's description) and the terminfo database has it as a
 * direct entry with a 256-colour palette. */
bool pane_direct_sibling(const char *term, char *buf, size_t len);
/* The description pane_curses_start opens, from TERM and COLORTERM: NULL
 * for TERM's own, or buf holding TERM's direct-colour sibling (above). */
const char *pane_curses_entry(char *buf, size_t len);

/* The curses attributes of a cell: bold, dim, italic, underline (double
 * and curly ones too: curses has one underline), blink, reverse.
 * Strike-through and overline have no curses attribute and are not drawn;
 * concealed cells are drawn blank with their attributes. */
attr_t pane_attrs(const struct term_cellview *cv);

/* Bumped each time the colour pairs were all discarded (the terminal's pair
 * table filled up).  Cells drawn before then show stale colours: a caller
 * that sees the epoch change redraws every pane with pane_draw_all().
 * pane_draw() already redraws its own view when it happens mid-draw. */
unsigned pane_colors_epoch(void);

/* What a view showed of the live screen, cell by cell, as last drawn: with
 * it pane_draw() hands curses only the cells that changed in each dirty
 * row (a typed character is one cell, not a 200-cell row for curses to
 * build and then compare).  One per view, owned by the caller; a view
 * whose window or term was replaced is drawn with pane_draw_all() first. */
struct pane_shadow;
struct pane_shadow *pane_shadow_new(void);
void pane_shadow_free(struct pane_shadow *s);
/* Cells of view row vrow the caller drew over itself (a highlight): drawn
 * from the term again with the row's next change. */
void pane_shadow_forget(struct pane_shadow *s, int vrow, int x, int n);

/* A rectangle of a curses window showing a term. */
struct pane_view {
	WINDOW *win;
	int y, x;   /* top-left cell in win */
	int h, w;   /* size in cells; the term may be larger or smaller */
	int scroll; /* lines scrolled back into scrollback; 0 = live screen */
	struct pane_shadow *shadow; /* NULL: dirty rows are drawn whole */
	bool dim;   /* every cell dimmed (a screen that is not live: its host
		     * is away); a change of it needs pane_draw_all */
};

/* Draw rows first..last (term screen rows, as term_dirty() reports them;
 * with scroll > 0 the whole view is redrawn) into the view; cells outside
 * the term are cleared.  Does not refresh. */
void pane_draw(const struct pane_view *v, const struct term *t, int first, int last);
void pane_draw_all(const struct pane_view *v, const struct term *t);

/* Where the term's cursor is in win, when visible and inside the view. */
bool pane_cursor(const struct pane_view *v, const struct term *t, int *y, int *x);

/* An ncurses key (wget_wch's return, OK or KEY_CODE_YES, and the key) to
 * the bytes the guest expects, through term_key (honours the guest's modes).
 * false when the key has no meaning for a guest (e.g. KEY_RESIZE, mouse). */
bool pane_key(struct term *t, int ret, wint_t key, struct buf *out);

#endif
