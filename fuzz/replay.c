/* A stand-in for libFuzzer's main: runs every file of a harness's corpus
 * (the compiled-in FUZZ_CORPUS directory, or the files and directories
 * given as arguments) through LLVMFuzzerTestOneInput once, and reports each
 * as a TAP line.  A crash or sanitizer report ends the program, which the
 * test harness counts as a failure. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct list {
	char **path;
	size_t n, cap;
};

static void add(struct list *l, const char *p)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->path = realloc(l->path, l->cap * sizeof *l->path);
		if (!l->path)
			abort();
	}
	l->path[l->n++] = strdup(p);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(struct list *l, const char *p)
{
	struct stat st;
	if (stat(p, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		add(l, p);
		return;
	}
	DIR *d = opendir(p);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", p, e->d_name);
		collect(l, sub);
	}
	closedir(d);
}

static int run(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf)
		abort();
	/* Copy to an exact-size block so ASan sees reads past the end. */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	struct list l = { 0 };
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			collect(&l, argv[i]);
	} else {
#ifdef FUZZ_CORPUS
		collect(&l, FUZZ_CORPUS);
#endif
	}
	if (l.n == 0) {
		printf("1..1\nnot ok 1 - corpus is empty or missing\n");
		return 1;
	}
	qsort(l.path, l.n, sizeof *l.path, cmp);
	/* One TAP result per corpus: a crash or sanitizer report aborts before
	 * the "ok" line, which the harness counts as a failure. */
	printf("1..1\n");
	fflush(stdout);
	int fails = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (run(l.path[i]) < 0) {
			printf("# cannot read %s\n", l.path[i]);
			fails++;
		}
		free(l.path[i]);
	}
	printf("%s 1 - replayed %zu inputs\n", fails ? "not ok" : "ok", l.n);
	free(l.path);
	return fails != 0;
}
