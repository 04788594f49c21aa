#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing the fan down while traffic flows: (a) a host's network namespace
# is deleted under a ping flood and a TCP stream, and the other hosts carry
# on; (b) the module is unloaded under traffic (deleting every fan device
# in every namespace), loaded again, and fanctl brings the fans back.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

# Whatever happens, leave the module loaded for the tests after us.
cleanup_add "grep -q '^fan ' /proc/modules || insmod $FAN_KO"

# bg NS CMD...: CMD in namespace NS in the background, at most 60 s (times FAN_SLOW).
bg() { fan_bg "$1" $((60 * FAN_SLOW)) "${@:2}"; }

# traffic FROM TO TO_ADDR: a ping flood FROM -> TO_ADDR and a TCP stream
# TO -> FROM (iperf3, rate-limited so TCG keeps up).
traffic()
{
	local from=$1 to=$2 addr=$3 from_addr
	from_addr=$(ns_exec "$from" ip -4 -o addr show dev eth0 | awk '{ split($4, a, "/"); print a[1] }')
	bg "$from" ping -f -q "$addr"
	bg "$from" iperf3 -s -1 -p 5201
	wait_listening "$from" 5201 || return 1
	bg "$to" iperf3 -c "$from_addr" -p 5201 -t $((50 * FAN_SLOW)) -b 20M
}

setup()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	fan_host h3 10.7.200.1/16 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_up h3 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	fan_container c3 h3 250.200.1.9 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.200.1.9
}
subtest "three hosts and containers come up" setup || ktap_exit_fail_msg "setup failed"

# only_fans NAMES HOST...: each HOST's fan devices are NAMES ("" for none).
only_fans()
{
	local want=$1 h got rc=0
	shift
	for h in "$@"; do
		got=$(fan_devs "$h") || { echo "cannot list $h's devices"; return 1; }
		echo "$h fan devices: ${got:-none}"
		[ "$got" = "$want" ] || rc=1
	done
	return $rc
}

# ---- (a) a host namespace goes away under traffic ----------------------

traffic c1 c2 250.9.200.7
flows_a()
{
	fan_flowing h1 tx && fan_flowing h1 rx && fan_flowing h2 rx
}
subtest "c1 <-> c2 traffic flows (ping flood, TCP stream)" flows_a

del_h2()
{
	local mark=fmk$$
	# A veth pair from here into h2 shows when h2 is dismantled (that
	# is asynchronous): its end here goes after the fan's pernet exit.
	mark=${mark:0:15}
	ip link add "$mark" type veth peer name mark0 netns "$(ns h2)" || return 1
	cleanup_add "ip link del $mark 2>/dev/null"
	ip netns del "$(ns h2)" || return 1
	wait_for 15 sh -c "! ip link show $mark > /dev/null 2>&1"
}
subtest "ip netns del h2 under traffic; its namespace is dismantled" del_h2
subtest "no splat after deleting h2" dmesg_check
still_up()
{
	ns_exec h1 ip link show ftun0 | grep -q ',UP' &&
	only_fans ftun0 h1 h3
}
subtest "h1's ftun0 is still up (h1 and h3 keep their fan devices)" still_up
subtest "c1 -> c3 (h1 to h3) still works" ns_exec c1 ping -c3 -i0.2 -W2 250.200.1.9
subtest "TCP c1 -> c3, 1 MB, sha256 matches" tcp_transfer c1 c3 250.200.1.9 1000000
fan_bg_stop

# ---- (b) the module goes away under traffic ----------------------------

traffic c1 c3 250.200.1.9
flows_b()
{
	fan_flowing h1 tx && fan_flowing h1 rx && fan_flowing h3 rx
}
subtest "c1 <-> c3 traffic flows (ping flood, TCP stream)" flows_b

unload()
{
	local n
	fan_unload || return 1
	# In every namespace left (hosts, containers, the switch).
	for n in $(ns_list); do
		only_fans "" "${n#"$NS_PREFIX"-}" > /dev/null ||
			{ echo "fan devices survived in $n: $(fan_devs "${n#"$NS_PREFIX"-}")"; return 1; }
	done
	echo "no fan device in any of $(ns_list | wc -l) namespaces"
}
subtest "rmmod fan under traffic deletes every fan device" unload
fan_bg_stop
subtest "no splat after rmmod" dmesg_check

reload()
{
	insmod "$FAN_KO" &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h3 250.0.0.0/8 16 &&
	ns_exec h1 ip link show ftun0 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.200.1.9 &&
	ns_exec c3 ping -c3 -i0.2 -W2 250.3.4.2
}
subtest "insmod fan, fanctl up on h1 and h3: c1 <-> c3 again" reload
subtest "TCP c3 -> c1, 1 MB, sha256 matches" tcp_transfer c3 c1 250.3.4.2 1000000

fan_finish
