/* tui/tui-keys.c: key names as the config writes them, the binding table
 * (one entry per action, no two actions on one key), the keymap after
 * PREFIX and BIND_<ACTION>, and umltop(1) listing every binding the `?`
 * screen lists. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/tui-int.h"

#define FN(k) (TUI_KEY_FN + (k))

static void parse_keys(void **state)
{
	assert_int_equal(tui_key_parse("C-a"), 1);
	assert_int_equal(tui_key_parse("C-b"), 2);
	assert_int_equal(tui_key_parse("^B"), 2);
	assert_int_equal(tui_key_parse("^]"), 29);
	assert_int_equal(tui_key_parse("q"), 'q');
	assert_int_equal(tui_key_parse("Q"), 'Q');
	assert_int_equal(tui_key_parse("Enter"), '\r');
	assert_int_equal(tui_key_parse("escape"), 27);
	assert_int_equal(tui_key_parse("Space"), ' ');
	assert_int_equal(tui_key_parse("PgUp"), FN(KEY_PPAGE));
	assert_int_equal(tui_key_parse("S-Tab"), FN(KEY_BTAB));
	assert_int_equal(tui_key_parse("F5"), FN(KEY_F(5)));
	assert_int_equal(tui_key_parse("F12"), FN(KEY_F(12)));
	static const char *const bad[] = { "", "C-", "M-x", "S-Up", "F13", "F0", "foo",
					   "C-1", "qq" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(tui_key_parse(bad[i]), -EINVAL);
}

static void names_parse_back(void **state)
{
	char buf[16];
	for (size_t i = 0; i < tui_nbindings; i++) {
		int k = tui_bindings[i].key;
		assert_int_equal(tui_key_parse(tui_key_name(k, buf, sizeof buf)), k);
	}
	assert_string_equal(tui_key_name(1, buf, sizeof buf), "C-a");
	assert_string_equal(tui_key_name('\r', buf, sizeof buf), "Enter");
	assert_string_equal(tui_key_name(27, buf, sizeof buf), "Escape");
}

/* One entry per action, unique config names, and no key that two actions
 * of the same mode would fight over. */
static void table_is_consistent(void **state)
{
	int seen[TUI_A_MAX] = { 0 };
	for (size_t i = 0; i < tui_nbindings; i++) {
		const struct tui_binding *b = &tui_bindings[i];
		assert_true(b->action > TUI_A_NONE && b->action < TUI_A_MAX);
		seen[b->action]++;
		assert_non_null(b->desc);
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(b->name, tui_bindings[j].name);
			if (b->focus_only == tui_bindings[j].focus_only)
				assert_int_not_equal(b->key, tui_bindings[j].key);
		}
	}
	for (int a = TUI_A_NONE + 1; a < TUI_A_MAX; a++)
		assert_int_equal(seen[a], 1);
}

static void default_lookup(void **state)
{
	struct tui_keymap km;
	struct buf err = { 0 };
	tui_keymap_init(&km, NULL, NULL, 0, &err);
	assert_int_equal(err.len, 0);
	assert_int_equal(km.prefix, 1);
	assert_int_equal(tui_keymap_lookup(&km, 'z', false), TUI_A_ZOOM);
	assert_int_equal(tui_keymap_lookup(&km, 'H', false), TUI_A_HALT_ALL);
	assert_int_equal(tui_keymap_lookup(&km, 'h', false), TUI_A_HALT);
	assert_int_equal(tui_keymap_lookup(&km, '\r', false), TUI_A_FOCUS);
	assert_int_equal(tui_keymap_lookup(&km, FN(KEY_LEFT), false), TUI_A_LEFT);
	/* the prefix's own keys mean nothing in the overview */
	assert_int_equal(tui_keymap_lookup(&km, 'a', false), TUI_A_NONE);
	assert_int_equal(tui_keymap_lookup(&km, 27, false), TUI_A_NONE);
	/* after the prefix: its keys, the overview's keys, and itself */
	assert_int_equal(tui_keymap_lookup(&km, 'a', true), TUI_A_SEND_PREFIX);
	assert_int_equal(tui_keymap_lookup(&km, 27, true), TUI_A_OVERVIEW);
	assert_int_equal(tui_keymap_lookup(&km, 1, true), TUI_A_OVERVIEW);
	assert_int_equal(tui_keymap_lookup(&km, 'z', true), TUI_A_ZOOM);
	assert_int_equal(tui_keymap_lookup(&km, 'x', true), TUI_A_NONE);
	/* marks and broadcast, in the overview and after the prefix */
	assert_int_equal(tui_keymap_lookup(&km, 'm', false), TUI_A_MARK);
	assert_int_equal(tui_keymap_lookup(&km, 'M', false), TUI_A_MARK_TAG);
	assert_int_equal(tui_keymap_lookup(&km, 'b', false), TUI_A_BROADCAST);
	assert_int_equal(tui_keymap_lookup(&km, 'b', true), TUI_A_BROADCAST);
	buf_free(&err);
}

/* The marks and broadcast keys are in the table `?` and umltop(1) list,
 * with their config names and what they do, and can be rebound. */
static void broadcast_bindings(void **state)
{
	static const struct {
		int key;
		enum tui_action a;
		const char *name, *word;
	} want[] = {
		{ 'm', TUI_A_MARK, "mark", "mark" },
		{ 'M', TUI_A_MARK_TAG, "mark_tag", "tag" },
		{ 'b', TUI_A_BROADCAST, "broadcast", "marked" },
	};
	for (size_t w = 0; w < ARRAY_LEN(want); w++) {
		const struct tui_binding *b = NULL;
		for (size_t i = 0; i < tui_nbindings; i++)
			if (tui_bindings[i].action == want[w].a)
				b = &tui_bindings[i];
		assert_non_null(b);
		assert_int_equal(b->key, want[w].key);
		assert_string_equal(b->name, want[w].name);
		assert_false(b->focus_only);
		assert_non_null(strstr(b->desc, want[w].word));
	}
	char *bind[] = { "broadcast", "B", "mark", "Space" };
	struct tui_keymap km;
	struct buf err = { 0 };
	tui_keymap_init(&km, NULL, bind, 2, &err);
	assert_int_equal(err.len, 0);
	assert_int_equal(tui_keymap_lookup(&km, 'B', false), TUI_A_BROADCAST);
	assert_int_equal(tui_keymap_lookup(&km, ' ', false), TUI_A_MARK);
	assert_int_equal(tui_keymap_lookup(&km, 'b', false), TUI_A_NONE);
	buf_free(&err);
}

/* The alert jump: ! in the overview and after the prefix, in the table
 * `?` and umltop(1) list, rebindable as BIND_NEXT_ALERT. */
static void alert_binding(void **state)
{
	(void)state;
	const struct tui_binding *b = NULL;
	for (size_t i = 0; i < tui_nbindings; i++)
		if (tui_bindings[i].action == TUI_A_NEXT_ALERT)
			b = &tui_bindings[i];
	assert_non_null(b);
	assert_int_equal(b->key, '!');
	assert_string_equal(b->name, "next_alert");
	assert_false(b->focus_only);
	assert_non_null(strstr(b->desc, "unseen alert"));
	struct tui_keymap km;
	struct buf err = { 0 };
	tui_keymap_init(&km, NULL, NULL, 0, &err);
	assert_int_equal(tui_keymap_lookup(&km, '!', false), TUI_A_NEXT_ALERT);
	assert_int_equal(tui_keymap_lookup(&km, '!', true), TUI_A_NEXT_ALERT);
	char *bind[] = { "next_alert", "A" };
	tui_keymap_init(&km, NULL, bind, 1, &err);
	assert_int_equal(err.len, 0);
	assert_int_equal(tui_keymap_lookup(&km, 'A', false), TUI_A_NEXT_ALERT);
	assert_int_equal(tui_keymap_lookup(&km, '!', false), TUI_A_NONE);
	buf_free(&err);
}

static void config_rebinds(void **state)
{
	char *bind[] = { "zoom", "Z", "send_prefix", "b", "halt_all", "M-h", "frobnicate", "x",
			 NULL };
	struct tui_keymap km;
	struct buf err = { 0 };
	tui_keymap_init(&km, "C-b", bind, 4, &err);
	assert_int_equal(km.prefix, 2);
	assert_int_equal(tui_keymap_lookup(&km, 'Z', false), TUI_A_ZOOM);
	assert_int_equal(tui_keymap_lookup(&km, 'z', false), TUI_A_NONE);
	assert_int_equal(tui_keymap_lookup(&km, 'b', true), TUI_A_SEND_PREFIX);
	assert_int_equal(tui_keymap_lookup(&km, 2, true), TUI_A_OVERVIEW);
	/* a key the TUI cannot tell apart keeps the default, and says so */
	assert_int_equal(tui_keymap_lookup(&km, 'H', false), TUI_A_HALT_ALL);
	assert_non_null(err.data);
	assert_non_null(strstr(err.data, "BIND_halt_all=M-h"));
	assert_non_null(strstr(err.data, "BIND_frobnicate: no such action"));
	buf_free(&err);

	tui_keymap_init(&km, "Hyper-q", NULL, 0, &err);
	assert_int_equal(km.prefix, 1);
	assert_non_null(strstr(err.data, "PREFIX=Hyper-q"));
	buf_free(&err);
}

/* The man page: every binding's default key (as `?` names it) and its
 * description, on a .TP entry of its own. */
static void man_page_lists_every_binding(void **state)
{
	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/doc/umltop.1", top ? top : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct buf man = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&man, chunk, n);
	buf_append(&man, "", 1);
	fclose(f);
	/* troff's \- is a plain minus to a reader */
	for (char *p = man.data; (p = strstr(p, "\\-")); )
		memmove(p, p + 1, strlen(p));
	for (size_t i = 0; i < tui_nbindings; i++) {
		char key[16], *entry;
		tui_key_name(tui_bindings[i].key, key, sizeof key);
		entry = xasprintf(".TP\n.B %s%s\n%s", tui_bindings[i].focus_only ? "C-a " : "",
				  key, tui_bindings[i].desc);
		if (!strstr(man.data, entry))
			fail_msg("doc/umltop.1 lacks the entry:\n%s", entry);
		free(entry);
		entry = xasprintf("BIND_%s", tui_bindings[i].name);
		for (char *p = entry + 5; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		if (!strstr(man.data, entry))
			fail_msg("doc/umltop.1 does not name %s", entry);
		free(entry);
	}
	buf_free(&man);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_keys),
		cmocka_unit_test(names_parse_back),
		cmocka_unit_test(table_is_consistent),
		cmocka_unit_test(default_lookup),
		cmocka_unit_test(config_rebinds),
		cmocka_unit_test(broadcast_bindings),
		cmocka_unit_test(alert_binding),
		cmocka_unit_test(man_page_lists_every_binding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
