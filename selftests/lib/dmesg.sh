# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash source-path=SCRIPTDIR
#
# Kernel log helpers shared by the VM runner (on the host, over a saved
# dmesg) and by the tests (inside the VM, over the live log).  Source it.

# What counts as a kernel splat.  Matched case-sensitively.
# Besides the obvious: RCU stalls ("rcu: INFO: rcu_preempt detected
# stalls", lowercase), hung tasks ("INFO: task X:1 blocked for more than
# 120 seconds"), a BUG_ON in process context on 6.1 ("kernel BUG at",
# "invalid opcode"), soft lockups and panics.
FAN_SPLAT_RE='WARNING:|BUG:|kernel BUG at|invalid opcode|Oops|general protection|Kernel panic|refcount_t:|RCU|rcu: INFO|rcu_.* stall|detected stall|blocked for more than|soft lockup|hard LOCKUP|kmemleak|KASAN|UBSAN|unregister_netdevice: waiting|lockdep|possible recursive locking|circular locking|sleeping function called'
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

# Taint bits a test may not add: all but O (4096, an out-of-tree module:
# fan.ko and ipoib_emu.ko) and E (8192, an unsigned module).  D (die),
# W (warning) and L (soft lockup) are the usual ones.
FAN_TAINT_OK=$((4096 | 8192))

# taint_new BEFORE: the taint bits set now that BEFORE lacked, less the
# expected ones, as "0x..." letters; nothing if none.
taint_new()
{
	local now new letters="" i
	local names=PFSRMBUDAWCIOELKXTNJ
	# FAN_TAINT_NOW: a value to use instead (the runner's self-check).
	now=${FAN_TAINT_NOW:-}
	[ -n "$now" ] || read -r now < /proc/sys/kernel/tainted || return 0
	new=$(( now & ~$1 & ~FAN_TAINT_OK ))
	[ "$new" -ne 0 ] || return 0
	for ((i = 0; i < ${#names}; i++)); do
		(( new & (1 << i) )) && letters+=${names:i:1}
	done
	printf '0x%x (%s)\n' "$new" "${letters:-?}"
}

# kernel_log: the kernel log so far.  From FAN_KMSG_LOG, the file a
# `dmesg -w` follower writes (run_tests.sh starts one), so nothing that
# scrolled out of the ring buffer since is lost; a sync line is logged
# first and awaited there, so the file is complete up to now.  Without
# a follower: dmesg.
kernel_log()
{
	local sync i
	if [ -n "${FAN_KMSG_LOG:-}" ] && [ -r "$FAN_KMSG_LOG" ] && [ -w /dev/kmsg ]; then
		sync="fan-selftest: sync $$ $RANDOM $SECONDS"
		echo "$sync" > /dev/kmsg
		for ((i = 0; i < 100; i++)); do
			grep -qF -- "$sync" "$FAN_KMSG_LOG" && break
			sleep 0.1
		done
		[ "$i" -lt 100 ] || echo "kernel_log: the follower of the kernel log lags by 10 s" >&2
		cat "$FAN_KMSG_LOG"
	else
		dmesg 2>/dev/null
	fi
}
