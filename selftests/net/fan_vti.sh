#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan next to ip_vti (route-based IPsec).  Both register an IPIP
# handler with tunnel4, which refuses a second handler of a priority
# already taken: with the same priority, whichever of fan.ko and
# ip_vti.ko loads second fails.  Both orders are loaded here, and in each
# the fan carries c1 <-> c2 and a vti tunnel between the same two hosts
# carries its ESP, at the same time.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

H1=10.7.3.4
H2=10.7.9.200
SPI12=0x1207
SPI21=0x2107
KEY12=0x5a1b6c2d8e4b0a5c7d9e1f20314253647586971a
KEY21=0x6b2c7d3e9f5a1b6c8d0e2f304152637485968a7b
AEAD="rfc4106(gcm(aes))"

modprobe -q -a xfrm_user esp4 2> /dev/null
ip xfrm state list > /dev/null 2>&1 ||
	ktap_skip_all "no IPsec in this kernel (CONFIG_XFRM_USER, CONFIG_INET_ESP)"
modinfo ip_vti > /dev/null 2>&1 || ktap_skip_all "no ip_vti module in this kernel"
# The test decides the order: neither may be loaded by someone else.
if grep -q '^ip_vti ' /proc/modules; then
	rmmod ip_vti || ktap_exit_fail_msg "ip_vti is loaded and in use"
fi
cleanup_late "rmmod ip_vti 2>/dev/null"
# run_tests.sh expects fan.ko loaded at the end, as it was at the start.
cleanup_late "grep -q '^fan ' /proc/modules || insmod $FAN_KO"

setup()
{
	fan_host h1 "$H1/16" &&
	fan_host h2 "$H2/16"
}
subtest "two underlay hosts" setup || ktap_exit_fail_msg "setup failed"

# load MODULE: load it (fan: fan.ko) and make sure it stayed: dmesg says
# which part failed if not.
load()
{
	if [ "$1" = fan ]; then
		insmod "$FAN_KO"
	else
		modprobe "$1"
	fi
	grep -q "^$1 " /proc/modules && return 0
	echo "$1 did not load:"
	dmesg | tail -3
	return 1
}

# The fan on both hosts, containers, and c1 reaching c2 through it, with
# every fan packet h2 received counted on ftun0.
fan_traffic()
{
	local before after
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 || return 1
	ns_exists c1 || fan_container c1 h1 250.3.4.2 || return 1
	ns_exists c2 || fan_container c2 h2 250.9.200.7 || return 1
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 || return 1
	before=$(fan_stat h2 ftun0 rx_packets)
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 || return 1
	after=$(fan_stat h2 ftun0 rx_packets)
	echo "h2 ftun0 rx_packets $before -> $after"
	[ $((after - before)) -ge 3 ]
}

# vti_up HOST LOCAL REMOTE ADDR SPI_OUT KEY_OUT SPI_IN KEY_IN: a vti
# tunnel (key 7) LOCAL <-> REMOTE with ESP tunnel-mode SAs and policies.
vti_up()
{
	ns_ip "$1" -batch - <<-EOF
		link add vti1 type vti local $2 remote $3 key 7
		addr add $4 dev vti1
		link set vti1 up
		xfrm state add src $2 dst $3 proto esp spi $5 mode tunnel aead $AEAD $6 128
		xfrm state add src $3 dst $2 proto esp spi $7 mode tunnel aead $AEAD $8 128
		xfrm policy add dir out mark 7 tmpl src $2 dst $3 proto esp mode tunnel
		xfrm policy add dir in mark 7 tmpl src $3 dst $2 proto esp mode tunnel
	EOF
}

# Pings over vti1 from h1 to h2, received on h2's vti1 (so in ESP, by
# ip_vti, not by the fan).
vti_traffic()
{
	local before after
	vti_up h1 "$H1" "$H2" 192.168.77.1/30 $SPI12 $KEY12 $SPI21 $KEY21 &&
	vti_up h2 "$H2" "$H1" 192.168.77.2/30 $SPI21 $KEY21 $SPI12 $KEY12 || return 1
	before=$(fan_stat h2 vti1 rx_packets)
	ns_exec h1 ping -c3 -i0.2 -W2 192.168.77.2 || return 1
	after=$(fan_stat h2 vti1 rx_packets)
	echo "h2 vti1 rx_packets $before -> $after"
	[ $((after - before)) -ge 3 ]
}

# Both at once: the fan's traffic still reaches the fan, vti's still vti.
both_traffic()
{
	ns_exec c1 ping -c2 -i0.2 -W2 250.9.200.7 &&
	ns_exec h1 ping -c2 -i0.2 -W2 192.168.77.2
}

# Back to neither module: the fans down (the containers go with their
# namespaces, made again on the next round), the SAs flushed, the vti
# tunnels gone with ip_vti.ko.
unload_both()
{
	local h
	for h in h1 h2; do
		ns_exec "$h" "$FANCTL" down --force 250.0.0.0/8 "$UL_DEV/16" || return 1
		ns_ip "$h" xfrm state flush
		ns_ip "$h" xfrm policy flush
	done
	# Deleting the host's end takes the pair at once (not with netns exit).
	ns_ip h1 link del "$(veth_name c1)" && ns_ip h2 link del "$(veth_name c2)" &&
	ip netns del "$(ns c1)" && ip netns del "$(ns c2)" || return 1
	rmmod ip_vti || return 1
	fan_unload
}

subtest "fan.ko unloads (the test loads it itself)" fan_unload

load_both()
{
	load "$1" && load "$2"
}
subtest "fan.ko first, then ip_vti.ko loads" load_both fan ip_vti
subtest "fan first: fan traffic c1 -> c2" fan_traffic
subtest "fan first: vti traffic h1 -> h2 in ESP" vti_traffic
subtest "fan first: both at once" both_traffic
subtest "both unload" unload_both

subtest "ip_vti.ko first, then fan.ko loads" load_both ip_vti fan
subtest "vti first: fan traffic c1 -> c2" fan_traffic
subtest "vti first: vti traffic h1 -> h2 in ESP" vti_traffic
subtest "vti first: both at once" both_traffic

fan_finish
