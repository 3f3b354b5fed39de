/* tui/: the clients a person or a script runs: the TUI, attach, ctl, and
 * the one-shot tools (check, mconsole).  Each command takes argv with the
 * subcommand name as argv[0] and returns the process exit status. */
#ifndef UMLTOP_TUI_H
#define UMLTOP_TUI_H

int tui_cmd_check(int argc, char **argv);    /* tui/cmd-check.c */
int tui_cmd_mconsole(int argc, char **argv); /* tui/cmd-mconsole.c */
int tui_cmd_ctl(int argc, char **argv);      /* tui/cmd-ctl.c */
int tui_cmd_attach(int argc, char **argv);   /* tui/cmd-attach.c */
/* `umltop [-S SOCKET] [-c CONFIG]...`: the interactive TUI (tui/tui.c);
 * argv[0] is the program name, options follow. */
int tui_main(int argc, char **argv);

#endif
