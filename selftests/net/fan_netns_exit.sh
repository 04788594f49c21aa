#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace exit in batches.  On container hosts many namespaces go at
# once, most without a fan device: fan.ko must not take RTNL once per
# namespace for them (the namespaces' teardown would queue on it), but
# once per batch, as ipip does.  Counted with the function tracer on
# rtnl_lock while N empty namespaces are deleted, with fan.ko loaded and
# (the baseline: the rest of the kernel's share) without it.  Then N
# namespaces with a fan device each: every device goes with its namespace
# and the module unloads.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

N=40
T=/sys/kernel/tracing
[ -e $T/current_tracer ] || mount -t tracefs nodev $T 2> /dev/null
# Every kernel of make check has the function tracer (the debug kernel
# too: selftests/vm/debug.config); a missing one is a skip make check fails.
[ -e $T/current_tracer ] || ktap_skip_all "no tracefs (no function tracer in this kernel)"
grep -qx rtnl_lock $T/available_filter_functions 2> /dev/null ||
	ktap_skip_all "rtnl_lock cannot be traced (no function tracer in this kernel)"
cleanup_add "echo nop > $T/current_tracer; echo > $T/set_ftrace_filter"

# make_ns N [fan]: N namespaces x1..xN (with a fan device f0 each).
make_ns()
{
	local i
	for ((i = 1; i <= $1; i++)); do
		echo "netns add $NS_PREFIX-x$i"
	done > "$FAN_TMP/add"
	ip -batch "$FAN_TMP/add" || return 1
	[ "${2:-}" = fan ] || return 0
	for ((i = 1; i <= $1; i++)); do
		ip -n "$NS_PREFIX-x$i" link add f0 type fan || return 1
	done
}

# del_ns N: delete them in one go.
del_ns()
{
	local i
	for ((i = 1; i <= $1; i++)); do
		echo "netns del $NS_PREFIX-x$i"
	done > "$FAN_TMP/del"
	ip -batch "$FAN_TMP/del"
}

# traced_rtnl N: how many times rtnl_lock ran while N empty namespaces
# were deleted and torn down (until it has not run for 3 s).
traced_rtnl()
{
	local n=$1 c last=-1 still=0
	make_ns "$n" || return 1
	echo rtnl_lock > $T/set_ftrace_filter &&
	echo function > $T/current_tracer &&
	echo > $T/trace || return 1
	del_ns "$n" || return 1
	while [ "$still" -lt 3 ]; do
		sleep 1
		c=$(grep -c 'rtnl_lock' $T/trace)
		if [ "$c" = "$last" ]; then
			still=$((still + 1))
		else
			still=0
		fi
		last=$c
	done
	echo nop > $T/current_tracer
	echo "$c"
}

measure()
{
	local with without
	with=$(traced_rtnl $N) || return 1
	fan_unload > /dev/null || return 1
	without=$(traced_rtnl $N)
	insmod "$FAN_KO" || return 1
	[ -n "$without" ] || return 1
	echo "rtnl_lock while $N empty namespaces went: $with with fan.ko, $without without"
	# Once per batch (a few batches) is fine; once per namespace is not.
	[ $((with - without)) -lt $((N / 2)) ]
}
subtest "$N empty namespaces go without fan.ko taking RTNL for each" measure

devices_go()
{
	local i left
	make_ns $N fan || return 1
	del_ns $N || return 1
	fan_unload || return 1
	insmod "$FAN_KO" || return 1
	left=0
	for ((i = 1; i <= N; i++)); do
		[ ! -e "/run/netns/$NS_PREFIX-x$i" ] || left=$((left + 1))
	done
	echo "namespaces left: $left"
	[ "$left" = 0 ]
}
subtest "$N namespaces with a fan device each go, and fan.ko unloads" devices_go

fan_finish
