/* A client's connection: connect to the socket, start the server if none
 * answers (it daemonises and returns once it listens), then frames over a
 * uv_pipe_t.  To another host the pipe is one end of a socketpair whose
 * other end is the stdin and stdout of `ssh DEST umltop proxy`:
 *
 *   conn.pipe ⇄ socketpair ⇄ ssh ⇄ sshd ⇄ umltop proxy ⇄ that host's server
 *   conn.err  ⇐ ssh's stderr (why it failed: "Permission denied", ...)
 *
 * so framing and HELLO are the same either way.  ssh is spawned, not
 * waited for: a slow or dead host shows only as a HELLO that does not
 * come, then as the closed callback with ssh's last words. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/conn.h"
#include "lib/util.h"

#define SSH_ERR_KEEP 4096 /* of ssh's stderr, the newest bytes */
#define SSH_LINGER_MS 2000 /* for ssh to exit and say why, once the link broke */

struct conn {
	uv_pipe_t pipe;
	const struct conn_cb *cb;
	void *arg;
	struct buf in;
	char *socket; /* where, for messages: the socket, or the host's name */
	uint32_t next_id;
	bool closing, hello;
	/* over ssh (ssh true): the child, its stderr, and the end of a link
	 * that broke: reported once ssh has exited and said why */
	bool ssh;
	uv_process_t proc;
	uv_pipe_t err;
	uv_timer_t linger;
	struct buf errtext;
	bool exited, err_done, ending;
	int64_t exit_status;
	int term_signal;
	char *why;     /* the link's own account of the end, till ssh's comes */
	int open_handles; /* freed when the last closes */
};

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b);
static void close_handle(uv_handle_t *h);
static void hung_up(struct conn *c, const char *why);
static void tell_closed(struct conn *c, const char *why);
static void linger_cb(uv_timer_t *t);
static void ssh_report(struct conn *c, bool now);

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

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	buf_reserve(&c->in, 64 * 1024);
	*b = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len - 1));
}

static void hello(struct conn *c, const char *who)
{
	struct buf b = { 0 };
	proto_put_hello(&b, who);
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

/* ---- open ---- */

int conn_connect_local(const struct conn_opts *o, char *err, size_t errlen)
{
	char *sock = o->socket ? xstrdup(o->socket) : proto_default_socket();
	int fd = connect_trusted(o, sock, err, errlen);
	free(sock);
	return fd;
}

static struct conn *conn_new(uv_loop_t *loop, const struct conn_cb *cb, void *arg, char *where)
{
	struct conn *c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->socket = where;
	c->next_id = 1;
	uv_pipe_init(loop, &c->pipe, 0);
	c->pipe.data = c;
	c->open_handles = 1;
	return c;
}

/* Start reading and say HELLO on a pipe holding fd. */
static int conn_start(struct conn *c, int fd, const char *who, char *err, size_t errlen)
{
	int rc = uv_pipe_open(&c->pipe, fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", c->socket, uv_strerror(rc));
		close(fd);
		return rc;
	}
	uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
	hello(c, who);
	return 0;
}

static int open_local(uv_loop_t *loop, const struct conn_opts *o, const struct conn_cb *cb,
		      void *arg, struct conn **out, char *err, size_t errlen)
{
	struct conn_opts lo = *o;
	if (o->host && o->host->socket)
		lo.socket = o->host->socket;
	char *sock = lo.socket ? xstrdup(lo.socket) : proto_default_socket();
	int fd = connect_trusted(&lo, sock, err, errlen);
	if (fd < 0) {
		free(sock);
		return fd;
	}
	struct conn *c = conn_new(loop, cb, arg, sock);
	int rc = conn_start(c, fd, o->who, err, errlen);
	if (rc < 0) {
		conn_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- over ssh ---- */

/* A word of the remote command line as the remote shell reads it: as it
 * is when plain (a leading ~ still expands), else single-quoted.  ('='
 * is not plain: a first word NAME=VALUE would be an assignment there.) */
static char *sh_word(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-./~:,+@%") == strlen(s))
		return xstrdup(s);
	struct buf b = { 0 };
	buf_append(&b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			buf_append(&b, "'\\''", 4);
		else
			buf_append(&b, s, 1);
	}
	buf_append(&b, "'", 2); /* with the NUL */
	return b.data;
}

/* ssh -T -oBatchMode=yes [host's options] [defaults] -- DEST UMLTOP proxy
 * [-S SOCK].  BatchMode: a host that wants a password is unreachable,
 * never a prompt inside the TUI.  ssh keeps the first value it is given
 * for an option, so the host's options come before the defaults
 * (keepalives that find a dead link in ~15 s), which they may override.
 * ControlMaster and the rest of the user's ssh config apply. */
static char **ssh_argv(const struct host *h, char **owned, size_t *nowned)
{
	const char *prog = getenv("UMLTOP_SSH");
	static const char *const first[] = { "-T", "-oBatchMode=yes" };
	static const char *const defaults[] = { "-oConnectTimeout=10", "-oServerAliveInterval=5",
						"-oServerAliveCountMax=3" };
	char **argv = xcalloc(ARRAY_LEN(first) + ARRAY_LEN(defaults) + h->nssh_opt + 9,
			      sizeof *argv);
	size_t n = 0;
	argv[n++] = (char *)(prog && *prog ? prog : "ssh");
	for (size_t i = 0; i < ARRAY_LEN(first); i++)
		argv[n++] = (char *)first[i];
	for (size_t i = 0; i < h->nssh_opt; i++)
		argv[n++] = h->ssh_opt[i];
	for (size_t i = 0; i < ARRAY_LEN(defaults); i++)
		argv[n++] = (char *)defaults[i];
	argv[n++] = "--";
	argv[n++] = h->dest;
	*nowned = 0;
	argv[n++] = owned[(*nowned)++] = sh_word(h->umltop ? h->umltop : "umltop");
	argv[n++] = "proxy";
	if (h->socket) {
		argv[n++] = "-S";
		argv[n++] = owned[(*nowned)++] = sh_word(h->socket);
	}
	argv[n] = NULL;
	return argv;
}

static void ssh_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
	struct conn *c = p->data;
	c->exited = true;
	c->exit_status = status;
	c->term_signal = term_signal;
	if (c->closing) {
		close_handle((uv_handle_t *)&c->proc);
		close_handle((uv_handle_t *)&c->linger);
		return;
	}
	hung_up(c, c->hello ? "the connection dropped" : "ssh ended before the server answered");
	ssh_report(c, false);
}

static void err_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	buf_reserve(&c->errtext, 1024);
	*b = uv_buf_init(c->errtext.data + c->errtext.len,
			 (unsigned)(c->errtext.cap - c->errtext.len - 1));
}

static void err_read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = st->data;
	if (n > 0) {
		c->errtext.len += (size_t)n;
		if (c->errtext.len > SSH_ERR_KEEP)
			buf_consume(&c->errtext, c->errtext.len - SSH_ERR_KEEP);
		return;
	}
	if (n < 0) {
		uv_read_stop(st);
		c->err_done = true;
		ssh_report(c, false);
	}
}

/* The non-empty line of text that ends before *end, cleaned, with *end
 * moved to its start; NULL when there is none. */
static char *line_before(const char *text, const char **end)
{
	const char *e = *end;
	while (e > text) {
		while (e > text && strchr("\r\n \t", e[-1]))
			e--;
		const char *start = e;
		while (start > text && start[-1] != '\n')
			start--;
		if (e > start) {
			char *line = xstrndup(start, (size_t)(e - start));
			char *clean = xmalloc(strlen(line) + 1);
			util_clean_text(line, clean);
			free(line);
			*end = start;
			return clean;
		}
		e = start;
	}
	*end = e;
	return NULL;
}

/* ssh's account of the end: its stderr's last non-empty line, and the two
 * before when the last points "above" (a server that could not start
 * there printed its reasons first). */
static char *ssh_last_line(struct conn *c)
{
	buf_reserve(&c->errtext, 1);
	c->errtext.data[c->errtext.len] = '\0';
	char *text = c->errtext.data;
	/* an umltop there that predates proxy prints its usage after this */
	if (strstr(text, "unknown command 'proxy'"))
		return xstrdup("the umltop there has no `proxy` command (an older version? "
			       "umltop= in the hosts file names another)");
	const char *end = text + strlen(text);
	char *last = line_before(text, &end);
	if (!last || !strstr(last, "(see above)"))
		return last;
	/* the server's own words: its errors, then "invalid config" */
	for (int i = 0; i < 2; i++) {
		char *before = line_before(text, &end);
		if (!before)
			break;
		char *both = xasprintf("%s; %s", before, last);
		free(before);
		free(last);
		last = both;
	}
	return last;
}

/* Tell the link's end once ssh has exited and its stderr ended (or now,
 * when the linger timer gave up waiting): ssh's reason, and how it ended. */
static void ssh_report(struct conn *c, bool now)
{
	if (!c->ending || c->closing || (!now && (!c->exited || !c->err_done)))
		return;
	char *line = ssh_last_line(c);
	char how[96];
	if (!c->exited)
		snprintf(how, sizeof how, "ssh did not exit");
	else if (c->term_signal)
		snprintf(how, sizeof how, "ssh killed by signal %d, %s", c->term_signal,
			 strsignal(c->term_signal));
	else
		snprintf(how, sizeof how, "ssh exited with status %d", (int)c->exit_status);
	/* the socket's EOF came first, but a ssh that failed is a dropped
	 * link, not a server that said goodbye */
	bool clean = c->exited && !c->term_signal && c->exit_status == 0;
	const char *base = line ? line : c->hello && !clean ? "the connection dropped" : c->why;
	char *why = xasprintf("%s (%s)", base, how);
	tell_closed(c, why);
	free(why);
	free(line);
}

static void linger_cb(uv_timer_t *t)
{
	struct conn *c = t->data;
	if (c->closing) {
		if (!c->exited)
			uv_process_kill(&c->proc, SIGKILL);
		return;
	}
	ssh_report(c, true);
}

static int open_ssh(uv_loop_t *loop, const struct conn_opts *o, const struct conn_cb *cb,
		    void *arg, struct conn **out, char *err, size_t errlen)
{
	const struct host *h = o->host;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: socketpair: %s", h->name, strerror(e));
		return -e;
	}
	struct conn *c = conn_new(loop, cb, arg, xstrdup(h->name));
	c->ssh = true;
	c->open_handles = 4; /* pipe, err, proc, linger */
	uv_pipe_init(loop, &c->err, 0);
	c->err.data = c;
	uv_timer_init(loop, &c->linger);
	c->linger.data = c;
	c->proc.data = c;

	char *owned[2];
	size_t nowned;
	char **argv = ssh_argv(h, owned, &nowned);
	uv_stdio_container_t stdio[3] = {
		{ .flags = UV_INHERIT_FD, .data.fd = sv[1] },
		{ .flags = UV_INHERIT_FD, .data.fd = sv[1] },
		{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&c->err },
	};
	/* its own session: the TUI's Ctrl-Z or a ctl's Ctrl-C is not the link's */
	uv_process_options_t po = {
		.exit_cb = ssh_exit_cb, .file = argv[0], .args = argv,
		.flags = UV_PROCESS_DETACHED, .stdio_count = 3, .stdio = stdio,
	};
	int rc = uv_spawn(loop, &c->proc, &po);
	close(sv[1]);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot run %s: %s", h->name, argv[0], uv_strerror(rc));
		c->exited = true; /* nothing to reap */
	}
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(argv);
	if (rc == 0) {
		uv_read_start((uv_stream_t *)&c->err, err_alloc_cb, err_read_cb);
		rc = conn_start(c, sv[0], o->who, err, errlen);
	} else {
		close(sv[0]);
	}
	if (rc < 0) {
		conn_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int conn_open(uv_loop_t *loop, const struct conn_opts *o, const struct conn_cb *cb,
	      void *arg, struct conn **out, char *err, size_t errlen)
{
	if (o->host && o->host->dest)
		return open_ssh(loop, o, cb, arg, out, err, errlen);
	return open_local(loop, o, cb, arg, out, err, errlen);
}

static void conn_free(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->open_handles > 0)
		return;
	buf_free(&c->in);
	buf_free(&c->errtext);
	free(c->socket);
	free(c->why);
	free(c);
}

/* Each handle counted in open_handles from its init; the last to close
 * frees c. */
static void close_handle(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, conn_free);
}

/* ssh is reaped before its handle closes (libuv forgets a closed child,
 * which would stay a zombie); a ssh that ignores SIGTERM gets SIGKILL
 * when the linger timer fires. */
void conn_close(struct conn *c)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	close_handle((uv_handle_t *)&c->pipe);
	if (!c->ssh)
		return;
	close_handle((uv_handle_t *)&c->err);
	if (c->exited) {
		close_handle((uv_handle_t *)&c->proc);
		close_handle((uv_handle_t *)&c->linger);
	} else {
		uv_process_kill(&c->proc, SIGTERM);
		uv_timer_start(&c->linger, linger_cb, SSH_LINGER_MS, 0);
	}
}

static void tell_closed(struct conn *c, const char *why)
{
	if (c->cb->closed)
		c->cb->closed(c->arg, why);
	conn_close(c);
}

/* The connection ended for a reason of its own (garbage, another
 * version, turned away): that is what the user is told. */
static void lost(struct conn *c, const char *why)
{
	if (c->closing || c->ending)
		return;
	tell_closed(c, why);
}

/* The link went quiet (EOF, an error on the pipe): over ssh the reason
 * is ssh's, known once it has exited and its stderr has ended. */
static void hung_up(struct conn *c, const char *why)
{
	if (c->closing || c->ending)
		return;
	if (!c->ssh) {
		tell_closed(c, why);
		return;
	}
	c->ending = true;
	c->why = xstrdup(why);
	/* ssh gone but its stderr open (a ProxyCommand's child holds it):
	 * the linger ends that wait too */
	if (!c->exited || !c->err_done)
		uv_timer_start(&c->linger, linger_cb, SSH_LINGER_MS, 0);
	ssh_report(c, false);
}

/* Another version is named, with ours and the server's place: "the
 * server on h2 speaks protocol version 3, this umltop speaks 4". */
static void other_version(struct conn *c, unsigned theirs)
{
	char *why = xasprintf("the server on %s speaks protocol version %u, this umltop "
			      "speaks %u", c->socket, theirs, PROTO_VERSION);
	lost(c, why);
	free(why);
}

static void on_hello(struct conn *c, const struct proto_frame *f)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	uint32_t version = proto_get_u32(&r);
	if (r.bad) {
		lost(c, "malformed frame from the server");
		return;
	}
	if (version != PROTO_VERSION) {
		other_version(c, version);
		return;
	}
	c->hello = true;
	/* what ssh said while connecting (a known_hosts warning) is not
	 * why a link that works now will end */
	c->errtext.len = 0;
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
	/* a server of another version says so in its words (server/client.c
	 * on_hello: "protocol version 4, server speaks 3") */
	unsigned ours, theirs;
	if (sscanf(text, "protocol version %u, server speaks %u", &ours, &theirs) == 2) {
		other_version(c, theirs);
		free(text);
		return;
	}
	char *clean = xmalloc(strlen(text) + 1);
	util_clean_text(text, clean);
	/* over ssh, our uid here says nothing of the user there */
	char uid[32] = "";
	if (!c->ssh)
		snprintf(uid, sizeof uid, " (uid %u)", (unsigned)geteuid());
	char *why = xasprintf("the server on %s refused us%s: %s", c->socket, uid, clean);
	lost(c, why);
	free(why);
	free(clean);
	free(text);
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = st->data;
	if (n < 0 && !c->hello && c->ssh) {
		hung_up(c, "ssh ended before the server answered");
		return;
	}
	if (n < 0 && !c->hello) {
		/* what a server that refused us without a word looks like */
		char *why = xasprintf("the server on %s hung up without a word (it accepts only "
				      "its own user and root; this is uid %u)", c->socket,
				      (unsigned)geteuid());
		hung_up(c, why);
		free(why);
		return;
	}
	if (n < 0) {
		hung_up(c, n == UV_EOF ? "the server closed the connection" : uv_strerror((int)n));
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
			on_hello(c, &f);
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

pid_t conn_pid(const struct conn *c)
{
	return c && c->ssh && !c->exited ? c->proc.pid : 0;
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
