/* Events (DESIGN.md, "Events, alerts, broadcast"): an instance's state
 * changes, its halt ladder's steps, and alerts (a crash, a panic, a hang,
 * an unresponsive guest, a halt that needed SIGKILL, a console line that
 * matched ALERT) are kept, the last EVENTS_KEPT, and streamed to the
 * clients that asked (ctl events, the TUI).  A console flooding matches
 * gives at most MATCH_BURST events a second, and then says how many it
 * left out. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/srv-int.h"

#define MATCH_BURST 5
#define ACTIVITY_QUIET_MS 5000 /* MONITOR=activity: output after this much quiet */

/* What was last said of an instance, to tell what changed. */
struct seen {
	char name[PROTO_MAX_NAME];
	int state, phase;
	uint64_t match_sec; /* the second of the last match events */
	unsigned matches;   /* ... how many in it */
	unsigned dropped;   /* ... and how many left out since */
	uint64_t out_ms;    /* MONITOR: the last output (0: none this run) */
	bool silence_said;  /* ... and the silence since was an alert */
};

struct srv_events {
	struct proto_event ring[EVENTS_KEPT];
	uint32_t seq; /* the last one's */
	struct seen *seen;
	size_t nseen;
};

static struct srv_events *events(struct srv *s)
{
	if (!s->events)
		s->events = xcalloc(1, sizeof *s->events);
	return s->events;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void srv_event(struct srv *s, const char *name, enum proto_event_kind kind, const char *fmt, ...)
{
	struct srv_events *ev = events(s);
	struct proto_event *e = &ev->ring[++ev->seq % EVENTS_KEPT];
	memset(e, 0, sizeof *e);
	e->time_ms = now_ms();
	e->seq = ev->seq;
	e->kind = (uint8_t)kind;
	snprintf(e->name, sizeof e->name, "%s", name ? name : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	char clean[sizeof e->text];
	util_clean_text(e->text, clean); /* a guest's line, or a reason quoting one */
	memcpy(e->text, clean, sizeof clean);
	if (kind == PROTO_EV_ALERT)
		srv_log(s, "%s: alert: %s", e->name, e->text);
	srv_clients_event(s, e);
}

void srv_events_history(struct srv *s, uint32_t n, void (*fn)(void *arg, const struct proto_event *e),
			void *arg)
{
	struct srv_events *ev = events(s);
	uint32_t have = ev->seq < EVENTS_KEPT ? ev->seq : EVENTS_KEPT;
	if (n > have)
		n = have;
	for (uint32_t seq = ev->seq - n + 1; n && seq <= ev->seq; seq++)
		fn(arg, &ev->ring[seq % EVENTS_KEPT]);
}

static struct seen *seen_of(struct srv_events *ev, const char *name)
{
	for (size_t i = 0; i < ev->nseen; i++)
		if (!strcmp(ev->seen[i].name, name))
			return &ev->seen[i];
	ev->seen = xreallocarray(ev->seen, ev->nseen + 1, sizeof *ev->seen);
	struct seen *w = &ev->seen[ev->nseen++];
	memset(w, 0, sizeof *w);
	snprintf(w->name, sizeof w->name, "%s", name);
	w->state = w->phase = -1;
	return w;
}

void srv_events_changed(struct srv *s, struct inst *in)
{
	struct srv_events *ev = events(s);
	struct inst_status is;
	inst_status(in, &is);
	const char *name = inst_name(in);
	struct seen *w = seen_of(ev, name);
	if (w->state == (int)is.state && w->phase == (int)is.phase)
		return;
	bool first = w->state < 0;
	int was = w->state;
	if (w->state != (int)is.state) {
		w->state = (int)is.state;
		if (!first || is.state != INST_STOPPED) /* a new server's stopped ones: no news */
			srv_event(s, name, PROTO_EV_STATE, "%s%s%s", util_state_name(is.state),
				  is.reason && is.reason[0] ? ": " : "", is.reason ? is.reason : "");
		switch (is.state) {
		case INST_CRASHED:
		case INST_FAILED:
		case INST_UNRESPONSIVE:
			srv_event(s, name, PROTO_EV_ALERT, "%s%s%s", util_state_name(is.state),
				  is.reason && is.reason[0] ? ": " : "", is.reason ? is.reason : "");
			break;
		case INST_STOPPED:
			if (was == INST_HALTING && is.end == INST_END_KILLED)
				srv_event(s, name, PROTO_EV_ALERT,
					  "killed: the halt did not end by itself");
			break;
		default:
			break;
		}
	}
	if (w->phase != (int)is.phase) {
		w->phase = (int)is.phase;
		if (is.phase != INST_PHASE_NONE)
			srv_event(s, name, PROTO_EV_PHASE, "%s", util_phase_name(is.phase));
	}
}

void srv_events_match(struct srv *s, struct inst *in, const char *line, size_t len)
{
	struct srv_events *ev = events(s);
	struct seen *w = seen_of(ev, inst_name(in));
	uint64_t sec = now_ms() / 1000;
	if (sec != w->match_sec) {
		if (w->dropped)
			srv_event(s, inst_name(in), PROTO_EV_ALERT,
				  "%u more lines matched ALERT, left out", w->dropped);
		w->match_sec = sec;
		w->matches = w->dropped = 0;
	}
	if (++w->matches > MATCH_BURST) {
		w->dropped++;
		return;
	}
	srv_event(s, inst_name(in), PROTO_EV_ALERT, "match: %.*s", (int)(len > 400 ? 400 : len),
		  line);
}

void srv_events_output(struct srv *s, struct inst *in)
{
	const struct conf_instance *ci = inst_conf(in);
	if (!ci->mon_activity && !ci->mon_silence)
		return; /* (the common case costs a test) */
	struct seen *w = seen_of(events(s), inst_name(in));
	uint64_t now = now_ms();
	if (ci->mon_activity && w->out_ms && now - w->out_ms >= ACTIVITY_QUIET_MS)
		srv_event(s, inst_name(in), PROTO_EV_ALERT, "activity after %llu s of quiet",
			  (unsigned long long)((now - w->out_ms) / 1000));
	w->out_ms = now;
	w->silence_said = false;
}

void srv_events_tick(struct srv *s)
{
	uint64_t now = now_ms();
	for (size_t i = 0; i < s->ninst; i++) {
		struct inst *in = s->inst[i];
		const struct conf_instance *ci = inst_conf(in);
		if (!ci->mon_silence && !ci->mon_activity)
			continue;
		struct seen *w = seen_of(events(s), inst_name(in));
		struct inst_status is;
		inst_status(in, &is);
		if (is.state != INST_RUNNING) {
			w->out_ms = 0; /* a new run starts its own count */
			continue;
		}
		if (!w->out_ms)
			w->out_ms = now; /* quiet counts from when it runs */
		if (ci->mon_silence && !w->silence_said &&
		    now - w->out_ms >= (uint64_t)ci->mon_silence * 1000) {
			w->silence_said = true;
			srv_event(s, inst_name(in), PROTO_EV_ALERT, "silence: no output for %u s",
				  ci->mon_silence);
		}
	}
}

void srv_events_free(struct srv *s)
{
	if (!s->events)
		return;
	free(s->events->seen);
	free(s->events);
	s->events = NULL;
}
