/* server/: the console server process.  Owns the instances (uml/), the
 * control socket and its clients, status polling, signals and reloads.
 * Speaks proto/ to clients; never draws. */
#ifndef UMLTOP_SERVER_H
#define UMLTOP_SERVER_H

/* `umltop server [-S SOCKET] [-c DIR|FILE]... [--foreground]` */
int srv_main(int argc, char **argv);

#endif
