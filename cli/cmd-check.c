/* `umltop check [-c DIR|FILE]... [-S SOCKET]`: load the configuration as
 * the server would and show what it would run: per instance the user and
 * the exact argv, shell-quoted so it can be pasted; or every error, each
 * "FILE:LINE: message", and exit 1.  Then one line on the host: its XSAVE
 * area and what the XSAVE shim does there (learning it traces a child of
 * its own for a moment).  Starts no UML, writes nothing. */
#include "config.h"

#include <getopt.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "lib/util.h"
#include "proto/proto.h"
#include "shim/xstate.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: umltop check [-c DIR|FILE]... [-S SOCKET]\n"
		"  -c PATH    a config directory or instance file (repeatable);\n"
		"             default %s\n"
		"  -S SOCKET  the server socket whose runtime directory the command\n"
		"             lines use (default: $UMLTOP_SOCKET, else the usual one)\n"
		"Prints each instance, the user it runs as and its command line,\n"
		"and the host's XSAVE area with what the XSAVE shim does there;\n"
		"or every error (FILE:LINE: message).\n"
		"Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage.\n",
		conf_default_path());
}

/* Quote w for sh only when it needs it: most words are plain. */
static void put_word(FILE *f, const char *w)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_@%+=:,./-";
	if (*w && strspn(w, plain) == strlen(w)) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	}
	fputc('\'', f);
}

static char *my_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned)geteuid());
}

/* Who the instance runs as, as the server will decide it. */
static char *user_of(const struct conf_instance *in)
{
	bool root = geteuid() == 0;
	if (root && in->user)
		return in->uid == 0 ? xasprintf("%s (root!)", in->user) : xstrdup(in->user);
	char *me = my_name(), *s;
	if (root)
		s = xasprintf("%s (root!)", me);
	else if (in->user && strcmp(in->user, me))
		s = xasprintf("%s (USER=%s ignored: not root)", me, in->user);
	else
		s = xstrdup(me);
	free(me);
	return s;
}

static void print_instance(const struct conf_instance *in, const char *rundir)
{
	char *user = user_of(in);
	printf("%s: runs as %s; %s; halt timeout %us; from %s\n  ", in->name, user,
	       in->autostart ? "autostart" : "no autostart", in->halt_timeout,
	       in->file);
	free(user);
	char **argv = conf_argv(in, rundir);
	for (char **a = argv; *a; a++) {
		if (a != argv)
			putchar(' ');
		put_word(stdout, *a);
	}
	putchar('\n');
	conf_argv_free(argv);
}

/* The network plan: each guest interface and its host side, as a server
 * started now would set it up, and what needs root (a tap or bridge that
 * does not exist yet).  A warning for each that a server not root could
 * not make.  Looked up in this process's network namespace. */
static size_t print_net(const struct conf_instance *in)
{
	bool root = geteuid() == 0;
	size_t warn = 0, i;
	const char *br = in->bridge;
	for (i = 0; i < in->nnet; i++) {
		const char *w = in->net[i];
		if (strpbrk(w, ",=")) {
			printf("  eth%zu: %s (UML's own transport)\n", i, w);
			continue;
		}
		bool exists = if_nametoindex(w) != 0;
		printf("  eth%zu: tap %s: %s\n", i, w,
		       exists ? "exists: used as it is"
		       : root ? "made for each run (needs root), removed when it ends"
			      : "does not exist, and only a root server can make it");
		if (!exists && br)
			printf("         on bridge %s%s\n", br, if_nametoindex(br) ? ""
			       : root ? " (made when missing; needs root)"
				      : " (does not exist: needs root)");
		if (root && in->user && in->uid != 0) /* net/net.h */
			printf("         opened by the server and handed to %s's UML "
			       "(through umltop's uml_net)\n", in->user);
		if (!exists && !root) {
			fflush(stdout);
			fprintf(stderr, "%s:1: warning: %s: NET tap '%s' does not exist and "
				"umltop is not root: the instance would fail to start\n",
				in->file, in->name, w);
			warn++;
		}
	}
	for (size_t k = 0; k < in->nsw; k++)
		printf("  eth%zu: switch %s: a uml_switch the server runs (no root needed)\n",
		       i + k, in->sw[k]);
	return warn;
}

/* The server binds these; a path too long for sun_path cannot work. */
static size_t check_socket_paths(const struct conf_instance *in, const char *rundir)
{
	struct sockaddr_un sun;
	struct conf_paths p;
	conf_paths(in, rundir, &p);
	const char *paths[3 + 8] = { p.notify, p.mconsole };
	size_t np = 2;
	for (size_t k = 0; p.sw_ctl && p.sw_ctl[k] && np < ARRAY_LEN(paths); k++)
		paths[np++] = p.sw_ctl[k];
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		if (paths[i] && strlen(paths[i]) >= sizeof sun.sun_path) {
			fprintf(stderr, "%s:1: warning: %s: socket path %s is %zu bytes, "
				"over the %zu a UNIX socket allows: use a shorter -S "
				"SOCKET\n", in->file, in->name, paths[i], strlen(paths[i]),
				sizeof sun.sun_path - 1);
			n++;
		}
	}
	conf_paths_free(&p);
	return n;
}

static int report_errors(const struct conf_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	fprintf(stderr, "umltop check: %zu error%s; nothing would start\n", errs->n,
		errs->n == 1 ? "" : "s");
	return 1;
}

/* One line on the host: does UML's FPU state fit its XSAVE area, and what
 * the shim a server started now would preload does about it.  Returns 1
 * (a warning) when guests would die at init. */
static size_t report_host(void)
{
	char why[128] = "";
	size_t size = xstate_host_size(why, sizeof why);
	char *shim = xstate_shim_path();
	const char *off = getenv("UMLTOP_XSTATE_SHIM") ? "off (UMLTOP_XSTATE_SHIM is empty)"
						       : "not installed";
	size_t warn = 0;
	if (!size)
		printf("host: XSAVE area unknown (%s); the XSAVE shim is %s\n", why,
		       shim ? shim : off);
	else if (xstate_plan(size, XSTATE_UML_SIZE) == XSTATE_PASS && shim)
		printf("host: XSAVE area %zu bytes, UML's %d fits it: the XSAVE shim %s passes "
		       "every request through\n", size, XSTATE_UML_SIZE, shim);
	else if (xstate_plan(size, XSTATE_UML_SIZE) == XSTATE_PASS)
		printf("host: XSAVE area %zu bytes, UML's %d fits it: no XSAVE shim needed, and "
		       "it is %s\n", size, XSTATE_UML_SIZE, off);
	else if (shim)
		printf("host: XSAVE area %zu bytes, larger than UML's %d: the XSAVE shim %s "
		       "translates guest FPU state\n", size, XSTATE_UML_SIZE, shim);
	else {
		fprintf(stderr, "warning: host: XSAVE area %zu bytes, larger than UML's %d, and "
			"the XSAVE shim is %s: every guest's init will die; set "
			"UMLTOP_XSTATE_SHIM to umltop-xstate.so\n", size, XSTATE_UML_SIZE, off);
		warn = 1;
	}
	free(shim);
	return warn;
}

static int report(const struct conf *c, const char *rundir)
{
	size_t nwarn = c->nwarnings;
	for (size_t i = 0; i < c->ninst; i++) {
		if (i)
			putchar('\n');
		print_instance(c->inst[i], rundir);
		nwarn += print_net(c->inst[i]);
	}
	fflush(stdout);
	for (size_t i = 0; i < c->nwarnings; i++)
		fprintf(stderr, "%s\n", c->warnings[i]);
	for (size_t i = 0; i < c->ninst; i++)
		nwarn += check_socket_paths(c->inst[i], rundir);
	if (c->ninst)
		putchar('\n');
	fflush(stdout);
	nwarn += report_host();
	printf("%zu instance%s OK, %zu warning%s; settings from %s; runtime "
	       "directory %s\n", c->ninst,
	       c->ninst == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s",
	       c->global.file ? c->global.file : "built-in defaults", rundir);
	return 0;
}

int cli_cmd_check(int argc, char **argv)
{
	const char **paths = xcalloc((size_t)argc + 1, sizeof *paths);
	size_t npaths = 0;
	const char *socket = NULL;
	int opt;
	optind = 1;
	opterr = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	while ((opt = getopt_long(argc, argv, "+c:S:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': paths[npaths++] = optarg; break;
		case 'S': socket = optarg; break;
		case 'h': usage(stdout); free(paths); return 0;
		default:
			if (optopt)
				fprintf(stderr, "umltop check: %s -%c\n", optopt == 'c' ||
					optopt == 'S' ? "missing argument to" : "unknown option",
					optopt);
			else
				fprintf(stderr, "umltop check: unknown option %s\n",
					argv[optind - 1]);
			usage(stderr);
			free(paths);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "umltop check: unexpected '%s'\n", argv[optind]);
		usage(stderr);
		free(paths);
		return 2;
	}
	char *sock = socket ? xstrdup(socket) : proto_default_socket();
	char *rundir = proto_rundir(sock);
	struct conf *c;
	struct conf_errors errs;
	int rc = conf_load(paths, npaths, &c, &errs) ? report_errors(&errs)
						     : report(c, rundir);
	conf_errors_free(&errs);
	conf_free(c);
	free(rundir);
	free(sock);
	free(paths);
	return rc;
}
