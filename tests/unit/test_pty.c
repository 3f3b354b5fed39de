/* term/ ptys: the flags of each end, the window size a child sees from its
 * first instruction, resizing, and draining everything a busy child wrote
 * in large reads, then EIO once it is gone.  Real children (sh, stty),
 * each waited for by pid. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "term/term.h"

/* Start `sh -c script` on the slave as its controlling terminal, the way
 * the launcher starts a UML; the parent keeps only the master. */
static pid_t spawn_on(struct pty_pair *p, const char *script)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		ioctl(p->slave, TIOCSCTTY, 0);
		dup2(p->slave, 0);
		dup2(p->slave, 1);
		dup2(p->slave, 2);
		if (p->slave > 2)
			close(p->slave);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(p->slave);
	p->slave = -1;
	return pid;
}

/* Everything the child writes until it is gone (EIO). */
static char *read_all(int master, size_t *len)
{
	struct buf b = { 0 };
	char *chunk = xmalloc(1 << 20);
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		if (poll(&pfd, 1, 10000) <= 0)
			fail_msg("no output from the child in 10 s");
		ssize_t n = pty_read(master, chunk, 1 << 20);
		if (n == -EIO)
			break;
		assert_true(n >= 0);
		buf_append(&b, chunk, (size_t)n);
	}
	free(chunk);
	*len = b.len;
	buf_append(&b, "", 0);
	return b.data;
}

static void test_ends_and_flags(void **state)
{
	(void)state;
	struct pty_pair p;
	assert_int_equal(pty_open(&p, 24, 80), 0);
	assert_true(fcntl(p.master, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(p.master, F_GETFD) & FD_CLOEXEC);
	assert_false(fcntl(p.slave, F_GETFD) & FD_CLOEXEC);
	assert_true(isatty(p.slave));
	struct winsize ws;
	assert_int_equal(ioctl(p.slave, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 24);
	assert_int_equal(ws.ws_col, 80);
	assert_int_equal(pty_resize(p.master, 50, 200), 0);
	assert_int_equal(ioctl(p.slave, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 50);
	assert_int_equal(ws.ws_col, 200);
	/* Nothing to read yet: 0, at once. */
	char buf[64];
	assert_int_equal(pty_read(p.master, buf, sizeof buf), 0);
	/* Bytes both ways (the line discipline echoes what is typed). */
	assert_int_equal(write(p.master, "hi\n", 3), 3);
	char in[8] = { 0 };
	assert_true(read(p.slave, in, sizeof in) >= 2);
	assert_memory_equal(in, "hi", 2);
	assert_int_equal(write(p.slave, "ok", 2), 2);
	/* The echo and the write may come in one read or two; then nothing. */
	size_t got = 0;
	ssize_t n;
	while (got < sizeof buf && (n = pty_read(p.master, buf + got, sizeof buf - got)) > 0)
		got += (size_t)n;
	assert_int_equal(got, 6);
	assert_memory_equal(buf, "hi\r\nok", 6);
	close(p.master);
	close(p.slave);
	assert_int_equal(pty_resize(-1, 1, 1), -EBADF);
}

/* The child's very first look at the window size is right, it can tell
 * its terminal is a tty, and the master did not leak into it. */
static void test_child_view(void **state)
{
	(void)state;
	struct pty_pair p;
	assert_int_equal(pty_open(&p, 37, 91), 0);
	char script[256];
	snprintf(script, sizeof script,
		 "stty size; test -t 0 && echo tty; test -e /proc/self/fd/%d && echo leaked; "
		 "echo done",
		 p.master);
	pid_t pid = spawn_on(&p, script);
	size_t len;
	char *out = read_all(p.master, &len);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_string_equal(out, "37 91\r\ntty\r\ndone\r\n");
	free(out);
	close(p.master);
}

/* After a resize a new program sees the new size (and the shell that was
 * there got SIGWINCH). */
static void test_resize_seen(void **state)
{
	(void)state;
	struct pty_pair p;
	assert_int_equal(pty_open(&p, 24, 80), 0);
	pid_t pid = spawn_on(&p, "trap 'echo winch' WINCH; read x; stty size");
	usleep(100 * 1000); /* let the shell install its trap */
	assert_int_equal(pty_resize(p.master, 40, 132), 0);
	usleep(100 * 1000);
	assert_int_equal(write(p.master, "\n", 1), 1);
	size_t len;
	char *out = read_all(p.master, &len);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_non_null(strstr(out, "40 132\r\n"));
	assert_non_null(strstr(out, "winch"));
	free(out);
	close(p.master);
}

/* A child that writes a lot: every byte arrives, a read at a time, then
 * EIO. */
static void test_drain_everything(void **state)
{
	(void)state;
	struct pty_pair p;
	assert_int_equal(pty_open(&p, 24, 80), 0);
	pid_t pid = spawn_on(&p, "head -c 300000 /dev/zero | tr '\\0' x");
	usleep(200 * 1000); /* let the output pile up */
	size_t len;
	char *out = read_all(p.master, &len);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(len, 300000);
	for (size_t i = 0; i < len; i++)
		if (out[i] != 'x')
			fail_msg("byte %zu is %02x", i, (unsigned char)out[i]);
	free(out);
	/* Gone: EIO, not 0. */
	char buf[16];
	assert_int_equal(pty_read(p.master, buf, sizeof buf), -EIO);
	close(p.master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ends_and_flags),
		cmocka_unit_test(test_child_view),
		cmocka_unit_test(test_resize_seen),
		cmocka_unit_test(test_drain_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
