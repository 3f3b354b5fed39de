/* umltop's entry point: one binary, subcommands in a table.  `umltop` alone
 * is the TUI; `server` is the console server process; the rest are clients
 * or one-shot tools.  Only this file sees both sides (tui/ and server/): the
 * two processes otherwise share only proto/ and term/. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"
#include "tui/tui.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
	const char *usage;
};

static const struct subcommand subcommands[] = {
	{ "check", cli_cmd_check, "check [-c DIR|FILE]...       validate config, print each instance's argv" },
	{ "server", srv_main, "server [-S SOCKET] [-c CONFIG]... [--foreground]  run the console server" },
	{ "ctl", cli_cmd_ctl, "ctl [-S SOCKET] COMMAND...     scripted control (umltop ctl --help)" },
	{ "attach", tui_cmd_attach, "attach [-S SOCKET] [-r] [-e KEY] [--raw] NAME  one console (Ctrl-] detaches)" },
	{ "proxy", cli_cmd_proxy, "proxy [-S SOCKET]              stdin/stdout to this host's server (for ssh)" },
	{ "mconsole", cli_cmd_mconsole, "mconsole UMID|DIR|SOCKET CMD... talk to a UML's management console" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: umltop [-S SOCKET] [-c CONFIG]...   the interactive view (TUI)\n"
		   "       umltop COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  umltop %s\n", subcommands[i].usage);
	fprintf(f, "\n  umltop --version\n\n"
		   "umltop COMMAND --help says more of each.  The TUI exits 0 when\n"
		   "detached or quit, 1 when it cannot reach or lost the server, 2 on a\n"
		   "usage error.\n");
}

int main(int argc, char **argv)
{
	/* A peer that goes away is an error to handle, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("%s\n", PACKAGE_STRING);
		return 0;
	}
	/* No subcommand, or only options (-S, -c): the interactive TUI. */
	if (argc < 2 || argv[1][0] == '-')
		return tui_main(argc, argv);
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
			if (!strcmp(argv[1], subcommands[i].name))
				return subcommands[i].run(argc - 1, argv + 1);
		fprintf(stderr, "umltop: unknown command '%s'\n", argv[1]);
	}
	usage(stderr);
	return 2;
}
