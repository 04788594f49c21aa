#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan benchmark, inside the test VM (scripts/bench.sh runs it):
#
#   selftests/vm/run-vm.sh -- selftests/bench/bench-guest.sh OUTDIR
#
# Two hosts h1, h2 (namespaces) on one underlay, a container behind each
# host's bridge (c1 250.3.4.2 on h1, c2 250.9.200.7 on h2), and five ways
# for c1 to reach c2, all set up side by side and switched per case:
#
#   native  h1 -> h2 on the underlay, no container
#   routed  plain routes, no encapsulation (the limit for any overlay)
#   ipip    ipip.ko's tunl0 with a route per host (Calico IPIP style)
#   vxlan   a VXLAN device, route + neighbour + FDB entry per host (flannel)
#   fan     fanctl up 250.0.0.0/8 ul0/16 (no per-host state)
#
# For each underlay MTU (1500: veth; 2044 and 65520: the emulated IPoIB
# fabric in datagram and connected mode) and each repetition, every case
# runs in turn (the order rotates per repetition, so drift hits all cases):
# iperf3 TCP 1 and 4 streams, TCP request/response latency and UDP
# 64-byte packet rate (selftests/bench/fanbench.c), /proc/stat around the
# single-stream TCP run for the CPU cost.
#
# Then the scale phase: c1 sends 64-byte UDP to N = 1, 256, 65000 distinct
# remote hosts spread over the whole /8 through the fan, ipip, vxlan and
# routed (each on its own /8 so their per-host state coexists), h2 drops
# everything at ingress (tc), and the packet rate leaving h1's underlay
# device is the sender's cost.  /proc/meminfo (Slab + Percpu) around adding
# each case's per-host state gives the kernel memory per remote host.
#
# Raw results go to OUTDIR (one small file per measurement); the host turns
# them into the tables and the chart (selftests/bench/report.py).
#
# Environment: BENCH_REPS (3), BENCH_SECS (seconds per measurement, 1),
# BENCH_MTUS ("1500 2044 65520"), BENCH_CASES ("native routed ipip vxlan
# fan"), BENCH_SCALE ("1 256 65000"), BENCH_SCALE_REPS (= BENCH_REPS).

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
MTUS=${BENCH_MTUS:-1500 2044 65520}
CASES=${BENCH_CASES:-native routed ipip vxlan fan}
SCALE=${BENCH_SCALE:-1 256 65000}
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

# ib_mode MODE: both hosts' ul0 to datagram or connected mode.
ib_mode()
{
	local h
	for h in h1 h2; do
		ns_exec $h sh -c "echo $1 > /sys/class/net/ul0/mode" || return 1
	done
}

ul_mtu()
{
	ns_exec h1 cat /sys/class/net/ul0/mtu
}

# The per-host devices of every case: the fan (fanctl, no NAT so no
# conntrack anywhere), tunl0 and a VXLAN device, all over ul0.
# setup_host HOST ADDR VX_MAC
setup_host()
{
	local h=$1 addr=$2 mac=$3 a b
	IFS=. read -r _ _ a b <<< "$addr"
	ns_exec "$h" "$FANCTL" up 250.0.0.0/8 ul0/16 no-nat > /dev/null || return 1
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

# activate CASE ULMTU: routes and device states of CASE on both hosts,
# container MTUs as that overlay would give them.  ftun0 is up only for
# the fan: it sees IPIP packets before tunl0 and would take ipip's.  The
# other cases' /24 routes beat the fan's /8; ACTIVE says whether one is
# there to remove.
ACTIVE=

activate()
{
	local c=$1 ul=$2 mtu route1 route2 fan=down del1='' del2='' i del route br
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
	fan)
		mtu=$((ul - 20)) fan=up
		route1="route replace $FAN_ROUTE1"
		route2="route replace $FAN_ROUTE2"
		if [ -n "$ACTIVE" ] && [ "$ACTIVE" != fan ]; then
			del1="route del 250.9.200.0/24"
			del2="route del 250.3.4.0/24"
		fi ;;
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
	ACTIVE=$c
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
	local d=$1 c=$2 src=c1 dst=c2 addr=$C2 pid s0 s1
	if [ "$c" = native ]; then
		src=h1 dst=h2 addr=$H2
	fi
	mkdir -p "$d"
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

# matrix KIND MTU: the repetitions of every case on the current topology.
matrix()
{
	local kind=$1 ul=$2 r c order d
	tunnel_mtus "$ul" || die "tunnel MTUs"
	for ((r = 1; r <= REPS; r++)); do
		# shellcheck disable=SC2086
		order=$(rotate $((r - 1)) $CASES)
		for c in $order; do
			activate "$c" "$ul" || die "activating $c"
			# A first packet to settle neighbours and the route.
			if [ "$c" != native ]; then
				wait_for 10 ns_exec c1 ping -c1 -W1 $C2 > /dev/null ||
					die "$c: c1 cannot reach c2"
			fi
			d=$out/matrix/$ul/$c/$r
			measure "$d" "$c"
			log "mtu $ul ($kind) rep $r $c: $(summary "$d")"
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
	local kind=$1 n prev=0 r c order first dst d t0 t1
	topology "$kind" || die "scale topology"
	echo "scale_underlay=$kind $(ul_mtu)" >> "$out/meta.txt"
	tunnel_mtus "$(ul_mtu)" || die "tunnel MTUs"
	activate fan "$(ul_mtu)" || die "activating the fan"
	mkdir -p "$out/scale"
	: > "$out/scale/mem.txt"
	: > "$out/scale/count.txt"
	ns_exec h2 tc qdisc add dev ul0 clsact &&
	ns_exec h2 tc filter add dev ul0 ingress matchall action drop ||
		die "scale: tc drop on h2"
	for n in $SCALE; do
		log "scale: state for $n hosts"
		scale_add "$prev" "$n"
		prev=$n
		for ((r = 1; r <= SCALE_REPS; r++)); do
			order=$(rotate $((r - 1)) fan ipip vxlan routed)
			for c in $order; do
				case $c in
				fan) first=250 ;; ipip) first=251 ;;
				vxlan) first=252 ;; routed) first=253 ;;
				esac
				d=$out/scale/$n/$c
				mkdir -p "$d"
				t0=$(ns_exec h1 cat /sys/class/net/ul0/statistics/tx_packets)
				ns_exec c1 taskset -c 0 "$FANBENCH" udp-send -s $first "$n" 2 -x 3.4 -p 9000 \
					-t "$SECS" > "$d/$r.json" 2>&1
				t1=$(ns_exec h1 cat /sys/class/net/ul0/statistics/tx_packets)
				echo "$t0 $t1" > "$d/$r.ul0"
				log "scale: $n hosts rep $r $c: $(cat "$d/$r.json"), ul0 +$((t1 - t0))"
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
	echo "scale=$SCALE"
	echo "iperf3=$(iperf3 --version | head -1)"
} > "$out/meta.txt"
log "kernel $kver, $(nproc) CPUs, $REPS repetitions of ${SECS}s, MTUs: $MTUS"

ran_ib=0
for mtu in $MTUS; do
	case $mtu in
	1500)
		topology veth || die "veth topology"
		matrix veth 1500
		teardown ;;
	2044|65520)
		have_ib || { log "no ipoib_emu: MTU $mtu skipped"; continue; }
		# Datagram then connected mode on one topology.
		if [ "$ran_ib" = 0 ]; then
			topology ib || die "ib topology"
			ran_ib=1
		fi
		if [ "$mtu" = 65520 ]; then
			ib_mode connected || die "connected mode"
		fi
		[ "$(ul_mtu)" = "$mtu" ] || die "ul0 mtu $(ul_mtu), want $mtu"
		matrix ib "$mtu" ;;
	*) die "MTU $mtu: 1500, 2044 or 65520" ;;
	esac
done
[ "$ran_ib" = 0 ] || teardown

if [ -n "$SCALE" ]; then
	if have_ib; then scale ib; else scale veth; fi
fi

dmesg_check > "$out/dmesg-check.txt" || die "kernel splat (see $out/dmesg-check.txt)"
log "done"
