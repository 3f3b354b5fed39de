/* uml/feed.c: console emulation on a worker thread (see feed.h).
 *
 * Each feed has two buffers: pending, where the main thread appends what
 * it reads (under the feeder's mutex), and work, what is being fed (under
 * the feed's own term mutex).  Whoever holds the term mutex feeds work,
 * then swaps pending in, oldest bytes first; so the main thread, taking the
 * term mutex, can finish what the worker started and find the term up to
 * date.  Lock order: a feed's term mutex, then the feeder's mutex. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

#include "lib/util.h"
#include "term/term.h"
#include "uml/feed.h"

/* What the worker feeds under one hold of a term's lock: about 0.3 ms of
 * emulation, so the main thread never waits long for a term and consoles
 * take turns. */
#define SLICE (16 * 1024)
/* Bytes waiting past which a console is behind (feed_behind()): its
 * reader holds the guest back until the worker is down to BACKLOG_LOW. */
#define BACKLOG_MAX (1024 * 1024)
#define BACKLOG_LOW (BACKLOG_MAX / 4)
/* Past this the main thread feeds a console itself, for a reader that
 * goes on reading (a console's last words): memory stays bounded. */
#define BACKLOG_HARD (4 * BACKLOG_MAX)
/* A read this small, with nothing waiting before it, is fed at once on the
 * main thread: an echo or a prompt costs less to emulate than waking the
 * worker (a futex wake and a CPU the echo's reader may want). */
#define INLINE_MAX 256

struct feed {
	struct feeder *f;
	struct term *t;
	uv_mutex_t term_mu; /* held while t is fed or looked at */
	struct buf work;    /* under term_mu */
	size_t work_off;
	struct buf pending; /* under f->mu */
	bool queued;        /* on f's run queue; under f->mu */
	bool behind;        /* said so, drained() not yet called; under f->mu */
	void (*drained)(void *arg);
	void *arg;
	struct feed *next;
};

struct feeder {
	uv_thread_t thread;
	uv_mutex_t mu;
	uv_cond_t wake; /* a feed queued, or stop */
	uv_cond_t idle; /* busy changed */
	struct feed *head, *tail;
	struct feed *busy; /* the feed the worker is in */
	bool stop;
};

static void enqueue(struct feeder *f, struct feed *fd)
{
	fd->queued = true;
	fd->next = NULL;
	if (f->tail)
		f->tail->next = fd;
	else
		f->head = fd;
	f->tail = fd;
}

static void unlink_feed(struct feeder *f, struct feed *fd)
{
	struct feed **pp = &f->head, *prev = NULL;
	while (*pp && *pp != fd) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = fd->next;
	if (f->tail == fd)
		f->tail = prev;
	fd->queued = false;
	fd->next = NULL;
}

/* term_mu held.  Feeds up to limit bytes of what was handed over, oldest
 * first; true when more is left. */
static bool catch_up(struct feed *fd, size_t limit)
{
	for (;;) {
		if (fd->work_off == fd->work.len) {
			fd->work.len = fd->work_off = 0;
			uv_mutex_lock(&fd->f->mu);
			struct buf b = fd->work;
			fd->work = fd->pending;
			fd->pending = b;
			uv_mutex_unlock(&fd->f->mu);
			if (fd->work.len == 0)
				return false;
		}
		if (limit == 0)
			return true;
		size_t n = MIN(limit, fd->work.len - fd->work_off);
		term_feed(fd->t, fd->work.data + fd->work_off, n);
		fd->work_off += n;
		limit -= n;
	}
}

/* term_mu held, after catching up: tells the reader that was told it
 * was behind when the backlog is down to BACKLOG_LOW. */
static void check_drained(struct feed *fd)
{
	size_t left = fd->work.len - fd->work_off;
	uv_mutex_lock(&fd->f->mu);
	left += fd->pending.len;
	bool drained = fd->behind && left <= BACKLOG_LOW;
	if (drained)
		fd->behind = false;
	uv_mutex_unlock(&fd->f->mu);
	if (drained && fd->drained)
		fd->drained(fd->arg);
}

static void worker(void *arg)
{
	struct feeder *f = arg;
	uv_mutex_lock(&f->mu);
	for (;;) {
		while (!f->stop && !f->head)
			uv_cond_wait(&f->wake, &f->mu);
		if (f->stop)
			break;
		struct feed *fd = f->head;
		unlink_feed(f, fd);
		f->busy = fd;
		uv_mutex_unlock(&f->mu);

		uv_mutex_lock(&fd->term_mu);
		bool more = catch_up(fd, SLICE);
		check_drained(fd);
		uv_mutex_unlock(&fd->term_mu);

		uv_mutex_lock(&f->mu);
		f->busy = NULL;
		if (more && !fd->queued)
			enqueue(f, fd); /* at the tail: the other consoles first */
		uv_cond_broadcast(&f->idle);
	}
	uv_mutex_unlock(&f->mu);
}

struct feeder *feeder_new(void)
{
	struct feeder *f = xcalloc(1, sizeof *f);
	if (uv_mutex_init(&f->mu) < 0)
		goto fail_mu;
	if (uv_cond_init(&f->wake) < 0)
		goto fail_wake;
	if (uv_cond_init(&f->idle) < 0)
		goto fail_idle;
	if (uv_thread_create(&f->thread, worker, f) < 0)
		goto fail_thread;
	return f;
fail_thread:
	uv_cond_destroy(&f->idle);
fail_idle:
	uv_cond_destroy(&f->wake);
fail_wake:
	uv_mutex_destroy(&f->mu);
fail_mu:
	free(f);
	return NULL;
}

void feeder_free(struct feeder *f)
{
	if (!f)
		return;
	uv_mutex_lock(&f->mu);
	f->stop = true;
	uv_cond_signal(&f->wake);
	uv_mutex_unlock(&f->mu);
	uv_thread_join(&f->thread);
	uv_cond_destroy(&f->idle);
	uv_cond_destroy(&f->wake);
	uv_mutex_destroy(&f->mu);
	free(f);
}

struct feed *feed_new(struct feeder *f, struct term *t, void (*drained)(void *arg), void *arg)
{
	struct feed *fd = xcalloc(1, sizeof *fd);
	fd->f = f;
	fd->t = t;
	fd->drained = drained;
	fd->arg = arg;
	if (uv_mutex_init(&fd->term_mu) < 0)
		abort(); /* as for memory: not recoverable */
	return fd;
}

void feed_free(struct feed *fd)
{
	if (!fd)
		return;
	struct feeder *f = fd->f;
	if (f) {
		uv_mutex_lock(&f->mu);
		while (f->busy == fd)
			uv_cond_wait(&f->idle, &f->mu);
		unlink_feed(f, fd);
		uv_mutex_unlock(&f->mu);
	}
	uv_mutex_destroy(&fd->term_mu);
	buf_free(&fd->work);
	buf_free(&fd->pending);
	free(fd);
}

void feed_bytes(struct feed *fd, const char *bytes, size_t len)
{
	struct feeder *f = fd->f;
	if (!f) {
		uv_mutex_lock(&fd->term_mu);
		term_feed(fd->t, bytes, len);
		uv_mutex_unlock(&fd->term_mu);
		return;
	}
	if (len <= INLINE_MAX && uv_mutex_trylock(&fd->term_mu) == 0) {
		bool idle = fd->work_off == fd->work.len;
		if (idle) {
			uv_mutex_lock(&f->mu);
			idle = fd->pending.len == 0;
			uv_mutex_unlock(&f->mu);
		}
		if (idle)
			term_feed(fd->t, bytes, len);
		uv_mutex_unlock(&fd->term_mu);
		if (idle)
			return;
	}
	uv_mutex_lock(&f->mu);
	buf_append(&fd->pending, bytes, len);
	bool behind = fd->pending.len > BACKLOG_HARD;
	if (!fd->queued) {
		enqueue(f, fd);
		uv_cond_signal(&f->wake);
	}
	uv_mutex_unlock(&f->mu);
	if (behind) {
		feed_lock(fd);
		feed_unlock(fd);
	}
}

bool feed_behind(struct feed *fd)
{
	struct feeder *f = fd->f;
	if (!f)
		return false;
	uv_mutex_lock(&f->mu);
	if (fd->pending.len > BACKLOG_MAX)
		fd->behind = true;
	bool behind = fd->behind;
	uv_mutex_unlock(&f->mu);
	return behind;
}

struct term *feed_lock(struct feed *fd)
{
	uv_mutex_lock(&fd->term_mu);
	if (fd->f) {
		catch_up(fd, SIZE_MAX);
		check_drained(fd);
	}
	return fd->t;
}

struct term *feed_peek(struct feed *fd)
{
	uv_mutex_lock(&fd->term_mu);
	return fd->t;
}

void feed_unlock(struct feed *fd)
{
	uv_mutex_unlock(&fd->term_mu);
}
