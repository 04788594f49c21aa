#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets the fan must not carry are dropped and counted under the right
# reason, on transmit (no map, not a host, this host) and on receive
# (spoofed inner source, a destination that is not ours to deliver), and
# IPIP that is not the fan's is left alone.  Legitimate traffic keeps
# flowing throughout.  Each drop raises its reason's counter and the
# standard tx_dropped or rx_dropped by exactly the packets sent, and no
# other counter; a packet that must not be delivered is checked with one
# that must, in the same capture.

. "$(dirname "$0")/fan_lib.sh"

setup()
{
	fan_two_hosts
}
subtest "two hosts with containers" setup || ktap_exit_fail_msg "setup failed"

# The fan's drop reasons (the uAPI's, in its order).
REASONS=(tx_no_map tx_bad_host tx_to_self tx_no_route tx_not_ipv4 tx_frag_needed
	rx_spoofed rx_malformed rx_bad_dst rx_ecn rx_policy tx_forged rx_plain
	err_not_relayed)

# drops HOST: "name value" for each drop counter of HOST's ftun0: every
# reason (ethtool -S), then the standard tx_dropped and rx_dropped as
# std_tx_dropped and std_rx_dropped.  One exec.
drops()
{
	ns_exec "$1" sh -c 'ethtool -S ftun0 &&
		cd /sys/class/net/ftun0/statistics && grep -H . tx_dropped rx_dropped' |
	awk -F: 'NR > 1 {
		gsub(/[ \t]/, "")
		print ($1 ~ /_dropped$/ ? "std_" $1 : $1), $2
	}'
}

# counted HOST COUNTER N CMD...: CMD (expected to fail or lose packets)
# must raise HOST's ftun0 COUNTER by exactly N, and the standard
# tx_dropped or rx_dropped (COUNTER's direction) by N; every other drop
# counter must stay.  COUNTER "-" (N 0): no drop counter may move.  The
# expected increments of h1 are kept in $FAN_TMP/tally (same_counters).
# CMD's exit code is left in COUNTED_RC (counted_ok checks it).
counted()
{
	local host=$1 counter=$2 want=$3 before after
	shift 3
	[ "$host" != h1 ] || echo "$counter $want" >> "$FAN_TMP/tally"
	before=$(drops "$host")
	"$@"
	COUNTED_RC=$?
	after=$(drops "$host")
	if [ "$(echo "$before" | awk '{ printf "%s ", $1 }')" != "${REASONS[*]} std_tx_dropped std_rx_dropped " ]; then
		echo "$host: not the fan's drop counters:"
		echo "$before"
		return 1
	fi
	paste -d ' ' <(echo "$before") <(echo "$after") |
	awk -v h="$host" -v c="$counter" -v n="$want" '
		BEGIN { std = "std_" substr(c, 1, 2) "_dropped" }
		$1 != $3 { print h ": counters before and after differ: " $1 " " $3; bad = 1; exit }
		{
			d = $4 - $2
			w = ($1 == c || $1 == std) ? n : 0
			if ($1 == c)
				found = 1
			if (d != w) {
				printf "%s %s: %d -> %d, +%d, want +%d\n", h, $1, $2, $4, d, w
				bad = 1
			} else if (w)
				printf "%s %s: %d -> %d\n", h, $1, $2, $4
		}
		END {
			if (!bad && c != "-" && !found) { print h ": no counter " c; bad = 1 }
			if (!bad) print h ": no other drop counter moved"
			exit bad
		}'
}

# counted_ok HOST COUNTER N CMD...: counted, and CMD must succeed.
counted_ok()
{
	counted "$@" || return 1
	[ "$COUNTED_RC" -eq 0 ] || { echo "failed (exit $COUNTED_RC): ${*:4}"; return 1; }
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

# spoof_then_genuine: h2 sends c1 two spoofed pings, then c2 two genuine
# ones (their output in $FAN_TMP/spoof.ping and $FAN_TMP/genuine.ping).
spoof_then_genuine()
{
	ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.2 > "$FAN_TMP/spoof.ping" 2>&1
	ns_exec c2 ping -c2 -i0.2 -W2 250.3.4.2 > "$FAN_TMP/genuine.ping" 2>&1
}

# not_delivered: the first ICMP packet c1 receives while spoof_then_genuine
# runs is c2's: none of the spoofed ones arrived before it, and the
# sniffer was listening (it saw the genuine one).
not_delivered()
{
	sniff c1 icmp "$FAN_TMP/c1" spoof_then_genuine
	local rc=$?
	cat "$FAN_TMP/c1"
	grep -h 'packets transmitted' "$FAN_TMP/spoof.ping" "$FAN_TMP/genuine.ping"
	[ "$rc" -eq 0 ] &&
	[ "$(sed -n 2p "$FAN_TMP/c1")" = "250.9.200.7 > 250.3.4.2" ] &&
	grep -q '^2 packets transmitted, 0 received' "$FAN_TMP/spoof.ping" &&
	grep -q '^2 packets transmitted, 2 received' "$FAN_TMP/genuine.ping"
}

spoofed()
{
	counted h1 rx_spoofed 3 ns_exec h2 ping -c3 -i0.2 -W1 250.3.4.2 &&
	# and c1 saw none of them (but c2's genuine ones right after)
	counted_ok h1 rx_spoofed 2 not_delivered
}
subtest "rx: inner source outside the sender's slice -> rx_spoofed, not delivered" spoofed

subtest "rx: slice broadcast 250.3.4.255 -> rx_bad_dst" \
	counted h1 rx_bad_dst 2 ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.255
subtest "rx: another host's container (no relaying) -> rx_bad_dst" \
	counted h1 rx_bad_dst 2 ns_exec h2 ping -c2 -i0.2 -W1 250.200.1.9

# delivered: the spoofed ping reaches c1 (strict off).
delivered()
{
	sniff c1 icmp "$FAN_TMP/c1" ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.2
	local rc=$?
	cat "$FAN_TMP/c1"
	[ "$rc" -eq 0 ] && grep -q '250.77.77.5 > 250.3.4.2' "$FAN_TMP/c1"
}

strict_off()
{
	local rc
	ns_exec h1 python3 "$FAN_NL" change ftun0 strict 0 || return 1
	# Without strict checking the spoofed packet reaches c1, uncounted ...
	counted_ok h1 - 0 delivered
	rc=$?
	ns_exec h1 python3 "$FAN_NL" change ftun0 strict 1 || return 1
	return "$rc"
}
subtest "strict off: the same packet is delivered (the check is what stops it)" strict_off

foreign()
{
	# IPIP from outside every map's underlay is not the fan's.
	ns_exec h2 ip addr add 10.99.0.1/32 dev ul0 &&
	ns_exec h1 ip route add 10.99.0.1/32 dev ul0 &&
	ns_exec h2 ip link add fo type ipip local 10.99.0.1 remote 10.7.3.4 &&
	ns_exec h2 ip link set fo up &&
	ns_exec h2 ip route add 250.3.4.99/32 dev fo src 250.9.200.1 || return 1
	# It does reach h1, and the fan neither takes nor counts it.
	counted_ok h1 - 0 sniff h1 ipip "$FAN_TMP/fo" ns_exec h2 ping -c2 -i0.2 -W1 250.3.4.99
	local rc=$?
	cat "$FAN_TMP/fo"
	[ "$rc" -eq 0 ] &&
	grep -q '^10.99.0.1 > 10.7.3.4: 250.9.200.1 > 250.3.4.99' "$FAN_TMP/fo"
}
subtest "IPIP from outside the underlay is left alone (no fan counter moves)" foreign

# Genuine traffic drops nothing either.
legit()
{
	ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2 &&
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7
}
subtest "legitimate traffic still flows both ways (no drop counted)" counted_ok h1 - 0 legit

# expected DIR: the sum of what the subtests raised h1's DIR (tx/rx)
# reasons by, from the tally; "name value" per reason with no DIR.
expected()
{
	local r
	for r in "${REASONS[@]}"; do
		if [ $# -eq 0 ] || [ "${r%%_*}" = "$1" ]; then
			echo "$r $(awk -v r="$r" '$1 == r { s += $2 } END { print s + 0 }' "$FAN_TMP/tally")"
		fi
	done
}

stats64()
{
	local d t wd wt
	d=$(fan_stat h1 ftun0 rx_dropped)
	t=$(fan_stat h1 ftun0 tx_dropped)
	wd=$(expected rx | awk '{ s += $2 } END { print s }')
	wt=$(expected tx | awk '{ s += $2 } END { print s }')
	echo "h1 ftun0 rx_dropped $d (want $wd), tx_dropped $t (want $wt)"
	[ "$d" = "$wd" ] && [ "$t" = "$wt" ]
}
subtest "drops also show in the standard rx_dropped and tx_dropped" stats64

# The kernel (ethtool strings), fanctl and fan_nl.py each name the uAPI's
# counters: the three must agree, name for name and value for value, and
# count what the subtests above caused, no more.
same_counters()
{
	local e j x w
	e=$(ns_exec h1 ethtool -S ftun0 | awk 'NR > 1 { sub(":$", "", $1); print $1, $2 }' | sort)
	j=$(ns_exec h1 "$FANCTL" show --json | jq -r '.devices[] | select(.ifname == "ftun0") |
		.drops | to_entries[] | "\(.key) \(.value)"' | sort)
	x=$(ns_exec h1 python3 "$FAN_NL" get ftun0 | grep -E '^(rx|tx|err)_' | sort)
	w=$(expected | sort)
	echo "ethtool -S ftun0: $(echo "$e" | grep -cv ' 0$') of $(echo "$e" | wc -l) counters non-zero"
	[ "$e" = "$w" ] || { echo "ethtool -S differs from what the subtests caused:"; diff <(echo "$w") <(echo "$e"); return 1; }
	[ "$e" = "$j" ] || { echo "fanctl show --json differs:"; diff <(echo "$e") <(echo "$j"); return 1; }
	[ "$e" = "$x" ] || { echo "IFLA_INFO_XSTATS differs:"; diff <(echo "$e") <(echo "$x"); return 1; }
}
subtest "ethtool -S, fanctl show --json and IFLA_INFO_XSTATS agree on every counter" same_counters

fan_finish
