/* Whether a socket's directory, and the process behind the socket, can be
 * trusted: the one rule the server and its clients both apply (proto.h,
 * "trust"), with the messages that say what is wrong and what to do. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "proto/proto.h"

enum proto_dir_verdict proto_dir_judge(const struct stat *lnk, const struct stat *st,
				       uid_t uid, enum proto_dir_who who)
{
	bool root_ok = who == PROTO_DIR_CLIENT;
	/* Only its maker (or root) can replace a link in a sticky /tmp. */
	if (S_ISLNK(lnk->st_mode) && lnk->st_uid != uid && !(lnk->st_uid == 0 && root_ok))
		return PROTO_DIR_LINK;
	if (!S_ISDIR(st->st_mode))
		return PROTO_DIR_NOT_DIR;
	if (st->st_uid != uid && !(st->st_uid == 0 && root_ok))
		return PROTO_DIR_OWNER;
	/* A server's own directory is closed to others (it holds the
	 * instances' runtime files too); a client needs only that nobody
	 * else can put a socket there. */
	if (st->st_mode & (who == PROTO_DIR_SERVER ? 066 : 022))
		return PROTO_DIR_MODE;
	return PROTO_DIR_OK;
}

char *proto_socket_dir(const char *socket)
{
	const char *slash = strrchr(socket, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == socket)
		return xstrdup("/");
	return xstrndup(socket, (size_t)(slash - socket));
}

/* "nobody (uid 65534)", or "uid 4242" for a uid without a name. */
static void who_is(uid_t uid, char *out, size_t cap)
{
	struct passwd *pw = getpwuid(uid);
	if (pw)
		snprintf(out, cap, "%s (uid %u)", pw->pw_name, (unsigned)uid);
	else
		snprintf(out, cap, "uid %u", (unsigned)uid);
}

static void server_message(enum proto_dir_verdict v, const char *dir, const char *owner,
			   unsigned mode, uid_t uid, char *err, size_t errlen)
{
	if (v == PROTO_DIR_NOT_DIR)
		snprintf(err, errlen, "%s is not a directory", dir);
	else if (v == PROTO_DIR_LINK)
		snprintf(err, errlen, "%s is a symbolic link made by %s: remove it", dir, owner);
	else
		snprintf(err, errlen, "%s must be owned by uid %u and not readable or writable "
				      "by others (mode 0700); it is owned by %s, mode %04o",
			 dir, (unsigned)uid, owner, mode);
}

static void client_message(enum proto_dir_verdict v, const char *dir, const char *owner,
			   unsigned mode, uid_t uid, char *err, size_t errlen)
{
	const char *why = "";
	switch (v) {
	case PROTO_DIR_LINK:
		why = "it is a symbolic link made by neither you nor root, so it can lead "
		      "anywhere; remove it, or use a socket in a directory of your own "
		      "(-S PATH or UMLTOP_SOCKET)";
		break;
	case PROTO_DIR_NOT_DIR:
		why = "it is not a directory; remove it, or use another socket (-S PATH)";
		break;
	case PROTO_DIR_OWNER:
		why = "it is neither yours nor root's, so the server there may be someone "
		      "else's; have it removed, or use a socket in a directory of your own "
		      "(-S PATH or UMLTOP_SOCKET)";
		break;
	default:
		why = "others can write in it, so anyone could put a server of their own "
		      "there; make it private (chmod go-w), or use a socket in a directory of "
		      "your own (-S PATH or UMLTOP_SOCKET)";
		break;
	}
	char me[64];
	who_is(uid, me, sizeof me);
	snprintf(err, errlen, "not connecting through %s (owner %s, mode %04o; you are %s): %s",
		 dir, owner, mode, me, why);
}

int proto_check_dir(const char *dir, uid_t uid, enum proto_dir_who who, char *err,
		    size_t errlen)
{
	struct stat lnk, st;
	int rc = lstat(dir, &lnk) < 0 ? -errno : 0;
	if (rc == 0 && !S_ISLNK(lnk.st_mode))
		st = lnk;
	else if (rc == 0 && stat(dir, &st) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "the socket's directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	enum proto_dir_verdict v = proto_dir_judge(&lnk, &st, uid, who);
	if (v == PROTO_DIR_OK)
		return 0;
	const struct stat *shown = v == PROTO_DIR_LINK ? &lnk : &st;
	char owner[64];
	who_is(shown->st_uid, owner, sizeof owner);
	unsigned mode = (unsigned)(shown->st_mode & 07777);
	if (who == PROTO_DIR_SERVER)
		server_message(v, dir, owner, mode, uid, err, errlen);
	else
		client_message(v, dir, owner, mode, uid, err, errlen);
	return -EPERM;
}

bool proto_peer_trusted(uid_t peer, uid_t self)
{
	return peer == self || peer == 0;
}

int proto_peer_cred(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*uid = cred.uid;
	*pid = cred.pid;
	return 0;
}
