/* cli/hosts: the hosts a client talks to (DESIGN "Several hosts").
 *
 * Each host runs its own server; a client reaches another host's server
 * through `ssh [OPTS] DEST umltop proxy [-S SOCK]`, which joins stdio to
 * that server's socket.  The local server is a host too when asked for.
 *
 * The hosts file ($XDG_CONFIG_HOME/umltop/hosts, else ~/.config/umltop/hosts)
 * has one host a line:
 *
 *     NAME DEST [socket=PATH] [umltop=PATH] [SSH-OPTION...]
 *
 * NAME is [A-Za-z0-9_.-], 1 to 32 characters; DEST is an ssh destination
 * ([user@]host, or ssh://[user@]host[:port], as ssh takes it) or `-` for
 * this machine's server (no ssh: PATH, or the default socket, directly).  umltop=PATH is the
 * umltop program on that host (default `umltop`, found in its PATH).  SSH-OPTIONs are passed
 * to ssh as they are (e.g. `-p 2222` as two words, `-oControlMaster=auto`).
 * `#` starts a comment; blank lines are skipped.  A bad line is refused with
 * FILE:LINE.
 *
 * `-H NAME` picks a host of the file; `-H DEST` of a name not in the file
 * is an ssh destination whose host name is DEST up to the first '.' or ':'
 * (user@ dropped); `-H local` (unless the file names one `local`) is this
 * machine's server.  With no -H the client talks to the local server alone,
 * and names carry no HOST/ part, as before. */
#ifndef UMLTOP_CLI_HOSTS_H
#define UMLTOP_CLI_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_NAME_MAX_LEN 32

struct host {
	char name[HOST_NAME_MAX_LEN + 1]; /* shown as NAME/instance */
	char *dest;    /* ssh destination; NULL for this machine's server */
	char *socket;  /* the server's socket there; NULL = its default */
	char *umltop;  /* the program there; NULL = "umltop" */
	char **ssh_opt; /* extra ssh arguments, in order */
	size_t nssh_opt;
};

struct hosts {
	struct host *v;
	size_t n;
};

/* Parse a hosts file into out (appending).  A missing file is not an
 * error (0, nothing added) unless must_exist.  0, or -1 with err set to
 * "FILE:LINE: what is wrong". */
int hosts_load(const char *path, bool must_exist, struct hosts *out, char *err, size_t errlen);

/* The default hosts file's path (malloc'd), or NULL when no HOME. */
char *hosts_default_path(void);

/* The hosts named by -H arguments (in their order, each once), looked up
 * in the default hosts file.  0, or -1 with err set. */
int hosts_select(const char *const *names, size_t n, struct hosts *out, char *err,
		 size_t errlen);

void hosts_free(struct hosts *h);

/* The host of that name in h, or NULL. */
const struct host *hosts_find(const struct hosts *h, const char *name);

/* Split "HOST/NAME": *host gets HOST (or "" when there is no '/'), the
 * return value points at NAME within s. */
const char *hosts_split(const char *s, char host[HOST_NAME_MAX_LEN + 1]);

#endif
