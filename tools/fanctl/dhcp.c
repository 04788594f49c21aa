// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: dnsmasq on the slice bridge (the "dhcp" option), supervised.
 *
 * fanctl forks a supervisor (a copy of itself, named fanctl-dhcp; no
 * exec), which runs /usr/sbin/dnsmasq in the foreground with fork+execv
 * (no shell) and starts it again when it dies (after 1 s, doubling up to
 * 30 s while it keeps dying within 10 s of its start), until "fanctl
 * down" stops it or the bridge is gone.  Pid and lease files live in
 * run_dir(): dnsmasq-BRIDGE.pid (dnsmasq's), dnsmasq-BRIDGE.leases and
 * fanctl-dhcp-BRIDGE.pid (the supervisor's).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fanctl.h"

#define SUP_COMM	"fanctl-dhcp"
/* seconds: how long dnsmasq has to come up, first restart delay, longest */
#define DHCP_START_WAIT	20
#define DHCP_BACKOFF_MIN	1
#define DHCP_BACKOFF_MAX	30
/* a dnsmasq that ran this long before dying is restarted at once */
#define DHCP_STABLE	10

void dhcp_range(const struct fan_conf *c, uint32_t *first, uint32_t *last)
{
	*first = c->slice + c->spec.opts.host_reserve + 1;
	*last = (c->slice | ~fan_mask(c->slice_len)) - 1;
}

static void pid_path(const char *bridge, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dnsmasq-%s.pid", run_dir(), bridge);
}

static void sup_path(const char *bridge, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" SUP_COMM "-%s.pid", run_dir(), bridge);
}

static void lease_path(const char *bridge, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dnsmasq-%s.leases", run_dir(), bridge);
}

static int pid_is(pid_t pid, const char *name)
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
	if (comm[n - 1] == '\n')
		comm[n - 1] = 0;
	return !strcmp(comm, name);
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
	return pid && pid_is(pid, "dnsmasq") && same_netns(pid) ? (int)pid : 0;
}

int dhcp_supervisor(const char *bridge)
{
	char path[256];
	pid_t pid;

	sup_path(bridge, path, sizeof(path));
	pid = read_pid(path);
	return pid && pid_is(pid, SUP_COMM) && same_netns(pid) ? (int)pid : 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* ---- the supervisor (a forked child) ---- */

static pid_t start_dnsmasq(char **argv, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		execv(FANCTL_DNSMASQ, argv);
		_exit(127);
	}
	return pid;
}

/* Stop dnsmasq @pid: SIGTERM, then SIGKILL after 2 s. */
static void sup_kill(pid_t pid)
{
	int i;

	kill(pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "stopped");
}

/*
 * Run dnsmasq (@argv) and start it again when it dies.  Reports on @report
 * once: 0 when the first dnsmasq wrote its pid file, else its wait status
 * (it failed to start: then no supervision).
 */
static void __attribute__((noreturn)) supervise(const char *bridge, char **argv, int report)
{
	char pidf[256], supf[256], st[64], buf[32];
	unsigned int delay = DHCP_BACKOFF_MIN;
	sigset_t set, old;
	struct timespec wait;
	time_t started;
	int status = 0, fd, i;
	pid_t pid;

	prctl(PR_SET_NAME, SUP_COMM, 0, 0, 0);
	openlog(SUP_COMM, LOG_PID, LOG_DAEMON);
	pid_path(bridge, pidf, sizeof(pidf));
	sup_path(bridge, supf, sizeof(supf));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);

	fd = open(supf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write(fd, buf, strlen(buf)) < 0)
			syslog(LOG_WARNING, "cannot write %s: %m", supf);
		close(fd);
	}

	unlink(pidf);
	pid = start_dnsmasq(argv, &old);
	started = time(NULL);
	/* up once its pid file names it (dnsmasq writes it once it serves) */
	for (i = 0; pid > 0 && i < DHCP_START_WAIT * 100; i++) {
		if (read_pid(pidf) == pid)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		sleep_ms(10);
	}
	if (pid > 0 && i == DHCP_START_WAIT * 100) {
		sup_kill(pid);
		status = 0x7f00;	/* exit status 127: did not come up */
		pid = -1;
	}
	if (pid < 0) {
		if (write(report, &status, sizeof(status)) < 0)
			syslog(LOG_WARNING, "cannot report to fanctl: %m");
		unlink(supf);
		_exit(1);
	}
	status = 0;
	if (write(report, &status, sizeof(status)) < 0)
		syslog(LOG_WARNING, "cannot report to fanctl: %m");
	close(report);

	for (;;) {
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) != pid)
				continue;
		} else if (sig == SIGTERM || sig == SIGINT) {
			sup_kill(pid);
			break;
		} else {
			continue;
		}
		status_str(status, st, sizeof(st));
		if (!if_nametoindex(bridge)) {
			syslog(LOG_NOTICE, "dnsmasq on %s %s; the bridge is gone: done", bridge, st);
			break;
		}
		if (time(NULL) - started >= DHCP_STABLE)
			delay = DHCP_BACKOFF_MIN;
		syslog(LOG_WARNING, "dnsmasq on %s %s; starting it again in %u s", bridge, st,
		       delay);
		wait.tv_sec = delay;
		wait.tv_nsec = 0;
		do {
			sig = sigtimedwait(&set, NULL, &wait);
		} while (sig == SIGCHLD || sig == SIGHUP);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		delay = delay * 2 > DHCP_BACKOFF_MAX ? DHCP_BACKOFF_MAX : delay * 2;
		pid = start_dnsmasq(argv, &old);
		started = time(NULL);
		if (pid < 0) {
			syslog(LOG_ERR, "cannot start dnsmasq on %s: %m", bridge);
			break;
		}
	}
	unlink(supf);
	_exit(0);
}

int dhcp_start(const struct fan_conf *c)
{
	char pidf[256], leasef[256], a_pid[300], a_lease[300], a_if[64], a_range[128],
	     a_router[64], a_mtu[64], a_listen[64];
	char f[IPSTR_LEN], l[IPSTR_LEN], m[IPSTR_LEN], b[IPSTR_LEN];
	uint32_t first, last;
	int status, e, report[2];
	ssize_t n;
	pid_t pid;
	char *argv[] = {
		FANCTL_DNSMASQ, "--conf-file=/dev/null", "--keep-in-foreground", a_pid, a_lease,
		a_if, "--except-interface=lo", "--bind-interfaces", a_listen, a_range,
		a_router, a_mtu, "--dhcp-authoritative", "--dhcp-no-override", NULL
	};

	e = run_dir_make();
	if (e)
		return e;
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

	if (pipe2(report, O_CLOEXEC)) {
		e = errno;
		err_msg("dhcp: pipe: %s", strerror(e));
		return -e;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(report[0]);
		close(report[1]);
		err_msg("dhcp: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		/* a daemon: own session, no lock, no netlink, stdio on /dev/null */
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* fd 3 is the report; the rest (the lock's copy too) goes */
		if (dup2(report[1], 3) != 3)
			_exit(1);
		close_range(4, ~0U, 0);
		if (fork() > 0)	/* the supervisor is reparented: nobody waits for it */
			_exit(0);
		setsid();
		/* keep no directory busy (the cwd of whoever ran fanctl) */
		if (chdir("/"))
			_exit(1);
		supervise(c->bridge, argv, 3);
	}
	close(report[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	do {
		n = read(report[0], &status, sizeof(status));
	} while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n != sizeof(status)) {
		err_msg("dhcp: the supervisor of dnsmasq on %s died", c->bridge);
		return -EIO;
	}
	if (status) {
		err_msg("dhcp: %s failed on %s (exit status %d)", FANCTL_DNSMASQ, c->bridge,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

/* Wait up to 2 s for @pid to be no longer @comm, then SIGKILL it. */
static void stop_pid(pid_t pid, const char *comm)
{
	int i;

	if (kill(pid, SIGTERM) && errno != ESRCH)
		warn_msg("dhcp: cannot stop %s %d: %s", comm, (int)pid, strerror(errno));
	for (i = 0; i < 200 && pid_is(pid, comm); i++)
		sleep_ms(10);
	if (pid_is(pid, comm)) {
		kill(pid, SIGKILL);
		warn_msg("dhcp: %s %d ignored SIGTERM, killed", comm, (int)pid);
	}
}

int dhcp_stop(const char *bridge)
{
	char pidf[256], leasef[256], supf[256];
	pid_t sup = (pid_t)dhcp_supervisor(bridge), pid;

	pid_path(bridge, pidf, sizeof(pidf));
	lease_path(bridge, leasef, sizeof(leasef));
	sup_path(bridge, supf, sizeof(supf));
	/* the supervisor first: it would start dnsmasq again; it stops it */
	if (sup)
		stop_pid(sup, SUP_COMM);
	pid = (pid_t)dhcp_running(bridge);
	if (pid)
		stop_pid(pid, "dnsmasq");
	unlink(supf);
	unlink(pidf);
	unlink(leasef);
	run_dir_tidy();
	return 0;
}

int dhcp_stop_all(void)
{
	DIR *d = opendir(run_dir());
	static const char *const pfx[] = { "dnsmasq-", SUP_COMM "-" };
	struct dirent *de;
	int ret = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char bridge[IFNAMSIZ + 1];
		size_t n = strlen(de->d_name), p, k;

		for (k = 0; k < 2; k++) {
			p = strlen(pfx[k]);
			if (strncmp(de->d_name, pfx[k], p) || n < p + 5 ||
			    strcmp(de->d_name + n - 4, ".pid") || n - p - 4 > IFNAMSIZ - 1)
				continue;
			memcpy(bridge, de->d_name + p, n - p - 4);
			bridge[n - p - 4] = 0;
			if (dhcp_stop(bridge))
				ret = -1;
		}
	}
	closedir(d);
	return ret;
}
