/* cli/hosts.c: the hosts file (every kind of line, good and bad, with the
 * FILE:LINE a user is shown), the default path, -H selection (file names,
 * `local`, bare destinations and their host names) and HOST/NAME. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/hosts.h"
#include "lib/util.h"

static char dir[] = "/tmp/test_hosts.XXXXXX";

static char *write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load text as a hosts file; returns load's result, err filled. */
static int load(const char *text, struct hosts *h, char *err, size_t errlen)
{
	char *path = write_file("hosts", text);
	err[0] = '\0';
	int rc = hosts_load(path, true, h, err, errlen);
	free(path);
	return rc;
}

static void good_lines(void **state)
{
	(void)state;
	struct hosts h = { 0 };
	char err[512];
	int rc = load("# the lab\n"
		      "\n"
		      "h1 alice@h1.lab   # a comment after\n"
		      "  h2\tbox.example.org socket=/run/umltop/default umltop=/opt/bin/umltop "
		      "-p 2222 -oControlMaster=auto\n"
		      "here - socket=/tmp/s\n"
		      "x.y_z-9 ssh://u@[::1]:22 -i /k/socket=odd\n",
		      &h, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.v[0].name, "h1");
	assert_string_equal(h.v[0].dest, "alice@h1.lab");
	assert_null(h.v[0].socket);
	assert_null(h.v[0].umltop);
	assert_int_equal(h.v[0].nssh_opt, 0);
	assert_non_null(h.v[0].ssh_opt);
	assert_null(h.v[0].ssh_opt[0]);
	assert_string_equal(h.v[1].name, "h2");
	assert_string_equal(h.v[1].dest, "box.example.org");
	assert_string_equal(h.v[1].socket, "/run/umltop/default");
	assert_string_equal(h.v[1].umltop, "/opt/bin/umltop");
	assert_int_equal(h.v[1].nssh_opt, 3);
	assert_string_equal(h.v[1].ssh_opt[0], "-p");
	assert_string_equal(h.v[1].ssh_opt[1], "2222");
	assert_string_equal(h.v[1].ssh_opt[2], "-oControlMaster=auto");
	assert_null(h.v[1].ssh_opt[3]); /* NULL-terminated too, for an argv */
	assert_string_equal(h.v[2].name, "here");
	assert_null(h.v[2].dest); /* this machine's server, no ssh */
	assert_string_equal(h.v[2].socket, "/tmp/s");
	/* after the first ssh option every word is ssh's */
	assert_int_equal(h.v[3].nssh_opt, 2);
	assert_string_equal(h.v[3].ssh_opt[1], "/k/socket=odd");
	assert_null(h.v[3].socket);
	hosts_free(&h);
	assert_int_equal(h.n, 0);
}

struct bad {
	const char *text;
	const char *err; /* expected message, after the file name */
};

static void bad_lines(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "h1 a\nh/2 b\n", ":2: bad host name 'h/2' (1 to 32 of A-Z a-z 0-9 _ . -)" },
		{ "abcdefghijabcdefghijabcdefghijabc d\n", ":1: bad host name" },
		{ "h1\n", ":1: host h1 has no destination (an ssh destination, or - for this "
			  "machine's server)" },
		{ "h1 a\n\nh1 b\n", ":3: host h1 is named twice in " },
		{ "h1 -p 22\n", ":1: host h1: the destination '-p' looks like an option; it "
				"comes right after the name" },
		{ "h1 a socket=/x socket=/y\n", ":1: socket= given twice" },
		{ "h1 a socket=\n", ":1: socket= needs a path" },
		{ "h1 a umltop=\n", ":1: umltop= needs a path" },
		{ "h1 a sock=/x\n", ":1: 'sock=/x' is neither socket=PATH, umltop=PATH nor an "
				    "ssh option (they start with '-')" },
		{ "h1 - -p 22\n", ":1: host h1 is this machine's server (-): it takes no ssh "
				  "options" },
		{ "h1 - umltop=/x\n", ":1: host h1 is this machine's server (-): it takes no "
				      "umltop=" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct hosts h = { 0 };
		char err[512];
		assert_int_equal(load(bad[i].text, &h, err, sizeof err), -1);
		char *want = xasprintf("%s/hosts%s", dir, bad[i].err);
		if (strncmp(err, want, strlen(want)))
			fail_msg("line set %zu: got \"%s\", want \"%s...\"", i, err, want);
		free(want);
		hosts_free(&h);
	}
}

static void missing_file(void **state)
{
	(void)state;
	struct hosts h = { 0 };
	char err[512] = "";
	char *path = xasprintf("%s/none", dir);
	assert_int_equal(hosts_load(path, false, &h, err, sizeof err), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(hosts_load(path, true, &h, err, sizeof err), -1);
	char *want = xasprintf("%s: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(path);
}

static void default_path(void **state)
{
	(void)state;
	char *p;
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	setenv("HOME", "/home/u", 1);
	assert_string_equal(p = hosts_default_path(), "/cfg/umltop/hosts");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored, as the XDG spec says */
	assert_string_equal(p = hosts_default_path(), "/home/u/.config/umltop/hosts");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	assert_string_equal(p = hosts_default_path(), "/home/u/.config/umltop/hosts");
	free(p);
	unsetenv("HOME");
	assert_null(hosts_default_path());
}

static void select_hosts(void **state)
{
	(void)state;
	char *sub = xasprintf("%s/umltop", dir);
	assert_int_equal(util_mkdir_p(sub, 0700), 0);
	free(sub);
	char *path = write_file("umltop/hosts", "h1 alice@h1.lab -p 2222\nlocal2 -\n");
	free(path);
	setenv("XDG_CONFIG_HOME", dir, 1);
	const char *names[] = { "h2", "h1", "bob@db.lab:22", "local", "h1", "ssh://u@web7.x" };
	struct hosts h = { 0 };
	char err[512] = "";
	assert_int_equal(hosts_select(names, ARRAY_LEN(names), &h, err, sizeof err), 0);
	assert_int_equal(h.n, 5); /* h1 once */
	assert_string_equal(h.v[0].name, "h2"); /* not in the file: a destination */
	assert_string_equal(h.v[0].dest, "h2");
	assert_int_equal(h.v[0].nssh_opt, 0);
	assert_string_equal(h.v[1].name, "h1");
	assert_string_equal(h.v[1].dest, "alice@h1.lab");
	assert_int_equal(h.v[1].nssh_opt, 2);
	assert_string_equal(h.v[1].ssh_opt[1], "2222");
	assert_string_equal(h.v[2].name, "db");
	assert_string_equal(h.v[2].dest, "bob@db.lab:22");
	assert_string_equal(h.v[3].name, "local");
	assert_null(h.v[3].dest);
	assert_null(h.v[3].socket);
	assert_string_equal(h.v[4].name, "web7");
	hosts_free(&h);

	/* two destinations that would share a name */
	const char *clash[] = { "db.a", "db.b" };
	assert_int_equal(hosts_select(clash, 2, &h, err, sizeof err), -1);
	assert_string_equal(err, "-H db.b: another -H is already host db; give them different "
				 "names in the hosts file");
	hosts_free(&h);
	const char *dash[] = { "-x" };
	assert_int_equal(hosts_select(dash, 1, &h, err, sizeof err), -1);
	assert_string_equal(err, "-H -x: a host name or ssh destination cannot start with '-'");
	hosts_free(&h);
	const char *odd[] = { "we!rd.lab" };
	assert_int_equal(hosts_select(odd, 1, &h, err, sizeof err), -1);
	assert_non_null(strstr(err, "'we!rd' cannot be a host's name"));
	hosts_free(&h);

	/* a bad hosts file stops -H with its FILE:LINE */
	path = write_file("umltop/hosts", "h1\n");
	assert_int_equal(hosts_select(names, 1, &h, err, sizeof err), -1);
	char *want = xasprintf("%s:1: host h1 has no destination", path);
	assert_true(!strncmp(err, want, strlen(want)));
	free(want);
	unlink(path);
	free(path);
	/* a file that names `local` wins over the built-in meaning */
	path = write_file("umltop/hosts", "local me@elsewhere\n");
	const char *loc[] = { "local" };
	assert_int_equal(hosts_select(loc, 1, &h, err, sizeof err), 0);
	assert_string_equal(h.v[0].dest, "me@elsewhere");
	hosts_free(&h);
	unlink(path);
	free(path);
	unsetenv("XDG_CONFIG_HOME");
}

static void split(void **state)
{
	(void)state;
	char host[HOST_NAME_MAX_LEN + 1];
	assert_string_equal(hosts_split("h2/web", host), "web");
	assert_string_equal(host, "h2");
	assert_string_equal(hosts_split("web", host), "web");
	assert_string_equal(host, "");
	assert_string_equal(hosts_split("/web", host), "web");
	assert_string_equal(host, "");
	assert_string_equal(hosts_split("h2/", host), "");
	assert_string_equal(host, "h2");
	/* too long to be a host: the whole string is the name */
	const char *longer = "abcdefghijabcdefghijabcdefghijabc/web";
	assert_ptr_equal(hosts_split(longer, host), longer);
	assert_string_equal(host, "");
	const char *exact = "abcdefghijabcdefghijabcdefghijab/web";
	assert_string_equal(hosts_split(exact, host), "web");
	assert_int_equal(strlen(host), HOST_NAME_MAX_LEN);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_lines),   cmocka_unit_test(bad_lines),
		cmocka_unit_test(missing_file), cmocka_unit_test(default_path),
		cmocka_unit_test(select_hosts), cmocka_unit_test(split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
