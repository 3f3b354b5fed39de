/* `umltop ctl`: scripted control for init systems, scripts and tests.
 * One command per run; the exit status is the server's reply code:
 * 0 done, 1 failed, 2 usage or unknown instance, 3 unreachable.
 *
 * Several hosts (-H, or HOST/NAME): the one-host command runs once per
 * host, one after the other, each on its own connection; the instances
 * are shown as HOST/NAME, and a host that cannot be reached is said on
 * stderr while the others go on (exit 3 at the end). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/hosts.h"
#include "lib/util.h"
#include "proto/client.h" /* the figures as the TUI shows them */
#include "proto/proto.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

/* How long a wait (halt --wait, halt-all --wait, shutdown --wait, wait) lasts unless
 * --timeout says otherwise: past a halt ladder with the default
 * HALT_TIMEOUT (60 s, then sync, halt and kill within ~15 s) and several
 * boots, and short enough that an init system's stop never hangs. */
#define WAIT_DEFAULT_S 300
#define EVENTS_HISTORY 100 /* events: how many past ones first */

/* What the runs for several hosts share: one table header, one JSON list. */
struct ctl_multi {
	bool header;
	unsigned njson;
};

struct ctl {
	uv_loop_t loop;
	struct conn *conn;
	const struct host *host;  /* -H or HOST/NAME: whose server; NULL = -S's */
	struct ctl_multi *multi;  /* when several hosts are shown together */
	int argc;
	char **argv;
	bool json, wait, no_enter;
	bool follow;       /* events: on after the history */
	bool live;         /* events: the history has ended */
	bool send_resolve; /* send: targets picked from the first status */
	bool send_sync;    /* ... inputs sent: done at the reply to a tag query */
	const char *wait_name;  /* instance whose state we wait for */
	const char *wait_state; /* "stopped" = not live any more */
	uint64_t deadline_ms;
	uv_timer_t timer;
	uint32_t id;
	int exit;
	bool done, replied;
	struct proto_status last; /* the newest status, for a --wait */
	bool seen;                /* ... once one came */
	const char *sock;         /* upgrade: where to wait for the new server */
	char *own_sock;           /* ... when it is the default one */
	uv_timer_t back;          /* ... polling it */
	long timeout_s;
};

static void finish(struct ctl *c, int code)
{
	if (c->done)
		return;
	c->done = true;
	c->exit = code;
	conn_close(c->conn);
	uv_close((uv_handle_t *)&c->timer, NULL);
}

/* ---- status output ---- */

static const char *state_text(const struct proto_inst *in, char *buf, size_t cap)
{
	if (in->state == PROTO_HALTING)
		snprintf(buf, cap, "halting:%s:%us", proto_phase_name(in->phase),
			 in->phase_ms / 1000);
	else
		snprintf(buf, cap, "%s", proto_state_name(in->state));
	return buf;
}

static void print_table(const struct ctl *c, const struct proto_status *st)
{
	const char *host = c->host ? c->host->name : "";
	if (st->warning[0]) {
		char warning[sizeof st->warning];
		util_clean_text(st->warning, warning);
		printf("%s%swarning: %s\n", host, *host ? ": " : "", warning);
	}
	if (!c->multi || !c->multi->header)
		printf("%-16s %-18s %7s %8s %6s %6s %6s %11s %6s %8s\n", "NAME", "STATE", "PID",
		       "UPTIME", "LOAD1", "LOAD5", "LOAD15", "MEM", "CPU%", "RSS");
	if (c->multi)
		c->multi->header = true;
	for (uint32_t i = 0; i < st->n; i++) {
		const struct proto_inst *in = &st->inst[i];
		char state[32], up[16] = "-", load[3][16], mem[48] = "-", pid[16] = "-",
			cpu[16] = "-", rss[24] = "-";
		bool live = in->pid != 0, stats = live && (in->flags & PROTO_F_STATS);
		if (live) {
			proto_fmt_duration(up, sizeof up, in->up_s);
			snprintf(pid, sizeof pid, "%u", in->pid);
			snprintf(cpu, sizeof cpu, "%u.%u", in->cpu_x10 / 10, in->cpu_x10 % 10);
			snprintf(rss, sizeof rss, "%lluM", (unsigned long long)in->rss_kb / 1024);
		}
		for (int k = 0; k < 3; k++) {
			if (stats)
				snprintf(load[k], sizeof load[k], "%u.%02u", in->load[k] / 100,
					 in->load[k] % 100);
			else
				snprintf(load[k], sizeof load[k], "-");
		}
		proto_fmt_mem(mem, sizeof mem, in);
		char name[HOST_NAME_MAX_LEN + PROTO_MAX_NAME + 2];
		snprintf(name, sizeof name, "%s%s%s", host, *host ? "/" : "", in->name);
		printf("%-16s %-18s %7s %8s %6s %6s %6s %11s %6s %8s\n", name,
		       state_text(in, state, sizeof state), pid, up, load[0], load[1], load[2],
		       mem, cpu, rss);
		if (proto_reason_shown(in)) {
			char reason[sizeof in->reason]; /* it may quote the guest */
			util_clean_text(in->reason, reason);
			printf("%-16s   %s\n", "", reason);
		}
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* "eth0=tap1@br0 eth1=tap2 eth2=switch:lab" (proto.h) as
 * ,"net":[{"guest":"eth0","tap":"tap1","bridge":"br0"},{...,"bridge":null},
 * {"guest":"eth2","switch":"lab"}] */
static void print_json_net(const char *net)
{
	char *copy = xstrdup(net), *save = NULL;
	printf(",\"net\":[");
	int i = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *tap = strchr(w, '=');
		if (!tap)
			continue;
		*tap++ = '\0';
		if (!strncmp(tap, "switch:", 7)) {
			printf("%s{\"guest\":", i++ ? "," : "");
			json_str(w);
			printf(",\"switch\":");
			json_str(tap + 7);
			putchar('}');
			continue;
		}
		char *bridge = strchr(tap, '@');
		if (bridge)
			*bridge++ = '\0';
		printf("%s{\"guest\":", i++ ? "," : "");
		json_str(w);
		printf(",\"tap\":");
		json_str(tap);
		printf(",\"bridge\":");
		if (bridge)
			json_str(bridge);
		else
			printf("null");
		putchar('}');
	}
	putchar(']');
	free(copy);
}

/* Alone: {"host":..., "warning":..., "instances":[...]}.  For several
 * hosts, one list of every host's instances, each with "host" (its name
 * in the hosts file; cli_cmd_ctl opens and closes the list). */
static void print_json(const struct ctl *c, const struct proto_status *st)
{
	if (!c->multi) {
		printf("{\"host\":");
		json_str(st->host);
		printf(",\"warning\":");
		json_str(st->warning);
		printf(",\"instances\":[");
	}
	for (uint32_t i = 0; i < st->n; i++) {
		const struct proto_inst *in = &st->inst[i];
		bool stats = in->pid && (in->flags & PROTO_F_STATS);
		bool first = c->multi ? c->multi->njson++ == 0 : i == 0;
		printf("%s\n {", first ? "" : ",");
		if (c->host) {
			printf("\"host\":");
			json_str(c->host->name);
			putchar(',');
		}
		printf("\"name\":");
		json_str(in->name);
		printf(",\"state\":\"%s\",\"phase\":\"%s\",\"phase_s\":%u,\"pid\":%u,"
		       "\"uptime_s\":%u,\"console_lost\":%s,\"user\":",
		       proto_state_name(in->state), proto_phase_name(in->phase),
		       in->phase_ms / 1000, in->pid, in->up_s,
		       in->flags & PROTO_F_NOCONSOLE ? "true" : "false");
		json_str(in->user);
		if (stats)
			printf(",\"load\":[%.2f,%.2f,%.2f],\"procs\":[%u,%u],\"guest_uptime_s\":%u,"
			       "\"mem_total_kb\":%llu,\"mem_free_kb\":%llu,\"mem_available_kb\":%llu",
			       in->load[0] / 100.0, in->load[1] / 100.0, in->load[2] / 100.0,
			       in->procs_running, in->procs_total, in->guest_up_s,
			       (unsigned long long)in->mem_total_kb,
			       (unsigned long long)in->mem_free_kb,
			       (unsigned long long)in->mem_avail_kb);
		printf(",\"cpu_percent\":%.1f,\"rss_kb\":%llu,\"exit_code\":%d,\"exit_signal\":%d,"
		       "\"ended\":\"%s\",\"reason\":",
		       in->cpu_x10 / 10.0, (unsigned long long)in->rss_kb, in->exit_code,
		       in->exit_signal, proto_end_name(in->end));
		json_str(in->reason);
		print_json_net(in->net);
		printf(",\"tags\":[");
		char *tags = xstrdup(in->tags), *save = NULL;
		int k = 0;
		for (char *w = strtok_r(tags, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			printf("%s", k++ ? "," : "");
			json_str(w);
		}
		free(tags);
		putchar(']');
		putchar('}');
	}
	if (!c->multi)
		printf("\n]}\n");
}

/* ---- waiting for a state ---- */

static const struct proto_inst *find(const struct proto_status *st, const char *name)
{
	for (uint32_t i = 0; i < st->n; i++)
		if (!strcmp(st->inst[i].name, name))
			return &st->inst[i];
	return NULL;
}

/* "stopped" also accepts crashed/failed: the process is gone. */
static bool reached(const struct proto_inst *in, const char *state)
{
	if (!strcmp(state, "down"))
		return in->pid == 0;
	return !strcmp(proto_state_name(in->state), state);
}

/* Waiting for an instance to come up is over once it crashed or failed:
 * nothing will bring it up but another command. */
static bool gave_up(const struct proto_inst *in, const char *state)
{
	return (!strcmp(state, "starting") || !strcmp(state, "running")) &&
	       (in->state == PROTO_CRASHED || in->state == PROTO_FAILED);
}

static bool all_down(const struct proto_status *st)
{
	for (uint32_t i = 0; i < st->n; i++)
		if (st->inst[i].pid)
			return false;
	return true;
}

static void print_ends(const struct ctl *c, const struct proto_status *st)
{
	const char *host = c->host ? c->host->name : "";
	for (uint32_t i = 0; i < st->n; i++) {
		const struct proto_inst *in = &st->inst[i];
		char reason[sizeof in->reason];
		util_clean_text(in->reason, reason);
		if (in->end != PROTO_END_NONE)
			printf("%s%s%s: %s (%s)\n", host, *host ? "/" : "", in->name,
			       proto_state_name(in->state),
			       reason[0] ? reason : proto_end_name(in->end));
	}
}

/* A wait (ctl wait, halt --wait, halt-all --wait) against the newest
 * status, once the command was taken: ends it when it is over.  Checked
 * on each status and on the reply, since a command with nothing to do
 * (halt-all with nothing running) changes nothing, and no status follows
 * it. */
static void check_wait(struct ctl *c)
{
	const struct proto_status *st = &c->last;
	if (!c->replied || c->done || !c->seen)
		return;
	if (!strcmp(c->argv[0], "shutdown"))
		return; /* over when the server goes: closed_cb */
	if (c->wait_name) {
		const struct proto_inst *in = find(st, c->wait_name);
		if (!in) {
			fprintf(stderr, "umltop ctl: unknown instance '%s'\n", c->wait_name);
			finish(c, EXIT_USAGE);
			return;
		}
		char reason[sizeof in->reason]; /* it may quote the guest */
		util_clean_text(in->reason, reason);
		if (reached(in, c->wait_state)) {
			if (c->wait)
				printf("%s: %s%s%s\n", in->name, proto_state_name(in->state),
				       reason[0] ? ", " : "", reason);
			finish(c, EXIT_OK);
		} else if (gave_up(in, c->wait_state)) {
			fprintf(stderr, "umltop ctl: %s is %s%s%s\n", in->name,
				proto_state_name(in->state), reason[0] ? ": " : "", reason);
			finish(c, EXIT_FAIL);
		}
	} else if (c->wait && all_down(st)) {
		print_ends(c, st);
		finish(c, EXIT_OK);
	}
}

static const struct proto_inst *find_inst(const struct proto_status *st, const char *name)
{
	for (uint32_t i = 0; i < st->n; i++)
		if (!strcmp(st->inst[i].name, name))
			return &st->inst[i];
	return NULL;
}

/* send --tag T TEXT... or send NAME... TEXT: the text goes to each target
 * that runs, in the order named (the instances' order for a tag), and
 * one that does not is skipped, said on stderr.  Then a tag query, whose
 * reply comes once the server took every input (it handles a client's
 * frames in order). */
static void send_many(struct ctl *c, const struct proto_status *st)
{
	const struct proto_inst **to = xcalloc(st->n + (size_t)c->argc, sizeof *to);
	size_t n = 0;
	int first_text;
	if (!strcmp(c->argv[1], "--tag")) {
		for (uint32_t i = 0; i < st->n; i++)
			if (proto_has_tag(st->inst[i].tags, c->argv[2]))
				to[n++] = &st->inst[i];
		if (!n) {
			fprintf(stderr, "umltop ctl: send: no instance has the tag '%s'\n", c->argv[2]);
			free(to);
			finish(c, EXIT_USAGE);
			return;
		}
		first_text = 3;
	} else {
		/* NAME... TEXT when every word but the last names an instance;
		 * otherwise NAME TEXT..., as before */
		int k = 1;
		while (k < c->argc - 1 && find_inst(st, c->argv[k]))
			k++;
		if (k == c->argc - 1 && k > 2) {
			for (int i = 1; i < k; i++)
				to[n++] = find_inst(st, c->argv[i]);
			first_text = k;
		} else {
			const struct proto_inst *one = find_inst(st, c->argv[1]);
			if (!one) {
				fprintf(stderr, "umltop ctl: unknown instance '%s'\n", c->argv[1]);
				free(to);
				finish(c, EXIT_USAGE);
				return;
			}
			to[n++] = one;
			first_text = 2;
		}
	}
	struct buf text = { 0 };
	for (int i = first_text; i < c->argc; i++)
		buf_printf(&text, "%s%s", i > first_text ? " " : "", c->argv[i]);
	if (!c->no_enter)
		buf_append(&text, "\r", 1);
	const char *last = NULL;
	for (size_t i = 0; i < n; i++) {
		enum proto_state s = (enum proto_state)to[i]->state;
		if (s != PROTO_RUNNING && s != PROTO_STARTING && s != PROTO_UNRESPONSIVE) {
			fprintf(stderr, "umltop ctl: send: skipped %s (%s)\n", to[i]->name,
				util_state_name(s));
			continue;
		}
		conn_input(c->conn, to[i]->name, text.data ? text.data : "", text.len);
		last = to[i]->name;
	}
	buf_free(&text);
	free(to);
	if (!last) {
		fprintf(stderr, "umltop ctl: send: none of them is running\n");
		finish(c, EXIT_FAIL);
		return;
	}
	const char *q[] = { "tag", last };
	c->send_sync = true;
	conn_status_sub(c->conn, false);
	c->id = conn_command(c->conn, 2, q);
}

static void on_status(struct ctl *c, const struct proto_frame *f)
{
	struct proto_status st;
	if (proto_get_status(f, &st) < 0) {
		fprintf(stderr, "umltop ctl: malformed status from the server\n");
		finish(c, EXIT_FAIL);
		return;
	}
	if (!strcmp(c->argv[0], "status")) {
		if (c->json)
			print_json(c, &st);
		else
			print_table(c, &st);
		finish(c, EXIT_OK);
	} else if (!strcmp(c->argv[0], "send") && c->send_resolve) {
		c->send_resolve = false;
		send_many(c, &st);
	} else if ((!strcmp(c->argv[0], "send") && !c->send_sync) || !strcmp(c->argv[0], "resize")) {
		/* The server handles frames in order: this status answers a
		 * subscription sent after the input, so the input was taken. */
		finish(c, EXIT_OK);
	}
	proto_status_free(&c->last);
	c->last = st;
	c->seen = true;
	check_wait(c);
}

/* ---- frames and commands ---- */

static void on_reply(struct ctl *c, const struct proto_frame *f)
{
	uint32_t id;
	int code;
	char *text;
	if (conn_parse_reply(f, &id, &code, &text) < 0) {
		finish(c, EXIT_FAIL);
		return;
	}
	if (id != c->id && id != 0) {
		free(text);
		return;
	}
	if (c->send_sync && id == c->id) { /* every input of send_many was taken */
		free(text);
		finish(c, code == PROTO_OK ? EXIT_OK : code);
		return;
	}
	FILE *out = code == PROTO_OK ? stdout : stderr;
	/* A reply may quote a guest (mconsole's, sysrq's): at a terminal each
	 * line goes cleaned of controls; to a pipe or file as it came. */
	bool tty = isatty(fileno(out));
	if (text[0] && (c->host || tty)) {
		char *clean = xmalloc(strlen(text) + 1);
		for (char *save, *l = strtok_r(text, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			if (tty)
				util_clean_text(l, clean);
			fprintf(out, "%s%s%s\n", c->host ? c->host->name : "", c->host ? ": " : "",
				tty ? clean : l);
		}
		free(clean);
	} else if (text[0]) {
		fprintf(out, "%s%s", text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	}
	free(text);
	c->replied = true;
	if (code == PROTO_FULL)
		code = EXIT_FAIL; /* input refused: that is all it says */
	if (code != PROTO_OK || !c->wait)
		finish(c, code);
	check_wait(c);
}

/* events: one line each, "TIME NAME KIND TEXT" or a JSON object.  wait
 * NAME alert: done at NAME's first alert after the history. */
static void on_event(struct ctl *c, const struct proto_frame *f)
{
	struct proto_event e;
	if (proto_get_event(f, &e) < 0) {
		fprintf(stderr, "umltop ctl: malformed event from the server\n");
		finish(c, EXIT_FAIL);
		return;
	}
	if (e.kind == PROTO_EV_NOW) {
		c->live = true;
		if (!strcmp(c->argv[0], "events") && !c->follow)
			finish(c, EXIT_OK);
		return;
	}
	if (!strcmp(c->argv[0], "wait")) {
		if (c->live && e.kind == PROTO_EV_ALERT && !strcmp(e.name, c->wait_name)) {
			printf("%s: alert: %s\n", e.name, e.text);
			finish(c, EXIT_OK);
		}
		return;
	}
	char when[64];
	time_t t = (time_t)(e.time_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	if (c->json) {
		printf("{\"time\":\"%s.%03u\",\"seq\":%u,\"name\":", when,
		       (unsigned)(e.time_ms % 1000), e.seq);
		json_str(e.name);
		printf(",\"kind\":\"%s\",\"text\":", proto_event_kind_name(e.kind));
		json_str(e.text);
		printf("}\n");
	} else {
		printf("%s.%03u %s %s %s\n", when, (unsigned)(e.time_ms % 1000), e.name,
		       proto_event_kind_name(e.kind), e.text);
	}
	fflush(stdout);
}

static void frame_cb(void *arg, const struct proto_frame *f)
{
	struct ctl *c = arg;
	if (c->done)
		return;
	if (f->type == PROTO_STATUS)
		on_status(c, f);
	else if (f->type == PROTO_REPLY)
		on_reply(c, f);
	else if (f->type == PROTO_EVENT)
		on_event(c, f);
}

/* After `upgrade` closed the connection: done once the server answers
 * again.  The new process inherits the listening socket, which takes
 * connections all along (the old process's too, until its exec): only an
 * answer to a HELLO says the new one runs its loop. */
static void back_cb(uv_timer_t *t)
{
	struct ctl *c = t->data;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (up) {
		struct buf b = { 0 };
		proto_put_hello(&b, "ctl");
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char reply[64];
		up = util_write_all(fd, b.data, b.len) == 0 && poll(&pfd, 1, 2000) == 1 &&
		     read(fd, reply, sizeof reply) > 0;
		buf_free(&b);
	}
	if (fd >= 0)
		close(fd);
	if (!up)
		return;
	printf("upgraded: the server on %s answers again\n", c->sock);
	uv_close((uv_handle_t *)t, NULL);
	finish(c, EXIT_OK);
}

static void closed_cb(void *arg, const char *why)
{
	struct ctl *c = arg;
	if (c->done)
		return;
	if (!strcmp(c->argv[0], "upgrade") && !c->replied) {
		/* the exec took the connection: the upgrade is under way */
		c->conn = NULL; /* it frees itself after this */
		uv_timer_init(&c->loop, &c->back);
		c->back.data = c;
		uv_timer_start(&c->back, back_cb, 50, 100);
		return;
	}
	/* `shutdown` ends with the server going away: that is success. */
	if (!strcmp(c->argv[0], "shutdown") && c->replied) {
		finish(c, EXIT_OK);
		return;
	}
	if (c->host)
		fprintf(stderr, "%s: unreachable: %s\n", c->host->name, why);
	else
		fprintf(stderr, "umltop ctl: %s\n", why);
	finish(c, EXIT_UNREACHABLE);
}

static void timeout_cb(uv_timer_t *t)
{
	struct ctl *c = t->data;
	unsigned s = (unsigned)c->timeout_s;
	if (c->wait_name)
		fprintf(stderr, "umltop ctl: timed out after %u s waiting for %s to be %s\n", s,
			c->wait_name, c->wait_state);
	else if (c->wait)
		fprintf(stderr, "umltop ctl: timed out after %u s waiting for every instance "
			"to stop\n", s);
	else
		fprintf(stderr, "umltop ctl: timed out after %u s waiting for the server\n", s);
	finish(c, EXIT_FAIL);
}

static const struct conn_cb ctl_cb = { .frame = frame_cb, .closed = closed_cb };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: umltop ctl [-S SOCKET] [-c CONFIG]... [-H HOST]... COMMAND\n"
		"-H HOST (a name of the hosts file, an ssh destination, or local): the\n"
		"command goes to each such host's server, instances shown as HOST/NAME;\n"
		"a NAME written HOST/NAME goes to that host's server alone\n"
		"commands:\n"
		"  status [--json]               table of every instance\n"
		"  start NAME                    start an instance (and the server if needed)\n"
		"  halt [--wait] NAME            graceful halt: ctrl-alt-del, sync, halt, kill\n"
		"  restart NAME                  halt, then start\n"
		"  kill NAME                     SIGKILL the instance's processes\n"
		"  cad NAME                      send ctrl-alt-del\n"
		"  sysrq [--force] NAME LETTER   magic sysrq; prints the kernel's reply\n"
		"  mconsole NAME COMMAND...      any mconsole command\n"
		"  halt-all [--wait]             halt every instance in parallel\n"
		"  wait NAME STATE               wait until NAME is in STATE (or 'down');\n"
		"                                waiting for running fails once NAME crashed\n"
		"  send [--no-enter] NAME TEXT... type TEXT (and Enter) into the console\n"
		"  send [--no-enter] NAME... TEXT  ... into each console named (TEXT one word)\n"
		"  send [--no-enter] --tag TAG TEXT...  ... into each console tagged TAG;\n"
		"                                one that is not running is skipped\n"
		"  tag NAME [+TAG|-TAG]...       add and remove tags (until a reload); show them\n"
		"  events [--follow] [--json]    what happened lately (state changes, halt steps,\n"
		"                                alerts), one line each; --follow: and on\n"
		"  wait NAME alert               wait for NAME's next alert\n"
		"  resize NAME ROWS COLS         set the console's size (what the guest sees)\n"
		"  reload                        re-read the config\n"
		"  shutdown [--wait]             halt everything and stop the server; --wait:\n"
		"                                until it is gone (what an init system runs)\n"
		"  upgrade                       the server re-executes itself (a newer binary),\n"
		"                                keeping every UML and console\n"
		"--wait and wait give up after --timeout S seconds (default %d; 0: never)\n"
		"exit status: 0 done, 1 failed or timed out, 2 usage or unknown instance,\n"
		"3 unreachable\n", WAIT_DEFAULT_S);
}

/* Pull --json/--wait/--timeout out of the command's words. */
static int parse_flags(struct ctl *c, long *timeout_s)
{
	int n = 0;
	for (int i = 0; i < c->argc; i++) {
		/* the text of send and mconsole is the guest's, flags or not */
		if (n >= 2 && (!strcmp(c->argv[0], "send") || !strcmp(c->argv[0], "mconsole") ||
			       !strcmp(c->argv[0], "tag"))) {
			c->argv[n++] = c->argv[i];
			continue;
		}
		if (!strcmp(c->argv[i], "--json"))
			c->json = true;
		else if (!strcmp(c->argv[i], "--wait") || !strcmp(c->argv[i], "-w"))
			c->wait = true;
		else if (!strcmp(c->argv[i], "--no-enter"))
			c->no_enter = true;
		else if (!strcmp(c->argv[i], "--follow") || !strcmp(c->argv[i], "-f"))
			c->follow = true;
		else if (!strcmp(c->argv[i], "--timeout") && i + 1 < c->argc) {
			char *end;
			const char *v = c->argv[++i];
			*timeout_s = strtol(v, &end, 10);
			if (!*v || *end || *timeout_s < 0 || *timeout_s > 86400 * 365) {
				fprintf(stderr, "umltop ctl: --timeout takes whole seconds "
					"(0: no limit), not '%s'\n", v);
				return -2;
			}
		}
		else
			c->argv[n++] = c->argv[i];
	}
	c->argc = n;
	if (n > 0 && c->wait && strcmp(c->argv[0], "halt") && strcmp(c->argv[0], "halt-all") &&
	    strcmp(c->argv[0], "shutdown")) {
		fprintf(stderr, "umltop ctl: --wait is for halt, halt-all and shutdown "
			"(use 'ctl wait NAME STATE')\n");
		return -2;
	}
	return n > 0 ? 0 : -1;
}

static int run(struct ctl *c, const char *sock, const char *const *conf, size_t nconf)
{
	const char *cmd = c->argv[0];
	bool start = !strcmp(cmd, "start") || !strcmp(cmd, "restart");
	c->own_sock = sock ? NULL : proto_default_socket();
	c->sock = sock ? sock : c->own_sock;
	struct conn_opts o = { .socket = sock, .autostart = start, .conf = conf,
			       .nconf = nconf, .who = "ctl", .host = c->host };
	char err[512];
	if (c->host && c->host->dest && !strcmp(cmd, "upgrade")) {
		fprintf(stderr, "umltop ctl: %s: upgrade works on this machine's server; run it "
			"on %s\n", c->host->name, c->host->name);
		return EXIT_USAGE;
	}
	if (conn_open(&c->loop, &o, &ctl_cb, c, &c->conn, err, sizeof err) < 0) {
		if (c->host)
			fprintf(stderr, "%s: unreachable: %s\n", c->host->name, err);
		else
			fprintf(stderr, "umltop ctl: %s\n", err);
		return EXIT_UNREACHABLE;
	}
	if (!strcmp(cmd, "status")) {
		conn_status_sub(c->conn, true);
	} else if (!strcmp(cmd, "send")) {
		if (c->argc < 2) {
			usage(stderr);
			conn_close(c->conn);
			return EXIT_USAGE;
		}
		if (!strcmp(c->argv[1], "--tag") && c->argc < 4) {
			fprintf(stderr, "umltop ctl: usage: send [--no-enter] --tag TAG TEXT...\n");
			conn_close(c->conn);
			return EXIT_USAGE;
		}
		if (!strcmp(c->argv[1], "--tag") || c->argc > 3) {
			/* the targets come from the status: which have the tag,
			 * which words are instances */
			c->send_resolve = true;
			conn_status_sub(c->conn, true);
		} else {
			struct buf text = { 0 };
			for (int i = 2; i < c->argc; i++)
				buf_printf(&text, "%s%s", i > 2 ? " " : "", c->argv[i]);
			if (!c->no_enter)
				buf_append(&text, "\r", 1);
			conn_input(c->conn, c->argv[1], text.data ? text.data : "", text.len);
			buf_free(&text);
			conn_status_sub(c->conn, true);
		}
	} else if (!strcmp(cmd, "resize")) {
		unsigned rows = c->argc == 4 ? (unsigned)atoi(c->argv[2]) : 0;
		unsigned cols = c->argc == 4 ? (unsigned)atoi(c->argv[3]) : 0;
		if (rows < 2 || cols < 10) {
			fprintf(stderr, "umltop ctl: usage: resize NAME ROWS COLS (at least 2 x 10)\n");
			conn_close(c->conn);
			return EXIT_USAGE;
		}
		conn_resize(c->conn, c->argv[1], rows, cols);
		conn_status_sub(c->conn, true);
	} else if (!strcmp(cmd, "events")) {
		if (c->argc != 1) {
			usage(stderr);
			conn_close(c->conn);
			return EXIT_USAGE;
		}
		conn_events_sub(c->conn, true, EVENTS_HISTORY);
	} else if (!strcmp(cmd, "wait") && c->argc == 3 && !strcmp(c->argv[2], "alert")) {
		c->wait_name = c->argv[1];
		c->wait_state = "alerted"; /* for the timeout's message */
		conn_events_sub(c->conn, true, 0);
	} else if (!strcmp(cmd, "wait")) {
		if (c->argc != 3) {
			usage(stderr);
			conn_close(c->conn);
			return EXIT_USAGE;
		}
		c->wait_name = c->argv[1];
		c->wait_state = c->argv[2];
		c->replied = true;
		conn_status_sub(c->conn, true);
	} else {
		if (c->wait && !strcmp(cmd, "halt") && c->argc == 2) {
			c->wait_name = c->argv[1];
			c->wait_state = "down";
		}
		if (c->wait)
			conn_status_sub(c->conn, true);
		c->id = conn_command(c->conn, c->argc, (const char *const *)c->argv);
	}
	uv_run(&c->loop, UV_RUN_DEFAULT);
	return c->exit;
}

/* One command on one server (c->host's, else sock's); its exit status. */
static int ctl_run_one(struct ctl *c, const char *sock, const char *const *conf, size_t nconf,
		       long timeout_s)
{
	uv_loop_init(&c->loop);
	uv_timer_init(&c->loop, &c->timer);
	c->timer.data = c;
	if (timeout_s < 0 && (c->wait || !strcmp(c->argv[0], "wait")))
		timeout_s = WAIT_DEFAULT_S;
	c->timeout_s = timeout_s;
	if (timeout_s > 0)
		uv_timer_start(&c->timer, timeout_cb, (uint64_t)timeout_s * 1000, 0);
	int rc = run(c, sock, conf, nconf);
	if (!c->done)
		uv_close((uv_handle_t *)&c->timer, NULL);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	uv_loop_close(&c->loop);
	proto_status_free(&c->last);
	free(c->own_sock);
	return rc;
}

/* The commands whose first word after the command is an instance: with
 * HOST/NAME there, they go to HOST's server alone (status HOST/NAME: that
 * host's table). */
static bool names_instance(const char *cmd)
{
	static const char *const cmds[] = { "status", "start", "halt", "restart", "kill", "cad", "sysrq",
					    "mconsole", "wait", "send", "tag", "resize" };
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}

/* The host HOST of a HOST/NAME: one of -H, else one the hosts file names
 * (or `local`).  0, or -1 said on stderr. */
static int host_named(const char *name, const struct hosts *picked, struct hosts *own,
		      const struct host **out)
{
	if ((*out = hosts_find(picked, name)))
		return 0;
	char *path = hosts_default_path();
	char err[512];
	int rc = path ? hosts_load(path, false, own, err, sizeof err) : 0;
	if (rc < 0)
		fprintf(stderr, "umltop ctl: %s\n", err);
	if (rc == 0 && (*out = hosts_find(own, name))) {
		free(path);
		return 0;
	}
	if (rc == 0 && !strcmp(name, "local")) {
		const char *local[] = { "local" };
		rc = hosts_select(local, 1, own, err, sizeof err);
		if (rc == 0) {
			*out = &own->v[own->n - 1];
			free(path);
			return 0;
		}
	}
	if (rc == 0)
		fprintf(stderr, "umltop ctl: no host '%s': not among -H, nor in %s\n", name,
			path ? path : "the hosts file (no HOME)");
	free(path);
	return -1;
}

/* The word that names the instance: the first after the command and
 * sysrq's --force; -1 for none (send --tag: the tagged ones of every
 * host). */
static int instance_word(const struct ctl *c)
{
	int i = 1;
	if (!strcmp(c->argv[0], "sysrq"))
		while (i < c->argc && !strcmp(c->argv[i], "--force"))
			i++;
	if (!strcmp(c->argv[0], "send") && i < c->argc && !strcmp(c->argv[i], "--tag"))
		return -1;
	return i < c->argc ? i : -1;
}

/* Whether word is HOST/NAME with HOST a host: one of -H or of the file. */
static bool names_a_host(const char *word, const struct hosts *picked, const struct hosts *file)
{
	char host[HOST_NAME_MAX_LEN + 1];
	hosts_split(word, host);
	return host[0] && (hosts_find(picked, host) || hosts_find(file, host));
}

/* A command naming HOST/NAME (argv[w]): HOST's server, with HOST/ taken
 * off NAME (and off the other names of `send NAME... TEXT`, which must be
 * of the same host: a name of another would be typed as text). */
static int ctl_one_host(struct ctl *c, int w, const struct hosts *picked, const char *sock,
			const char *const *conf, size_t nconf, long timeout_s)
{
	char host[HOST_NAME_MAX_LEN + 1];
	c->argv[w] = (char *)hosts_split(c->argv[w], host);
	struct hosts own = { 0 };
	if (host_named(host, picked, &own, &c->host) < 0) {
		hosts_free(&own);
		return EXIT_USAGE;
	}
	if (!strcmp(c->argv[0], "send"))
		for (int i = w + 1; i < c->argc - 1; i++) {
			char other[HOST_NAME_MAX_LEN + 1];
			const char *name = hosts_split(c->argv[i], other);
			if (!strcmp(other, host)) {
				c->argv[i] = (char *)name;
			} else if (names_a_host(c->argv[i], picked, &own)) {
				fprintf(stderr, "umltop ctl: send: %s/%s and %s are on two hosts: "
					"one send per host\n", host, c->argv[w], c->argv[i]);
				hosts_free(&own);
				return EXIT_USAGE;
			}
		}
	int rc = ctl_run_one(c, sock, conf, nconf, timeout_s);
	hosts_free(&own);
	return rc;
}

/* Every -H host in turn; the worst status, 3 when any was unreachable. */
static int ctl_each_host(const struct ctl *proto, const struct hosts *h, const char *sock,
			 const char *const *conf, size_t nconf, long timeout_s)
{
	if (!strcmp(proto->argv[0], "events") && proto->follow && h->n > 1) {
		fprintf(stderr, "umltop ctl: events --follow takes one host\n");
		return EXIT_USAGE;
	}
	struct ctl_multi multi = { 0 };
	bool status = !strcmp(proto->argv[0], "status");
	if (status && proto->json)
		printf("{\"instances\":[");
	int worst = EXIT_OK;
	bool unreachable = false;
	for (size_t i = 0; i < h->n; i++) {
		struct ctl c = *proto;
		c.argv = xcalloc((size_t)proto->argc + 1, sizeof *c.argv);
		memcpy(c.argv, proto->argv, (size_t)proto->argc * sizeof *c.argv);
		c.host = &h->v[i];
		c.multi = &multi;
		int rc = ctl_run_one(&c, sock, conf, nconf, timeout_s);
		free(c.argv);
		if (rc == EXIT_UNREACHABLE)
			unreachable = true;
		else if (rc > worst)
			worst = rc;
		fflush(stdout);
	}
	if (status && proto->json)
		printf("\n]}\n");
	return unreachable ? EXIT_UNREACHABLE : worst;
}

int cli_cmd_ctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sock = NULL;
	const char **conf = xcalloc((size_t)argc + 1, sizeof *conf);
	const char **hnames = xcalloc((size_t)argc + 1, sizeof *hnames);
	size_t nconf = 0, nhosts = 0;
	int opt, rc = EXIT_USAGE;
	optind = 1;
	/* '+': options end at the command, whose own words may look like flags */
	while ((opt = getopt_long(argc, argv, "+S:c:H:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S': sock = optarg; break;
		case 'c': conf[nconf++] = optarg; break;
		case 'H': hnames[nhosts++] = optarg; break;
		case 'h': usage(stdout); rc = EXIT_OK; goto out;
		default: usage(stderr); goto out;
		}
	}
	struct ctl c = { .argc = argc - optind, .argv = argv + optind, .exit = EXIT_FAIL };
	long timeout_s = -1;
	int pf = parse_flags(&c, &timeout_s);
	if (pf < 0) {
		if (pf == -1)
			usage(stderr);
		goto out;
	}
	struct hosts picked = { 0 };
	char err[512];
	if (nhosts && hosts_select(hnames, nhosts, &picked, err, sizeof err) < 0) {
		fprintf(stderr, "umltop ctl: %s\n", err);
		hosts_free(&picked);
		goto out;
	}
	int w = c.argc >= 2 && names_instance(c.argv[0]) ? instance_word(&c) : -1;
	if (w > 0 && strchr(c.argv[w], '/')) {
		rc = ctl_one_host(&c, w, &picked, sock, conf, nconf, timeout_s);
	} else if (picked.n > 1 && w > 0) {
		fprintf(stderr, "umltop ctl: %s: which host's? Name it %s/%s\n", c.argv[w],
			picked.v[0].name, c.argv[w]);
	} else if (nhosts)
		rc = ctl_each_host(&c, &picked, sock, conf, nconf, timeout_s);
	else
		rc = ctl_run_one(&c, sock, conf, nconf, timeout_s);
	hosts_free(&picked);
out:
	free(hnames);
	free(conf);
	return rc;
}
