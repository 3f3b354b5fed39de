/* tui/tui-layout.c: the TUI's pane grid.  Every layout over a range of
 * terminal sizes and fleet sizes must keep panes inside the screen, apart,
 * at least the minimum size, and show every instance on some page; the
 * acceptance sizes (3 at 200x50, 12 at 200x50, 80x24) get the grids a
 * person would call readable. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tui/tui-int.h"

/* The pane area of a W x H terminal: below the header, above the message line. */
static int lay(int w, int h, int n, int sel, bool zoom, struct tui_layout *l)
{
	return tui_layout_compute(1, 0, h - 2, w, n, sel, zoom, l);
}

static bool apart(const struct tui_rect *a, const struct tui_rect *b)
{
	return a->x + a->w <= b->x || b->x + b->w <= a->x || a->y + a->h <= b->y ||
	       b->y + b->h <= a->y;
}

static void check_page(const struct tui_layout *l, int w, int h)
{
	for (int i = 0; i < l->count; i++) {
		const struct tui_rect *r = &l->rect[i];
		assert_true(r->y >= 1 && r->x >= 0);
		assert_true(r->y + r->h <= h - 1 && r->x + r->w <= w);
		assert_true(r->cols >= TUI_MIN_COLS && r->rows >= TUI_MIN_ROWS);
		assert_int_equal(r->rows, r->h - 1);            /* title row */
		assert_true(r->w == r->cols || r->w == r->cols + 1); /* separator */
		for (int j = 0; j < i; j++)
			assert_true(apart(r, &l->rect[j]));
	}
}

static void every_size_is_sound(void **state)
{
	static const int ws[] = { 62, 80, 120, 200, 250 }, hs[] = { 12, 24, 50, 70 };
	for (size_t a = 0; a < ARRAY_LEN(ws); a++)
		for (size_t b = 0; b < ARRAY_LEN(hs); b++)
			for (int n = 1; n <= 50; n++) {
				struct tui_layout l;
				int seen = 0;
				for (int sel = 0; sel < n; sel = seen) {
					assert_int_equal(lay(ws[a], hs[b], n, sel, false, &l), 0);
					assert_int_equal(l.first, seen); /* pages in order */
					assert_true(l.count >= 1);
					check_page(&l, ws[a], hs[b]);
					seen += l.count;
					tui_layout_free(&l);
				}
				assert_int_equal(seen, n);
			}
}

static void three_at_200x50(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(200, 50, 3, 0, false, &l), 0);
	assert_int_equal(l.pages, 1);
	assert_int_equal(l.gcols, 2);
	assert_int_equal(l.grows, 2);
	/* two side by side, the third takes the whole last row */
	assert_int_equal(l.rect[0].cols + 1 + l.rect[1].cols, 200);
	assert_int_equal(l.rect[2].cols, 200);
	assert_int_equal(l.rect[0].rows, 23);
	tui_layout_free(&l);
}

static void twelve_at_200x50(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(200, 50, 12, 11, false, &l), 0);
	assert_int_equal(l.pages, 1);
	assert_int_equal(l.count, 12);
	assert_int_equal(l.gcols, 4);
	assert_int_equal(l.grows, 3);
	for (int i = 0; i < 12; i++)
		assert_true(l.rect[i].cols >= 49 && l.rect[i].rows >= 15);
	tui_layout_free(&l);
}

static void pages_at_80x24(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(80, 24, 12, 7, false, &l), 0);
	assert_int_equal(l.pages, 2);
	assert_int_equal(l.page, 1);
	assert_int_equal(l.per_page, 6);
	assert_int_equal(l.first, 6);
	assert_int_equal(l.count, 6);
	assert_int_equal(tui_layout_hit(&l, l.rect[0].y, l.rect[0].x), 6);
	tui_layout_free(&l);
}

static void zoom_takes_the_area(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(200, 50, 12, 5, true, &l), 0);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.first, 5);
	assert_int_equal(l.rect[0].rows, 47);
	assert_int_equal(l.rect[0].cols, 200);
	tui_layout_free(&l);
}

static void too_small(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(TUI_MIN_COLS - 1, 24, 3, 0, false, &l), -ENOSPC);
	assert_int_equal(lay(80, TUI_MIN_ROWS + 2, 3, 0, false, &l), -ENOSPC);
	assert_int_equal(lay(80, 24, 0, 0, false, &l), 0);
	assert_int_equal(l.count, 0);
}

static void hit_and_neighbours(void **state)
{
	struct tui_layout l;
	assert_int_equal(lay(200, 50, 3, 0, false, &l), 0);
	/* 0 1 / 2 2 */
	assert_int_equal(tui_layout_neighbour(&l, 0, 0, 1), 1);
	assert_int_equal(tui_layout_neighbour(&l, 1, 0, -1), 0);
	assert_int_equal(tui_layout_neighbour(&l, 0, 1, 0), 2);
	assert_int_equal(tui_layout_neighbour(&l, 1, 1, 0), 2);
	assert_int_equal(tui_layout_neighbour(&l, 1, 0, 1), 1); /* nothing right */
	assert_int_equal(tui_layout_neighbour(&l, 0, -1, 0), 0); /* nothing above */
	int up = tui_layout_neighbour(&l, 2, -1, 0);
	assert_true(up == 0 || up == 1);
	assert_int_equal(tui_layout_hit(&l, 0, 0), -1); /* the header */
	assert_int_equal(tui_layout_hit(&l, 1, 0), 0);
	assert_int_equal(tui_layout_hit(&l, 5, 150), 1);
	assert_int_equal(tui_layout_hit(&l, 47, 199), 2);
	assert_int_equal(tui_layout_hit(&l, 49, 0), -1); /* the message line */
	tui_layout_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_size_is_sound),
		cmocka_unit_test(three_at_200x50),
		cmocka_unit_test(twelve_at_200x50),
		cmocka_unit_test(pages_at_80x24),
		cmocka_unit_test(zoom_takes_the_area),
		cmocka_unit_test(too_small),
		cmocka_unit_test(hit_and_neighbours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
