/* Fuzz harness for the mconsole reply decoder (and the request encoder):
 * the input is one reply datagram as it would arrive from a UML socket.
 * Checks what the client relies on: a decoded packet's text lies inside the
 * datagram and fits one packet. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mconsole/mconsole.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const uint8_t *data, size_t size)
{
	struct mc_packet p;
	if (mc_decode_reply(data, size, &p) < 0)
		return;
	const uint8_t *t = (const uint8_t *)p.text;
	if (t < data || t + p.len > data + size)
		abort();
	if (!p.headerless && (p.len > MC_MAX_PACKET - 1 || t[p.len] != '\0'))
		abort();
	if (p.headerless && (p.err != 1 || p.more || memchr(t, '\0', p.len)))
		abort();
	/* Touch every byte so ASan sees a bad pointer or length. */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < p.len; i++)
		sum += t[i];
	(void)sum;
}

/* The same bytes as a command: it encodes only when it fits, and then
 * round-trips. */
static void check_request(const uint8_t *data, size_t size)
{
	char *cmd = malloc(size + 1);
	if (!cmd)
		abort();
	memcpy(cmd, data, size);
	cmd[size] = '\0';
	size_t len = strlen(cmd);
	uint8_t buf[MC_REQUEST_HDR + MC_MAX_REQUEST];
	int n = mc_encode_request(cmd, buf, sizeof buf);
	if (len > MC_MAX_REQUEST ? n >= 0 : n != (int)(MC_REQUEST_HDR + len))
		abort();
	if (n >= 0 && memcmp(buf + MC_REQUEST_HDR, cmd, len) != 0)
		abort();
	free(cmd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_reply(data, size);
	check_request(data, size);
	return 0;
}
