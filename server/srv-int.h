/* Internal to server/: the server object shared by its files. */
#ifndef UMLTOP_SRV_INT_H
#define UMLTOP_SRV_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <uv.h>

#include "conf/conf.h"
#include "lib/util.h"
#include "proto/proto.h"
#include "term/term.h"
#include "uml/uml.h"

struct client;

struct srv {
	uv_loop_t *loop;
	char *socket, *rundir, *statedir, *shim, *net_helper;
	const char **conf_paths;
	size_t nconf_paths;
	struct conf **confs; /* every config still in use; instances point into them */
	size_t nconfs;
	struct conf *conf;   /* the current one */
	struct inst **inst;
	size_t ninst;
	struct inst_env env;
	char user[32];       /* who the server runs as */
	char host[64];

	uv_pipe_t listener;
	struct client *clients;
	uv_timer_t poll_timer;
	uv_idle_t poll_idle;         /* the rest of a poll round (server.c) */
	struct inst_procs *poll_procs; /* ... its /proc figures; NULL between rounds */
	size_t poll_next;            /* ... the next instance it polls */
	bool poll_asking;            /* ... some guest answers mconsole */
	uv_timer_t status_timer; /* coalesces status broadcasts */
	uv_timer_t frame_timer;  /* screens to flooded subscribers (client.c) */
	bool status_due;
	bool boot_next_running; /* starting queued instances (BOOT_MAX) */
	uv_signal_t sig_term, sig_int, sig_hup, sig_usr2;
	char *exe;   /* the binary it was started from, for an upgrade */
	char **argv; /* ... and its arguments */
	FILE *log;
	bool log_on_stderr; /* a daemon's stderr goes to the log: again after a rotation */
	bool log_journal;   /* ... or is the journal: each line goes there too */
	int log_error;      /* errno of the last failed write to the log, 0 when it works */
	bool shutting_down;  /* exit once every instance has stopped */
	bool closing;
	struct srv_events *events; /* events.c */
};

void srv_log(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct inst *srv_find(struct srv *s, const char *name);
/* Names of every instance, comma-separated, for "unknown instance" errors. */
char *srv_names(struct srv *s);
/* The instance called name, or NULL after a reply (id) that names the
 * known ones. */
struct inst *srv_need_inst(struct srv *s, struct client *c, uint32_t id, const char *name);
void srv_status_changed(struct srv *s);
void srv_build_status(struct srv *s, struct proto_status *st);
int srv_reload(struct srv *s, struct buf *msg);
void srv_halt_all(struct srv *s);
void srv_shutdown(struct srv *s);
void srv_maybe_exit(struct srv *s);

/* notify.c: text (sd_notify's "READY=1" and such) to the service manager
 * when it set NOTIFY_SOCKET: 0, or -errno; and whether stderr is the
 * journal systemd connected it to. */
int srv_notify(const char *text);
bool srv_stderr_is_journal(void);

/* upgrade.c: re-execute (returns only when that failed, with err set);
 * the new process reads what it takes over, listens on the socket handed
 * over, and takes each instance once they exist. */
struct handover;
int srv_upgrade(struct srv *s, char *err, size_t errlen);
struct handover *srv_handover_read(int fd);
int srv_handover_listener(const struct handover *h);
bool srv_handover_daemon(const struct handover *h);
void srv_handover_apply(struct srv *s, struct handover *h);

/* client.c */
int srv_listen(struct srv *s, char *err, size_t errlen);
/* Listen on a socket handed over by the process before an upgrade. */
int srv_listen_fd(struct srv *s, int fd, char *err, size_t errlen);
void srv_clients_output(struct srv *s, struct inst *in, const char *bytes, size_t len);
void srv_clients_status(struct srv *s);
void srv_clients_event(struct srv *s, const struct proto_event *e);

/* ---- events.c: what happened, kept (the last EVENTS_KEPT) and streamed ---- */
#define EVENTS_KEPT 512
void srv_event(struct srv *s, const char *name, enum proto_event_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* An instance's state, phase or end may have changed: the events it makes. */
void srv_events_changed(struct srv *s, struct inst *in);
/* A clean console line matched the instance's ALERT pattern. */
void srv_events_match(struct srv *s, struct inst *in, const char *line, size_t len);
/* Console output came (MONITOR=activity); and, each poll, the silences
 * (MONITOR=silence:S). */
void srv_events_output(struct srv *s, struct inst *in);
void srv_events_tick(struct srv *s);
/* The last n kept, oldest first, each to fn. */
void srv_events_history(struct srv *s, uint32_t n, void (*fn)(void *arg, const struct proto_event *e),
			void *arg);
void srv_events_free(struct srv *s);
void srv_clients_drop_inst(struct srv *s, struct inst *in);
void srv_clients_close(struct srv *s);
/* Drops the clients that began a frame and did not finish it in time. */
void srv_clients_reap(struct srv *s);

/* cmd.c: run one command from a client; the reply is sent with
 * srv_reply(), now or later (mconsole replies). */
struct srv_reply;
void srv_command(struct srv *s, struct client *c, uint32_t id, int argc, char **argv);
void srv_reply(struct client *c, uint32_t id, int code, const char *text);
/* A pending reply outlives its client safely: the client's pointer is
 * cleared when it goes. */
struct srv_pending {
	struct srv_pending *next;
	struct client *client; /* NULL once the client is gone */
	uint32_t id;
	char *what;
};
struct srv_pending *srv_pending_new(struct client *c, uint32_t id, const char *what);
void srv_pending_done(struct srv_pending *p, int code, const char *text);

#endif
