#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Transmit failures below the fan show in its standard counters.  When the
# underlay refuses an IPIP packet the fan handed it (here: an nftables
# rule on h1's OUTPUT drops IP protocol 4), iptunnel_xmit() counts it in
# the device's dev->stats (tx_dropped), which ndo_get_stats64 must add to
# the per-cpu counters and the fan's own drop reasons.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

command -v nft > /dev/null || ktap_exit_fail_msg "no nft (make deps)"

subtest "two hosts with containers" fan_two_hosts || ktap_exit_fail_msg "setup failed"

# reasons HOST: the sum of the fan's tx_* drop reasons on HOST's ftun0.
reasons()
{
	ns_exec "$1" ethtool -S ftun0 | awk '$1 ~ /^tx_/ { s += $2 } END { print s + 0 }'
}

# underlay_drops N: with IPIP dropped on h1's OUTPUT, N pings from c1 go
# nowhere; h1's ftun0 tx_dropped must grow by N more than its own drop
# reasons (which the hosts' IPv6 into ftun0 can raise meanwhile).
underlay_drops()
{
	local n=$1 d0 d1 r0 r1 p0 p1
	ns_exec h1 nft -f - <<-EOF || return 1
		table ip fantest {
			chain out {
				type filter hook output priority 0;
				ip protocol 4 counter drop
			}
		}
	EOF
	d0=$(fan_stat h1 ftun0 tx_dropped)
	p0=$(fan_stat h1 ftun0 tx_packets)
	r0=$(reasons h1)
	ns_exec c1 ping -c"$n" -i0.2 -W1 250.9.200.7 && { echo "ping got through"; return 1; }
	d1=$(fan_stat h1 ftun0 tx_dropped)
	p1=$(fan_stat h1 ftun0 tx_packets)
	r1=$(reasons h1)
	ns_exec h1 nft list table ip fantest | grep counter
	ns_exec h1 nft delete table ip fantest
	echo "h1 ftun0 tx_dropped $d0 -> $d1, tx_packets $p0 -> $p1, fan tx reasons $r0 -> $r1"
	[ $((d1 - d0 - (r1 - r0))) -eq "$n" ] && [ "$p1" = "$p0" ]
}
subtest "IPIP the underlay refuses shows in ftun0's tx_dropped" underlay_drops 3

# Positive control: without the rule the same pings get through and
# tx_dropped moves only with the fan's own reasons.
clean()
{
	local d0 d1 r0 r1
	d0=$(fan_stat h1 ftun0 tx_dropped)
	r0=$(reasons h1)
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 || return 1
	d1=$(fan_stat h1 ftun0 tx_dropped)
	r1=$(reasons h1)
	echo "h1 ftun0 tx_dropped $d0 -> $d1, fan tx reasons $r0 -> $r1"
	[ $((d1 - d0)) -eq $((r1 - r0)) ]
}
subtest "without the rule: delivered, no tx_dropped beyond the fan's reasons" clean

fan_finish
