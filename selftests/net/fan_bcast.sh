#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No broadcasts in or out of the fan.  The hosts' underlay subnet is a /24
# (10.7.3.0/24) inside the map's /16, so its broadcast 10.7.3.255 is a
# valid fan host address (host part 3.255) owning 250.3.255.0/24:
#
#   - transmit: c1 pinging 250.3.255.7 would go in IPIP to 10.7.3.255, a
#     directed broadcast every host of the subnet takes.  Only a unicast
#     underlay route is used: dropped and counted as tx_no_route, and
#     nothing reaches h2.
#   - receive: IPIP from h2 to 10.7.3.255 (or to 255.255.255.255) with an
#     inner destination in the slice of 10.7.3.255 passes the slice checks
#     on every host; it is not addressed to this host: rx_bad_dst on h1,
#     not received.
#
# Positive controls: the same packets to a unicast host address go
# through.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

setup()
{
	fan_host h1 10.7.3.4/24 &&
	fan_host h2 10.7.3.9/24 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.3.9.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.3.9.7
}
subtest "two hosts on a /24 of the /16 map, containers" setup ||
	ktap_exit_fail_msg "setup failed"

# tx_to DST: c1 pings DST; prints
# h1's tx_no_route and h2's rx_packets growth.
tx_to()
{
	local n0 n1 r0 r1
	n0=$(fan_counter h1 ftun0 tx_no_route)
	r0=$(fan_stat h2 ftun0 rx_packets)
	ns_exec c1 ping -c3 -i0.2 -W1 "$1"
	n1=$(fan_counter h1 ftun0 tx_no_route)
	r1=$(fan_stat h2 ftun0 rx_packets)
	TX_NO_ROUTE=$((n1 - n0))
	RX_H2=$((r1 - r0))
	echo "c1 -> $1: h1 tx_no_route +$TX_NO_ROUTE, h2 ftun0 rx_packets +$RX_H2"
}

tx_broadcast()
{
	tx_to 250.3.255.7
	[ "$TX_NO_ROUTE" -eq 3 ] && [ "$RX_H2" -eq 0 ]
}
subtest "tx: a host address that is the underlay's broadcast -> tx_no_route, not sent" tx_broadcast

tx_unicast()
{
	tx_to 250.3.9.7
	[ "$TX_NO_ROUTE" -eq 0 ] && [ "$RX_H2" -ge 3 ]
}
subtest "tx: the same to a unicast host is sent (positive control)" tx_unicast

# h2 gets raw ipip tunnels: to the subnet broadcast, the limited
# broadcast and (the control) h1, each with a route for one inner
# destination in the slice its outer destination owns.
raw_setup()
{
	ns_ip h2 -batch - <<-EOF
		link add bc type ipip local 10.7.3.9 remote 10.7.3.255
		link add lb type ipip local 10.7.3.9 remote 255.255.255.255
		link add uc type ipip local 10.7.3.9 remote 10.7.3.4
		link set bc up
		link set lb up
		link set uc up
		route add 250.3.255.7/32 dev bc src 250.3.9.1
		route add 250.255.255.7/32 dev lb src 250.3.9.1
		route add 250.3.4.2/32 dev uc src 250.3.9.1
	EOF
}
subtest "h2 gets raw ipip tunnels to broadcast addresses and to h1" raw_setup

# rx_from DST: h2 pings DST through its raw tunnel; h1's rx_bad_dst and
# ftun0 rx_packets growth.
rx_from()
{
	local b0 b1 p0 p1
	b0=$(fan_counter h1 ftun0 rx_bad_dst)
	p0=$(fan_stat h1 ftun0 rx_packets)
	ns_exec h2 ping -c3 -i0.2 -W1 "$1"
	b1=$(fan_counter h1 ftun0 rx_bad_dst)
	p1=$(fan_stat h1 ftun0 rx_packets)
	BAD=$((b1 - b0))
	RX=$((p1 - p0))
	echo "h2 -> $1: h1 rx_bad_dst +$BAD, ftun0 rx_packets +$RX"
}

rx_subnet()
{
	rx_from 250.3.255.7
	[ "$BAD" -eq 3 ] && [ "$RX" -eq 0 ]
}
subtest "rx: IPIP to the subnet broadcast -> rx_bad_dst, not received" rx_subnet

rx_limited()
{
	rx_from 250.255.255.7
	[ "$BAD" -eq 3 ] && [ "$RX" -eq 0 ]
}
subtest "rx: IPIP to 255.255.255.255 -> rx_bad_dst, not received" rx_limited

rx_unicast()
{
	rx_from 250.3.4.2
	[ "$BAD" -eq 0 ] && [ "$RX" -eq 3 ]
}
subtest "rx: the same to h1's own address is received (positive control)" rx_unicast

fan_finish
