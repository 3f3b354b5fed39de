/* The one decoder of a SNAPSHOT frame (str name, u16 rows, u16 cols, str
 * bytes), for every client that shows a console: the TUI, attach and the
 * test fixtures.  Pure: a frame in, its fields (pointing into it) or why
 * it is malformed out.  A frame whose fields lie about their lengths is
 * refused whole, never read past. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/client.h"

static int bad(char *err, size_t errlen, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "malformed SNAPSHOT: %s", what);
	return -EBADMSG;
}

/* The length a byte string field says it has, 0 when not even that is
 * there (the reader then fails on it). */
static uint32_t claimed_len(const struct proto_reader *r)
{
	struct proto_reader peek = *r;
	return proto_get_u32(&peek);
}

int proto_snapshot_decode(const struct proto_frame *f, struct proto_snapshot *s,
			  char *err, size_t errlen)
{
	struct proto_reader r;
	char what[96];
	memset(s, 0, sizeof *s);
	if (f->type != PROTO_SNAPSHOT) {
		snprintf(what, sizeof what, "a frame of type %u", f->type);
		return bad(err, errlen, what);
	}
	proto_reader_init(&r, f);
	if (r.n < 4 || claimed_len(&r) > r.n - 4)
		return bad(err, errlen, "cut short in the name");
	proto_get_str(&r, s->name, sizeof s->name);
	if (r.bad)
		return bad(err, errlen, "a name too long or holding a NUL");
	s->rows = proto_get_u16(&r);
	s->cols = proto_get_u16(&r);
	if (r.bad)
		return bad(err, errlen, "cut short in the size");
	if (!s->rows || !s->cols)
		return bad(err, errlen, "a size of zero rows or columns");
	uint32_t claimed = r.n >= 4 ? claimed_len(&r) : 0;
	size_t there = r.n >= 4 ? r.n - 4 : 0;
	s->bytes = proto_get_bytes(&r, &s->len);
	if (r.bad) {
		snprintf(what, sizeof what, "its screen says %lu bytes, %lu are there",
			 (unsigned long)claimed, (unsigned long)there);
		s->bytes = NULL;
		s->len = 0;
		return bad(err, errlen, what);
	}
	if (r.n) {
		snprintf(what, sizeof what, "%lu bytes after its fields", (unsigned long)r.n);
		s->bytes = NULL;
		s->len = 0;
		return bad(err, errlen, what);
	}
	return 0;
}
