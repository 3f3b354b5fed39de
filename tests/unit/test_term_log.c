/* term/ console logs: raw bytes and clean text lines with timestamps land
 * in files created 0600; escape sequences are stripped even when split
 * across writes; symlinks are refused; rotation at the size cap keeps the
 * newest bytes; a failing file (a full disk, by RLIMIT_FSIZE) is reported
 * once and logging resumes when it can. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "term/term.h"
#include "tests/unit/test_term_util.h"

struct errs {
	int n;
	char last[512];
};

static void on_err(void *arg, const char *msg)
{
	struct errs *e = arg;
	e->n++;
	snprintf(e->last, sizeof e->last, "%s", msg);
}

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_term_log.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void logs(struct term_log *l, const char *s)
{
	term_log_write(l, s, strlen(s));
}

/* Each line of the text log is "YYYY-MM-DD HH:MM:SS " + text; the stamps
 * must lie in [from, to]; the texts are returned joined by '|'. */
static char *text_lines(const char *path, time_t from, time_t to)
{
	size_t len;
	char *s = tt_slurp(path, &len);
	assert_non_null(s);
	struct buf out = { 0 };
	buf_append(&out, "", 0);
	for (char *line = s; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		struct tm tm = { 0 };
		char *rest = strptime(line, "%Y-%m-%d %H:%M:%S ", &tm);
		assert_non_null(rest);
		assert_int_equal(rest - line, 20);
		tm.tm_isdst = -1;
		time_t when = mktime(&tm);
		assert_true(when >= from - 1 && when <= to + 1);
		if (out.len)
			buf_append(&out, "|", 1);
		buf_append(&out, rest, strlen(rest));
		line = nl + 1;
	}
	free(s);
	return out.data;
}

static void test_raw_and_text(void **state)
{
	(void)state;
	char *raw = path_of("web.raw"), *text = path_of("web.log");
	struct errs e = { 0 };
	mode_t old = umask(0);
	time_t t0 = time(NULL);
	struct term_log *l = term_log_open(raw, text, 0, on_err, &e);
	const char *out = "Linux version 6.1\r\n\033[32mOK\033[0m  Started\r\n/ # \033[6n";
	logs(l, out);
	struct stat st;
	assert_int_equal(stat(raw, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(text, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Only completed lines so far. */
	char *lines = text_lines(text, t0, time(NULL));
	assert_string_equal(lines, "Linux version 6.1|OK  Started");
	free(lines);
	term_log_close(l); /* the prompt still waiting is written at the end */
	umask(old);
	lines = text_lines(text, t0, time(NULL));
	assert_string_equal(lines, "Linux version 6.1|OK  Started|/ # ");
	free(lines);
	size_t len;
	char *got = tt_slurp(raw, &len);
	assert_int_equal(len, strlen(out));
	assert_memory_equal(got, out, len);
	free(got);
	assert_int_equal(e.n, 0);
	free(raw);
	free(text);
}

/* Escape sequences go, in whatever pieces they arrive; a carriage return
 * followed by text is a redrawn line; backspace takes back a character. */
static void test_stripping(void **state)
{
	(void)state;
	char *text = path_of("strip.log");
	time_t t0 = time(NULL);
	struct term_log *l = term_log_open(NULL, text, 0, NULL, NULL);
	static const char *pieces[] = {
		"\033]0;title\a\033[1;3", "1mred\033", "[0m plain\r\n",
		"\033P$qm\033\\dcs gone\033]2;st\033\\\r\n",
		"10%\r50%\r100%\r\n",
		"typo\b\bpo \xc3\xa9\b!\x01\x07\x7f\r\n",
		"tab\there\033(B\033=\033[?25l end\r\n",
		"\033[2J\033[H\033[K\r\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(pieces); i++)
		logs(l, pieces[i]);
	term_log_close(l);
	char *lines = text_lines(text, t0, time(NULL));
	assert_string_equal(lines, "red plain|dcs gone|100%|typo !|tab\there end|");
	free(lines);
	free(text);
}

static void test_appends_and_tightens_mode(void **state)
{
	(void)state;
	char *raw = path_of("old.raw");
	int fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "before\n", 7), 7);
	fchmod(fd, 0644);
	close(fd);
	struct term_log *l = term_log_open(raw, NULL, 0, NULL, NULL);
	logs(l, "after\n");
	term_log_close(l);
	size_t len;
	char *got = tt_slurp(raw, &len);
	assert_string_equal(got, "before\nafter\n");
	free(got);
	struct stat st;
	assert_int_equal(stat(raw, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(raw);
}

/* A symlink where the log should be is refused, once, loudly; the file it
 * points to is not touched; the other log goes on. */
static void test_refuses_symlink(void **state)
{
	(void)state;
	char *target = path_of("victim"), *raw = path_of("link.raw"), *text = path_of("ok.log");
	int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(target, raw), 0);
	struct errs e = { 0 };
	struct term_log *l = term_log_open(raw, text, 0, on_err, &e);
	logs(l, "one\n");
	logs(l, "two\n");
	term_log_close(l);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.last, raw));
	assert_non_null(strstr(e.last, strerror(ELOOP)));
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 0);
	size_t len;
	char *got = tt_slurp(text, &len);
	assert_non_null(strstr(got, "one\n"));
	assert_non_null(strstr(got, "two\n"));
	free(got);
	free(target);
	free(raw);
	free(text);
}

/* A FIFO with no reader instead of a file: refused at once (a log must not
 * block the console), reported once. */
static void test_refuses_fifo(void **state)
{
	(void)state;
	char *text = path_of("fifo.log");
	assert_int_equal(mkfifo(text, 0600), 0);
	struct errs e = { 0 };
	struct term_log *l = term_log_open(NULL, text, 0, on_err, &e);
	logs(l, "line\n");
	logs(l, "line\n");
	term_log_close(l);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.last, text));
	free(text);
}

/* At the cap the file becomes NAME.1 (replacing an older one) and a new
 * file starts: the newest bytes are always there. */
static void test_rotation(void **state)
{
	(void)state;
	char *raw = path_of("rot.raw"), *raw1 = path_of("rot.raw.1");
	struct term_log *l = term_log_open(raw, NULL, 100, NULL, NULL);
	char all[250];
	for (int i = 0; i < 25; i++) {
		char piece[16];
		snprintf(piece, sizeof piece, "%09d\n", i);
		memcpy(all + 10 * i, piece, 10);
		term_log_write(l, piece, 10);
	}
	term_log_close(l);
	size_t n0, n1;
	char *cur = tt_slurp(raw, &n0), *old = tt_slurp(raw1, &n1);
	assert_int_equal(n1, 100);
	assert_memory_equal(old, all + 100, 100);
	assert_int_equal(n0, 50);
	assert_memory_equal(cur, all + 200, 50);
	struct stat st;
	assert_int_equal(stat(raw1, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(cur);
	free(old);
	free(raw);
	free(raw1);
}

static void keep_discarded(char *path, void *arg)
{
	char **last = arg;
	free(*last);
	*last = path;
}

/* Rotation never renames over the older NAME.1: it moves aside as
 * NAME.1.gone, which discard() is given (by default it is unlinked). */
static void test_rotation_discard(void **state)
{
	(void)state;
	char *raw = path_of("disc.raw"), *raw1 = path_of("disc.raw.1");
	char *gone = path_of("disc.raw.1.gone");
	char *last = NULL;
	struct term_log *l = term_log_open(raw, NULL, 10, NULL, NULL);
	term_log_set_discard(l, keep_discarded, &last);
	term_log_write(l, "aaaaaaaaa\n", 10);
	term_log_write(l, "bbbbbbbbb\n", 10); /* aaa to .1: nothing to discard */
	assert_null(last);
	term_log_write(l, "ccccccccc\n", 10); /* bbb to .1, aaa discarded */
	assert_non_null(last);
	assert_string_equal(last, gone);
	size_t n;
	char *old = tt_slurp(gone, &n);
	assert_int_equal(n, 10);
	assert_memory_equal(old, "aaaaaaaaa\n", 10);
	free(old);
	old = tt_slurp(raw1, &n);
	assert_memory_equal(old, "bbbbbbbbb\n", 10);
	free(old);
	/* the default: unlinked at once */
	term_log_set_discard(l, NULL, NULL);
	term_log_write(l, "ddddddddd\n", 10);
	struct stat st;
	assert_int_equal(stat(gone, &st), -1);
	assert_int_equal(errno, ENOENT);
	old = tt_slurp(raw1, &n);
	assert_memory_equal(old, "ccccccccc\n", 10);
	free(old);
	term_log_close(l);
	free(last);
	free(raw);
	free(raw1);
	free(gone);
}

/* A NAME.1.gone left by a server stopped mid-rotation goes when the log
 * is next opened; NAME.1 stays. */
static void test_stale_gone_removed(void **state)
{
	(void)state;
	char *raw = path_of("stale.raw"), *raw1 = path_of("stale.raw.1");
	char *gone = path_of("stale.raw.1.gone");
	FILE *f = fopen(gone, "w");
	fputs("left over\n", f);
	fclose(f);
	f = fopen(raw1, "w");
	fputs("older\n", f);
	fclose(f);
	struct term_log *l = term_log_open(raw, NULL, 0, NULL, NULL);
	struct stat st;
	assert_int_equal(stat(gone, &st), -1);
	assert_int_equal(errno, ENOENT);
	size_t n;
	char *old = tt_slurp(raw1, &n);
	assert_int_equal(n, 6);
	free(old);
	term_log_close(l);
	free(raw);
	free(raw1);
	free(gone);
}

/* A full disk, made honestly: RLIMIT_FSIZE with SIGXFSZ ignored makes
 * writes past the limit fail with EFBIG.  In a child, so the limit stays
 * there; the child reports what it saw through its exit status. */
static int full_disk_child(const char *raw)
{
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl;
	getrlimit(RLIMIT_FSIZE, &rl);
	struct rlimit small = { 1000, rl.rlim_max };
	if (setrlimit(RLIMIT_FSIZE, &small) < 0)
		return 10;
	struct errs e = { 0 };
	struct term_log *l = term_log_open(raw, NULL, 0, on_err, &e);
	char piece[100];
	memset(piece, 'x', sizeof piece);
	for (int i = 0; i < 50; i++)
		term_log_write(l, piece, sizeof piece); /* returns every time */
	if (e.n != 1 || !strstr(e.last, raw) || !strstr(e.last, strerror(EFBIG)))
		return 11;
	/* Room again: logging resumes by itself. */
	setrlimit(RLIMIT_FSIZE, &rl);
	term_log_write(l, "back\n", 5);
	if (e.n != 1)
		return 12;
	/* A new failure after a success is a new report. */
	setrlimit(RLIMIT_FSIZE, &small);
	term_log_write(l, piece, sizeof piece);
	term_log_write(l, piece, sizeof piece);
	if (e.n != 2)
		return 13;
	term_log_close(l);
	return 0;
}

static void test_full_disk(void **state)
{
	(void)state;
	char *raw = path_of("full.raw");
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child(raw));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	size_t len;
	char *got = tt_slurp(raw, &len);
	assert_int_equal(len, 1005); /* 1000 bytes, then "back\n" */
	assert_memory_equal(got + 1000, "back\n", 5);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(got[i], 'x');
	free(got);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_and_text),
		cmocka_unit_test(test_stripping),
		cmocka_unit_test(test_appends_and_tightens_mode),
		cmocka_unit_test(test_refuses_symlink),
		cmocka_unit_test(test_refuses_fifo),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotation_discard),
		cmocka_unit_test(test_stale_gone_removed),
		cmocka_unit_test(test_full_disk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
