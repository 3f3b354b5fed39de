/* tui/tui-int.h: what the files of the interactive TUI (`umltop` with no
 * subcommand) share: the pure cores (layout in tui-layout.c, key bindings
 * in tui-keys.c, the table's order, the halt summary and the title text in
 * tui-fmt.c), then the session struct and what tui.c, tui-act.c,
 * tui-draw.c and tui-search.c call of each other.  Only tui/tui*.c and
 * their unit tests include it (attach has its own, tui/cmd-attach.c). */
#ifndef UMLTOP_TUI_INT_H
#define UMLTOP_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cli/conn.h"
#include "cli/hosts.h"
#include "lib/util.h"
#include "proto/client.h"
#include "proto/proto.h"

/* ---- layout (tui-layout.c, pure) ----
 *
 * The screen: a header line, the pane area, a message line.
 *
 *   +------------------------------------------------------------+
 *   | umltop  host  3 running 1 stopped        page 1/2  12:34:56 |  header
 *   | web  running  load 0.01 ...  | db  running ...              |  title bars
 *   | / #                          | / #                          |  consoles
 *   | ...                          |                              |
 *   | router ...                                                  |
 *   | / #                                                         |
 *   | C-a: prefix  ?: help  q: detach                             |  messages
 *   +------------------------------------------------------------+
 *
 * Panes fill a grid of gcols x grows cells; a pane is a title row plus its
 * console; every column but the last gives its right-most cell to a
 * separator.  The last row of a page may hold fewer panes, which share
 * the whole width. */
#define TUI_MIN_COLS 30 /* smallest console shown in the grid */
#define TUI_MIN_ROWS 5

struct tui_rect {
	int y, x, h, w;   /* the pane's window on the screen, title row included */
	int rows, cols;   /* the console inside it (what RESIZE carries) */
};

struct tui_layout {
	int page, pages;  /* the page holding the selected pane, how many */
	int first, count; /* instances [first, first+count) are on screen */
	int gcols, grows; /* the grid */
	int per_page;     /* panes on a full page */
	struct tui_rect *rect; /* count rects, caller frees */
};

/* Lay out n instances in the area (y, x, h, w), the selected one on the
 * page shown; zoom: the selected one alone.  Returns 0, or -ENOSPC when not
 * even one pane of the minimum size fits (the area is then too small). */
int tui_layout_compute(int y, int x, int h, int w, int n, int sel, bool zoom,
		       struct tui_layout *out);
void tui_layout_free(struct tui_layout *l);
/* The index (into the instances) of the pane at screen cell (y, x), or -1. */
int tui_layout_hit(const struct tui_layout *l, int y, int x);
/* The pane beside pane i in a direction (dy, dx in -1..1) on the grid of
 * the page, or i itself when none. */
int tui_layout_neighbour(const struct tui_layout *l, int i, int dy, int dx);

/* ---- key bindings (tui-keys.c, pure) ---- */

enum tui_action {
	TUI_A_NONE,
	TUI_A_LEFT, TUI_A_RIGHT, TUI_A_UP, TUI_A_DOWN, TUI_A_NEXT, TUI_A_PREV,
	TUI_A_FOCUS, TUI_A_ZOOM, TUI_A_SYSRQ, TUI_A_CAD, TUI_A_HALT, TUI_A_HALT_ALL,
	TUI_A_START, TUI_A_RESTART, TUI_A_KILL, TUI_A_TABLE, TUI_A_SEARCH,
	TUI_A_SEARCH_NEXT, TUI_A_SEARCH_PREV, TUI_A_SCROLL_UP, TUI_A_SCROLL_DOWN,
	TUI_A_PAGE_NEXT, TUI_A_PAGE_PREV, TUI_A_HELP, TUI_A_REDRAW, TUI_A_DETACH,
	TUI_A_QUIT_ALL, TUI_A_MARK, TUI_A_MARK_TAG, TUI_A_BROADCAST, TUI_A_OVERVIEW,
	TUI_A_SEND_PREFIX, TUI_A_NEXT_ALERT,
	TUI_A_MAX,
};

/* Keys are ncurses codes: a character is its code point, a function key
 * TUI_KEY_FN + KEY_xxx (so that 'A' and KEY_xxx never collide). */
#define TUI_KEY_FN 0x200000

/* One entry of the binding table: the default key of an action, its name
 * in the config file (BIND_<NAME>) and what `?` and umltop(1) say. */
struct tui_binding {
	int key;
	enum tui_action action;
	const char *name;
	const char *desc;
	bool focus_only; /* only after the prefix in focus mode */
};
extern const struct tui_binding tui_bindings[];
extern const size_t tui_nbindings;

struct tui_keymap {
	int prefix;
	int key[TUI_A_MAX]; /* each action's key, after the config */
};

/* Parse a key as the config writes it: "C-a", "^B", "M-x" (not supported:
 * returns -EINVAL), "q", "Enter", "PgUp", "F1".  The code, or -EINVAL. */
int tui_key_parse(const char *spec);
/* The name of a key for help and messages: "C-a", "Enter", "z". */
const char *tui_key_name(int key, char *buf, size_t cap);
/* Defaults, then the config's PREFIX and BIND_<ACTION> pairs (action names
 * lower case, as conf_global keeps them).  Problems are appended to err as
 * lines; the binding in question keeps its default. */
void tui_keymap_init(struct tui_keymap *km, const char *prefix,
		     char *const *bind, size_t nbind, struct buf *err);
/* The action of a key in overview mode (focus_only false) or after the
 * prefix in focus mode (true). */
enum tui_action tui_keymap_lookup(const struct tui_keymap *km, int key, bool after_prefix);

/* ---- several hosts (tui-fmt.c, pure; tui-hosts.c holds the connections) ----
 *
 * With -H (DESIGN "Several hosts") the TUI holds one connection per host
 * and shows one fleet: the panes and the table in the order of the hosts
 * as given, each host's instances in its server's order, every name
 * shown as HOST/NAME (a pane keeps the server's bare NAME in st.name for
 * what it sends, and the name shown in name).  Without -H there is one
 * host, the local server, and names are bare, as before.
 *
 * A host's connection:
 *
 *            conn_open ok                first STATUS
 *   start ---------------> CONNECTING ----------------> CONNECTED
 *     |                       |   ^                        |
 *     | conn_open fails       | closed (why)               | closed (why)
 *     v                       v   | retry timer            v
 *   UNREACHABLE (why) <-----------+----------------- UNREACHABLE (why)
 *
 * The retry waits tui_backoff_ms(failures in a row): 1 s, doubling up to
 * 30 s; a STATUS resets it.  While a host is not connected its instances
 * stay in view in the client-side state TUI_UNKNOWN, their panes keeping
 * the last screen; the first STATUS after a reconnect subscribes its
 * panes again, and the snapshots that answer show the screens as they
 * are.  (Alone, a lost server is an upgrade's re-exec: connect again
 * every 200 ms for TUI_RECONNECT_MS, then give up, as before.) */

/* An instance's state while its host is not connected (never on the wire). */
#define TUI_UNKNOWN 0xffu
/* A state's name: proto's, and "unknown" for TUI_UNKNOWN. */
const char *tui_state_name(unsigned state);

/* "HOST/NAME" and the NUL: what a shown name may need. */
#define TUI_NAME_MAX (HOST_NAME_MAX_LEN + 1 + PROTO_MAX_NAME)
/* The name shown for an instance: "HOST/NAME", or NAME when host is "". */
void tui_full_name(char *out, size_t cap, const char *host, const char *name);
/* How long to wait before connecting again after `fails` failures in a
 * row (0: the first retry): 1 s, 2 s, 4 s, ... at most 30 s. */
unsigned tui_backoff_ms(unsigned fails);
#define TUI_BACKOFF_FIRST_MS 1000u
#define TUI_BACKOFF_MAX_MS 30000u

enum tui_host_state { TUI_H_CONNECTING, TUI_H_CONNECTED, TUI_H_UNREACHABLE, TUI_H_STOPPED };

struct tui;

struct tui_host {
	struct tui *t;
	char name[HOST_NAME_MAX_LEN + 1]; /* "" alone (no -H) */
	struct conn_opts opts;
	struct conn *conn;           /* NULL while not connected */
	enum tui_host_state state;
	char why[256];               /* unreachable: what the connection said */
	uv_timer_t retry;            /* connecting again (alone: every 200 ms) */
	unsigned fails;              /* failures in a row: the backoff */
	uint64_t lost_at;            /* alone: when the server went away */
	bool served;                 /* a STATUS came on this connection */
	bool lost;                   /* it was unreachable: "connected again" */
	struct proto_status st;      /* its latest status, its own names */
	bool shutdown;               /* Q sent there: its end is expected */
	bool pick;                   /* the halt prompt's toggle */
};

/* The header's hosts: "h1 connected  h2 connecting  h3 unreachable: WHY",
 * a reason cut to why_max columns (ending '~'); "" alone.  A host being
 * tried again after a failure shows unreachable with the last reason
 * until it is back ("connecting" is the first try's). */
void tui_hosts_text(const struct tui_host *h, size_t n, int why_max, char *out, size_t cap);
/* The halt prompt: "Halt all on which hosts? [x] 1 h1  [ ] 2 h2 (unreachable)
 * ... digit: toggle  Enter: ACT  Esc: cancel". */
void tui_hosts_pick_text(const struct tui_host *h, size_t n, const char *question,
			 const char *act, char *out, size_t cap);

/* An instance of some host: what halt-all follows. */
struct tui_ref {
	unsigned host;
	char name[PROTO_MAX_NAME];
};

/* ---- the table view and halt-all summary (tui-fmt.c, pure) ---- */

enum tui_sort {
	TUI_SORT_NAME, TUI_SORT_STATE, TUI_SORT_LOAD, TUI_SORT_MEM, TUI_SORT_UPTIME,
	TUI_SORT_CPU, TUI_SORT_RSS, TUI_SORT_MAX,
};
/* Table keys: the letter that sorts by each column. */
extern const char tui_sort_keys[TUI_SORT_MAX];
extern const char *const tui_sort_names[TUI_SORT_MAX];
/* Order idx[0..n) (indices into inst) by a column; reverse flips it. Ties
 * go by name, so the order is stable across status updates.  host (NULL
 * alone): each instance's host, the rows grouped by it first, in the
 * hosts' order whatever the column and direction. */
void tui_table_sort(const struct proto_inst *inst, const unsigned *host, size_t n,
		    enum tui_sort by, bool reverse, size_t *idx);

struct tui_halt_sum {
	unsigned clean, halted, killed, crashed, pending;
};
/* Count how the instances in `which` (n of them) ended; pending: still
 * live.  st_host: the host of each of st's instances (NULL: all host 0);
 * only_host >= 0 counts that host's alone. */
void tui_halt_summary(const struct proto_status *st, const unsigned *st_host,
		      const struct tui_ref *which, size_t n, int only_host,
		      struct tui_halt_sum *sum);
/* One instance's line in the halt view: "cad sent, waiting 12 s of 60 s". */
void tui_halt_phase_text(const struct proto_inst *in, char *out, size_t cap);
/* "3 stopped cleanly, 1 needed halt, 0 killed" (crashed added when any). */
void tui_halt_summary_text(const struct tui_halt_sum *s, char *out, size_t cap);

/* Small formatting shared by titles and the table (tui-fmt.c; durations
 * and memory as ctl shows them too are in proto/client.h). */
void tui_fmt_uptime(char *out, size_t cap, uint32_t s);
void tui_fmt_load(char *out, size_t cap, const struct proto_inst *in);
/* The interfaces of a status's net (proto.h) as the table shows them,
 * "eth0=tap1@br0 eth2=sw:lab1" or "-", control characters replaced, cut
 * to width columns ending in '~' (width 0: whole).  Returns its columns. */
int tui_fmt_net(char *out, size_t cap, const char *net, int width);
/* Whether a status's tags (space-separated words) hold the word tag:
 * a whole word, "lab" is not in "lab1". */
/* Whether broadcast mode types into an instance: only a running one. */
bool tui_takes_keys(const struct proto_inst *in);

/* ---- the session (tui.c, tui-act.c, tui-draw.c, tui-search.c) ---- */

#include <curses.h>

#include "term/term.h"
#include "tui/console.h"
#include "tui/pane.h"

/* How long a client tries to reach its server again after losing it (an
 * upgrade re-executes the server on the same socket). */
#define TUI_RECONNECT_MS 30000

/* One per instance, in the hosts' order, each host's in its server's. */
struct tui_pane {
	struct proto_inst st;    /* the latest status (st.name: the server's) */
	unsigned host;           /* its host, an index into tui.host */
	char name[TUI_NAME_MAX]; /* the name shown: HOST/NAME, or NAME alone */
	struct console con;      /* its term: while subscribed (on screen) */
	bool sub;                /* CONSOLE_SUB sent (the pane is on screen) */
	size_t unpainted;        /* console bytes fed since the pane was painted */
	int asked_rows, asked_cols; /* the size last sent with RESIZE */
	WINDOW *win;             /* while on screen: title row + console */
	struct pane_shadow *shadow; /* what win shows of term (pane.h) */
	struct tui_rect rect;
	int scroll;              /* lines scrolled back, 0 = live */
	bool repaint, retitle;   /* the whole console / the title bar */
	/* the title bar as last drawn: all but its figures (an alert's mark
	 * too, up to 512 + 32), and its figures */
	char title_head[TUI_NAME_MAX + 128 + 544], title_rest[512];
	/* the search hit shown highlighted: a term row (< 0 = scrollback) */
	bool hit;
	int hit_row, hit_col, hit_len;
	bool marked;             /* m, M: broadcast mode types here too */
	/* alerts (PROTO_EV_ALERT) the user has not seen: the console not
	 * focused, zoomed or jumped to since; the last one's text as sent */
	unsigned alerts;
	char alert[sizeof ((struct proto_event *)0)->text];
};

/* The name a pane shows (a pane made without one, as the unit tests
 * make them, shows the server's). */
static inline const char *tui_shown(const struct tui_pane *p)
{
	return p->name[0] ? p->name : p->st.name;
}

/* TUI_BROADCAST: every key goes to every marked console that runs, the
 * prefix back to the overview. */
enum tui_mode { TUI_OVERVIEW, TUI_FOCUS, TUI_BROADCAST };
enum tui_view { TUI_V_PANES, TUI_V_HELP, TUI_V_TABLE, TUI_V_HALT };
enum tui_prompt { TUI_P_NONE, TUI_P_CONFIRM, TUI_P_SYSRQ, TUI_P_SYSRQ_FORCE, TUI_P_SEARCH,
		  TUI_P_TAG, TUI_P_HOSTS };

/* What a handler asks the loop to redo, as htop's handlers do. */
enum {
	TUI_REDRAW = 1,   /* paint what is marked */
	TUI_RELAYOUT = 2, /* recompute the grid, windows and subscriptions */
	TUI_QUIT = 4,
};

struct tui {
	uv_loop_t *loop;
	struct tui_host *host; /* nhost, one alone; never moved once made */
	size_t nhost;
	bool multi;           /* -H: names are HOST/NAME */
	bool resub;           /* a host is back: relayout, its panes subscribed */
	struct hosts hosts;   /* what -H picked */
	uv_poll_t input;
	unsigned empty_wakeups; /* stdin readable with no key, in a row */
	uv_signal_t winch;
	uv_timer_t paint;     /* armed only when something waits to be painted */
	uv_timer_t clock;     /* the header's clock, once a second while shown */
	struct tui_keymap km;
	char *sock_arg;       /* -S as given, for the exit message */
	struct buf host_args; /* " -H h1 -H h2" as given, for it too */
	unsigned scrollback;

	struct tui_pane *pane;
	size_t npane;
	uint64_t server_ms, server_at; /* server clock and our clock then */
	/* every host's latest status in one, the panes' order (for the
	 * views): bare names, last_host[i] the host of inst[i]; a host not
	 * connected has its instances TUI_UNKNOWN */
	struct proto_status last;
	unsigned *last_host;

	int sel;
	bool moved;           /* the user has selected: with -H the selection
			       * follows its instance; before, it stays on the
			       * first pane whichever host answered first */
	enum tui_mode mode;
	enum tui_view view;
	bool zoom, prefix;
	struct tui_layout lay;
	bool too_small;
	SCREEN *screen;
	WINDOW *kbd, *hdr, *msgw, *over; /* kbd: keys are read through it */
	int help_top;
	bool cursor_on;
	struct buf typed;     /* keys for the focused guest, sent per batch */
	bool hdr_dirty, msg_dirty, over_dirty, all_dirty;
	char hdr_text[768];   /* the header as last drawn ("" = draw it again) */
	char msg[512];
	bool msg_err;

	/* the prompt on the message line */
	enum tui_prompt prompt;
	enum tui_action confirm;  /* what y runs */
	char target[PROTO_MAX_NAME]; /* the instance it is for, its host's name */
	unsigned target_host;
	char target_name[TUI_NAME_MAX]; /* as shown */
	char sysrq;
	char input_buf[128];
	size_t input_len;
	char search[128];

	/* views */
	enum tui_sort sort;
	bool sort_rev;
	int table_row;
	struct tui_ref *halting;  /* the instances halt-all is stopping */
	size_t nhalting;
	bool shutdown;            /* Q: the server exits when all are down */

	/* painting */
	uint64_t last_paint_ms;
	size_t fed;               /* console bytes since the last frame */
	bool busy;                /* the last frame carried a flood of output */
	uint64_t typed_ms;        /* when keys last went to the focused guest */
	uint64_t alert_ms;        /* when the last alert came: one bell a burst */
	bool alert_bell;          /* ALERT_BELL (umltop.conf), default yes */
	bool echo;                /* its answer came: paint now, flood or not */
	unsigned outq_wait;       /* ms to wait while the terminal is backed up */

	int exit_code;
	char *exit_msg;
	bool quitting;
};

/* tui.c */
void tui_mark(struct tui *t, unsigned flags);
/* Send what was typed for the selected pane to its guest now. */
void tui_flush_typed(struct tui *t);
/* Ask for the pane's console again (a SNAPSHOT with its scrollback). */
void tui_resync(struct tui *t, struct tui_pane *p);
/* A command to a host's server (argv[1], when a name, the bare one). */
void tui_send_command(struct tui *t, unsigned host, int argc, const char *const *argv);
void tui_set_msg(struct tui *t, bool err, const char *fmt, ...) PRINTF_LIKE(3, 4);
struct tui_pane *tui_selected(struct tui *t);
void tui_quit(struct tui *t, int code, char *msg);
void tui_relayout(struct tui *t);
/* The selected console is in sight (focused or zoomed, the panes shown):
 * its alerts are seen, their marks go.  True when there were any. */
bool tui_alerts_seen(struct tui *t);
/* Clear a pane's unseen alerts (its title bar, the header's count). */
void tui_alerts_clear(struct tui *t, struct tui_pane *p);

/* A frame from a host's server (tui-hosts.c passes them on). */
void tui_frame(struct tui *t, struct tui_host *h, const struct proto_frame *f);
/* A host's panes: subscribed afresh (after a reconnect, at its first
 * status), or their server-side subscriptions gone (it dropped). */
void tui_host_panes(struct tui *t, unsigned host, bool resub);
/* The panes after a host's status or state changed: every host's status
 * merged into last, the panes adopted and updated; the flags to mark. */
unsigned tui_status_changed(struct tui *t);

/* tui-hosts.c: the hosts' connections */
/* Make the hosts (-H's, or the local server alone) and open each; alone,
 * a failure is the end (-1, err set); with -H a host that fails is
 * shown unreachable and tried again. */
int tui_hosts_open(struct tui *t, const char *sock, const char *const *conf, size_t nconf,
		   char *err, size_t errlen);
void tui_hosts_close(struct tui *t);
void tui_hosts_free(struct tui *t);
/* The host's connection, NULL while it has none. */
struct conn *tui_conn(struct tui *t, unsigned host);
/* ... for keys and commands: with several hosts only once it is served
 * (a STATUS came), so that nothing waits in a link still connecting, to
 * arrive seconds later or be lost unsaid. */
struct conn *tui_live_conn(struct tui *t, unsigned host);
/* A host's first STATUS on a connection: connected, the backoff reset. */
void tui_host_served(struct tui *t, struct tui_host *h);
/* Merge the hosts' statuses into t->last and t->last_host. */
void tui_hosts_merge(struct tui *t);

/* tui-act.c: a key read from the terminal (wget_wch's ret and key) */
unsigned tui_act_key(struct tui *t, int ret, wint_t key);
unsigned tui_act_mouse(struct tui *t);

/* tui-draw.c */
void tui_draw_frame(struct tui *t);
bool tui_draw_title(struct tui *t, struct tui_pane *p, bool selected, bool full);
/* The key hints of the message line, what fits of them in width columns. */
void tui_hint_text(const struct tui *t, int width, char *out, size_t cap);

/* tui-fmt.c: a title bar's text (pure, over the pane's status) */
/* " running ", " halting: cad 12s ": the state as a title bar shows it. */
void tui_state_text(const struct proto_inst *in, char *out, size_t cap);
/* What follows the name and state in a pane's title bar, fitted to width
 * columns where it can be. */
void tui_title_text(const struct tui_pane *p, int width, char *out, size_t cap);

/* The broadcast banner for panes pane[0..n): the marked ones that take
 * keys, those skipped with their state, the prefix's name; fitted to
 * width columns (ASCII), the names cut before the way out is. */
void tui_broadcast_text(const struct tui_pane *pane, size_t n, const char *prefix,
			int width, char *out, size_t cap);

/* Alerts: " [ALERT: match: Oops]", " [ALERT 3: ...]" for a pane's title
 * bar, the server's text cleaned of control characters and cut (ending
 * "~]") to width columns; a bare " !" when even "[ALERT]" does not fit,
 * "" with no unseen alert.  Returns its columns. */
int tui_alert_text(unsigned alerts, const char *text, int width, char *out, size_t cap);
/* The header's count of unseen alerts, "1 alert", "3 alerts", "" for none. */
void tui_alert_count_text(const struct tui_pane *pane, size_t n, char *out, size_t cap);
/* The pane after `from` (wrapping round, `from` itself last) with an
 * unseen alert, or -1. */
int tui_next_alert(const struct tui_pane *pane, size_t n, int from);

/* tui-search.c: find the search text in the selected console, from the
 * current hit towards older (dir < 0) or newer (dir > 0) lines. */
bool tui_search(struct tui *t, struct tui_pane *p, int dir);

#endif
