/* tui/console: the client side of one console, shared by the TUI's panes,
 * attach and the test fixture that checks what a client shows: the
 * client's emulator (term/), reset by each SNAPSHOT and fed the OUTPUT
 * after it, and the one rule of when a frame is taken.
 *
 *   CONSOLE_SUB sent ------> console_asked():   a snapshot is awaited;
 *                                               OUTPUT until it comes is
 *                                               dropped (it is in the
 *                                               snapshot: frames come in
 *                                               order)
 *   SNAPSHOT ---------------> console_snapshot(): a fresh term of its size,
 *                                               its bytes fed; unless the
 *                                               view is scrolled back and
 *                                               none was awaited (a
 *                                               flood's screen): then held,
 *                                               stale, the view kept still
 *   OUTPUT -----------------> console_output():  fed, unless awaited/stale
 *
 * No curses: drawing the term is tui/pane.c's. */
#ifndef UMLTOP_TUI_CONSOLE_H
#define UMLTOP_TUI_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/client.h"
#include "term/term.h"

struct console {
	struct term *term;       /* NULL until the first snapshot */
	unsigned scrollback;     /* lines the term keeps */
	const struct term_callbacks *cbs;
	void *cb_arg;
	bool awaited;            /* a SNAPSHOT was asked for and has not come */
	bool stale;              /* a SNAPSHOT was held while scrolled back */
	int scroll_wanted;       /* lines a scroll asked for before the history came */
};

/* Terms are made TERM_SILENT (the server's emulator answers the guest),
 * keeping scrollback lines, with these callbacks. */
void console_init(struct console *c, unsigned scrollback, const struct term_callbacks *cbs,
		  void *arg);
/* The term goes (the console left the screen); nothing is awaited. */
void console_free(struct console *c);
/* A CONSOLE_SUB was sent: its SNAPSHOT resets the term whatever the view. */
void console_asked(struct console *c);
/* A decoded SNAPSHOT for this console; scrolled: the view shows history.
 * true when taken (a fresh term of its size holds its picture), false when
 * held (stale is then set: ask again once back at the live screen). */
bool console_snapshot(struct console *c, const struct proto_snapshot *s, bool scrolled);
/* Whether OUTPUT now would be fed: a term, no snapshot awaited or held. */
bool console_live(const struct console *c);
/* OUTPUT bytes for this console; true when fed to the term. */
bool console_output(struct console *c, const void *bytes, size_t len);
/* The server's console is not the size of ours (another client resized
 * it): a fresh snapshot is needed, and none is awaited yet. */
bool console_size_differs(const struct console *c, unsigned rows, unsigned cols);
/* After a taken snapshot: the lines to scroll back that scroll_wanted
 * asked for, now that history has come (0: none, or none came yet). */
int console_take_scroll(struct console *c);

/* Whether output of len bytes, ms after a key was typed into this
 * console, is its answer (an echo): painted at once, not at the next
 * frame, by the TUI and attach alike. */
bool console_is_echo(size_t len, uint64_t ms_since_key);

#endif
