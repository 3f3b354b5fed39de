/* libFuzzer harness for the query filter of `attach --raw` (tui/qstrip):
 * any bytes, fed whole and in pieces whose sizes the input's first byte
 * picks.  What it must hold: the same output however the stream is cut,
 * the output a subsequence of the input (nothing is made up), and the
 * output passing through again unchanged (nothing it lets by would be
 * stripped: no query is left in it; a newline is added for that pass, to
 * end a character the first one was cut in). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "tui/qstrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *in, size_t n, size_t step, struct buf *out)
{
	struct qstrip q;
	qstrip_init(&q);
	for (size_t i = 0; i < n;) {
		size_t k = step && step < n - i ? step : n - i;
		qstrip_feed(&q, (const char *)in + i, k, out);
		i += k;
	}
	qstrip_free(&q);
}

static bool subsequence(const char *sub, size_t m, const uint8_t *s, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < n && j < m; i++)
		if ((uint8_t)sub[j] == s[i])
			j++;
	return j == m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t step = 1 + data[0] % 7;
	data++, size--;
	struct buf whole = { 0 }, pieces = { 0 }, again = { 0 };
	run(data, size, 0, &whole);
	run(data, size, step, &pieces);
	if (whole.len != pieces.len || (whole.len && memcmp(whole.data, pieces.data, whole.len)))
		abort();
	if (!subsequence(whole.data, whole.len, data, size))
		abort();
	/* a newline after it ends a character the stream may have left open */
	buf_append(&whole, "\n", 1);
	run((const uint8_t *)whole.data, whole.len, 0, &again);
	if (again.len != whole.len || memcmp(again.data, whole.data, whole.len))
		abort();
	buf_free(&whole);
	buf_free(&pieces);
	buf_free(&again);
	return 0;
}
