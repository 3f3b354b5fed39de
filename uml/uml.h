/* uml/: one UML instance's life, for the server.  Launch (argv from the
 * config, pty, child set-up: launch.c), the state machine and commands
 * (inst.c), console draining into the server's emulator and logs
 * (console.c, the emulators' thread in feed.c), status polling over
 * mconsole and /proc (inst.c, stats.c), the halt ladder (halt.c), exits
 * and crashes (exit.c), UMLs adopted from an earlier server or handed
 * over by an upgrade (adopt.c), and the server's one reaper of children
 * (reap.c).  Callbacks go up to the server; nothing here knows sockets to
 * clients or curses.
 *
 * May include: term/, mconsole/, conf/ and lib/; never proto/, server/
 * or the clients.  The server maps what it reads here (struct
 * inst_status) to proto/'s wire form.
 *
 *            start                 READY seen / USER_NOTIFY / timeout
 *   stopped -------> starting --------------------------------> running
 *      ^    \            |  \ exec or early exit                 |   ^
 *      |     `-----------|---`--> failed          mconsole       |   | answers
 *      |                 | halt                   timeouts       v   | again
 *      |                 v                            unresponsive
 *      |   exit       halting(cad -> sync -> halt -> kill)  <-- halt from any
 *      `------------------'                                     live state
 *   unexpected exit or signal from starting/running/unresponsive -> crashed
 */
#ifndef UMLTOP_UML_H
#define UMLTOP_UML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "conf/conf.h"
#include "lib/states.h"
#include "term/term.h"

struct inst;

/* The states, halt phases and endings, from the lists in lib/states.h
 * (with their names): INST_STOPPED .. INST_FAILED, INST_PHASE_NONE ..
 * INST_PHASE_KILL, INST_END_NONE .. INST_END_CRASHED.  proto/ makes its
 * wire form from the same lists; the server maps one to the other. */
#define INST_STATE_(id, name) INST_##id,
enum inst_state {
	INSTANCE_STATES(INST_STATE_)
};
#undef INST_STATE_
#define INST_PHASE_(id, name) INST_PHASE_##id,
enum inst_phase {
	HALT_PHASES(INST_PHASE_)
};
#undef INST_PHASE_
#define INST_END_(id, name) INST_END_##id,
enum inst_end {
	RUN_ENDS(INST_END_)
};
#undef INST_END_

/* What a status line shows. */
struct inst_status {
	enum inst_state state;
	enum inst_phase phase;
	enum inst_end end;
	uint64_t phase_ms;
	pid_t pid;
	uint64_t up_ms;
	bool stats_valid, mconsole_up, runs_as_root;
	bool console_lost; /* adopted from an earlier server: no console */
	uint32_t guest_up_s;
	uint32_t load_x100[3];
	uint32_t procs_running, procs_total;
	uint64_t mem_total_kb, mem_free_kb, mem_avail_kb;
	uint32_t cpu_x10;
	uint64_t rss_kb;
	int exit_code;   /* -1 when it did not exit normally */
	int exit_signal; /* 0 when it exited normally */
	unsigned rows, cols;
	const char *user;
	const char *reason;
};

struct inst_events {
	/* Console output, after the server's emulator and the logs took it. */
	void (*output)(void *arg, struct inst *in, const char *bytes, size_t len);
	/* State, phase or figures changed. */
	void (*changed)(void *arg, struct inst *in);
	/* A clean line of the console matched ALERT. */
	void (*alert)(void *arg, struct inst *in, const char *line, size_t len);
	/* Whether one more instance may boot now (BOOT_MAX): when not, the
	 * start is queued, err says so, and inst_start() returns
	 * -EINPROGRESS; the server starts it again once a boot ends.  NULL:
	 * always. */
	bool (*may_boot)(void *arg, char *why, size_t cap);
};

/* What every instance shares: the loop, where files go, the settings. */
struct inst_env {
	uv_loop_t *loop;
	const char *rundir;   /* server runtime dir (proto_rundir) */
	const char *statedir; /* console logs */
	const char *shim;     /* XSAVE shim to preload, or NULL */
	const char *net_helper; /* umltop's uml_net's directory, or NULL */
	unsigned poll_ms;     /* status polling interval */
	unsigned scrollback;  /* emulator scrollback lines */
	uint64_t log_max;     /* log rotation size */
	unsigned ready_timeout_ms; /* starting -> running without a READY match */
	unsigned kill_wait_ms;     /* wait after mconsole halt before SIGKILL (10 s) */
	struct feeder *feeder;     /* the emulators' thread, or NULL: inline */
	struct reaper *reaper;     /* the server's one SIGCHLD watcher (uml/reap.h) */
	void (*log)(void *arg, const char *fmt, ...); /* server log */
	const struct inst_events *ev;
	void *arg;
};

/* A stopped instance for this config, which it points into: ci must stay
 * valid until inst_free(), or until a later inst_set_conf() replaces it. */
struct inst *inst_new(const struct inst_env *env, const struct conf_instance *ci);
/* Replace the config of an instance (reload).  A live one keeps what it
 * runs with and takes ci when this run ends: -EBUSY then (ci NULL: no
 * change when it ends). */
int inst_set_conf(struct inst *in, const struct conf_instance *ci);
/* Close every handle; the memory goes in a later loop turn, but the config
 * is not used after this returns.  The UML, if any, is killed (callers
 * halt first). */
void inst_free(struct inst *in);

const char *inst_name(const struct inst *in);
/* Its tags, space-separated: the file's TAGS when it was made or reloaded,
 * changed at run time by `ctl tag` (the server's). */
#define INST_TAGS_MAX 128
const char *inst_tags(const struct inst *in);
void inst_set_tags(struct inst *in, const char *tags);
/* The file's TAGS, joined, into out. */
void inst_conf_tags(const struct conf_instance *ci, char *out, size_t cap);
const struct conf_instance *inst_conf(const struct inst *in);
void inst_status(const struct inst *in, struct inst_status *out);
bool inst_live(const struct inst *in); /* a process exists */
/* A start queued for a boot slot (inst_events.may_boot): its place in the
 * queue, lower first; 0 when not queued. */
uint64_t inst_boot_queued(const struct inst *in);
bool inst_booting(const struct inst *in); /* launched, not up yet: takes a boot slot */
bool inst_asking(const struct inst *in); /* a status poll awaits the guest's answers */
/* The console's emulator, up to date with every byte read; the emulation
 * thread stays out of it until inst_term_unlock(). */
struct term *inst_term_lock(struct inst *in);
/* The same, but as far as the emulator has got: a screen shown under a
 * flood, where a picture a few KB behind will do. */
struct term *inst_term_peek(struct inst *in);
/* The console is not read while its emulator catches up (a flood). */
bool inst_console_held(const struct inst *in);
void inst_term_unlock(struct inst *in);

/* Commands.  0 or -errno; a message for the user in err when it fails. */
int inst_start(struct inst *in, char *err, size_t errlen);
int inst_halt(struct inst *in, char *err, size_t errlen);  /* the ladder */
int inst_kill(struct inst *in, char *err, size_t errlen);  /* SIGKILL the group */
int inst_cad(struct inst *in, char *err, size_t errlen);
int inst_restart(struct inst *in, char *err, size_t errlen); /* halt, then start */
/* Take over this instance's UML when an earlier server left it running
 * (its pid file, its command line): running, without a console.  A start
 * does the same before it would launch a second kernel.  True when it
 * did. */
bool inst_adopt(struct inst *in);

/* An upgrade (server/upgrade.c): the server re-executes itself and the
 * new process takes each live instance over, its process still our child,
 * its pty master kept open across the exec, its screen and scrollback
 * handed over as a snapshot. */
struct inst_handover {
	pid_t pid;
	int master;        /* kept open across the exec */
	enum inst_state state;
	bool adopted;
	unsigned rows, cols;
	uint64_t up_ms;
	char reason[256];
	struct buf screen; /* term_snapshot(), scrollback and all */
};
/* Why this instance cannot be handed over now (starting, halting, about
 * to restart), or NULL. */
const char *inst_handover_busy(const struct inst *in);
/* The console read out to the last byte (into the logs and the screen),
 * then h filled and the master's close-on-exec cleared.  Live instances
 * only. */
void inst_handover_get(struct inst *in, struct inst_handover *h);
/* The exec failed: the master gets its close-on-exec back. */
void inst_handover_undo(struct inst *in);
/* The new process: take the UML h describes (a stopped instance). */
int inst_handover_take(struct inst *in, const struct inst_handover *h);

/* mconsole passthrough (sysrq, arbitrary commands); cb as mc_reply_cb. */
typedef void (*inst_reply_cb)(void *arg, int status, int err, const char *text,
			      size_t len);
int inst_mconsole(struct inst *in, const char *cmd, inst_reply_cb cb, void *arg,
		  char *errbuf, size_t errlen);

/* Console: keys from a client, and the size it should have. */
/* -ENOBUFS (nothing taken) while a guest that does not read has
 * INPUT_MAX bytes waiting already. */
int inst_input(struct inst *in, const char *bytes, size_t len);
void inst_resize(struct inst *in, unsigned rows, unsigned cols);

/* Status polling, driven by the server's one timer: a scan of /proc shared
 * by every instance, then each instance takes its process group's figures
 * and asks its guest for load, uptime and memory (one mconsole request in
 * flight at most). */
struct inst_procs;
struct inst_procs *inst_procs_scan(void);
void inst_procs_free(struct inst_procs *p);
void inst_poll(struct inst *in, const struct inst_procs *procs);

/* ---- pure parsers (uml/stats.c), exposed for tests ---- */

struct inst_guest_stats {
	uint32_t load_x100[3];
	uint32_t procs_running, procs_total;
	uint32_t uptime_s;
	uint64_t mem_total_kb, mem_free_kb, mem_avail_kb;
};
int inst_parse_loadavg(const char *text, struct inst_guest_stats *s);
int inst_parse_uptime(const char *text, struct inst_guest_stats *s);
int inst_parse_meminfo(const char *text, struct inst_guest_stats *s);

/* One process from /proc/PID/stat: pid, pgrp, utime+stime ticks, rss pages. */
struct inst_procstat {
	pid_t pid, pgrp;
	uint64_t ticks;
	uint64_t rss_pages;
};
int inst_parse_procstat(const char *text, struct inst_procstat *p);

#endif
