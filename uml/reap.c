/* The server's one SIGCHLD watcher (reap.h): a table of the pids someone
 * waits for, and a sweep of every child that ended on each SIGCHLD. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/util.h"
#include "uml/reap.h"

struct watch {
	pid_t pid;
	reaper_cb cb; /* NULL: reaped without a word (reaper_forget) */
	void *arg;
};

struct reaper {
	uv_signal_t sig;
	struct watch *w;
	size_t n, cap;
	bool closing;
	void (*log)(void *arg, const char *fmt, ...);
	void *arg;
};

static struct watch *find(struct reaper *r, pid_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->w[i].pid == pid)
			return &r->w[i];
	return NULL;
}

static void closed(uv_handle_t *h)
{
	struct reaper *r = h->data;
	free(r->w);
	free(r);
}

static void close_if_done(struct reaper *r)
{
	if (r->closing && r->n == 0 && !uv_is_closing((uv_handle_t *)&r->sig))
		uv_close((uv_handle_t *)&r->sig, closed);
}

/* The watch is taken off the table before its callback runs: the
 * callback may watch a new pid (a restart). */
static void ended(struct reaper *r, pid_t pid, int status)
{
	struct watch *w = find(r, pid);
	if (!w) {
		if (r->log) {
			if (WIFSIGNALED(status))
				r->log(r->arg, "pid %d, a child nobody watched, killed by signal %d: "
					       "reaped", (int)pid, WTERMSIG(status));
			else
				r->log(r->arg, "pid %d, a child nobody watched, exited with code %d: "
					       "reaped", (int)pid, WEXITSTATUS(status));
		}
		return;
	}
	struct watch was = *w;
	*w = r->w[--r->n];
	if (was.cb)
		was.cb(was.arg, pid, status);
}

static void sweep(struct reaper *r)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		ended(r, pid, status);
	close_if_done(r);
}

static void sigchld_cb(uv_signal_t *h, int sig)
{
	sweep(h->data);
}

struct reaper *reaper_new(uv_loop_t *loop, void (*log)(void *arg, const char *fmt, ...),
			  void *arg)
{
	struct reaper *r = xcalloc(1, sizeof *r);
	r->log = log;
	r->arg = arg;
	uv_signal_init(loop, &r->sig);
	r->sig.data = r;
	uv_signal_start(&r->sig, sigchld_cb, SIGCHLD);
	return r;
}

void reaper_close(struct reaper *r)
{
	if (!r || r->closing)
		return;
	r->closing = true;
	sweep(r);
}

/* Reap pid now if it has ended; forget it if it is no child of ours
 * (its watch would keep a closing reaper waiting for ever). */
static void reap_now(struct reaper *r, pid_t pid)
{
	int status;
	pid_t got = waitpid(pid, &status, WNOHANG);
	if (got == pid) {
		ended(r, pid, status);
	} else if (got < 0 && errno == ECHILD) {
		struct watch *w = find(r, pid);
		if (w)
			*w = r->w[--r->n];
		if (r->log)
			r->log(r->arg, "pid %d is no child of this server: not watched", (int)pid);
	}
}

void reaper_watch(struct reaper *r, pid_t pid, reaper_cb cb, void *arg)
{
	struct watch *w = find(r, pid);
	if (!w) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 8;
			r->w = xreallocarray(r->w, r->cap, sizeof *r->w);
		}
		w = &r->w[r->n++];
	}
	*w = (struct watch){ .pid = pid, .cb = cb, .arg = arg };
	/* Its SIGCHLD may have come before the watch (or gone to the process
	 * an upgrade replaced). */
	reap_now(r, pid);
}

void reaper_forget(struct reaper *r, pid_t pid)
{
	reaper_watch(r, pid, NULL, NULL);
}
