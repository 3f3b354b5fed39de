/* Fuzz harness for the mconsole notify decoder: the input is one datagram
 * as it would arrive on the mconsole=notify:PATH socket.  A decoded
 * message's data must lie inside the datagram and fit one packet. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "mconsole/mconsole.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_notify n;
	if (mc_decode_notify(data, size, &n) < 0)
		return 0;
	const uint8_t *d = (const uint8_t *)n.data;
	if (d != data + MC_NOTIFY_HDR || n.len > MC_MAX_PACKET ||
	    d + n.len > data + size)
		abort();
	if (n.len > 0 && d[n.len - 1] == '\0')
		abort(); /* trailing NULs are stripped */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < n.len; i++)
		sum += d[i];
	(void)sum;
	return 0;
}
