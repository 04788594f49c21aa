#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the fan test VM: PID 1 on the overlay root (host / read-only
# below a tmpfs; stage 1, initramfs-init, did the mounts).  Runs the
# command from the control share, saves its exit code and the kernel log
# there, and powers off.
# Splat detection happens on the host over the followed log.

set -u
[ -e /.fan-vm/trace ] && { PS4='+ $(cut -d" " -f1 /proc/uptime) '; set -x; }
ctl=/.fan-vm
# shellcheck source=/dev/null
. "$ctl/config"

poweroff_now()
{
	sync
	# isa-debug-exit: qemu quits at once, no "reboot: Power down" on the
	# console.  Fallbacks in case /dev/port is missing.
	printf '\x00' | dd of=/dev/port bs=1 seek=244 count=1 status=none 2>/dev/null
	sleep 1
	# busybox (not systemctl) does the reboot(2) call directly.
	busybox poweroff -f 2>/dev/null
	echo o > /proc/sysrq-trigger
	sleep 10
	exit 1	# PID 1 exit panics; panic=-1 + -no-reboot ends qemu
}

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8 FAN_IN_VM=1
unset FAN_VM_STAGE2

# Follow the log onto the host as it grows: if the command hangs (say
# "unregister_netdevice: waiting ...") the runner still has the log.
dmesg -w > "$ctl/dmesg.live" 2>/dev/null &
live=$!
echo "fan-vm: command start" > /dev/kmsg
read -r up _ < /proc/uptime
echo "$up" > "$ctl/started"
# A subshell, not a new bash: every exec costs under TCG.  cmd ends in exec.
# shellcheck source=/dev/null
(cd "$FAN_VM_CWD" && . "$ctl/cmd") < /dev/null
rc=$?
echo "fan-vm: command end rc=$rc" > /dev/kmsg

if [ "${FAN_VM_SELFTEST_SPLAT:-0}" = 1 ]; then
	# Runner self-check: this must make the runner exit 3.
	echo "WARNING: fan-vm splat self-test (FAN_VM_SELFTEST_SPLAT=1)" > /dev/kmsg
fi

if [ -w /sys/kernel/debug/kmemleak ] && ! grep -qw kmemleak=off /proc/cmdline; then
	# Two scans: a fresh leak is only reported once it stayed
	# unreferenced.  run_tests.sh has just done them (20 s on the debug
	# kernel); its report is still there to read.
	if [ ! -e /run/fan-vm-kmemleak-scanned ]; then
		echo scan > /sys/kernel/debug/kmemleak
		sleep 1
		echo scan > /sys/kernel/debug/kmemleak
	fi
	cat /sys/kernel/debug/kmemleak > "$ctl/kmemleak"
fi

# The host checks the followed log, which has what scrolled out of the
# ring buffer too: wait until it has everything up to here.
echo "fan-vm: log end" > /dev/kmsg
for _ in $(seq 50); do
	grep -q 'fan-vm: log end' "$ctl/dmesg.live" 2>/dev/null && break
	sleep 0.1
done
kill "$live" 2>/dev/null
dmesg > "$ctl/dmesg" 2>&1
echo "$rc" > "$ctl/rc"
poweroff_now
