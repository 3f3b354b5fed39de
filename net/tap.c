/* Taps through /dev/net/tun: make a persistent one for a user, or look
 * whether an existing one is free.  rtnetlink cannot make a tun device
 * (the tun driver refuses RTM_NEWLINK), so these are ioctls. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/net.h"

/* Attach a new descriptor to the tap name, made if missing unless excl
 * says it must be new.  The descriptor, or -errno. */
static int tap_open(const char *name, bool excl)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	/* As UML's tuntap transport opens it: no packet information. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (excl ? IFF_TUN_EXCL : 0);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int net_tap_make(const char *name, uid_t uid)
{
	int fd = tap_open(name, true);
	if (fd < 0)
		return fd;
	int rc = 0;
	if ((uid != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0) ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		rc = -errno;
	/* Not persistent (a failure above): it goes with the descriptor. */
	close(fd);
	return rc;
}

int net_tap_probe(const char *name)
{
	/* A tap without IFF_MULTI_QUEUE takes one descriptor: a second
	 * attach is refused with EBUSY while a process holds it.  A tap that
	 * exists without a holder is persistent, and stays when this one
	 * closes. */
	int fd = tap_open(name, false);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int net_tap_attach(const char *name)
{
	return tap_open(name, false);
}
