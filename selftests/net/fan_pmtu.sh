#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery through the fan.  When the underlay path to a host is
# narrower than the fan device, a DF packet that does not fit is refused
# with ICMP frag-needed (mtu = path MTU - 20) to the container, and TCP
# adapts.  A non-DF one is fragmented: with nopmtudisc in the underlay
# (the inner DF copied); with pmtudisc (the default: outer DF always) the
# host learns the path MTU for the inner destination, so what it sends
# itself is fragmented before the fan, and what it forwards (which IPv4
# sizes by the device MTU) leaves without DF for the underlay to fragment.
# Two cases:
#  - a route MTU on the sending host (ip route ... mtu 1300);
#  - a router between two underlay segments whose second link is narrow:
#    its ICMP frag-needed about our IPIP packet reaches fan_err, which
#    records the path MTU, and the next packet gets frag-needed.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

# df_refused C HOST DST EXPECTED_MTU: one DF ping of 1400 bytes from C is
# refused by HOST's fan with "mtu = EXPECTED_MTU", counted exactly once.
df_refused()
{
	local c=$1 host=$2 dst=$3 mtu=$4 before after out
	before=$(fan_counter "$host" ftun0 tx_frag_needed)
	out=$(ns_exec "$c" ping -c1 -W2 -Mdo -s 1400 "$dst" 2>&1)
	echo "$out"
	after=$(fan_counter "$host" ftun0 tx_frag_needed)
	echo "tx_frag_needed $before -> $after"
	echo "$out" | grep -q "mtu = $mtu" &&
	! echo "$out" | grep -q ' bytes from ' &&
	[ "$after" = $((before + 1)) ]
}

# learned C DST MTU: C's route to DST carries the path MTU it was told.
learned()
{
	ns_exec "$1" ip route get "$2"
	ns_exec "$1" ip route get "$2" | grep -q "mtu $3"
}

# ---- 1. route MTU on the sending host ----------------------------------

setup()
{
	fan_two_hosts &&
	fan_container c3 h1 250.3.4.3
}
subtest "two hosts, containers, c1 reaches c2" setup || ktap_exit_fail_msg "setup failed"

route_mtu()
{
	ns_exec h1 ip route add 10.7.9.200/32 dev ul0 mtu 1300 &&
	learned h1 10.7.9.200 1300 &&
	[ "$(ns_exec h1 cat /sys/class/net/ftun0/mtu)" -gt 1428 ]
}
subtest "h1: route to 10.7.9.200 with mtu 1300 (ftun0 stays wider)" route_mtu

fan_pmtudisc()	# VALUE: h1's ftun0 pmtudisc
{
	ns_exec h1 python3 "$FAN_NL" change ftun0 pmtudisc "$1" &&
	ns_exec h1 python3 "$FAN_NL" get ftun0 | grep -qx "pmtudisc $1"
}

# no_learned HOST DST: HOST's route to DST has no path MTU of its own.
no_learned()
{
	ns_exec "$1" ip route get "$2"
	! ns_exec "$1" ip route get "$2" | grep -q " mtu "
}

subtest "h1: nopmtudisc" fan_pmtudisc 0

non_df()
{
	local frag0 reasm0 frag1 reasm1 fn0 fn1
	frag0=$(fan_mib h1 Ip FragCreates)
	reasm0=$(fan_mib h2 Ip ReasmOKs)
	fn0=$(fan_counter h1 ftun0 tx_frag_needed)
	ns_exec c1 ping -c2 -i0.3 -W2 -Mdont -s 1400 250.9.200.7 || return 1
	frag1=$(fan_mib h1 Ip FragCreates)
	reasm1=$(fan_mib h2 Ip ReasmOKs)
	fn1=$(fan_counter h1 ftun0 tx_frag_needed)
	echo "h1 FragCreates $frag0 -> $frag1, h2 ReasmOKs $reasm0 -> $reasm1, tx_frag_needed $fn0 -> $fn1"
	# Each 1448-byte IPIP packet leaves h1 as two fragments.
	[ $((frag1 - frag0)) -ge 4 ] && [ $((reasm1 - reasm0)) -ge 2 ] &&
	[ "$fn0" = "$fn1" ]
}
subtest "nopmtudisc: non-DF 1400-byte ping passes, fragmented in the underlay" non_df
subtest "nopmtudisc: h1 learned no path MTU for 250.9.200.7" no_learned h1 250.9.200.7

# frag_counts: h1's FragCreates, h2's ReasmOKs, c2's ReasmOKs.
frag_counts()
{
	echo "$(fan_mib h1 Ip FragCreates) $(fan_mib h2 Ip ReasmOKs) $(fan_mib c2 Ip ReasmOKs)"
}

# non_df_ping WHO SRC: one non-DF 1400-byte ping from WHO (source SRC)
# to c2, answered; prints the frag_counts deltas "h1 h2 c2".
non_df_ping()
{
	local a b
	read -ra a <<< "$(frag_counts)"
	ns_exec "$1" ping -c1 -W2 -Mdont -s 1400 -I "$2" 250.9.200.7 > /dev/null || return 1
	read -ra b <<< "$(frag_counts)"
	echo "$((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2]))"
}

forwarded_pmtudisc()
{
	local fn0 fn1 d
	fn0=$(fan_counter h1 ftun0 tx_frag_needed)
	d=$(non_df_ping c1 250.3.4.2) || return 1
	fn1=$(fan_counter h1 ftun0 tx_frag_needed)
	echo "deltas: h1 FragCreates, h2 ReasmOKs, c2 ReasmOKs: $d; tx_frag_needed $fn0 -> $fn1"
	[ "$d" = "2 1 0" ] && [ "$fn0" = "$fn1" ] && learned h1 250.9.200.7 1280
}

# Inner fragments are not reassembled by h2's fan but by c2.  (h2's
# ReasmOKs is not asserted: the conntrack of fanctl's NAT rules gathers
# forwarded fragments and sends them on as they came, so it counts them.)
local_pmtudisc()
{
	local d
	d=$(non_df_ping h1 250.3.4.1) || return 1
	echo "deltas: h1 FragCreates, h2 ReasmOKs, c2 ReasmOKs: $d"
	[ "${d% * *}" = 2 ] && [ "${d##* }" = 1 ]
}

subtest "h1: pmtudisc (the default) again" fan_pmtudisc 1
subtest "pmtudisc: c1's non-DF ping leaves without DF, fragmented in the underlay; h1 learns mtu 1280 for 250.9.200.7" \
	forwarded_pmtudisc
subtest "pmtudisc: h1's own non-DF ping is fragmented by h1 (c2 reassembles, not h2)" \
	local_pmtudisc

subtest "DF 1400-byte ping refused: frag-needed mtu = 1280, tx_frag_needed +1" \
	df_refused c1 h1 250.9.200.7 1280
subtest "c1 learned path MTU 1280 to c2" learned c1 250.9.200.7 1280

local_refusal()
{
	local before after
	before=$(fan_counter h1 ftun0 tx_frag_needed)
	expect_fail "mtu ?= ?1280" ns_exec c1 ping -c1 -W2 -Mdo -s 1400 250.9.200.7 || return 1
	after=$(fan_counter h1 ftun0 tx_frag_needed)
	echo "tx_frag_needed $before -> $after"
	[ "$before" = "$after" ]
}
subtest "next DF 1400-byte ping is refused in c1 itself (fan not involved)" local_refusal

df_fits()
{
	local before after
	before=$(fan_counter h1 ftun0 tx_frag_needed)
	ns_exec c1 ping -c2 -i0.3 -W2 -Mdo -s 1200 250.9.200.7 || return 1
	after=$(fan_counter h1 ftun0 tx_frag_needed)
	[ "$before" = "$after" ]
}
subtest "DF 1200-byte ping passes" df_fits

tcp_pmtu()
{
	local before after
	before=$(fan_counter h1 ftun0 tx_frag_needed)
	tcp_transfer c3 c2 250.9.200.7 2000000 || return 1
	after=$(fan_counter h1 ftun0 tx_frag_needed)
	echo "tx_frag_needed $before -> $after"
	[ "$after" -gt "$before" ] && learned c3 250.9.200.7 1280
}
subtest "TCP c3 -> c2, 2 MB, sha256 matches; c3 discovered mtu 1280" tcp_pmtu

subtest "TCP c2 -> c3, 1 MB (reverse path is not narrowed)" \
	tcp_transfer c2 c3 250.3.4.3 1000000

# ---- 2. a router with a narrow second link -----------------------------

# link_pair A DEV_A B DEV_B FABRIC: an underlay link between namespaces A
# and B (a veth pair, or two emulated IPoIB ports on their own fabric).
link_pair()
{
	local a=$1 da=$2 b=$3 db=$4 fabric=$5 t
	ns_exists "$a" || ns_create "$a" || return 1
	ns_exists "$b" || ns_create "$b" || return 1
	if [ "$FAN_UNDERLAY" = ib ]; then
		for t in "$a:$da" "$b:$db"; do
			ip link add "ibtmp" type ipoib_emu || return 1
			echo "$fabric" > /sys/class/net/ibtmp/ipoib_emu/fabric || return 1
			ip link set ibtmp netns "$(ns "${t%%:*}")" name "${t#*:}" || return 1
		done
	else
		ns_exec "$a" ip link add "$da" type veth peer name "$db" \
			netns "$(ns "$b")" || return 1
	fi
	ns_exec "$a" ip link set "$da" up &&
	ns_exec "$b" ip link set "$db" up
}

routed_setup()
{
	# h3 10.7.3.4/24 -- (ula 10.7.3.1) r (ulb 10.7.9.1, MTU 1300) -- h4 10.7.9.200/24
	link_pair h3 ul0 r ula 1 &&
	link_pair h4 ul0 r ulb 2 &&
	ns_exec r ip addr add 10.7.3.1/24 dev ula &&
	ns_exec r ip addr add 10.7.9.1/24 dev ulb &&
	ns_exec r ip link set ulb mtu 1300 &&
	ns_exec h4 ip link set ul0 mtu 1300 &&
	ns_exec r sysctl -qw net.ipv4.ip_forward=1 &&
	ns_exec h3 ip addr add 10.7.3.4/24 dev ul0 &&
	ns_exec h4 ip addr add 10.7.9.200/24 dev ul0 &&
	ns_exec h3 ip route add 10.7.0.0/16 via 10.7.3.1 &&
	ns_exec h4 ip route add 10.7.0.0/16 via 10.7.9.1 &&
	wait_for 10 ns_exec h3 ping -c1 -W1 10.7.9.200 &&
	fan_up h3 250.0.0.0/8 16 &&
	fan_up h4 250.0.0.0/8 16 &&
	fan_container c4 h3 250.3.4.2 &&
	fan_container c5 h4 250.9.200.7 &&
	wait_for 10 ns_exec c4 ping -c1 -W1 250.9.200.7
}
subtest "routed underlay: h3 -- r -- h4 (narrow link), c4 reaches c5" routed_setup ||
	ktap_exit_fail_msg "routed setup failed"

no_pmtu_yet()
{
	ns_exec h3 ip route get 10.7.9.200
	! ns_exec h3 ip route get 10.7.9.200 | grep -q ' mtu '
}
subtest "h3 knows no path MTU to 10.7.9.200 yet" no_pmtu_yet

router_icmp()
{
	local fn0 fn1
	fn0=$(fan_counter h3 ftun0 tx_frag_needed)
	# The 1448-byte IPIP packet dies at r, which tells h3 (mtu 1300).
	sniff h3 icmp "$FAN_TMP/icmp" ns_exec c4 ping -c1 -W1 -Mdo -s 1400 250.9.200.7
	cat "$FAN_TMP/icmp"
	fn1=$(fan_counter h3 ftun0 tx_frag_needed)
	echo "tx_frag_needed $fn0 -> $fn1"
	if ! grep -q '10.7.3.1 > 10.7.3.4' "$FAN_TMP/icmp"; then
		echo "no ICMP from r: r sent $(fan_mib r Icmp OutDestUnreachs), forwarded $(fan_mib r Ip ForwDatagrams)," \
		     "FragFails $(fan_mib r Ip FragFails), InDiscards $(fan_mib r Ip InDiscards), ula rx_dropped $(fan_stat r ula rx_dropped);" \
		     "h3 got $(fan_mib h3 Icmp InDestUnreachs); h3 ul0 tx $(fan_stat h3 ul0 tx_packets), r ula rx $(fan_stat r ula rx_packets)"
		return 1
	fi
	[ "$fn0" = "$fn1" ] &&
	learned h3 10.7.9.200 1300
}
subtest "r's frag-needed reaches fan_err: h3 learns mtu 1300 to 10.7.9.200" router_icmp

subtest "next DF 1400-byte ping from c4: frag-needed mtu = 1280, tx_frag_needed +1" \
	df_refused c4 h3 250.9.200.7 1280
subtest "c4 learned path MTU 1280 to c5" learned c4 250.9.200.7 1280
subtest "DF 1200-byte ping c4 -> c5 passes the router" \
	ns_exec c4 ping -c2 -i0.3 -W2 -Mdo -s 1200 250.9.200.7
subtest "TCP c4 -> c5 through the router, 1 MB, sha256 matches" \
	tcp_transfer c4 c5 250.9.200.7 1000000

# ---- 3. ICMP errors from the underlay reach the inner sender -----------

# unreachable_to_c4 DST: c4's ping to DST is answered by h3 (250.3.4.1,
# its address towards c4) with host unreachable, relayed from r's error
# about the IPIP packet; nothing counted as not relayed.
unreachable_to_c4()
{
	local n0 n1 out
	n0=$(fan_counter h3 ftun0 err_not_relayed)
	out=$(ns_exec c4 ping -c1 -W3 "$1" 2>&1)
	echo "$out"
	n1=$(fan_counter h3 ftun0 err_not_relayed)
	echo "h3 err_not_relayed $n0 -> $n1"
	echo "$out" | grep -q 'From 250.3.4.1 icmp_seq=1 Destination Host Unreachable' &&
	[ "$n0" = "$n1" ]
}
subtest "r has no route to 10.7.77.1: its net unreachable reaches c4 as host unreachable" \
	unreachable_to_c4 250.77.1.2

ttl_exceeded()
{
	local rc
	ns_exec h3 python3 "$FAN_NL" change ftun0 ttl 1 || return 1
	unreachable_to_c4 250.9.200.7
	rc=$?
	ns_exec h3 python3 "$FAN_NL" change ftun0 ttl 0 || return 1
	[ "$rc" = 0 ] && ns_exec c4 ping -c1 -W2 250.9.200.7 > /dev/null
}
subtest "h3's outer TTL 1: r's TTL exceeded reaches c4 as host unreachable (control: ttl inherit passes)" \
	ttl_exceeded

# An error whose quote ends 8 bytes after our outer header (legal, RFC
# 792) names no inner sender: counted, not relayed.
short_quote()
{
	local n0 n1
	n0=$(fan_counter h3 ftun0 err_not_relayed)
	ns_exec r python3 -c "
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
outer = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 48, 1, 0, 64, 4, 0,
                    socket.inet_aton('10.7.3.4'), socket.inet_aton('10.7.77.1'))
icmp = struct.pack('!BBHI', 3, 1, 0, 0) + outer + bytes.fromhex('4500001c00000000')
icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(icmp, ('10.7.3.4', 0))" || return 1
	wait_for 5 sh -c "[ \$(ip netns exec $(ns h3) ethtool -S ftun0 | awk '/err_not_relayed:/ { print \$2 }') -gt $n0 ]"
	n1=$(fan_counter h3 ftun0 err_not_relayed)
	echo "h3 err_not_relayed $n0 -> $n1"
	[ "$n1" = $((n0 + 1)) ]
}
subtest "an error quoting no inner header is counted: err_not_relayed +1" short_quote

fan_finish
