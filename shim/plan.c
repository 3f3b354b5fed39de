/* The XSAVE shim's decisions (see shim/xstate.h): pure, allocation-free
 * (the preloaded shim runs inside UML, which replaces malloc), and
 * unit-tested against the layouts of hosts this machine is not. */
#include "config.h"

#include <cpuid.h>
#include <string.h>

#include "shim/xstate.h"

enum xstate_action xstate_plan(size_t host_size, size_t len)
{
	/* Only a buffer shorter than the host's area fails in the kernel;
	 * a longer one is trimmed there, and an unknown host size (0) is
	 * no reason to meddle. */
	return len < host_size ? XSTATE_TRANSLATE : XSTATE_PASS;
}

uint64_t xstate_inside(const struct xstate_host *h, size_t len)
{
	uint64_t mask = 0x3; /* x87 and SSE live in the legacy area */
	for (unsigned i = 2; i < XSTATE_COMPONENTS; i++) {
		const struct xstate_component *c = &h->comp[i];
		if (c->size == 0 || c->supervisor)
			continue;
		if ((size_t)c->offset + c->size <= len)
			mask |= 1ULL << i;
	}
	return mask;
}

bool xstate_lay_over(const struct xstate_host *h, unsigned char *area,
		     const unsigned char *user, size_t len)
{
	uint64_t cur_bv, user_bv;
	if (len < XSTATE_HDR_OFFSET + sizeof user_bv || len >= h->size)
		return false;
	memcpy(&cur_bv, area + XSTATE_HDR_OFFSET, sizeof cur_bv);
	memcpy(&user_bv, user + XSTATE_HDR_OFFSET, sizeof user_bv);
	memcpy(area, user, len);
	uint64_t inside = xstate_inside(h, len);
	uint64_t bv = (user_bv & inside) | (cur_bv & ~inside);
	memcpy(area + XSTATE_HDR_OFFSET, &bv, sizeof bv);
	return true;
}

/* The one look at the machine the shim needs: CPUID has no side effects
 * and needs no system call, so it is safe inside UML too. */
void xstate_host_cpuid(struct xstate_host *h)
{
	memset(h->comp, 0, sizeof h->comp);
	if (__get_cpuid_max(0, NULL) < 0xd)
		return;
	for (unsigned i = 2; i < XSTATE_COMPONENTS; i++) {
		unsigned size, offset, flags, unused;
		__cpuid_count(0xd, i, size, offset, flags, unused);
		h->comp[i] = (struct xstate_component){
			.offset = offset,
			.size = size,
			.supervisor = flags & 1,
		};
	}
}
