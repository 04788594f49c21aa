#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The emulated IPoIB netdevice (selftests/ipoib_emu) honours the contract of
# a real ib0: two hosts (network namespaces) on one fabric, ARP with 20-byte
# addresses, datagram/connected MTUs and the drops between them, bridge and
# macvlan refusing it, TCP integrity in both modes and in both cost models
# (whole-gso: a TSO packet crosses whole; wire-mtu: segmented at the wire,
# each frame checksum-verified), with ethtool -S showing which ran.  KTAP
# output.
#
# Needs root.  Loads ipoib_emu.ko from $IPOIB_EMU_KO,
# build/modules/$(uname -r)/, selftests/ipoib_emu/ or modprobe, in that
# order, unless it is already loaded.

# Test functions run through run_test; "A && B || C" is meant as written.
# shellcheck disable=SC2317,SC2015,SC2016,SC2119

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

# shellcheck source=../ipoib_emu/ipoib_emu.sh
. "$top/selftests/ipoib_emu/ipoib_emu.sh"
# shellcheck source=../ipoib_emu/ktap_compat.sh
. "$top/selftests/ipoib_emu/ktap_compat.sh"

sfx=$$
H1=ibemu-h1-$sfx
H2=ibemu-h2-$sfx
A1=10.7.3.4
A2=10.7.9.200
BCAST=00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff
XFER_MB=${IPOIB_EMU_XFER_MB:-4}
tmp=

cleanup()
{
	ip netns del "$H1" 2>/dev/null
	ip netns del "$H2" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
	ipoib_emu_unload 2>/dev/null
}

in1() { ip netns exec "$H1" "$@"; }
in2() { ip netns exec "$H2" "$@"; }
stat1() { in1 cat "/sys/class/net/ib0/statistics/$1"; }

ktap_print_header
[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
ipoib_emu_load || ktap_exit_fail_msg "ipoib_emu.ko not found for $(uname -r) (make modules)"
trap cleanup EXIT
tmp=$(mktemp -d) || exit "$KSFT_FAIL"
ktap_set_plan 21

# --- tests ------------------------------------------------------------------

t_create()
{
	ip netns add "$H1" && ip netns add "$H2" || return 1
	# Created in the init namespace, then moved: the fabric spans netns.
	ip link add "ibemu$sfx-a" type ipoib_emu || return 1
	ip link add "ibemu$sfx-b" type ipoib_emu || return 1
	ip link set "ibemu$sfx-a" netns "$H1" name ib0 || return 1
	ip link set "ibemu$sfx-b" netns "$H2" name ib0 || return 1
	ip -n "$H1" addr add "$A1/16" dev ib0 &&
	ip -n "$H2" addr add "$A2/16" dev ib0 &&
	ip -n "$H1" link set ib0 up &&
	ip -n "$H2" link set ib0 up
}

t_link_type()
{
	local out addr brd
	out=$(ip -n "$H1" -d link show ib0) || return 1
	echo "$out" | grep -q "link/infiniband " || { echo "$out"; return 1; }
	addr=$(echo "$out" | awk '$1 == "link/infiniband" { print $2 }')
	brd=$(echo "$out" | awk '$1 == "link/infiniband" { print $4 }')
	[ "$(echo "$addr" | tr ':' '\n' | wc -l)" = 20 ] ||
		{ echo "address $addr is not 20 bytes"; return 1; }
	[ "$brd" = "$BCAST" ] || { echo "broadcast $brd, want $BCAST"; return 1; }
	echo "$out" | grep -q "ipoib_emu" || { echo "$out"; return 1; }
	[ "$(in1 cat /sys/class/net/ib0/type)" = 32 ] ||
		{ echo "type is not ARPHRD_INFINIBAND (32)"; return 1; }
}

t_addr_unique()
{
	local a b
	a=$(in1 cat /sys/class/net/ib0/address)
	b=$(in2 cat /sys/class/net/ib0/address)
	echo "H1 ib0 $a"
	echo "H2 ib0 $b"
	[ -n "$a" ] && [ "$a" != "$b" ]
}

t_datagram_mtu()
{
	local m mode
	mode=$(in1 cat /sys/class/net/ib0/mode)
	m=$(in1 cat /sys/class/net/ib0/mtu)
	[ "$mode" = datagram ] && [ "$m" = 2044 ] ||
		{ echo "mode $mode mtu $m, want datagram 2044"; return 1; }
}

t_ping()
{
	in1 ping -c 3 -i 0.2 -W 2 "$A2" >/dev/null &&
	in2 ping -c 3 -i 0.2 -W 2 "$A1" >/dev/null
}

t_neigh_lladdr()
{
	local ll
	ll=$(ip -n "$H1" neigh show "$A2" dev ib0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	echo "neighbour $A2 lladdr $ll"
	[ "$(echo "$ll" | tr ':' '\n' | wc -l)" = 20 ] || return 1
	[ "$ll" = "$(in2 cat /sys/class/net/ib0/address)" ]
}

t_bridge_refuses()
{
	ip -n "$H1" link add br0 type bridge || return "$KSFT_SKIP"
	if ip -n "$H1" link set ib0 master br0 2>/dev/null; then
		ip -n "$H1" link del br0
		echo "ib0 was enslaved to a bridge"
		return 1
	fi
	ip -n "$H1" link del br0
}

t_macvlan_refuses()
{
	if ip -n "$H1" link add link ib0 name mv0 type macvlan 2>/dev/null; then
		ip -n "$H1" link del mv0
		echo "macvlan accepted ib0"
		return 1
	fi
}

t_vlan_refuses()
{
	if ip -n "$H1" link add link ib0 name ib0.5 type vlan id 5 2>/dev/null; then
		ip -n "$H1" link del ib0.5
		echo "vlan accepted ib0"
		return 1
	fi
}

t_datagram_mtu_refused()
{
	local out
	out=$(ip -n "$H1" link set ib0 mtu 3000 2>&1) &&
		{ echo "mtu 3000 accepted in datagram mode"; return 1; }
	echo "$out"
	[ "$(in1 cat /sys/class/net/ib0/mtu)" = 2044 ]
}

# tcp_xfer FROM_NS TO_NS TO_ADDR TAG: send $XFER_MB MiB, compare sha256.
tcp_xfer()
{
	local from=$1 to=$2 addr=$3 tag=$4 src dst pid a b
	src=$tmp/$tag.src
	dst=$tmp/$tag.dst
	head -c $((XFER_MB * 1024 * 1024)) /dev/urandom > "$src" || return 1
	ip netns exec "$to" timeout 60 socat -u TCP-LISTEN:5001,reuseaddr \
		"OPEN:$dst,creat,trunc" &
	pid=$!
	for _ in $(seq 50); do
		ip netns exec "$to" ss -Hltn 'sport = :5001' | grep -q . && break
		sleep 0.1
	done
	ip netns exec "$from" timeout 60 socat -u "OPEN:$src" "TCP:$addr:5001" ||
		{ kill "$pid" 2>/dev/null; wait "$pid"; return 1; }
	wait "$pid" || return 1
	a=$(sha256sum < "$src" | cut -d' ' -f1)
	b=$(sha256sum < "$dst" | cut -d' ' -f1)
	echo "$tag: sent $a"
	echo "$tag: got  $b"
	[ "$a" = "$b" ]
}

csum_errors()	# NS: TCP InCsumErrors
{
	ip netns exec "$1" awk '$1 == "Tcp:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Tcp:" { print $c["InCsumErrors"] }' /proc/net/snmp
}

feature() { ip netns exec "$1" ethtool -k ib0 | awk -v f="$2:" '$1 == f { print $2 }'; }

t_tcp_datagram()
{
	local e tso
	tso=$(feature "$H1" tcp-segmentation-offload)
	echo "datagram mode: tcp-segmentation-offload $tso"
	# The receiver verifies in software: the offloaded checksum the
	# sender's "HCA" filled in must be right.
	in2 ethtool -K ib0 rx off >/dev/null 2>&1 || echo "cannot turn rx csum off"
	tcp_xfer "$H1" "$H2" "$A2" dgram-fwd || return 1
	in2 ethtool -K ib0 rx on >/dev/null 2>&1
	tcp_xfer "$H2" "$H1" "$A1" dgram-rev || return 1
	e=$(( $(csum_errors "$H1") + $(csum_errors "$H2") ))
	[ "$e" = 0 ] || { echo "TCP InCsumErrors $e"; return 1; }
}

# xstat NS NAME: ipoib_emu's ethtool -S counter NAME of ib0 in NS.
xstat() { ip netns exec "$1" ethtool -S ib0 | awk -v n="$2:" '$1 == n { print $2 }'; }

XSTATS="tx_gso_packets tx_gso_whole tx_gso_segmented tx_wire_frames rx_wire_frames rx_gso_packets rx_csum_unnecessary"

# xsnap NS: "name=value ..." of every counter.
xsnap()
{
	local n out=""
	for n in $XSTATS; do
		out="$out $n=$(xstat "$1" "$n")"
	done
	echo "$out"
}

# xdelta BEFORE AFTER NAME: how much NAME grew between two xsnap outputs.
xdelta()
{
	local a b
	a=$(echo "$1" | tr ' ' '\n' | awk -F= -v n="$3" '$1 == n { print $2 }')
	b=$(echo "$2" | tr ' ' '\n' | awk -F= -v n="$3" '$1 == n { print $2 }')
	echo $((b - a))
}

t_whole_gso_counters()
{
	# The transfers above ran in the default model: TSO packets
	# crossed whole, none was segmented at the wire.
	local s1 s2
	s1=$(xsnap "$H1")
	s2=$(xsnap "$H2")
	echo "H1:$s1"
	echo "H2:$s2"
	[ "$(sys_cost "$H1")" = whole-gso ] || { echo "H1 cost_model $(sys_cost "$H1")"; return 1; }
	[ "$(xstat "$H1" tx_gso_whole)" -gt 0 ] &&
	[ "$(xstat "$H1" tx_gso_segmented)" = 0 ] &&
	[ "$(xstat "$H2" tx_gso_segmented)" = 0 ] &&
	[ "$(xstat "$H2" rx_gso_packets)" -gt 0 ]
}

sys_cost() { ip netns exec "$1" cat /sys/class/net/ib0/ipoib_emu/cost_model; }

t_tcp_wire_mtu()
{
	local a1 a2 b1 b2 c1 c2 e rc=0 gso frames
	in1 sh -c 'echo wire-mtu > /sys/class/net/ib0/ipoib_emu/cost_model' &&
	in2 sh -c 'echo wire-mtu > /sys/class/net/ib0/ipoib_emu/cost_model' || return 1
	[ "$(sys_cost "$H1")" = wire-mtu ] || return 1
	a1=$(xsnap "$H1")
	a2=$(xsnap "$H2")
	# H1 -> H2, rx csum offload on at H2: each frame arrives verified.
	tcp_xfer "$H1" "$H2" "$A2" wire-fwd || rc=1
	b1=$(xsnap "$H1")
	b2=$(xsnap "$H2")
	# H2 -> H1 with rx csum off at H1: the stack checks every frame's
	# checksum the sending "HCA" filled in.
	in1 ethtool -K ib0 rx off >/dev/null 2>&1 || echo "cannot turn rx csum off"
	tcp_xfer "$H2" "$H1" "$A1" wire-rev || rc=1
	in1 ethtool -K ib0 rx on >/dev/null 2>&1
	c1=$(xsnap "$H1")
	c2=$(xsnap "$H2")
	in1 sh -c 'echo whole-gso > /sys/class/net/ib0/ipoib_emu/cost_model'
	in2 sh -c 'echo whole-gso > /sys/class/net/ib0/ipoib_emu/cost_model'
	gso=$(xdelta "$a1" "$b1" tx_gso_packets)
	frames=$(xdelta "$a1" "$b1" tx_wire_frames)
	echo "H1 -> H2: sender GSO packets $gso, segmented $(xdelta "$a1" "$b1" tx_gso_segmented)," \
	     "whole $(xdelta "$a1" "$b1" tx_gso_whole), wire frames $frames;" \
	     "receiver frames $(xdelta "$a2" "$b2" rx_wire_frames), GSO $(xdelta "$a2" "$b2" rx_gso_packets)," \
	     "csum verified $(xdelta "$a2" "$b2" rx_csum_unnecessary)"
	echo "H2 -> H1: sender GSO packets $(xdelta "$b2" "$c2" tx_gso_packets)," \
	     "segmented $(xdelta "$b2" "$c2" tx_gso_segmented), wire frames $(xdelta "$b2" "$c2" tx_wire_frames);" \
	     "receiver GSO $(xdelta "$b1" "$c1" rx_gso_packets), csum verified $(xdelta "$b1" "$c1" rx_csum_unnecessary)"
	[ "$rc" = 0 ] || return 1
	# Segmentation happened: every GSO packet was cut, into more frames
	# than there were packets, and none reached a receiver whole.
	[ "$gso" -gt 0 ] || { echo "no GSO packet was sent (TSO off?)"; return 1; }
	[ "$(xdelta "$a1" "$b1" tx_gso_segmented)" = "$gso" ] &&
	[ "$(xdelta "$a1" "$b1" tx_gso_whole)" = 0 ] &&
	[ "$frames" -gt $((2 * gso)) ] &&
	[ "$(xdelta "$a2" "$b2" rx_gso_packets)" = 0 ] &&
	[ "$(xdelta "$b1" "$c1" rx_gso_packets)" = 0 ] &&
	[ "$(xdelta "$b2" "$c2" tx_gso_segmented)" -gt 0 ] || return 1
	# Rx csum on: the data frames arrived checksum-verified; off: none.
	[ "$(xdelta "$a2" "$b2" rx_csum_unnecessary)" -ge "$((2 * gso))" ] &&
	[ "$(xdelta "$b1" "$c1" rx_csum_unnecessary)" = 0 ] || return 1
	e=$(( $(csum_errors "$H1") + $(csum_errors "$H2") ))
	[ "$e" = 0 ] || { echo "TCP InCsumErrors $e"; return 1; }
}

t_connected_mtu()
{
	in1 sh -c 'echo connected > /sys/class/net/ib0/mode' || return 1
	in2 sh -c 'echo connected > /sys/class/net/ib0/mode' || return 1
	local m1 m2 csum
	m1=$(in1 cat /sys/class/net/ib0/mtu)
	m2=$(in2 cat /sys/class/net/ib0/mtu)
	[ "$m1" = 65520 ] && [ "$m2" = 65520 ] ||
		{ echo "mtu $m1/$m2 after connected, want 65520"; return 1; }
	csum=$(feature "$H1" tx-checksum-ipv4)
	[ "$csum" = off ] ||
		{ echo "tx-checksum-ipv4 is '$csum' in connected mode"; return 1; }
	[ "$(feature "$H1" tcp-segmentation-offload)" = off ] ||
		{ echo "TSO still on in connected mode"; return 1; }
	if ip -n "$H1" link set ib0 mtu 65521 2>/dev/null; then
		echo "mtu 65521 accepted"
		return 1
	fi
}

t_connected_big_ping()
{
	ip -n "$H1" route flush cache
	in1 ping -c 2 -i 0.2 -W 2 -M "do" -s 3000 "$A2" >/dev/null &&
	in1 ping -c 2 -i 0.2 -W 2 -M "do" -s 60000 "$A2" >/dev/null
}

t_tcp_connected()
{
	tcp_xfer "$H1" "$H2" "$A2" cm-fwd && tcp_xfer "$H2" "$H1" "$A1" cm-rev
}

t_mixed_drop()
{
	local d0 d1 e0 e1 m
	in2 sh -c 'echo datagram > /sys/class/net/ib0/mode' || return 1
	m=$(in2 cat /sys/class/net/ib0/mtu)
	[ "$m" = 2044 ] || { echo "datagram did not clamp the mtu: $m"; return 1; }
	ip -n "$H1" route flush cache
	d0=$(stat1 tx_dropped)
	e0=$(stat1 tx_errors)
	if in1 ping -c 2 -i 0.2 -W 1 -M "do" -s 3000 "$A2" >/dev/null; then
		echo "3000-byte ping passed from connected to a datagram peer"
		return 1
	fi
	d1=$(stat1 tx_dropped)
	e1=$(stat1 tx_errors)
	echo "sender tx_dropped $d0 -> $d1, tx_errors $e0 -> $e1"
	[ "$d1" -gt "$d0" ] && [ "$e1" -gt "$e0" ] || return 1
	# Small packets still pass (over UD).
	in1 ping -c 2 -i 0.2 -W 2 "$A2" >/dev/null
}

t_mixed_tcp()
{
	# TCP from connected to datagram: the datagram peer's MSS (and
	# PMTU discovery through the ICMP the sender's driver returns)
	# must keep every segment within the UD MTU.
	ip -n "$H1" route flush cache
	tcp_xfer "$H1" "$H2" "$A2" mixed
}

t_back_to_datagram()
{
	local m csum
	in1 sh -c 'echo datagram > /sys/class/net/ib0/mode' || return 1
	m=$(in1 cat /sys/class/net/ib0/mtu)
	csum=$(feature "$H1" tx-checksum-ipv4)
	echo "mtu $m tx-checksum-ipv4 $csum"
	[ "$m" = 2044 ] && [ "$csum" = on ] &&
	in1 ping -c 2 -i 0.2 -W 2 "$A2" >/dev/null
}

t_netns_death()
{
	# Packets in flight while the receiver's namespace dies.
	in1 ping -f -c 200000 -w 4 "$A2" >/dev/null 2>&1 &
	sleep 1
	ip netns del "$H2"
	wait
	ip netns del "$H1"
	for _ in $(seq 20); do
		ip -d link show type ipoib_emu | grep -q . || return 0
		sleep 0.2
	done
	echo "devices left after their namespaces died:"
	ip -d link show type ipoib_emu
	return 1
}

t_unload()
{
	[ "$IPOIB_EMU_LOADED" = 1 ] ||
		{ echo "module was loaded before the test"; return "$KSFT_SKIP"; }
	ipoib_emu_unload
}

run_test "create devices on one fabric in two netns" t_create
run_test "ip -d link shows link/infiniband, 20-byte address, IPoIB broadcast" t_link_type
run_test "device addresses are unique" t_addr_unique
run_test "datagram mode MTU is 2044" t_datagram_mtu
run_test "ping both ways" t_ping
run_test "ARP neighbour has the peer's 20-byte lladdr" t_neigh_lladdr
run_test "a bridge refuses it" t_bridge_refuses
run_test "macvlan refuses it" t_macvlan_refuses
run_test "vlan refuses it" t_vlan_refuses
run_test "datagram mode refuses MTU 3000" t_datagram_mtu_refused
run_test "TCP ${XFER_MB} MiB both ways in datagram mode, sha256 match" t_tcp_datagram
run_test "whole-gso (default): TSO packets cross whole (ethtool -S)" t_whole_gso_counters
run_test "wire-mtu: TCP ${XFER_MB} MiB both ways segmented at the wire, csum verified, sha256 match" t_tcp_wire_mtu
run_test "connected mode: MTU 65520, no csum offload, 65521 refused" t_connected_mtu
run_test "3000 and 60000-byte DF pings pass between connected peers" t_connected_big_ping
run_test "TCP ${XFER_MB} MiB both ways in connected mode, sha256 match" t_tcp_connected
run_test "3000-byte DF ping connected->datagram is dropped and counted" t_mixed_drop
run_test "TCP ${XFER_MB} MiB connected->datagram, sha256 match" t_mixed_tcp
run_test "back to datagram: MTU clamped to 2044, csum offload back" t_back_to_datagram
run_test "namespaces die with packets in flight, devices go" t_netns_death
# Not in a subshell: ipoib_emu_unload updates IPOIB_EMU_LOADED.
run_test_here "module unloads (no device or packet holds it)" t_unload

ktap_finished
