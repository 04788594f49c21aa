# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2015,SC2016
#
# Shell helpers for tests that want an IPoIB underlay: source this file.
#
#   ipoib_emu_load || ktap_skip_all "no ipoib_emu.ko"
#   ipoib_emu_add NETNS ib0 [fabric N] [mode datagram|connected] [umtu N]
#                 [cost_model whole-gso|wire-mtu]
#   ip -n NETNS addr add 10.7.3.4/16 dev ib0; ip -n NETNS link set ib0 up
#   ...
#   ipoib_emu_unload         # only if ipoib_emu_load loaded it
#
# ipoib_emu_load looks for the module in $IPOIB_EMU_KO,
# build/modules/$(uname -r)/ipoib_emu.ko, selftests/ipoib_emu/ipoib_emu.ko
# (the first built for the running kernel), then tries modprobe.

IPOIB_EMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IPOIB_EMU_TOP=$(cd "$IPOIB_EMU_DIR/../.." && pwd)
IPOIB_EMU_LOADED=0
_IPOIB_EMU_SEQ=0

ipoib_emu_load()
{
	local ko kver
	[ -d /sys/module/ipoib_emu ] && return 0
	kver=$(uname -r)
	for ko in "${IPOIB_EMU_KO:-}" "$IPOIB_EMU_TOP/build/modules/$kver/ipoib_emu.ko" \
		  "$IPOIB_EMU_DIR/ipoib_emu.ko"; do
		[ -n "$ko" ] && [ -r "$ko" ] || continue
		[ "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$kver" ] ||
			continue
		if insmod "$ko" "$@"; then
			IPOIB_EMU_LOADED=1
			return 0
		fi
	done
	if modprobe ipoib_emu "$@" 2>/dev/null; then
		IPOIB_EMU_LOADED=1
		return 0
	fi
	return 1
}

# ipoib_emu_unload: remove the module if ipoib_emu_load loaded it.  Devices
# of deleted namespaces go asynchronously, so retry for a few seconds.
ipoib_emu_unload()
{
	local _
	[ "$IPOIB_EMU_LOADED" = 1 ] || return 0
	for _ in $(seq 20); do
		if rmmod ipoib_emu 2>/dev/null; then
			IPOIB_EMU_LOADED=0
			return 0
		fi
		sleep 0.2
	done
	rmmod ipoib_emu
}

# ipoib_emu_add NETNS NAME [fabric N] [mode datagram|connected] [umtu N]
# [cost_model whole-gso|wire-mtu]:
# make an emulated IPoIB device NAME in NETNS (a namespace name as for
# "ip -n"; "" for the current one).  It is created in the current
# namespace under a temporary name, configured while down, then moved.
ipoib_emu_add()
{
	local netns=$1 name=$2 tmpname fabric="" mode="" umtu="" cost=""
	shift 2
	while [ $# -ge 2 ]; do
		case "$1" in
		fabric) fabric=$2 ;;
		mode) mode=$2 ;;
		umtu) umtu=$2 ;;
		cost_model) cost=$2 ;;
		*) echo "ipoib_emu_add: unknown option $1" >&2; return 1 ;;
		esac
		shift 2
	done
	_IPOIB_EMU_SEQ=$((_IPOIB_EMU_SEQ + 1))
	tmpname=ie$$-$_IPOIB_EMU_SEQ
	tmpname=${tmpname:0:15}
	ip link add "$tmpname" type ipoib_emu || return 1
	{
		[ -z "$fabric" ] || echo "$fabric" > "/sys/class/net/$tmpname/ipoib_emu/fabric"
	} && {
		[ -z "$umtu" ] || echo "$umtu" > "/sys/class/net/$tmpname/ipoib_emu/umtu"
	} && {
		[ -z "$mode" ] || echo "$mode" > "/sys/class/net/$tmpname/mode"
	} && {
		[ -z "$cost" ] || echo "$cost" > "/sys/class/net/$tmpname/ipoib_emu/cost_model"
	} || { ip link del "$tmpname"; return 1; }
	if [ -n "$netns" ]; then
		ip link set "$tmpname" netns "$netns" name "$name" ||
			{ ip link del "$tmpname"; return 1; }
	else
		ip link set "$tmpname" name "$name" ||
			{ ip link del "$tmpname"; return 1; }
	fi
}

# ipoib_emu_sysfs NETNS DEV FILE [VALUE]: read or write
# /sys/class/net/DEV/FILE as seen from NETNS ("mode", "ipoib_emu/fabric",
# "statistics/tx_dropped", ...).
ipoib_emu_sysfs()
{
	local netns=$1 dev=$2 file=$3
	if [ $# -ge 4 ]; then
		ip netns exec "$netns" sh -c 'echo "$1" > "/sys/class/net/$2/$3"' \
			sh "$4" "$dev" "$file"
	else
		ip netns exec "$netns" cat "/sys/class/net/$dev/$file"
	fi
}
