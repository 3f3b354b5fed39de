/* The TUI's figures as text and in order: uptime and load as the title
 * bars and the table show them (durations and memory, which ctl shows
 * too, are proto/figures.c's), the table's sort, the halt-all view's phase
 * lines and summary, a pane's title bar and its alert mark, the header's
 * alert count, the hosts' names and states.  Pure: status structs in,
 * text out. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

const char tui_sort_keys[TUI_SORT_MAX] = { 'n', 's', 'l', 'm', 'u', 'c', 'r' };
const char *const tui_sort_names[TUI_SORT_MAX] = {
	"name", "state", "load", "memory", "uptime", "cpu", "rss",
};

/* A pane title's uptime: to the second in the first minute (boot), then
 * to the minute, as uptime(1) and `docker ps` say it.  A title that changed
 * every second would have every pane's bar redrawn every second. */
void tui_fmt_uptime(char *out, size_t cap, uint32_t s)
{
	if (s < 60)
		snprintf(out, cap, "%us", s);
	else if (s < 3600)
		snprintf(out, cap, "%um", s / 60);
	else
		proto_fmt_duration(out, cap, s);
}

void tui_fmt_load(char *out, size_t cap, const struct proto_inst *in)
{
	if (!proto_inst_stats(in))
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%u.%02u", in->load[0] / 100, in->load[0] % 100);
}

/* The columns of UTF-8 text, a character each (as the table counts). */
static int text_cols(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* An instance's interfaces as the table's NET column shows them: the
 * status's words (proto.h) with "switch:" said "sw:", one space apart
 * ("eth0=tap1@br0 eth1=tap2 eth2=sw:lab1"), "-" for none.  The server
 * sends the names: no control character reaches the terminal (as the
 * reason, util_clean_text).  Cut to width columns (0: not cut) as the
 * table cuts a name, ending in '~' and never inside a character.
 * Returns the columns of out. */
int tui_fmt_net(char *out, size_t cap, const char *net, int width)
{
	char *clean = xmalloc(strlen(net) + 1), *text = xmalloc(strlen(net) + 2);
	size_t n = 0;
	util_clean_text(net, clean);
	for (char *w = clean, *end; *w; w = end) {
		while (*w == ' ')
			w++;
		end = w + strcspn(w, " ");
		if (end == w)
			break;
		char *eq = memchr(w, '=', (size_t)(end - w));
		if (n)
			text[n++] = ' ';
		if (eq && end - eq > 7 && !strncmp(eq + 1, "switch:", 7)) {
			/* GUEST=switch:NAME as GUEST=sw:NAME */
			memcpy(text + n, w, (size_t)(eq - w) + 1);
			n += (size_t)(eq - w) + 1;
			memcpy(text + n, "sw:", 3);
			n += 3;
			w = eq + 8;
		}
		memcpy(text + n, w, (size_t)(end - w));
		n += (size_t)(end - w);
	}
	text[n] = '\0';
	if (!n)
		snprintf(text, 2, "-");
	int cols = text_cols(text);
	if (width > 0 && cols > width) {
		size_t k = 0;
		for (int c = 0; c < width - 1; c++)
			do
				k++;
			while (((unsigned char)text[k] & 0xc0) == 0x80);
		text[k++] = '~';
		text[k] = '\0';
		cols = width;
	}
	snprintf(out, cap, "%s", text);
	free(clean);
	free(text);
	return cols;
}

/* ---- the table's order ---- */

struct sort_ctx {
	const struct proto_inst *inst;
	enum tui_sort by;
	bool reverse;
};

static uint64_t mem_used(const struct proto_inst *in)
{
	return proto_inst_stats(in) && in->mem_total_kb > in->mem_avail_kb
		       ? in->mem_total_kb - in->mem_avail_kb : 0;
}

/* The column's value; larger sorts first for figures (the busiest on
 * top, as top does), names and states alphabetically. */
static int64_t key_of(const struct proto_inst *in, enum tui_sort by)
{
	switch (by) {
	case TUI_SORT_LOAD: return proto_inst_stats(in) ? (int64_t)in->load[0] : -1;
	case TUI_SORT_MEM: return (int64_t)mem_used(in);
	case TUI_SORT_UPTIME: return in->pid ? (int64_t)in->up_s : -1;
	case TUI_SORT_CPU: return in->pid ? (int64_t)in->cpu_x10 : -1;
	case TUI_SORT_RSS: return in->pid ? (int64_t)in->rss_kb : -1;
	default: return 0;
	}
}

static int cmp_one(const struct proto_inst *a, const struct proto_inst *b, enum tui_sort by)
{
	/* (the names compared are a host's own: equal names of two hosts
	 * are told apart by the grouping before this) */
	if (by == TUI_SORT_NAME)
		return strcmp(a->name, b->name);
	if (by == TUI_SORT_STATE) {
		int c = strcmp(tui_state_name(a->state), tui_state_name(b->state));
		return c ? c : strcmp(a->name, b->name);
	}
	int64_t x = key_of(a, by), y = key_of(b, by);
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* qsort has no context argument: insertion sort is plenty for a table of
 * a few dozen rows and keeps equal rows where they were. */
void tui_table_sort(const struct proto_inst *inst, const unsigned *host, size_t n,
		    enum tui_sort by, bool reverse, size_t *idx)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = 1; i < n; i++) {
		size_t v = idx[i], j = i;
		while (j > 0) {
			unsigned ha = host ? host[idx[j - 1]] : 0, hb = host ? host[v] : 0;
			if (ha != hb) {
				if (ha < hb)
					break; /* the hosts' groups, always in their order */
			} else {
				int c = cmp_one(&inst[idx[j - 1]], &inst[v], by);
				if (reverse ? c >= 0 : c <= 0)
					break;
			}
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

/* ---- halt-all ---- */

static const struct proto_inst *find(const struct proto_status *st, const unsigned *st_host,
				     const struct tui_ref *r)
{
	for (uint32_t i = 0; i < st->n; i++)
		if ((st_host ? st_host[i] : 0) == r->host && !strcmp(st->inst[i].name, r->name))
			return &st->inst[i];
	return NULL;
}

void tui_halt_summary(const struct proto_status *st, const unsigned *st_host,
		      const struct tui_ref *which, size_t n, int only_host,
		      struct tui_halt_sum *sum)
{
	memset(sum, 0, sizeof *sum);
	for (size_t i = 0; i < n; i++) {
		if (only_host >= 0 && which[i].host != (unsigned)only_host)
			continue;
		const struct proto_inst *in = find(st, st_host, &which[i]);
		if (!in)
			continue;
		if (in->state == TUI_UNKNOWN) {
			sum->pending++; /* its host is away: not known to be down */
			continue;
		}
		if (in->pid) {
			sum->pending++;
			continue;
		}
		switch (in->end) {
		case PROTO_END_HALTED: sum->halted++; break;
		case PROTO_END_KILLED: sum->killed++; break;
		case PROTO_END_CRASHED: sum->crashed++; break;
		default: sum->clean++; break;
		}
	}
}

void tui_halt_phase_text(const struct proto_inst *in, char *out, size_t cap)
{
	unsigned s = in->phase_ms / 1000;
	if (in->state == TUI_UNKNOWN) {
		snprintf(out, cap, "unknown (%s)", in->reason);
		return;
	}
	if (in->state == PROTO_HALTING) {
		switch (in->phase) {
		case PROTO_PHASE_CAD:
			snprintf(out, cap, "cad sent, waiting %u s of %u s", s, in->halt_timeout_s);
			return;
		case PROTO_PHASE_SYNC:
			snprintf(out, cap, "sync/remount (sysrq s, u), %u s", s);
			return;
		case PROTO_PHASE_HALT:
			snprintf(out, cap, "halt sent, waiting %u s of 10 s", s);
			return;
		case PROTO_PHASE_KILL:
			snprintf(out, cap, "killed (SIGKILL), %u s", s);
			return;
		default:
			snprintf(out, cap, "halting, %u s", s);
			return;
		}
	}
	if (in->pid) {
		snprintf(out, cap, "%s", tui_state_name(in->state));
		return;
	}
	const char *how = in->end == PROTO_END_CLEAN	? "stopped cleanly"
			  : in->end == PROTO_END_HALTED ? "stopped, needed halt"
			  : in->end == PROTO_END_KILLED ? "stopped, killed"
			  : in->end == PROTO_END_CRASHED ? "crashed"
							 : tui_state_name(in->state);
	if (in->exit_signal)
		snprintf(out, cap, "%s (signal %d)", how, in->exit_signal);
	else if (in->exit_code >= 0)
		snprintf(out, cap, "%s (exit code %d)", how, in->exit_code);
	else
		snprintf(out, cap, "%s", how);
}

void tui_halt_summary_text(const struct tui_halt_sum *s, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%u stopped cleanly, %u needed halt, %u killed",
			 s->clean, s->halted, s->killed);
	if (s->crashed && n >= 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, ", %u crashed", s->crashed);
	if (s->pending && n >= 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, ", %u still stopping", s->pending);
}

/* ---- a pane's title bar ---- */

void tui_state_text(const struct proto_inst *in, char *out, size_t cap)
{
	if (in->state == PROTO_HALTING)
		snprintf(out, cap, " halting: %s %us ", proto_phase_name(in->phase),
			 in->phase_ms / 1000);
	else
		snprintf(out, cap, " %s ", tui_state_name(in->state));
}

#define TITLE_FORMS 5

/* A title's figures, formatted once; each form's length is known without
 * formatting it (a status comes every second for every visible pane). */
struct title_figs {
	char load[16], mem[48], up[16], cpu[16];
	int len[TITLE_FORMS];
};

static void title_figs(const struct proto_inst *in, struct title_figs *f)
{
	tui_fmt_load(f->load, sizeof f->load, in);
	proto_fmt_mem(f->mem, sizeof f->mem, in);
	tui_fmt_uptime(f->up, sizeof f->up, in->up_s);
	snprintf(f->cpu, sizeof f->cpu, "%u.%u%%", in->cpu_x10 / 10, in->cpu_x10 % 10);
	int l = (int)strlen(f->load), m = (int)strlen(f->mem), c = (int)strlen(f->cpu),
	    u = (int)strlen(f->up);
	f->len[0] = 23 + l + m + c + u; /* " load L  mem M  cpu C  up U" */
	f->len[1] = 20 + l + m + c + u; /* " load L mem M cpu C up U" */
	f->len[2] = 4 + l + m + c + u;  /* " L M C U" */
	f->len[3] = 3 + l + m + c;	/* " L M C" */
	f->len[4] = 2 + l + m;		/* " L M" */
}

/* Form 0-4: labelled, labelled closer, bare (load, memory, cpu, uptime:
 * the help view says so), then without the uptime and the cpu. */
static int title_form(const struct title_figs *f, int form, char *out, size_t cap)
{
	int n = form == 0   ? snprintf(out, cap, " load %s  mem %s  cpu %s  up %s", f->load,
				       f->mem, f->cpu, f->up)
		: form == 1 ? snprintf(out, cap, " load %s mem %s cpu %s up %s", f->load, f->mem,
				       f->cpu, f->up)
		: form == 2 ? snprintf(out, cap, " %s %s %s %s", f->load, f->mem, f->cpu, f->up)
		: form == 3 ? snprintf(out, cap, " %s %s %s", f->load, f->mem, f->cpu)
			    : snprintf(out, cap, " %s %s", f->load, f->mem);
	return MAX(n, 0);
}

/* The first form that fits in width, or TITLE_FORMS when none does. */
static int title_fit(const struct title_figs *f, int width)
{
	int form = 0;
	while (form < TITLE_FORMS && f->len[form] > width)
		form++;
	return form;
}

/* Fitted to width, in order of what matters most: the scrolled-back mark
 * (the view is not the console's live end), then why the instance ended
 * or is in trouble, then the figures in the first form that fits.  When
 * even the last form does not fit beside the other two, the figures go;
 * alone, the last form is cut where the bar ends. */
void tui_title_text(const struct tui_pane *p, int width, char *out, size_t cap)
{
	const struct proto_inst *in = &p->st;
	char reason[sizeof in->reason], more[sizeof in->reason + 32], marker[48];
	more[0] = 0;
	/* the reason may quote the guest ("kernel panic: ..."): no control
	 * character moves the title's text about */
	util_clean_text(in->reason, reason);
	if (reason[0] && proto_reason_shown(in))
		snprintf(more, sizeof more, " %s", reason);
	else if (!in->pid && in->end != PROTO_END_NONE)
		snprintf(more, sizeof more, " exit %d", in->exit_code);
	int more_len = (int)strlen(more);
	struct title_figs f;
	if (in->pid)
		title_figs(in, &f);
	marker[0] = 0;
	if (p->scroll) {
		/* the long mark, unless it would cut the reason, or the short
		 * one leaves a fuller form of the figures */
		char shortm[32];
		snprintf(marker, sizeof marker, "  [scrolled back %d]", p->scroll);
		snprintf(shortm, sizeof shortm, " [back %d]", p->scroll);
		int lm = (int)strlen(marker), sm = (int)strlen(shortm);
		if (lm + more_len > width ||
		    (in->pid && title_fit(&f, width - sm - more_len) <
					title_fit(&f, width - lm - more_len)))
			snprintf(marker, sizeof marker, "%s", shortm);
	}
	int room = width - (int)strlen(marker);
	out[0] = 0;
	size_t n = 0;
	if (in->pid) {
		int form = title_fit(&f, room - more_len);
		if (form < TITLE_FORMS)
			n = (size_t)title_form(&f, form, out, cap);
		else if (!more[0] && !marker[0])
			n = (size_t)title_form(&f, TITLE_FORMS - 1, out, cap);
		n = MIN(n, cap - 1);
	}
	if (more[0]) {
		/* a long reason is cut, never the mark after it */
		size_t keep = (size_t)MAX(0, room - (int)n);
		if (keep < strlen(more))
			while (keep > 0 && ((unsigned char)more[keep] & 0xc0) == 0x80)
				keep--; /* not inside a character */
		n += (size_t)snprintf(out + n, cap - n, "%.*s", (int)keep, more);
		n = MIN(n, cap - 1);
	}
	if (marker[0])
		snprintf(out + n, cap - n, "%s", marker);
}

/* ---- marks and broadcast ---- */

bool tui_takes_keys(const struct proto_inst *in)
{
	return in->state == PROTO_RUNNING && in->pid;
}

/* "BROADCAST to 2 consoles: a b  skipped: c (stopped)  C-a leaves": where
 * it does not fit, the names are cut (ending in '~') before the count or
 * the way out are. */
void tui_broadcast_text(const struct tui_pane *pane, size_t n, const char *prefix,
			int width, char *out, size_t cap)
{
	struct buf names = { 0 }, skipped = { 0 };
	unsigned live = 0;
	for (size_t i = 0; i < n; i++) {
		if (!pane[i].marked)
			continue;
		if (tui_takes_keys(&pane[i].st)) {
			live++;
			buf_printf(&names, " %s", tui_shown(&pane[i]));
		} else {
			buf_printf(&skipped, " %s (%s)", tui_shown(&pane[i]),
				   tui_state_name(pane[i].st.state));
		}
	}
	char head[64], tail[48];
	if (live)
		snprintf(head, sizeof head, "BROADCAST to %u console%s", live, live == 1 ? "" : "s");
	else
		snprintf(head, sizeof head, "BROADCAST to no console");
	snprintf(tail, sizeof tail, "  %s leaves", prefix);
	char *body = xasprintf("%s%s%s%s", live ? ":" : "", names.len ? names.data : "",
			       skipped.len ? "  skipped:" : "", skipped.len ? skipped.data : "");
	int hl = (int)strlen(head), bl = (int)strlen(body), tl = (int)strlen(tail);
	if (width <= 0 || hl + bl + tl <= width)
		snprintf(out, cap, "%s%s%s", head, body, tail);
	else if (hl + tl + 2 <= width) /* the names cut, the rest whole */
		snprintf(out, cap, "%s%.*s~%s", head, width - hl - tl - 1, body, tail);
	else
		snprintf(out, cap, "%.*s", width, head);
	free(body);
	buf_free(&names);
	buf_free(&skipped);
}

/* ---- alerts ---- */

/* The server's text quotes the guest ("match: LINE"): cleaned as the
 * reason is, then cut to the room there is, never inside a character. */
int tui_alert_text(unsigned alerts, const char *text, int width, char *out, size_t cap)
{
	char clean[sizeof ((struct tui_pane *)0)->alert], head[32];
	out[0] = 0;
	if (!alerts || width < 2 || cap < 3)
		return 0;
	snprintf(clean, sizeof clean, "%s", text);
	util_clean_text(clean, clean); /* in place: never longer */
	if (alerts == 1)
		snprintf(head, sizeof head, " [ALERT");
	else
		snprintf(head, sizeof head, " [ALERT %u", alerts);
	int hl = (int)strlen(head), tl = text_cols(clean);
	if (hl + 1 > width) {
		snprintf(out, cap, " !");
		return 2;
	}
	if (!clean[0] || hl + 5 > width) { /* no text, or no room for a letter of it */
		snprintf(out, cap, "%s]", head);
		return hl + 1;
	}
	if (hl + 2 + tl + 1 <= width) {
		snprintf(out, cap, "%s: %s]", head, clean);
		return hl + 2 + tl + 1;
	}
	/* ": " then the text's first (width - hl - 4) characters, "~]" */
	size_t k = 0;
	for (int c = 0; c < width - hl - 4 && clean[k]; c++)
		do
			k++;
		while (((unsigned char)clean[k] & 0xc0) == 0x80);
	snprintf(out, cap, "%s: %.*s~]", head, (int)k, clean);
	return width;
}

void tui_alert_count_text(const struct tui_pane *pane, size_t n, char *out, size_t cap)
{
	unsigned total = 0;
	for (size_t i = 0; i < n; i++)
		total += pane[i].alerts;
	if (total)
		snprintf(out, cap, "%u alert%s", total, total == 1 ? "" : "s");
	else if (cap)
		out[0] = 0;
}

int tui_next_alert(const struct tui_pane *pane, size_t n, int from)
{
	for (size_t k = 1; k <= n; k++) {
		size_t i = ((size_t)MAX(from, 0) + k) % n;
		if (pane[i].alerts)
			return (int)i;
	}
	return -1;
}

/* ---- several hosts ---- */

const char *tui_state_name(unsigned state)
{
	return state == TUI_UNKNOWN ? "unknown" : proto_state_name(state);
}

void tui_full_name(char *out, size_t cap, const char *host, const char *name)
{
	if (host && host[0])
		snprintf(out, cap, "%s/%s", host, name);
	else
		snprintf(out, cap, "%s", name);
}

unsigned tui_backoff_ms(unsigned fails)
{
	unsigned ms = TUI_BACKOFF_FIRST_MS;
	for (unsigned i = 0; i < fails && ms < TUI_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return MIN(ms, TUI_BACKOFF_MAX_MS);
}

static const char *host_state_name(enum tui_host_state s)
{
	switch (s) {
	case TUI_H_CONNECTED: return "connected";
	case TUI_H_CONNECTING: return "connecting";
	case TUI_H_STOPPED: return "stopped";
	default: return "unreachable";
	}
}

/* A host tried again after a failure stays unreachable, with the
 * reason, until it is served: "connecting" is for the first try only
 * (a retry of a host that refuses flips every few seconds otherwise). */
static enum tui_host_state shown_state(const struct tui_host *h)
{
	return h->state == TUI_H_CONNECTING && h->why[0] ? TUI_H_UNREACHABLE : h->state;
}

void tui_hosts_text(const struct tui_host *h, size_t n, int why_max, char *out, size_t cap)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (!h[i].name[0])
			continue; /* alone */
		enum tui_host_state st = shown_state(&h[i]);
		buf_printf(&b, "%s%s %s", b.len ? "  " : "", h[i].name, host_state_name(st));
		if (st != TUI_H_UNREACHABLE || !h[i].why[0])
			continue;
		char why[sizeof h[i].why];
		util_clean_text(h[i].why, why);
		int cols = text_cols(why);
		if (why_max > 1 && cols > why_max) {
			size_t k = 0;
			for (int c = 0; c < why_max - 1; c++)
				do
					k++;
				while (((unsigned char)why[k] & 0xc0) == 0x80);
			buf_printf(&b, ": %.*s~", (int)k, why);
		} else {
			buf_printf(&b, ": %s", why);
		}
	}
	snprintf(out, cap, "%s", b.len ? b.data : "");
	buf_free(&b);
}

void tui_hosts_pick_text(const struct tui_host *h, size_t n, const char *question,
			 const char *act, char *out, size_t cap)
{
	struct buf b = { 0 };
	buf_printf(&b, "%s", question);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "  [%c] ", h[i].pick ? 'x' : ' ');
		if (i < 9)
			buf_printf(&b, "%zu ", i + 1);
		buf_printf(&b, "%s", h[i].name);
		if (h[i].state != TUI_H_CONNECTED)
			buf_printf(&b, " (%s)", host_state_name(shown_state(&h[i])));
	}
	buf_printf(&b, "   digit: toggle  Enter: %s  Esc: cancel", act);
	snprintf(out, cap, "%s", b.data);
	buf_free(&b);
}
