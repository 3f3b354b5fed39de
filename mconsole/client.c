/* The async mconsole client: requests to one UML go out one at a time from a
 * FIFO on a datagram socket, autobound and connected to the UML.  mconsole
 * has no request id, so a request that did not end cleanly (a timeout, a
 * bad packet, an error) closes the socket: the kernel drops what arrives
 * for a closed socket, so a late or surplus packet is never read as the
 * next request's reply, which gets a fresh socket.  A request that ended
 * cleanly (its last packet came) leaves the socket for the next one, and
 * anything that arrives on it between requests is read and dropped: a
 * status poll of three requests costs three sends and three reads, not
 * three sockets (socket, bind, connect, getpeername, epoll, close).
 *
 *   queued --start--> in flight --more=0--------------> callback(0)
 *                         |  \--timer-----------------> callback(-ETIMEDOUT)
 *                         |  \--bad packet/sock error-> callback(-errno)
 *                         \--mc_client_close----------> callback(-ECANCELED)
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"

struct mc_req {
	struct mc_req *next;
	uint8_t dgram[MC_REQUEST_HDR + MC_MAX_REQUEST];
	size_t dlen;
	unsigned timeout_ms;
	mc_reply_cb cb;
	void *arg;
	int32_t err;     /* the first non-zero err among the reply's packets */
	struct buf text; /* the reply joined so far */
};

/* The socket of the request in flight.  Its memory goes in the poll
 * handle's close callback, which may run after the client moved on. */
struct mc_sock {
	uv_poll_t poll;
	int fd;
	bool sent;
	struct sockaddr_un peer; /* the address the UML bound, as it sends from */
	socklen_t peerlen;
	struct mc_client *c;
};

struct mc_client {
	uv_loop_t *loop;
	char *path;
	struct mc_req *head, **tail; /* head is in flight while busy */
	size_t n;
	bool busy;
	bool closing;
	int fail;            /* the head's status, reported when timer fires */
	struct mc_sock *sock; /* NULL while nothing is on the wire */
	uv_timer_t timer;    /* the head's timeout, or a deferred failure */
	unsigned handles;    /* the timer and sockets not closed yet */
};

static void start(struct mc_client *c);

static void maybe_free(struct mc_client *c)
{
	if (c->closing && c->handles == 0) {
		free(c->path);
		free(c);
	}
}

static void on_sock_closed(uv_handle_t *h)
{
	struct mc_sock *s = h->data;
	struct mc_client *c = s->c;
	free(s);
	c->handles--;
	maybe_free(c);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct mc_client *c = h->data;
	c->handles--;
	maybe_free(c);
}

static void sock_close(struct mc_client *c)
{
	struct mc_sock *s = c->sock;
	if (!s)
		return;
	c->sock = NULL;
	/* uv_close takes the fd out of epoll at once, so closing it right
	 * after is safe; whatever was still queued on it is dropped. */
	uv_close((uv_handle_t *)&s->poll, on_sock_closed);
	close(s->fd);
}

/* End the head request with status and call its callback; then start the
 * next one unless the callback closed the client or already started it. */
static void finish(struct mc_client *c, int status)
{
	struct mc_req *r = c->head;
	c->head = r->next;
	if (!c->head)
		c->tail = &c->head;
	c->n--;
	c->busy = false;
	uv_timer_stop(&c->timer);
	if (status)
		sock_close(c); /* it may yet bring this request's packets */
	else if (c->sock)
		uv_unref((uv_handle_t *)&c->sock->poll); /* idle: keeps no loop alive */
	r->cb(r->arg, status, status ? 0 : r->err,
	      r->text.data && !status ? r->text.data : "", status ? 0 : r->text.len);
	buf_free(&r->text);
	free(r);
	if (!c->closing && !c->busy && c->head)
		start(c);
}

static void on_timer(uv_timer_t *t)
{
	struct mc_client *c = t->data;
	if (c->busy)
		finish(c, c->fail ? c->fail : -ETIMEDOUT);
}

/* Report status for the head from the loop, never from inside mc_request:
 * the timer fires on the next turn. */
static void defer_fail(struct mc_client *c, int status)
{
	sock_close(c);
	c->fail = status;
	uv_timer_start(&c->timer, on_timer, 0, 0);
}

static int fill_addr(const char *path, struct sockaddr_un *a)
{
	if (!path || !*path)
		return -ENOENT;
	if (strlen(path) >= sizeof a->sun_path)
		return -ENAMETOOLONG;
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return 0;
}

/* An autobound socket connected to the UML.  Connecting matters twice:
 * Linux lets a sender queue past net.unix.max_dgram_qlen (10) to a receiver
 * connected to it, so UML's non-blocking replies are not dropped while we
 * are not scheduled (measured: 11 packets fit otherwise, 167 connected),
 * and the kernel refuses datagrams from any other sender. */
static int sock_connect(const char *path, struct mc_sock *s)
{
	struct sockaddr_un a;
	int rc = fill_addr(path, &a);
	if (rc < 0)
		return rc;
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	struct sockaddr_un self = { .sun_family = AF_UNIX };
	s->peerlen = sizeof s->peer;
	if (bind(s->fd, (struct sockaddr *)&self, sizeof self.sun_family) < 0 ||
	    connect(s->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getpeername(s->fd, (struct sockaddr *)&s->peer, &s->peerlen) < 0) {
		rc = -errno;
		close(s->fd);
		return rc;
	}
	return 0;
}

static void on_poll(uv_poll_t *p, int status, int events);

static int sock_open(struct mc_client *c)
{
	struct mc_sock *s = xcalloc(1, sizeof *s);
	int rc = sock_connect(c->path, s);
	if (rc == 0) {
		rc = uv_poll_init(c->loop, &s->poll, s->fd);
		if (rc < 0)
			close(s->fd);
	}
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->c = c;
	s->poll.data = s;
	c->handles++;
	c->sock = s;
	return 0;
}

/* Send the head's datagram; when UML's queue is full, wait until it is
 * writable (still under the request's timeout). */
static int try_send(struct mc_client *c)
{
	struct mc_sock *s = c->sock;
	struct mc_req *r = c->head;
	ssize_t n;
	do
		n = send(s->fd, r->dgram, r->dlen, 0);
	while (n < 0 && errno == EINTR);
	int events = UV_READABLE;
	if (n >= 0)
		s->sent = true;
	else if (errno == EAGAIN || errno == ENOBUFS)
		events |= UV_WRITABLE;
	else
		return -errno;
	return uv_poll_start(&s->poll, events, on_poll);
}

/* Between requests nothing is owed: what came is dropped. */
static void discard(struct mc_sock *s)
{
	uint8_t buf[MC_REPLY_HDR + MC_MAX_PACKET];
	while (recv(s->fd, buf, sizeof buf, MSG_DONTWAIT) >= 0 || errno == EINTR)
		;
}

static void start(struct mc_client *c)
{
	c->busy = true;
	c->fail = 0;
	int rc = 0;
	if (c->sock) { /* the last request's, which ended cleanly */
		discard(c->sock);
		c->sock->sent = false;
		uv_ref((uv_handle_t *)&c->sock->poll);
	} else {
		rc = sock_open(c);
	}
	if (rc == 0)
		rc = try_send(c);
	if (rc < 0) {
		defer_fail(c, rc);
		return;
	}
	uv_timer_start(&c->timer, on_timer, c->head->timeout_ms, 0);
}

/* Add one packet to the head's reply; true when the reply is complete
 * (finish has run). */
static bool take_packet(struct mc_client *c, const uint8_t *buf, size_t n)
{
	struct mc_req *r = c->head;
	struct mc_packet p;
	if (mc_decode_reply(buf, n, &p) < 0) {
		finish(c, -EBADMSG);
		return true;
	}
	if (p.err && !r->err)
		r->err = p.err;
	if (r->text.len + p.len > MC_MAX_REPLY) {
		finish(c, -EMSGSIZE);
		return true;
	}
	buf_append(&r->text, p.text, p.len);
	if (p.more)
		return false;
	finish(c, 0);
	return true;
}

/* Read every queued datagram, not just one per wakeup: a reply of many
 * packets arrives in a burst and the queue must stay short. */
static void drain(struct mc_client *c, struct mc_sock *s)
{
	for (;;) {
		uint8_t buf[MC_REPLY_HDR + MC_MAX_PACKET];
		struct sockaddr_un from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(s->fd, buf, sizeof buf, MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			finish(c, -errno);
			return;
		}
		if (fromlen != s->peerlen || memcmp(&from, &s->peer, fromlen) != 0)
			continue; /* not from the UML: ignored */
		if (take_packet(c, buf, (size_t)n))
			return;
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct mc_sock *s = p->data;
	struct mc_client *c = s->c;
	if (s != c->sock)
		return;
	if (!c->busy) { /* between requests: nothing is owed */
		if (status < 0)
			sock_close(c);
		else
			discard(s);
		return;
	}
	if (status < 0) {
		finish(c, status);
		return;
	}
	if ((events & UV_WRITABLE) && !s->sent) {
		int rc = try_send(c);
		if (rc < 0) {
			finish(c, rc);
			return;
		}
	}
	if (events & UV_READABLE)
		drain(c, s);
}

struct mc_client *mc_client_new(uv_loop_t *loop, const char *path)
{
	struct mc_client *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->path = path ? xstrdup(path) : NULL;
	c->tail = &c->head;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->handles = 1;
	return c;
}

void mc_client_set_path(struct mc_client *c, const char *path)
{
	if (!c->busy)
		sock_close(c); /* connected to the old path's UML */
	free(c->path);
	c->path = path ? xstrdup(path) : NULL;
}

int mc_request(struct mc_client *c, const char *cmd, unsigned timeout_ms,
	       mc_reply_cb cb, void *arg)
{
	if (c->closing)
		return -ECANCELED;
	struct mc_req *r = xcalloc(1, sizeof *r);
	int n = mc_encode_request(cmd, r->dgram, sizeof r->dgram);
	if (n < 0) {
		free(r);
		return n;
	}
	r->dlen = (size_t)n;
	r->timeout_ms = timeout_ms ? timeout_ms : MC_DEFAULT_TIMEOUT_MS;
	r->cb = cb;
	r->arg = arg;
	*c->tail = r;
	c->tail = &r->next;
	c->n++;
	if (!c->busy)
		start(c);
	return 0;
}

size_t mc_pending(const struct mc_client *c)
{
	return c->n;
}

void mc_client_close(struct mc_client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_timer_stop(&c->timer);
	sock_close(c);
	c->busy = false;
	while (c->head) {
		struct mc_req *r = c->head;
		c->head = r->next;
		c->n--;
		r->cb(r->arg, -ECANCELED, 0, "", 0);
		buf_free(&r->text);
		free(r);
	}
	c->tail = &c->head;
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
