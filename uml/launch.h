/* Internal to uml/: fork and exec of a UML with its console on a pty. */
#ifndef UMLTOP_UML_LAUNCH_H
#define UMLTOP_UML_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct launch {
	char **argv;   /* argv[0] is the kernel's path */
	char **envp;
	int slave;     /* the console pty's slave: stdin and stdout */
	int errfd;     /* stderr, or -1 for the console */
	const char *cwd;
	bool drop;     /* switch to uid/gid/groups (server is root, USER set) */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	const int *fds; /* handed to the UML as fds 3, 4, ... (see net/net.h) */
	size_t nfds;
	unsigned nice;  /* steps below the server while it boots (BOOT_NICE) */
	char group_nice[16]; /* ... its session's group's nice then, or "" */
};

/* Resolve the supplementary groups of user in the parent (not after fork). */
int launch_prepare_user(struct launch *l, const char *user, uid_t uid, gid_t gid);
/* Fork and exec.  0 and *pid, or -errno with a message in err (the child,
 * if one was made, has exited: *pid is set so it can be reaped).
 *
 * Without report, it waits for the exec: on a host whose CPUs a booting
 * fleet keeps busy the new process may wait 100-200 ms for one, and the
 * server's loop with it.  With report, it returns at once and *report is
 * the pipe that says how the child fared (launch_report), to read once it
 * has exec'd or exited. */
int launch_spawn(const struct launch *l, pid_t *pid, int *report, char *err, size_t errlen);
/* What the child said on its report pipe: 0 it exec'd, -errno with the
 * failed step in err, or (wait false) 1 while it has said nothing yet. */
int launch_report(int fd, const char *argv0, bool wait, char *err, size_t errlen);
void launch_free(struct launch *l);

#endif
