/* umltop-xstate.so: preloaded into a UML kernel so that it runs on hosts
 * whose XSAVE area is larger than the buffer the kernel was built with
 * (AMX: 11008 bytes against UML 6.1's 2696).  shim/xstate.h says which
 * requests need it and shim/plan.c decides; this file only wraps ptrace.
 *
 * The host's regset size is learned once, from the kernel itself, by a
 * GETREGSET into a buffer larger than any XSAVE area (the kernel trims
 * it and says how much it wrote).  A request the plan passes goes to
 * libc untouched; a translated one goes through the full area:
 *   GET: read the full area, hand back the prefix the caller asked for.
 *   SET: read the full area, lay the caller's prefix over it
 *        (xstate_lay_over), write the full area back.
 *
 * Nothing here allocates: UML replaces malloc once it is up, and its
 * kernel stacks are small, so the one scratch area is static (UML runs
 * one kernel context at a time). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "shim/xstate.h"

#define SCRATCH_SIZE (64 * 1024)

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

static ptrace_fn real_ptrace;
static _Alignas(64) unsigned char scratch[SCRATCH_SIZE];
static struct xstate_host host; /* size 0 until learned */

__attribute__((constructor)) static void xstate_init(void)
{
	real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
}

/* The tracee's whole area into scratch; its length, or -1 with errno. */
static long get_full(pid_t pid)
{
	struct iovec full = { scratch, sizeof scratch };
	if (real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &full) < 0)
		return -1;
	if (!host.size)
		xstate_host_cpuid(&host);
	host.size = full.iov_len;
	return (long)full.iov_len;
}

static long translate(enum __ptrace_request req, pid_t pid, struct iovec *user)
{
	long n = get_full(pid);
	if (n < 0)
		return -1;
	if (req == PTRACE_GETREGSET) {
		memcpy(user->iov_base, scratch, user->iov_len);
		return 0;
	}
	if (!xstate_lay_over(&host, scratch, user->iov_base, user->iov_len)) {
		errno = EFAULT; /* too short to hold a header: as the kernel says */
		return -1;
	}
	struct iovec full = { scratch, (size_t)n };
	return real_ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &full);
}

long ptrace(enum __ptrace_request req, ...)
{
	va_list ap;
	va_start(ap, req);
	pid_t pid = va_arg(ap, pid_t);
	void *addr = va_arg(ap, void *);
	void *data = va_arg(ap, void *);
	va_end(ap);

	if (!real_ptrace)
		xstate_init();
	if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) &&
	    (uintptr_t)addr == NT_X86_XSTATE && data) {
		struct iovec *user = data;
		/* A first request, whatever its size, learns the host's. */
		if (!host.size && get_full(pid) < 0)
			return real_ptrace(req, pid, addr, data);
		if (xstate_plan(host.size, user->iov_len) == XSTATE_TRANSLATE)
			return translate(req, pid, user);
	}
	return real_ptrace(req, pid, addr, data);
}
