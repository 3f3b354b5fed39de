/* Commands clients send (PROTO_COMMAND), as data: a table of name, usage,
 * argument counts and the function that runs it.  Replies carry a code
 * (enum proto_code, also `umltop ctl`'s exit status) and a text. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv-int.h"

struct srv_cmd {
	const char *name;
	const char *usage;
	int min_args, max_args; /* after the command name; -1 = no limit */
	void (*exec)(struct srv *s, struct client *c, uint32_t id, int argc, char **argv);
};

struct inst *srv_need_inst(struct srv *s, struct client *c, uint32_t id, const char *name)
{
	struct inst *in = srv_find(s, name);
	if (!in) {
		char *known = srv_names(s);
		char *msg = xasprintf("unknown instance '%s'; known: %s", name, known);
		srv_reply(c, id, PROTO_USAGE, msg);
		free(msg);
		free(known);
	}
	return in;
}

typedef int (*inst_op)(struct inst *in, char *err, size_t errlen);

static void run_op(struct srv *s, struct client *c, uint32_t id, const char *name,
		   inst_op op, const char *done)
{
	struct inst *in = srv_need_inst(s, c, id, name);
	if (!in)
		return;
	char err[512];
	int rc = op(in, err, sizeof err);
	if (rc == -EALREADY || rc == -EINPROGRESS) {
		/* start of a live instance: already where the caller wants it,
		 * or will be once its halt ends */
		srv_log(s, "%s", err);
		srv_reply(c, id, PROTO_OK, err);
		return;
	}
	if (rc < 0) {
		srv_reply(c, id, PROTO_ERR, err);
		return;
	}
	char *msg = xasprintf("%s: %s", name, done);
	srv_log(s, "%s", msg);
	srv_reply(c, id, PROTO_OK, msg);
	free(msg);
}

/* Nothing starts once a shutdown began: the server exits when every
 * instance has stopped. */
static bool refuse_if_shutting_down(struct srv *s, struct client *c, uint32_t id)
{
	if (s->shutting_down)
		srv_reply(c, id, PROTO_ERR, "the server is shutting down: nothing starts");
	return s->shutting_down;
}

static void cmd_start(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	if (!refuse_if_shutting_down(s, c, id))
		run_op(s, c, id, argv[1], inst_start, "starting");
}

static void cmd_halt(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	run_op(s, c, id, argv[1], inst_halt, "halting");
}

static void cmd_restart(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	if (!refuse_if_shutting_down(s, c, id))
		run_op(s, c, id, argv[1], inst_restart, "restarting");
}

static void cmd_kill(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	run_op(s, c, id, argv[1], inst_kill, "killed");
}

static void cmd_cad(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	run_op(s, c, id, argv[1], inst_cad, "ctrl-alt-del sent");
}

/* mconsole replies come later: the pending reply survives its client. */
static void mc_done(void *arg, int status, int err, const char *text, size_t len)
{
	struct srv_pending *p = arg;
	char *msg;
	int code;
	if (status < 0) {
		msg = xasprintf("%s: %s", p->what,
				status == -ETIMEDOUT ? "no answer from mconsole" : strerror(-status));
		code = PROTO_UNREACHABLE;
	} else {
		msg = xstrndup(text ? text : "", len);
		code = err ? PROTO_ERR : PROTO_OK;
	}
	srv_pending_done(p, code, msg);
	free(msg);
}

static void mconsole_to(struct srv *s, struct client *c, uint32_t id, struct inst *in,
			const char *cmd)
{
	char err[512];
	struct srv_pending *p = srv_pending_new(c, id, inst_name(in));
	if (inst_mconsole(in, cmd, mc_done, p, err, sizeof err) < 0)
		srv_pending_done(p, PROTO_ERR, err);
}

/* Letters this kernel cannot take (UML-NOTES: `sysrq t` panics UML 6.1). */

static void cmd_sysrq(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	bool force = argc == 4 && !strcmp(argv[1], "--force");
	if (argc == 4 && !force) {
		srv_reply(c, id, PROTO_USAGE, "usage: sysrq [--force] NAME LETTER");
		return;
	}
	const char *name = argv[force ? 2 : 1], *letter = argv[force ? 3 : 2];
	struct inst *in = srv_need_inst(s, c, id, name);
	if (!in)
		return;
	if (strlen(letter) != 1 || letter[0] <= ' ' || letter[0] > '~') {
		srv_reply(c, id, PROTO_USAGE, "sysrq takes one letter, e.g. 'sysrq NAME h' for help");
		return;
	}
	if (strchr(PROTO_SYSRQ_CRASH, letter[0]) && !force) {
		char *msg = xasprintf("sysrq %c crashes this UML kernel (%s); use --force "
				      "to send it anyway", letter[0],
				      letter[0] == 't' ? "task dump panics UML 6.1" : "it is the crash trigger");
		srv_reply(c, id, PROTO_USAGE, msg);
		free(msg);
		return;
	}
	char cmd[16];
	snprintf(cmd, sizeof cmd, "sysrq %c", letter[0]);
	srv_log(s, "%s: %s", name, cmd);
	mconsole_to(s, c, id, in, cmd);
}

static void cmd_mconsole(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	struct inst *in = srv_need_inst(s, c, id, argv[1]);
	if (!in)
		return;
	struct buf cmd = { 0 };
	for (int i = 2; i < argc; i++)
		buf_printf(&cmd, "%s%s", i > 2 ? " " : "", argv[i]);
	srv_log(s, "%s: mconsole %s", argv[1], cmd.data);
	mconsole_to(s, c, id, in, cmd.data);
	buf_free(&cmd);
}

static void cmd_halt_all(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->ninst; i++)
		n += inst_live(s->inst[i]);
	srv_log(s, "halt-all: %u instance%s", n, n == 1 ? "" : "s");
	srv_halt_all(s);
	char msg[64];
	snprintf(msg, sizeof msg, "halting %u instance%s", n, n == 1 ? "" : "s");
	srv_reply(c, id, PROTO_OK, msg);
}

static void cmd_shutdown(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	srv_reply(c, id, PROTO_OK, "halting every instance; the server exits when all have stopped");
	srv_shutdown(s);
}

static void cmd_reload(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	struct buf msg = { 0 };
	int rc = srv_reload(s, &msg);
	srv_reply(c, id, rc < 0 ? PROTO_ERR : PROTO_OK, msg.data ? msg.data : "config reloaded\n");
	buf_free(&msg);
}

/* Done, the exec ends this connection (the client takes that for success
 * and waits for the socket to answer again); not done, the reason. */
static void cmd_upgrade(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	char err[512];
	srv_upgrade(s, err, sizeof err);
	srv_reply(c, id, PROTO_ERR, err);
}

/* tag NAME [+T|-T|T]...: add (+T or T) and remove (-T) tags; the reply
 * names the tags it has then.  Until the next reload, which sets the
 * file's TAGS again. */
static void cmd_tag(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	struct inst *in = srv_need_inst(s, c, id, argv[1]);
	if (!in)
		return;
	char now[INST_TAGS_MAX];
	snprintf(now, sizeof now, "%s", inst_tags(in));
	for (int i = 2; i < argc; i++) {
		bool del = argv[i][0] == '-';
		const char *t = argv[i] + (argv[i][0] == '-' || argv[i][0] == '+');
		if (!conf_tag_ok(t)) {
			char *msg = xasprintf("tag: '%s' is not a tag (1 to %d of A-Z a-z 0-9 _ . -; "
					      "+TAG adds, -TAG removes)", argv[i], CONF_TAG_MAX);
			srv_reply(c, id, PROTO_USAGE, msg);
			free(msg);
			return;
		}
		/* the words of now, without t, then t when added */
		char next[INST_TAGS_MAX] = "", *save = NULL, copy[INST_TAGS_MAX];
		size_t len = 0;
		snprintf(copy, sizeof copy, "%s", now);
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (strcmp(w, t))
				len += (size_t)snprintf(next + len, sizeof next - len, "%s%s",
							len ? " " : "", w);
		if (!del && len + 1 + strlen(t) >= sizeof next) {
			srv_reply(c, id, PROTO_ERR, "tag: no room for more tags");
			return;
		}
		if (!del)
			len += (size_t)snprintf(next + len, sizeof next - len, "%s%s", len ? " " : "", t);
		snprintf(now, sizeof now, "%s", next);
	}
	char *msg = xasprintf("%s: tags: %s", argv[1], now[0] ? now : "(none)");
	if (argc > 2) {
		inst_set_tags(in, now);
		srv_log(s, "%s", msg);
		srv_status_changed(s);
	}
	srv_reply(c, id, PROTO_OK, msg);
	free(msg);
}

static const struct srv_cmd commands[] = {
	{ "tag", "tag NAME [+TAG|-TAG]...", 1, -1, cmd_tag },
	{ "start", "start NAME", 1, 1, cmd_start },
	{ "halt", "halt NAME", 1, 1, cmd_halt },
	{ "restart", "restart NAME", 1, 1, cmd_restart },
	{ "kill", "kill NAME", 1, 1, cmd_kill },
	{ "cad", "cad NAME", 1, 1, cmd_cad },
	{ "sysrq", "sysrq [--force] NAME LETTER", 2, 3, cmd_sysrq },
	{ "mconsole", "mconsole NAME COMMAND...", 2, -1, cmd_mconsole },
	{ "halt-all", "halt-all", 0, 0, cmd_halt_all },
	{ "shutdown", "shutdown", 0, 0, cmd_shutdown },
	{ "reload", "reload", 0, 0, cmd_reload },
	{ "upgrade", "upgrade", 0, 0, cmd_upgrade },
};

void srv_command(struct srv *s, struct client *c, uint32_t id, int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		const struct srv_cmd *cmd = &commands[i];
		if (strcmp(argv[0], cmd->name))
			continue;
		int nargs = argc - 1;
		if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args)) {
			char *msg = xasprintf("usage: %s", cmd->usage);
			srv_reply(c, id, PROTO_USAGE, msg);
			free(msg);
			return;
		}
		cmd->exec(s, c, id, argc, argv);
		return;
	}
	struct buf msg = { 0 };
	buf_printf(&msg, "unknown command '%s'; commands:", argv[0]);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		buf_printf(&msg, " %s", commands[i].name);
	srv_reply(c, id, PROTO_USAGE, msg.data);
	buf_free(&msg);
}
