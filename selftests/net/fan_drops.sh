#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets the fan must not carry are dropped and counted under the right
# reason, on transmit (no map, not a host, this host) and on receive
# (spoofed inner source, a destination that is not ours to deliver), and
# IPIP that is not the fan's is left alone.  Legitimate traffic keeps
# flowing throughout.

. "$(dirname "$0")/fan_lib.sh"

setup()
{
	fan_two_hosts
}
subtest "two hosts with containers" setup || ktap_exit_fail_msg "setup failed"

# counted HOST COUNTER N CMD...: CMD (expected to fail or lose packets)
# must raise HOST's ftun0 COUNTER by at least N.
counted()
{
	local host=$1 counter=$2 want=$3 before after
	shift 3
	before=$(fan_counter "$host" ftun0 "$counter")
	"$@"
	after=$(fan_counter "$host" ftun0 "$counter")
	echo "$host $counter: $before -> $after"
	[ $((after - before)) -ge "$want" ]
}

no_map()
{
	ns_exec h1 ip route add 10.99.0.0/16 dev ftun0 &&
	counted h1 tx_no_map 3 ns_exec h1 ping -c3 -i0.2 -W1 10.99.1.1
}
subtest "tx: destination in no map -> tx_no_map" no_map

subtest "tx: host part all zeros (250.0.0.9) -> tx_bad_host" \
	counted h1 tx_bad_host 2 ns_exec h1 ping -c2 -i0.2 -W1 250.0.0.9
subtest "tx: host part all ones (250.255.255.9) -> tx_bad_host" \
	counted h1 tx_bad_host 2 ns_exec h1 ping -c2 -i0.2 -W1 250.255.255.9

to_self()
{
	# A more specific route sends part of our own slice into the fan.
	ns_exec h1 ip route add 250.3.4.128/25 dev ftun0 &&
	counted h1 tx_to_self 2 ns_exec h1 ping -c2 -i0.2 -W1 250.3.4.130
}
subtest "tx: destination on this host -> tx_to_self" to_self

# h2 turns hostile: a plain ipip tunnel to h1 lets it send IPIP with any
# inner addresses (its outer source 10.7.9.200 is a genuine fan host).
spoof_setup()
{
	ns_exec h2 ip link add sp type ipip local 10.7.9.200 remote 10.7.3.4 &&
	ns_exec h2 ip addr add 250.77.77.5/32 dev sp &&
	ns_exec h2 ip link set sp up &&
	ns_exec h2 ip route add 250.3.4.2/32 dev sp src 250.77.77.5 &&
	ns_exec h2 ip route add 250.3.4.255/32 dev sp src 250.9.200.1 &&
	ns_exec h2 ip route add 250.200.1.9/32 dev sp src 250.9.200.1
}
subtest "h2 gets a raw ipip tunnel to h1" spoof_setup

spoofed()
{
	counted h1 rx_spoofed 3 ns_exec h2 ping -c3 -i0.2 -W1 250.3.4.2 &&
	# and c1 saw none of them
	! sniff c1 icmp "$FAN_TMP/c1" ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.2
}
subtest "rx: inner source outside the sender's slice -> rx_spoofed, not delivered" spoofed

subtest "rx: slice broadcast 250.3.4.255 -> rx_bad_dst" \
	counted h1 rx_bad_dst 2 ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.255
subtest "rx: another host's container (no relaying) -> rx_bad_dst" \
	counted h1 rx_bad_dst 2 ns_exec h2 ping -c2 -i0.2 -W1 250.200.1.9

strict_off()
{
	local rc
	ns_exec h1 python3 "$FAN_NL" change ftun0 strict 0 || return 1
	# Without strict checking the spoofed packet reaches c1 ...
	sniff c1 icmp "$FAN_TMP/c1" ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.2
	rc=$?
	cat "$FAN_TMP/c1"
	ns_exec h1 python3 "$FAN_NL" change ftun0 strict 1 || return 1
	[ $rc -eq 0 ] && grep -q '250.77.77.5 > 250.3.4.2' "$FAN_TMP/c1"
}
subtest "strict off: the same packet is delivered (the check is what stops it)" strict_off

foreign()
{
	local before after
	# IPIP from outside every map's underlay is not the fan's.
	ns_exec h2 ip addr add 10.99.0.1/32 dev ul0 &&
	ns_exec h1 ip route add 10.99.0.1/32 dev ul0 &&
	ns_exec h2 ip link add fo type ipip local 10.99.0.1 remote 10.7.3.4 &&
	ns_exec h2 ip link set fo up &&
	ns_exec h2 ip route add 250.3.4.99/32 dev fo src 250.9.200.1 || return 1
	before=$(ns_exec h1 ethtool -S ftun0 | awk '{ s += $2 } END { print s }')
	# It does reach h1 ...
	sniff h1 ipip "$FAN_TMP/fo" ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.99
	cat "$FAN_TMP/fo"
	grep -q '^10.99.0.1 > 10.7.3.4: 250.9.200.1 > 250.3.4.99' "$FAN_TMP/fo" || return 1
	# ... and the fan neither takes nor counts it.
	after=$(ns_exec h1 ethtool -S ftun0 | awk '{ s += $2 } END { print s }')
	echo "sum of fan counters on h1: $before -> $after"
	[ "$before" = "$after" ]
}
subtest "IPIP from outside the underlay is left alone (no fan counter moves)" foreign

subtest "legitimate traffic still flows both ways" \
	sh -c "ip netns exec $(ns c2) ping -c3 -i0.2 -W2 250.3.4.2 &&
	       ip netns exec $(ns c1) ping -c3 -i0.2 -W2 250.9.200.7"

stats64()
{
	local d
	d=$(fan_stat h1 ftun0 rx_dropped)
	echo "h1 ftun0 rx_dropped=$d"
	[ "$d" -ge 7 ]
}
subtest "receive drops also show in the standard rx_dropped" stats64

# The kernel (ethtool strings), fanctl and fan_nl.py each name the uAPI's
# counters: the three must agree, name for name and value for value.
same_counters()
{
	local e j x
	e=$(ns_exec h1 ethtool -S ftun0 | awk 'NR > 1 { sub(":$", "", $1); print $1, $2 }' | sort)
	j=$(ns_exec h1 "$FANCTL" show --json | jq -r '.devices[] | select(.name == "ftun0") |
		.drops | to_entries[] | "\(.key) \(.value)"' | sort)
	x=$(ns_exec h1 python3 "$FAN_NL" get ftun0 | grep -E '^(rx|tx)_' | sort)
	echo "ethtool -S ftun0: $(echo "$e" | grep -cv ' 0$') of $(echo "$e" | wc -l) counters non-zero"
	[ "$(echo "$e" | wc -l)" -ge 13 ] && [ "$(echo "$e" | grep -cv ' 0$')" -ge 3 ] ||
		{ echo "$e"; return 1; }
	[ "$e" = "$j" ] || { echo "fanctl show --json differs:"; diff <(echo "$e") <(echo "$j"); return 1; }
	[ "$e" = "$x" ] || { echo "IFLA_INFO_XSTATS differs:"; diff <(echo "$e") <(echo "$x"); return 1; }
}
subtest "ethtool -S, fanctl show --json and IFLA_INFO_XSTATS agree on every counter" same_counters

fan_finish
