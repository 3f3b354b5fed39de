/* The control socket and its clients: accepting (own uid or root only),
 * reading frames, subscriptions to status and consoles, and writing with a
 * bounded queue per client.  A malformed frame closes that client only; a
 * client too slow for a console's output misses bytes and gets a fresh
 * snapshot once its queue drains, so no console ever waits for a client. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/srv-int.h"

#define QUEUE_MAX (4u << 20)  /* bytes queued to a client before it is behind */
#define QUEUE_LOW (1u << 20)  /* ... and below which it is resynced */
#define READ_CHUNK (64 * 1024)
/* What a client may hold of the server's memory before it is dropped: at
 * most CLIENTS_MAX connections, a frame of at most CLIENT_FRAME_MAX (a
 * client sends keys, commands and pastes, never megabytes), and a frame
 * begun must be whole within FRAME_DEADLINE_MS.  (200 connections each
 * holding half of a 4 MB frame took the server to 824 MB.) */
#define CLIENTS_MAX 128
#define CLIENT_FRAME_MAX (512u * 1024)
#define FRAME_DEADLINE_MS 10000
#define DEFAULT_SNAPSHOT_SCROLLBACK 0
/* PROTO_SUB_SCREENS: more than FLOOD_BYTES within FRAME_MS (1 MB/s; a
 * 200x50 screen of text is 10 KB, so more than a screen and a half a
 * frame, which nobody reads) is a flood; the subscriber then gets the
 * screen every FRAME_MS, until FLOOD_END_FRAMES frame periods in a row
 * bring less than FLOOD_END_BYTES each (a console running at about the
 * threshold must not flip back and forth: each end is a full snapshot,
 * scrollback and all).  A client emulating every byte of a 40 MB/s flood
 * spent as much CPU as the server's own emulator (bench/tui.sh ingest). */
#define FRAME_MS 16
#define FLOOD_BYTES (16 * 1024)
#define FLOOD_END_BYTES (4 * 1024)
#define FLOOD_END_FRAMES 6

struct sub {
	struct sub *next;
	struct inst *inst;
	unsigned flags;
	uint32_t scrollback;
	bool resync;        /* output was dropped: snapshot when drained */
	bool flood;         /* PROTO_SUB_SCREENS and flooded: screens, not bytes */
	bool changed;       /* flooded: output since the last screen sent */
	unsigned quiet;     /* flooded: frame periods in a row below FLOOD_END_BYTES */
	uint64_t frame_start; /* when frame_bytes started counting (not flooded) */
	size_t frame_bytes; /* output in this frame period */
	unsigned rows, cols; /* the size this client shows the console at */
};

struct client {
	struct client *next;
	struct srv *srv;
	uv_pipe_t pipe;
	struct buf in;
	bool hello, status_sub, events_sub, closing;
	uint64_t partial_since; /* loop time the unfinished frame in `in` began; 0: none */
	struct sub *subs;
	struct srv_pending *pending;
	char who[16];
	uid_t uid;
	pid_t pid;
};

struct wreq {
	uv_write_t req;
	struct client *c;
	char data[];
};

static void client_close(struct client *c, const char *why);

/* ---- writing ---- */

static size_t queued(struct client *c)
{
	return uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
}

static void send_snapshot(struct client *c, struct sub *s, uint32_t scrollback, bool flood_frame);

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct client *c = w->c;
	free(w);
	if (status < 0) {
		if (!c->closing)
			client_close(c, uv_strerror(status));
		return;
	}
	if (c->closing || queued(c) > QUEUE_LOW)
		return;
	for (struct sub *s = c->subs; s; s = s->next)
		if (s->resync)
			send_snapshot(c, s, s->scrollback, false);
}

static void client_send(struct client *c, const void *p, size_t n)
{
	if (c->closing)
		return;
	struct wreq *w = xmalloc(sizeof *w + n);
	w->c = c;
	memcpy(w->data, p, n);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
	int rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_cb);
	if (rc < 0) {
		free(w);
		client_close(c, uv_strerror(rc));
	}
}

static void send_buf(struct client *c, struct buf *b)
{
	client_send(c, b->data, b->len);
	buf_free(b);
}

void srv_reply(struct client *c, uint32_t id, int code, const char *text)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_REPLY);
	proto_put_u32(&b, id);
	proto_put_u32(&b, (uint32_t)code);
	proto_put_str(&b, text);
	proto_end(&b, start);
	send_buf(c, &b);
}

static void send_status(struct client *c)
{
	struct proto_status st;
	struct buf b = { 0 };
	srv_build_status(c->srv, &st);
	proto_put_status(&b, &st);
	proto_status_free(&st);
	send_buf(c, &b);
}

/* A screen under a flood (flood_frame) is the picture as far as the
 * emulator has got; every other snapshot holds every byte read so far,
 * since OUTPUT resumes after it. */
static void send_snapshot(struct client *c, struct sub *s, uint32_t scrollback, bool flood_frame)
{
	struct term *t = flood_frame ? inst_term_peek(s->inst) : inst_term_lock(s->inst);
	unsigned rows, cols;
	term_size(t, &rows, &cols);
	struct buf snap = { 0 }, b = { 0 };
	term_snapshot(t, scrollback, &snap);
	inst_term_unlock(s->inst);
	size_t start = proto_begin(&b, PROTO_SNAPSHOT);
	proto_put_str(&b, inst_name(s->inst));
	proto_put_u16(&b, (uint16_t)rows);
	proto_put_u16(&b, (uint16_t)cols);
	proto_put_bytes(&b, snap.data, snap.len);
	proto_end(&b, start);
	buf_free(&snap);
	s->resync = false;
	send_buf(c, &b);
}

static void frame_cb(uv_timer_t *h)
{
	struct srv *srv = h->data;
	bool flooded = false;
	for (struct client *c = srv->clients; c; c = c->next) {
		for (struct sub *s = c->subs; s; s = s->next) {
			if (!s->flood || c->closing)
				continue;
			/* A console held back while its emulator catches up is
			 * still flooding, and its screen still moving. */
			bool held = inst_console_held(s->inst);
			if (held)
				s->changed = true;
			s->quiet = s->frame_bytes < FLOOD_END_BYTES && !held ? s->quiet + 1 : 0;
			s->frame_bytes = 0;
			if (s->quiet >= FLOOD_END_FRAMES) {
				/* Over: the whole picture again, scrollback and
				 * all, then bytes as they come. */
				s->flood = false;
				send_snapshot(c, s, s->scrollback, false);
				continue;
			}
			flooded = true;
			if (!s->changed || queued(c) > QUEUE_LOW)
				continue; /* nothing new, or behind: no screen now */
			s->changed = false;
			send_snapshot(c, s, 0, true);
		}
	}
	if (!flooded)
		uv_timer_stop(h);
}

/* Whether s takes these bytes as part of a flood (they reach it in the
 * next screen) rather than as OUTPUT. */
static bool in_flood(struct srv *srv, struct sub *s, size_t len)
{
	if (!(s->flags & PROTO_SUB_SCREENS) || (s->flags & PROTO_SUB_RAW))
		return false;
	if (!s->flood && uv_now(srv->loop) - s->frame_start >= FRAME_MS) {
		s->frame_start = uv_now(srv->loop);
		s->frame_bytes = 0;
	}
	s->frame_bytes += len;
	if (s->flood) {
		s->changed = true;
	} else if (s->frame_bytes > FLOOD_BYTES) {
		s->flood = s->changed = true;
		s->quiet = 0;
		if (!uv_is_active((uv_handle_t *)&srv->frame_timer))
			uv_timer_start(&srv->frame_timer, frame_cb, FRAME_MS, FRAME_MS);
	}
	return s->flood;
}

void srv_clients_output(struct srv *srv, struct inst *in, const char *bytes, size_t len)
{
	struct buf b = { 0 };
	for (struct client *c = srv->clients; c; c = c->next) {
		for (struct sub *s = c->subs; s; s = s->next) {
			if (s->inst != in || s->resync || c->closing || in_flood(srv, s, len))
				continue;
			if (queued(c) + len > QUEUE_MAX) {
				/* Behind: drop, and resync with a snapshot later. */
				s->resync = !(s->flags & PROTO_SUB_RAW);
				continue;
			}
			if (!b.len) {
				size_t start = proto_begin(&b, PROTO_OUTPUT);
				proto_put_str(&b, inst_name(in));
				proto_put_bytes(&b, bytes, len);
				proto_end(&b, start);
			}
			client_send(c, b.data, b.len);
		}
	}
	buf_free(&b);
}

/* An event to each client that asked for them.  One that does not read
 * (its queue full) misses it: the history it can ask for again holds it. */
static void send_event(void *arg, const struct proto_event *e)
{
	struct client *c = arg;
	struct buf b = { 0 };
	proto_put_event(&b, e);
	send_buf(c, &b);
}

void srv_clients_event(struct srv *srv, const struct proto_event *e)
{
	for (struct client *c = srv->clients; c; c = c->next)
		if (c->events_sub && !c->closing && queued(c) < QUEUE_MAX)
			send_event(c, e);
}

void srv_clients_status(struct srv *srv)
{
	for (struct client *c = srv->clients; c; c = c->next)
		if (c->status_sub && !c->closing && queued(c) < QUEUE_MAX)
			send_status(c);
}

/* ---- subscriptions ---- */

static struct sub *find_sub(struct client *c, struct inst *in)
{
	for (struct sub *s = c->subs; s; s = s->next)
		if (s->inst == in)
			return s;
	return NULL;
}

static void remove_sub(struct client *c, struct inst *in)
{
	for (struct sub **p = &c->subs; *p; p = &(*p)->next) {
		if ((*p)->inst == in) {
			struct sub *s = *p;
			*p = s->next;
			free(s);
			return;
		}
	}
}

void srv_clients_drop_inst(struct srv *srv, struct inst *in)
{
	for (struct client *c = srv->clients; c; c = c->next)
		remove_sub(c, in);
}

/* ---- frames from a client ---- */

static int on_hello(struct client *c, struct proto_reader *r)
{
	uint32_t version = proto_get_u32(r);
	proto_get_str(r, c->who, sizeof c->who);
	if (!proto_reader_done(r))
		return -EBADMSG;
	if (version != PROTO_VERSION) {
		char msg[128];
		snprintf(msg, sizeof msg, "protocol version %u, server speaks %u", version,
			 PROTO_VERSION);
		srv_reply(c, 0, PROTO_USAGE, msg);
		return -EPROTO;
	}
	c->hello = true;
	struct buf b = { 0 };
	proto_put_hello(&b, "server");
	send_buf(c, &b);
	return 0;
}

static int on_status_sub(struct client *c, struct proto_reader *r)
{
	uint8_t on = proto_get_u8(r);
	if (!proto_reader_done(r))
		return -EBADMSG;
	c->status_sub = on != 0;
	if (on)
		send_status(c);
	return 0;
}

static int on_events_sub(struct client *c, struct proto_reader *r)
{
	uint8_t on = proto_get_u8(r);
	uint32_t history = proto_get_u32(r);
	if (!proto_reader_done(r))
		return -EBADMSG;
	c->events_sub = on != 0;
	if (on) {
		srv_events_history(c->srv, history, send_event, c);
		struct proto_event now = { .kind = PROTO_EV_NOW };
		send_event(c, &now);
	}
	return 0;
}

static int on_console_sub(struct client *c, struct proto_reader *r)
{
	char name[PROTO_MAX_NAME];
	proto_get_str(r, name, sizeof name);
	uint32_t scrollback = proto_get_u32(r);
	uint8_t flags = proto_get_u8(r);
	if (!proto_reader_done(r))
		return -EBADMSG;
	struct inst *in = srv_need_inst(c->srv, c, 0, name);
	if (!in)
		return 0;
	struct sub *s = find_sub(c, in);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->inst = in;
		s->next = c->subs;
		c->subs = s;
	}
	s->flags = flags;
	s->scrollback = scrollback;
	s->flood = false;
	s->frame_bytes = 0;
	if (!(flags & PROTO_SUB_RAW))
		send_snapshot(c, s, s->scrollback, false);
	return 0;
}

static int on_console_unsub(struct client *c, struct proto_reader *r)
{
	char name[PROTO_MAX_NAME];
	proto_get_str(r, name, sizeof name);
	if (!proto_reader_done(r))
		return -EBADMSG;
	struct inst *in = srv_find(c->srv, name);
	if (in)
		remove_sub(c, in);
	return 0;
}

/* The console takes the size of the pane the last active client shows it
 * in: a resize, or typing into it from a client whose size differs. */
static void apply_size(struct sub *s)
{
	if (s->rows && s->cols)
		inst_resize(s->inst, s->rows, s->cols);
}

static int on_input(struct client *c, struct proto_reader *r)
{
	char name[PROTO_MAX_NAME];
	size_t len;
	proto_get_str(r, name, sizeof name);
	const uint8_t *bytes = proto_get_bytes(r, &len);
	if (!proto_reader_done(r))
		return -EBADMSG;
	struct inst *in = srv_need_inst(c->srv, c, 0, name);
	if (!in)
		return 0;
	struct sub *s = find_sub(c, in);
	if (s && (s->flags & PROTO_SUB_READONLY))
		return 0;
	if (s)
		apply_size(s);
	if (inst_input(in, (const char *)bytes, len) == -ENOBUFS) {
		char *msg = xasprintf("%s is not reading its console: its input waiting is full, "
				      "%zu bytes not typed", name, len);
		srv_reply(c, 0, PROTO_FULL, msg);
		free(msg);
	}
	return 0;
}

static int on_resize(struct client *c, struct proto_reader *r)
{
	char name[PROTO_MAX_NAME];
	proto_get_str(r, name, sizeof name);
	uint16_t rows = proto_get_u16(r), cols = proto_get_u16(r);
	if (!proto_reader_done(r))
		return -EBADMSG;
	struct inst *in = srv_need_inst(c->srv, c, 0, name);
	if (!in)
		return 0;
	struct sub *s = find_sub(c, in);
	if (s) {
		if (s->flags & PROTO_SUB_READONLY)
			return 0;
		s->rows = rows;
		s->cols = cols;
	}
	inst_resize(in, rows, cols);
	return 0;
}

#define MAX_ARGS 64

static int on_command(struct client *c, struct proto_reader *r)
{
	uint32_t id = proto_get_u32(r);
	uint32_t argc = proto_get_u32(r);
	if (r->bad || argc == 0 || argc > MAX_ARGS)
		return -EBADMSG;
	char *argv[MAX_ARGS + 1] = { 0 };
	for (uint32_t i = 0; i < argc; i++)
		argv[i] = proto_get_strdup(r);
	int rc = proto_reader_done(r) ? 0 : -EBADMSG;
	if (rc == 0)
		srv_command(c->srv, c, id, (int)argc, argv);
	for (uint32_t i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static int dispatch(struct client *c, const struct proto_frame *f)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	if (!c->hello && f->type != PROTO_HELLO)
		return -EPROTO;
	switch (f->type) {
	case PROTO_HELLO: return on_hello(c, &r);
	case PROTO_STATUS_SUB: return on_status_sub(c, &r);
	case PROTO_EVENTS_SUB: return on_events_sub(c, &r);
	case PROTO_CONSOLE_SUB: return on_console_sub(c, &r);
	case PROTO_CONSOLE_UNSUB: return on_console_unsub(c, &r);
	case PROTO_INPUT: return on_input(c, &r);
	case PROTO_RESIZE: return on_resize(c, &r);
	case PROTO_COMMAND: return on_command(c, &r);
	default: return -EBADMSG; /* a server-to-client type */
	}
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct client *c = h->data;
	buf_reserve(&c->in, READ_CHUNK);
	*b = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len - 1));
}

/* The payload length a frame's header announces (little-endian, first);
 * 0 while fewer than 4 bytes of it came. */
static uint32_t announced_len(const char *p, size_t n)
{
	const uint8_t *u = (const uint8_t *)p;
	return n < 4 ? 0 : (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
				   (uint32_t)u[3] << 24;
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct client *c = st->data;
	if (n < 0) {
		client_close(c, n == UV_EOF ? NULL : uv_strerror((int)n));
		return;
	}
	c->in.len += (size_t)n;
	size_t off = 0;
	while (!c->closing) {
		struct proto_frame f;
		long used = proto_frame_next((const uint8_t *)c->in.data + off,
					     c->in.len - off, &f);
		if (used == 0 && announced_len(c->in.data + off, c->in.len - off) > CLIENT_FRAME_MAX) {
			client_close(c, "a frame over 512 KB");
			return;
		}
		if (used == 0)
			break;
		int rc = used < 0 ? (int)used : dispatch(c, &f);
		if (rc < 0) {
			client_close(c, rc == -EPROTO ? "protocol error" : "malformed frame");
			return;
		}
		off += (size_t)used;
	}
	if (c->closing)
		return;
	buf_consume(&c->in, off);
	if (!c->in.len)
		c->partial_since = 0;
	else if (off || !c->partial_since)
		c->partial_since = uv_now(c->srv->loop); /* a new frame began */
}

/* Called every poll: a client that began a frame and did not finish it in
 * FRAME_DEADLINE_MS is dropped, so half-sent frames cannot pile up. */
void srv_clients_reap(struct srv *srv)
{
	uint64_t now = uv_now(srv->loop);
	for (struct client *c = srv->clients, *next; c; c = next) {
		next = c->next;
		if (c->partial_since && now - c->partial_since > FRAME_DEADLINE_MS)
			client_close(c, "half a frame, and no more for 10 s");
	}
}

/* ---- connections ---- */

static void client_free(uv_handle_t *h)
{
	struct client *c = h->data;
	/* Freed here, not in client_close(): a failed write can close the
	 * client while a loop over its subscriptions is under way. */
	while (c->subs) {
		struct sub *s = c->subs;
		c->subs = s->next;
		free(s);
	}
	buf_free(&c->in);
	free(c);
}

static void client_close(struct client *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	struct srv *srv = c->srv;
	srv_log(srv, "client %d (%s) gone%s%s", (int)c->pid, c->who[0] ? c->who : "?",
		why ? ": " : "", why ? why : "");
	for (struct client **p = &srv->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	for (struct srv_pending *p = c->pending; p; p = p->next)
		p->client = NULL;
	c->pending = NULL;
	uv_close((uv_handle_t *)&c->pipe, client_free);
}

void srv_clients_close(struct srv *srv)
{
	while (srv->clients)
		client_close(srv->clients, "server exits");
}

static bool peer_allowed(struct client *c)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 || proto_peer_cred(fd, &c->uid, &c->pid) < 0)
		return false;
	return proto_peer_trusted(c->uid, geteuid());
}

/* A refused peer is told why before it is dropped, in the REPLY (id 0)
 * that a client reads before the server's HELLO: otherwise all it sees is
 * the connection reset.  The frame is small and the socket fresh, so one
 * try writes it. */
static void refuse(struct client *c, const char *text)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_REPLY);
	proto_put_u32(&b, 0);
	proto_put_u32(&b, PROTO_ERR);
	proto_put_str(&b, text);
	proto_end(&b, start);
	uv_buf_t ub = uv_buf_init(b.data, (unsigned)b.len);
	uv_try_write((uv_stream_t *)&c->pipe, &ub, 1);
	buf_free(&b);
	uv_close((uv_handle_t *)&c->pipe, client_free);
}

static void accept_cb(uv_stream_t *server, int status)
{
	struct srv *srv = server->data;
	if (status < 0)
		return;
	struct client *c = xcalloc(1, sizeof *c);
	c->srv = srv;
	uv_pipe_init(srv->loop, &c->pipe, 0);
	c->pipe.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
		uv_close((uv_handle_t *)&c->pipe, client_free);
		return;
	}
	if (!peer_allowed(c)) {
		srv_log(srv, "refused a client of uid %u (pid %d)", (unsigned)c->uid, (int)c->pid);
		char text[256];
		snprintf(text, sizeof text, "it runs as %s (uid %u) and accepts only that user "
			 "and root", srv->user, (unsigned)geteuid());
		refuse(c, text);
		return;
	}
	size_t n = 0;
	for (struct client *o = srv->clients; o; o = o->next)
		n++;
	if (n >= CLIENTS_MAX) {
		srv_log(srv, "refused a client (pid %d): %zu connections already", (int)c->pid, n);
		char text[128];
		snprintf(text, sizeof text, "it has %d connections already: close some and try "
			 "again", CLIENTS_MAX);
		refuse(c, text);
		return;
	}
	c->next = srv->clients;
	srv->clients = c;
	uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
}

/* The socket's directory: ours, and not writable or readable by others
 * (proto_check_dir, the rule the clients apply too). */
static int check_dir(const char *sock, char *err, size_t errlen)
{
	const char *slash = strrchr(sock, '/');
	if (!slash || slash == sock)
		return 0; /* the current directory or /: nothing to make */
	char *dir = proto_socket_dir(sock);
	int rc = util_mkdir_p(dir, 0700);
	if (rc < 0)
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-rc));
	else
		rc = proto_check_dir(dir, geteuid(), PROTO_DIR_SERVER, err, errlen);
	free(dir);
	return rc;
}

/* A socket file left by a server that died is replaced; a live one is not. */
static int check_stale(const char *sock, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) + sizeof ".new" > sizeof sa.sun_path) { /* see srv_listen */
		snprintf(err, errlen, "socket path too long: %s", sock);
		return -ENAMETOOLONG;
	}
	if (access(sock, F_OK) < 0)
		return 0;
	strcpy(sa.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "a server is already running on %s", sock);
		return -EADDRINUSE;
	}
	unlink(sock);
	return 0;
}

int srv_listen(struct srv *srv, char *err, size_t errlen)
{
	int rc = check_dir(srv->socket, err, errlen);
	if (rc == 0)
		rc = check_stale(srv->socket, err, errlen);
	if (rc < 0)
		return rc;
	/* Bind under a temporary name and rename once listening: the socket
	 * file appears only when connecting to it works. */
	char *tmp = xasprintf("%s.new", srv->socket);
	uv_pipe_init(srv->loop, &srv->listener, 0);
	srv->listener.data = srv;
	unlink(tmp);
	mode_t old = umask(0177);
	rc = uv_pipe_bind(&srv->listener, tmp);
	umask(old);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, 64, accept_cb);
	if (rc == 0 && rename(tmp, srv->socket) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->socket, uv_strerror(rc));
		uv_close((uv_handle_t *)&srv->listener, NULL);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int srv_listen_fd(struct srv *srv, int fd, char *err, size_t errlen)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	uv_pipe_init(srv->loop, &srv->listener, 0);
	srv->listener.data = srv;
	int rc = uv_pipe_open(&srv->listener, fd);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, 64, accept_cb);
	if (rc < 0) {
		snprintf(err, errlen, "cannot listen on the socket handed over: %s", uv_strerror(rc));
		uv_close((uv_handle_t *)&srv->listener, NULL);
	}
	return rc;
}

/* ---- replies that come later ---- */

struct srv_pending *srv_pending_new(struct client *c, uint32_t id, const char *what)
{
	struct srv_pending *p = xcalloc(1, sizeof *p);
	p->client = c;
	p->id = id;
	p->what = xstrdup(what);
	p->next = c->pending;
	c->pending = p;
	return p;
}

void srv_pending_done(struct srv_pending *p, int code, const char *text)
{
	struct client *c = p->client;
	if (c) {
		for (struct srv_pending **q = &c->pending; *q; q = &(*q)->next) {
			if (*q == p) {
				*q = p->next;
				break;
			}
		}
		srv_reply(c, p->id, code, text);
	}
	free(p->what);
	free(p);
}
