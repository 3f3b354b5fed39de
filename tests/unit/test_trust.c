/* proto/trust.c: which socket directories a server and a client accept
 * (owner, mode, links made by others), the messages that name the
 * directory, its owner and mode, and the peer rule; on stat buffers made
 * here and on real directories in a scratch directory. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/util.h"
#include "proto/proto.h"

#define ME 1000
#define OTHER 1001

static struct stat dir_of(uid_t owner, mode_t mode)
{
	struct stat st = { 0 };
	st.st_uid = owner;
	st.st_mode = S_IFDIR | mode;
	return st;
}

static enum proto_dir_verdict judge(uid_t owner, mode_t mode, enum proto_dir_who who)
{
	struct stat st = dir_of(owner, mode);
	return proto_dir_judge(&st, &st, ME, who);
}

static void client_rules(void **state)
{
	(void)state;
	assert_int_equal(judge(ME, 0700, PROTO_DIR_CLIENT), PROTO_DIR_OK);
	assert_int_equal(judge(ME, 0755, PROTO_DIR_CLIENT), PROTO_DIR_OK);
	assert_int_equal(judge(0, 0755, PROTO_DIR_CLIENT), PROTO_DIR_OK);  /* /run/umltop */
	assert_int_equal(judge(ME, 0711, PROTO_DIR_CLIENT), PROTO_DIR_OK);
	/* another user's, however private: a server there may be theirs */
	assert_int_equal(judge(OTHER, 0700, PROTO_DIR_CLIENT), PROTO_DIR_OWNER);
	assert_int_equal(judge(OTHER, 0755, PROTO_DIR_CLIENT), PROTO_DIR_OWNER);
	/* writable by others: anyone can put a socket there */
	assert_int_equal(judge(ME, 0777, PROTO_DIR_CLIENT), PROTO_DIR_MODE);
	assert_int_equal(judge(ME, 0770, PROTO_DIR_CLIENT), PROTO_DIR_MODE);
	assert_int_equal(judge(ME, 0702, PROTO_DIR_CLIENT), PROTO_DIR_MODE);
	assert_int_equal(judge(0, 01777, PROTO_DIR_CLIENT), PROTO_DIR_MODE); /* /tmp itself */
	struct stat file = dir_of(ME, 0600);
	file.st_mode = S_IFREG | 0600;
	assert_int_equal(proto_dir_judge(&file, &file, ME, PROTO_DIR_CLIENT), PROTO_DIR_NOT_DIR);
}

static void server_rules(void **state)
{
	(void)state;
	assert_int_equal(judge(ME, 0700, PROTO_DIR_SERVER), PROTO_DIR_OK);
	assert_int_equal(judge(ME, 0711, PROTO_DIR_SERVER), PROTO_DIR_OK);
	/* the server's own directory is closed to reading too, and root's
	 * directory is not a user's server's */
	assert_int_equal(judge(ME, 0755, PROTO_DIR_SERVER), PROTO_DIR_MODE);
	assert_int_equal(judge(ME, 0740, PROTO_DIR_SERVER), PROTO_DIR_MODE);
	assert_int_equal(judge(0, 0700, PROTO_DIR_SERVER), PROTO_DIR_OWNER);
	assert_int_equal(judge(OTHER, 0700, PROTO_DIR_SERVER), PROTO_DIR_OWNER);
}

static void links(void **state)
{
	(void)state;
	struct stat target = dir_of(ME, 0700);
	struct stat lnk = { 0 };
	lnk.st_mode = S_IFLNK | 0777;
	/* /tmp/umltop-UID as a link someone else made: refused, wherever it
	 * leads, even to a directory of ours */
	lnk.st_uid = OTHER;
	assert_int_equal(proto_dir_judge(&lnk, &target, ME, PROTO_DIR_CLIENT), PROTO_DIR_LINK);
	assert_int_equal(proto_dir_judge(&lnk, &target, ME, PROTO_DIR_SERVER), PROTO_DIR_LINK);
	/* made by us (or root, for a client): its target is judged */
	lnk.st_uid = ME;
	assert_int_equal(proto_dir_judge(&lnk, &target, ME, PROTO_DIR_CLIENT), PROTO_DIR_OK);
	lnk.st_uid = 0;
	assert_int_equal(proto_dir_judge(&lnk, &target, ME, PROTO_DIR_CLIENT), PROTO_DIR_OK);
	assert_int_equal(proto_dir_judge(&lnk, &target, ME, PROTO_DIR_SERVER), PROTO_DIR_LINK);
	struct stat theirs = dir_of(OTHER, 0700);
	lnk.st_uid = ME;
	assert_int_equal(proto_dir_judge(&lnk, &theirs, ME, PROTO_DIR_CLIENT), PROTO_DIR_OWNER);
}

static void socket_dir(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{ "/run/user/7/umltop/default", "/run/user/7/umltop" },
		{ "/tmp/umltop-7/default", "/tmp/umltop-7" },
		{ "/sock", "/" },
		{ "sock", "." },
		{ "a/sock", "a" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *d = proto_socket_dir(cases[i][0]);
		assert_string_equal(d, cases[i][1]);
		free(d);
	}
}

static void peers(void **state)
{
	(void)state;
	assert_true(proto_peer_trusted(ME, ME));
	assert_true(proto_peer_trusted(0, ME));
	assert_false(proto_peer_trusted(OTHER, ME));
	assert_true(proto_peer_trusted(0, 0));
	assert_false(proto_peer_trusted(ME, 0)); /* root does not talk to a user's server */

	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	uid_t uid = 4242;
	pid_t pid = 0;
	assert_int_equal(proto_peer_cred(sv[0], &uid, &pid), 0);
	assert_int_equal(uid, geteuid());
	assert_int_equal(pid, getpid());
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(proto_peer_cred(-1, &uid, &pid), -EBADF);
}

/* Real directories: the verdict comes with a message that names the
 * directory, its owner and its mode. */
struct scratch {
	char dir[64];
};

static int scratch_setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/test_trust.XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	char *cmd = xasprintf("rm -rf '%s'", s->dir);
	int rc = system(cmd);
	free(cmd);
	free(s);
	return rc == 0 ? 0 : -1;
}

static void real_dirs(void **state)
{
	struct scratch *s = *state;
	char err[512];
	uid_t me = geteuid();
	char *d = xasprintf("%s/d", s->dir);
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_CLIENT, err, sizeof err), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_SERVER, err, sizeof err), 0);

	assert_int_equal(chmod(d, 0777), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, d));
	assert_non_null(strstr(err, "mode 0777"));
	assert_non_null(strstr(err, "chmod go-w"));
	assert_int_equal(chmod(d, 0770), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "mode 0770"));
	assert_int_equal(chmod(d, 0755), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_CLIENT, err, sizeof err), 0);
	assert_int_equal(proto_check_dir(d, me, PROTO_DIR_SERVER, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "must be owned by uid"));
	assert_non_null(strstr(err, "mode 0755"));

	/* as seen by a user who is neither its owner nor root (root hands the
	 * directory to a uid of no user first, as root's own is trusted) */
	uid_t owner = me;
	if (me == 0) {
		owner = 4243;
		assert_int_equal(chown(d, owner, (gid_t)-1), 0);
	}
	uid_t stranger = owner == 4242 ? 4244 : 4242;
	assert_int_equal(proto_check_dir(d, stranger, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
	char owned[32], you[32];
	snprintf(owned, sizeof owned, "uid %u", (unsigned)owner); /* and a name, if any */
	snprintf(you, sizeof you, "you are uid %u", (unsigned)stranger);
	assert_non_null(strstr(err, d));
	assert_non_null(strstr(err, owned));
	assert_non_null(strstr(err, "mode 0755"));
	assert_non_null(strstr(err, you));
	assert_non_null(strstr(err, "neither yours nor root's"));
	assert_int_equal(chown(d, me, (gid_t)-1), 0);

	/* a link of ours to it: the target is judged */
	char *l = xasprintf("%s/l", s->dir);
	assert_int_equal(symlink(d, l), 0);
	assert_int_equal(proto_check_dir(l, me, PROTO_DIR_CLIENT, err, sizeof err), 0);
	assert_int_equal(chmod(d, 0777), 0);
	assert_int_equal(proto_check_dir(l, me, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "mode 0777"));
	/* and one that someone else made, when we can make one as another
	 * user: root hands it over */
	assert_int_equal(chmod(d, 0700), 0);
	if (me == 0) {
		assert_int_equal(lchown(l, 4242, 4242), 0);
		assert_int_equal(proto_check_dir(l, me, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
		assert_non_null(strstr(err, "symbolic link"));
		assert_non_null(strstr(err, "uid 4242"));
	}

	char *gone = xasprintf("%s/gone", s->dir);
	assert_int_equal(proto_check_dir(gone, me, PROTO_DIR_CLIENT, err, sizeof err), -ENOENT);
	char *file = xasprintf("%s/f", s->dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(proto_check_dir(file, me, PROTO_DIR_CLIENT, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "not a directory"));
	free(d);
	free(l);
	free(gone);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_rules),
		cmocka_unit_test(server_rules),
		cmocka_unit_test(links),
		cmocka_unit_test(socket_dir),
		cmocka_unit_test(peers),
		cmocka_unit_test_setup_teardown(real_dirs, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
