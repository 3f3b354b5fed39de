/* The mconsole codec: request encoding, reply packets and notify datagrams,
 * including datagrams captured from the real UML (Debian linux.uml 6.1.176)
 * and the malformed ones a broken or hostile sender could produce. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mconsole/mconsole.h"

/* Captured from the real UML: each literal is the datagram byte for byte
 * (the literal's own terminator is the text's NUL where there is one). */
static const char real_version[] =
	"\0\0\0\0" "\0\0\0\0" "\x39\0\0\0"
	"Linux uml 6.1.176 #1 Sat Jul  4 15:38:16 UTC 2026 x86_64";
static const char real_proc_first[] = "\0\0\0\0" "\1\0\0\0" "\2\0\0\0" "\n";
static const char real_terminator[] = "\0\0\0\0" "\0\0\0\0" "\1\0\0\0";
static const char real_unknown[] =
	"\1\0\0\0" "\0\0\0\0" "\x10\0\0\0" "Unknown command";
static const char real_ebusy[] =
	"\xf0\xff\xff\xff" "\0\0\0\0" "\x19\0\0\0" "Device is currently open";
/* The reply to a request without magic: bare text, no NUL. */
static const char real_headerless[] =
	"ERR Version 0 mconsole clients are not supported by this driver";
static const char real_notify_socket[] =
	"\xbe\xba\xfe\xca" "\2\0\0\0" "\0\0\0\0" "\x19\0\0\0"
	"/tmp/mcx/run/u1/mconsole";

#define U8(lit) ((const uint8_t *)(lit))

/* A reply datagram with the given header and text bytes. */
static size_t mkreply(uint8_t *buf, uint32_t err, uint32_t more, uint32_t len,
		      const void *text, size_t n)
{
	memcpy(buf, &err, 4);
	memcpy(buf + 4, &more, 4);
	memcpy(buf + 8, &len, 4);
	memcpy(buf + 12, text, n);
	return 12 + n;
}

static size_t mknotify(uint8_t *buf, uint32_t magic, uint32_t version,
		       uint32_t type, uint32_t len, const void *data, size_t n)
{
	uint32_t h[4] = { magic, version, type, len };
	memcpy(buf, h, sizeof h);
	memcpy(buf + 16, data, n);
	return 16 + n;
}

static void encode_version(void **state)
{
	uint8_t buf[600];
	int n = mc_encode_request("version", buf, sizeof buf);
	assert_int_equal(n, 12 + 7);
	uint32_t h[3];
	memcpy(h, buf, sizeof h);
	assert_int_equal(h[0], 0xcafebabe);
	assert_int_equal(h[1], 2);
	assert_int_equal(h[2], 7);
	assert_memory_equal(buf + 12, "version", 7);
}

static void encode_limits(void **state)
{
	uint8_t buf[600];
	char cmd[513];
	memset(cmd, 'x', 511);
	cmd[511] = '\0';
	assert_int_equal(mc_encode_request(cmd, buf, sizeof buf), 12 + 511);
	cmd[511] = 'x';
	cmd[512] = '\0';
	assert_int_equal(mc_encode_request(cmd, buf, sizeof buf), -EMSGSIZE);
	assert_int_equal(mc_encode_request("version", buf, 18), -EMSGSIZE);
	assert_int_equal(mc_encode_request("version", buf, 19), 19);
	/* An empty command still carries the whole header: UML re-runs the
	 * previous command on a datagram shorter than 12 bytes. */
	assert_int_equal(mc_encode_request("", buf, sizeof buf), 12);
}

static void decode_real_version(void **state)
{
	struct mc_packet p;
	assert_int_equal(mc_decode_reply(U8(real_version), sizeof real_version, &p), 0);
	assert_int_equal(p.err, 0);
	assert_false(p.more);
	assert_false(p.headerless);
	assert_int_equal(p.len, strlen("Linux uml 6.1.176 #1 Sat Jul  4 15:38:16 UTC 2026 x86_64"));
	assert_memory_equal(p.text, "Linux uml 6.1.176", 17);
}

static void decode_real_multipacket(void **state)
{
	struct mc_packet p;
	assert_int_equal(mc_decode_reply(U8(real_proc_first), sizeof real_proc_first, &p), 0);
	assert_true(p.more);
	assert_int_equal(p.len, 1);
	assert_int_equal(p.text[0], '\n');
	assert_int_equal(mc_decode_reply(U8(real_terminator), sizeof real_terminator, &p), 0);
	assert_false(p.more);
	assert_int_equal(p.len, 0);
}

static void decode_real_errors(void **state)
{
	struct mc_packet p;
	assert_int_equal(mc_decode_reply(U8(real_unknown), sizeof real_unknown, &p), 0);
	assert_int_equal(p.err, 1);
	assert_int_equal(p.len, 15);
	assert_memory_equal(p.text, "Unknown command", 15);
	assert_int_equal(mc_decode_reply(U8(real_ebusy), sizeof real_ebusy, &p), 0);
	assert_int_equal(p.err, -EBUSY);
	assert_false(p.headerless);
	assert_memory_equal(p.text, "Device is currently open", p.len);
}

static void decode_real_headerless(void **state)
{
	struct mc_packet p;
	size_t n = sizeof real_headerless - 1; /* no NUL on the wire */
	assert_int_equal(mc_decode_reply(U8(real_headerless), n, &p), 0);
	assert_true(p.headerless);
	assert_int_equal(p.err, 1);
	assert_false(p.more);
	assert_int_equal(p.len, n);
	assert_memory_equal(p.text, real_headerless, n);
}

static void decode_short(void **state)
{
	struct mc_packet p;
	uint8_t buf[16] = { 0 };
	for (size_t n = 0; n < 12; n++)
		assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
	/* A plausible err word then too few bytes for the rest. */
	buf[0] = 1;
	assert_int_equal(mc_decode_reply(buf, 8, &p), -EBADMSG);
}

static void decode_bad_len(void **state)
{
	struct mc_packet p;
	uint8_t buf[1024];
	uint8_t text[600];
	memset(text, 'a', sizeof text);
	text[512 - 1] = '\0';
	/* Exactly 512 with the NUL is the largest packet UML sends. */
	size_t n = mkreply(buf, 0, 0, 512, text, 512);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_int_equal(p.len, 511);
	text[513 - 1] = '\0';
	n = mkreply(buf, 0, 0, 513, text, 513);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
	/* len past the datagram. */
	n = mkreply(buf, 0, 0, 10, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
	/* len 0: not even the NUL. */
	n = mkreply(buf, 0, 0, 0, "", 0);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
	n = mkreply(buf, 0, 0, 0xffffffffu, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
}

static void decode_missing_nul(void **state)
{
	struct mc_packet p;
	uint8_t buf[64];
	size_t n = mkreply(buf, 0, 0, 3, "abc", 3);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
	n = mkreply(buf, 0, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_int_equal(p.len, 3);
}

static void decode_bad_more(void **state)
{
	struct mc_packet p;
	uint8_t buf[64];
	size_t n = mkreply(buf, 0, 2, 4, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), -EBADMSG);
}

static void decode_errno_range(void **state)
{
	struct mc_packet p;
	uint8_t buf[64];
	/* -4095 is the lowest errno; below it the word is text, not err. */
	size_t n = mkreply(buf, (uint32_t)-4095, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_int_equal(p.err, -4095);
	assert_false(p.headerless);
	n = mkreply(buf, 2, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_true(p.headerless);
	n = mkreply(buf, (uint32_t)-4096, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_true(p.headerless);
}

static void decode_trailing_bytes(void **state)
{
	struct mc_packet p;
	uint8_t buf[64];
	/* Bytes after len are padding: the text stops at len. */
	size_t n = mkreply(buf, 0, 1, 3, "ab\0zzzz", 7);
	assert_int_equal(mc_decode_reply(buf, n, &p), 0);
	assert_int_equal(p.len, 2);
	assert_true(p.more);
}

static void decode_headerless_short(void **state)
{
	struct mc_packet p;
	assert_int_equal(mc_decode_reply(U8("OK x"), 4, &p), 0);
	assert_true(p.headerless);
	assert_int_equal(p.len, 4);
	assert_int_equal(mc_decode_reply(U8("OK"), 2, &p), -EBADMSG);
	/* Text up to its first NUL. */
	assert_int_equal(mc_decode_reply(U8("ERR x\0yz"), 8, &p), 0);
	assert_int_equal(p.len, 5);
}

static void notify_real_socket(void **state)
{
	struct mc_notify n;
	assert_int_equal(mc_decode_notify(U8(real_notify_socket),
					  sizeof real_notify_socket, &n), 0);
	assert_int_equal(n.type, MC_NOTIFY_SOCKET);
	assert_int_equal(n.len, strlen("/tmp/mcx/run/u1/mconsole"));
	assert_memory_equal(n.data, "/tmp/mcx/run/u1/mconsole", n.len);
}

static void notify_types(void **state)
{
	struct mc_notify n;
	uint8_t buf[600];
	size_t len = mknotify(buf, MC_MAGIC, 2, MC_NOTIFY_USER_NOTIFY, 5, "ready", 5);
	assert_int_equal(mc_decode_notify(buf, len, &n), 0);
	assert_int_equal(n.type, MC_NOTIFY_USER_NOTIFY);
	assert_int_equal(n.len, 5);
	assert_memory_equal(n.data, "ready", 5);
	len = mknotify(buf, MC_MAGIC, 2, MC_NOTIFY_PANIC, 9, "Oops!\0\0\0", 9);
	assert_int_equal(mc_decode_notify(buf, len, &n), 0);
	assert_int_equal(n.type, MC_NOTIFY_PANIC);
	assert_int_equal(n.len, 5);
	len = mknotify(buf, MC_MAGIC, 2, MC_NOTIFY_HANG, 0, "", 0);
	assert_int_equal(mc_decode_notify(buf, len, &n), 0);
	assert_int_equal(n.type, MC_NOTIFY_HANG);
	assert_int_equal(n.len, 0);
	/* A type this code does not know is passed up, not refused. */
	len = mknotify(buf, MC_MAGIC, 2, 77, 1, "x", 1);
	assert_int_equal(mc_decode_notify(buf, len, &n), 0);
	assert_int_equal(n.type, 77);
}

static void notify_malformed(void **state)
{
	struct mc_notify n;
	uint8_t buf[700], big[600];
	memset(big, 'a', sizeof big);
	size_t len = mknotify(buf, MC_MAGIC, 2, 0, 4, "abc", 4);
	for (size_t k = 0; k < 16; k++)
		assert_int_equal(mc_decode_notify(buf, k, &n), -EBADMSG);
	len = mknotify(buf, 0xcafebabf, 2, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_notify(buf, len, &n), -EBADMSG);
	len = mknotify(buf, MC_MAGIC, 1, 0, 4, "abc", 4);
	assert_int_equal(mc_decode_notify(buf, len, &n), -EBADMSG);
	len = mknotify(buf, MC_MAGIC, 2, 0, 5, "abc", 4);
	assert_int_equal(mc_decode_notify(buf, len, &n), -EBADMSG);
	len = mknotify(buf, MC_MAGIC, 2, 0, 513, big, 600);
	assert_int_equal(mc_decode_notify(buf, len, &n), -EBADMSG);
	len = mknotify(buf, MC_MAGIC, 2, 0, 512, big, 600);
	assert_int_equal(mc_decode_notify(buf, len, &n), 0);
	assert_int_equal(n.len, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_version),
		cmocka_unit_test(encode_limits),
		cmocka_unit_test(decode_real_version),
		cmocka_unit_test(decode_real_multipacket),
		cmocka_unit_test(decode_real_errors),
		cmocka_unit_test(decode_real_headerless),
		cmocka_unit_test(decode_short),
		cmocka_unit_test(decode_bad_len),
		cmocka_unit_test(decode_missing_nul),
		cmocka_unit_test(decode_bad_more),
		cmocka_unit_test(decode_errno_range),
		cmocka_unit_test(decode_trailing_bytes),
		cmocka_unit_test(decode_headerless_short),
		cmocka_unit_test(notify_real_socket),
		cmocka_unit_test(notify_types),
		cmocka_unit_test(notify_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
