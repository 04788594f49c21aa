#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan device MTU follows its underlay: underlay MTU - 20 at creation
# and on every underlay MTU change, never more than that by hand.  Deleting
# the underlay deletes the fan device bound to it (and nothing else), and a
# fan device asking for an underlay that is gone is refused.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

# add_underlay HOST ADDR/LEN: a (new) underlay device ul0 in HOST.
add_underlay()
{
	local host=$1 addr=$2
	if [ "$FAN_UNDERLAY" = ib ]; then
		ip link add "ib-$host" type ipoib_emu || return 1
		ip link set "ib-$host" netns "$(ns "$host")" name "$UL_DEV" || return 1
		ns_exec "$host" ip addr add "$addr" dev "$UL_DEV" || return 1
		ns_exec "$host" ip link set "$UL_DEV" up
	else
		underlay_host_add "$host" "$addr"
	fi
}

mtu_of()
{
	ns_exec "$1" cat "/sys/class/net/$2/mtu"
}

# expect_mtu HOST DEV MTU: DEV's MTU is MTU (prints it).
expect_mtu()
{
	local got
	got=$(mtu_of "$1" "$2")
	echo "$1 $2 mtu $got (want $3)"
	[ "$got" = "$3" ]
}

if [ "$FAN_UNDERLAY" = ib ]; then
	UL_BASE=2044	# IPoIB datagram mode, IB MTU 2048
else
	UL_BASE=1500
fi

setup()
{
	fan_two_hosts
}
subtest "two hosts and containers come up" setup || ktap_exit_fail_msg "setup failed"

subtest "ul0 MTU $UL_BASE -> ftun0 MTU $((UL_BASE - 20))" \
	sh -c "[ \$(ip netns exec $(ns h1) cat /sys/class/net/ul0/mtu) = $UL_BASE ] &&
	       [ \$(ip netns exec $(ns h1) cat /sys/class/net/ftun0/mtu) = $((UL_BASE - 20)) ]"

max_mtu()
{
	ns_exec h1 ip -d -j link show ftun0 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["max_mtu"])'
}
subtest "ftun0 max_mtu is $((UL_BASE - 20))" \
	sh -c "[ \"\$1\" = $((UL_BASE - 20)) ]" sh "$(max_mtu)"

# The largest DF ping through the fan (the containers' eth0 is 1500).
PING_MAX=$((UL_BASE - 48 < 1472 ? UL_BASE - 48 : 1472))
subtest "fan works at the initial MTU (DF ping of $PING_MAX bytes)" \
	wait_for 10 ns_exec c1 ping -c1 -W1 -Mdo -s $PING_MAX 250.9.200.7

if [ "$FAN_UNDERLAY" = ib ]; then
	# The datagram MTU cannot reach 9000: connected mode (65520) can.
	to_connected()
	{
		ns_exec h1 sh -c "echo connected > /sys/class/net/$UL_DEV/mode" &&
		expect_mtu h1 ul0 65520 &&
		expect_mtu h1 ftun0 65500
	}
	subtest "ib: ul0 connected mode, MTU 65520 -> ftun0 65500" to_connected
fi

set_ul_mtu()
{
	ns_exec h1 ip link set ul0 mtu "$1" &&
	expect_mtu h1 ul0 "$1" &&
	expect_mtu h1 ftun0 $(($1 - 20))
}
subtest "ip link set ul0 mtu 9000 -> ftun0 8980" set_ul_mtu 9000
subtest "ip link set ul0 mtu 1400 -> ftun0 1380" set_ul_mtu 1400

too_big()
{
	expect_fail "Error: mtu greater than device maximum" \
		ns_exec h1 ip link set ftun0 mtu 1381 &&
	expect_mtu h1 ftun0 1380
}
subtest "ip link set ftun0 mtu 1381 (underlay - 19) is refused" too_big

lower_ok()
{
	ns_exec h1 ip link set ftun0 mtu 1300 && expect_mtu h1 ftun0 1300 &&
	ns_exec h1 ip link set ftun0 mtu 1380 && expect_mtu h1 ftun0 1380
}
subtest "ftun0 mtu 1300 and back to 1380 (the maximum) are accepted" lower_ok

# An MTU the user set below the largest is theirs, as vlan keeps it: an
# underlay change clamps it while the underlay is narrower and never
# raises it past what the user set; back at the largest, ftun0 follows.
user_mtu_kept()
{
	ns_exec h1 ip link set ftun0 mtu 1300 && expect_mtu h1 ftun0 1300 &&
	ns_exec h1 ip link set ul0 mtu 1500 && expect_mtu h1 ftun0 1300 &&
	ns_exec h1 ip link set ul0 mtu 1200 && expect_mtu h1 ftun0 1180 &&
	ns_exec h1 ip link set ul0 mtu 1400 && expect_mtu h1 ftun0 1300 &&
	ns_exec h1 ip link set ftun0 mtu 1380 && expect_mtu h1 ftun0 1380 &&
	ns_exec h1 ip link set ul0 mtu 1500 && expect_mtu h1 ftun0 1480 &&
	ns_exec h1 ip link set ul0 mtu 1400 && expect_mtu h1 ftun0 1380
}
subtest "ftun0 mtu 1300 (user's) survives ul0 1500, is clamped at ul0 1200 (1180), back at 1400; at its largest ftun0 follows" \
	user_mtu_kept

subtest "fan works at the new MTU (DF ping of 1352 bytes)" \
	ns_exec c1 ping -c1 -W2 -Mdo -s 1352 250.9.200.7

# A fan device with no underlay device (routes decide) that has sent
# through ul0, so its route cache holds routes over ul0: deleting ul0 must
# neither delete it nor wait for those routes.  h2 answers for 251.9.200.7
# on a second map of its ftun0; the replies come back through ftun1.
unbound_fan()
{
	local ul a out
	ns_exec h2 "$FAN_NL" change ftun0 add 251.0.0.0/8 10.7.0.0/16 &&
	ns_ip h2 -batch - <<-EOF &&
		addr add 251.9.200.7/32 dev lo
		route add 251.0.0.0/8 dev ftun0
	EOF
	ns_exec h1 "$FAN_NL" add ftun1 map 251.0.0.0/8 10.7.0.0/16 &&
	# No IPv6 on it (as fanctl does): a router solicitation would be a drop.
	ns_ip h1 -batch - <<-EOF || return 1
		link set ftun1 addrgenmode none
		link set ftun1 up
		addr add 251.3.4.1/32 dev ftun1
		route add 251.0.0.0/8 dev ftun1 src 251.3.4.1
	EOF
	ul=$(fan_stat h1 ul0 tx_packets)
	out=$(ns_exec h1 ping -c2 -i0.2 -W2 251.9.200.7) ||
		{ echo "$out"; echo "ping 251.9.200.7 through ftun1 failed"; return 1; }
	echo "$out" | grep 'packets transmitted'
	a=$(ns_exec h1 sh -c 'cd /sys/class/net/ftun1/statistics &&
		echo tx $(cat tx_packets) rx $(cat rx_packets) dropped $(cat tx_dropped) $(cat rx_dropped)
		cat ../../ul0/statistics/tx_packets')
	echo "h1 ftun1 ${a%$'\n'*}; ul0 tx_packets $ul -> ${a#*$'\n'}"
	[ "${a%$'\n'*}" = "tx 2 rx 2 dropped 0 0" ] && [ "${a#*$'\n'}" -ge $((ul + 2)) ] && return 0
	ns_exec h1 ethtool -S ftun1 | grep -v ': 0$'
	return 1
}
subtest "unbound ftun1 (no link) sends over ul0: ping through it, 2 out, 2 in, no drop" unbound_fan

# only_fans HOST NAMES: HOST's fan devices are NAMES ("" for none).
only_fans()
{
	local got
	got=$(fan_devs "$1") || { echo "cannot list $1's devices"; return 1; }
	echo "$1 fan devices: ${got:-none}"
	[ "$got" = "$2" ]
}

UL_IFINDEX=$(ns_exec h1 cat /sys/class/net/ul0/ifindex)

del_underlay()
{
	local t0 ms
	t0=${EPOCHREALTIME//[.,]/}
	# A leaked reference would make this wait (and log "waiting").  The
	# debug kernel under CI's load has taken 4-5 s for it (RCU grace
	# periods): 5 s times FAN_SLOW.
	ns_exec h1 timeout 30 ip link del ul0 || return 1
	ms=$(( (${EPOCHREALTIME//[.,]/} - t0) / 1000 ))
	echo "ip link del ul0 took $ms ms"
	! ns_exec h1 ip link show ul0 2>/dev/null &&
	only_fans h1 ftun1 &&
	[ "$ms" -lt $((5000 * FAN_SLOW)) ]
}
subtest "ip link del ul0 deletes ftun0 (ftun1 is h1's only fan device left)" del_underlay
subtest "unbound ftun1 survives the underlay" ns_exec h1 ip link show ftun1
subtest "no splat after deleting the underlay" dmesg_check
subtest "h2's fan is untouched" \
	sh -c "ip netns exec $(ns h2) ip link show ftun0 | grep -q UP"

stale_link()
{
	local hex
	hex=$(python3 -c "import struct; print(struct.pack('=I', $UL_IFINDEX).hex())")
	# IFLA_FAN_LINK (1) = the ifindex ul0 had.
	expect_fail "ENODEV: .*underlay device not found" \
		ns_exec h1 "$FAN_NL" add ftun2 attr 1 "$hex" map 250.0.0.0/8 10.7.0.0/16 &&
	only_fans h1 ftun1
}
subtest "fan device on the deleted ul0 (ifindex $UL_IFINDEX): 'underlay device not found'" \
	stale_link

plain_add()
{
	ns_exec h1 ip link add ftun5 type fan &&
	ns_exec h1 ip -d link show ftun5 | grep -q 'fan' &&
	ns_exec h1 ip link del ftun5 &&
	ns_exec h1 ip link del ftun1 &&
	only_fans h1 ""
}
subtest "ip link add of a new fan device still works; ip link del leaves none" plain_add

again()
{
	add_underlay h1 10.7.3.4/16 &&
	fan_up h1 250.0.0.0/8 16 &&
	expect_mtu h1 ftun0 $((UL_BASE - 20)) &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	ns_exec c2 ping -c2 -i0.2 -W2 250.3.4.2
}
subtest "new ul0, fanctl up again: ftun0 $((UL_BASE - 20)), c1 <-> c2" again

fan_finish
