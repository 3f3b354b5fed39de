/* cli/: the clients without curses, for scripts, init systems and a
 * person's shell: `ctl` (scripted control), `check` (the configuration
 * validated, each instance's command line) and `mconsole` (a UML's
 * management console by hand), `proxy` (this host's server on stdio, for
 * ssh from another host), and the connection to a server that every
 * client uses (cli/conn.h and the hosts it reaches, cli/hosts.h: the
 * headers of cli/ that tui/ includes).
 *
 * May include: lib/, proto/, conf/, mconsole/ (and shim/ for check's
 * XSAVE test).  Never curses, term/, tui/, uml/ or server/: these clients
 * run no UML and draw nothing.
 *
 * Each command takes argv with the subcommand name as argv[0] and returns
 * the process exit status; main.c dispatches to them. */
#ifndef UMLTOP_CLI_H
#define UMLTOP_CLI_H

int cli_cmd_check(int argc, char **argv);    /* cli/cmd-check.c */
int cli_cmd_mconsole(int argc, char **argv); /* cli/cmd-mconsole.c */
int cli_cmd_ctl(int argc, char **argv);      /* cli/cmd-ctl.c */
int cli_cmd_proxy(int argc, char **argv);    /* cli/cmd-proxy.c */

#endif
