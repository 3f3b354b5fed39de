/* The TUI benchmarks' client side: runs a terminal client (umltop, or tmux
 * attach for the anchor) in a pty of a given size, as a person's terminal
 * would, and times what shows on that terminal.
 *
 *   tui-bench ingest [-s RxC] -r READY -t TRIGGER -m MARKER -- CMD...
 *       wait until READY shows, create TRIGGER (the console program then
 *       writes its stream), time until MARKER shows; prints seconds.
 *   tui-bench keys [-s RxC] -r READY [-k PRE] [-n N] -- CMD...
 *       wait until READY shows, type PRE, then N keys one at a time, each
 *       once the last one's echo (tui-echo writes "\r" KEY) shows in column
 *       0 of the top rows, 5 ms apart (typing, not a paste); prints p50
 *       and p99 in ms.
 *   tui-bench hold [-s RxC] -d SECS -- CMD...
 *       print the child's pid, keep its terminal drained for SECS.
 *
 * ingest searches the raw output (emulating 50 MB would time this program,
 * not the client); keys emulates the output with term/ to read cells. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "term/term.h"

struct child {
	int fd;
	pid_t pid;
	unsigned rows, cols;
};

static void spawn(struct child *c, char **argv)
{
	struct winsize ws = { .ws_row = (unsigned short)c->rows, .ws_col = (unsigned short)c->cols };
	c->pid = forkpty(&c->fd, NULL, NULL, &ws);
	if (c->pid < 0) {
		perror("forkpty");
		exit(1);
	}
	if (c->pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
}

static void stop(struct child *c)
{
	kill(c->pid, SIGTERM);
	close(c->fd);
	waitpid(c->pid, NULL, 0);
}

/* Read what is there, waiting at most ms; bytes read, 0 on timeout. */
static ssize_t read_some(struct child *c, char *buf, size_t cap, int ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return 0;
	ssize_t n = read(c->fd, buf, cap);
	if (n <= 0) {
		fprintf(stderr, "tui-bench: the client exited\n");
		exit(1);
	}
	return n;
}

/* A text in the raw output, across read boundaries. */
struct finder {
	const char *want;
	size_t len;
	char tail[256];
	size_t ntail;
};

static bool finder_feed(struct finder *f, const char *buf, size_t n)
{
	char joined[256 + 65536];
	size_t k = MIN(n, sizeof joined - f->ntail);
	memcpy(joined, f->tail, f->ntail);
	memcpy(joined + f->ntail, buf + (n - k), k);
	size_t total = f->ntail + k;
	if (memmem(joined, total, f->want, f->len))
		return true;
	f->ntail = MIN(total, f->len - 1);
	memmove(f->tail, joined + total - f->ntail, f->ntail);
	return false;
}

static void wait_text(struct child *c, const char *text, int timeout_ms)
{
	struct finder f = { .want = text, .len = strlen(text) };
	char buf[65536];
	uint64_t end = util_now_ms() + (uint64_t)timeout_ms;
	while (util_now_ms() < end) {
		ssize_t n = read_some(c, buf, sizeof buf, 100);
		if (n > 0 && finder_feed(&f, buf, (size_t)n))
			return;
	}
	fprintf(stderr, "tui-bench: '%s' did not show within %d ms\n", text, timeout_ms);
	stop(c);
	exit(1);
}

static int do_ingest(struct child *c, const char *ready, const char *trigger,
		     const char *marker)
{
	wait_text(c, ready, 30000);
	uint64_t t0 = util_now_ns();
	int fd = open(trigger, O_WRONLY | O_CREAT, 0600);
	if (fd < 0) {
		perror(trigger);
		return 1;
	}
	close(fd);
	wait_text(c, marker, 600000);
	printf("%.3f\n", (double)(util_now_ns() - t0) / 1e9);
	stop(c);
	return 0;
}

static bool echoed(struct term *t, uint32_t key)
{
	struct term_cellview cv;
	for (int row = 0; row < 6; row++)
		if (term_cell(t, row, 0, &cv) && cv.chars[0] == key)
			return true;
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int do_keys(struct child *c, const char *ready, const char *pre, int n)
{
	static const struct term_callbacks cbs = { 0 };
	struct term *t = term_new(c->rows, c->cols, 0, TERM_SILENT, &cbs, NULL);
	uint64_t *lat = xcalloc((size_t)n, sizeof *lat);
	/* TUI_BENCH_KEYS_LOG=FILE: each key's send time and latency, to look
	 * for a pattern in the slow ones ("ms_since_first_key us" per line). */
	const char *log_path = getenv("TUI_BENCH_KEYS_LOG");
	FILE *log = log_path ? fopen(log_path, "w") : NULL;
	uint64_t first = 0;
	char buf[65536];
	wait_text(c, ready, 30000);
	if (pre && util_write_all(c->fd, pre, strlen(pre)) < 0)
		return 1;
	usleep(300000); /* let the client settle (focus, a repaint) */
	/* the screen so far is not measured (at most 1 s of it: another pane
	 * may be flooding) */
	for (uint64_t end = util_now_ms() + 1000; util_now_ms() < end;) {
		ssize_t got = read_some(c, buf, sizeof buf, 50);
		if (got <= 0)
			break;
		term_feed(t, buf, (size_t)got);
	}
	for (int i = 0; i < n; i++) {
		char key = (char)('A' + i % 26);
		/* 30 s: a key that comes back late is told from one lost */
		uint64_t t0 = util_now_ns(), end = util_now_ms() + 30000;
		util_write_all(c->fd, &key, 1);
		for (;;) {
			ssize_t got = read_some(c, buf, sizeof buf, 100);
			if (got > 0)
				term_feed(t, buf, (size_t)got);
			if (echoed(t, (uint32_t)key))
				break;
			if (util_now_ms() > end) {
				fprintf(stderr, "tui-bench: key %d (%c) never echoed\n", i, key);
				stop(c);
				return 1;
			}
		}
		lat[i] = util_now_ns() - t0;
		if (!first)
			first = t0;
		if (log)
			fprintf(log, "%.3f %.1f\n", (double)(t0 - first) / 1e6, (double)lat[i] / 1e3);
		usleep(5000);
	}
	if (log)
		fclose(log);
	qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
	printf("%.3f %.3f\n", lat[n / 2] / 1e6, lat[(n * 99) / 100] / 1e6);
	free(lat);
	term_free(t);
	stop(c);
	return 0;
}

static int do_hold(struct child *c, int secs)
{
	char buf[65536];
	printf("%d\n", (int)c->pid);
	fflush(stdout);
	uint64_t end = util_now_ms() + (uint64_t)secs * 1000;
	while (util_now_ms() < end)
		read_some(c, buf, sizeof buf, 200);
	stop(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct child c = { .rows = 50, .cols = 200 };
	const char *ready = NULL, *trigger = NULL, *marker = NULL, *pre = NULL;
	int n = 1000, secs = 20, opt;
	if (argc < 2) {
		fprintf(stderr, "usage: tui-bench ingest|keys|hold [options] -- CMD...\n");
		return 2;
	}
	const char *mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "s:r:t:m:k:n:d:")) != -1) {
		switch (opt) {
		case 's': sscanf(optarg, "%ux%u", &c.rows, &c.cols); break;
		case 'r': ready = optarg; break;
		case 't': trigger = optarg; break;
		case 'm': marker = optarg; break;
		case 'k': pre = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc || n <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	spawn(&c, argv + optind);
	if (!strcmp(mode, "ingest") && ready && trigger && marker)
		return do_ingest(&c, ready, trigger, marker);
	if (!strcmp(mode, "keys") && ready)
		return do_keys(&c, ready, pre, n);
	if (!strcmp(mode, "hold"))
		return do_hold(&c, secs);
	stop(&c);
	fprintf(stderr, "tui-bench: bad mode or missing option\n");
	return 2;
}
