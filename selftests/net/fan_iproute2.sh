#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stock ip(8) with link_fan.so (tools/iproute2): fan devices made,
# changed, shown and deleted with ip alone and compared with what the
# kernel holds (fan_nl.py reads the attributes back), bad input refused
# with the plugin's or the kernel's (extack) message and nothing changed,
# traffic between two hosts over devices ip made, and check-ip.sh
# refusing an ip it was not checked against.  The plugin is installed
# where make install puts it, in the VM's throwaway root.

. "$(dirname "$0")/fan_lib.sh"

PLUGIN_DIR=$FAN_TOP/tools/iproute2
nl() { ns_exec h1 python3 "$FAN_NL" "$@"; }
ip1() { ns_ip h1 "$@"; }

install_plugin()
{
	make -s -C "$PLUGIN_DIR" link_fan.so || return 1
	libdir=$(make -s -C "$PLUGIN_DIR" print-ip-lib-dir) || return 1
	echo "IP_LIB_DIR $libdir"
	[ ! -e "$libdir/link_fan.so" ] || { echo "a link_fan.so is installed already"; return 1; }
	# Without the plugin ip knows no fan (the control for everything below).
	if ip1 link add ftun9 type fan dev "$UL_DEV" map 250.0.0.0/8:10.7.0.0/16 2>&1; then
		echo "ip made a fan device without the plugin"
		return 1
	fi
	make -C "$PLUGIN_DIR" install || return 1
	cleanup_add "rm -f $libdir/link_fan.so"
	[ -e "$libdir/link_fan.so" ]
}

# fan_get DEV: fan_nl.py's reading of DEV in h1 (the kernel's attributes)
fan_get() { nl get "$1"; }

create()
{
	ip1 link add ftun0 type fan dev "$UL_DEV" map 250.0.0.0/8:10.7.0.0/16 || return 1
	fan_get ftun0 | tee "$FAN_TMP/get0"
	grep -qx "link $(ns_exec h1 cat /sys/class/net/$UL_DEV/ifindex)" "$FAN_TMP/get0" &&
	grep -qx 'map 250.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get0" &&
	grep -qx 'ttl 0' "$FAN_TMP/get0" && grep -qx 'tos 1' "$FAN_TMP/get0"
}

show_text()
{
	local out want="fan dev $UL_DEV map 250.0.0.0/8:10.7.0.0/16 mode ipip ttl inherit tos inherit pmtudisc strict"
	out=$(ip1 -d link show ftun0) || return 1
	echo "$out"
	grep -qF -- "$want" <<< "$out" || { echo "no line with: $want"; return 1; }
}

show_json()
{
	local out
	out=$(ip1 -d -j link show ftun0) || return 1
	jq -c '.[0].linkinfo' <<< "$out"
	jq -e --arg ul "$UL_DEV" '.[0].linkinfo.info_kind == "fan" and
		(.[0].linkinfo.info_data | .link == $ul and .ttl == 0 and .tos == 1 and
		 .pmtudisc == true and .strict == true and
		 .maps == [{"overlay": "250.0.0.0/8", "underlay": "10.7.0.0/16", "mode": "ipip"}])' \
		<<< "$out" > /dev/null
}

# every option, read back from the kernel and from ip -j
options()
{
	local j
	ip1 link add ftun1 type fan dev "$UL_DEV" map 251.0.0.0/8:10.7.0.0/16 \
		map 252.0.0.0/8:10.7.0.0/16 mode direct ttl 9 tos 0x10 nopmtudisc nostrict || return 1
	fan_get ftun1 | tee "$FAN_TMP/get1"
	grep -qx 'ttl 9' "$FAN_TMP/get1" && grep -qx 'tos 16' "$FAN_TMP/get1" &&
	grep -qx 'pmtudisc 0' "$FAN_TMP/get1" && grep -qx 'strict 0' "$FAN_TMP/get1" &&
	grep -qx 'map 251.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get1" &&
	grep -qx 'map 252.0.0.0/8 10.7.0.0/16 mode direct' "$FAN_TMP/get1" || return 1
	j=$(ip1 -d -j link show ftun1 | jq -c '.[0].linkinfo.info_data') || return 1
	echo "$j"
	jq -e '.ttl == 9 and .tos == 16 and .pmtudisc == false and .strict == false and
		[.maps[].mode] == ["ipip", "direct"]' <<< "$j" > /dev/null || return 1
	ip1 -d link show ftun1 | grep -qF "map 252.0.0.0/8:10.7.0.0/16 mode direct ttl 9 tos 0x10 nopmtudisc nostrict"
}

changes()
{
	ip1 link set ftun1 type fan map 253.0.0.0/8:10.7.0.0/16 ttl inherit || return 1
	fan_get ftun1 > "$FAN_TMP/c1"
	[ "$(grep '^map' "$FAN_TMP/c1")" = "map 253.0.0.0/8 10.7.0.0/16" ] ||
		{ echo "map set not replaced:"; cat "$FAN_TMP/c1"; return 1; }
	grep -qx 'ttl 0' "$FAN_TMP/c1" || { echo "ttl not inherit"; return 1; }
	ip1 link set ftun1 type fan addmap 254.0.0.0/8:10.7.0.0/16 mode direct || return 1
	[ "$(fan_get ftun1 | grep -c '^map')" = 2 ] || return 1
	fan_get ftun1 | grep -qx 'map 254.0.0.0/8 10.7.0.0/16 mode direct' || return 1
	ip1 link set ftun1 type fan delmap 253.0.0.0/8:10.7.0.0/16 pmtudisc strict || return 1
	fan_get ftun1 > "$FAN_TMP/c2"
	cat "$FAN_TMP/c2"
	[ "$(grep '^map' "$FAN_TMP/c2")" = "map 254.0.0.0/8 10.7.0.0/16 mode direct" ] &&
	grep -qx 'pmtudisc 1' "$FAN_TMP/c2" && grep -qx 'strict 1' "$FAN_TMP/c2"
}

# refused MSG ARGS...: "ip ARGS" in h1 fails saying MSG, and changes nothing
refused()
{
	local msg=$1 before after
	shift
	before=$(ip1 -d -j link show | jq -S '[.[] | select(.linkinfo.info_kind == "fan")]')
	expect_fail "$msg" ip1 "$@" || return 1
	after=$(ip1 -d -j link show | jq -S '[.[] | select(.linkinfo.info_kind == "fan")]')
	[ "$before" = "$after" ] || { echo "changed: $(diff <(echo "$before") <(echo "$after"))"; return 1; }
}

counters()
{
	local j kernel
	ip1 link set ftun0 up && ip1 route add 203.0.113.0/24 dev ftun0 || return 1
	ns_exec h1 ping -c2 -i0.2 -W1 203.0.113.9 > /dev/null 2>&1
	kernel=$(fan_get ftun0 | sed -n 's/^tx_no_map //p')
	echo "kernel: tx_no_map $kernel"
	[ "${kernel:-0}" -ge 2 ] || return 1
	ip1 -d -s link show ftun0 | tee "$FAN_TMP/s" | grep -q "tx_no_map $kernel tx_bad_host" || return 1
	grep -q "rx_spoofed 0 " "$FAN_TMP/s" || return 1
	j=$(ip1 -d -s -j link show ftun0 | jq -c '.[0].linkinfo.info_xstats') || return 1
	echo "$j"
	jq -e --argjson k "$kernel" '.tx_no_map == $k and .rx_plain == 0' <<< "$j" > /dev/null
}

# h1 and h2 with fan devices ip made: the hosts' fan addresses reach each
# other in IPIP (the positive control: with h2's device gone, they do not).
traffic()
{
	ns_ip h2 link add ftun0 type fan dev "$UL_DEV" map 250.0.0.0/8:10.7.0.0/16 || return 1
	ip1 addr add 250.3.4.1/8 dev ftun0 && ns_ip h2 addr add 250.9.200.1/8 dev ftun0 &&
	ns_ip h2 link set ftun0 up || return 1
	wait_for 10 ns_exec h1 ping -c1 -W1 -I 250.3.4.1 250.9.200.1 || return 1
	[ "$(fan_stat h2 ftun0 rx_packets)" -gt 0 ] || { echo "h2's ftun0 received nothing"; return 1; }
	ns_ip h2 link del ftun0 || return 1
	if ns_exec h1 ping -c1 -W1 -I 250.3.4.1 250.9.200.1; then
		echo "reached h2 with its fan device deleted"
		return 1
	fi
}

deleted()
{
	ip1 link del ftun0 && ip1 link del ftun1 || return 1
	[ -z "$(fan_devs h1)" ]
}

help_text()
{
	local out
	out=$(ip link help fan 2>&1)
	echo "$out"
	grep -qF "map OVERLAY/LEN:UNDERLAY/LEN" <<< "$out" && grep -qF "[no]pmtudisc" <<< "$out"
}

# check-ip.sh: the real ip fits; a newer release, an older one, and an ip
# that exports nothing are refused with their reason.
abi_check()
{
	local fake=$FAN_TMP/fake-ip so=$PLUGIN_DIR/link_fan.so ip
	ip=$(command -v ip)
	"$PLUGIN_DIR/check-ip.sh" "$ip" "$so" || return 1
	printf '#!/bin/sh\necho "ip utility, iproute2-99.1.0, libbpf 1.1.2"\n' > "$fake"
	chmod +x "$fake"
	expect_fail "newer than" "$PLUGIN_DIR/check-ip.sh" "$fake" "$so" || return 1
	printf '#!/bin/sh\necho "ip utility, iproute2-v5.4.0"\n' > "$fake"
	expect_fail "older than 5.9, the oldest" "$PLUGIN_DIR/check-ip.sh" "$fake" "$so" || return 1
	# the same release as the real one, but a script: it exports nothing
	printf '#!/bin/sh\n%s -V\n' "$ip" > "$fake"
	expect_fail "does not export: .*print_color_string" "$PLUGIN_DIR/check-ip.sh" "$fake" "$so"
}

fan_host h1 10.7.3.4/16 || ktap_exit_fail_msg "setup failed"
fan_host h2 10.7.9.200/16 || ktap_exit_fail_msg "setup failed"

subtest "make install puts link_fan.so where ip looks (and ip knew no fan before)" install_plugin
subtest "ip link add ... type fan: the kernel holds what was asked" create
subtest "ip -d link show prints the fan in ipip's style" show_text
subtest "ip -d -j link show: every attribute" show_json
subtest "ttl, tos, [no]pmtudisc, [no]strict, a second map in direct mode" options
subtest "ip link set: map replaces the set, addmap and delmap change one" changes
subtest "a map without its underlay is refused by the plugin" \
	refused "not a map" link add ftun2 type fan dev "$UL_DEV" map 250.0.0.0/8
subtest "an address with a leading zero is refused (as inet_pton)" \
	refused "not a map" link add ftun2 type fan dev "$UL_DEV" map 251.0.0.0/8:010.7.0.0/16
subtest "mode before any map is refused" \
	refused "mode follows the map" link add ftun2 type fan mode direct map 251.0.0.0/8:10.7.0.0/16
subtest "ttl 0 is refused (inherit is the word)" \
	refused "TTL is 1..255" link add ftun2 type fan ttl 0 map 251.0.0.0/8:10.7.0.0/16
subtest "an unknown option is refused" \
	refused "unknown option \"bogus\"" link add ftun2 type fan bogus map 251.0.0.0/8:10.7.0.0/16
subtest "a bad map gets the kernel's extack message through ip" \
	refused "Error: .*overlay prefix has host bits set" \
	link add ftun2 type fan dev "$UL_DEV" map 251.1.0.0/8:10.7.0.0/16
subtest "overlapping maps get the kernel's extack message through ip" \
	refused "Error: .*overlapping overlays" \
	link add ftun2 type fan dev "$UL_DEV" map 240.0.0.0/8:10.7.0.0/16 map 240.128.0.0/9:10.8.0.0/16
subtest "a refused ip link set changes nothing" \
	refused "Error: .*map to delete not found" link set ftun1 type fan delmap 9.0.0.0/8:10.7.0.0/16
subtest "ip -d -s link show: the per-reason counters, as the kernel counts them" counters
subtest "hosts reach each other over fan devices ip made" traffic
subtest "ip link help fan" help_text
subtest "ip link del removes them" deleted
subtest "check-ip.sh refuses an ip it was not checked against" abi_check

fan_finish
