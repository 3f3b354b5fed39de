/* uml_net as umltop answers it: UML's tuntap transport runs this helper
 * to get a tap descriptor when its interface names no device
 * (ethN=tuntap,,,0.0.0.FD), and again when the guest's addresses change.  A
 * UML that runs as an ordinary user cannot open /dev/net/tun (0600), so
 * the server opens its taps and the UML inherits them; this helper, run
 * by the UML with its uid, environment and inherited descriptors, passes
 * the one for TAP back.  It makes nothing and needs no privilege.
 *
 *   uml_net V tuntap up 0.0.0.FD one datagram on fd 1: the interface name
 *                                in 16 NUL-padded bytes, then a message
 *                                (NUL-ended), and the descriptor
 *                                (SCM_RIGHTS).  Sent even on failure,
 *                                without a descriptor: UML waits for it.
 *   uml_net V add|del DEV A M    fd 1 gets an int length and that many
 *                                bytes of message: 0, nothing to do.
 *
 * UML checks the "gate" word is an IPv4 address, and hands it on: FD is
 * the inherited descriptor, which UMLTOP_TAPS ("TAP=FD TAP=FD ...",
 * net/net.h) must name, with its tap.  Links nothing of umltop's: only
 * libc. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAMESZ 16 /* IFNAMSIZ */

/* The descriptor the gate word 0.0.0.FD names, when UMLTOP_TAPS has it
 * (its tap's name in tap), or -1. */
static int tap_fd(const char *taps, const char *gate, char tap[NAMESZ])
{
	unsigned a, b, c, fd;
	char extra;
	if (!taps || sscanf(gate, "%u.%u.%u.%u%c", &a, &b, &c, &fd, &extra) != 4 || a || b || c ||
	    fd < 3)
		return -1;
	for (const char *p = taps; *p;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		const char *eq = memchr(p, '=', len);
		char *end;
		if (eq && eq > p && eq - p < NAMESZ && strtoul(eq + 1, &end, 10) == fd &&
		    end == p + len) {
			struct stat st;
			if (fstat((int)fd, &st) < 0)
				return -1;
			memcpy(tap, p, (size_t)(eq - p));
			tap[eq - p] = '\0';
			return (int)fd;
		}
		p += len;
	}
	return -1;
}

static int send_tap(const char *tap, int fd, const char *note)
{
	char msg[NAMESZ + 256];
	memset(msg, 0, sizeof msg);
	snprintf(msg, NAMESZ, "%s", tap);
	size_t n = (size_t)snprintf(msg + NAMESZ, sizeof msg - NAMESZ, "%s", note);
	n = NAMESZ + (n < sizeof msg - NAMESZ ? n : sizeof msg - NAMESZ - 1) + 1;
	struct iovec iov = { msg, n };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof ctl);
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	ssize_t sent;
	do
		sent = sendmsg(1, &mh, 0);
	while (sent < 0 && errno == EINTR);
	return sent < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[2], "tuntap") && !strcmp(argv[3], "up")) {
		const char *gate = argc > 4 ? argv[4] : "";
		char tap[NAMESZ] = "";
		int fd = tap_fd(getenv("UMLTOP_TAPS"), gate, tap);
		char note[200];
		if (fd < 0)
			snprintf(note, sizeof note, "umltop's uml_net: no tap was handed to this UML "
				 "for '%.20s' (UMLTOP_TAPS: %.100s)\n", gate,
				 getenv("UMLTOP_TAPS") ? getenv("UMLTOP_TAPS") : "unset");
		else
			note[0] = '\0';
		if (send_tap(tap, fd, note) < 0) {
			fprintf(stderr, "umltop's uml_net: cannot answer UML: %s\n", strerror(errno));
			return 1;
		}
		return fd < 0;
	}
	if (argc >= 3 && (!strcmp(argv[2], "add") || !strcmp(argv[2], "del"))) {
		int none = 0; /* the host side is the server's: nothing to do */
		return write(1, &none, sizeof none) == (ssize_t)sizeof none ? 0 : 1;
	}
	fprintf(stderr, "umltop's uml_net: a request it does not answer:");
	for (int i = 1; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	return 1;
}
