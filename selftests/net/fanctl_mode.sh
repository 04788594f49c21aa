#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl up ... mode direct|ipip|auto on two hosts over an emulated IPoIB
# fabric: the map's mode in fanctl show (text and JSON) and in the
# kernel's dump (fan_nl.py get: "map O U mode direct"), the bridge MTU (the
# underlay's in mode direct, 20 less in ipip), auto picking direct on a
# flat underlay and ipip where ib0's subnet is narrower than the map's
# underlay, the marker carrying the mode through down and up again, ipip
# and direct maps on separate fan devices, fanctl docker, cni and incus
# following the mode, the config file, and bad mode words refused with
# nothing changed.
#
# The subtests direct_up, auto_flat, direct_datapath and direct_mixed need
# a fan.ko with direct mode (IFLA_FAN_MAP_MODE); on a module without it
# they fail and say "NEEDS KERNEL".  direct_refused passes on both: the
# kernel refuses a direct map on a /24 ib0 (or any, without direct mode)
# and fanctl shows why.

. "$(dirname "$0")/fanctl_lib.sh"

NL=$here/fan_nl.py

ul_mtu() { h1 cat /sys/class/net/ib0/mtu; }
nl1() { h1 python3 "$NL" "$@"; }

# ib0_prefix HOST LEN: the host's ib0 address, with prefix length LEN only
ib0_prefix()
{
	local host=$1 len=$2 a=$A1
	[ "$host" = "$H1" ] || a=$A2
	ip -n "$host" -4 addr flush dev ib0 || return 1
	ip -n "$host" addr add "$a/$len" dev ib0
}

# Each subtest starts from hosts without fans, ib0 on /16.
fresh()
{
	f1 down -e --force > /dev/null 2>&1
	f2 down -e --force > /dev/null 2>&1
	ib0_prefix "$H1" 16 && ib0_prefix "$H2" 16
}

# Does this fan.ko take a direct map?  Asked once, of a throwaway device.
direct_support()
{
	local r
	if [ ! -e "$tmp/direct" ]; then
		if r=$(nl1 add ftunprobe link ib0 map 249.0.0.0/8 10.7.0.0/16 mapattr 5 01 2>&1); then
			echo "yes" > "$tmp/direct"
		else
			echo "no ($r)" > "$tmp/direct"
		fi
		h1 ip link del ftunprobe 2> /dev/null
	fi
	cat "$tmp/direct"
}

needs_kernel()
{
	echo "NEEDS KERNEL: this subtest needs fan.ko with direct mode; the probe says: $(direct_support)"
}

# jqf FILTER: fanctl show --json on H1 satisfies FILTER
jqf()
{
	local j
	j=$(f1 show --json) || return 1
	if ! printf '%s\n' "$j" | jq -e "$@" > /dev/null; then
		echo "show --json fails $*:"
		printf '%s\n' "$j"
		return 1
	fi
}

# refused RC PATTERN ARGS...: fanctl ARGS on H1 exits RC, says PATTERN and
# changes nothing.
refused()
{
	local want=$1 pat=$2 before after
	shift 2
	before=$(snapshot "$H1")
	expect_rc "$want" f1 "$@" || return 1
	if ! printf '%s\n' "$out" | grep -qF -- "$pat"; then
		fail "'fanctl $*': message lacks \"$pat\": $out"
		return 1
	fi
	after=$(snapshot "$H1")
	if [ "$before" != "$after" ]; then
		fail "'fanctl $*' changed the system:"
		diff <(echo "$before") <(echo "$after")
		return 1
	fi
}

test_bad_mode()
{
	local bad=0 before after
	fresh || return 1
	refused 1 "'bogus' is not a mode (direct, ipip or auto)" up $OV ib0/16 mode bogus || bad=1
	refused 1 "'DIRECT' is not a mode" up $OV ib0/16 --mode=DIRECT || bad=1
	refused 1 "option 'mode' needs a value" up $OV ib0/16 mode || bad=1
	refused 1 "mode given twice ('direct', then 'ipip')" up $OV ib0/16 mode direct mode ipip ||
		bad=1
	refused 1 "unknown option 'direct'" up $OV ib0/16 direct || bad=1
	refused 1 "'fast' is not a mode" docker $OV ib0/16 mode fast || bad=1
	refused 1 "'fast' is not a mode" cni $OV ib0/16 mode fast || bad=1
	# the MTU limit follows the mode (fanctl checks before the kernel)
	refused 1 "mtu 2045 is larger than the underlay MTU 2044 of ib0 (mode direct)" \
		up $OV ib0/16 mode direct mtu 2045 || bad=1
	refused 1 "mtu 2044 is larger than the underlay MTU 2044 of ib0 minus 20" \
		up $OV ib0/16 mode ipip mtu 2044 || bad=1
	# a config file with a bad mode: its line named, up -a does nothing
	printf '%s\n' "$OV ib0/16 mode direct" "241.0.0.0/8 ib0/16 mode fast" > "$tmp/bad"
	refused 1 "$tmp/bad:2: 'fast' is not a mode (direct, ipip or auto)" config "$tmp/bad" ||
		bad=1
	refused 1 "has 1 error; nothing done" up -a -c "$tmp/bad" || bad=1

	# positive controls: the good spellings pass, and the snapshot sees what up does
	printf '%s\n' "$OV ib0/16 mode direct" "241.0.0.0/8 ib0/16 mode auto off" > "$tmp/good"
	expect_rc 0 f1 config "$tmp/good" || bad=1
	if [ "$out" != "$tmp/good:1: $OV ib0/16 host-reserve 1 nat mode direct
$tmp/good:2: 241.0.0.0/8 ib0/16 host-reserve 1 nat mode auto off" ]; then
		fail "config output: $out"
		bad=1
	fi
	before=$(snapshot "$H1")
	expect_rc 0 f1 up $OV ib0/16 mode ipip mtu 2024 || bad=1
	after=$(snapshot "$H1")
	if [ "$before" = "$after" ]; then
		fail "up changed nothing the snapshot sees"
		bad=1
	fi
	expect_rc 0 f1 down $OV ib0/16 || bad=1
	nothing_left "$H1" || bad=1
	return $bad
}

test_ipip()
{
	local ul before
	fresh || return 1
	ul=$(ul_mtu)
	expect_rc 0 f1 up $OV ib0/16 mode ipip || return 1
	if ! h1 ip link show $BR1 | grep -q "mtu $((ul - 20)) "; then
		fail "bridge mtu is not $ul - 20: $(h1 ip link show $BR1)"
		return 1
	fi
	# the marker of the default: no mode word, so "up" without one is the same fan
	if ! h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat$"; then
		fail "alias: $(h1 ip link show $BR1)"
		return 1
	fi
	jqf --argjson m $((ul - 20)) '.fans[0].mode == "ipip" and
		.fans[0].mode_requested == "ipip" and .fans[0].mtu == $m and
		.devices[0].maps == [{"overlay": "250.0.0.0/8", "underlay": "10.7.0.0/16",
				      "mode": "ipip"}]' || return 1
	expect_rc 0 f1 show || return 1
	if ! echo "$out" | grep -qE "^$BR1 +$OV +$A1/16 +$S1 +$((ul - 20)) +ftun0 +ipip +nat"; then
		fail "show: $out"
		return 1
	fi
	if ! echo "$out" | grep -q "^  map $OV over 10.7.0.0/16 mode ipip$"; then
		fail "show map line: $out"
		return 1
	fi
	# the kernel's view: the map, in ipip (fan_nl.py names no mode then)
	out=$(nl1 get ftun0) || { fail "fan_nl.py get: $out"; return 1; }
	echo "$out" | grep '^map'
	if ! echo "$out" | grep -qx "map $OV 10.7.0.0/16"; then
		fail "the kernel has no ipip map $OV 10.7.0.0/16"
		return 1
	fi
	before=$(snapshot "$H1")
	expect_rc 0 f1 up $OV ib0/16 || return 1
	if [ -n "$out" ] || [ "$before" != "$(snapshot "$H1")" ]; then
		fail "up without mode after up mode ipip was not a no-op: $out"
		return 1
	fi
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

test_auto_not_flat()
{
	local ul before
	fresh || return 1
	ul=$(ul_mtu)
	# 10.7.3.4/24: the hosts of 10.7.0.0/16 outside 10.7.3.0/24 are not on-link
	ib0_prefix "$H1" 24 || return 1
	expect_rc 0 f1 -v up $OV ib0/16 mode auto || return 1
	echo "$out"
	if ! echo "$out" | grep -q "underlay 10.7.0.0/16 is not flat on ib0"; then
		fail "up -v does not say why"
		return 1
	fi
	if ! echo "$out" | grep -q "mtu $((ul - 20)) mode ipip (auto: the underlay is not flat)"; then
		fail "up does not say what auto picked"
		return 1
	fi
	jqf --argjson m $((ul - 20)) '.fans[0].mode == "ipip" and
		.fans[0].mode_requested == "auto" and .fans[0].mtu == $m and
		.devices[0].maps[0].mode == "ipip"' || return 1
	expect_rc 0 f1 show || return 1
	if ! echo "$out" | grep -qE "^$BR1 .* ftun0 +auto:ipip +nat"; then
		fail "show: $out"
		return 1
	fi
	if ! h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat mode auto$"; then
		fail "alias: $(h1 ip link show $BR1)"
		return 1
	fi
	# again: the same choice, a no-op
	before=$(snapshot "$H1")
	expect_rc 0 f1 up $OV ib0/16 mode auto || return 1
	if [ -n "$out" ] || [ "$before" != "$(snapshot "$H1")" ]; then
		fail "second up mode auto was not a no-op: $out"
		return 1
	fi
	# ib0 now flat: auto would pick direct, but the map is up as ipip
	ib0_prefix "$H1" 16 || return 1
	refused 2 "map $OV is up on ftun0 in mode ipip, not direct; run 'fanctl down' first" \
		up $OV ib0/16 mode auto || return 1
	# down and up again (the marker has mode auto): ipip again on /24
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	ib0_prefix "$H1" 24 || return 1
	expect_rc 0 f1 up $OV ib0/16 mode auto || return 1
	jqf '.fans[0].mode == "ipip" and .fans[0].mode_requested == "auto"' || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	ib0_prefix "$H1" 16
}

test_config_auto()
{
	fresh || return 1
	ib0_prefix "$H1" 24 || return 1
	printf '%s\n' "$OV ib0/16 mode auto" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	jqf '.fans | length == 1 and .[0].mode == "ipip" and .[0].mode_requested == "auto"' ||
		return 1
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	nothing_left "$H1" || return 1
	ib0_prefix "$H1" 16
}

test_docker_cni_mtu()
{
	local ul
	fresh || return 1
	ul=$(ul_mtu)
	# docker and cni need no fan up: the MTU is what up would give the bridge
	expect_rc 0 f1 docker $OV ib0/16 mode direct || return 1
	if ! echo "$out" | jq -e --argjson m "$ul" '.mtu == $m and .bridge == "fan-250-3-4"' \
		> /dev/null; then
		fail "docker mode direct: mtu is not $ul: $out"
		return 1
	fi
	# control: the default and ipip take off 20
	expect_rc 0 f1 docker $OV ib0/16 || return 1
	if ! echo "$out" | jq -e --argjson m $((ul - 20)) '.mtu == $m' > /dev/null; then
		fail "docker: mtu is not $ul - 20: $out"
		return 1
	fi
	expect_rc 0 f1 docker $OV ib0/16 mode ipip || return 1
	if ! echo "$out" | jq -e --argjson m $((ul - 20)) '.mtu == $m' > /dev/null; then
		fail "docker mode ipip: $out"
		return 1
	fi
	expect_rc 0 f1 docker $OV ib0/16 mode auto || return 1
	if ! echo "$out" | jq -e --argjson m "$ul" '.mtu == $m' > /dev/null; then
		fail "docker mode auto on a flat ib0: $out"
		return 1
	fi
	expect_rc 0 f1 cni $OV ib0/16 mode direct || return 1
	if ! echo "$out" | jq -e --argjson m "$ul" '.plugins[0].mtu == $m' > /dev/null; then
		fail "cni mode direct: $out"
		return 1
	fi
	expect_rc 0 f1 cni $OV ib0/16 || return 1
	if ! echo "$out" | jq -e --argjson m $((ul - 20)) '.plugins[0].mtu == $m' > /dev/null; then
		fail "cni: $out"
		return 1
	fi
	expect_rc 0 f1 incus $OV ib0/16 mode direct || return 1
	echo "$out" | grep -qx "    mtu: \"$ul\"" || fail "incus mode direct: $out" || return 1
	expect_rc 0 f1 incus $OV ib0/16 || return 1
	echo "$out" | grep -qx "    mtu: \"$((ul - 20))\"" || fail "incus: $out" || return 1
	# not flat: auto is ipip
	ib0_prefix "$H1" 24 || return 1
	expect_rc 0 f1 docker $OV ib0/16 mode auto || return 1
	if ! echo "$out" | jq -e --argjson m $((ul - 20)) '.mtu == $m' > /dev/null; then
		fail "docker mode auto on a /24 ib0: $out"
		return 1
	fi
	ib0_prefix "$H1" 16 || return 1
	# another host's fan: the MTU must be given, the hint says which
	refused 1 "give 'mtu N' (the underlay MTU, mode direct)" docker $OV 10.7.9.9/16 mode direct ||
		return 1
	expect_rc 0 f1 docker $OV 10.7.9.9/16 mode direct mtu 4092 || return 1
	if ! echo "$out" | jq -e '.mtu == 4092 and .bridge == "fan-250-9-9"' > /dev/null; then
		fail "docker for another host: $out"
		return 1
	fi
	nothing_left "$H1"
}

# The kernel refuses a direct map where ib0's subnet (a /24) does not hold
# the underlay /16 (a module without direct mode refuses any): exit 2, the
# kernel's extack message printed, nothing left.  Control: ipip there works.
test_direct_refused()
{
	local before after
	fresh || return 1
	ib0_prefix "$H1" 24 || return 1
	before=$(snapshot "$H1")
	expect_rc 2 f1 up $OV ib0/16 mode direct || return 1
	echo "$out"
	if ! echo "$out" | grep -q "cannot create fan device ftun0: .* (kernel: .\+)"; then
		fail "the kernel's extack message is not shown"
		return 1
	fi
	after=$(snapshot "$H1")
	if [ "$before" != "$after" ]; then
		fail "a refused up changed the system:"
		diff <(echo "$before") <(echo "$after")
		return 1
	fi
	expect_rc 0 f1 up $OV ib0/16 mode ipip || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	ib0_prefix "$H1" 16
}

test_direct_up()
{
	local ul before
	fresh || return 1
	ul=$(ul_mtu)
	if ! expect_rc 0 f1 up $OV ib0/16 mode direct; then
		needs_kernel
		return 1
	fi
	if ! h1 ip link show $BR1 | grep -q "mtu $ul "; then
		fail "bridge mtu is not the underlay's $ul: $(h1 ip link show $BR1)"
		return 1
	fi
	if ! h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat mode direct$"; then
		fail "alias: $(h1 ip link show $BR1)"
		return 1
	fi
	jqf --argjson m "$ul" '.fans[0].mode == "direct" and
		.fans[0].mode_requested == "direct" and .fans[0].mtu == $m and
		.fans[0].device == "ftun0" and .devices[0].link == "ib0" and
		.devices[0].maps == [{"overlay": "250.0.0.0/8", "underlay": "10.7.0.0/16",
				      "mode": "direct"}]' || return 1
	expect_rc 0 f1 show || return 1
	if ! echo "$out" | grep -qE "^$BR1 +$OV +$A1/16 +$S1 +$ul +ftun0 +direct +nat"; then
		fail "show: $out"
		return 1
	fi
	# the kernel's view: a direct map on a fan device bound to ib0
	out=$(nl1 get ftun0) || { fail "fan_nl.py get: $out"; return 1; }
	echo "$out" | grep '^map\|^link'
	if ! echo "$out" | grep -qx "map $OV 10.7.0.0/16 mode direct"; then
		fail "the kernel does not dump the map as direct"
		return 1
	fi
	if ! echo "$out" | grep -qx "link $(h1 cat /sys/class/net/ib0/ifindex)"; then
		fail "ftun0 is not bound to ib0 (IFLA_FAN_LINK)"
		return 1
	fi
	before=$(snapshot "$H1")
	expect_rc 0 f1 up $OV ib0/16 mode direct || return 1
	if [ -n "$out" ] || [ "$before" != "$(snapshot "$H1")" ]; then
		fail "second up mode direct was not a no-op: $out"
		return 1
	fi
	# the same fan in another mode: down first
	refused 2 "already up as 'fanctl $OV $A1/16 host-reserve 1 nat mode direct'" \
		up $OV ib0/16 || return 1
	refused 2 "already up" up $OV ib0/16 mode auto || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	# and up again after down
	expect_rc 0 f1 up $OV ib0/16 mode direct || return 1
	jqf '.fans[0].mode == "direct"' || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

test_auto_flat()
{
	local ul
	fresh || return 1
	ul=$(ul_mtu)
	if ! expect_rc 0 f1 -v up $OV ib0/16 mode auto; then
		needs_kernel
		return 1
	fi
	echo "$out"
	if ! echo "$out" | grep -q "underlay 10.7.0.0/16 is flat on ib0 (address $A1/16)"; then
		fail "up -v does not say why"
		return 1
	fi
	if ! echo "$out" | grep -q "mtu $ul mode direct (auto: the underlay is flat)"; then
		fail "up does not say what auto picked"
		return 1
	fi
	jqf --argjson m "$ul" '.fans[0].mode == "direct" and
		.fans[0].mode_requested == "auto" and .fans[0].mtu == $m and
		.devices[0].maps[0].mode == "direct"' || return 1
	expect_rc 0 f1 show || return 1
	if ! echo "$out" | grep -qE "^$BR1 .* $ul +ftun0 +auto:direct +nat"; then
		fail "show: $out"
		return 1
	fi
	if ! nl1 get ftun0 | grep -qx "map $OV 10.7.0.0/16 mode direct"; then
		fail "the kernel does not dump the map as direct: $(nl1 get ftun0)"
		return 1
	fi
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1" || return 1
	# from the config file too
	printf '%s\n' "$OV ib0/16 mode auto" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	jqf '.fans[0].mode == "direct" and .fans[0].mode_requested == "auto"' || return 1
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	nothing_left "$H1"
}

# containers c1 on H1 and c2 on H2, their veths at the underlay MTU
mtu_containers()	# MTU
{
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	container "$H2" c2 $BR2 250.9.200.7/24 250.9.200.1 || return 1
	ip -n c1-$sfx link set eth0 mtu "$1" && h1 ip link set vc1 mtu "$1" &&
		ip -n c2-$sfx link set eth0 mtu "$1" && h2 ip link set vc2 mtu "$1"
}

# A packet of the underlay's MTU crosses in mode direct; in ipip (the
# control) it does not fit.
test_direct_datapath()
{
	local ul big
	fresh || return 1
	ul=$(ul_mtu)
	big=$((ul - 28))	# ICMP payload of a packet of $ul bytes
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	mtu_containers "$ul" || return 1
	if ! ip netns exec c1-$sfx ping -c 2 -W 2 250.9.200.7; then
		fail "ipip: containers do not reach each other"
		return 1
	fi
	if ip netns exec c1-$sfx ping -c 1 -W 2 -M "do" -s $big 250.9.200.7; then
		fail "ipip: a $ul-byte packet crossed a fan of MTU $((ul - 20))"
		return 1
	fi
	container_del "$H1" c1; container_del "$H2" c2
	f1 down -e; f2 down -e
	if ! expect_rc 0 f1 up $OV ib0/16 mode direct; then
		needs_kernel
		return 1
	fi
	expect_rc 0 f2 up $OV ib0/16 mode direct || return 1
	mtu_containers "$ul" || return 1
	if ! ip netns exec c1-$sfx ping -c 2 -W 2 250.9.200.7; then
		fail "direct: containers do not reach each other"
		return 1
	fi
	if ! ip netns exec c1-$sfx ping -c 2 -W 2 -M "do" -s $big 250.9.200.7; then
		fail "direct: a $ul-byte packet does not cross (ftun0: $(h1 ip link show ftun0))"
		return 1
	fi
	jqf '.devices[0].stats.tx_packets >= 4' || return 1
	container_del "$H1" c1; container_del "$H2" c2
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

# An ipip and a direct map over ib0 go on two fan devices, each with its
# MTU (the kernel takes 20 off a device with any ipip map).
test_direct_mixed()
{
	local ul
	fresh || return 1
	ul=$(ul_mtu)
	expect_rc 0 f1 up $OV ib0/16 || return 1
	# 10.7.3.0/24 lies inside ib0's 10.7.0.0/16: flat
	if ! expect_rc 0 f1 up 100.64.0.0/10 ib0/24 mode direct no-nat; then
		needs_kernel
		return 1
	fi
	jqf --argjson m "$ul" '(.devices | length == 2) and
		([.fans[] | {bridge, mode, mtu, device}] | sort_by(.bridge) ==
		 [{"bridge": "fan-100-65-0", "mode": "direct", "mtu": $m, "device": "ftun1"},
		  {"bridge": "fan-250-3-4", "mode": "ipip", "mtu": ($m - 20), "device": "ftun0"}]) and
		([.devices[] | {ifname, mtu, modes: [.maps[].mode]}] | sort_by(.ifname) ==
		 [{"ifname": "ftun0", "mtu": ($m - 20), "modes": ["ipip"]},
		  {"ifname": "ftun1", "mtu": $m, "modes": ["direct"]}])' || return 1
	# a second direct map joins ftun1
	expect_rc 0 f1 up 240.0.0.0/8 ib0/16 mode direct no-nat || return 1
	jqf '.devices | length == 2 and (map(select(.ifname == "ftun1")) | .[0].maps | length == 2)' ||
		return 1
	expect_rc 0 f1 down 100.64.0.0/10 ib0/24 || return 1
	expect_rc 0 f1 down 240.0.0.0/8 ib0/16 || return 1
	jqf '.devices | length == 1 and .[0].ifname == "ftun0"' || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

# mode direct on a narrower ib0: fanctl's own warning, before the kernel is
# asked (which refuses it, see direct_refused)
test_direct_not_flat_warns()
{
	fresh || return 1
	ib0_prefix "$H1" 24 || return 1
	out=$(f1 up $OV ib0/16 mode direct 2>&1)
	echo "$out"
	f1 down -e > /dev/null 2>&1
	ib0_prefix "$H1" 16 || return 1
	if ! echo "$out" | grep -q "mode direct: the underlay is not flat: no address of ib0 is on a subnet holding 10.7.0.0/16"; then
		fail "no warning"
		return 1
	fi
	# control: no warning on a flat ib0
	out=$(f1 up $OV ib0/16 mode direct 2>&1)
	f1 down -e > /dev/null 2>&1
	if echo "$out" | grep -q "not flat"; then
		fail "a warning on a flat ib0: $out"
		return 1
	fi
	nothing_left "$H1"
}

TESTS="
bad_mode test_bad_mode
ipip test_ipip
auto_not_flat test_auto_not_flat
config_auto test_config_auto
docker_cni_mtu test_docker_cni_mtu
direct_refused test_direct_refused
direct_up test_direct_up
auto_flat test_auto_flat
direct_datapath test_direct_datapath
direct_mixed test_direct_mixed
direct_not_flat_warns test_direct_not_flat_warns
"
fanctl_main
