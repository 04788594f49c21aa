#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile IPIP packets: h2, a genuine fan host, turns hostile and writes
# crafted packets straight onto the underlay (hostile_tx.py, a packet
# socket: every byte from the outer IP header on is its own).  For each
# kind of input, many variants are sent, and every counter of the victim h1
# must move exactly as predicted: the fan's drop reasons (ethtool -S), the
# packets it decapsulated, the IP MIB counters of what IP itself drops, and
# the packets container c1 receives.  After each kind a legitimate echo
# request goes the same way and its reply must come back.
#
# Not every hostile input is the fan's to drop.  A broken outer header is
# dropped by IP before any tunnel handler; IPIP whose inner destination is
# outside every overlay, or whose outer source is outside the underlay, is
# left to the next handler (ipip.ko, tunnel4), as it may be a classic
# tunnel's.  Inner fragments, IP options, TTL 0/1 and bad inner checksums
# are decapsulated as ipip does and then handled by IP (reassembled by the
# container, forwarded, answered with time exceeded, dropped with
# InHdrErrors / InCsumErrors).  An outer source forged as another fan host
# together with an inner source of that host's slice is accepted: IPIP is
# unauthenticated (Documentation/security.rst).
#
# The fans run without NAT: conntrack would reassemble inner fragments on
# h1, and the point here is that the fan forwards them as ipip does.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

HOSTILE=$FAN_TOP/selftests/net/hostile_tx.py
SEED=${FAN_HOSTILE_SEED:-$RANDOM}

setup()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	fan_up h1 250.0.0.0/8 16 no-nat &&
	fan_up h2 250.0.0.0/8 16 no-nat &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
}
subtest "two hosts with containers" setup || ktap_exit_fail_msg "setup failed"

second_map()
{
	# For the removed_map kind: c1 also answers on h1's slice of a second
	# map, 251.0.0.0/8 (hostile_tx.py adds and removes the map itself).
	ns_ip c1 addr add 251.3.4.2/24 dev eth0 &&
	ns_ip h1 route add 251.3.4.0/24 dev fan-250-3-4 &&
	ns_exec h1 ping -c1 -W2 251.3.4.2 > /dev/null
}
subtest "c1 also on h1's slice of 251.0.0.0/8" second_map

# One run for every kind (each python start costs seconds under TCG);
# each kind's report is then one subtest.
KINDS="outer_trunc inner_trunc bad_ihl not_ipv4 fragments ttl bad_dst
       spoofed foreign ecn outer_fragments garbage removed_map"
# shellcheck disable=SC2086 # one argument per kind
python3 "$HOSTILE" --victim-ns "$(ns h1)" --attacker-ns "$(ns h2)" \
	--container-ns "$(ns c1)" --seed "$SEED" $KINDS > "$FAN_TMP/report" 2>&1

# kind KIND: KIND's part of the report (everything after the previous
# kind's verdict); passes if it ends in "KIND: ok".
kind()
{
	awk -v k="$1" '
		/^[a-z_]+: (ok|FAIL)$/ {
			if ($0 == k ": ok" || $0 == k ": FAIL") {
				printf "%s", buf
				print
				exit
			}
			buf = ""
			next
		}
		{ buf = buf $0 "\n" }' "$FAN_TMP/report"
	grep -qx "$1: ok" "$FAN_TMP/report" && return 0
	# No verdict at all: the sender died; show how.
	grep -qx "$1: FAIL" "$FAN_TMP/report" || tail -20 "$FAN_TMP/report"
	return 1
}

subtest "outer header broken (short, version, IHL, length, checksum): IP drops it" \
	kind outer_trunc
subtest "inner header truncated or lying about its length: rx_malformed" \
	kind inner_trunc
subtest "every inner IHL: <5 rx_malformed; bad options dropped by IP; NOPs delivered" \
	kind bad_ihl
subtest "inner not IPv4 (every version, IPv6): rx_malformed" kind not_ipv4
subtest "inner fragments forwarded as ipip does, reassembled by the container" \
	kind fragments
subtest "inner TTL 0/1: forwarding answers time exceeded; outer TTL 0/1 delivered" \
	kind ttl
subtest "inner dst slice broadcast / another host: rx_bad_dst; outside the overlay: not ours" \
	kind bad_dst
subtest "inner source not the sender's: rx_spoofed (forged outer source: accepted)" \
	kind spoofed
subtest "outer source outside the underlay: not the fan's, nothing counted" \
	kind foreign
subtest "outer CE over not-ECT inner: rx_ecn; other ECN combinations delivered" \
	kind ecn
subtest "IPIP in outer fragments: reassembled, then decapsulated" \
	kind outer_fragments
subtest "400 random inner headers: every counter as the model predicts (seed $SEED)" \
	kind garbage
subtest "a map removed: its slice's packets are no longer the fan's at once" \
	kind removed_map

subtest "legitimate traffic: c2 -> c1 ping" ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2
subtest "legitimate traffic: TCP c2 -> c1, 1 MB, sha256 matches" \
	tcp_transfer c2 c1 250.3.4.2 1000000

summary()
{
	local kind n total=0 line=
	while read -r kind n; do
		line+=" $kind=$n"
		total=$((total + n))
	done < <(sed -n 's/^\([a-z_]*\): \([0-9]*\) packets.*/\1 \2/p' "$FAN_TMP/report")
	echo "hostile packets sent: $total:$line"
	[ "$total" -gt 0 ]
}
subtest "hostile inputs tried, per kind" summary

fan_finish
