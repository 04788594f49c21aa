#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan bridge's MAC address is fixed at creation (issue 19 item 5, LXD
# #7744): 02:fa and the bridge's IPv4 address, set by fanctl (the kernel's
# addr_assign_type 3), so it stays as ports with lower addresses join and
# leave, and the containers' ARP entry for the gateway stays right.  The
# control: a bridge made without an address takes its lowest port's.

. "$(dirname "$0")/fanctl_lib.sh"

MAC1=02:fa:fa:03:04:01

mac_of() { h1 cat "/sys/class/net/$1/address"; }

# port HOST NAME BRIDGE MAC: a veth port with address MAC (the other end idle)
port()
{
	ip -n "$1" link add "$2" address "$4" type veth peer name "$2p" || return 1
	ip -n "$1" link set "$2" master "$3" up || return 1
	ip -n "$1" link set "$2p" up
}

test_fixed_mac()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	[ "$(mac_of $BR1)" = $MAC1 ] || fail "bridge mac $(mac_of $BR1)" || return 1
	[ "$(h1 cat /sys/class/net/$BR1/addr_assign_type)" = 3 ] ||
		fail "addr_assign_type $(h1 cat /sys/class/net/$BR1/addr_assign_type)" || return 1
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	container "$H2" c2 $BR2 250.9.200.7/24 250.9.200.1 || return 1
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null || fail "c1 does not reach c2" || return 1
	[ "$(ip -n "c1-$sfx" neigh show 250.3.4.1 | awk '{ print $5 }')" = $MAC1 ] ||
		fail "c1's ARP for .1: $(ip -n "c1-$sfx" neigh show 250.3.4.1)" || return 1
	# ports with lower addresses join and leave
	port "$H1" lo1 $BR1 00:00:00:00:00:01 || return 1
	[ "$(mac_of $BR1)" = $MAC1 ] || fail "a lower port took over: $(mac_of $BR1)" || return 1
	port "$H1" lo2 $BR1 00:00:00:00:00:02 || return 1
	h1 ip link del lo1 || return 1
	[ "$(mac_of $BR1)" = $MAC1 ] || fail "mac after a port left: $(mac_of $BR1)" || return 1
	h1 ip link del lo2 || return 1
	container_del "$H1" c1
	[ "$(mac_of $BR1)" = $MAC1 ] || fail "mac with no ports: $(mac_of $BR1)" || return 1
	# the same after the fan is made again
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f1 up $OV ib0/16 || return 1
	[ "$(mac_of $BR1)" = $MAC1 ] || fail "mac after down and up: $(mac_of $BR1)" || return 1
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null || fail "c1 does not reach c2" || return 1
	[ "$(ip -n "c1-$sfx" neigh show 250.3.4.1 | awk '{ print $5 }')" = $MAC1 ] ||
		fail "c1's ARP for .1" || return 1
	container_del "$H1" c1; container_del "$H2" c2
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

# Control: a bridge without a fixed address follows its lowest port
test_control()
{
	h1 ip link add ctlbr type bridge || return 1
	local m0
	m0=$(mac_of ctlbr)
	port "$H1" lo1 ctlbr 00:00:00:00:00:01 || return 1
	echo "ctlbr: $m0, with port 00:00:00:00:00:01: $(mac_of ctlbr)"
	[ "$(mac_of ctlbr)" = 00:00:00:00:00:01 ] || fail "the control did not follow its port" || return 1
	h1 ip link del lo1
	h1 ip link del ctlbr
}

TESTS="
fixed_mac test_fixed_mac
control_unfixed_bridge test_control
"
fanctl_main
