/* tui/qstrip: drops the escape sequences that make a terminal answer from a
 * byte stream and lets everything else through unchanged.  The input is
 * read as UTF-8 first, as a terminal does, so C1 controls count both as
 * code points (C2 9B is CSI) and as stray 8-bit bytes.
 *
 *   GROUND --ESC--> ESC --[--> CSI --final--> keep or drop --> GROUND
 *                       --] P X ^ _--> STR --BEL/ST--> keep or drop
 *                       --final--> keep (ESC Z, DECID, dropped)
 */
#include "config.h"

#include <string.h>

#include "tui/qstrip.h"

enum { QS_GROUND, QS_ESC, QS_CSI, QS_STR };
enum { STR_OSC, STR_DCS, STR_OTHER /* SOS, PM, APC: never passed */ };

/* Parameters of a CSI longer than this are a hostile stream: dropped. */
#define CSI_MAX 256

/* One character of the input: its code point (a stray byte >= 0x80 counts
 * as the C1 control or U+FFFD) and the bytes it came as. */
struct unit {
	uint32_t cp;
	uint8_t raw[4];
	uint8_t n;
};

#define ESC 0x1b
#define BEL 0x07
#define ENQ 0x05
#define CAN 0x18
#define SUB 0x1a

void qstrip_init(struct qstrip *q)
{
	memset(q, 0, sizeof *q);
}

void qstrip_free(struct qstrip *q)
{
	buf_free(&q->seq);
	qstrip_init(q);
}

/* ---- deciding ---- */

static bool csi_query(const char *p, size_t n, char final)
{
	char priv = n && strchr("<=>?", p[0]) ? p[0] : 0, inter = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x20 && p[i] <= 0x2f)
			inter = p[i];
	switch (final) {
	case 'n': /* DSR: status and cursor position reports */
	case 'c': /* DA1, DA2, DA3 */
	case 't': /* window reports (and moving or resizing the window) */
		return true;
	case 'x': return !inter;                      /* DECREQTPARM */
	case 'p': return inter == '$';                /* DECRQM */
	case 'q': return priv == '>';                 /* XTVERSION */
	case 'u': return priv == '?' || inter == '$'; /* keyboard flags, DECRQTSR */
	case 'w': return inter == '$';                /* DECRQPSR */
	case 'y': return inter == '*';                /* DECRQCRA checksum */
	case 'S': return priv == '?';                 /* XTSMGRAPHICS */
	case '|': return inter == '\'' || inter == '#'; /* DECRQLP, XTREPORTSGR */
	case 'm': return priv == '?';                 /* XTQMODKEYS */
	case 'R': return inter == '#';                /* XTREPORTCOLORS */
	default: return false;
	}
}

/* OSC: clipboard (52) always; any other with a "?" field is a query
 * (colours 4, 10-19, ...). */
static bool osc_query(const char *p, size_t n)
{
	unsigned ps = 0;
	size_t i = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9' && ps < 100000; i++)
		ps = ps * 10 + (unsigned)(p[i] - '0');
	if (ps == 52)
		return true;
	size_t field = 0;
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == ';') {
			if (i - field == 1 && p[field] == '?')
				return true;
			field = i + 1;
		}
	}
	return false;
}

/* DCS: DECRQSS ($q), XTGETTCAP (+q), and tmux's pass-through, which would
 * hand anything to the terminal outside. */
static bool dcs_query(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && ((p[i] >= '0' && p[i] <= '9') || p[i] == ';' || p[i] == ':'))
		i++;
	p += i, n -= i;
	return (n >= 2 && (!memcmp(p, "$q", 2) || !memcmp(p, "+q", 2))) ||
	       (n >= 5 && !memcmp(p, "tmux;", 5));
}

/* ---- the sequence being collected ---- */

static void seq_start(struct qstrip *q, const struct unit *u, int state)
{
	q->seq.len = 0;
	q->overflow = false;
	q->str_esc = false;
	buf_append(&q->seq, u->raw, u->n);
	q->state = (uint8_t)state;
}

static void seq_add(struct qstrip *q, const struct unit *u, size_t cap)
{
	if (q->seq.len + u->n > cap)
		q->overflow = true;
	else
		buf_append(&q->seq, u->raw, u->n);
}

/* Keep or drop the sequence.  Controls inside an ESC or CSI sequence stay
 * where they are when it is kept; when it is dropped they go out alone,
 * since a terminal runs them whatever the sequence turns out to be. */
static void seq_end(struct qstrip *q, bool keep, struct buf *out)
{
	if (keep && !q->overflow) {
		buf_append(out, q->seq.data, q->seq.len);
	} else if (q->state == QS_ESC || q->state == QS_CSI) {
		for (size_t i = 1; i < q->seq.len; i++)
			if ((uint8_t)q->seq.data[i] < 0x20)
				buf_append(out, &q->seq.data[i], 1);
	}
	q->seq.len = 0;
	q->state = QS_GROUND;
}

/* The introducer of a string or CSI is ESC X (2 bytes) or one C1 code
 * point (1 byte raw, 2 as UTF-8): where the parameters start. */
static size_t intro_len(const struct qstrip *q)
{
	const uint8_t *s = (const uint8_t *)q->seq.data;
	return s[0] == ESC || s[0] == 0xc2 ? 2 : 1;
}

static void str_begin(struct qstrip *q, const struct unit *u, int kind, bool add)
{
	if (add)
		seq_add(q, u, QSTRIP_MAX);
	else
		seq_start(q, u, QS_STR);
	q->state = QS_STR;
	q->str_kind = (uint8_t)kind;
}

/* ---- the states ---- */

static void ground(struct qstrip *q, const struct unit *u, struct buf *out)
{
	switch (u->cp) {
	case ESC: seq_start(q, u, QS_ESC); break;
	case ENQ: break; /* answerback */
	case 0x9a: break; /* SCI, DECID in 8 bits */
	case 0x9b: seq_start(q, u, QS_CSI); break;
	case 0x9d: str_begin(q, u, STR_OSC, false); break;
	case 0x90: str_begin(q, u, STR_DCS, false); break;
	case 0x98: case 0x9e: case 0x9f: str_begin(q, u, STR_OTHER, false); break;
	default: buf_append(out, u->raw, u->n); break;
	}
}

/* A control inside ESC or CSI: the terminal runs it at once and carries on
 * with the sequence (CAN and SUB cancel it, ESC starts another).  Returns
 * false for anything else. */
static bool inner_control(struct qstrip *q, const struct unit *u, struct buf *out)
{
	if (u->cp == ESC) {
		seq_end(q, false, out); /* a new sequence: the old one is void */
		seq_start(q, u, QS_ESC);
		return true;
	}
	if (u->cp == CAN || u->cp == SUB) {
		seq_end(q, false, out);
		return true;
	}
	if (u->cp == 0x7f || u->cp == ENQ)
		return true;
	if (u->cp < 0x20) {
		seq_add(q, u, CSI_MAX);
		return true;
	}
	return false;
}

static void esc(struct qstrip *q, const struct unit *u, struct buf *out)
{
	if (inner_control(q, u, out))
		return;
	bool first = q->seq.len == 1; /* no intermediates yet */
	switch (first ? u->cp : 0) {
	case '[': seq_add(q, u, CSI_MAX); q->state = QS_CSI; return;
	case ']': str_begin(q, u, STR_OSC, true); return;
	case 'P': str_begin(q, u, STR_DCS, true); return;
	case 'X': case '^': case '_': str_begin(q, u, STR_OTHER, true); return;
	case 'Z': seq_end(q, false, out); return; /* DECID: answered like DA */
	default: break;
	}
	if (u->cp >= 0x20 && u->cp <= 0x2f) {
		seq_add(q, u, CSI_MAX);
	} else if (u->cp >= 0x30 && u->cp <= 0x7e) {
		seq_add(q, u, CSI_MAX);
		seq_end(q, true, out);
	} else {
		seq_end(q, false, out); /* not a sequence after all */
		ground(q, u, out);
	}
}

static void csi(struct qstrip *q, const struct unit *u, struct buf *out)
{
	if (inner_control(q, u, out))
		return;
	if (u->cp >= 0x20 && u->cp <= 0x3f) {
		seq_add(q, u, CSI_MAX);
	} else if (u->cp >= 0x40 && u->cp <= 0x7e) {
		size_t start = intro_len(q);
		bool query = csi_query(q->seq.data + start, q->seq.len - start, (char)u->cp);
		seq_add(q, u, CSI_MAX);
		seq_end(q, !query, out);
	} else {
		seq_end(q, false, out);
		ground(q, u, out);
	}
}

static void str_end(struct qstrip *q, size_t term_len, struct buf *out)
{
	size_t start = intro_len(q);
	const char *body = q->seq.data + start;
	size_t n = q->seq.len - start - term_len;
	bool keep = false;
	if (!q->overflow && q->str_kind == STR_OSC)
		keep = !osc_query(body, n);
	else if (!q->overflow && q->str_kind == STR_DCS)
		keep = !dcs_query(body, n);
	seq_end(q, keep, out);
}

static void str(struct qstrip *q, const struct unit *u, struct buf *out)
{
	if (q->str_esc) {
		q->str_esc = false;
		if (u->cp == '\\') {
			seq_add(q, u, QSTRIP_MAX);
			str_end(q, q->overflow ? 0 : 2, out);
			return;
		}
		/* ESC and anything else aborts the string and starts a sequence */
		seq_end(q, false, out);
		struct unit e = { .cp = ESC, .raw = { ESC }, .n = 1 };
		seq_start(q, &e, QS_ESC);
		esc(q, u, out);
		return;
	}
	if (u->cp == ESC) {
		q->str_esc = true;
		seq_add(q, u, QSTRIP_MAX);
	} else if (u->cp == 0x9c || (u->cp == BEL && q->str_kind == STR_OSC)) {
		seq_add(q, u, QSTRIP_MAX);
		str_end(q, q->overflow ? 0 : u->n, out);
	} else if (u->cp == CAN || u->cp == SUB) {
		seq_end(q, false, out);
	} else if (u->cp >= 0x80 && u->cp <= 0x9f) {
		/* a terminal may have ended the string where we did not: every
		 * sequence starts afresh at ESC or C1, so no query hides in one */
		seq_end(q, false, out);
		ground(q, u, out);
	} else if (u->cp != ENQ) {
		seq_add(q, u, QSTRIP_MAX);
	}
}

static void step(struct qstrip *q, const struct unit *u, struct buf *out)
{
	switch (q->state) {
	case QS_ESC: esc(q, u, out); break;
	case QS_CSI: csi(q, u, out); break;
	case QS_STR: str(q, u, out); break;
	default: ground(q, u, out); break;
	}
}

/* ---- UTF-8 into units ---- */

/* A broken character (cut short, overlong, a surrogate, past U+10FFFF) is
 * a U+FFFD to the state machine, as to a terminal, but its bytes are
 * dropped: passed on, a lead byte could join a continuation byte that
 * followed something dropped and make a character the guest never sent. */
static void broken(struct qstrip *q, struct buf *out)
{
	struct unit u = { .cp = 0xfffd, .n = 0 };
	q->u8_len = q->u8_need = 0;
	step(q, &u, out);
}

static void decoded(struct qstrip *q, struct buf *out)
{
	static const uint32_t least[4] = { 0, 0x80, 0x800, 0x10000 };
	struct unit u = { .n = q->u8_len };
	memcpy(u.raw, q->u8, q->u8_len);
	uint32_t cp = q->u8[0] & (0x7f >> q->u8_len);
	for (unsigned i = 1; i < q->u8_len; i++)
		cp = cp << 6 | (q->u8[i] & 0x3f);
	if (cp < least[q->u8_len - 1] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
		broken(q, out);
		return;
	}
	u.cp = cp;
	q->u8_len = q->u8_need = 0;
	step(q, &u, out);
}

static void byte(struct qstrip *q, uint8_t b, struct buf *out)
{
	if (q->u8_need) {
		if ((b & 0xc0) == 0x80) {
			q->u8[q->u8_len++] = b;
			if (--q->u8_need == 0)
				decoded(q, out);
			return;
		}
		broken(q, out);
	}
	unsigned need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2
		      : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
	if (need) {
		q->u8[0] = b;
		q->u8_len = 1;
		q->u8_need = (uint8_t)need;
		return;
	}
	struct unit u = { .cp = b < 0xa0 ? b : 0xfffd, .raw = { b }, .n = 1 };
	step(q, &u, out);
}

/* Bytes that pass as they are outside any sequence: printable ASCII and
 * the usual line controls.  They go out in runs, not one by one. */
static bool plain(uint8_t b)
{
	return (b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t' || b == '\b';
}

void qstrip_feed(struct qstrip *q, const char *in, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		if (q->state == QS_GROUND && !q->u8_need && plain((uint8_t)in[i])) {
			size_t j = i + 1;
			while (j < len && plain((uint8_t)in[j]))
				j++;
			buf_append(out, in + i, j - i);
			i = j;
			continue;
		}
		byte(q, (uint8_t)in[i++], out);
	}
}
