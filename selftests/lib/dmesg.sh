# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash source-path=SCRIPTDIR
#
# Kernel log helpers shared by the VM runner (on the host, over a saved
# dmesg) and by the tests (inside the VM, over the live log).  Source it.

# What counts as a kernel splat.  Matched case-sensitively.
FAN_SPLAT_RE='WARNING:|BUG:|Oops|general protection|refcount_t:|RCU|kmemleak|KASAN|UBSAN|unregister_netdevice: waiting|lockdep|possible recursive locking|circular locking|sleeping function called'
# Expected noise from loading an unsigned out-of-tree module, and our own
# marker lines (test names may contain anything).
FAN_SPLAT_IGNORE_RE='module verification failed|loading out-of-tree module taints kernel|fan-vm: |fan-selftest: '

# splat_filter: read kernel log lines on stdin, print the splat lines.
# Returns 0 if it printed any, 1 otherwise (like grep).
splat_filter()
{
	grep -E -e "$FAN_SPLAT_RE" | grep -v -E -e "$FAN_SPLAT_IGNORE_RE"
}

# log_after_marker MARKER: print stdin from the last line containing
# MARKER (exclusive) to the end; all of stdin if MARKER never appears
# (it scrolled out of the ring buffer, so check everything left).
log_after_marker()
{
	awk -v m="$1" '
		{ line[NR] = $0 }
		index($0, m) { start = NR }
		END { for (i = start + 1; i <= NR; i++) print line[i] }'
}
