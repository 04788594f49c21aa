#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan benchmark, inside the test VM (scripts/bench.sh runs it):
#
#   selftests/vm/run-vm.sh -- selftests/bench/bench-guest.sh OUTDIR
#
# Two hosts h1, h2 (namespaces) on one underlay, a container behind each
# host's bridge (c1 250.3.4.2 on h1, c2 250.9.200.7 on h2), and the ways
# for c1 to reach c2, all set up side by side and switched per case:
#
#   native      h1 -> h2 on the underlay, no container
#   routed      plain routes, no encapsulation (the limit for any overlay)
#   ipip        ipip.ko's tunl0 with a route per host (Calico IPIP style)
#   vxlan       a VXLAN device, route + neighbour + FDB entry per host
#   fan         fanctl up 250.0.0.0/8 ul0/16 (no per-host state), IPIP
#   fan-direct  the same fan, its map in direct mode (IFLA_FAN_MAP_MODE 1,
#               set with selftests/net/fan_nl.py and read back; a fan.ko
#               without it: "unsupported", nothing measured)
#   CASE+ct     CASE with conntrack active on both hosts (an nft rule
#               matching ct state in the forward chain, as Docker's
#               iptables rules make it on every Docker host)
#   fan+notrack, fan+ct+notrack  fan, fan+ct with fanctl's notrack rules
#               (fanctl up ... notrack): the outer IPIP packets skip
#               conntrack, for two more netfilter chains
#
# For each underlay MTU (1500: veth; 2044, 4092 and 65520: the emulated
# IPoIB fabric, datagram mode with IB MTU 2048 and 4096, connected mode),
# each ipoib_emu cost model (BENCH_COST_MODELS; datagram mode only:
# connected mode has no TSO, so the device never sees a GSO packet) and
# each repetition, every case runs in turn (the order rotates per
# repetition, so drift hits all cases):
# iperf3 TCP 1 and 4 streams, TCP request/response latency and UDP
# 64-byte packet rate (selftests/bench/fanbench.c), /proc/stat around the
# single-stream TCP run for the CPU cost.
#
# Then the scale phase: c1 sends 64-byte UDP to N = 1, 256, 65000 distinct
# remote hosts spread over the whole /8 through the fan, ipip, vxlan and
# routed (each on its own /8 so their per-host state coexists), every one
# of the N hosts in every repetition (fanbench reports how many it
# reached), h2 drops everything at ingress (tc), and the packet rate
# leaving h1's underlay device is the sender's cost.  /proc/meminfo (Slab
# + Percpu) around adding each case's per-host state, and around the
# first traffic to the new hosts, gives the kernel memory per remote host
# (the fan's too: it adds no state, so only its traffic can cost any).
#
# Raw results go to OUTDIR (one small file per measurement); the host turns
# them into the tables and the chart (selftests/bench/report.py).
#
# Environment: BENCH_REPS (3), BENCH_SECS (seconds per measurement, 1),
# BENCH_MTUS ("1500 2044 4092 65520"), BENCH_CASES ("native routed ipip
# vxlan fan fan-direct routed+ct fan+ct fan-direct+ct fan+notrack
# fan+ct+notrack"),
# BENCH_COST_MODELS
# ("wire-mtu whole-gso"), BENCH_SCALE ("1 256 65000"), BENCH_SCALE_REPS
# (= BENCH_REPS).

# shellcheck source-path=SCRIPTDIR disable=SC2015
set -u -o pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:?usage: bench-guest.sh OUTDIR}
kver=$(uname -r)
FANBENCH=${FANBENCH:-$top/build/bench/fanbench}
FANCTL=${FANCTL:-$top/tools/fanctl/fanctl}
FAN_KO=${FAN_KO:-$top/build/modules/$kver/fan.ko}
IPOIB_KO=${IPOIB_KO:-$top/build/modules/$kver/ipoib_emu.ko}
REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECS:-1}
MTUS=${BENCH_MTUS:-1500 2044 4092 65520}
CASES=${BENCH_CASES:-native routed ipip vxlan fan fan-direct routed+ct fan+ct fan-direct+ct fan+notrack fan+ct+notrack}
COST_MODELS=${BENCH_COST_MODELS:-wire-mtu whole-gso}
FAN_NL=${FAN_NL:-$top/selftests/net/fan_nl.py}
FAN_MAP_MODE=${FAN_MAP_MODE:-$top/selftests/bench/fan_map_mode.py}
SCALE=${BENCH_SCALE-1 256 65000}
SCALE_REPS=${BENCH_SCALE_REPS:-$REPS}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if [ "${FAN_IN_VM:-0}" != 1 ] && [ "${FAN_ALLOW_HOST:-0}" != 1 ]; then
	echo "bench-guest: not in the test VM (it loads modules and makes namespaces)" >&2
	exit 2
fi

# netns.sh names the namespaces with it.
# shellcheck disable=SC2034
NS_PREFIX=fanb-$$
# shellcheck source=../lib/netns.sh
. "$top/selftests/lib/netns.sh"

t_start=$(date +%s)

log()
{
	local t=$(( $(date +%s) - t_start ))
	printf '[%3d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"
}

die()
{
	log "bench: FAILED: $*"
	exit 1
}

# Addresses of the two hosts and containers (the fan maps 250.3.4.0/24 to
# 10.7.3.4 and 250.9.200.0/24 to 10.7.9.200).
H1=10.7.3.4
H2=10.7.9.200
C1=250.3.4.2
C2=250.9.200.7
BR1='fan-250-3-4'
BR2='fan-250-9-200'
# Deterministic VXLAN MACs: 02:fa:00:A:B:00 for host A.B.
VX1_MAC=02:fa:00:03:04:00
VX2_MAC=02:fa:00:09:c8:00

modules()
{
	local m
	grep -q '^fan ' /proc/modules || { modprobe -q tunnel4; insmod "$FAN_KO"; } ||
		die "cannot load $FAN_KO (make modules)"
	for m in ipip vxlan sch_ingress cls_matchall act_gact; do
		modprobe -q "$m" || die "modprobe $m"
	done
	# Conntrack as on a Docker host: loaded, and active where a rule
	# needs it (the +ct cases).
	for m in nf_conntrack nf_conntrack_netlink nf_tables nft_ct; do
		modprobe -q "$m" || log "modprobe $m failed: the +ct cases will be unsupported"
	done
	if [ -r "$IPOIB_KO" ] && ! grep -q '^ipoib_emu ' /proc/modules; then
		insmod "$IPOIB_KO" || log "ipoib_emu.ko does not load: IPoIB MTUs skipped"
	fi
}

have_ib()
{
	grep -q '^ipoib_emu ' /proc/modules
}

# host_ns NAME: a namespace without IPv6 (no DAD, RS or MLD noise).
host_ns()
{
	ns_create "$1" || return 1
	ns_exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 > /dev/null
}

# underlay KIND: h1 and h2 with ul0 (KIND veth: a veth pair; ib: the
# emulated IPoIB fabric, datagram mode).
underlay()
{
	local kind=$1 h
	host_ns h1 && host_ns h2 || return 1
	if [ "$kind" = veth ]; then
		ns_ip h1 link add ul0 type veth peer name ul0 netns "$(ns h2)" || return 1
	else
		for h in h1 h2; do
			ip link add "ib-$h" type ipoib_emu &&
			ip link set "ib-$h" netns "$(ns $h)" name ul0 || return 1
		done
	fi
	ns_ip h1 -batch - <<-EOF &&
		addr add $H1/16 dev ul0
		link set ul0 up
	EOF
	ns_ip h2 -batch - <<-EOF
		addr add $H2/16 dev ul0
		link set ul0 up
	EOF
}

# ib_underlay MTU: both hosts' ul0 in the mode and IB MTU that give MTU:
# 2044 datagram with IB MTU 2048 (2K IB MTU), 4092 datagram with 4096 (4K
# IB MTU, usual on EDR/HDR/NDR), 65520 connected.
ib_underlay()
{
	local mtu=$1 h
	for h in h1 h2; do
		case $mtu in
		2044|4092)
			ns_exec $h sh -c "echo datagram > /sys/class/net/ul0/mode &&
				echo $(((mtu + 4) / 1024 * 1024)) > /sys/class/net/ul0/ipoib_emu/umtu" &&
			ns_ip $h link set ul0 mtu "$mtu" || return 1 ;;
		65520)
			ns_exec $h sh -c "echo connected > /sys/class/net/ul0/mode" || return 1 ;;
		*) return 1 ;;
		esac
	done
}

# ib_cost MODEL: what the emulated wire carries of a TSO packet, on both
# hosts (selftests/ipoib_emu: whole-gso or wire-mtu).
ib_cost()
{
	local h
	for h in h1 h2; do
		ns_exec $h sh -c "echo $1 > /sys/class/net/ul0/ipoib_emu/cost_model" || return 1
		[ "$(ns_exec $h cat /sys/class/net/ul0/ipoib_emu/cost_model)" = "$1" ] || return 1
	done
}

# ul_xstats HOST: ipoib_emu's ethtool -S counters of HOST's ul0, one
# "name value" a line (nothing on veth).
ul_xstats()
{
	ns_exec "$1" ethtool -S ul0 2>/dev/null | awk '$1 ~ /^(tx|rx)_(gso|wire|csum)/ { sub(":", "", $1); print $1, $2 }'
}

ul_mtu()
{
	ns_exec h1 cat /sys/class/net/ul0/mtu
}

# The per-host devices of every case: the fan (fanctl, no NAT so no
# conntrack anywhere; with the notrack option, whose chains go until a
# +notrack case puts them back), tunl0 and a VXLAN device, all over ul0.
# setup_host HOST ADDR VX_MAC
setup_host()
{
	local h=$1 addr=$2 mac=$3 a b
	IFS=. read -r _ _ a b <<< "$addr"
	ns_exec "$h" "$FANCTL" up 250.0.0.0/8 ul0/16 no-nat notrack > /dev/null || return 1
	ns_ip "$h" -batch - <<-EOF
		link add vx0 type vxlan id 1 dev ul0 local $addr dstport 4789 nolearning
		link set vx0 address $mac
		addr add 250.$a.$b.0/32 dev vx0
		link set vx0 up
		link set tunl0 up
	EOF
}

# setup_peer HOST PEER_ADDR PEER_VX_MAC: the VXLAN FDB and neighbour entry
# for the other host (flannel's per-host state, less the route).
setup_peer()
{
	local h=$1 addr=$2 mac=$3 a b
	IFS=. read -r _ _ a b <<< "$addr"
	ns_exec "$h" bridge fdb add "$mac" dev vx0 dst "$addr" &&
	ns_ip "$h" neigh add "250.$a.$b.0" lladdr "$mac" dev vx0 nud permanent
}

# The routes fanctl made, to put back when ftun0 comes up again.
FAN_ROUTE1=
FAN_ROUTE2=
# Whether fan-direct and the +ct cases can run here: "" yes, else why not.
DIRECT_UNSUPPORTED=
CT_UNSUPPORTED=
NOTRACK_UNSUPPORTED=
FAN_MODE_NOW=ipip
CT_NOW=off
NOTRACK_NOW=on

# fan_mode HOST ipip|direct: HOST's ftun0 maps (as fanctl made them) in
# that mode, through selftests/net/fan_nl.py (the map set is replaced
# atomically; IFLA_FAN_MAP_MODE = 5, a u8, only for direct), then read
# back (fan_map_mode.py): a fan.ko that refuses or ignores the attribute
# is caught here.  Prints the reason on failure.
fan_mode()
{
	local h=$1 mode=$2 maps=() o u m out got
	while read -r o u m; do
		maps+=(maps "$o" "$u")
	done < <(ns_exec "$h" python3 "$FAN_MAP_MODE" ftun0)
	[ ${#maps[@]} -gt 0 ] || { echo "no map on ftun0"; return 1; }
	if [ "$mode" = direct ]; then
		maps+=(mapattr 5 01)
	fi
	out=$(ns_exec "$h" python3 "$FAN_NL" change ftun0 "${maps[@]}" 2>&1) ||
		{ echo "the kernel refused IFLA_FAN_MAP_MODE=$mode ($out)"; return 1; }
	got=$(ns_exec "$h" python3 "$FAN_MAP_MODE" ftun0 | awk '{ print $3 }' | sort -u | tr '\n' ' ')
	[ "$got" = "$mode " ] ||
		{ echo "the kernel accepted IFLA_FAN_MAP_MODE=$mode but reads back '${got% }'"; return 1; }
}

# fan_modes MODE: both hosts' fan in MODE (ipip or direct).
fan_modes()
{
	[ "$FAN_MODE_NOW" = "$1" ] && return 0
	fan_mode h1 "$1" > /dev/null && fan_mode h2 "$1" > /dev/null || return 1
	FAN_MODE_NOW=$1
}

# ct_rules on|off: conntrack active on both hosts or not.  Loading
# nf_conntrack alone tracks nothing; a rule that matches on ct state (as
# Docker's FORWARD rules do) makes every IPv4 packet of the namespace go
# through conntrack, the outer IPIP packets of a tunnel too.
ct_rules()
{
	local h
	[ "$CT_NOW" = "$1" ] && return 0
	for h in h1 h2; do
		if [ "$1" = on ]; then
			ns_exec $h nft -f - <<-EOF || return 1
				table ip bench_ct {
					chain forward {
						type filter hook forward priority 0; policy accept;
						ct state established,related accept
					}
				}
			EOF
		else
			ns_exec $h nft delete table ip bench_ct || return 1
		fi
	done
	CT_NOW=$1
}

# notrack_rules on|off: fanctl's notrack chains there (fanctl up repairs
# them, as after a hand-deleted rule) or gone (as without the option: a
# chain costs every packet even when empty).
notrack_rules()
{
	local h c
	[ "$NOTRACK_NOW" = "$1" ] && return 0
	for h in h1 h2; do
		if [ "$1" = on ]; then
			ns_exec $h "$FANCTL" up 250.0.0.0/8 ul0/16 no-nat notrack > /dev/null || return 1
		else
			for c in raw-prerouting raw-output; do
				ns_exec $h nft flush chain ip fanctl $c &&
					ns_exec $h nft delete chain ip fanctl $c || return 1
			done
		fi
	done
	NOTRACK_NOW=$1
}

# probe_cases: may fan-direct and the +ct cases run on this topology?
# (New namespaces: no conntrack table, the fan as fanctl made it.)
probe_cases()
{
	CT_NOW=off
	FAN_MODE_NOW=ipip
	DIRECT_UNSUPPORTED=$(fan_mode h1 direct) &&
		DIRECT_UNSUPPORTED=$(fan_mode h2 direct)
	fan_mode h1 ipip > /dev/null && fan_mode h2 ipip > /dev/null ||
		die "cannot put the fan back in ipip mode"
	FAN_MODE_NOW=ipip
	[ -z "$DIRECT_UNSUPPORTED" ] || log "fan-direct unsupported: $DIRECT_UNSUPPORTED"
	CT_UNSUPPORTED=
	if ! ct_rules on > "$out/ct-probe.txt" 2>&1; then
		CT_UNSUPPORTED="no nft conntrack rule: $(head -c 200 "$out/ct-probe.txt" | tr '\n' ' ')"
		log "+ct cases unsupported: $CT_UNSUPPORTED"
		ns_exec h1 nft delete table ip bench_ct 2>/dev/null
		ns_exec h2 nft delete table ip bench_ct 2>/dev/null
		CT_NOW=off
	fi
	ct_rules off || die "cannot remove the conntrack rule"
	NOTRACK_NOW=on
	NOTRACK_UNSUPPORTED=
	ns_exec h1 nft list chain ip fanctl raw-output 2>/dev/null | grep -q notrack ||
		NOTRACK_UNSUPPORTED="fanctl made no notrack rule"
	notrack_rules off || die "cannot remove fanctl's notrack chains"
}

topology()
{
	local kind=$1
	underlay "$kind" &&
	setup_host h1 $H1 $VX1_MAC &&
	setup_host h2 $H2 $VX2_MAC &&
	setup_peer h1 $H2 $VX2_MAC &&
	setup_peer h2 $H1 $VX1_MAC &&
	container_add c1 h1 $BR1 $C1/24 250.3.4.1 &&
	container_add c2 h2 $BR2 $C2/24 250.9.200.1 || return 1
	FAN_ROUTE1=$(ns_ip h1 route show 250.0.0.0/8 | head -1)
	FAN_ROUTE2=$(ns_ip h2 route show 250.0.0.0/8 | head -1)
	[ -n "$FAN_ROUTE1" ] && [ -n "$FAN_ROUTE2" ] ||
		{ echo "no fan route after fanctl up"; return 1; }
	probe_cases
	ACTIVE=
	# Servers: iperf3 and the request/response echo on h2 and c2.
	local n
	for n in h2 c2; do
		ns_exec $n iperf3 -s -D -p 5201 > /dev/null || return 1
		# setsid -f: not our child, so its kill at cleanup is not
		# reported.
		ns_exec $n setsid -f taskset -c 0 "$FANBENCH" rr-server -p 9001 \
			< /dev/null > /dev/null 2>&1 || return 1
	done
	wait_for 10 ns_exec c1 ping -c1 -W1 250.3.4.1 > /dev/null
}

# mtus ULMTU: tunl0 and vx0 as their operators set them.
tunnel_mtus()
{
	local ul=$1 h
	for h in h1 h2; do
		ns_ip $h -batch - <<-EOF || return 1
			link set tunl0 mtu $((ul - 20))
			link set vx0 mtu $((ul - 50))
		EOF
	done
}

# unsupported CASE: why CASE cannot run here ("" if it can).
unsupported()
{
	case $1 in
	fan-direct) echo "$DIRECT_UNSUPPORTED" ;;
	fan-direct+ct) echo "${DIRECT_UNSUPPORTED:-$CT_UNSUPPORTED}" ;;
	fan+notrack) echo "$NOTRACK_UNSUPPORTED" ;;
	fan+ct+notrack) echo "${CT_UNSUPPORTED:-$NOTRACK_UNSUPPORTED}" ;;
	*+ct) echo "$CT_UNSUPPORTED" ;;
	esac
}

# activate CASE ULMTU: routes and device states of CASE on both hosts,
# container MTUs as that overlay would give them.  ftun0 is up only for
# the fan: it sees IPIP packets before tunl0 and would take ipip's (and in
# ipip mode drops plain packets for its overlay).  The other cases' /24
# routes beat the fan's /8; ACTIVE says whether one is there to remove.
# CASE+ct: CASE with conntrack active; +notrack: fanctl's notrack rules.
ACTIVE=

activate()
{
	local c=${1%+notrack} ul=$2 mtu route1 route2 fan=down del1='' del2='' i del route br
	local ct=off nt=off
	[ "$1" = "$c" ] || nt=on
	# fanctl up puts back the rules of the map as it made it (ipip)
	if [ "$NOTRACK_NOW" != "$nt" ]; then
		fan_modes ipip && notrack_rules "$nt" || return 1
	fi
	[ "$c" = "${c%+ct}" ] || ct=on
	c=${c%+ct}
	ct_rules "$ct" || return 1
	case $c in
	fan|fan-direct)
		if [ "$c" = fan ]; then
			fan_modes ipip || return 1
		else
			fan_modes direct || return 1
		fi ;;
	esac
	case $c in
	native|routed)
		mtu=$ul
		route1="route replace 250.9.200.0/24 via $H2 dev ul0"
		route2="route replace 250.3.4.0/24 via $H1 dev ul0" ;;
	ipip)
		mtu=$((ul - 20))
		route1="route replace 250.9.200.0/24 via $H2 dev tunl0 onlink"
		route2="route replace 250.3.4.0/24 via $H1 dev tunl0 onlink" ;;
	vxlan)
		mtu=$((ul - 50))
		route1="route replace 250.9.200.0/24 via 250.9.200.0 dev vx0 onlink"
		route2="route replace 250.3.4.0/24 via 250.3.4.0 dev vx0 onlink" ;;
	fan|fan-direct)
		# Direct mode sends the packet itself: no 20 bytes of IPIP.
		mtu=$((ul - 20)) fan=up
		[ "$c" = fan ] || mtu=$ul
		route1="route replace $FAN_ROUTE1"
		route2="route replace $FAN_ROUTE2"
		case ${ACTIVE%%+*} in
		''|fan|fan-direct) ;;
		*)
			del1="route del 250.9.200.0/24"
			del2="route del 250.3.4.0/24" ;;
		esac ;;
	*) die "unknown case $c" ;;
	esac
	for i in 1 2; do
		del=del$i route=route$i br=BR$i
		ns_ip h$i -batch - <<-EOF || return 1
			${!del}
			link set ftun0 $fan
			${!route}
			link set $(veth_name c$i) mtu $mtu
			link set ${!br} mtu $mtu
		EOF
		ns_ip c$i link set eth0 mtu "$mtu" || return 1
	done
	ACTIVE=$1
}

# stat_line: the "cpu" line of /proc/stat (no exec).
stat_line()
{
	local l
	read -r l < /proc/stat
	echo "$l"
}

# measure DIR CASE: every figure of one case, files in DIR.  Single-stream
# TCP and request/response run with both ends on CPU 0, so they measure the
# path's cost rather than cross-CPU wakeups; the packet-rate sender is on
# CPU 0 (where the whole forwarding path runs: veth and IPoIB deliver on the
# sending CPU) and its sink on CPU 1; 4 streams may use both CPUs.
measure()
{
	local d=$1 c=$2 src=c1 dst=c2 addr=$C2 pid s0 s1 i
	if [ "$c" = native ]; then
		src=h1 dst=h2 addr=$H2
	fi
	mkdir -p "$d"
	ul_xstats h1 > "$d/ul0-h1.before"
	ul_xstats h2 > "$d/ul0-h2.before"
	if [ "$CT_NOW" = on ]; then
		# An empty table: what is in it after, this case tracked.
		for i in 1 2; do
			ns_exec h$i python3 "$top/selftests/bench/ct_flush.py" ||
				log "cannot flush h$i's conntrack table: its entries may be older"
		done
	fi
	s0=$(stat_line)
	ns_exec $src iperf3 -c $addr -t "$SECS" -O 1 -A 0,0 -J > "$d/tcp1.json" 2>&1
	s1=$(stat_line)
	printf '%s\n%s\n' "$s0" "$s1" > "$d/tcp1.stat"
	ns_exec $src iperf3 -c $addr -t "$SECS" -O 1 -P 4 -J > "$d/tcp4.json" 2>&1
	ns_exec $src taskset -c 0 "$FANBENCH" rr-client -d $addr -p 9001 -t "$SECS" > "$d/rr.json" 2>&1
	ns_exec $dst taskset -c 1 "$FANBENCH" udp-sink -p 9000 -t $((SECS + 10)) > "$d/sink.out" 2>&1 &
	pid=$!
	wait_for 5 grep -q listening "$d/sink.out"
	ns_exec $src taskset -c 0 "$FANBENCH" udp-send -d $addr -p 9000 -t "$SECS" > "$d/send.json" 2>&1
	wait $pid
	grep -v listening "$d/sink.out" > "$d/pps.json"
	rm -f "$d/sink.out"
	ul_xstats h1 > "$d/ul0-h1.after"
	ul_xstats h2 > "$d/ul0-h2.after"
	if [ "$CT_NOW" = on ]; then
		# What conntrack tracked: the inner flows and, for a tunnel,
		# the outer IPIP packets ("unknown 4").
		for i in 1 2; do
			ns_exec h$i cat /proc/net/nf_conntrack > "$d/conntrack-h$i.txt" 2>&1
		done
	fi
}

# xdelta DIR HOST NAME: growth of HOST's ul0 counter NAME over measure DIR.
xdelta()
{
	awk -v n="$3" '$1 == n { v[FILENAME ~ /after$/] = $2 } END { print v[1] - v[0] }' \
		"$1/ul0-$2.before" "$1/ul0-$2.after"
}

# check_model DIR MODEL: the counters say MODEL ran (h1 sends the bulk).
check_model()
{
	local d=$1 m=$2 gso seg whole
	[ -s "$d/ul0-h1.after" ] || return 0
	gso=$(xdelta "$d" h1 tx_gso_packets)
	seg=$(xdelta "$d" h1 tx_gso_segmented)
	whole=$(xdelta "$d" h1 tx_gso_whole)
	case $m in
	wire-mtu) [ "$whole" = 0 ] ;;
	whole-gso) [ "$seg" = 0 ] ;;
	no-tso) [ "$gso" = 0 ] ;;
	esac || die "$d: cost model $m, but h1's ul0 sent $gso GSO packets, $seg segmented, $whole whole"
}

# rotate N WORDS...: WORDS rotated left by N.
rotate()
{
	local n=$1
	shift
	local a=("$@") i k=$#
	for ((i = 0; i < k; i++)); do
		printf '%s ' "${a[(i + n) % k]}"
	done
}

# matrix KIND MTU MODEL: the repetitions of every case on the current
# topology, the underlay in cost model MODEL (veth: "veth"; connected
# mode: "no-tso").  A case that cannot run here gets a file "unsupported"
# with the reason instead of figures.
matrix()
{
	local kind=$1 ul=$2 cm=$3 r c order d why
	tunnel_mtus "$ul" || die "tunnel MTUs"
	for c in $CASES; do
		why=$(unsupported "$c")
		[ -n "$why" ] || continue
		mkdir -p "$out/matrix/$ul/$cm/$c"
		echo "$why" > "$out/matrix/$ul/$cm/$c/unsupported"
	done
	for ((r = 1; r <= REPS; r++)); do
		# shellcheck disable=SC2086
		order=$(rotate $((r - 1)) $CASES)
		for c in $order; do
			[ -z "$(unsupported "$c")" ] || continue
			activate "$c" "$ul" || die "activating $c"
			# A first packet to settle neighbours and the route.
			if [ "$c" != native ]; then
				wait_for 10 ns_exec c1 ping -c1 -W1 $C2 > /dev/null ||
					die "$c: c1 cannot reach c2"
			fi
			d=$out/matrix/$ul/$cm/$c/$r
			measure "$d" "$c"
			check_model "$d" "$cm"
			log "mtu $ul ($kind, $cm) rep $r $c: $(summary "$d")"
		done
	done
}

# summary DIR: one line of what was measured (for the log).
summary()
{
	local d=$1
	awk '
		FNR == 1 { f = FILENAME; sub(".*/", "", f) }
		f == "tcp1.json" && /"bits_per_second"/ { t1 = $2 }
		f == "tcp4.json" && /"bits_per_second"/ { t4 = $2 }
		f == "rr.json" { match($0, /"p50_us": [0-9.]+/); rr = substr($0, RSTART + 10, RLENGTH - 10) }
		f == "pps.json" { match($0, /"pps": [0-9.]+/); pps = substr($0, RSTART + 7, RLENGTH - 7) }
		END { printf "tcp1 %.0f Mb/s, tcp4 %.0f Mb/s, rr p50 %s us, %s pps\n",
			t1 / 1e6, t4 / 1e6, rr, pps }' \
		"$d/tcp1.json" "$d/tcp4.json" "$d/rr.json" "$d/pps.json" 2>/dev/null
}

teardown()
{
	ns_cleanup
	# netns.sh's state is gone; make it anew for the next topology.
	_NS_STATE=$(mktemp -d "${TMPDIR:-/tmp}/netns-state.XXXXXX")
	# Devices of deleted namespaces go asynchronously.
	sleep 1
}

# mem_kb: slab and per-cpu memory in kB (the kernel memory per-host state
# takes: routes, neighbours, FDB entries and their dst caches).
mem_kb()
{
	awk '$1 == "Slab:" || $1 == "Percpu:" { s += $2 } END { print s }' /proc/meminfo
}

# scale_state FROM TO: ip -batch and bridge -batch files adding the
# per-host state of hosts FROM..TO-1 (0-based, in fanbench hosts order)
# for ipip (251/8), vxlan (252/8) and routed (253/8), and the underlay
# neighbour entries every case needs (all pointing at h2, the sink).
# "replace" where h2 (9.200), one of the hosts, already has an entry.
# Each route gets its own metric: Linux hashes a route's fib_info by
# device, protocol, scope, source and metric, not by gateway, so 65,000
# routes to 65,000 gateways on one device would take O(n^2) to insert
# (minutes under TCG).  Lookups do not care: one route per prefix.
scale_state()
{
	local from=$1 to=$2 lladdr
	lladdr=$(ns_exec h2 cat /sys/class/net/ul0/address)
	"$FANBENCH" hosts "$to" -x 3.4 | awk -v from="$from" -v ll="$lladdr" -v d="$out/scale" '
		NR > from {
			a = $1; b = $2
			ul = "10.7." a "." b
			print "neigh replace " ul " lladdr " ll " dev ul0 nud permanent" > (d "/neigh.batch")
			print "route add 251." a "." b ".0/24 via " ul " dev tunl0 onlink metric " NR > (d "/ipip.batch")
			print "route add 253." a "." b ".0/24 via " ul " dev ul0 metric " NR > (d "/routed.batch")
			mac = sprintf("02:fa:00:%02x:%02x:00", a, b)
			print "route add 252." a "." b ".0/24 via 252." a "." b ".0 dev vx0 onlink metric " NR > (d "/vxlan.batch")
			print "neigh replace 252." a "." b ".0 lladdr " mac " dev vx0 nud permanent" > (d "/vxlan.batch")
			print "fdb replace " mac " dev vx0 dst " ul > (d "/vxlan-fdb.batch")
		}'
}

# scale_add N_OLD N: add the state for hosts N_OLD..N-1, measuring memory
# per case.  Appends to OUT/scale/mem.txt: "N case kB_delta hosts_added".
scale_add()
{
	local from=$1 to=$2 m0 m1 c
	rm -f "$out"/scale/*.batch
	scale_state "$from" "$to"
	for c in neigh ipip routed vxlan; do
		m0=$(mem_kb)
		ns_ip h1 -batch "$out/scale/$c.batch" || die "scale: adding $c state"
		if [ "$c" = vxlan ]; then
			ns_exec h1 bridge -batch "$out/scale/vxlan-fdb.batch" ||
				die "scale: adding the VXLAN FDB"
		fi
		m1=$(mem_kb)
		echo "$to $c $((m1 - m0)) $((to - from))" >> "$out/scale/mem.txt"
		log "scale: $c state for hosts $from..$((to - 1)): +$((m1 - m0)) kB"
	done
	rm -f "$out"/scale/*.batch
	{
		echo "$to routes $(ns_ip h1 route show | wc -l)"
		echo "$to neigh $(ns_ip h1 neigh show | wc -l)"
		echo "$to fdb $(ns_exec h1 bridge fdb show dev vx0 | wc -l)"
	} >> "$out/scale/count.txt"
}

# The scale phase: one sender (h1, container c1), h2 a sink dropping
# everything at ingress.
scale()
{
	local kind=$1 n prev=0 prev_n=0 r c order first dst d t0 t1 m0 m1
	topology "$kind" || die "scale topology"
	echo "scale_underlay=$kind $(ul_mtu)" >> "$out/meta.txt"
	if [ "$kind" = ib ]; then
		# 64-byte datagrams: no GSO, the cost model does not matter.
		ib_cost "${COST_MODELS%% *}" || die "cost model"
		echo "scale_cost_model=${COST_MODELS%% *}" >> "$out/meta.txt"
	else
		echo "scale_cost_model=veth" >> "$out/meta.txt"
	fi
	tunnel_mtus "$(ul_mtu)" || die "tunnel MTUs"
	activate fan "$(ul_mtu)" || die "activating the fan"
	mkdir -p "$out/scale"
	: > "$out/scale/mem.txt"
	: > "$out/scale/mem-traffic.txt"
	: > "$out/scale/count.txt"
	ns_exec h2 tc qdisc add dev ul0 clsact &&
	ns_exec h2 tc filter add dev ul0 ingress matchall action drop ||
		die "scale: tc drop on h2"
	for n in $SCALE; do
		log "scale: state for $n hosts"
		scale_add "$prev" "$n"
		prev_n=$prev
		prev=$n
		for ((r = 1; r <= SCALE_REPS; r++)); do
			# fan-direct: the fan's 250/8 with ftun0's map in
			# direct mode, where fan.ko has it.
			# shellcheck disable=SC2086
			order=$(rotate $((r - 1)) fan ipip vxlan routed \
				$([ -n "$DIRECT_UNSUPPORTED" ] || echo fan-direct))
			for c in $order; do
				case $c in
				fan) first=250 ;; ipip) first=251 ;;
				vxlan) first=252 ;; routed) first=253 ;;
				fan-direct) first=250 ;;
				esac
				if [ "$c" = fan-direct ]; then
					fan_modes direct || die "scale: fan-direct"
				else
					fan_modes ipip || die "scale: fan in ipip mode"
				fi
				d=$out/scale/$n/$c
				mkdir -p "$d"
				# The first traffic to the hosts added: the state
				# that traffic, not configuration, creates (for
				# the fan the only per-host memory there can be).
				m0=$(mem_kb)
				t0=$(ns_exec h1 cat /sys/class/net/ul0/statistics/tx_packets)
				ns_exec c1 taskset -c 0 "$FANBENCH" udp-send -s $first "$n" 2 -x 3.4 -p 9000 \
					-t "$SECS" > "$d/$r.json" 2>&1
				t1=$(ns_exec h1 cat /sys/class/net/ul0/statistics/tx_packets)
				m1=$(mem_kb)
				[ "$r" != 1 ] ||
					echo "$n $c $((m1 - m0)) $((n - prev_n))" >> "$out/scale/mem-traffic.txt"
				echo "$t0 $t1" > "$d/$r.ul0"
				log "scale: $n hosts rep $r $c: $(cat "$d/$r.json"), ul0 +$((t1 - t0))" \
					"$([ "$r" != 1 ] || echo ", memory +$((m1 - m0)) kB")"
			done
		done
		# Route exceptions (PMTU) the traffic left behind: per-host
		# state too, if any.
		echo "$n exceptions $(ns_ip h1 route show cache | grep -c '^[0-9]')" >> "$out/scale/count.txt"
		log "scale: $n hosts: $(ns_ip h1 route show cache | grep -c '^[0-9]') route exceptions on h1"
	done
	ns_exec h1 ethtool -S ftun0 > "$out/scale/ftun0-ethtool.txt" 2>&1
	teardown
}

mkdir -p "$out"
modules
{
	echo "kernel=$kver"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpus=$(nproc)"
	echo "reps=$REPS"
	echo "secs=$SECS"
	echo "mtus=$MTUS"
	echo "cases=$CASES"
	echo "cost_models=$COST_MODELS"
	echo "scale=$SCALE"
	echo "iperf3=$(iperf3 --version | head -1)"
} > "$out/meta.txt"
log "kernel $kver, $(nproc) CPUs, $REPS repetitions of ${SECS}s, MTUs: $MTUS"

ran_ib=0
for mtu in $MTUS; do
	case $mtu in
	1500)
		topology veth || die "veth topology"
		matrix veth 1500 veth
		teardown ;;
	2044|4092|65520)
		have_ib || { log "no ipoib_emu: MTU $mtu skipped"; continue; }
		# Every IPoIB MTU and cost model on one topology.
		if [ "$ran_ib" = 0 ]; then
			topology ib || die "ib topology"
			ran_ib=1
		fi
		ib_underlay "$mtu" || die "ul0 for MTU $mtu"
		[ "$(ul_mtu)" = "$mtu" ] || die "ul0 mtu $(ul_mtu), want $mtu"
		if [ "$mtu" = 65520 ]; then
			# No TSO in connected mode: the models are one.
			cm=${COST_MODELS%% *}
			ib_cost "$cm" || die "cost model $cm"
			matrix ib "$mtu" no-tso
		else
			for cm in $COST_MODELS; do
				ib_cost "$cm" || die "cost model $cm"
				matrix ib "$mtu" "$cm"
			done
		fi ;;
	*) die "MTU $mtu: 1500, 2044, 4092 or 65520" ;;
	esac
done
[ "$ran_ib" = 0 ] || teardown

if [ -n "$SCALE" ]; then
	if have_ib; then scale ib; else scale veth; fi
fi

dmesg_check > "$out/dmesg-check.txt" || die "kernel splat (see $out/dmesg-check.txt)"
log "done"
