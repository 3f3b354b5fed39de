/* Small helpers shared by every module: allocation that aborts on failure,
 * formatted strings, monotonic time, and fd flags.  Nothing here knows about
 * UML, curses or sockets, and lib/ includes nothing of the other
 * directories: every one of them may include it. */
#ifndef UMLTOP_UTIL_H
#define UMLTOP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#include <sys/param.h> /* MIN, MAX */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* Allocation failure is not recoverable in umltop: these abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Milliseconds and nanoseconds on CLOCK_MONOTONIC. */
uint64_t util_now_ms(void);
uint64_t util_now_ns(void);

/* fd flags; return 0 or -errno. */
int util_set_nonblock(int fd, int on);
int util_set_cloexec(int fd, int on);

/* Write all of buf to a blocking fd, retrying on EINTR; 0 or -errno. */
int util_write_all(int fd, const void *buf, size_t len);

/* mkdir -p with mode for each created component; 0 or -errno. */
int util_mkdir_p(const char *path, unsigned mode);
/* In a child between fork() and exec(), both async-signal-safe:
 * util_child_signals puts every signal back to its default and blocks none
 * (the server's handlers would write into its own signal pipe, which the
 * child shares: a SIGTERM meant for the child would stop the server);
 * util_child_fds leaves nothing but 0-2 (and keep, until the exec) to the
 * program it runs. */
void util_child_signals(void);
void util_child_fds(int keep);

/* Text from a server or a guest, for a terminal: valid UTF-8 of printable
 * characters passes; controls (C0, DEL, C1) and broken bytes become '?'.
 * out holds at least strlen(in) + 1 bytes. */
void util_clean_text(const char *in, char *out);

/* A growable byte buffer. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_consume(struct buf *b, size_t n); /* drop n bytes from the front */
void buf_free(struct buf *b);

#endif
