/* conf/: the shell-variable parser, the value parsers and checks, loading
 * real files from a scratch directory (defaults from UMLDIR, the global
 * file, every validation error with its FILE:LINE), and the argv an
 * instance launches with. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "lib/util.h"

/* ---- parser harness: every callback as a line of text ---- */

struct got {
	char *kv[32];
	int nkv;
	char *err[32];
	int nerr;
};

static void got_kv(const char *key, const char *value, int line, void *arg)
{
	struct got *g = arg;
	assert_true(g->nkv < 32);
	g->kv[g->nkv++] = xasprintf("%d:%s=%s", line, key, value);
}

static void got_err(int line, const char *msg, void *arg)
{
	struct got *g = arg;
	assert_true(g->nerr < 32);
	g->err[g->nerr++] = xasprintf("%d: %s", line, msg);
}

static const char *got_lookup(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "UMLDIR") ? "/global/uml" : NULL;
}

static int parse(struct got *g, const char *text)
{
	memset(g, 0, sizeof *g);
	return conf_parse_buf(text, strlen(text), got_kv, got_err, g);
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->nkv; i++)
		free(g->kv[i]);
	for (int i = 0; i < g->nerr; i++)
		free(g->err[i]);
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("'%s' does not start with '%s'", s, prefix);
}

/* ---- scratch directory ---- */

struct env {
	char dir[64];
	char *me; /* the invoking user's name: a USER that exists everywhere */
};

static int setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "/tmp/test_conf.XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	e->me = xstrdup(getpwuid(geteuid())->pw_name);
	*state = e;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int teardown(void **state)
{
	struct env *e = *state;
	chmod(e->dir, 0700);
	nftw(e->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(e->me);
	free(e);
	return 0;
}

static char *path_of(struct env *e, const char *rel)
{
	return xasprintf("%s/%s", e->dir, rel);
}

static void mkparents(char *p)
{
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
}

/* Write rel (parents made) from a printf format; "@" in the text stands
 * for the scratch directory.  Returns the full path. */
static char *put(struct env *e, const char *rel, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	struct buf b = { 0 };
	for (const char *s = raw; *s; s++) {
		if (*s == '@')
			buf_append(&b, e->dir, strlen(e->dir));
		else
			buf_append(&b, s, 1);
	}
	char *p = path_of(e, rel);
	mkparents(p);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fwrite(b.data ? b.data : "", 1, b.len, f);
	fclose(f);
	buf_free(&b);
	free(raw);
	return p;
}

/* UMLDIR/NAME/{linux, root.loop[, swap.loop]} as the init scripts had it. */
static void fleet(struct env *e, const char *name, bool swap)
{
	char rel[128];
	snprintf(rel, sizeof rel, "uml/%s/linux", name);
	char *k = put(e, rel, "#!/bin/sh\n");
	chmod(k, 0755);
	free(k);
	snprintf(rel, sizeof rel, "uml/%s/root.loop", name);
	free(put(e, rel, "root image"));
	if (swap) {
		snprintf(rel, sizeof rel, "uml/%s/swap.loop", name);
		free(put(e, rel, "swap image"));
	}
}

struct res {
	struct conf *c;
	struct conf_errors errs;
	int n;
};

static void load(struct res *r, struct env *e, const char *rel)
{
	char *p = path_of(e, rel);
	const char *paths[] = { p };
	r->n = conf_load(paths, 1, &r->c, &r->errs);
	free(p);
	for (size_t i = 0; i < r->errs.n; i++)
		print_message("# %s\n", r->errs.msg[i]);
}

static void res_free(struct res *r)
{
	conf_free(r->c);
	conf_errors_free(&r->errs);
}

/* Some message starts with DIR/rel:LINE: text... */
static bool has(char **msgs, size_t n, struct env *e, const char *prefix)
{
	char *want = xasprintf("%s/%s", e->dir, prefix);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = !strncmp(msgs[i], want, strlen(want));
	if (!found) {
		print_message("# wanted: %s\n", want);
		for (size_t i = 0; i < n; i++)
			print_message("# got:    %s\n", msgs[i]);
	}
	free(want);
	return found;
}

#define assert_error(r, e, prefix) assert_true(has((r)->errs.msg, (r)->errs.n, e, prefix))
#define assert_warning(r, e, prefix) assert_true(has((r)->c->warnings, (r)->c->nwarnings, e, prefix))

/* ---- the parser ---- */

static void parse_forms(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=\"one\"\nB=two\nC='three'\nexport D=four\n"), 0);
	assert_int_equal(g.nkv, 4);
	assert_string_equal(g.kv[0], "1:A=one");
	assert_string_equal(g.kv[1], "2:B=two");
	assert_string_equal(g.kv[2], "3:C=three");
	assert_string_equal(g.kv[3], "4:D=four");
	got_free(&g);
}

static void parse_comments_and_blanks(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "# header\n\n   \n\tA=\"x # not a comment\"  # one\n"
				   "B=a#b\n  # indented\nC= # empty value\n"), 0);
	assert_int_equal(g.nkv, 3);
	assert_string_equal(g.kv[0], "4:A=x # not a comment");
	assert_string_equal(g.kv[1], "5:B=a#b");
	assert_string_equal(g.kv[2], "7:C=");
	got_free(&g);
}

static void parse_double_quote_escapes(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=\"q\\\" b\\\\ d\\$ t\\` n\\n\"\n"), 0);
	assert_int_equal(g.nkv, 1);
	/* \" \\ \$ \` lose the backslash; any other keeps it, as in sh */
	assert_string_equal(g.kv[0], "1:A=q\" b\\ d$ t` n\\n");
	got_free(&g);
}

static void parse_single_quotes_literal(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A='$HOME \\n \"x\" `y`'\n"), 0);
	assert_string_equal(g.kv[0], "1:A=$HOME \\n \"x\" `y`");
	got_free(&g);
}

static void parse_expansion(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=/x\nB=\"$A/y\"\nC=${A}z\nD='$A'\nE=$A.$A\n"), 0);
	assert_int_equal(g.nkv, 5);
	assert_string_equal(g.kv[1], "2:B=/x/y");
	assert_string_equal(g.kv[2], "3:C=/xz");
	assert_string_equal(g.kv[3], "4:D=$A");
	assert_string_equal(g.kv[4], "5:E=/x./x");
	got_free(&g);
}

static void parse_expansion_from_lookup(void **state)
{
	(void)state;
	struct got g = { 0 };
	const char *t = "KERNEL=\"$UMLDIR/k\"\nUMLDIR=/own\nROOT=$UMLDIR/r\n";
	assert_int_equal(conf_parse_buf_env(t, strlen(t), got_lookup, got_kv, got_err, &g), 0);
	assert_string_equal(g.kv[0], "1:KERNEL=/global/uml/k");
	assert_string_equal(g.kv[2], "3:ROOT=/own/r"); /* the file's own value wins */
	got_free(&g);
}

static void parse_unset_variable(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=1\n\nB=\"$NOPE/x\"\nC=2\n"), 1);
	assert_int_equal(g.nerr, 1);
	assert_prefix(g.err[0], "3: $NOPE is not set");
	assert_int_equal(g.nkv, 2); /* B is not handed on half expanded */
	assert_string_equal(g.kv[1], "4:C=2");
	got_free(&g);
}

static void parse_literal_dollar(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "READY=\"([#$] |login: )$\"\nP=a$\n"), 0);
	assert_string_equal(g.kv[0], "1:READY=([#$] |login: )$");
	assert_string_equal(g.kv[1], "2:P=a$");
	got_free(&g);
}

static void parse_unterminated_double(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=1\nB=\"open\nC=2\nD=3\n"), 1);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "2: unterminated double quote");
	assert_int_equal(g.nkv, 1); /* sh would swallow C and D too */
	got_free(&g);
}

static void parse_unterminated_single(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "\n\nA='x\n"), 1);
	assert_string_equal(g.err[0], "3: unterminated single quote");
	got_free(&g);
}

static void parse_not_assignment(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=1\n\nstart_uml --now\nB=2\n[ -f x ] && y\n"), 2);
	assert_string_equal(g.err[0], "3: expected KEY=value, not 'start_uml --now'");
	assert_string_equal(g.err[1], "5: expected KEY=value, not '[ -f x ] && y'");
	assert_int_equal(g.nkv, 2);
	assert_string_equal(g.kv[1], "4:B=2");
	got_free(&g);
}

static void parse_spaces_around_equals(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "MEMORY = 128M\n"), 1);
	assert_string_equal(g.err[0], "1: no spaces around '=' in MEMORY=value");
	assert_int_equal(g.nkv, 0);
	got_free(&g);
}

static void parse_lower_case_key(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "# x\nmemory=128M\n"), 1);
	assert_string_equal(g.err[0], "2: key 'memory' must be upper case (MEMORY)");
	assert_int_equal(g.nkv, 0);
	got_free(&g);
}

static void parse_unquoted_space(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "NET=tap1 tap2\n"), 1);
	assert_prefix(g.err[0], "1: unexpected 'tap2' after the value of NET");
	assert_int_equal(g.nkv, 0); /* not NET=tap1, as if tap2 were not there */
	got_free(&g);
}

static void parse_several_on_one_line(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=1 B='2 3'; C=\"4\"\n"), 0);
	assert_int_equal(g.nkv, 3);
	assert_string_equal(g.kv[1], "1:B=2 3");
	assert_string_equal(g.kv[2], "1:C=4");
	got_free(&g);
}

static void parse_multiline_value_keeps_lines(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "NET=\"tap1\ntap2\"\nMEMORY=\\\n64M\nUSER=x\n"), 0);
	assert_int_equal(g.nkv, 3);
	assert_string_equal(g.kv[0], "1:NET=tap1\ntap2");
	assert_string_equal(g.kv[1], "3:MEMORY=64M");
	assert_string_equal(g.kv[2], "5:USER=x");
	got_free(&g);
}

static void parse_command_substitution(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=\"$(id -u)\"\nB=`hostname`\nC=ok\n"), 2);
	assert_string_equal(g.err[0], "1: command substitution $(...) is not supported");
	assert_string_equal(g.err[1], "2: command substitution `...` is not supported");
	assert_int_equal(g.nkv, 1);
	got_free(&g);
}

static void parse_special_parameters(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=\"$1\"\nB=\"${A:-x}\"\n"), 2);
	assert_prefix(g.err[0], "1: $1 is a special parameter of sh");
	assert_prefix(g.err[1], "2: only $KEY and ${KEY} are expanded here");
	got_free(&g);
}

static void parse_crlf_and_concat(void **state)
{
	(void)state;
	struct got g;
	assert_int_equal(parse(&g, "A=\"x\"\r\nB=\"a\"'b'c\\ d\r\n"), 0);
	assert_string_equal(g.kv[0], "1:A=x");
	assert_string_equal(g.kv[1], "2:B=abc d");
	got_free(&g);
}

static void parse_binary_and_tilde(void **state)
{
	(void)state;
	struct got g = { 0 };
	const char bin[] = "A=1\nB=\0\n";
	assert_int_equal(conf_parse_buf(bin, sizeof bin - 1, got_kv, got_err, &g), 1);
	assert_string_equal(g.err[0], "2: NUL byte: this is not a text file");
	assert_int_equal(g.nkv, 0);
	got_free(&g);
	assert_int_equal(parse(&g, "UMLDIR=~/uml\n"), 1);
	assert_prefix(g.err[0], "1: ~ is expanded by sh but not here");
	got_free(&g);
}

/* "A=$A$A" doubling must not eat the machine (the fuzzer found it). */
static void parse_expansion_is_bounded(void **state)
{
	(void)state;
	struct buf b = { 0 };
	buf_printf(&b, "A=0123456789abcdef\n");
	for (int i = 0; i < 40; i++)
		buf_printf(&b, "A=\"$A$A\"\n");
	struct got g = { 0 };
	int n = conf_parse_buf(b.data, b.len, got_kv, got_err, &g);
	assert_true(n >= 1);
	/* 16 bytes doubled 10 times is 16 KiB: line 12 is the first too long */
	assert_string_equal(g.err[0], "12: value longer than 16 KiB");
	assert_int_equal(g.nkv, 11);
	got_free(&g);
	buf_free(&b);
}

/* ---- value parsers and checks ---- */

static void size_good(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint64_t b;
	} ok[] = {
		{ "128MB", 128ull << 20 }, { "128M", 128ull << 20 }, { "1G", 1ull << 30 },
		{ "65536K", 64ull << 20 }, { "64MiB", 64ull << 20 }, { "4096", 4096 },
		{ "128m", 128ull << 20 }, { "2 GB", 2ull << 30 }, { "512B", 512 },
		{ "1T", 1ull << 40 },
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		uint64_t b = 0;
		assert_int_equal(conf_parse_size(ok[i].s, &b), 0);
		assert_true(b == ok[i].b);
	}
}

static void size_bad(void **state)
{
	(void)state;
	static const char *const bad[] = { "12XB", "", "M", "-1", "1.5G", "128 M B",
					   "99999999999999999999", "16777216T", "0x10",
					   "12MBs" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		uint64_t b = 7;
		assert_int_equal(conf_parse_size(bad[i], &b), -EINVAL);
		assert_true(b == 7);
	}
}

static void bool_and_seconds(void **state)
{
	(void)state;
	static const char *const yes[] = { "yes", "YES", "true", "1", "on" };
	static const char *const no[] = { "no", "False", "0", "off" };
	bool b;
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		assert_int_equal(conf_parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_LEN(no); i++) {
		assert_int_equal(conf_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	assert_int_equal(conf_parse_bool("maybe", &b), -EINVAL);
	assert_int_equal(conf_parse_bool("", &b), -EINVAL);
	unsigned s;
	assert_int_equal(conf_parse_seconds("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(conf_parse_seconds("90s", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(conf_parse_seconds("2m", &s), 0);
	assert_int_equal(s, 120);
	assert_int_equal(conf_parse_seconds("90h", &s), -EINVAL);
	assert_int_equal(conf_parse_seconds("-5", &s), -EINVAL);
	assert_int_equal(conf_parse_ms("2s", &s), 0);
	assert_int_equal(s, 2000);
}

static void check_value_messages(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *msg;
	} cases[] = {
		{ "MEMROY", "1G", "unknown key MEMROY (did you mean MEMORY?)" },
		{ "MEM", "1G", "unknown key MEM (did you mean MEMORY?)" },
		{ "HALT", "5", "unknown key HALT (did you mean HALT_TIMEOUT?)" },
		{ "KERNLE", "/k", "unknown key KERNLE (did you mean KERNEL?)" },
		{ "XYZZY", "1", "unknown key XYZZY; instance keys are UMLDIR, USER" },
		{ "PREFIX", "C-b", "PREFIX is a global setting: it belongs in umltop.conf" },
		{ "MEMORY", "12XB", "MEMORY='12XB' is not a size" },
		{ "MEMORY", "1000", "MEMORY=1000: not a whole number of kilobytes" },
		{ "AUTOSTART", "maybe", "AUTOSTART='maybe' is not yes or no" },
		{ "HALT_TIMEOUT", "soon", "HALT_TIMEOUT='soon' is not a number of seconds" },
		{ "READY", "([", "READY='([' is not a POSIX extended regex: " },
		/* what would make glibc's regcomp eat all memory */
		{ "READY", "(x)+++", "READY='(x)+++' stacks repetitions" },
		{ "READY", "((a{1,200}){1,200}){1,200}", "READY='((a{1,200}){1,200}){1,200}' uses a {n,m} bound" },
		{ "READY", "((((((((((a+)+)+)+)+)+)+)+)+)+)", "READY='((((((((((a+)+)+)+)+)+)+)+)+)+)' nests groups" },
		{ "NET", "tap1 bad/name", "NET: 'bad/name' is not an interface name" },
		{ "NET", "carrier,pigeon", "NET: 'carrier,pigeon' is not a transport UML knows" },
		{ "NET", "averyveryverylongtap", "NET: 'averyveryverylongtap' is not an interface" },
		{ "ARGS", "quiet mem=1G", "ARGS: 'mem=1G' overrides MEMORY: use MEMORY" },
		{ "ARGS", "umid=x", "ARGS: 'umid=x' is set by the server: use UMID" },
		{ "ARGS", "eth0=tuntap,tap9", "ARGS: 'eth0=tuntap,tap9' clashes with NET" },
		/* ubd words as UML reads them: a = 0, flags before '=' */
		{ "ARGS", "ubda=/x", "ARGS: 'ubda=/x' overrides ROOT: use ROOT" },
		{ "ARGS", "ubd1r=/x", "ARGS: 'ubd1r=/x' overrides SWAP: use SWAP" },
		{ "ARGS", "ubd2=data.img", "ARGS: 'ubd2=data.img' names a file by a relative path" },
		{ "ARGS", "ubd2=/c,disk", "ARGS: 'ubd2=/c,disk' names a file by a relative path" },
		{ "ARGS", "ubd2x=/x", "ARGS: 'ubd2x=/x' has a letter UML takes for no flag" },
		{ "ARGS", "ubd16=/x", "ARGS: 'ubd16=/x' is past ubd15" },
		{ "ARGS", "ubd2", "ARGS: 'ubd2' has no '='" },
		{ "KERNEL", "linux", "KERNEL must be an absolute path, not 'linux'" },
		{ "UMID", "a/b", "UMID='a/b': use letters, digits" },
		{ "USER", "a b", "USER='a b' is not a user name" },
		{ "SWITCH", "lab0 a/b", "SWITCH='a/b': use letters, digits" },
		{ "SWITCH", "lab0 lab1 lab0", "SWITCH: 'lab0' is named twice" },
		{ "TAGS", "lab a/b", "TAGS: 'a/b' is not a tag (1 to 32 of" },
		{ "MONITOR", "loud", "MONITOR='loud': use activity, silence:SECONDS" },
		{ "MONITOR", "silence:0", "MONITOR='silence:0': use activity" },
		{ "MONITOR", "silence:-5", "MONITOR='silence:-5': use" },
		{ "MONITOR", "silence:", "MONITOR='silence:': use" },
		{ "MONITOR", "silence:5s", "MONITOR='silence:5s': use" },
		{ "ALERT", "Oops|(", "ALERT='Oops|(' is not a POSIX extended regex" },
		{ "BOOT_NICE", "20", "BOOT_NICE='20' is not a number of nice steps from 0 to 19" },
		{ "BOOT_NICE", "-5", "BOOT_NICE='-5' is not a number of nice steps" },
		{ "BOOT_NICE", "low", "BOOT_NICE='low' is not a number of nice steps" },
		{ "TAGS", "lab x0123456789012345678901234567890123", "TAGS: 'x0123456789012345678901234567890123' is not a tag" },
		{ "TAGS", "t00000000000000000000000000000 t11111111111111111111111111111 "
			  "t22222222222222222222222222222 t33333333333333333333333333333 "
			  "t44444444444444444444444444444",
		  "TAGS: more than 127 characters of tags" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *m = conf_check_value(cases[i].key, cases[i].value, false);
		assert_non_null(m);
		assert_prefix(m, cases[i].msg);
		free(m);
	}
}

static void check_value_accepts(void **state)
{
	(void)state;
	static const char *const ok[][2] = {
		{ "NET", "tap1 tap2" }, { "NET", "daemon,,unix,/run/sw/ctl" },
		{ "NET", "vector:transport=tap,ifname=t0" }, { "MEMORY", "128MB" },
		{ "ARGS", "init=/bin/sh ubd2=/x root=/dev/ubda1" },
		/* ubd10 is not ubd1 (SWAP), nor ubd0x1 ubd0 */
		{ "ARGS", "ubd10=/x ubd15rc=/y ubd2=/c:/b ubd0x2=/z ubd=sync" },
		{ "ROOT", "/uml/cow,/uml/base.img" }, { "READY", CONF_DEFAULT_READY },
		{ "READY", "[[:alnum:]]+[]*+{]? \\{x\\}$" },
		{ "HALT_TIMEOUT", "90s" }, { "AUTOSTART", "off" }, { "MEMORY", "" },
		{ "TAGS", "lab router v1.2 core_net" },
		{ "MONITOR", "activity silence:30" }, { "MONITOR", "silence:86400" },
		{ "ALERT", "" }, { "ALERT", "Kernel panic|Oops" },
		{ "BOOT_NICE", "0" }, { "BOOT_NICE", "19" }, { "BOOT_NICE", " 10 " },
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		char *m = conf_check_value(ok[i][0], ok[i][1], false);
		if (m)
			fail_msg("%s=%s refused: %s", ok[i][0], ok[i][1], m);
	}
	static const char *const global[][2] = {
		{ "PREFIX", "C-b" }, { "POLL_INTERVAL", "500" }, { "SCROLLBACK", "2000" },
		{ "LOG_MAX", "64M" }, { "BIND_HALT_ALL", "H" }, { "BIND_ZOOM", "F2" },
		{ "UMLDIR", "/uml" }, { "BOOT_MAX", "0" }, { "BOOT_MAX", "8" },
	};
	for (size_t i = 0; i < ARRAY_LEN(global); i++) {
		char *m = conf_check_value(global[i][0], global[i][1], true);
		if (m)
			fail_msg("%s=%s refused: %s", global[i][0], global[i][1], m);
	}
	char *m = conf_check_value("POLL_INTERVAL", "5", true);
	assert_non_null(m);
	free(m);
	m = conf_check_value("PREFIX", "Ctrl+A", true);
	assert_prefix(m, "PREFIX='Ctrl+A' is not a key");
	free(m);
	static const char *const bad_max[] = { "-1", "4097", "many", "2 4" };
	for (size_t i = 0; i < ARRAY_LEN(bad_max); i++) {
		m = conf_check_value("BOOT_MAX", bad_max[i], true);
		assert_non_null(m);
		assert_non_null(strstr(m, "is not a number of instances from 0 to 4096"));
		free(m);
	}
}

/* UML's ubd syntax: ubd<n>[FLAGS]=FILE[(,|:)BACKING[(,|:)SERIAL]]. */
static void ubd_words(void **state)
{
	(void)state;
	static const struct {
		const char *word;
		unsigned dev;
		const char *flags, *file, *backing;
	} good[] = {
		{ "ubd2=/d.img", 2, "", "/d.img", "" },
		{ "ubd10r=/d.img", 10, "r", "/d.img", "" },
		{ "ubdc=/d.img", 2, "", "/d.img", "" },        /* a letter: c = 2 */
		{ "ubd3rc=/d.img", 3, "rc", "/d.img", "" },
		{ "ubd9rscdtr=/d.img", 9, "rc", "/d.img", "" }, /* six flags: UML's most */
		{ "ubd4st=/cow,/base", 4, "", "/cow", "/base" },
		{ "ubd5=/cow:/base:SER1", 5, "", "/cow", "/base" },
		{ "ubd6=/img,,SER2", 6, "", "/img", "" },
		{ "ubd010=/x", 8, "", "/x", "" },              /* as C reads 010 */
		{ "ubd0xf=/x", 15, "", "/x", "" },
		{ "ubd7d=/x", 7, "", "/x", "" },
		{ "ubd2=", 2, "", "", "" },
	};
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		struct conf_ubd u;
		const char *why = "unset";
		int rc = conf_parse_ubd(good[i].word, &u, &why);
		if (rc != 1)
			fail_msg("%s: %d %s", good[i].word, rc, why);
		assert_int_equal(u.dev, good[i].dev);
		assert_int_equal(u.ro, strchr(good[i].flags, 'r') != NULL);
		assert_int_equal(u.shared, strchr(good[i].flags, 'c') != NULL);
		assert_int_equal(u.file_len, strlen(good[i].file));
		assert_memory_equal(u.file, good[i].file, u.file_len);
		assert_int_equal(u.backing_len, strlen(good[i].backing));
		if (u.backing_len)
			assert_memory_equal(u.backing, good[i].backing, u.backing_len);
	}
	static const char *const none[] = { "ubd=sync", "root=/dev/ubda", "udb2=/x", "" };
	for (size_t i = 0; i < ARRAY_LEN(none); i++) {
		struct conf_ubd u;
		const char *why;
		assert_int_equal(conf_parse_ubd(none[i], &u, &why), 0);
	}
	static const char *const bad[][2] = {
		{ "ubd", "has no device number" },
		{ "ubd_x=/a", "has no device number" },
		{ "ubd16=/a", "is past ubd15" },
		{ "ubdq=/a", "is past ubd15" },
		{ "ubd2", "has no '='" },
		{ "ubd2rw=/a", "has a letter UML takes for no flag" },
		{ "ubd2rscdtrs=/a", "has more than six flags" }, /* six pass */
		{ "ubd2=,/base", "has a backing file but no COW file" },
		{ "ubd2d=/cow,/base", "has the d flag (no COW) and a backing file" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct conf_ubd u;
		const char *why = NULL;
		assert_int_equal(conf_parse_ubd(bad[i][0], &u, &why), -EINVAL);
		assert_non_null(why);
		assert_prefix(why, bad[i][1]);
	}
}

/* MEMORY against a host's RAM: equal is fine, one MiB more is not; the
 * message gives the host's figure and the most MEMORY may be. */
static void memory_vs_host_ram(void **state)
{
	(void)state;
	static const struct {
		uint64_t ram;
		const char *value, *msg; /* msg NULL: fits */
	} cases[] = {
		{ 512ull << 20, "512M", NULL },
		{ 512ull << 20, "513M", "MEMORY=513M is more than this host's RAM (512M): "
		  "UML aborts at boot when it cannot map its memory; set MEMORY to 512M or less" },
		{ 1ull << 30, "1G", NULL },
		{ 1ull << 30, "1048577K", "MEMORY=1048577K is more than this host's RAM (1G): " },
		{ 8ull << 30, "4G", NULL },
		{ 8ull << 30, "99999G", "MEMORY=99999G is more than this host's RAM (8G): " },
		/* MemTotal of a 16 GiB machine: never rounded up to 16G */
		{ 16318544ull << 10, "15G", NULL },
		{ 16318544ull << 10, "16G", "MEMORY=16G is more than this host's RAM (15.5G): "
		  "UML aborts at boot when it cannot map its memory; set MEMORY to 15936M or less" },
		{ 25276182528ull, "24G", "MEMORY=24G is more than this host's RAM (23.5G): " },
		{ 128ull << 40, "99999G", NULL },
		{ 0, "99999G", NULL }, /* RAM unknown: nothing to hold it to */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *m = conf_check_memory(cases[i].value, cases[i].ram);
		if (!cases[i].msg && m)
			fail_msg("MEMORY=%s on %llu bytes refused: %s", cases[i].value,
				 (unsigned long long)cases[i].ram, m);
		if (cases[i].msg) {
			if (!m)
				fail_msg("MEMORY=%s on %llu bytes accepted", cases[i].value,
					 (unsigned long long)cases[i].ram);
			assert_prefix(m, cases[i].msg);
		}
		free(m);
	}
}

/* ---- loading ---- */

/* The seed's four keys, nothing else. */
static void seed_file(struct env *e, const char *rel, const char *user,
		      const char *mem, const char *net)
{
	free(put(e, rel, "UMLDIR=\"@/uml\"\nUSER=\"%s\"\nMEMORY=\"%s\"\nNET=\"%s\"\n",
		 user, mem, net));
}

static void load_seed_style_dir(void **state)
{
	struct env *e = *state;
	fleet(e, "web", true);
	fleet(e, "db", false);
	seed_file(e, "cfg/uml.web", e->me, "128MB", "tap1 tap2");
	seed_file(e, "cfg/db.conf", e->me, "64M", "tap3");
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	assert_int_equal(r.c->ninst, 2);
	const struct conf_instance *db = r.c->inst[0], *web = r.c->inst[1];
	assert_string_equal(db->name, "db"); /* sorted by name */
	assert_string_equal(web->name, "web");
	char *want = path_of(e, "uml/web/linux");
	assert_string_equal(web->kernel, want);
	free(want);
	want = path_of(e, "uml/web/root.loop");
	assert_string_equal(web->root, want);
	free(want);
	want = path_of(e, "uml/web/swap.loop");
	assert_string_equal(web->swap, want);
	free(want);
	assert_null(db->swap); /* no swap.loop, no ubd1 */
	assert_string_equal(web->umid, "web");
	assert_string_equal(web->user, e->me);
	assert_true(web->memory == 128ull << 20);
	assert_int_equal(web->nnet, 2);
	assert_string_equal(web->net[1], "tap2");
	assert_null(web->net[2]);
	assert_int_equal(web->halt_timeout, CONF_DEFAULT_HALT_TIMEOUT);
	assert_true(web->autostart);
	assert_string_equal(web->ready, CONF_DEFAULT_READY);
	assert_ptr_equal(conf_find(r.c, "db"), db);
	assert_null(conf_find(r.c, "nope"));
	res_free(&r);
}

static void argv_seed_style(void **state)
{
	struct env *e = *state;
	fleet(e, "web", true);
	seed_file(e, "cfg/uml.web", e->me, "128MB", "tap1 tap2");
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	char **argv = conf_argv(r.c->inst[0], "/run/umltop/default.d");
	const char *tail[] = {
		"umid=web", "uml_dir=/run/umltop/default.d/uml", "mem=128M",
		NULL, NULL, "root=/dev/ubda", "con0=fd:0,fd:1", "con=null", "ssl=null",
		"hostfs=/run/umltop/default.d/hostfs/web", "eth0=tuntap,tap1",
		"eth1=tuntap,tap2", "mconsole=notify:/run/umltop/default.d/notify/web",
	};
	char *k = path_of(e, "uml/web/linux");
	assert_string_equal(argv[0], k);
	free(k);
	char *u0 = xasprintf("ubd0=%s/uml/web/root.loop", e->dir);
	char *u1 = xasprintf("ubd1=%s/uml/web/swap.loop", e->dir);
	tail[3] = u0;
	tail[4] = u1;
	size_t i;
	for (i = 0; i < ARRAY_LEN(tail); i++)
		assert_string_equal(argv[i + 1], tail[i]);
	assert_null(argv[i + 1]);
	free(u0);
	free(u1);
	conf_argv_free(argv);
	res_free(&r);
}

static void argv_optional_parts(void **state)
{
	struct env *e = *state;
	fleet(e, "lab", false);
	free(put(e, "cfg/lab.conf", "UMLDIR=@/uml\nNET=\"daemon,,unix,/s/ctl tap4\"\n"
		 "SWITCH=\"lab0 lab1\"\nARGS=\"init=/bin/sh quiet\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	char **argv = conf_argv(r.c->inst[0], "/r");
	struct buf b = { 0 };
	for (char **a = argv + 1; *a; a++)
		buf_printf(&b, "%s ", *a);
	buf_append(&b, "", 1);
	char *want = xasprintf("umid=lab uml_dir=/r/uml ubd0=%s/uml/lab/root.loop "
			       "root=/dev/ubda con0=fd:0,fd:1 con=null ssl=null "
			       "hostfs=/r/hostfs/lab eth0=daemon,,unix,/s/ctl "
			       "eth1=tuntap,tap4 eth2=daemon,,unix,/r/switch/lab0/ctl "
			       "eth3=daemon,,unix,/r/switch/lab1/ctl "
			       "mconsole=notify:/r/notify/lab init=/bin/sh quiet ", e->dir);
	assert_string_equal(b.data, want); /* no mem=, no ubd1= */
	free(want);
	buf_free(&b);
	conf_argv_free(argv);
	struct conf_paths p;
	conf_paths(r.c->inst[0], "/r", &p);
	assert_string_equal(p.mconsole, "/r/uml/lab/mconsole");
	assert_string_equal(p.pidfile, "/r/uml/lab/pid");
	assert_string_equal(p.notify, "/r/notify/lab");
	assert_string_equal(p.sw_ctl[0], "/r/switch/lab0/ctl");
	assert_string_equal(p.sw_ctl[1], "/r/switch/lab1/ctl");
	assert_null(p.sw_ctl[2]);
	conf_paths_free(&p);
	res_free(&r);
}

static void argv_memory_units(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	fleet(e, "b", false);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nMEMORY=65536K\nUMID=alpha\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nMEMORY=1536K\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	char **a = conf_argv(r.c->inst[0], "/r");
	char **b = conf_argv(r.c->inst[1], "/r");
	assert_string_equal(a[1], "umid=alpha");
	assert_string_equal(a[3], "mem=64M");
	assert_string_equal(b[3], "mem=1536K");
	conf_argv_free(a);
	conf_argv_free(b);
	res_free(&r);
}

static void global_defaults(void **state)
{
	struct env *e = *state;
	fleet(e, "web", true);
	fleet(e, "db", true);
	free(put(e, "cfg/umltop.conf",
		 "# fleet-wide\nUMLDIR=\"@/uml\"\nMEMORY=64M\nHALT_TIMEOUT=90s\n"
		 "PREFIX=C-b\nPOLL_INTERVAL=2s\nSCROLLBACK=500\nLOG_MAX=1M\n"
		 "BIND_HALT_ALL=\"X\"\nALERT_BELL=no\n"));
	free(put(e, "cfg/web.conf", "MEMORY=256M\nARGS=\"root_from=$UMLDIR\"\n"));
	free(put(e, "cfg/db.conf", "AUTOSTART=no\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	const struct conf_instance *db = conf_find(r.c, "db"), *web = conf_find(r.c, "web");
	assert_true(db->memory == 64ull << 20);  /* from umltop.conf */
	assert_true(web->memory == 256ull << 20); /* its own file wins */
	assert_int_equal(db->halt_timeout, 90);
	assert_false(db->autostart);
	char *want = xasprintf("root_from=%s/uml", e->dir);
	assert_string_equal(web->args[0], want);
	free(want);
	want = path_of(e, "uml/db/root.loop");
	assert_string_equal(db->root, want);
	free(want);
	const struct conf_global *g = &r.c->global;
	want = path_of(e, "cfg/umltop.conf");
	assert_string_equal(g->file, want);
	free(want);
	assert_string_equal(g->prefix, "C-b");
	assert_int_equal(g->poll_ms, 2000);
	assert_int_equal(g->scrollback, 500);
	assert_true(g->log_max == 1u << 20);
	assert_false(g->alert_bell);
	assert_int_equal(g->nbind, 1);
	assert_string_equal(g->bind[0], "halt_all");
	assert_string_equal(g->bind[1], "X");
	assert_null(g->bind[2]);
	res_free(&r);
}

static void global_builtin_defaults(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	assert_null(r.c->global.file);
	assert_string_equal(r.c->global.prefix, "C-a");
	assert_int_equal(r.c->global.poll_ms, 1000);
	assert_int_equal(r.c->global.scrollback, 10000);
	assert_true(r.c->global.log_max == 16u << 20);
	assert_true(r.c->global.alert_bell);
	assert_int_equal(r.c->global.nbind, 0);
	res_free(&r);
}

static void global_file_errors(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	fleet(e, "db", false);
	free(put(e, "cfg/umltop.conf", "UMLDIR=@/uml\nUSER=no_such_user_q9\n"
		 "POLL_INTRVAL=5\n"));
	free(put(e, "cfg/web.conf", "\n"));
	free(put(e, "cfg/db.conf", "\n"));
	struct res r;
	load(&r, e, "cfg");
	/* One message per mistake, not one per instance that inherits it. */
	assert_int_equal(r.n, 2);
	assert_error(&r, e, "cfg/umltop.conf:2: USER: no such user 'no_such_user_q9'");
	assert_error(&r, e, "cfg/umltop.conf:3: unknown key POLL_INTRVAL (did you mean POLL_INTERVAL?)");
	res_free(&r);
}

/* A default from umltop.conf that fails for one instance names it. */
static void global_default_names_instance(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/umltop.conf", "# defaults\nUMLDIR=\"@/uml\"\n"));
	free(put(e, "cfg/web.conf", "MEMORY=64M\n"));
	free(put(e, "cfg/db.conf", "MEMORY=64M\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	char *m = xasprintf("cfg/umltop.conf:2: db: UMLDIR %s/uml has no db/ directory",
			    e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
}

/* The TUI's read: the global file only.  A broken instance file beside it
 * is not opened, so PREFIX and the bindings still come from umltop.conf. */
static void global_only_ignores_instances(void **state)
{
	struct env *e = *state;
	free(put(e, "cfg/umltop.conf", "PREFIX=C-b\nSCROLLBACK=500\nBIND_ZOOM=\"Z\"\n"));
	free(put(e, "cfg/web.conf", "MEMORY=lots\nNO_SUCH_KEY=1\n"));
	char *p = path_of(e, "cfg");
	const char *paths[] = { p };
	struct conf_global g;
	struct conf_errors errs;
	assert_int_equal(conf_load_global(paths, 1, &g, &errs), 0);
	assert_int_equal(errs.n, 0);
	char *want = path_of(e, "cfg/umltop.conf");
	assert_string_equal(g.file, want);
	free(want);
	assert_string_equal(g.prefix, "C-b");
	assert_int_equal(g.scrollback, 500);
	assert_int_equal(g.nbind, 1);
	assert_string_equal(g.bind[0], "zoom");
	assert_string_equal(g.bind[1], "Z");
	conf_global_free(&g);
	/* the whole load still refuses the fleet */
	struct res r;
	load(&r, e, "cfg");
	assert_true(r.n > 0);
	res_free(&r);
	free(p);
}

/* A bad setting is an error naming file and line; it keeps its default
 * and the good ones count. */
static void global_only_errors(void **state)
{
	struct env *e = *state;
	free(put(e, "cfg/umltop.conf", "PREFIX=C-b\n\nBIND_ZOOM=\"Ctrl-Shift-Zed\"\n"
		 "SCROLLBACK=many\nBIND_HELP=H\n"));
	char *p = path_of(e, "cfg");
	const char *paths[] = { p };
	struct res r = { 0 };
	struct conf_global g;
	r.n = conf_load_global(paths, 1, &g, &r.errs);
	assert_int_equal(r.n, 2);
	assert_error(&r, e, "cfg/umltop.conf:3: BIND_ZOOM='Ctrl-Shift-Zed' is not a key");
	assert_error(&r, e, "cfg/umltop.conf:4: SCROLLBACK");
	assert_string_equal(g.prefix, "C-b");
	assert_int_equal(g.scrollback, 10000);
	assert_int_equal(g.nbind, 1);
	assert_string_equal(g.bind[0], "help");
	conf_global_free(&g);
	conf_errors_free(&r.errs);
	free(p);
}

/* No global file (a directory without one, or none at all): the
 * built-in defaults, no error; a global file named on its own is read. */
static void global_only_defaults_and_file(void **state)
{
	struct env *e = *state;
	free(put(e, "cfg/web.conf", "MEMORY=lots\n"));
	char *p = path_of(e, "cfg"), *none = path_of(e, "nowhere");
	const char *paths[] = { p };
	struct conf_global g;
	struct conf_errors errs;
	assert_int_equal(conf_load_global(paths, 1, &g, &errs), 0);
	assert_null(g.file);
	assert_string_equal(g.prefix, "C-a");
	assert_int_equal(g.scrollback, 10000);
	assert_int_equal(g.nbind, 0);
	conf_global_free(&g);
	paths[0] = none;
	assert_int_equal(conf_load_global(paths, 1, &g, &errs), 0);
	assert_string_equal(g.prefix, "C-a");
	conf_global_free(&g);
	char *f = put(e, "etc/umltop.conf", "PREFIX=^B\n");
	paths[0] = f;
	assert_int_equal(conf_load_global(paths, 1, &g, &errs), 0);
	assert_string_equal(g.file, f);
	assert_string_equal(g.prefix, "^B");
	conf_global_free(&g);
	free(f);
	free(none);
	free(p);
}

static void error_memory_line_3(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=\"@/uml\"\nUSER=\"%s\"\nMEMORY=\"12XB\"\n"
		 "NET=\"tap1\"\n", e->me));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	assert_null(r.c);
	assert_error(&r, e, "cfg/web.conf:3: MEMORY='12XB' is not a size");
	res_free(&r);
}

static void error_keys_and_values(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\nMEMROY=128M\nAUTOSTART=perhaps\n"
		 "HALT_TIMEOUT=forever\nREADY=\"(unclosed\"\nNET=\"tap1 no/slash\"\n"
		 "PREFIX=C-b\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 6);
	/* in file order */
	assert_error(&r, e, "cfg/web.conf:2: unknown key MEMROY (did you mean MEMORY?)");
	assert_error(&r, e, "cfg/web.conf:3: AUTOSTART='perhaps' is not yes or no");
	assert_error(&r, e, "cfg/web.conf:4: HALT_TIMEOUT='forever' is not a number of seconds");
	assert_error(&r, e, "cfg/web.conf:5: READY='(unclosed' is not a POSIX extended regex");
	assert_error(&r, e, "cfg/web.conf:6: NET: 'no/slash' is not an interface name");
	assert_error(&r, e, "cfg/web.conf:7: PREFIX is a global setting");
	assert_true(strstr(r.errs.msg[0], "web.conf:2:") != NULL);
	assert_true(strstr(r.errs.msg[5], "web.conf:7:") != NULL);
	res_free(&r);
}

static void error_unknown_user(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\nUSER=\"umluser_missing_7\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	assert_error(&r, e, "cfg/web.conf:2: USER: no such user 'umluser_missing_7'");
	res_free(&r);
}

static void error_kernel(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	fleet(e, "db", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	free(put(e, "cfg/db.conf", "UMLDIR=@/uml\n\nKERNEL=@/kernels/none\n"));
	char *k = path_of(e, "uml/web/linux");
	chmod(k, 0644);
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/web.conf:1: kernel %s (UMLDIR/web/linux) is not executable by ", k);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/db.conf:3: kernel %s/kernels/none does not exist", e->dir);
	assert_error(&r, e, m);
	free(m);
	free(k);
	res_free(&r);
}

static void error_root_and_swap(void **state)
{
	struct env *e = *state;
	fleet(e, "web", true);
	fleet(e, "db", false);
	char *root = path_of(e, "uml/web/root.loop");
	unlink(root);
	assert_int_equal(symlink("/nonexistent/img", root), 0);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	free(put(e, "cfg/db.conf", "UMLDIR=@/uml\nSWAP=\"@/uml/db/nope.swap\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/web.conf:1: root image %s (UMLDIR/web/root.loop) is a "
			    "broken symlink (to /nonexistent/img)", root);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/db.conf:2: swap image %s/uml/db/nope.swap does not exist", e->dir);
	assert_error(&r, e, m);
	free(m);
	free(root);
	res_free(&r);
}

static void error_no_umldir(void **state)
{
	struct env *e = *state;
	free(put(e, "cfg/web.conf", "MEMORY=64M\n"));
	free(put(e, "cfg/db.conf", "KERNEL=/usr/bin/true\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	assert_error(&r, e, "cfg/web.conf:1: no UMLDIR, and no KERNEL or ROOT: set UMLDIR");
	assert_error(&r, e, "cfg/db.conf:1: no UMLDIR, and no ROOT: set UMLDIR");
	res_free(&r);
}

static void error_missing_instance_dir(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/ghost.conf", "# made by hand\nUMLDIR=@/uml\n"));
	free(put(e, "cfg/lost.conf", "UMLDIR=@/nowhere\n"));
	struct res r;
	load(&r, e, "cfg");
	/* one error each, not one per file UMLDIR would have held */
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/ghost.conf:2: UMLDIR %s/uml has no ghost/ directory", e->dir);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/lost.conf:1: UMLDIR %s/nowhere is not a directory", e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
}

static void error_duplicate_names(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/uml.web", "UMLDIR=@/uml\n"));
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	struct res r;
	load(&r, e, "cfg");
	/* only that: not also that both use the same images */
	assert_int_equal(r.n, 1);
	char *m = xasprintf("cfg/web.conf:1: instance 'web' is also defined by %s/cfg/uml.web",
			    e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
}

static void error_duplicate_umid(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	fleet(e, "b", false);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nUMID=lab\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\n\nUMID=\"lab\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	char *m = xasprintf("cfg/b.conf:3: UMID 'lab' is also used by instance 'a' (%s/cfg/a.conf)",
			    e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
}

/* A tap carries one UML: two instances naming one tap, or one naming it
 * twice, is an error where the later NET is; a transport spec may be
 * shared (several UMLs on one switch). */
static void error_shared_tap(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	fleet(e, "b", false);
	fleet(e, "c", false);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nNET=\"tap1 daemon,,unix,/s\"\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\n\nNET=\"tap2 tap1 daemon,,unix,/s\"\n"));
	free(put(e, "cfg/c.conf", "UMLDIR=@/uml\nNET=\"tap3 tap3\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/b.conf:3: NET: tap 'tap1' is also used by instance 'a' "
			    "(%s/cfg/a.conf:2): a tap carries one UML; give each its own "
			    "tap, on one BRIDGE", e->dir);
	assert_error(&r, e, m);
	free(m);
	assert_error(&r, e, "cfg/c.conf:2: NET: tap 'tap3' is named twice: one tap "
		     "carries one interface");
	res_free(&r);
}

static void error_shared_root_image(void **state)
{
	struct env *e = *state;
	fleet(e, "a", true);
	fleet(e, "b", false);
	char *link = path_of(e, "alias");
	char *target = path_of(e, "uml");
	assert_int_equal(symlink(target, link), 0);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\n"));
	/* the same file spelled another way, and a swap that is a's swap */
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nROOT=@/alias/a/root.loop\n"
		 "SWAP=@/uml/b/../a/swap.loop\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/b.conf:2: root image %s/uml/a/root.loop is also the root "
			    "image of instance 'a'", e->dir);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/b.conf:3: swap image %s/uml/a/swap.loop is also the swap "
		      "image of instance 'a'", e->dir);
	assert_error(&r, e, m);
	free(m);
	free(link);
	free(target);
	res_free(&r);
}

/* The host's real RAM is read at load: no host has 99999G.  From the
 * global file, the message names the instance. */
static void error_memory_over_host_ram(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	fleet(e, "db", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n\nMEMORY=99999G\n"));
	free(put(e, "cfg/db.conf", "UMLDIR=@/uml\nMEMORY=64M\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	assert_null(r.c);
	assert_error(&r, e, "cfg/web.conf:3: MEMORY=99999G is more than this host's RAM (");
	assert_non_null(strstr(r.errs.msg[0], "set MEMORY to "));
	res_free(&r);
	free(put(e, "cfg/umltop.conf", "MEMORY=\"99999G\"\n"));
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1); /* db sets its own */
	assert_error(&r, e, "cfg/umltop.conf:1: web: MEMORY=99999G is more than this host's RAM");
	res_free(&r);
}

/* A hard link is the same file under another name: UML's lock is on the
 * file, so the second instance cannot open its root and panics. */
static void error_hard_linked_image(void **state)
{
	struct env *e = *state;
	fleet(e, "a", true);
	fleet(e, "b", false);
	char *ar = path_of(e, "uml/a/root.loop"), *br = path_of(e, "uml/b/root.loop");
	char *as = path_of(e, "uml/a/swap.loop"), *bs = path_of(e, "b-swap.img");
	assert_int_equal(unlink(br), 0);
	assert_int_equal(link(ar, br), 0);
	assert_int_equal(link(as, bs), 0);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\n\nSWAP=@/b-swap.img\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/b.conf:1: root image %s is also the root image of "
			    "instance 'a' (%s/cfg/a.conf:1), %s: the same file under "
			    "another name; UML locks its disks, so they cannot run "
			    "together: give each its own image", br, e->dir, ar);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/b.conf:3: swap image %s is also the swap image of instance "
		      "'a' (%s/cfg/a.conf:1), %s: the same file", bs, e->dir, as);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
	free(ar);
	free(br);
	free(as);
	free(bs);
}

/* ubd words in ARGS are disks too: through a symlink, a hard link, with
 * flags; read-only uses share, as do uses that all say c. */
static void error_args_ubd_shares_image(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	fleet(e, "b", false);
	free(put(e, "data.img", "data"));
	free(put(e, "shared.img", "cluster fs"));
	char *data = path_of(e, "data.img"), *shared = path_of(e, "shared.img");
	char *alias = path_of(e, "alias.img"), *ar = path_of(e, "uml/a/root.loop");
	assert_int_equal(symlink(ar, alias), 0);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nARGS=\"ubd2r=@/data.img ubd3c=@/shared.img\"\n"));
	/* b: a's root through a symlink (ubdd is ubd3); data.img read-only
	 * and shared.img with c (fine), then each without (not) */
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nARGS=\"ubdd=@/alias.img ubd4r=@/data.img "
		 "ubd5c=@/shared.img\"\nARGS=\"$ARGS ubd6=@/data.img ubd7r=@/shared.img\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 3);
	char *m = xasprintf("cfg/b.conf:3: ARGS ubd3 image %s is also the root image of "
			    "instance 'a' (%s/cfg/a.conf:1); UML locks its disks", ar, e->dir);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/b.conf:3: ARGS ubd6 image %s is also the ARGS ubd2 image of "
		      "instance 'a' (%s/cfg/a.conf:2)", data, e->dir);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/b.conf:3: ARGS ubd7 image %s is also the ARGS ubd3 image of "
		      "instance 'a' (%s/cfg/a.conf:2)", shared, e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
	/* read-only and shared uses alone: fine */
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nARGS=\"ubd4r=@/data.img ubd5c=@/shared.img\"\n"));
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	res_free(&r);
	free(data);
	free(shared);
	free(alias);
	free(ar);
}

/* COW files over one backing file share it; a UML writing the backing
 * file itself does not. */
static void cow_backing_shared_read_only(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	fleet(e, "b", false);
	fleet(e, "c", false);
	free(put(e, "base.img", "base"));
	char *base = path_of(e, "base.img");
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nROOT=@/uml/a/cow,@/base.img\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nARGS=\"ubd2=@/uml/b/cow:@/base.img\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	res_free(&r);
	free(put(e, "cfg/c.conf", "UMLDIR=@/uml\nROOT=@/base.img\n"));
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	char *m = xasprintf("cfg/c.conf:2: root image %s is also the backing file of the "
			    "root image of instance 'a' (%s/cfg/a.conf:2)", base, e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
	/* two COW files UML has yet to create, one path: the second clashes */
	free(put(e, "cfg/c.conf", "UMLDIR=@/uml\nROOT=@/uml/a/../a/cow,@/base.img\n"));
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	m = xasprintf("cfg/c.conf:2: COW file of the root image %s/uml/a/cow is also the "
		      "COW file of the root image of instance 'a'", e->dir);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
	free(base);
}

/* One UML on one file twice: the locks do not clash within a process, the
 * writes do. */
static void error_same_image_twice_in_one(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "data.img", "data"));
	char *root = path_of(e, "uml/web/root.loop"), *data = path_of(e, "data.img");
	char *hard = path_of(e, "hard.img");
	assert_int_equal(link(root, hard), 0);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"
		 "ARGS=\"ubd2=@/hard.img ubd3r=@/data.img ubd4r=@/data.img ubd5=@/data.img\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 2);
	char *m = xasprintf("cfg/web.conf:2: ARGS ubd2 image %s is also the root image of "
			    "instance 'web' (%s/cfg/web.conf:1), %s: the same file under "
			    "another name; one UML would write it through two disks and "
			    "corrupt it", hard, e->dir, root);
	assert_error(&r, e, m);
	free(m);
	m = xasprintf("cfg/web.conf:2: ARGS ubd5 image %s is also the ARGS ubd3 image of "
		      "instance 'web'", data);
	assert_error(&r, e, m);
	free(m);
	res_free(&r);
	free(root);
	free(data);
	free(hard);
}

static void error_unreadable_files(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	char *dangling = path_of(e, "cfg/gone.conf");
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	assert_int_equal(symlink("/nonexistent/gone.conf", dangling), 0);
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 1);
	assert_error(&r, e, "cfg/gone.conf:1: cannot read: No such file or directory");
	res_free(&r);
	if (geteuid() != 0) { /* root reads anything */
		char *w = path_of(e, "cfg/web.conf");
		chmod(w, 0);
		load(&r, e, "cfg");
		assert_error(&r, e, "cfg/web.conf:1: cannot read: Permission denied");
		res_free(&r);
		free(w);
	}
	load(&r, e, "cfg/missing.conf");
	assert_int_equal(r.n, 1);
	assert_error(&r, e, "cfg/missing.conf:1: cannot read: No such file or directory");
	res_free(&r);
	free(dangling);
}

static void all_errors_one_pass(void **state)
{
	struct env *e = *state;
	fleet(e, "a", false);
	free(put(e, "cfg/a.conf", "UMLDIR=@/uml\nMEMORY=12XB\nUSER=nobody_zz_9\n"));
	free(put(e, "cfg/b.conf", "UMLDIR=@/uml\nFOO=1\nNET=\"tap1\n"));
	free(put(e, "cfg/c.conf", "KERNEL=@/none\nROOT=@/none.img\nAUTOSTART=sometimes\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 8);
	assert_int_equal(r.errs.n, 8);
	static const char *const want[] = {
		"cfg/a.conf:2: MEMORY='12XB'",
		"cfg/a.conf:3: USER: no such user 'nobody_zz_9'",
		"cfg/b.conf:1: UMLDIR ", /* no b/ under it */
		"cfg/b.conf:2: unknown key FOO",
		"cfg/b.conf:3: unterminated double quote",
		"cfg/c.conf:1: kernel ",
		"cfg/c.conf:2: root image ",
		"cfg/c.conf:3: AUTOSTART='sometimes'",
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		char *p = xasprintf("%s/%s", e->dir, want[i]);
		assert_prefix(r.errs.msg[i], p); /* every one, in file order */
		free(p);
	}
	res_free(&r);
}

static void skips_leftovers(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	static const char *const junk[] = { "cfg/web.conf~", "cfg/.web.conf.swp",
					    "cfg/uml.web.bak", "cfg/web.conf.dpkg-old",
					    "cfg/uml.db.swp" };
	for (size_t i = 0; i < ARRAY_LEN(junk); i++)
		free(put(e, junk[i], "THIS IS NOT=valid at all\n"));
	free(put(e, "cfg/README", "notes\n"));
	char *sub = path_of(e, "cfg/sub.conf"); /* a directory is no instance */
	mkdir(sub, 0755);
	free(sub);
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	assert_int_equal(r.c->ninst, 1);
	assert_warning(&r, e, "cfg/README:1: warning: ignored: instance files are called "
		       "NAME.conf or uml.NAME");
	res_free(&r);
}

/* Gentoo's /etc/conf.d as it is: the uml.NAME files of the old scripts
 * among other services' files, which are passed over without a word (a
 * warning each would bury the real ones). */
static void reads_conf_d(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	fleet(e, "db", false);
	free(put(e, "cfg/uml.web", "UMLDIR=\"@/uml\"\nMEMORY=\"128MB\"\n"));
	free(put(e, "cfg/uml.db", "# seed form\nUMLDIR=\"@/uml\"\nMEMORY=\"64MB\"\n"));
	free(put(e, "cfg/net", "config_eth0=\"dhcp\"\nbridge_br0=\"eth0 tap1\"\n"));
	free(put(e, "cfg/sshd", "SSHD_OPTS=\"\"\n"));
	free(put(e, "cfg/umltop", "UMLTOP_CONFIG=/etc/conf.d\n"));
	free(put(e, "cfg/uml.db.swp", "junk\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	assert_int_equal(r.c->ninst, 2);
	assert_string_equal(r.c->inst[0]->name, "db");
	assert_string_equal(r.c->inst[1]->name, "web");
	for (size_t i = 0; i < r.c->nwarnings; i++) /* root: "runs as root" only */
		assert_null(strstr(r.c->warnings[i], "ignored"));
	res_free(&r);
}

static void warns_about_users(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	fleet(e, "db", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\n"));
	free(put(e, "cfg/db.conf", "UMLDIR=@/uml\nUSER=%s\n",
		 geteuid() == 0 ? "nobody" : "root"));
	chmod(e->dir, 0755); /* nobody must reach the images */
	char *img = path_of(e, "uml/db/root.loop");
	chmod(img, 0666);
	free(img);
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	if (geteuid() == 0) {
		assert_warning(&r, e, "cfg/web.conf:1: warning: web runs as root (no USER");
		assert_int_equal(r.c->nwarnings, 1);
		assert_int_equal(conf_find(r.c, "db")->uid, getpwnam("nobody")->pw_uid);
	} else {
		char *m = xasprintf("cfg/db.conf:2: warning: USER=root is ignored: umltop "
				    "is not running as root, so instances run as %s", e->me);
		assert_warning(&r, e, m);
		free(m);
		assert_int_equal(r.c->nwarnings, 1);
	}
	res_free(&r);
}

/* Files are checked as the user the instance runs as. */
static void checks_as_the_user(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\nUSER=nobody\n"));
	char *k = path_of(e, "uml/web/linux");
	struct res r;
	if (geteuid() == 0) {
		/* mkdtemp made the scratch dir 0700: nobody cannot get in */
		load(&r, e, "cfg");
		assert_int_equal(r.n, 2);
		char *m = xasprintf("cfg/web.conf:1: kernel %s (UMLDIR/web/linux) is not "
				    "executable by nobody", k);
		assert_error(&r, e, m);
		free(m);
		assert_error(&r, e, "cfg/web.conf:1: root image ");
		res_free(&r);
		chmod(e->dir, 0755);
		char *img = path_of(e, "uml/web/root.loop");
		load(&r, e, "cfg");
		assert_int_equal(r.n, 0);
		m = xasprintf("cfg/web.conf:1: warning: root image %s is not writable by "
			      "nobody: the guest gets a read-only disk", img);
		assert_warning(&r, e, m);
		free(m);
		free(img);
	} else {
		chmod(k, 0600);
		load(&r, e, "cfg");
		char *m = xasprintf("cfg/web.conf:1: kernel %s (UMLDIR/web/linux) is not "
				    "executable by you", k);
		assert_error(&r, e, m);
		free(m);
	}
	res_free(&r);
	free(k);
}

static void cow_root_and_empty_swap(void **state)
{
	struct env *e = *state;
	fleet(e, "web", true);
	free(put(e, "base.img", "backing"));
	free(put(e, "cfg/web.conf", "UMLDIR=@/uml\nROOT=\"@/uml/web/cow,@/base.img\"\n"
		 "SWAP=\"\"\nMEMORY=\"\"\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_int_equal(r.n, 0);
	const struct conf_instance *in = r.c->inst[0];
	assert_null(in->swap); /* SWAP="" turns swap.loop off */
	assert_true(in->memory == 0);
	char **argv = conf_argv(in, "/r");
	char *want = xasprintf("ubd0=%s/uml/web/cow,%s/base.img", e->dir, e->dir);
	assert_string_equal(argv[3], want);
	assert_string_equal(argv[4], "root=/dev/ubda");
	free(want);
	conf_argv_free(argv);
	res_free(&r);
}

static void repeated_key_and_explicit_files(void **state)
{
	struct env *e = *state;
	fleet(e, "web", false);
	char *f = put(e, "cfg/uml.web", "UMLDIR=@/uml\nMEMORY=64M\n\nMEMORY=96M\n");
	char *d = path_of(e, "cfg");
	const char *paths[] = { f, d }; /* the same file twice: read once */
	struct res r;
	r.n = conf_load(paths, 2, &r.c, &r.errs);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.c->ninst, 1);
	assert_true(r.c->inst[0]->memory == 96ull << 20);
	assert_warning(&r, e, "cfg/uml.web:4: warning: MEMORY is set again (first on line 2)");
	res_free(&r);
	free(put(e, "other/notes.txt", "UMLDIR=/x\n"));
	load(&r, e, "other/notes.txt");
	assert_int_equal(r.n, 1);
	assert_error(&r, e, "other/notes.txt:1: not an instance file: call it NAME.conf or uml.NAME");
	res_free(&r);
	free(f);
	free(d);
}

static void default_path(void **state)
{
	struct env *e = *state;
	setenv("UMLTOP_CONFIG", "/some/where", 1);
	assert_string_equal(conf_default_path(), "/some/where");
	unsetenv("UMLTOP_CONFIG");
	char *xdg = path_of(e, "xdg");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	assert_string_equal(conf_default_path(), "/etc/umltop"); /* no xdg/umltop yet */
	char *u = path_of(e, "xdg/umltop");
	mkparents(u);
	mkdir(u, 0755);
	assert_string_equal(conf_default_path(), u);
	unsetenv("XDG_CONFIG_HOME");
	free(u);
	free(xdg);
}

static void bad_instance_name(void **state)
{
	struct env *e = *state;
	free(put(e, "cfg/my web.conf", "KERNEL=/bin/true\nROOT=/bin/true\n"));
	struct res r;
	load(&r, e, "cfg");
	assert_error(&r, e, "cfg/my web.conf:1: instance name 'my web' (from the file name) must be");
	res_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_forms),
		cmocka_unit_test(parse_comments_and_blanks),
		cmocka_unit_test(parse_double_quote_escapes),
		cmocka_unit_test(parse_single_quotes_literal),
		cmocka_unit_test(parse_expansion),
		cmocka_unit_test(parse_expansion_from_lookup),
		cmocka_unit_test(parse_unset_variable),
		cmocka_unit_test(parse_literal_dollar),
		cmocka_unit_test(parse_unterminated_double),
		cmocka_unit_test(parse_unterminated_single),
		cmocka_unit_test(parse_not_assignment),
		cmocka_unit_test(parse_spaces_around_equals),
		cmocka_unit_test(parse_lower_case_key),
		cmocka_unit_test(parse_unquoted_space),
		cmocka_unit_test(parse_several_on_one_line),
		cmocka_unit_test(parse_multiline_value_keeps_lines),
		cmocka_unit_test(parse_command_substitution),
		cmocka_unit_test(parse_special_parameters),
		cmocka_unit_test(parse_crlf_and_concat),
		cmocka_unit_test(parse_binary_and_tilde),
		cmocka_unit_test(parse_expansion_is_bounded),
		cmocka_unit_test(size_good),
		cmocka_unit_test(size_bad),
		cmocka_unit_test(bool_and_seconds),
		cmocka_unit_test(check_value_messages),
		cmocka_unit_test(check_value_accepts),
		cmocka_unit_test(ubd_words),
		cmocka_unit_test(memory_vs_host_ram),
		T(load_seed_style_dir),
		T(argv_seed_style),
		T(argv_optional_parts),
		T(argv_memory_units),
		T(global_defaults),
		T(global_builtin_defaults),
		T(global_file_errors),
		T(global_default_names_instance),
		T(error_memory_line_3),
		T(error_keys_and_values),
		T(error_unknown_user),
		T(error_kernel),
		T(error_root_and_swap),
		T(error_no_umldir),
		T(error_missing_instance_dir),
		T(error_duplicate_names),
		T(error_duplicate_umid),
		T(error_shared_tap),
		T(error_shared_root_image),
		T(error_memory_over_host_ram),
		T(error_hard_linked_image),
		T(error_args_ubd_shares_image),
		T(cow_backing_shared_read_only),
		T(error_same_image_twice_in_one),
		T(error_unreadable_files),
		T(all_errors_one_pass),
		T(skips_leftovers),
		T(reads_conf_d),
		T(warns_about_users),
		T(checks_as_the_user),
		T(cow_root_and_empty_swap),
		T(repeated_key_and_explicit_files),
		T(default_path),
		T(global_only_ignores_instances),
		T(global_only_errors),
		T(global_only_defaults_and_file),
		T(bad_instance_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
