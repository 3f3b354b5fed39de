/* The TUI's pane grid: which instances are on screen (pages), the grid that
 * shows them most readably, each pane's rectangle, and moving between
 * panes.  Pure arithmetic on cells: no curses, no state. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tui/tui-int.h"

/* A console shown at 80x24 is fully readable; the score of a grid is how
 * much of such a console its smallest pane shows, the lesser of the two
 * ratios (a pane 200 wide but 5 high is not readable). */
#define IDEAL_COLS 80.0
#define IDEAL_ROWS 24.0

static int ceil_div(int a, int b)
{
	return (a + b - 1) / b;
}

static double grid_score(int h, int w, int m, int c)
{
	int r = ceil_div(m, c);
	double cols = (w - (c - 1)) / c, rows = h / r - 1;
	double s = MIN(cols / IDEAL_COLS, rows / IDEAL_ROWS);
	return MIN(s, 1.0) * 1e6 + cols * rows; /* then the larger pane */
}

/* The grid (columns) for m panes in h x w, within maxc x maxr. */
static int pick_columns(int h, int w, int m, int maxc, int maxr)
{
	int best = 0;
	double best_score = -1;
	for (int c = 1; c <= MIN(m, maxc); c++) {
		if (ceil_div(m, c) > maxr)
			continue;
		double s = grid_score(h, w, m, c);
		if (s > best_score) {
			best_score = s;
			best = c;
		}
	}
	return best;
}

/* Row `row` of the grid holds k panes sharing the width w; the first
 * ones take the odd cells left over. */
static void lay_row(struct tui_rect *r, int y, int x, int h, int w, int k)
{
	int cols = w - (k - 1), base = cols / k, extra = cols % k;
	for (int i = 0; i < k; i++) {
		int cw = base + (i < extra);
		bool sep = i < k - 1;
		r[i] = (struct tui_rect){ .y = y, .x = x, .h = h, .w = cw + sep,
					  .rows = h - 1, .cols = cw };
		x += cw + sep;
	}
}

static void lay_grid(struct tui_layout *l, int y, int x, int h, int w)
{
	int c = l->gcols, r = l->grows, base = h / r, extra = h % r, done = 0;
	for (int row = 0; row < r; row++) {
		int rh = base + (row < extra);
		int k = MIN(c, l->count - done);
		lay_row(l->rect + done, y, x, rh, w, k);
		done += k;
		y += rh;
	}
}

int tui_layout_compute(int y, int x, int h, int w, int n, int sel, bool zoom,
		       struct tui_layout *out)
{
	*out = (struct tui_layout){ .pages = 1 };
	int maxc = (w + 1) / (TUI_MIN_COLS + 1), maxr = h / (TUI_MIN_ROWS + 1);
	if (maxc < 1 || maxr < 1)
		return -ENOSPC;
	if (n <= 0)
		return 0;
	sel = MAX(0, MIN(sel, n - 1));
	if (zoom) {
		out->first = sel;
		out->count = out->gcols = out->grows = out->per_page = 1;
		out->rect = xcalloc(1, sizeof *out->rect);
		out->rect[0] = (struct tui_rect){ y, x, h, w, h - 1, w };
		return 0;
	}
	int per_page = out->per_page = maxc * maxr;
	out->pages = ceil_div(n, per_page);
	out->page = sel / per_page;
	out->first = out->page * per_page;
	out->count = MIN(per_page, n - out->first);
	out->gcols = pick_columns(h, w, out->count, maxc, maxr);
	out->grows = ceil_div(out->count, out->gcols);
	out->rect = xcalloc((size_t)out->count, sizeof *out->rect);
	lay_grid(out, y, x, h, w);
	return 0;
}

void tui_layout_free(struct tui_layout *l)
{
	free(l->rect);
	l->rect = NULL;
	l->count = 0;
}

int tui_layout_hit(const struct tui_layout *l, int y, int x)
{
	for (int i = 0; i < l->count; i++) {
		const struct tui_rect *r = &l->rect[i];
		if (y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
			return l->first + i;
	}
	return -1;
}

static bool overlap(int a0, int alen, int b0, int blen)
{
	return a0 < b0 + blen && b0 < a0 + alen;
}

/* Distance to the nearest pane edge in the direction, or -1 when r is not
 * in that direction from from. */
static int ahead(const struct tui_rect *from, const struct tui_rect *r, int dy, int dx)
{
	if (dx > 0 && r->x >= from->x + from->w && overlap(from->y, from->h, r->y, r->h))
		return r->x - from->x;
	if (dx < 0 && r->x + r->w <= from->x && overlap(from->y, from->h, r->y, r->h))
		return from->x - r->x;
	if (dy > 0 && r->y >= from->y + from->h && overlap(from->x, from->w, r->x, r->w))
		return r->y - from->y;
	if (dy < 0 && r->y + r->h <= from->y && overlap(from->x, from->w, r->x, r->w))
		return from->y - r->y;
	return -1;
}

int tui_layout_neighbour(const struct tui_layout *l, int i, int dy, int dx)
{
	int k = i - l->first;
	if (k < 0 || k >= l->count)
		return i;
	const struct tui_rect *from = &l->rect[k];
	int best = -1, best_d = 0, best_off = 0;
	for (int j = 0; j < l->count; j++) {
		int d = ahead(from, &l->rect[j], dy, dx);
		if (d < 0)
			continue;
		/* Among the nearest row or column, the one most in line. */
		int off = dx ? abs((l->rect[j].y + l->rect[j].h / 2) - (from->y + from->h / 2))
			     : abs((l->rect[j].x + l->rect[j].w / 2) - (from->x + from->w / 2));
		if (best < 0 || d < best_d || (d == best_d && off < best_off)) {
			best = j;
			best_d = d;
			best_off = off;
		}
	}
	return best < 0 ? i : l->first + best;
}
