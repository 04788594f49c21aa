#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared setup of the fanctl selftests (sourced): KTAP output, the fan and
# ipoib_emu modules, two "hosts" (network namespaces) joined by an emulated
# IPoIB fabric (ib0 = 10.7.3.4/16 and 10.7.9.200/16), containers (netns on a
# veth into the fan bridge), and checks that nothing of fanctl is left.
#
# Tests set TESTS="name func ..." and call fanctl_main.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=$(uname -r)
FANCTL=${FANCTL:-$top/tools/fanctl/fanctl}
# The test build: FANCTL_FAIL_AT=STEP makes an up step fail (up.c).
FANCTL_TEST=${FANCTL_TEST:-$top/tools/fanctl/fanctl-test}

# shellcheck source=../lib/ktap.sh
. "$here/../lib/ktap.sh"

sfx=$$
H1=fct-h1-$sfx
H2=fct-h2-$sfx
A1=10.7.3.4
A2=10.7.9.200
OV=250.0.0.0/8
S1=250.3.4.0/24
S2=250.9.200.0/24
BR1=fan-250-3-4
BR2=fan-250-9-200
tmp=$(mktemp -d /tmp/fanctl-test.XXXXXX)
loaded=()

# run_test NAME FUNC: FUNC returns 0 pass, 4 skip (the reason is the
# last line it printed), else fail; its output becomes KTAP diagnostics.
# A fail() anywhere in FUNC fails it, whatever FUNC returns.
run_test()
{
	local name=$1 out rc
	rm -f "$tmp/failed"
	out=$("$2" 2>&1)
	rc=$?
	[ -n "$out" ] && ktap_print_msg "$out"
	if [ -e "$tmp/failed" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq "$KSFT_SKIP" ]; }; then
		ktap_print_msg "a check failed, but $2 went on and returned $rc"
		rc=1
	fi
	case $rc in
	0) ktap_test_pass "$name" ;;
	"$KSFT_SKIP") ktap_test_skip_why "${out##*$'\n'}" "$name" ;;
	*)
		ktap_test_fail "$name"
		# A failed check returns before its teardown: what it left
		# (a container on a bridge makes every later down refuse)
		# must not fail the subtests after it.
		reset_hosts
		;;
	esac
}

# fail MSG: a check failed.  Sticky: run_test fails the subtest even
# when the caller goes on after it ("cond || fail ..." mid-function).
fail() { echo "FAIL: $*"; : > "$tmp/failed"; return 1; }

# h1/h2 CMD...: run in a host namespace
# SNAP_H1: a snapshot of H1 known to be current (fanctl_errors reuses one
# check's "after" as the next one's "before"); anything run in H1 drops it.
h1() { SNAP_H1=; ip netns exec "$H1" "$@"; }
h2() { ip netns exec "$H2" "$@"; }
f1() { SNAP_H1=; ip netns exec "$H1" "$FANCTL" "$@"; }
f2() { ip netns exec "$H2" "$FANCTL" "$@"; }
# ft1 STEP ARGS...: fanctl-test ARGS in H1 with step STEP failing
ft1() { local s=$1; shift; SNAP_H1=; FANCTL_FAIL_AT=$s ip netns exec "$H1" "$FANCTL_TEST" "$@"; }

# expect_rc RC CMD...: run CMD, check its exit code; output in $out
expect_rc()
{
	local want=$1 rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "'$*' exited $rc, expected $want; output:"
		printf '%s\n' "$out"
		return 1
	fi
	return 0
}

load_module()	# NAME
{
	local m=$1 ko dep
	[ -d "/sys/module/$m" ] && return 0
	for ko in "$top/build/modules/$kver/$m.ko" "$top/kernel/$m.ko" \
		  "$top/selftests/ipoib_emu/$m.ko"; do
		[ -r "$ko" ] || continue
		for dep in $(modinfo -F depends "$ko" 2>/dev/null | tr , ' '); do
			modprobe "$dep" 2>/dev/null
		done
		insmod "$ko" && { loaded+=("$m"); return 0; }
	done
	modprobe "$m" 2>/dev/null && { loaded+=("$m"); return 0; }
	return 1
}

# The first memory cgroup switches on the kernel's memcg accounting: a
# static key with sites in the slab allocator, patched with int3s.  When
# that happens as runc starts containers on both vCPUs, a guest under qemu
# TCG was seen to trip over a patch site (once in about ten runs: "Oops:
# int3" at a static-key site in kmem_cache_alloc_noprof, then a panic),
# most likely this one.  Tests that start containers make the first
# memory cgroup first, while the machine is quiet.
memcg_warm_up()
{
	local g=/sys/fs/cgroup/fctd-$sfx-warm-up
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || return 0
	mkdir "$g" 2>/dev/null && rmdir "$g"
}

# reset_hosts: the hosts as setup_hosts left them (fanctl's fans and the
# containers gone; what a test made by hand in a host, it deletes itself).
reset_hosts()
{
	local c
	# Containers first: every namespace of this test ends in -$sfx
	# (run_test's subshells cannot hand their names back to this one).
	for c in $(ip netns list 2>/dev/null | awk -v s="-$sfx" \
		'{ n = $1 } substr(n, length(n) - length(s) + 1) == s { print n }'); do
		[ "$c" = "$H1" ] || [ "$c" = "$H2" ] || ip netns del "$c" 2>/dev/null
	done
	# What fanctl made, its dnsmasq too (run_tests.sh fails a test that
	# leaves files in /run/fanctl).
	ip netns exec "$H1" "$FANCTL" down -e --force > /dev/null 2>&1
	ip netns exec "$H2" "$FANCTL" down -e --force > /dev/null 2>&1
}

cleanup()
{
	local m i

	# a test's own teardown first (daemons, containers of an engine)
	! declare -F test_cleanup > /dev/null || test_cleanup
	reset_hosts
	ip netns del "$H1" 2>/dev/null
	ip netns del "$H2" 2>/dev/null
	rm -rf "$tmp"
	for m in "${loaded[@]}"; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rmmod "$m" 2>/dev/null && break
			sleep 0.5
		done
	done
}

setup_hosts()
{
	ip netns add "$H1" || return 1
	ip netns add "$H2" || return 1
	h1 ip link set lo up
	h2 ip link set lo up
	# Created in the init namespace, then moved: the fabric spans netns.
	ip link add "fct$sfx-a" type ipoib_emu || return 1
	ip link add "fct$sfx-b" type ipoib_emu || return 1
	ip link set "fct$sfx-a" netns "$H1" name ib0 || return 1
	ip link set "fct$sfx-b" netns "$H2" name ib0 || return 1
	h1 ip addr add "$A1/16" dev ib0 || return 1
	h2 ip addr add "$A2/16" dev ib0 || return 1
	h1 ip link set ib0 up || return 1
	h2 ip link set ib0 up || return 1
}

# container HOST NAME BRIDGE ADDR/LEN GW: a netns on a veth in BRIDGE
container()
{
	local host=$1 name=$2-$sfx br=$3 addr=$4 gw=$5
	ip netns add "$name" || return 1
	ip -n "$host" link add "v$2" type veth peer name eth0 netns "$name" || return 1
	ip -n "$host" link set "v$2" master "$br" up || return 1
	ip -n "$name" link set lo up
	ip -n "$name" link set eth0 up || return 1
	if [ -n "$addr" ]; then
		ip -n "$name" addr add "$addr" dev eth0 || return 1
		ip -n "$name" route add default via "$gw" || return 1
	fi
}

# container_del HOST NAME: the container and its veth.  The veth goes
# first, at once: deleting a namespace frees its devices later, in a
# kernel worker, and until then the bridge still has the port (fanctl
# down refuses a bridge with ports).
container_del()
{
	ip -n "$1" link del "v$2" 2>/dev/null
	ip netns del "$2-$sfx"
}

# rundir HOST: fanctl's pid and lease files of HOST, a namespace that is
# not the VM's own: /run/fanctl/netns-INODE.
rundir()
{
	echo "/run/fanctl/netns-$(ip netns exec "$1" stat -L -c %i /proc/self/ns/net)"
}

# Everything of fanctl in a host, as text: empty when nothing is left.
fanctl_leftovers()	# HOST
{
	local h=$1
	ip -n "$h" -d link show | grep -E 'fan |ftun|fan-|alias fanctl' || true
	ip -n "$h" route show proto 250 || true
	ip -n "$h" route show | grep -E '^250\.' || true
	ip netns exec "$h" nft list table ip fanctl 2>/dev/null || true
	ls -d "$(rundir "$h")" 2>/dev/null || true
}

# Snapshot of a host's network state (to compare before/after).
snapshot()	# HOST
{
	# no -d: bridge timers tick.  IPv4 only: fanctl sets no IPv6, and
	# the kernel's IPv6 DAD changes link-local state on its own clock.
	# One trip into the namespace, one ip for three listings, builtins
	# for the rest: every process costs under TCG (fanctl_errors and
	# fanctl_rollback take ~60 snapshots).  ifindexes dropped, lines
	# sorted: a device deleted and made again is the same state.
	# No operstate: linkwatch sets it up to a second after the carrier
	# (an empty bridge goes UNKNOWN -> DOWN on its own), and with it
	# what follows from it: the flag NO-CARRIER (ip's word for UP but
	# not RUNNING, and RUNNING is operstate's) and routes' "linkdown"
	# (set on linkwatch's NETDEV_CHANGE).  The carrier itself stays:
	# LOWER_UP is set at once.  (fanctl_rollback on 6.1 saw an empty
	# bridge made by the up before its first snapshot go NO-CARRIER.)
	ip netns exec "$1" sh -c '
		printf "link show\naddr show\nroute show table all\n" |
			ip -4 -o -batch -
		nft list ruleset 2>/dev/null
		read -r f < /proc/sys/net/ipv4/ip_forward; echo "$f"
		for f in /run/fanctl/*/* /run/fanctl/*; do [ -e "$f" ] && echo "${f#/run/fanctl/}"; done' |
		sed -E 's/^[0-9]+: //; s/ state [A-Z]+ / /; s/NO-CARRIER,//; s/ linkdown//' | sort
}

nothing_left()	# HOST
{
	local left
	left=$(fanctl_leftovers "$1")
	[ -z "$left" ] && return 0
	echo "left behind in $1:"
	printf '%s\n' "$left"
	return 1
}

fanctl_main()
{
	trap cleanup EXIT
	[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
	# What make deps and make modules provide is not optional: a test
	# that cannot run fails.
	[ -x "$FANCTL" ] || ktap_exit_fail_msg "$FANCTL not built (make -C tools/fanctl)"
	[ -x "$FANCTL_TEST" ] || ktap_exit_fail_msg "$FANCTL_TEST not built (make -C tools/fanctl)"
	load_module fan || ktap_exit_fail_msg "fan.ko not found for $kver (make modules)"
	load_module ipoib_emu || ktap_exit_fail_msg "ipoib_emu.ko not found for $kver (make modules)"
	setup_hosts || ktap_exit_fail_msg "cannot set up the test hosts"
	ktap_print_header
	set -- $TESTS
	ktap_set_plan $(($# / 2 + 1))
	while [ $# -ge 2 ]; do
		run_test "$1" "$2"
		shift 2
	done
	# Deleting the namespaces would delete whatever fan devices, bridges
	# and routes a test leaked (pernet exit): look before they go.
	run_test "fanctl down -e leaves nothing in either host" test_nothing_leaked
	ktap_finished
}

test_nothing_leaked()
{
	local bad=0 h
	for h in "$H1" "$H2"; do
		# containers of the subtests are still there, until cleanup
		ip netns exec "$h" "$FANCTL" down -e --force > /dev/null 2>&1
		nothing_left "$h" || bad=1
	done
	return $bad
}
