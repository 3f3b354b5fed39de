/* The notify listener (datagrams as UML sends them for
 * mconsole=notify:PATH) and mc_resolve's lookup of UMID|DIR|SOCKET. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"

struct got {
	int n;
	uint32_t type[8];
	char data[8][600];
	size_t len[8];
	bool terminated[8];
	struct mc_notifier *close_after; /* close when this many arrived */
	int close_at;
};

static void on_notify(void *arg, const struct mc_notify *m)
{
	struct got *g = arg;
	if (g->n < 8) {
		g->type[g->n] = m->type;
		memcpy(g->data[g->n], m->data, m->len);
		g->len[g->n] = m->len;
		g->terminated[g->n] = m->data[m->len] == '\0';
	}
	g->n++;
	if (g->close_after && g->n == g->close_at)
		mc_notifier_close(g->close_after);
}

/* Send a datagram the way UML's mconsole_notify does: from an unbound
 * socket, header then len bytes. */
static void send_notify(const char *path, uint32_t magic, uint32_t type,
			const void *data, uint32_t len)
{
	uint8_t buf[700];
	uint32_t h[4] = { magic, MC_VERSION, type, len };
	memcpy(buf, h, sizeof h);
	memcpy(buf + 16, data, len);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	assert_int_equal(sendto(s, buf, 16 + len, 0, (struct sockaddr *)&a, sizeof a),
			 (ssize_t)(16 + len));
	close(s);
}

static void make_tmp(char *dir)
{
	strcpy(dir, "/tmp/mcn.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void listener_delivers(void **state)
{
	char dir[64], path[128];
	make_tmp(dir);
	snprintf(path, sizeof path, "%s/notify", dir);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct got g = { 0 };
	struct mc_notifier *n;
	assert_int_equal(mc_notifier_open(&loop, path, on_notify, &g, &n), 0);
	const char sock[] = "/var/run/uml/web/mconsole";
	send_notify(path, MC_MAGIC, MC_NOTIFY_SOCKET, sock, sizeof sock);
	send_notify(path, 0xdeadbeef, MC_NOTIFY_SOCKET, sock, sizeof sock); /* dropped */
	send_notify(path, MC_MAGIC, MC_NOTIFY_USER_NOTIFY, "booted", 6);
	send_notify(path, MC_MAGIC, MC_NOTIFY_PANIC, "Kernel panic\0", 13);
	g.close_after = n;
	g.close_at = 3;
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.type[0], MC_NOTIFY_SOCKET);
	assert_string_equal(g.data[0], sock);
	assert_int_equal(g.len[0], strlen(sock));
	assert_int_equal(g.type[1], MC_NOTIFY_USER_NOTIFY);
	assert_int_equal(g.len[1], 6);
	assert_memory_equal(g.data[1], "booted", 6);
	assert_int_equal(g.type[2], MC_NOTIFY_PANIC);
	assert_string_equal(g.data[2], "Kernel panic");
	for (int i = 0; i < 3; i++)
		assert_true(g.terminated[i]);
	assert_false(exists(path)); /* close unlinks */
	assert_int_equal(uv_loop_close(&loop), 0);
	rmdir(dir);
}

static void on_any(void *arg, const struct mc_notify *m)
{
	(*(int *)arg)++;
}

static void listener_paths(void **state)
{
	char dir[64], path[128];
	make_tmp(dir);
	snprintf(path, sizeof path, "%s/notify", dir);
	uv_loop_t loop;
	uv_loop_init(&loop);
	int count = 0;
	struct mc_notifier *n, *n2;

	/* A stale socket file (its listener died) is replaced. */
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	close(s);
	assert_int_equal(mc_notifier_open(&loop, path, on_any, &count, &n), 0);

	/* A live one is not stolen. */
	assert_int_equal(mc_notifier_open(&loop, path, on_any, &count, &n2), -EADDRINUSE);
	send_notify(path, MC_MAGIC, MC_NOTIFY_HANG, "", 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(count, 1);
	mc_notifier_close(n);
	uv_run(&loop, UV_RUN_DEFAULT);

	/* Not a socket: refused, left alone. */
	FILE *f = fopen(path, "w");
	fputs("keep me\n", f);
	fclose(f);
	assert_int_equal(mc_notifier_open(&loop, path, on_any, &count, &n2), -EEXIST);
	assert_true(exists(path));
	unlink(path);

	char longp[200];
	memset(longp, 'p', sizeof longp - 1);
	longp[0] = '/';
	longp[sizeof longp - 1] = '\0';
	assert_int_equal(mc_notifier_open(&loop, longp, on_any, &count, &n2), -ENAMETOOLONG);
	assert_int_equal(uv_loop_close(&loop), 0);
	rmdir(dir);
}

/* ---- mc_resolve ---- */

static void bind_sock(const char *path)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	close(s); /* the file stays: resolve looks only at files */
}

static void mkdirs(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);
	assert_int_equal(util_mkdir_p(p, 0700), 0);
	free(p);
}

static void resolve(void **state)
{
	char dir[64];
	make_tmp(dir);
	char *rundir = xasprintf("%s/srv.d", dir);
	char *home = xasprintf("%s/home", dir);
	mkdirs(dir, "srv.d/uml/web");
	mkdirs(dir, "srv.d/uml/both");
	mkdirs(dir, "home/.uml/db");
	mkdirs(dir, "home/.uml/both");
	mkdirs(dir, "home/.uml/dead");
	mkdirs(dir, "plain");
	char *web = xasprintf("%s/uml/web/mconsole", rundir);
	char *both = xasprintf("%s/uml/both/mconsole", rundir);
	char *db = xasprintf("%s/.uml/db/mconsole", home);
	char *both2 = xasprintf("%s/.uml/both/mconsole", home);
	char *dead = xasprintf("%s/.uml/dead/mconsole", home);
	bind_sock(web);
	bind_sock(both);
	bind_sock(db);
	bind_sock(both2);
	FILE *f = fopen(dead, "w"); /* a plain file is no socket */
	fclose(f);
	char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", home, 1);

	char *p = mc_resolve("web", rundir);
	assert_string_equal(p, web);
	free(p);
	p = mc_resolve("db", rundir); /* not under the server: ~/.uml */
	assert_string_equal(p, db);
	free(p);
	p = mc_resolve("both", rundir); /* the server's wins */
	assert_string_equal(p, both);
	free(p);
	p = mc_resolve("both", NULL);
	assert_string_equal(p, both2);
	free(p);
	assert_null(mc_resolve("dead", rundir));
	assert_null(mc_resolve("nobody", rundir));
	assert_null(mc_resolve("", rundir));

	char *d = xasprintf("%s/uml/web", rundir); /* a DIR holding mconsole */
	p = mc_resolve(d, NULL);
	assert_string_equal(p, web);
	free(p);
	free(d);
	p = mc_resolve(db, NULL); /* the socket itself */
	assert_string_equal(p, db);
	free(p);
	d = xasprintf("%s/plain", dir);
	assert_null(mc_resolve(d, rundir)); /* a DIR without one */
	free(d);
	assert_null(mc_resolve(dead, rundir));

	/* A bare word that is no umid is tried in the current directory. */
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	d = xasprintf("%s/.uml", home);
	assert_int_equal(chdir(d), 0);
	p = mc_resolve("db", "/nonexistent");
	assert_non_null(p);
	assert_string_equal(p, db); /* via ~/.uml first */
	free(p);
	assert_int_equal(chdir(dir), 0);
	p = mc_resolve("srv.d", NULL);
	assert_null(p); /* srv.d holds no mconsole */
	free(d);
	d = xasprintf("%s/uml/web", rundir);
	assert_int_equal(chdir(d), 0);
	p = mc_resolve("mconsole", "/nonexistent");
	assert_string_equal(p, "mconsole");
	free(p);
	free(d);
	assert_int_equal(chdir(cwd), 0);

	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_home);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(web);
	free(both);
	free(db);
	free(both2);
	free(dead);
	free(rundir);
	free(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listener_delivers),
		cmocka_unit_test(listener_paths),
		cmocka_unit_test(resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
