/* UMLs this server did not start: one an earlier server left running
 * when it died (found by its pid file and command line, adopted without
 * its console, its end seen by polling /proc), one the process before an
 * upgrade handed over (still our child, its console kept); and the check
 * that no other process holds an instance's images before it starts. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "uml/feed.h"
#include "uml/inst-int.h"

/* /proc/PID/WHAT into text (NUL-terminated, cut at cap - 1): its length,
 * or -errno. */
static ssize_t read_proc(pid_t pid, const char *what, char *text, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	return inst_read_text(path, text, cap);
}

bool inst_cmdline_is(const char *text, size_t len, const char *umid, const char *uml_dir)
{
	bool got_umid = false, got_dir = false;
	for (const char *w = text, *end = text + len; w < end; w += strlen(w) + 1) {
		size_t n = strnlen(w, (size_t)(end - w));
		if (n == (size_t)(end - w))
			break; /* a last word without its NUL: cut, not trusted */
		if (!strncmp(w, "umid=", 5) && !strcmp(w + 5, umid))
			got_umid = true;
		if (!strncmp(w, "uml_dir=", 8) && !strcmp(w + 8, uml_dir))
			got_dir = true;
	}
	return got_umid && got_dir;
}

/* The pid uml_dir/UMID/pid names, when that process lives and is this
 * instance's UML; 0 otherwise. */
static pid_t leftover_uml(struct inst *in)
{
	char *dir = inst_dir_of(in->paths.mconsole);
	pid_t pid = inst_umid_dir_pid(dir);
	free(dir);
	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return 0;
	char text[8192];
	ssize_t n = read_proc(pid, "cmdline", text, sizeof text);
	return n > 0 && inst_cmdline_is(text, (size_t)n, in->ci->umid, in->paths.uml_dir) ? pid : 0;
}

/* How long ago a process started, in ns (its /proc/PID/stat starttime
 * against the boot clock); 0 when not known. */
static uint64_t started_ago_ns(pid_t pid)
{
	char text[1024];
	if (read_proc(pid, "stat", text, sizeof text) <= 0)
		return 0;
	char *p = strrchr(text, ')'); /* the command may hold spaces and ')' */
	unsigned long long ticks = 0;
	/* after ") ": state is field 3; starttime is field 22 */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &ticks) != 1)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	uint64_t start_ns = ticks * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
	return now_ns > start_ns ? now_ns - start_ns : 0;
}

/* Gone, or a zombie its new parent has not reaped (where init does not
 * reap, as in some containers). */
bool inst_process_gone(pid_t pid)
{
	char text[256];
	ssize_t n = read_proc(pid, "stat", text, sizeof text);
	if (n <= 0)
		return n == -ENOENT || n == -ESRCH || n == 0;
	const char *p = strrchr(text, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* A UML of this instance still runs, started by a server that died: take
 * it over rather than start a second kernel on its images.  Its console
 * went with that server; mconsole, the notify socket and its process
 * group are all the ladder and the figures need.  It is not our child,
 * so its exit is seen by polling (inst_poll). */
static bool adopt(struct inst *in)
{
	pid_t pid = leftover_uml(in);
	if (!pid)
		return false;
	char err[256] = "";
	in->drop = inst_drops_to_user(in);
	if (inst_prepare_dirs(in, err, sizeof err) < 0 || inst_start_notifier(in, err, sizeof err) < 0)
		inst_log(in, "adopting pid %d: no notify socket (%s)", (int)pid, err);
	inst_begin_run(in);
	in->pid = pid;
	in->adopted = true;
	in->umid_dir = inst_dir_of(in->paths.mconsole);
	in->mconsole_known = true; /* it has been up for a while */
	in->started_ns = in->ready_at_ns = util_now_ns() - started_ago_ns(pid);
	inst_net_take_over(in);
	inst_set_reason(in, "console lost: adopted from an earlier server");
	inst_log(in, "pid %d, left running by an earlier server: adopted, without its console",
		 (int)pid);
	inst_set_state(in, INST_RUNNING);
	return true;
}

bool inst_adopt(struct inst *in)
{
	return !inst_live(in) && adopt(in);
}

static pid_t pgrp_of(pid_t pid)
{
	char text[512];
	struct inst_procstat ps;
	if (read_proc(pid, "stat", text, sizeof text) <= 0)
		return 0;
	return inst_parse_procstat(text, &ps) == 0 ? ps.pgrp : 0;
}

/* Who holds an image.  UML locks its images (F_SETLK, UML-NOTES), so
 * another UML on one is found by asking for the lock.  Any other process
 * with it open only by walking every process's open files: about a
 * thousand system calls per hundred processes, and a booting fleet makes
 * thousands of host processes, while the server's loop waits.  So one walk
 * serves every start for IMAGE_WALK_MS (a fleet that starts at once walks
 * once, not twice per instance), and a holder it names is checked again
 * before it counts: a file opened since the walk by a process other than
 * a UML is the one thing missed. */
#define IMAGE_WALK_MS 250

struct open_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

static struct {
	struct open_file *v;
	size_t n, cap;
	uint64_t at_ms;
} walked;

/* Each regular file pid has open, to fn until it returns true: true then,
 * false when none did (or pid is gone, or not ours to look at). */
static bool each_open_file(pid_t pid, bool (*fn)(void *arg, pid_t pid, const struct stat *st),
			   void *arg)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *fds = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!fds) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	bool done = false;
	struct dirent *f;
	struct stat st;
	while (!done && (f = readdir(fds)))
		done = f->d_name[0] != '.' && fstatat(dfd, f->d_name, &st, 0) == 0 &&
		       S_ISREG(st.st_mode) && fn(arg, pid, &st);
	closedir(fds);
	return done;
}

static bool note_open_file(void *arg, pid_t pid, const struct stat *st)
{
	(void)arg;
	if (walked.n == walked.cap) {
		walked.cap = walked.cap ? 2 * walked.cap : 256;
		walked.v = xreallocarray(walked.v, walked.cap, sizeof *walked.v);
	}
	walked.v[walked.n++] = (struct open_file){ st->st_dev, st->st_ino, pid };
	return false;
}

/* Every regular file open in a process we may look at, into walked. */
static void walk_open_files(void)
{
	walked.n = 0;
	walked.at_ms = util_now_ms();
	DIR *proc = opendir("/proc");
	if (!proc)
		return;
	struct dirent *p;
	while ((p = readdir(proc))) {
		pid_t pid = atoi(p->d_name);
		if (pid > 0 && pid != getpid())
			each_open_file(pid, note_open_file, NULL);
	}
	closedir(proc);
}

static bool same_file(void *arg, pid_t pid, const struct stat *st)
{
	const struct stat *want = arg;
	(void)pid;
	return st->st_dev == want->st_dev && st->st_ino == want->st_ino;
}

/* Whether pid has the file want open now. */
static bool holds(pid_t pid, const struct stat *want)
{
	return each_open_file(pid, same_file, (void *)want);
}

/* A process holding the file at path open: its pid, or 0.  Two kernels on
 * one image corrupt it (UML's own lock only stops the second at boot, with
 * a panic), so an image in use by anything is not booted again.  skip: the
 * process group of this instance's last run, whose helpers may still be
 * on their way out after its SIGKILL: *leftover says they still hold it
 * (or its lock, whose taker is gone while a helper sharing its files
 * lives on), and the image is not free yet either: the pid of one, or -1
 * when the lock's taker is gone. */
static pid_t image_user(const char *path, pid_t skip, pid_t *leftover)
{
	struct stat want;
	if (!path || stat(path, &want) < 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int rc = fcntl(fd, F_GETLK, &fl);
		close(fd);
		if (rc == 0 && fl.l_type != F_UNLCK) {
			/* held: by another's process, or by our last run's,
			 * whose taker may be gone while a helper sharing its
			 * files lives on (no group then): not free either way */
			pid_t group = fl.l_pid > 0 ? pgrp_of(fl.l_pid) : 0;
			if (group > 0 && (!skip || group != skip))
				return fl.l_pid;
			*leftover = group > 0 ? fl.l_pid : -1;
		}
	}
	if (!walked.at_ms || util_now_ms() - walked.at_ms >= IMAGE_WALK_MS)
		walk_open_files();
	for (size_t i = 0; i < walked.n; i++) {
		const struct open_file *o = &walked.v[i];
		if (o->dev != want.st_dev || o->ino != want.st_ino || !holds(o->pid, &want))
			continue;
		if (!skip || pgrp_of(o->pid) != skip)
			return o->pid;
		*leftover = o->pid;
	}
	return 0;
}

int inst_images_in_use(struct inst *in, char *err, size_t errlen)
{
	const char *images[] = { in->ci->root, in->ci->swap };
	for (size_t i = 0; i < ARRAY_LEN(images); i++) {
		pid_t leftover = 0;
		pid_t pid = image_user(images[i], in->last_pid, &leftover);
		if (!pid && !leftover)
			continue;
		char comm[64], stat[512];
		pid_t who = pid ? pid : leftover;
		if (who < 0 || read_proc(who, "comm", comm, sizeof comm) <= 0)
			strcpy(comm, "?");
		comm[strcspn(comm, "\n")] = '\0';
		char clean[sizeof comm];
		util_clean_text(comm, clean);
		if (pid) {
			snprintf(err, errlen, "%s is in use by pid %d (%s), not a UML of this server: "
				 "not started, so that two kernels never write one image", images[i],
				 (int)pid, clean);
			return 1;
		}
		/* a process of the last run, killed: its state tells why it
		 * lingers (D: waiting for the disk) */
		char state = '?';
		const char *end;
		if (who > 0 && read_proc(who, "stat", stat, sizeof stat) > 0 &&
		    (end = strrchr(stat, ')')) && end[1] == ' ' && end[2])
			state = end[2];
		if (who > 0)
			snprintf(err, errlen, "%s is still held by pid %d (%s, state %c) of the "
				 "last run", images[i], (int)who, clean, state);
		else
			snprintf(err, errlen, "%s is still locked by a process of the last run",
				 images[i]);
		return 2;
	}
	return 0;
}

/* ---- handing a UML over to the next server process ---- */

const char *inst_handover_busy(const struct inst *in)
{
	if (in->state == INST_STARTING)
		return "starting";
	if (in->state == INST_HALTING)
		return "halting";
	if (in->restart_pending)
		return "about to restart";
	return NULL;
}

void inst_handover_get(struct inst *in, struct inst_handover *h)
{
	memset(h, 0, sizeof *h);
	if (in->console_open)
		inst_console_read(in, true); /* every byte the guest wrote so far */
	h->pid = in->pid;
	h->master = in->console_open ? in->pty.master : -1;
	h->state = in->state;
	h->adopted = in->adopted;
	h->rows = in->rows;
	h->cols = in->cols;
	h->up_ms = (util_now_ns() - in->started_ns) / 1000000;
	snprintf(h->reason, sizeof h->reason, "%s", in->reason);
	struct term *t = feed_lock(in->feed);
	term_snapshot(t, (unsigned)term_scrollback_len(t), &h->screen);
	feed_unlock(in->feed);
	if (h->master >= 0)
		fcntl(h->master, F_SETFD, 0);
	/* The clean-text log keeps a partial line in memory: out with it. */
	if (in->log) {
		term_log_close(in->log);
		in->log = NULL;
	}
}

void inst_handover_undo(struct inst *in)
{
	if (in->console_open)
		fcntl(in->pty.master, F_SETFD, FD_CLOEXEC);
	inst_open_logs(in);
}

int inst_handover_take(struct inst *in, const struct inst_handover *h)
{
	if (inst_live(in) || h->pid <= 0)
		return -EBUSY;
	char err[256] = "";
	in->drop = inst_drops_to_user(in);
	if (inst_start_notifier(in, err, sizeof err) < 0)
		inst_log(in, "after the upgrade: no notify socket (%s)", err);
	inst_open_logs(in);
	inst_begin_run(in);
	in->pid = h->pid;
	in->adopted = h->adopted;
	in->umid_dir = inst_dir_of(in->paths.mconsole);
	in->mconsole_known = true;
	in->rows = h->rows ? h->rows : DEFAULT_ROWS;
	in->cols = h->cols ? h->cols : DEFAULT_COLS;
	in->started_ns = in->ready_at_ns = util_now_ns() - h->up_ms * 1000000;
	snprintf(in->reason, sizeof in->reason, "%s", h->reason);
	struct term *t = feed_lock(in->feed);
	term_resize(t, in->rows, in->cols);
	term_feed(t, h->screen.data ? h->screen.data : "", h->screen.len);
	feed_unlock(in->feed);
	if (h->master >= 0) {
		fcntl(h->master, F_SETFD, FD_CLOEXEC);
		in->pty.master = h->master;
		inst_console_watch(in);
	}
	inst_net_take_over(in);
	inst_log(in, "pid %d taken over after the upgrade", (int)in->pid);
	/* unresponsive: running until the next poll says otherwise (the state
	 * it would go back to is not handed over) */
	inst_set_state(in, h->state == INST_UNRESPONSIVE ? INST_RUNNING : h->state);
	if (!in->adopted) /* still our child: one that ended during the exec is reaped now */
		inst_watch_child(in);
	return 0;
}
