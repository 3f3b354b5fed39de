/* The TUI's key bindings as data: one const table of {key, action, name,
 * description} that the dispatcher, the `?` screen and umltop(1) follow;
 * key names as the config file writes them; the keymap after the global
 * config's PREFIX and BIND_<ACTION> settings.  Pure: no curses calls. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

#define FN(k) (TUI_KEY_FN + (k))
#define CTRL_KEY(c) ((c) & 0x1f)

const struct tui_binding tui_bindings[] = {
	{ FN(KEY_LEFT), TUI_A_LEFT, "left", "select the pane to the left", false },
	{ FN(KEY_RIGHT), TUI_A_RIGHT, "right", "select the pane to the right", false },
	{ FN(KEY_UP), TUI_A_UP, "up", "select the pane above", false },
	{ FN(KEY_DOWN), TUI_A_DOWN, "down", "select the pane below", false },
	{ '\t', TUI_A_NEXT, "next", "select the next instance (across pages)", false },
	{ FN(KEY_BTAB), TUI_A_PREV, "prev", "select the previous instance", false },
	{ '\r', TUI_A_FOCUS, "focus", "focus the selected console: keys go to the guest", false },
	{ 'z', TUI_A_ZOOM, "zoom", "zoom the selected console to the full screen, and back", false },
	{ 's', TUI_A_SYSRQ, "sysrq", "send a sysrq letter (prompts; warns on letters that crash UML)", false },
	{ 'c', TUI_A_CAD, "cad", "ctrl-alt-del: the guest's init shuts down (confirms)", false },
	{ 'h', TUI_A_HALT, "halt", "graceful halt: cad, HALT_TIMEOUT, sync, halt, kill (confirms)", false },
	{ 'H', TUI_A_HALT_ALL, "halt_all", "halt every instance, with a progress view (confirms)", false },
	{ 'S', TUI_A_START, "start", "start the selected instance", false },
	{ 'r', TUI_A_RESTART, "restart", "restart the selected instance (confirms)", false },
	{ 'K', TUI_A_KILL, "kill", "hard kill: SIGKILL the instance's processes (confirms)", false },
	{ 't', TUI_A_TABLE, "table", "table of all instances, sortable", false },
	{ '/', TUI_A_SEARCH, "search", "search the selected console's scrollback", false },
	{ 'n', TUI_A_SEARCH_NEXT, "search_next", "next (older) match of the search", false },
	{ 'N', TUI_A_SEARCH_PREV, "search_prev", "previous (newer) match of the search", false },
	{ FN(KEY_PPAGE), TUI_A_SCROLL_UP, "scroll_up", "scroll the selected console back", false },
	{ FN(KEY_NPAGE), TUI_A_SCROLL_DOWN, "scroll_down", "scroll it forward (to the live screen)", false },
	{ ']', TUI_A_PAGE_NEXT, "page_next", "next page of panes", false },
	{ '[', TUI_A_PAGE_PREV, "page_prev", "previous page of panes", false },
	{ '?', TUI_A_HELP, "help", "this list of key bindings", false },
	{ CTRL_KEY('l'), TUI_A_REDRAW, "redraw", "redraw the whole screen", false },
	{ 'q', TUI_A_DETACH, "detach", "detach: quit the TUI, instances keep running", false },
	{ 'Q', TUI_A_QUIT_ALL, "quit_all", "halt every instance and stop the server (confirms)", false },
	{ 'm', TUI_A_MARK, "mark", "mark the selected instance for broadcast, or unmark it", false },
	{ 'M', TUI_A_MARK_TAG, "mark_tag", "mark every instance carrying a tag (prompts for it)", false },
	{ 'b', TUI_A_BROADCAST, "broadcast", "broadcast: keys go to every marked running console; the prefix leaves", false },
	{ '!', TUI_A_NEXT_ALERT, "next_alert", "jump to the next instance with an unseen alert and clear its mark", false },
	{ 27, TUI_A_OVERVIEW, "overview", "after the prefix: back to the overview", true },
	{ 'a', TUI_A_SEND_PREFIX, "send_prefix", "after the prefix: send the prefix key to the guest", true },
};
const size_t tui_nbindings = ARRAY_LEN(tui_bindings);

static const struct {
	const char *name;
	int key;
} named[] = {
	{ "Enter", '\r' }, { "Tab", '\t' }, { "BTab", FN(KEY_BTAB) }, { "Space", ' ' },
	{ "Escape", 27 }, { "Esc", 27 }, { "BSpace", 127 }, { "Up", FN(KEY_UP) },
	{ "Down", FN(KEY_DOWN) }, { "Left", FN(KEY_LEFT) }, { "Right", FN(KEY_RIGHT) },
	{ "Home", FN(KEY_HOME) }, { "End", FN(KEY_END) }, { "PgUp", FN(KEY_PPAGE) },
	{ "PgDn", FN(KEY_NPAGE) }, { "IC", FN(KEY_IC) }, { "DC", FN(KEY_DC) },
};

static int parse_ctrl(const char *p)
{
	unsigned char c = (unsigned char)p[0];
	if (!c || p[1])
		return -EINVAL;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	if ((c >= '@' && c <= '_') || c == '?')
		return c == '?' ? 127 : c - '@';
	return -EINVAL;
}

int tui_key_parse(const char *spec)
{
	if (!spec || !spec[0])
		return -EINVAL;
	if (spec[0] == '^' && spec[1])
		return parse_ctrl(spec + 1);
	if (!strncmp(spec, "C-", 2) && spec[2])
		return parse_ctrl(spec + 2);
	if (!strcasecmp(spec, "S-Tab"))
		return FN(KEY_BTAB);
	if ((spec[0] == 'M' || spec[0] == 'S') && spec[1] == '-')
		return -EINVAL; /* a separate Escape and key: not told apart here */
	if ((unsigned char)spec[0] > ' ' && (unsigned char)spec[0] < 0x7f && !spec[1])
		return spec[0];
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (!strcasecmp(spec, named[i].name))
			return named[i].key;
	if ((spec[0] == 'F' || spec[0] == 'f') && spec[1] >= '1' && spec[1] <= '9') {
		char *end;
		long n = strtol(spec + 1, &end, 10);
		if (!*end && n >= 1 && n <= 12)
			return FN(KEY_F((int)n));
	}
	return -EINVAL;
}

const char *tui_key_name(int key, char *buf, size_t cap)
{
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (named[i].key == key && strcmp(named[i].name, "Esc")) {
			snprintf(buf, cap, "%s", named[i].name);
			return buf;
		}
	if (key >= FN(KEY_F(1)) && key <= FN(KEY_F(12)))
		snprintf(buf, cap, "F%d", key - FN(KEY_F0));
	else if (key >= 1 && key < 32)
		snprintf(buf, cap, "C-%c", key + 'a' - 1);
	else if (key > ' ' && key < 0x7f)
		snprintf(buf, cap, "%c", key);
	else
		snprintf(buf, cap, "key %#x", (unsigned)key);
	return buf;
}

static const struct tui_binding *find_named(const char *action)
{
	for (size_t i = 0; i < tui_nbindings; i++)
		if (!strcasecmp(tui_bindings[i].name, action))
			return &tui_bindings[i];
	return NULL;
}

static void bind_one(struct tui_keymap *km, const char *action, const char *spec,
		     struct buf *err)
{
	const struct tui_binding *b = find_named(action);
	if (!b) {
		buf_printf(err, "BIND_%s: no such action (actions:", action);
		for (size_t i = 0; i < tui_nbindings; i++)
			buf_printf(err, " %s", tui_bindings[i].name);
		buf_printf(err, ")\n");
		return;
	}
	int key = tui_key_parse(spec);
	if (key < 0) {
		buf_printf(err, "BIND_%s=%s: not a key the TUI can tell apart; "
			   "keeping the default\n", action, spec);
		return;
	}
	km->key[b->action] = key;
}

void tui_keymap_init(struct tui_keymap *km, const char *prefix, char *const *bind,
		     size_t nbind, struct buf *err)
{
	memset(km, 0, sizeof *km);
	for (size_t i = 0; i < tui_nbindings; i++)
		km->key[tui_bindings[i].action] = tui_bindings[i].key;
	km->prefix = CTRL_KEY('a');
	if (prefix && prefix[0]) {
		int k = tui_key_parse(prefix);
		if (k < 0)
			buf_printf(err, "PREFIX=%s: not a key the TUI can tell apart; "
				   "keeping C-a\n", prefix);
		else
			km->prefix = k;
	}
	for (size_t i = 0; bind && i < nbind; i++)
		bind_one(km, bind[2 * i], bind[2 * i + 1], err);
}

enum tui_action tui_keymap_lookup(const struct tui_keymap *km, int key, bool after_prefix)
{
	/* After the prefix, its own actions come first (the table's order
	 * otherwise), so a rebinding cannot hide "back to the overview". */
	if (after_prefix) {
		if (key == km->prefix)
			return TUI_A_OVERVIEW;
		for (size_t i = 0; i < tui_nbindings; i++)
			if (tui_bindings[i].focus_only && km->key[tui_bindings[i].action] == key)
				return tui_bindings[i].action;
	}
	for (size_t i = 0; i < tui_nbindings; i++)
		if (!tui_bindings[i].focus_only && km->key[tui_bindings[i].action] == key)
			return tui_bindings[i].action;
	return TUI_A_NONE;
}
