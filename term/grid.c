/* term/grid.c: where a console's cells live: the screen's row ring (one
 * per grid, primary and alternate) and the scrollback's line ring over
 * chunks of cells; a row read by index; a resize that moves rows between
 * the two.  The libvterm callbacks (term.c) write cells through the
 * inline helpers of term-int.h.
 *
 * The screen: rows in a ring, so scrolling moves row indices, not cells.
 *
 *   logical row r  ->  slot[(base + r) % rows]  ->  physical row in cells[]
 *
 *   4 rows after one full-screen scroll up (base 0 -> 1):
 *
 *              slot[]          cells[]: rows x cols, never moved
 *             +-----+         +-------------------------------+
 *             |  0  | ------> | phys 0: row 3 (was the top,   |
 *             |     |         |         blanked: the bottom)  |
 *   base -->  |  1  | ------> | phys 1: row 0 (the top now)   |
 *             |  2  | ------> | phys 2: row 1                 |
 *             |  3  | ------> | phys 3: row 2                 |
 *             +-----+         +-------------------------------+
 *
 *   full-screen scroll up by n: base += n, then blank the n rows that are
 *   now at the bottom (they were the top rows);  a scroll region rotates
 *   the slot entries inside the region (tmp[] is the scratch for it).  No
 *   cell moves either way.  ext[phys] bounds each row's non-blank cells.
 *
 * The scrollback: a ring of lines, oldest at `first`; each line's cells
 * (trimmed of trailing blanks) sit in a chunk of SB_CHUNK cells.  Chunks
 * are used in order and reused, never freed while the term lives:
 *
 *   line ring (cap lines):
 *        first                               first + n (next push)
 *          v                                   v
 *   [ .. | l0 | l1 | l2 | l3 | ... | l(n-1) |    | .. ]  (indices mod cap)
 *          |    |    |    |           |
 *          v    v    v    v           v
 *   chunk queue (q, oldest at qhead):
 *   [c0: l0 l1 l2 ][c1: l3 l4 ... ][c2: ... l(n-1) .....]  <- the tail fills
 *    ^ the oldest chunk: recycled, its lines dropped, when the
 *      chunk budget is reached and no spare is left
 *
 * A line never spans two chunks; an empty line has no cells at all.  A
 * chunk whose lines are all gone goes to `spare`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "term/term-int.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- rows ---- */

/* The row without its trailing blank (zero) cells: eight cells per step,
 * since every line that scrolls into the scrollback is measured. */
static unsigned row_extent(const struct tcell *row, unsigned n)
{
	while (n >= 8) {
		uint64_t v[8];
		memcpy(v, row + n - 8, sizeof v);
		if (v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7])
			break;
		n -= 8;
	}
	while (n && tc_is_blank(row[n - 1]))
		n--;
	return n;
}

static bool row_is_blank(const struct tcell *row, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!tc_is_blank(row[i]))
			return false;
	return true;
}

/* ---- the grid ---- */

void term_grid_init(struct grid *g, unsigned rows, unsigned cols)
{
	g->rows = rows;
	g->cols = cols;
	g->base = 0;
	g->cells = xreallocarray(NULL, (size_t)rows * cols, sizeof *g->cells);
	fill(g->cells, rows * cols, empty_cell);
	g->slot = xreallocarray(NULL, rows, sizeof *g->slot);
	g->tmp = xreallocarray(NULL, rows, sizeof *g->tmp);
	g->ext = xcalloc(rows, sizeof *g->ext);
	for (unsigned r = 0; r < rows; r++)
		g->slot[r] = r;
}

void term_grid_free(struct grid *g)
{
	free(g->cells);
	free(g->slot);
	free(g->tmp);
	free(g->ext);
}

void term_grid_rotate(struct grid *g, unsigned s, unsigned e, int n)
{
	unsigned h = e - s;
	unsigned shift = n >= 0 ? (unsigned)n % h : h - (unsigned)-n % h; /* in [0, h] */
	if (s == 0 && e == g->rows) {
		g->base += shift;
		while (g->base >= h)
			g->base -= h;
		return;
	}
	for (unsigned k = 0; k < h; k++)
		g->tmp[k] = g->slot[(g->base + s + k) % g->rows];
	for (unsigned k = 0; k < h; k++)
		g->slot[(g->base + s + k) % g->rows] = g->tmp[(k + shift) % h];
}

/* ---- scrollback ---- */

/* Ring positions without a division: i < 2 * n always holds here. */
static inline unsigned ring(unsigned i, unsigned n)
{
	return i >= n ? i - n : i;
}

static struct sbline *sb_at(const struct scrollback *sb, unsigned k) /* k: 0 oldest */
{
	return &sb->line[ring(sb->first + k, sb->cap)];
}

static struct sb_chunk *sb_tail(const struct scrollback *sb)
{
	return sb->qlen ? sb->q[ring(sb->qhead + sb->qlen - 1, sb->qcap)] : NULL;
}

static void sb_release(struct scrollback *sb, struct sb_chunk *c)
{
	c->used = 0;
	sb->spare[sb->nspare++] = c;
}

static void sb_drop_oldest(struct scrollback *sb)
{
	struct sbline *l = sb_at(sb, 0);
	sb->first = ring(sb->first + 1, sb->cap);
	sb->n--;
	struct sb_chunk *c = l->chunk;
	if (!c || --c->live)
		return;
	if (sb->qlen > 1 && sb->q[sb->qhead] == c) {
		sb->qhead = ring(sb->qhead + 1, sb->qcap);
		sb->qlen--;
		sb_release(sb, c);
	} else if (c == sb_tail(sb)) {
		c->used = 0;
	}
}

static void sb_queue(struct scrollback *sb, struct sb_chunk *c)
{
	if (sb->qlen == sb->qcap) {
		unsigned ncap = sb->qcap ? 2 * sb->qcap : 8;
		struct sb_chunk **nq = xreallocarray(NULL, ncap, sizeof *nq);
		for (unsigned i = 0; i < sb->qlen; i++)
			nq[i] = sb->q[(sb->qhead + i) % sb->qcap];
		free(sb->q);
		sb->q = nq;
		sb->qcap = ncap;
		sb->qhead = 0;
		sb->spare = xreallocarray(sb->spare, ncap, sizeof *sb->spare);
	}
	sb->q[ring(sb->qhead + sb->qlen++, sb->qcap)] = c;
}

/* A fresh chunk: a spare one, a new one within the budget (enough for
 * every line at full width), or the oldest one, dropping its lines. */
static struct sb_chunk *sb_new_chunk(struct scrollback *sb, unsigned cols)
{
	size_t budget = ((size_t)sb->cap * cols + SB_CHUNK - 1) / SB_CHUNK + 1;
	if (!sb->nspare && sb->nchunks < MAX(budget, 2)) {
		struct sb_chunk *c = xcalloc(1, sizeof *c);
		c->cells = xreallocarray(NULL, SB_CHUNK, sizeof *c->cells);
		sb->nchunks++;
		sb_queue(sb, c);
		return c;
	}
	while (!sb->nspare && sb->n)
		sb_drop_oldest(sb);
	if (!sb->nspare) { /* every line is gone but the tail chunk holds none */
		struct sb_chunk *c = sb_tail(sb);
		c->used = 0;
		return c;
	}
	struct sb_chunk *c = sb->spare[--sb->nspare];
	sb_queue(sb, c);
	return c;
}

/* Scrollback cells are written once and read seldom: on x86-64 they go
 * around the caches (non-temporal stores), so that a busy console does not
 * push the emulator's own working set out of them. */
static void sb_copy(struct tcell *dst, const struct tcell *src, unsigned n)
{
#if defined(__x86_64__) && defined(__SSE2__)
	unsigned i = 0;
	/* One cell if need be, to reach 16-byte alignment; then two at a time. */
	if (n && ((uintptr_t)dst & 15)) {
		long long v;
		memcpy(&v, src, sizeof v);
		_mm_stream_si64((long long *)(void *)dst, v);
		i = 1;
	}
	for (; i + 2 <= n; i += 2)
		_mm_stream_si128((__m128i *)(void *)(dst + i),
				 _mm_loadu_si128((const __m128i *)(const void *)(src + i)));
	if (i < n) {
		long long v;
		memcpy(&v, src + i, sizeof v);
		_mm_stream_si64((long long *)(void *)(dst + i), v);
	}
#else
	memcpy(dst, src, n * sizeof *dst);
#endif
}

void term_sb_push(struct term *t, const struct tcell *cells, unsigned n)
{
	struct scrollback *sb = &t->sb;
	if (!sb->cap)
		return;
	n = row_extent(cells, n);
	if (sb->n == sb->cap)
		sb_drop_oldest(sb);
	struct sbline *l = sb_at(sb, sb->n);
	l->len = n;
	l->chunk = NULL;
	l->cells = NULL;
	if (n) {
		struct sb_chunk *c = sb_tail(sb);
		if (!c || c->used + n > SB_CHUNK)
			c = sb_new_chunk(sb, t->grid[0].cols);
		l->cells = c->cells + c->used;
		l->chunk = c;
		c->used += n;
		c->live++;
		sb_copy(l->cells, cells, n);
	}
	sb->n++;
}

/* Remove the newest line; its cells stay readable until the next push. */
static void sb_pop_newest(struct scrollback *sb)
{
	struct sbline *l = sb_at(sb, --sb->n);
	struct sb_chunk *c = l->chunk;
	if (!c)
		return;
	c->live--;
	if (l->cells + l->len == c->cells + c->used)
		c->used -= l->len;
	if (!c->live && c == sb_tail(sb)) {
		c->used = 0;
		if (sb->qlen > 1) {
			sb->qlen--;
			sb_release(sb, c);
		}
	}
}

void term_sb_clear(struct scrollback *sb)
{
	while (sb->n)
		sb_drop_oldest(sb);
}

void term_sb_free(struct scrollback *sb)
{
	for (unsigned i = 0; i < sb->qlen; i++) {
		struct sb_chunk *c = sb->q[(sb->qhead + i) % sb->qcap];
		free(c->cells);
		free(c);
	}
	for (unsigned i = 0; i < sb->nspare; i++) {
		free(sb->spare[i]->cells);
		free(sb->spare[i]);
	}
	free(sb->q);
	free(sb->spare);
	free(sb->line);
}

/* Copy a row into row r of a new grid. */
static void copy_row(struct grid *g, unsigned r, const struct tcell *src, unsigned n)
{
	struct tcell *dst = grid_row(g, r);
	n = MIN(n, g->cols);
	if (n)
		memcpy(dst, src, n * sizeof *dst);
	fill(dst + n, g->cols - n, empty_cell);
	fix_boundary(dst, g->cols, g->cols);
	*grid_ext(g, r) = (uint16_t)n;
}

/* Resize one grid; returns how far its content moved down (negative: up).
 * Shrinking drops blank rows below `keep` (the cursor row) first, then
 * pushes rows off the top (into the scrollback for the primary screen);
 * growing the primary screen pulls scrollback lines back when `pull`. */
int term_grid_resize(struct term *t, struct grid *g, unsigned rows, unsigned cols, int keep,
		     bool primary, bool pull)
{
	struct grid ng;
	term_grid_init(&ng, rows, cols);
	unsigned old = g->rows;
	int top = 0;
	if (rows < old) {
		unsigned k = old - rows, bottom = old;
		while (k && (int)bottom - 1 > keep && row_is_blank(grid_row(g, bottom - 1), g->cols)) {
			bottom--;
			k--;
		}
		top = (int)k;
		if (primary)
			for (unsigned r = 0; r < k; r++)
				term_sb_push(t, grid_row(g, r), *grid_ext(g, r));
	} else if (rows > old && pull) {
		top = -(int)MIN(rows - old, t->sb.n);
	}
	for (unsigned r = 0; r < rows; r++) {
		int src = top + (int)r;
		if (src < 0) {
			const struct sbline *l = sb_at(&t->sb, (unsigned)((int)t->sb.n + src));
			copy_row(&ng, r, l->cells, l->len);
		} else if ((unsigned)src < old) {
			copy_row(&ng, r, grid_row(g, (unsigned)src), *grid_ext(g, (unsigned)src));
		}
	}
	for (int k = top; k < 0; k++)
		sb_pop_newest(&t->sb);
	term_grid_free(g);
	*g = ng;
	return -top;
}

/* ---- reading rows ---- */

size_t term_scrollback_len(const struct term *t)
{
	return t->sb.n;
}

const struct tcell *term_raw_row(const struct term *t, enum term_grid which, int row,
				 unsigned *len)
{
	if (which == TERM_GRID_SCROLLBACK) {
		if (row >= 0 || (size_t)-(long)row > t->sb.n)
			return NULL;
		const struct sbline *l = sb_at(&t->sb, (unsigned)((int)t->sb.n + row));
		*len = l->len;
		return l->len ? l->cells : &empty_cell;
	}
	const struct grid *g = &t->grid[which == TERM_GRID_ALT];
	if (row < 0 || (unsigned)row >= g->rows)
		return NULL;
	*len = g->cols;
	return grid_row(g, (unsigned)row);
}
