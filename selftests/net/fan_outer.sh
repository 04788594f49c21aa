#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The outer header on the wire, captured on the receiving host (not read
# off counters): TTL copied from the inner packet (ttl inherit, the
# default) or set, TOS copied (tos inherit, the default) or set to a
# DSCP, the outer DF always set (pmtudisc, the default, as ipip) or the
# inner DF copied (nopmtudisc, RFC 2003), and ECN encapsulated from the
# inner header (RFC 6040) whatever the TOS setting.  And IPv6 sent into
# the fan device is dropped and counted as tx_not_ipv4.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

nl()	# HOST ARGS...: fan_nl.py in HOST
{
	local h=$1
	shift
	ns_exec "$h" python3 "$FAN_NL" "$@"
}

# outer WANT PING_ARGS...: c1 pings c2 once with PING_ARGS (answered);
# h2 captures the IPIP c1's request arrives in: its outer header ends in
# WANT ("ttl N tos 0xNN df|nodf").
outer()
{
	local want=$1 pid
	shift
	ns_exec h2 python3 "$FAN_TOP/selftests/net/sniff.py" -v ipip 1 10 > "$FAN_TMP/cap" &
	pid=$!
	wait_for 30 grep -q listening "$FAN_TMP/cap" || { kill $pid; return 1; }
	ns_exec c1 ping -c1 -W3 "$@" 250.9.200.7 > /dev/null || { kill $pid; echo "ping failed"; return 1; }
	wait $pid
	cat "$FAN_TMP/cap"
	grep -qx "10.7.3.4 > 10.7.9.200: 250.3.4.2 > 250.9.200.7 $want" "$FAN_TMP/cap"
}

subtest "two hosts with containers, c1 reaches c2" fan_two_hosts ||
	ktap_exit_fail_msg "setup failed"

# c1 sends with TTL 33; h1 forwards it to ftun0 with 32.
subtest "ttl inherit: outer TTL 32 = inner 33 less h1's hop" \
	outer "ttl 32 tos 0x00 df" -t 33 -M dont
subtest "pmtudisc (default): outer DF for an inner DF as for a non-DF" \
	outer "ttl 32 tos 0x00 df" -t 33 -M do
subtest "tos inherit: inner TOS 0x28 (DSCP 10) -> outer 0x28" \
	outer "ttl 32 tos 0x28 df" -t 33 -M dont -Q 0x28
subtest "tos inherit, inner ECT(0) 0x2a -> outer 0x2a" \
	outer "ttl 32 tos 0x2a df" -t 33 -M dont -Q 0x2a

subtest "h1: nopmtudisc" nl h1 change ftun0 pmtudisc 0
subtest "nopmtudisc: inner DF copied, ping -M dont gives no outer DF" \
	outer "ttl 32 tos 0x00 nodf" -t 33 -M dont
subtest "nopmtudisc: inner DF copied, ping -M do gives an outer DF" \
	outer "ttl 32 tos 0x00 df" -t 33 -M do

set_params()
{
	nl h1 change ftun0 ttl 7 tos 32
}
subtest "h1: ttl 7, tos 0x20 (still nopmtudisc)" set_params
subtest "ttl 7: outer TTL 7 whatever the inner TTL" \
	outer "ttl 7 tos 0x20 nodf" -t 33 -M dont
subtest "tos 0x20: outer DSCP 8 for an inner 0x28" \
	outer "ttl 7 tos 0x20 nodf" -t 33 -M dont -Q 0x28
subtest "tos 0x20, inner ECT(1) 0x29: outer 0x21 (ECN from the inner header)" \
	outer "ttl 7 tos 0x21 nodf" -t 33 -M dont -Q 0x29
subtest "tos 0x20, inner ECT(0), DF: outer 0x22 and DF" \
	outer "ttl 7 tos 0x22 df" -t 33 -M do -Q 0x2a

reset_params()
{
	nl h1 change ftun0 ttl 0 tos 1 pmtudisc 1
}
subtest "h1: ttl inherit, tos inherit, pmtudisc again" reset_params
subtest "pmtudisc again: ping -M dont gives an outer DF" \
	outer "ttl 32 tos 0x00 df" -t 33 -M dont

# IPv6 into ftun0: a route into it and a source address on lo.
ipv6_dropped()
{
	local before after out
	ns_ip h1 -6 addr add 2001:db8:1::1/128 dev lo &&
	ns_ip h1 -6 route add 2001:db8:2::/64 dev ftun0 || return 1
	before=$(fan_counter h1 ftun0 tx_not_ipv4)
	out=$(ns_exec h1 ping -6 -c3 -i0.2 -W1 2001:db8:2::1 2>&1)
	echo "$out" | tail -2
	after=$(fan_counter h1 ftun0 tx_not_ipv4)
	echo "h1 tx_not_ipv4 $before -> $after"
	[ "$after" = $((before + 3)) ]
}
subtest "IPv6 into ftun0: 3 pings dropped, tx_not_ipv4 +3" ipv6_dropped
subtest "control: IPv4 c1 -> c2 still answered" ns_exec c1 ping -c1 -W2 250.9.200.7

fan_finish
