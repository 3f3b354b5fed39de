/* The TUI over several hosts (tui/tui-fmt.c's pure parts): names shown as
 * HOST/NAME (bare alone), the retry schedule after a host drops (1 s,
 * doubling, at most 30 s), the table grouped by host whatever the column
 * and direction, the halt summary of one host or all told apart by host
 * (the same name on two hosts is two instances), an unknown instance (its
 * host away) counted as not known to be down, the header's host states
 * with the reason cut, the halt prompt's toggles, and the banner and
 * title naming HOST/NAME. */
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

static struct proto_inst inst(const char *name, unsigned state, unsigned cpu_x10)
{
	struct proto_inst in = { .state = (uint8_t)state, .cpu_x10 = cpu_x10 };
	if (state == PROTO_RUNNING)
		in.pid = 100;
	else
		in.end = PROTO_END_CLEAN;
	snprintf(in.name, sizeof in.name, "%s", name);
	return in;
}

static void names(void **state)
{
	(void)state;
	char out[TUI_NAME_MAX];
	tui_full_name(out, sizeof out, "h2", "web");
	assert_string_equal(out, "h2/web");
	tui_full_name(out, sizeof out, "", "web");
	assert_string_equal(out, "web");
	tui_full_name(out, sizeof out, NULL, "web");
	assert_string_equal(out, "web");
	/* the longest host and instance names fit whole */
	char host[HOST_NAME_MAX_LEN + 1], name[PROTO_MAX_NAME];
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	tui_full_name(out, sizeof out, host, name);
	assert_int_equal(strlen(out), HOST_NAME_MAX_LEN + 1 + PROTO_MAX_NAME - 1);
	assert_string_equal(tui_state_name(TUI_UNKNOWN), "unknown");
	assert_string_equal(tui_state_name(PROTO_RUNNING), "running");
}

static void backoff(void **state)
{
	(void)state;
	static const unsigned want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
	for (unsigned i = 0; i < sizeof want / sizeof *want; i++)
		assert_int_equal(tui_backoff_ms(i), want[i]);
	assert_int_equal(tui_backoff_ms(40), 30000); /* no overflow */
	assert_int_equal(tui_backoff_ms(~0u), 30000);
}

static void order(const struct proto_inst *in, const unsigned *host, size_t n,
		  enum tui_sort by, bool rev, char *out)
{
	size_t idx[16];
	tui_table_sort(in, host, n, by, rev, idx);
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char one[96];
		snprintf(one, sizeof one, "%s%u/%s", i ? " " : "", host ? host[idx[i]] : 0,
			 in[idx[i]].name);
		strcat(out, one);
	}
}

static void table_grouped(void **state)
{
	(void)state;
	/* merged in the hosts' order; the same name "a" on both */
	struct proto_inst in[] = {
		inst("b", PROTO_RUNNING, 10), inst("a", PROTO_RUNNING, 5),
		inst("a", PROTO_RUNNING, 50), inst("c", PROTO_STOPPED, 0),
		inst("z", TUI_UNKNOWN, 0),
	};
	unsigned host[] = { 0, 0, 1, 1, 2 };
	char out[256];
	order(in, host, 5, TUI_SORT_NAME, false, out);
	assert_string_equal(out, "0/a 0/b 1/a 1/c 2/z");
	order(in, host, 5, TUI_SORT_NAME, true, out);
	assert_string_equal(out, "0/b 0/a 1/c 1/a 2/z");
	/* the busiest first, within each host: h2's a (5.0 %) does not
	 * move above h1's */
	order(in, host, 5, TUI_SORT_CPU, false, out);
	assert_string_equal(out, "0/b 0/a 1/a 1/c 2/z");
	/* alone (no hosts): as before */
	order(in, NULL, 4, TUI_SORT_CPU, false, out);
	assert_string_equal(out, "0/a 0/b 0/a 0/c");
}

static void halt_per_host(void **state)
{
	(void)state;
	struct proto_inst in[] = {
		inst("a", PROTO_STOPPED, 0), inst("b", PROTO_RUNNING, 0),
		inst("a", PROTO_RUNNING, 0), inst("c", TUI_UNKNOWN, 0),
	};
	unsigned host[] = { 0, 0, 1, 2 };
	struct proto_status st = { .n = 4, .inst = in };
	struct tui_ref which[] = { { 0, "a" }, { 0, "b" }, { 1, "a" }, { 2, "c" } };
	struct tui_halt_sum sum;
	tui_halt_summary(&st, host, which, 4, -1, &sum);
	assert_int_equal(sum.clean, 1);
	assert_int_equal(sum.pending, 3); /* b, h2's a, c whose host is away */
	tui_halt_summary(&st, host, which, 4, 0, &sum);
	assert_int_equal(sum.clean, 1);
	assert_int_equal(sum.pending, 1);
	tui_halt_summary(&st, host, which, 4, 1, &sum);
	assert_int_equal(sum.clean, 0); /* h1's a stopped, not h2's */
	assert_int_equal(sum.pending, 1);
	char line[256];
	snprintf(in[3].reason, sizeof in[3].reason, "host unreachable: Connection refused");
	tui_halt_phase_text(&in[3], line, sizeof line);
	assert_string_equal(line, "unknown (host unreachable: Connection refused)");
}

static void host_states(void **state)
{
	(void)state;
	struct tui_host h[3] = { 0 };
	snprintf(h[0].name, sizeof h[0].name, "h1");
	snprintf(h[1].name, sizeof h[1].name, "h2");
	snprintf(h[2].name, sizeof h[2].name, "h3");
	h[0].state = TUI_H_CONNECTED;
	h[1].state = TUI_H_CONNECTING;
	h[2].state = TUI_H_UNREACHABLE;
	snprintf(h[2].why, sizeof h[2].why, "Permission denied (publickey,password).");
	char out[512];
	tui_hosts_text(h, 3, 100, out, sizeof out);
	assert_string_equal(out, "h1 connected  h2 connecting  h3 unreachable: Permission denied "
				 "(publickey,password).");
	tui_hosts_text(h, 3, 18, out, sizeof out);
	assert_string_equal(out, "h1 connected  h2 connecting  h3 unreachable: Permission denied~");
	/* tried again after a failure: unreachable with the reason still */
	h[2].state = TUI_H_CONNECTING;
	tui_hosts_text(&h[2], 1, 100, out, sizeof out);
	assert_string_equal(out, "h3 unreachable: Permission denied (publickey,password).");
	h[2].state = TUI_H_UNREACHABLE;
	/* the server's words cleaned: no control character reaches the bar */
	snprintf(h[2].why, sizeof h[2].why, "bad\033[2Jthing");
	tui_hosts_text(&h[2], 1, 100, out, sizeof out);
	assert_null(strchr(out, '\033'));
	/* alone: nothing (the header shows the server's host name) */
	struct tui_host alone = { .state = TUI_H_CONNECTED };
	tui_hosts_text(&alone, 1, 100, out, sizeof out);
	assert_string_equal(out, "");

	h[0].pick = true;
	tui_hosts_pick_text(h, 3, "Halt all on:", "halt", out, sizeof out);
	assert_string_equal(out, "Halt all on:  [x] 1 h1  [ ] 2 h2 (connecting)  [ ] 3 h3 "
				 "(unreachable)   digit: toggle  Enter: halt  Esc: cancel");
}

static void shown_names(void **state)
{
	(void)state;
	struct tui_pane p[2] = {
		{ .st = inst("a", PROTO_RUNNING, 0), .marked = true, .name = "h1/a" },
		{ .st = inst("a", PROTO_STOPPED, 0), .marked = true, .name = "h2/a" },
	};
	char out[256];
	tui_broadcast_text(p, 2, "C-a", 200, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 1 console: h1/a  skipped: h2/a (stopped)  C-a leaves");
	p[1].st.state = TUI_UNKNOWN;
	tui_broadcast_text(p, 2, "C-a", 200, out, sizeof out);
	assert_string_equal(out, "BROADCAST to 1 console: h1/a  skipped: h2/a (unknown)  C-a leaves");
	assert_false(tui_takes_keys(&p[1].st));
	assert_string_equal(tui_shown(&p[0]), "h1/a");
	struct tui_pane bare = { .st = inst("web", PROTO_RUNNING, 0) };
	assert_string_equal(tui_shown(&bare), "web");
	tui_state_text(&p[1].st, out, sizeof out);
	assert_string_equal(out, " unknown ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(backoff),
		cmocka_unit_test(table_grouped),
		cmocka_unit_test(halt_per_host),
		cmocka_unit_test(host_states),
		cmocka_unit_test(shown_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
