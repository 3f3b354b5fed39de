/* term/term-int.h: what the files of term/ share and nobody else sees: the
 * 8-byte cell layout and raw row access for the snapshot encoder, and the
 * keyboard capture for the key encoder.  The public interface is term.h. */
#ifndef UMLTOP_TERM_INT_H
#define UMLTOP_TERM_INT_H

#include <vterm.h>

#include "term/term.h"

/* One cell in 8 bytes.  ch packs, from bit 0:
 *   21 bits  codepoint, or with TC_COMBO an index into the term's table of
 *            combining sequences (base + marks)
 *    1 bit   TC_COMBO
 *    2 bits  width code: 0 narrow, 1 a zero-width glyph that libvterm
 *            put in a cell of its own (a lone combining mark), 2 left half
 *            of a wide glyph, 3 its right half
 *    8 bits  enum term_attr, plus TC_PROTECT (DECSCA)
 * fg and bg index the term's colour table: 0 default, 1 + n for palette
 * colour n (0-255), above that interned RGB colours.  An empty cell has
 * codepoint 0; erasing leaves only the pen's background.  A blank cell is
 * all zero bits: filling and trimming rows is memset and a zero test. */
struct tcell {
	uint32_t ch;
	uint16_t fg, bg;
};

#define TC_CP_MASK 0x001fffffu
#define TC_COMBO 0x00200000u
#define TC_W_SHIFT 22
#define TC_W_MASK (3u << TC_W_SHIFT)
#define TC_W_NARROW 0u
#define TC_W_ZERO 1u
#define TC_W_WIDE 2u /* codes 2 and 3: part of a wide glyph */
#define TC_W_HALF 3u
#define TC_ATTR_SHIFT 24
#define TC_PROTECT (0x80u << TC_ATTR_SHIFT)

static inline unsigned tc_width(struct tcell c)
{
	return (c.ch & TC_W_MASK) >> TC_W_SHIFT;
}

static inline unsigned tc_attrs(struct tcell c)
{
	return (c.ch >> TC_ATTR_SHIFT) & 0x7f;
}

/* Empty, with no attributes: only its background can differ from default. */
static inline int tc_is_empty(struct tcell c)
{
	return (c.ch & ~TC_W_MASK) == 0 && tc_width(c) == TC_W_NARROW;
}

static inline int tc_is_blank(struct tcell c)
{
	return c.ch == 0 && c.fg == 0 && c.bg == 0;
}

/* Which grid term_raw_row() reads. */
enum term_grid { TERM_GRID_PRIMARY, TERM_GRID_ALT, TERM_GRID_SCROLLBACK };

/* Raw cells of one row: screen rows 0..rows-1 of a grid, or scrollback
 * rows -1 (newest) .. -term_scrollback_len().  *len is the number of cells
 * (a scrollback row is trimmed).  NULL when out of range. */
const struct tcell *term_raw_row(const struct term *t, enum term_grid g, int row,
				 unsigned *len);
/* The cell as readers see it (characters, width, attributes, colours). */
void term_decode(const struct term *t, struct tcell c, struct term_cellview *out);
/* The pen the guest writes with now, as a cell. */
struct tcell term_pen(const struct term *t);
/* Where the primary screen's cursor was when the guest switched to the
 * alternate screen (what DECSC saved for ?1049). */
void term_alt_saved_cursor(const struct term *t, int *row, int *col);

/* What libvterm makes of a codepoint: whether it combines with the glyph
 * before it, and its width alone (0 for a mark, -1 for a control).  The
 * answers are asked of a scratch libvterm and cached, both the term's own:
 * terms fed on different threads share nothing, and a term is fed and
 * read by one thread at a time (its caller's lock). */
struct vt_char {
	bool combines;
	int width;
};
struct vt_char term_vt_char(const struct term *t, uint32_t cp);

/* Keyboard output of libvterm goes to `out` between these two calls
 * instead of the query-reply path. */
VTerm *term_capture_begin(struct term *t, struct buf *out);
void term_capture_end(struct term *t);

#endif
