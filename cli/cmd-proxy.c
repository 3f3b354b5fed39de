/* `umltop proxy [-S SOCK]`: this host's server on stdin and stdout, so
 * that `ssh HOST umltop proxy` is a socket to HOST's server (DESIGN
 * "Several hosts").  It reaches the server as any client does (starting
 * one, checking its directory and uid) and then only relays bytes: the
 * frames, HELLO and its version check are the two ends' business. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "lib/util.h"

enum { PROXY_OK = 0, PROXY_USAGE = 2, PROXY_UNREACHABLE = 3 };

#define RELAY_CHUNK (64 * 1024)

/* One read from `from`, written whole to `to`: each keystroke goes on as
 * it comes, nothing waits for a line or a full buffer.  false when
 * `from` has ended or `to` cannot take it. */
static bool relay_once(int from, int to, char *buf)
{
	ssize_t n;
	do
		n = read(from, buf, RELAY_CHUNK);
	while (n < 0 && errno == EINTR);
	return n > 0 && util_write_all(to, buf, (size_t)n) == 0;
}

/* Until the server ends.  The client's end (stdin at EOF) is passed on
 * as a half close, so that what the server still says (the answer to a
 * last command) gets out before it hangs up in turn. */
static void relay(int sock)
{
	static char buf[RELAY_CHUNK];
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && !relay_once(0, sock, buf)) {
			shutdown(sock, SHUT_WR);
			p[0].fd = -1; /* poll skips it */
		}
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_once(sock, 1, buf))
			return;
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: umltop proxy [-S SOCKET]\n\n"
		   "Join stdin and stdout to this host's server (started when none runs),\n"
		   "for a client on another host: `ssh HOST umltop proxy`.  Exits 0 when\n"
		   "the server's side ends (stdin at end is passed on to the server),\n"
		   "3 when no server can be reached.\n");
}

int cli_cmd_proxy(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	const char *sock = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "+S:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return PROXY_OK;
		default:
			usage(stderr);
			return PROXY_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return PROXY_USAGE;
	}
	struct conn_opts o = { .socket = sock, .autostart = true, .who = "proxy" };
	char err[512];
	int fd = conn_connect_local(&o, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "umltop proxy: %s\n", err);
		return PROXY_UNREACHABLE;
	}
	relay(fd);
	close(fd);
	return PROXY_OK;
}
