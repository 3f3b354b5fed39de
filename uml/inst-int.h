/* Internal to uml/: the instance object, shared by the files of an
 * instance's life (inst.c, console.c, adopt.c, exit.c, halt.c). */
#ifndef UMLTOP_UML_INST_INT_H
#define UMLTOP_UML_INST_INT_H

#include <regex.h>

#include "net/net.h"
#include "uml/uml-int.h"

struct mc_client;
struct mc_notifier;

struct inst {
	struct inst_env env;
	const struct conf_instance *ci; /* owned by the server's conf */
	const struct conf_instance *next_ci; /* a reload's, for when this run ends */
	struct conf_paths paths;
	struct net_run net; /* the taps and bridge of this run (net/) */
	char tags[INST_TAGS_MAX]; /* TAGS, then ctl tag's changes (inst_set_tags) */
	regex_t ready_re;
	bool ready_ok;
	regex_t alert_re; /* ALERT, over each clean console line */
	bool alert_ok;

	enum inst_state state, state_before_unresponsive;
	enum inst_phase phase;
	enum inst_end end;
	char reason[256];
	pid_t pid;
	pid_t last_pid; /* the last run's, whose process group may be on its way out */
	int launch_fd;  /* the child's report (uml/launch.h) until it is read, or -1 */
	unsigned image_waits; /* starts put off while the last run lets go of its images */
	uint64_t image_wait_ms; /* ... since then (util_now_ms) */
	uint64_t boot_queued; /* a start waiting for a boot slot: its place, or 0 */
	bool drop; /* runs as ci->user */
	bool adopted; /* left running by an earlier server: no console, not our child */
	bool boot_nice_pending; /* BOOT_NICE not undone yet (EAGAIN): at the next poll */
	int exit_code, exit_signal;
	uint64_t started_ns, ready_at_ns, phase_ns, halt_start_ns;
	bool restart_pending;

	/* console */
	struct pty_pair pty;
	uv_poll_t *console_poll; /* one per run, freed when closed */
	bool console_open;
	struct buf pending_input; /* typed while the pty was full */
	char *chunk;
	struct term *term;     /* through feed_lock() only */
	struct feed *feed;     /* emulates the console on the feeder's thread */
	uv_async_t worker_async; /* the emulator's thread has answers, or caught up */
	bool console_held;  /* not read while the emulator catches up */
	uv_mutex_t replies_mu;
	struct buf replies;    /* the emulator's answers to queries; under replies_mu */
	uint64_t replies_dropped; /* past REPLIES_MAX; under replies_mu */
	bool replies_dropping; /* said so in the log; until one gets through */
	struct term_log *log;
	unsigned rows, cols;
	unsigned want_rows, want_cols; /* asked for while starting */

	/* mconsole */
	struct mc_client *mc;
	struct mc_notifier *notifier;
	char *umid_dir;      /* uml_dir/UMID as the SOCKET notify named it */
	bool mconsole_known; /* SOCKET notify arrived */
	bool mconsole_up;    /* the last request was answered */
	bool panicked;
	bool polling;
	unsigned poll_step, mc_timeouts;

	/* figures */
	struct inst_guest_stats guest;
	bool stats_valid;
	uint64_t last_ticks, last_ticks_ns;
	uint32_t cpu_x10;
	uint64_t rss_kb;

	/* halt ladder (halt.c) */
	char halt_tail[32]; /* console bytes kept to spot the remount line */
	size_t halt_tail_len;

	uv_timer_t timer;      /* ready timeout */
	uv_timer_t halt_timer; /* ladder steps */
	unsigned handles;
	bool freeing;
};

#define DEFAULT_ROWS 24 /* a console's size until a client asks for one */
#define DEFAULT_COLS 80

/* inst.c */
void inst_log(struct inst *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_set_reason(struct inst *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inst_set_state(struct inst *in, enum inst_state st);
void inst_changed(struct inst *in);
void inst_became_ready(struct inst *in);
void inst_destroy(struct inst *in);
void inst_reply_ignore(void *arg, int status, int err, const char *text, size_t len);
char *inst_dir_of(const char *path); /* malloc'd: path less its last component */
pid_t inst_umid_dir_pid(const char *dir); /* DIR/pid's pid, 0 when none */
void inst_remove_umid_dir(struct inst *in, const char *dir);
bool inst_drops_to_user(const struct inst *in);
int inst_prepare_dirs(struct inst *in, char *err, size_t errlen);
int inst_start_notifier(struct inst *in, char *err, size_t errlen);
void inst_net_take_over(struct inst *in); /* inst.c */
void inst_begin_run(struct inst *in);

/* console.c */
void inst_console_init(struct inst *in); /* the emulator, its feed, its answers */
int inst_console_open(struct inst *in);  /* a new pty, watched */
void inst_console_watch(struct inst *in); /* read in->pty.master from the loop */
/* Drain the master (all: to the last byte, whatever the emulator's
 * backlog); then look for READY. */
void inst_console_read(struct inst *in, bool all);
void inst_console_close(struct inst *in);
void inst_check_ready(struct inst *in);
void inst_open_logs(struct inst *in);

/* adopt.c */
bool inst_process_gone(pid_t pid); /* or a zombie its new parent leaves */
/* Whether ROOT or SWAP is held: 0 free, 1 by another process, 2 only by
 * the last run's processes on their way out; err says which. */
int inst_images_in_use(struct inst *in, char *err, size_t errlen);
/* A halt or kill of an instance whose start is put off (queued for a
 * boot slot, or waiting for the last run to let go of its images): the
 * start is called off and err says so (true), or there was none. */
bool inst_start_call_off(struct inst *in, char *err, size_t errlen);

/* exit.c */
void inst_watch_child(struct inst *in); /* its end goes to inst_exited() */
/* The process is gone: status as waitpid() gave it, or NULL for an
 * adopted one, whose status went to init. */
void inst_exited(struct inst *in, const int *status);
void inst_teardown(struct inst *in);

/* halt.c */
void inst_halt_set_phase(struct inst *in, enum inst_phase phase);
void inst_halt_console(struct inst *in, const char *bytes, size_t len);
void inst_halt_stop(struct inst *in);
enum inst_end inst_halt_end(const struct inst *in);

#endif
