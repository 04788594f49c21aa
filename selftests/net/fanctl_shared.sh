#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl and what it shares, and what it did not make (issue 19 item 3):
# two fans on one map (two local addresses in one underlay, as in
# Ubuntu's fanctl(8)) share the fan device, its map and the overlay
# route: taking either down keeps them for the other (the route's source
# handed over), the last one takes them.  A fan device fanctl did not
# make (no marker) is neither used nor deleted by up and down.  Both
# fans' containers reach the other host.  A bridge
# whose ifalias a user (or networkd) changed is reported, set back by up
# and taken down by down and down -e, from the record; a bridge made by
# hand with the name is refused.

. "$(dirname "$0")/fanctl_lib.sh"

A1B=10.7.3.5
BR1B=fan-250-3-5
NL=$top/selftests/net/fan_nl.py

route_of() { h1 ip -4 route show "$OV" | sed 's/ *$//'; }
maps_of() { f1 show --json | jq -c '[.devices[] | {ifname, maps: [.maps[].overlay]}]'; }

test_shared_map()
{
	h1 ip addr add "$A1B/16" dev ib0 || return 1
	expect_rc 0 f1 up $OV $A1/16 || return 1
	expect_rc 0 f1 up $OV $A1B/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	maps_of
	[ "$(maps_of)" = '[{"ifname":"ftun0","maps":["250.0.0.0/8"]}]' ] ||
		fail "not one device with one map" || return 1
	route_of
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	container "$H2" c2 $BR2 250.9.200.7/24 250.9.200.1 || return 1
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null || fail "c1 does not reach c2" || return 1
	# The second address's slice goes out with that address as the outer
	# source (the kernel takes the host address that owns the inner
	# source's slice), so h2's strict receive takes it, and the answer
	# to 250.3.5.10 comes back to 10.7.3.5.
	container "$H1" c1b $BR1B 250.3.5.10/24 250.3.5.1 || return 1
	ip netns exec "c1b-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null ||
		fail "c1b (slice of $A1B) does not reach c2" || return 1
	container_del "$H1" c1b
	# the fan of the second address goes: the first keeps device, map, route
	expect_rc 0 f1 down $OV $A1B/16 || return 1
	if h1 ip link show $BR1B 2>/dev/null; then fail "$BR1B kept"; return 1; fi
	if h1 nft list table ip fanctl | grep -q "250.3.5.0/24"; then fail "its NAT rule kept"; return 1; fi
	[ "$(maps_of)" = '[{"ifname":"ftun0","maps":["250.0.0.0/8"]}]' ] ||
		fail "the other fan's device or map went: $(maps_of)" || return 1
	[ "$(route_of)" = "$OV dev ftun0 proto 250 scope link src 250.3.4.1" ] ||
		fail "route: $(route_of)" || return 1
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null ||
		fail "c1 no longer reaches c2" || return 1
	container_del "$H1" c1
	# the other way round: the route's source was the bridge that goes
	expect_rc 0 f1 up $OV $A1B/16 || return 1
	expect_rc 0 f1 down $OV $A1/16 || return 1
	[ "$(route_of)" = "$OV dev ftun0 proto 250 scope link src 250.3.5.1" ] ||
		fail "route not handed to $BR1B: '$(route_of)'" || return 1
	[ "$(maps_of)" = '[{"ifname":"ftun0","maps":["250.0.0.0/8"]}]' ] ||
		fail "device or map went: $(maps_of)" || return 1
	h1 ip -o addr show dev $BR1B | grep -q "250.3.5.1/24" || fail "$BR1B lost its address" || return 1
	# control: the last fan of the map takes device, map and route
	expect_rc 0 f1 down $OV $A1B/16 || return 1
	[ "$(maps_of)" = '[]' ] || fail "device left: $(maps_of)" || return 1
	[ -z "$(route_of)" ] || fail "route left: $(route_of)" || return 1
	nothing_left "$H1" || return 1
	container_del "$H2" c2
	expect_rc 0 f2 down $OV ib0/16 || return 1
	h1 ip addr del "$A1B/16" dev ib0
}

# A fan device made without fanctl (no marker): not fanctl's to use or delete
test_foreign_device()
{
	h1 python3 "$NL" add ftun9 link ib0 map 240.0.0.0/8 10.7.0.0/16 || return 1
	h1 ip link set ftun9 up || return 1
	expect_rc 0 f1 up $OV ib0/16 || return 1
	# fanctl made its own device rather than adding the map to ftun9
	maps_of
	[ "$(maps_of)" = '[{"ifname":"ftun9","maps":["240.0.0.0/8"]},{"ifname":"ftun0","maps":["250.0.0.0/8"]}]' ] ||
		fail "devices: $(maps_of)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	[ "$(maps_of)" = '[{"ifname":"ftun9","maps":["240.0.0.0/8"]}]' ] ||
		fail "down touched ftun9: $(maps_of)" || return 1
	# ftun9 with the very map: up refuses, and changes nothing
	h1 python3 "$NL" change ftun9 add 250.0.0.0/8 10.7.0.0/16 || return 1
	local before
	before=$(snapshot "$H1")
	expect_rc 2 f1 up $OV ib0/16 || return 1
	echo "$out"
	[ "$out" = "fanctl: map $OV over ib0 is on ftun9, which fanctl did not make; delete that map first" ] ||
		fail "message" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "a refused up changed the system" || return 1
	# down neither deletes it nor takes its map
	expect_rc 0 f1 down $OV ib0/16 || return 1
	echo "$out"
	echo "$out" | grep -qF "$OV over ib0/16 is not up" || fail "message: $out" || return 1
	expect_rc 0 f1 down -e || return 1
	[ "$(maps_of)" = '[{"ifname":"ftun9","maps":["240.0.0.0/8","250.0.0.0/8"]}]' ] ||
		fail "down or down -e touched ftun9: $(maps_of)" || return 1
	# control: without ftun9, the same up works
	h1 ip link del ftun9 || return 1
	expect_rc 0 f1 up $OV ib0/16 || return 1
	[ "$(maps_of)" = '[{"ifname":"ftun0","maps":["250.0.0.0/8"]}]' ] || fail "$(maps_of)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

marker="fanctl $OV $A1/16 host-reserve 1 nat dhcp"
warning="fanctl: warning: bridge $BR1: its ifalias was changed to 'my bridge' (by a user or networkd?); fanctl set '$marker' and goes by that"


test_marker_changed()
{
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	[ "$(h1 cat /sys/class/net/$BR1/ifalias)" = "$marker" ] || fail "marker" || return 1
	h1 ip link set $BR1 alias "my bridge" || return 1
	# show reports it, and still lists the fan
	out=$(f1 show 2>"$tmp/err") || fail "show failed" || return 1
	echo "$out"; cat "$tmp/err"
	[ "$(cat "$tmp/err")" = "$warning" ] || fail "show's warning" || return 1
	echo "$out" | grep -E "^$BR1 .* nat,dhcp,host-reserve=1,marker-changed$" ||
		fail "show's row" || return 1
	f1 show --json 2>/dev/null | jq -e '.fans[0].marker_changed and .fans[0].bridge == "'$BR1'"' ||
		fail "show --json" || return 1
	# up takes it as its own and sets the marker back
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	echo "$out"
	echo "$out" | grep -qxF "$warning" || fail "up's warning" || return 1
	[ "$(h1 cat /sys/class/net/$BR1/ifalias)" = "$marker" ] || fail "marker not set back" || return 1
	f1 show --json | jq -e '.fans[0].marker_changed == false' >/dev/null || fail "still changed" || return 1
	# down takes it down
	h1 ip link set $BR1 alias "my bridge" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	echo "$out"
	echo "$out" | grep -qxF "$warning" || fail "down's warning" || return 1
	nothing_left "$H1" || return 1
	# and down -e
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	h1 ip link set $BR1 alias "my bridge" || return 1
	expect_rc 0 f1 down -e || return 1
	echo "$out" | grep -qxF "$warning" || fail "down -e's warning: $out" || return 1
	nothing_left "$H1" || return 1
	# control: a bridge by that name that fanctl did not make is not taken
	h1 ip link add $BR1 type bridge || return 1
	expect_rc 2 f1 up $OV ib0/16 dhcp || return 1
	[ "$out" = "fanctl: device $BR1 exists and was not made by fanctl; choose another name with 'bridge NAME'" ] ||
		fail "message: $out" || return 1
	expect_rc 0 f1 down -e || return 1
	h1 ip link show $BR1 >/dev/null || fail "down -e deleted a bridge it did not make" || return 1
	h1 ip link del $BR1
	nothing_left "$H1"
}

TESTS="
shared_map test_shared_map
foreign_device test_foreign_device
marker_changed test_marker_changed
"
fanctl_main
