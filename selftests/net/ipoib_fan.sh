#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan over IPoIB (the emulated fabric): what is special about ib0.
# A bridge and macvlan refuse an IPoIB device while the fan routes over it;
# fanctl derives the MTU from the mode (datagram 2044 -> 2024, connected
# 65520 -> 65500) and hands it to the bridge and, by DHCP, to containers;
# a mode switch is followed; a connected-mode host sending to a
# datagram-mode host gets ICMP fragmentation-needed for large DF packets
# (IPoIB's own, then the fan's to the container) and TCP still completes.

FAN_UNDERLAY=ib
# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

mtu_of() { ns_exec "$1" cat "/sys/class/net/$2/mtu"; }

# want_mtu HOST DEV MTU
want_mtu()
{
	local got
	got=$(mtu_of "$1" "$2")
	[ "$got" = "$3" ] || { echo "$1 $2: mtu $got, want $3"; return 1; }
}

# lease CONTAINER: DHCP from the fan bridge's dnsmasq (busybox udhcpc);
# prints "address mtu".
lease()
{
	local out=$FAN_TMP/lease-$1
	cat > "$FAN_TMP/udhcpc.sh" <<-EOF
	#!/bin/sh
	[ "\$1" = bound ] && echo "\$ip \$mtu" > $out
	exit 0
	EOF
	chmod +x "$FAN_TMP/udhcpc.sh"
	rm -f "$out"
	ns_exec "$1" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 -O mtu \
		-s "$FAN_TMP/udhcpc.sh" > /dev/null 2>&1
	cat "$out" 2>/dev/null
}

# want_lease_mtu CONTAINER MTU
want_lease_mtu()
{
	local l
	l=$(lease "$1")
	echo "$1 lease: ${l:-none}"
	[ "${l#* }" = "$2" ]
}

setup()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16
}
subtest "two hosts on the emulated IPoIB fabric" setup || ktap_exit_fail_msg "setup failed"

bridge_refuses()
{
	ns_exec h1 ip link add br9 type bridge || return 1
	# No extack: the bridge's EINVAL for a device that is not Ethernet.
	expect_fail "^RTNETLINK answers: Invalid argument$" \
		ns_exec h1 ip link set "$UL_DEV" master br9
	local rc=$?
	ns_exec h1 ip link del br9
	return $rc
}
subtest "a Linux bridge refuses ul0 (IPoIB is not Ethernet)" bridge_refuses
subtest "macvlan refuses ul0" \
	expect_fail "^RTNETLINK answers: Invalid argument$" \
		ns_exec h1 ip link add mv0 link "$UL_DEV" type macvlan

up()
{
	fan_up h1 250.0.0.0/8 16 dhcp &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	container_add d1 h1 fan-250-3-4
}
subtest "fanctl up over ul0 on both hosts, containers attached" up

datagram_mtu()
{
	want_mtu h1 "$UL_DEV" 2044 &&
	want_mtu h1 ftun0 2024 &&
	want_mtu h1 fan-250-3-4 2024 &&
	want_lease_mtu d1 2024
}
subtest "datagram mode: ftun0 and bridge 2024, DHCP hands out mtu 2024" datagram_mtu

works()
{
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	ns_exec c2 ping -c2 -i0.2 -W2 250.3.4.2 &&
	tcp_transfer c1 c2 250.9.200.7 1000000 &&
	tcp_transfer c2 c1 250.3.4.2 1000000 7778
}
subtest "the fan works over IPoIB: ping and 1 MB TCP both ways, sha256 match" works

connected()
{
	ns_exec h1 sh -c "echo connected > /sys/class/net/$UL_DEV/mode" &&
	want_mtu h1 "$UL_DEV" 65520 &&
	want_mtu h1 ftun0 65500 &&
	# What the ifupdown hook does on ifup: fanctl up again, which
	# follows the new MTU on the bridge and in DHCP.
	fan_up h1 250.0.0.0/8 16 dhcp > /dev/null &&
	want_mtu h1 fan-250-3-4 65500 &&
	want_lease_mtu d1 65500
}
subtest "h1 to connected mode: ftun0 follows (65500); fanctl up again: bridge and DHCP 65500" \
	connected

# c1 takes the new MTU, as a DHCP client would.
ns_exec c1 ip link set eth0 mtu 65500
ns_exec h1 ip link set "$(veth_name c1)" mtu 65500

# drop_counts HOST: HOST's ftun0 drop counters (ethtool -S) and its
# underlay's tx_dropped, "name value" per line; one exec.
drop_counts()
{
	ns_exec "$1" sh -c "ethtool -S ftun0 &&
		echo ${UL_DEV}_tx_dropped: \$(cat /sys/class/net/$UL_DEV/statistics/tx_dropped)" |
	awk -F: 'NR > 1 { gsub(/[ \t]/, ""); print $1, $2 }'
}

mixed_pmtu()
{
	local out before after moved
	before=$(drop_counts h1)
	out=$(ns_exec c1 ping -c4 -i0.3 -W1 -M do -s 3000 250.9.200.7 2>&1)
	after=$(drop_counts h1)
	echo "$out" | grep -E "mtu ?= ?2024" | head -2
	echo "$out" | grep -qE "mtu ?= ?2024" || { echo "$out"; return 1; }
	ns_exec c1 ip route get 250.9.200.7 | grep -q "mtu 2024" ||
		{ ns_exec c1 ip route get 250.9.200.7; return 1; }
	# The first ping dies in IPoIB (which tells h1 the path MTU), the
	# fan refuses the second (and tells c1); c1 sends no more.
	moved=$(paste -d ' ' <(echo "$before") <(echo "$after") |
		awk '$1 != $3 { print "mismatch", $1, $3 } $4 != $2 { printf "%s +%d, ", $1, $4 - $2 }')
	echo "h1 counters moved: ${moved%, }"
	[ "$moved" = "tx_frag_needed +1, ${UL_DEV}_tx_dropped +1, " ]
}
subtest "connected h1 -> datagram h2: 3000-byte DF ping gets frag-needed, mtu 2024" mixed_pmtu

subtest "connected h1 -> datagram h2: 2 MB TCP from c1 completes, sha256 match" \
	tcp_transfer c1 c2 250.9.200.7 2000000 7779
subtest "datagram h2 -> connected h1: 2 MB TCP to c1 completes, sha256 match" \
	tcp_transfer c2 c1 250.3.4.2 2000000 7780

back()
{
	ns_exec h1 sh -c "echo datagram > /sys/class/net/$UL_DEV/mode" &&
	want_mtu h1 "$UL_DEV" 2044 &&
	want_mtu h1 ftun0 2024 &&
	fan_up h1 250.0.0.0/8 16 dhcp > /dev/null &&
	want_mtu h1 fan-250-3-4 2024 &&
	ns_exec c2 ping -c2 -i0.2 -W2 250.3.4.2
}
subtest "back to datagram: ftun0 and bridge 2024 again, c2 -> c1 works" back

fan_finish
