/* shim/: which XSAVE requests the shim translates, on the layouts of four
 * kinds of host (whichever one this machine is), and the built shim itself
 * on this machine's kernel: a buffer shorter than the host's area is
 * translated, a longer or equal one reaches the kernel untouched. */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "shim/xstate.h"

/* Component numbers (CPUID leaf 0xD sub-leaves). */
enum { AVX = 2, BNDREGS = 3, BNDCSR = 4, OPMASK = 5, ZMM_HI256 = 6, HI16_ZMM = 7,
       PT = 8, PKRU = 9, CET_U = 11, CET_S = 12, XTILECFG = 17, XTILEDATA = 18 };

static void comp(struct xstate_host *h, unsigned i, uint32_t offset, uint32_t size)
{
	h->comp[i] = (struct xstate_component){ .offset = offset, .size = size };
}

static void avx512(struct xstate_host *h)
{
	comp(h, AVX, 576, 256);
	comp(h, OPMASK, 1088, 64);
	comp(h, ZMM_HI256, 1152, 512);
	comp(h, HI16_ZMM, 1664, 1024);
}

/* Sapphire Rapids: AVX-512, PKRU and AMX; supervisor states beside. */
static struct xstate_host amx_host(void)
{
	struct xstate_host h = { .size = 11008 };
	avx512(&h);
	comp(&h, PKRU, 2688, 8);
	comp(&h, XTILECFG, 2752, 64);
	comp(&h, XTILEDATA, 2816, 8192);
	h.comp[PT] = (struct xstate_component){ .size = 128, .supervisor = true };
	h.comp[CET_U] = (struct xstate_component){ .size = 16, .supervisor = true };
	h.comp[CET_S] = (struct xstate_component){ .size = 24, .supervisor = true };
	return h;
}

/* AVX-512 without PKRU or MPX (the host of issue 11: its kernel's regset
 * is 2688 bytes; CPUID leaf 0xD sub-leaf 1 says 2432, the compacted
 * size). */
static struct xstate_host avx512_host(size_t size)
{
	struct xstate_host h = { .size = size };
	avx512(&h);
	return h;
}

/* Skylake-SP: MPX, AVX-512 and PKRU end exactly where UML's buffer does. */
static struct xstate_host equal_host(void)
{
	struct xstate_host h = { .size = 2696 };
	avx512(&h);
	comp(&h, BNDREGS, 960, 64);
	comp(&h, BNDCSR, 1024, 64);
	comp(&h, PKRU, 2688, 8);
	return h;
}

/* Haswell: AVX2, nothing past it. */
static struct xstate_host avx2_host(void)
{
	struct xstate_host h = { .size = 832 };
	comp(&h, AVX, 576, 256);
	return h;
}

static void fill(unsigned char *p, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static uint64_t bv_of(const unsigned char *area)
{
	uint64_t bv;
	memcpy(&bv, area + XSTATE_HDR_OFFSET, sizeof bv);
	return bv;
}

static void set_bv(unsigned char *area, uint64_t bv)
{
	memcpy(area + XSTATE_HDR_OFFSET, &bv, sizeof bv);
}

#define BIT(i) (1ULL << (i))

/* ---- the decision ---- */

static void amx_host_translates(void **state)
{
	struct xstate_host h = amx_host();
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE), XSTATE_TRANSLATE);
}

/* The host that broke every guest: UML's buffer is longer than the
 * host's area; the kernel trims it, so the shim must not step in (it
 * answered EFAULT, and init died). */
static void smaller_host_passes(void **state)
{
	struct xstate_host h = avx512_host(2688);
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE), XSTATE_PASS);
	h = avx512_host(2432);
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE), XSTATE_PASS);
	/* and nothing to lay over: the caller's buffer holds the whole area */
	unsigned char area[2688], user[XSTATE_UML_SIZE], before[sizeof area];
	fill(area, sizeof area, 1);
	fill(user, sizeof user, 2);
	memcpy(before, area, sizeof area);
	assert_false(xstate_lay_over(&h, area, user, sizeof user));
	assert_memory_equal(area, before, sizeof area);
}

static void equal_host_passes(void **state)
{
	struct xstate_host h = equal_host();
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE), XSTATE_PASS);
}

static void avx2_host_passes(void **state)
{
	struct xstate_host h = avx2_host();
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE), XSTATE_PASS);
	/* a kernel built for an older CPU on it is short of it: translated */
	assert_int_equal(xstate_plan(h.size, 576), XSTATE_TRANSLATE);
}

static void unknown_host_size_passes(void **state)
{
	assert_int_equal(xstate_plan(0, XSTATE_UML_SIZE), XSTATE_PASS);
}

/* ---- the translation ---- */

static void inside_counts_whole_user_components(void **state)
{
	struct xstate_host h = amx_host();
	uint64_t want = BIT(0) | BIT(1) | BIT(AVX) | BIT(OPMASK) | BIT(ZMM_HI256) |
			BIT(HI16_ZMM) | BIT(PKRU);
	assert_int_equal(xstate_inside(&h, XSTATE_UML_SIZE), want);
	/* PKRU cut by one byte is not inside */
	assert_int_equal(xstate_inside(&h, XSTATE_UML_SIZE - 1), want & ~BIT(PKRU));
	/* the legacy area alone: x87 and SSE */
	assert_int_equal(xstate_inside(&h, 576), BIT(0) | BIT(1));
	h = avx2_host();
	assert_int_equal(xstate_inside(&h, XSTATE_UML_SIZE), BIT(0) | BIT(1) | BIT(AVX));
}

/* UML's 2696 bytes on an AMX host: its bytes and its bits for what it
 * knows, the tile state the tracee already has for the rest. */
static void amx_set_keeps_what_uml_does_not_know(void **state)
{
	struct xstate_host h = amx_host();
	unsigned char *area = malloc(h.size), *cur = malloc(h.size);
	unsigned char user[XSTATE_UML_SIZE];
	fill(cur, h.size, 3);
	set_bv(cur, BIT(0) | BIT(1) | BIT(AVX) | BIT(XTILECFG) | BIT(XTILEDATA));
	memcpy(area, cur, h.size);
	fill(user, sizeof user, 9);
	/* UML says: x87, SSE, AVX-512 in use; AVX in its init state; and a
	 * stray tile bit it cannot mean */
	set_bv(user, BIT(0) | BIT(1) | BIT(OPMASK) | BIT(ZMM_HI256) | BIT(HI16_ZMM) |
			     BIT(XTILEDATA));
	assert_true(xstate_lay_over(&h, area, user, sizeof user));
	/* everything but the header word is UML's up to its length ... */
	assert_memory_equal(area, user, XSTATE_HDR_OFFSET);
	assert_memory_equal(area + XSTATE_HDR_OFFSET + 8, user + XSTATE_HDR_OFFSET + 8,
			    sizeof user - XSTATE_HDR_OFFSET - 8);
	/* ... and the tracee's own past it */
	assert_memory_equal(area + sizeof user, cur + sizeof user, h.size - sizeof user);
	assert_int_equal(bv_of(area), BIT(0) | BIT(1) | BIT(OPMASK) | BIT(ZMM_HI256) |
					      BIT(HI16_ZMM) | BIT(XTILECFG) | BIT(XTILEDATA));
	/* the tile bits are the tracee's either way */
	set_bv(cur, BIT(0) | BIT(1));
	memcpy(area, cur, h.size);
	assert_true(xstate_lay_over(&h, area, user, sizeof user));
	assert_int_equal(bv_of(area) & (BIT(XTILECFG) | BIT(XTILEDATA)), 0);
	free(area);
	free(cur);
}

static void too_short_for_a_header(void **state)
{
	struct xstate_host h = amx_host();
	unsigned char *area = calloc(1, h.size), user[XSTATE_HDR_OFFSET + 7] = { 0 };
	assert_false(xstate_lay_over(&h, area, user, sizeof user));
	free(area);
}

/* ---- the built shim on this machine's kernel ---- */

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

struct tracee {
	pid_t pid;
	void *shim;
	ptrace_fn shim_ptrace;
	size_t host_size;
};

static int tracee_setup(void **state)
{
	struct tracee *t = calloc(1, sizeof *t);
	t->shim = dlopen(ABS_BUILDDIR "/.libs/umltop-xstate.so", RTLD_NOW | RTLD_LOCAL);
	if (!t->shim)
		fail_msg("dlopen the shim: %s", dlerror());
	t->shim_ptrace = (ptrace_fn)dlsym(t->shim, "ptrace");
	assert_non_null(t->shim_ptrace);
	char why[128] = "";
	t->host_size = xstate_host_size(why, sizeof why);
	if (!t->host_size)
		fail_msg("this host's XSAVE size: %s", why);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	assert_true(WIFSTOPPED(status));
	*state = t;
	return 0;
}

static int tracee_teardown(void **state)
{
	struct tracee *t = *state;
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	dlclose(t->shim);
	free(t);
	return 0;
}

static long get_real(pid_t pid, unsigned char *buf, size_t len)
{
	struct iovec io = { buf, len };
	return ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &io) < 0 ? -1
									     : (long)io.iov_len;
}

static long via_shim(struct tracee *t, enum __ptrace_request req, unsigned char *buf,
		     size_t *len)
{
	struct iovec io = { buf, *len };
	long rc = t->shim_ptrace(req, t->pid, (void *)NT_X86_XSTATE, &io);
	*len = io.iov_len;
	return rc;
}

/* XMM0 sits at byte 160 of the legacy area; SSE is XSTATE_BV bit 1. */
#define XMM0 160

/* What UML does: read with its own buffer, change a register, write it
 * back.  Whatever this host's area, the write must take (the broken
 * shim failed it with EFAULT on hosts smaller than UML's buffer). */
static void uml_sized_round_trip(void **state)
{
	struct tracee *t = *state;
	unsigned char buf[XSTATE_UML_SIZE] = { 0 };
	size_t len = sizeof buf;
	assert_int_equal(via_shim(t, PTRACE_GETREGSET, buf, &len), 0);
	assert_int_equal(len, t->host_size < sizeof buf ? t->host_size : sizeof buf);
	memset(buf + XMM0, 0x5a, 16);
	set_bv(buf, bv_of(buf) | BIT(1));
	len = sizeof buf;
	errno = 0;
	long rc = via_shim(t, PTRACE_SETREGSET, buf, &len);
	assert_int_equal(rc, 0);
	unsigned char *now = calloc(1, 65536);
	assert_true(get_real(t->pid, now, 65536) > XMM0 + 16);
	unsigned char want[16];
	memset(want, 0x5a, sizeof want);
	assert_memory_equal(now + XMM0, want, sizeof want);
	free(now);
}

/* A buffer shorter than this host's area (only the legacy area and the
 * header): the kernel alone refuses it, through the shim it is laid
 * over the tracee's state, and what lies past it is kept. */
static void short_buffer_is_translated(void **state)
{
	struct tracee *t = *state;
	size_t host = t->host_size;
	unsigned char *before = calloc(1, 65536), *after = calloc(1, 65536);
	assert_int_equal(get_real(t->pid, before, 65536), (long)host);
	unsigned char buf[576];
	memcpy(buf, before, sizeof buf);
	memset(buf + XMM0, 0xa5, 16);
	set_bv(buf, bv_of(buf) | BIT(1));
	struct iovec io = { buf, sizeof buf };
	assert_int_equal(ptrace(PTRACE_SETREGSET, t->pid, (void *)NT_X86_XSTATE, &io), -1);
	assert_int_equal(errno, EFAULT);
	size_t len = sizeof buf;
	assert_int_equal(via_shim(t, PTRACE_SETREGSET, buf, &len), 0);
	assert_int_equal(get_real(t->pid, after, 65536), (long)host);
	unsigned char want[16];
	memset(want, 0xa5, sizeof want);
	assert_memory_equal(after + XMM0, want, sizeof want);
	assert_memory_equal(after + sizeof buf, before + sizeof buf, host - sizeof buf);
	/* and a short read hands back the prefix */
	memset(buf, 0, sizeof buf);
	len = sizeof buf;
	assert_int_equal(via_shim(t, PTRACE_GETREGSET, buf, &len), 0);
	assert_int_equal(len, sizeof buf);
	assert_memory_equal(buf + XMM0, want, sizeof want);
	free(before);
	free(after);
}

/* This machine's layout, read as the shim reads it, is one the plan
 * handles: UML's buffer is translated exactly when it is short. */
static void this_host(void **state)
{
	struct tracee *t = *state;
	struct xstate_host h;
	xstate_host_cpuid(&h);
	h.size = t->host_size;
	print_message("this host: XSAVE regset %zu bytes, UML's %d: %s\n", h.size,
		      XSTATE_UML_SIZE,
		      xstate_plan(h.size, XSTATE_UML_SIZE) == XSTATE_TRANSLATE ? "translate"
										: "pass");
	assert_int_equal(xstate_plan(h.size, XSTATE_UML_SIZE) == XSTATE_TRANSLATE,
			 h.size > XSTATE_UML_SIZE);
	assert_true(h.size >= 576);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(amx_host_translates),
		cmocka_unit_test(smaller_host_passes),
		cmocka_unit_test(equal_host_passes),
		cmocka_unit_test(avx2_host_passes),
		cmocka_unit_test(unknown_host_size_passes),
		cmocka_unit_test(inside_counts_whole_user_components),
		cmocka_unit_test(amx_set_keeps_what_uml_does_not_know),
		cmocka_unit_test(too_short_for_a_header),
		cmocka_unit_test_setup_teardown(uml_sized_round_trip, tracee_setup, tracee_teardown),
		cmocka_unit_test_setup_teardown(short_buffer_is_translated, tracee_setup,
						tracee_teardown),
		cmocka_unit_test_setup_teardown(this_host, tracee_setup, tracee_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
