/* What keys and clicks do in the TUI: the prompt on the message line
 * (confirmations, the sysrq letter, search text), the views' own keys, the
 * prefix in focus mode, and one function per action of the binding table.
 * Every handler returns what the loop must redo (TUI_REDRAW, ...). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

typedef unsigned (*action_fn)(struct tui *t);

/* The sysrq letters worth offering (PROTO_SYSRQ_CRASH: the two that crash UML 6.1). */
static const char sysrq_menu[] =
	"b reboot, e term-all, h help, i kill-all, m memory, o power-off, "
	"p regs, s sync, u remount-ro, w blocked";

static int canon_key(int ret, wint_t key)
{
	if (ret == KEY_CODE_YES)
		return key == KEY_ENTER ? '\r' : TUI_KEY_FN + (int)key;
	return key == '\n' ? '\r' : (int)key;
}

static const char *keyname_of(struct tui *t, enum tui_action a, char *buf, size_t cap)
{
	return tui_key_name(t->km.key[a], buf, cap);
}

/* ---- selection ---- */

static unsigned select_pane(struct tui *t, int i)
{
	if (!t->npane || i == t->sel)
		return 0;
	i = (i % (int)t->npane + (int)t->npane) % (int)t->npane;
	bool was_on = i >= t->lay.first && i < t->lay.first + t->lay.count;
	tui_flush_typed(t); /* what was typed so far is for the old pane */
	t->moved = true;
	t->pane[t->sel].retitle = true;
	t->pane[i].retitle = true;
	t->sel = i;
	t->hdr_dirty = t->msg_dirty = true;
	return t->zoom || !was_on ? TUI_RELAYOUT : TUI_REDRAW;
}

static unsigned select_dir(struct tui *t, int dy, int dx)
{
	if (t->zoom)
		return select_pane(t, t->sel + (dy + dx > 0 ? 1 : -1));
	return select_pane(t, tui_layout_neighbour(&t->lay, t->sel, dy, dx));
}

static unsigned a_left(struct tui *t) { return select_dir(t, 0, -1); }
static unsigned a_right(struct tui *t) { return select_dir(t, 0, 1); }
static unsigned a_up(struct tui *t) { return select_dir(t, -1, 0); }
static unsigned a_down(struct tui *t) { return select_dir(t, 1, 0); }
static unsigned a_next(struct tui *t) { return select_pane(t, t->sel + 1); }
static unsigned a_prev(struct tui *t) { return select_pane(t, t->sel - 1); }

static unsigned a_page_next(struct tui *t)
{
	if (t->lay.pages <= 1)
		return 0;
	int next = t->lay.first + t->lay.per_page;
	return select_pane(t, next >= (int)t->npane ? 0 : next);
}

static unsigned a_page_prev(struct tui *t)
{
	if (t->lay.pages <= 1)
		return 0;
	int prev = t->lay.first - t->lay.per_page;
	return select_pane(t, prev < 0 ? (t->lay.pages - 1) * t->lay.per_page : prev);
}

/* The next instance with an unseen alert, after the selected one: selected
 * (its page shown), its mark cleared.  Jumping there is seeing it. */
static unsigned a_next_alert(struct tui *t)
{
	int i = tui_next_alert(t->pane, t->npane, t->sel);
	if (i < 0) {
		tui_set_msg(t, false, "no unseen alert");
		return TUI_REDRAW;
	}
	unsigned flags = select_pane(t, i);
	struct tui_pane *p = &t->pane[i];
	char text[sizeof p->alert];
	util_clean_text(p->alert, text);
	tui_set_msg(t, false, "%s: %u alert%s, the last: %s", tui_shown(p), p->alerts,
		    p->alerts == 1 ? "" : "s", text);
	tui_alerts_clear(t, p);
	return flags | TUI_REDRAW;
}

/* ---- modes and views ---- */

static unsigned a_focus(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	char k[16], e[16];
	if (!p)
		return 0;
	if (t->mode == TUI_FOCUS) {
		t->mode = TUI_OVERVIEW;
		t->msg[0] = 0; /* the overview's key hints show again */
		t->msg_dirty = true;
	} else {
		t->mode = TUI_FOCUS;
		p->scroll = 0;
		p->repaint = true;
		tui_set_msg(t, false, "%s: keys go to the guest; %s %s: overview, %s ?: help",
			    tui_shown(p), tui_key_name(t->km.prefix, k, sizeof k),
			    keyname_of(t, TUI_A_OVERVIEW, e, sizeof e), k);
	}
	p->retitle = true;
	return TUI_REDRAW;
}

static unsigned a_overview(struct tui *t)
{
	if (t->mode != TUI_FOCUS)
		return 0;
	return a_focus(t);
}

static unsigned a_send_prefix(struct tui *t)
{
	int k = t->km.prefix;
	if (k > 0 && k < 0x80) {
		char c = (char)k;
		buf_append(&t->typed, &c, 1);
	}
	return 0;
}

static unsigned a_zoom(struct tui *t)
{
	t->zoom = !t->zoom;
	return TUI_RELAYOUT;
}

static unsigned a_help(struct tui *t)
{
	t->view = TUI_V_HELP;
	t->help_top = 0;
	t->over_dirty = true;
	return TUI_REDRAW;
}

static unsigned a_table(struct tui *t)
{
	t->view = TUI_V_TABLE;
	t->table_row = -1; /* placed on the selected instance when drawn */
	t->over_dirty = true;
	return TUI_REDRAW;
}

static unsigned a_redraw(struct tui *t)
{
	clearok(curscr, TRUE);
	return TUI_RELAYOUT;
}

static unsigned a_detach(struct tui *t)
{
	unsigned live = 0;
	for (size_t i = 0; i < t->npane; i++)
		live += t->pane[i].st.pid != 0;
	const char *s = t->sock_arg ? " -S " : "", *sock = t->sock_arg ? t->sock_arg : "";
	if (t->multi) { /* -H: each host's, the way back with the same -H */
		s = "";
		sock = t->host_args.data;
	}
	tui_quit(t, 0, xasprintf("umltop: detached; %u instance%s keep%s running.\n"
				 "Run `umltop%s%s` to come back, `umltop ctl%s%s halt-all` to stop them.\n",
				 live, live == 1 ? "" : "s", live == 1 ? "s" : "", s, sock, s, sock));
	return TUI_QUIT;
}

/* ---- commands to the server ---- */

static unsigned command1(struct tui *t, const char *cmd)
{
	struct tui_pane *p = tui_selected(t);
	if (!p)
		return 0;
	const char *argv[] = { cmd, p->st.name };
	tui_set_msg(t, false, "%s %s ...", cmd, tui_shown(p));
	tui_send_command(t, p->host, 2, argv); /* (its failure said instead) */
	return TUI_REDRAW;
}

static unsigned ask(struct tui *t, enum tui_action a, const char *question)
{
	struct tui_pane *p = tui_selected(t);
	if (!p)
		return 0;
	t->prompt = TUI_P_CONFIRM;
	t->confirm = a;
	snprintf(t->target, sizeof t->target, "%s", p->st.name);
	snprintf(t->target_name, sizeof t->target_name, "%s", tui_shown(p));
	t->target_host = p->host;
	tui_set_msg(t, false, "%s (y/n)", question);
	return TUI_REDRAW;
}

static unsigned a_cad(struct tui *t)
{
	char q[160];
	snprintf(q, sizeof q, "Send ctrl-alt-del to %s?", tui_selected(t) ? tui_shown(tui_selected(t)) : "");
	return ask(t, TUI_A_CAD, q);
}

static unsigned a_halt(struct tui *t)
{
	char q[160];
	snprintf(q, sizeof q, "Halt %s (cad, then sync, halt, kill if it hangs)?",
		 tui_selected(t) ? tui_shown(tui_selected(t)) : "");
	return ask(t, TUI_A_HALT, q);
}

static unsigned a_restart(struct tui *t)
{
	char q[160];
	snprintf(q, sizeof q, "Restart %s?", tui_selected(t) ? tui_shown(tui_selected(t)) : "");
	return ask(t, TUI_A_RESTART, q);
}

static unsigned a_kill(struct tui *t)
{
	char q[200];
	snprintf(q, sizeof q, "SIGKILL %s? Its disks are not synced.",
		 tui_selected(t) ? tui_shown(tui_selected(t)) : "");
	return ask(t, TUI_A_KILL, q);
}

static unsigned live_count(struct tui *t)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->npane; i++)
		n += t->pane[i].st.pid != 0;
	return n;
}

/* With -H halt-all asks which hosts, every connected one picked at
 * first: a digit toggles one, Enter goes (tui_hosts_pick_text). */
static void pick_text(struct tui *t)
{
	char text[sizeof t->msg];
	tui_hosts_pick_text(t->host, t->nhost,
			    t->confirm == TUI_A_QUIT_ALL ? "Halt all and stop the servers of:"
							 : "Halt all on:",
			    t->confirm == TUI_A_QUIT_ALL ? "halt, stop" : "halt", text, sizeof text);
	tui_set_msg(t, false, "%s", text);
}

static unsigned ask_hosts(struct tui *t, enum tui_action a)
{
	t->prompt = TUI_P_HOSTS;
	t->confirm = a;
	for (size_t i = 0; i < t->nhost; i++)
		t->host[i].pick = t->host[i].state == TUI_H_CONNECTED;
	pick_text(t);
	return TUI_REDRAW;
}

static unsigned a_halt_all(struct tui *t)
{
	char q[160];
	if (t->multi)
		return ask_hosts(t, TUI_A_HALT_ALL);
	snprintf(q, sizeof q, "Halt all %u running instances?", live_count(t));
	return ask(t, TUI_A_HALT_ALL, q);
}

static unsigned a_quit_all(struct tui *t)
{
	char q[160];
	if (t->multi)
		return ask_hosts(t, TUI_A_QUIT_ALL);
	snprintf(q, sizeof q, "Halt all %u running instances and stop the server?", live_count(t));
	return ask(t, TUI_A_QUIT_ALL, q);
}

static unsigned a_start(struct tui *t)
{
	return command1(t, "start");
}

/* The halt view follows the instances live when it was asked for, on
 * the hosts picked (alone: the one).  How many hosts cmd went to; with
 * several, the message line names them (a picked one that dropped since
 * is not among them). */
static size_t halt_view(struct tui *t, const char *cmd)
{
	free(t->halting);
	t->halting = xcalloc(t->npane + 1, sizeof *t->halting);
	t->nhalting = 0;
	if (!t->multi)
		t->host[0].pick = true;
	for (size_t i = 0; i < t->npane; i++) {
		struct tui_pane *p = &t->pane[i];
		if (!p->st.pid || !t->host[p->host].pick)
			continue;
		t->halting[t->nhalting].host = p->host;
		snprintf(t->halting[t->nhalting++].name, PROTO_MAX_NAME, "%s", p->st.name);
	}
	const char *argv[] = { cmd };
	struct buf sent = { 0 }, not = { 0 };
	size_t n = 0;
	for (size_t k = 0; k < t->nhost; k++) {
		if (!t->host[k].pick)
			continue;
		/* (Q ends the TUI once these have gone: one that dropped
		 * meanwhile is not waited for) */
		bool live = tui_live_conn(t, (unsigned)k) != NULL;
		t->host[k].shutdown = !strcmp(cmd, "shutdown") && live;
		tui_send_command(t, (unsigned)k, 1, argv);
		buf_printf(live ? &sent : &not, " %s", t->host[k].name);
		n += live;
	}
	if (t->multi && sent.len)
		tui_set_msg(t, !!not.len, "%s sent to%s%s%s", cmd, sent.data,
			    not.len ? "; not connected:" : "", not.len ? not.data : "");
	else if (t->multi)
		tui_set_msg(t, true, "%s not sent: not connected:%s", cmd, not.len ? not.data : "");
	buf_free(&sent);
	buf_free(&not);
	t->view = TUI_V_HALT;
	t->over_dirty = true;
	return n;
}

static unsigned confirmed(struct tui *t)
{
	const char *cmd = NULL;
	switch (t->confirm) {
	case TUI_A_CAD: cmd = "cad"; break;
	case TUI_A_HALT: cmd = "halt"; break;
	case TUI_A_RESTART: cmd = "restart"; break;
	case TUI_A_KILL: cmd = "kill"; break;
	case TUI_A_HALT_ALL:
		halt_view(t, "halt-all");
		return TUI_REDRAW;
	case TUI_A_QUIT_ALL:
		t->shutdown = true;
		/* no host took it: nothing to wait for (alone, the server
		 * is back in a moment and Q may be typed again) */
		if (!halt_view(t, "shutdown") && t->multi)
			t->shutdown = false;
		return TUI_REDRAW;
	default: return TUI_REDRAW;
	}
	const char *argv[] = { cmd, t->target };
	tui_set_msg(t, false, "%s %s ...", cmd, t->target_name);
	tui_send_command(t, t->target_host, 2, argv);
	return TUI_REDRAW;
}

static unsigned a_sysrq(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	if (!p)
		return 0;
	t->prompt = TUI_P_SYSRQ;
	snprintf(t->target, sizeof t->target, "%s", p->st.name);
	snprintf(t->target_name, sizeof t->target_name, "%s", tui_shown(p));
	t->target_host = p->host;
	char full[sizeof t->msg];
	int len = snprintf(full, sizeof full, "sysrq %s: %s; c, t CRASH this kernel. "
			   "Letter (Esc cancels):", tui_shown(p), sysrq_menu);
	if (len >= COLS) { /* the letters alone: h shows the kernel's own list */
		char letters[sizeof sysrq_menu];
		size_t n = 0;
		for (const char *m = sysrq_menu; m; m = strstr(m, ", "), m = m ? m + 2 : NULL)
			n += (size_t)snprintf(letters + n, sizeof letters - n, "%s%c", n ? " " : "", *m);
		tui_set_msg(t, false, "sysrq %s: %s (h: help); c, t CRASH it. Letter (Esc cancels):",
			    tui_shown(p), letters);
	} else {
		tui_set_msg(t, false, "%s", full);
	}
	return TUI_REDRAW;
}

static void send_sysrq(struct tui *t, bool force)
{
	char letter[2] = { t->sysrq, 0 };
	const char *plain[] = { "sysrq", t->target, letter };
	const char *forced[] = { "sysrq", "--force", t->target, letter };
	tui_set_msg(t, false, "sysrq %c to %s ...", t->sysrq, t->target_name);
	if (force)
		tui_send_command(t, t->target_host, 4, forced);
	else
		tui_send_command(t, t->target_host, 3, plain);
}

/* ---- marks and broadcast ---- */

static size_t marked_count(const struct tui *t, bool live_only)
{
	size_t n = 0;
	for (size_t i = 0; i < t->npane; i++)
		n += t->pane[i].marked && (!live_only || tui_takes_keys(&t->pane[i].st));
	return n;
}

static unsigned a_mark(struct tui *t)
{
	struct tui_pane *p = tui_selected(t);
	if (!p)
		return 0;
	p->marked = !p->marked;
	p->retitle = true;
	size_t n = marked_count(t, false);
	char k[16];
	tui_set_msg(t, false, "%s %s; %zu marked (%s: broadcast to them)", tui_shown(p),
		    p->marked ? "marked" : "unmarked", n, keyname_of(t, TUI_A_BROADCAST, k, sizeof k));
	return TUI_REDRAW;
}

static unsigned a_mark_tag(struct tui *t)
{
	if (!t->npane)
		return 0;
	t->prompt = TUI_P_TAG;
	t->input_len = 0;
	t->input_buf[0] = 0;
	t->msg_dirty = true;
	return TUI_REDRAW;
}

/* Mark every instance whose tags hold the word typed at the prompt. */
static unsigned mark_tagged(struct tui *t, const char *tag)
{
	struct buf names = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < t->npane; i++) {
		struct tui_pane *p = &t->pane[i];
		if (!proto_has_tag(p->st.tags, tag))
			continue;
		p->marked = p->retitle = true;
		buf_printf(&names, " %s", tui_shown(p));
		n++;
	}
	if (!n)
		tui_set_msg(t, true, "no instance is tagged \"%s\"", tag);
	else
		tui_set_msg(t, false, "marked %zu tagged \"%s\":%s; %zu marked in all", n, tag,
			    names.data, marked_count(t, false));
	buf_free(&names);
	return TUI_REDRAW;
}

static unsigned a_broadcast(struct tui *t)
{
	char k[16], k2[16];
	if (!marked_count(t, false)) {
		tui_set_msg(t, true, "no instance marked: %s marks the selected one, %s a tag",
			    keyname_of(t, TUI_A_MARK, k, sizeof k),
			    keyname_of(t, TUI_A_MARK_TAG, k2, sizeof k2));
		return TUI_REDRAW;
	}
	if (!marked_count(t, true)) {
		tui_set_msg(t, true, "none of the marked instances is running");
		return TUI_REDRAW;
	}
	tui_flush_typed(t); /* what focus mode typed is for the selected one */
	t->mode = TUI_BROADCAST;
	t->msg[0] = 0;
	t->msg_dirty = true;
	for (size_t i = 0; i < t->npane; i++)
		t->pane[i].retitle = true;
	return TUI_REDRAW;
}

static unsigned leave_broadcast(struct tui *t)
{
	tui_flush_typed(t);
	t->mode = TUI_OVERVIEW;
	for (size_t i = 0; i < t->npane; i++)
		t->pane[i].retitle = true;
	tui_set_msg(t, false, "broadcast ended");
	return TUI_REDRAW;
}

/* ---- scrollback ---- */

static unsigned scroll_by(struct tui *t, int dir)
{
	struct tui_pane *p = tui_selected(t);
	if (!p || !p->con.term)
		return 0;
	int step = MAX(1, p->rect.rows / 2), max = (int)term_scrollback_len(p->con.term);
	int s = MAX(0, MIN(max, p->scroll + dir * step));
	p->con.scroll_wanted = 0;
	if (s == p->scroll) {
		if (dir > 0 && !max && p->sub) {
			/* A flood's screen carries no history: ask for it, and
			 * scroll once it comes. */
			p->con.scroll_wanted = step;
			tui_resync(t, p);
		}
		return 0;
	}
	p->scroll = s;
	p->repaint = p->retitle = true;
	return TUI_REDRAW;
}

static unsigned a_scroll_up(struct tui *t) { return scroll_by(t, 1); }
static unsigned a_scroll_down(struct tui *t) { return scroll_by(t, -1); }

static unsigned a_search(struct tui *t)
{
	if (!tui_selected(t))
		return 0;
	t->prompt = TUI_P_SEARCH;
	t->input_len = 0;
	t->input_buf[0] = 0;
	t->msg_dirty = true;
	return TUI_REDRAW;
}

static unsigned search_step(struct tui *t, int dir)
{
	struct tui_pane *p = tui_selected(t);
	if (!p || !p->con.term)
		return 0;
	if (!t->search[0]) {
		tui_set_msg(t, true, "no search yet: / starts one");
		return TUI_REDRAW;
	}
	if (!tui_search(t, p, dir))
		tui_set_msg(t, true, "\"%s\": no %s match in %s", t->search,
			    dir < 0 ? "older" : "newer", tui_shown(p));
	else
		tui_set_msg(t, false, "\"%s\" in %s (n older, N newer)", t->search, tui_shown(p));
	return TUI_REDRAW;
}

static unsigned a_search_next(struct tui *t) { return search_step(t, -1); }
static unsigned a_search_prev(struct tui *t) { return search_step(t, 1); }

static const action_fn actions[TUI_A_MAX] = {
	[TUI_A_LEFT] = a_left, [TUI_A_RIGHT] = a_right, [TUI_A_UP] = a_up,
	[TUI_A_DOWN] = a_down, [TUI_A_NEXT] = a_next, [TUI_A_PREV] = a_prev,
	[TUI_A_FOCUS] = a_focus, [TUI_A_ZOOM] = a_zoom, [TUI_A_SYSRQ] = a_sysrq,
	[TUI_A_CAD] = a_cad, [TUI_A_HALT] = a_halt, [TUI_A_HALT_ALL] = a_halt_all,
	[TUI_A_START] = a_start, [TUI_A_RESTART] = a_restart, [TUI_A_KILL] = a_kill,
	[TUI_A_TABLE] = a_table, [TUI_A_SEARCH] = a_search,
	[TUI_A_SEARCH_NEXT] = a_search_next, [TUI_A_SEARCH_PREV] = a_search_prev,
	[TUI_A_SCROLL_UP] = a_scroll_up, [TUI_A_SCROLL_DOWN] = a_scroll_down,
	[TUI_A_PAGE_NEXT] = a_page_next, [TUI_A_PAGE_PREV] = a_page_prev,
	[TUI_A_HELP] = a_help, [TUI_A_REDRAW] = a_redraw, [TUI_A_DETACH] = a_detach,
	[TUI_A_QUIT_ALL] = a_quit_all, [TUI_A_OVERVIEW] = a_overview,
	[TUI_A_SEND_PREFIX] = a_send_prefix, [TUI_A_MARK] = a_mark,
	[TUI_A_MARK_TAG] = a_mark_tag, [TUI_A_BROADCAST] = a_broadcast,
	[TUI_A_NEXT_ALERT] = a_next_alert,
};

static unsigned run_action(struct tui *t, enum tui_action a)
{
	if (a <= TUI_A_NONE || a >= TUI_A_MAX || !actions[a])
		return 0;
	return actions[a](t);
}

/* ---- the prompt on the message line ---- */

static bool is_erase(int code)
{
	return code == 127 || code == 8 || code == TUI_KEY_FN + KEY_BACKSPACE;
}

/* The text prompts (search, tag): Esc cancels, Enter runs, BSpace erases. */
static int line_key(struct tui *t, int code)
{
	if (code == 27 || code == '\r') {
		t->prompt = TUI_P_NONE;
		return code;
	}
	if (is_erase(code)) {
		if (t->input_len)
			t->input_buf[--t->input_len] = 0;
	} else if (code >= ' ' && code < 0x7f && t->input_len + 1 < sizeof t->input_buf) {
		t->input_buf[t->input_len++] = (char)code;
		t->input_buf[t->input_len] = 0;
	}
	t->msg_dirty = true;
	return 0;
}

static unsigned search_key(struct tui *t, int code)
{
	int end = line_key(t, code);
	if (end == 27) {
		tui_set_msg(t, false, "search cancelled");
	} else if (end == '\r') {
		if (t->input_len) {
			snprintf(t->search, sizeof t->search, "%s", t->input_buf);
			struct tui_pane *p = tui_selected(t);
			if (p && p->hit) {
				p->hit = false; /* start from the live screen's bottom */
				p->repaint = true; /* and without the old highlight */
			}
		}
		return search_step(t, -1);
	}
	return TUI_REDRAW;
}

static unsigned tag_key(struct tui *t, int code)
{
	int end = line_key(t, code);
	if (end == 27 || (end == '\r' && !t->input_len)) {
		tui_set_msg(t, false, "mark by tag cancelled");
		return TUI_REDRAW;
	}
	return end ? mark_tagged(t, t->input_buf) : TUI_REDRAW;
}

static unsigned sysrq_key(struct tui *t, int code)
{
	bool letter = (code >= 'a' && code <= 'z') || (code >= '0' && code <= '9');
	if (!letter) {
		t->prompt = TUI_P_NONE;
		tui_set_msg(t, false, "sysrq cancelled");
		return TUI_REDRAW;
	}
	t->sysrq = (char)code;
	if (strchr(PROTO_SYSRQ_CRASH, code)) {
		t->prompt = TUI_P_SYSRQ_FORCE;
		tui_set_msg(t, true, "WARNING: sysrq %c crashes %s's kernel (UML panics, disks not "
			    "synced). Send it anyway? (y/n)", code, t->target);
		return TUI_REDRAW;
	}
	t->prompt = TUI_P_NONE;
	send_sysrq(t, false);
	return TUI_REDRAW;
}

/* The hosts halt-all goes to: a digit toggles a connected one, Enter (or
 * y) goes, Esc (or n, q) cancels. */
static unsigned hosts_key(struct tui *t, int code)
{
	if (code >= '1' && code <= '9' && (size_t)(code - '1') < t->nhost) {
		struct tui_host *h = &t->host[code - '1'];
		if (h->state == TUI_H_CONNECTED || h->pick)
			h->pick = !h->pick;
		pick_text(t);
		if (h->state != TUI_H_CONNECTED && !h->pick)
			tui_set_msg(t, true, "%s is %s: it cannot be halted from here now", h->name,
				    h->state == TUI_H_CONNECTING ? "connecting" : "not connected");
		return TUI_REDRAW;
	}
	if (code != '\r' && code != 'y' && code != 'Y') {
		t->prompt = TUI_P_NONE;
		tui_set_msg(t, false, "cancelled");
		return TUI_REDRAW;
	}
	t->prompt = TUI_P_NONE;
	bool any = false;
	for (size_t i = 0; i < t->nhost; i++)
		any |= t->host[i].pick;
	if (!any) {
		tui_set_msg(t, true, "no host picked: nothing halted");
		return TUI_REDRAW;
	}
	return confirmed(t); /* (which says where it went) */
}

static unsigned prompt_key(struct tui *t, int code)
{
	enum tui_prompt pr = t->prompt;
	if (pr == TUI_P_HOSTS)
		return hosts_key(t, code);
	if (pr == TUI_P_SEARCH)
		return search_key(t, code);
	if (pr == TUI_P_SYSRQ)
		return sysrq_key(t, code);
	if (pr == TUI_P_TAG)
		return tag_key(t, code);
	t->prompt = TUI_P_NONE;
	if (code != 'y' && code != 'Y') {
		tui_set_msg(t, false, "cancelled");
		return TUI_REDRAW;
	}
	if (pr == TUI_P_SYSRQ_FORCE) {
		send_sysrq(t, true);
		return TUI_REDRAW;
	}
	return confirmed(t);
}

/* ---- the views' own keys ---- */

static unsigned close_view(struct tui *t)
{
	t->view = TUI_V_PANES;
	return TUI_RELAYOUT;
}

static unsigned help_key(struct tui *t, int code)
{
	int step = code == TUI_KEY_FN + KEY_UP	    ? -1
		   : code == TUI_KEY_FN + KEY_DOWN  ? 1
		   : code == TUI_KEY_FN + KEY_PPAGE ? -(LINES / 2)
		   : code == TUI_KEY_FN + KEY_NPAGE ? LINES / 2
						    : 0;
	if (!step)
		return close_view(t);
	t->help_top = MAX(0, t->help_top + step);
	t->over_dirty = true;
	return TUI_REDRAW;
}

static unsigned table_key(struct tui *t, int code)
{
	if (code == 27 || code == 'q' || code == t->km.key[TUI_A_TABLE])
		return close_view(t);
	if (code == TUI_KEY_FN + KEY_UP || code == TUI_KEY_FN + KEY_DOWN) {
		t->table_row += code == TUI_KEY_FN + KEY_UP ? -1 : 1;
		t->table_row = MAX(0, MIN(t->table_row, (int)t->npane - 1));
		t->over_dirty = true;
		return TUI_REDRAW;
	}
	if (code == '\r') {
		/* The row under the bar, in the table's order. */
		size_t *idx = xcalloc(t->last.n + 1, sizeof *idx);
		tui_table_sort(t->last.inst, t->multi ? t->last_host : NULL, t->last.n, t->sort,
			       t->sort_rev, idx);
		int i = t->table_row >= 0 && (uint32_t)t->table_row < t->last.n
				? (int)idx[t->table_row] : t->sel;
		free(idx);
		select_pane(t, i);
		return close_view(t);
	}
	for (int s = 0; s < TUI_SORT_MAX; s++) {
		if (code != tui_sort_keys[s])
			continue;
		t->sort_rev = t->sort == (enum tui_sort)s ? !t->sort_rev : false;
		t->sort = (enum tui_sort)s;
		t->over_dirty = true;
		return TUI_REDRAW;
	}
	return 0;
}

static unsigned view_key(struct tui *t, int code)
{
	switch (t->view) {
	case TUI_V_HELP: return help_key(t, code);
	case TUI_V_TABLE: return table_key(t, code);
	case TUI_V_HALT:
		if (code == 27 || code == 'q' || code == '\r')
			return close_view(t);
		return 0;
	default: return 0;
	}
}

/* ---- focus mode ---- */

static void put_utf8(struct buf *b, uint32_t c)
{
	char s[4];
	buf_append(b, s, term_utf8(c, s));
}

static unsigned guest_key(struct tui *t, int ret, wint_t key)
{
	struct tui_pane *p = tui_selected(t);
	if (!p)
		return 0;
	if (p->con.term)
		pane_key(p->con.term, ret, key, &t->typed);
	else if (ret == OK)
		put_utf8(&t->typed, key); /* no emulator yet: plain characters only */
	p->con.scroll_wanted = 0;
	if (p->scroll) {
		p->scroll = 0; /* typing returns to the live screen */
		p->repaint = p->retitle = true;
		return TUI_REDRAW;
	}
	return 0;
}

static unsigned focus_key(struct tui *t, int ret, wint_t key, int code)
{
	char k[16], c[16];
	if (t->prefix) {
		t->prefix = false;
		t->msg_dirty = true;
		enum tui_action a = tui_keymap_lookup(&t->km, code, true);
		if (a == TUI_A_NONE) {
			tui_set_msg(t, true, "%s %s: not bound (%s ? lists the keys)",
				    tui_key_name(t->km.prefix, k, sizeof k),
				    tui_key_name(code, c, sizeof c), k);
			return TUI_REDRAW;
		}
		return run_action(t, a) | TUI_REDRAW;
	}
	if (code == t->km.prefix) {
		t->prefix = true;
		t->msg_dirty = true;
		return TUI_REDRAW;
	}
	return guest_key(t, ret, key);
}

/* Broadcast mode: a key is encoded once (by the selected marked console's
 * emulator, for its keypad modes) and the same bytes go to every marked
 * console that runs, at the flush (tui.c). */
static unsigned broadcast_key(struct tui *t, int ret, wint_t key, int code)
{
	if (code == t->km.prefix)
		return leave_broadcast(t);
	struct tui_pane *enc = NULL;
	unsigned flags = 0;
	for (size_t i = 0; i < t->npane; i++) {
		struct tui_pane *p = &t->pane[i];
		if (!p->marked || !tui_takes_keys(&p->st))
			continue;
		if (!enc || (p == tui_selected(t) && p->con.term) || !enc->con.term)
			enc = p;
		p->con.scroll_wanted = 0;
		if (p->scroll) {
			p->scroll = 0; /* typing returns to the live screen */
			p->repaint = p->retitle = true;
			flags = TUI_REDRAW;
		}
	}
	if (enc && enc->con.term)
		pane_key(enc->con.term, ret, key, &t->typed);
	else if (enc && ret == OK)
		put_utf8(&t->typed, key);
	return flags;
}

unsigned tui_act_mouse(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return 0;
	if (t->view != TUI_V_PANES || t->prompt != TUI_P_NONE)
		return 0;
	int i = tui_layout_hit(&t->lay, ev.y, ev.x);
	return i < 0 ? 0 : select_pane(t, i);
}

static unsigned act_key(struct tui *t, int ret, wint_t key)
{
	if (ret == KEY_CODE_YES && key == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return TUI_RELAYOUT;
	}
	if (ret == KEY_CODE_YES && key == KEY_MOUSE)
		return tui_act_mouse(t);
	int code = canon_key(ret, key);
	if (t->prompt != TUI_P_NONE)
		return prompt_key(t, code);
	if (t->view != TUI_V_PANES)
		return view_key(t, code);
	if (t->mode == TUI_FOCUS)
		return focus_key(t, ret, key, code);
	if (t->mode == TUI_BROADCAST)
		return broadcast_key(t, ret, key, code);
	enum tui_action a = tui_keymap_lookup(&t->km, code, false);
	if (a == TUI_A_NONE) {
		char k[16], h[16];
		if (code == 27)
			return 0;
		tui_set_msg(t, true, "%s: not bound (%s lists the keys)",
			    tui_key_name(code, k, sizeof k), keyname_of(t, TUI_A_HELP, h, sizeof h));
		return TUI_REDRAW;
	}
	if (t->msg[0] && !t->msg_err)
		t->msg[0] = 0; /* the last reply has been seen */
	t->msg_dirty = true;
	return run_action(t, a) | TUI_REDRAW;
}

/* After any key: a console now in sight has its alerts seen. */
unsigned tui_act_key(struct tui *t, int ret, wint_t key)
{
	unsigned flags = act_key(t, ret, key);
	if (tui_alerts_seen(t))
		flags |= TUI_REDRAW;
	return flags;
}
