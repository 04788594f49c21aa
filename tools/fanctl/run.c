// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: the run directory and the lock.
 *
 * One fanctl changes the system at a time: "up" and "down" take an
 * exclusive flock(2) on FANCTL_RUNDIR, as Ubuntu's fanctl took one on its
 * run directory, so that the boot unit and the ifupdown hooks (or an admin
 * and either) cannot interleave their steps.  A script can hold the same
 * lock with flock(1): "flock /run/fanctl CMD".  The lock goes with the
 * process: nothing to clean up after a crash.
 *
 * The record of the fans and the dnsmasq pid files live in FANCTL_RUNDIR
 * in the host's network namespace (that of PID 1), and elsewhere in
 * FANCTL_RUNDIR/netns-INODE: bridge names are only unique within a
 * namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fanctl.h"

bool same_netns(pid_t pid)
{
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &a) || stat(path, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

const char *run_dir(void)
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

int run_dir_make(void)
{
	int e;

	if ((mkdir(FANCTL_RUNDIR, 0755) && errno != EEXIST) ||
	    (mkdir(run_dir(), 0755) && errno != EEXIST)) {
		e = errno;
		err_msg("cannot create %s: %s", run_dir(), strerror(e));
		return -e;
	}
	return 0;
}

void run_dir_tidy(void)
{
	/* a namespace's own directory goes with its last file */
	if (strcmp(run_dir(), FANCTL_RUNDIR))
		rmdir(run_dir());
}

static int lock_fd = -1;

static void on_alarm(int sig)
{
	(void)sig;
}

/* The process holding a flock on @st's file, from /proc/locks; 0 unknown. */
static int lock_holder(const struct stat *st)
{
	char line[256];
	FILE *f = fopen("/proc/locks", "re");
	int pid = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long ino;
		int p;

		if (sscanf(line, "%*d: FLOCK %*s %*s %d %x:%x:%lu", &p, &maj, &min, &ino) == 4 &&
		    ino == st->st_ino && maj == major(st->st_dev) && min == minor(st->st_dev)) {
			pid = p;
			break;
		}
	}
	fclose(f);
	return pid;
}

int fanctl_lock(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct stat st;
	int fd, e, holder;

	if (lock_fd >= 0)
		return 0;
	if (mkdir(FANCTL_RUNDIR, 0755) && errno != EEXIST) {
		e = errno;
		err_msg("cannot create %s: %s", FANCTL_RUNDIR, strerror(e));
		return -e;
	}
	/* O_CLOEXEC: dnsmasq must not hold the lock for its lifetime */
	fd = open(FANCTL_RUNDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		err_msg("cannot open %s: %s", FANCTL_RUNDIR, strerror(e));
		return -e;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		lock_fd = fd;
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		e = errno;
		err_msg("cannot lock %s: %s", FANCTL_RUNDIR, strerror(e));
		close(fd);
		return -e;
	}
	holder = fstat(fd, &st) ? 0 : lock_holder(&st);
	if (!lock_wait) {
		err_msg("another fanctl (pid %d) holds the lock on %s: not waiting (-w 0)",
			holder, FANCTL_RUNDIR);
		close(fd);
		return -EWOULDBLOCK;
	}
	verbose_msg("waiting for another fanctl (pid %d) to finish", holder);
	/* no SA_RESTART: the alarm interrupts flock() */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(lock_wait);
	e = flock(fd, LOCK_EX) ? errno : 0;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (e) {
		if (e == EINTR)
			err_msg("another fanctl (pid %d) has held the lock on %s for %d s: giving up",
				holder ? holder : lock_holder(&st), FANCTL_RUNDIR, lock_wait);
		else
			err_msg("cannot lock %s: %s", FANCTL_RUNDIR, strerror(e));
		close(fd);
		return -e;
	}
	lock_fd = fd;
	return 0;
}
