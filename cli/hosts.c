/* The hosts file and -H: which servers a client talks to and how it gets
 * there (cli/hosts.h has the rules).  Pure parsing over a FILE; nothing
 * here connects. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/hosts.h"
#include "lib/util.h"

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > HOST_NAME_MAX_LEN)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

static struct host *hosts_add(struct hosts *h)
{
	h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
	struct host *e = &h->v[h->n++];
	memset(e, 0, sizeof *e);
	return e;
}

static void host_free(struct host *e)
{
	free(e->dest);
	free(e->socket);
	free(e->umltop);
	for (size_t i = 0; i < e->nssh_opt; i++)
		free(e->ssh_opt[i]);
	free(e->ssh_opt);
}

static void host_copy(struct host *to, const struct host *from)
{
	memcpy(to->name, from->name, sizeof to->name);
	to->dest = from->dest ? xstrdup(from->dest) : NULL;
	to->socket = from->socket ? xstrdup(from->socket) : NULL;
	to->umltop = from->umltop ? xstrdup(from->umltop) : NULL;
	to->ssh_opt = xcalloc(from->nssh_opt + 1, sizeof *to->ssh_opt);
	for (size_t i = 0; i < from->nssh_opt; i++)
		to->ssh_opt[i] = xstrdup(from->ssh_opt[i]);
	to->nssh_opt = from->nssh_opt;
}

const struct host *hosts_find(const struct hosts *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].name, name))
			return &h->v[i];
	return NULL;
}

/* A `KEY=VALUE` setting of a line into *slot; words after the first ssh
 * option all belong to ssh (`-i socket=x` is a file name there). */
static int setting(char **slot, const char *key, const char *value, const char *where,
		   char *err, size_t errlen)
{
	if (*slot) {
		snprintf(err, errlen, "%s: %s= given twice", where, key);
		return -1;
	}
	if (!*value) {
		snprintf(err, errlen, "%s: %s= needs a path", where, key);
		return -1;
	}
	*slot = xstrdup(value);
	return 0;
}

/* The words after NAME and DEST: settings, then ssh options. */
static int parse_rest(struct host *e, char *save, const char *where, char *err, size_t errlen)
{
	bool in_ssh = false;
	for (char *w; (w = strtok_r(NULL, " \t", &save));) {
		if (!in_ssh && !strncmp(w, "socket=", 7)) {
			if (setting(&e->socket, "socket", w + 7, where, err, errlen) < 0)
				return -1;
		} else if (!in_ssh && !strncmp(w, "umltop=", 7)) {
			if (setting(&e->umltop, "umltop", w + 7, where, err, errlen) < 0)
				return -1;
		} else if (!in_ssh && w[0] != '-') {
			snprintf(err, errlen, "%s: '%s' is neither socket=PATH, umltop=PATH nor an "
				 "ssh option (they start with '-')", where, w);
			return -1;
		} else {
			in_ssh = true;
			e->ssh_opt = xreallocarray(e->ssh_opt, e->nssh_opt + 2, sizeof *e->ssh_opt);
			e->ssh_opt[e->nssh_opt++] = xstrdup(w);
			e->ssh_opt[e->nssh_opt] = NULL;
		}
	}
	if (!e->dest && (e->umltop || e->nssh_opt)) {
		snprintf(err, errlen, "%s: host %s is this machine's server (-): it takes no %s",
			 where, e->name, e->umltop ? "umltop=" : "ssh options");
		return -1;
	}
	return 0;
}

/* One line, comments and line end already cut off.  0 (a host added, or a
 * blank line), or -1 with err set. */
static int parse_line(char *line, const char *where, const char *file, struct hosts *out,
		      size_t first, char *err, size_t errlen)
{
	char *save;
	char *name = strtok_r(line, " \t", &save);
	if (!name)
		return 0;
	if (!name_ok(name)) {
		snprintf(err, errlen, "%s: bad host name '%.40s' (1 to %d of A-Z a-z 0-9 _ . -)",
			 where, name, HOST_NAME_MAX_LEN);
		return -1;
	}
	for (size_t i = first; i < out->n; i++)
		if (!strcmp(out->v[i].name, name)) {
			snprintf(err, errlen, "%s: host %s is named twice in %s", where, name, file);
			return -1;
		}
	char *dest = strtok_r(NULL, " \t", &save);
	if (!dest) {
		snprintf(err, errlen, "%s: host %s has no destination (an ssh destination, "
			 "or - for this machine's server)", where, name);
		return -1;
	}
	if (dest[0] == '-' && dest[1]) {
		snprintf(err, errlen, "%s: host %s: the destination '%s' looks like an option; "
			 "it comes right after the name", where, name, dest);
		return -1;
	}
	struct host e = { 0 };
	snprintf(e.name, sizeof e.name, "%s", name);
	e.dest = strcmp(dest, "-") ? xstrdup(dest) : NULL;
	if (parse_rest(&e, save, where, err, errlen) < 0) {
		host_free(&e);
		return -1;
	}
	if (!e.ssh_opt)
		e.ssh_opt = xcalloc(1, sizeof *e.ssh_opt);
	*hosts_add(out) = e;
	return 0;
}

int hosts_load(const char *path, bool must_exist, struct hosts *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t first = out->n;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	for (unsigned lineno = 1; rc == 0 && getline(&line, &cap, f) >= 0; lineno++) {
		line[strcspn(line, "#\r\n")] = '\0';
		char *where = xasprintf("%s:%u", path, lineno);
		rc = parse_line(line, where, path, out, first, err, errlen);
		free(where);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

char *hosts_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/umltop/hosts", xdg);
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.config/umltop/hosts", home);
}

/* A -H DEST not in the file: its host name is the machine's name up to
 * the first '.' or ':' (user@ dropped), as a person would say it. */
static int host_of_dest(const char *dest, struct host *e, char *err, size_t errlen)
{
	if (dest[0] == '-') {
		snprintf(err, errlen, "-H %s: a host name or ssh destination cannot start with '-'",
			 dest);
		return -1;
	}
	const char *s = dest;
	if (!strncmp(s, "ssh://", 6))
		s += 6;
	const char *at = strrchr(s, '@');
	if (at)
		s = at + 1;
	size_t n = strcspn(s, ".:/");
	char name[HOST_NAME_MAX_LEN + 1];
	snprintf(name, sizeof name, "%.*s", (int)MIN(n, sizeof name - 1), s);
	if (n > HOST_NAME_MAX_LEN || !name_ok(name)) {
		snprintf(err, errlen, "-H %s: no host of that name in the hosts file, and '%.*s' "
			 "cannot be a host's name (1 to %d of A-Z a-z 0-9 _ . -); "
			 "name it in the hosts file", dest, (int)MIN(n, 40), s, HOST_NAME_MAX_LEN);
		return -1;
	}
	memset(e, 0, sizeof *e);
	memcpy(e->name, name, sizeof name);
	e->dest = xstrdup(dest);
	e->ssh_opt = xcalloc(1, sizeof *e->ssh_opt);
	return 0;
}

int hosts_select(const char *const *names, size_t n, struct hosts *out, char *err,
		 size_t errlen)
{
	struct hosts file = { 0 };
	char *path = hosts_default_path();
	int rc = path ? hosts_load(path, false, &file, err, errlen) : 0;
	free(path);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct host *known = hosts_find(&file, names[i]);
		struct host e = { 0 };
		if (known) {
			host_copy(&e, known);
		} else if (!strcmp(names[i], "local")) {
			snprintf(e.name, sizeof e.name, "local");
			e.ssh_opt = xcalloc(1, sizeof *e.ssh_opt);
		} else if (host_of_dest(names[i], &e, err, errlen) < 0) {
			rc = -1;
			break;
		}
		const struct host *seen = hosts_find(out, e.name);
		bool same = seen && ((!seen->dest && !e.dest) ||
				     (seen->dest && e.dest && !strcmp(seen->dest, e.dest)));
		if (seen && !same) {
			snprintf(err, errlen, "-H %s: another -H is already host %s; give them "
				 "different names in the hosts file", names[i], e.name);
			rc = -1;
		} else if (!seen) {
			*hosts_add(out) = e;
			continue;
		}
		host_free(&e);
	}
	hosts_free(&file);
	return rc;
}

void hosts_free(struct hosts *h)
{
	for (size_t i = 0; i < h->n; i++)
		host_free(&h->v[i]);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

const char *hosts_split(const char *s, char host[HOST_NAME_MAX_LEN + 1])
{
	host[0] = '\0';
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) > HOST_NAME_MAX_LEN)
		return s;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	return slash + 1;
}
