/* The graceful halt ladder of the old init scripts, one per instance, all
 * running in parallel for halt-all:
 *
 *   CAD   mconsole cad; wait HALT_TIMEOUT for the guest to power off
 *    |    (skipped before the guest's init is up: an early cad reboots UML)
 *   SYNC  sysrq s, sysrq u; wait for "Emergency Remount complete" (<= 3 s)
 *   HALT  mconsole halt; wait kill_wait (10 s)
 *   KILL  SIGKILL to the process group
 *
 * Timers drive the ladder, not mconsole replies: a UML that does not
 * answer (stopped, wedged) still goes down.  The process exit (exit.c)
 * ends it and records how far it had to go. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/states.h"
#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "uml/inst-int.h"

#define SYNC_WAIT_MS 3000
#define MC_TIMEOUT_MS 2000
static const char remount_done[] = "Emergency Remount complete";

static void halt_timer_cb(uv_timer_t *t);

void inst_halt_set_phase(struct inst *in, enum inst_phase phase)
{
	in->phase = phase;
	in->phase_ns = util_now_ns();
	inst_log(in, "halt: %s", phase == INST_PHASE_CAD	? "ctrl-alt-del"
				 : phase == INST_PHASE_SYNC ? "sync, remount read-only"
				 : phase == INST_PHASE_HALT ? "halt"
							    : "SIGKILL");
	inst_changed(in);
}

static void step_after(struct inst *in, uint64_t ms)
{
	uv_timer_start(&in->halt_timer, halt_timer_cb, ms, 0);
}

static void mc_send(struct inst *in, const char *cmd)
{
	if (in->mc)
		mc_request(in->mc, cmd, MC_TIMEOUT_MS, inst_reply_ignore, in);
}

static void phase_kill(struct inst *in)
{
	inst_halt_set_phase(in, INST_PHASE_KILL);
	kill(-in->pid, SIGKILL);
	kill(in->pid, SIGKILL);
}

static void phase_halt(struct inst *in)
{
	inst_halt_set_phase(in, INST_PHASE_HALT);
	if (in->mconsole_known) {
		mc_send(in, "halt");
	} else {
		/* No mconsole yet (early boot): UML exits cleanly on SIGTERM. */
		kill(in->pid, SIGTERM);
	}
	step_after(in, in->env.kill_wait_ms);
}

static void phase_sync(struct inst *in)
{
	inst_halt_set_phase(in, INST_PHASE_SYNC);
	in->halt_tail_len = 0;
	mc_send(in, "sysrq s");
	mc_send(in, "sysrq u");
	step_after(in, SYNC_WAIT_MS);
}

static void halt_timer_cb(uv_timer_t *t)
{
	struct inst *in = t->data;
	if (in->state != INST_HALTING || in->pid <= 0)
		return;
	switch (in->phase) {
	case INST_PHASE_CAD: phase_sync(in); break;
	case INST_PHASE_SYNC: phase_halt(in); break;
	case INST_PHASE_HALT: phase_kill(in); break;
	default: break;
	}
}

int inst_halt(struct inst *in, char *err, size_t errlen)
{
	if (inst_start_call_off(in, err, errlen))
		return -EALREADY;
	if (!inst_live(in)) {
		snprintf(err, errlen, "%s is not running (%s)", in->ci->name,
			 util_state_name(in->state));
		return -ESRCH;
	}
	in->restart_pending = false; /* a halt ends a restart (which sets it after) */
	if (in->state == INST_HALTING)
		return 0;
	enum inst_state was = in->state;
	if (was == INST_UNRESPONSIVE)
		was = in->state_before_unresponsive;
	in->halt_start_ns = util_now_ns();
	uv_timer_stop(&in->timer);
	inst_set_state(in, INST_HALTING);
	if (was == INST_RUNNING) {
		inst_halt_set_phase(in, INST_PHASE_CAD);
		mc_send(in, "cad");
		step_after(in, (uint64_t)in->ci->halt_timeout * 1000);
	} else if (in->mconsole_known) {
		inst_log(in, "halt during boot: no ctrl-alt-del");
		phase_sync(in);
	} else {
		phase_halt(in);
	}
	return 0;
}

/* While syncing, the kernel's own line says when the remount is done. */
void inst_halt_console(struct inst *in, const char *bytes, size_t len)
{
	if (in->state != INST_HALTING || in->phase != INST_PHASE_SYNC)
		return;
	const size_t keep = sizeof remount_done - 2;
	char window[4096];
	while (len) {
		size_t take = MIN(len, sizeof window - in->halt_tail_len);
		memcpy(window, in->halt_tail, in->halt_tail_len);
		memcpy(window + in->halt_tail_len, bytes, take);
		size_t n = in->halt_tail_len + take;
		if (memmem(window, n, remount_done, sizeof remount_done - 1)) {
			phase_halt(in);
			return;
		}
		in->halt_tail_len = MIN(keep, n);
		memcpy(in->halt_tail, window + n - in->halt_tail_len, in->halt_tail_len);
		bytes += take;
		len -= take;
	}
}

void inst_halt_stop(struct inst *in)
{
	uv_timer_stop(&in->halt_timer);
}

enum inst_end inst_halt_end(const struct inst *in)
{
	switch (in->phase) {
	case INST_PHASE_CAD: return INST_END_CLEAN;
	case INST_PHASE_SYNC:
	case INST_PHASE_HALT: return INST_END_HALTED;
	case INST_PHASE_KILL: return INST_END_KILLED;
	default: return INST_END_CLEAN;
	}
}
