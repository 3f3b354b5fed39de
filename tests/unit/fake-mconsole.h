/* A fake UML management console for unit tests: a datagram socket bound at
 * a path, served by a thread that answers as UML does (header, 511 text
 * bytes a packet, more=1 until an empty terminator, replies sent without
 * blocking and dropped when the receiver's queue is full) and misbehaves on
 * request, for what a real UML cannot be made to do.  The request text
 * picks the behaviour:
 *
 *   echo TEXT        one packet TEXT
 *   lines N          N packets "line I\n", then a terminator; sent as UML
 *                    does, a packet that does not fit is lost (counted)
 *   stream N         the same, but every send waits until it fits
 *   big N            N bytes of text, split in 511-byte packets
 *   silent           no reply
 *   partial          one packet "part" with more=1, then nothing
 *   late TEXT        no reply now; TEXT is sent to this request's sender
 *                    when the next request arrives
 *   slow MS TEXT     TEXT after MS milliseconds
 *   pause MS         stop reading for MS milliseconds, then "resumed"
 *   garbage          a packet whose len is past the datagram
 *   headerless       bare text without header, as to a request w/o magic
 *   ebusy            err = -EBUSY, "Device is currently open"
 *   stranger TEXT    a reply "stranger" from another socket, then TEXT
 *   anything else    err = 1, "Unknown command"
 */
#ifndef UMLTOP_FAKE_MCONSOLE_H
#define UMLTOP_FAKE_MCONSOLE_H

#include <stdbool.h>

struct fake_mc;

struct fake_mc *fake_mc_start(const char *path); /* aborts on failure */
void fake_mc_stop(struct fake_mc *f);            /* joins, unlinks path */

int fake_mc_requests(struct fake_mc *f); /* valid requests received */
int fake_mc_senders(struct fake_mc *f);  /* distinct sockets they came from */
int fake_mc_dropped(struct fake_mc *f);  /* packets lost by `lines` */
bool fake_mc_overlap(struct fake_mc *f); /* a request queued up while one
					    was being answered */
/* Commands received, in order, separated by '|'; malloc'd. */
char *fake_mc_log(struct fake_mc *f);

#endif
