/* The server under a service manager: systemd's readiness protocol
 * (sd_notify(3): one datagram of "KEY=VALUE" lines to $NOTIFY_SOCKET) and
 * whether stderr is the journal ($JOURNAL_STREAM).  Written here rather
 * than linking libsystemd: the protocol is one sendto, stable and
 * documented, and an OpenRC host has no libsystemd to link. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/srv-int.h"

int srv_notify(const char *text)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0; /* not run by a service manager that listens */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sun.sun_path)
		return -EINVAL;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@') /* an abstract socket */
		sun.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t r = sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&sun,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	int rc = r < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects
 * a service's stdout and stderr to; a stderr that is that stream is the
 * journal (and not, say, a terminal the variable leaked into). */
bool srv_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
