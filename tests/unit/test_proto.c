/* proto/: frames found in a byte stream however it is split, malformed
 * headers refused, fields read back as written, the status table round
 * trip, and underflows caught. */
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

#include "lib/util.h"
#include "proto/proto.h"

static void build_input(struct buf *b, const char *name, const char *bytes, size_t n)
{
	size_t start = proto_begin(b, PROTO_INPUT);
	proto_put_str(b, name);
	proto_put_bytes(b, bytes, n);
	proto_end(b, start);
}

static void frame_round_trip(void **state)
{
	struct buf b = { 0 };
	build_input(&b, "web", "ls\r", 3);
	struct proto_frame f;
	long used = proto_frame_next((const uint8_t *)b.data, b.len, &f);
	assert_int_equal(used, (long)b.len);
	assert_int_equal(f.type, PROTO_INPUT);
	struct proto_reader r;
	proto_reader_init(&r, &f);
	char name[PROTO_MAX_NAME];
	proto_get_str(&r, name, sizeof name);
	size_t n;
	const uint8_t *p = proto_get_bytes(&r, &n);
	assert_true(proto_reader_done(&r));
	assert_string_equal(name, "web");
	assert_int_equal(n, 3);
	assert_memory_equal(p, "ls\r", 3);
	buf_free(&b);
}

/* A stream of frames cut at every possible point still yields each frame
 * once, whole, in order. */
static void frames_split_anywhere(void **state)
{
	struct buf b = { 0 };
	build_input(&b, "a", "one", 3);
	build_input(&b, "bb", "", 0);
	build_input(&b, "ccc", "three!", 6);
	for (size_t cut = 0; cut <= b.len; cut++) {
		struct buf acc = { 0 };
		int seen = 0;
		const char *names[] = { "a", "bb", "ccc" };
		for (int part = 0; part < 2; part++) {
			if (part == 0)
				buf_append(&acc, b.data, cut);
			else
				buf_append(&acc, b.data + cut, b.len - cut);
			size_t off = 0;
			struct proto_frame f;
			long used;
			while ((used = proto_frame_next((const uint8_t *)acc.data + off,
							acc.len - off, &f)) > 0) {
				struct proto_reader r;
				proto_reader_init(&r, &f);
				char name[8];
				proto_get_str(&r, name, sizeof name);
				assert_string_equal(name, names[seen]);
				seen++;
				off += (size_t)used;
			}
			assert_int_equal(used, 0);
			buf_consume(&acc, off);
		}
		assert_int_equal(seen, 3);
		buf_free(&acc);
	}
	buf_free(&b);
}

static void header_malformed(void **state)
{
	struct proto_frame f;
	uint8_t h[PROTO_HDR] = { 0 };
	/* unknown type 0 */
	assert_int_equal(proto_frame_next(h, sizeof h, &f), -EBADMSG);
	/* type past the last one */
	h[4] = PROTO_TYPE_MAX + 1;
	assert_int_equal(proto_frame_next(h, sizeof h, &f), -EBADMSG);
	/* reserved bits set */
	h[4] = PROTO_INPUT;
	h[6] = 1;
	assert_int_equal(proto_frame_next(h, sizeof h, &f), -EBADMSG);
	/* length over the cap is refused from the header alone */
	h[6] = 0;
	uint32_t len = PROTO_MAX_PAYLOAD + 1;
	memcpy(h, &len, 4);
	assert_int_equal(proto_frame_next(h, sizeof h, &f), -EBADMSG);
	/* a short header waits for more */
	assert_int_equal(proto_frame_next(h, 5, &f), 0);
}

static void reader_underflow(void **state)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_RESIZE);
	proto_put_str(&b, "web");
	proto_put_u16(&b, 24); /* cols missing */
	proto_end(&b, start);
	struct proto_frame f;
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	struct proto_reader r;
	proto_reader_init(&r, &f);
	char name[PROTO_MAX_NAME];
	proto_get_str(&r, name, sizeof name);
	assert_int_equal(proto_get_u16(&r), 24);
	assert_int_equal(proto_get_u16(&r), 0);
	assert_true(r.bad);
	assert_false(proto_reader_done(&r));
	buf_free(&b);
}

static void string_rules(void **state)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_CONSOLE_UNSUB);
	proto_put_bytes(&b, "we\0b", 4); /* an embedded NUL */
	proto_put_str(&b, "0123456789");
	proto_end(&b, start);
	struct proto_frame f;
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	struct proto_reader r;
	proto_reader_init(&r, &f);
	char name[PROTO_MAX_NAME];
	proto_get_str(&r, name, sizeof name);
	assert_true(r.bad);
	assert_string_equal(name, "");
	/* too long for the destination */
	proto_reader_init(&r, &f);
	size_t n;
	proto_get_bytes(&r, &n);
	char small[5];
	proto_get_str(&r, small, sizeof small);
	assert_true(r.bad);
	buf_free(&b);
}

/* A string length pointing past the frame is caught, not read. */
static void bytes_past_end(void **state)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_INPUT);
	proto_put_u32(&b, 1000);
	buf_append(&b, "abc", 3);
	proto_end(&b, start);
	struct proto_frame f;
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	struct proto_reader r;
	proto_reader_init(&r, &f);
	size_t n = 99;
	proto_get_bytes(&r, &n);
	assert_true(r.bad);
	assert_int_equal(n, 0);
	buf_free(&b);
}

static void status_round_trip(void **state)
{
	struct proto_inst in[2];
	memset(in, 0, sizeof in);
	snprintf(in[0].name, sizeof in[0].name, "router");
	in[0].state = PROTO_HALTING;
	in[0].phase = PROTO_PHASE_SYNC;
	in[0].phase_ms = 61234;
	in[0].pid = 4242;
	in[0].load[0] = 123;
	in[0].mem_total_kb = 60000;
	in[0].mem_avail_kb = 50000;
	in[0].rss_kb = 40960;
	in[0].exit_code = -1;
	snprintf(in[0].reason, sizeof in[0].reason, "mconsole does not answer");
	snprintf(in[0].tags, sizeof in[0].tags, "lab router");
	snprintf(in[1].name, sizeof in[1].name, "db");
	in[1].state = PROTO_CRASHED;
	in[1].end = PROTO_END_CRASHED;
	in[1].exit_signal = 9;
	struct proto_status st = { .time_ms = 1, .n = 2, .inst = in };
	snprintf(st.host, sizeof st.host, "host1");
	struct buf b = { 0 };
	proto_put_status(&b, &st);
	struct proto_frame f;
	assert_int_equal(proto_frame_next((const uint8_t *)b.data, b.len, &f), (long)b.len);
	struct proto_status out;
	assert_int_equal(proto_get_status(&f, &out), 0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.host, "host1");
	assert_memory_equal(&out.inst[0], &in[0], sizeof in[0]);
	assert_memory_equal(&out.inst[1], &in[1], sizeof in[1]);
	proto_status_free(&out);
	buf_free(&b);
}

/* A count that the frame cannot hold is refused before allocating. */
static void status_bad_count(void **state)
{
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_STATUS);
	proto_put_u64(&b, 0);
	proto_put_str(&b, "h");
	proto_put_u32(&b, 0x7fffffff);
	proto_end(&b, start);
	struct proto_frame f;
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	struct proto_status out;
	assert_int_equal(proto_get_status(&f, &out), -EBADMSG);
	buf_free(&b);
}

static void status_bad_state(void **state)
{
	struct proto_inst in;
	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "x");
	in.state = PROTO_STATE_MAX + 1;
	struct proto_status st = { .n = 1, .inst = &in };
	struct buf b = { 0 };
	proto_put_status(&b, &st);
	struct proto_frame f;
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	struct proto_status out;
	assert_int_equal(proto_get_status(&f, &out), -EBADMSG);
	buf_free(&b);
}

/* Events: what the server sends is what the client reads; a kind it does
 * not know, or bytes past the end, are refused. */
static void event_round_trip(void **state)
{
	(void)state;
	struct proto_event e = { .time_ms = 1765000000123ull, .seq = 77, .kind = PROTO_EV_ALERT };
	snprintf(e.name, sizeof e.name, "web");
	snprintf(e.text, sizeof e.text, "match: Oops: 0002 [#1]");
	struct buf b = { 0 };
	proto_put_event(&b, &e);
	struct proto_frame f;
	assert_int_equal(proto_frame_next((const uint8_t *)b.data, b.len, &f), (long)b.len);
	assert_int_equal(f.type, PROTO_EVENT);
	struct proto_event out;
	assert_int_equal(proto_get_event(&f, &out), 0);
	assert_memory_equal(&out, &e, sizeof e);
	assert_string_equal(proto_event_kind_name(out.kind), "alert");
	buf_free(&b);
	for (unsigned kind = 0; kind < 2; kind++) {
		e.kind = kind ? PROTO_EV_KIND_MAX + 1 : 0;
		proto_put_event(&b, &e);
		assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
		assert_int_equal(proto_get_event(&f, &out), -EBADMSG);
		buf_free(&b);
	}
	e.kind = PROTO_EV_STATE;
	size_t start = proto_begin(&b, PROTO_EVENT);
	proto_put_u64(&b, 1);
	proto_put_u32(&b, 1);
	proto_put_str(&b, "x");
	proto_put_u8(&b, PROTO_EV_STATE);
	proto_put_str(&b, "running");
	proto_put_u8(&b, 0); /* one byte too many */
	proto_end(&b, start);
	assert_true(proto_frame_next((const uint8_t *)b.data, b.len, &f) > 0);
	assert_int_equal(proto_get_event(&f, &out), -EBADMSG);
	buf_free(&b);
}

/* A tag is a whole word of the status's tags: "lab" is not in "lab1". */
static void tag_words(void **state)
{
	(void)state;
	assert_true(proto_has_tag("lab", "lab"));
	assert_true(proto_has_tag("web lab db", "lab"));
	assert_true(proto_has_tag("  lab  ", "lab"));
	assert_true(proto_has_tag("lab1 lab", "lab"));
	assert_false(proto_has_tag("lab1", "lab"));
	assert_false(proto_has_tag("mylab", "lab"));
	assert_false(proto_has_tag("lab1 xlab labx", "lab"));
	assert_false(proto_has_tag("lab", "lab1"));
	assert_false(proto_has_tag("la", "lab"));
	assert_false(proto_has_tag("", "lab"));
	assert_false(proto_has_tag("lab", ""));
	assert_false(proto_has_tag("web lab", "web lab")); /* one word at a time */
}

static void names(void **state)
{
	assert_string_equal(proto_state_name(PROTO_UNRESPONSIVE), "unresponsive");
	assert_string_equal(proto_phase_name(PROTO_PHASE_KILL), "kill");
	assert_string_equal(proto_end_name(PROTO_END_HALTED), "halted");
	assert_string_equal(proto_state_name(200), "?");
	/* the ends of each list (lib/states.h) */
	assert_string_equal(proto_state_name(PROTO_STOPPED), "stopped");
	assert_string_equal(proto_state_name(PROTO_STATE_MAX), "failed");
	assert_string_equal(proto_state_name(PROTO_STATE_MAX + 1), "?");
	assert_string_equal(proto_phase_name(PROTO_PHASE_NONE), "");
	assert_string_equal(proto_phase_name(PROTO_PHASE_MAX + 1), "?");
	assert_string_equal(proto_end_name(PROTO_END_MAX), "crashed");
	assert_string_equal(proto_end_name(PROTO_END_MAX + 1), "?");
}

static void paths(void **state)
{
	setenv("UMLTOP_SOCKET", "/tmp/x/s1", 1);
	char *s = proto_default_socket();
	assert_string_equal(s, "/tmp/x/s1");
	char *r = proto_rundir(s);
	assert_string_equal(r, "/tmp/x/s1.d");
	setenv("UMLTOP_STATE_DIR", "/tmp/st", 1);
	char *st = proto_statedir(s);
	assert_string_equal(st, "/tmp/st");
	free(s);
	free(r);
	free(st);
	unsetenv("UMLTOP_STATE_DIR");
	unsetenv("UMLTOP_SOCKET");
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	s = proto_default_socket();
	assert_string_equal(s, "/run/user/7/umltop/default");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_round_trip),
		cmocka_unit_test(frames_split_anywhere),
		cmocka_unit_test(header_malformed),
		cmocka_unit_test(reader_underflow),
		cmocka_unit_test(string_rules),
		cmocka_unit_test(bytes_past_end),
		cmocka_unit_test(status_round_trip),
		cmocka_unit_test(status_bad_count),
		cmocka_unit_test(status_bad_state),
		cmocka_unit_test(event_round_trip),
		cmocka_unit_test(tag_words),
		cmocka_unit_test(names),
		cmocka_unit_test(paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
