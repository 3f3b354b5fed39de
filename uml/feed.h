/* uml/feed.h: console emulation on a thread of its own.
 *
 * Under a flood most of the server's CPU goes into the consoles' emulators
 * (libvterm and our grid: about two thirds in bench/tui.sh ingest), while
 * the main loop's own share (pty reads, clients, logs) is the rest.  The
 * main loop hands each read to the console's feed, then passes it on to
 * clients and logs; one worker thread runs the feeds through their
 * emulators.  A small read with nothing queued before it (an echo, a
 * prompt) is fed at once instead: cheaper than waking the worker.
 *
 * The main thread takes the emulator back with feed_lock(): it feeds
 * whatever the worker has not yet fed, so the term it gets is up to date
 * with every byte handed over, and the worker stays out until
 * feed_unlock().  The term's callbacks run with that lock held, on either
 * thread.  Without a feeder (NULL) every feed is fed at once, inline. */
#ifndef UMLTOP_UML_FEED_H
#define UMLTOP_UML_FEED_H

#include <stdbool.h>
#include <stddef.h>

struct term;
struct feeder;
struct feed;

/* The worker thread; NULL when it cannot be started (feeds then run
 * inline). */
struct feeder *feeder_new(void);
/* Stops the worker; every feed must have been freed. */
void feeder_free(struct feeder *f);

/* drained(arg), if not NULL, is called after feed_behind() has said true,
 * once the backlog is down to a quarter: on either thread, with the term's
 * lock held (so it must not take it). */
struct feed *feed_new(struct feeder *f, struct term *t, void (*drained)(void *arg), void *arg);
/* Waits until the worker is done with it; bytes not yet fed are dropped. */
void feed_free(struct feed *fd);

/* Main thread: hand over bytes read from the console.  When the worker is
 * very far behind (a caller that went on reading after feed_behind()) the
 * caller feeds them itself: a console cannot queue without bound. */
void feed_bytes(struct feed *fd, const char *bytes, size_t len);
/* Main thread: true while the worker is far behind with this console
 * (over a megabyte waiting), until drained() has been called.  The caller
 * stops reading the console meanwhile, as a terminal that cannot keep up
 * holds its writer back, and the worker has the CPU to itself. */
bool feed_behind(struct feed *fd);

/* Main thread: the term, up to date, and the worker kept out of it. */
struct term *feed_lock(struct feed *fd);
/* Main thread: the term as far as the worker has fed it (a screen under a
 * flood, where any recent picture does), the worker kept out of it. */
struct term *feed_peek(struct feed *fd);
/* Ends feed_lock() and feed_peek(). */
void feed_unlock(struct feed *fd);

#endif
