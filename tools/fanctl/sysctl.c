// SPDX-License-Identifier: GPL-2.0
/* fanctl: net.ipv4.ip_forward. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fanctl.h"

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

int ip_forward_get(void)
{
	char c = 0;
	int fd = open(IP_FORWARD, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	if (n != 1)
		return -EIO;
	return c == '1';
}

int ip_forward_set(int v)
{
	int fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, v ? "1\n" : "0\n", 2);
	if (n != 2) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return -e;
	}
	return close(fd) ? -errno : 0;
}
