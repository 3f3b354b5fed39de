/* tui/tui-fmt.c: what the table and the halt-all view show: the table's
 * order for each sort key (figures busiest first, ties by name, instances
 * that are not running last), each halt phase as a line, and the summary
 * counted from how each instance ended, and the interfaces as the
 * table's NET column shows them; M's tag match (whole words) and the
 * broadcast banner (who is typed into, who is skipped and why, the way
 * out, fitted to the line); an alert's mark in a title bar (cleaned, cut
 * to fit), the header's count of unseen alerts, the next one to jump to. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/tui-int.h"

static struct proto_inst live(const char *name, unsigned cpu_x10, unsigned load, unsigned rss_mb)
{
	struct proto_inst in = { .state = PROTO_RUNNING, .pid = 100, .flags = PROTO_F_STATS,
				 .cpu_x10 = cpu_x10, .rss_kb = rss_mb * 1024ull,
				 .mem_total_kb = 65536, .mem_avail_kb = 65536 - rss_mb * 512ull,
				 .up_s = rss_mb };
	snprintf(in.name, sizeof in.name, "%s", name);
	in.load[0] = load;
	return in;
}

static struct proto_inst down(const char *name, unsigned end, int code)
{
	struct proto_inst in = { .state = PROTO_STOPPED, .end = (uint8_t)end, .exit_code = code };
	snprintf(in.name, sizeof in.name, "%s", name);
	return in;
}

static void order(const struct proto_inst *in, size_t n, enum tui_sort by, bool rev, char *out)
{
	size_t idx[16];
	tui_table_sort(in, NULL, n, by, rev, idx);
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		strcat(strcat(out, i ? " " : ""), in[idx[i]].name);
}

static void table_sorts(void **state)
{
	struct proto_inst in[] = {
		live("web", 50, 10, 30), down("db", PROTO_END_CLEAN, 0), live("dns", 5, 90, 20),
		live("app", 50, 40, 40),
	};
	char got[256];
	order(in, 4, TUI_SORT_NAME, false, got);
	assert_string_equal(got, "app db dns web");
	order(in, 4, TUI_SORT_NAME, true, got);
	assert_string_equal(got, "web dns db app");
	order(in, 4, TUI_SORT_CPU, false, got); /* app and web tie: by name */
	assert_string_equal(got, "app web dns db");
	order(in, 4, TUI_SORT_LOAD, false, got);
	assert_string_equal(got, "dns app web db");
	order(in, 4, TUI_SORT_RSS, false, got);
	assert_string_equal(got, "app web dns db");
	order(in, 4, TUI_SORT_MEM, false, got);
	assert_string_equal(got, "app web dns db");
	order(in, 4, TUI_SORT_STATE, false, got);
	assert_string_equal(got, "app dns web db"); /* running < stopped */
	for (int s = 0; s < TUI_SORT_MAX; s++)
		assert_non_null(strchr("nslmucr", tui_sort_keys[s]));
}

static void phase_lines(void **state)
{
	struct proto_inst in = live("web", 0, 0, 1);
	char line[128];
	in.state = PROTO_HALTING;
	in.halt_timeout_s = 60;
	in.phase = PROTO_PHASE_CAD;
	in.phase_ms = 12400;
	tui_halt_phase_text(&in, line, sizeof line);
	assert_string_equal(line, "cad sent, waiting 12 s of 60 s");
	in.phase = PROTO_PHASE_SYNC;
	tui_halt_phase_text(&in, line, sizeof line);
	assert_non_null(strstr(line, "sync/remount"));
	in.phase = PROTO_PHASE_HALT;
	in.phase_ms = 3000;
	tui_halt_phase_text(&in, line, sizeof line);
	assert_string_equal(line, "halt sent, waiting 3 s of 10 s");
	in.phase = PROTO_PHASE_KILL;
	tui_halt_phase_text(&in, line, sizeof line);
	assert_non_null(strstr(line, "killed"));
	struct proto_inst d = down("db", PROTO_END_CLEAN, 0);
	tui_halt_phase_text(&d, line, sizeof line);
	assert_string_equal(line, "stopped cleanly (exit code 0)");
	d = down("db", PROTO_END_KILLED, -1);
	d.exit_signal = 9;
	tui_halt_phase_text(&d, line, sizeof line);
	assert_string_equal(line, "stopped, killed (signal 9)");
}

static void summary(void **state)
{
	struct proto_inst in[] = {
		down("a", PROTO_END_CLEAN, 0), down("b", PROTO_END_HALTED, 0),
		down("c", PROTO_END_KILLED, -1), down("d", PROTO_END_CLEAN, 0),
		live("e", 0, 0, 1), down("f", PROTO_END_CRASHED, 1),
	};
	struct proto_status st = { .n = 6, .inst = in };
	struct tui_ref all[] = { { 0, "a" }, { 0, "b" }, { 0, "c" }, { 0, "d" }, { 0, "e" },
				 { 0, "gone" } };
	struct tui_halt_sum sum;
	char text[200];
	tui_halt_summary(&st, NULL, all, 6, -1, &sum);
	assert_int_equal(sum.clean, 2);
	assert_int_equal(sum.halted, 1);
	assert_int_equal(sum.killed, 1);
	assert_int_equal(sum.pending, 1);
	assert_int_equal(sum.crashed, 0); /* f was not among those halted */
	tui_halt_summary_text(&sum, text, sizeof text);
	assert_string_equal(text, "2 stopped cleanly, 1 needed halt, 1 killed, 1 still stopping");
	struct tui_ref some[] = { { 0, "a" }, { 0, "f" } };
	tui_halt_summary(&st, NULL, some, 2, -1, &sum);
	tui_halt_summary_text(&sum, text, sizeof text);
	assert_string_equal(text, "1 stopped cleanly, 0 needed halt, 0 killed, 1 crashed");
}

static void figures(void **state)
{
	struct proto_inst in = live("web", 123, 7, 10);
	char s[64];
	tui_fmt_load(s, sizeof s, &in);
	assert_string_equal(s, "0.07");
	proto_fmt_mem(s, sizeof s, &in);
	assert_string_equal(s, "5/64M");
	proto_fmt_duration(s, sizeof s, 3725);
	assert_string_equal(s, "1h02m");
	proto_fmt_duration(s, sizeof s, 59);
	assert_string_equal(s, "0m59s");
	in.flags = 0; /* no guest figures yet */
	proto_fmt_mem(s, sizeof s, &in);
	assert_string_equal(s, "-");
	tui_fmt_uptime(s, sizeof s, 42);
	assert_string_equal(s, "42s");
	tui_fmt_uptime(s, sizeof s, 179);
	assert_string_equal(s, "2m");
	tui_fmt_uptime(s, sizeof s, 3725);
	assert_string_equal(s, "1h02m");
	tui_fmt_uptime(s, sizeof s, 2 * 86400 + 5 * 3600);
	assert_string_equal(s, "2d05h");
}

/* The NET column: the server's words shortened, "-" for none, cut to
 * its width as a name is, and never a control byte on the terminal. */
static void net_column(void **state)
{
	(void)state;
	char s[300];
	assert_int_equal(tui_fmt_net(s, sizeof s, "", 0), 1);
	assert_string_equal(s, "-");
	assert_int_equal(tui_fmt_net(s, sizeof s, "eth0=tap1", 0), 9);
	assert_string_equal(s, "eth0=tap1");
	tui_fmt_net(s, sizeof s, "eth0=tap1@br0", 20);
	assert_string_equal(s, "eth0=tap1@br0");
	tui_fmt_net(s, sizeof s, "eth0=switch:lab1", 0);
	assert_string_equal(s, "eth0=sw:lab1");
	assert_int_equal(tui_fmt_net(s, sizeof s, "eth0=tap1@br0 eth1=tap2 eth2=switch:lab1", 0),
			 36);
	assert_string_equal(s, "eth0=tap1@br0 eth1=tap2 eth2=sw:lab1");
	/* cut to the column: the width exactly, the last character '~' */
	assert_int_equal(tui_fmt_net(s, sizeof s, "eth0=tap1@br0 eth1=tap2 eth2=switch:lab1", 16),
			 16);
	assert_string_equal(s, "eth0=tap1@br0 e~");
	assert_int_equal(tui_fmt_net(s, sizeof s, "eth0=tap1@br0", 13), 13);
	assert_string_equal(s, "eth0=tap1@br0"); /* fits exactly: not cut */
	tui_fmt_net(s, sizeof s, "eth0=tap1@br0", 1);
	assert_string_equal(s, "~");
	/* a cut never splits a character: "é" is two bytes, one column */
	assert_int_equal(tui_fmt_net(s, sizeof s, "eth0=switch:\xc3\xa9\xc3\xa9\xc3\xa9", 10), 10);
	assert_string_equal(s, "eth0=sw:\xc3\xa9~");
	/* hostile: escapes, newlines, C1 controls, DEL, broken UTF-8; every
	 * one a '?', so the cursor and the terminal's modes stay put */
	tui_fmt_net(s, sizeof s, "eth0=\x1b[2J\x1b]52;c;AAAA\x07 eth1=t\rap\n\x7f\xc2\x9b\xff", 0);
	assert_string_equal(s, "eth0=?[2J?]52;c;AAAA? eth1=t?ap???\?\?");
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* spaces only: none; extra spaces between words: one */
	tui_fmt_net(s, sizeof s, "   ", 0);
	assert_string_equal(s, "-");
	tui_fmt_net(s, sizeof s, " eth0=a   eth1=switch:b ", 0);
	assert_string_equal(s, "eth0=a eth1=sw:b");
	/* as long as the status's field can be: whole, or cut */
	char big[256];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "eth0=switch:", 12);
	assert_int_equal(tui_fmt_net(s, sizeof s, big, 0), 251);
	assert_int_equal(tui_fmt_net(s, sizeof s, big, 40), 40);
	assert_int_equal(strlen(s), 40);
	assert_int_equal(s[39], '~');
}

static void banner(void **state)
{
	(void)state;
	struct tui_pane p[4] = {
		{ .st = live("a", 0, 0, 1), .marked = true },
		{ .st = live("b", 0, 0, 1), .marked = true },
		{ .st = down("c", PROTO_END_CLEAN, 0), .marked = true },
		{ .st = live("d", 0, 0, 1) }, /* not marked: not named */
	};
	char out[256];
	tui_broadcast_text(p, 4, "C-a", 200, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 2 consoles: a b  skipped: c (stopped)  C-a leaves");
	/* exactly as wide: whole */
	tui_broadcast_text(p, 4, "C-a", 62, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 2 consoles: a b  skipped: c (stopped)  C-a leaves");
	/* narrower: the names cut, the count and the way out kept */
	tui_broadcast_text(p, 4, "C-a", 61, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 2 consoles: a b  skipped: c (stoppe~  C-a leaves");
	assert_int_equal(strlen(out), 61);
	tui_broadcast_text(p, 4, "C-b", 40, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 2 consoles: a ~  C-b leaves");
	tui_broadcast_text(p, 4, "C-a", 20, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 2 conso");
	/* one; a crashed one and one halting skipped, with their states */
	p[0].marked = false;
	p[2].st.state = PROTO_CRASHED;
	p[3].marked = true;
	p[3].st.state = PROTO_HALTING;
	tui_broadcast_text(p, 4, "C-a", 200, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 1 console: b  skipped: c (crashed) d (halting)  "
				 "C-a leaves");
	/* none left running */
	p[1].st = down("b", PROTO_END_KILLED, 0);
	p[3].marked = false;
	tui_broadcast_text(p, 4, "F1", 200, out, sizeof out);
	assert_string_equal(out, "BROADCAST to no console  skipped: b (stopped) c (crashed)  "
				 "F1 leaves");
}

/* An alert's mark: the server's text (guest output) whole where it fits,
 * cut ending "~]" where not, never inside a character, control
 * characters replaced; "[ALERT]" without text, " !" narrower still. */
static void alert_marks(void **state)
{
	(void)state;
	char out[600];
	assert_int_equal(tui_alert_text(0, "match: x", 80, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(tui_alert_text(1, "match: ALERT-42", 80, out, sizeof out), 25);
	assert_string_equal(out, " [ALERT: match: ALERT-42]");
	/* exactly as wide: whole; one narrower: cut */
	assert_int_equal(tui_alert_text(1, "match: ALERT-42", 25, out, sizeof out), 25);
	assert_string_equal(out, " [ALERT: match: ALERT-42]");
	assert_int_equal(tui_alert_text(1, "match: ALERT-42", 24, out, sizeof out), 24);
	assert_string_equal(out, " [ALERT: match: ALERT-~]");
	assert_int_equal(tui_alert_text(3, "crashed: Kernel panic", 20, out, sizeof out), 20);
	assert_string_equal(out, " [ALERT 3: crashed~]");
	/* too narrow for a letter of the text, then for the word */
	assert_int_equal(tui_alert_text(1, "match: x y z", 12, out, sizeof out), 12);
	assert_string_equal(out, " [ALERT: m~]");
	assert_int_equal(tui_alert_text(1, "match: x y z", 11, out, sizeof out), 8);
	assert_string_equal(out, " [ALERT]");
	assert_int_equal(tui_alert_text(1, "match: x y z", 7, out, sizeof out), 2);
	assert_string_equal(out, " !");
	assert_int_equal(tui_alert_text(1, "match", 1, out, sizeof out), 0);
	assert_int_equal(tui_alert_text(2, "", 40, out, sizeof out), 10);
	assert_string_equal(out, " [ALERT 2]");
	/* guest output: an escape sequence cannot reach the terminal */
	tui_alert_text(1, "match: \033[2J\033]0;pwned\007BUG:", 80, out, sizeof out);
	assert_string_equal(out, " [ALERT: match: ?[2J?]0;pwned?BUG:]");
	/* UTF-8 counted by characters, cut between them */
	assert_int_equal(tui_alert_text(1, "match: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 20, out,
					sizeof out), 20);
	assert_string_equal(out, " [ALERT: match: \xc3\xa9\xc3\xa9~]");
	/* a 511-byte line, as the server may send it */
	char line[512];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = 0;
	assert_int_equal(tui_alert_text(1, line, 1000, out, sizeof out), 9 + 511 + 1);
	assert_int_equal(tui_alert_text(1, line, 60, out, sizeof out), 60);
	assert_int_equal(strlen(out), 60);
}

/* The header's count and the jump: the next pane after the selected one
 * with an unseen alert, round the end, the selected one itself last. */
static void alert_count_and_next(void **state)
{
	(void)state;
	struct tui_pane p[4] = {
		{ .st = live("a", 0, 0, 1) }, { .st = live("b", 0, 0, 1) },
		{ .st = live("c", 0, 0, 1) }, { .st = live("d", 0, 0, 1) },
	};
	char out[32] = "junk";
	tui_alert_count_text(p, 4, out, sizeof out);
	assert_string_equal(out, "");
	assert_int_equal(tui_next_alert(p, 4, 0), -1);
	p[2].alerts = 1;
	tui_alert_count_text(p, 4, out, sizeof out);
	assert_string_equal(out, "1 alert");
	assert_int_equal(tui_next_alert(p, 4, 0), 2);
	assert_int_equal(tui_next_alert(p, 4, 2), 2);
	assert_int_equal(tui_next_alert(p, 4, 3), 2);
	p[0].alerts = 2;
	tui_alert_count_text(p, 4, out, sizeof out);
	assert_string_equal(out, "3 alerts");
	assert_int_equal(tui_next_alert(p, 4, 0), 2);
	assert_int_equal(tui_next_alert(p, 4, 2), 0);
	assert_int_equal(tui_next_alert(p, 4, 1), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_sorts),
		cmocka_unit_test(phase_lines),
		cmocka_unit_test(summary),
		cmocka_unit_test(figures),
		cmocka_unit_test(net_column),
		cmocka_unit_test(banner),
		cmocka_unit_test(alert_marks),
		cmocka_unit_test(alert_count_and_next),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
