/* The fake UML management console of the unit tests (see fake-mconsole.h):
 * one thread, one bound datagram socket, a table of behaviours keyed by the
 * request's first word. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "mconsole/mconsole.h"
#include "tests/unit/fake-mconsole.h"

struct fake_mc {
	int fd;
	int wake[2]; /* written by fake_mc_stop */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	pthread_mutex_t lock;
	int requests, dropped;
	bool overlap;
	struct sockaddr_un senders[64]; /* the distinct addresses requests came from */
	socklen_t senders_len[64];
	int nsenders;
	struct buf log;
	/* The request being answered. */
	struct sockaddr_un from;
	socklen_t fromlen;
	/* A reply owed to an earlier request (`late`). */
	bool owed;
	struct sockaddr_un owed_to;
	socklen_t owed_len;
	char owed_text[MC_MAX_REQUEST + 1];
};

struct how {
	bool wait;    /* block until the packet fits instead of dropping it */
	bool dropped; /* set when a packet was lost */
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void send_raw(struct fake_mc *f, const struct sockaddr_un *to,
		     socklen_t tolen, const void *p, size_t n, struct how *how)
{
	for (;;) {
		if (sendto(f->fd, p, n, MSG_DONTWAIT, (const struct sockaddr *)to,
			   tolen) >= 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && how && how->wait) {
			struct pollfd pfd = { .fd = f->fd, .events = POLLOUT };
			poll(&pfd, 1, 10);
			continue;
		}
		if (how)
			how->dropped = true;
		return;
	}
}

/* One reply packet; text is at most MC_MAX_PACKET - 1 bytes. */
static void send_packet(struct fake_mc *f, const struct sockaddr_un *to,
			socklen_t tolen, int32_t err, bool more, const char *text,
			size_t len, struct how *how)
{
	uint8_t pkt[MC_REPLY_HDR + MC_MAX_PACKET];
	uint32_t h[3] = { (uint32_t)err, more, (uint32_t)len + 1 };
	memcpy(pkt, h, sizeof h);
	memcpy(pkt + MC_REPLY_HDR, text, len);
	pkt[MC_REPLY_HDR + len] = '\0';
	send_raw(f, to, tolen, pkt, MC_REPLY_HDR + len + 1, how);
}

/* A reply as UML's mconsole_reply_len cuts it: 511 bytes a packet. */
static void reply(struct fake_mc *f, int32_t err, const char *text, size_t len,
		  bool more)
{
	do {
		size_t n = MIN(len, (size_t)MC_MAX_PACKET - 1);
		send_packet(f, &f->from, f->fromlen, err, n < len || more, text, n,
			    NULL);
		err = 0;
		text += n;
		len -= n;
	} while (len > 0);
}

static void reply_str(struct fake_mc *f, int32_t err, const char *text)
{
	reply(f, err, text, strlen(text), false);
}

static void do_lines(struct fake_mc *f, long n, bool wait)
{
	struct how how = { .wait = wait };
	int lost = 0;
	for (long i = 0; i < n; i++) {
		char line[32];
		int len = snprintf(line, sizeof line, "line %ld\n", i);
		how.dropped = false;
		send_packet(f, &f->from, f->fromlen, 0, true, line, (size_t)len, &how);
		lost += how.dropped;
	}
	how.dropped = false;
	send_packet(f, &f->from, f->fromlen, 0, false, "", 0, &how);
	lost += how.dropped;
	pthread_mutex_lock(&f->lock);
	f->dropped += lost;
	pthread_mutex_unlock(&f->lock);
}

static void do_big(struct fake_mc *f, long n)
{
	char *text = xmalloc((size_t)n + 1);
	for (long i = 0; i < n; i++)
		text[i] = (char)('a' + i % 26);
	reply(f, 0, text, (size_t)n, false);
	free(text);
}

static void do_slow(struct fake_mc *f, const char *arg)
{
	char *end;
	unsigned long ms = strtoul(arg, &end, 10);
	sleep_ms((unsigned)ms);
	/* One request in flight per UML: nothing else may be waiting. */
	char peek;
	if (recv(f->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) {
		pthread_mutex_lock(&f->lock);
		f->overlap = true;
		pthread_mutex_unlock(&f->lock);
	}
	reply_str(f, 0, *end == ' ' ? end + 1 : end);
}

static void do_garbage(struct fake_mc *f)
{
	uint8_t pkt[MC_REPLY_HDR + 8];
	uint32_t h[3] = { 0, 0, 200 };
	memcpy(pkt, h, sizeof h);
	memcpy(pkt + MC_REPLY_HDR, "garbage", 8);
	send_raw(f, &f->from, f->fromlen, pkt, sizeof pkt, NULL);
}

static void do_stranger(struct fake_mc *f, const char *text)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un self = { .sun_family = AF_UNIX };
	bind(s, (struct sockaddr *)&self, sizeof self.sun_family);
	uint8_t pkt[MC_REPLY_HDR + 9];
	uint32_t h[3] = { 0, 0, 9 };
	memcpy(pkt, h, sizeof h);
	memcpy(pkt + MC_REPLY_HDR, "stranger", 9);
	sendto(s, pkt, sizeof pkt, MSG_DONTWAIT, (struct sockaddr *)&f->from,
	       f->fromlen);
	close(s);
	reply_str(f, 0, text);
}

static void do_late(struct fake_mc *f, const char *text)
{
	f->owed = true;
	f->owed_to = f->from;
	f->owed_len = f->fromlen;
	snprintf(f->owed_text, sizeof f->owed_text, "%s", text);
}

static bool word(const char *cmd, const char *w, const char **arg)
{
	size_t n = strlen(w);
	if (strncmp(cmd, w, n) != 0 || (cmd[n] != ' ' && cmd[n] != '\0'))
		return false;
	*arg = cmd[n] ? cmd + n + 1 : cmd + n;
	return true;
}

static void serve(struct fake_mc *f, const char *cmd)
{
	const char *a;
	if (word(cmd, "echo", &a))
		reply_str(f, 0, a);
	else if (word(cmd, "lines", &a))
		do_lines(f, atol(a), false);
	else if (word(cmd, "stream", &a))
		do_lines(f, atol(a), true);
	else if (word(cmd, "big", &a))
		do_big(f, atol(a));
	else if (word(cmd, "silent", &a))
		;
	else if (word(cmd, "partial", &a))
		send_packet(f, &f->from, f->fromlen, 0, true, "part", 4, NULL);
	else if (word(cmd, "late", &a))
		do_late(f, a);
	else if (word(cmd, "slow", &a))
		do_slow(f, a);
	else if (word(cmd, "pause", &a)) {
		sleep_ms((unsigned)atol(a));
		reply_str(f, 0, "resumed");
	} else if (word(cmd, "garbage", &a))
		do_garbage(f);
	else if (word(cmd, "headerless", &a))
		send_raw(f, &f->from, f->fromlen,
			 "ERR Version 0 mconsole clients are not supported", 48, NULL);
	else if (word(cmd, "ebusy", &a))
		reply_str(f, -EBUSY, "Device is currently open");
	else if (word(cmd, "stranger", &a))
		do_stranger(f, a);
	else
		reply_str(f, 1, "Unknown command");
}

/* Validate a request as UML does; the command text, or NULL. */
static const char *parse(uint8_t *buf, ssize_t n)
{
	uint32_t h[3];
	if (n < MC_REQUEST_HDR)
		return NULL;
	memcpy(h, buf, sizeof h);
	if (h[0] != MC_MAGIC || h[1] != MC_VERSION || h[2] > MC_MAX_REQUEST ||
	    h[2] != (uint32_t)n - MC_REQUEST_HDR)
		return NULL;
	buf[MC_REQUEST_HDR + h[2]] = '\0';
	return (const char *)buf + MC_REQUEST_HDR;
}

static void handle(struct fake_mc *f, uint8_t *buf, ssize_t n)
{
	const char *cmd = parse(buf, n);
	if (!cmd)
		return; /* junk (tests fill the queue with it) */
	pthread_mutex_lock(&f->lock);
	f->requests++;
	bool known = false;
	for (int i = 0; i < f->nsenders && !known; i++)
		known = f->senders_len[i] == f->fromlen && !memcmp(&f->senders[i], &f->from, f->fromlen);
	if (!known && f->nsenders < 64) {
		f->senders[f->nsenders] = f->from;
		f->senders_len[f->nsenders++] = f->fromlen;
	}
	if (f->log.len)
		buf_append(&f->log, "|", 1);
	buf_append(&f->log, cmd, strlen(cmd));
	pthread_mutex_unlock(&f->lock);
	if (f->owed) {
		f->owed = false;
		send_packet(f, &f->owed_to, f->owed_len, 0, false, f->owed_text,
			    strlen(f->owed_text), NULL);
	}
	serve(f, cmd);
}

static void *run(void *arg)
{
	struct fake_mc *f = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = f->fd, .events = POLLIN },
				       { .fd = f->wake[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		uint8_t buf[MC_REQUEST_HDR + MC_MAX_REQUEST + 64];
		f->fromlen = sizeof f->from;
		ssize_t n = recvfrom(f->fd, buf, sizeof buf - 1, MSG_DONTWAIT,
				     (struct sockaddr *)&f->from, &f->fromlen);
		if (n >= 0)
			handle(f, buf, n);
	}
	return NULL;
}

struct fake_mc *fake_mc_start(const char *path)
{
	struct fake_mc *f = xcalloc(1, sizeof *f);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof a.sun_path)
		abort();
	strcpy(a.sun_path, path);
	strcpy(f->path, path);
	unlink(path);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    pipe(f->wake) < 0) {
		perror("fake_mc_start");
		abort();
	}
	pthread_mutex_init(&f->lock, NULL);
	if (pthread_create(&f->thread, NULL, run, f) != 0)
		abort();
	return f;
}

void fake_mc_stop(struct fake_mc *f)
{
	if (write(f->wake[1], "x", 1) != 1)
		abort();
	pthread_join(f->thread, NULL);
	close(f->fd);
	close(f->wake[0]);
	close(f->wake[1]);
	unlink(f->path);
	pthread_mutex_destroy(&f->lock);
	buf_free(&f->log);
	free(f);
}

int fake_mc_senders(struct fake_mc *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->nsenders;
	pthread_mutex_unlock(&f->lock);
	return n;
}

int fake_mc_requests(struct fake_mc *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->requests;
	pthread_mutex_unlock(&f->lock);
	return n;
}

int fake_mc_dropped(struct fake_mc *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->dropped;
	pthread_mutex_unlock(&f->lock);
	return n;
}

bool fake_mc_overlap(struct fake_mc *f)
{
	pthread_mutex_lock(&f->lock);
	bool o = f->overlap;
	pthread_mutex_unlock(&f->lock);
	return o;
}

char *fake_mc_log(struct fake_mc *f)
{
	pthread_mutex_lock(&f->lock);
	char *s = xstrdup(f->log.data ? f->log.data : "");
	pthread_mutex_unlock(&f->lock);
	return s;
}
