/* `umltop mconsole [-S SOCKET] [-t TIMEOUT_MS] UMID|DIR|SOCKET COMMAND...`:
 * one request to one UML's management console, sent by the same async
 * client the server uses, on a loop of its own.  Exit 0 with the reply on
 * stdout, 1 with UML's error text on stderr, 2 when no reply came. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "proto/proto.h"

struct outcome {
	int status;
	int err;
	struct buf text;
};

static void on_reply(void *arg, int status, int err, const char *text, size_t len)
{
	struct outcome *o = arg;
	o->status = status;
	o->err = err;
	buf_append(&o->text, text, len);
}

/* Run one request to completion on a private loop; 0 with *o filled, or
 * the errno mc_request refused with. */
static int ask(const char *path, const char *cmd, unsigned timeout_ms,
	       struct outcome *o)
{
	uv_loop_t loop;
	int rc = uv_loop_init(&loop);
	if (rc < 0)
		return rc;
	struct mc_client *c = mc_client_new(&loop, path);
	rc = mc_request(c, cmd, timeout_ms, on_reply, o);
	if (rc == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	mc_client_close(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return rc;
}

static char *join_words(int n, char **words)
{
	struct buf b = { 0 };
	for (int i = 0; i < n; i++) {
		if (i)
			buf_append(&b, " ", 1);
		buf_append(&b, words[i], strlen(words[i]));
	}
	return b.data ? b.data : xstrdup("");
}

/* Text as a person reads it: ending in a newline unless empty. */
static void put_text(FILE *f, const char *text, size_t len)
{
	fwrite(text, 1, len, f);
	if (len && text[len - 1] != '\n')
		fputc('\n', f);
}

static int report(const char *target, const char *path, const char *cmd,
		  unsigned timeout_ms, const struct outcome *o)
{
	const char *text = o->text.data ? o->text.data : "";
	size_t len = o->text.len;
	if (o->status == -ETIMEDOUT) {
		fprintf(stderr, "umltop mconsole: %s: no reply to '%s' within %u ms (%s)\n",
			target, cmd, timeout_ms, path);
		return 2;
	}
	if (o->status == -EBADMSG) {
		fprintf(stderr, "umltop mconsole: %s: garbled reply to '%s' from %s\n",
			target, cmd, path);
		return 2;
	}
	if (o->status < 0) {
		fprintf(stderr, "umltop mconsole: %s: cannot reach %s: %s\n", target,
			path, strerror(-o->status));
		return 2;
	}
	if (o->err) {
		fprintf(stderr, "umltop mconsole: %s: %s: ", target, cmd);
		if (o->err < 0)
			fprintf(stderr, "(%s) ", strerror(-o->err));
		put_text(stderr, text, len);
		return 1;
	}
	/* UML starts `proc` output with a lone newline so that it begins on
	 * its own line after uml_mconsole's "OK "; we print no prefix. */
	if (len && text[0] == '\n') {
		text++;
		len--;
	}
	put_text(stdout, text, len);
	return fflush(stdout) == 0 ? 0 : 2;
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: umltop mconsole [-S SOCKET] [-t TIMEOUT_MS] "
		   "UMID|DIR|SOCKET COMMAND...\n"
		   "  -S SOCKET      the server whose runtime directory holds UMID's\n"
		   "                 mconsole (default: $UMLTOP_SOCKET, else the usual one)\n"
		   "  -t TIMEOUT_MS  wait this long for the reply (default %u)\n"
		   "Sends COMMAND (version, sysrq s, cad, proc meminfo, ...) to the UML\n"
		   "whose umid, uml_dir/UMID directory or socket is given, and prints\n"
		   "the reply.  Exit status: 0 the UML answered OK, 1 it answered with\n"
		   "an error, 2 usage, unreachable, no reply in time or a garbled one.\n",
		MC_DEFAULT_TIMEOUT_MS);
	return rc;
}

static int run(const char *server, unsigned timeout_ms, const char *target,
	       const char *cmd)
{
	char *sock = server ? xstrdup(server) : proto_default_socket();
	char *rundir = proto_rundir(sock);
	char *path = mc_resolve(target, rundir);
	int rc = 2;
	if (!path) {
		fprintf(stderr, "umltop mconsole: %s: no mconsole socket: not a socket, "
			"a directory holding 'mconsole', or a umid under %s/uml or ~/.uml\n",
			target, rundir);
	} else {
		struct outcome o = { 0 };
		int err = ask(path, cmd, timeout_ms, &o);
		if (err == -EMSGSIZE)
			fprintf(stderr, "umltop mconsole: command too long (%zu bytes, at most %d)\n",
				strlen(cmd), MC_MAX_REQUEST);
		else if (err < 0)
			fprintf(stderr, "umltop mconsole: %s: %s\n", target, strerror(-err));
		else
			rc = report(target, path, cmd, timeout_ms, &o);
		buf_free(&o.text);
	}
	free(path);
	free(rundir);
	free(sock);
	return rc;
}

int cli_cmd_mconsole(int argc, char **argv)
{
	const char *server = NULL;
	unsigned timeout_ms = MC_DEFAULT_TIMEOUT_MS;
	int opt;
	optind = 1;
	/* '+': stop at the target, so the command's own words are not options. */
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	while ((opt = getopt_long(argc, argv, "+S:t:h", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'S':
			server = optarg;
			break;
		case 't':
			errno = 0;
			unsigned long t = strtoul(optarg, &end, 10);
			if (errno || *end || t == 0 || t > 3600000 || optarg[0] == '-') {
				fprintf(stderr, "umltop mconsole: -t %s: want milliseconds, 1 to 3600000\n",
					optarg);
				return 2;
			}
			timeout_ms = (unsigned)t;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (argc - optind < 2)
		return usage(stderr, 2);
	char *cmd = join_words(argc - optind - 1, argv + optind + 1);
	int rc = run(server, timeout_ms, argv[optind], cmd);
	free(cmd);
	return rc;
}
