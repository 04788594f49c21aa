#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration side of the emulated IPoIB netdevice: netlink attributes
# (through selftests/ipoib_emu/ipoib_emu_link.py), sysfs, module parameter
# defaults, fabrics, IB MTU 4096, IPv6, address changes, the cost model
# (whole-gso, wire-mtu) and netns_refund.
# KTAP output; needs root.

# Test functions run through run_test; "A && B || C" is meant as written.
# shellcheck disable=SC2317,SC2015,SC2016,SC2119

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

# shellcheck source=../ipoib_emu/ipoib_emu.sh
. "$top/selftests/ipoib_emu/ipoib_emu.sh"
# shellcheck source=../ipoib_emu/ktap_compat.sh
. "$top/selftests/ipoib_emu/ktap_compat.sh"

LINK="python3 $top/selftests/ipoib_emu/ipoib_emu_link.py"
sfx=$$
H1=ibemuc-h1-$sfx
H2=ibemuc-h2-$sfx
H3=ibemuc-h3-$sfx
NL=ienl$sfx
NL=${NL:0:15}

cleanup()
{
	ip link del "$NL" 2>/dev/null
	ip netns del "$H1" 2>/dev/null
	ip netns del "$H2" 2>/dev/null
	ip netns del "$H3" 2>/dev/null
	ipoib_emu_unload 2>/dev/null
}

sys() { ipoib_emu_sysfs "$@"; }
lladdr_bytes() { echo "$1" | tr ':' '\n' | wc -l; }

ktap_print_header
[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
command -v python3 >/dev/null || ktap_skip_all "needs python3"
ipoib_emu_load || ktap_exit_fail_msg "ipoib_emu.ko not found for $(uname -r) (make modules)"
trap cleanup EXIT
ktap_set_plan 12

t_nl_create()
{
	local out mtu addr
	$LINK add "$NL" fabric 7 mode connected umtu 4096 || return 1
	out=$($LINK show "$NL") || return 1
	echo "$out"
	[ "$out" = "fabric 7 mode connected umtu 4096 pkey 0xffff qpn $(cat "/sys/class/net/$NL/ipoib_emu/qpn") cost_model whole-gso" ] ||
		return 1
	mtu=$(cat "/sys/class/net/$NL/mtu")
	[ "$mtu" = 65520 ] || { echo "mtu $mtu, want 65520"; return 1; }
	[ "$(cat "/sys/class/net/$NL/mode")" = connected ] || return 1
	[ "$(cat "/sys/class/net/$NL/ipoib_emu/fabric")" = 7 ] || return 1
	# The fabric is part of the GID's subnet prefix: fe80:0000:<fabric>.
	addr=$(cat "/sys/class/net/$NL/address")
	echo "address $addr"
	[ "$(echo "$addr" | cut -d: -f5-12)" = "fe:80:00:00:00:00:00:07" ]
}

t_nl_change()
{
	$LINK set "$NL" mode datagram || return 1
	[ "$(cat "/sys/class/net/$NL/mtu")" = 4092 ] ||
		{ echo "datagram with umtu 4096: mtu $(cat "/sys/class/net/$NL/mtu")"; return 1; }
	$LINK set "$NL" umtu 2048 || return 1
	[ "$(cat "/sys/class/net/$NL/mtu")" = 2044 ] ||
		{ echo "umtu 2048: mtu $(cat "/sys/class/net/$NL/mtu")"; return 1; }
	ip link set "$NL" up
	if $LINK set "$NL" fabric 8 2>&1; then
		echo "fabric changed while up"
		return 1
	fi
	ip link set "$NL" down
	$LINK set "$NL" fabric 8 || return 1
	[ "$(cut -d: -f9-12 < "/sys/class/net/$NL/address")" = "00:00:00:08" ]
}

t_nl_invalid()
{
	local out rc=0
	out=$($LINK add "${NL}x" umtu 3000 2>&1) && rc=1
	echo "umtu 3000: $out"
	echo "$out" | grep -q "IB MTU must be" || rc=1
	out=$($LINK add "${NL}x" mode datagram mtu 3000 2>&1) && rc=1
	echo "datagram mtu 3000: $out"
	echo "$out" | grep -q "MTU out of range for datagram mode" || rc=1
	if echo 3000 > "/sys/class/net/$NL/ipoib_emu/umtu" 2>/dev/null; then
		echo "sysfs accepted umtu 3000"
		rc=1
	fi
	if echo bogus > "/sys/class/net/$NL/mode" 2>/dev/null; then
		echo "sysfs accepted mode bogus"
		rc=1
	fi
	ip link del "${NL}x" 2>/dev/null
	ip link del "$NL"
	return "$rc"
}

t_param_default()
{
	local p=/sys/module/ipoib_emu/parameters/default_connected m rc=0
	echo 1 > "$p" || return 1
	ip link add "$NL" type ipoib_emu || { echo 0 > "$p"; return 1; }
	m="$(cat "/sys/class/net/$NL/mode") $(cat "/sys/class/net/$NL/mtu")"
	echo "default_connected=1: $m"
	[ "$m" = "connected 65520" ] || rc=1
	ip link del "$NL"
	echo 0 > "$p"
	return "$rc"
}

t_fabrics()
{
	ip netns add "$H1" && ip netns add "$H2" && ip netns add "$H3" || return 1
	ipoib_emu_add "$H1" ib0 fabric 1 &&
	ipoib_emu_add "$H2" ib0 fabric 2 &&
	ipoib_emu_add "$H3" ib0 fabric 1 || return 1
	ip -n "$H1" addr add 10.9.0.1/24 dev ib0 &&
	ip -n "$H2" addr add 10.9.0.2/24 dev ib0 &&
	ip -n "$H3" addr add 10.9.0.3/24 dev ib0 || return 1
	local h
	for h in "$H1" "$H2" "$H3"; do
		ip -n "$h" link set ib0 up || return 1
		ip -n "$h" link set lo up
	done
	ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 10.9.0.3 >/dev/null ||
		{ echo "same fabric: no ping"; return 1; }
	if ip netns exec "$H1" ping -c 2 -i 0.2 -W 1 10.9.0.2 >/dev/null; then
		echo "ping crossed fabrics"
		return 1
	fi
}

t_fabric_move()
{
	# Move H2 onto fabric 1: needs the device down; its address changes.
	local a0 a1
	a0=$(sys "$H2" ib0 address)
	if sys "$H2" ib0 ipoib_emu/fabric 1 2>/dev/null; then
		echo "fabric changed while up"
		return 1
	fi
	ip -n "$H2" link set ib0 down &&
	sys "$H2" ib0 ipoib_emu/fabric 1 &&
	ip -n "$H2" link set ib0 up || return 1
	a1=$(sys "$H2" ib0 address)
	echo "address $a0 -> $a1"
	[ "$a0" != "$a1" ] || return 1
	# Forget the failed resolution from when it was on another fabric.
	ip -n "$H1" neigh flush dev ib0
	ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 10.9.0.2 >/dev/null && return 0
	ip -n "$H1" neigh
	ip -n "$H2" neigh
	ip -n "$H1" -s link show ib0
	ip -n "$H2" -s -d link show ib0
	ip -n "$H2" addr show ib0
	ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 10.9.0.2
	return 1
}

t_umtu4096()
{
	local d0 d1
	# H1 and H3 on IB MTU 4096: datagram MTU 4092, 4000-byte DF pings pass.
	sys "$H1" ib0 ipoib_emu/umtu 4096 && sys "$H3" ib0 ipoib_emu/umtu 4096 || return 1
	ip -n "$H1" link set ib0 mtu 4092 && ip -n "$H3" link set ib0 mtu 4092 || return 1
	ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 -M "do" -s 4000 10.9.0.3 >/dev/null ||
		{ echo "4000-byte ping between 4096 peers failed"; return 1; }
	# H2 has IB MTU 2048: the UD path to it cannot carry 4000 bytes.
	d0=$(sys "$H1" ib0 statistics/tx_dropped)
	if ip netns exec "$H1" ping -c 2 -i 0.2 -W 1 -M "do" -s 4000 10.9.0.2 >/dev/null; then
		echo "4000-byte ping reached a 2048 peer"
		return 1
	fi
	d1=$(sys "$H1" ib0 statistics/tx_dropped)
	echo "tx_dropped $d0 -> $d1"
	[ "$d1" -gt "$d0" ]
}

t_ipv6()
{
	local ll lladdr
	ip -n "$H1" addr add fd00:9::1/64 dev ib0 nodad &&
	ip -n "$H3" addr add fd00:9::3/64 dev ib0 nodad || return 1
	ip netns exec "$H1" ping -6 -c 2 -i 0.2 -W 2 fd00:9::3 >/dev/null ||
		{ echo "no IPv6 ping"; return 1; }
	lladdr=$(ip -n "$H1" -6 neigh show fd00:9::3 dev ib0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	echo "ND lladdr $lladdr"
	[ "$(lladdr_bytes "$lladdr")" = 20 ] || return 1
	# EUI-64 link-local address from the GUID (bytes 12..19, U/L bit set).
	ll=$(ip -n "$H1" -6 addr show dev ib0 scope link | awk '$1 == "inet6" { print $2 }')
	echo "link-local $ll"
	case "$ll" in fe80::202:c903:*) ;; *) return 1 ;; esac
}

t_set_guid()
{
	local a new rc=0
	ip -n "$H3" link set ib0 down
	a=$(sys "$H3" ib0 address)
	new="$(echo "$a" | cut -d: -f1-12):00:02:c9:03:00:ab:cd:ef"
	ip -n "$H3" link set ib0 address "$new" || rc=1
	[ "$(sys "$H3" ib0 address)" = "$new" ] || rc=1
	# The QPN is not ours to change, as on the real driver.
	if ip -n "$H3" link set ib0 address "00:00:00:01:$(echo "$a" | cut -d: -f5-)" 2>/dev/null; then
		echo "QPN change accepted"
		rc=1
	fi
	ip -n "$H3" link set ib0 up
	ip -n "$H1" neigh flush dev ib0
	ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 10.9.0.3 >/dev/null || rc=1
	return "$rc"
}

t_cost_model()
{
	local p=/sys/module/ipoib_emu/parameters/default_cost_model out rc=0
	local f=/sys/class/net/$NL/ipoib_emu/cost_model
	[ "$(cat "$p")" = whole-gso ] || { echo "default_cost_model $(cat "$p")"; return 1; }
	$LINK add "$NL" cost_model wire-mtu || return 1
	out=$($LINK show "$NL")
	echo "$out"
	case "$out" in *" cost_model wire-mtu") ;; *) rc=1 ;; esac
	[ "$(cat "$f")" = wire-mtu ] || rc=1
	# sysfs, also while up.
	ip link set "$NL" up
	echo whole-gso > "$f" || rc=1
	[ "$(cat "$f")" = whole-gso ] || rc=1
	$LINK set "$NL" cost_model wire-mtu || rc=1
	[ "$(cat "$f")" = wire-mtu ] || rc=1
	if echo bogus > "$f" 2>/dev/null; then
		echo "sysfs accepted cost_model bogus"
		rc=1
	fi
	ip link del "$NL"
	# The module parameter: new devices take it; bad names are refused.
	echo wire-mtu > "$p" || return 1
	ip link add "$NL" type ipoib_emu || { echo whole-gso > "$p"; return 1; }
	echo "default_cost_model=wire-mtu: new device $(cat "$f")"
	[ "$(cat "$f")" = wire-mtu ] || rc=1
	ip link del "$NL"
	echo whole-gso > "$p"
	if echo bogus > "$p" 2>/dev/null; then
		echo "module parameter accepted bogus"
		rc=1
	fi
	[ "$(cat "$p")" = whole-gso ] || rc=1
	return "$rc"
}

t_refund()
{
	local p=/sys/module/ipoib_emu/parameters/netns_refund
	[ "$IPOIB_EMU_LOADED" = 1 ] ||
		{ echo "module not loaded by this test, cannot reload it"; return "$KSFT_SKIP"; }
	ip netns del "$H1"
	ip netns del "$H2"
	ip netns del "$H3"
	ipoib_emu_unload || return 1
	ipoib_emu_load netns_refund=1 || return 1
	[ "$(cat "$p")" = Y ] || return 1
	ip netns add "$H1" || return 1
	ipoib_emu_add "$H1" ib0 || return 1
	ip netns del "$H1"
	for _ in $(seq 20); do
		if ip -o link show type ipoib_emu | grep -q .; then
			echo "back in init_net: $(ip -o link show type ipoib_emu | cut -d: -f2)"
			ip -o link show type ipoib_emu | awk -F': ' '{ print $2 }' |
				sed 's/@.*//' | while read -r d; do ip link del "$d"; done
			return 0
		fi
		sleep 0.2
	done
	echo "device did not come back to init_net"
	return 1
}

run_test "netlink: create with fabric, mode, umtu" t_nl_create
run_test "netlink: change mode, umtu, fabric (down only)" t_nl_change
run_test "netlink and sysfs refuse bad values with a message" t_nl_invalid
run_test "module parameter default_connected" t_param_default
run_test "fabrics are separate segments" t_fabrics
run_test "fabric change: down only, new address, joins the fabric" t_fabric_move
run_test "IB MTU 4096: MTU 4092, too long for a 2048 peer is dropped" t_umtu4096
run_test "IPv6: ND with 20-byte lladdr, EUI-64 from the GUID" t_ipv6
run_test "GUID change while down; QPN change refused" t_set_guid
run_test "cost model: netlink, sysfs (also while up), module parameter" t_cost_model
run_test_here "netns_refund=1 brings devices back to init_net" t_refund
run_test_here "module unloads" ipoib_emu_unload

ktap_finished
