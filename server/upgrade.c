/* Upgrade in place: `ctl upgrade` or SIGUSR2 re-executes the server (the
 * binary at the path it was started from, so a newer one a package put
 * there), keeping its pid and so its children, the listening socket and
 * each console's pty master.  What the new process needs to take over is
 * written to a memfd it inherits (UMLTOP_HANDOVER=FD):
 *
 *   umltop-handover 1
 *   listener FD
 *   daemon 0|1
 *   inst NAME PID MASTER STATE ADOPTED ROWS COLS UP_MS REASONLEN SCREENLEN
 *   <REASONLEN bytes><SCREENLEN bytes: term_snapshot(), scrollback and all>
 *   ...
 *   end
 *
 * Clients lose their connection at the exec (their sockets close on exec)
 * and connect again.  A failed exec leaves the old process running as it
 * was. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "server/srv-int.h"

struct handover {
	int listener;
	bool daemon;
	size_t n;
	char (*names)[PROTO_MAX_NAME];
	struct inst_handover *inst;
};

static void handover_free(struct handover *h)
{
	for (size_t i = 0; i < h->n; i++)
		buf_free(&h->inst[i].screen);
	free(h->inst);
	free(h->names);
	free(h);
}

static void write_state(FILE *f, struct srv *s, int listener)
{
	fprintf(f, "umltop-handover 1\nlistener %d\ndaemon %d\n", listener, s->log_on_stderr);
	for (size_t i = 0; i < s->ninst; i++) {
		struct inst *in = s->inst[i];
		if (!inst_live(in))
			continue;
		struct inst_handover h;
		inst_handover_get(in, &h);
		fprintf(f, "inst %s %d %d %d %d %u %u %llu %zu %zu\n", inst_name(in), (int)h.pid,
			h.master, (int)h.state, h.adopted, h.rows, h.cols,
			(unsigned long long)h.up_ms, strlen(h.reason), h.screen.len);
		fwrite(h.reason, 1, strlen(h.reason), f);
		if (h.screen.len)
			fwrite(h.screen.data, 1, h.screen.len, f);
		buf_free(&h.screen);
	}
	fprintf(f, "end\n");
}

int srv_upgrade(struct srv *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->ninst; i++) {
		const char *busy = inst_live(s->inst[i]) ? inst_handover_busy(s->inst[i]) : NULL;
		if (busy) {
			snprintf(err, errlen, "%s is %s: upgrade once it is done", inst_name(s->inst[i]),
				 busy);
			return -EBUSY;
		}
	}
	/* The new process loads the config as a fresh one would: an invalid
	 * one would leave it no way to take the instances over. */
	struct conf *c = NULL;
	struct conf_errors errs = { 0 };
	int nerr = conf_load((const char *const *)s->conf_paths, s->nconf_paths, &c, &errs);
	conf_errors_free(&errs);
	conf_free(c);
	if (nerr > 0) {
		snprintf(err, errlen, "the config has %d error%s (umltop check): not upgrading",
			 nerr, nerr == 1 ? "" : "s");
		return -EINVAL;
	}
	if (!s->exe) {
		snprintf(err, errlen, "the server's own binary is not known");
		return -ENOENT;
	}
	uv_os_fd_t listener;
	if (uv_fileno((uv_handle_t *)&s->listener, &listener) < 0) {
		snprintf(err, errlen, "no listening socket to hand over");
		return -EBADF;
	}
	int mfd = memfd_create("umltop-handover", 0); /* no CLOEXEC: it is for the next */
	FILE *f = mfd >= 0 ? fdopen(dup(mfd), "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		if (mfd >= 0)
			close(mfd);
		return -errno;
	}
	srv_log(s, "upgrade: handing over to %s", s->exe);
	write_state(f, s, listener);
	bool ok = fflush(f) == 0 && !ferror(f);
	fclose(f);
	char env[32];
	snprintf(env, sizeof env, "%d", mfd);
	if (ok) {
		lseek(mfd, 0, SEEK_SET);
		fcntl(listener, F_SETFD, 0);
		setenv("UMLTOP_HANDOVER", env, 1);
		fflush(s->log);
		execv(s->exe, s->argv);
	}
	/* Still here: the old process runs on as it was. */
	int e = ok ? errno : EIO;
	unsetenv("UMLTOP_HANDOVER");
	fcntl(listener, F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < s->ninst; i++)
		if (inst_live(s->inst[i]))
			inst_handover_undo(s->inst[i]);
	close(mfd);
	snprintf(err, errlen, "cannot run %s: %s; the server runs on", s->exe, strerror(e));
	srv_log(s, "upgrade failed: %s", err);
	return -e;
}

/* ---- the new process ---- */

struct handover *srv_handover_read(int fd)
{
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return NULL;
	}
	struct handover *h = xcalloc(1, sizeof *h);
	h->listener = -1;
	int version = 0, daemon = 0;
	bool ok = fscanf(f, "umltop-handover %d\nlistener %d\ndaemon %d\n", &version,
			 &h->listener, &daemon) == 3 && version == 1;
	h->daemon = daemon;
	char word[16];
	while (ok && fscanf(f, "%15s", word) == 1 && !strcmp(word, "inst")) {
		struct inst_handover in = { 0 };
		char name[PROTO_MAX_NAME];
		int pid, master, state, adopted;
		unsigned long long up;
		size_t rlen, slen;
		if (fscanf(f, " %63s %d %d %d %d %u %u %llu %zu %zu", name, &pid, &master, &state,
			   &adopted, &in.rows, &in.cols, &up, &rlen, &slen) != 10 ||
		    fgetc(f) != '\n' || rlen >= sizeof in.reason || state < 0 ||
		    state >= INSTANCE_NSTATES) {
			ok = false;
			break;
		}
		in.pid = pid;
		in.master = master;
		in.state = state;
		in.adopted = adopted;
		in.up_ms = up;
		ok = fread(in.reason, 1, rlen, f) == rlen;
		buf_reserve(&in.screen, slen + 1);
		ok = ok && fread(in.screen.data, 1, slen, f) == slen;
		in.screen.len = slen;
		h->names = xreallocarray(h->names, h->n + 1, sizeof *h->names);
		h->inst = xreallocarray(h->inst, h->n + 1, sizeof *h->inst);
		snprintf(h->names[h->n], sizeof h->names[h->n], "%s", name);
		h->inst[h->n++] = in;
	}
	fclose(f);
	if (!ok) {
		handover_free(h);
		return NULL;
	}
	return h;
}

int srv_handover_listener(const struct handover *h)
{
	return h->listener;
}

bool srv_handover_daemon(const struct handover *h)
{
	return h->daemon;
}

/* Every UML handed over to the instance of its name; one the config no
 * longer names runs on untouched, and the log says so. */
void srv_handover_apply(struct srv *s, struct handover *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct inst *in = srv_find(s, h->names[i]);
		if (!in || inst_handover_take(in, &h->inst[i]) < 0) {
			srv_log(s, "upgrade: %s (pid %d) is no instance of this config any more: "
				   "left running", h->names[i], (int)h->inst[i].pid);
			if (h->inst[i].master >= 0)
				close(h->inst[i].master);
		}
	}
	srv_log(s, "upgrade: took over %zu instance%s", h->n, h->n == 1 ? "" : "s");
	handover_free(h);
}
