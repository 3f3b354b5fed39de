/* Finding a UML's mconsole socket from what a person types: a socket path,
 * a directory holding "mconsole" (UML's uml_dir/UMID), or a bare umid,
 * looked up where the server puts its UMLs and then where UML itself
 * defaults to (~/.uml). */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"

static bool is_socket(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* path itself when it is a socket, path/mconsole when path is a directory
 * holding one; malloc'd, or NULL. */
static char *as_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return NULL;
	if (S_ISSOCK(st.st_mode))
		return xstrdup(path);
	if (!S_ISDIR(st.st_mode))
		return NULL;
	char *p = xasprintf("%s/mconsole", path);
	if (is_socket(p))
		return p;
	free(p);
	return NULL;
}

static char *in_dir(const char *base, const char *umid)
{
	char *p = xasprintf("%s/%s/mconsole", base, umid);
	if (is_socket(p))
		return p;
	free(p);
	return NULL;
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(geteuid());
	return pw ? pw->pw_dir : NULL;
}

char *mc_resolve(const char *target, const char *rundir)
{
	if (!target || !*target)
		return NULL;
	bool bare = !strchr(target, '/') && strcmp(target, ".") != 0 &&
		    strcmp(target, "..") != 0;
	if (!bare)
		return as_path(target);
	char *p = NULL;
	if (rundir) {
		char *base = xasprintf("%s/uml", rundir);
		p = in_dir(base, target);
		free(base);
	}
	const char *home = home_dir();
	if (!p && home) {
		char *base = xasprintf("%s/.uml", home);
		p = in_dir(base, target);
		free(base);
	}
	return p ? p : as_path(target);
}
