#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own checks of fan link requests, with the extack message
# each refusal carries, and that a refused request changes nothing.
# Requests are built attribute by attribute with fan_nl.py, since fanctl
# refuses bad maps before they reach the kernel.

. "$(dirname "$0")/fan_lib.sh"

nl() { ns_exec h1 python3 "$FAN_NL" "$@"; }

fan_host h1 10.7.3.4/16 || ktap_exit_fail_msg "setup failed"

refused()	# MESSAGE ARGS...: nl ARGS must be refused with MESSAGE
{
	local msg=$1
	shift
	expect_fail "$msg" nl "$@"
}

subtest "a valid device is created" nl add ftun0 link ul0 map 250.0.0.0/8 10.7.0.0/16
subtest "overlay host bits set" \
	refused "overlay prefix has host bits set" add ftun1 map 251.1.0.0/8 10.7.0.0/16
subtest "underlay host bits set" \
	refused "underlay prefix has host bits set" add ftun1 map 251.0.0.0/8 10.7.3.0/16
subtest "overlay prefix not shorter than underlay" \
	refused "overlay prefix must be shorter" add ftun1 map 251.0.0.0/16 10.7.0.0/16
subtest "slice with fewer than 2 container bits" \
	refused "fewer than 2 bits" add ftun1 map 251.0.0.0/8 10.0.0.0/9
subtest "underlay prefix length 31" \
	refused "underlay prefix length must be 1..30" add ftun1 map 251.0.0.0/8 10.7.0.0/31
# 0.0.0.0/0 over 10.7.0.0/16 passes every other check of a map, and ftun0
# is h1's only fan device: a set that replaces its maps overlaps nothing.
subtest "overlay prefix length 0 (0.0.0.0/0, nothing else to overlap)" \
	refused "overlay prefix length must be 1..30" change ftun0 maps 0.0.0.0/0 10.7.0.0/16
subtest "two maps with overlapping overlays" \
	refused "overlapping overlays" add ftun1 map 251.0.0.0/8 10.7.0.0/16 map 251.128.0.0/9 10.8.0.0/16
subtest "overlay overlapping another fan device's" \
	refused "overlaps a map of another fan device" add ftun1 map 250.0.0.0/7 10.8.0.0/16
subtest "overlay covering its own underlay (10.0.0.0/8 over 10.7.0.0/16)" \
	refused "an overlay overlaps an underlay of the same fan device" add ftun1 map 10.0.0.0/8 10.7.0.0/16
subtest "overlay covering another map's underlay" \
	refused "an overlay overlaps an underlay of the same fan device" add ftun1 map 251.0.0.0/8 10.7.0.0/16 map 10.0.0.0/8 172.16.0.0/16
subtest "overlay covering another fan device's underlay (ftun0's 10.7.0.0/16)" \
	refused "an overlay overlaps an underlay of another fan device" add ftun1 map 10.0.0.0/8 172.16.0.0/16
subtest "underlay inside another fan device's overlay (ftun0's 250.0.0.0/8)" \
	refused "an overlay overlaps an underlay of another fan device" add ftun1 map 251.0.0.0/8 250.7.0.0/16
subtest "overlay covering 0.0.0.0/8" \
	refused "an overlay overlaps 0.0.0.0/8 \\(this network\\)" add ftun1 map 0.0.0.0/7 10.8.0.0/16
subtest "overlay covering 127.0.0.0/8" \
	refused "an overlay overlaps 127.0.0.0/8 \\(loopback\\)" add ftun1 map 127.0.0.0/8 10.8.0.0/16
subtest "overlay covering 224.0.0.0/4" \
	refused "an overlay overlaps 224.0.0.0/4 \\(multicast\\)" add ftun1 map 192.0.0.0/2 10.8.0.0/16
subtest "control: 100.64.0.0/10 over 10.8.0.0/24 and 240.0.0.0/8 over 10.9.0.0/16 are fine" \
	sh -c "ip netns exec $(ns h1) python3 $FAN_NL add ftun1 map 100.64.0.0/10 10.8.0.0/24 map 240.0.0.0/8 10.9.0.0/16 &&
	ip netns exec $(ns h1) ip link del ftun1"
subtest "tos with ECN bits (3)" \
	refused "tos must be 1 \\(inherit\\) or a DSCP value \\(ECN bits clear\\)" add ftun1 tos 3 map 251.0.0.0/8 10.7.0.0/16
subtest "tos with ECN bits (0x2a) in a change" \
	refused "tos must be 1 \\(inherit\\) or a DSCP value" change ftun0 tos 42
subtest "control: tos 0x28 (DSCP 10), 0 and 1 (inherit) are accepted" \
	sh -c "for t in 40 0 1; do ip netns exec $(ns h1) python3 $FAN_NL change ftun0 tos \$t || exit 1; done"

many=()
for i in $(seq 200 216); do many+=(map "$i.0.0.0/8" 10.7.0.0/16); done
subtest "17 maps (limit 16)" refused "too many maps" add ftun1 "${many[@]}"
subtest "16 maps are fine" sh -c "ip netns exec $(ns h1) python3 $FAN_NL add ftun1 ${many[*]:0:48} &&
	ip netns exec $(ns h1) python3 $FAN_NL get ftun1 | grep -c '^map' | grep -qx 16 &&
	ip netns exec $(ns h1) ip link del ftun1"

subtest "unknown attribute" refused "Unknown attribute type" add ftun1 attr 40 00000000
subtest "unknown attribute inside a map" \
	refused "Unknown attribute type|EINVAL" add ftun1 mapattr 9 00000000 map 251.0.0.0/8 10.7.0.0/16
subtest "attribute of the wrong length" refused "EINVAL|ERANGE" add ftun1 attr 2 01000000
subtest "pmtudisc out of range" refused "EINVAL|ERANGE" add ftun1 pmtudisc 2
subtest "underlay device that does not exist" \
	refused "underlay device not found" add ftun1 attr 1 e7030000
subtest "the underlay cannot be changed" \
	refused "underlay device cannot be changed" change ftun0 link lo
subtest "deleting a map that is not there" \
	refused "map to delete not found" change ftun0 del 251.0.0.0/8 10.7.0.0/16
subtest "adding a map twice" \
	refused "map already exists" change ftun0 add 250.0.0.0/8 10.7.0.0/16

# only_fans HOST NAMES: HOST's fan devices are NAMES ("" for none).
only_fans()
{
	local got
	got=$(fan_devs "$1") || { echo "cannot list $1's devices"; return 1; }
	echo "$1 fan devices: ${got:-none}"
	[ "$got" = "$2" ]
}
subtest "no refused request left a fan device (nor did ftun1's ip link del)" only_fans h1 ftun0

unchanged()
{
	local before after
	before=$(nl get ftun0)
	nl change ftun0 ttl 9 add 251.0.0.0/8 10.7.0.0/16 add 251.0.0.0/9 10.8.0.0/16 && return 1
	after=$(nl get ftun0)
	echo "$after"
	[ "$before" = "$after" ]
}
subtest "a refused change leaves maps and parameters as they were" unchanged

changes()
{
	nl change ftun0 add 251.0.0.0/8 10.7.0.0/16 ttl 7 strict 0 &&
	nl get ftun0 > "$FAN_TMP/get" &&
	cat "$FAN_TMP/get" &&
	grep -qx 'map 250.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get" &&
	grep -qx 'map 251.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get" &&
	grep -qx 'ttl 7' "$FAN_TMP/get" && grep -qx 'strict 0' "$FAN_TMP/get" &&
	nl change ftun0 maps 252.0.0.0/8 10.7.0.0/16 &&
	[ "$(nl get ftun0 | grep '^map')" = "map 252.0.0.0/8 10.7.0.0/16" ] &&
	nl change ftun0 del 252.0.0.0/8 10.7.0.0/16 &&
	[ -z "$(nl get ftun0 | grep '^map')" ]
}
subtest "add, replace and delete maps; ttl and strict read back" changes

defaults()
{
	nl add ftun2 link ul0 map 249.0.0.0/8 10.7.0.0/16 &&
	nl get ftun2 > "$FAN_TMP/def" && cat "$FAN_TMP/def" &&
	grep -qx "link $(ns_exec h1 cat /sys/class/net/ul0/ifindex)" "$FAN_TMP/def" &&
	grep -qx 'ttl 0' "$FAN_TMP/def" && grep -qx 'tos 1' "$FAN_TMP/def" &&
	grep -qx 'pmtudisc 1' "$FAN_TMP/def" && grep -qx 'strict 1' "$FAN_TMP/def" &&
	grep -qx 'rx_spoofed 0' "$FAN_TMP/def"
}
subtest "defaults: ttl inherit, tos inherit, pmtudisc on, strict on" defaults

subtest "ip link still sees a fan device" sh -c "ip -n $(ns h1) -d link show ftun2 | grep -q fan"

fan_finish
