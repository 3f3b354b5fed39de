/* uml/: the figures a status line shows, parsed from what a real guest's
 * /proc and the host's /proc/PID/stat say; the one reaper of children. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "uml/uml.h"
#include "uml/uml-int.h"
#include "uml/inst-int.h"
#include "uml/reap.h"

static void loadavg(void **state)
{
	struct inst_guest_stats s = { 0 };
	assert_int_equal(inst_parse_loadavg("0.12 1.05 12.50 2/43 812\n", &s), 0);
	assert_int_equal(s.load_x100[0], 12);
	assert_int_equal(s.load_x100[1], 105);
	assert_int_equal(s.load_x100[2], 1250);
	assert_int_equal(s.procs_running, 2);
	assert_int_equal(s.procs_total, 43);
	assert_int_equal(inst_parse_loadavg("Unknown command", &s), -EINVAL);
	assert_int_equal(inst_parse_loadavg("", &s), -EINVAL);
}

static void uptime(void **state)
{
	struct inst_guest_stats s = { 0 };
	assert_int_equal(inst_parse_uptime("3605.27 3580.11\n", &s), 0);
	assert_int_equal(s.uptime_s, 3605);
	assert_int_equal(inst_parse_uptime("x", &s), -EINVAL);
}

static void meminfo(void **state)
{
	struct inst_guest_stats s = { 0 };
	const char *text = "MemTotal:          59876 kB\n"
			   "MemFree:           41212 kB\n"
			   "MemAvailable:      47100 kB\n"
			   "Buffers:             120 kB\n";
	assert_int_equal(inst_parse_meminfo(text, &s), 0);
	assert_int_equal(s.mem_total_kb, 59876);
	assert_int_equal(s.mem_free_kb, 41212);
	assert_int_equal(s.mem_avail_kb, 47100);
	/* an old kernel without MemAvailable: free stands in */
	assert_int_equal(inst_parse_meminfo("MemTotal: 100 kB\nMemFree: 40 kB\n", &s), 0);
	assert_int_equal(s.mem_avail_kb, 40);
	assert_int_equal(inst_parse_meminfo("MemFree: 40 kB\n", &s), -EINVAL);
}

static void procstat(void **state)
{
	/* comm with spaces and a parenthesis */
	const char *text = "4242 (linux (x) y) S 1 4240 4240 0 -1 4194560 10 0 0 0 "
			   "150 25 0 0 20 0 1 0 100 50000000 9876 18446744073709551615";
	struct inst_procstat p;
	assert_int_equal(inst_parse_procstat(text, &p), 0);
	assert_int_equal(p.pid, 4242);
	assert_int_equal(p.pgrp, 4240);
	assert_int_equal(p.ticks, 175);
	assert_int_equal(p.rss_pages, 9876);
	assert_int_equal(inst_parse_procstat("12 (short) S 1", &p), -EINVAL);
	assert_int_equal(inst_parse_procstat("no parens", &p), -EINVAL);
	assert_int_equal(inst_parse_procstat("(x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21", &p),
			 -EINVAL);
	/* a real-time kernel thread: negative priority and nice */
	const char *rt = "17 (migration/1) S 2 0 0 0 -1 69238848 0 0 0 0 3 41 0 0 -100 -20 1 0 "
			 "3 0 12 18446744073709551615";
	assert_int_equal(inst_parse_procstat(rt, &p), 0);
	assert_int_equal(p.pid, 17);
	assert_int_equal(p.pgrp, 0);
	assert_int_equal(p.ticks, 44);
	assert_int_equal(p.rss_pages, 12);
	/* and this very process, as the kernel writes it */
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_int_equal(inst_parse_procstat(buf, &p), 0);
	assert_int_equal(p.pid, getpid());
	assert_int_equal(p.pgrp, getpgrp());
	assert_true(p.rss_pages > 0);
}

/* The scan finds a process group of ours: a child in a group of its own
 * that burns CPU shows ticks and RSS. */
static void group_usage(void **state)
{
	pid_t child = fork();
	if (child == 0) {
		setpgid(0, 0);
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	setpgid(child, child);
	usleep(300000);
	struct inst_procs *ps = inst_procs_scan();
	struct inst_group_usage u;
	inst_procs_group(ps, child, &u);
	inst_procs_free(ps);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(u.nprocs, 1);
	assert_true(u.ticks >= 5); /* ~30 ticks at 100 Hz */
	assert_true(u.rss_kb > 0);
	ps = inst_procs_scan();
	inst_procs_group(ps, child, &u);
	inst_procs_free(ps);
	assert_int_equal(u.nprocs, 0);
}

static void group_end(pid_t leader)
{
	kill(-leader, SIGKILL);
	waitpid(leader, NULL, 0);
}

/* A process group of our own for a test: its leader runs body(fd), and
 * each of its processes that must be in place before the test looks
 * writes a byte to fd (ready()) and closes it.  Returns the leader once
 * `want` bytes came, or -1 with the group gone. */
static pid_t group_start(void (*body)(int fd), int want)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t leader = fork();
	if (leader == 0) {
		close(p[0]);
		setpgid(0, 0);
		body(p[1]);
		_exit(0);
	}
	close(p[1]);
	if (leader < 0) {
		close(p[0]);
		return -1;
	}
	setpgid(leader, leader);
	int got = 0;
	char c;
	while (got < want && read(p[0], &c, 1) == 1)
		got++;
	close(p[0]);
	if (got < want) {
		group_end(leader);
		return -1;
	}
	return leader;
}

static void ready(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(1);
	close(fd);
}

static void sleep_forever(void)
{
	for (;;)
		pause();
}

static int vm_sharer(void *arg)
{
	close(*(int *)arg);
	sleep_forever();
	return 0;
}

static char *volatile touched; /* so the stores are not optimised away */

static void touch_mb(size_t mb)
{
	touched = malloc(mb << 20);
	memset(touched, 1, mb << 20);
}

/* The figures of the group body() makes (want: as for group_start), taken
 * once it is in place; the group is gone when this returns. */
static void group_figures(void (*body)(int fd), int want, struct inst_group_usage *u)
{
	pid_t leader = group_start(body, want);
	assert_true(leader > 0);
	struct inst_procs *ps = inst_procs_scan();
	inst_procs_group(ps, leader, u);
	inst_procs_free(ps);
	group_end(leader);
}

static void uml_shaped(int fd)
{
	for (int i = 0; i < 3; i++)
		if (fork() == 0) {
			touch_mb(1);
			ready(fd);
			sleep_forever();
		}
	touch_mb(32);
	for (int i = 0; i < 3; i++) {
		size_t size = 64 * 1024;
		char *stack = malloc(size);
		if (clone(vm_sharer, stack + size, CLONE_VM | SIGCHLD, &fd) < 0)
			_exit(1);
	}
	ready(fd);
	sleep_forever();
}

/* A group shaped like a UML: a leader with 32 MB of its own, three
 * processes sharing its address space (UML's helpers, clone(CLONE_VM)),
 * and three with address spaces of their own of 1 MB each (the guest's
 * processes).  Each address space counts once: about 35 MB, where
 * counting each process would give over 130 MB. */
static void idle_leader(int fd)
{
	ready(fd);
	sleep_forever();
}

/* (The leader's RSS starts with what it shares of this process's pages,
 * more under a sanitizer the more tests ran before: counted from a
 * leader that touches nothing.) */
static void group_counts_memory_once(void **state)
{
	struct inst_group_usage base, u;
	group_figures(idle_leader, 1, &base);
	group_figures(uml_shaped, 4, &u);
	assert_int_equal(u.nprocs, 7);
	assert_true(u.rss_kb >= base.rss_kb);
	assert_in_range(u.rss_kb - base.rss_kb, (32 + 3) * 1024, (32 + 3 + 16) * 1024);
}

static void two_hundred(int fd)
{
	for (int i = 0; i < 200; i++)
		if (fork() == 0) {
			close(fd);
			sleep_forever();
		}
	ready(fd);
	sleep_forever();
}

/* A guest with 200 processes: every one is found (its parent's children
 * list runs past 1 KB). */
static void group_of_many(void **state)
{
	struct inst_group_usage u;
	group_figures(two_hundred, 1, &u);
	assert_int_equal(u.nprocs, 201);
}

/* A children list: pids up to what fits; one cut by the end of the buffer
 * is left out, not taken for a smaller pid. */
static void children_list(void **state)
{
	pid_t out[8];
	char whole[] = "12 345 6789 ";
	assert_int_equal(inst_parse_children(whole, strlen(whole), 64, out, 8), 3);
	assert_int_equal(out[0], 12);
	assert_int_equal(out[2], 6789);
	char cut[] = "12 345 67"; /* the buffer was full: 6789 was cut */
	assert_int_equal(inst_parse_children(cut, strlen(cut), sizeof cut, out, 8), 2);
	assert_int_equal(out[1], 345);
	char one_cut[] = "1234";
	assert_int_equal(inst_parse_children(one_cut, 4, sizeof one_cut, out, 8), 0);
	char many[] = "1 2 3 4 5 ";
	assert_int_equal(inst_parse_children(many, strlen(many), 64, out, 3), 3);
	assert_int_equal(out[2], 3);
	char none[] = "";
	assert_int_equal(inst_parse_children(none, 0, 64, out, 8), 0);
}

/* The reason a guest killed by a refused FPU state gets: it names the
 * variable to change, and says which way given the shim it ran with. */
static void fpu_reason(void **state)
{
	char out[256];
	assert_true(inst_fpu_reason("userspace - ptrace set fp regs failed, errno = 14",
				    "/usr/lib/umltop/umltop-xstate.so", out, sizeof out));
	assert_non_null(strstr(out, "ptrace set fp regs failed, errno = 14"));
	assert_non_null(strstr(out, "with the XSAVE shim preloaded"));
	assert_non_null(strstr(out, "UMLTOP_XSTATE_SHIM= (empty) starts without it"));
	assert_true(inst_fpu_reason("userspace - ptrace get fp regs failed, errno = 5", NULL, out,
				    sizeof out));
	assert_non_null(strstr(out, "ptrace get fp regs failed, errno = 5"));
	assert_non_null(strstr(out, "set UMLTOP_XSTATE_SHIM to umltop-xstate.so"));
	/* the whole reason fits an instance's reason, with room for more */
	assert_true(strlen(out) < 200);
	/* other lines, and lines that only look alike, are not it */
	assert_false(inst_fpu_reason("Kernel panic - not syncing: Attempted to kill init!", NULL,
				     out, sizeof out));
	assert_false(inst_fpu_reason("ptrace set fp regs failed", NULL, out, sizeof out));
	assert_false(inst_fpu_reason("ptrace est fp regs failed, errno = 1", NULL, out,
				     sizeof out));
	/* the guest's own text around it goes nowhere */
	assert_true(inst_fpu_reason("\x1b]0;evil ptrace set fp regs failed, errno = 14 \x1b[2J",
				    NULL, out, sizeof out));
	assert_null(strstr(out, "evil"));
	assert_null(strchr(out, '\x1b'));
}

/* Which left-over process is this instance's UML: its umid and uml_dir,
 * as whole words of its command line. */
/* BOOT_NICE on each kind of host: root, a user with no RLIMIT_NICE (the
 * default), a user whose limit allows going back, a server already niced;
 * with autogroups and without. */
static void boot_nice_allowed(void **state)
{
	(void)state;
	for (int ag = 0; ag <= 1; ag++) {
		assert_int_equal(inst_boot_nice(10, 0, ag, true, 0), 10);   /* root */
		assert_int_equal(inst_boot_nice(10, -5, ag, true, 0), 10);
		assert_int_equal(inst_boot_nice(10, 15, ag, true, 0), 4);   /* at most 19 */
		assert_int_equal(inst_boot_nice(10, 19, ag, true, 0), 0);
		assert_int_equal(inst_boot_nice(0, 0, ag, true, 40), 0);    /* BOOT_NICE=0 */
		assert_int_equal(inst_boot_nice(19, -20, ag, true, 0), 19);
		assert_int_equal(inst_boot_nice(10, 5, ag, false, 15), 10); /* down to 5 */
		assert_int_equal(inst_boot_nice(10, 0, ag, false, ~0UL), 10); /* unlimited */
		assert_int_equal(inst_boot_nice(10, 0, ag, false, 20), 10); /* down to 0 */
	}
	/* a process's nice: not back without the capability or a limit */
	assert_int_equal(inst_boot_nice(10, 0, false, false, 0), 0);
	assert_int_equal(inst_boot_nice(10, 0, false, false, 19), 0); /* down to 1 only */
	/* a group's nice: back to 0 or more is anyone's, below 0 is not */
	assert_int_equal(inst_boot_nice(10, 0, true, false, 0), 10);
	assert_int_equal(inst_boot_nice(10, 3, true, false, 0), 10);
	assert_int_equal(inst_boot_nice(10, -1, true, false, 0), 0);
}

static void autogroup_text(void **state)
{
	(void)state;
	int n = 99;
	assert_true(inst_autogroup_nice("/autogroup-10554 nice 0\n", &n));
	assert_int_equal(n, 0);
	assert_true(inst_autogroup_nice("/autogroup-7 nice -5\n", &n));
	assert_int_equal(n, -5);
	assert_true(inst_autogroup_nice("/autogroup-7 nice 19", &n));
	assert_int_equal(n, 19);
	assert_false(inst_autogroup_nice("/autogroup-7 nice 25\n", &n));
	assert_false(inst_autogroup_nice("/autogroup-7\n", &n));
	assert_false(inst_autogroup_nice("", &n));
	/* the server's group: its own, or the root's, ranked by its nice */
	assert_int_equal(inst_group_base("/autogroup-7 nice 3\n", 0), 3);
	assert_int_equal(inst_group_base("/autogroup-7 nice 0\n", 5), 0);
	assert_int_equal(inst_group_base("", 5), 5);
	assert_int_equal(inst_group_base("", -2), -2);
}

/* An image locked by a process, as UML locks its images: another's is
 * refused; one of the last run's (its process group), killed and on its
 * way out, is waited for, and the message names it and its state; once
 * it is gone the image is free. */
static void image_held(void **state)
{
	(void)state;
	char path[] = "/tmp/umltop-test-image.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		setpgid(0, 0);
		int f = open(path, O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if (f < 0 || fcntl(f, F_SETLK, &fl) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);

	struct conf_instance ci = { .name = "a", .root = path };
	struct inst in = { .ci = &ci };
	char err[512], want[128];
	assert_int_equal(inst_images_in_use(&in, err, sizeof err), 1);
	snprintf(want, sizeof want, "in use by pid %d (", (int)child);
	assert_non_null(strstr(err, want));
	in.last_pid = child; /* its group is the last run's */
	assert_int_equal(inst_images_in_use(&in, err, sizeof err), 2);
	snprintf(want, sizeof want, "is still held by pid %d (", (int)child);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "state S)"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(inst_images_in_use(&in, err, sizeof err), 0);
	unlink(path);
}

static void cap_sys_nice(void **state)
{
	(void)state;
	assert_true(inst_status_cap_sys_nice("Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n"));
	assert_true(inst_status_cap_sys_nice("Name:\tx\nCapEff:\t0000000000800000\nCapBnd:\t0\n"));
	assert_false(inst_status_cap_sys_nice("Name:\tx\nCapEff:\t00000000007fffff\n"));
	assert_false(inst_status_cap_sys_nice("Name:\tx\nCapEff:\t0000000000000000\n"));
	assert_false(inst_status_cap_sys_nice("Name:\tx\nCapPrm:\tffffffffffffffff\n"));
	assert_false(inst_status_cap_sys_nice(""));
}

static void cmdline_is(void **state)
{
	static const char ours[] = "/uml/a/linux\0umid=a\0uml_dir=/run/umltop/s.d/uml\0mem=64M\0";
	assert_true(inst_cmdline_is(ours, sizeof ours - 1, "a", "/run/umltop/s.d/uml"));
	/* another instance, another server's runtime directory */
	assert_false(inst_cmdline_is(ours, sizeof ours - 1, "ab", "/run/umltop/s.d/uml"));
	assert_false(inst_cmdline_is(ours, sizeof ours - 1, "a", "/run/umltop/t.d/uml"));
	assert_false(inst_cmdline_is(ours, sizeof ours - 1, "", "/run/umltop/s.d/uml"));
	/* a prefix is not the word */
	static const char longer[] = "linux\0umid=abc\0uml_dir=/r/uml\0";
	assert_false(inst_cmdline_is(longer, sizeof longer - 1, "ab", "/r/uml"));
	/* a text cut in its last word does not count that word */
	static const char cut[] = "linux\0uml_dir=/r/uml\0umid=a";
	assert_false(inst_cmdline_is(cut, sizeof cut - 1, "a", "/r/uml"));
	assert_false(inst_cmdline_is("", 0, "a", "/r/uml"));
}

/* ---- the reaper ---- */

struct reaped {
	int calls;
	pid_t pid;
	int status;
	int logs;
	char log[512];
};

static void on_end(void *arg, pid_t pid, int status)
{
	struct reaped *r = arg;
	r->calls++;
	r->pid = pid;
	r->status = status;
}

static void on_log(void *arg, const char *fmt, ...)
{
	struct reaped *r = arg;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->log, sizeof r->log, fmt, ap);
	va_end(ap);
	r->logs++;
}

static pid_t child_waiting(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* A child that has exited with code, not yet reaped. */
static pid_t child_exited(int code)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(code);
	siginfo_t si;
	waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT);
	return pid;
}

/* One watcher reaps every child: a watched one's status goes to its
 * watcher, a forgotten one goes quietly, one nobody claims is reaped and
 * logged; no zombie is left, and a closed reaper lets the loop end only
 * once the children it waited for are reaped. */
static void reaper_reaps_every_child(void **state)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct reaped seen = { 0 }, forgot = { 0 };
	struct reaper *r = reaper_new(&loop, on_log, &seen);
	pid_t watched = child_waiting();
	reaper_watch(r, watched, on_end, &seen);
	pid_t forgotten = child_waiting();
	reaper_watch(r, forgotten, on_end, &forgot);
	pid_t stray = child_exited(3);
	kill(forgotten, SIGKILL);
	reaper_forget(r, forgotten);
	assert_int_equal(seen.calls, 0);
	kill(watched, SIGTERM);
	reaper_close(r);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.pid, watched);
	assert_true(WIFSIGNALED(seen.status) && WTERMSIG(seen.status) == SIGTERM);
	assert_int_equal(forgot.calls, 0);
	assert_int_equal(seen.logs, 1);
	char want[64];
	snprintf(want, sizeof want, "pid %d,", (int)stray);
	assert_non_null(strstr(seen.log, want));
	assert_non_null(strstr(seen.log, "exited with code 3"));
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A child that ended before it was watched (its SIGCHLD went to nobody,
 * or to the process an upgrade replaced) is reaped by the watch itself. */
static void reaper_watch_after_the_end(void **state)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct reaped seen = { 0 };
	struct reaper *r = reaper_new(&loop, on_log, &seen);
	pid_t pid = child_exited(7);
	reaper_watch(r, pid, on_end, &seen);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.pid, pid);
	assert_true(WIFEXITED(seen.status) && WEXITSTATUS(seen.status) == 7);
	/* and a pid that is no child of ours does not keep the loop waiting */
	reaper_watch(r, getppid(), on_end, &seen);
	assert_int_equal(seen.calls, 1);
	reaper_close(r);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(seen.logs, 1);
	assert_non_null(strstr(seen.log, "no child of this server"));
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loadavg),
		cmocka_unit_test(fpu_reason),
		cmocka_unit_test(cmdline_is),
		cmocka_unit_test(boot_nice_allowed),
		cmocka_unit_test(cap_sys_nice),
		cmocka_unit_test(autogroup_text),
		cmocka_unit_test(image_held),
		cmocka_unit_test(uptime),
		cmocka_unit_test(meminfo),
		cmocka_unit_test(procstat),
		cmocka_unit_test(group_usage),
		cmocka_unit_test(group_counts_memory_once),
		cmocka_unit_test(group_of_many),
		cmocka_unit_test(children_list),
		cmocka_unit_test(reaper_reaps_every_child),
		cmocka_unit_test(reaper_watch_after_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
