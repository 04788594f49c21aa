#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The outer source of a fan packet is the underlay address of the host
# that owns the inner source's slice, whatever source the underlay route
# prefers.  A host whose route to the underlay carries a "src" hint (an
# address of another host's slice, or one outside every map) still sends
# from its own host address, checked on the wire, and its strict peer
# accepts the packets; the same packets with the hinted source (sent by
# hand through a plain ipip tunnel) are what the peer drops as rx_spoofed.
# Direct maps check their sender's source against the same address.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

MAP="250.0.0.0/8 10.7.0.0/16"

# outer_src_is SRC: c1 pings c2 three times, all answered, while h2
# captures the IPIP arriving: every packet's outer source is SRC, inner
# 250.3.4.2 > 250.9.200.7, and h2 counts no rx_spoofed.
outer_src_is()
{
	local want=$1
	SNIFF_COUNT=3 fan_counted h2 rx_spoofed 0 sniff h2 ipip "$FAN_TMP/cap" \
		ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 || return 1
	cat "$FAN_TMP/cap"
	[ "$SNIFF_RC" = 0 ] || { echo "c1 -> c2 ping failed"; return 1; }
	[ "$COUNTED_RC" = 0 ] || { echo "h2 captured fewer than 3 IPIP packets"; return 1; }
	grep -qx "$want > 10.7.9.200: 250.3.4.2 > 250.9.200.7" "$FAN_TMP/cap" &&
	! grep -v listening "$FAN_TMP/cap" | grep -qv "^$want > "
}

# route_src HOST SRC: HOST's route to 10.7.9.200 prefers source SRC.
route_src()
{
	local r
	r=$(ns_ip "$1" route get 10.7.9.200) || return 1
	echo "$1: $r"
	[[ "$r" == *" src $2 "* ]]
}

setup()
{
	fan_two_hosts
}
subtest "two hosts with containers, c1 reaches c2" setup || ktap_exit_fail_msg "setup failed"

subtest "no hint: outer source 10.7.3.4 (h1), c1 -> c2 answered" outer_src_is 10.7.3.4

# h1 holds 10.7.50.50, an address of the slice 250.50.50.0/24 that is not
# its own, and the underlay route prefers it.
hint_in_map()
{
	ns_ip h1 addr add 10.7.50.50/32 dev ul0 &&
	ns_ip h1 route replace 10.7.0.0/16 dev ul0 proto kernel scope link src 10.7.50.50 &&
	route_src h1 10.7.50.50
}
subtest "h1: the underlay route prefers 10.7.50.50 (another slice's host)" hint_in_map

subtest "hint 10.7.50.50: outer source still 10.7.3.4, h2 accepts (rx_spoofed +0)" \
	outer_src_is 10.7.3.4

# What h1 would send if it took the route's source: IPIP from 10.7.50.50
# carrying h1's 250.3.4.1, by hand through a plain ipip tunnel.  h2 drops
# every one as spoofed: the control that the check above can fail.
hinted_spoofed()
{
	local rc
	ns_ip h1 link add sp type ipip local 10.7.50.50 remote 10.7.9.200 &&
	ns_ip h1 link set sp up &&
	ns_ip h1 route add 250.9.200.7/32 dev sp src 250.3.4.1 || return 1
	fan_counted h2 rx_spoofed 3 ns_exec h1 ping -c3 -i0.2 -W1 -I 250.3.4.1 250.9.200.7
	rc=$?
	ns_ip h1 link del sp
	[ "$rc" = 0 ] && [ "$COUNTED_RC" != 0 ]
}
subtest "control: the same traffic from 10.7.50.50 is dropped by h2 (rx_spoofed +3)" \
	hinted_spoofed

# An inner source in another host's slice (c1 takes 250.9.200.99, h2's):
# h1 does not hold that slice's host address, so the route chooses the
# outer source (the hinted 10.7.50.50), and h2 refuses the packets.
foreign_src()
{
	ns_exec h1 sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.fan-250-3-4.rp_filter=0 &&
	ns_ip c1 addr add 250.9.200.99/32 dev eth0 || return 1
	fan_counted h2 rx_spoofed 2 sniff h2 ipip "$FAN_TMP/cap" \
		ns_exec c1 ping -c2 -i0.2 -W1 -I 250.9.200.99 250.9.200.7 || return 1
	cat "$FAN_TMP/cap"
	grep -qx "10.7.50.50 > 10.7.9.200: 250.9.200.99 > 250.9.200.7" "$FAN_TMP/cap"
}
subtest "inner source of h2's slice: the route's source, h2 drops it (rx_spoofed +2)" \
	foreign_src

# A hint outside every map: an address on lo.
hint_outside()
{
	ns_ip h1 addr add 192.0.2.1/32 dev lo &&
	ns_ip h1 route replace 10.7.0.0/16 dev ul0 proto kernel scope link src 192.0.2.1 &&
	route_src h1 192.0.2.1
}
subtest "h1: the underlay route prefers 192.0.2.1 (in no map)" hint_outside
subtest "hint 192.0.2.1: outer source still 10.7.3.4, h2 accepts (rx_spoofed +0)" \
	outer_src_is 10.7.3.4

# Direct maps: the sender's own check takes the same address, so the
# hinted source does not make h1 drop its own container's packets.
direct_hint()
{
	local rc
	# shellcheck disable=SC2086 # MAP is two words
	ns_exec h1 python3 "$FAN_NL" change ftun0 maps $MAP mode direct > /dev/null &&
	ns_exec h2 python3 "$FAN_NL" change ftun0 maps $MAP mode direct > /dev/null || return 1
	fan_counted h1 tx_forged 0 ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7
	rc=$?
	[ "$rc" = 0 ] && [ "$COUNTED_RC" = 0 ] || return 1
	fan_counted h1 tx_forged 2 ns_exec c1 ping -c2 -i0.2 -W1 -I 250.9.200.99 250.9.200.7
	rc=$?
	[ "$rc" = 0 ] && [ "$COUNTED_RC" != 0 ]
}
subtest "direct, hint 192.0.2.1: c1 -> c2 passes (tx_forged +0), 250.9.200.99 does not (+2)" \
	direct_hint

fan_finish
