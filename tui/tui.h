/* tui/: the curses clients a person runs at a terminal: the interactive
 * TUI (`umltop`: panes, layouts, key bindings; tui*.c), `umltop attach`
 * (one console full screen, or raw for a script; cmd-attach.c), and what
 * they share: the client side of a console (console.c), curses start-up
 * and the cell renderer (pane.c), the query filter of attach --raw
 * (qstrip.c).
 *
 * May include: lib/, proto/, term/, conf/ (the global settings), curses,
 * and of cli/ only the connection to the server (cli/conn.h).  Never uml/,
 * server/ or mconsole/: a client runs no UML; the server answers for them.
 *
 * Each command takes argv with the subcommand name as argv[0] and returns
 * the process exit status; main.c dispatches to them. */
#ifndef UMLTOP_TUI_H
#define UMLTOP_TUI_H

int tui_cmd_attach(int argc, char **argv);   /* tui/cmd-attach.c */
/* `umltop [-S SOCKET] [-c CONFIG]...`: the interactive TUI (tui/tui.c);
 * argv[0] is the program name, options follow. */
int tui_main(int argc, char **argv);

#endif
