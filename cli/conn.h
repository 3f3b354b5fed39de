/* cli/conn: a client's connection to the server: connect (starting the
 * server when none runs, like tmux), HELLO, frames in and out on libuv.
 * Shared by the TUI, attach and ctl. */
#ifndef UMLTOP_CLI_CONN_H
#define UMLTOP_CLI_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "cli/hosts.h"
#include "proto/proto.h"

struct conn;

struct conn_opts {
	const char *socket;       /* NULL = proto_default_socket() */
	bool autostart;           /* start `umltop server` when none answers */
	const char *const *conf;  /* -c paths passed to a server we start */
	size_t nconf;
	const char *who;          /* "tui", "attach", "ctl" */
	/* NULL: the local server at socket, as above.  A host with a dest:
	 * its server through `ssh DEST umltop proxy [-S host->socket]`
	 * (socket, autostart and conf unused: the proxy starts a server
	 * there as any client would).  A host without dest: this machine's
	 * server at host->socket, else socket. */
	const struct host *host;
};

struct conn_cb {
	/* A frame from the server (HELLO is handled here). */
	void (*frame)(void *arg, const struct proto_frame *f);
	/* The server went away or sent garbage; the conn is closed after. */
	void (*closed)(void *arg, const char *why);
};

/* Connect (blocking, brief), then run on loop.  0, or -errno with a
 * message for the user in err.  To a host with a dest, ssh is spawned and
 * conn_open returns at once (0, unless ssh cannot be run); everything
 * that goes wrong after comes as closed(why): ssh's last stderr line
 * ("Permission denied (publickey).", the remote proxy's "no server on
 * ..."), else what the link saw, then how ssh ended, e.g. "user@h2:
 * Permission denied (publickey). (ssh exited with status 255)".  why
 * never starts with the host's name (the caller adds it); the program
 * run is $UMLTOP_SSH, else ssh. */
int conn_open(uv_loop_t *loop, const struct conn_opts *o, const struct conn_cb *cb,
	      void *arg, struct conn **out, char *err, size_t errlen);
void conn_close(struct conn *c);
/* The server said HELLO on this connection: it was served, not turned
 * away (what a client asks in its closed callback before connecting
 * again). */
bool conn_established(const struct conn *c);
/* Bytes written but not yet taken by the server. */
size_t conn_queued(const struct conn *c);
/* Where, for messages: the socket's path, or over ssh the host's name. */
const char *conn_socket(const struct conn *c);
/* The ssh child of a conn to another host while it runs, else 0 (a local
 * socket).  conn_close kills (SIGTERM, then SIGKILL) and reaps it. */
pid_t conn_pid(const struct conn *c);

/* This machine's server as conn_open reaches it (o->socket or the
 * default, started when o->autostart, the directory and the server's uid
 * checked), as a connected fd for `umltop proxy`, which relays bytes and
 * speaks no frames.  The fd, or -errno with err set. */
int conn_connect_local(const struct conn_opts *o, char *err, size_t errlen);

void conn_send(struct conn *c, const void *frame, size_t len);
void conn_status_sub(struct conn *c, bool on);
/* Events: the last `history` kept, a PROTO_EV_NOW, then each new one. */
void conn_events_sub(struct conn *c, bool on, uint32_t history);
void conn_console_sub(struct conn *c, const char *name, uint32_t scrollback,
		      unsigned flags);
void conn_console_unsub(struct conn *c, const char *name);
void conn_input(struct conn *c, const char *name, const char *bytes, size_t len);
void conn_resize(struct conn *c, const char *name, unsigned rows, unsigned cols);
/* Returns the command's id, matched by the PROTO_REPLY that answers it. */
uint32_t conn_command(struct conn *c, int argc, const char *const *argv);

/* Decode a REPLY frame; 0 or -EBADMSG.  text is malloc'd. */
int conn_parse_reply(const struct proto_frame *f, uint32_t *id, int *code, char **text);

#endif
