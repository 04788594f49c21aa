#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The underlay device changing under a fan.
#
# (a) ul0 leaves h1's namespace: h1's ftun0 is deleted with it (as vlan,
#     macvlan and vxlan devices go with their lower device), so h1 no
#     longer routes the overlay and drops c1's packets for lack of a route
#     (IpInNoRoutes); fanctl up refuses while ul0 is away.  Back in h1,
#     readdressed and up, fanctl up makes the fan again, with the MTU of
#     the underlay, and traffic flows (ping, TCP).
# (b) ul0 taken into a namespace that runs its own fan over it, with
#     cached routes through it, and that namespace deleted: the emulated
#     IPoIB device returns to init_net (netns_refund, as a physical ib0
#     does), a veth is destroyed; either way nothing is left waiting for a
#     reference (netdev_unregister_timeout_secs is 1 s here, so a leak is
#     logged, and the splat check fails the test).
# (c) h1 readdressed from 10.7.3.4 to 10.7.3.5 (slice 250.3.4.0/24 ->
#     250.3.5.0/24): the route cache does not keep the old source, so c1,
#     left in the old slice, sends from 10.7.3.5 (on the wire) and h2
#     drops that as rx_spoofed; fanctl down by the old address finds the
#     old fan and keeps it while c1 is on its bridge (exit 3; down ul0/16
#     now means the new address: not up), fanctl up brings up the new
#     slice, and c3 in it reaches c2 both ways, while c1 stays refused.
# (d) A fan made without an underlay device (no IFLA_FAN_LINK) stays when
#     ul0 leaves, counts what it cannot send as tx_no_route, sends again
#     when ul0 is back, and its route cache keeps no reference to a ul0
#     that dies.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

# The emulated IPoIB devices given back to init_net when their namespace
# dies, as a physical ib0 is (veth is destroyed): reload ipoib_emu so.
if [ "$FAN_UNDERLAY" = ib ]; then
	{ rmmod ipoib_emu && insmod "$IPOIB_KO" netns_refund=1; } ||
		ktap_exit_fail_msg "cannot load ipoib_emu.ko netns_refund=1"
	cleanup_late "for _ in \$(seq 20); do grep -q '^ipoib_emu ' /proc/modules || break; rmmod ipoib_emu 2>/dev/null && break; sleep 0.5; done"
fi

# A reference left on a device is logged after 1 s, not 10.
UNREG_TIMEOUT=$(sysctl -n net.core.netdev_unregister_timeout_secs) ||
	ktap_exit_fail_msg "no net.core.netdev_unregister_timeout_secs"
sysctl -qw net.core.netdev_unregister_timeout_secs=1
cleanup_add "sysctl -qw net.core.netdev_unregister_timeout_secs=$UNREG_TIMEOUT"

# quiet CMD...: CMD with its output discarded.
quiet()
{
	"$@" > /dev/null
}

# no_route HOST N CMD...: CMD must raise HOST's IpInNoRoutes by exactly
# N; CMD's exit code is left in COUNTED_RC.
no_route()
{
	local host=$1 want=$2 before after
	shift 2
	before=$(fan_mib "$host" IpExt InNoRoutes)
	"$@" > /dev/null
	COUNTED_RC=$?
	after=$(fan_mib "$host" IpExt InNoRoutes)
	echo "$host IpInNoRoutes: $before -> $after (want +$want)"
	[ $((after - before)) -eq "$want" ]
}

# ul_up HOST ADDR: address ul0 in HOST and bring it up.
ul_up()
{
	ns_ip "$1" addr add "$2" dev "$UL_DEV" &&
	ns_ip "$1" link set "$UL_DEV" up
}

# mtu_follows HOST: HOST's ftun0 has its underlay's MTU less 20.
mtu_follows()
{
	local ul ft
	ul=$(ns_exec "$1" cat "/sys/class/net/$UL_DEV/mtu") &&
	ft=$(ns_exec "$1" cat /sys/class/net/ftun0/mtu) || return 1
	echo "$1: $UL_DEV mtu $ul, ftun0 mtu $ft"
	[ "$ft" -eq $((ul - 20)) ]
}

# pings C DST N WAIT: C pings DST N times; the exit code goes to
# $FAN_TMP/ping_rc (sniff does not pass it on).  On CPU 0, where h1
# forwards them too (the veth hands a packet to the CPU that sent it):
# the route cache is per CPU, and the readdress checks need the entry the
# pings before it made.
pings()
{
	ns_exec "$1" taskset -c 0 ping -c"$3" -i0.2 -W"$4" "$2"
	echo $? > "$FAN_TMP/ping_rc"
}

# outer_src C DST SRC N: C pings DST N times (all answered) while h2
# captures the first IPIP packet to arrive: outer SRC > 10.7.9.200, inner
# C's address > DST; h2 counts no rx_spoofed.
outer_src()
{
	local c=$1 dst=$2 want=$3 n=$4
	fan_counted h2 rx_spoofed 0 sniff h2 ipip "$FAN_TMP/cap" \
		pings "$c" "$dst" "$n" 2 || return 1
	cat "$FAN_TMP/cap"
	[ "$(cat "$FAN_TMP/ping_rc")" = 0 ] || { echo "$c -> $dst ping failed"; return 1; }
	grep -q "^$want > 10.7.9.200: [0-9.]* > $dst$" "$FAN_TMP/cap"
}

setup()
{
	fan_two_hosts && mtu_follows h1
}
subtest "two hosts with containers, c1 reaches c2; h1's ftun0 MTU is ul0's - 20" setup ||
	ktap_exit_fail_msg "setup failed"

# --- (a) ul0 to another namespace and back -------------------------------

subtest "control: c1 -> c2 answered, h1 IpInNoRoutes +0" \
	no_route h1 0 ns_exec c1 ping -c2 -i0.2 -W2 250.9.200.7

away()
{
	local devs
	ns_create away &&
	ns_ip h1 link set "$UL_DEV" netns "$(ns away)" &&
	ns_ip away link show "$UL_DEV" > /dev/null || return 1
	devs=$(fan_devs h1) || return 1
	echo "h1 fan devices: '$devs'; h2: '$(fan_devs h2)'"
	[ -z "$devs" ] && [ "$(fan_devs h2)" = ftun0 ] &&
	[ -z "$(ns_ip h1 route show 250.0.0.0/8)" ]
}
subtest "ul0 moved to namespace away: h1's ftun0 and its route are gone, h2's stays" away

away_drops()
{
	no_route h1 2 ns_exec c1 ping -c2 -i0.2 -W1 250.9.200.7 &&
	[ "$COUNTED_RC" != 0 ]
}
subtest "while away: h1 has no route for c1 -> c2 (IpInNoRoutes +2)" away_drops

subtest "while away: fanctl up on h1 refuses: no such device 'ul0'" \
	expect_fail "^fanctl: underlay ul0/16: no such device 'ul0'$" \
	fan_up h1 250.0.0.0/8 16

back()
{
	ns_ip away link set "$UL_DEV" netns "$(ns h1)" &&
	ul_up h1 10.7.3.4/16 &&
	fan_up h1 250.0.0.0/8 16 &&
	[ "$(fan_devs h1)" = ftun0 ] && mtu_follows h1 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
}
subtest "ul0 back in h1, readdressed and up; fanctl up makes ftun0 again, MTU ul0's - 20" back

back_traffic()
{
	no_route h1 0 ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 &&
	[ "$COUNTED_RC" = 0 ] &&
	tcp_transfer c1 c2 250.9.200.7 1000000 &&
	tcp_transfer c2 c1 250.3.4.2 1000000
}
subtest "back: c1 -> c2 ping (IpInNoRoutes +0), 1 MB over TCP each way" back_traffic

# --- (b) the namespace holding ul0 deleted --------------------------------

# ul0 and a fan over it in namespace "gone", with routes to h2 in its
# cache, then the namespace deleted.
# ul_released HOST: HOST's ul0, in a namespace just deleted, is back in
# init_net (an IPoIB device: refunded, down, with no address) or
# destroyed with its peer on the switch (a veth), and no reference to it
# was held (the kernel logs one after netdev_unregister_timeout_secs).
ul_released()
{
	if [ "$FAN_UNDERLAY" = ib ]; then
		wait_for 10 ip link show "$UL_DEV" > /dev/null || { echo "ul0 did not return to init_net"; return 1; }
		echo "ul0 returned to init_net"
	else
		wait_for 10 sh -c "! ip -n $(ns sw) link show $1 > /dev/null 2>&1" || { echo "the veth was not destroyed"; return 1; }
		echo "ul0 destroyed (and its peer)"
	fi
	sleep 2
	dmesg_check
}

gone()
{
	ns_create gone &&
	ns_ip h1 link set "$UL_DEV" netns "$(ns gone)" &&
	ul_up gone 10.7.3.4/16 &&
	fan_up gone 250.0.0.0/8 16 &&
	wait_for 10 ns_exec gone ping -c1 -W1 250.9.200.1 &&
	ns_exec gone ping -c3 -i0.2 -W2 250.9.200.1 > /dev/null || return 1
	ip netns del "$(ns gone)" &&
	ul_released h1
}
subtest "ul0 with a fan and cached routes in namespace gone, gone deleted: $([ "$FAN_UNDERLAY" = ib ] && echo "ul0 back in init_net" || echo "ul0 destroyed"), no reference left" gone

again()
{
	if [ "$FAN_UNDERLAY" = ib ]; then
		ip link set "$UL_DEV" netns "$(ns h1)" &&
		ul_up h1 10.7.3.4/16 || return 1
	else
		underlay_host_add h1 10.7.3.4/16 || return 1
	fi
	fan_up h1 250.0.0.0/8 16 && mtu_follows h1 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	ns_exec c2 ping -c2 -i0.2 -W2 250.3.4.2 > /dev/null
}
subtest "h1 given its underlay again, fanctl up: c1 <-> c2" again

# --- (c) the underlay readdressed ----------------------------------------

subtest "before the readdress: c1's packets leave from 10.7.3.4, h2 accepts (rx_spoofed +0)" \
	outer_src c1 250.9.200.7 10.7.3.4 3

readdress()
{
	local r
	ns_ip h1 addr del 10.7.3.4/16 dev "$UL_DEV" &&
	ns_ip h1 addr add 10.7.3.5/16 dev "$UL_DEV" || return 1
	r=$(ns_ip h1 route get 10.7.9.200) || return 1
	echo "h1: $r"
	[[ "$r" == *" src 10.7.3.5 "* ]]
}
subtest "h1 readdressed: 10.7.3.4/16 replaced by 10.7.3.5/16" readdress

# c1's packets are keyed in h1's route cache as before (host 10.7.9.200,
# source 10.7.3.4): that entry must not be used any more.
old_slice()
{
	fan_counted h2 rx_spoofed 3 sniff h2 ipip "$FAN_TMP/cap" \
		pings c1 250.9.200.7 3 1 || return 1
	cat "$FAN_TMP/cap"
	[ "$(cat "$FAN_TMP/ping_rc")" != 0 ] &&
	grep -qx "10.7.3.5 > 10.7.9.200: 250.3.4.2 > 250.9.200.7" "$FAN_TMP/cap"
}
subtest "c1 (old slice) after the readdress: sent from 10.7.3.5, not the cached 10.7.3.4; h2 drops it (rx_spoofed +3)" \
	old_slice

# What a user does: fanctl down the fan of the old address, which finds
# it by its bridge's alias although no device holds 10.7.3.4 any more
# (down ul0/16 means the fan of ul0's address now, which is not up: a
# warning), and keeps it, c1 being on its bridge; then fanctl up for the
# new address.
rerun()
{
	local rc
	ns_exec h1 "$FANCTL" down 250.0.0.0/8 "$UL_DEV/16" > "$FAN_TMP/down" 2>&1
	rc=$?
	cat "$FAN_TMP/down"
	[ "$rc" = 0 ] &&
	grep -qx "fanctl: warning: 250.0.0.0/8 over $UL_DEV/16 is not up" "$FAN_TMP/down" &&
	grep -qxF "fanctl: warning: 250.0.0.0/8 is up over 10.7.3.4/16 (bridge fan-250-3-4): 'fanctl down 250.0.0.0/8 10.7.3.4/16' names it" "$FAN_TMP/down" ||
		{ echo "want: fanctl down $UL_DEV/16 exits 0, warning that it is not up, naming the old fan"; return 1; }
	ns_exec h1 "$FANCTL" down 250.0.0.0/8 10.7.3.4/16 > "$FAN_TMP/down" 2>&1
	rc=$?
	cat "$FAN_TMP/down"
	[ "$rc" = 3 ] || { echo "fanctl down: exit $rc, want 3"; return 1; }
	grep -qx "fanctl: bridge fan-250-3-4 of 250.0.0.0/8 over 10.7.3.4/16 has 1 port ($(veth_name c1)), containers may use it: not taken down (stop them first, or use --force)" "$FAN_TMP/down" &&
	fan_up h1 250.0.0.0/8 16 &&
	ns_ip h1 -br addr show fan-250-3-5 | grep -q " 250.3.5.1/24" &&
	ns_ip h1 link show fan-250-3-4 > /dev/null &&
	fan_container c3 h1 250.3.5.2
}
subtest "fanctl down ul0/16: not up; down 250.0.0.0/8 10.7.3.4/16 keeps the old fan (c1 on it, exit 3), up brings up 250.3.5.0/24; c3 250.3.5.2 on it" rerun

new_slice()
{
	wait_for 10 ns_exec c3 ping -c1 -W1 250.9.200.7 &&
	outer_src c3 250.9.200.7 10.7.3.5 3 &&
	fan_counted h1 rx_spoofed 0 quiet ns_exec c2 ping -c3 -i0.2 -W2 250.3.5.2 &&
	[ "$COUNTED_RC" = 0 ]
}
subtest "c3 (new slice) -> c2 from 10.7.3.5, c2 -> c3: answered (rx_spoofed +0 on h2 and h1)" new_slice

still_refused()
{
	fan_counted h2 rx_spoofed 2 quiet ns_exec c1 ping -c2 -i0.2 -W1 250.9.200.7 &&
	[ "$COUNTED_RC" != 0 ]
}
subtest "c1 (old slice) still refused by h2 (rx_spoofed +2)" still_refused

# --- (d) a fan with no underlay device ------------------------------------

# h3 10.7.5.6 with a fan made without fanctl and without IFLA_FAN_LINK: it
# does not follow any device, so it stays when ul0 leaves, and what it
# sends meanwhile has no route.  h3 itself pings h2's bridge from
# 250.5.6.1 (on lo).
lone()
{
	fan_host h3 10.7.5.6/16 &&
	ns_exec h3 "$FAN_NL" add ftun0 map 250.0.0.0/8 10.7.0.0/16 > /dev/null &&
	ns_ip h3 link set ftun0 up &&
	ns_ip h3 addr add 250.5.6.1/32 dev lo &&
	ns_ip h3 route add 250.0.0.0/8 dev ftun0 src 250.5.6.1 || return 1
	echo "h3 ftun0 link: $(ns_ip h3 -d -j link show ftun0 | jq -r '.[0].link // "none"')"
	wait_for 10 ns_exec h3 ping -c1 -W1 250.9.200.1 &&
	fan_counted h3 tx_no_route 0 quiet ns_exec h3 ping -c2 -i0.2 -W2 250.9.200.1 &&
	[ "$COUNTED_RC" = 0 ]
}
subtest "h3: a fan with no underlay device (fan_nl.py) reaches h2 (tx_no_route +0)" lone

lone_away()
{
	local mtu
	mtu=$(ns_exec h3 cat /sys/class/net/ftun0/mtu)
	ns_create away3 &&
	ns_ip h3 link set "$UL_DEV" netns "$(ns away3)" || return 1
	echo "h3 fan devices: '$(fan_devs h3)', ftun0 mtu $mtu -> $(ns_exec h3 cat /sys/class/net/ftun0/mtu)"
	[ "$(fan_devs h3)" = ftun0 ] &&
	[ "$(ns_exec h3 cat /sys/class/net/ftun0/mtu)" = "$mtu" ] &&
	fan_counted h3 tx_no_route 2 quiet ns_exec h3 ping -c2 -i0.2 -W1 250.9.200.1 &&
	[ "$COUNTED_RC" != 0 ]
}
subtest "ul0 moved out of h3: its ftun0 stays, MTU unchanged; h3 -> h2 has no underlay route (tx_no_route +2)" lone_away

lone_back()
{
	ns_ip away3 link set "$UL_DEV" netns "$(ns h3)" &&
	ul_up h3 10.7.5.6/16 &&
	wait_for 10 ns_exec h3 ping -c1 -W1 250.9.200.1 &&
	fan_counted h3 tx_no_route 0 quiet ns_exec h3 ping -c3 -i0.2 -W2 250.9.200.1 &&
	[ "$COUNTED_RC" = 0 ]
}
subtest "ul0 back in h3, readdressed and up: h3 -> h2 again (tx_no_route +0)" lone_back

# h3's route cache holds routes through ul0 (lone_back just used them):
# ul0 dies (veth) or leaves for init_net (ib) with its namespace, while
# the fan lives on.  A cached route that kept ul0 would be logged.
lone_gone()
{
	ns_create gone3 &&
	ns_ip h3 link set "$UL_DEV" netns "$(ns gone3)" &&
	ip netns del "$(ns gone3)" &&
	ul_released h3 &&
	fan_counted h3 tx_no_route 1 quiet ns_exec h3 ping -c1 -W1 250.9.200.1 &&
	[ "$COUNTED_RC" != 0 ]
}
subtest "h3's ul0, with routes in h3's cache, in a namespace deleted: no reference left; h3 counts tx_no_route (+1)" lone_gone

fan_finish
