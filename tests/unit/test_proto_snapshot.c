/* proto/snapshot.c: a SNAPSHOT read back as the server writes it, and
 * every malformed one (cut short anywhere, lying lengths, a name that does
 * not fit, a zero size, bytes left over) refused with a reason, never read
 * past. */
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
#include "proto/client.h"

/* The payload of a SNAPSHOT as server/client.c writes it. */
static void payload(struct buf *b, const char *name, unsigned rows, unsigned cols,
		    const char *bytes, size_t n)
{
	proto_put_str(b, name);
	proto_put_u16(b, (uint16_t)rows);
	proto_put_u16(b, (uint16_t)cols);
	proto_put_bytes(b, bytes, n);
}

static int decode(const struct buf *b, size_t len, struct proto_snapshot *s, char *err)
{
	/* a copy of exactly len bytes, so that reading past it is caught */
	uint8_t *copy = xmalloc(len ? len : 1);
	memcpy(copy, b->data, len);
	struct proto_frame f = { .type = PROTO_SNAPSHOT, .payload = copy, .len = (uint32_t)len };
	int rc = proto_snapshot_decode(&f, s, err, 160);
	if (rc == 0 && s->len) {
		/* the bytes point into the frame: check them before it goes */
		assert_true(s->bytes >= copy && s->bytes + s->len <= copy + len);
	}
	free(copy);
	return rc;
}

static void round_trip(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t start = proto_begin(&b, PROTO_SNAPSHOT);
	payload(&b, "web", 50, 200, "\033[H\033[2Jhello", 12);
	proto_end(&b, start);
	struct proto_frame f;
	assert_int_equal(proto_frame_next((const uint8_t *)b.data, b.len, &f), (long)b.len);
	struct proto_snapshot s;
	char err[160] = "";
	assert_int_equal(proto_snapshot_decode(&f, &s, err, sizeof err), 0);
	assert_string_equal(s.name, "web");
	assert_int_equal(s.rows, 50);
	assert_int_equal(s.cols, 200);
	assert_int_equal(s.len, 12);
	assert_memory_equal(s.bytes, "\033[H\033[2Jhello", 12);
	buf_free(&b);
}

/* An empty screen is a screen: no bytes, still a reset at that size. */
static void empty_screen(void **state)
{
	(void)state;
	struct buf b = { 0 };
	payload(&b, "db", 24, 80, "", 0);
	struct proto_snapshot s;
	char err[160];
	assert_int_equal(decode(&b, b.len, &s, err), 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.rows, 24);
	buf_free(&b);
}

/* Cut at every byte: each prefix is refused with a reason. */
static void cut_anywhere(void **state)
{
	(void)state;
	struct buf b = { 0 };
	payload(&b, "router", 24, 80, "abcdef", 6);
	for (size_t cut = 0; cut < b.len; cut++) {
		struct proto_snapshot s;
		char err[160] = "";
		assert_int_equal(decode(&b, cut, &s, err), -EBADMSG);
		assert_non_null(strstr(err, "malformed SNAPSHOT: "));
		assert_null(s.bytes);
		assert_int_equal(s.len, 0);
	}
	buf_free(&b);
}

/* Lengths that lie: the screen's length past the frame's end (by one, and
 * by 4 GB), the name's; each said, none followed. */
static void lying_lengths(void **state)
{
	(void)state;
	struct buf b = { 0 };
	payload(&b, "web", 24, 80, "abc", 3);
	size_t at = b.len - 3 - 4; /* the screen's u32 length */
	struct proto_snapshot s;
	char err[160];
	b.data[at] = 4;
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: its screen says 4 bytes, 3 are there");
	memset(b.data + at, 0xff, 4);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: its screen says 4294967295 bytes, 3 are there");
	b.len = 0;
	payload(&b, "web", 24, 80, "abc", 3);
	b.data[0] = 200; /* the name's length */
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: cut short in the name");
	buf_free(&b);
}

static void bad_fields(void **state)
{
	(void)state;
	struct buf b = { 0 };
	struct proto_snapshot s;
	char err[160];
	char longname[PROTO_MAX_NAME + 1];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	payload(&b, longname, 24, 80, "", 0);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: a name too long or holding a NUL");

	b.len = 0;
	proto_put_bytes(&b, "we\0b", 4);
	proto_put_u16(&b, 24);
	proto_put_u16(&b, 80);
	proto_put_bytes(&b, "", 0);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: a name too long or holding a NUL");

	b.len = 0;
	payload(&b, "web", 0, 80, "x", 1);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: a size of zero rows or columns");
	b.len = 0;
	payload(&b, "web", 24, 0, "x", 1);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);

	b.len = 0;
	payload(&b, "web", 24, 80, "x", 1);
	buf_append(&b, "zz", 2);
	assert_int_equal(decode(&b, b.len, &s, err), -EBADMSG);
	assert_string_equal(err, "malformed SNAPSHOT: 2 bytes after its fields");
	buf_free(&b);
}

static void wrong_type(void **state)
{
	(void)state;
	struct buf b = { 0 };
	payload(&b, "web", 24, 80, "", 0);
	struct proto_frame f = { .type = PROTO_OUTPUT, .payload = (const uint8_t *)b.data,
				 .len = (uint32_t)b.len };
	struct proto_snapshot s;
	char err[160];
	assert_int_equal(proto_snapshot_decode(&f, &s, err, sizeof err), -EBADMSG);
	char want[64];
	snprintf(want, sizeof want, "malformed SNAPSHOT: a frame of type %u", PROTO_OUTPUT);
	assert_string_equal(err, want);
	/* no room for the reason: still refused */
	assert_int_equal(proto_snapshot_decode(&f, &s, NULL, 0), -EBADMSG);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(empty_screen),
		cmocka_unit_test(cut_anywhere),
		cmocka_unit_test(lying_lengths),
		cmocka_unit_test(bad_fields),
		cmocka_unit_test(wrong_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
