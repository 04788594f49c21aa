#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the fan network tests inside the test VM, kselftest style:
#   selftests/vm/run-vm.sh -k KVER -- selftests/run_tests.sh [TEST...]
# Loads build/modules/$(uname -r)/fan.ko (or $FAN_MODULE), runs each test
# from selftests/net (TEST_PROGS in selftests/Makefile unless given) as a
# KTAP subtest with its own timeout, fails a test that leaves a kernel
# splat, then unloads the module and checks the log once more.
# Environment: FAN_TEST_TIMEOUT (seconds per test; default from
# selftests/net/settings "timeout=", else 900), FAN_MODULE, FAN_ALLOW_HOST=1
# to run outside the VM (it loads modules and makes namespaces),
# FAN_TEST_CLAIMS (a directory several VMs share: each runs only the tests
# it claims first there, and reports the others as skipped).

# shellcheck source-path=SCRIPTDIR
set -u

sdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$sdir")
netdir=$sdir/net
# shellcheck source=lib/ktap.sh
. "$sdir/lib/ktap.sh"
# shellcheck source=lib/dmesg.sh
. "$sdir/lib/dmesg.sh"

kver=$(uname -r)
module=${FAN_MODULE:-$repo/build/modules/$kver/fan.ko}

# TEST_PROGS from the Makefile: "TEST_PROGS := a.sh \" continued lines.
list_tests()
{
	awk '
		/^TEST_PROGS[ \t]*[:+]?=/ { on = 1; sub(/^[^=]*=/, "") }
		on {
			cont = sub(/\\[ \t]*$/, "")
			n = split($0, w, /[ \t]+/)
			for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
			if (!cont) on = 0
		}' "$sdir/Makefile"
}

if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(list_tests)
fi

timeout=${FAN_TEST_TIMEOUT:-}
if [ -z "$timeout" ] && [ -r "$netdir/settings" ]; then
	timeout=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' "$netdir/settings")
fi
# Generous: TCG on a busy 2-core host runs 3-5x slower than unloaded.
timeout=${timeout:-900}

ktap_print_header
if [ "${FAN_IN_VM:-0}" != 1 ] && [ "${FAN_ALLOW_HOST:-0}" != 1 ]; then
	ktap_exit_fail_msg "not in the test VM (use selftests/vm/run-vm.sh, or FAN_ALLOW_HOST=1)"
fi
if [ "$(id -u)" -ne 0 ]; then
	ktap_exit_fail_msg "must run as root"
fi
[ ${#tests[@]} -gt 0 ] || ktap_exit_fail_msg "no tests listed"

# One extra result: unloading the module and the final log check.
ktap_set_plan $((${#tests[@]} + 1))
ktap_print_msg "kernel $kver, timeout ${timeout}s per test"
# The debug kernel's factor for waits, as in net/fan_lib.sh.
if [ -z "${FAN_SLOW:-}" ]; then
	FAN_SLOW=1
	[ -e /sys/kernel/debug/kmemleak ] && FAN_SLOW=4
fi

mark()
{
	echo "fan-selftest: $*" > /dev/kmsg
}

# The live kernel log: a follower from here on (the ring buffer may drop
# what a long test logged before the check reads it).  The tests'
# dmesg_check reads the same file (FAN_KMSG_LOG, lib/dmesg.sh).
FAN_KMSG_LOG=$(mktemp /tmp/fan-kmsg.XXXXXX)
export FAN_KMSG_LOG
dmesg -w > "$FAN_KMSG_LOG" 2>/dev/null &
kmsg_pid=$!
trap 'kill $kmsg_pid 2>/dev/null' EXIT

# splats_since MARKER: kernel splats logged after MARKER.
splats_since()
{
	kernel_log | log_after_marker "$1" | splat_filter
}

# netns_settled: wait until the namespaces deleted so far are gone, so
# that what their teardown logs (say "unregister_netdevice: waiting",
# printed after 10 s) counts for the test that deleted them.  The kernel
# cleans up dead namespaces in batches, one batch at a time, and waits
# for the devices' last references within the batch.  A veth pair with
# one end in a namespace deleted now vanishes when that namespace's
# batch runs; a second such namespace is in a later batch than every
# namespace deleted before the first vanished, so when its veth goes,
# those batches are complete.  Returns 1 after SECONDS (default 30, times
# FAN_SLOW) without that.
netns_settled()
{
	local ns=fan-settle-$$ limit=$(( ${1:-30} * FAN_SLOW )) t0=$SECONDS round
	for round in 1 2; do
		ip netns add "$ns" || return 1
		if ! ip link add fan-settle0 type veth peer name fan-settle1 netns "$ns"; then
			ip netns del "$ns"
			return 1
		fi
		ip netns del "$ns"
		while [ -e /sys/class/net/fan-settle0 ]; do
			[ $((SECONDS - t0)) -lt "$limit" ] || return 1
			sleep 0.2
		done
	done
}

# Taint at the start: fan.ko's load adds O and E, which are expected.
read -r taint_start < /proc/sys/kernel/tainted
# Load the module; modprobe its dependencies first (insmod does not).
[ -r "$module" ] || ktap_exit_fail_msg "no module $module (make modules?)"
mark "load $module"
for dep in $(modinfo -F depends "$module" 2>/dev/null | tr ',' ' '); do
	modprobe "$dep" || ktap_exit_fail_msg "modprobe $dep (needed by fan.ko) failed"
done
if ! out=$(insmod "$module" 2>&1); then
	ktap_exit_fail_msg "insmod $module failed: $out"
fi
ktap_print_msg "loaded $module"

netns_before=$(ip netns list 2>/dev/null | awk '{print $1}' | sort)
# fanctl's run directory (dnsmasq pid and lease files) is one for all
# namespaces: what a test leaves there, the next test finds.
fanctl_run=/run/fanctl
fanctl_files() { find "$fanctl_run" -mindepth 1 2>/dev/null | LC_ALL=C sort; }
fanctl_before=$(fanctl_files)

for t in "${tests[@]}"; do
	name="selftests: net: $t"
	case "$t" in
	/*) path=$t ;;	# ad-hoc test outside net/
	*) path=$netdir/$t ;;
	esac
	echo "# $name"
	# VMs sharing one list (make check's debug kernel runs) each take the
	# next test nobody took yet, so they finish together: mkdir on the
	# host's filesystem, through the read-write share, is atomic.
	if [ -n "${FAN_TEST_CLAIMS:-}" ] && ! mkdir "$FAN_TEST_CLAIMS/$t" 2>/dev/null; then
		ktap_test_skip_why "taken by another VM" "$name"
		continue
	fi
	if [ ! -e "$path" ]; then
		echo "# missing $path"
		ktap_test_fail "$name"
		continue
	fi
	marker="run $t $$ $KTAP_TESTNO"
	mark "$marker"
	read -r taint_before < /proc/sys/kernel/tainted
	emu_before=0
	[ -d /sys/module/ipoib_emu ] && emu_before=1
	start=$(date +%s%N)
	tlog=$(mktemp /tmp/fan-test-out.XXXXXX)
	# timeout(1) signals the whole process group: stray children die too.
	(cd "$netdir" && if [ -x "$path" ]; then exec timeout -k 10 "$timeout" "$path"
		else exec timeout -k 10 "$timeout" bash "$path"; fi) < /dev/null 2>&1 |
		sed -u 's/^/# /' | tee "$tlog"
	rc=${PIPESTATUS[0]}
	# A test that skips itself says why in its plan line ("1..0 # SKIP why").
	skip_why=$(sed -n 's/^# 1\.\.0 # SKIP //p' "$tlog" | head -n 1)
	rm -f "$tlog"
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "# $t: exit $rc after $((secs / 1000)).$(printf '%03d' $((secs % 1000)))s"

	# Namespaces a test forgot would keep devices (and the module) busy:
	# deleted here, and the test fails.
	left=$(comm -13 <(echo "$netns_before") <(ip netns list 2>/dev/null | awk '{print $1}' | sort))
	if [ -n "$left" ]; then
		echo "# $t left namespaces behind, deleting: $(echo "$left" | tr '\n' ' ')"
		for n in $left; do
			# shellcheck disable=SC2046
			kill -9 $(ip netns pids "$n" 2>/dev/null) 2>/dev/null
			ip netns del "$n" 2>/dev/null
		done
	fi

	stale=$(LC_ALL=C comm -13 <(echo "$fanctl_before") <(fanctl_files))
	for f in $stale; do
		# dnsmasq, and fanctl's supervisor of it (which stops its dnsmasq)
		if [[ $f == *.pid ]] && read -r p < "$f" &&
		   case "$(cat "/proc/$p/comm" 2>/dev/null)" in dnsmasq|fanctl-dhcp) true ;; *) false ;; esac; then
			kill "$p"
		fi
	done
	# shellcheck disable=SC2086 # one path per line, no blanks
	[ -z "$stale" ] || rm -rf $stale
	[ -z "$stale" ] || echo "# $t left files in $fanctl_run, deleted: $(echo "$stale" | tr '\n' ' ')"

	settled=1 settle_t0=$SECONDS
	netns_settled || settled=0

	# ipoib_emu.ko left loaded makes the next ipoib_emu test skip its
	# unload and reload checks: a test unloads what it loaded.
	emu_left=""
	if [ "$emu_before" = 0 ] && [ -d /sys/module/ipoib_emu ]; then
		emu_left=1
		echo "# $t left ipoib_emu.ko loaded, unloading it"
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			rmmod ipoib_emu 2>/dev/null && break
			sleep 0.5
		done
	fi
	if [ "$settled" = 0 ]; then
		echo "# the namespaces $t deleted were not gone after $((30 * FAN_SLOW)) s"
	elif [ $((SECONDS - settle_t0)) -ge 2 ]; then
		echo "# $t: its namespaces were cleaned up $((SECONDS - settle_t0)) s after it ended"
	fi
	splats=$(splats_since "fan-selftest: $marker")
	tainted=$(taint_new "$taint_before")
	if [ -n "$splats" ]; then
		echo "# kernel splat during $t:"
		echo "$splats" | sed 's/^/#   /'
		ktap_test_fail "$name # kernel splat"
	elif [ -n "$tainted" ]; then
		echo "# $t tainted the kernel: $tainted"
		ktap_test_fail "$name # taint $tainted"
	elif [ "$settled" = 0 ]; then
		ktap_test_fail "$name # namespace teardown hung"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		ktap_test_fail "$name # TIMEOUT $timeout seconds"
	elif [ -n "$left$stale$emu_left" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq "$KSFT_SKIP" ]; }; then
		# (a failed test keeps its exit code as the reason)
		ktap_test_fail "$name # left${left:+ namespaces}${stale:+ files in $fanctl_run}${emu_left:+ ipoib_emu.ko loaded}"
	elif [ "$rc" -eq "$KSFT_SKIP" ]; then
		ktap_test_skip_why "${skip_why:-no reason given}" "$name"
	elif [ "$rc" -eq 0 ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name # exit=$rc"
	fi
done

# Unload: must succeed once the tests cleaned up.  Namespace teardown is
# asynchronous, so give it a few tries.
name="fan: rmmod and final kernel log check"
marker="unload $$"
mark "$marker"
unloaded=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if rmmod fan 2>/dev/null; then
		unloaded=1
		break
	fi
	sleep 1
done
if [ "$unloaded" != 1 ]; then
	echo "# rmmod fan failed: $(rmmod fan 2>&1)"
	lsmod | grep -E '^fan ' | sed 's/^/# /'
fi
leak=
# kmemleak (the debug kernel; no automatic scans there): reports only
# objects at least 5 s old, so scan, wait, and scan again.  make check
# boots some debug VMs with kmemleak=off; one that turned itself off (an
# error of its own) fails the run.
if [ -e /sys/kernel/debug/kmemleak ] && grep -qw kmemleak=off /proc/cmdline; then
	echo "# kmemleak: off in this VM (kmemleak=off)"
elif [ -e /sys/kernel/debug/kmemleak ]; then
	t0=$(date +%s)
	if ! echo scan > /sys/kernel/debug/kmemleak; then
		leak="kmemleak cannot scan: it turned itself off ($(dmesg | grep -m1 'kmemleak:.*disabl'))"
	fi
	left=$((t0 + 6 - $(date +%s)))
	[ "$left" -le 0 ] || sleep "$left"
	echo scan > /sys/kernel/debug/kmemleak
	leak+=$(cat /sys/kernel/debug/kmemleak)
	# The VM's init need not scan again after us.
	[ "${FAN_IN_VM:-0}" != 1 ] || : > /run/fan-vm-kmemleak-scanned
	if [ -n "$leak" ]; then
		echo "# kmemleak: $(grep -c '^unreferenced object' <<< "$leak") leak(s):"
		echo "$leak" | sed 's/^/# kmemleak: /'
	else
		echo "# kmemleak: no leaks ($(( $(date +%s) - t0 ))s to check)"
	fi
fi
splats=$(splats_since "fan-selftest: $marker")
[ -z "$splats" ] || echo "$splats" | sed 's/^/# splat: /'
tainted=$(taint_new "$taint_start")
[ -z "$tainted" ] || echo "# the run tainted the kernel: $tainted"
if [ "$unloaded" = 1 ] && [ -z "$leak" ] && [ -z "$splats" ] && [ -z "$tainted" ]; then
	ktap_test_pass "$name"
else
	ktap_test_fail "$name"
fi

ktap_finished
