/* cli/conn.c against fake peers: a server of another protocol version
 * (its HELLO, or its refusal in words) on a local socket and through a
 * fake ssh, and the ssh child's life: the ssh command line, ssh's reason
 * in the closed callback, a link killed by the ssh child's pid, and
 * conn_close reaping the child.  The fake ssh is this program run again
 * (UMLTOP_SSH=itself, TEST_CONN_FAKE says what to play). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/conn.h"
#include "cli/hosts.h"
#include "lib/util.h"
#include "proto/proto.h"

static char dir[] = "/tmp/test_conn.XXXXXX";

struct seen {
	int frames, closed;
	char why[1024];
};

static void frame_cb(void *arg, const struct proto_frame *f)
{
	struct seen *s = arg;
	(void)f;
	s->frames++;
}

static void closed_cb(void *arg, const char *why)
{
	struct seen *s = arg;
	s->closed++;
	snprintf(s->why, sizeof s->why, "%s", why);
}

static const struct conn_cb cb = { .frame = frame_cb, .closed = closed_cb };

static void hello_frame(struct buf *b, uint32_t version)
{
	size_t start = proto_begin(b, PROTO_HELLO);
	proto_put_u32(b, version);
	proto_put_str(b, "server");
	proto_end(b, start);
}

static void reply_frame(struct buf *b, const char *text)
{
	size_t start = proto_begin(b, PROTO_REPLY);
	proto_put_u32(b, 0);
	proto_put_u32(b, PROTO_USAGE);
	proto_put_str(b, text);
	proto_end(b, start);
}

/* The client's HELLO, read whole from fd: its version. */
static uint32_t read_hello(int fd)
{
	uint8_t in[256];
	size_t n = 0;
	struct proto_frame f;
	long used = 0;
	while ((used = proto_frame_next(in, n, &f)) == 0) {
		ssize_t r = read(fd, in + n, sizeof in - n);
		if (r <= 0)
			return 0;
		n += (size_t)r;
	}
	if (used < 0 || f.type != PROTO_HELLO)
		return 0;
	struct proto_reader rd;
	proto_reader_init(&rd, &f);
	return proto_get_u32(&rd);
}

/* ---- the fake ssh (this program, run by conn.c) ---- */

static int fake_ssh(int argc, char **argv, const char *play)
{
	char *path = xasprintf("%s/argv", getenv("TEST_CONN_DIR"));
	FILE *f = fopen(path, "w");
	for (int i = 0; i < argc; i++)
		fprintf(f, "%s\n", argv[i]);
	fclose(f);
	free(path);
	struct buf b = { 0 };
	if (!strcmp(play, "refused")) {
		fprintf(stderr, "Warning: Permanently added 'box' (ED25519) to the list of known "
				"hosts.\r\nalice@box: Permission denied (publickey).\r\n");
		return 255;
	}
	if (!strcmp(play, "held-stderr")) {
		/* ssh gone, its stderr still open in a child (a ProxyCommand's) */
		pid_t kid = fork();
		if (kid == 0) {
			close(0);
			close(1);
			sleep(30);
			_exit(0);
		}
		char *p = xasprintf("%s/kid", getenv("TEST_CONN_DIR"));
		FILE *k = fopen(p, "w");
		fprintf(k, "%d\n", (int)kid);
		fclose(k);
		free(p);
		fprintf(stderr, "kex_exchange_identification: Connection closed\n");
		return 255;
	}
	if (!strcmp(play, "no-server")) {
		/* a proxy there whose server would not start: its reason first */
		fprintf(stderr, "/etc/umltop/web.conf:3: MEMORY='lots' is not a size\n"
				"umltop server: invalid config, nothing started\n"
				"umltop proxy: could not start the server on /run/umltop/sock "
				"(see above)\n");
		return 3;
	}
	if (read_hello(0) != PROTO_VERSION)
		return 9;
	if (!strcmp(play, "v3")) {
		hello_frame(&b, 3);
	} else if (!strcmp(play, "v5-words")) {
		reply_frame(&b, "protocol version 4, server speaks 5");
	} else {
		/* "serve": a server of our version that then says nothing */
		fprintf(stderr, "Warning: Permanently added 'box' to the list of known hosts.\n");
		hello_frame(&b, PROTO_VERSION);
	}
	util_write_all(1, b.data, b.len);
	buf_free(&b);
	if (!strcmp(play, "serve"))
		for (;;)
			pause();
	return 0;
}

/* ---- a fake server on a local socket ---- */

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* A local server answering HELLO with `answer`: what the client says. */
static void local_peer(const struct buf *answer, struct seen *s, char **where)
{
	*where = xasprintf("%s/sock", dir);
	int lfd = listen_at(*where);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct conn_opts o = { .socket = *where, .who = "test" };
	struct conn *c;
	char err[256];
	assert_int_equal(conn_open(&loop, &o, &cb, s, &c, err, sizeof err), 0);
	assert_int_equal(conn_pid(c), 0);
	int fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	/* the loop wrote our HELLO as soon as it could: run it till then */
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(read_hello(fd), PROTO_VERSION);
	util_write_all(fd, answer->data, answer->len);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	close(fd);
	close(lfd);
}

static void local_other_hello(void **state)
{
	(void)state;
	struct buf b = { 0 };
	hello_frame(&b, 3);
	struct seen s = { 0 };
	char *where;
	local_peer(&b, &s, &where);
	char *want = xasprintf("the server on %s speaks protocol version 3, this umltop speaks %u",
			       where, PROTO_VERSION);
	assert_int_equal(s.closed, 1);
	assert_string_equal(s.why, want);
	assert_int_equal(s.frames, 0);
	free(want);
	free(where);
	buf_free(&b);
}

static void local_other_words(void **state)
{
	(void)state;
	struct buf b = { 0 };
	reply_frame(&b, "protocol version 4, server speaks 5");
	struct seen s = { 0 };
	char *where;
	local_peer(&b, &s, &where);
	char *want = xasprintf("the server on %s speaks protocol version 5, this umltop speaks 4",
			       where);
	assert_string_equal(s.why, want);
	free(want);
	free(where);
	buf_free(&b);
}

/* ---- through the fake ssh ---- */

static struct host host2(void)
{
	static char *opts[] = { "-p", "2222", NULL };
	struct host h = { .name = "h2", .dest = "alice@box", .socket = "/run/u m/s",
			  .ssh_opt = opts, .nssh_opt = 2 };
	return h;
}

/* conn_open to h2 with the fake playing `play`; the loop runs until the
 * conn is gone.  kill_after_hello: the test drops the link by the pid. */
static void via_ssh(const char *play, struct seen *s, bool kill_after_hello)
{
	setenv("TEST_CONN_FAKE", play, 1);
	struct host h = host2();
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct conn_opts o = { .host = &h, .who = "test" };
	struct conn *c;
	char err[256];
	assert_int_equal(conn_open(&loop, &o, &cb, s, &c, err, sizeof err), 0);
	pid_t pid = conn_pid(c);
	assert_true(pid > 0);
	if (kill_after_hello) {
		while (!conn_established(c))
			uv_run(&loop, UV_RUN_ONCE);
		assert_int_equal(kill(pid, SIGKILL), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(kill(pid, 0), -1); /* reaped, not a zombie */
	unsetenv("TEST_CONN_FAKE");
}

static void ssh_command_line(void **state)
{
	(void)state;
	struct seen s = { 0 };
	via_ssh("v3", &s, false);
	char *path = xasprintf("%s/argv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char got[1024] = "", line[256];
	while (fgets(line, sizeof line, f))
		strcat(got, line);
	fclose(f);
	free(path);
	/* the program itself, then ssh's arguments */
	const char *args = strchr(got, '\n') + 1;
	/* the host's options before the defaults: ssh keeps the first value */
	assert_string_equal(args, "-T\n-oBatchMode=yes\n-p\n2222\n-oConnectTimeout=10\n"
				  "-oServerAliveInterval=5\n-oServerAliveCountMax=3\n--\n"
				  "alice@box\numltop\nproxy\n-S\n'/run/u m/s'\n");
	assert_string_equal(s.why, "the server on h2 speaks protocol version 3, this umltop "
				   "speaks 4");
}

static void ssh_other_words(void **state)
{
	(void)state;
	struct seen s = { 0 };
	via_ssh("v5-words", &s, false);
	assert_string_equal(s.why, "the server on h2 speaks protocol version 5, this umltop "
				   "speaks 4");
}

static void ssh_refused(void **state)
{
	(void)state;
	struct seen s = { 0 };
	via_ssh("refused", &s, false);
	assert_int_equal(s.closed, 1);
	assert_string_equal(s.why, "alice@box: Permission denied (publickey). (ssh exited with "
				   "status 255)");
}

/* "(see above)" alone says nothing: the line above comes with it */
static void ssh_no_server(void **state)
{
	(void)state;
	struct seen s = { 0 };
	via_ssh("no-server", &s, false);
	assert_int_equal(s.closed, 1);
	assert_string_equal(s.why, "/etc/umltop/web.conf:3: MEMORY='lots' is not a size; "
				   "umltop server: invalid config, nothing started; umltop "
				   "proxy: could not start the server on /run/umltop/sock (see "
				   "above) (ssh exited with status 3)");
}

/* ssh exited but a child of its holds its stderr: the link still ends,
 * after the linger, not when the child does (30 s) */
static void ssh_stderr_held(void **state)
{
	(void)state;
	struct seen s = { 0 };
	uint64_t t0 = util_now_ms();
	via_ssh("held-stderr", &s, false);
	uint64_t took = util_now_ms() - t0;
	char *p = xasprintf("%s/kid", dir);
	FILE *k = fopen(p, "r");
	int kid = 0;
	if (k) {
		if (fscanf(k, "%d", &kid) != 1)
			kid = 0;
		fclose(k);
	}
	free(p);
	if (kid > 0)
		kill(kid, SIGKILL); /* the fake's child: stopped by its pid */
	assert_int_equal(s.closed, 1);
	assert_string_equal(s.why, "kex_exchange_identification: Connection closed (ssh exited "
				   "with status 255)");
	assert_true(took < 20000);
}

static void ssh_dropped(void **state)
{
	(void)state;
	struct seen s = { 0 };
	via_ssh("serve", &s, true);
	assert_int_equal(s.closed, 1);
	/* the known_hosts warning from before HELLO is not the reason */
	assert_string_equal(s.why, "the connection dropped (ssh killed by signal 9, Killed)");
}

static void ssh_closed_reaps(void **state)
{
	(void)state;
	setenv("TEST_CONN_FAKE", "serve", 1);
	struct host h = host2();
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct conn_opts o = { .host = &h, .who = "test" };
	struct conn *c;
	struct seen s = { 0 };
	char err[256];
	assert_int_equal(conn_open(&loop, &o, &cb, &s, &c, err, sizeof err), 0);
	pid_t pid = conn_pid(c);
	while (!conn_established(c))
		uv_run(&loop, UV_RUN_ONCE);
	conn_close(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(s.closed, 0); /* closing is not being dropped */
	assert_int_equal(kill(pid, 0), -1);
	unsetenv("TEST_CONN_FAKE");
}

static void ssh_missing(void **state)
{
	(void)state;
	setenv("UMLTOP_SSH", "/nonexistent/ssh", 1);
	struct host h = host2();
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct conn_opts o = { .host = &h, .who = "test" };
	struct conn *c = NULL;
	struct seen s = { 0 };
	char err[256];
	assert_int_equal(conn_open(&loop, &o, &cb, &s, &c, err, sizeof err), -ENOENT);
	assert_string_equal(err, "h2: cannot run /nonexistent/ssh: no such file or directory");
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n] = '\0';
	setenv("UMLTOP_SSH", self, 1);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	setenv("UMLTOP_SSH", self, 1);
	setenv("TEST_CONN_DIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *play = getenv("TEST_CONN_FAKE");
	if (play)
		return fake_ssh(argc, argv, play);
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_other_hello), cmocka_unit_test(local_other_words),
		cmocka_unit_test(ssh_command_line),  cmocka_unit_test(ssh_other_words),
		cmocka_unit_test(ssh_refused),       cmocka_unit_test(ssh_dropped),
		cmocka_unit_test(ssh_closed_reaps),  cmocka_unit_test(ssh_missing),
		cmocka_unit_test(ssh_no_server),     cmocka_unit_test(ssh_stderr_held),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
