/* `/` in the TUI: find text in the selected console's screen and
 * scrollback (rows -scrollback_len .. rows-1, one accessor for both, as
 * term_cell gives them), move the view so the hit shows, and remember it
 * so n/N go on from there.  Case-blind for ASCII. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

static uint32_t fold(uint32_t c)
{
	return c < 0x80 ? (uint32_t)tolower((int)c) : c;
}

/* The row's characters, one per column (the right half of a wide
 * character is skipped: col[] maps back to screen columns). */
static int row_chars(const struct term *t, int row, unsigned cols, uint32_t *ch, int *col)
{
	int n = 0;
	struct term_cellview cv;
	for (unsigned x = 0; x < cols; x++) {
		if (!term_cell(t, row, x, &cv))
			cv = (struct term_cellview){ .width = 1 };
		if (cv.width == 0)
			continue;
		ch[n] = fold(cv.chars[0] ? cv.chars[0] : ' ');
		col[n++] = (int)x;
	}
	return n;
}

/* The match in one row nearest to `from` in direction dir (from < 0 or
 * past the end: the whole row), as an index into ch, or -1. */
static int match_in_row(const uint32_t *ch, int n, const uint32_t *q, int qn, int from, int dir)
{
	int best = -1;
	for (int i = 0; i + qn <= n; i++) {
		int k = 0;
		while (k < qn && ch[i + k] == q[k])
			k++;
		if (k < qn)
			continue;
		if (dir < 0 && i < from)
			best = i; /* the last one left of from */
		if (dir > 0 && i > from)
			return i;
	}
	return best;
}

static int query_chars(const char *s, uint32_t *q, int cap)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n < cap; p++)
		q[n++] = fold(*p);
	return n;
}

/* Scroll so the hit row is on screen, near the middle when it was not. */
static void reveal(struct tui_pane *p, int row, int max)
{
	int h = p->rect.rows;
	if (row + p->scroll >= 0 && row + p->scroll < h)
		return;
	p->scroll = row >= 0 && row < h ? 0 : MAX(0, MIN(max, -row + h / 2));
}

bool tui_search(struct tui *t, struct tui_pane *p, int dir)
{
	unsigned rows, cols;
	term_size(p->con.term, &rows, &cols);
	uint32_t q[128];
	int qn = query_chars(t->search, q, (int)ARRAY_LEN(q));
	int top = -(int)term_scrollback_len(p->con.term), bottom = (int)rows - 1;
	if (!qn)
		return false;
	uint32_t *ch = xcalloc(cols + 1, sizeof *ch);
	int *col = xcalloc(cols + 1, sizeof *col), found = -1;
	int row = p->hit ? p->hit_row : (dir < 0 ? bottom : top);
	int from = p->hit ? -1 : (dir < 0 ? (int)cols + 1 : -1);
	if (p->hit) /* index of the current hit within its row */
		for (int i = 0, n = row_chars(p->con.term, row, cols, ch, col); i < n; i++)
			if (col[i] == p->hit_col)
				from = i;
	for (; row >= top && row <= bottom; row += dir, from = dir < 0 ? (int)cols + 1 : -1) {
		int n = row_chars(p->con.term, row, cols, ch, col);
		found = match_in_row(ch, n, q, qn, from, dir);
		if (found >= 0) {
			p->hit = true;
			p->hit_row = row;
			p->hit_col = col[found];
			p->hit_len = col[MIN(found + qn - 1, n - 1)] - col[found] + 1;
			break;
		}
	}
	free(ch);
	free(col);
	if (found < 0)
		return false;
	reveal(p, p->hit_row, -top);
	p->repaint = p->retitle = true;
	return true;
}
