#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three fan hosts on one underlay, a container on each: ping and TCP in
# both directions, host to remote container, and the counters that say
# the packets really went through the fan device.

. "$(dirname "$0")/fan_lib.sh"

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
	fan_container c3 h3 250.200.1.9
}

subtest "three hosts and containers come up" setup || ktap_exit_fail_msg "setup failed"

# The underlay's MTU less the 20-byte outer header: 1480 on veth, 2024 on
# datagram-mode IPoIB.
check_bridge()
{
	local want=$(( $(ns_exec h1 cat /sys/class/net/ul0/mtu) - 20 ))

	ns_exec h1 ip -4 -o addr show dev fan-250-3-4 | grep -q 'inet 250.3.4.1/24' &&
	ns_exec h1 ip route show 250.0.0.0/8 | grep -q 'dev ftun0' &&
	[ "$(ns_exec h1 cat /sys/class/net/ftun0/mtu)" = "$want" ] &&
	[ "$(ns_exec h1 cat /sys/class/net/fan-250-3-4/mtu)" = "$want" ] ||
		{ echo "ftun0 mtu $(ns_exec h1 cat /sys/class/net/ftun0/mtu), want $want"; false; }
}
subtest "h1: bridge 250.3.4.1/24, route via ftun0, MTU = underlay - 20" check_bridge

subtest "ping c1 -> c2 (250.3.4.2 -> 250.9.200.7)" \
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
subtest "ping c2 -> c1" ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2
subtest "ping c1 -> c3 and c3 -> c2" \
	sh -c "ip netns exec $(ns c1) ping -c2 -i0.2 -W2 250.200.1.9 &&
	       ip netns exec $(ns c3) ping -c2 -i0.2 -W2 250.9.200.7"
subtest "host h1 -> container c2 (source is the bridge address)" \
	ns_exec h1 ping -c2 -i0.2 -W2 250.9.200.7

inner_src_is_slice()
{
	# c2 must see h1's traffic from 250.3.4.1, not from the underlay.
	sniff c2 icmp "$FAN_TMP/td" ns_exec h1 ping -c2 -i0.3 -W1 250.9.200.7
	grep -q '250.3.4.1 > 250.9.200.7' "$FAN_TMP/td"
}
subtest "h1's packets reach c2 from 250.3.4.1" inner_src_is_slice

subtest "TCP c1 -> c2, 4 MB, sha256 matches" tcp_transfer c1 c2 250.9.200.7 4000000
subtest "TCP c2 -> c1, 4 MB, sha256 matches" tcp_transfer c2 c1 250.3.4.2 4000000
subtest "TCP c3 -> c1, 1 MB, sha256 matches" tcp_transfer c3 c1 250.3.4.2 1000000

on_the_wire()
{
	# The underlay carries IPIP between the hosts' underlay addresses.
	sniff h2 ipip "$FAN_TMP/wire" ns_exec c1 ping -c2 -i0.3 -W1 250.9.200.7
	cat "$FAN_TMP/wire"
	grep -q '10.7.3.4 > 10.7.9.200: 250.3.4.2 > 250.9.200.7' "$FAN_TMP/wire"
}
subtest "underlay carries IPIP 10.7.3.4 -> 10.7.9.200" on_the_wire

counters()
{
	local tx rx
	# c1 -> c2 alone moved 4 MB through h1's and h2's fan devices.
	tx=$(fan_stat h1 ftun0 tx_bytes)
	rx=$(fan_stat h2 ftun0 rx_bytes)
	echo "h1 ftun0 tx_bytes=$tx h2 ftun0 rx_bytes=$rx"
	[ "$tx" -gt 4000000 ] && [ "$rx" -gt 4000000 ]
}
subtest "fan device counters count the traffic" counters

fan_finish
