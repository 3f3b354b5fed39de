/* The status table a server sends its subscribers, and the names of states,
 * halt phases and endings as users see them. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/states.h"
#include "lib/util.h"
#include "proto/proto.h"

static void put_inst(struct buf *b, const struct proto_inst *in)
{
	proto_put_str(b, in->name);
	proto_put_u8(b, in->state);
	proto_put_u8(b, in->phase);
	proto_put_u8(b, in->end);
	proto_put_u8(b, in->flags);
	proto_put_u32(b, in->phase_ms);
	proto_put_u32(b, in->halt_timeout_s);
	proto_put_u32(b, in->pid);
	proto_put_u32(b, in->up_s);
	proto_put_u32(b, in->guest_up_s);
	for (int i = 0; i < 3; i++)
		proto_put_u32(b, in->load[i]);
	proto_put_u32(b, in->procs_running);
	proto_put_u32(b, in->procs_total);
	proto_put_u64(b, in->mem_total_kb);
	proto_put_u64(b, in->mem_free_kb);
	proto_put_u64(b, in->mem_avail_kb);
	proto_put_u32(b, in->cpu_x10);
	proto_put_u64(b, in->rss_kb);
	proto_put_u32(b, (uint32_t)in->exit_code);
	proto_put_u32(b, (uint32_t)in->exit_signal);
	proto_put_u16(b, in->rows);
	proto_put_u16(b, in->cols);
	proto_put_str(b, in->user);
	proto_put_str(b, in->reason);
	proto_put_str(b, in->net);
	proto_put_str(b, in->tags);
}

static void get_inst(struct proto_reader *r, struct proto_inst *in)
{
	proto_get_str(r, in->name, sizeof in->name);
	in->state = proto_get_u8(r);
	in->phase = proto_get_u8(r);
	in->end = proto_get_u8(r);
	in->flags = proto_get_u8(r);
	in->phase_ms = proto_get_u32(r);
	in->halt_timeout_s = proto_get_u32(r);
	in->pid = proto_get_u32(r);
	in->up_s = proto_get_u32(r);
	in->guest_up_s = proto_get_u32(r);
	for (int i = 0; i < 3; i++)
		in->load[i] = proto_get_u32(r);
	in->procs_running = proto_get_u32(r);
	in->procs_total = proto_get_u32(r);
	in->mem_total_kb = proto_get_u64(r);
	in->mem_free_kb = proto_get_u64(r);
	in->mem_avail_kb = proto_get_u64(r);
	in->cpu_x10 = proto_get_u32(r);
	in->rss_kb = proto_get_u64(r);
	in->exit_code = (int32_t)proto_get_u32(r);
	in->exit_signal = (int32_t)proto_get_u32(r);
	in->rows = proto_get_u16(r);
	in->cols = proto_get_u16(r);
	proto_get_str(r, in->user, sizeof in->user);
	proto_get_str(r, in->reason, sizeof in->reason);
	proto_get_str(r, in->net, sizeof in->net);
	proto_get_str(r, in->tags, sizeof in->tags);
	if (in->state > PROTO_STATE_MAX || in->phase > PROTO_PHASE_MAX ||
	    in->end > PROTO_END_MAX)
		r->bad = true;
}

void proto_put_status(struct buf *b, const struct proto_status *s)
{
	size_t start = proto_begin(b, PROTO_STATUS);
	proto_put_u64(b, s->time_ms);
	proto_put_str(b, s->host);
	proto_put_str(b, s->warning);
	proto_put_u32(b, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		put_inst(b, &s->inst[i]);
	proto_end(b, start);
}

int proto_get_status(const struct proto_frame *f, struct proto_status *s)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	memset(s, 0, sizeof *s);
	s->time_ms = proto_get_u64(&r);
	proto_get_str(&r, s->host, sizeof s->host);
	proto_get_str(&r, s->warning, sizeof s->warning);
	uint32_t n = proto_get_u32(&r);
	/* Each entry takes well over 64 bytes: refuse counts the frame cannot
	 * hold before allocating for them. */
	if (r.bad || n > f->len / 64)
		return -EBADMSG;
	s->inst = xcalloc(n ? n : 1, sizeof *s->inst);
	s->n = n;
	for (uint32_t i = 0; i < n && !r.bad; i++)
		get_inst(&r, &s->inst[i]);
	if (!proto_reader_done(&r)) {
		proto_status_free(s);
		return -EBADMSG;
	}
	return 0;
}

void proto_status_free(struct proto_status *s)
{
	free(s->inst);
	s->inst = NULL;
	s->n = 0;
}

/* The one table of names is lib/states.c's. */
const char *proto_state_name(unsigned state)
{
	return util_state_name(state);
}

const char *proto_phase_name(unsigned phase)
{
	return util_phase_name(phase);
}

const char *proto_end_name(unsigned end)
{
	return util_end_name(end);
}

/* ---- events ---- */

void proto_put_event(struct buf *b, const struct proto_event *e)
{
	size_t start = proto_begin(b, PROTO_EVENT);
	proto_put_u64(b, e->time_ms);
	proto_put_u32(b, e->seq);
	proto_put_str(b, e->name);
	proto_put_u8(b, e->kind);
	proto_put_str(b, e->text);
	proto_end(b, start);
}

int proto_get_event(const struct proto_frame *f, struct proto_event *e)
{
	struct proto_reader r;
	proto_reader_init(&r, f);
	memset(e, 0, sizeof *e);
	e->time_ms = proto_get_u64(&r);
	e->seq = proto_get_u32(&r);
	proto_get_str(&r, e->name, sizeof e->name);
	e->kind = proto_get_u8(&r);
	proto_get_str(&r, e->text, sizeof e->text);
	if (!proto_reader_done(&r) || !e->kind || e->kind > PROTO_EV_KIND_MAX)
		return -EBADMSG;
	return 0;
}

const char *proto_event_kind_name(unsigned kind)
{
	static const char *const names[] = { "?", "state", "phase", "alert", "now" };
	return kind <= PROTO_EV_KIND_MAX ? names[kind] : "?";
}

/* ---- tags ---- */

bool proto_has_tag(const char *tags, const char *tag)
{
	size_t len = strlen(tag);
	if (!len || strchr(tag, ' '))
		return false;
	for (const char *w = tags; *w; ) {
		w += strspn(w, " ");
		size_t n = strcspn(w, " ");
		if (n == len && !memcmp(w, tag, len))
			return true;
		w += n;
	}
	return false;
}
