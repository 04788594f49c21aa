#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan demo, run inside the test VM by scripts/demo.sh (make demo):
# three fan hosts as network namespaces on one underlay (the emulated IPoIB
# fabric if ipoib_emu.ko is built for this kernel, else veth into a
# switch), `fanctl up 250.0.0.0/8 ib0/16` on each, two containers per host,
# pings between all containers, a TCP transfer across hosts, and
# `fanctl down` leaving nothing behind.  Narrates with "==> " lines and
# shows every command it runs after "$ ".  Exits non-zero at the first step
# that fails: the demo doubles as a smoke test.
#
#   selftests/vm/run-vm.sh -- scripts/demo-guest.sh
#
# It loads modules and makes namespaces named host1..3 and c1..6, so it
# refuses to run outside the VM unless FAN_ALLOW_HOST=1.

set -u -o pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kver=$(uname -r)
fan_ko=${FAN_KO:-$top/build/modules/$kver/fan.ko}
ipoib_ko=${IPOIB_KO:-$top/build/modules/$kver/ipoib_emu.ko}
export PATH=$top/tools/fanctl:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

OVERLAY=250.0.0.0/8
UL=ib0
HOSTS=(host1 host2 host3)
declare -A HOST_ADDR=([host1]=10.7.3.4 [host2]=10.7.9.200 [host3]=10.7.200.1)
CONTAINERS=(c1 c2 c3 c4 c5 c6)
declare -A C_HOST=([c1]=host1 [c2]=host1 [c3]=host2 [c4]=host2 [c5]=host3 [c6]=host3)
declare -A C_ADDR=([c1]=250.3.4.2 [c2]=250.3.4.3 [c3]=250.9.200.2 [c4]=250.9.200.7
		   [c5]=250.200.1.2 [c6]=250.200.1.3)
tmp=
t0=$(date +%s%N)

say() { echo "==> $*"; }

# phase NAME: time spent since the previous phase is charged to it.
phases=
t_phase=$t0
phase()
{
	local now
	now=$(date +%s%N)
	phases+="${phases:+, }$1 $(( (now - t_phase) / 1000000000 )).$(( (now - t_phase) / 100000000 % 10 ))s"
	t_phase=$now
}

die()
{
	echo "demo: FAILED: $*" >&2
	exit 1
}

# run 'CMD': show CMD after "$ " and run it (eval: pipes and redirections
# read as written); any failure ends the demo.
run()
{
	echo "\$ $1"
	eval "$1" || die "$1 (exit $?)"
}

# quiet 'CMD': run CMD without showing it; fail the demo if it fails.
quiet()
{
	eval "$1" > /dev/null 2>&1 || die "$1"
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for()
{
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

cleanup()
{
	local n
	[ -n "$tmp" ] && rm -rf "$tmp"
	for n in "${CONTAINERS[@]}" "${HOSTS[@]}"; do
		[ -e "/run/netns/$n" ] || continue
		# shellcheck disable=SC2046
		kill -9 $(ip netns pids "$n" 2>/dev/null) 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
}

if [ "${FAN_IN_VM:-0}" != 1 ] && [ "${FAN_ALLOW_HOST:-0}" != 1 ]; then
	die "run me in the test VM: selftests/vm/run-vm.sh -- $0 (or make demo)"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root"
for n in "${CONTAINERS[@]}" "${HOSTS[@]}"; do
	[ -e "/run/netns/$n" ] && die "namespace $n already exists"
done
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tmp=$(mktemp -d /tmp/fan-demo.XXXXXX)
cd "$top" || die "cd $top"

# --- modules ---------------------------------------------------------------

say "fan demo on Linux $kver"
[ -r "$fan_ko" ] || die "no $fan_ko (make modules)"
[ -x "$top/tools/fanctl/fanctl" ] || die "no tools/fanctl/fanctl (make fanctl)"
if [ -r "$ipoib_ko" ]; then
	underlay=ib
	say "load the fan driver, and ipoib_emu: an emulated InfiniBand fabric (no HCA in a VM)"
else
	underlay=veth
	UL=ul0		# not an IPoIB device: do not call it ib0
	say "load the fan driver (no ipoib_emu.ko for $kver: the underlay is $UL, a veth into a switch)"
fi
for dep in $(modinfo -F depends "$fan_ko" 2>/dev/null | tr ',' ' '); do
	quiet "modprobe $dep"
done
run "insmod ${fan_ko#"$top"/}"
[ "$underlay" = ib ] && run "insmod ${ipoib_ko#"$top"/}"

phase modules

# --- hosts -----------------------------------------------------------------

echo
say "three hosts on one underlay 10.7.0.0/16, each a network namespace with $UL"
if [ "$underlay" = veth ]; then
	run "ip netns add switch"
	HOSTS+=(switch)		# for cleanup
	run "ip -n switch link add br0 type bridge && ip -n switch link set br0 up"
fi
for h in host1 host2 host3; do
	run "ip netns add $h"
	if [ "$underlay" = ib ]; then
		run "ip link add ib-$h type ipoib_emu"
		run "ip link set ib-$h netns $h name $UL"
	else
		run "ip -n $h link add $UL type veth peer name $h netns switch"
		run "ip -n switch link set $h master br0 up"
	fi
	run "ip -n $h addr add ${HOST_ADDR[$h]}/16 dev $UL"
	run "ip -n $h link set lo up && ip -n $h link set $UL up"
done
run "ip -n host1 -br addr show dev $UL"
wait_for 10 ip netns exec host1 ping -c1 -W1 -q 10.7.200.1 > /dev/null ||
	die "host1 cannot reach host3 over the underlay"

phase hosts

# --- fanctl up ---------------------------------------------------------------

echo
say "the fan: $OVERLAY over the /16 of $UL.  Host U.U.A.B owns the slice 250.A.B.0/24"
for h in host1 host2 host3; do
	run "ip netns exec $h fanctl up $OVERLAY $UL/16"
done
echo
run "ip netns exec host1 fanctl show"
echo
say "which host is 250.9.200.7 on?  (the map is pure arithmetic: no database)"
run "ip netns exec host1 fanctl map 250.9.200.7"

phase fanctl-up

# --- containers --------------------------------------------------------------

echo
say "two containers per host: a namespace with eth0, a veth into the slice bridge,"
say "an address from the slice and the default route via the bridge (.1)"
first=1
for c in "${CONTAINERS[@]}"; do
	h=${C_HOST[$c]}
	a=${C_ADDR[$c]}
	br=fan-${a%.*}
	br=${br//./-}
	gw=${a%.*}.1
	cmds=("ip netns add $c"
	      "ip -n $c link add eth0 type veth peer name veth-$c netns $h"
	      "ip -n $h link set veth-$c master $br up"
	      "ip -n $c addr add $a/24 dev eth0"
	      "ip -n $c link set eth0 up"
	      "ip -n $c route add default via $gw")
	if [ "$first" = 1 ]; then
		for cmd in "${cmds[@]}"; do
			run "$cmd"
		done
		say "... and the same for the others:"
		first=0
	else
		# The same commands, fewer processes: ip -batch per namespace.
		quiet "ip netns add $c"
		quiet "ip -n $c link add eth0 type veth peer name veth-$c netns $h"
		quiet "ip -n $h link set veth-$c master $br up"
		printf '%s\n' "addr add $a/24 dev eth0" "link set eth0 up" \
			"route add default via $gw" > "$tmp/batch"
		quiet "ip -n $c -batch $tmp/batch"
	fi
done
for c in "${CONTAINERS[@]}"; do
	printf '    %-3s %-13s on %s (%s)\n' "$c" "${C_ADDR[$c]}" "${C_HOST[$c]}" "${HOST_ADDR[${C_HOST[$c]}]}"
done

phase containers

# --- pings -------------------------------------------------------------------

echo
say "every container pings every other one; round-trip times in ms"
say "(same host: through the bridge; other hosts: through the fan, IPIP over $UL)"
echo "\$ ip netns exec c1 ping -c1 -W2 250.9.200.7    # and so on, for all 30 pairs"
fails=0
printf -v matrix '    %-18s' 'from \ to'
for c in "${CONTAINERS[@]}"; do
	printf -v matrix '%s%8s' "$matrix" "$c"
done
matrix+=$'\n'
# ping_rtt FROM TO: the round-trip time in ms, or nothing.
ping_rtt()
{
	ip netns exec "$1" ping -c1 -W3 "${C_ADDR[$2]}" 2>&1 |
		sed -n 's/^rtt [^=]*= \([0-9.]*\)\/.*/\1/p'
}
for from in "${CONTAINERS[@]}"; do
	printf -v matrix '%s    %-3s %-14s' "$matrix" "$from" "${C_ADDR[$from]}"
	# A row at a time, its pings in parallel.
	for to in "${CONTAINERS[@]}"; do
		[ "$from" = "$to" ] || ping_rtt "$from" "$to" > "$tmp/rtt-$to" &
	done
	wait
	for to in "${CONTAINERS[@]}"; do
		if [ "$from" = "$to" ]; then
			printf -v matrix '%s%8s' "$matrix" -
			continue
		fi
		rtt=$(cat "$tmp/rtt-$to")
		# Lost (e.g. behind a slow first ARP on a loaded machine): once more.
		[ -n "$rtt" ] || rtt=$(ping_rtt "$from" "$to")
		if [ -n "$rtt" ]; then
			printf -v matrix '%s%8.2f' "$matrix" "$rtt"
		else
			printf -v matrix '%s%8s' "$matrix" FAIL
			fails=$((fails + 1))
		fi
	done
	matrix+=$'\n'
done
printf '%s' "$matrix"
[ "$fails" -eq 0 ] || die "$fails of 30 pings failed"
say "30 of 30 pairs reach each other"

phase pings

# --- on the wire ---------------------------------------------------------------

echo
say "on the underlay it is one IPv4 header more: IPIP from host to host"
say "(a raw socket on host2 prints outer and inner addresses)"
echo "\$ ip netns exec host2 python3 selftests/net/sniff.py ipip 2 60 &"
ip netns exec host2 python3 selftests/net/sniff.py ipip 2 60 > "$tmp/wire" 2>&1 &
spid=$!
wait_for 60 grep -q listening "$tmp/wire" || die "sniff.py did not start"
run "ip netns exec c1 ping -c2 -i0.3 -q 250.9.200.7 | tail -n2"
wait $spid || die "no IPIP seen on host2's $UL"
grep -v listening "$tmp/wire" | sed 's/^/    /'
grep -q '10.7.3.4 > 10.7.9.200: 250.3.4.2 > 250.9.200.7' "$tmp/wire" ||
	die "expected IPIP 10.7.3.4 > 10.7.9.200 carrying 250.3.4.2 > 250.9.200.7"

phase ipip

# --- TCP -----------------------------------------------------------------------

echo
say "TCP across hosts: 4 MB from c1 (250.3.4.2, host1) to c4 (250.9.200.7, host2)"
run "head -c 4000000 /dev/urandom > $tmp/sent"
echo "\$ ip netns exec c4 socat -u TCP-LISTEN:7777 OPEN:$tmp/received,creat &"
ip netns exec c4 socat -u TCP-LISTEN:7777,reuseaddr "OPEN:$tmp/received,creat,trunc" &
lpid=$!
wait_for 30 sh -c "ip netns exec c4 ss -ltn | grep -q ':7777 '" || die "socat did not listen"
t1=$(date +%s%N)
run "ip netns exec c1 timeout 60 socat -u OPEN:$tmp/sent TCP:250.9.200.7:7777"
wait $lpid || die "the receiving socat failed"
ms=$(( ($(date +%s%N) - t1) / 1000000 ))
run "sha256sum $tmp/sent $tmp/received"
[ "$(sha256sum < "$tmp/sent")" = "$(sha256sum < "$tmp/received")" ] ||
	die "the received data differ from the sent data"
say "4 MB arrived intact in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s" \
    "($(( 32000 / (ms > 0 ? ms : 1) )) Mbit/s; an emulated CPU, not a benchmark)"
run "ip netns exec host1 cat /sys/class/net/ftun0/statistics/tx_packets"

phase tcp

# --- fanctl down -----------------------------------------------------------------

echo
say "the containers stop, then fanctl down on every host (it keeps a bridge"
say "that still has ports; a namespace's devices go later, in a kernel worker,"
say "so each container's veth is deleted first)"
run "for c in c1 c2 c3 c4 c5 c6; do ip -n \$c link del eth0; ip netns del \$c; done"
for h in host1 host2 host3; do
	run "ip netns exec $h fanctl down $OVERLAY $UL/16"
done

echo
say "nothing is left: only lo and $UL, only the underlay route, no nftables rules"
run "ip netns exec host1 fanctl show"
for h in host1 host2 host3; do
	run "ip -n $h -br link"
done
run "ip -n host1 route"
run "ip netns exec host1 nft list ruleset"
for h in host1 host2 host3; do
	links=$(ip -n "$h" -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
	[ "$links" = "$(printf '%s\n' lo "$UL" | sort | tr '\n' ' ')" ] || die "$h still has: $links"
	routes=$(ip -n "$h" route | grep -v '^10\.7\.0\.0/16 ')
	[ -z "$routes" ] || die "$h still has routes: $routes"
	rules=$(ip netns exec "$h" nft list ruleset)
	[ -z "$rules" ] || die "$h still has nftables rules: $rules"
	out=$(ip netns exec "$h" fanctl show)
	# the header only, as ip and wg print nothing for nothing
	[ -z "$(printf '%s\n' "$out" | sed 1d)" ] || die "fanctl show on $h lists fans: $out"
	echo "$out" | grep -q '^ftun' && die "$h still has a fan device: $out"
done
say "the hosts go too, and the fan driver unloads: no references left"
cleanup
for _ in $(seq 50); do
	rmmod fan 2> /dev/null && break
	sleep 0.2
done
if grep -q '^fan ' /proc/modules; then
	run "rmmod fan"
else
	echo "\$ rmmod fan"
fi
phase down
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo
say "time per step: $phases"
say "demo done in $((ms / 1000))s: the fan works on Linux $kver (underlay: $underlay)"
