#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl up / show / map / down on two hosts over an emulated IPoIB fabric:
# what up makes, idempotence, containers on two hosts reaching each other,
# the Ubuntu (-o/-u, --options) and address/default underlay forms, two maps
# on one fan device, and down (and down -e) leaving nothing behind.

. "$(dirname "$0")/fanctl_lib.sh"

test_up()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	local d
	d=$(h1 ip -d link show ftun0) || fail "no ftun0" || return 1
	echo "$d" | grep -q "fan" || fail "ftun0 is not a fan device" || return 1
	h1 ip -d link show $BR1 | grep -q "bridge " || fail "no bridge $BR1" || return 1
	h1 ip -d link show $BR1 | grep -q "stp_state 0" || fail "STP on" || return 1
	h1 ip -d link show $BR1 | grep -q "forward_delay 0" || fail "forward_delay" || return 1
	h1 ip -o addr show dev $BR1 | grep -q "inet 250.3.4.1/24" || fail "bridge address" || return 1
	h1 ip link show $BR1 | grep -q "state UP\|,UP" || fail "bridge down" || return 1
	h1 ip link show $BR1 | grep -q "mtu 2024" || fail "bridge mtu: $(h1 ip link show $BR1)" || return 1
	h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat" ||
		fail "alias: $(h1 ip link show $BR1)" || return 1
	h1 ip route show $OV | grep -q "dev ftun0 proto 250 scope link src 250.3.4.1" ||
		fail "route: $(h1 ip route show $OV)" || return 1
	[ "$(h1 cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "ip_forward" || return 1
	h1 nft list table ip fanctl | grep -q "ip saddr $S1 ip daddr != $OV masquerade" ||
		fail "nat: $(h1 nft list table ip fanctl)" || return 1
}

test_idempotent()
{
	local before after
	before=$(snapshot "$H1")
	expect_rc 0 f1 up $OV ib0/16 || return 1
	[ -z "$out" ] || fail "second up printed: $out" || return 1
	after=$(snapshot "$H1")
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after"); return 1; }
	# a different bridge name for the same fan is refused, nothing changes
	expect_rc 2 f1 up $OV ib0/16 bridge other0 || return 1
	echo "$out" | grep -q "already up" || fail "message: $out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "state changed" || return 1
}

test_show()
{
	expect_rc 0 f1 show || return 1
	echo "$out"
	echo "$out" | grep -qE "^$BR1 +$OV +$A1/16 +$S1 +2024 +ftun0 +ipip +nat,host-reserve=1" ||
		fail "table row" || return 1
	echo "$out" | grep -qE "^ftun0 +ib0 +up +2024" || fail "device row" || return 1
	echo "$out" | grep -q "map $OV over 10.7.0.0/16 mode ipip" || fail "map row" || return 1
	echo "$out" | grep -q "drops: tx_no_map 0 tx_bad_host 0 tx_to_self 0 tx_no_route 0" ||
		fail "drops" || return 1
}

# The keys of show --json, exactly: ip -j's names ("ifname", "local"),
# "underlay" the map's network in a fan as in a device's maps.
FAN_KEYS='["address","bridge","device","dhcp","dhcp_running","host_reserve","local",'\
'"marker_changed","mode","mode_requested","mtu","nat","notrack","overlay","slice","underlay"]'
DEV_KEYS='["drops","ifindex","ifname","link","maps","mtu","stats","up"]'

test_json()
{
	local k
	expect_rc 0 f1 show --json || return 1
	echo "$out" | jq -e . >/dev/null || fail "not JSON: $out" || return 1
	k=$(echo "$out" | jq -c keys)
	[ "$k" = '["devices","fans"]' ] || fail "top-level keys: $k" || return 1
	k=$(echo "$out" | jq -c '.fans[0] | keys')
	[ "$k" = "$FAN_KEYS" ] || fail "fan keys: $k" || return 1
	k=$(echo "$out" | jq -c '.devices[0] | keys')
	[ "$k" = "$DEV_KEYS" ] || fail "device keys: $k" || return 1
	# control: the comparison sees a key too many (the old underlay_net)
	k=$(echo "$out" | jq -c '.fans[0] + {underlay_net: "10.7.0.0/16"} | keys')
	[ "$k" != "$FAN_KEYS" ] || fail "the key check misses underlay_net: $k" || return 1
	echo "$out" | jq -e --arg br $BR1 '.fans | length == 1 and .[0].bridge == $br and
		.[0].overlay == "250.0.0.0/8" and .[0].underlay == "10.7.0.0/16" and
		.[0].local == "10.7.3.4" and .[0].slice == "250.3.4.0/24" and
		.[0].address == "250.3.4.1" and .[0].mtu == 2024 and .[0].device == "ftun0" and
		.[0].host_reserve == 1 and .[0].nat == true and .[0].dhcp == false and
		.[0].mode == "ipip" and .[0].mode_requested == "ipip"' >/dev/null ||
		fail "fans: $out" || return 1
	echo "$out" | jq -e '.devices | length == 1 and .[0].ifname == "ftun0" and
		.[0].link == "ib0" and .[0].up == true and
		.[0].maps == [{"overlay": "250.0.0.0/8", "underlay": "10.7.0.0/16", "mode": "ipip"}] and
		(.[0].stats | has("rx_packets") and has("tx_packets") and has("tx_dropped")) and
		(.[0].drops | keys | length == 14) and (.[0].drops | has("rx_spoofed")) and
		(.[0].drops | has("err_not_relayed")) and
		(.[0].drops | has("rx_policy"))' >/dev/null ||
		fail "devices: $out" || return 1
	# one shape: the fan's underlay is its map's, as the device has it
	echo "$out" | jq -e '.fans[0].underlay == .devices[0].maps[0].underlay' >/dev/null ||
		fail "underlay differs: $out" || return 1
	# the same keys in ip -j's output
	k=$(h1 ip -j link show ftun0 | jq -r '.[0] | [.ifname, .ifindex, .link] | @tsv')
	[ "$k" = "$(echo "$out" | jq -r '.devices[0] | [.ifname, .ifindex, .link] | @tsv')" ] ||
		fail "ip -j says $k: $out" || return 1
}

test_map_kernel()
{
	expect_rc 0 f1 map 250.9.200.7 10.7.3.4 || return 1
	[ "$out" = "250.9.200.7 overlay $OV dev ftun0 host 10.7.9.200 slice $S2
10.7.3.4 underlay 10.7.0.0/16 dev ftun0 slice $S1" ] || fail "map: $out" || return 1
	expect_rc 1 f1 map 192.168.1.1 || return 1
	echo "$out" | grep -q "192.168.1.1 is in no configured map" || fail "$out" || return 1
	expect_rc 1 f1 map 250.9.200 || return 1
	echo "$out" | grep -q "'250.9.200'" || fail "$out" || return 1
}

test_datapath()
{
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	container "$H2" c2 $BR2 250.9.200.7/24 250.9.200.1 || return 1
	ip netns exec c1-$sfx ping -c 2 -W 2 250.9.200.7 ||
		fail "container on h1 cannot reach container on h2" || return 1
	# the packets went through ftun0 on both hosts
	local tx
	tx=$(f1 show --json | jq '.devices[0].stats.tx_packets')
	[ "$tx" -ge 2 ] || fail "ftun0 tx_packets $tx" || return 1
}

test_down()
{
	# a bridge with ports is kept (fanctl_busy.sh): the container goes first
	container_del "$H1" c1 || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	# no fans: the header only (test_show saw the rows under it)
	expect_rc 0 f1 show || return 1
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "show with no fans: $out" || return 1
	echo "$out" | grep -qxE 'BRIDGE +OVERLAY +UNDERLAY +SLICE +MTU +DEVICE +MODE +FLAGS' ||
		fail "show with no fans: $out" || return 1
	expect_rc 0 f1 show --json || return 1
	[ "$(echo "$out" | jq -c .)" = '{"fans":[],"devices":[]}' ] ||
		fail "show --json with no fans: $out" || return 1
	# ip_forward stays on
	# down again: a no-op with a warning
	expect_rc 0 f1 down $OV ib0/16 || return 1
	echo "$out" | grep -q "is not up" || fail "$out" || return 1
}

test_ubuntu_forms()
{
	expect_rc 0 f1 up -o $OV -u 10.7.3.4/16 --host-reserve=9 --no-nat --mtu 1500 || return 1
	h1 ip link show $BR1 | grep -q "mtu 1500" || fail "mtu" || return 1
	h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 9 no-nat mtu 1500" ||
		fail "alias: $(h1 ip link show $BR1)" || return 1
	if h1 nft list table ip fanctl 2>/dev/null | grep -q masquerade; then
		fail "no-nat made a masquerade rule"; return 1
	fi
	# down by another spelling of the same underlay
	expect_rc 0 f1 down $OV 10.7.0.0/16 || return 1
	nothing_left "$H1" || return 1
	# default/16 (default route through ib0)
	h1 ip route add default via 10.7.0.1 dev ib0 || return 1
	expect_rc 0 f1 up $OV default/16 bridge fanbr || return 1
	h1 ip -o addr show dev fanbr | grep -q "250.3.4.1/24" || fail "default/16" || return 1
	expect_rc 0 f1 down $OV default/16 || return 1
	h1 ip route del default
	nothing_left "$H1"
}

test_two_maps()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f1 up 100.64.0.0/10 ib0/24 no-nat || return 1
	# 10.7.3.4 in 10.7.3.0/24: host 4 -> 100.64.0.0 | 4 << 14 = 100.65.0.0/18
	h1 ip -o addr show dev fan-100-65-0 | grep -q "100.65.0.1/18" ||
		fail "second bridge: $(h1 ip -br addr)" || return 1
	[ "$(h1 ip -d link show | grep -c 'fan ')" = 1 ] || fail "more than one fan device" || return 1
	f1 show --json | jq -e '.devices[0].maps | length == 2' >/dev/null ||
		fail "maps: $(f1 show --json)" || return 1
	# each fan's underlay is its own map's (the two differ), local the same
	f1 show --json | jq -e '[.fans[] as $f | .devices[0].maps[] |
		select(.overlay == $f.overlay) | .underlay == $f.underlay] == [true, true] and
		([.fans[].underlay] | sort == ["10.7.0.0/16", "10.7.3.0/24"]) and
		([.fans[].local] == ["10.7.3.4", "10.7.3.4"])' >/dev/null ||
		fail "underlays: $(f1 show --json)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	f1 show --json | jq -e '.devices[0].maps == [{"overlay": "100.64.0.0/10", "underlay": "10.7.3.0/24", "mode": "ipip"}]' >/dev/null ||
		fail "after down: $(f1 show --json)" || return 1
	h1 ip link show ftun0 >/dev/null || fail "ftun0 went with a map left" || return 1
	expect_rc 0 f1 down 100.64.0.0/10 ib0/24 || return 1
	nothing_left "$H1"
}

test_down_everything()
{
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	expect_rc 0 f1 up 100.64.0.0/10 ib0/24 || return 1
	expect_rc 0 f1 down -e || return 1
	nothing_left "$H1" || return 1
	if h1 pgrep -f "dnsmasq.*$BR1"; then fail "dnsmasq still runs"; return 1; fi
	return 0
}

TESTS="
up test_up
idempotent test_idempotent
show test_show
show_json test_json
map_kernel test_map_kernel
datapath test_datapath
down test_down
ubuntu_forms test_ubuntu_forms
two_maps test_two_maps
down_everything test_down_everything
"
fanctl_main
