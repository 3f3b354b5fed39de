/* The host's XSAVE regset size as its kernel reports it, for `umltop
 * check` and the tests: a child of ours stops under PTRACE_TRACEME and we
 * read its state into a buffer larger than any XSAVE area; the kernel
 * trims the read to its own size.  (CPUID's sizes are not the answer: a
 * VM may report AMX in leaf 0xD without enabling it, and sub-leaf 1 gives
 * the compacted size.) */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/xstate.h"

#define PROBE_SIZE (64 * 1024)

size_t xstate_host_size(char *why, size_t whylen)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(errno & 0x7f);
		raise(SIGSTOP);
		_exit(0);
	}
	int status;
	size_t size = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFSTOPPED(status)) {
		snprintf(why, whylen, "ptrace is not allowed here (%s)",
			 WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "child died");
		return 0;
	}
	void *buf = calloc(1, PROBE_SIZE);
	struct iovec io = { buf, PROBE_SIZE };
	if (buf && ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &io) == 0)
		size = io.iov_len;
	else
		snprintf(why, whylen, "PTRACE_GETREGSET NT_X86_XSTATE: %s", strerror(errno));
	free(buf);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return size;
}

/* $UMLTOP_XSTATE_SHIM (set and empty: none), else the copy beside a
 * binary run from its build tree, else the installed one. */
char *xstate_shim_path(void)
{
	const char *env = getenv("UMLTOP_XSTATE_SHIM");
	if (env)
		return *env ? strdup(env) : NULL;
	char exe[4096], *p = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (asprintf(&p, "%s/.libs/umltop-xstate.so", exe) < 0)
				abort();
			if (access(p, R_OK) == 0)
				return p;
			free(p);
		}
	}
	p = strdup(PKGLIBDIR "/umltop-xstate.so");
	if (!p)
		abort();
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}
