#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Maps other than the usual 250.0.0.0/8 over a /16, with real packets:
#
# - DESIGN.md's prefix pairs (250.0.0.0/8 over a /24: a /16 per host;
#   100.64.0.0/10 over a /24: a /18) and one whose host part and slice are
#   not whole bytes (172.16.0.0/12 over a /19: 13 host bits, a /25 per
#   host).  The test works out each host's slice and each packet's outer
#   addresses from DESIGN.md's formulas itself, checks the slice against
#   the bridge fanctl makes, and sends ping both ways, a checksummed TCP
#   transfer, and captures the IPIP on the underlay.
# - The second map of a device: ftun0 with 250.0.0.0/8 and 251.0.0.0/8
#   over one /16 carries both; with the first map deleted, the second
#   still works, and the first map's packets are counted as tx_no_map
#   (sent) or left to tunnel4 (received), exactly.
# - Two fan devices on two underlay links (two fabrics, or two switches)
#   of one host: each device receives what arrives on its link, with exact
#   per-device counters, and an IPIP packet for ftun0's map that arrives on
#   ftun1's link is claimed by neither (rcv.c's lookup skips a device
#   bound to another link and no fan counter moves): tunnel4 answers it
#   with a port unreachable, counted in the IP MIB.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

PINGS=3

ip2int()
{
	local a b c d
	IFS=. read -r a b c d <<< "$1"
	echo $((a << 24 | b << 16 | c << 8 | d))
}

int2ip()
{
	echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"
}

# slice_of O/o U/u HOST: the slice HOST owns, as DESIGN.md defines it:
# O | ((HOST & ~mask(u)) << (u - o)), a /(o + 32 - u).
slice_of()
{
	local o=${1%/*} olen=${1#*/} ulen=${2#*/} host
	host=$(( $(ip2int "$3") & ((1 << (32 - ulen)) - 1) ))
	echo "$(int2ip $(( $(ip2int "$o") | host << (ulen - olen) )))/$((olen + 32 - ulen))"
}

# underlay_of O/o U/u ADDR: the host an overlay address maps to,
# U | ((ADDR & ~mask(o)) >> (u - o)).
underlay_of()
{
	local olen=${1#*/} u=${2%/*} ulen=${2#*/} a
	a=$(( $(ip2int "$3") & ((1 << (32 - olen)) - 1) ))
	int2ip $(( $(ip2int "$u") | a >> (ulen - olen) ))
}

# nth SLICE N: address N of SLICE (ADDR/LEN), without the length.
nth()
{
	int2ip $(( $(ip2int "${1%/*}") + $2 ))
}

# ul_add HOST DEV ADDR/LEN SEG: a second underlay device DEV in HOST on
# segment SEG, apart from fan_host's: an emulated IPoIB device on fabric
# SEG, or a veth into the switch of namespace swSEG.
ul_add()
{
	local host=$1 dev=$2 addr=$3 seg=$4 tmp=ib-$1-$2 sw=sw$4
	if [ "$FAN_UNDERLAY" = ib ]; then
		ns_exists "$host" || ns_create "$host" || return 1
		ip link add "$tmp" type ipoib_emu || return 1
		echo "$seg" > "/sys/class/net/$tmp/ipoib_emu/fabric" || return 1
		ip link set "$tmp" netns "$(ns "$host")" name "$dev" || return 1
	else
		ns_exists "$sw" || underlay_switch_create "$sw" || return 1
		ns_exists "$host" || ns_create "$host" || return 1
		ns_ip "$host" link add "$dev" type veth peer name "$host-$dev" netns "$(ns "$sw")" || return 1
		ns_ip "$sw" link set "$host-$dev" master "$SWITCH_BR" up || return 1
	fi
	ns_ip "$host" addr add "$addr" dev "$dev" && ns_ip "$host" link set "$dev" up
}

# bridge_with HOST ADDR/LEN: the device of HOST holding exactly ADDR/LEN.
bridge_with()
{
	ns_ip "$1" -4 -o addr show | awk -v a="$2" '$3 == "inet" && $4 == a { print $2 }'
}

# ping_ok FROM ADDR: all $PINGS echo requests answered.
ping_ok()
{
	ns_exec "$1" ping -c"$PINGS" -i0.2 -W2 "$2" | tail -2
	[ "${PIPESTATUS[0]}" = 0 ]
}

# ping_lost FROM [OPTION...] ADDR: $PINGS echo requests, none answered.
ping_lost()
{
	if ns_exec "$1" ping -c"$PINGS" -i0.2 -W1 "${@:2}" > /dev/null; then
		echo "ping $* answered"
		return 1
	fi
}

# counters HOST DEV...: the packet counters and every per-reason counter
# of the fan devices DEV, and HOST's ICMP destination unreachables sent,
# as NAME=VALUE words: what "deltas" compares.  One shell in HOST reads
# them all: every process costs on the debug kernel.
counters()
{
	local host=$1 out d
	shift
	# shellcheck disable=SC2016 # for the inner shell and awk
	out=$(ns_exec "$host" sh -c '
		for d; do
			read -r rx < "/sys/class/net/$d/statistics/rx_packets"
			read -r tx < "/sys/class/net/$d/statistics/tx_packets"
			echo "$d.rx=$rx $d.tx=$tx"
			ethtool -S "$d" | while read -r k v; do
				case $k in *:) echo "$d.${k%:}=$v" ;; esac
			done
		done
		awk "/^Icmp:/ { if (!n) { for (i = 2; i <= NF; i++) if (\$i == \"OutDestUnreachs\") n = i } else print \"unreach=\" \$n }" /proc/net/snmp
	' sh "$@")
	# A counter missing from both readings would compare equal: make sure
	# they are all there.
	for d in "$@"; do
		[[ " ${out//$'\n'/ } " == *" $d.rx="[0-9]*" $d.tx_no_map="[0-9]*" $d.rx_spoofed="[0-9]*" $d.err_not_relayed="[0-9]* ]] ||
			{ echo "cannot read $host's counters of $d: $out"; return 1; }
	done
	[[ "$out" == *unreach=[0-9]* ]] || { echo "no OutDestUnreachs in $host"; return 1; }
	echo "$out"
}

# deltas BEFORE AFTER WANT...: every counter of AFTER (counters' line)
# minus BEFORE is 0, except those WANT names as NAME=N.
deltas()
{
	local before=$1 after=$2 kv k v d ok=0
	declare -A b want=()
	shift 2
	for kv in "$@"; do
		want[${kv%=*}]=${kv#*=}
	done
	for kv in $before; do
		b[${kv%=*}]=${kv#*=}
	done
	for kv in $after; do
		k=${kv%=*} v=${kv#*=}
		d=$((v - ${b[$k]:-0}))
		if [ "$d" != "${want[$k]:-0}" ]; then
			echo "$k: ${b[$k]:-none} -> $v, want +${want[$k]:-0}"
			ok=1
		fi
		unset "want[$k]"
	done
	for k in "${!want[@]}"; do
		echo "no counter $k"
		ok=1
	done
	[ "$ok" = 0 ] && echo "deltas as expected: ${*:-none}"
	return "$ok"
}

# ---- 1. other prefix pairs --------------------------------------------

# pair_up TAG O/o U/u ADDR1 ADDR2: hosts TAG1 (ADDR1) and TAG2 (ADDR2) in
# U/u, "fanctl up O/o ul0/u" on each, a container TAGc1/TAGc2 at address
# 2 of each host's computed slice on the bridge fanctl made for it, which
# must hold address 1 of that slice with the slice's length.
pair_up()
{
	local tag=$1 ov=$2 ul=$3 addrs=("$4" "$5") i host addr slice br
	for i in 1 2; do
		host=$tag$i
		addr=${addrs[i - 1]}
		slice=$(slice_of "$ov" "$ul" "$addr")
		echo "$host: $addr owns $slice of $ov over $ul"
		fan_host "$host" "$addr/${ul#*/}" || return 1
		fan_up "$host" "$ov" "${ul#*/}" || return 1
		br=$(bridge_with "$host" "$(nth "$slice" 1)/${slice#*/}")
		[ -n "$br" ] || { echo "$host: no device holds $(nth "$slice" 1)/${slice#*/}"; ns_ip "$host" -4 -o addr show; return 1; }
		ns_exec "$host" test -d "/sys/class/net/$br/bridge" ||
			{ echo "$host: $br is not a bridge"; return 1; }
		echo "$host: bridge $br holds $(nth "$slice" 1)/${slice#*/}"
		fan_container "${tag}c$i" "$host" "$(nth "$slice" 2)" "${slice#*/}" "$br" || return 1
	done
}

# on_wire TAG O/o U/u: c1 -> c2's IPIP as h2 receives it has the outer
# addresses the mapping gives for the inner ones, and they are the hosts'.
on_wire()
{
	local tag=$1 ov=$2 ul=$3 c1 c2 u1 u2
	c1=$(ns_ip "${tag}c1" -4 -o addr show dev eth0 | awk '{ print $4 }')
	c2=$(ns_ip "${tag}c2" -4 -o addr show dev eth0 | awk '{ print $4 }')
	c1=${c1%/*} c2=${c2%/*}
	u1=$(underlay_of "$ov" "$ul" "$c1")
	u2=$(underlay_of "$ov" "$ul" "$c2")
	echo "$c1 maps to $u1, $c2 to $u2"
	if [ "$u1" != "$4" ] || [ "$u2" != "$5" ]; then
		echo "not the hosts $4 and $5"
		return 1
	fi
	sniff "${tag}2" ipip "$FAN_TMP/wire-$tag" ns_exec "${tag}c1" ping -c2 -i0.3 -W1 "$c2"
	cat "$FAN_TMP/wire-$tag"
	grep -qx "$u1 > $u2: $c1 > $c2" "$FAN_TMP/wire-$tag"
}

pair()
{
	local tag=$1 ov=$2 ul=$3 a1=$4 a2=$5 s1 s2
	s1=$(slice_of "$ov" "$ul" "$a1")
	s2=$(slice_of "$ov" "$ul" "$a2")
	subtest "$ov over $ul: hosts $a1 and $a2 own $s1 and $s2 (fanctl's bridges)" \
		pair_up "$@" || return 1
	subtest "$ov over $ul: ping $(nth "$s1" 2) -> $(nth "$s2" 2)" \
		wait_for 10 ping_ok "${tag}c1" "$(nth "$s2" 2)"
	subtest "$ov over $ul: ping $(nth "$s2" 2) -> $(nth "$s1" 2)" \
		ping_ok "${tag}c2" "$(nth "$s1" 2)"
	subtest "$ov over $ul: TCP 1 MB c1 -> c2, sha256 matches" \
		tcp_transfer "${tag}c1" "${tag}c2" "$(nth "$s2" 2)" 1000000
	subtest "$ov over $ul: underlay carries IPIP $a1 -> $a2" \
		on_wire "$tag" "$ov" "$ul" "$a1" "$a2"
}

pair a 250.0.0.0/8 192.0.2.0/24 192.0.2.7 192.0.2.200
pair b 100.64.0.0/10 198.51.100.0/24 198.51.100.7 198.51.100.200
pair d 172.16.0.0/12 10.20.0.0/19 10.20.5.77 10.20.30.9

# ---- 2. and 3.: h1 with two maps on ftun0 and a second fan device -------
#
#   h2 10.7.9.200 --ul0-- h1 10.7.3.4    ftun0: 250/8, 251/8 over 10.7/16
#   h3 10.8.9.9   --ul1-- h1 10.8.5.6    ftun1: 252/8 over 10.8/16
#
# ul0 is segment (fabric, switch) 0, ul1 segment 1.

MAP1="250.0.0.0/8 10.7.0.0/16"

setup_multi()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	ul_add h1 ul1 10.8.5.6/16 1 &&
	ul_add h3 "$UL_DEV" 10.8.9.9/16 1 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h1 251.0.0.0/8 16 &&
	UL_DEV=ul1 fan_up h1 252.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_up h2 251.0.0.0/8 16 &&
	fan_up h3 252.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c1b h1 251.3.4.2 &&
	fan_container c1y h1 252.5.6.2 &&
	fan_container c2 h2 250.9.200.7 &&
	fan_container c2b h2 251.9.200.7 &&
	fan_container c3 h3 252.9.9.2 || return 1
	# Every ICMP error h1 sends is counted: none rate-limited away.
	ns_exec h1 sysctl -qw net.ipv4.icmp_ratelimit=0 || return 1
	[ "$(fan_devs h1)" = "ftun0 ftun1" ] || { echo "h1 has fan devices: $(fan_devs h1)"; return 1; }
	ns_exec h1 python3 "$FAN_NL" get ftun0 | tee "$FAN_TMP/get0"
	grep -qx 'map 250.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get0" &&
	grep -qx 'map 251.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get0" &&
	grep -qx "link $(ns_exec h1 cat /sys/class/net/"$UL_DEV"/ifindex)" "$FAN_TMP/get0" || return 1
	if [ "$(ns_exec h1 cat /sys/class/net/ftun1/iflink)" != "$(ns_exec h1 cat /sys/class/net/ul1/ifindex)" ]; then
		echo "ftun1 is not on ul1"
		return 1
	fi
}
subtest "h1: ftun0 with two maps on ul0, ftun1 on ul1; h2 on ul0's segment, h3 on ul1's" \
	setup_multi || ktap_exit_fail_msg "setup failed"

# exact PINGS_FROM TO HOST DEV... -- WANT...: FROM's pings to TO all
# answered, and HOST's counters (of DEV...) move exactly as WANT says.
exact()
{
	local from=$1 to=$2 host=$3 devs=() before after
	shift 3
	while [ "$1" != -- ]; do
		devs+=("$1")
		shift
	done
	shift
	before=$(counters "$host" "${devs[@]}") || { echo "$before"; return 1; }
	ping_ok "$from" "$to" || return 1
	after=$(counters "$host" "${devs[@]}") || { echo "$after"; return 1; }
	deltas "$before" "$after" "$@"
}

subtest "map 1 (250/8): c1 <-> c2" wait_for 10 ping_ok c1 250.9.200.7
subtest "map 2 (251/8): c1b <-> c2b, through h1's ftun0 only" \
	exact c1b 251.9.200.7 h1 ftun0 ftun1 -- ftun0.tx="$PINGS" ftun0.rx="$PINGS"

map2_wire()
{
	sniff h2 ipip "$FAN_TMP/wire2" ns_exec c1b ping -c2 -i0.3 -W1 251.9.200.7
	cat "$FAN_TMP/wire2"
	grep -qx "10.7.3.4 > 10.7.9.200: 251.3.4.2 > 251.9.200.7" "$FAN_TMP/wire2"
}
subtest "map 2 on the wire: IPIP 10.7.3.4 > 10.7.9.200: 251.3.4.2 > 251.9.200.7" map2_wire
subtest "TCP 1 MB over map 2 c2b -> c1b, sha256 matches" tcp_transfer c2b c1b 251.3.4.2 1000000

# ---- 3. receive picks by link -------------------------------------------

subtest "ftun1 (252/8 on ul1): c3 -> c1y counted by ftun1 alone" \
	exact c3 252.5.6.2 h1 ftun0 ftun1 -- ftun1.rx="$PINGS" ftun1.tx="$PINGS"
subtest "ftun0 (250/8 on ul0): c2 -> c1 counted by ftun0 alone" \
	exact c2 250.3.4.2 h1 ftun0 ftun1 -- ftun0.rx="$PINGS" ftun0.tx="$PINGS"

# h3 also takes an address of ftun0's underlay, 10.7.77.7 (on ul0, ul1's
# segment), and map 250/8 over 10.7/16: its fan sends IPIP 10.7.77.7 >
# 10.7.3.4 for 250.77.7.1 > 250.3.4.1, which arrives on h1's ul1.  The
# packet is for ftun0's map and passes every check of ftun0's (the
# outer source owns the inner source's slice), but ftun0 is bound to ul0
# and ftun1 has no map for it: it is not the fan's, and tunnel4 sends a
# port unreachable (to 10.7.77.7, via ul0, where nobody has it).
setup_wrong_link()
{
	ns_ip h3 addr add 10.7.77.7/16 dev "$UL_DEV" || return 1
	ns_exec h3 "$FANCTL" up 250.0.0.0/8 10.7.77.7/16 || return 1
	# Strict reverse path filtering would drop it before the tunnel
	# handlers; the fan must not rely on it being on.
	ns_exec h1 sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.ul1.rp_filter=0
}
subtest "h3: 10.7.77.7/16 on ul1's segment with map $MAP1" setup_wrong_link

wrong_link()
{
	local before after pid
	before=$(counters h1 ftun0 ftun1) || { echo "$before"; return 1; }
	ns_exec h1 python3 "$FAN_TOP/selftests/net/sniff.py" -i ul1 ipip "$PINGS" $((10 * FAN_SLOW)) > "$FAN_TMP/wrong" &
	pid=$!
	wait_for 30 grep -q listening "$FAN_TMP/wrong" || { kill "$pid"; return 1; }
	ping_lost h3 -I 250.77.7.1 250.3.4.1 || { kill "$pid"; return 1; }
	wait "$pid"
	cat "$FAN_TMP/wrong"
	[ "$(grep -cx '10.7.77.7 > 10.7.3.4 proto 4: 250.77.7.1 > 250.3.4.1' "$FAN_TMP/wrong")" = "$PINGS" ] ||
		{ echo "not $PINGS such packets on ul1"; return 1; }
	after=$(counters h1 ftun0 ftun1) || { echo "$after"; return 1; }
	deltas "$before" "$after" unreach="$PINGS"
}
subtest "IPIP for ftun0's map arriving on ul1: no fan takes it, $PINGS port unreachables" wrong_link

# ---- 2. (cont.) the second map after the first is deleted --------------

delmap1()
{
	# shellcheck disable=SC2086 # two words
	ns_exec h1 python3 "$FAN_NL" change ftun0 del $MAP1 || return 1
	ns_exec h1 python3 "$FAN_NL" get ftun0 | tee "$FAN_TMP/get0"
	! grep -q '^map 250' "$FAN_TMP/get0" &&
	grep -qx 'map 251.0.0.0/8 10.7.0.0/16' "$FAN_TMP/get0"
}
subtest "h1: delmap $MAP1 leaves ftun0 with map 2 alone" delmap1
subtest "map 2 still carries c1b <-> c2b, no drop" \
	exact c1b 251.9.200.7 h1 ftun0 -- ftun0.tx="$PINGS" ftun0.rx="$PINGS"

lost_counted()
{
	local from=$1 to=$2 before after
	shift 2
	before=$(counters h1 ftun0 ftun1) || { echo "$before"; return 1; }
	ping_lost "$from" "$to" || return 1
	after=$(counters h1 ftun0 ftun1) || { echo "$after"; return 1; }
	deltas "$before" "$after" "$@"
}
subtest "map 1 gone: c1 -> c2 dropped by h1's ftun0 as tx_no_map +$PINGS" \
	lost_counted c1 250.9.200.7 ftun0.tx_no_map="$PINGS"
subtest "map 1 gone: c2 -> c1 (h2 still has it) left to tunnel4 by h1, $PINGS unreachables" \
	lost_counted c2 250.3.4.2 unreach="$PINGS"

fan_finish
