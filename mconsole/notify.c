/* The notify listener: the datagram socket UML is given as
 * mconsole=notify:PATH, where it reports its mconsole socket at boot
 * (SOCKET), a panic, a hang and what the guest writes to /proc/mconsole.
 * UML sends from an unbound socket, so there is no sender to check: every
 * datagram that decodes is handed up. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"

struct mc_notifier {
	uv_poll_t poll;
	int fd;
	bool closing;
	char *path;
	mc_notify_cb cb;
	void *arg;
};

/* A socket file left by a dead listener refuses connections; a live one
 * accepts them and must not be stolen. */
static int clear_stale(const struct sockaddr_un *a)
{
	struct stat st;
	if (lstat(a->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	int live = connect(probe, (const struct sockaddr *)a, sizeof *a) == 0;
	close(probe);
	if (live)
		return -EADDRINUSE;
	return unlink(a->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int bind_at(const char *path, int *fdp)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path)
		return -ENAMETOOLONG;
	strcpy(a.sun_path, path);
	int rc = clear_stale(&a);
	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct mc_notifier *n = p->data;
	while (!n->closing) {
		/* One spare byte so data can be NUL-terminated in place. */
		uint8_t buf[MC_NOTIFY_HDR + MC_MAX_PACKET + 1];
		ssize_t len = recv(n->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return;
		struct mc_notify msg;
		if (mc_decode_notify(buf, (size_t)len, &msg) < 0)
			continue;
		buf[(const uint8_t *)msg.data - buf + msg.len] = '\0';
		n->cb(n->arg, &msg);
	}
}

static void on_closed(uv_handle_t *h)
{
	struct mc_notifier *n = h->data;
	free(n->path);
	free(n);
}

void mc_notifier_close(struct mc_notifier *n)
{
	if (n->closing)
		return;
	n->closing = true;
	uv_close((uv_handle_t *)&n->poll, on_closed);
	close(n->fd);
	unlink(n->path);
}

int mc_notifier_open(uv_loop_t *loop, const char *path, mc_notify_cb cb,
		     void *arg, struct mc_notifier **out)
{
	int fd = -1;
	int rc = bind_at(path, &fd);
	if (rc < 0)
		return rc;
	struct mc_notifier *n = xcalloc(1, sizeof *n);
	n->fd = fd;
	n->path = xstrdup(path);
	n->cb = cb;
	n->arg = arg;
	rc = uv_poll_init(loop, &n->poll, fd);
	if (rc < 0) {
		close(fd);
		unlink(path);
		free(n->path);
		free(n);
		return rc;
	}
	n->poll.data = n;
	rc = uv_poll_start(&n->poll, UV_READABLE, on_readable);
	if (rc < 0) {
		mc_notifier_close(n); /* an initialised handle must be closed */
		return rc;
	}
	*out = n;
	return 0;
}
