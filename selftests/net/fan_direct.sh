#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Direct maps: the container's packet goes to the owning host unchanged,
# with that host as its next hop on the underlay device.  Ping and TCP both
# ways, plain TCP on the wire, GSO packets handed whole to the underlay
# device (FAN_UNDERLAY=ib: ipoib_emu's tx_gso_packets), the sender's
# source check (tx_forged), the plain-packet bypass of IPIP maps closed
# (rx_plain), a mixed direct/IPIP pair, the configuration refused where
# the underlay is not flat (extack), the MTU, hostile plain packets, and
# deleting the underlay and a namespace under traffic.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

MAP="250.0.0.0/8 10.7.0.0/16"

nl()	# HOST ARGS...: fan_nl.py in HOST
{
	local h=$1
	shift
	ns_exec "$h" python3 "$FAN_NL" "$@"
}

# set_mode HOST MODE: HOST's ftun0 map becomes MODE (ipip or direct).
set_mode()
{
	# shellcheck disable=SC2086 # MAP is two words
	nl "$1" change ftun0 maps $MAP mode "$2" > /dev/null
}

setup()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
}
subtest "two IPIP fan hosts with containers" setup || ktap_exit_fail_msg "setup failed"

# --- IPIP maps: a plain packet with an overlay source is refused -----------

# h2 (root on an underlay host) routes c1's address via h1's underlay
# address instead of through its fan: plain packets from 250.9.200.1 (its
# own bridge address, a source the receive check would accept in IPIP).
plain_setup()
{
	ns_ip h2 route add 250.3.4.2/32 via 10.7.3.4 dev ul0 &&
	ns_ip h2 route add 250.3.4.255/32 via 10.7.3.4 dev ul0
}
subtest "h2 routes 250.3.4.2 plainly via h1's underlay address" plain_setup

plain_refused()
{
	fan_counted h1 rx_plain 3 ns_exec h2 ping -c3 -i0.2 -W1 -I 250.9.200.1 250.3.4.2 &&
	! sniff c1 icmp "$FAN_TMP/c1" ns_exec h2 ping -c2 -i0.3 -W1 -I 250.9.200.1 250.3.4.2
}
subtest "IPIP map: plain packets from the underlay are dropped (rx_plain +3), c1 sees none" \
	plain_refused

plain_strict_off()
{
	local rc
	nl h1 change ftun0 strict 0 || return 1
	fan_counted_ok h1 rx_plain 0 ns_exec h2 ping -c3 -i0.2 -W2 -I 250.9.200.1 250.3.4.2
	rc=$?
	nl h1 change ftun0 strict 1 || return 1
	return $rc
}
subtest "control: with strict off the same packets arrive (ping answered, rx_plain +0)" \
	plain_strict_off

plain_direct()
{
	local rc
	# (c1's answers go back plain too, which h2, IPIP, refuses: only
	# their arrival at c1 is the point here.)
	set_mode h1 direct || return 1
	fan_counted h1 rx_plain 0 sniff c1 icmp "$FAN_TMP/c1d" \
		ns_exec h2 ping -c2 -i0.3 -W1 -I 250.9.200.1 250.3.4.2
	rc=$?
	[ "$COUNTED_RC" = 0 ] && grep -q '^250.9.200.1 > 250.3.4.2' "$FAN_TMP/c1d" || rc=1
	cat "$FAN_TMP/c1d"
	set_mode h1 ipip || return 1
	return $rc
}
subtest "control: with h1's map direct the same packets reach c1 (rx_plain +0)" plain_direct

# A fan that is down is not there (as for its IPIP receive): h1 routes the
# plain packets as any others (make bench's routed case relies on it).
# Only their arrival at c1 is the point: the answers have no route.
plain_fan_down()
{
	local rc routes
	routes=$(ns_ip h1 route show dev ftun0) || return 1
	ns_ip h1 link set ftun0 down || return 1
	fan_counted h1 rx_plain 0 sniff c1 icmp "$FAN_TMP/c1down" \
		ns_exec h2 ping -c2 -i0.3 -W1 -I 250.9.200.1 250.3.4.2
	rc=$?
	[ "$COUNTED_RC" = 0 ] && grep -q '^250.9.200.1 > 250.3.4.2' "$FAN_TMP/c1down" || rc=1
	cat "$FAN_TMP/c1down"
	ns_ip h1 link set ftun0 up || return 1
	# Its routes went down with it.
	while read -r r; do
		# shellcheck disable=SC2086 # a route is words
		ns_ip h1 route replace $r dev ftun0 || return 1
	done <<< "$routes"
	return $rc
}
subtest "h1's ftun0 down: the same packets reach c1 (rx_plain +0)" plain_fan_down

subtest "h2 drops its plain route to c1" ns_ip h2 route del 250.3.4.2/32

subtest "IPIP traffic c1 <-> c2 is untouched (rx_plain +0)" \
	fan_counted_ok h1 rx_plain 0 sh -c "ip netns exec $(ns c1) ping -c2 -i0.2 -W2 250.9.200.7 &&
					ip netns exec $(ns c2) ping -c2 -i0.2 -W2 250.3.4.2"

# --- both hosts direct ------------------------------------------------------

both_direct()
{
	local ul
	set_mode h1 direct && set_mode h2 direct || return 1
	nl h1 get ftun0 | grep -x "map 250.0.0.0/8 10.7.0.0/16 mode direct" || return 1
	ul=$(ns_exec h1 cat /sys/class/net/ul0/mtu)
	echo "h1 ul0 mtu $ul, ftun0 mtu $(ns_exec h1 cat /sys/class/net/ftun0/mtu)"
	[ "$(ns_exec h1 cat /sys/class/net/ftun0/mtu)" = "$ul" ] &&
	[ "$(ns_exec h2 cat /sys/class/net/ftun0/mtu)" = "$ul" ]
}
subtest "maps direct (dumped as such), ftun0 MTU = ul0 MTU" both_direct

subtest "direct: ping c1 -> c2" wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
subtest "direct: ping c2 -> c1" ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2
subtest "direct: host h1 -> c2 (source: the bridge address)" \
	ns_exec h1 ping -c2 -i0.2 -W2 250.9.200.7

# The largest unfragmented packet c1's eth0 (1500) and the underlay allow:
# no 20 bytes lost to a header.
# The hosts' slice bridges were made for IPIP (underlay - 20): on veth
# (underlay 1500) h2's bridge, not the direct path, is then the limit.
PING_MAX=$(( $(ns_exec h1 cat /sys/class/net/ul0/mtu) - 28 ))
[ "$PING_MAX" -gt 1472 ] && PING_MAX=1472
br_max=$(( $(ns_exec h2 cat /sys/class/net/fan-250-9-200/mtu) - 28 ))
[ "$PING_MAX" -gt "$br_max" ] && PING_MAX=$br_max
subtest "direct: DF ping of $PING_MAX bytes c1 -> c2" \
	ns_exec c1 ping -c2 -i0.2 -W2 -Mdo -s "$PING_MAX" 250.9.200.7

tcp_direct()
{
	local tx0 rx0 tx1 rx1
	tx0=$(fan_stat h1 ftun0 tx_bytes)
	rx0=$(fan_stat h2 ftun0 rx_bytes)
	tcp_transfer c1 c2 250.9.200.7 4000000 || return 1
	tx1=$(fan_stat h1 ftun0 tx_bytes)
	rx1=$(fan_stat h2 ftun0 rx_bytes)
	echo "h1 ftun0 tx_bytes +$((tx1 - tx0)), h2 ftun0 rx_bytes +$((rx1 - rx0))"
	[ $((tx1 - tx0)) -gt 4000000 ] && [ $((rx1 - rx0)) -gt 4000000 ]
}
subtest "direct: TCP c1 -> c2, 4 MB, sha256 matches, through both fans" tcp_direct
subtest "direct: TCP c2 -> c1, 4 MB, sha256 matches" tcp_transfer c2 c1 250.3.4.2 4000000

on_the_wire()
{
	# What arrives on h2's ul0: c1's TCP itself, not IPIP.
	sniff -i ul0 h2 tcp "$FAN_TMP/wire" tcp_transfer c1 c2 250.9.200.7 200000 || return 1
	head -3 "$FAN_TMP/wire"
	grep -q '^250.3.4.2 > 250.9.200.7 proto 6$' "$FAN_TMP/wire" || return 1
	# and no IPIP at all
	! sniff -i ul0 h2 ipip "$FAN_TMP/ipip" ns_exec c1 ping -c3 -i0.2 -W1 250.9.200.7
}
subtest "underlay carries plain TCP 250.3.4.2 > 250.9.200.7, no IPIP" on_the_wire

gso_whole()
{
	local g0 g1
	if [ "$FAN_UNDERLAY" != ib ]; then
		echo "veth counts no GSO packets; FAN_UNDERLAY=ib checks this"
		return "$KSFT_SKIP"
	fi
	g0=$(fan_counter h1 ul0 tx_gso_packets)
	tcp_transfer c1 c2 250.9.200.7 2000000 || return 1
	g1=$(fan_counter h1 ul0 tx_gso_packets)
	echo "h1 ul0 tx_gso_packets: $g0 -> $g1 (direct)"
	[ $((g1 - g0)) -gt 0 ] || return 1
	# Control: IPIP leaves ul0 segmented (no IPIP TSO on IPoIB).
	set_mode h1 ipip && set_mode h2 ipip || return 1
	g0=$(fan_counter h1 ul0 tx_gso_packets)
	tcp_transfer c1 c2 250.9.200.7 2000000 || return 1
	g1=$(fan_counter h1 ul0 tx_gso_packets)
	echo "h1 ul0 tx_gso_packets: $g0 -> $g1 (ipip)"
	set_mode h1 direct && set_mode h2 direct || return 1
	[ "$g1" = "$g0" ]
}
subtest "GSO packets reach ul0 whole in direct mode (and not in IPIP)" gso_whole

# --- the sender's source check ----------------------------------------------

forged_setup()
{
	# c1 takes an address of h2's slice; h1 must not let it out.  The
	# bridge side does no reverse-path check, so the fan is what stops it.
	ns_exec h1 sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.fan-250-3-4.rp_filter=0 &&
	ns_ip c1 addr add 250.9.200.99/32 dev eth0
}
subtest "c1 gets a second address, 250.9.200.99 (h2's slice)" forged_setup

subtest "direct: c1 sourcing 250.9.200.99 is dropped on h1 (tx_forged +3)" \
	fan_counted h1 tx_forged 3 sh -c "! ip netns exec $(ns c1) ping -c3 -i0.2 -W1 -I 250.9.200.99 250.9.200.7"
subtest "control: c1's own 250.3.4.2 passes (tx_forged +0)" \
	fan_counted_ok h1 tx_forged 0 ns_exec c1 ping -c3 -i0.2 -W2 -I 250.3.4.2 250.9.200.7

host_src()
{
	# (c2's answer to 10.7.3.4 leaves h2 masqueraded: only its arrival
	# at c2 is the point.)
	fan_counted h1 tx_forged 0 sniff c2 icmp "$FAN_TMP/c2h" \
		ns_exec h1 ping -c2 -i0.3 -W1 -I 10.7.3.4 250.9.200.7 || return 1
	cat "$FAN_TMP/c2h"
	[ "$COUNTED_RC" = 0 ] && grep -q '^10.7.3.4 > 250.9.200.7' "$FAN_TMP/c2h"
}
subtest "control: h1's own address 10.7.3.4 as source passes (tx_forged +0)" host_src

forged_ipip()
{
	local rc
	# In IPIP mode the receiver checks instead: h2 counts rx_spoofed.
	set_mode h1 ipip && set_mode h2 ipip || return 1
	fan_counted h2 rx_spoofed 2 sh -c "! ip netns exec $(ns c1) ping -c2 -i0.2 -W1 -I 250.9.200.99 250.9.200.7"
	rc=$?
	set_mode h1 direct && set_mode h2 direct || return 1
	return $rc
}
subtest "control: the same packets in IPIP are refused by h2 (rx_spoofed +2)" forged_ipip

# --- hostile plain packets at a direct host --------------------------------

subtest "direct: plain packet to h1's slice broadcast is dropped (rx_bad_dst +2)" \
	fan_counted h1 rx_bad_dst 2 sh -c "! ip netns exec $(ns h2) ping -c2 -i0.2 -W1 -I 250.9.200.1 250.3.4.255"

no_relay()
{
	# h2 hands h1 a plain packet for a third host's container: h1 would
	# forward it into its fan, whose source check stops it (no relaying
	# that would launder h2's packets as h1's).
	ns_ip h2 route add 250.200.1.9/32 via 10.7.3.4 dev ul0 &&
	fan_counted h1 tx_forged 2 ns_exec h2 ping -c2 -i0.2 -W1 -I 250.9.200.1 250.200.1.9
	COUNTED_RC=$?
	ns_ip h2 route del 250.200.1.9/32
	return $COUNTED_RC
}
subtest "direct: h1 does not relay h2's plain packet to a third host (tx_forged +2)" no_relay

not_on_link()
{
	# No host 10.7.200.1 on the link: the neighbour never resolves, and
	# that is not tx_no_route ...
	fan_counted h1 tx_no_route 0 ns_exec c1 ping -c2 -i0.2 -W1 250.200.1.9 || return 1
	[ "$COUNTED_RC" != 0 ] || return 1
	# ... but a route to it through a gateway is.
	ns_ip h1 route add 10.7.200.1/32 via 10.7.9.200 dev ul0 &&
	fan_counted h1 tx_no_route 2 ns_exec c1 ping -c2 -i0.2 -W1 250.200.1.9
	COUNTED_RC=$?
	ns_ip h1 route del 10.7.200.1/32
	return $COUNTED_RC
}
subtest "direct: host routed via a gateway, not on-link -> tx_no_route +2 (control: on-link +0)" \
	not_on_link

rp_filter_strict()
{
	# rp_filter strict everywhere on h2: the plain packets from c1 come
	# in on ftun0, which is also where the route back to c1 goes.
	ns_exec h2 sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.ul0.rp_filter=1 \
		net.ipv4.conf.ftun0.rp_filter=1 &&
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 &&
	ns_exec h2 sysctl -qw net.ipv4.conf.all.rp_filter=0
}
subtest "direct: strict rp_filter on the receiver passes c1's packets" rp_filter_strict

# --- a mixed pair: h1 direct, h2 IPIP ---------------------------------------

mixed_strict()
{
	set_mode h2 ipip || return 1
	fan_counted h2 rx_plain 3 sh -c "! ip netns exec $(ns c1) ping -c3 -i0.2 -W1 250.9.200.7"
}
subtest "mixed: h2 IPIP (strict) refuses h1's plain packets (rx_plain +3)" mixed_strict

mixed_migrate()
{
	nl h2 change ftun0 strict 0 || return 1
	fan_counted h2 rx_plain 0 ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 &&
	ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2 &&
	tcp_transfer c2 c1 250.3.4.2 1000000 &&
	tcp_transfer c1 c2 250.9.200.7 1000000 || return 1
	# h2 still sends IPIP, which h1 (direct) takes with its strict check.
	sniff h1 ipip "$FAN_TMP/mixed" ns_exec c2 ping -c2 -i0.3 -W1 250.3.4.2
	cat "$FAN_TMP/mixed"
	grep -q '10.7.9.200 > 10.7.3.4: 250.9.200.7 > 250.3.4.2' "$FAN_TMP/mixed"
}
subtest "mixed: with strict off on the IPIP host both ways work (ping, TCP)" mixed_migrate

mixed_spoofed()
{
	# h2 turns hostile: a plain ipip tunnel with any inner source.
	ns_ip h2 link add sp type ipip local 10.7.9.200 remote 10.7.3.4 &&
	ns_ip h2 addr add 250.77.77.5/32 dev sp &&
	ns_ip h2 link set sp up &&
	ns_ip h2 route add 250.3.4.3/32 dev sp src 250.77.77.5 || return 1
	fan_counted h1 rx_spoofed 2 ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.3
}
subtest "mixed: h1 (direct) still checks the IPIP it receives (rx_spoofed +2)" mixed_spoofed

subtest "back to both direct, strict on" \
	sh -c "ip netns exec $(ns h2) python3 $FAN_NL change ftun0 maps $MAP mode direct strict 1 &&
	       ip netns exec $(ns c1) ping -c2 -i0.2 -W2 250.9.200.7"

# --- configuration ----------------------------------------------------------

no_link()
{
	expect_fail "EINVAL: .*direct mode needs an underlay device" \
		nl h1 add ftun9 map 251.0.0.0/8 10.7.0.0/16 mode direct &&
	! ns_ip h1 link show ftun9 2>/dev/null &&
	nl h1 add ftun9 link ul0 map 251.0.0.0/8 10.7.0.0/16 mode direct
}
subtest "direct refused without IFLA_FAN_LINK (extack); control: with link ul0 accepted" no_link

mixed_mtu()
{
	local ul
	ul=$(ns_exec h1 cat /sys/class/net/ul0/mtu)
	[ "$(ns_exec h1 cat /sys/class/net/ftun9/mtu)" = "$ul" ] || return 1
	nl h1 change ftun9 add 252.0.0.0/8 10.7.0.0/16 || return 1
	echo "direct + ipip map: ftun9 mtu $(ns_exec h1 cat /sys/class/net/ftun9/mtu), ul0 $ul"
	[ "$(ns_exec h1 cat /sys/class/net/ftun9/mtu)" = $((ul - 20)) ] || return 1
	nl h1 change ftun9 maps 251.0.0.0/8 10.7.0.0/16 mode direct || return 1
	[ "$(ns_exec h1 cat /sys/class/net/ftun9/mtu)" = "$ul" ]
}
subtest "MTU: all direct = ul0's, one IPIP map too = ul0's - 20, direct again = ul0's" mixed_mtu

not_flat()
{
	expect_fail "EINVAL: .*direct mode needs the underlay prefix on-link" \
		nl h1 change ftun9 maps 251.0.0.0/8 10.8.0.0/16 mode direct &&
	nl h1 get ftun9 | grep -qx "map 251.0.0.0/8 10.7.0.0/16 mode direct" &&
	# An address whose subnet holds only part of the prefix is not enough.
	ns_ip h1 addr add 10.9.1.4/24 dev ul0 &&
	expect_fail "EINVAL: .*on-link" \
		nl h1 add ftun8 link ul0 map 252.0.0.0/8 10.9.0.0/16 mode direct &&
	# control: the prefix that subnet does hold
	nl h1 add ftun8 link ul0 map 252.0.0.0/8 10.9.1.0/24 mode direct &&
	ns_ip h1 link del ftun8
}
subtest "direct refused on an underlay not on-link (extack); control: an on-link prefix" not_flat

subtest "mode out of range (2) refused with an extack message" \
	expect_fail "ERANGE|EINVAL: .+" nl h1 add ftun8 link ul0 map 253.0.0.0/8 10.7.0.0/16 mode 2

subtest "a direct map's mode is changed by replacing the map set; ADD of the same map exists" \
	expect_fail "EEXIST: .*map already exists" nl h1 change ftun9 add 251.0.0.0/8 10.7.0.0/16

ul_mtu()
{
	ns_ip h1 link set ul0 mtu 1400 &&
	[ "$(ns_exec h1 cat /sys/class/net/ftun0/mtu)" = 1400 ] &&
	[ "$(ns_exec h1 cat /sys/class/net/ftun9/mtu)" = 1400 ] &&
	ns_exec c1 ping -c2 -i0.2 -W2 250.9.200.7
}
subtest "ul0 MTU 1400: the direct fans follow (1400)" ul_mtu

# --- teardown under traffic -------------------------------------------------

teardown()
{
	local ms t0
	fan_bg c1 30 ping -f 250.9.200.7
	fan_bg c2 30 ping -f 250.3.4.2
	fan_bg c2 30 sh -c "head -c 100000000 /dev/zero | socat -u - TCP:250.3.4.2:7000,connect-timeout=5"
	fan_bg c1 30 socat -u TCP-LISTEN:7000,reuseaddr OPEN:/dev/null
	sleep 2
	t0=${EPOCHREALTIME//[.,]/}
	ns_exec h1 timeout 30 ip link del ul0 || return 1
	ms=$(( (${EPOCHREALTIME//[.,]/} - t0) / 1000 ))
	echo "ip link del ul0 under traffic took $ms ms"
	! ns_ip h1 link show ftun0 2>/dev/null &&
	! ns_ip h1 link show ftun9 2>/dev/null || return 1
	ip netns del "$(ns c2)" && ip netns del "$(ns h2)" || return 1
	fan_bg_stop
	dmesg_check
}
subtest "delete h1's ul0, then h2's namespace, under traffic" teardown

fan_finish
