/* Where a server's socket, runtime files and logs live (DESIGN, "Processes"
 * and "Files the server keeps").  Each server is named by its socket, so
 * servers on different sockets (tests) never share a file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "proto/proto.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

char *proto_default_socket(void)
{
	const char *s = env("UMLTOP_SOCKET");
	if (s)
		return xstrdup(s);
	const char *xdg = env("XDG_RUNTIME_DIR");
	if (xdg)
		return xasprintf("%s/umltop/default", xdg);
	if (geteuid() == 0)
		return xstrdup("/run/umltop/default");
	return xasprintf("/tmp/umltop-%u/default", (unsigned)geteuid());
}

char *proto_rundir(const char *socket)
{
	return xasprintf("%s.d", socket);
}

char *proto_statedir(const char *socket)
{
	const char *s = env("UMLTOP_STATE_DIR");
	if (s)
		return xstrdup(s);
	const char *base = strrchr(socket, '/');
	base = base ? base + 1 : socket;
	if (geteuid() == 0)
		return xasprintf("/var/log/umltop/%s", base);
	const char *xdg = env("XDG_STATE_HOME");
	if (xdg)
		return xasprintf("%s/umltop/%s", xdg, base);
	const char *home = env("HOME");
	return xasprintf("%s/.local/state/umltop/%s", home ? home : "/tmp", base);
}
