/* proto/: what the server and its clients share: where the socket and the
 * runtime files live, and the framed protocol spoken on the socket.  Pure
 * (buffers in, buffers out) apart from the path lookups. */
#ifndef UMLTOP_PROTO_H
#define UMLTOP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- paths ---- */

/* The control socket: $UMLTOP_SOCKET, else $XDG_RUNTIME_DIR/umltop/default,
 * else /run/umltop/default for root, else /tmp/umltop-$UID/default.
 * Returns a malloc'd path. */
char *proto_default_socket(void);

/* The runtime directory of the server on `socket`: SOCKET.d, holding
 * uml/UMID/ (UML's uml_dir), notify/NAME and hostfs/NAME.  Malloc'd. */
char *proto_rundir(const char *socket);

/* The state directory (console and server logs) of the server on `socket`:
 * $UMLTOP_STATE_DIR, else /var/log/umltop/BASE for root, else
 * $XDG_STATE_HOME/umltop/BASE (~/.local/state/umltop/BASE), where BASE is
 * the socket's file name.  Malloc'd. */
char *proto_statedir(const char *socket);

#endif
