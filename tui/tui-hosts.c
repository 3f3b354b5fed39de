/* The TUI's hosts: one connection each (to the local server alone, or
 * with -H to each host's server, directly or through `ssh DEST umltop
 * proxy`), what happens when one drops (its instances unknown, the others
 * untouched, a retry with backoff), and their statuses merged into the
 * one fleet the views show.  The state machine is drawn in tui-int.h.
 *
 * What was chosen (issue 18), where DESIGN and the issue are silent:
 *  - Any -H, even one, names instances HOST/NAME: the name says where a
 *    console is; without -H nothing changes.  -S with -H is refused (a
 *    local host's socket is in the hosts file).
 *  - The panes and the table keep the hosts in the order given; the
 *    table groups by host whatever it is sorted by (tui_table_sort).
 *  - A host away is a client-side state, TUI_UNKNOWN: its instances stay
 *    (pid 0, reason "host unreachable: WHY"), their panes keep the last
 *    screen dimmed and take no keys; commands to it are refused with a
 *    message.  Marks stay with HOST/NAME.
 *  - Retries: 1 s after a failure, doubling to 30 s, reset by a STATUS; a
 *    host tried again stays shown unreachable with its last reason.  Only
 *    a drop of a served connection says so on the message line.
 *  - Only this machine's default server (-H local) is started when none
 *    answers, at the first try; a socket named in the hosts file is a
 *    server that should be there.
 *  - H and Q ask which hosts (every connected one picked); Q ends the TUI
 *    once every picked host's server has gone. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

/* Alone, a lost server is most likely an upgrade re-executing itself on
 * the same socket: ask again this often (for TUI_RECONNECT_MS). */
#define ALONE_RETRY_MS 200

static const struct conn_cb host_cbs;

struct conn *tui_conn(struct tui *t, unsigned host)
{
	return host < t->nhost && !t->quitting ? t->host[host].conn : NULL;
}

struct conn *tui_live_conn(struct tui *t, unsigned host)
{
	struct conn *c = tui_conn(t, host);
	return c && (!t->multi || t->host[host].served) ? c : NULL;
}

static void frame_cb(void *arg, const struct proto_frame *f)
{
	struct tui_host *h = arg;
	tui_frame(h->t, h, f);
}

/* Open the host's connection and ask for its status and alerts; a
 * failure said in why. */
static int host_connect(struct tui_host *h, char *err, size_t errlen)
{
	struct tui *t = h->t;
	h->served = false;
	int rc = conn_open(t->loop, &h->opts, &host_cbs, h, &h->conn, err, errlen);
	/* a server is started at the first try only: again, the server it
	 * had (and a start that failed says so on stderr, which is the
	 * screen curses draws once it runs) */
	h->opts.autostart = false;
	if (rc < 0) {
		h->conn = NULL;
		return -1;
	}
	h->state = TUI_H_CONNECTING;
	conn_status_sub(h->conn, true);
	/* alerts from now on (no history: the ones before are `ctl events`'s,
	 * and an old one marked at every start would only be noise) */
	conn_events_sub(h->conn, true, 0);
	return 0;
}

static void retry_cb(uv_timer_t *timer);

/* With -H: unreachable for why, another try after the backoff. */
static void host_unreachable(struct tui_host *h, const char *why)
{
	h->state = TUI_H_UNREACHABLE;
	h->lost = true;
	/* ssh's last words may span lines: the first that says something */
	const char *s = why;
	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	snprintf(h->why, sizeof h->why, "%.*s", (int)strcspn(s, "\r\n"), s);
	util_clean_text(h->why, h->why);
	uv_timer_start(&h->retry, retry_cb, tui_backoff_ms(h->fails), 0);
	h->fails++;
}

static void retry_cb(uv_timer_t *timer)
{
	struct tui_host *h = timer->data;
	struct tui *t = h->t;
	char err[512];
	if (t->quitting)
		return;
	if (!t->multi) {
		/* alone: every ALONE_RETRY_MS (the timer repeats) until served
		 * again or TUI_RECONNECT_MS have gone by */
		if (host_connect(h, err, sizeof err) == 0) {
			uv_timer_stop(timer); /* lost_at stays until a status comes */
			tui_set_msg(t, false, "connected to the server again");
			tui_mark(t, TUI_REDRAW);
		} else if (uv_now(t->loop) - h->lost_at > TUI_RECONNECT_MS) {
			uv_timer_stop(timer);
			tui_quit(t, 1, xasprintf("umltop: lost the server: %s\n", err));
		}
		return;
	}
	if (host_connect(h, err, sizeof err) < 0)
		host_unreachable(h, err);
	t->hdr_dirty = true;
	tui_mark(t, TUI_REDRAW);
}

static char *halt_summary_msg(struct tui *t)
{
	struct tui_halt_sum sum;
	char text[256];
	tui_halt_summary(&t->last, t->last_host, t->halting, t->nhalting, -1, &sum);
	tui_halt_summary_text(&sum, text, sizeof text);
	if (!t->multi)
		return xasprintf("umltop: the server stopped: %s.\n", text);
	struct buf names = { 0 };
	for (size_t i = 0; i < t->nhost; i++)
		if (t->host[i].shutdown)
			buf_printf(&names, " %s", t->host[i].name);
	char *msg = xasprintf("umltop: the servers of%s stopped: %s.\n", names.data, text);
	buf_free(&names);
	return msg;
}

/* Alone: after Q that is the end; a server that turned us away is too;
 * otherwise it may be an upgrade re-executing it on the same socket, so
 * connect again for a while before giving up. */
static void closed_alone(struct tui_host *h, const char *why, bool served)
{
	struct tui *t = h->t;
	if (t->shutdown) {
		tui_quit(t, 0, halt_summary_msg(t));
		return;
	}
	if (!served && !h->lost_at) { /* turned away: no use asking again */
		tui_quit(t, 1, xasprintf("umltop: %s\n", why));
		return;
	}
	if (!h->lost_at)
		h->lost_at = uv_now(t->loop);
	tui_set_msg(t, true, "server restarting: %s", why);
	tui_mark(t, TUI_REDRAW);
	uv_timer_start(&h->retry, retry_cb, 100, ALONE_RETRY_MS);
}

/* With -H: a host stopped by Q is done (the TUI ends with the last of
 * them); any other drop leaves the rest as they are, shows this host's
 * instances unknown and tries again. */
static void closed_multi(struct tui_host *h, const char *why)
{
	struct tui *t = h->t;
	tui_host_panes(t, (unsigned)(h - t->host), false);
	if (t->shutdown && h->shutdown) {
		h->state = TUI_H_STOPPED;
		snprintf(h->why, sizeof h->why, "server stopped");
		bool all = true;
		for (size_t i = 0; i < t->nhost; i++)
			all &= !t->host[i].shutdown || t->host[i].state == TUI_H_STOPPED;
		if (all) {
			tui_quit(t, 0, halt_summary_msg(t));
			return;
		}
	} else {
		bool dropped = h->served; /* (not each failed try again) */
		host_unreachable(h, why);
		if (dropped)
			tui_set_msg(t, true, "%s unreachable: %s", h->name, h->why);
	}
	tui_mark(t, tui_status_changed(t) | TUI_REDRAW);
}

static void closed_cb(void *arg, const char *why)
{
	struct tui_host *h = arg;
	struct tui *t = h->t;
	bool served = conn_established(h->conn);
	h->conn = NULL; /* freed by its close callback */
	if (t->quitting)
		return;
	t->hdr_dirty = true;
	if (t->multi)
		closed_multi(h, why);
	else
		closed_alone(h, why, served);
}

static const struct conn_cb host_cbs = { .frame = frame_cb, .closed = closed_cb };

void tui_host_served(struct tui *t, struct tui_host *h)
{
	if (h->served)
		return;
	h->served = true;
	h->lost_at = 0;
	h->fails = 0;
	h->state = TUI_H_CONNECTED;
	h->why[0] = '\0';
	t->hdr_dirty = true;
	if (h->lost && t->multi)
		tui_set_msg(t, false, "%s connected again", h->name);
	h->lost = false;
	tui_host_panes(t, (unsigned)(h - t->host), true);
}

/* ---- setup and the end ---- */

static void host_init(struct tui *t, struct tui_host *h, const struct conn_opts *o)
{
	h->t = t;
	h->opts = *o;
	h->state = TUI_H_CONNECTING;
	uv_timer_init(t->loop, &h->retry);
	h->retry.data = h;
}

int tui_hosts_open(struct tui *t, const char *sock, const char *const *conf, size_t nconf,
		   char *err, size_t errlen)
{
	struct conn_opts co = { .socket = sock, .autostart = true, .conf = conf,
				.nconf = nconf, .who = "tui" };
	if (!t->multi) {
		t->host = xcalloc(1, sizeof *t->host);
		t->nhost = 1;
		host_init(t, &t->host[0], &co);
		return host_connect(&t->host[0], err, errlen);
	}
	t->host = xcalloc(t->hosts.n, sizeof *t->host);
	t->nhost = t->hosts.n;
	for (size_t i = 0; i < t->nhost; i++) {
		struct tui_host *h = &t->host[i];
		const struct host *hs = &t->hosts.v[i];
		co.host = hs;
		co.socket = hs->socket;
		/* this machine's default server (-H local) is started as alone;
		 * one named by its socket in the hosts file is a server that
		 * should be there (a service), and a mistyped path is better
		 * said unreachable than answered by a new, empty server */
		co.autostart = !hs->dest && !hs->socket;
		host_init(t, h, &co);
		snprintf(h->name, sizeof h->name, "%s", hs->name);
		char why[512];
		if (host_connect(h, why, sizeof why) < 0)
			host_unreachable(h, why);
	}
	return 0;
}

static void close_timer(uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void tui_hosts_close(struct tui *t)
{
	for (size_t i = 0; i < t->nhost; i++) {
		struct tui_host *h = &t->host[i];
		conn_close(h->conn);
		h->conn = NULL; /* freed by its close callback */
		close_timer((uv_handle_t *)&h->retry);
	}
}

/* After the loop ended (every handle closed). */
void tui_hosts_free(struct tui *t)
{
	for (size_t i = 0; i < t->nhost; i++)
		proto_status_free(&t->host[i].st);
	free(t->host);
	t->host = NULL;
	t->nhost = 0;
	hosts_free(&t->hosts);
}

/* ---- one fleet ---- */

static void unknown_inst(struct proto_inst *in, const struct tui_host *h)
{
	in->state = TUI_UNKNOWN;
	in->pid = 0;
	in->phase = 0;
	in->cpu_x10 = 0;
	if (h->state == TUI_H_UNREACHABLE || (h->state == TUI_H_CONNECTING && h->why[0]))
		snprintf(in->reason, sizeof in->reason, "host unreachable: %.200s", h->why);
	else if (h->state == TUI_H_STOPPED)
		snprintf(in->reason, sizeof in->reason, "host's server stopped");
	else
		snprintf(in->reason, sizeof in->reason, "host connecting");
}

void tui_hosts_merge(struct tui *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nhost; i++)
		n += t->host[i].st.n;
	proto_status_free(&t->last);
	free(t->last_host);
	t->last.inst = xcalloc(n ? n : 1, sizeof *t->last.inst);
	t->last_host = xcalloc(n ? n : 1, sizeof *t->last_host);
	t->last.n = 0;
	t->last.warning[0] = '\0';
	for (size_t i = 0; i < t->nhost; i++) {
		const struct tui_host *h = &t->host[i];
		bool live = h->state == TUI_H_CONNECTED;
		for (uint32_t k = 0; k < h->st.n; k++) {
			struct proto_inst *in = &t->last.inst[t->last.n];
			*in = h->st.inst[k];
			if (!live)
				unknown_inst(in, h);
			t->last_host[t->last.n++] = (unsigned)i;
		}
		if (live && h->st.warning[0] && !t->last.warning[0])
			snprintf(t->last.warning, sizeof t->last.warning, "%s%s%.200s", h->name,
				 h->name[0] ? ": " : "", h->st.warning);
		if (live && (!t->multi || !t->last.host[0]))
			snprintf(t->last.host, sizeof t->last.host, "%s", h->st.host);
		if (live && h->st.time_ms > t->last.time_ms)
			t->last.time_ms = h->st.time_ms;
	}
}
