/* tui/qstrip: a filter for a guest's byte stream on its way to a real
 * terminal (`umltop attach --raw` on a terminal).  It lets the bytes through
 * as they are except the sequences that make a terminal answer (cursor
 * position and status reports, device attributes, DECRQSS, colour and
 * clipboard queries, window reports) and clipboard writes: a terminal's
 * answer would be typed into the guest (DESIGN, "Terminal queries").
 * Broken UTF-8 is dropped too.  Pure: bytes in, bytes out; a sequence
 * split across calls is held. */
#ifndef UMLTOP_TUI_QSTRIP_H
#define UMLTOP_TUI_QSTRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* Strings (OSC, DCS) longer than this are dropped whole. */
#define QSTRIP_MAX (16 * 1024)

struct qstrip {
	uint8_t state;      /* enum in qstrip.c */
	uint8_t str_kind;   /* which string sequence */
	bool str_esc;       /* ESC seen inside a string: ST when '\' follows */
	bool overflow;      /* the sequence outgrew QSTRIP_MAX */
	uint8_t u8[4];      /* a UTF-8 character split across calls */
	uint8_t u8_len, u8_need;
	struct buf seq;     /* the escape sequence so far */
};

void qstrip_init(struct qstrip *q);
void qstrip_free(struct qstrip *q);
/* Filter len bytes; what passes is appended to out. */
void qstrip_feed(struct qstrip *q, const char *in, size_t len, struct buf *out);

#endif
