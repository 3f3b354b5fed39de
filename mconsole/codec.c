/* The mconsole wire format, pure: request datagrams out, reply packets and
 * notify datagrams in, each validated against a hostile or broken sender.
 * Fields are host-order u32s, as UML writes them (UML-NOTES, "mconsole wire
 * format"). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mconsole/mconsole.h"

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

int mc_encode_request(const char *cmd, uint8_t *buf, size_t cap)
{
	size_t len = strnlen(cmd, MC_MAX_REQUEST + 1);
	/* The whole header always goes out: UML reads a short datagram into
	 * its static request and re-runs the previous command (an 8-byte
	 * datagram keeps the old len and text). */
	if (len > MC_MAX_REQUEST || cap < MC_REQUEST_HDR + len)
		return -EMSGSIZE;
	put_u32(buf, MC_MAGIC);
	put_u32(buf + 4, MC_VERSION);
	put_u32(buf + 8, (uint32_t)len);
	memcpy(buf + MC_REQUEST_HDR, cmd, len);
	return (int)(MC_REQUEST_HDR + len);
}

/* UML's err is 0, 1 or a negative errno; anything else in the first word
 * means the datagram has no header at all. */
static bool plausible_err(int32_t err)
{
	return err == 0 || err == 1 || (err < 0 && err >= -4095);
}

/* A reply to a request without our magic is bare text ("ERR Version 0
 * mconsole clients are not supported by this driver", no NUL): a complete
 * reply and an error. */
static int decode_headerless(const uint8_t *buf, size_t n, struct mc_packet *out)
{
	const uint8_t *nul = memchr(buf, '\0', n);
	*out = (struct mc_packet){
		.err = 1,
		.more = false,
		.headerless = true,
		.text = (const char *)buf,
		.len = nul ? (size_t)(nul - buf) : n,
	};
	return 0;
}

int mc_decode_reply(const uint8_t *buf, size_t n, struct mc_packet *out)
{
	if (n < 4)
		return -EBADMSG;
	int32_t err = (int32_t)get_u32(buf);
	if (!plausible_err(err))
		return decode_headerless(buf, n, out);
	if (n < MC_REPLY_HDR)
		return -EBADMSG;
	uint32_t more = get_u32(buf + 4);
	uint32_t len = get_u32(buf + 8);
	/* len counts the text's trailing NUL, so it is at least 1. */
	if (more > 1 || len == 0 || len > MC_MAX_PACKET || len > n - MC_REPLY_HDR)
		return -EBADMSG;
	const uint8_t *text = buf + MC_REPLY_HDR;
	if (text[len - 1] != '\0')
		return -EBADMSG;
	*out = (struct mc_packet){
		.err = err,
		.more = more == 1,
		.headerless = false,
		.text = (const char *)text,
		.len = len - 1,
	};
	return 0;
}

int mc_decode_notify(const uint8_t *buf, size_t n, struct mc_notify *out)
{
	if (n < MC_NOTIFY_HDR || get_u32(buf) != MC_MAGIC ||
	    get_u32(buf + 4) != MC_VERSION)
		return -EBADMSG;
	uint32_t len = get_u32(buf + 12);
	if (len > MC_MAX_PACKET || len > n - MC_NOTIFY_HDR)
		return -EBADMSG;
	const char *data = (const char *)buf + MC_NOTIFY_HDR;
	/* SOCKET and PANIC carry a C string, USER_NOTIFY raw bytes: hand out
	 * the bytes without their terminators either way. */
	while (len > 0 && data[len - 1] == '\0')
		len--;
	*out = (struct mc_notify){
		.type = get_u32(buf + 8),
		.data = data,
		.len = len,
	};
	return 0;
}
