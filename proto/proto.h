/* proto/: what the server and its clients share: where the socket and the
 * runtime files live, and the framed protocol spoken on the socket.  Pure
 * (buffers in, buffers out) apart from the path lookups.  Includes nothing
 * of the other directories but lib/ (the instance states are listed once in
 * lib/states.h): the server and every client include it, and nothing else
 * is shared between the two processes but term/'s emulation. */
#ifndef UMLTOP_PROTO_H
#define UMLTOP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/states.h"

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

/* ---- trust (proto/trust.c) ----
 *
 * Whoever can write in the socket's directory can put a listener of their
 * own where the server should be.  So the server listens only in a
 * directory of its user's that others can neither read nor write, and a
 * client talks only to a socket in a directory its user or root owns and
 * nobody else can write in, and only to a server that runs as its user or
 * as root.  A symbolic link in the directory's place counts only when its
 * user (or root) made it; then its target is judged. */

struct stat;
enum proto_dir_who { PROTO_DIR_SERVER, PROTO_DIR_CLIENT };

enum proto_dir_verdict {
	PROTO_DIR_OK,
	PROTO_DIR_LINK,    /* a symbolic link someone else made */
	PROTO_DIR_NOT_DIR, /* not a directory */
	PROTO_DIR_OWNER,   /* owned by another user (or root, for a server) */
	PROTO_DIR_MODE,    /* group or others may write (or read, for a server) */
};

/* The verdict on a directory of uid's, as lstat(2) (lnk) and stat(2) (st)
 * see it; st is lnk when lnk is not a link.  Pure. */
enum proto_dir_verdict proto_dir_judge(const struct stat *lnk, const struct stat *st,
				       uid_t uid, enum proto_dir_who who);

/* The directory a socket is in ("." for a bare name).  Malloc'd. */
char *proto_socket_dir(const char *socket);

/* Judge dir for uid: 0, or -errno with a message in err (-ENOENT when it
 * does not exist; -EPERM naming the directory, its owner and mode and
 * what to do). */
int proto_check_dir(const char *dir, uid_t uid, enum proto_dir_who who, char *err,
		    size_t errlen);

/* The same rule both ways: a server accepts, and a client talks to, a
 * peer of its own uid or root. */
bool proto_peer_trusted(uid_t peer, uid_t self);

/* The uid and pid of the process on the other end of a connected unix
 * socket (SO_PEERCRED: for a client, the server as it was when it
 * listened).  0 or -errno. */
int proto_peer_cred(int fd, uid_t *uid, pid_t *pid);

/* ---- framing ----
 *
 * Every frame on the stream socket:
 *
 *   +----------------+--------+--------+------------------+
 *   | u32 len        | u16    | u16    | payload          |
 *   | payload bytes  | type   | zero   | (len bytes)      |
 *   +----------------+--------+--------+------------------+
 *
 * little-endian.  len is capped at PROTO_MAX_PAYLOAD; a frame over the cap,
 * with an unknown type or a non-zero reserved field is malformed, and the
 * peer that sent it is dropped.  Payload fields are u8/u16/u32/u64 (little-
 * endian) and strings (u32 length, bytes, no NUL).  The first frame each
 * way is HELLO with PROTO_VERSION; a peer with another version is refused.
 */
#define PROTO_VERSION 4
#define PROTO_HDR 8
#define PROTO_MAX_PAYLOAD (4u << 20)
#define PROTO_MAX_NAME 64
/* The sysrq letters that crash a UML 6.1 kernel (c: the crash trigger;
 * t: the task dump panics it): the server wants --force, the TUI warns. */
#define PROTO_SYSRQ_CRASH "ct"

enum proto_type {
	PROTO_HELLO = 1,       /* both: u32 version, str who ("tui", "attach", "ctl", "server") */
	PROTO_STATUS_SUB = 2,  /* c->s: u8 on; status now and on every change */
	PROTO_STATUS = 3,      /* s->c: the instance table (struct proto_status) */
	PROTO_CONSOLE_SUB = 4, /* c->s: str name, u32 scrollback lines, u8 flags */
	PROTO_CONSOLE_UNSUB = 5, /* c->s: str name */
	PROTO_SNAPSHOT = 6,    /* s->c: str name, u16 rows, u16 cols, str bytes */
	PROTO_OUTPUT = 7,      /* s->c: str name, str bytes (live console output) */
	PROTO_INPUT = 8,       /* c->s: str name, str bytes (typed into the console) */
	PROTO_RESIZE = 9,      /* c->s: str name, u16 rows, u16 cols */
	PROTO_COMMAND = 10,    /* c->s: u32 id, u32 argc, str argv[argc] */
	PROTO_REPLY = 11,      /* s->c: u32 id, i32 code, str text */
	PROTO_EVENTS_SUB = 12, /* c->s: u8 on, u32 history: that many past
				* events, then PROTO_EV_NOW, then each new one */
	PROTO_EVENT = 13,      /* s->c: struct proto_event */
	PROTO_TYPE_MAX = PROTO_EVENT,
};

enum proto_sub_flags {
	PROTO_SUB_READONLY = 1, /* input from this client is refused */
	PROTO_SUB_RAW = 2,      /* no snapshot: live bytes only */
	/* Under a flood, the screen (a SNAPSHOT without scrollback) at frame
	 * rate instead of every byte, and a full SNAPSHOT when it ends: for a
	 * client that only shows the console, so it never emulates what
	 * scrolls by unseen.  Ignored with PROTO_SUB_RAW. */
	PROTO_SUB_SCREENS = 4,
};

/* Reply codes of PROTO_REPLY, also the exit codes of `umltop ctl`. */
enum proto_code {
	PROTO_OK = 0,
	PROTO_ERR = 1,     /* the command failed (text says why) */
	PROTO_USAGE = 2,   /* bad command, unknown instance */
	PROTO_UNREACHABLE = 3, /* the instance did not answer (mconsole timeout) */
	PROTO_FULL = 4,    /* input not taken: the guest reads none (id 0) */
};

/* A frame found in a buffer: type and a payload pointing into it. */
struct proto_frame {
	uint16_t type;
	const uint8_t *payload;
	uint32_t len;
};

/* Look for one complete frame at the start of buf.  Returns the bytes it
 * takes (> 0) and fills f; 0 when more bytes are needed; -EBADMSG when the
 * header is malformed (over the cap, unknown type, reserved bits). */
long proto_frame_next(const uint8_t *buf, size_t n, struct proto_frame *f);

/* Writing a frame: begin, put fields, end (patches the length). */
struct buf;
size_t proto_begin(struct buf *b, uint16_t type);
void proto_end(struct buf *b, size_t start);
void proto_put_u8(struct buf *b, uint8_t v);
void proto_put_u16(struct buf *b, uint16_t v);
void proto_put_u32(struct buf *b, uint32_t v);
void proto_put_u64(struct buf *b, uint64_t v);
void proto_put_bytes(struct buf *b, const void *p, size_t n); /* u32 len + bytes */
void proto_put_str(struct buf *b, const char *s);             /* NULL = "" */
/* A whole HELLO frame: PROTO_VERSION and who says it ("tui", "server"). */
void proto_put_hello(struct buf *b, const char *who);

/* Reading fields; any underflow sets bad and returns zeros. */
struct proto_reader {
	const uint8_t *p;
	size_t n;
	bool bad;
};
void proto_reader_init(struct proto_reader *r, const struct proto_frame *f);
uint8_t proto_get_u8(struct proto_reader *r);
uint16_t proto_get_u16(struct proto_reader *r);
uint32_t proto_get_u32(struct proto_reader *r);
uint64_t proto_get_u64(struct proto_reader *r);
/* A byte string pointing into the frame (not NUL-terminated). */
const uint8_t *proto_get_bytes(struct proto_reader *r, size_t *len);
/* A string copied into out (NUL-terminated); bad when it holds a NUL or
 * does not fit in cap - 1 bytes. */
void proto_get_str(struct proto_reader *r, char *out, size_t cap);
/* Malloc'd copy, NUL-terminated; bad when it holds a NUL. */
char *proto_get_strdup(struct proto_reader *r);
/* True when every byte was read and none was missing. */
bool proto_reader_done(const struct proto_reader *r);

/* ---- the status table ---- */

/* The states, halt phases and endings, from the lists in lib/states.h:
 * PROTO_STOPPED .. PROTO_FAILED, PROTO_PHASE_NONE .. PROTO_PHASE_KILL,
 * PROTO_END_NONE .. PROTO_END_CRASHED.  Their values are the wire form of
 * struct proto_inst's state, phase and end. */
#define PROTO_STATE_(id, name) PROTO_##id,
enum proto_state {
	INSTANCE_STATES(PROTO_STATE_)
	PROTO_STATE_MAX = INSTANCE_NSTATES - 1,
};
#undef PROTO_STATE_
#define PROTO_PHASE_(id, name) PROTO_PHASE_##id,
enum proto_phase {
	HALT_PHASES(PROTO_PHASE_)
	PROTO_PHASE_MAX = HALT_NPHASES - 1,
};
#undef PROTO_PHASE_
#define PROTO_END_(id, name) PROTO_END_##id,
enum proto_end {
	RUN_ENDS(PROTO_END_)
	PROTO_END_MAX = RUN_NENDS - 1,
};
#undef PROTO_END_

enum proto_inst_flags {
	PROTO_F_ROOT = 1,       /* runs as root: warn */
	PROTO_F_STATS = 2,      /* guest figures are valid */
	PROTO_F_MCONSOLE = 4,   /* mconsole answered */
	PROTO_F_AUTOSTART = 8,
	PROTO_F_NOCONSOLE = 16, /* adopted from an earlier server: console lost */
};

struct proto_inst {
	char name[PROTO_MAX_NAME];
	uint8_t state, phase, end, flags;
	uint32_t phase_ms;          /* time in the current halt phase */
	uint32_t halt_timeout_s;
	uint32_t pid;               /* 0 when not running */
	uint32_t up_s;              /* since the process started */
	uint32_t guest_up_s;        /* guest's /proc/uptime */
	uint32_t load[3];           /* guest load averages x100 */
	uint32_t procs_running, procs_total;
	uint64_t mem_total_kb, mem_free_kb, mem_avail_kb;
	uint32_t cpu_x10;           /* host CPU % x10 over the process group */
	uint64_t rss_kb;            /* host RSS of the process group */
	int32_t exit_code;          /* last exit: code, or -1 */
	int32_t exit_signal;        /* last exit: signal, or 0 */
	uint16_t rows, cols;        /* console size */
	char user[32];              /* the user it runs as */
	char reason[256];           /* why failed/crashed/unresponsive, or a note */
	char net[256];              /* its interfaces, space-separated, each
				     * GUEST=TAP, GUEST=TAP@BRIDGE or
				     * GUEST=switch:SWITCH (no interface
				     * name holds a ':')
				     * ("eth0=tap1@br0 eth1=tap2
				     * eth2=switch:lab1"); "" none */
	char tags[128];             /* its tags (TAGS, ctl tag), space-separated,
				     * each [A-Za-z0-9_.-]; "" none */
};

struct proto_status {
	uint64_t time_ms; /* server wall clock, ms since the epoch */
	char host[64];
	char warning[256]; /* the server's own trouble (its log cannot be written); "" */
	uint32_t n;
	struct proto_inst *inst;
};

/* Whether tag is one of the words of tags (a proto_inst's): whole words,
 * "lab" is not in "lab1"; an empty tag, or one holding a blank, is in none. */
bool proto_has_tag(const char *tags, const char *tag);

void proto_put_status(struct buf *b, const struct proto_status *s);
/* Decode a STATUS payload; 0 or -EBADMSG.  s->inst is malloc'd. */
int proto_get_status(const struct proto_frame *f, struct proto_status *s);
void proto_status_free(struct proto_status *s);

/* ---- events (DESIGN.md, "Events, alerts, broadcast") ---- */
enum proto_event_kind {
	PROTO_EV_STATE = 1, /* text: the new state, ": reason" when there is one */
	PROTO_EV_PHASE = 2, /* text: the halt ladder's new step ("cad", "sync"...) */
	PROTO_EV_ALERT = 3, /* text: what happened ("crashed: ...", "match
			     * 'Oops': LINE", "killed: the halt timed out") */
	PROTO_EV_NOW = 4,   /* no instance: the history ends, live events follow */
	PROTO_EV_KIND_MAX = PROTO_EV_NOW,
};
struct proto_event {
	uint64_t time_ms; /* server wall clock */
	uint32_t seq;     /* 1, 2, ... in the server's life */
	char name[PROTO_MAX_NAME]; /* "" for PROTO_EV_NOW */
	uint8_t kind;
	char text[512];
};
void proto_put_event(struct buf *b, const struct proto_event *e);
int proto_get_event(const struct proto_frame *f, struct proto_event *e); /* 0, -EBADMSG */
const char *proto_event_kind_name(unsigned kind); /* "state", "phase", "alert", "now" */

const char *proto_state_name(unsigned state);   /* "running", ... */
const char *proto_phase_name(unsigned phase);   /* "cad", "sync", ... */
const char *proto_end_name(unsigned end);

#endif
