/* uml/reap.h: the server's one SIGCHLD watcher.
 *
 * Every child of the server is reaped here, with waitpid(-1, WNOHANG) in
 * a loop on each SIGCHLD, and its status handed to whoever watches its
 * pid (an instance, for its UML).  A pid nobody watches is reaped and
 * logged.  So no child is left a zombie, and no one blocks the loop in
 * waitpid().
 *
 * The server has no child that libuv spawned (uv_spawn reaps its own, and
 * would lose the status to waitpid(-1)): a uv_spawn here would need the
 * reaper to wait for the pids it knows instead. */
#ifndef UMLTOP_UML_REAP_H
#define UMLTOP_UML_REAP_H

#include <sys/types.h>
#include <uv.h>

struct reaper;

/* How a child ended, as waitpid() gave it. */
typedef void (*reaper_cb)(void *arg, pid_t pid, int status);

/* The watcher, started: log (with arg) tells of the pids nobody claimed. */
struct reaper *reaper_new(uv_loop_t *loop, void (*log)(void *arg, const char *fmt, ...),
			  void *arg);
/* Close the watcher once every pid it still waits for is reaped; the
 * memory goes with its handle.  A pid it waits for keeps the loop
 * alive. */
void reaper_close(struct reaper *r);

/* Hand pid's end to cb, once.  A child that has ended already (it died
 * before it was watched, or during an upgrade's exec) is reaped now, and
 * cb called before this returns. */
void reaper_watch(struct reaper *r, pid_t pid, reaper_cb cb, void *arg);
/* pid's end interests no one any more (its instance is going, after
 * killing it): it is reaped without a word. */
void reaper_forget(struct reaper *r, pid_t pid);

#endif
