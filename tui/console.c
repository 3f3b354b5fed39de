/* The client side of one console: the term a snapshot resets and output
 * feeds, and when each frame is taken (see console.h). */
#include "config.h"

#include "lib/util.h"
#include "tui/console.h"

void console_init(struct console *c, unsigned scrollback, const struct term_callbacks *cbs,
		  void *arg)
{
	*c = (struct console){ .scrollback = scrollback, .cbs = cbs, .cb_arg = arg };
}

void console_free(struct console *c)
{
	if (c->term)
		term_free(c->term);
	c->term = NULL;
	c->awaited = false;
}

void console_asked(struct console *c)
{
	c->awaited = true;
}

bool console_snapshot(struct console *c, const struct proto_snapshot *s, bool scrolled)
{
	if (c->term && scrolled && !c->awaited) {
		/* A screen of a flood (or its end) while someone reads the
		 * history: keep the view still. */
		c->stale = true;
		return false;
	}
	c->stale = false;
	c->awaited = false;
	/* every snapshot is a reset: this size, these bytes */
	if (c->term)
		term_free(c->term);
	c->term = term_new(s->rows, s->cols, c->scrollback, TERM_SILENT, c->cbs, c->cb_arg);
	term_feed(c->term, (const char *)s->bytes, s->len);
	return true;
}

bool console_live(const struct console *c)
{
	return c->term && !c->awaited && !c->stale;
}

bool console_output(struct console *c, const void *bytes, size_t len)
{
	if (!console_live(c))
		return false; /* a SNAPSHOT on its way (or asked for later) holds these bytes */
	term_feed(c->term, bytes, len);
	return true;
}

bool console_size_differs(const struct console *c, unsigned rows, unsigned cols)
{
	if (!c->term || c->awaited || !rows || !cols)
		return false;
	unsigned r, k;
	term_size(c->term, &r, &k);
	return r != rows || k != cols;
}

int console_take_scroll(struct console *c)
{
	int len = c->term ? (int)term_scrollback_len(c->term) : 0;
	if (!c->scroll_wanted || !len)
		return 0;
	int s = MIN(c->scroll_wanted, len);
	c->scroll_wanted = 0;
	return s;
}

#define ECHO_BYTES 1024 /* output this small, */
#define ECHO_MS 500     /* this soon after a key */

bool console_is_echo(size_t len, uint64_t ms_since_key)
{
	return len <= ECHO_BYTES && ms_since_key < ECHO_MS;
}
