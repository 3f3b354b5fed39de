/* shim/xstate.h: what the XSAVE shim decides, as pure functions over a
 * host's XSAVE layout, so that every kind of host is unit-tested on any
 * one; and the run-time probes that fill that layout in.
 *
 * UML saves a guest process's FPU state with ptrace(PTRACE_GETREGSET /
 * SETREGSET, NT_X86_XSTATE) into a buffer of the size it was built with
 * (XSTATE_UML_SIZE in Debian's 6.1 kernel).  The host kernel's regset is
 * its own XSAVE area's size, and it treats the two directions differently:
 *
 *   caller's buffer larger (AVX-512 without PKRU: 2688 < 2696; AVX2 hosts)
 *       the kernel trims the request to its size itself: pass it through.
 *   caller's buffer smaller (AMX: 11008 > 2696)
 *       the kernel fails a short SETREGSET with EFAULT and the guest's
 *       init dies: translate through a full-size area.
 *   equal
 *       nothing to do: pass it through. */
#ifndef UMLTOP_SHIM_XSTATE_H
#define UMLTOP_SHIM_XSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XSTATE_UML_SIZE 2696   /* Debian's UML 6.1: x87 .. AVX-512, PKRU */
#define XSTATE_HDR_OFFSET 512  /* the XSAVE header: XSTATE_BV first */
#define XSTATE_COMPONENTS 64

/* One state component as CPUID leaf 0xD sub-leaf i reports it; size 0
 * when the host has no such component. */
struct xstate_component {
	uint32_t offset, size;
	bool supervisor;
};

struct xstate_host {
	size_t size; /* the kernel's NT_X86_XSTATE regset, in bytes */
	struct xstate_component comp[XSTATE_COMPONENTS];
};

enum xstate_action {
	XSTATE_PASS,      /* hand the request to the kernel untouched */
	XSTATE_TRANSLATE, /* go through a full-size area */
};

/* What to do with a request whose buffer is len bytes long. */
enum xstate_action xstate_plan(size_t host_size, size_t len);

/* XSTATE_BV bits of the user components wholly inside the first len bytes
 * of a standard-format area on this host (x87 and SSE always). */
uint64_t xstate_inside(const struct xstate_host *h, size_t len);

/* A translated SETREGSET: area holds the tracee's current state
 * (h->size bytes); lay the caller's len bytes over it, with the caller's
 * XSTATE_BV bits for the components inside its buffer and the current
 * bits for the rest, so that state the caller does not know is kept.
 * Returns false (area untouched) when the buffer is not larger than the
 * header or not smaller than the area: no translation applies. */
bool xstate_lay_over(const struct xstate_host *h, unsigned char *area,
		     const unsigned char *user, size_t len);

/* ---- run-time probes (shim/host.c; not in the preloaded shim) ---- */

/* The component table from this CPU's CPUID leaf 0xD (size left 0). */
void xstate_host_cpuid(struct xstate_host *h);
/* The kernel's regset size, from a GETREGSET on a traced child of our
 * own: 0 and a reason in why when ptrace is not allowed here. */
size_t xstate_host_size(char *why, size_t whylen);
/* The shim a server started now would preload (malloc'd), or NULL. */
char *xstate_shim_path(void);

#endif
