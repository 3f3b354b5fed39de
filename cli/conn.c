/* A client's connection: connect to the socket, start the server if none
 * answers (it daemonises and returns once it listens), then frames over a
 * uv_pipe_t. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/conn.h"
#include "lib/util.h"

struct conn {
	uv_pipe_t pipe;
	const struct conn_cb *cb;
	void *arg;
	struct buf in;
	char *socket;
	uint32_t next_id;
	bool closing, hello;
};

struct wreq {
	uv_write_t req;
	char data[];
};

static int connect_fd(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Run `umltop server -S SOCKET [-c ...]` and wait for it to daemonise; its
 * stderr is ours, so config errors reach the user. */
static int start_server(const struct conn_opts *o, const char *sock, char *err, size_t errlen)
{
	const char **argv = xcalloc(5 + 2 * o->nconf, sizeof *argv);
	size_t n = 0;
	argv[n++] = "umltop";
	argv[n++] = "server";
	argv[n++] = "-S";
	argv[n++] = sock;
	for (size_t i = 0; i < o->nconf; i++) {
		argv[n++] = "-c";
		argv[n++] = o->conf[i];
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", (char *const *)argv);
		fprintf(stderr, "umltop: cannot run the server: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "could not start the server on %s (see above)", sock);
		return -ECHILD;
	}
	return 0;
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b);

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	buf_reserve(&c->in, 64 * 1024);
	*b = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len - 1));
}

static void hello(struct conn *c, const char *who)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_HELLO);
	proto_put_u32(&b, PROTO_VERSION);
	proto_put_str(&b, who);
	proto_end(&b, start);
	conn_send(c, b.data, b.len);
	buf_free(&b);
}

/* The server must run as us or as root: SO_PEERCRED, checked before a
 * byte goes to it.  Whoever else listens there (a user who got to the
 * socket's place first) would be shown what we type. */
static int check_peer(int fd, const char *sock, char *err, size_t errlen)
{
	uid_t uid;
	pid_t pid;
	int rc = proto_peer_cred(fd, &uid, &pid);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot tell who the server is: %s", sock, strerror(-rc));
		return rc;
	}
	if (proto_peer_trusted(uid, geteuid()))
		return 0;
	struct passwd *pw = getpwuid(uid);
	snprintf(err, errlen, "not talking to the server on %s: it runs as %s%suid %u, pid %d%s, "
		 "not as you (uid %u) or root, so it may be someone else's listener; "
		 "use a socket in a directory of your own (-S PATH or UMLTOP_SOCKET)",
		 sock, pw ? pw->pw_name : "", pw ? " (" : "", (unsigned)uid, (int)pid,
		 pw ? ")" : "", (unsigned)geteuid());
	return -EPERM;
}

/* Connect to sock, starting a server there if none answers and o says so.
 * The socket's directory is judged first (and again once a server we
 * started made it), then the server behind it.  An fd, or -errno with
 * err set. */
static int connect_trusted(const struct conn_opts *o, const char *sock, char *err,
			   size_t errlen)
{
	char *dir = proto_socket_dir(sock);
	int rc = proto_check_dir(dir, geteuid(), PROTO_DIR_CLIENT, err, errlen);
	bool told = rc < 0 && rc != -ENOENT; /* no directory: no server yet */
	if (!told)
		rc = connect_fd(sock);
	if (!told && (rc == -ENOENT || rc == -ECONNREFUSED) && o->autostart) {
		rc = start_server(o, sock, err, errlen);
		if (rc == 0)
			rc = proto_check_dir(dir, geteuid(), PROTO_DIR_CLIENT, err, errlen);
		told = rc < 0;
		if (!told)
			rc = connect_fd(sock);
	}
	free(dir);
	if (rc < 0 && !told)
		snprintf(err, errlen, "no server on %s: %s%s", sock, strerror(-rc),
			 o->autostart ? "" : " (start one with `umltop server`)");
	if (rc < 0)
		return rc;
	int fd = rc;
	rc = check_peer(fd, sock, err, errlen);
	if (rc < 0)
		close(fd);
	return rc < 0 ? rc : fd;
}

int conn_open(uv_loop_t *loop, const struct conn_opts *o, const struct conn_cb *cb,
	      void *arg, struct conn **out, char *err, size_t errlen)
{
	char *sock = o->socket ? xstrdup(o->socket) : proto_default_socket();
	int fd = connect_trusted(o, sock, err, errlen);
	if (fd < 0) {
		free(sock);
		return fd;
	}
	struct conn *c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->socket = sock;
	c->next_id = 1;
	uv_pipe_init(loop, &c->pipe, 0);
	c->pipe.data = c;
	int rc = uv_pipe_open(&c->pipe, fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", sock, uv_strerror(rc));
		close(fd);
		conn_close(c);
		return rc;
	}
	uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
	hello(c, o->who);
	*out = c;
	return 0;
}

static void conn_free(uv_handle_t *h)
{
	struct conn *c = h->data;
	buf_free(&c->in);
	free(c->socket);
	free(c);
}

void conn_close(struct conn *c)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->pipe, conn_free);
}

static void lost(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	if (c->cb->closed)
		c->cb->closed(c->arg, why);
	conn_close(c);
}

static int on_hello(struct conn *c, const struct proto_frame *f)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	uint32_t version = proto_get_u32(&r);
	if (r.bad || version != PROTO_VERSION)
		return -EPROTO;
	c->hello = true;
	return 0;
}

/* Before its HELLO a server speaks only to turn a client away (a user
 * other than its own and root, another protocol version), in a REPLY that
 * says why; then it hangs up. */
static void turned_away(struct conn *c, const struct proto_frame *f)
{
	uint32_t id;
	int code;
	char *text;
	if (conn_parse_reply(f, &id, &code, &text) < 0) {
		lost(c, "malformed frame from the server");
		return;
	}
	char *clean = xmalloc(strlen(text) + 1);
	util_clean_text(text, clean);
	char *why = xasprintf("the server on %s refused us (uid %u): %s", c->socket,
			      (unsigned)geteuid(), clean);
	lost(c, why);
	free(why);
	free(clean);
	free(text);
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = st->data;
	if (n < 0 && !c->hello) {
		/* what a server that refused us without a word looks like */
		char *why = xasprintf("the server on %s hung up without a word (it accepts only "
				      "its own user and root; this is uid %u)", c->socket,
				      (unsigned)geteuid());
		lost(c, why);
		free(why);
		return;
	}
	if (n < 0) {
		lost(c, n == UV_EOF ? "the server closed the connection" : uv_strerror((int)n));
		return;
	}
	c->in.len += (size_t)n;
	size_t off = 0;
	while (!c->closing) {
		struct proto_frame f;
		long used = proto_frame_next((const uint8_t *)c->in.data + off, c->in.len - off, &f);
		if (used == 0)
			break;
		if (used < 0) {
			lost(c, "malformed frame from the server");
			return;
		}
		off += (size_t)used;
		if (f.type == PROTO_REPLY && !c->hello) {
			turned_away(c, &f);
			return;
		}
		if (f.type == PROTO_HELLO) {
			if (on_hello(c, &f) < 0) {
				lost(c, "the server speaks another protocol version");
				return;
			}
			continue;
		}
		c->cb->frame(c->arg, &f);
	}
	if (!c->closing)
		buf_consume(&c->in, off);
}

static void write_cb(uv_write_t *req, int status)
{
	free(req);
}

/* c NULL (a client between two connections to its server): dropped. */
void conn_send(struct conn *c, const void *frame, size_t len)
{
	if (!c || c->closing)
		return;
	struct wreq *w = xmalloc(sizeof *w + len);
	memcpy(w->data, frame, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, write_cb) < 0) {
		free(w);
		lost(c, "cannot write to the server");
	}
}

bool conn_established(const struct conn *c)
{
	return c && c->hello;
}

size_t conn_queued(const struct conn *c)
{
	if (!c)
		return 0;
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->pipe);
}

const char *conn_socket(const struct conn *c)
{
	return c->socket;
}

static void send_built(struct conn *c, struct buf *b, size_t start)
{
	proto_end(b, start);
	conn_send(c, b->data, b->len);
	buf_free(b);
}

void conn_status_sub(struct conn *c, bool on)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_STATUS_SUB);
	proto_put_u8(&b, on);
	send_built(c, &b, start);
}

void conn_events_sub(struct conn *c, bool on, uint32_t history)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_EVENTS_SUB);
	proto_put_u8(&b, on);
	proto_put_u32(&b, history);
	send_built(c, &b, start);
}

void conn_console_sub(struct conn *c, const char *name, uint32_t scrollback, unsigned flags)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_CONSOLE_SUB);
	proto_put_str(&b, name);
	proto_put_u32(&b, scrollback);
	proto_put_u8(&b, (uint8_t)flags);
	send_built(c, &b, start);
}

void conn_console_unsub(struct conn *c, const char *name)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_CONSOLE_UNSUB);
	proto_put_str(&b, name);
	send_built(c, &b, start);
}

void conn_input(struct conn *c, const char *name, const char *bytes, size_t len)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_INPUT);
	proto_put_str(&b, name);
	proto_put_bytes(&b, bytes, len);
	send_built(c, &b, start);
}

void conn_resize(struct conn *c, const char *name, unsigned rows, unsigned cols)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_RESIZE);
	proto_put_str(&b, name);
	proto_put_u16(&b, (uint16_t)rows);
	proto_put_u16(&b, (uint16_t)cols);
	send_built(c, &b, start);
}

uint32_t conn_command(struct conn *c, int argc, const char *const *argv)
{
	if (!c)
		return 0;
	struct buf b = { 0 };
	uint32_t id = c->next_id++;
	size_t start = proto_begin(&b, PROTO_COMMAND);
	proto_put_u32(&b, id);
	proto_put_u32(&b, (uint32_t)argc);
	for (int i = 0; i < argc; i++)
		proto_put_str(&b, argv[i]);
	send_built(c, &b, start);
	return id;
}

int conn_parse_reply(const struct proto_frame *f, uint32_t *id, int *code, char **text)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	*id = proto_get_u32(&r);
	*code = (int)proto_get_u32(&r);
	*text = proto_get_strdup(&r);
	if (!proto_reader_done(&r)) {
		free(*text);
		*text = NULL;
		return -EBADMSG;
	}
	return 0;
}
