/* Fuzz the protocol as the server meets it: a byte stream from a hostile
 * client split into frames, each frame's fields read as the server and the
 * clients read them (status tables, replies, strings). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_fields(const struct proto_frame *f)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	char name[PROTO_MAX_NAME];
	size_t n;
	switch (f->type) {
	case PROTO_STATUS: {
		struct proto_status st;
		if (proto_get_status(f, &st) == 0)
			proto_status_free(&st);
		break;
	}
	case PROTO_COMMAND: {
		proto_get_u32(&r);
		uint32_t argc = proto_get_u32(&r);
		for (uint32_t i = 0; i < argc && i < 64 && !r.bad; i++)
			free(proto_get_strdup(&r));
		break;
	}
	default:
		proto_get_str(&r, name, sizeof name);
		proto_get_bytes(&r, &n);
		proto_get_u16(&r);
		proto_get_u64(&r);
		break;
	}
	(void)proto_reader_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	struct proto_frame f;
	long used;
	while ((used = proto_frame_next(data + off, size - off, &f)) > 0) {
		read_fields(&f);
		off += (size_t)used;
	}
	return 0;
}
