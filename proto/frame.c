/* The framed protocol: finding frames in a byte stream, and writing and
 * reading their fields.  Pure functions over buffers (fuzzed by
 * fuzz/fuzz-proto.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/util.h"
#include "proto/proto.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

long proto_frame_next(const uint8_t *buf, size_t n, struct proto_frame *f)
{
	if (n < PROTO_HDR)
		return 0;
	uint32_t len = rd32(buf);
	uint16_t type = rd16(buf + 4);
	uint16_t reserved = rd16(buf + 6);
	if (len > PROTO_MAX_PAYLOAD || type == 0 || type > PROTO_TYPE_MAX || reserved)
		return -EBADMSG;
	if (n - PROTO_HDR < len)
		return 0;
	f->type = type;
	f->payload = buf + PROTO_HDR;
	f->len = len;
	return (long)(PROTO_HDR + len);
}

static void put_le(struct buf *b, uint64_t v, unsigned bytes)
{
	uint8_t tmp[8];
	for (unsigned i = 0; i < bytes; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	buf_append(b, tmp, bytes);
}

size_t proto_begin(struct buf *b, uint16_t type)
{
	size_t start = b->len;
	put_le(b, 0, 4);
	put_le(b, type, 2);
	put_le(b, 0, 2);
	return start;
}

void proto_end(struct buf *b, size_t start)
{
	uint32_t len = (uint32_t)(b->len - start - PROTO_HDR);
	for (unsigned i = 0; i < 4; i++)
		b->data[start + i] = (char)(len >> (8 * i));
}

void proto_put_hello(struct buf *b, const char *who)
{
	size_t start = proto_begin(b, PROTO_HELLO);
	proto_put_u32(b, PROTO_VERSION);
	proto_put_str(b, who);
	proto_end(b, start);
}

void proto_put_u8(struct buf *b, uint8_t v) { put_le(b, v, 1); }
void proto_put_u16(struct buf *b, uint16_t v) { put_le(b, v, 2); }
void proto_put_u32(struct buf *b, uint32_t v) { put_le(b, v, 4); }
void proto_put_u64(struct buf *b, uint64_t v) { put_le(b, v, 8); }

void proto_put_bytes(struct buf *b, const void *p, size_t n)
{
	put_le(b, n, 4);
	if (n)
		buf_append(b, p, n);
}

void proto_put_str(struct buf *b, const char *s)
{
	proto_put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

void proto_reader_init(struct proto_reader *r, const struct proto_frame *f)
{
	r->p = f->payload;
	r->n = f->len;
	r->bad = false;
}

static const uint8_t *take(struct proto_reader *r, size_t n)
{
	if (r->bad || r->n < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	r->n -= n;
	return p;
}

static uint64_t get_le(struct proto_reader *r, unsigned bytes)
{
	const uint8_t *p = take(r, bytes);
	uint64_t v = 0;
	for (unsigned i = 0; p && i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t proto_get_u8(struct proto_reader *r) { return (uint8_t)get_le(r, 1); }
uint16_t proto_get_u16(struct proto_reader *r) { return (uint16_t)get_le(r, 2); }
uint32_t proto_get_u32(struct proto_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t proto_get_u64(struct proto_reader *r) { return get_le(r, 8); }

const uint8_t *proto_get_bytes(struct proto_reader *r, size_t *len)
{
	uint32_t n = proto_get_u32(r);
	const uint8_t *p = take(r, n);
	*len = p ? n : 0;
	return p ? p : (const uint8_t *)"";
}

void proto_get_str(struct proto_reader *r, char *out, size_t cap)
{
	size_t n;
	const uint8_t *p = proto_get_bytes(r, &n);
	if (n >= cap || memchr(p, '\0', n)) {
		r->bad = true;
		n = 0;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

char *proto_get_strdup(struct proto_reader *r)
{
	size_t n;
	const uint8_t *p = proto_get_bytes(r, &n);
	if (memchr(p, '\0', n)) {
		r->bad = true;
		n = 0;
	}
	return xstrndup((const char *)p, n);
}

bool proto_reader_done(const struct proto_reader *r)
{
	return !r->bad && r->n == 0;
}
