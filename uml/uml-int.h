/* Internal to uml/: what its files share and tests may reach. */
#ifndef UMLTOP_UML_INT_H
#define UMLTOP_UML_INT_H

#include "uml/uml.h"

/* Host figures of one process group from a /proc scan. */
struct inst_group_usage {
	uint64_t when_ns;
	uint64_t ticks;   /* utime + stime of every process in the group */
	uint64_t rss_kb;  /* RSS, each address space counted once */
	unsigned nprocs;
};
void inst_procs_group(const struct inst_procs *ps, pid_t pgrp,
		      struct inst_group_usage *u);
/* The pids in a /proc/PID/task/PID/children text of len bytes, read into
 * a buffer of cap: a text that filled it may end in a cut pid, which is
 * left out.  At most max go to out; returns how many. */
size_t inst_parse_children(char *text, size_t len, size_t cap, pid_t *out, size_t max);

/* Whether a /proc/PID/cmdline text (len bytes, NUL-separated words) is
 * a UML run with umid=UMID and uml_dir=UML_DIR: the one an earlier server
 * started for this instance. */
bool inst_cmdline_is(const char *text, size_t len, const char *umid, const char *uml_dir);

/* A console line in which UML says the host refused a guest process's FPU
 * state ("userspace - ptrace set fp regs failed, errno = 14"): the crash's
 * reason, naming UMLTOP_XSTATE_SHIM and what to do about it given the
 * shim that was preloaded (NULL: none).  Nothing of the guest's line is
 * copied but the direction and the errno.  False when line is not one. */
bool inst_fpu_reason(const char *line, const char *shim, char *out, size_t cap);

/* A small file (a /proc one) into buf, NUL-terminated and cut at cap - 1:
 * its length, or -errno (buf then ""). */
int inst_read_text(const char *path, char *buf, size_t cap);

/* BOOT_NICE (conf.h): how many nice steps a starting guest may run below
 * the server, whose nice is base (for a group's nice, autogroup, the
 * server's group's; for a process's, its own), given whether the server holds CAP_SYS_NICE and its RLIMIT_NICE
 * soft limit.  Raising a nice value needs no privilege, but lowering it
 * back once the guest is up may: a guest that could not be given back its
 * rank would run slow for good, so then 0. */
unsigned inst_boot_nice(unsigned want, int base, bool autogroup, bool cap_sys_nice,
			unsigned long rlim_nice);
/* Whether CapEff in a /proc/self/status text holds CAP_SYS_NICE. */
bool inst_status_cap_sys_nice(const char *status);
/* The nice in a /proc/PID/autogroup text ("/autogroup-42 nice 0"). */
bool inst_autogroup_nice(const char *text, int *nice);
/* What a group of the server's rank has for nice: its own group's, from
 * its /proc/self/autogroup text, or, when that is empty (a process no
 * session leader started is in the root's group), its own nice. */
int inst_group_base(const char *autogroup_text, int proc_nice);

/* BOOT_NICE's steps for a booting UML (uml/inst.c): of its processes'
 * nice, and of its session's group's with autogroups; and the server's
 * ranks it goes back to. */
struct boot_rank {
	unsigned proc, group;
	int proc_base, group_base;
};

#endif
