/* Figures for the status line: the guest's own (/proc/loadavg, uptime and
 * meminfo read over mconsole) and the host's (CPU and RSS of the UML's
 * process group, from /proc).  The parsers are pure; the scan reads /proc
 * once per poll for every instance. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "uml/uml.h"
#include "uml/uml-int.h"

#ifndef KCMP_VM
#define KCMP_VM 1
#endif

/* "0.12 0.05 0.01 1/42 1234" */
int inst_parse_loadavg(const char *text, struct inst_guest_stats *s)
{
	unsigned whole[3], frac[3], run, total;
	if (sscanf(text, " %u.%2u %u.%2u %u.%2u %u/%u", &whole[0], &frac[0],
		   &whole[1], &frac[1], &whole[2], &frac[2], &run, &total) != 8)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		s->load_x100[i] = whole[i] * 100 + frac[i];
	s->procs_running = run;
	s->procs_total = total;
	return 0;
}

/* "123.45 67.89" */
int inst_parse_uptime(const char *text, struct inst_guest_stats *s)
{
	unsigned long up;
	if (sscanf(text, " %lu", &up) != 1)
		return -EINVAL;
	s->uptime_s = (uint32_t)up;
	return 0;
}

static int meminfo_field(const char *text, const char *key, uint64_t *kb)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		while (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			unsigned long long v;
			if (sscanf(line + klen + 1, " %llu", &v) != 1)
				return -EINVAL;
			*kb = v;
			return 0;
		}
	}
	return -ENOENT;
}

int inst_parse_meminfo(const char *text, struct inst_guest_stats *s)
{
	if (meminfo_field(text, "MemTotal", &s->mem_total_kb) < 0 ||
	    meminfo_field(text, "MemFree", &s->mem_free_kb) < 0)
		return -EINVAL;
	/* Kernels before 3.14 have no MemAvailable: fall back to free. */
	if (meminfo_field(text, "MemAvailable", &s->mem_avail_kb) < 0)
		s->mem_avail_kb = s->mem_free_kb;
	return 0;
}

/* /proc/PID/stat: "pid (comm) state ppid pgrp ... utime(14) stime(15) ...
 * rss(24)".  comm may hold spaces and parentheses: parse from the last ')'.
 * By hand, not sscanf: the server parses one per host process per second,
 * and sscanf was most of its idle work. */
int inst_parse_procstat(const char *text, struct inst_procstat *p)
{
	const char *close = strrchr(text, ')');
	char *end;
	long pid = strtol(text, &end, 10);
	if (!close || end == text || pid <= 0 || pid > INT_MAX)
		return -EINVAL;
	p->pid = (pid_t)pid;
	const char *f = close + 1;
	while (*f == ' ')
		f++;
	if (!*f || !isgraph((unsigned char)*f))
		return -EINVAL;
	f++; /* the state letter */
	/* fields 4..24: 21 numbers up to rss (some may be negative) */
	unsigned long long v[21];
	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		v[i] = strtoull(f, &end, 10);
		if (end == f)
			return -EINVAL;
		f = end;
	}
	p->pgrp = (pid_t)v[1];          /* field 5 */
	p->ticks = v[10] + v[11];       /* fields 14, 15 */
	p->rss_pages = v[20];           /* field 24 */
	return 0;
}

/* Two ways to find a process group's members: walk the tree below its
 * leader through /proc/PID/task/PID/children (a few reads per instance,
 * what idle polling wants), or, on kernels without that file, one scan of
 * every /proc entry shared by all instances. */
struct inst_procs {
	bool tree;
	struct inst_procstat *p;
	size_t n;
	uint64_t when_ns;
};

static bool children_files(void)
{
	static int known = -1;
	if (known < 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
		known = access(path, R_OK) == 0;
	}
	return known;
}

static int by_pgrp(const void *a, const void *b)
{
	const struct inst_procstat *x = a, *y = b;
	if (x->pgrp != y->pgrp)
		return x->pgrp < y->pgrp ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int inst_read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap - 1);
	int e = errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -e : (int)n;
}

/* ---- /proc files kept open ----
 *
 * Every poll reads each UML process's stat, children and statm files
 * (about a dozen a UML a second, 64 UMLs idle: 740 opens a second).  They
 * stay open and are read again with pread, one system call instead of
 * three.  A file names its process, never a later one with the same pid:
 * once the process ended it reads an error, and is opened afresh (the pid
 * may be another process's now).  A file not read for two poll rounds is
 * closed.  Sets of four slots by pid: when all four are taken, the one
 * read longest ago is closed for the new file.
 * At most a quarter of RLIMIT_NOFILE stays open, so that consoles and
 * clients never run short. */
enum { PF_STAT, PF_CHILDREN, PF_STATM };
#define PF_SLOTS 4096 /* a power of two */
#define PF_WAYS 4

static struct pf {
	pid_t pid;
	int kind;
	int fd; /* 0: empty (0 is never ours: stdin) */
	unsigned round;
} pf_slot[PF_SLOTS];
static unsigned pf_round, pf_open;

static unsigned pf_max(void)
{
	static unsigned max;
	if (!max) {
		struct rlimit rl = { .rlim_cur = 1024 };
		getrlimit(RLIMIT_NOFILE, &rl);
		rlim_t q = rl.rlim_cur == RLIM_INFINITY ? 4096 : rl.rlim_cur / 4;
		max = q > 2048 ? 2048 : (unsigned)q;
	}
	return max;
}

static void pf_close(struct pf *f)
{
	if (f->fd > 0) {
		close(f->fd);
		pf_open--;
	}
	*f = (struct pf){ 0 };
}

/* A new poll round: the files the last whole round did not read go. */
static void pf_sweep(void)
{
	pf_round++;
	for (size_t i = 0; i < PF_SLOTS; i++)
		if (pf_slot[i].fd > 0 && pf_round - pf_slot[i].round > 2)
			pf_close(&pf_slot[i]);
}

/* /proc/PID/{stat,task/PID/children,statm} into buf: its length, or
 * -errno. */
static int read_proc_file(pid_t pid, int kind, char *buf, size_t cap)
{
	/* a set of PF_WAYS slots; the least recently read one gives way */
	unsigned h = (((unsigned)pid * 4u + (unsigned)kind) * 2654435761u) >> 20;
	struct pf *set = &pf_slot[(h * PF_WAYS) & (PF_SLOTS - 1)], *f = set;
	for (int i = 0; i < PF_WAYS; i++) {
		if (set[i].fd > 0 && set[i].pid == pid && set[i].kind == kind) {
			f = &set[i];
			break;
		}
		if (set[i].fd <= 0 || (f->fd > 0 && set[i].round < f->round))
			f = &set[i];
	}
	if (f->fd > 0 && f->pid == pid && f->kind == kind) {
		ssize_t n = pread(f->fd, buf, cap - 1, 0);
		/* (no children reads nothing; its caller read stat first) */
		if (n > 0 || (n == 0 && kind == PF_CHILDREN)) {
			f->round = pf_round;
			buf[n] = '\0';
			return (int)n;
		}
		pf_close(f); /* that process ended: its pid may be another's */
	}
	char path[64];
	if (kind == PF_STAT)
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	else if (kind == PF_CHILDREN)
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	else
		snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap - 1);
	int e = errno;
	if (n < 0 || (n == 0 && kind != PF_CHILDREN) || fd == 0 ||
	    (f->fd <= 0 && pf_open >= pf_max())) {
		close(fd);
	} else {
		pf_close(f);
		*f = (struct pf){ .pid = pid, .kind = kind, .fd = fd, .round = pf_round };
		pf_open++;
	}
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return (int)n;
}

struct inst_procs *inst_procs_scan(void)
{
	pf_sweep();
	struct inst_procs *ps = xcalloc(1, sizeof *ps);
	size_t cap = 0;
	ps->when_ns = util_now_ns();
	ps->tree = children_files();
	if (ps->tree)
		return ps;
	DIR *d = opendir("/proc");
	if (!d)
		return ps;
	struct dirent *e;
	char path[300], text[1024];
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		struct inst_procstat st;
		if (inst_read_text(path, text, sizeof text) <= 0 ||
		    inst_parse_procstat(text, &st) < 0)
			continue;
		if (ps->n == cap) {
			cap = cap ? 2 * cap : 256;
			ps->p = xreallocarray(ps->p, cap, sizeof *ps->p);
		}
		ps->p[ps->n++] = st;
	}
	closedir(d);
	qsort(ps->p, ps->n, sizeof *ps->p, by_pgrp);
	return ps;
}

void inst_procs_free(struct inst_procs *ps)
{
	if (!ps)
		return;
	free(ps->p);
	free(ps);
}

#define TREE_MAX 256

/* The address spaces counted so far, one pid standing for each.  UML's
 * helpers are clone()s sharing the main process's memory, so each address
 * space is counted once.  kcmp(KCMP_VM) says whether two pids share one,
 * and orders them when they do not: the pids are kept in that order and
 * found by bisection, log2(P) calls a process instead of P (a guest with
 * 200 processes took 20,000 calls a poll).  A process gone since its stat
 * was read adds nothing; where kcmp gives no order otherwise (an error),
 * the set falls back to comparing with each. */
struct mm_set {
	pid_t rep[TREE_MAX];
	size_t n;
	bool unordered;
};

static int mm_cmp(pid_t a, pid_t b)
{
	return (int)syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);
}

/* Adds pid's address space; false when it was already there. */
static bool mm_set_add(struct mm_set *set, pid_t pid)
{
	size_t lo = 0, hi = set->n;
	while (!set->unordered && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = mm_cmp(pid, set->rep[mid]);
		switch (r) {
		case 0:
			return false;
		case 1:
			hi = mid;
			break;
		case 2:
			lo = mid + 1;
			break;
		default:
			if (r < 0 && errno == ESRCH && kill(pid, 0) < 0 && errno == ESRCH)
				return false; /* gone since its stat was read: nothing to add */
			set->unordered = true;
		}
	}
	if (set->unordered) {
		for (size_t i = 0; i < set->n; i++)
			if (mm_cmp(pid, set->rep[i]) == 0)
				return false;
		lo = set->n;
	}
	if (set->n == TREE_MAX)
		return true;
	memmove(set->rep + lo + 1, set->rep + lo, (set->n - lo) * sizeof *set->rep);
	set->rep[lo] = pid;
	set->n++;
	return true;
}

/* Anonymous memory of a process, in kB; 0 when unknown.  /proc/PID/statm
 * gives resident and shared (file and shmem) pages, and their difference
 * is status's RssAnon, for a fraction of the cost: status formats some 50
 * lines. */
static uint64_t rss_anon_kb(pid_t pid, long page_kb)
{
	char text[256];
	if (read_proc_file(pid, PF_STATM, text, sizeof text) <= 0)
		return 0;
	char *p = text, *end;
	strtoull(p, &end, 10); /* size */
	unsigned long long resident = strtoull(end, &p, 10);
	unsigned long long shared = strtoull(p, &end, 10);
	if (end == p || shared > resident)
		return 0;
	return (resident - shared) * (uint64_t)page_kb;
}

/* Add one process to the figures; mms holds the address spaces already
 * counted.  Memory: the leader's whole RSS (it maps the guest's RAM file);
 * for every other address space only its anonymous memory, because each
 * of UML's per-guest-process host processes maps the same RAM file again
 * and summing their RSS counts the guest's memory many times over.  The
 * helpers that share the leader's address space add nothing. */
static void count(struct inst_group_usage *u, const struct inst_procstat *st,
		  struct mm_set *mms, long page_kb)
{
	u->nprocs++;
	u->ticks += st->ticks;
	if (!mm_set_add(mms, st->pid))
		return;
	if (st->pid == st->pgrp)
		u->rss_kb += st->rss_pages * (uint64_t)page_kb;
	else
		u->rss_kb += rss_anon_kb(st->pid, page_kb);
}

size_t inst_parse_children(char *text, size_t len, size_t cap, pid_t *out, size_t max)
{
	text[len] = '\0';
	if (len == cap - 1) { /* more than fit: the last one may be cut */
		char *last = strrchr(text, ' ');
		*(last ? last : text) = '\0';
	}
	size_t n = 0;
	for (char *p = text, *end; *p && n < max; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p || pid <= 0)
			break;
		out[n++] = (pid_t)pid;
	}
	return n;
}

static void walk_tree(pid_t root, struct inst_group_usage *u)
{
	pid_t todo[TREE_MAX];
	size_t ntodo = 0, nseen = 0;
	struct mm_set mms = { .n = 0 };
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	char text[1024];
	/* "PID " a child, up to 7 digits each (pid_max is at most 2^22) */
	char kids[TREE_MAX * 8 + 1];
	todo[ntodo++] = root;
	while (ntodo && nseen < TREE_MAX) {
		pid_t pid = todo[--ntodo];
		struct inst_procstat st;
		if (read_proc_file(pid, PF_STAT, text, sizeof text) <= 0 ||
		    inst_parse_procstat(text, &st) < 0)
			continue;
		if (st.pgrp != root)
			continue; /* left the group (e.g. a session of its own) */
		count(u, &st, &mms, page_kb);
		nseen++;
		int n = read_proc_file(pid, PF_CHILDREN, kids, sizeof kids);
		if (n > 0)
			ntodo += inst_parse_children(kids, (size_t)n, sizeof kids, todo + ntodo,
						     TREE_MAX - ntodo);
	}
}

void inst_procs_group(const struct inst_procs *ps, pid_t pgrp,
		      struct inst_group_usage *u)
{
	memset(u, 0, sizeof *u);
	/* a round is polled in slices: read now, its time is now */
	u->when_ns = ps->tree ? util_now_ns() : ps->when_ns;
	if (ps->tree) {
		walk_tree(pgrp, u);
		return;
	}
	size_t lo = 0, hi = ps->n;
	while (lo < hi) { /* first entry with this pgrp */
		size_t mid = lo + (hi - lo) / 2;
		if (ps->p[mid].pgrp < pgrp)
			lo = mid + 1;
		else
			hi = mid;
	}
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct mm_set mms = { .n = 0 };
	for (size_t i = lo, nseen = 0; i < ps->n && ps->p[i].pgrp == pgrp && nseen < TREE_MAX;
	     i++, nseen++)
		count(u, &ps->p[i], &mms, page_kb);
}
