// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: dnsmasq on the slice bridge (the "dhcp" option).  fanctl starts
 * /usr/sbin/dnsmasq with fork+execv (no shell), pid and lease files live
 * in /run/fanctl, or in /run/fanctl/netns-INODE outside the host's network
 * namespace: bridge names are only unique within a namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fanctl.h"

void dhcp_range(const struct fan_conf *c, uint32_t *first, uint32_t *last)
{
	*first = c->slice + c->spec.opts.host_reserve + 1;
	*last = (c->slice | ~fan_mask(c->slice_len)) - 1;
}

/* Is @pid in our network namespace? */
static bool same_netns(pid_t pid)
{
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &a) || stat(path, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * FANCTL_RUNDIR in the network namespace of PID 1 (the host's); elsewhere a
 * directory of its own, so that two namespaces (hosts of a test, or nested
 * hosts) with a bridge of the same name keep their dnsmasq apart.
 */
static const char *run_dir(void)
{
	static char dir[64];
	struct stat self;

	if (dir[0])
		return dir;
	if (same_netns(1) || stat("/proc/self/ns/net", &self))
		snprintf(dir, sizeof(dir), "%s", FANCTL_RUNDIR);
	else
		snprintf(dir, sizeof(dir), "%s/netns-%lu", FANCTL_RUNDIR,
			 (unsigned long)self.st_ino);
	return dir;
}

static void pid_path(const char *bridge, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dnsmasq-%s.pid", run_dir(), bridge);
}

static void lease_path(const char *bridge, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dnsmasq-%s.leases", run_dir(), bridge);
}

static int pid_is_dnsmasq(pid_t pid)
{
	char path[64], comm[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	comm[n] = 0;
	return !strcmp(comm, "dnsmasq\n");
}

static pid_t read_pid(const char *path)
{
	char buf[32] = "";
	long v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	v = strtol(buf, NULL, 10);
	return v > 0 ? (pid_t)v : 0;
}

int dhcp_running(const char *bridge)
{
	char path[256];
	pid_t pid;

	pid_path(bridge, path, sizeof(path));
	pid = read_pid(path);
	/* not ours if in another namespace: the pid file outlived its dnsmasq */
	return pid && pid_is_dnsmasq(pid) && same_netns(pid) ? (int)pid : 0;
}

int dhcp_start(const struct fan_conf *c)
{
	char pidf[256], leasef[256], a_pid[300], a_lease[300], a_if[64], a_range[128],
	     a_router[64], a_mtu[64], a_listen[64];
	char f[IPSTR_LEN], l[IPSTR_LEN], m[IPSTR_LEN], b[IPSTR_LEN];
	uint32_t first, last;
	int status, e;
	pid_t pid;
	char *argv[] = {
		FANCTL_DNSMASQ, "--conf-file=/dev/null", a_pid, a_lease, a_if,
		"--except-interface=lo", "--bind-interfaces", a_listen, a_range,
		a_router, a_mtu, "--dhcp-authoritative", "--dhcp-no-override", NULL
	};

	if ((mkdir(FANCTL_RUNDIR, 0755) && errno != EEXIST) ||
	    (mkdir(run_dir(), 0755) && errno != EEXIST)) {
		e = errno;
		err_msg("cannot create %s: %s", run_dir(), strerror(e));
		return -e;
	}
	if (access(FANCTL_DNSMASQ, X_OK)) {
		err_msg("dhcp: cannot run %s: %s (install dnsmasq-base)", FANCTL_DNSMASQ,
			strerror(errno));
		return -ENOENT;
	}
	pid_path(c->bridge, pidf, sizeof(pidf));
	lease_path(c->bridge, leasef, sizeof(leasef));
	dhcp_range(c, &first, &last);
	snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pidf);
	snprintf(a_lease, sizeof(a_lease), "--dhcp-leasefile=%s", leasef);
	snprintf(a_if, sizeof(a_if), "--interface=%s", c->bridge);
	snprintf(a_listen, sizeof(a_listen), "--listen-address=%s", ip_str(c->bridge_addr, b));
	snprintf(a_range, sizeof(a_range), "--dhcp-range=%s,%s,%s,1h", ip_str(first, f),
		 ip_str(last, l), ip_str(fan_mask(c->slice_len), m));
	snprintf(a_router, sizeof(a_router), "--dhcp-option=option:router,%s", b);
	snprintf(a_mtu, sizeof(a_mtu), "--dhcp-option=option:mtu,%u", c->mtu);

	pid = fork();
	if (pid < 0) {
		e = errno;
		err_msg("dhcp: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		execv(FANCTL_DNSMASQ, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			e = errno;
			err_msg("dhcp: waitpid: %s", strerror(e));
			return -e;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		err_msg("dhcp: %s failed on %s (exit status %d)", FANCTL_DNSMASQ, c->bridge,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	if (!dhcp_running(c->bridge)) {
		err_msg("dhcp: %s did not stay up on %s", FANCTL_DNSMASQ, c->bridge);
		return -EIO;
	}
	return 0;
}

int dhcp_stop(const char *bridge)
{
	char pidf[256], leasef[256];
	pid_t pid = (pid_t)dhcp_running(bridge);
	int i;

	pid_path(bridge, pidf, sizeof(pidf));
	lease_path(bridge, leasef, sizeof(leasef));
	if (pid) {
		if (kill(pid, SIGTERM) && errno != ESRCH) {
			err_msg("dhcp: cannot stop dnsmasq %d: %s", (int)pid, strerror(errno));
			return -errno;
		}
		for (i = 0; i < 200 && pid_is_dnsmasq(pid); i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (pid_is_dnsmasq(pid)) {
			kill(pid, SIGKILL);
			warn_msg("dhcp: dnsmasq %d ignored SIGTERM, killed", (int)pid);
		}
	}
	unlink(pidf);
	unlink(leasef);
	/* a namespace's own directory goes with its last dnsmasq */
	if (strcmp(run_dir(), FANCTL_RUNDIR))
		rmdir(run_dir());
	return 0;
}

int dhcp_stop_all(void)
{
	DIR *d = opendir(run_dir());
	struct dirent *de;
	int ret = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char bridge[IFNAMSIZ + 1];
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, "dnsmasq-", 8) || n < 13 ||
		    strcmp(de->d_name + n - 4, ".pid") || n - 12 > IFNAMSIZ - 1)
			continue;
		memcpy(bridge, de->d_name + 8, n - 12);
		bridge[n - 12] = 0;
		if (dhcp_stop(bridge))
			ret = -1;
	}
	closedir(d);
	return ret;
}
