/* bench/term-ingest: how fast a console is ingested.  Generates a 50 MB
 * console-like stream (dmesg-like lines, ls -l-like lines, some SGR colour)
 * and feeds it, in pty-sized 4 KiB pieces, to
 *   - term_feed() at 200x50 with the default 10,000-line scrollback, taking
 *     the dirty span as a drawing client would,
 *   - a bare VTermState whose callbacks do nothing (the floor term/ is
 *     built on),
 *   - libvterm's VTermScreen (the layer term/ replaces),
 * best of three runs each, and prints MB/s (per second of CPU time, so
 * that other load on the machine does not count) and the ratios
 * term/bare-state (target >= 0.8) and term/screen-layer (target >= 4).
 * Then the server's whole console path, term_feed() and the clean-text
 * log, without and with the default ALERT pattern matched against each
 * line (target: alerts/without >= 0.97, nothing measurable).
 *
 *   term-ingest [MEGABYTES [term|state|screen]]   (default 50, all three;
 *                                                  one name: only that one,
 *                                                  for a profiler) */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vterm.h>

#include "conf/conf.h" /* CONF_DEFAULT_ALERT */
#include "lib/util.h"
#include "term/term.h"

#define ROWS 50
#define COLS 200
#define CHUNK 4096

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

static void gen_dmesg(struct buf *b, uint64_t *s, unsigned n)
{
	static const char *msg[] = {
		"usb 1-1: new high-speed USB device number %u using ehci-pci",
		"EXT4-fs (ubda): mounted filesystem with ordered data mode. Quota mode: none.",
		"eth%u: link up, 1000Mbps, full-duplex, lpa 0x45E1",
		"systemd[1]: Started Journal Service (pid %u).",
		"audit: type=1400 audit(1700000000.%u:42): apparmor=\"STATUS\" operation=\"profile_load\"",
		"TCP: request_sock_TCP: Possible SYN flooding on port %u. Sending cookies.",
	};
	unsigned k = rnd(s) % ARRAY_LEN(msg);
	char line[256];
	int len = snprintf(line, sizeof line, "[%5u.%06u] ", n / 100, rnd(s) % 1000000);
	len += snprintf(line + len, sizeof line - (size_t)len, msg[k], rnd(s) % 10000);
	if (k == 2 && rnd(s) % 2) /* some lines in colour, as journalctl and ip -c do */
		buf_printf(b, "\033[32m%s\033[0m\r\n", line);
	else
		buf_printf(b, "%s\r\n", line);
}

static void gen_ls(struct buf *b, uint64_t *s)
{
	static const char *name[] = { "bin", "boot", "etc", "README.md", "linux.uml", "root.loop",
				      "console.log", "Makefile.am", "term-ingest.c" };
	unsigned k = rnd(s) % ARRAY_LEN(name);
	bool dir = k < 3;
	buf_printf(b, "%s %3u root     root     %9u Nov 29 %02u:%02u %s%s%s\r\n",
		   dir ? "drwxr-xr-x" : "-rw-r--r--", 1 + rnd(s) % 20, rnd(s) % 100000000,
		   rnd(s) % 24, rnd(s) % 60, dir ? "\033[01;34m" : "", name[k], dir ? "\033[0m" : "");
}

static void generate(struct buf *b, size_t bytes)
{
	uint64_t s = 0x243f6a8885a308d3ull;
	for (unsigned n = 0; b->len < bytes; n++) {
		if (rnd(&s) % 3)
			gen_dmesg(b, &s, n);
		else
			gen_ls(b, &s);
	}
	b->len = bytes;
}

/* ---- contenders ---- */

static void run_term(const struct buf *b)
{
	struct term *t = term_new(ROWS, COLS, 10000, TERM_SILENT, NULL, NULL);
	int first, last;
	for (size_t off = 0; off < b->len; off += CHUNK) {
		term_feed(t, b->data + off, MIN((size_t)CHUNK, b->len - off));
		if (term_dirty(t, &first, &last)) /* what a pane takes per wake-up */
			term_clean(t);
	}
	term_free(t);
}

static int nop_glyph(VTermGlyphInfo *i, VTermPos p, void *u) { (void)i, (void)p, (void)u; return 1; }
static int nop_move(VTermPos p, VTermPos o, int v, void *u) { (void)p, (void)o, (void)v, (void)u; return 1; }
static int nop_scroll(VTermRect r, int d, int ri, void *u) { (void)r, (void)d, (void)ri, (void)u; return 1; }
static int nop_moverect(VTermRect d, VTermRect s, void *u) { (void)d, (void)s, (void)u; return 1; }
static int nop_erase(VTermRect r, int s, void *u) { (void)r, (void)s, (void)u; return 1; }
static int nop_void(void *u) { (void)u; return 1; }
static int nop_pen(VTermAttr a, VTermValue *v, void *u) { (void)a, (void)v, (void)u; return 1; }
static int nop_prop(VTermProp p, VTermValue *v, void *u) { (void)p, (void)v, (void)u; return 1; }
static int nop_resize(int r, int c, VTermPos *d, void *u) { (void)r, (void)c, (void)d, (void)u; return 1; }
static int nop_line(int r, const VTermLineInfo *n, const VTermLineInfo *o, void *u)
{
	(void)r, (void)n, (void)o, (void)u;
	return 1;
}

static const VTermStateCallbacks nop_state = {
	.putglyph = nop_glyph, .movecursor = nop_move, .scrollrect = nop_scroll,
	.moverect = nop_moverect, .erase = nop_erase, .initpen = nop_void, .setpenattr = nop_pen,
	.settermprop = nop_prop, .bell = nop_void, .resize = nop_resize, .setlineinfo = nop_line,
};

static void run_state(const struct buf *b)
{
	VTerm *vt = vterm_new(ROWS, COLS);
	vterm_set_utf8(vt, 1);
	VTermState *st = vterm_obtain_state(vt);
	vterm_state_set_callbacks(st, &nop_state, NULL);
	vterm_state_reset(st, 1);
	for (size_t off = 0; off < b->len; off += CHUNK)
		vterm_input_write(vt, b->data + off, MIN((size_t)CHUNK, b->len - off));
	vterm_free(vt);
}

static int sb_push(int cols, const VTermScreenCell *cells, void *u)
{
	(void)cols, (void)cells, (void)u;
	return 1;
}

static const VTermScreenCallbacks screen_cbs = { .sb_pushline = sb_push };

static void run_screen(const struct buf *b)
{
	VTerm *vt = vterm_new(ROWS, COLS);
	vterm_set_utf8(vt, 1);
	VTermScreen *sc = vterm_obtain_screen(vt);
	vterm_screen_set_callbacks(sc, &screen_cbs, NULL);
	vterm_screen_enable_altscreen(sc, 1);
	vterm_screen_reset(sc, 1);
	for (size_t off = 0; off < b->len; off += CHUNK)
		vterm_input_write(vt, b->data + off, MIN((size_t)CHUNK, b->len - off));
	vterm_free(vt);
}

/* The server's path for a console's output: the emulator, then the log
 * of clean text (to /dev/null), each line handed to an ALERT matcher or
 * not. */
static regex_t alert_re;
static unsigned long alerts;

static void match_line(void *arg, const char *text, size_t len)
{
	(void)arg;
	char line[1024];
	size_t n = MIN(len, sizeof line - 1);
	memcpy(line, text, n);
	line[n] = '\0';
	alerts += regexec(&alert_re, line, 0, NULL, 0) == 0;
}

static void run_console_with(const struct buf *b, bool alert)
{
	struct term *t = term_new(ROWS, COLS, 10000, TERM_SILENT, NULL, NULL);
	struct term_log *l = term_log_open(NULL, "/dev/null", 0, NULL, NULL);
	if (alert)
		term_log_set_line_cb(l, match_line, NULL);
	for (size_t off = 0; off < b->len; off += CHUNK) {
		size_t n = MIN(CHUNK, b->len - off);
		term_feed(t, b->data + off, n);
		term_log_write(l, b->data + off, n);
	}
	term_log_close(l);
	term_free(t);
}

static void run_console(const struct buf *b)
{
	run_console_with(b, false);
}

static void run_console_alert(const struct buf *b)
{
	run_console_with(b, true);
}

/* CPU time of this thread: the machine is shared, and time spent waiting
 * for a CPU is nobody's speed. */
static double cpu_secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mbps(void (*run)(const struct buf *), const struct buf *b)
{
	double t0 = cpu_secs();
	run(b);
	return (double)b->len / 1e6 / (cpu_secs() - t0);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 50;
	struct buf b = { 0 };
	generate(&b, MAX(mb, (size_t)1) * 1000 * 1000);
	printf("stream: %zu bytes at %ux%u, fed in %u-byte pieces, best of 3, MB per CPU second\n", b.len, COLS, ROWS,
	       CHUNK);
	fflush(stdout);
	if (argc > 2) {
		void (*run)(const struct buf *) = !strcmp(argv[2], "term")    ? run_term
						 : !strcmp(argv[2], "state") ? run_state
									     : run_screen;
		double best = 0;
		for (int i = 0; i < 3; i++)
			best = MAX(best, mbps(run, &b));
		printf("%s: %.1f MB/s\n", argv[2], best);
		buf_free(&b);
		return 0;
	}
	/* Best of three each, taken in turns so that a change in the load on
	 * the machine does not favour one contender. */
	double term = 0, state = 0, screen = 0;
	for (int i = 0; i < 3; i++) {
		term = MAX(term, mbps(run_term, &b));
		state = MAX(state, mbps(run_state, &b));
		screen = MAX(screen, mbps(run_screen, &b));
	}
	printf("term_feed (own grid, dirty span, 10000-line scrollback): %7.1f MB/s\n", term);
	printf("bare VTermState (callbacks do nothing):                  %7.1f MB/s\n", state);
	printf("VTermScreen (libvterm's screen layer):                   %7.1f MB/s\n", screen);
	printf("term/bare-state:   %.2f (target >= 0.8)\n", term / state);
	printf("term/screen-layer: %.2f (target >= 4)\n", term / screen);
	if (regcomp(&alert_re, CONF_DEFAULT_ALERT, REG_EXTENDED | REG_NOSUB) != 0)
		return 1;
	double plain = 0, alert = 0;
	for (int i = 0; i < 3; i++) {
		plain = MAX(plain, mbps(run_console, &b));
		alert = MAX(alert, mbps(run_console_alert, &b));
	}
	printf("console path (term_feed + clean-text log):               %7.1f MB/s\n", plain);
	printf("... with ALERT '%s' on each line: %7.1f MB/s (%lu matches)\n", CONF_DEFAULT_ALERT,
	       alert, alerts);
	printf("alerts/without:    %.2f (target >= 0.97)\n", alert / plain);
	regfree(&alert_re);
	buf_free(&b);
	return 0;
}
