/* SWITCH: one uml_switch per name, the server's child, started for the
 * first run that names it and stopped when the last one ends.  Its
 * control socket is RUNDIR/switch/NAME/ctl (conf_switch_ctl), which each
 * guest's ethN=daemon,,unix,CTL connects to.  A switch that dies while in
 * use is started again at once, but a guest does not reach it by itself:
 * UML's daemon transport meets its switch once, when the device is made,
 * and keeps sending to the dead switch's data socket (ECONNREFUSED), even
 * across ifconfig down and up (measured, tests/e2e/net-switch.sh).  The
 * device must be made again (mconsole remove and config, while it is
 * down), or the instance restarted: each user is told how.
 * Single-threaded, in the server's loop thread. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/net.h"

#define SWITCH_PROG "uml_switch"
#define SWITCH_WAIT_MS 3000 /* for its control socket to appear */
#define SWITCH_FAST_DEATHS 3 /* in a row, each within a second of its start */

struct sw_user {
	net_switch_note_fn note;
	void *owner;
	char guest[NET_IFNAMSIZ]; /* its interface on this switch */
};

struct sw {
	char *name, *dir, *ctl;
	pid_t pid;
	bool orphan; /* left by a server that died: not our child, not watched */
	struct timespec started;
	unsigned fast_deaths, restarts;
	struct sw_user *users;
	size_t nusers;
};

static struct net_switch_env env;
static struct sw **sws;
static size_t nsws;

void net_switch_setup(const struct net_switch_env *e)
{
	env = *e;
}

static struct sw *find(const char *name)
{
	for (size_t i = 0; i < nsws; i++)
		if (!strcmp(sws[i]->name, name))
			return sws[i];
	return NULL;
}

static void slog(const char *fmt, const char *name, const char *more)
{
	if (env.log)
		env.log(env.arg, fmt, name, more);
}

static void note_users(struct sw *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_users(struct sw *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i].note)
			s->users[i].note(s->users[i].owner, msg, msg);
}

/* The restart, told to each user with its own interface. */
static void note_restart(struct sw *s, const char *how)
{
	for (size_t i = 0; i < s->nusers; i++) {
		struct sw_user *u = &s->users[i];
		if (!u->note)
			continue;
		char msg[256], how_to[512];
		snprintf(msg, sizeof msg, "SWITCH: switch '%s' %s: restarted (pid %d); %s is "
			 "cut off until it is plugged in again (or the instance restarted)",
			 s->name, how, (int)s->pid, u->guest);
		snprintf(how_to, sizeof how_to, "%s: in the guest ifconfig %s down, then "
			 "mconsole 'remove %s' and 'config %s=daemon,,unix,%s', then ifconfig %s "
			 "up with its address", msg, u->guest, u->guest, u->guest, s->ctl,
			 u->guest);
		u->note(u->owner, msg, how_to);
	}
}

static void ended(void *arg, pid_t pid, int status);

/* RUNDIR/switch/NAME/pid: for the server after this one (an upgrade, or a
 * new server after this one died), which takes a switch that still runs
 * over rather than start a second on the same socket. */
static void write_pid(const struct sw *s)
{
	char *p = xasprintf("%s/pid", s->dir);
	FILE *f = fopen(p, "we");
	if (f) {
		fprintf(f, "%d\n", (int)s->pid);
		fclose(f);
	}
	free(p);
}

/* The uml_switch of this switch that still runs, by its pid file and its
 * command line (uml_switch -unix CTL: not a pid reused since), or 0. */
static pid_t left_running(const struct sw *s)
{
	char *p = xasprintf("%s/pid", s->dir);
	FILE *f = fopen(p, "re");
	free(p);
	int pid = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	if (!pid)
		return 0;
	char path[64], cmd[4096];
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, cmd, sizeof cmd - 1);
	close(fd);
	if (n <= 0)
		return 0;
	cmd[n] = '\0';
	const char *prog = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	size_t at = strlen(cmd) + 1;
	if (strcmp(prog, SWITCH_PROG) || (size_t)n <= at || strcmp(cmd + at, "-unix"))
		return 0;
	at += strlen(cmd + at) + 1;
	if ((size_t)n <= at || strcmp(cmd + at, s->ctl))
		return 0;
	return pid;
}

/* Whether pid is this process's child (an upgrade keeps its children). */
static bool our_child(pid_t pid)
{
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, stat, sizeof stat - 1);
	close(fd);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	const char *rp = strrchr(stat, ')'); /* the name may hold anything */
	int ppid = 0;
	char st;
	return rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == getpid();
}

/* Take over the switch an earlier server left running: its child still
 * after an upgrade (watched as ours), an orphan after a crash (stopped by
 * pid when no run uses it, not restarted if it dies). */
static bool take_over(struct sw *s)
{
	pid_t pid = left_running(s);
	struct stat st;
	if (!pid || stat(s->ctl, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	s->pid = pid;
	s->orphan = !our_child(pid);
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	if (!s->orphan)
		env.watch(env.watcher, pid, ended, s);
	if (env.log)
		env.log(env.arg, "switch %s: pid %d, left running by an earlier server: taken "
			"over%s", s->name, (int)pid,
			s->orphan ? " (not our child: stopped when unused, not restarted)" : "");
	return true;
}

/* Fork and exec uml_switch -unix CTL, then wait for CTL to be a socket.
 * 0, or -errno with err. */
static int spawn(struct sw *s, char *err, size_t errlen)
{
	int rc = util_mkdir_p(s->dir, 0711);
	if (rc < 0) {
		snprintf(err, errlen, "SWITCH: cannot make %s: %s", s->dir, strerror(-rc));
		return rc;
	}
	chmod(s->dir, 0711);
	char *parent = xstrdup(s->dir);
	*strrchr(parent, '/') = '\0';
	chmod(parent, 0711);
	free(parent);
	unlink(s->ctl); /* a dead switch's */
	char *log = xasprintf("%s/log", s->dir);
	int pipefd[2]; /* exec failure reported through it (CLOEXEC) */
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		free(log);
		snprintf(err, errlen, "SWITCH: '%s': %s", s->name, strerror(-rc));
		return rc;
	}
	bool root = geteuid() == 0;
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		util_child_signals();
		setsid();
		/* A root server's UMLs run as other users: they must connect. */
		umask(root ? 0 : 077);
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		util_child_fds(pipefd[1]);
		execlp(SWITCH_PROG, SWITCH_PROG, "-unix", s->ctl, (char *)NULL);
		int e = errno;
		ssize_t w = write(pipefd[1], &e, sizeof e);
		(void)w;
		_exit(127);
	}
	free(log);
	close(pipefd[1]);
	if (pid < 0) {
		rc = -errno;
		close(pipefd[0]);
		snprintf(err, errlen, "SWITCH: '%s': cannot fork: %s", s->name, strerror(-rc));
		return rc;
	}
	int e = 0;
	ssize_t got = read(pipefd[0], &e, sizeof e);
	close(pipefd[0]);
	s->pid = pid;
	s->orphan = false;
	write_pid(s);
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	env.watch(env.watcher, pid, ended, s);
	if (got == (ssize_t)sizeof e) {
		snprintf(err, errlen, "SWITCH: cannot run %s for switch '%s': %s%s", SWITCH_PROG,
			 s->name, strerror(e),
			 e == ENOENT ? " (install uml-utilities)" : "");
		return -e;
	}
	for (int ms = 0; ms < SWITCH_WAIT_MS; ms += 10) {
		struct stat st;
		if (s->pid != pid) /* it ended (reaped in ended()) */
			break;
		siginfo_t si = { 0 };
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
			break;
		if (stat(s->ctl, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "SWITCH: switch '%s' (%s -unix %s) did not start: see %s/log",
		 s->name, SWITCH_PROG, s->ctl, s->dir);
	return -EIO;
}

/* Kill it and forget it (the reaper reaps it without a word). */
static void stop(struct sw *s)
{
	if (s->pid > 0) {
		if (!s->orphan)
			env.watch(env.watcher, s->pid, NULL, NULL);
		if (!s->orphan || left_running(s) == s->pid)
			kill(s->pid, SIGTERM);
		s->pid = 0;
	}
	unlink(s->ctl);
	char *p = xasprintf("%s/pid", s->dir);
	unlink(p);
	free(p);
}

static void sw_free(struct sw *s)
{
	for (size_t i = 0; i < nsws; i++)
		if (sws[i] == s) {
			sws[i] = sws[--nsws];
			break;
		}
	if (!nsws) {
		free(sws);
		sws = NULL;
	}
	char *log = xasprintf("%s/log", s->dir);
	unlink(log);
	free(log);
	rmdir(s->dir);
	free(s->name);
	free(s->dir);
	free(s->ctl);
	free(s->users);
	free(s);
}

static void ended(void *arg, pid_t pid, int status)
{
	struct sw *s = arg;
	if (s->pid != pid)
		return;
	s->pid = 0;
	char how[64];
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof how, "exited with code %d", WEXITSTATUS(status));
	if (!s->nusers)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	bool fast = now.tv_sec - s->started.tv_sec < 2;
	s->fast_deaths = fast ? s->fast_deaths + 1 : 0;
	if (s->fast_deaths >= SWITCH_FAST_DEATHS) {
		slog("switch %s %s, again soon after its start: not restarted", s->name, how);
		note_users(s, "SWITCH: switch '%s' %s, and died %u times in a row just after "
			   "starting: not restarted; the network on it is down", s->name, how,
			   s->fast_deaths);
		return;
	}
	char err[256];
	if (spawn(s, err, sizeof err) < 0) {
		slog("switch %s: %s", s->name, err);
		note_users(s, "SWITCH: switch '%s' %s and could not be restarted: %s", s->name,
			   how, err);
		return;
	}
	s->restarts++;
	char more[96];
	snprintf(more, sizeof more, "%s: restarted (pid %d)", how, (int)s->pid);
	slog("switch %s %s", s->name, more);
	note_restart(s, how);
}

int net_switch_hold(const char *name, const char *guest, net_switch_note_fn note,
		    void *owner, char *err, size_t errlen)
{
	if (!env.watch || !env.rundir) {
		snprintf(err, errlen, "SWITCH: '%s': switches are not set up in this process",
			 name);
		return -ENOSYS;
	}
	struct sw *s = find(name);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		s->name = xstrdup(name);
		s->ctl = conf_switch_ctl(env.rundir, name);
		s->dir = xstrdup(s->ctl);
		*strrchr(s->dir, '/') = '\0';
		sws = xreallocarray(sws, nsws + 1, sizeof *sws);
		sws[nsws++] = s;
		take_over(s);
	}
	if (s->orphan && left_running(s) != s->pid)
		s->pid = 0; /* the one taken over died unwatched */
	if (s->pid <= 0) {
		s->fast_deaths = 0;
		int rc = spawn(s, err, errlen);
		if (rc < 0) {
			stop(s);
			if (!s->nusers)
				sw_free(s);
			return rc;
		}
	}
	s->users = xreallocarray(s->users, s->nusers + 1, sizeof *s->users);
	struct sw_user *u = &s->users[s->nusers++];
	*u = (struct sw_user){ .note = note, .owner = owner };
	snprintf(u->guest, sizeof u->guest, "%s", guest);
	return 0;
}

void net_switch_release(const char *name, void *owner)
{
	struct sw *s = find(name);
	if (!s)
		return;
	for (size_t i = 0; i < s->nusers; i++)
		if (s->users[i].owner == owner) {
			s->users[i] = s->users[--s->nusers];
			break;
		}
	if (s->nusers)
		return;
	slog("switch %s: no run uses it: stopped%s", s->name, "");
	stop(s);
	sw_free(s);
}

pid_t net_switch_pid(const char *name)
{
	struct sw *s = find(name);
	return s ? s->pid : 0;
}

void net_switch_stop_all(void)
{
	while (nsws) {
		stop(sws[0]);
		sw_free(sws[0]);
	}
}
