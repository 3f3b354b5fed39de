/* uml/feed.c: consoles emulated on the feeder's thread end up exactly as
 * if the main thread had fed them itself, feed_lock() always finds a
 * console up to date with every byte handed over, feed_peek() a whole
 * picture, and a reader held back by feed_behind() is let go again. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <uv.h>

#include "tests/unit/test_term_util.h"
#include "uml/feed.h"

#define ROWS 24
#define COLS 80
#define SB 2000

/* Hands s over in pieces of pty-read sizes (1..4096 bytes). */
static void hand_over(struct feed *fd, struct tt_rng *r, const char *s, size_t len)
{
	while (len) {
		size_t n = 1 + (size_t)tt_below(r, 4096); /* once: MIN is a macro */
		n = MIN(len, n);
		feed_bytes(fd, s, n);
		s += n;
		len -= n;
	}
}

static void assert_same(struct term *want, struct feed *fd)
{
	char why[256] = "";
	struct term *got = feed_lock(fd);
	bool same = tt_same(want, got, term_scrollback_len(want), why, sizeof why);
	feed_unlock(fd);
	if (!same)
		fail_msg("the fed console differs from the inline one: %s", why);
}

/* Random streams, three consoles at once on one worker: each ends cell for
 * cell and line for line of scrollback like a term fed inline. */
static void same_as_inline(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	struct term *want[3], *t[3];
	struct feed *fd[3];
	struct buf stream[3] = { { 0 } };
	for (unsigned i = 0; i < 3; i++) {
		struct tt_rng r = { 0x9e3779b97f4a7c15ull * (i + 1) };
		tt_stream(&r, &stream[i], ROWS, COLS, 4000);
		want[i] = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
		term_feed(want[i], stream[i].data, stream[i].len);
		t[i] = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
		fd[i] = feed_new(f, t[i], NULL, NULL);
	}
	/* interleaved, as the main loop reads three busy consoles */
	struct tt_rng r = { 42 };
	size_t off[3] = { 0 };
	for (bool left = true; left;) {
		left = false;
		for (unsigned i = 0; i < 3; i++) {
			size_t n = 1 + (size_t)tt_below(&r, 4096);
			n = MIN(stream[i].len - off[i], n);
			if (n) {
				feed_bytes(fd[i], stream[i].data + off[i], n);
				off[i] += n;
				left = true;
			}
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_same(want[i], fd[i]);
		feed_free(fd[i]);
		term_free(t[i]);
		term_free(want[i]);
		buf_free(&stream[i]);
	}
	feeder_free(f);
}

/* While the worker is busy with a flood, every feed_lock() shows the last
 * line handed over, never an older one. */
static void lock_is_up_to_date(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	struct term *t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	struct feed *fd = feed_new(f, t, NULL, NULL);
	struct tt_rng r = { 7 };
	char line[64], want[64], got[128];
	unsigned behind = 0;
	for (unsigned i = 0; i < 20000; i++) {
		int n = snprintf(line, sizeof line, "\033[3%umline %06u\033[0m padding padding\r\n",
				 i % 8, i);
		hand_over(fd, &r, line, (size_t)n);
		if (i % 97)
			continue;
		snprintf(want, sizeof want, "line %06u padding padding", i);
		struct term *u = feed_lock(fd);
		int row, col;
		bool vis;
		term_cursor(u, &row, &col, &vis);
		term_row_text(u, row - 1, got, sizeof got);
		feed_unlock(fd);
		if (strcmp(got, want))
			fail_msg("after handing over '%s' the console shows '%s'", want, got);
		behind++;
	}
	assert_true(behind > 200);
	feed_free(fd);
	term_free(t);
	feeder_free(f);
}

/* feed_peek() leaves the backlog to the worker, and what it shows is a
 * whole picture: the finished lines on screen follow each other, and none
 * is newer than what was handed over. */
static void peek_is_a_whole_picture(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	struct term *t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	struct feed *fd = feed_new(f, t, NULL, NULL);
	struct tt_rng r = { 11 };
	char block[64 * 100], got[128];
	unsigned behind = 0;
	for (unsigned i = 99; i < 20000; i += 100) {
		/* in blocks, as a flood comes: reads too big to feed inline */
		size_t n = 0;
		for (unsigned k = i - 99; k <= i; k++)
			n += (size_t)snprintf(block + n, sizeof block - n,
					      "\033[3%umline %06u\033[0m padding\r\n", k % 8, k);
		/* once for certain: the term held while the block comes, so the
		 * worker cannot have shown it yet (however busy the machine) */
		bool hold = i == 99;
		struct term *u = hold ? feed_peek(fd) : NULL;
		hand_over(fd, &r, block, n);
		if (!hold)
			u = feed_peek(fd);
		int row, col;
		bool vis;
		term_cursor(u, &row, &col, &vis);
		long prev = -1;
		for (int y = 0; y < row; y++) {
			unsigned k;
			term_row_text(u, y, got, sizeof got);
			if (sscanf(got, "line %u padding", &k) != 1)
				continue; /* the screen before the flood filled it */
			if (k > i)
				fail_msg("peek shows line %u, handed over up to %u", k, i);
			if (prev >= 0 && k != (unsigned)prev + 1)
				fail_msg("peek shows line %ld, then %u", prev, k);
			prev = k;
		}
		feed_unlock(fd);
		behind += prev < (long)i;
	}
	assert_true(behind > 0); /* it did not catch up */
	struct term *u = feed_lock(fd); /* and the lock still does */
	int row, col;
	bool vis;
	term_cursor(u, &row, &col, &vis);
	term_row_text(u, row - 1, got, sizeof got);
	feed_unlock(fd);
	assert_string_equal(got, "line 019999 padding");
	feed_free(fd);
	term_free(t);
	feeder_free(f);
}

struct drained_count {
	uv_mutex_t mu;
	uv_cond_t cond;
	unsigned n;
};

static void count_drained(void *arg)
{
	struct drained_count *d = arg;
	uv_mutex_lock(&d->mu);
	d->n++;
	uv_cond_signal(&d->cond);
	uv_mutex_unlock(&d->mu);
}

/* A reader that stops when feed_behind() says so (as the server stops
 * reading the console) is told to go on by drained(), once per stop, from
 * the worker or from a feed_lock() that caught up; nothing handed over is
 * lost. */
static void behind_then_drained(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	/* a build log's worth of coloured lines (tt_stream's combining marks
	 * would trip libvterm: U+3099 after a glyph is combined when it comes
	 * in a write of its own, drawn apart when in the same write) */
	struct buf stream = { 0 };
	for (unsigned i = 0; stream.len < 3 * 1024 * 1024 + 1000; i++)
		buf_printf(&stream, "\033[3%um%06u\033[0m cc -O2 -c src/file%u.c -o obj/file%u.o\r\n",
			   i % 8, i, i % 977, i % 977);
	struct term *want = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	term_feed(want, stream.data, stream.len);
	struct term *t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	struct drained_count d = { .n = 0 };
	assert_int_equal(uv_mutex_init(&d.mu), 0);
	assert_int_equal(uv_cond_init(&d.cond), 0);
	struct feed *fd = feed_new(f, t, count_drained, &d);
	size_t off = 0;
	unsigned stops = 0, by_lock = 0;
	while (off < stream.len) {
		/* The term is looked at (feed_peek()) while more comes in: the
		 * worker waits for it, so the reader gets behind however the two
		 * threads are scheduled (a busy machine let the worker keep up). */
		(void)feed_peek(fd);
		bool behind = false;
		while (off < stream.len && !(behind = feed_behind(fd))) {
			size_t n = MIN(stream.len - off, 4096);
			feed_bytes(fd, stream.data + off, n);
			off += n;
		}
		feed_unlock(fd);
		if (!behind)
			break;
		stops++;
		uv_mutex_lock(&d.mu);
		unsigned before = d.n;
		uv_mutex_unlock(&d.mu);
		if (stops % 2 == 0) {
			/* the main thread needs the term meanwhile: it catches up */
			(void)feed_lock(fd);
			feed_unlock(fd);
			by_lock++;
		}
		uv_mutex_lock(&d.mu);
		while (d.n == before)
			if (uv_cond_timedwait(&d.cond, &d.mu, 10 * 1000000000ull) == UV_ETIMEDOUT)
				fail_msg("stop %u (%s): no drained() in 10 s", stops,
					 stops % 2 ? "the worker catches up" : "feed_lock()");
		assert_int_equal(d.n, before + 1);
		uv_mutex_unlock(&d.mu);
		assert_false(feed_behind(fd));
	}
	assert_true(stops >= 2);
	assert_true(by_lock >= 1);
	assert_same(want, fd);
	uv_mutex_lock(&d.mu);
	assert_int_equal(d.n, stops);
	uv_mutex_unlock(&d.mu);
	feed_free(fd);
	uv_cond_destroy(&d.cond);
	uv_mutex_destroy(&d.mu);
	term_free(t);
	term_free(want);
	buf_free(&stream);
	feeder_free(f);
}

/* A query the guest sends is answered through the term's output callback,
 * in order, whichever thread fed it. */
struct answers {
	struct buf b;
};
static void on_output(void *arg, const char *bytes, size_t len)
{
	buf_append(&((struct answers *)arg)->b, bytes, len);
}

static void answers_come_back(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	struct answers a = { { 0 } };
	static const struct term_callbacks cb = { .output = on_output };
	struct term *t = term_new(ROWS, COLS, SB, TERM_ANSWER, &cb, &a);
	struct feed *fd = feed_new(f, t, NULL, NULL);
	char big[512]; /* past what is fed inline: the worker answers */
	memset(big, 'x', sizeof big);
	memcpy(big + sizeof big - 11, "\033[5;9H\033[6n", 11);
	feed_bytes(fd, big, sizeof big);
	feed_bytes(fd, "\033[12;30H\033[6n", 13);
	/* the answers are made by the worker: wait until both are in */
	for (int i = 0; i < 2000; i++) {
		struct term *u = feed_lock(fd);
		(void)u;
		size_t len = a.b.len;
		feed_unlock(fd);
		if (len >= 14)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	feed_lock(fd);
	assert_int_equal(a.b.len, 14);
	assert_memory_equal(a.b.data, "\033[5;9R\033[12;30R", 14);
	feed_unlock(fd);
	feed_free(fd);
	term_free(t);
	buf_free(&a.b);
	feeder_free(f);
}

/* A console freed while the worker is deep in its backlog: the free waits
 * for the worker, and nothing is touched afterwards (ASan checks). */
static void free_while_busy(void **state)
{
	(void)state;
	struct feeder *f = feeder_new();
	assert_non_null(f);
	struct buf s = { 0 };
	struct tt_rng r = { 99 };
	tt_stream(&r, &s, ROWS, COLS, 3000);
	for (unsigned round = 0; round < 20; round++) {
		struct term *t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
		struct feed *fd = feed_new(f, t, NULL, NULL);
		hand_over(fd, &r, s.data, s.len);
		feed_free(fd);
		term_free(t);
	}
	buf_free(&s);
	feeder_free(f);
}

/* Without a feeder, bytes are fed at once. */
static void inline_feed(void **state)
{
	(void)state;
	struct term *t = term_new(ROWS, COLS, SB, TERM_SILENT, NULL, NULL);
	struct feed *fd = feed_new(NULL, t, NULL, NULL);
	feed_bytes(fd, "inline\r\n", 8);
	char got[32];
	term_row_text(t, 0, got, sizeof got); /* no lock needed: no thread */
	assert_string_equal(got, "inline");
	feed_free(fd);
	term_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_as_inline),
		cmocka_unit_test(lock_is_up_to_date),
		cmocka_unit_test(peek_is_a_whole_picture),
		cmocka_unit_test(behind_then_drained),
		cmocka_unit_test(answers_come_back),
		cmocka_unit_test(free_while_busy),
		cmocka_unit_test(inline_feed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
