/* mc-notify-listen: test helper that listens with mc_notifier_open at PATH
 * and prints one line per notify datagram, "TYPE DATA" (SOCKET, PANIC,
 * HANG, USER_NOTIFY or the number), flushed at once.  Exits 0 after COUNT
 * datagrams, 1 after TIMEOUT_MS without them; closes (and so unlinks) PATH
 * either way.
 *
 *   mc-notify-listen [-n COUNT] [-t TIMEOUT_MS] PATH */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mconsole/mconsole.h"

struct listen {
	struct mc_notifier *n;
	uv_timer_t timer;
	int want, got;
};

static const char *type_name(uint32_t t)
{
	switch (t) {
	case MC_NOTIFY_SOCKET: return "SOCKET";
	case MC_NOTIFY_PANIC: return "PANIC";
	case MC_NOTIFY_HANG: return "HANG";
	case MC_NOTIFY_USER_NOTIFY: return "USER_NOTIFY";
	default: return NULL;
	}
}

static void stop(struct listen *l)
{
	mc_notifier_close(l->n);
	uv_close((uv_handle_t *)&l->timer, NULL);
}

static void on_notify(void *arg, const struct mc_notify *m)
{
	struct listen *l = arg;
	const char *name = type_name(m->type);
	if (name)
		printf("%s ", name);
	else
		printf("%u ", (unsigned)m->type);
	fwrite(m->data, 1, m->len, stdout);
	putchar('\n');
	fflush(stdout);
	if (++l->got == l->want)
		stop(l);
}

static void on_timeout(uv_timer_t *t)
{
	stop(t->data);
}

int main(int argc, char **argv)
{
	struct listen l = { .want = 1 };
	unsigned long timeout_ms = 30000;
	int opt;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			l.want = atoi(optarg);
		else if (opt == 't')
			timeout_ms = strtoul(optarg, NULL, 10);
		else
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	uv_loop_t *loop = uv_default_loop();
	int rc = mc_notifier_open(loop, argv[optind], on_notify, &l, &l.n);
	if (rc < 0) {
		fprintf(stderr, "mc-notify-listen: %s: %s\n", argv[optind], strerror(-rc));
		return 2;
	}
	uv_timer_init(loop, &l.timer);
	l.timer.data = &l;
	uv_timer_start(&l.timer, on_timeout, timeout_ms, 0);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	return l.got >= l.want ? 0 : 1;
usage:
	fprintf(stderr, "usage: mc-notify-listen [-n COUNT] [-t TIMEOUT_MS] PATH\n");
	return 2;
}
