/* net/uml-net.c, run as UML runs it: fd 1 one end of a datagram
 * socketpair (tuntap up) or a pipe (add, del), the taps inherited and
 * named in UMLTOP_TAPS.  What UML reads back: the tap's name, a message,
 * and the very descriptor it was handed; or, for anything it cannot
 * answer, a message and no descriptor, never silence (UML would wait for
 * ever). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define HELPER ABS_BUILDDIR "/net/helper/uml_net"

/* Runs the helper with argv (after "uml_net") and env taps; fd out is its
 * fd 1, fd `give` is inherited as fd 3.  Its exit status. */
static int run(const char *const *args, const char *taps, int out, int give)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[8] = { "uml_net" };
		for (int i = 0; args[i] && i < 6; i++)
			argv[i + 1] = (char *)args[i];
		char env[256];
		snprintf(env, sizeof env, "UMLTOP_TAPS=%s", taps);
		char *envp[] = { env, NULL };
		if (dup2(out, 1) < 0 || (give >= 0 && dup2(give, 3) < 0))
			_exit(126);
		for (int fd = give >= 0 ? 4 : 3; fd < 256; fd++) /* as UML: only these */
			close(fd);
		execve(HELPER, argv, taps ? envp : (char *[]){ NULL });
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct answer {
	char name[17];
	char note[256];
	int fd; /* -1: none came */
};

static void read_answer(int sock, struct answer *a)
{
	char buf[512];
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.c,
			     .msg_controllen = sizeof ctl.c };
	ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT);
	if (n < 0)
		fail_msg("the helper sent nothing: %s", strerror(errno));
	assert_true(n >= 17); /* UML reads a name of 16 bytes, then text */
	memcpy(a->name, buf, 16);
	a->name[16] = '\0';
	assert_int_equal(buf[n - 1], '\0');
	snprintf(a->note, sizeof a->note, "%.200s", buf + 16);
	a->fd = -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&a->fd, CMSG_DATA(c), sizeof a->fd);
}

static bool same_file(int a, int b)
{
	struct stat x, y;
	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The tap it was given comes back, whichever the gate word names. */
static void hands_back_the_tap(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	int tap = open("/dev/null", O_RDWR); /* any descriptor will do */
	assert_true(tap >= 0);
	const char *up[] = { "4", "tuntap", "up", "0.0.0.3", NULL };
	assert_int_equal(run(up, "tapx=4 tapa=3", sv[1], tap), 0);
	struct answer a;
	read_answer(sv[0], &a);
	assert_string_equal(a.name, "tapa");
	assert_string_equal(a.note, "");
	assert_true(a.fd >= 0);
	assert_true(same_file(a.fd, tap));
	close(a.fd);
	/* again, as at an ifconfig up after a down */
	assert_int_equal(run(up, "tapa=3", sv[1], tap), 0);
	read_answer(sv[0], &a);
	assert_true(a.fd >= 0 && same_file(a.fd, tap));
	close(a.fd);
	close(tap);
	close(sv[0]);
	close(sv[1]);
}

/* What it cannot answer still gets a datagram, without a descriptor, and
 * a message that says why. */
static void answers_without_a_tap(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	int tap = open("/dev/null", O_RDWR);
	static const struct {
		const char *gate, *taps;
	} cases[] = {
		{ "0.0.0.5", "tapa=3" },   /* not handed over */
		{ "0.0.0.3", "" },         /* nothing handed over */
		{ "0.0.0.3", NULL },       /* no UMLTOP_TAPS at all */
		{ "10.0.0.3", "tapa=3" },  /* a real gate address */
		{ "0.0.0.3x", "tapa=3" },  /* not an address */
		{ "0.0.0.3", "tapa=3x" },  /* a broken list */
		{ "0.0.0.4", "tapa=4" },   /* named, but not open */
		{ "0.0.0.1", "tapa=1" },   /* stdout is no tap */
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *up[] = { "4", "tuntap", "up", cases[i].gate, NULL };
		assert_int_equal(run(up, cases[i].taps, sv[1], tap), 1);
		struct answer a;
		read_answer(sv[0], &a);
		if (a.fd >= 0)
			fail_msg("case %u (%s, %s): a descriptor came", i, cases[i].gate,
				 cases[i].taps ? cases[i].taps : "unset");
		assert_non_null(strstr(a.note, "no tap was handed"));
	}
	close(tap);
	close(sv[0]);
	close(sv[1]);
}

/* Address changes: an int length of 0 on fd 1, which UML reads. */
static void address_changes_answered(void **state)
{
	(void)state;
	const char *verbs[] = { "add", "del" };
	for (unsigned i = 0; i < 2; i++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		const char *args[] = { "4", verbs[i], "tapa", "10.0.0.1", "255.255.255.0", NULL };
		assert_int_equal(run(args, "tapa=3", p[1], -1), 0);
		close(p[1]);
		int len = -1;
		assert_int_equal(read(p[0], &len, sizeof len), (ssize_t)sizeof len);
		assert_int_equal(len, 0);
		close(p[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hands_back_the_tap),
		cmocka_unit_test(answers_without_a_tap),
		cmocka_unit_test(address_changes_answered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
