/* Starting a UML process: everything the child must do between fork and
 * exec, prepared in the parent so the child only makes system calls.
 *
 * The child: default signal state, a new session with the pty slave as
 * controlling tty and as stdin/stdout (so UML starts no winch helper and
 * one process-group kill ends every host process it made), stderr to the
 * instance's log, address randomisation off (UML-NOTES: random
 * "exec-shield gaps" make small-memory boots panic), then the user switch
 * and exec.  An exec failure comes back through a close-on-exec pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "uml/launch.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Failure in the child: tell the parent which step and errno, then exit. */
static void __attribute__((noreturn)) child_fail(int fd, int step)
{
	int msg[2] = { step, errno };
	ssize_t unused = write(fd, msg, sizeof msg);
	(void)unused;
	_exit(127);
}

enum step { STEP_SESSION = 1, STEP_TTY, STEP_FDS, STEP_GROUPS, STEP_GID, STEP_UID, STEP_EXEC };

static const char *step_name(int step)
{
	switch (step) {
	case STEP_SESSION: return "setsid";
	case STEP_TTY: return "making the console the controlling tty";
	case STEP_FDS: return "setting up stdin/stdout/stderr";
	case STEP_GROUPS: return "setgroups";
	case STEP_GID: return "setgid";
	case STEP_UID: return "setuid";
	case STEP_EXEC: return "exec";
	}
	return "?";
}

/* The descriptors the UML is given go to 3, 4, ... (what UMLTOP_TAPS
 * names): first everything in the way (the report pipe, the sources) is
 * moved above them.  dup2 leaves the new ones open across exec.  Returns
 * where the report pipe is now. */
static int child_hand_over(const struct launch *l, int report)
{
	int above = 3 + (int)l->nfds, moved[64];
	if (l->nfds > sizeof moved / sizeof moved[0]) {
		errno = EMFILE;
		child_fail(report, STEP_FDS);
	}
	int r = fcntl(report, F_DUPFD_CLOEXEC, above);
	if (r < 0)
		child_fail(report, STEP_FDS);
	report = r;
	for (size_t i = 0; i < l->nfds; i++)
		if ((moved[i] = fcntl(l->fds[i], F_DUPFD_CLOEXEC, above)) < 0)
			child_fail(report, STEP_FDS);
	for (size_t i = 0; i < l->nfds; i++)
		if (dup2(moved[i], 3 + (int)i) < 0)
			child_fail(report, STEP_FDS);
	return report;
}

static void __attribute__((noreturn)) child(const struct launch *l, int report)
{
	util_child_signals();

	if (setsid() < 0)
		child_fail(report, STEP_SESSION);
	if (ioctl(l->slave, TIOCSCTTY, 0) < 0)
		child_fail(report, STEP_TTY);
	if (dup2(l->slave, 0) < 0 || dup2(l->slave, 1) < 0 ||
	    dup2(l->errfd >= 0 ? l->errfd : l->slave, 2) < 0)
		child_fail(report, STEP_FDS);
	util_child_fds(report); /* nothing of the server's leaks into the UML */
	if (l->nfds)
		report = child_hand_over(l, report);
	personality(ADDR_NO_RANDOMIZE);
	if (l->group_nice[0]) { /* setsid made the group: ours alone */
		int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, l->group_nice, strlen(l->group_nice)) < 0) {
				/* not fatal: it boots at the server's rank */
			}
			close(fd);
		}
	}
	if (l->nice) { /* before any setuid: it is ours to change */
		errno = 0;
		int cur = getpriority(PRIO_PROCESS, 0);
		if (errno == 0)
			setpriority(PRIO_PROCESS, 0, cur + (int)l->nice);
	}
	if (l->drop) {
		if (setgroups(l->ngroups, l->groups) < 0)
			child_fail(report, STEP_GROUPS);
		if (setgid(l->gid) < 0)
			child_fail(report, STEP_GID);
		if (setuid(l->uid) < 0)
			child_fail(report, STEP_UID);
	}
	if (l->cwd && chdir(l->cwd) < 0) {
		/* not fatal: UML's paths are absolute */
	}
	execve(l->argv[0], l->argv, l->envp);
	child_fail(report, STEP_EXEC);
}

int launch_prepare_user(struct launch *l, const char *user, uid_t uid, gid_t gid)
{
	l->drop = true;
	l->uid = uid;
	l->gid = gid;
	int n = 64;
	for (;;) {
		l->groups = xreallocarray(l->groups, (size_t)n, sizeof *l->groups);
		int got = n;
		if (getgrouplist(user, gid, l->groups, &got) >= 0) {
			l->ngroups = (size_t)got;
			return 0;
		}
		if (got <= n)
			return -EINVAL;
		n = got;
	}
}

int launch_spawn(const struct launch *l, pid_t *pid, int *report, char *err, size_t errlen)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t p = fork();
	if (p < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -e;
	}
	if (p == 0) {
		close(pipefd[0]);
		child(l, pipefd[1]);
	}
	close(pipefd[1]);
	*pid = p;
	if (report) {
		*report = pipefd[0];
		return 0;
	}
	int rc = launch_report(pipefd[0], l->argv[0], true, err, errlen);
	close(pipefd[0]);
	return rc;
}

int launch_report(int fd, const char *argv0, bool wait, char *err, size_t errlen)
{
	if (!wait) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 0) == 0)
			return 1;
	}
	int msg[2];
	ssize_t n;
	do
		n = read(fd, msg, sizeof msg);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof msg) {
		snprintf(err, errlen, "%s %s: %s", step_name(msg[0]),
			 msg[0] == STEP_EXEC ? argv0 : "", strerror(msg[1]));
		return -(msg[1] ? msg[1] : EIO);
	}
	return 0;
}

void launch_free(struct launch *l)
{
	free(l->groups);
	l->groups = NULL;
}
