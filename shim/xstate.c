/* umltop-xstate.so: preloaded into a UML kernel so it runs on hosts whose
 * XSAVE area is larger than the buffer the kernel was built with.
 *
 * UML saves and restores a guest process's FPU state with
 * ptrace(PTRACE_GETREGSET/SETREGSET, NT_X86_XSTATE) using a fixed buffer
 * (2696 bytes in Debian's 6.1 kernel: x87, SSE, AVX, AVX-512, PKRU).  The
 * host kernel refuses a SETREGSET that is not exactly its full XSAVE size
 * (11008 bytes on a CPU with AMX), so every context switch fails with EFAULT
 * and the guest's init dies at its first instruction.
 *
 * The fix, applied only to those two requests when the sizes differ:
 *   GET: read the full area, hand back the prefix the caller asked for.
 *   SET: read the full area, lay the caller's prefix over it, take the
 *        caller's XSTATE_BV bits for the components wholly inside its prefix
 *        and the current bits for the rest, write the full area back.
 * Components past the caller's buffer keep the values the traced process
 * already has, which is what a kernel that does not know them expects.
 *
 * Every other ptrace request goes straight to libc.  Nothing here allocates:
 * UML replaces malloc once it is up, and its kernel stacks are small, so the
 * one scratch area is static (UML runs one kernel context at a time). */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#define XSAVE_HDR_OFFSET 512
#define SCRATCH_SIZE (64 * 1024)

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

static ptrace_fn real_ptrace;
static _Alignas(64) unsigned char scratch[SCRATCH_SIZE];
static size_t mask_for_len;
static uint64_t mask_cached;

__attribute__((constructor)) static void xstate_init(void)
{
	real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
}

/* XSTATE_BV bits of the user components that lie wholly inside the first
 * len bytes of a standard-format XSAVE area (CPUID leaf 0xD). */
static uint64_t components_inside(size_t len)
{
	if (len == mask_for_len)
		return mask_cached;
	uint64_t mask = 0x3; /* x87 and SSE live in the legacy area */
	for (unsigned i = 2; i < 63; i++) {
		unsigned size, offset, flags, unused;
		__cpuid_count(0xd, i, size, offset, flags, unused);
		if (size == 0 || (flags & 1)) /* absent, or supervisor-only */
			continue;
		if ((size_t)offset + size <= len)
			mask |= 1ULL << i;
	}
	mask_for_len = len;
	mask_cached = mask;
	return mask;
}

static long xstate_get_full(pid_t pid, struct iovec *full)
{
	full->iov_base = scratch;
	full->iov_len = sizeof scratch;
	return real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, full);
}

static long xstate_request(enum __ptrace_request req, pid_t pid, struct iovec *user)
{
	struct iovec full;
	if (xstate_get_full(pid, &full) < 0)
		return -1;
	if (user->iov_len == full.iov_len) /* sizes agree: nothing to translate */
		return real_ptrace(req, pid, (void *)NT_X86_XSTATE, user);
	size_t n = user->iov_len < full.iov_len ? user->iov_len : full.iov_len;
	if (req == PTRACE_GETREGSET) {
		memcpy(user->iov_base, scratch, n);
		user->iov_len = n;
		return 0;
	}
	if (user->iov_len > full.iov_len || n < XSAVE_HDR_OFFSET + 8) {
		errno = EFAULT;
		return -1;
	}
	uint64_t cur_bv, user_bv;
	memcpy(&cur_bv, scratch + XSAVE_HDR_OFFSET, sizeof cur_bv);
	memcpy(scratch, user->iov_base, n);
	memcpy(&user_bv, scratch + XSAVE_HDR_OFFSET, sizeof user_bv);
	uint64_t inside = components_inside(n);
	uint64_t bv = (user_bv & inside) | (cur_bv & ~inside);
	memcpy(scratch + XSAVE_HDR_OFFSET, &bv, sizeof bv);
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
	    (uintptr_t)addr == NT_X86_XSTATE && data)
		return xstate_request(req, pid, data);
	return real_ptrace(req, pid, addr, data);
}
