/* proto/client.h: what a client makes of the server's frames, shared by
 * the curses clients (tui/) and the others (cli/): a SNAPSHOT decoded
 * (proto/snapshot.c) and an instance's figures as text (proto/figures.c).
 * Pure: frames and status structs in, values and text out. */
#ifndef UMLTOP_PROTO_CLIENT_H
#define UMLTOP_PROTO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* ---- a SNAPSHOT (proto/snapshot.c) ---- */

/* A console's screen: rows x cols, and the bytes that draw it (with its
 * scrollback, when asked for) on a fresh emulator of that size.  bytes
 * points into the frame. */
struct proto_snapshot {
	char name[PROTO_MAX_NAME];
	unsigned rows, cols;
	const uint8_t *bytes;
	size_t len;
};

/* Decode a SNAPSHOT frame.  0, or -EBADMSG with why in err (a frame of
 * another type, one cut short or longer than its fields, a name that does
 * not fit, a size of zero rows or columns). */
int proto_snapshot_decode(const struct proto_frame *f, struct proto_snapshot *s,
			  char *err, size_t errlen);

/* ---- figures as text (proto/figures.c) ---- */

/* The guest's figures (load, memory) have come for a live instance. */
bool proto_inst_stats(const struct proto_inst *in);
/* "12m05s", "3h02m", "2d04h". */
void proto_fmt_duration(char *out, size_t cap, uint32_t s);
/* Memory in use of the guest's total, "5/64M", or "-". */
void proto_fmt_mem(char *out, size_t cap, const struct proto_inst *in);
/* Whether an instance's reason is worth showing beside it: why it is not
 * running, or that a running one lost its console (adopted). */
bool proto_reason_shown(const struct proto_inst *in);

#endif
