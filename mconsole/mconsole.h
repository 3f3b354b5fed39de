/* mconsole/: UML's management console.  A pure codec for the wire format
 * (requests, reply packets, notify datagrams) and an async libuv client:
 * one request in flight per UML, others queued, multi-packet replies joined,
 * packets drained as they arrive, a timeout per request.  Knows nothing of
 * curses or config files, and includes nothing of the other directories
 * but lib/: uml/ polls and halts through it, cli/ speaks it for `umltop
 * mconsole`.  See UML-NOTES.md, "mconsole wire format". */
#ifndef UMLTOP_MCONSOLE_H
#define UMLTOP_MCONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define MC_MAGIC 0xcafebabeu
#define MC_VERSION 2u
#define MC_MAX_REQUEST 511  /* text bytes in one request (len >= 512 refused) */
#define MC_MAX_PACKET 512   /* text bytes in one reply packet, NUL included */
#define MC_REQUEST_HDR 12   /* magic, version, len */
#define MC_REPLY_HDR 12     /* err, more, len */
#define MC_NOTIFY_HDR 16    /* magic, version, type, len */
#define MC_DEFAULT_TIMEOUT_MS 5000u /* used when mc_request gets 0 */
#define MC_MAX_REPLY (16u << 20)    /* joined reply larger: -EMSGSIZE */

/* ---- codec (pure) ---- */

/* Encode cmd as a request datagram into buf; returns its length, or
 * -EMSGSIZE when cmd is too long for one request or buf too small. */
int mc_encode_request(const char *cmd, uint8_t *buf, size_t cap);

struct mc_packet {
	int32_t err;      /* 0, 1 (command error), or a negative errno */
	bool more;        /* another packet of this reply follows */
	bool headerless;  /* a bare text reply (sent when our magic was wrong) */
	const char *text; /* points into the datagram; not NUL-terminated */
	size_t len;       /* text bytes, trailing NUL excluded */
};

/* Decode one reply datagram.  0, or -EBADMSG for a short datagram, a len
 * field over MC_MAX_PACKET or past the datagram, or text without its NUL.
 * A datagram whose first word is not a plausible err (0, 1, -4095..-1) is a
 * header-less text reply: headerless set, err 1, more false, text up to
 * the first NUL. */
int mc_decode_reply(const uint8_t *buf, size_t n, struct mc_packet *out);

enum mc_notify_type {
	MC_NOTIFY_SOCKET = 0,      /* data: the mconsole socket path */
	MC_NOTIFY_PANIC = 1,       /* data: the panic text */
	MC_NOTIFY_HANG = 2,
	MC_NOTIFY_USER_NOTIFY = 3, /* data: what the guest wrote to /proc/mconsole */
};

struct mc_notify {
	uint32_t type;
	const char *data; /* into the datagram; trailing NULs excluded */
	size_t len;
};

/* Decode one notify datagram; 0 or -EBADMSG. */
int mc_decode_notify(const uint8_t *buf, size_t n, struct mc_notify *out);

/* ---- async client ---- */

struct mc_client;

/* A reply, joined.  status: 0 when the UML answered (then err is its err
 * field and text the joined text of every packet, NUL-terminated), or a
 * negative errno: -ETIMEDOUT, -ECONNREFUSED / -ENOENT (no UML behind the
 * socket), -ECANCELED (client closed), -EBADMSG (a packet that does not
 * decode), -EMSGSIZE (a reply over MC_MAX_REPLY), or another errno from
 * socket/connect/send (-EACCES, -ENAMETOOLONG...).  text is valid only
 * during the callback.  A header-less reply counts as answered with err 1. */
typedef void (*mc_reply_cb)(void *arg, int status, int err, const char *text,
			    size_t len);

/* A client for the UML whose mconsole socket is at path (may be changed
 * later with mc_client_set_path, e.g. when the notify SOCKET arrives; NULL
 * until then: requests fail with -ENOENT).  A new path applies from the
 * next request on. */
struct mc_client *mc_client_new(uv_loop_t *loop, const char *path);
void mc_client_set_path(struct mc_client *c, const char *path);

/* Queue cmd; cb fires exactly once, always from the loop, never from inside
 * mc_request.  timeout_ms 0 means MC_DEFAULT_TIMEOUT_MS; the clock starts
 * when the request's turn comes, not when it is queued.  Returns 0, or a
 * negative errno without calling cb (-EMSGSIZE for a command too long,
 * -ECANCELED once the client is closing). */
int mc_request(struct mc_client *c, const char *cmd, unsigned timeout_ms,
	       mc_reply_cb cb, void *arg);

/* Requests queued or in flight (0 when idle). */
size_t mc_pending(const struct mc_client *c);

/* Cancel everything (callbacks fire with -ECANCELED, in queue order, before
 * this returns), close the socket; the memory goes in the close callback.
 * May be called from a reply callback. */
void mc_client_close(struct mc_client *c);

/* ---- notify listener ---- */

struct mc_notifier;
typedef void (*mc_notify_cb)(void *arg, const struct mc_notify *n);

/* Bind a datagram socket at path (replacing a stale one) for
 * mconsole=notify:PATH.  0 and *out, or a negative errno (-EADDRINUSE when
 * a live socket is bound there, -EEXIST when path is not a socket,
 * -ENAMETOOLONG).  Datagrams that do not decode are dropped; cb gets the
 * others, with data NUL-terminated (n->data[n->len] == 0) for the
 * duration of the call.  cb may call mc_notifier_close. */
int mc_notifier_open(uv_loop_t *loop, const char *path, mc_notify_cb cb,
		     void *arg, struct mc_notifier **out);
void mc_notifier_close(struct mc_notifier *n); /* unlinks the path */

/* ---- finding a UML (for the `umltop mconsole` command) ---- */

/* Resolve UMID|DIR|SOCKET to a socket path: a path to a socket, a directory
 * holding "mconsole", or a bare umid looked up under rundir/uml/UMID, then
 * ~/.uml/UMID.  A bare word (no '/') is tried as a umid first, then as a
 * path in the current directory; rundir may be NULL.  Returns a malloc'd
 * path or NULL. */
char *mc_resolve(const char *target, const char *rundir);

#endif
