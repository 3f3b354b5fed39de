/* term/log.c: a console's log files: the raw byte stream, and clean text
 * (completed lines with escape sequences and control characters removed,
 * each prefixed by the local time its first byte arrived).  Files are
 * created 0600, never through a symlink, appended and rotated to NAME.1 at
 * a size cap.  A failing file is reported once and skipped; the console
 * it logs never waits or stops for it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "term/term.h"

/* A line longer than this is written out as if it had ended: a guest that
 * never sends a newline cannot make the log buffer grow without bound. */
#define LINE_MAX_BYTES 65536

struct logfile {
	char *path;
	int fd;
	uint64_t size;
	bool failed; /* reported, and nothing written since */
};

/* Escape-stripping states, enough for what consoles send: CSI, OSC/DCS
 * and other strings (ended by BEL or ST), and two-byte escapes. */
enum strip_state { S_TEXT, S_ESC, S_CSI, S_STR, S_STR_ESC };

struct term_log {
	struct logfile raw, text;
	uint64_t max_bytes;
	void (*errmsg)(void *arg, const char *msg);
	void *arg;
	void (*discard)(char *path, void *arg);
	void *discard_arg;
	void (*line_cb)(void *arg, const char *text, size_t len);
	void *line_arg;

	enum strip_state st;
	struct buf line;    /* the current clean line */
	bool in_line;       /* a byte of the current line has arrived */
	bool cr;            /* CR seen: text that follows overwrites the line */
	time_t line_start;
	struct buf done;    /* completed lines of this write, stamped */
	time_t stamp_time;  /* the second stamp[] was formatted for */
	char stamp[32];
	size_t stamp_len;
};

static void report(struct term_log *l, struct logfile *f, const char *what, int err)
{
	if (f->failed)
		return;
	f->failed = true;
	if (!l->errmsg)
		return;
	char *msg = xasprintf("%s: %s: %s", f->path, what, strerror(err));
	l->errmsg(l->arg, msg);
	free(msg);
}

static void file_open(struct term_log *l, struct logfile *f)
{
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		     0600);
	if (f->fd < 0) {
		report(l, f, "open", errno);
		return;
	}
	struct stat st;
	int err = fstat(f->fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	if (err) {
		/* A FIFO or a device would block or swallow the log. */
		report(l, f, "open", err);
		close(f->fd);
		f->fd = -1;
		return;
	}
	if (st.st_mode & 077)
		fchmod(f->fd, 0600);
	f->size = (uint64_t)st.st_size;
}

static void file_init(struct term_log *l, struct logfile *f, const char *path)
{
	f->fd = -1;
	if (!path)
		return;
	f->path = xstrdup(path);
	/* A server stopped between a rotation's rename and the removal
	 * (file_rotate) leaves NAME.1.gone behind: it goes now, unlinked at
	 * once (up to LOG_MAX of file): only an instance's first start pays
	 * for it. */
	char *gone = xasprintf("%s.1.gone", path);
	unlink(gone);
	free(gone);
	file_open(l, f);
}

/* NAME becomes NAME.1.  Renaming over an older NAME.1 would free its
 * blocks in the rename, and ext4 then writes all of NAME out first (its
 * replace-by-rename safeguard): 13-15 ms for 16 MB here, with every
 * console waiting.  The older NAME.1 moves aside as NAME.1.gone instead,
 * and discard() removes it. */
static void file_rotate(struct term_log *l, struct logfile *f)
{
	char *old = xasprintf("%s.1", f->path);
	char *gone = xasprintf("%s.1.gone", f->path);
	close(f->fd);
	f->fd = -1;
	if (rename(old, gone) == 0) {
		l->discard(gone, l->discard_arg);
		gone = NULL;
	} else if (errno != ENOENT) {
		report(l, f, "rotate", errno);
	}
	if (rename(f->path, old) < 0)
		report(l, f, "rotate", errno);
	free(gone);
	free(old);
	file_open(l, f);
}

static void discard_now(char *path, void *arg)
{
	(void)arg;
	unlink(path);
	free(path);
}

void term_log_set_line_cb(struct term_log *l,
			  void (*line)(void *arg, const char *text, size_t len), void *arg)
{
	l->line_cb = line;
	l->line_arg = arg;
}

void term_log_set_discard(struct term_log *l, void (*discard)(char *path, void *arg), void *arg)
{
	l->discard = discard ? discard : discard_now;
	l->discard_arg = arg;
}

static void file_write(struct term_log *l, struct logfile *f, const char *p, size_t n)
{
	if (f->fd < 0 || !n)
		return;
	if (l->max_bytes && f->size && f->size + n > l->max_bytes)
		file_rotate(l, f);
	size_t off = 0;
	while (f->fd >= 0 && off < n) {
		ssize_t w = write(f->fd, p + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			f->size += (uint64_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else {
			/* The rest of this write is lost; the console goes on. */
			report(l, f, "write", w < 0 ? errno : EIO);
			return;
		}
	}
	f->failed = false;
}

static void file_close(struct logfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
}

struct term_log *term_log_open(const char *raw_path, const char *text_path, uint64_t max_bytes,
			       void (*errmsg)(void *arg, const char *msg), void *arg)
{
	struct term_log *l = xcalloc(1, sizeof *l);
	l->max_bytes = max_bytes;
	l->errmsg = errmsg;
	l->arg = arg;
	l->discard = discard_now;
	file_init(l, &l->raw, raw_path);
	file_init(l, &l->text, text_path);
	return l;
}

/* ---- clean text ---- */

static void line_end(struct term_log *l)
{
	/* A flood ends thousands of lines a second: format each second once. */
	if (l->stamp_len == 0 || l->stamp_time != l->line_start) {
		struct tm tm;
		localtime_r(&l->line_start, &tm);
		l->stamp_len = strftime(l->stamp, sizeof l->stamp, "%Y-%m-%d %H:%M:%S ", &tm);
		l->stamp_time = l->line_start;
	}
	buf_append(&l->done, l->stamp, l->stamp_len);
	buf_append(&l->done, l->line.data ? l->line.data : "", l->line.len);
	if (l->line_cb)
		l->line_cb(l->line_arg, l->line.data ? l->line.data : "", l->line.len);
	buf_append(&l->done, "\n", 1);
	l->line.len = 0;
	l->in_line = false;
	l->cr = false;
}

static void line_byte(struct term_log *l, unsigned char b, time_t now)
{
	if (!l->in_line) {
		l->in_line = true;
		l->line_start = now;
	}
	if (b == '\n') {
		line_end(l);
	} else if (b == '\r') {
		l->cr = true;
	} else if (b == '\b') {
		while (l->line.len && ((unsigned char)l->line.data[l->line.len - 1] & 0xc0) == 0x80)
			l->line.len--;
		if (l->line.len)
			l->line.len--;
	} else if (b >= 0x20 || b == '\t') {
		if (b == 0x7f)
			return;
		if (l->cr) /* a carriage return and more text: the line is redrawn */
			l->line.len = 0;
		l->cr = false;
		char c = (char)b;
		buf_append(&l->line, &c, 1);
		if (l->line.len >= LINE_MAX_BYTES)
			line_end(l);
	}
}

static void strip_byte(struct term_log *l, unsigned char b, time_t now)
{
	if (b == 0x18 || b == 0x1a) { /* CAN, SUB: abort any sequence */
		l->st = S_TEXT;
		return;
	}
	switch (l->st) {
	case S_TEXT:
		if (b == 0x1b)
			l->st = S_ESC;
		else
			line_byte(l, b, now);
		break;
	case S_ESC:
		if (b == '[')
			l->st = S_CSI;
		else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
			l->st = S_STR;
		else if (b < 0x20 || (b >= 0x20 && b < 0x30))
			; /* intermediates (and stray controls) inside the escape */
		else
			l->st = S_TEXT;
		break;
	case S_CSI:
		if (b == 0x1b)
			l->st = S_ESC;
		else if (b >= 0x40 && b <= 0x7e)
			l->st = S_TEXT;
		break;
	case S_STR:
		if (b == 0x07)
			l->st = S_TEXT;
		else if (b == 0x1b)
			l->st = S_STR_ESC;
		break;
	case S_STR_ESC:
		l->st = S_ESC;
		if (b == '\\')
			l->st = S_TEXT;
		else
			strip_byte(l, b, now);
		break;
	}
}

/* Bytes that line_byte() would append one at a time. */
static bool plain(unsigned char b)
{
	return b >= 0x20 && b != 0x7f;
}

/* The common case in bulk: a run of plain text outside any sequence, the
 * same as line_byte() for each byte. */
static void line_text(struct term_log *l, const char *text, size_t n, time_t now)
{
	while (n) {
		if (!l->in_line) {
			l->in_line = true;
			l->line_start = now;
		}
		if (l->cr) /* a carriage return and more text: the line is redrawn */
			l->line.len = 0;
		l->cr = false;
		size_t take = MIN(n, LINE_MAX_BYTES - l->line.len);
		buf_append(&l->line, text, take);
		text += take;
		n -= take;
		if (l->line.len >= LINE_MAX_BYTES)
			line_end(l);
	}
}

void term_log_write(struct term_log *l, const char *bytes, size_t len)
{
	if (!l || !len)
		return;
	file_write(l, &l->raw, bytes, len);
	if (l->text.fd < 0)
		return;
	time_t now = time(NULL);
	for (size_t i = 0; i < len;) {
		size_t j = i;
		if (l->st == S_TEXT)
			while (j < len && plain((unsigned char)bytes[j]))
				j++;
		if (j > i) {
			line_text(l, bytes + i, j - i, now);
			i = j;
		} else {
			strip_byte(l, (unsigned char)bytes[i++], now);
		}
	}
	file_write(l, &l->text, l->done.data, l->done.len);
	l->done.len = 0;
}

void term_log_close(struct term_log *l)
{
	if (!l)
		return;
	if (l->text.fd >= 0 && l->in_line && l->line.len) {
		line_end(l); /* the last words of a console, often a prompt */
		file_write(l, &l->text, l->done.data, l->done.len);
	}
	file_close(&l->raw);
	file_close(&l->text);
	buf_free(&l->line);
	buf_free(&l->done);
	free(l);
}
