/* The async mconsole client against the in-process fake UML
 * (fake-mconsole.h): joined replies, floods, timeouts and late replies,
 * queueing, strangers, unreachable sockets, closing with requests pending.
 * Every test ends by closing the client and checking the loop closes clean
 * (no handle left behind). */
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
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "tests/unit/fake-mconsole.h"

struct reply {
	int calls;
	int status;
	int err;
	char *text;
	size_t len;
	int seq;         /* order in which replies came, from 1 */
	uint64_t at_ms;  /* when */
};

struct ctx {
	uv_loop_t loop;
	uv_timer_t watchdog;
	char dir[64];
	char path[128];
	struct fake_mc *fake;
	struct mc_client *c;
	int seq;
};

static struct ctx *cur; /* for callbacks that need the context */

static void on_watchdog(uv_timer_t *t)
{
	fail_msg("test hung: the loop still had work after 20 s");
}

static int setup(void **state)
{
	struct ctx *x = xcalloc(1, sizeof *x);
	strcpy(x->dir, "/tmp/mct.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof x->path, "%s/mconsole", x->dir);
	x->fake = fake_mc_start(x->path);
	assert_int_equal(uv_loop_init(&x->loop), 0);
	/* Unreferenced: it fails a hung test but keeps no loop alive. */
	uv_timer_init(&x->loop, &x->watchdog);
	uv_timer_start(&x->watchdog, on_watchdog, 20000, 0);
	uv_unref((uv_handle_t *)&x->watchdog);
	x->c = mc_client_new(&x->loop, x->path);
	cur = x;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *x = *state;
	if (x->c)
		mc_client_close(x->c);
	uv_close((uv_handle_t *)&x->watchdog, NULL);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&x->loop), 0);
	fake_mc_stop(x->fake);
	rmdir(x->dir);
	free(x);
	cur = NULL;
	return 0;
}

static void on_reply(void *arg, int status, int err, const char *text, size_t len)
{
	struct reply *r = arg;
	r->calls++;
	r->status = status;
	r->err = err;
	free(r->text);
	r->text = xmalloc(len + 1);
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	r->len = len;
	r->seq = ++cur->seq;
	r->at_ms = util_now_ms();
}

static void reply_free(struct reply *r)
{
	free(r->text);
	r->text = NULL;
}

/* Ask and run the loop until the reply is in. */
static void ask(struct ctx *x, const char *cmd, unsigned timeout_ms, struct reply *r)
{
	assert_int_equal(mc_request(x->c, cmd, timeout_ms, on_reply, r), 0);
	assert_int_equal(r->calls, 0); /* never from inside mc_request */
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(r->calls, 1);
}

static void echo(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "echo hello world", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err, 0);
	assert_string_equal(r.text, "hello world");
	assert_int_equal(mc_pending(x->c), 0);
	reply_free(&r);
}

static void expect_lines(const struct reply *r, long n)
{
	struct buf want = { 0 };
	for (long i = 0; i < n; i++)
		buf_printf(&want, "line %ld\n", i);
	assert_int_equal(r->len, want.len);
	assert_string_equal(r->text, want.data);
	buf_free(&want);
}

static void multi_packet(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "lines 15", 1000, &r);
	assert_int_equal(r.status, 0);
	expect_lines(&r, 15);
	reply_free(&r);
}

/* 150 packets sent the way UML sends them (a packet that does not fit in
 * our queue is lost): all arrive, none is dropped. */
static void flood(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "lines 150", 2000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(fake_mc_dropped(x->fake), 0);
	expect_lines(&r, 150);
	reply_free(&r);
}

/* A reply far larger than any socket buffer: joined only if we keep
 * draining across many wakeups. */
static void long_stream(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "stream 3000", 10000, &r);
	assert_int_equal(r.status, 0);
	expect_lines(&r, 3000);
	reply_free(&r);
}

/* Text cut at 511 bytes a packet, as UML cuts `help`, joins byte-exact. */
static void split_text(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "big 5000", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.len, 5000);
	for (size_t i = 0; i < r.len; i++)
		assert_int_equal(r.text[i], 'a' + (int)(i % 26));
	reply_free(&r);
}

static void errors(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "nosuch thing", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err, 1);
	assert_string_equal(r.text, "Unknown command");
	r.calls = 0;
	ask(x, "ebusy", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err, -EBUSY);
	assert_string_equal(r.text, "Device is currently open");
	r.calls = 0;
	ask(x, "headerless", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.err, 1);
	assert_string_equal(r.text, "ERR Version 0 mconsole clients are not supported");
	reply_free(&r);
}

static void garbage_then_next(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "garbage", 1000, &r);
	assert_int_equal(r.status, -EBADMSG);
	r.calls = 0;
	ask(x, "echo fine", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "fine");
	reply_free(&r);
}

static void silent_times_out(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	/* The timer runs from the loop's cached time, which may be behind
	 * the clock by what the last test spent: bring it up to date.  Both
	 * clocks count whole ms, so the two readings may differ by one. */
	uv_update_time(&x->loop);
	uint64_t t0 = util_now_ms();
	ask(x, "silent", 150, &r);
	uint64_t took = util_now_ms() - t0;
	assert_int_equal(r.status, -ETIMEDOUT);
	assert_true(took + 1 >= 150); /* not before its time */
	assert_true(took < 10000);    /* only a hang-stopper */
	r.calls = 0;
	ask(x, "echo alive", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "alive");
	reply_free(&r);
}

/* Half a reply, then silence: the half is not glued to the next reply. */
static void partial_times_out(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "partial", 150, &r);
	assert_int_equal(r.status, -ETIMEDOUT);
	r.calls = 0;
	ask(x, "echo whole", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "whole");
	reply_free(&r);
}

/* The reply to a timed-out request arrives while the next one is in
 * flight: the next one gets its own reply, not the stale one. */
static void late_reply_not_misattributed(void **state)
{
	struct ctx *x = *state;
	struct reply a = { 0 }, b = { 0 };
	assert_int_equal(mc_request(x->c, "slow 400 STALE", 100, on_reply, &a), 0);
	assert_int_equal(mc_request(x->c, "echo fresh", 2000, on_reply, &b), 0);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, -ETIMEDOUT);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, 0);
	assert_string_equal(b.text, "fresh");
	/* ...and the fake did send STALE before answering "echo fresh". */
	char *log = fake_mc_log(x->fake);
	assert_string_equal(log, "slow 400 STALE|echo fresh");
	free(log);
	reply_free(&a);
	reply_free(&b);
}

/* A UML that answers a request only when the next one comes in. */
static void owed_reply_not_misattributed(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "late STALE", 100, &r);
	assert_int_equal(r.status, -ETIMEDOUT);
	r.calls = 0;
	ask(x, "echo fresh", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "fresh");
	reply_free(&r);
}

/* Requests that end cleanly share one socket (a status poll costs no
 * socket, bind, connect, close); one that times out takes its socket
 * with it, so its late reply cannot reach the next request. */
static void socket_kept_while_clean(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	for (int i = 0; i < 5; i++) {
		r.calls = 0;
		ask(x, "echo same", 1000, &r);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.text, "same");
		reply_free(&r);
	}
	assert_int_equal(fake_mc_senders(x->fake), 1);
	r.calls = 0;
	ask(x, "late STALE", 100, &r);
	assert_int_equal(r.status, -ETIMEDOUT);
	r.calls = 0;
	ask(x, "echo fresh", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "fresh");
	reply_free(&r);
	assert_int_equal(fake_mc_senders(x->fake), 2);
}

static void queue_order(void **state)
{
	struct ctx *x = *state;
	struct reply r[4] = { { 0 } };
	const char *cmd[4] = { "slow 60 A", "slow 20 B", "echo C", "echo D" };
	for (int i = 0; i < 4; i++)
		assert_int_equal(mc_request(x->c, cmd[i], 2000, on_reply, &r[i]), 0);
	assert_int_equal(mc_pending(x->c), 4);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	const char *want[4] = { "A", "B", "C", "D" };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].seq, i + 1);
		assert_int_equal(r[i].status, 0);
		assert_string_equal(r[i].text, want[i]);
		reply_free(&r[i]);
	}
	assert_int_equal(mc_pending(x->c), 0);
	assert_false(fake_mc_overlap(x->fake));
	char *log = fake_mc_log(x->fake);
	assert_string_equal(log, "slow 60 A|slow 20 B|echo C|echo D");
	free(log);
}

static void stranger_ignored(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	ask(x, "stranger genuine", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "genuine");
	reply_free(&r);
}

static void unreachable(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	char path[160];
	snprintf(path, sizeof path, "%s/nothing", x->dir);
	mc_client_set_path(x->c, path);
	ask(x, "version", 1000, &r);
	assert_int_equal(r.status, -ENOENT);

	/* A socket file nobody serves: what a crashed UML leaves behind. */
	snprintf(path, sizeof path, "%s/stale", x->dir);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	close(s);
	mc_client_set_path(x->c, path);
	r.calls = 0;
	ask(x, "version", 1000, &r);
	assert_int_equal(r.status, -ECONNREFUSED);
	unlink(path);

	mc_client_set_path(x->c, NULL);
	r.calls = 0;
	ask(x, "version", 1000, &r);
	assert_int_equal(r.status, -ENOENT);

	/* Back to a live UML: the client is usable again. */
	mc_client_set_path(x->c, x->path);
	r.calls = 0;
	ask(x, "echo back", 1000, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.text, "back");
	reply_free(&r);
}

static void too_long(void **state)
{
	struct ctx *x = *state;
	struct reply r = { 0 };
	char cmd[600];
	memset(cmd, 'x', 512);
	cmd[512] = '\0';
	assert_int_equal(mc_request(x->c, cmd, 1000, on_reply, &r), -EMSGSIZE);
	assert_int_equal(mc_pending(x->c), 0);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(r.calls, 0);
	assert_int_equal(fake_mc_requests(x->fake), 0);
}

static void close_with_pending(void **state)
{
	struct ctx *x = *state;
	struct reply r[3] = { { 0 } };
	assert_int_equal(mc_request(x->c, "silent", 5000, on_reply, &r[0]), 0);
	assert_int_equal(mc_request(x->c, "echo a", 5000, on_reply, &r[1]), 0);
	assert_int_equal(mc_request(x->c, "echo b", 5000, on_reply, &r[2]), 0);
	mc_client_close(x->c);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].status, -ECANCELED);
		assert_int_equal(r[i].seq, i + 1);
	}
	struct reply late = { 0 };
	assert_int_equal(mc_request(x->c, "echo c", 5000, on_reply, &late), -ECANCELED);
	x->c = NULL;
	uv_run(&x->loop, UV_RUN_DEFAULT);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		reply_free(&r[i]);
	}
	assert_int_equal(late.calls, 0);
	/* Only the first was ever sent. */
	assert_true(fake_mc_requests(x->fake) <= 1);
}

static void close_in_callback_cb(void *arg, int status, int err, const char *text,
				 size_t len)
{
	on_reply(arg, status, err, text, len);
	mc_client_close(cur->c);
	cur->c = NULL;
}

static void close_in_callback(void **state)
{
	struct ctx *x = *state;
	struct reply r[2] = { { 0 } };
	assert_int_equal(mc_request(x->c, "echo one", 1000, close_in_callback_cb, &r[0]), 0);
	assert_int_equal(mc_request(x->c, "echo two", 1000, on_reply, &r[1]), 0);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(r[0].status, 0);
	assert_string_equal(r[0].text, "one");
	assert_int_equal(r[1].calls, 1);
	assert_int_equal(r[1].status, -ECANCELED);
	reply_free(&r[0]);
	reply_free(&r[1]);
}

/* A callback that asks again before reading its text: the text it was
 * given must still be its own. */
struct chain {
	int left;
	int got;
	bool ok;
};

static void chain_cb(void *arg, int status, int err, const char *text, size_t len)
{
	struct chain *ch = arg;
	char want[32];
	snprintf(want, sizeof want, "n%d", ch->got);
	if (ch->left > 0) {
		ch->left--;
		char cmd[32];
		snprintf(cmd, sizeof cmd, "echo n%d", ch->got + 1);
		if (mc_request(cur->c, cmd, 1000, chain_cb, ch) != 0)
			ch->ok = false;
	}
	if (status != 0 || len != strlen(want) || memcmp(text, want, len) != 0)
		ch->ok = false;
	ch->got++;
}

static void request_from_callback(void **state)
{
	struct ctx *x = *state;
	struct chain ch = { .left = 9, .ok = true };
	assert_int_equal(mc_request(x->c, "echo n0", 1000, chain_cb, &ch), 0);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	assert_int_equal(ch.got, 10);
	assert_true(ch.ok);
}

/* The UML's own queue is full (it is not reading): the request waits
 * until it can be sent, then gets its reply. */
static void uml_queue_full(void **state)
{
	struct ctx *x = *state;
	struct reply a = { 0 }, b = { 0 };
	assert_int_equal(mc_request(x->c, "pause 300", 3000, on_reply, &a), 0);
	for (int i = 0; i < 200 && fake_mc_requests(x->fake) < 1; i++)
		usleep(5000);
	assert_int_equal(fake_mc_requests(x->fake), 1);
	int junk = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un to = { .sun_family = AF_UNIX };
	strcpy(to.sun_path, x->path);
	int queued = 0;
	while (sendto(junk, "junk", 4, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to) == 4)
		queued++;
	assert_int_equal(errno, EAGAIN);
	assert_true(queued > 0);
	struct mc_client *c2 = mc_client_new(&x->loop, x->path);
	assert_int_equal(mc_request(c2, "echo after", 3000, on_reply, &b), 0);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	close(junk);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.text, "resumed");
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, 0);
	assert_string_equal(b.text, "after");
	mc_client_close(c2);
	reply_free(&a);
	reply_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(echo),
		T(multi_packet),
		T(flood),
		T(long_stream),
		T(split_text),
		T(errors),
		T(garbage_then_next),
		T(silent_times_out),
		T(partial_times_out),
		T(late_reply_not_misattributed),
		T(owed_reply_not_misattributed),
		T(socket_kept_while_clean),
		T(queue_order),
		T(stranger_ignored),
		T(unreachable),
		T(too_long),
		T(close_with_pending),
		T(close_in_callback),
		T(request_from_callback),
		T(uml_queue_full),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
