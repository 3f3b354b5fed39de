/* term/pty.c: pty pairs for consoles.  The master stays in umltop,
 * non-blocking and close-on-exec; the slave is inherited by the UML only
 * (the launcher closes it in the parent).  The window size is set before
 * the child exists so the guest's first look at it is right. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "term/term.h"

int pty_resize(int master, unsigned rows, unsigned cols)
{
	struct winsize ws = {
		.ws_row = (unsigned short)MIN(rows, 0xffffu),
		.ws_col = (unsigned short)MIN(cols, 0xffffu),
	};
	return ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

int pty_open(struct pty_pair *p, unsigned rows, unsigned cols)
{
	char name[128];
	int err;
	p->master = p->slave = -1;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0) {
		err = -errno;
		close(m);
		return err;
	}
	if ((err = ptsname_r(m, name, sizeof name)) != 0) {
		close(m);
		return -err;
	}
	/* Not O_CLOEXEC: the child inherits it as its console. */
	int s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0) {
		err = -errno;
		close(m);
		return err;
	}
	if ((err = util_set_nonblock(m, 1)) < 0 || (err = pty_resize(m, rows, cols)) < 0) {
		close(s);
		close(m);
		return err;
	}
	p->master = m;
	p->slave = s;
	return 0;
}

ssize_t pty_read(int master, char *buf, size_t cap)
{
	for (;;) {
		ssize_t r = read(master, buf, cap);
		if (r > 0)
			return r;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return r == 0 ? -EIO : -errno;
	}
}
