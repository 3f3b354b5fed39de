/* server/: the console server process.  Owns the instances (uml/) and
 * their configs, the control socket and its clients (client.c), their
 * commands (cmd.c), status polling, signals, reloads, the server log and
 * the upgrade in place (upgrade.c).  Speaks proto/ to clients, mapping
 * what uml/ reports to proto/'s wire form; never draws.
 *
 * May include: proto/, uml/, conf/, term/ and lib/, and shim/xstate.h for
 * where the XSAVE shim a UML preloads is; never the clients (tui/, cli/)
 * or curses. */
#ifndef UMLTOP_SERVER_H
#define UMLTOP_SERVER_H

/* `umltop server [-S SOCKET] [-c DIR|FILE]... [--foreground]` */
int srv_main(int argc, char **argv);

#endif
