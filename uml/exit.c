/* The end of a run: the process's exit status (from the server's reaper,
 * uml/reap.h) or an adopted UML found gone, judged against the halt
 * ladder and the console's last words (clean, halted, killed, crashed,
 * failed to boot, and why), and everything of the run closed. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/states.h"
#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "uml/feed.h"
#include "uml/inst-int.h"
#include "uml/launch.h"
#include "uml/reap.h"

/* Close what belongs to one run: console, mconsole client, notifier, the
 * process group's leftovers, the taps it made, the stale uml_dir/UMID. */
void inst_teardown(struct inst *in)
{
	uv_timer_stop(&in->timer);
	if (in->launch_fd >= 0) {
		close(in->launch_fd);
		in->launch_fd = -1;
	}
	if (in->pid > 0)
		kill(-in->pid, SIGKILL); /* helpers UML left in its group */
	net_down(&in->net); /* the taps this run made, its share of a bridge */
	net_record_drop(in->env.rundir, in->ci->name);
	inst_console_close(in);
	if (in->pty.slave >= 0) {
		close(in->pty.slave);
		in->pty.slave = -1;
	}
	if (in->mc) {
		mc_client_close(in->mc);
		in->mc = NULL;
	}
	if (in->notifier) {
		mc_notifier_close(in->notifier);
		in->notifier = NULL;
	}
	char *dir = in->umid_dir ? in->umid_dir : inst_dir_of(in->paths.mconsole);
	inst_remove_umid_dir(in, dir);
	free(dir);
	in->umid_dir = NULL;
	in->mconsole_known = false;
	in->mconsole_up = false;
}

static void describe_exit(struct inst *in, int status)
{
	if (WIFEXITED(status)) {
		in->exit_code = WEXITSTATUS(status);
		in->exit_signal = 0;
	} else if (WIFSIGNALED(status)) {
		in->exit_code = -1;
		in->exit_signal = WTERMSIG(status);
	}
}

/* UML 6.1 can die by SIGABRT after its guest has halted: a timer signal
 * that lands while the host process tears down after "reboot: System
 * halted" faults, and the fault handler panics and aborts.  Seen in 1 run
 * of 10 on two loaded CPUs (perf's signal:signal_generate showed SIGALRM,
 * then SIGSEGV, SIGTERM to the group and SIGABRT, all after the kernel's
 * last line).  The guest's shutdown was complete, so the exit is the
 * guest's: its last words on the console say so. */
static bool halted_then_aborted(struct inst *in)
{
	if (in->exit_signal != SIGABRT)
		return false;
	int row, col;
	bool vis;
	struct term *t = feed_lock(in->feed);
	term_cursor(t, &row, &col, &vis);
	char line[128] = "";
	for (int r = row; r >= 0 && r >= row - 2; r--)
		if (term_row_text(t, r, line, sizeof line) > 0)
			break; /* past the blank line the last CRLF left */
	feed_unlock(in->feed);
	return !strcmp(line, "reboot: System halted") || !strcmp(line, "reboot: Power down");
}

bool inst_fpu_reason(const char *line, const char *shim, char *out, size_t cap)
{
	const char *p = strstr(line, "ptrace ");
	char dir[4];
	int err, used = 0;
	if (!p || sscanf(p, "ptrace %3[gset] fp regs failed, errno = %d%n", dir, &err, &used) != 2 ||
	    !used || (strcmp(dir, "set") && strcmp(dir, "get")))
		return false;
	if (shim)
		snprintf(out, cap, "the host refused guest FPU state (ptrace %s fp regs failed, "
			 "errno = %d) with the XSAVE shim preloaded; UMLTOP_XSTATE_SHIM= "
			 "(empty) starts without it", dir, err);
	else
		snprintf(out, cap, "the host refused guest FPU state (ptrace %s fp regs failed, "
			 "errno = %d) without the XSAVE shim; set UMLTOP_XSTATE_SHIM to "
			 "umltop-xstate.so", dir, err);
	return true;
}

/* UML's last words before a crash: does the console show the host
 * refusing a guest's FPU state (a host XSAVE area the kernel or the shim
 * does not fit)?  The line comes before the panic's backtrace, so look
 * back through the scrollback too. */
static bool fpu_refused(struct inst *in)
{
	enum { LOOK_BACK = 200 };
	char line[256], why[sizeof in->reason];
	bool found = false;
	int row, col;
	bool vis;
	struct term *t = feed_lock(in->feed);
	term_cursor(t, &row, &col, &vis);
	int oldest = -(int)term_scrollback_len(t);
	for (int r = row; !found && r >= oldest && r > row - LOOK_BACK; r--)
		found = term_row_text(t, r, line, sizeof line) > 0 &&
			inst_fpu_reason(line, in->env.shim && *in->env.shim ? in->env.shim : NULL,
					why, sizeof why);
	feed_unlock(in->feed);
	if (found)
		inst_set_reason(in, "%s", why);
	return found;
}

/* The process is gone: status as waitpid() gave it, or NULL for an
 * adopted one, whose status went to init. */
void inst_exited(struct inst *in, const int *status)
{
	if (status) {
		describe_exit(in, *status);
	} else {
		in->exit_code = -1;
		in->exit_signal = 0;
	}
	pid_t pid = in->pid;
	if (in->console_open)
		inst_console_read(in, true); /* the kernel's last words, before judging the exit */
	if (halted_then_aborted(in)) {
		inst_log(in, "pid %d died by SIGABRT after the guest halted; "
			     "counted as the guest's exit 0", (int)pid);
		in->exit_code = 0;
		in->exit_signal = 0;
		in->panicked = false;
	}
	bool clean = !status || (in->exit_signal == 0 && in->exit_code == 0);
	/* The child could not become the UML (launch_spawn's report): a
	 * start that failed, whatever the state says. */
	char launch_err[256];
	bool unlaunched = in->launch_fd >= 0 && !clean &&
		launch_report(in->launch_fd, in->ci->kernel, false, launch_err,
			      sizeof launch_err) < 0;
	if (unlaunched) {
		in->end = INST_END_CRASHED;
		inst_set_reason(in, "start failed: %s", launch_err);
	} else if (in->state == INST_HALTING) {
		in->end = inst_halt_end(in);
		inst_set_reason(in, "halted (%s) after %.1f s", util_end_name(in->end),
				(double)(util_now_ns() - in->halt_start_ns) / 1e9);
	} else if (!status) {
		in->end = INST_END_CLEAN;
		inst_set_reason(in, "ended by itself; its exit status is not known (adopted from "
			     "an earlier server)");
	} else if (clean) {
		in->end = INST_END_CLEAN;
		inst_set_reason(in, "powered off by the guest");
	} else {
		in->end = INST_END_CRASHED;
		if (!fpu_refused(in) && !in->panicked) {
			if (in->exit_signal)
				inst_set_reason(in, "killed by signal %d (%s)", in->exit_signal,
						strsignal(in->exit_signal));
			else
				inst_set_reason(in, "exited with code %d", in->exit_code);
		}
	}
	bool failed = !in->mconsole_known && in->state == INST_STARTING && !clean;
	inst_log(in, "pid %d %s", (int)pid, in->reason);
	inst_halt_stop(in);
	inst_teardown(in);
	in->last_pid = in->pid;
	in->pid = 0;
	in->adopted = false; /* the next start is ours, with a console */
	in->phase = INST_PHASE_NONE;
	if (unlaunched) {
		inst_set_state(in, INST_FAILED);
	} else if (failed) {
		char *why = xasprintf("%s during boot; see %s/%s.console.log", in->reason,
				      in->env.statedir, in->ci->name);
		inst_set_reason(in, "%s", why);
		free(why);
		inst_set_state(in, INST_FAILED);
	} else if (in->end == INST_END_CRASHED) {
		inst_set_state(in, INST_CRASHED);
	} else {
		inst_set_state(in, INST_STOPPED);
	}
	if (in->next_ci) {
		inst_set_conf(in, in->next_ci);
		inst_log(in, "the settings of the last reload apply from now on");
	}
	inst_changed(in);
	if (in->restart_pending && !in->freeing) {
		in->restart_pending = false;
		char err[256];
		int rc = inst_start(in, err, sizeof err);
		if (rc < 0 && rc != -EINPROGRESS)
			inst_log(in, "restart: %s", err);
	}
}

/* The server's reaper has this run's status (uml/reap.h). */
static void child_ended(void *arg, pid_t pid, int status)
{
	struct inst *in = arg;
	if (pid == in->pid)
		inst_exited(in, &status);
}

void inst_watch_child(struct inst *in)
{
	reaper_watch(in->env.reaper, in->pid, child_ended, in);
}
