/* An instance's figures as every client shows them (the TUI's title bars
 * and table, `ctl status`): durations, memory, whether its reason shows.
 * Pure: a status struct in, text out. */
#include "config.h"

#include <stdio.h>

#include "proto/client.h"

bool proto_inst_stats(const struct proto_inst *in)
{
	return in->pid && (in->flags & PROTO_F_STATS);
}

void proto_fmt_duration(char *out, size_t cap, uint32_t s)
{
	if (s >= 86400)
		snprintf(out, cap, "%ud%02uh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, cap, "%uh%02um", s / 3600, s % 3600 / 60);
	else
		snprintf(out, cap, "%um%02us", s / 60, s % 60);
}

void proto_fmt_mem(char *out, size_t cap, const struct proto_inst *in)
{
	if (!proto_inst_stats(in) || !in->mem_total_kb) {
		snprintf(out, cap, "-");
		return;
	}
	uint64_t used = in->mem_total_kb > in->mem_avail_kb ? in->mem_total_kb - in->mem_avail_kb : 0;
	snprintf(out, cap, "%llu/%lluM", (unsigned long long)used / 1024,
		 (unsigned long long)in->mem_total_kb / 1024);
}

bool proto_reason_shown(const struct proto_inst *in)
{
	return in->reason[0] && (in->state != PROTO_RUNNING || (in->flags & PROTO_F_NOCONSOLE));
}
