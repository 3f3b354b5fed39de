/* Where umltop's uml_net is (net/uml-net.c): the directory that goes first
 * in the PATH of a UML whose taps the server hands over. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/net.h"

static bool has_helper(const char *dir)
{
	char *p = xasprintf("%s/uml_net", dir);
	bool ok = access(p, X_OK) == 0;
	free(p);
	return ok;
}

char *net_helper_dir(void)
{
	const char *env = getenv("UMLTOP_NET_HELPER_DIR");
	if (env)
		return *env ? xstrdup(env) : NULL;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *dir = xasprintf("%s/net/helper", exe); /* the build tree */
			if (has_helper(dir))
				return dir;
			free(dir);
		}
	}
	return has_helper(PKGLIBEXECDIR) ? xstrdup(PKGLIBEXECDIR) : NULL;
}
