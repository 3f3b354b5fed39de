/* lib/states.h: an instance's states, its halt phases and how a run
 * ended, each listed once with the name users see.  uml/ runs them (enum
 * inst_state, inst_phase, inst_end) and proto/ sends them (enum
 * proto_state, proto_phase, proto_end); both make their enums from these
 * lists, and neither may include the other, so the lists live in lib/,
 * which every directory may include and which includes nothing of them.
 * The order is the wire form (PROTO_VERSION): add at the end only.
 *
 * X(ID, "name") for each entry, in order from 0.  The state machine is
 * drawn in uml/uml.h, the halt ladder in uml/halt.c. */
#ifndef UMLTOP_STATES_H
#define UMLTOP_STATES_H

#define INSTANCE_STATES(X) \
	X(STOPPED, "stopped") \
	X(STARTING, "starting") \
	X(RUNNING, "running") \
	X(HALTING, "halting") \
	X(CRASHED, "crashed") \
	X(UNRESPONSIVE, "unresponsive") \
	X(FAILED, "failed")

/* The steps of the halt ladder (DESIGN, "Launching a UML"). */
#define HALT_PHASES(X) \
	X(NONE, "")     /* not halting */ \
	X(CAD, "cad")   /* ctrl-alt-del sent, waiting HALT_TIMEOUT for exit */ \
	X(SYNC, "sync") /* sysrq s, sysrq u sent */ \
	X(HALT, "halt") /* mconsole halt sent, waiting 10 s */ \
	X(KILL, "kill") /* SIGKILL sent to the process group */

/* How the last run ended, for the summary after halt-all. */
#define RUN_ENDS(X) \
	X(NONE, "")          /* never stopped, or still running */ \
	X(CLEAN, "clean")     /* exited by itself or after ctrl-alt-del */ \
	X(HALTED, "halted")   /* needed sync/remount/halt */ \
	X(KILLED, "killed")   /* needed SIGKILL */ \
	X(CRASHED, "crashed") /* exited or died unexpectedly */

#define STATES_ONE_(id, name) +1
enum {
	INSTANCE_NSTATES = 0 INSTANCE_STATES(STATES_ONE_),
	HALT_NPHASES = 0 HALT_PHASES(STATES_ONE_),
	RUN_NENDS = 0 RUN_ENDS(STATES_ONE_),
};
#undef STATES_ONE_

/* The names ("running", "cad", "halted", ...); "?" past the end.  Here
 * rather than in a .c so that whatever links proto/ or uml/ has them. */
#define STATES_NAME_(id, name) name,
static inline const char *util_state_name(unsigned state)
{
	static const char *const names[] = { INSTANCE_STATES(STATES_NAME_) };
	return state < sizeof names / sizeof *names ? names[state] : "?";
}

static inline const char *util_phase_name(unsigned phase)
{
	static const char *const names[] = { HALT_PHASES(STATES_NAME_) };
	return phase < sizeof names / sizeof *names ? names[phase] : "?";
}

static inline const char *util_end_name(unsigned end)
{
	static const char *const names[] = { RUN_ENDS(STATES_NAME_) };
	return end < sizeof names / sizeof *names ? names[end] : "?";
}
#undef STATES_NAME_

#endif
